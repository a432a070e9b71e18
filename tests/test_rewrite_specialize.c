/* test_rewrite_specialize.c: the specialising rewrites of src/rewrite/specialize.c (pow
   with exponents 2, 0.5, -0.5; sums over nothing or over length-1 axes; the sum of a
   broadcast product; sum(x * y) of vectors as dot), each on float64 and float32: the
   compiled graph with the rewrite on and excluded by name, numeric agreement with
   FAST_COMPILE on random inputs, and the cases where it must not fire. */
#include "harness.h"
#include "rewrite/rewrite.h"
#include "rewrite_check.h"

static uint64_t seed = 0x2545f4914f6cdd1dull;

static tg_array *rnd(tg_dtype dt, int nd, const int64_t *shape, double lo, double hi) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    tg_array_set_f64(a, i, lo + (hi - lo) * (double)(seed >> 11) * 0x1.0p-53);
  }
  return a;
}

/* One case: y built from inputs x (and maybe z) of the given static shapes. */
typedef struct {
  const char *what;
  tg_var *(*build)(tg_graph *g, tg_var *x, tg_var *z);
  int rx, rz;            /* ranks; rz = 0: no z */
  int64_t sx[2], sz[2];  /* static shapes (-1 unknown) and run-time shapes where -1 */
  int64_t ax[2], az[2];  /* run-time shapes */
  const char *rw, *after, *before;
} sp_case;

static tg_var *b_pow2(tg_graph *g, tg_var *x, tg_var *z) { (void)z; return tg_pow(x, tg_const_i64(g, 2)); }
static tg_var *b_pow2f(tg_graph *g, tg_var *x, tg_var *z) { (void)z; return tg_pow(x, tg_const_f64(g, 2.0)); }
static tg_var *b_pow05(tg_graph *g, tg_var *x, tg_var *z) { (void)z; return tg_pow(x, tg_const_f64(g, 0.5)); }
static tg_var *b_powm05(tg_graph *g, tg_var *x, tg_var *z) { (void)z; return tg_pow(x, tg_const_f64(g, -0.5)); }
static tg_var *b_sum_none(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g, (void)z;
  return tg_sum(x, TG_NO_AXES, false);
}
static tg_var *b_sum_len1(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g, (void)z;
  return tg_sum(x, TG_AXES(1), false); /* x is (?, 1) */
}
static tg_var *b_sum_len1_keep(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g, (void)z;
  return tg_sum(x, TG_AXES(1), true);
}
static tg_var *b_sum_scalar(tg_graph *g, tg_var *x, tg_var *z) {
  (void)z;
  return tg_sum(tg_mul(tg_sum(x, TG_ALL_AXES, false), tg_const_f64(g, 2)), TG_ALL_AXES, false);
}
static tg_var *b_sum_outer(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g;
  tg_var *a = tg_dimshuffle(x, 2, (const int[]){0, -1}), *b = tg_dimshuffle(z, 2, (const int[]){-1, 0});
  return tg_sum(tg_mul(a, b), TG_ALL_AXES, false);
}
static tg_var *b_sum_outer_row(tg_graph *g, tg_var *x, tg_var *z) { /* col (?, 1) * vector */
  (void)g;
  return tg_sum(tg_mul(x, z), TG_AXES(0, 1), true);
}
static tg_var *b_sum_dot(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g;
  return tg_sum(tg_mul(x, z), TG_ALL_AXES, false);
}
static tg_var *b_sum_dot_keep(tg_graph *g, tg_var *x, tg_var *z) {
  (void)g;
  return tg_sum(tg_mul(z, x), TG_AXES(0), true);
}

static const sp_case cases[] = {
    {"x ** 2", b_pow2, 2, 0, {-1, -1}, {0}, {3, 4}, {0}, "local_pow_specialize",
     "Elemwise{sqr}", "Elemwise{pow}"},
    {"x ** 2.0", b_pow2f, 1, 0, {-1}, {0}, {5}, {0}, "local_pow_specialize", "Elemwise{sqr}",
     "Elemwise{pow}"},
    {"x ** 0.5", b_pow05, 1, 0, {-1}, {0}, {5}, {0}, "local_pow_specialize", "Elemwise{sqrt}",
     "Elemwise{pow}"},
    {"x ** -0.5", b_powm05, 2, 0, {-1, -1}, {0}, {2, 3}, {0}, "local_pow_specialize",
     "Elemwise{reciprocal}", "Elemwise{pow}"},
    {"sum(x, no axes)", b_sum_none, 2, 0, {-1, -1}, {0}, {2, 3}, {0}, "local_sum_trivial", "",
     "Sum*"},
    {"sum(x (?, 1), axis 1)", b_sum_len1, 2, 0, {-1, 1}, {0}, {4, 1}, {0}, "local_sum_trivial",
     "DimShuffle*", "Sum*"},
    {"sum(x (?, 1), axis 1, keepdims)", b_sum_len1_keep, 2, 0, {-1, 1}, {0}, {4, 1}, {0},
     "local_sum_trivial", "", "Sum{axes=(1,), keepdims}"},
    {"sum(2 * sum(x)) (a 0-d sum)", b_sum_scalar, 1, 0, {-1}, {0}, {6}, {0}, "local_sum_trivial",
     "Sum{axes=(0,)}", "Sum{axes=()}"},
    {"sum(x[:, None] * z[None, :])", b_sum_outer, 1, 1, {-1}, {-1}, {5}, {7},
     "local_sum_mul_broadcast", "Sum*", ""},
    {"sum(col * vector, keepdims)", b_sum_outer_row, 2, 1, {-1, 1}, {-1}, {4, 1}, {3},
     "local_sum_mul_broadcast", "Sum{axes=(0,), keepdims}", ""},
    {"sum(x * z) vectors", b_sum_dot, 1, 1, {-1}, {-1}, {9}, {9}, "local_sum_mul_to_dot", "Dot",
     "Sum*"},
    {"sum(z * x, keepdims) vectors", b_sum_dot_keep, 1, 1, {-1}, {-1}, {9}, {9},
     "local_sum_mul_to_dot", "Dot", "Sum*"},
};

static void check_case(const sp_case *c, tg_dtype dt) {
  /* float32 sums accumulate in double, BLAS sdot in float32: that rewrite is float64's */
  bool off = dt == TG_FLOAT32 && strcmp(c->rw, "local_sum_mul_to_dot") == 0;
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", dt, c->rx, c->sx);
  tg_var *z = c->rz ? tg_tensor(g, "z", dt, c->rz, c->sz) : NULL;
  tg_var *y = c->build(g, x, z);
  CHECK(y != NULL);
  tg_var *ins[2] = {x, z};
  int n_in = c->rz ? 2 : 1;
  char excl[160];
  snprintf(excl, sizeof excl, "fusion:%s", c->rw);
  tg_function *f = y ? rw_compile(g, n_in, ins, 1, &y, "FAST_RUN", "fusion") : NULL;
  tg_function *u = y ? rw_compile(g, n_in, ins, 1, &y, "FAST_RUN", excl) : NULL;
  CHECK(f && u);
  if (f && u && off) {
    CHECK(rw_fired(f, c->rw) == 0 && rw_count_op(f, "Dot") == 0);
  } else if (f && u) {
    /* before "": the old op is still there in another role (the sums of the factors) */
    bool ok = rw_fired(f, c->rw) >= 1 && (!c->after[0] || rw_count_op(f, c->after) >= 1) &&
              (!c->before[0] || rw_count_op(f, c->before) == 0) && rw_fired(u, c->rw) == 0 &&
              (!c->before[0] || rw_count_op(u, c->before) >= 1);
    if (!ok) {
      char *t1 = rw_graph_text(f), *t2 = rw_graph_text(u);
      TH_FAIL("%s (%s): rewrite %s: fired %lld/%lld; after:\n%sexcluded:\n%s", c->what,
              tg_dtype_name(dt), c->rw, (long long)rw_fired(f, c->rw),
              (long long)rw_fired(u, c->rw), t1 ? t1 : "", t2 ? t2 : "");
      free(t1);
      free(t2);
    }
    th_checks++;
  } else {
    fprintf(stderr, "%s: %s\n", c->what, tg_graph_error(g));
  }
  tg_function_free(f);
  tg_function_free(u);
  tg_array *a[2] = {rnd(dt, c->rx, c->ax, 0.25, 3), c->rz ? rnd(dt, c->rz, c->az, -2, 2) : NULL};
  double tol = dt == TG_FLOAT32 ? 1e-5 : 1e-13;
  if (y) CHECK(rw_check_modes(g, n_in, ins, 1, &y, a, tol, tol) == 0);
  tg_array_unref(a[0]);
  tg_array_unref(a[1]);
  tg_graph_free(g);
}

TEST(each_rewrite_fires_and_agrees_float64) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT64);
}

TEST(each_rewrite_fires_and_agrees_float32) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT32);
}

static int64_t fired(tg_graph *g, int n, tg_var *const *ins, tg_var *y, const char *rw) {
  tg_function *f = rw_compile(g, n, ins, 1, &y, "FAST_RUN", NULL);
  int64_t k = f ? rw_fired(f, rw) : -1;
  tg_function_free(f);
  return k;
}

TEST(does_not_fire_where_it_must_not) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *z = tg_vector(g, "z", TG_FLOAT64);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  /* 0.5 on integers: pow gives float64 where sqrt would give float32 for int8; the
     rewrite converts x to float64 first */
  tg_var *xi = tg_vector(g, "xi", TG_INT8);
  tg_var *p = tg_pow(xi, tg_const_f64(g, 0.5));
  CHECK(tg_var_dtype(p) == TG_FLOAT64 && fired(g, 1, &xi, p, "local_pow_specialize") == 1);
  int8_t iv[3] = {4, 9, 2};
  tg_array *ai = tg_array_from_data(TG_INT8, 1, (int64_t[]){3}, iv);
  CHECK(rw_check_modes(g, 1, &xi, 1, &p, &ai, 1e-15, 0) == 0);
  /* x ** 2 where the exponent broadcasts x to a matrix */
  tg_array *e2 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  for (int i = 0; i < 6; i++) tg_array_set_f64(e2, i, 2);
  tg_var *v3 = tg_tensor(g, "v3", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *p2 = tg_pow(v3, tg_constant(g, e2));
  CHECK(fired(g, 1, &v3, p2, "local_pow_specialize") == 0);
  /* other exponents are not this rewrite's */
  CHECK(fired(g, 1, &x, tg_pow(x, tg_const_f64(g, 1.5)), "local_pow_specialize") == 0);
  /* the sum of a full (non-broadcast) product, and a sum over one axis only */
  tg_var *s = tg_sum(tg_mul(m, m), TG_ALL_AXES, false);
  CHECK(fired(g, 1, &m, s, "local_sum_mul_broadcast") == 0);
  tg_var *col = tg_col(g, "col", TG_FLOAT64);
  tg_var *s1 = tg_sum(tg_mul(col, x), TG_AXES(0), false);
  CHECK(fired(g, TG_VARS(col, x), s1, "local_sum_mul_broadcast") == 0);
  /* a product used elsewhere is left alone (it is computed anyway) */
  tg_var *pr = tg_mul(x, z), *two[2] = {tg_sum(pr, TG_ALL_AXES, false), pr};
  tg_function *f = rw_compile(g, TG_VARS(x, z), 2, two, "FAST_RUN", NULL);
  CHECK(f && rw_fired(f, "local_sum_mul_to_dot") == 0);
  tg_function_free(f);
  /* integer vectors: no dot (dot of ints is no faster and wraps the same; floats only) */
  tg_var *zi = tg_vector(g, "zi", TG_INT8);
  CHECK(fired(g, TG_VARS(xi, zi), tg_sum(tg_mul(xi, zi), TG_ALL_AXES, false),
              "local_sum_mul_to_dot") == 0);
  /* the product of sums: two sums of the factors, no matrix product left */
  tg_var *outer = tg_sum(tg_mul(tg_dimshuffle(x, 2, (const int[]){0, -1}),
                                tg_dimshuffle(z, 2, (const int[]){-1, 0})), TG_ALL_AXES, false);
  f = rw_compile(g, TG_VARS(x, z), 1, &outer, "FAST_RUN", "fusion");
  CHECK(f && rw_count_op(f, "Sum*") == 2 && rw_count_op(f, "Elemwise{mul}") == 1);
  if (f) { /* sum([1, 2, 3]) * sum([4, 5]) = 54, exactly */
    tg_array *xa = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, 3});
    tg_array *za = tg_array_from_f64(1, (int64_t[]){2}, (double[]){4, 5}), *r = NULL;
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, za}, &r), TG_OK);
    CHECK(r && tg_array_get_f64(r, 0) == 54);
    tg_array_unref(r);
    tg_array_unref(xa);
    tg_array_unref(za);
  }
  tg_function_free(f);
  /* a sum over a dim that is 1 at run time but not statically: kept */
  CHECK(fired(g, 1, &m, tg_sum(m, TG_AXES(1), false), "local_sum_trivial") == 0);
  tg_array_unref(ai);
  tg_array_unref(e2);
  tg_graph_free(g);
}

TEST(rewrites_are_listed_with_docs) {
  const char *names[] = {"local_pow_specialize", "local_sum_trivial", "local_sum_mul_broadcast",
                         "local_sum_mul_to_dot", "local_gemm"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int k = tgi_rewrite_find(names[i]);
    CHECK(k >= 0);
    if (k < 0) continue;
    const tgi_rewrite *r = tgi_rewrite_get(k);
    CHECK(r->phase == TGI_PH_SPECIALIZE && strstr(r->tags, "fast_run") &&
          strstr(r->tags, "specialize") && !strstr(r->tags, "fast_compile") && r->doc[0]);
  }
}
