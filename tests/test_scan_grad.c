/* test_scan_grad.c: gradients through scan (backpropagation through time), checked by
   finite differences (tg_verify_grad) on an RNN over 20 steps, a polynomial evaluated
   with scan, cumulative products, a two-tap (Fibonacci-like) recurrence, sequence taps
   with go_backwards, and a reduce keeping only its last state; truncate_gradient against
   a hand-written truncated BPTT loop; Rop through scan against central differences. */
#include "grad_check.h"

static void verify64(const char *what, tg_build_fn fn, void *ud, int n, tg_array *const *in) {
  tg_verify_options o = {.seed = 42, .n_tests = 2};
  CHECK_VERIFY(what, fn, ud, n, in, &o);
}

/* ---- RNN: h_t = tanh(x_t W + h_{t-1} U + b), cost: the sum of squares of all h ---- */

static bool rnn_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud; /* x_t, h, W, U, b */
  r->outputs[0] = tg_tanh(tg_add(tg_add(tg_dot(a[0], a[2]), tg_dot(a[1], a[3])), a[4]));
  return true;
}

static tg_var *rnn_build(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud; /* X (T, B, I), h0 (B, H), W (I, H), U (H, H), b (H) */
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_var *H = NULL;
  tg_scan_sequence(s, in[0], 0, NULL);
  tg_scan_output(s, in[1], 0, NULL);
  tg_scan_non_sequence(s, in[2]);
  tg_scan_non_sequence(s, in[3]);
  tg_scan_non_sequence(s, in[4]);
  tg_status st = tg_scan(s, rnn_step, NULL, &H, NULL);
  tg_scan_spec_free(s);
  return st == TG_OK ? tg_sum(tg_sqr(H), -1, NULL, false) : NULL;
}

TEST(rnn_20_steps) {
  tg_array *in[5] = {gc_rand(TG_FLOAT64, 3, (int64_t[]){20, 2, 3}, -1, 1),
                     gc_rand(TG_FLOAT64, 2, (int64_t[]){2, 4}, -0.5, 0.5),
                     gc_rand(TG_FLOAT64, 2, (int64_t[]){3, 4}, -0.6, 0.6),
                     gc_rand(TG_FLOAT64, 2, (int64_t[]){4, 4}, -0.6, 0.6),
                     gc_rand(TG_FLOAT64, 1, (int64_t[]){4}, -0.2, 0.2)};
  verify64("rnn", rnn_build, NULL, 5, in);
  for (int i = 0; i < 5; i++) tg_array_unref(in[i]);
}

/* ---- polynomial: sum_i c_i x^i, the terms made by scan over (c, i) ---- */

static bool poly_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud; /* c_i, i, x */
  r->outputs[0] = tg_mul(a[0], tg_pow(a[2], a[1]));
  return true;
}

static tg_var *poly_build(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  int64_t k = 5;
  tg_array *pw = tg_array_from_f64(1, &k, (double[]){0, 1, 2, 3, 4});
  tg_var *powers = tg_constant(g, pw);
  tg_array_unref(pw);
  tg_var *terms = tg_scan_map(poly_step, NULL, 2, (tg_var *[]){in[0], powers}, 1, &in[1]);
  return terms ? tg_sum(terms, -1, NULL, false) : NULL;
}

TEST(polynomial) {
  tg_array *in[2] = {gc_rand(TG_FLOAT64, 1, (int64_t[]){5}, -1, 1),
                     tg_array_scalar(TG_FLOAT64, 0.7)};
  verify64("polynomial", poly_build, NULL, 2, in);
  for (int i = 0; i < 2; i++) tg_array_unref(in[i]);
}

/* ---- cumulative products: h_t = h_{t-1} * x_t, every h in the cost ---- */

static bool prod_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_mul(a[1], a[0]);
  return true;
}

static tg_var *cumprod_build(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_var *H = NULL;
  tg_scan_sequence(s, in[0], 0, NULL);
  tg_scan_output(s, in[1], 0, NULL);
  tg_scan_last_only(s, ud != NULL);
  tg_status st = tg_scan(s, prod_step, NULL, &H, NULL);
  tg_scan_spec_free(s);
  if (st != TG_OK) return NULL;
  /* weights, so that each step's value counts differently */
  return ud ? tg_sum(H, -1, NULL, false)
            : tg_sum(tg_mul(H, tg_expand_dims(tg_cast(tg_arange(g, tg_const_i64(g, 1),
                                                                 tg_const_i64(g, 7),
                                                                 tg_const_i64(g, 1), TG_INT64),
                                                       TG_FLOAT64), 1)),
                     -1, NULL, false);
}

TEST(cumulative_products_and_reduce_last_state) {
  tg_array *in[2] = {gc_rand(TG_FLOAT64, 2, (int64_t[]){6, 3}, 0.5, 1.5),
                     gc_rand(TG_FLOAT64, 1, (int64_t[]){3}, -1, 1)};
  verify64("cumprod", cumprod_build, NULL, 2, in);
  verify64("cumprod (last state only)", cumprod_build, "last", 2, in);
  for (int i = 0; i < 2; i++) tg_array_unref(in[i]);
}

/* ---- two taps: f_t = a f_{t-2} + b f_{t-1} (sin for some nonlinearity) ---- */

static bool fib_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud; /* f_{t-2}, f_{t-1}, a, b */
  r->outputs[0] = tg_add(tg_mul(a[2], a[0]), tg_mul(a[3], tg_sin(a[1])));
  return true;
}

static tg_var *fib_build(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_var *F = NULL;
  tg_scan_output(s, in[0], 2, (int[]){-2, -1});
  tg_scan_non_sequence(s, in[1]);
  tg_scan_non_sequence(s, in[2]);
  tg_scan_n_steps(s, tg_const_i64(g, 9));
  tg_status st = tg_scan(s, fib_step, NULL, &F, NULL);
  tg_scan_spec_free(s);
  return st == TG_OK ? tg_sum(tg_mul(F, F), -1, NULL, false) : NULL;
}

TEST(two_tap_recurrence) {
  tg_array *in[3] = {gc_rand(TG_FLOAT64, 1, (int64_t[]){2}, -1, 1),
                     tg_array_scalar(TG_FLOAT64, 0.6), tg_array_scalar(TG_FLOAT64, 0.8)};
  verify64("fibonacci-like", fib_build, NULL, 3, in);
  for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
}

/* ---- sequence taps [-1, 0, 2] with go_backwards, and a state ---- */

static bool taps_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud; /* x[t-1], x[t], x[t+2], h */
  tg_var *v = tg_add(tg_mul(a[0], a[1]), tg_mul(tg_const_f64(g, 0.5), a[2]));
  r->outputs[0] = tg_add(tg_tanh(a[3]), v);
  return true;
}

static tg_var *taps_build(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_var *H = NULL;
  tg_scan_sequence(s, in[0], 3, (int[]){-1, 0, 2});
  tg_scan_output(s, in[1], 0, NULL);
  tg_scan_go_backwards(s, ud != NULL);
  tg_status st = tg_scan(s, taps_step, NULL, &H, NULL);
  tg_scan_spec_free(s);
  return st == TG_OK ? tg_sum(tg_sqr(H), -1, NULL, false) : NULL;
}

TEST(sequence_taps_and_go_backwards) {
  tg_array *in[2] = {gc_rand(TG_FLOAT64, 1, (int64_t[]){8}, -1, 1),
                     tg_array_scalar(TG_FLOAT64, 0.3)};
  verify64("taps", taps_build, NULL, 2, in);
  verify64("taps, go_backwards", taps_build, "back", 2, in);
  for (int i = 0; i < 2; i++) tg_array_unref(in[i]);
}

/* ---- float32 ---- */

TEST(rnn_float32) {
  tg_array *in[5] = {gc_rand(TG_FLOAT32, 3, (int64_t[]){6, 2, 3}, -1, 1),
                     gc_rand(TG_FLOAT32, 2, (int64_t[]){2, 4}, -0.5, 0.5),
                     gc_rand(TG_FLOAT32, 2, (int64_t[]){3, 4}, -0.6, 0.6),
                     gc_rand(TG_FLOAT32, 2, (int64_t[]){4, 4}, -0.6, 0.6),
                     gc_rand(TG_FLOAT32, 1, (int64_t[]){4}, -0.2, 0.2)};
  tg_verify_options o = {.seed = 7};
  CHECK_VERIFY("rnn float32", rnn_build, NULL, 5, in, &o);
  for (int i = 0; i < 5; i++) tg_array_unref(in[i]);
}

/* ---- truncate_gradient: h_t = tanh(w h_{t-1} + x_t), cost sum(h) ---- */

static bool trunc_step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud; /* x_t, h, w */
  r->outputs[0] = tg_tanh(tg_add(tg_mul(a[2], a[1]), a[0]));
  return true;
}

TEST(truncate_gradient_is_exact) {
  enum { N = 8 };
  double xv[N], w = 0.8, h0 = 0.4, h[N + 1];
  for (int i = 0; i < N; i++) xv[i] = 0.3 * sin(i + 1.0);
  h[0] = h0;
  for (int t = 0; t < N; t++) h[t + 1] = tanh(w * h[t] + xv[t]);
  for (int T = 0; T <= N + 2; T += 3) { /* 0, 3, 6 (truncated) and 9 (> N: full) */
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64), *hv = tg_scalar(g, "h0", TG_FLOAT64);
    tg_var *wv = tg_scalar(g, "w", TG_FLOAT64), *H = NULL, *gr[3] = {0};
    tg_scan_spec *s = tg_scan_spec_new(g);
    tg_scan_sequence(s, x, 0, NULL);
    tg_scan_output(s, hv, 0, NULL);
    tg_scan_non_sequence(s, wv);
    tg_scan_truncate_gradient(s, T);
    CHECK_STATUS(tg_scan(s, trunc_step, NULL, &H, NULL), TG_OK);
    tg_scan_spec_free(s);
    CHECK_STATUS(tg_grad(tg_sum(H, -1, NULL, false), 3, (tg_var *[]){x, hv, wv}, gr), TG_OK);
    /* by hand: backward over the last min(T, N) steps only */
    double gx[N] = {0}, gw = 0, gh0 = 0, e = 0;
    int lo = T < N ? N - T : 0;
    for (int t = N - 1; t >= lo; t--) {
      double d = (e + 1) * (1 - h[t + 1] * h[t + 1]);
      gx[t] = d;
      gw += d * h[t];
      e = d * w;
    }
    if (lo == 0) gh0 = e;
    tg_array *xa = tg_array_from_f64(1, (int64_t[]){N}, xv), *ha = tg_array_scalar(TG_FLOAT64, h0);
    tg_array *wa = tg_array_scalar(TG_FLOAT64, w), *out[3] = {0};
    CHECK(gc_run(g, TG_VARS(x, hv, wv), 3, gr, (tg_array *[]){xa, ha, wa}, out));
    for (int i = 0; out[0] && i < N; i++) CHECK_CLOSE(tg_array_get_f64(out[0], i), gx[i], 1e-12, 1e-14);
    if (out[1]) CHECK_CLOSE(tg_array_get_f64(out[1], 0), gh0, 1e-12, 1e-14);
    if (out[2]) CHECK_CLOSE(tg_array_get_f64(out[2], 0), gw, 1e-12, 1e-14);
    for (int i = 0; i < 3; i++) tg_array_unref(out[i]);
    tg_array_unref(xa);
    tg_array_unref(ha);
    tg_array_unref(wa);
    tg_graph_free(g);
  }
}

/* ---- Rop: J v of all the states with respect to U, against central differences ---- */

TEST(rop_through_scan) {
  tg_graph *g = tg_graph_new();
  tg_var *X = tg_tensor3(g, "X", TG_FLOAT64), *h0 = tg_matrix(g, "h0", TG_FLOAT64);
  tg_var *W = tg_matrix(g, "W", TG_FLOAT64), *U = tg_matrix(g, "U", TG_FLOAT64);
  tg_var *b = tg_vector(g, "b", TG_FLOAT64), *V = tg_matrix(g, "V", TG_FLOAT64), *H = NULL, *jv;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, X, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_non_sequence(s, W);
  tg_scan_non_sequence(s, U);
  tg_scan_non_sequence(s, b);
  CHECK_STATUS(tg_scan(s, rnn_step, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_status st = tg_Rop(1, &H, 1, &U, &V, &jv);
  CHECK_STATUS(st, TG_OK);
  if (st != TG_OK) {
    fprintf(stderr, "%s\n", tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  tg_array *xa = gc_rand(TG_FLOAT64, 3, (int64_t[]){5, 2, 3}, -1, 1);
  tg_array *ha = gc_rand(TG_FLOAT64, 2, (int64_t[]){2, 4}, -0.5, 0.5);
  tg_array *wa = gc_rand(TG_FLOAT64, 2, (int64_t[]){3, 4}, -0.6, 0.6);
  tg_array *ua = gc_rand(TG_FLOAT64, 2, (int64_t[]){4, 4}, -0.6, 0.6);
  tg_array *ba = gc_rand(TG_FLOAT64, 1, (int64_t[]){4}, -0.2, 0.2);
  tg_array *va = gc_rand(TG_FLOAT64, 2, (int64_t[]){4, 4}, -1, 1);
  tg_array *out[1] = {0}, *hp[1] = {0}, *hm[1] = {0};
  CHECK(gc_run(g, TG_VARS(X, h0, W, U, b, V), 1, &jv, (tg_array *[]){xa, ha, wa, ua, ba, va}, out));
  double eps = 1e-6;
  tg_array *up = tg_array_copy(ua), *um = tg_array_copy(ua);
  for (int64_t i = 0; i < 16; i++) {
    tg_array_set_f64(up, i, tg_array_get_f64(ua, i) + eps * tg_array_get_f64(va, i));
    tg_array_set_f64(um, i, tg_array_get_f64(ua, i) - eps * tg_array_get_f64(va, i));
  }
  CHECK(gc_run(g, TG_VARS(X, h0, W, U, b), 1, &H, (tg_array *[]){xa, ha, wa, up, ba}, hp));
  CHECK(gc_run(g, TG_VARS(X, h0, W, U, b), 1, &H, (tg_array *[]){xa, ha, wa, um, ba}, hm));
  CHECK(out[0] && hp[0] && tg_array_size(out[0]) == 40);
  for (int64_t i = 0; out[0] && hp[0] && hm[0] && i < 40; i++)
    CHECK_CLOSE(tg_array_get_f64(out[0], i),
                (tg_array_get_f64(hp[0], i) - tg_array_get_f64(hm[0], i)) / (2 * eps), 1e-6, 1e-8);
  tg_array *all[] = {xa, ha, wa, ua, ba, va, up, um, out[0], hp[0], hm[0]};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tg_array_unref(all[i]);
  tg_graph_free(g);
}
