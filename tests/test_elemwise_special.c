/* test_elemwise_special.c: the special functions of the scalar op table checked against
   independent references: sigmoid and softplus against long-double formulas and at +-1000
   (no overflow, no NaN); erfcx against expl(x*x)*erfcl(x) in long double wherever that is
   representable and against its asymptotic series beyond; psi against known closed forms,
   its recurrence and its reflection formula; gammaln against lgamma. */
#include "harness.h"
#include "elemwise_check.h"

/* Run a unary op on n float64 values; returns the result array (caller unrefs). */
static tg_array *run64(const char *op, int n, const double *x) {
  tg_array *a = ew_vec(TG_FLOAT64, n, x);
  tg_array *r = ew_run(op, 1, &a);
  tg_array_unref(a);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
  return r;
}

static double one(const char *op, tg_dtype dt, double x) {
  tg_array *a = ew_scalar(dt, x);
  tg_array *r = ew_run(op, 1, &a);
  double v = r ? tg_array_get_f64(r, 0) : -12345.0;
  CHECK(r && tg_array_dtype(r) == dt);
  tg_array_unref(r);
  tg_array_unref(a);
  return v;
}

TEST(sigmoid_softplus_extremes) {
  for (int f32 = 0; f32 < 2; f32++) {
    tg_dtype dt = f32 ? TG_FLOAT32 : TG_FLOAT64;
    CHECK(one("sigmoid", dt, 1000) == 1.0);
    CHECK(one("sigmoid", dt, -1000) == 0.0);
    CHECK(one("sigmoid", dt, 0) == 0.5);
    CHECK(one("sigmoid", dt, INFINITY) == 1.0);
    CHECK(one("sigmoid", dt, -INFINITY) == 0.0);
    CHECK(isnan(one("sigmoid", dt, NAN)));
    CHECK(one("softplus", dt, 1000) == 1000.0);
    CHECK(one("softplus", dt, -1000) == 0.0);
    CHECK(one("softplus", dt, INFINITY) == INFINITY);
    CHECK(one("softplus", dt, -INFINITY) == 0.0);
    CHECK(isnan(one("softplus", dt, NAN)));
    CHECK_CLOSE(one("softplus", dt, 0), f32 ? (float)M_LN2 : M_LN2, 2e-16, 0);
  }
  /* far in the tails the answers are tiny but must keep their relative accuracy */
  CHECK_CLOSE(one("sigmoid", TG_FLOAT64, -700), exp(-700.0), 1e-15, 0);
  CHECK_CLOSE(one("softplus", TG_FLOAT64, -700), exp(-700.0), 1e-15, 0);
  CHECK_CLOSE(one("softplus", TG_FLOAT64, 40), 40.0 + exp(-40.0), 1e-16, 0);
  CHECK_CLOSE(one("sigmoid", TG_FLOAT32, -80), (float)exp(-80.0), 1e-7, 0);
}

TEST(sigmoid_softplus_vs_long_double) {
  enum { N = 301 };
  double x[N];
  for (int i = 0; i < N; i++) x[i] = -60.0 + 0.4 * i + 0.013;
  tg_array *s = run64("sigmoid", N, x), *p = run64("softplus", N, x);
  for (int i = 0; s && p && i < N; i++) {
    long double xl = x[i];
    long double sig = 1.0L / (1.0L + expl(-xl));
    long double sp = xl > 0 ? xl + log1pl(expl(-xl)) : log1pl(expl(xl));
    CHECK_CLOSE(tg_array_get_f64(s, i), (double)sig, 6e-16, 0); /* under 3 ulp */
    CHECK_CLOSE(tg_array_get_f64(p, i), (double)sp, 6e-16, 0);
  }
  tg_array_unref(s);
  tg_array_unref(p);
}

/* erfcx(x) = exp(x^2) erfc(x). In long double, erfcl(x) stays representable up to x ~ 106,
   so exp(x^2)*erfc(x) computed there is an independent reference over [-26, 100]. */
TEST(erfcx_vs_long_double) {
  enum { N = 700 };
  double x[N];
  for (int i = 0; i < N; i++) x[i] = -26.0 + i * (126.0 / N) + 0.0071;
  tg_array *r = run64("erfcx", N, x);
  for (int i = 0; r && i < N; i++) {
    long double xl = x[i];
    long double want = expl(xl * xl) * erfcl(xl);
    /* expl's argument xl*xl carries a relative error of ~2^-64: at x = 100 that is
       ~5e-16 relative in the reference itself */
    double tol = 3e-15 + 1e-19 * x[i] * x[i];
    double got = tg_array_get_f64(r, i);
    if (!(fabsl(got - want) <= tol * fabsl(want)))
      TH_FAIL("erfcx(%.17g) = %.17g, long double %.17Lg (rel err %.3g)", x[i], got, want,
              (double)(fabsl(got - want) / want));
    th_checks++;
  }
  tg_array_unref(r);
}

/* Beyond: erfcx(x) ~ 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6)). */
TEST(erfcx_asymptotic_and_specials) {
  static const double big[] = {1e3, 1e4, 1e5, 1e8, 1e10, 1e50, 1e100, 1e200, 1e300, 1.7e308};
  for (int i = 0; i < 10; i++) {
    double x = big[i], u = 1 / (x * x);
    double want = 0.56418958354775628695 / x * (1 - u / 2 + 0.75 * u * u - 1.875 * u * u * u);
    CHECK_CLOSE(one("erfcx", TG_FLOAT64, x), want, 1e-15, 0);
  }
  CHECK(one("erfcx", TG_FLOAT64, 0) == 1.0);
  CHECK(one("erfcx", TG_FLOAT64, INFINITY) == 0.0);
  CHECK(one("erfcx", TG_FLOAT64, -INFINITY) == INFINITY);
  CHECK(one("erfcx", TG_FLOAT64, -27) == INFINITY); /* 2 exp(729) overflows: true value too */
  CHECK(isnan(one("erfcx", TG_FLOAT64, NAN)));
  /* erfcx(-x) = 2 exp(x^2) - erfcx(x) */
  CHECK_CLOSE(one("erfcx", TG_FLOAT64, -3), 2 * exp(9.0) - one("erfcx", TG_FLOAT64, 3), 1e-15, 0);
  /* float32: the double result rounded */
  CHECK_CLOSE(one("erfcx", TG_FLOAT32, 30), (float)(1 / (30 * sqrt(M_PI)) * (1 - 1 / 1800.0 + 0.75 / 810000.0)), 1e-7, 0);
  CHECK_CLOSE(one("erfcx", TG_FLOAT32, 1), (float)(exp(1.0) * erfc(1.0)), 1e-7, 0);
}

#define EULER 0.57721566490153286061

TEST(psi_known_values) {
  static const struct {
    double x, want;
  } k[] = {
      {1, -EULER},
      {0.5, -EULER - 2 * M_LN2},
      {2, 1 - EULER},
      {3, 1.5 - EULER},
      {0.25, -EULER - M_PI / 2 - 3 * M_LN2},
      {0.75, -EULER + M_PI / 2 - 3 * M_LN2},
      {1.0 / 3, -EULER - M_PI / (2 * sqrt(3.0)) - 1.5 * log(3.0)},
      {-0.5, 0.03648997397857652055902367}, /* psi(1.5) - pi cot(-pi/2) = 2 - gamma - 2 ln 2 */
      {10, 2.25175258906672110764},
      {100, 4.60016185273808740404},
      {1e-8, -100000000.57721564845},       /* -1/x - gamma + zeta(2) x */
      {1e10, 23.025850929890456840},        /* log x - 1/(2x) */
      {1.4616321449683623, 0.0},            /* the positive root */
  };
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    double got = one("psi", TG_FLOAT64, k[i].x);
    double tol = 2e-15 * fabs(k[i].want) + 1e-15;
    if (!(fabs(got - k[i].want) <= tol))
      TH_FAIL("psi(%.17g) = %.17g, want %.17g", k[i].x, got, k[i].want);
    th_checks++;
  }
  /* poles: -inf approaching 0 from above, NaN at negative integers, as scipy */
  CHECK(one("psi", TG_FLOAT64, 0.0) == -INFINITY);
  CHECK(one("psi", TG_FLOAT64, -0.0) == INFINITY);
  CHECK(isnan(one("psi", TG_FLOAT64, -1)));
  CHECK(isnan(one("psi", TG_FLOAT64, -1e20)));
  CHECK(isnan(one("psi", TG_FLOAT64, -INFINITY)));
  CHECK(one("psi", TG_FLOAT64, INFINITY) == INFINITY);
  CHECK(isnan(one("psi", TG_FLOAT64, NAN)));
  CHECK_CLOSE(one("psi", TG_FLOAT32, 1), (float)-EULER, 1e-7, 0);
}

/* trigamma at closed forms, its recurrence trigamma(x + 1) = trigamma(x) - 1/x^2 and
   reflection trigamma(1 - x) + trigamma(x) = pi^2 / sin^2(pi x), and its poles. */
TEST(trigamma_values_recurrence_reflection) {
  const double z2 = M_PI * M_PI / 6;
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 1), z2, 2e-15, 0);
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 0.5), 3 * z2, 2e-15, 0);
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 3), z2 - 1.25, 2e-15, 0);
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 0.25), M_PI * M_PI + 8 * 0.91596559417721901505, 2e-15, 0);
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 1e-8), 1e16 + z2, 1e-15, 0);  /* 1/x^2 + pi^2/6 */
  CHECK_CLOSE(one("trigamma", TG_FLOAT64, 1e10), 1e-10 + 0.5e-20, 1e-15, 0); /* 1/x + 1/2x^2 */
  for (double x = -7.7; x < 30; x += 0.37) {
    if (fabs(x - nearbyint(x)) < 1e-3) continue;
    double t = one("trigamma", TG_FLOAT64, x), t1 = one("trigamma", TG_FLOAT64, x + 1);
    double tr = one("trigamma", TG_FLOAT64, 1 - x), s = sin(M_PI * x);
    CHECK_CLOSE(t1, t - 1 / (x * x), 1e-12, 1e-14);
    CHECK_CLOSE(tr + t, M_PI * M_PI / (s * s), 1e-12, 1e-14);
  }
  CHECK(one("trigamma", TG_FLOAT64, 0.0) == INFINITY);
  CHECK(one("trigamma", TG_FLOAT64, -3) == INFINITY);
  CHECK(one("trigamma", TG_FLOAT64, INFINITY) == 0);
  CHECK(isnan(one("trigamma", TG_FLOAT64, NAN)));
  CHECK_CLOSE(one("trigamma", TG_FLOAT32, 1), (float)z2, 1e-7, 0);
}

/* psi(x + 1) = psi(x) + 1/x and psi(1 - x) - psi(x) = pi cot(pi x), over a grid that
   crosses the recurrence/asymptotic switch and covers negative non-integers. */
TEST(psi_recurrence_and_reflection) {
  enum { N = 240 };
  double x[N], x1[N], xr[N];
  for (int i = 0; i < N; i++) {
    x[i] = -29.7 + i * 0.2513;
    if (fabs(x[i] - nearbyint(x[i])) < 1e-3) x[i] += 0.01;
    x1[i] = x[i] + 1;
    xr[i] = 1 - x[i];
  }
  tg_array *p = run64("psi", N, x), *p1 = run64("psi", N, x1), *pr = run64("psi", N, xr);
  for (int i = 0; p && p1 && pr && i < N; i++) {
    double a = tg_array_get_f64(p, i), b = tg_array_get_f64(p1, i), c = tg_array_get_f64(pr, i);
    double scale = fabs(a) + fabs(b) + 1 / fabs(x[i]);
    CHECK_CLOSE(b - a, 1 / x[i], 0, 8e-15 * scale);
    double cot = M_PI / tan(M_PI * x[i]);
    CHECK_CLOSE(c - a, cot, 0, 1e-13 * (fabs(a) + fabs(c) + fabs(cot)));
  }
  tg_array_unref(p);
  tg_array_unref(p1);
  tg_array_unref(pr);
}

/* gammaln = log|gamma|: lgamma over a grid, exact factorials, the reflection formula for
   negatives, and poles. */
TEST(gammaln_values) {
  enum { N = 200 };
  double x[N];
  for (int i = 0; i < N; i++) x[i] = -20.3 + i * 0.7777;
  tg_array *r = run64("gammaln", N, x);
  for (int i = 0; r && i < N; i++) {
    CHECK_CLOSE(tg_array_get_f64(r, i), lgamma(x[i]), 1e-15, 1e-15);
    /* independent: log(tgamma) where tgamma is finite */
    if (fabs(x[i]) < 150) CHECK_CLOSE(tg_array_get_f64(r, i), log(fabs(tgamma(x[i]))), 1e-12, 1e-13);
  }
  tg_array_unref(r);
  double fact = 1;
  for (int n = 1; n <= 20; n++) {
    CHECK_CLOSE(one("gammaln", TG_FLOAT64, n + 1), log(fact * n), 1e-15, 1e-15);
    fact *= n;
  }
  CHECK(one("gammaln", TG_FLOAT64, 0) == INFINITY);
  CHECK(one("gammaln", TG_FLOAT64, -2) == INFINITY);
  CHECK(one("gammaln", TG_FLOAT64, INFINITY) == INFINITY);
  CHECK(one("gammaln", TG_FLOAT64, -INFINITY) == INFINITY);
  CHECK(isnan(one("gammaln", TG_FLOAT64, NAN)));
  CHECK_CLOSE(one("gammaln", TG_FLOAT64, 1e300), 1e300 * (log(1e300) - 1), 1e-15, 0);
  CHECK_CLOSE(one("gammaln", TG_FLOAT32, 0.5), (float)(0.5 * log(M_PI)), 1e-7, 0);
}
