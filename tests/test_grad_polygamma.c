/* test_grad_polygamma.c: the polygamma(n, x) scalar op and the derivatives it completes:
   values at closed forms (polygamma(n, 1) = (-1)^(n+1) n! zeta(n+1), polygamma(n, 1/2) =
   (2^(n+1) - 1) times that), the recurrence polygamma(n, x+1) = polygamma(n, x) +
   (-1)^n n! / x^(n+1) across negative and positive x, the asymptotic expansion, poles and
   invalid orders, dtypes; gradients by tg_verify_grad (float64, float32); trigamma's
   gradient and so psi's and gammaln's higher orders; the native backend against the
   reference. */
#include <math.h>
#include <string.h>

#include "tgraph/tgraph.h"
#include "grad_check.h"

/* polygamma(n, x) for one value, in dtype dt, through a compiled function (linker may be
   NULL for the default). */
static double pg(int64_t n, double x, tg_dtype dt, const char *linker) {
  tg_graph *g = tg_graph_new();
  tg_var *nv = tg_scalar(g, "n", TG_INT64), *xv = tg_scalar(g, "x", dt);
  tg_var *y = tg_polygamma(nv, xv);
  tg_options *o = tg_options_new();
  if (linker) tg_options_set(o, "linker", linker);
  tg_function *f = y ? tg_function_new(g, TG_VARS(nv, xv), 1, &y, o) : NULL;
  tg_options_free(o);
  tg_array *na = tg_array_scalar(TG_INT64, (double)n), *xa = tg_array_scalar(dt, x), *out = NULL;
  double r = NAN;
  if (f && tg_function_call(f, (tg_array *[]){na, xa}, &out) == TG_OK) r = tg_array_get_f64(out, 0);
  else TH_FAIL("polygamma(%lld, %g): %s", (long long)n, x, f ? tg_function_error(f) : tg_graph_error(g));
  tg_array_unref(out);
  tg_array_unref(na);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
  return r;
}

static double fact(int n) {
  double f = 1;
  for (int i = 2; i <= n; i++) f *= i;
  return f;
}

/* zeta(2..10) */
static const double zeta[] = {0, 0, M_PI * M_PI / 6, 1.2020569031595942854, M_PI * M_PI * M_PI * M_PI / 90,
                              1.0369277551433699263, 1.0173430619844491397, 1.0083492773819228268,
                              1.0040773561979443394, 1.0020083928260822144, 1.0009945751278180853};

TEST(polygamma_closed_forms) {
  const double euler = 0.57721566490153286061;
  CHECK_CLOSE(pg(0, 1, TG_FLOAT64, NULL), -euler, 1e-15, 0);
  CHECK_CLOSE(pg(0, 0.5, TG_FLOAT64, NULL), -euler - 2 * M_LN2, 1e-15, 0);
  for (int n = 1; n <= 9; n++) {
    double s = n % 2 ? 1 : -1, base = s * fact(n) * zeta[n + 1];
    CHECK_CLOSE(pg(n, 1, TG_FLOAT64, NULL), base, 4e-15, 0);
    CHECK_CLOSE(pg(n, 0.5, TG_FLOAT64, NULL), base * (pow(2, n + 1) - 1), 4e-15, 0);
    CHECK_CLOSE(pg(n, 1, TG_FLOAT32, NULL), base, 1e-6, 0);
  }
}

/* polygamma(n, x + 1) - polygamma(n, x) = (-1)^n n! / x^(n+1), from x = -3.7 up to 40 */
TEST(polygamma_recurrence_and_asymptotics) {
  const double xs[] = {-3.7, -2.5, -0.3, 0.2, 0.9, 2.7, 9.5, 15.25, 40};
  for (int n = 0; n <= 5; n++)
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
      double x = xs[k], a = pg(n, x, TG_FLOAT64, NULL), b = pg(n, x + 1, TG_FLOAT64, NULL);
      double step = (n % 2 ? -1 : 1) * fact(n) / pow(x, n + 1);
      CHECK_CLOSE(b - a, step, 1e-12, 1e-12 * (fabs(a) + fabs(b)));
    }
  /* far out: polygamma(n, x) ~ (-1)^(n+1) ((n-1)!/x^n + n!/(2 x^(n+1))) */
  double x = 1e6;
  CHECK_CLOSE(pg(2, x, TG_FLOAT64, NULL), -(1 / (x * x) + 1 / (x * x * x)), 1e-12, 0);
  CHECK_CLOSE(pg(3, x, TG_FLOAT64, NULL), 2 / (x * x * x) + 3 / (x * x * x * x), 1e-12, 0);
  CHECK_CLOSE(pg(1, x, TG_FLOAT64, NULL), 1 / x + 0.5 / (x * x), 1e-12, 0);
}

TEST(polygamma_poles_and_invalid_orders) {
  CHECK(pg(2, 0, TG_FLOAT64, NULL) == -INFINITY); /* -2 / x^3 from the right */
  CHECK(pg(3, -2, TG_FLOAT64, NULL) == INFINITY);
  CHECK(pg(1, -1, TG_FLOAT64, NULL) == INFINITY);
  CHECK(isnan(pg(-1, 2, TG_FLOAT64, NULL)));
  CHECK(isnan(pg(2, NAN, TG_FLOAT64, NULL)));
  CHECK(pg(2, INFINITY, TG_FLOAT64, NULL) == 0);
  CHECK(isnan(pg(2, -INFINITY, TG_FLOAT64, NULL)));
  /* a float order must hold a whole number */
  tg_graph *g = tg_graph_new();
  tg_var *n = tg_scalar(g, "n", TG_FLOAT64), *x = tg_scalar(g, "x", TG_FLOAT64);
  tg_var *y = tg_polygamma(n, x);
  tg_array *na = tg_array_scalar(TG_FLOAT64, 1.5), *xa = tg_array_scalar(TG_FLOAT64, 2), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(n, x), 1, &y, (tg_array *[]){na, xa}, out));
  CHECK(out[0] && isnan(tg_array_get_f64(out[0], 0)));
  tg_array_unref(out[0]);
  tg_array_unref(na);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* The result has x's float dtype whatever the order's integer dtype; orders broadcast. */
TEST(polygamma_dtypes_and_broadcasting) {
  tg_graph *g = tg_graph_new();
  tg_var *n = tg_vector(g, "n", TG_INT64), *x32 = tg_col(g, "x", TG_FLOAT32);
  tg_var *i = tg_vector(g, "i", TG_INT32);
  tg_var *y = tg_polygamma(n, x32);
  CHECK(y && tg_var_dtype(y) == TG_FLOAT32 && tg_var_ndim(y) == 2);
  CHECK(tg_var_dtype(tg_polygamma(n, tg_vector(g, "d", TG_FLOAT64))) == TG_FLOAT64);
  CHECK(tg_var_dtype(tg_polygamma(tg_const_i64(g, 1), i)) == TG_FLOAT64); /* as trigamma(int32) */
  CHECK(tg_var_dtype(tg_polygamma(tg_const_i64(g, 1), tg_vector(g, "b", TG_INT8))) == TG_FLOAT32);
  tg_array *na = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, 2, 3});
  tg_array *xa = tg_array_empty(TG_FLOAT32, 2, (int64_t[]){2, 1}), *out[1] = {0};
  tg_array_set_f64(xa, 0, 1.0);
  tg_array_set_f64(xa, 1, 0.5);
  CHECK(gc_run(g, TG_VARS(n, x32), 1, &y, (tg_array *[]){na, xa}, out));
  for (int r = 0; out[0] && r < 2; r++)
    for (int c = 0; c < 3; c++) {
      int k = c + 1;
      double want = (k % 2 ? 1 : -1) * fact(k) * zeta[k + 1] * (r ? pow(2, k + 1) - 1 : 1);
      CHECK_CLOSE(tg_array_get_f64(out[0], r * 3 + c), want, 1e-6, 0);
    }
  tg_array_unref(out[0]);
  tg_array_unref(na);
  tg_array_unref(xa);
  tg_graph_free(g);
}

static tg_var *build_pg(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  return tg_polygamma(tg_const_i64(g, *(const int *)ud), in[0]);
}

TEST(polygamma_gradient_by_finite_differences) {
  for (int order = 0; order <= 3; order++) {
    tg_array *x64 = gc_rand(TG_FLOAT64, 1, (int64_t[]){5}, 0.5, 4);
    tg_array *x32 = gc_rand(TG_FLOAT32, 1, (int64_t[]){5}, 0.5, 4);
    tg_array *xn = gc_rand(TG_FLOAT64, 1, (int64_t[]){4}, -2.9, -2.1); /* between poles */
    char label[64];
    snprintf(label, sizeof label, "polygamma(%d, x)", order);
    CHECK_VERIFY(label, build_pg, &order, 1, &x64, NULL);
    CHECK_VERIFY(label, build_pg, &order, 1, &x32, NULL);
    CHECK_VERIFY(label, build_pg, &order, 1, &xn, NULL);
    tg_array_unref(x64);
    tg_array_unref(x32);
    tg_array_unref(xn);
  }
}

/* gammaln -> psi -> trigamma -> polygamma(2) -> polygamma(3): four gradients deep, at
   closed forms; the order gets no gradient. */
TEST(gammaln_derivatives_of_every_order) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *d[4], *c = tg_gammaln(x);
  for (int k = 0; k < 4; k++)
    CHECK_STATUS(tg_grad(tg_sum(k ? d[k - 1] : c, -1, NULL, false), 1, &x, &d[k]), TG_OK);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){2}, (double[]){1, 0.5}), *out[4] = {0};
  CHECK(gc_run(g, TG_VARS(x), 4, d, (tg_array *[]){xa}, out));
  const double euler = 0.57721566490153286061;
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), -euler, 1e-14, 0);
  for (int k = 1; k < 4 && out[k]; k++) {
    double base = (k % 2 ? 1 : -1) * fact(k) * zeta[k + 1];
    CHECK_CLOSE(tg_array_get_f64(out[k], 0), base, 1e-13, 0);
    CHECK_CLOSE(tg_array_get_f64(out[k], 1), base * (pow(2, k + 1) - 1), 1e-13, 0);
  }
  /* the hessian of sum(psi(x)) is diag(polygamma(2, x)) */
  tg_var *H = tg_hessian(tg_sum(tg_psi(x), -1, NULL, false), x);
  tg_array *ha[1] = {0};
  CHECK(H && gc_run(g, TG_VARS(x), 1, &H, (tg_array *[]){xa}, ha));
  if (ha[0]) {
    CHECK_CLOSE(tg_array_get_f64(ha[0], 0), -2 * zeta[3], 1e-13, 0);
    CHECK(tg_array_get_f64(ha[0], 1) == 0 && tg_array_get_f64(ha[0], 2) == 0);
    CHECK_CLOSE(tg_array_get_f64(ha[0], 3), -14 * zeta[3], 1e-13, 0);
  }
  tg_var *nv = tg_scalar(g, "n", TG_FLOAT64), *gn;
  CHECK_STATUS(tg_grad(tg_sum(tg_polygamma(nv, x), -1, NULL, false), 1, &nv, &gn), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not depend on input 0");
  for (int k = 0; k < 4; k++) tg_array_unref(out[k]);
  tg_array_unref(ha[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* The native backend calls the library's own polygamma: the same bits as the reference. */
TEST(polygamma_native_matches_reference) {
  const double xs[] = {-2.5, 0.1, 1, 3.25, 50, 0};
  for (int n = 0; n <= 4; n++)
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++)
      for (int d = 0; d < 2; d++) {
        tg_dtype dt = d ? TG_FLOAT32 : TG_FLOAT64;
        double a = pg(n, xs[k], dt, "native"), b = pg(n, xs[k], dt, "ref");
        CHECK(a == b || (isnan(a) && isnan(b)));
      }
}
