/* test_rewrite_gemm.c: the Gemm/Gemv op (src/ops/blas_gemm.c) and the gemm rewrite
   (src/rewrite/specialize_gemm.c). The op: values against a plain C loop for matrix x
   matrix, matrix x vector and vector x matrix, float64 and float32, c broadcast (0-d,
   row, full), transposed operands, an empty inner dimension, shape errors, infer_shape
   and tg_verify_grad. The rewrite: each form it matches (dot + C in either order,
   differences, scalar constants on either side, the MLP bias row, the SGD update) turns
   into one Gemm/Gemv node, and excluded by name leaves the Dot; FAST_RUN agrees with
   FAST_COMPILE; and the forms it must leave alone. */
#include "harness.h"
#include "ops/blas_gemm.h"
#include "rewrite_check.h"

static uint64_t seed = 0xda3e39cb94b95bdbull;

static tg_array *rnd(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    tg_array_set_f64(a, i, -1 + 2 * (double)(seed >> 11) * 0x1.0p-53);
  }
  return a;
}

/* alpha * A B + beta * C by plain loops; A (m, k) row-major (am: a vector when m == 0,
   i.e. one row), C broadcast from (cm, cn) with cm, cn each 1 or full. */
static double ref(const tg_array *a, const tg_array *b, const tg_array *c, double alpha,
                  double beta, int64_t i, int64_t j) {
  int ra = tg_array_ndim(a), rb = tg_array_ndim(b);
  int64_t k = tg_array_shape(a)[ra - 1], n = rb == 2 ? tg_array_shape(b)[1] : 1;
  double s = 0;
  for (int64_t p = 0; p < k; p++)
    s += tg_array_get_f64(a, ra == 2 ? i * k + p : p) * tg_array_get_f64(b, p * n + j);
  /* c's element for output (i, j) of the 2-D view; c has rank <= the output's */
  int rc = tg_array_ndim(c), ro = ra + rb - 2;
  const int64_t *cs = tg_array_shape(c);
  int64_t ci = 0;
  if (rc == 2) ci = (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
  else if (rc == 1) ci = cs[0] == 1 ? 0 : (ro == 2 ? j : ra == 2 ? i : j);
  return alpha * s + beta * tg_array_get_f64(c, ci);
}

/* Build alpha*dot(a, b) + beta*c with the op, run it, compare with ref. */
static void check_op(tg_dtype dt, int ra, int rb, int rc, const int64_t *cshape, double alpha,
                     double beta) {
  int64_t m = 5, k = 7, n = 3;
  int64_t sa[2] = {m, k}, sb[2] = {k, n};
  tg_array *a = rnd(dt, ra, ra == 2 ? sa : sa + 1), *b = rnd(dt, rb, sb);
  tg_array *c = rnd(dt, rc, cshape);
  tg_graph *g = tg_graph_new();
  tg_var *va = tg_tensor(g, "a", dt, ra, (int64_t[]){-1, -1});
  tg_var *vb = tg_tensor(g, "b", dt, rb, (int64_t[]){-1, -1});
  int64_t cst[2];
  for (int d = 0; d < rc; d++) cst[d] = cshape[d] == 1 ? 1 : -1;
  tg_var *vc = tg_tensor(g, "c", dt, rc, cst);
  tg_var *y = tgi_gemm_build(alpha, va, vb, beta, vc);
  CHECK(y != NULL);
  tg_function *f = y ? rw_compile(g, TG_VARS(va, vb, vc), 1, &y, "FAST_COMPILE", NULL) : NULL;
  CHECK(f != NULL);
  tg_array *r = NULL;
  if (f) CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b, c}, &r), TG_OK);
  if (r) {
    int64_t rows = ra == 2 ? m : 1, cols = rb == 2 ? n : 1;
    CHECK(tg_array_size(r) == rows * cols && tg_array_ndim(r) == ra + rb - 2);
    double tol = dt == TG_FLOAT32 ? 1e-5 : 1e-14;
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = 0; j < cols; j++)
        CHECK_CLOSE(tg_array_get_f64(r, i * cols + j), ref(a, b, c, alpha, beta, i, j), tol, tol);
  }
  tg_array_unref(r);
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(c);
}

TEST(gemm_op_values) {
  for (int t = 0; t < 2; t++) {
    tg_dtype dt = t ? TG_FLOAT32 : TG_FLOAT64;
    check_op(dt, 2, 2, 2, (int64_t[]){5, 3}, 1, 1);
    check_op(dt, 2, 2, 1, (int64_t[]){3}, 1, 1);         /* bias row */
    check_op(dt, 2, 2, 2, (int64_t[]){1, 3}, -0.5, 2);   /* broadcast row, scaled */
    check_op(dt, 2, 2, 2, (int64_t[]){5, 1}, 2, -1);     /* broadcast column */
    check_op(dt, 2, 2, 0, NULL, 1, 3);                   /* 0-d c */
    check_op(dt, 2, 1, 1, (int64_t[]){5}, 1, 1);         /* gemv */
    check_op(dt, 2, 1, 0, NULL, 0.25, -2);
    check_op(dt, 1, 2, 1, (int64_t[]){3}, -1, 1);        /* vector x matrix */
    check_op(dt, 1, 2, 1, (int64_t[]){1}, 3, 0.5);
  }
}

TEST(gemm_op_transposed_operands_and_empty_k) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64);
  /* a^T b^T through DimShuffle views */
  tg_var *y = tgi_gemm_build(2, tg_transpose(a, 0, NULL), tg_transpose(b, 0, NULL), 1, c);
  tg_function *f = rw_compile(g, TG_VARS(a, b, c), 1, &y, "FAST_COMPILE", NULL);
  CHECK(f != NULL);
  tg_array *av = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  tg_array *bv = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){1, 0, 0, 1});
  tg_array *cv = tg_array_from_f64(2, (int64_t[]){3, 2}, (double[]){1, 1, 1, 1, 1, 1});
  tg_array *r = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){av, bv, cv}, &r), TG_OK);
  /* a^T = [[1,4],[2,5],[3,6]], b^T = I: 2 a^T + 1 */
  double want[6] = {3, 9, 5, 11, 7, 13};
  for (int i = 0; r && i < 6; i++) CHECK(tg_array_get_f64(r, i) == want[i]);
  tg_array_unref(r);
  /* mismatched inner dims at run time: an error naming the shapes */
  tg_array *b3 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){av, b3, cv}, &r), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "are not aligned");
  /* c not broadcastable to the product */
  tg_array *c4 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 4});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){av, bv, c4}, &r), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "does not broadcast");
  tg_function_free(f);
  /* k = 0: the product is all zeros, the result beta * c */
  tg_var *y0 = tgi_gemm_build(1, a, b, -2, c);
  f = rw_compile(g, TG_VARS(a, b, c), 1, &y0, "FAST_COMPILE", NULL);
  tg_array *a0 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 0});
  tg_array *b0 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 2});
  CHECK(f && tg_function_call(f, (tg_array *[]){a0, b0, cv}, &r) == TG_OK);
  for (int i = 0; r && i < 6; i++) CHECK(tg_array_get_f64(r, i) == -2);
  tg_array_unref(r);
  tg_function_free(f);
  /* static type errors */
  tg_var *i32 = tg_matrix(g, "i", TG_INT32);
  CHECK(tgi_gemm_build(1, i32, i32, 1, i32) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "gemm: needs float32 or float64");
  tg_graph_clear_error(g);
  tg_var *v = tg_vector(g, "v", TG_FLOAT64);
  CHECK(tgi_gemm_build(1, v, v, 1, c) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "Gemv: needs a and b");
  tg_array_unref(av);
  tg_array_unref(bv);
  tg_array_unref(cv);
  tg_array_unref(b3);
  tg_array_unref(c4);
  tg_array_unref(a0);
  tg_array_unref(b0);
  tg_graph_free(g);
}

TEST(gemm_op_infer_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT32), *b = tg_matrix(g, "b", TG_FLOAT32);
  tg_var *v = tg_vector(g, "v", TG_FLOAT32);
  tg_var *outs[2] = {tg_infer_shape(tgi_gemm_build(1, a, b, 1, v)),
                     tg_infer_shape(tgi_gemm_build(1, v, b, 1, v))};
  tg_function *f = rw_compile(g, TG_VARS(a, b, v), 2, outs, "FAST_RUN", NULL);
  CHECK(f != NULL);
  tg_array *aa = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 6});
  tg_array *bb = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){6, 6});
  tg_array *vv = tg_array_zeros(TG_FLOAT32, 1, (int64_t[]){6});
  tg_array *r[2] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){aa, bb, vv}, r), TG_OK);
  CHECK(r[0] && tg_array_size(r[0]) == 2 && tg_array_get_i64(r[0], 0) == 4 &&
        tg_array_get_i64(r[0], 1) == 6);
  CHECK(r[1] && tg_array_size(r[1]) == 1 && tg_array_get_i64(r[1], 0) == 6);
  tg_array_unref(r[0]);
  tg_array_unref(r[1]);
  tg_array_unref(aa);
  tg_array_unref(bb);
  tg_array_unref(vv);
  tg_function_free(f);
  tg_graph_free(g);
}

static tg_var *b_gemm(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tgi_gemm_build(-1.5, in[0], in[1], 0.5, in[2]);
}

TEST(gemm_op_verify_grad) {
  const int64_t shapes[][3][2] = {
      {{3, 4}, {4, 2}, {3, 2}}, {{3, 4}, {4, 2}, {2, 0}}, {{3, 4}, {4, 0}, {3, 0}},
      {{4, 0}, {4, 2}, {2, 0}}, {{3, 4}, {4, 2}, {1, 2}}};
  const int ranks[][3] = {{2, 2, 2}, {2, 2, 1}, {2, 1, 1}, {1, 2, 1}, {2, 2, 2}};
  for (int t = 0; t < 2; t++) {
    tg_dtype dt = t ? TG_FLOAT32 : TG_FLOAT64;
    for (int s = 0; s < 5; s++) {
      tg_array *in[3];
      for (int i = 0; i < 3; i++) in[i] = rnd(dt, ranks[s][i], shapes[s][i]);
      char msg[512] = "";
      tg_status st = tg_verify_grad(b_gemm, NULL, 3, in, NULL, msg, sizeof msg);
      if (st != TG_OK) fprintf(stderr, "case %d %s: %s\n", s, tg_dtype_name(dt), msg);
      CHECK_STATUS(st, TG_OK);
      for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
    }
  }
}

/* ---- the rewrite ---- */

typedef tg_var *(*form_fn)(tg_graph *g, tg_var *a, tg_var *b, tg_var *c);

static tg_var *f_dot_plus_c(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) { (void)g; return tg_add(tg_dot(a, b), c); }
static tg_var *f_c_plus_dot(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) { (void)g; return tg_add(c, tg_dot(a, b)); }
static tg_var *f_c_minus_dot(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) { (void)g; return tg_sub(c, tg_dot(a, b)); }
static tg_var *f_dot_minus_c(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) { (void)g; return tg_sub(tg_dot(a, b), c); }
static tg_var *f_scaled(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) {
  return tg_add(tg_mul(tg_const_f64(g, 2), tg_dot(a, b)), tg_mul(c, tg_const_f64(g, -3)));
}
static tg_var *f_neg_dot(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) {
  (void)g;
  return tg_add(tg_neg(tg_dot(a, b)), c);
}
static tg_var *f_sgd(tg_graph *g, tg_var *a, tg_var *b, tg_var *c) { /* W - 0.1 * dot(X.T, G) */
  return tg_sub(c, tg_mul(tg_const_f64(g, 0.1), tg_dot(tg_transpose(a, 0, NULL), b)));
}

static const struct {
  const char *what;
  form_fn build;
  int ra, rb, rc;
  bool transpose_a; /* a is given as (k, m) */
  const char *op;
} forms[] = {
    {"dot(A, B) + C", f_dot_plus_c, 2, 2, 2, false, "Gemm*"},
    {"C + dot(A, B)", f_c_plus_dot, 2, 2, 2, false, "Gemm*"},
    {"C - dot(A, B)", f_c_minus_dot, 2, 2, 2, false, "Gemm*"},
    {"dot(A, B) - C", f_dot_minus_c, 2, 2, 2, false, "Gemm*"},
    {"2 dot(A, B) + C (-3)", f_scaled, 2, 2, 2, false, "Gemm*"},
    {"-dot(A, B) + C", f_neg_dot, 2, 2, 2, false, "Gemm*"},
    {"dot(X, W) + b (bias row)", f_dot_plus_c, 2, 2, 1, false, "Gemm*"},
    {"W - 0.1 dot(X.T, G)", f_sgd, 2, 2, 2, true, "Gemm*"},
    {"dot(A, x) + y", f_dot_plus_c, 2, 1, 1, false, "Gemv*"},
    {"y - dot(x, A)", f_c_minus_dot, 1, 2, 1, false, "Gemv*"},
    {"2 dot(A, x) + y (-3)", f_scaled, 2, 1, 1, false, "Gemv*"},
};

TEST(gemm_rewrite_forms) {
  for (int t = 0; t < 2; t++) {
    tg_dtype dt = t ? TG_FLOAT32 : TG_FLOAT64;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
      int64_t m = 6, k = 5, n = 4;
      int ra = forms[i].ra, rb = forms[i].rb, rc = forms[i].rc;
      int64_t sa[2] = {m, k}, sat[2] = {k, m}, sb[2] = {k, n};
      int64_t so[2], no = 0;
      if (ra == 2) so[no++] = m;
      if (rb == 2) so[no++] = n;
      tg_graph *g = tg_graph_new();
      tg_var *a = tg_tensor(g, "a", dt, ra, (int64_t[]){-1, -1});
      tg_var *b = tg_tensor(g, "b", dt, rb, (int64_t[]){-1, -1});
      tg_var *c = tg_tensor(g, "c", dt, rc, (int64_t[]){-1, -1});
      tg_var *y = forms[i].build(g, a, b, c);
      tg_function *f = rw_compile(g, TG_VARS(a, b, c), 1, &y, "FAST_RUN", NULL);
      tg_function *u = rw_compile(g, TG_VARS(a, b, c), 1, &y, "FAST_RUN", "local_gemm");
      bool ok = f && u && rw_fired(f, "local_gemm") == 1 && rw_count_op(f, forms[i].op) == 1 &&
                rw_count_op(f, "Dot") == 0 && rw_fired(u, "local_gemm") == 0 &&
                rw_count_op(u, "Dot") == 1;
      if (!ok) {
        char *t1 = f ? rw_graph_text(f) : NULL;
        TH_FAIL("%s (%s): no single %s:\n%s%s", forms[i].what, tg_dtype_name(dt), forms[i].op,
                t1 ? t1 : "", f ? "" : tg_graph_error(g));
        free(t1);
      }
      th_checks++;
      tg_function_free(f);
      tg_function_free(u);
      tg_array *args[3] = {rnd(dt, ra, forms[i].transpose_a ? sat : ra == 2 ? sa : sa + 1),
                           rnd(dt, rb, sb), rnd(dt, rc, rc == no ? so : so + (no - rc))};
      double tol = dt == TG_FLOAT32 ? 2e-5 : 1e-13;
      CHECK(rw_check_modes(g, TG_VARS(a, b, c), 1, &y, args, tol, tol) == 0);
      for (int j = 0; j < 3; j++) tg_array_unref(args[j]);
      tg_graph_free(g);
    }
  }
}

static int64_t gemm_fired(tg_graph *g, int n_in, tg_var *const *ins, int n_out,
                          tg_var *const *outs) {
  tg_function *f = rw_compile(g, n_in, ins, n_out, outs, "FAST_RUN", NULL);
  int64_t k = f ? rw_fired(f, "local_gemm") : -1;
  tg_function_free(f);
  return k;
}

TEST(gemm_rewrite_leaves_alone) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64), *s = tg_scalar(g, "s", TG_FLOAT64);
  /* the dot has another use: it would be computed twice */
  tg_var *d = tg_dot(a, b), *two[2] = {tg_add(d, c), d};
  CHECK(gemm_fired(g, TG_VARS(a, b, c), 2, two) == 0);
  /* alpha not a constant */
  tg_var *y = tg_add(tg_mul(s, tg_dot(a, b)), c);
  CHECK(gemm_fired(g, TG_VARS(a, b, c, s), 1, &y) == 0);
  /* dtypes differ: float32 C promotes a float64 product? no: a float32 dot plus float64 C */
  tg_var *a32 = tg_matrix(g, "a32", TG_FLOAT32);
  y = tg_add(tg_dot(a32, a32), c);
  CHECK(gemm_fired(g, TG_VARS(a32, c), 1, &y) == 0);
  /* C enlarges the product: dot of a (1, k) row matrix and (k, 1) gives (1, 1) */
  tg_var *r1 = tg_tensor(g, "r1", TG_FLOAT64, 2, (int64_t[]){1, -1});
  tg_var *c1 = tg_tensor(g, "c1", TG_FLOAT64, 2, (int64_t[]){-1, 1});
  y = tg_add(tg_dot(r1, c1), c);
  CHECK(gemm_fired(g, TG_VARS(r1, c1, c), 1, &y) == 0);
  tg_array *ra = rnd(TG_FLOAT64, 2, (int64_t[]){1, 3}), *ca = rnd(TG_FLOAT64, 2, (int64_t[]){3, 1});
  tg_array *cc = rnd(TG_FLOAT64, 2, (int64_t[]){2, 2});
  CHECK(rw_check_modes(g, TG_VARS(r1, c1, c), 1, &y, (tg_array *[]){ra, ca, cc}, 1e-14, 1e-14) == 0);
  /* integer products */
  tg_var *ai = tg_matrix(g, "ai", TG_INT32);
  y = tg_add(tg_dot(ai, ai), ai);
  CHECK(gemm_fired(g, TG_VARS(ai), 1, &y) == 0);
  /* two vectors: a scalar dot */
  tg_var *v = tg_vector(g, "v", TG_FLOAT64);
  y = tg_add(tg_dot(v, v), s);
  CHECK(gemm_fired(g, TG_VARS(v, s), 1, &y) == 0);
  tg_array_unref(ra);
  tg_array_unref(ca);
  tg_array_unref(cc);
  tg_graph_free(g);
}

TEST(gemm_mlp_layer_and_its_gradient) {
  /* h = tanh(dot(X, W) + b); the forward layer is one Gemm, and the SGD update of W
     (W - 0.1 * dot(X.T, gz)) another */
  tg_graph *g = tg_graph_new();
  tg_var *X = tg_matrix(g, "X", TG_FLOAT32), *W = tg_matrix(g, "W", TG_FLOAT32);
  tg_var *bb = tg_vector(g, "b", TG_FLOAT32);
  tg_var *h = tg_tanh(tg_add(tg_dot(X, W), bb));
  tg_var *cost = tg_sum(tg_sqr(h), TG_ALL_AXES, false), *gw = NULL;
  CHECK_STATUS(tg_grad(cost, 1, &W, &gw), TG_OK);
  tg_var *outs[2] = {h, tg_sub(W, tg_mul(tg_const_f64(g, 0.1), gw))};
  tg_function *f = rw_compile(g, TG_VARS(X, W, bb), 2, outs, "FAST_RUN", NULL);
  CHECK(f && rw_count_op(f, "Gemm*") == 2 && rw_count_op(f, "Dot") == 0);
  tg_function_free(f);
  tg_array *args[3] = {rnd(TG_FLOAT32, 2, (int64_t[]){8, 5}), rnd(TG_FLOAT32, 2, (int64_t[]){5, 3}),
                       rnd(TG_FLOAT32, 1, (int64_t[]){3})};
  CHECK(rw_check_modes(g, TG_VARS(X, W, bb), 2, outs, args, 2e-5, 2e-5) == 0);
  for (int j = 0; j < 3; j++) tg_array_unref(args[j]);
  tg_graph_free(g);
}
