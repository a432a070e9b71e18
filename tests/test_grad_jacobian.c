/* test_grad_jacobian.c: tg_jacobian / tg_jacobian_n of a vector whose length is only known
   at run time (a scan over its rows, each step a gradient), against central differences
   and against the static-length construction on the same values; several wrt at once;
   FAST_RUN and FAST_COMPILE; a hessian over a vector of symbolic length (tg_hessian builds
   on tg_jacobian); an empty y; bad arguments. */
#include <math.h>
#include <string.h>

#include "tgraph/tgraph.h"
#include "grad_check.h"

/* y = tanh(W x) + x[0] * [1, ..]  (a dependence on one element) */
static tg_var *f_tanh(tg_var *W, tg_var *x) {
  return tg_add(tg_tanh(tg_dot(W, x)), tg_mul(tg_subtensor(x, TG_IDX(TG_INT(0))), tg_const_f64(tg_var_graph(x), 0.5)));
}
/* y = x**2 * sum(x) (rows of length len(x)) */
static tg_var *f_sq(tg_var *W, tg_var *x) {
  (void)W;
  return tg_mul(tg_sqr(x), tg_sum(x, -1, NULL, false));
}

static tg_function *compile(tg_graph *g, int n_in, tg_var *const *in, int n_out,
                            tg_var *const *out, const char *mode) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "mode", mode);
  tg_options_set(o, "on_unused_input", "ignore");
  tg_function *f = tg_function_new(g, n_in, in, n_out, out, o);
  tg_options_free(o);
  if (!f) fprintf(stderr, "compile (%s): %s\n", mode, tg_graph_error(g));
  return f;
}

/* The jacobians of f(W, x) wrt x and W with symbolic shapes (scan) and static shapes
   (unrolled), in mode, against central differences of f itself. */
static void check_f(const char *label, tg_var *(*f)(tg_var *, tg_var *), const char *mode) {
  enum { M = 4, N = 3 };
  tg_graph *g = tg_graph_new();
  tg_var *W = tg_matrix(g, "W", TG_FLOAT64), *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *Ws = tg_tensor(g, "Ws", TG_FLOAT64, 2, (int64_t[]){M, N});
  tg_var *xs = tg_tensor(g, "xs", TG_FLOAT64, 1, (int64_t[]){N});
  tg_var *y = f(W, x), *ys = f(Ws, xs), *J[2], *Js[2];
  CHECK(tg_var_dim(y, 0) < 0);
  CHECK_STATUS(tg_jacobian_n(y, 2, (tg_var *[]){x, W}, J), TG_OK);
  CHECK_STATUS(tg_jacobian_n(ys, 2, (tg_var *[]){xs, Ws}, Js), TG_OK);
  if (!J[0] || !Js[0]) {
    fprintf(stderr, "%s: %s\n", label, tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  CHECK(tg_var_ndim(J[0]) == 2 && tg_var_ndim(J[1]) == 3);
  tg_function *fj = compile(g, 4, (tg_var *[]){W, x, Ws, xs}, 5, (tg_var *[]){J[0], J[1], Js[0], Js[1], y}, mode);
  tg_function *fy = compile(g, 2, (tg_var *[]){W, x}, 1, &y, mode);
  CHECK(fj && fy);
  if (!fj || !fy) goto done;
  tg_array *wa = gc_rand(TG_FLOAT64, 2, (int64_t[]){M, N}, -1, 1);
  tg_array *xa = gc_rand(TG_FLOAT64, 1, (int64_t[]){N}, -1, 1);
  tg_array *out[5] = {0};
  CHECK_STATUS(tg_function_call(fj, (tg_array *[]){wa, xa, wa, xa}, out), TG_OK);
  int m = tg_var_dim(ys, 0) == N ? N : M; /* rows of y */
  CHECK(out[0] && tg_array_ndim(out[0]) == 2 && tg_array_shape(out[0])[0] == m &&
        tg_array_shape(out[0])[1] == N);
  CHECK(out[1] && tg_array_ndim(out[1]) == 3 && tg_array_shape(out[1])[1] == M &&
        tg_array_shape(out[1])[2] == N);
  /* central differences, one input element at a time */
  double h = 1e-6, worst = 0, worst_static = 0;
  for (int which = 0; which < 2 && out[1]; which++) {
    tg_array *p = which ? wa : xa;
    int64_t n = tg_array_size(p);
    for (int64_t j = 0; j < n; j++) {
      double v0 = tg_array_get_f64(p, j);
      tg_array *yp = NULL, *ym = NULL;
      tg_array_set_f64(p, j, v0 + h);
      tg_function_call(fy, (tg_array *[]){wa, xa}, &yp);
      tg_array_set_f64(p, j, v0 - h);
      tg_function_call(fy, (tg_array *[]){wa, xa}, &ym);
      tg_array_set_f64(p, j, v0);
      for (int i = 0; yp && ym && i < m; i++) {
        double fd = (tg_array_get_f64(yp, i) - tg_array_get_f64(ym, i)) / (2 * h);
        double sym = tg_array_get_f64(out[which], i * n + j);
        double st = tg_array_get_f64(out[2 + which], i * n + j);
        if (fabs(fd - sym) > worst) worst = fabs(fd - sym);
        if (fabs(st - sym) > worst_static) worst_static = fabs(st - sym);
      }
      tg_array_unref(yp);
      tg_array_unref(ym);
    }
  }
  th_checks++;
  if (!(worst < 1e-7)) TH_FAIL("%s (%s): jacobian vs central differences: %g", label, mode, worst);
  th_checks++;
  if (!(worst_static < 1e-13)) TH_FAIL("%s (%s): scan vs static jacobian: %g", label, mode, worst_static);
  for (int i = 0; i < 5; i++) tg_array_unref(out[i]);
  tg_array_unref(wa);
  tg_array_unref(xa);
done:
  tg_function_free(fj);
  tg_function_free(fy);
  tg_graph_free(g);
}

TEST(jacobian_of_symbolic_length_tanh_wx) {
  check_f("tanh(W x)", f_tanh, "FAST_RUN");
  check_f("tanh(W x)", f_tanh, "FAST_COMPILE");
}

TEST(jacobian_of_symbolic_length_sq_times_sum) {
  check_f("x**2 * sum(x)", f_sq, "FAST_RUN");
  check_f("x**2 * sum(x)", f_sq, "FAST_COMPILE");
}

/* cost = sum(x^3) + sum(x)^2: H = diag(6 x) + 2, over a vector whose length is symbolic
   (the gradient has it too, so tg_hessian's jacobian is the scan). */
TEST(hessian_over_symbolic_length) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *s = tg_sum(x, -1, NULL, false);
  tg_var *cost = tg_add(tg_sum(tg_pow(x, tg_const_f64(g, 3)), -1, NULL, false), tg_mul(s, s));
  tg_var *H = tg_hessian(cost, x);
  CHECK(H != NULL);
  double xv[5] = {0.5, -1, 2, 0.25, 3};
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){5}, xv), *out[1] = {0};
  for (int mode = 0; H && mode < 2; mode++) {
    tg_function *f = compile(g, 1, &x, 1, &H, mode ? "FAST_COMPILE" : "FAST_RUN");
    CHECK(f != NULL);
    if (f) CHECK_STATUS(tg_function_call(f, &xa, out), TG_OK);
    CHECK(out[0] && tg_array_size(out[0]) == 25);
    for (int i = 0; out[0] && i < 5; i++)
      for (int j = 0; j < 5; j++)
        CHECK_CLOSE(tg_array_get_f64(out[0], i * 5 + j), (i == j ? 6 * xv[i] : 0) + 2, 1e-13, 1e-13);
    tg_array_unref(out[0]);
    out[0] = NULL;
    tg_function_free(f);
  }
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* A y that turns out empty at run time: a (0, len(x)) jacobian. */
TEST(jacobian_of_empty_symbolic_vector) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *k = tg_scalar(g, "k", TG_INT64);
  tg_var *y = tg_exp(tg_subtensor(x, TG_IDX(TG_SLICE_VARS(NULL, k, NULL))));
  tg_var *J = tg_jacobian(y, x);
  CHECK(J != NULL);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){1, 2, 3});
  for (int64_t kv = 0; J && kv <= 2; kv += 2) {
    tg_array *ka = tg_array_scalar(TG_INT64, (double)kv), *out[1] = {0};
    CHECK(gc_run(g, TG_VARS(x, k), 1, &J, (tg_array *[]){xa, ka}, out));
    CHECK(out[0] && tg_array_ndim(out[0]) == 2 && tg_array_shape(out[0])[0] == kv &&
          tg_array_shape(out[0])[1] == 3);
    for (int64_t i = 0; out[0] && i < kv; i++)
      for (int j = 0; j < 3; j++)
        CHECK_CLOSE(tg_array_get_f64(out[0], i * 3 + j), i == j ? exp(j + 1.0) : 0, 1e-14, 0);
    tg_array_unref(out[0]);
    tg_array_unref(ka);
  }
  tg_array_unref(xa);
  tg_graph_free(g);
}

TEST(jacobian_bad_arguments) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *x = tg_vector(g, "x", TG_FLOAT64), *r[2];
  CHECK(tg_jacobian(tg_exp(m), m) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "jacobian: y must be 0-d or a vector");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_jacobian_n(tg_exp(x), 0, &x, r), TG_ERR_ARG);
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_jacobian_n(tg_exp(x), 2, (tg_var *[]){x, NULL}, r), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "wrt[1] is NULL");
  tg_graph_free(g);
}
