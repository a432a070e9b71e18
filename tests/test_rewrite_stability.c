/* test_rewrite_stability.c: the stability table of issue 7. Each row is a graph written
   the naive way a user writes it, evaluated where the naive formula overflows, underflows
   or cancels: compiled in FAST_RUN (stabilising rewrites on) it gives the correctly
   rounded value within a few ulp, and compiled in FAST_COMPILE (no stabilisation) it
   gives inf, -inf, NaN or a value with most digits wrong, which each row asserts too, so
   the table shows why the rewrites matter. The expected values come from closed forms
   computed independently (asymptotics, series, libm on exactly representable inputs). */
#include <float.h>

#include "harness.h"
#include "rewrite_check.h"

/* Distance between a and b in units in the last place of b (b's dtype: eps32 or eps64). */
static double ulps(double a, double b, bool f32) {
  if (a == b) return 0;
  if (!isfinite(a) || !isfinite(b)) return INFINITY;
  int e;
  frexp(b, &e);
  double ulp = ldexp(1.0, e - (f32 ? 24 : 53));
  if (b == 0) ulp = f32 ? FLT_TRUE_MIN : DBL_TRUE_MIN;
  return fabs(a - b) / ulp;
}

/* Compile out of x in mode, run it on a, return element i of the result (NaN on error). */
static double run1(tg_graph *g, tg_var *x, tg_var *out, const char *mode, tg_array *a,
                   int64_t i) {
  tg_function *f = rw_compile(g, 1, &x, 1, &out, mode, NULL);
  CHECK(f != NULL);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return NAN;
  }
  tg_array *r = NULL;
  double v = NAN;
  CHECK_STATUS(tg_function_call(f, &a, &r), TG_OK);
  if (r) v = tg_array_get_f64(r, i);
  tg_array_unref(r);
  tg_function_free(f);
  return v;
}

/* One row: FAST_RUN within max_ulp of want; FAST_COMPILE's value returned for the row's
   own assertion. */
static double row(const char *what, tg_graph *g, tg_var *x, tg_var *out, tg_array *a,
                  int64_t i, double want, double max_ulp, bool f32) {
  double fr = run1(g, x, out, "FAST_RUN", a, i), fc = run1(g, x, out, "FAST_COMPILE", a, i);
  double u = ulps(fr, want, f32);
  printf("  %-34s FAST_RUN %-24.17g (%.1f ulp)  FAST_COMPILE %.17g\n", what, fr, u, fc);
  if (!(u <= max_ulp)) TH_FAIL("%s: FAST_RUN gives %.17g, want %.17g (%g ulp)", what, fr, want, u);
  th_checks++;
  return fc;
}

static tg_array *vec64(int n, const double *v) { return tg_array_from_f64(1, (int64_t[]){n}, v); }

TEST(log1p_exp_at_1000) { /* log(1 + exp(x)) = x + log1p(exp(-x)) = x to the last bit */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_log(tg_add(tg_const_f64(g, 1), tg_exp(x)));
  tg_array *a = vec64(2, (double[]){1000, -40});
  CHECK(isinf(row("log(1 + exp(x)), x = 1000", g, x, y, a, 0, 1000.0, 0, false)));
  /* at x = -40 the sum 1 + exp(-40) rounds to 1: naive gives 0, softplus exp(-40)(1 -
     exp(-40)/2) */
  double w = exp(-40.0) * (1 - exp(-40.0) / 2);
  CHECK(row("log(1 + exp(x)), x = -40", g, x, y, a, 1, w, 2, false) == 0);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(log1p_exp_float32) { /* float32 exp overflows at 88.7 */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_var *y = tg_log(tg_add(tg_exp(x), tg_const_f64(g, 1)));
  tg_array *a = tg_array_from_f32(1, (int64_t[]){1}, (float[]){100});
  CHECK(isinf(row("float32 log(exp(x) + 1), x = 100", g, x, y, a, 0, 100.0, 0, true)));
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(log_sigmoid_at_minus_1000) { /* log(sigmoid(x)) = -log1p(exp(-x)) = x for x = -1000 */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_log(tg_sigmoid(x));
  /* the same written out as Theano's tutorial does: 1 / (1 + exp(-x)) */
  tg_var *y2 = tg_log(tg_true_div(tg_const_f64(g, 1),
                                  tg_add(tg_const_f64(g, 1), tg_exp(tg_neg(x)))));
  tg_array *a = vec64(1, (double[]){-1000});
  double fc = row("log(sigmoid(x)), x = -1000", g, x, y, a, 0, -1000.0, 0, false);
  CHECK(isinf(fc) && fc < 0);
  fc = row("log(1 / (1 + exp(-x))), x = -1000", g, x, y2, a, 0, -1000.0, 0, false);
  CHECK(isinf(fc) && fc < 0);
  /* log(1 - sigmoid(x)) at x = 1000 is -1000 too */
  tg_var *y3 = tg_log(tg_sub(tg_const_f64(g, 1), tg_sigmoid(x)));
  tg_array *b = vec64(1, (double[]){1000});
  fc = row("log(1 - sigmoid(x)), x = 1000", g, x, y3, b, 0, -1000.0, 0, false);
  CHECK(isinf(fc) && fc < 0);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_graph_free(g);
}

TEST(log_softmax_of_1000_0) { /* log_softmax([1000, 0]) = [-log1p(e^-1000), -1000 - ...] */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *y = tg_log(tg_softmax(x, 1));
  tg_array *a = tg_array_from_f64(2, (int64_t[]){1, 2}, (double[]){1000, 0});
  CHECK(row("log(softmax([1000, 0]))[0]", g, x, y, a, 0, 0.0, 0, false) == 0);
  double fc = row("log(softmax([1000, 0]))[1]", g, x, y, a, 1, -1000.0, 0, false);
  CHECK(isinf(fc) && fc < 0);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(xent_of_softmax_int_labels) { /* -log(softmax([1000, 0]))[1] = 1000 */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_array *l1 = tg_array_from_i64(1, (int64_t[]){1}, (int64_t[]){1});
  tg_var *lab = tg_constant(g, l1);
  tg_array_unref(l1);
  tg_var *y = tg_categorical_crossentropy(tg_softmax(x, 1), lab);
  tg_array *a = tg_array_from_f64(2, (int64_t[]){1, 2}, (double[]){1000, 0});
  CHECK(isinf(row("xent(softmax([1000, 0]), 1)", g, x, y, a, 0, 1000.0, 0, false)));
  /* the gradient: softmax - one_hot = [1, -1]; naive: -1/0 * 0 = NaN */
  tg_var *gx;
  CHECK_STATUS(tg_grad(tg_sum(y, TG_ALL_AXES, false), 1, &x, &gx), TG_OK);
  CHECK(isnan(row("d xent / dx[0]", g, x, gx, a, 0, 1.0, 0, false)));
  CHECK(isnan(row("d xent / dx[1]", g, x, gx, a, 1, -1.0, 0, false)));
  tg_graph_free(g);
  tg_array_unref(a);
}

TEST(logsumexp_of_10000_large_values) {
  /* x_i = 1000 + i / 8192, exact in binary: sum exp(x_i) = e^1000 (r^n - 1) / (r - 1)
     with r = e^(1/8192), so log of it is 1000 + log(expm1(n / 8192)) - log(expm1(1 /
     8192)), each libm call correctly rounded or nearly */
  enum { N = 10000 };
  static double v[N];
  for (int i = 0; i < N; i++) v[i] = 1000 + i / 8192.0;
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_log(tg_sum(tg_exp(x), TG_ALL_AXES, false));
  tg_array *a = vec64(N, v);
  double want = 1000 + (log(expm1(N / 8192.0)) - log(expm1(1 / 8192.0)));
  CHECK(isinf(row("log(sum(exp(x))), 10000 x ~ 1000", g, x, y, a, 0, want, 4, false)));
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(expm1_at_1e_10) { /* exp(x) - 1 = x + x^2/2 + x^3/6: 1.00000000005e-10 */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_sub(tg_exp(x), tg_const_f64(g, 1));
  tg_array *a = vec64(1, (double[]){1e-10});
  double want = 1e-10 + 1e-20 / 2;
  double fc = row("exp(x) - 1, x = 1e-10", g, x, y, a, 0, want, 1, false);
  CHECK(fabs(fc - want) / want > 1e-9); /* 1 - exp(x) cancels: ~8e-8 relative error */
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(log1p_at_1e_12) { /* log(1 + x) = x - x^2/2 + x^3/3: 9.999999999995e-13 */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_log(tg_add(x, tg_const_f64(g, 1)));
  tg_array *a = vec64(1, (double[]){1e-12});
  double want = 1e-12 - 1e-24 / 2;
  double fc = row("log(1 + x), x = 1e-12", g, x, y, a, 0, want, 1, false);
  CHECK(fabs(fc - want) / want > 1e-6); /* 1 + 1e-12 keeps 4 digits of x: ~9e-5 */
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(sqrt_sqr_at_1e200) { /* sqrt(x * x) = |x| where x * x overflows */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_sqrt(tg_sqr(x));
  tg_array *a = vec64(1, (double[]){-1e200});
  CHECK(isinf(row("sqrt(sqr(x)), x = -1e200", g, x, y, a, 0, 1e200, 0, false)));
  tg_array_unref(a);
  tg_graph_free(g);
}
