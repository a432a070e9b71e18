/* test_grad_rop.c: forward-mode Rop (the default of tg_Rop) for every op family, checked
   against the Jacobian times the eval point (the Jacobian from tg_jacobian, multiplied out
   here in C) and against the double-backprop construction (TG_ROP_DOUBLE_BACKPROP), in
   float64 and float32, with contiguous and non-contiguous inputs: elementwise (with
   broadcasting), reductions, shape ops, indexing (repeated advanced indices), products,
   linalg, nnet. Also disconnected eval points and outputs, bad arguments, the size of the
   Rop graph of a 10,000-op chain (linear), and the allocation-failure sweep. */
#include <math.h>
#include <string.h>

#include "tgraph/tgraph.h"
#include "alloc_sweep.h"
#include "grad_check.h"

enum { MAXIN = 4 };

/* A case: n_in inputs (the first n_wrt get eval points) of the given shapes, values in
   [lo, hi); build makes the output from them. */
typedef struct rcase {
  const char *name;
  int n_in, n_wrt;
  int ndim[MAXIN];
  int64_t shape[MAXIN][3];
  double lo, hi;
  bool f32_inside; /* computes in float32 whatever the inputs: float32 tolerance */
  tg_var *(*build)(tg_graph *g, tg_var *const *x);
} rcase;

static tg_var *K(tg_graph *g, double v) { return tg_const_f64(g, v); }

/* ---- the cases ---- */
static tg_var *b_unary(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0];
  return tg_add(tg_add(tg_mul(tg_tanh(a), tg_exp(tg_sin(a))), tg_log1p(tg_mul(a, a))),
                tg_sub(tg_sqrt(tg_add(tg_sqr(a), K(g, 1))), tg_sigmoid(tg_mul(a, K(g, 3)))));
}
static tg_var *b_binary_bcast(tg_graph *g, tg_var *const *x) {
  tg_var *m = x[0], *r = x[1];
  tg_var *t = tg_add(tg_mul(m, r), tg_pow(tg_add(tg_abs(m), K(g, 1)), r));
  t = tg_sub(t, tg_true_div(m, tg_add(tg_mul(r, r), K(g, 1))));
  return tg_add(t, tg_arctan2(m, tg_add(r, K(g, 2))));
}
static tg_var *b_row_only(tg_graph *g, tg_var *const *x) { /* tangent only on the row */
  (void)g;
  return tg_add(x[0], tg_mul(x[1], x[1]));
}
static tg_var *b_switch_clip(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0], *b = x[1];
  tg_var *s = tg_switch(tg_gt(a, K(g, 0)), tg_mul(a, b), tg_neg(a));
  return tg_add(tg_add(s, tg_clip(a, K(g, -0.5), K(g, 0.5))), tg_maximum(a, b));
}
static tg_var *b_special(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0];
  tg_var *t = tg_add(tg_add(tg_gammaln(a), tg_psi(a)), tg_trigamma(a));
  return tg_add(tg_add(t, tg_erf(a)), tg_polygamma(tg_const_i64(g, 2), a));
}
static tg_var *b_cast(tg_graph *g, tg_var *const *x) {
  (void)g;
  tg_dtype other = tg_var_dtype(x[0]) == TG_FLOAT64 ? TG_FLOAT32 : TG_FLOAT64;
  return tg_cast(tg_mul(tg_cast(x[0], other), tg_cast(x[0], other)), tg_var_dtype(x[0]));
}
static tg_var *b_reduce(tg_graph *g, tg_var *const *x) {
  (void)g;
  tg_var *a = x[0];
  int ax1 = 1, ax0 = 0;
  tg_var *s = tg_add(tg_sum(tg_sqr(a), 1, &ax1, false), tg_mean(tg_exp(a), 1, &ax1, false));
  s = tg_add(s, tg_max(a, 1, &ax1, false));
  s = tg_add(s, tg_min(tg_sin(a), -1, NULL, false));
  s = tg_add(s, tg_sum(tg_prod(a, 1, &ax0, true), -1, NULL, false));
  s = tg_add(s, tg_variance(a, 1, &ax1, 0, false));
  return tg_add(s, tg_logsumexp(a, 1, &ax1, false));
}
static tg_var *b_shape(tg_graph *g, tg_var *const *x) {
  (void)g;
  tg_var *a = x[0], *b = tg_mul(a, a);
  tg_var *r = tg_reshape_to(tg_transpose(a, 0, NULL), 2, (int64_t[]){2, 6});
  tg_var *c = tg_concatenate(2, (tg_var *[]){r, tg_reshape_to(b, 2, (int64_t[]){2, 6})}, 0);
  tg_var *st = tg_flatten(tg_stack(2, (tg_var *[]){a, b}, 1), 1);
  tg_var *cs = tg_flatten(tg_cumsum(tg_flip(a, 1, (int[]){1}), 1), 1);
  tg_var *tl = tg_flatten(tg_tile(tg_roll_n(a, 1, 0), 2, (int64_t[]){1, 2}), 1);
  tg_var *rp = tg_flatten(tg_repeat_n(tg_dimshuffle(a, 2, (int[]){1, 0}), 2, 0), 1);
  tg_var *dg = tg_diag(tg_diagonal(a, 0, 0, 1), 0);
  return tg_concatenate(6, (tg_var *[]){tg_flatten(c, 1), st, cs, tl, rp, tg_flatten(dg, 1)}, 0);
}
static tg_var *b_index(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0], *y = x[1];
  int64_t iv[] = {0, 2, 0, 1};
  tg_array *ia = tg_array_from_i64(1, (int64_t[]){4}, iv);
  tg_var *idx = tg_constant(g, ia);
  tg_array_unref(ia);
  tg_var *s1 = tg_flatten(tg_subtensor(a, TG_IDX(TG_SLICE(1, TG_NONE, TG_NONE), TG_SLICE(TG_NONE, TG_NONE, -2))), 1);
  tg_var *s2 = tg_flatten(tg_sqr(tg_take(a, idx, 0)), 1); /* row 0 twice */
  tg_var *s3 = tg_flatten(tg_inc_subtensor(a, tg_mul(y, y), TG_IDX(TG_VAR(idx))), 1); /* repeats add */
  tg_var *s4 = tg_flatten(tg_set_subtensor(tg_exp(a), y, TG_IDX(TG_INT(1))), 1);
  tg_array *ka = tg_array_from_i64(1, (int64_t[]){4}, (int64_t[]){5, 6, 7, 8});
  tg_var *k = tg_constant(g, ka); /* integer values written: constant data */
  tg_array_unref(ka);
  tg_var *s5 = tg_flatten(tg_set_subtensor(tg_sin(a), k, TG_IDX(TG_INT(2))), 1);
  return tg_concatenate(5, (tg_var *[]){s1, s2, s3, s4, s5}, 0);
}
static tg_var *b_products(tg_graph *g, tg_var *const *x) {
  (void)g;
  tg_var *a = x[0], *b = x[1];
  tg_var *d = tg_flatten(tg_dot(a, b), 1);
  tg_var *m = tg_flatten(tg_matmul(tg_tanh(a), b), 1);
  tg_var *o = tg_flatten(tg_outer(tg_sum(a, -1, NULL, true) , tg_flatten(b, 1)), 1);
  tg_var *t = tg_flatten(tg_tensordot(a, tg_transpose(b, 0, NULL), 1, (int[]){1}, (int[]){1}), 1);
  return tg_concatenate(4, (tg_var *[]){d, m, o, t}, 0);
}
static tg_var *b_linalg(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0], *b = x[1];
  tg_var *eye = tg_eye(g, tg_const_i64(g, 3), NULL, 0, tg_var_dtype(a));
  tg_var *spd = tg_add(tg_dot(a, tg_transpose(a, 0, NULL)), tg_mul(eye, K(g, 3)));
  tg_var *i = tg_flatten(tg_inv(spd), 1);
  tg_var *d = tg_reshape_to(tg_det(spd), 1, (int64_t[]){1});
  tg_var *s = tg_flatten(tg_solve(spd, b), 1);
  tg_var *c = tg_flatten(tg_cholesky(spd, true), 1);
  return tg_concatenate(4, (tg_var *[]){i, d, s, c}, 0);
}
static tg_var *b_nnet(tg_graph *g, tg_var *const *x) {
  tg_var *a = x[0];
  int64_t lv[] = {2, 0, 3};
  tg_array *la = tg_array_from_i64(1, (int64_t[]){3}, lv);
  tg_var *lab = tg_constant(g, la);
  tg_array_unref(la);
  tg_var *sm = tg_softmax(a, 1);
  tg_var *ls = tg_flatten(tg_log_softmax(tg_mul(a, K(g, 2)), 0), 1);
  tg_var *ce = tg_categorical_crossentropy(tg_softmax(tg_add(a, K(g, 0.5)), 1),
                                           tg_one_hot(lab, 4, tg_var_dtype(a)));
  return tg_concatenate(3, (tg_var *[]){tg_flatten(sm, 1), ls, ce}, 0);
}
static tg_var *b_scalar_out(tg_graph *g, tg_var *const *x) { /* 0-d output: static jacobian */
  (void)g;
  return tg_sum(tg_mul(tg_exp(x[0]), x[1]), -1, NULL, false);
}

static const rcase cases[] = {
    {"elemwise unary", 1, 1, {2}, {{3, 4}}, -1, 1, false, b_unary},
    {"elemwise binary, broadcast", 2, 2, {2, 1}, {{3, 4}, {4}}, -1, 1, false, b_binary_bcast},
    {"tangent of a broadcast row only", 2, 1, {2, 2}, {{1, 4}, {3, 4}}, -1, 1, false, b_row_only},
    {"switch, clip, maximum", 2, 2, {2, 2}, {{3, 4}, {3, 4}}, -1, 1, false, b_switch_clip},
    {"special functions", 1, 1, {1}, {{5}}, 0.5, 3, false, b_special},
    {"casts", 1, 1, {2}, {{2, 3}}, -1, 1, true, b_cast},
    {"reductions", 1, 1, {2}, {{3, 4}}, 0.5, 1.5, false, b_reduce},
    {"shape ops", 1, 1, {2}, {{3, 4}}, -1, 1, false, b_shape},
    {"indexing, repeated indices", 2, 2, {2, 1}, {{3, 4}, {4}}, -1, 1, false, b_index},
    {"dot, matmul, outer, tensordot", 2, 2, {2, 2}, {{3, 4}, {4, 2}}, -1, 1, false, b_products},
    {"inv, det, solve, cholesky", 2, 2, {2, 2}, {{3, 3}, {3, 2}}, -1, 1, false, b_linalg},
    {"softmax, log_softmax, crossentropy", 1, 1, {2}, {{3, 4}}, -1, 1, false, b_nnet},
    {"0-d output", 2, 2, {1, 1}, {{4}, {4}}, -1, 1, false, b_scalar_out},
};

/* Builds both Rops and the jacobians of case c in dtype dt, runs them on random inputs
   (laid out non-contiguously when layout >= 0), and checks both Rops against J v. */
static void check_case(const rcase *c, tg_dtype dt, int layout) {
  char label[160];
  snprintf(label, sizeof label, "%s (%s%s)", c->name, tg_dtype_name(dt),
           layout < 0 ? "" : layout == 0 ? ", transposed inputs" : ", strided inputs");
  tg_graph *g = tg_graph_new();
  tg_var *x[MAXIN], *v[MAXIN], *all[2 * MAXIN];
  for (int i = 0; i < c->n_in; i++) {
    int64_t st[3] = {-1, -1, -1};
    for (int d = 0; d < c->ndim[i]; d++) st[d] = c->shape[i][d] == 1 ? 1 : -1;
    x[i] = tg_tensor(g, "x", dt, c->ndim[i], st);
    all[i] = x[i];
  }
  for (int i = 0; i < c->n_wrt; i++) {
    v[i] = tg_tensor(g, "v", dt, c->ndim[i], NULL);
    all[c->n_in + i] = v[i];
  }
  tg_var *y = c->build(g, x), *rf = NULL, *rb = NULL, *J[MAXIN];
  tg_status s1 = tg_Rop(1, &y, c->n_wrt, x, v, &rf);
  tg_status s2 = y ? tg_Rop_ex(1, &y, c->n_wrt, x, v, &rb, TG_ROP_DOUBLE_BACKPROP) : TG_ERR_ARG;
  tg_var *yf = !y ? NULL : tg_var_ndim(y) == 0 ? tg_reshape_to(y, 1, (int64_t[]){1}) : tg_flatten(y, 1);
  tg_status s3 = yf ? tg_jacobian_n(yf, c->n_wrt, x, J) : TG_ERR_ARG;
  if (s1 != TG_OK || s2 != TG_OK || s3 != TG_OK) {
    TH_FAIL("%s: building: %s", label, tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  tg_array *in[2 * MAXIN], *out[2 + MAXIN] = {0};
  int n_args = c->n_in + c->n_wrt;
  for (int i = 0; i < n_args; i++) {
    int k = i < c->n_in ? i : i - c->n_in;
    bool ev = i >= c->n_in;
    tg_array *a = gc_rand(dt, c->ndim[k], c->shape[k], ev ? -1 : c->lo, ev ? 1 : c->hi);
    in[i] = layout < 0 ? a : gc_noncontig(a, layout);
    if (layout >= 0) tg_array_unref(a);
  }
  tg_var *outs[2 + MAXIN] = {rf, rb};
  for (int i = 0; i < c->n_wrt; i++) outs[2 + i] = J[i];
  if (gc_run(g, n_args, all, 2 + c->n_wrt, outs, in, out)) {
    int64_t m = tg_array_size(out[0]);
    double worst = 0, rtol = dt == TG_FLOAT64 && !c->f32_inside ? 1e-10 : 2e-4;
    CHECK(tg_array_size(out[1]) == m);
    for (int64_t k = 0; k < m; k++) {
      double want = 0, scale = 1e-3;
      for (int i = 0; i < c->n_wrt; i++) {
        int64_t n = tg_array_size(in[c->n_in + i]);
        for (int64_t j = 0; j < n; j++) {
          double p = tg_array_get_f64(out[2 + i], k * n + j) * tg_array_get_f64(in[c->n_in + i], j);
          want += p;
          scale += fabs(p);
        }
      }
      double e0 = fabs(tg_array_get_f64(out[0], k) - want) / scale;
      double e1 = fabs(tg_array_get_f64(out[1], k) - want) / scale;
      if (e0 > worst) worst = e0;
      if (e1 > worst) worst = e1;
    }
    th_checks++;
    if (!(worst <= rtol)) TH_FAIL("%s: Rop differs from J v by %g (relative)", label, worst);
  } else {
    TH_FAIL("%s: running failed", label);
  }
  for (int i = 0; i < 2 + c->n_wrt; i++) tg_array_unref(out[i]);
  for (int i = 0; i < n_args; i++) tg_array_unref(in[i]);
  tg_graph_free(g);
}

TEST(rop_matches_jacobian_times_vector_float64) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT64, -1);
}

TEST(rop_matches_jacobian_times_vector_float32) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT32, -1);
}

TEST(rop_non_contiguous_inputs) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_case(&cases[i], TG_FLOAT64, 0);
    check_case(&cases[i], TG_FLOAT64, 1);
  }
}

/* An eval point for an input the outputs do not depend on adds nothing; an output that
   depends on no wrt gets zeros; no output depending on any is an error. */
TEST(disconnected_eval_points_and_outputs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *z = tg_vector(g, "z", TG_FLOAT64);
  tg_var *vx = tg_vector(g, "vx", TG_FLOAT64), *vz = tg_vector(g, "vz", TG_FLOAT64);
  tg_var *w = tg_vector(g, "w", TG_FLOAT64);
  tg_var *y[2] = {tg_exp(x), tg_sqr(w)}, *r[2];
  CHECK_STATUS(tg_Rop(2, y, 2, (tg_var *[]){x, z}, (tg_var *[]){vx, vz}, r), TG_OK);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){0, 1, -2});
  tg_array *va = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){1, 2, 3});
  tg_array *za = gc_from(TG_FLOAT64, 1, (int64_t[]){2}, (double[]){5, 6});
  tg_array *wa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){7, 8, 9});
  tg_array *out[2] = {0};
  tg_options *o = tg_options_new();
  tg_options_set(o, "on_unused_input", "ignore"); /* z and its eval point */
  tg_function *f = tg_function_new(g, 5, (tg_var *[]){x, z, vx, vz, w}, 2, r, o);
  tg_options_free(o);
  CHECK(f != NULL);
  if (f) CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, za, va, za, wa}, out), TG_OK);
  tg_function_free(f);
  for (int i = 0; out[0] && i < 3; i++) {
    CHECK_CLOSE(tg_array_get_f64(out[0], i), exp(tg_array_get_f64(xa, i)) * tg_array_get_f64(va, i), 1e-15, 0);
    CHECK(tg_array_get_f64(out[1], i) == 0);
  }
  CHECK(out[1] && tg_array_size(out[1]) == 3);
  tg_var *only[1] = {y[1]};
  CHECK_STATUS(tg_Rop(1, only, 1, &x, &vx, r), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "do not depend on wrt");
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(xa);
  tg_array_unref(va);
  tg_array_unref(za);
  tg_array_unref(wa);
  tg_graph_free(g);
}

TEST(rop_bad_arguments) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64), *r;
  tg_var *y = tg_exp(x);
  CHECK_STATUS(tg_Rop(0, &y, 1, &x, &x, &r), TG_ERR_ARG);
  CHECK_STATUS(tg_Rop(1, &y, 1, &x, NULL, &r), TG_ERR_ARG);
  CHECK_STATUS(tg_Rop(1, &y, 1, &x, &m, &r), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "eval point 0 must have the rank of wrt[0]");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_Rop_ex(1, &y, 1, &x, &x, &r, (tg_rop_mode)7), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "unknown mode");
  tg_graph_free(g);
}

/* A chain of 10,000 ops: forward mode visits each node once, so the Rop graph grows by a
   bounded number of nodes per op; the value is the chain rule done by hand. */
TEST(rop_of_a_long_chain_is_linear) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *v = tg_scalar(g, "v", TG_FLOAT64), *y = x, *r;
  enum { N = 10000 };
  for (int k = 0; k < N; k++) y = k % 2 ? tg_mul(y, tg_const_f64(g, 1.0005)) : tg_sin(y);
  int64_t before = tg_graph_n_nodes(g);
  CHECK_STATUS(tg_Rop(1, &y, 1, &x, &v, &r), TG_OK);
  int64_t added = tg_graph_n_nodes(g) - before;
  CHECK(added >= N && added <= 4 * N); /* sin: t * cos(x), 2 nodes; mul: t * c, 1 */
  double xv = 0.3, yv = xv, dv = 1.0;
  for (int k = 0; k < N; k++) {
    if (k % 2) {
      yv *= 1.0005;
      dv *= 1.0005;
    } else {
      dv *= cos(yv);
      yv = sin(yv);
    }
  }
  tg_array *xa = tg_array_scalar(TG_FLOAT64, xv), *va = tg_array_scalar(TG_FLOAT64, 2.0), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x, v), 1, &r, (tg_array *[]){xa, va}, out));
  if (out[0]) CHECK_CLOSE(tg_array_get_f64(out[0], 0), 2.0 * dv, 1e-9, 0);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(va);
  tg_graph_free(g);
}

/* Building a forward-mode Rop (rules and the fallback) with each allocation failing. */
static tg_status build_rop(void) {
  C.armed = 1;
  tg_status st = TG_ERR_NOMEM;
  tg_graph *g = tg_graph_new();
  if (g) {
    tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
    tg_var *va = tg_matrix(g, "va", TG_FLOAT64), *vb = tg_matrix(g, "vb", TG_FLOAT64);
    int ax = 1;
    tg_var *y = tg_softmax(tg_dot(tg_tanh(a), b), 1);
    y = tg_add(tg_prod(y, 1, &ax, false), tg_max(tg_subtensor(y, TG_IDX(TG_SLICE(1, TG_NONE, TG_NONE))), 1, &ax, false));
    tg_var *r = NULL;
    st = y ? tg_Rop(1, &y, 2, (tg_var *[]){a, b}, (tg_var *[]){va, vb}, &r) : tg_graph_status(g);
    if (st == TG_OK && !r) st = TG_ERR_RUNTIME;
    tg_graph_free(g);
  }
  C.armed = 0;
  return st;
}

TEST(rop_alloc_sweep) { sweep("forward-mode Rop of softmax(dot), prod, max, subtensor", build_rop); }
