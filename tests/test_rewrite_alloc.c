/* test_rewrite_alloc.c: local_elemwise_alloc (src/rewrite/canon_alloc.c), the removal of
   Alloc inputs of Elemwise nodes. For each case: the compiled graph (the Alloc is gone
   when the rewrite may fire, and stays when it is excluded or when the dims cannot be
   proved), values against the graph with the rewrite excluded and against FAST_COMPILE
   and a hand computation, over broadcasting, size-1 and empty dims, float32, float64 and
   int32, weak constants (the result dtype must not change), shape errors the original
   graph raises (still raised), and the allocation-failure sweep of compiling and calling
   a function where it fires. */
#include "alloc_sweep.h"
#include "rewrite/rewrite.h"
#include "rewrite_check.h"

#define EXCL "local_elemwise_alloc:local_elemwise_alloc_specialize"

/* Filled with 0.5 * i - 1 (i the flat index), converted to dt. */
static tg_array *ramp(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, 0.5 * (double)i - 1);
  return a;
}

/* Compile outs of ins in FAST_RUN with the rewrite on (excluding: NULL) or off. */
static tg_function *comp(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out, bool off) {
  return rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", off ? EXCL ":fusion" : "fusion");
}

/* Call f on args; the output (NULL on failure, status in *st). */
static tg_array *call(tg_function *f, tg_array *const *args, tg_status *st) {
  tg_array *out[1] = {NULL};
  *st = f ? tg_function_call(f, args, out) : TG_ERR_ARG;
  return out[0];
}

/* The rewrite fired (no Alloc left, when gone) with it on, not with it off; the values
   of both and of FAST_COMPILE agree exactly (dropping a fill changes no rounding) and
   have dtype dt. Returns the FAST_RUN result (the caller unrefs it). */
static tg_array *check_fires(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                             tg_array *const *args, bool gone, tg_dtype dt) {
  tg_function *on = comp(g, n_in, ins, out, false), *off = comp(g, n_in, ins, out, true);
  tg_function *fc = rw_compile(g, n_in, ins, 1, &out, "FAST_COMPILE", NULL);
  CHECK(on && off && fc);
  tg_array *r = NULL;
  if (on && off && fc) {
    bool ok = rw_fired(on, "local_elemwise_alloc") >= 1 && rw_fired(off, "local_elemwise_alloc") == 0 &&
              rw_count_op(off, "Alloc") >= 1 && (!gone || rw_count_op(on, "Alloc") == 0);
    if (!ok) {
      char *t = rw_graph_text(on);
      TH_FAIL("local_elemwise_alloc: fired %lld, %d Alloc left:\n%s",
              (long long)rw_fired(on, "local_elemwise_alloc"), rw_count_op(on, "Alloc"), t ? t : "");
      free(t);
    }
    th_checks++;
    tg_status s1, s2, s3;
    r = call(on, args, &s1);
    tg_array *u = call(off, args, &s2), *c = call(fc, args, &s3);
    CHECK(s1 == TG_OK && s2 == TG_OK && s3 == TG_OK);
    CHECK(r && u && c && tg_array_allclose(r, u, 0, 0, true) && tg_array_allclose(r, c, 0, 0, true));
    CHECK(r && tg_array_dtype(r) == dt && u && tg_array_dtype(u) == dt);
    tg_array_unref(u);
    tg_array_unref(c);
  }
  tg_function_free(on);
  tg_function_free(off);
  tg_function_free(fc);
  return r;
}

/* x + fill(x, 2) and x * alloc(3, cols of x) (a lower-rank fill), for x of each shape
   (size-1 and empty dims included) and dtype; checked against x + 2 and 3 * x by hand. */
TEST(fill_of_same_shape_fires) {
  const tg_dtype dts[] = {TG_FLOAT64, TG_FLOAT32, TG_INT32};
  const int64_t shapes[][2] = {{3, 4}, {1, 4}, {3, 1}, {0, 4}, {1, 1}};
  for (int k = 0; k < 3; k++)
    for (int s = 0; s < 5; s++) {
      tg_dtype dt = dts[k];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_matrix(g, "x", dt);
      tg_var *y1 = tg_add(x, tg_fill(x, tg_const_typed(g, dt, 2)));
      tg_var *y2 = tg_mul(tg_alloc(tg_const_typed(g, dt, 3), 1, (tg_var *[]){tg_shape_i(x, 1)}), x);
      tg_array *a = ramp(dt, 2, shapes[s]);
      tg_array *r1 = check_fires(g, 1, &x, y1, &a, true, dt);
      tg_array *r2 = check_fires(g, 1, &x, y2, &a, true, dt);
      for (int64_t i = 0; r1 && r2 && i < tg_array_size(a); i++) {
        double v = tg_array_get_f64(a, i);
        CHECK(tg_array_get_f64(r1, i) == v + 2 && tg_array_get_f64(r2, i) == 3 * v);
      }
      CHECK(r1 && tg_array_ndim(r1) == 2 && tg_array_shape(r1)[0] == shapes[s][0] &&
            tg_array_shape(r1)[1] == shapes[s][1]);
      tg_array_unref(r1);
      tg_array_unref(r2);
      tg_array_unref(a);
      tg_graph_free(g);
    }
}

/* A weak (Python scalar) float constant allocated and combined with a float32 matrix
   gives float64 (the alloc is a float64 array); without the alloc it must stay so. */
TEST(weak_constant_keeps_the_dtype) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_var *dims[2] = {tg_shape_i(x, 0), tg_shape_i(x, 1)};
  tg_var *y = tg_mul(x, tg_alloc(tg_const_f64(g, 0.1), 2, dims));
  CHECK(tg_var_dtype(y) == TG_FLOAT64);
  tg_array *a = ramp(TG_FLOAT32, 2, (int64_t[]){2, 3});
  tg_array *r = check_fires(g, 1, &x, y, &a, true, TG_FLOAT64);
  for (int64_t i = 0; r && i < 6; i++)
    CHECK(tg_array_get_f64(r, i) == (double)(float)tg_array_get_f64(a, i) * 0.1);
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

/* The value of the alloc broadcasts: a (1,)-vector or a (1, 1) matrix value, and a
   statically 1 alloc dim. */
TEST(small_values_broadcast) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *dims[2] = {tg_shape_i(x, 0), tg_shape_i(x, 1)};
  tg_array *v1 = tg_array_from_f64(1, (int64_t[]){1}, (double[]){4});
  tg_array *v11 = tg_array_from_f64(2, (int64_t[]){1, 1}, (double[]){-2});
  tg_var *c1 = tg_constant(g, v1), *c11 = tg_constant(g, v11);
  tg_var *ys[3] = {tg_sub(x, tg_alloc(c1, 2, dims)), tg_true_div(tg_alloc(c11, 2, dims), x),
                   tg_add(x, tg_alloc(c1, 2, (tg_var *[]){tg_const_i64(g, 1), dims[1]}))};
  double want[3][6];
  tg_array *a = ramp(TG_FLOAT64, 2, (int64_t[]){2, 3});
  for (int i = 0; i < 6; i++) {
    double v = tg_array_get_f64(a, i);
    want[0][i] = v - 4, want[1][i] = -2 / v, want[2][i] = v + 4;
  }
  for (int k = 0; k < 3; k++) {
    tg_array *r = check_fires(g, 1, &x, ys[k], &a, true, TG_FLOAT64);
    for (int i = 0; r && i < 6; i++) CHECK(tg_array_get_f64(r, i) == want[k][i]);
    tg_array_unref(r);
  }
  tg_array_unref(v1);
  tg_array_unref(v11);
  tg_array_unref(a);
  tg_graph_free(g);
}

/* Case B: no operand but allocs fixes the shape: -alloc(c, n), alloc(a, n) * alloc(b, n)
   and alloc(c, n) / 4 become one alloc of a scalar result; n = 0, 1, 5. */
TEST(alloc_lifted_over_scalars) {
  for (int64_t n = 0; n <= 5; n += n ? 4 : 1) {
    tg_graph *g = tg_graph_new();
    tg_var *nv = tg_scalar(g, "n", TG_INT64);
    tg_var *a = tg_alloc(tg_const_typed(g, TG_FLOAT32, 3), 1, &nv);
    tg_var *b = tg_alloc(tg_const_typed(g, TG_FLOAT32, 0.5), 1, &nv);
    tg_var *ys[3] = {tg_neg(a), tg_mul(a, b), tg_true_div(a, tg_const_typed(g, TG_FLOAT32, 4))};
    const double want[3] = {-3, 1.5, 0.75};
    tg_array *na = tg_array_scalar(TG_INT64, (double)n);
    for (int k = 0; k < 3; k++) {
      tg_function *f = comp(g, 1, &nv, ys[k], false);
      CHECK(f && rw_fired(f, "local_elemwise_alloc") >= 1 && rw_count_op(f, "Alloc") == 1 &&
            rw_count_op(f, "Elemwise*") == 0);
      tg_function_free(f);
      tg_array *r = check_fires(g, 1, &nv, ys[k], &na, false, TG_FLOAT32);
      CHECK(r && tg_array_size(r) == n);
      for (int64_t i = 0; r && i < n; i++) CHECK(tg_array_get_f64(r, i) == want[k]);
      tg_array_unref(r);
    }
    tg_array_unref(na);
    tg_graph_free(g);
  }
}

/* Run y in FAST_RUN (rewrite on) and with it excluded on args; both must fail with
   TG_ERR_SHAPE or TG_ERR_VALUE (the same status), and the rewrite must not have fired. */
static void check_error_kept(tg_graph *g, int n_in, tg_var *const *ins, tg_var *y,
                             tg_array *const *args, tg_status want) {
  tg_function *on = comp(g, n_in, ins, y, false), *off = comp(g, n_in, ins, y, true);
  CHECK(on && off);
  tg_status s1, s2;
  tg_array *r1 = call(on, args, &s1), *r2 = call(off, args, &s2);
  CHECK(s1 == want && s2 == want && !r1 && !r2);
  if (on) CHECK(rw_count_op(on, "Alloc") >= 1);
  tg_function_free(on);
  tg_function_free(off);
}

/* Where the dims of the alloc cannot be proved equal to those of the other operand, it
   stays, and the shape errors of the original graph are raised with the rewrite on:
   x + alloc(2, rows(y), cols(y)) with y of another shape; x + alloc(v, rows, cols) with
   v a vector of a length that does not broadcast; alloc(a, n) * alloc(b, m) with n != m;
   and a negative dim in a lifted alloc. Given matching shapes the values still agree. */
TEST(unproved_dims_keep_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_matrix(g, "y", TG_FLOAT64);
  tg_var *v = tg_vector(g, "v", TG_FLOAT64);
  tg_var *r1 = tg_add(x, tg_alloc(tg_const_f64(g, 2), 2, (tg_var *[]){tg_shape_i(y, 0), tg_shape_i(y, 1)}));
  tg_var *r2 = tg_add(x, tg_alloc(v, 2, (tg_var *[]){tg_shape_i(x, 0), tg_shape_i(x, 1)}));
  tg_array *a23 = ramp(TG_FLOAT64, 2, (int64_t[]){2, 3}), *a32 = ramp(TG_FLOAT64, 2, (int64_t[]){3, 2});
  tg_array *v2 = ramp(TG_FLOAT64, 1, (int64_t[]){2}), *v3 = ramp(TG_FLOAT64, 1, (int64_t[]){3});
  check_error_kept(g, 2, (tg_var *[]){x, y}, r1, (tg_array *[]){a23, a32}, TG_ERR_SHAPE);
  check_error_kept(g, 2, (tg_var *[]){x, v}, r2, (tg_array *[]){a23, v2}, TG_ERR_SHAPE);
  CHECK(rw_check_modes(g, 2, (tg_var *[]){x, y}, 1, &r1, (tg_array *[]){a23, a23}, 0, 0) == 0);
  CHECK(rw_check_modes(g, 2, (tg_var *[]){x, v}, 1, &r2, (tg_array *[]){a23, v3}, 0, 0) == 0);
  tg_var *n = tg_scalar(g, "n", TG_INT64), *m = tg_scalar(g, "m", TG_INT64);
  tg_var *r3 = tg_mul(tg_alloc(tg_const_f64(g, 2), 1, &n), tg_alloc(tg_const_f64(g, 3), 1, &m));
  tg_array *n3 = tg_array_scalar(TG_INT64, 3), *m4 = tg_array_scalar(TG_INT64, 4);
  tg_array *neg = tg_array_scalar(TG_INT64, -1);
  check_error_kept(g, 2, (tg_var *[]){n, m}, r3, (tg_array *[]){n3, m4}, TG_ERR_SHAPE);
  tg_var *r4 = tg_neg(tg_alloc(tg_const_f64(g, 2), 1, &n));
  tg_function *f = comp(g, 1, &n, r4, false);
  tg_status st;
  tg_array *out = call(f, &neg, &st);
  CHECK(f && rw_fired(f, "local_elemwise_alloc") == 1 && st == TG_ERR_VALUE && !out);
  tg_function_free(f);
  tg_array *all[] = {a23, a32, v2, v3, n3, m4, neg};
  for (int i = 0; i < 7; i++) tg_array_unref(all[i]);
  tg_graph_free(g);
}

/* The tag elemwise_alloc switches both registrations off; each has a doc line. */
TEST(registered_with_docs) {
  const char *names[] = {"local_elemwise_alloc", "local_elemwise_alloc_specialize"};
  const int phases[] = {TGI_PH_CANONICALIZE, TGI_PH_SPECIALIZE};
  for (int i = 0; i < 2; i++) {
    int k = tgi_rewrite_find(names[i]);
    CHECK(k >= 0);
    if (k < 0) continue;
    const tgi_rewrite *r = tgi_rewrite_get(k);
    CHECK(r->phase == phases[i] && strstr(r->tags, "fast_run") && strstr(r->tags, "elemwise_alloc") &&
          !strstr(r->tags, "fast_compile") && r->doc && r->doc[0]);
  }
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_mul(x, tg_fill(x, tg_const_f64(g, 3)));
  tg_function *f = rw_compile(g, 1, &x, 1, &y, "FAST_RUN", "elemwise_alloc:fusion");
  CHECK(f && rw_count_op(f, "Alloc") == 1);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Compile (the rewrite firing in both of its forms) and call, under the sweep. */
static tg_status compile_and_call(void) {
  C.armed = 1;
  tg_status st = TG_ERR_NOMEM;
  tg_graph *g = tg_graph_new();
  tg_function *f = NULL;
  tg_options *o = tg_options_new();
  tg_array *a = tg_array_from_f64(1, (int64_t[]){2}, (double[]){1, 2}), *out[1] = {NULL};
  tg_var *x = g ? tg_vector(g, "x", TG_FLOAT64) : NULL;
  tg_var *y = x ? tg_add(tg_mul(x, tg_fill(x, tg_const_f64(g, 3))),
                         tg_neg(tg_alloc(tg_const_f64(g, 0.5), 1, (tg_var *[]){tg_shape_i(x, 0)})))
                : NULL;
  if (o && a && y && tg_options_set(o, "optimizer_excluding", "fusion") == TG_OK) {
    f = tg_function_new(g, 1, &x, 1, &y, o);
    if (!f && tg_graph_status(g) != TG_OK) st = tg_graph_status(g);
  }
  if (f) st = tg_function_call(f, &a, out);
  if (st == TG_OK && (tg_array_get_f64(out[0], 0) != 2.5 || tg_array_get_f64(out[0], 1) != 5.5 ||
                      rw_count_op(f, "Alloc") != 0 || rw_fired(f, "local_elemwise_alloc") < 2))
    st = TG_ERR_RUNTIME;
  tg_array_unref(out[0]);
  tg_array_unref(a);
  tg_options_free(o);
  tg_function_free(f);
  tg_graph_free(g);
  C.armed = 0;
  return st;
}

TEST(allocation_failures) { sweep("compiling and calling f(alloc(v, shape(x)), x)", compile_and_call); }
