/* test_grad.c: the reverse-mode driver: hand-checked gradients, broadcasting summed back,
   options (known_grads, consider_constant, disconnected inputs), integer inputs, the
   gradient-only ops, Lop/Rop/jacobian/hessian against finite differences, gradients of
   gradients, and the size of the gradient of a long chain. */
#include "harness.h"

static tg_array *vec(int n, const double *v) { return tg_array_from_f64(1, (int64_t[]){n}, v); }

/* Compile inputs -> outputs and call once; results in out[]. An input may go unused (a
   gradient need not read x's value). */
static int run(tg_graph *g, int n_in, tg_var *const *in, int n_out, tg_var *const *outs,
               tg_array *const *args, tg_array **out) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "on_unused_input", "ignore");
  tg_function *f = tg_function_new(g, n_in, in, n_out, outs, o);
  tg_options_free(o);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return 0;
  }
  int ok = tg_function_call(f, args, out) == TG_OK;
  if (!ok) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return ok;
}

TEST(hand_gradient_of_polynomial) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *w = tg_scalar(g, "w", TG_FLOAT64);
  /* cost = sum(w * x^2 + exp(x)) ; d/dx = 2 w x + exp(x) ; d/dw = sum(x^2) */
  tg_var *cost = tg_sum(tg_add(tg_mul(w, tg_sqr(x)), tg_exp(x)), -1, NULL, false);
  tg_var *gr[2];
  CHECK_STATUS(tg_grad(cost, TG_VARS(x, w), gr), TG_OK);
  CHECK(tg_var_ndim(gr[0]) == 1 && tg_var_ndim(gr[1]) == 0);
  double xv[3] = {0.5, -1, 2};
  tg_array *xa = vec(3, xv), *wa = tg_array_scalar(TG_FLOAT64, 3), *out[2] = {0};
  CHECK(run(g, TG_VARS(x, w), 2, gr, (tg_array *[]){xa, wa}, out));
  for (int i = 0; i < 3; i++) CHECK_CLOSE(tg_array_get_f64(out[0], i), 6 * xv[i] + exp(xv[i]), 1e-14, 0);
  CHECK_CLOSE(tg_array_get_f64(out[1], 0), 0.25 + 1 + 4, 1e-14, 0);
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

TEST(broadcast_gradient_is_summed_back) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT32), *r = tg_row(g, "r", TG_FLOAT32);
  tg_var *v = tg_vector(g, "v", TG_FLOAT32);
  tg_var *cost = tg_sum(tg_mul(tg_add(m, r), v), -1, NULL, false);
  tg_var *gr[3];
  CHECK_STATUS(tg_grad(cost, TG_VARS(m, r, v), gr), TG_OK);
  CHECK(tg_var_dtype(gr[1]) == TG_FLOAT32 && tg_var_dim(gr[1], 0) == 1);
  float mv[6] = {1, 2, 3, 4, 5, 6}, rv[3] = {10, 20, 30}, vv[3] = {1, -1, 2};
  tg_array *ma = tg_array_from_f32(2, (int64_t[]){2, 3}, mv);
  tg_array *ra = tg_array_from_f32(2, (int64_t[]){1, 3}, rv);
  tg_array *va = tg_array_from_f32(1, (int64_t[]){3}, vv), *out[3] = {0};
  CHECK(run(g, TG_VARS(m, r, v), 3, gr, (tg_array *[]){ma, ra, va}, out));
  for (int i = 0; i < 6; i++) CHECK(tg_array_get_f64(out[0], i) == vv[i % 3]);
  for (int j = 0; j < 3; j++) CHECK(tg_array_get_f64(out[1], j) == 2 * vv[j]);
  for (int j = 0; j < 3; j++) CHECK(tg_array_get_f64(out[2], j) == mv[j] + mv[3 + j] + 2 * rv[j]);
  for (int i = 0; i < 3; i++) tg_array_unref(out[i]);
  tg_array_unref(ma);
  tg_array_unref(ra);
  tg_array_unref(va);
  tg_graph_free(g);
}

TEST(disconnected_and_integer_inputs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "unused", TG_FLOAT64);
  tg_var *k = tg_vector(g, "k", TG_INT32);
  tg_var *cost = tg_sum(tg_mul(x, k), -1, NULL, false);
  tg_var *gr[3] = {0};
  CHECK_STATUS(tg_grad(cost, TG_VARS(x, y), gr), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'unused'");
  CHECK(gr[0] == NULL); /* untouched on error */
  tg_graph_clear_error(g);
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  CHECK_STATUS(tg_grad_ex(cost, TG_VARS(x, y, k), gr, &o), TG_OK);
  CHECK(gr[0] && gr[1] && gr[2]); /* zeros for y and the integer k */
  o.return_disconnected_none = true;
  CHECK_STATUS(tg_grad_ex(cost, TG_VARS(x, y, k), gr, &o), TG_OK);
  CHECK(gr[0] && !gr[1] && !gr[2]);
  tg_var *c2 = tg_sum(x, -1, NULL, false);
  CHECK_STATUS(tg_grad(tg_shape(x), TG_VARS(x), gr), TG_ERR_TYPE);
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_grad(c2, 1, NULL, gr), TG_ERR_ARG);
  tg_graph_free(g);
}

TEST(consider_constant_known_grads_and_grad_ops) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64);
  tg_var *y = tg_mul(x, x); /* y = x^2 */
  tg_var *cost = tg_mul(y, x); /* x^3 */
  tg_var *gr[1];
  tg_grad_options o = {.n_consider_constant = 1, .consider_constant = (tg_var *[]){y}};
  CHECK_STATUS(tg_grad_ex(cost, TG_VARS(x), gr, &o), TG_OK); /* d/dx (const y) * x = y */
  tg_var *gk[1];
  tg_grad_options ok = {.n_known = 1, .known_vars = (tg_var *[]){y},
                        .known_grads = (tg_var *[]){tg_const_f64(g, 10.0)}};
  CHECK_STATUS(tg_grad_ex(NULL, TG_VARS(x), gk, &ok), TG_OK); /* 10 * 2x */
  tg_var *gz[1], *gs[1], *gc[1], *gd[1];
  CHECK_STATUS(tg_grad(tg_add(tg_zero_grad(cost), x), TG_VARS(x), gz), TG_OK);
  CHECK_STATUS(tg_grad(tg_grad_scale(cost, -2.0), TG_VARS(x), gs), TG_OK);
  /* the gradient reaching the clipped x is 5, clipped to 1 */
  CHECK_STATUS(tg_grad(tg_mul(tg_grad_clip(x, -1.0, 1.0), tg_const_f64(g, 5.0)), TG_VARS(x), gc), TG_OK);
  CHECK_STATUS(tg_grad(tg_add(tg_disconnected_grad(cost), tg_mul(x, tg_const_f64(g, 3.0))),
                       TG_VARS(x), gd), TG_OK);
  tg_array *xa = tg_array_scalar(TG_FLOAT64, 1.5), *out[5] = {0};
  CHECK(run(g, TG_VARS(x), 5, (tg_var *[]){gr[0], gk[0], gz[0], gs[0], gc[0]}, (tg_array *[]){xa}, out));
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), 2.25, 1e-15, 0);
  CHECK_CLOSE(tg_array_get_f64(out[1], 0), 30.0, 1e-15, 0);
  CHECK_CLOSE(tg_array_get_f64(out[2], 0), 1.0, 1e-15, 0);
  CHECK_CLOSE(tg_array_get_f64(out[3], 0), -2 * 3 * 2.25, 1e-15, 0);
  CHECK_CLOSE(tg_array_get_f64(out[4], 0), 1.0, 1e-15, 0);
  for (int i = 0; i < 5; i++) tg_array_unref(out[i]);
  tg_array *o1[1] = {0};
  CHECK(run(g, TG_VARS(x), 1, gd, (tg_array *[]){xa}, o1));
  CHECK_CLOSE(tg_array_get_f64(o1[0], 0), 3.0, 1e-15, 0);
  tg_array_unref(o1[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

static tg_var *build_tanh_net(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_tanh(tg_add(tg_mul(in[0], in[1]), tg_sin(in[0])));
}

TEST(verify_grad_passes_and_reports) {
  double xv[4] = {0.3, -0.2, 0.9, 1.1}, wv[4] = {1, 2, -1, 0.5};
  tg_array *x = vec(4, xv), *w = vec(4, wv);
  char msg[512];
  CHECK_STATUS(tg_verify_grad(build_tanh_net, NULL, 2, (tg_array *[]){x, w}, NULL, msg, sizeof msg), TG_OK);
  tg_array *xf = tg_array_astype(x, TG_FLOAT32), *wf = tg_array_astype(w, TG_FLOAT32);
  CHECK_STATUS(tg_verify_grad(build_tanh_net, NULL, 2, (tg_array *[]){xf, wf}, NULL, msg, sizeof msg), TG_OK);
  tg_array_unref(x);
  tg_array_unref(w);
  tg_array_unref(xf);
  tg_array_unref(wf);
}

/* a deliberately wrong gradient: zero_grad hides the dependence */
static tg_var *build_wrong(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_add(tg_zero_grad(tg_exp(in[0])), in[0]);
}

TEST(verify_grad_catches_a_wrong_gradient) {
  double xv[3] = {0.1, 0.2, 0.3};
  tg_array *x = vec(3, xv);
  char msg[512];
  CHECK_STATUS(tg_verify_grad(build_wrong, NULL, 1, (tg_array *[]){x}, NULL, msg, sizeof msg), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(msg, "Elemwise{add}");
  CHECK_ERROR_CONTAINS(msg, "input 0");
  CHECK_ERROR_CONTAINS(msg, "abs error");
  tg_array_unref(x);
}

TEST(hessian_and_rop_against_hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 1, (int64_t[]){3});
  /* cost = sum(x^3) + x0*x1 ; H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]] */
  tg_var *x0 = tg_subtensor(x, TG_IDX(TG_INT(0))), *x1 = tg_subtensor(x, TG_IDX(TG_INT(1)));
  tg_var *cost = tg_add(tg_sum(tg_pow(x, tg_const_f64(g, 3.0)), -1, NULL, false), tg_mul(x0, x1));
  tg_var *H = tg_hessian(cost, x);
  CHECK(H != NULL);
  tg_var *y = tg_mul(tg_exp(x), x); /* J = diag((1 + x) e^x) */
  tg_var *v = tg_tensor(g, "v", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *jv[1];
  CHECK_STATUS(tg_Rop(TG_VARS(y), TG_VARS(x), (tg_var *[]){v}, jv), TG_OK);
  tg_var *J = tg_jacobian(y, x);
  double xv[3] = {0.5, -1, 2}, vv[3] = {1, 2, 3};
  tg_array *xa = vec(3, xv), *va = vec(3, vv), *out[3] = {0};
  CHECK(run(g, TG_VARS(x, v), 3, (tg_var *[]){H, jv[0], J}, (tg_array *[]){xa, va}, out));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double want = (i == j ? 6 * xv[i] : 0) + ((i == 0 && j == 1) || (i == 1 && j == 0));
      CHECK_CLOSE(tg_array_get_f64(out[0], i * 3 + j), want, 1e-13, 1e-13);
      CHECK_CLOSE(tg_array_get_f64(out[2], i * 3 + j), i == j ? (1 + xv[i]) * exp(xv[i]) : 0, 1e-14, 0);
    }
  for (int i = 0; i < 3; i++) CHECK_CLOSE(tg_array_get_f64(out[1], i), (1 + xv[i]) * exp(xv[i]) * vv[i], 1e-14, 0);
  for (int i = 0; i < 3; i++) tg_array_unref(out[i]);
  tg_array_unref(xa);
  tg_array_unref(va);
  tg_graph_free(g);
}

TEST(gradient_of_long_chain_is_linear) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *y = x;
  tg_var *c = tg_const_f64(g, 0.9999);
  for (int i = 0; i < 10000; i++) y = tg_mul(y, c);
  int64_t before = tg_graph_n_nodes(g);
  tg_var *gr[1];
  CHECK_STATUS(tg_grad(y, TG_VARS(x), gr), TG_OK);
  int64_t added = tg_graph_n_nodes(g) - before;
  CHECK(added <= 3 * before); /* one mul per forward node, plus a constant handful */
  tg_array *xa = tg_array_scalar(TG_FLOAT64, 2), *out[1] = {0};
  CHECK(run(g, TG_VARS(x), 1, gr, (tg_array *[]){xa}, out));
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), pow(0.9999, 10000), 1e-12, 0);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}
