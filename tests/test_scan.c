/* test_scan.c: scan's forward values against hand-written C loops: sequences with taps
   [-1, 0, 1], outputs fed back with taps [-2, -1] (Fibonacci), outputs not fed back,
   non-sequences declared and implicit, symbolic n_steps, go_backwards, until, map, reduce,
   foldl, foldr, shared-variable updates made inside the step, a nested scan, and the
   error messages of bad loops. Memory and gradients are in test_scan_mem.c and
   test_scan_grad.c. */
#include "harness.h"

/* Compile ins -> outs, call on args, return output i's values as doubles in got[i]. */
static int run(tg_graph *g, int n_in, tg_var *const *in, int n_out, tg_var *const *outs,
               tg_array *const *args, tg_array **got) {
  tg_function *f = th_compile(g, n_in, in, n_out, outs);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return 0;
  }
  tg_status st = tg_function_call(f, args, got);
  if (st != TG_OK) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return st == TG_OK;
}

static tg_array *vec(int64_t n, const double *v) { return tg_array_from_f64(1, &n, v); }

static void check_vec(tg_array *a, int64_t n, const double *want) {
  CHECK(a && tg_array_ndim(a) == 1 && tg_array_shape(a)[0] == n);
  if (!a || tg_array_ndim(a) != 1 || tg_array_shape(a)[0] != n) return;
  for (int64_t i = 0; i < n; i++) CHECK_CLOSE(tg_array_get_f64(a, i), want[i], 1e-12, 1e-12);
}

/* ---- steps ---- */

static bool step_acc(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_add(a[1], a[0]); /* x_t, h_{t-1} */
  return true;
}

TEST(cumulative_sum_sequence_and_state) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *h0 = tg_scalar(g, "h0", TG_FLOAT64), *H;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  CHECK_STATUS(tg_scan(s, step_acc, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  double xv[5] = {1, 2, 3, 4, 5}, want[5], acc = 10;
  for (int i = 0; i < 5; i++) want[i] = acc += xv[i];
  tg_array *xa = vec(5, xv), *h0a = tg_array_scalar(TG_FLOAT64, 10), *out[1] = {0};
  CHECK(run(g, TG_VARS(x, h0), TG_VARS(H), (tg_array *[]){xa, h0a}, out));
  check_vec(out[0], 5, want);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(h0a);
  tg_graph_free(g);
}

static bool step_taps(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud; /* x[t-1] + 2 x[t] + 3 x[t+1] */
  r->outputs[0] = tg_add(a[0], tg_add(tg_mul(tg_const_f64(g, 2), a[1]),
                                       tg_mul(tg_const_f64(g, 3), a[2])));
  return true;
}

TEST(sequence_taps_minus1_0_plus1) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *Y;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 3, (int[]){-1, 0, 1});
  tg_scan_output(s, NULL, 0, NULL);
  CHECK_STATUS(tg_scan(s, step_taps, NULL, &Y, NULL), TG_OK);
  tg_scan_spec_free(s);
  double xv[6] = {1, -2, 0.5, 4, 3, 7}, want[4];
  for (int t = 1; t < 5; t++) want[t - 1] = xv[t - 1] + 2 * xv[t] + 3 * xv[t + 1];
  tg_array *xa = vec(6, xv), *out[1] = {0};
  CHECK(run(g, TG_VARS(x), TG_VARS(Y), (tg_array *[]){xa}, out));
  check_vec(out[0], 4, want);
  tg_array_unref(out[0]);
  /* go_backwards: the same slices, visited from the end */
  s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 3, (int[]){-1, 0, 1});
  tg_scan_output(s, NULL, 0, NULL);
  tg_scan_go_backwards(s, true);
  CHECK_STATUS(tg_scan(s, step_taps, NULL, &Y, NULL), TG_OK);
  tg_scan_spec_free(s);
  double rev[4];
  for (int i = 0; i < 4; i++) rev[i] = want[3 - i];
  CHECK(run(g, TG_VARS(x), TG_VARS(Y), (tg_array *[]){xa}, out));
  check_vec(out[0], 4, rev);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

static bool step_fib(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_add(a[0], a[1]); /* f[t-2] + f[t-1] */
  return true;
}

TEST(fibonacci_taps_minus2_minus1_symbolic_n_steps) {
  tg_graph *g = tg_graph_new();
  tg_var *f0 = tg_vector(g, "f0", TG_INT64), *n = tg_scalar(g, "n", TG_INT64), *F;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, f0, 2, (int[]){-2, -1});
  tg_scan_n_steps(s, n);
  CHECK_STATUS(tg_scan(s, step_fib, NULL, &F, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_function *f = tg_function_new(g, TG_VARS(f0, n), TG_VARS(F), NULL);
  CHECK(f != NULL);
  int64_t two = 2;
  tg_array *fa = tg_array_from_i64(1, &two, (int64_t[]){0, 1});
  for (int64_t steps = 0; f && steps <= 12; steps += 6) {
    tg_array *na = tg_array_from_i64(0, NULL, &steps), *out[1] = {0};
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){fa, na}, out), TG_OK);
    int64_t a = 0, b = 1;
    CHECK(out[0] && tg_array_shape(out[0])[0] == steps);
    for (int64_t t = 0; out[0] && t < steps; t++) {
      int64_t c = a + b;
      a = b;
      b = c;
      CHECK(tg_array_get_i64(out[0], t) == c);
    }
    tg_array_unref(out[0]);
    tg_array_unref(na);
  }
  /* n_steps negative, at run time */
  int64_t m = -3;
  tg_array *na = tg_array_from_i64(0, NULL, &m), *out[1] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){fa, na}, out), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "n_steps is -3; it must be >= 0");
  /* an initial value holding one state for taps needing two */
  tg_array *short_init = tg_array_from_i64(1, (int64_t[]){1}, (int64_t[]){5});
  int64_t three = 3;
  tg_array *n3 = tg_array_from_i64(0, NULL, &three);
  CHECK(tg_function_call(f, (tg_array *[]){short_init, n3}, out) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "its taps need 2");
  tg_array_unref(short_init);
  tg_array_unref(n3);
  tg_array_unref(na);
  tg_array_unref(fa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* outputs: h (fed back, h = W * h + x), y = h * h (not fed back), with W a non-sequence
   and b used without being declared */
typedef struct { tg_var *b; } implicit_ud;

static bool step_mixed(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n;
  tg_var *x = a[0], *h = a[1], *W = a[2], *b = ((implicit_ud *)ud)->b;
  tg_var *hn = tg_add(tg_add(tg_mul(W, h), x), b);
  r->outputs[0] = hn;
  r->outputs[1] = tg_mul(hn, hn);
  return true;
}

TEST(none_outputs_non_sequences_and_implicit_inputs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *h0 = tg_scalar(g, "h0", TG_FLOAT64);
  tg_var *W = tg_scalar(g, "W", TG_FLOAT64), *b = tg_scalar(g, "b", TG_FLOAT64), *outs[2];
  implicit_ud ud = {b};
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_output(s, NULL, 0, NULL);
  tg_scan_non_sequence(s, W);
  CHECK_STATUS(tg_scan(s, step_mixed, &ud, outs, NULL), TG_OK);
  tg_scan_spec_free(s);
  double xv[4] = {0.5, -1, 2, 0.25}, wh[4], wy[4], h = 1.5;
  for (int t = 0; t < 4; t++) {
    h = 0.9 * h + xv[t] + 0.1;
    wh[t] = h;
    wy[t] = h * h;
  }
  tg_array *xa = vec(4, xv), *h0a = tg_array_scalar(TG_FLOAT64, 1.5);
  tg_array *wa = tg_array_scalar(TG_FLOAT64, 0.9), *ba = tg_array_scalar(TG_FLOAT64, 0.1);
  tg_array *out[2] = {0};
  CHECK(run(g, TG_VARS(x, h0, W, b), 2, outs, (tg_array *[]){xa, h0a, wa, ba}, out));
  check_vec(out[0], 4, wh);
  check_vec(out[1], 4, wy);
  for (int i = 0; i < 2; i++) tg_array_unref(out[i]);
  tg_array_unref(xa);
  tg_array_unref(h0a);
  tg_array_unref(wa);
  tg_array_unref(ba);
  tg_graph_free(g);
}

static bool step_until(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud;
  tg_var *h = tg_mul(a[0], tg_const_f64(g, 2));
  r->outputs[0] = h;
  r->until = tg_gt(h, tg_const_f64(g, 100));
  return true;
}

TEST(until_stops_early_and_grad_is_refused) {
  tg_graph *g = tg_graph_new();
  tg_var *h0 = tg_scalar(g, "h0", TG_FLOAT64), *H;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, tg_const_i64(g, 50));
  CHECK_STATUS(tg_scan(s, step_until, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_array *h0a = tg_array_scalar(TG_FLOAT64, 3), *out[1] = {0};
  CHECK(run(g, TG_VARS(h0), TG_VARS(H), (tg_array *[]){h0a}, out));
  double want[8];
  int n = 0;
  for (double h = 3; n < 50;) { /* 6 12 24 48 96 192: stops after the step giving 192 */
    h *= 2;
    want[n++] = h;
    if (h > 100) break;
  }
  check_vec(out[0], n, want);
  tg_array_unref(out[0]);
  tg_var *gr;
  CHECK(tg_grad(tg_sum(H, -1, NULL, false), 1, &h0, &gr) == TG_ERR_NOTIMPL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "until");
  tg_array_unref(h0a);
  tg_graph_free(g);
}

static bool step_sq(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_mul(a[0], a[1]); /* x_t * scale */
  return true;
}

static bool step_horner(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_add(tg_mul(a[1], a[2]), a[0]); /* acc * z + c_t */
  return true;
}

TEST(map_reduce_foldl_foldr) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_vector(g, "c", TG_FLOAT64), *z = tg_scalar(g, "z", TG_FLOAT64);
  tg_var *zero = tg_const_typed(g, TG_FLOAT64, 0);
  tg_var *m = tg_scan_map(step_sq, NULL, 1, &c, 1, &z);
  tg_var *red = tg_scan_reduce(step_horner, NULL, 1, &c, zero, 1, &z);
  tg_var *fl = tg_scan_foldl(step_horner, NULL, 1, &c, zero, 1, &z);
  tg_var *fr = tg_scan_foldr(step_horner, NULL, 1, &c, zero, 1, &z);
  CHECK(m && red && fl && fr);
  CHECK(red && tg_var_ndim(red) == 0);
  double cv[4] = {2, -1, 0.5, 3}, zv = 1.5, wm[4], l = 0, r = 0;
  for (int i = 0; i < 4; i++) {
    wm[i] = cv[i] * zv;
    l = l * zv + cv[i];
    r = r * zv + cv[3 - i];
  }
  tg_array *ca = vec(4, cv), *za = tg_array_scalar(TG_FLOAT64, zv), *out[4] = {0};
  CHECK(run(g, TG_VARS(c, z), TG_VARS(m, red, fl, fr), (tg_array *[]){ca, za}, out));
  check_vec(out[0], 4, wm);
  if (out[1]) CHECK_CLOSE(tg_array_get_f64(out[1], 0), l, 1e-12, 0);
  if (out[2]) CHECK_CLOSE(tg_array_get_f64(out[2], 0), l, 1e-12, 0);
  if (out[3]) CHECK_CLOSE(tg_array_get_f64(out[3], 0), r, 1e-12, 0);
  for (int i = 0; i < 4; i++) tg_array_unref(out[i]);
  tg_array_unref(ca);
  tg_array_unref(za);
  tg_graph_free(g);
}

/* step: y_t = x_t + counter; counter += 1 (a shared variable updated inside) */
static bool step_shared(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n;
  tg_var *cnt = ud;
  r->outputs[0] = tg_add(a[0], cnt);
  r->n_updates = 1;
  r->update_vars[0] = cnt;
  r->update_exprs[0] = tg_add(cnt, tg_const_f64(g, 1));
  return true;
}

TEST(shared_updates_inside_the_step) {
  tg_graph *g = tg_graph_new();
  tg_array *c0 = tg_array_scalar(TG_FLOAT64, 10);
  tg_var *cnt = tg_shared(g, "cnt", c0, false), *x = tg_vector(g, "x", TG_FLOAT64), *Y;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, NULL, 0, NULL);
  tg_scan_updates up;
  CHECK_STATUS(tg_scan(s, step_shared, cnt, &Y, NULL), TG_ERR_ARG); /* updates dropped */
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "pass a tg_scan_updates");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_scan(s, step_shared, cnt, &Y, &up), TG_OK);
  tg_scan_spec_free(s);
  CHECK(up.n == 1 && up.vars[0] == cnt);
  tg_options *o = tg_options_new();
  tg_options_update(o, up.vars[0], up.exprs[0]);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(Y), o);
  tg_options_free(o);
  CHECK(f != NULL);
  double xv[3] = {1, 2, 3};
  tg_array *xa = vec(3, xv), *out[1] = {0};
  for (int call = 0; f && call < 2; call++) { /* the second call starts from 13 */
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa}, out), TG_OK);
    double base = 10 + 3 * call, want[3] = {1 + base, 2 + base + 1, 3 + base + 2};
    check_vec(out[0], 3, want);
    tg_array_unref(out[0]);
    tg_array *now = tg_shared_get(cnt, false);
    CHECK_CLOSE(tg_array_get_f64(now, 0), base + 3, 0, 0);
    tg_array_unref(now);
  }
  tg_array_unref(xa);
  tg_array_unref(c0);
  tg_function_free(f);
  tg_graph_free(g);
}

/* a loop kept only for its effect: no outputs, the shared total += x[t] each step */
static bool step_total(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n;
  tg_var *tot = ud;
  r->n_updates = 1;
  r->update_vars[0] = tot;
  r->update_exprs[0] = tg_add(tot, a[0]);
  return true;
}

static bool step_nothing(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)a, (void)r, (void)ud;
  return true;
}

TEST(updates_only_scan) {
  tg_graph *g = tg_graph_new();
  tg_array *t0 = tg_array_scalar(TG_FLOAT64, 0.5);
  tg_var *tot = tg_shared(g, "tot", t0, false), *x = tg_vector(g, "x", TG_FLOAT64);
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_updates up;
  CHECK_STATUS(tg_scan(s, step_nothing, NULL, NULL, &up), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "no outputs declared (tg_scan_output) and the step updates nothing");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_scan(s, step_total, tot, NULL, &up), TG_OK);
  tg_scan_spec_free(s);
  CHECK(up.n == 1 && up.vars[0] == tot);
  tg_options *o = tg_options_new();
  tg_options_update(o, up.vars[0], up.exprs[0]);
  tg_function *f = tg_function_new(g, 1, &x, 0, NULL, o);
  tg_options_free(o);
  CHECK(f != NULL);
  tg_array *xa = vec(4, (double[]){1, 2, 3, 4.25});
  for (int call = 0; f && call < 2; call++) {
    CHECK_STATUS(tg_function_call(f, &xa, NULL), TG_OK);
    tg_array *now = tg_shared_get(tot, false);
    CHECK_CLOSE(tg_array_get_f64(now, 0), 0.5 + 10.25 * (call + 1), 0, 0);
    tg_array_unref(now);
  }
  tg_array_unref(xa);
  tg_array_unref(t0);
  tg_function_free(f);
  tg_graph_free(g);
}

/* a scan inside a scan: row sums of a matrix, each by an inner reduce */
static bool step_rowsum(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud;
  r->outputs[0] = tg_scan_reduce(step_acc, NULL, 1, &a[0], tg_const_typed(g, TG_FLOAT64, 0), 0, NULL);
  return r->outputs[0] != NULL;
}

TEST(nested_scan_and_graph_freed_after_compile) {
  tg_graph *g = tg_graph_new();
  tg_var *M = tg_matrix(g, "M", TG_FLOAT64);
  tg_var *rs = tg_scan_map(step_rowsum, NULL, 1, &M, 0, NULL);
  CHECK(rs != NULL);
  tg_function *f = rs ? tg_function_new(g, TG_VARS(M), TG_VARS(rs), NULL) : NULL;
  tg_graph_free(g); /* the function keeps the inner loops alive */
  double mv[6] = {1, 2, 3, 4, 5, 6};
  tg_array *ma = tg_array_from_f64(2, (int64_t[]){2, 3}, mv), *out[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){ma}, out) == TG_OK);
  double want[2] = {6, 15};
  check_vec(out[0], 2, want);
  tg_array_unref(out[0]);
  tg_array_unref(ma);
  tg_function_free(f);
}

TEST(describe_and_infer_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *h0 = tg_vector(g, "h0", TG_FLOAT64), *H;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_name(s, "rnn");
  CHECK_STATUS(tg_scan(s, step_acc, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  char *pp = tg_pp(H);
  CHECK(pp && strstr(pp, "Scan{rnn}"));
  tg_free(pp);
  tg_var *shp = tg_infer_shape(H);
  CHECK(shp != NULL);
  tg_function *f = shp ? tg_function_new(g, TG_VARS(x, h0), TG_VARS(shp), NULL) : NULL;
  tg_array *xa = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){7, 3}), *ha = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  tg_array *out[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){xa, ha}, out) == TG_OK);
  if (out[0]) {
    CHECK(tg_array_get_i64(out[0], 0) == 7);
    CHECK(tg_array_get_i64(out[0], 1) == 3);
  }
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(ha);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- errors ---- */

static bool step_cast32(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud;
  r->outputs[0] = tg_cast(a[0], TG_FLOAT32);
  return true;
}

static bool step_fails(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)a, (void)r, (void)ud;
  return false;
}

TEST(errors) {
  tg_graph *g = tg_graph_new();
  tg_var *h0 = tg_vector(g, "h0", TG_FLOAT64), *x = tg_vector(g, "x", TG_FLOAT64), *H;
  /* the step's output type differs from the initial state's */
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, tg_const_i64(g, 3));
  CHECK_STATUS(tg_scan(s, step_cast32, NULL, &H, NULL), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "output 0 has type TensorType(float32, (?,)), but its "
                                          "initial state (outputs_info) has type "
                                          "TensorType(float64, (?,))");
  tg_scan_spec_free(s);
  tg_graph_clear_error(g);
  /* bad taps */
  s = tg_scan_spec_new(g);
  CHECK_STATUS(tg_scan_output(s, h0, 2, (int[]){-1, 0}), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tap 0 must be negative");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_scan_sequence(s, x, 2, (int[]){1, 1}), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tap 1 is given twice");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_scan_output(s, NULL, 1, (int[]){-1}), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "has taps but no initial state");
  tg_graph_clear_error(g);
  /* n_steps: negative constant, non-integer */
  CHECK_STATUS(tg_scan_n_steps(s, tg_const_i64(g, -2)), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "n_steps is -2; it must be >= 0");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_scan_n_steps(s, tg_const_f64(g, 2)), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "n_steps must be a 0-d integer");
  tg_graph_clear_error(g);
  /* no sequences and no n_steps; a failing step */
  tg_scan_output(s, h0, 0, NULL);
  CHECK_STATUS(tg_scan(s, step_until, NULL, &H, NULL), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "without sequences, n_steps must be given");
  tg_graph_clear_error(g);
  tg_scan_spec_free(s);
  s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, NULL, 0, NULL);
  CHECK_STATUS(tg_scan(s, step_fails, NULL, &H, NULL), TG_ERR_RUNTIME);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "the step function failed");
  tg_graph_clear_error(g);
  tg_scan_spec_free(s);
  /* a sequence shorter than n_steps, at run time */
  tg_var *n = tg_scalar(g, "n", TG_INT64);
  s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, n);
  CHECK_STATUS(tg_scan(s, step_acc, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_function *f = tg_function_new(g, TG_VARS(x, h0, n), TG_VARS(H), NULL);
  int64_t five = 5;
  tg_array *xa = vec(3, (double[]){1, 2, 3}), *ha = vec(3, (double[]){0, 0, 0});
  tg_array *na = tg_array_from_i64(0, NULL, &five), *out[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){xa, ha, na}, out) == TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "sequence 0 has 3 steps (after its taps), but n_steps is 5");
  /* a step whose state changes shape: x_t (a scalar) + h broadcasts fine, but a state of
     shape (3,) stays (3,); a sequence slice of the wrong length cannot become the state */
  tg_array_unref(xa);
  tg_array_unref(ha);
  tg_array_unref(na);
  tg_function_free(f);
  /* a static sequence too short for its taps */
  tg_var *x2 = tg_tensor(g, "x2", TG_FLOAT64, 1, (int64_t[]){2});
  s = tg_scan_spec_new(g);
  tg_scan_sequence(s, x2, 3, (int[]){-1, 0, 1});
  tg_scan_output(s, NULL, 0, NULL);
  CHECK_STATUS(tg_scan(s, step_taps, NULL, &H, NULL), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "sequence 0 has 2 steps; its taps need at least 3");
  tg_scan_spec_free(s);
  tg_graph_free(g);
}

static bool step_grow(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud; /* concatenating makes the state longer: a run-time shape error */
  r->outputs[0] = tg_concatenate(2, (tg_var *[]){a[0], tg_expand_dims(tg_const_typed(g, TG_FLOAT64, 1), 0)}, 0);
  return true;
}

TEST(state_shape_change_is_a_runtime_error) {
  tg_graph *g = tg_graph_new();
  tg_var *h0 = tg_vector(g, "h0", TG_FLOAT64), *H;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, tg_const_i64(g, 3));
  CHECK_STATUS(tg_scan(s, step_grow, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_function *f = tg_function_new(g, TG_VARS(h0), TG_VARS(H), NULL);
  tg_array *ha = vec(2, (double[]){1, 2}), *out[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){ha}, out) == TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "output 0 has shape (3,), but its initial state has "
                                             "shape (2,)");
  tg_array_unref(ha);
  tg_function_free(f);
  tg_graph_free(g);
}

/* a random draw inside the step: each step draws new numbers (the stream's state is
   carried through the loop and returned as an update) */
static bool step_random(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)a;
  tg_array *shape = tg_array_from_i64(1, (int64_t[]){1}, (int64_t[]){3});
  r->outputs[0] = tg_rng_uniform(ud, NULL, NULL, tg_constant(g, shape), TG_FLOAT64);
  tg_array_unref(shape);
  return r->outputs[0] != NULL;
}

TEST(random_draws_differ_between_steps) {
  tg_graph *g = tg_graph_new();
  tg_rng *rng = tg_rng_new(g, 1234);
  tg_var *n = tg_scalar(g, "n", TG_INT64), *R = NULL;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, NULL, 0, NULL);
  tg_scan_n_steps(s, n);
  tg_scan_updates up = {0};
  CHECK_STATUS(tg_scan(s, step_random, rng, &R, &up), TG_OK);
  tg_scan_spec_free(s);
  CHECK(up.n == 1);
  tg_options *o = tg_options_new();
  if (up.n == 1) tg_options_update(o, up.vars[0], up.exprs[0]);
  tg_function *f = tg_function_new(g, TG_VARS(n), TG_VARS(R), o);
  tg_options_free(o);
  int64_t four = 4;
  tg_array *na = tg_array_from_i64(0, NULL, &four), *out[1] = {0}, *again[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){na}, out) == TG_OK);
  CHECK(f && tg_function_call(f, (tg_array *[]){na}, again) == TG_OK);
  if (out[0] && again[0]) {
    int same_rows = 0;
    for (int t = 1; t < 4; t++)
      same_rows += tg_array_get_f64(out[0], 3 * t) == tg_array_get_f64(out[0], 0);
    CHECK(same_rows == 0);                                  /* new numbers each step */
    CHECK(tg_array_get_f64(again[0], 0) != tg_array_get_f64(out[0], 0)); /* and each call */
    for (int64_t i = 0; i < 12; i++)
      CHECK(tg_array_get_f64(out[0], i) >= 0 && tg_array_get_f64(out[0], i) < 1);
  }
  tg_array_unref(out[0]);
  tg_array_unref(again[0]);
  tg_array_unref(na);
  tg_function_free(f);
  tg_graph_free(g);
}
