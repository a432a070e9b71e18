/* test_rewrite_canon_shape.c: the shape canonicalisation rewrites (src/rewrite/
   canon_shape.c, canon_subtensor.c): shape and shape_i lifted to the inputs' shapes
   (through elementwise ops, dot, chains; static shapes to constants), useless reshape,
   alloc, dimshuffle and cast removed, dimshuffles merged (a transpose of a transpose
   vanishes), and indexing lifted through elementwise ops (broadcast inputs, lower-rank
   inputs, symbolic indices, not when the result has other uses). Each: the compiled form
   with the rewrite on and off, and values against FAST_COMPILE and independent ones. */
#include "harness.h"
#include "rewrite_canon_check.h"

static tg_array *vec_i64(int n, const int64_t *v) {
  return tg_array_from_i64(1, (int64_t[]){n}, v);
}

TEST(shape_lift_elemwise_dot_chain) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_matrix(g, "y", TG_FLOAT64);
  tg_var *z = tg_matrix(g, "z", TG_FLOAT32);
  tg_var *s1 = tg_shape(tg_add(x, y));
  cc_form(g, TG_VARS(x, y), s1, "local_shape_lift", NULL, "Elemwise{add}", 0, 1);
  tg_var *s2 = tg_shape(tg_dot(x, y));
  cc_form(g, TG_VARS(x, y), s2, "local_shape_lift", NULL, "Dot*", 0, 1);
  /* a chain: shape lifts one node up, each shape_i one more; no exp is computed */
  tg_var *s3 = tg_shape(tg_exp(tg_exp(tg_exp(z))));
  cc_form(g, TG_VARS(z), s3, "local_shape_i_lift", NULL, "Elemwise{exp}", 0, 2);
  tg_var *s4 = tg_shape_i(tg_exp(z), 1);
  cc_form(g, TG_VARS(z), s4, "local_shape_i_lift", NULL, "Elemwise{exp}", 0, 1);
  unsigned seed = 1;
  tg_array *a[2] = {cc_rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1, &seed),
                    cc_rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1, &seed)};
  tg_array *w = vec_i64(2, (int64_t[]){3, 4});
  cc_values(g, TG_VARS(x, y), s1, "local_shape_lift", a, 0, 0, w);
  tg_array *b = cc_rnd(TG_FLOAT64, 2, (int64_t[]){4, 2}, -1, 1, &seed);
  tg_array *ab[2] = {a[0], b}, *w2 = vec_i64(2, (int64_t[]){3, 2});
  cc_values(g, TG_VARS(x, y), s2, "local_shape_lift", ab, 0, 0, w2);
  tg_array *c = cc_rnd(TG_FLOAT32, 2, (int64_t[]){5, 0}, -1, 1, &seed);
  tg_array *w3 = vec_i64(2, (int64_t[]){5, 0});
  cc_values(g, TG_VARS(z), s3, "local_shape_i_lift", &c, 0, 0, w3);
  /* the shape of broadcast operands comes from the one that does not broadcast */
  tg_var *r = tg_row(g, "r", TG_FLOAT64), *s5 = tg_shape(tg_mul(r, x));
  tg_array *rr = cc_rnd(TG_FLOAT64, 2, (int64_t[]){1, 4}, -1, 1, &seed), *ra[2] = {rr, a[0]};
  cc_values(g, TG_VARS(r, x), s5, "local_shape_lift", ra, 0, 0, w);
  tg_array_unref(rr);
  tg_array_unref(w3);
  tg_array_unref(c);
  tg_array_unref(w2);
  tg_array_unref(b);
  tg_array_unref(w);
  tg_array_unref(a[0]);
  tg_array_unref(a[1]);
  tg_graph_free(g);
}

TEST(shape_of_static_input_is_a_constant) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 2, (int64_t[]){2, 5});
  tg_var *s = tg_shape(x);
  cc_form(g, TG_VARS(x), s, "local_shape_lift", NULL, "Shape", 0, 1);
  tg_function *f = rw_compile(g, TG_VARS(x), 1, &s, "FAST_RUN", NULL);
  CHECK(f && f->n_instr == 0); /* folded to a constant */
  tg_function_free(f);
  tg_array *a = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 5}), *w = vec_i64(2, (int64_t[]){2, 5});
  cc_values(g, TG_VARS(x), s, "local_shape_lift", &a, 0, 0, w);
  tg_array_unref(a);
  tg_array_unref(w);
  tg_graph_free(g);
}

TEST(useless_reshape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_matrix(g, "y", TG_FLOAT64);
  tg_var *e = tg_exp(x);
  tg_var *r1 = tg_log(tg_reshape(e, tg_shape(e)));
  cc_form(g, TG_VARS(x), r1, "local_useless_reshape", NULL, "Reshape*", 0, 1);
  /* the shape given dim by dim, of a sum (lifted to x's dims first) */
  tg_var *s = tg_add(x, y);
  tg_var *r2 = tg_exp(tg_reshape(s, tg_make_vector(g, 2, (tg_var *[]){tg_shape_i(s, 0), tg_shape_i(s, 1)})));
  cc_form(g, TG_VARS(x, y), r2, "local_useless_reshape", NULL, "Reshape*", 0, 1);
  /* a static shape equal to the input's */
  tg_var *t = tg_tensor(g, "t", TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_var *r3 = tg_exp(tg_reshape_to(t, 2, (int64_t[]){2, 3}));
  cc_form(g, TG_VARS(t), r3, "local_useless_reshape", NULL, "Reshape*", 0, 1);
  /* not useless: the dims swapped */
  tg_var *r4 = tg_exp(tg_reshape(x, tg_make_vector(g, 2, (tg_var *[]){tg_shape_i(x, 1), tg_shape_i(x, 0)})));
  cc_not_fired(g, TG_VARS(x), r4, "local_useless_reshape");
  unsigned seed = 2;
  tg_array *a[2] = {cc_rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1, &seed),
                    cc_rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1, &seed)};
  cc_values(g, TG_VARS(x), r1, "local_useless_reshape", a, 1e-15, 1e-15, a[0]);
  cc_values(g, TG_VARS(x, y), r2, "local_useless_reshape", a, 1e-15, 0, NULL);
  cc_values(g, TG_VARS(x), r4, "local_useless_reshape", a, 1e-15, 0, NULL);
  tg_array_unref(a[0]);
  tg_array_unref(a[1]);
  tg_graph_free(g);
}

TEST(useless_alloc) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *v = tg_vector(g, "v", TG_FLOAT32);
  tg_var *e = tg_exp(x);
  tg_var *a1 = tg_log(tg_alloc(e, 2, (tg_var *[]){tg_shape_i(e, 0), tg_shape_i(e, 1)}));
  cc_form(g, TG_VARS(x), a1, "local_useless_alloc", NULL, "Alloc", 0, 1);
  /* not useless: the value broadcasts into a bigger shape */
  tg_var *a2 = tg_alloc(v, 2, (tg_var *[]){tg_shape_i(x, 0), tg_shape_i(v, 0)});
  cc_not_fired(g, TG_VARS(x, v), a2, "local_useless_alloc");
  unsigned seed = 4;
  tg_array *a[2] = {cc_rnd(TG_FLOAT32, 2, (int64_t[]){3, 4}, -1, 1, &seed),
                    cc_rnd(TG_FLOAT32, 1, (int64_t[]){4}, -1, 1, &seed)};
  cc_values(g, TG_VARS(x), a1, "local_useless_alloc", a, 1e-6, 1e-6, a[0]);
  tg_array *w = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){3, 4});
  for (int i = 0; i < 12; i++) tg_array_set_f64(w, i, tg_array_get_f64(a[1], i % 4));
  cc_values(g, TG_VARS(x, v), a2, "local_useless_alloc", a, 0, 0, w);
  tg_array_unref(w);
  tg_array_unref(a[0]);
  tg_array_unref(a[1]);
  tg_graph_free(g);
}

TEST(useless_dimshuffle_and_merge) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64);
  tg_var *d1 = tg_exp(tg_dimshuffle(x, 3, (int[]){0, 1, 2}));
  cc_form(g, TG_VARS(x), d1, "local_useless_dimshuffle", NULL, "DimShuffle*", 0, 1);
  /* a transpose of a transpose: merged into the identity, then gone */
  tg_var *d2 = tg_exp(tg_transpose(tg_transpose(x, 0, NULL), 0, NULL));
  cc_form(g, TG_VARS(x), d2, "local_dimshuffle_merge", NULL, "DimShuffle*", 0, 2);
  /* (1, x, 2, 0) then (3, 1, x, 0, 2): one dimshuffle (0, x, x, 1, 2) */
  tg_var *d3 = tg_exp(tg_dimshuffle(tg_dimshuffle(x, 4, (int[]){1, -1, 2, 0}), 5, (int[]){3, 1, -1, 0, 2}));
  cc_form(g, TG_VARS(x), d3, "local_dimshuffle_merge", NULL, "DimShuffle*", 1, 2);
  unsigned seed = 6;
  tg_array *a = cc_rnd(TG_FLOAT64, 3, (int64_t[]){2, 3, 4}, -1, 1, &seed);
  tg_array *w = tg_array_zeros(TG_FLOAT64, 5, (int64_t[]){2, 1, 1, 3, 4});
  for (int i = 0; i < 24; i++) tg_array_set_f64(w, i, exp(tg_array_get_f64(a, i)));
  cc_values(g, TG_VARS(x), d3, "local_dimshuffle_merge", &a, 1e-15, 0, w);
  tg_array *w2 = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){2, 3, 4});
  for (int i = 0; i < 24; i++) tg_array_set_f64(w2, i, exp(tg_array_get_f64(a, i)));
  cc_values(g, TG_VARS(x), d2, "local_dimshuffle_merge", &a, 1e-15, 0, w2);
  cc_values(g, TG_VARS(x), d1, "local_useless_dimshuffle", &a, 1e-15, 0, w2);
  /* a returned view of an input stays a view (numpy's x.T.T shares x's memory) */
  tg_var *d4 = tg_transpose(tg_transpose(x, 0, NULL), 0, NULL);
  tg_function *f = rw_compile(g, TG_VARS(x), 1, &d4, "FAST_RUN", NULL);
  tg_array *r = NULL;
  CHECK(f && tg_function_call(f, &a, &r) == TG_OK);
  CHECK(r && tg_array_data(r) == tg_array_data(a));
  tg_array_unref(r);
  tg_function_free(f);
  tg_array_unref(w);
  tg_array_unref(w2);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(useless_cast) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32), *i = tg_vector(g, "i", TG_INT32);
  tg_var *c1 = tg_exp(tg_cast(x, TG_FLOAT32));
  cc_form(g, TG_VARS(x), c1, "local_useless_cast", NULL, "Elemwise{cast*", 0, 1);
  tg_var *c2 = tg_cast(i, TG_INT8); /* a real conversion stays */
  cc_not_fired(g, TG_VARS(i), c2, "local_useless_cast");
  tg_array *a = tg_array_from_f32(1, (int64_t[]){3}, (float[]){0, 1, -2});
  tg_array *w = tg_array_from_f32(1, (int64_t[]){3}, (float[]){1, (float)exp(1), (float)exp(-2)});
  cc_values(g, TG_VARS(x), c1, "local_useless_cast", &a, 1e-6, 0, w);
  tg_array *ia = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){300, -1});
  int8_t iw[2] = {44, -1};
  tg_array *iwa = tg_array_from_data(TG_INT8, 1, (int64_t[]){2}, iw);
  cc_values(g, TG_VARS(i), c2, "local_useless_cast", &ia, 0, 0, iwa);
  tg_array_unref(iwa);
  tg_array_unref(ia);
  tg_array_unref(w);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(subtensor_lift) {
  const char *n = "local_subtensor_lift";
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = tg_matrix(g, "y", dt), *r = tg_row(g, "r", dt);
    tg_var *v = tg_vector(g, "v", dt), *i = tg_scalar(g, "i", TG_INT64);
    /* (x * y)[1:, 0]: the product of one column only */
    tg_var *s1 = tg_subtensor(tg_mul(x, y), TG_IDX(TG_SLICE(1, TG_NONE, TG_NONE), TG_INT(0)));
    cc_form(g, TG_VARS(x, y), s1, n, NULL, "Subtensor*", 2, 1);
    /* a broadcast row: its dim 0 is kept whole, the position applies to x only */
    tg_var *s2 = tg_subtensor(tg_add(x, r), TG_IDX(TG_INT(2), TG_SLICE(TG_NONE, TG_NONE, 2)));
    cc_form(g, TG_VARS(x, r), s2, n, NULL, "Subtensor*", 2, 1);
    /* a lower-rank operand and a symbolic position and a newaxis */
    tg_var *s3 = tg_subtensor(tg_sub(x, v), TG_IDX(TG_VAR(i), TG_NEWAXIS, TG_SLICE(1, 3, TG_NONE)));
    cc_form(g, TG_VARS(x, v, i), s3, n, NULL, "Subtensor*", 2, 1);
    /* used twice: not lifted (the sum would be computed anyway) */
    tg_var *p = tg_add(x, y), *s4 = tg_add(tg_subtensor(p, TG_IDX(TG_INT(0))), tg_sum(p, 0, NULL, false));
    cc_not_fired(g, TG_VARS(x, y), s4, n);
    unsigned seed = 8;
    tg_array *ax = cc_rnd(dt, 2, (int64_t[]){3, 4}, -2, 2, &seed);
    tg_array *ay = cc_rnd(dt, 2, (int64_t[]){3, 4}, -2, 2, &seed);
    tg_array *ar = cc_rnd(dt, 2, (int64_t[]){1, 4}, -2, 2, &seed);
    tg_array *av = cc_rnd(dt, 1, (int64_t[]){4}, -2, 2, &seed);
    tg_array *ai = tg_array_from_i64(0, NULL, (int64_t[]){-2});
    tg_array *w1 = tg_array_zeros(dt, 1, (int64_t[]){2});
    for (int q = 0; q < 2; q++)
      tg_array_set_f64(w1, q, tg_array_get_f64(ax, (q + 1) * 4) * tg_array_get_f64(ay, (q + 1) * 4));
    tg_array *w2 = tg_array_zeros(dt, 1, (int64_t[]){2});
    for (int q = 0; q < 2; q++)
      tg_array_set_f64(w2, q, tg_array_get_f64(ax, 8 + 2 * q) + tg_array_get_f64(ar, 2 * q));
    tg_array *w3 = tg_array_zeros(dt, 2, (int64_t[]){1, 2}); /* row -2 = 1 */
    for (int q = 0; q < 2; q++)
      tg_array_set_f64(w3, q, tg_array_get_f64(ax, 4 + 1 + q) - tg_array_get_f64(av, 1 + q));
    double rt = k ? 1e-6 : 1e-15;
    cc_values(g, TG_VARS(x, y), s1, n, (tg_array *[]){ax, ay}, rt, rt, w1);
    cc_values(g, TG_VARS(x, r), s2, n, (tg_array *[]){ax, ar}, rt, rt, w2);
    cc_values(g, TG_VARS(x, v, i), s3, n, (tg_array *[]){ax, av, ai}, rt, rt, w3);
    cc_values(g, TG_VARS(x, y), s4, n, (tg_array *[]){ax, ay}, rt, rt, NULL);
    /* an out-of-range position is still an error at run time */
    tg_function *f = rw_compile(g, TG_VARS(x, v, i), 1, &s3, "FAST_RUN", NULL);
    tg_array *bad = tg_array_from_i64(0, NULL, (int64_t[]){3}), *out = NULL;
    CHECK(f && rw_fired(f, n) >= 1);
    CHECK(f && tg_function_call(f, (tg_array *[]){ax, av, bad}, &out) != TG_OK);
    CHECK_ERROR_CONTAINS(tg_function_error(f), "out of bounds");
    tg_function_free(f);
    tg_array_unref(bad);
    tg_array_unref(w1);
    tg_array_unref(w2);
    tg_array_unref(w3);
    tg_array_unref(ai);
    tg_array_unref(av);
    tg_array_unref(ar);
    tg_array_unref(ay);
    tg_array_unref(ax);
    tg_graph_free(g);
  }
}
