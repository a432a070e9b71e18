/* test_random_dist.c: the distributions of the random streams, checked statistically with
   fixed seeds: sample mean and variance within 5 standard errors of the exact moments
   (the variance's standard error from the fourth central moment), a Kolmogorov-Smirnov
   statistic against the exact CDF for continuous draws (regularized incomplete gamma and
   beta written here, erfc from libm), and a chi-square statistic against the exact pmf for
   discrete draws. Both regimes of the two-algorithm samplers are covered (binomial
   inversion and BTRS, Poisson multiplication and PTRS, gamma shape below and above 1). */
#include "harness.h"

#define N 20000

/* ---- reference functions ---- */

/* Regularized lower incomplete gamma P(a, x): series below a + 1, continued fraction
   (modified Lentz) above (Numerical Recipes' gser/gcf). */
static double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  double lpre = -x + a * log(x) - lgamma(a);
  if (x < a + 1) {
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 100000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (fabs(del) < fabs(sum) * 1e-16) break;
    }
    return sum * exp(lpre);
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 100000; i++) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < 1e-16) break;
  }
  return 1 - exp(lpre) * h;
}

/* The continued fraction of the incomplete beta function (Numerical Recipes' betacf). */
static double betacf(double a, double b, double x) {
  double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
  if (fabs(d) < 1e-300) d = 1e-300;
  d = 1 / d;
  double h = d;
  for (int m = 1; m < 100000; m++) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < 1e-16) break;
  }
  return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double beta_i(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
  return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

typedef struct dist {
  int kind; /* 0 uniform(a, b), 1 normal(a, b), 2 gamma(a, scale b), 3 beta(a, b) */
  double a, b;
} dist;

static double cdf(const dist *d, double x) {
  switch (d->kind) {
  case 0: return x <= d->a ? 0 : x >= d->b ? 1 : (x - d->a) / (d->b - d->a);
  case 1: return 0.5 * erfc(-(x - d->a) / (d->b * sqrt(2.0)));
  case 2: return gamma_p(d->a, x / d->b);
  default: return beta_i(d->a, d->b, x);
  }
}

/* ---- statistics ---- */

static int cmp_d(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Kolmogorov-Smirnov statistic of the sample against d (sorts xs). */
static double ks(double *xs, int n, const dist *d) {
  qsort(xs, (size_t)n, sizeof *xs, cmp_d);
  double D = 0;
  for (int i = 0; i < n; i++) {
    double F = cdf(d, xs[i]);
    D = fmax(D, fmax((double)(i + 1) / n - F, F - (double)i / n));
  }
  return D;
}

/* KS critical value at alpha = 0.001 (asymptotic). */
static double ks_crit(int n) { return 1.949 / sqrt((double)n); }

/* Chi-square upper critical value at alpha = 0.0005 (Wilson-Hilferty). */
static double chi2_crit(int df) {
  double k = df, z = 3.29, t = 1 - 2 / (9 * k) + z * sqrt(2 / (9 * k));
  return k * t * t * t;
}

/* Sample mean and variance within 5 standard errors of mean, var (mu4: the fourth central
   moment, for the variance's standard error). */
static void check_moments(const char *what, const double *xs, int n, double mean, double var,
                          double mu4) {
  double m = 0, v = 0;
  for (int i = 0; i < n; i++) m += xs[i];
  m /= n;
  for (int i = 0; i < n; i++) v += (xs[i] - m) * (xs[i] - m);
  v /= n - 1;
  double se_m = sqrt(var / n), se_v = sqrt((mu4 - var * var) / n);
  if (!(fabs(m - mean) <= 5 * se_m)) TH_FAIL("%s: mean %g, expected %g +- %g", what, m, mean, 5 * se_m);
  if (!(fabs(v - var) <= 5 * se_v)) TH_FAIL("%s: variance %g, expected %g +- %g", what, v, var, 5 * se_v);
  th_checks += 2;
}

/* Chi-square of integer draws against pmf(k) on lo..hi (draws outside counted in the end
   bins, with the pmf's mass outside), bins merged until each expects at least 5. */
static void check_chi2(const char *what, const double *xs, int n, int64_t lo, int64_t hi,
                       double (*pmf)(int64_t k, const double *par), const double *par) {
  int64_t nb = hi - lo + 1;
  double *obs = calloc((size_t)nb, sizeof(double)), *expct = calloc((size_t)nb, sizeof(double));
  int outside = 0;
  for (int i = 0; i < n; i++) {
    int64_t k = (int64_t)xs[i];
    if ((double)k != xs[i]) outside++;
    else if (k < lo) obs[0]++;
    else if (k > hi) obs[nb - 1]++;
    else obs[k - lo]++;
  }
  for (int64_t k = lo; k <= hi; k++) expct[k - lo] = n * pmf(k, par);
  /* the mass outside [lo, hi] goes to the end bins */
  double tot = 0;
  for (int64_t k = 0; k < nb; k++) tot += expct[k];
  expct[0] += (n - tot) / 2, expct[nb - 1] += (n - tot) / 2;
  /* merge bins left to right until each expects >= 5; a short last one joins its left */
  int nm = 0;
  for (int64_t k = 0; k < nb; k++) {
    if (nm == 0 || expct[nm - 1] >= 5) obs[nm] = obs[k], expct[nm] = expct[k], nm++;
    else obs[nm - 1] += obs[k], expct[nm - 1] += expct[k];
  }
  if (nm > 1 && expct[nm - 1] < 5) obs[nm - 2] += obs[nm - 1], expct[nm - 2] += expct[nm - 1], nm--;
  double chi = 0;
  int df = nm - 1;
  for (int k = 0; k < nm; k++) chi += (obs[k] - expct[k]) * (obs[k] - expct[k]) / expct[k];
  if (outside) TH_FAIL("%s: %d draws are not integers", what, outside);
  if (df < 1 || !(chi <= chi2_crit(df)))
    TH_FAIL("%s: chi-square %g with %d degrees of freedom, critical %g", what, chi, df,
            df >= 1 ? chi2_crit(df) : 0.0);
  th_checks += 2;
  free(obs);
  free(expct);
}

/* ---- drawing ---- */

static tg_var *nvec(tg_graph *g, int64_t n) {
  tg_array *a = tg_array_from_i64(1, (int64_t[]){1}, &n);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

/* The draws of x (compiled with no inputs, called once) as doubles; malloc'd. */
static double *sample(tg_graph *g, tg_var *x, int n) {
  if (!x) {
    fprintf(stderr, "build: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_function *f = tg_function_new(g, 0, NULL, 1, &x, NULL);
  tg_array *r[1] = {NULL};
  if (!f || tg_function_call(f, NULL, r) != TG_OK) {
    fprintf(stderr, "run: %s%s\n", tg_graph_error(g), f ? tg_function_error(f) : "");
    tg_function_free(f);
    return NULL;
  }
  double *xs = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; i++) xs[i] = tg_array_get_f64(r[0], i);
  tg_array_unref(r[0]);
  tg_function_free(f);
  return xs;
}

static void continuous(const char *what, int kind, double a, double b, uint64_t seed,
                       tg_dtype dt, double mean, double var, double mu4) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, seed);
  tg_var *pa = tg_const_f64(g, a), *pb = tg_const_f64(g, b), *shp = nvec(g, N), *x = NULL;
  switch (kind) {
  case 0: x = tg_rng_uniform(r, pa, pb, shp, dt); break;
  case 1: x = tg_rng_normal(r, pa, pb, shp, dt); break;
  case 2: x = tg_rng_gamma(r, pa, pb, shp, dt); break;
  default: x = tg_rng_beta(r, pa, pb, shp, dt); break;
  }
  double *xs = sample(g, x, N);
  CHECK(xs != NULL);
  if (xs) {
    check_moments(what, xs, N, mean, var, mu4);
    dist d = {kind, a, b};
    double D = ks(xs, N, &d);
    if (!(D < ks_crit(N))) TH_FAIL("%s: KS statistic %g >= %g", what, D, ks_crit(N));
    th_checks++;
  }
  free(xs);
  tg_graph_free(g);
}

TEST(reference_cdfs) {
  /* closed forms the incomplete gamma and beta must reproduce */
  for (double x = 0.1; x < 20; x *= 1.7) {
    CHECK_CLOSE(gamma_p(1, x), -expm1(-x), 1e-12, 1e-14);
    CHECK_CLOSE(gamma_p(3, x), 1 - exp(-x) * (1 + x + x * x / 2), 1e-10, 1e-14);
    CHECK_CLOSE(gamma_p(0.5, x), erf(sqrt(x)), 1e-10, 1e-14);
  }
  for (double x = 0.05; x < 1; x += 0.1) {
    CHECK_CLOSE(beta_i(2.5, 1, x), pow(x, 2.5), 1e-10, 1e-14);
    CHECK_CLOSE(beta_i(1, 4, x), 1 - pow(1 - x, 4), 1e-10, 1e-14);
    CHECK_CLOSE(beta_i(0.5, 0.5, x), 2 / M_PI * asin(sqrt(x)), 1e-10, 1e-14);
  }
}

TEST(uniform) {
  double w = 5;
  continuous("uniform(-2, 3)", 0, -2, 3, 101, TG_FLOAT64, 0.5, w * w / 12, w * w * w * w / 80);
  continuous("uniform(0, 1) float32", 0, 0, 1, 102, TG_FLOAT32, 0.5, 1.0 / 12, 1.0 / 80);
}

TEST(normal) {
  continuous("normal(1.5, 2)", 1, 1.5, 2, 201, TG_FLOAT64, 1.5, 4, 3 * 16);
  continuous("normal(-3, 0.1) float32", 1, -3, 0.1, 202, TG_FLOAT32, -3, 0.01, 3e-4);
}

TEST(gamma) {
  double ks_[] = {0.5, 3, 0.05}, th[] = {2, 1.5, 1};
  const char *names[] = {"gamma(0.5, 2)", "gamma(3, 1.5)", "gamma(0.05, 1)"};
  for (int i = 0; i < 3; i++) {
    double k = ks_[i], t = th[i], var = k * t * t;
    continuous(names[i], 2, k, t, 301 + (uint64_t)i, TG_FLOAT64, k * t, var, var * var * (3 + 6 / k));
  }
}

TEST(beta) {
  double as[] = {0.5, 2, 0.1}, bs[] = {0.5, 5, 0.2};
  const char *names[] = {"beta(0.5, 0.5)", "beta(2, 5)", "beta(0.1, 0.2)"};
  for (int i = 0; i < 3; i++) {
    double a = as[i], b = bs[i], s = a + b, var = a * b / (s * s * (s + 1));
    double exk = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
    continuous(names[i], 3, a, b, 401 + (uint64_t)i, TG_FLOAT64, a / s, var, var * var * (3 + exk));
  }
}

/* ---- discrete ---- */

static double pmf_binomial(int64_t k, const double *par) {
  double n = par[0], p = par[1];
  if (k < 0 || k > n) return 0;
  return exp(lgamma(n + 1) - lgamma(k + 1.0) - lgamma(n - k + 1) + k * log(p) +
             (n - k) * log1p(-p));
}

static double pmf_poisson(int64_t k, const double *par) {
  return k < 0 ? 0 : exp(k * log(par[0]) - par[0] - lgamma(k + 1.0));
}

static double pmf_uniform_int(int64_t k, const double *par) {
  return k >= par[0] && k < par[1] ? 1 / (par[1] - par[0]) : 0;
}

TEST(binomial) {
  /* inversion (n*p < 10), BTRS, and both mirrored through p > 0.5 */
  double cases[][2] = {{10, 0.3}, {1000, 0.3}, {50, 0.8}, {20, 0.9}, {200000, 0.5}};
  for (int i = 0; i < 5; i++) {
    double n = cases[i][0], p = cases[i][1], q = 1 - p, var = n * p * q;
    tg_graph *g = tg_graph_new();
    tg_rng *r = tg_rng_new(g, 501 + (uint64_t)i);
    double *xs = sample(g, tg_rng_binomial(r, tg_const_typed(g, TG_INT64, n), tg_const_f64(g, p),
                                           nvec(g, N), TG_INT64), N);
    CHECK(xs != NULL);
    char what[64];
    snprintf(what, sizeof what, "binomial(%g, %g)", n, p);
    if (xs) {
      check_moments(what, xs, N, n * p, var, var * (1 + 3 * (n - 2) * p * q));
      double sd = sqrt(var);
      int64_t lo = (int64_t)fmax(0, floor(n * p - 6 * sd)), hi = (int64_t)fmin(n, ceil(n * p + 6 * sd));
      check_chi2(what, xs, N, lo, hi, pmf_binomial, cases[i]);
    }
    free(xs);
    tg_graph_free(g);
  }
}

TEST(bernoulli) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 601);
  double *xs = sample(g, tg_rng_bernoulli(r, tg_const_f64(g, 0.3), nvec(g, N), TG_FLOAT32), N);
  CHECK(xs != NULL);
  if (xs) {
    check_moments("bernoulli(0.3)", xs, N, 0.3, 0.21, 0.21 * (1 - 3 * 0.21));
    check_chi2("bernoulli(0.3)", xs, N, 0, 1, pmf_binomial, (double[]){1, 0.3});
  }
  free(xs);
  tg_graph_free(g);
}

TEST(poisson) {
  double lams[] = {0.7, 3, 40, 5000};
  for (int i = 0; i < 4; i++) {
    double lam = lams[i];
    tg_graph *g = tg_graph_new();
    tg_rng *r = tg_rng_new(g, 701 + (uint64_t)i);
    double *xs = sample(g, tg_rng_poisson(r, tg_const_f64(g, lam), nvec(g, N), TG_INT64), N);
    CHECK(xs != NULL);
    char what[64];
    snprintf(what, sizeof what, "poisson(%g)", lam);
    if (xs) {
      check_moments(what, xs, N, lam, lam, lam * (1 + 3 * lam));
      double sd = sqrt(lam);
      check_chi2(what, xs, N, (int64_t)fmax(0, floor(lam - 7 * sd)), (int64_t)ceil(lam + 8 * sd + 5),
                 pmf_poisson, &lam);
    }
    free(xs);
    tg_graph_free(g);
  }
}

TEST(integers) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 801);
  double *xs = sample(g, tg_rng_integers(r, tg_const_typed(g, TG_INT64, -3),
                                         tg_const_typed(g, TG_INT64, 7), nvec(g, N), TG_INT16), N);
  CHECK(xs != NULL);
  if (xs) {
    double m = 10;
    check_moments("integers(-3, 7)", xs, N, 1.5, (m * m - 1) / 12, (m * m - 1) * (3 * m * m - 7) / 240);
    check_chi2("integers(-3, 7)", xs, N, -3, 6, pmf_uniform_int, (double[]){-3, 7});
  }
  free(xs);
  /* a range near 2^62: the top bits are as uniform as the low ones */
  double *ys = sample(g, tg_rng_integers(r, NULL, tg_const_typed(g, TG_INT64, 3ll << 60), nvec(g, N),
                                         TG_INT64), N);
  CHECK(ys != NULL);
  if (ys) {
    for (int i = 0; i < N; i++) ys[i] /= (double)(3ll << 60);
    check_moments("integers(0, 3*2^60) / 3*2^60", ys, N, 0.5, 1.0 / 12, 1.0 / 80);
  }
  free(ys);
  tg_graph_free(g);
}

/* Multinomial: counts sum to n, and each category's count is Binomial(n, p_j). */
TEST(multinomial) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 901);
  double pv[3] = {0.2, 0.3, 0.5};
  tg_array *pa = tg_array_from_f64(1, (int64_t[]){3}, pv);
  tg_var *x = tg_rng_multinomial(r, tg_const_typed(g, TG_INT64, 20), tg_constant(g, pa),
                                 nvec(g, N), TG_INT64);
  double *xs = sample(g, x, 3 * N);
  CHECK(xs != NULL);
  double *col = malloc(sizeof(double) * N);
  for (int j = 0; xs && j < 3; j++) {
    int bad = 0;
    for (int i = 0; i < N; i++) {
      col[i] = xs[3 * i + j];
      if (j == 0) bad += xs[3 * i] + xs[3 * i + 1] + xs[3 * i + 2] != 20;
    }
    CHECK(bad == 0);
    char what[64];
    snprintf(what, sizeof what, "multinomial(20, .2 .3 .5) category %d", j);
    double par[2] = {20, pv[j]}, var = 20 * pv[j] * (1 - pv[j]);
    check_moments(what, col, N, 20 * pv[j], var, var * (1 + 3 * 18 * pv[j] * (1 - pv[j])));
    check_chi2(what, col, N, 0, 20, pmf_binomial, par);
  }
  free(col);
  free(xs);
  tg_array_unref(pa);
  tg_graph_free(g);
}

static double pmf_table(int64_t k, const double *par) { return par[k]; }

/* choice with replacement and weights: frequencies follow p. */
TEST(choice_weighted) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1001);
  double p[5] = {0.1, 0, 0.45, 0.05, 0.4};
  tg_array *pa = tg_array_from_f64(1, (int64_t[]){5}, p);
  double *xs = sample(g, tg_rng_choice(r, tg_const_typed(g, TG_INT64, 5), nvec(g, N), true,
                                       tg_constant(g, pa)), N);
  CHECK(xs != NULL);
  int zero = 0;
  for (int i = 0; xs && i < N; i++) zero += xs[i] == 1;
  CHECK(zero == 0);
  if (xs) check_chi2("choice(5, p)", xs, N, 0, 4, pmf_table, p);
  free(xs);
  tg_array_unref(pa);
  tg_graph_free(g);
}

/* Weighted sampling without replacement: over many calls (fresh numbers through the
   default update), the first draw follows p and the second p_j * sum_i p_i / (1 - p_i). */
TEST(choice_without_replacement_weighted) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1101);
  double p[4] = {0.1, 0.2, 0.3, 0.4};
  tg_array *pa = tg_array_from_f64(1, (int64_t[]){4}, p);
  tg_var *x = tg_rng_choice(r, tg_const_typed(g, TG_INT64, 4), nvec(g, 2), false, tg_constant(g, pa));
  tg_function *f = tg_function_new(g, 0, NULL, 1, &x, NULL);
  CHECK(f != NULL);
  enum { CALLS = 4000 };
  static double first[CALLS], second[CALLS];
  for (int c = 0; f && c < CALLS; c++) {
    tg_array *o[1] = {NULL};
    if (tg_function_call(f, NULL, o) != TG_OK) {
      TH_FAIL("call: %s", tg_function_error(f));
      break;
    }
    first[c] = tg_array_get_f64(o[0], 0);
    second[c] = tg_array_get_f64(o[0], 1);
    CHECK(first[c] != second[c]);
    tg_array_unref(o[0]);
  }
  double p2[4];
  for (int j = 0; j < 4; j++) {
    p2[j] = 0;
    for (int i = 0; i < 4; i++)
      if (i != j) p2[j] += p[i] * p[j] / (1 - p[i]);
  }
  check_chi2("choice(4, 2, no replace, p) first", first, CALLS, 0, 3, pmf_table, p);
  check_chi2("choice(4, 2, no replace, p) second", second, CALLS, 0, 3, pmf_table, p2);
  tg_function_free(f);
  tg_array_unref(pa);
  tg_graph_free(g);
}

/* Every permutation of 3 equally likely over many calls. */
TEST(permutation_uniform) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1201);
  tg_var *x = tg_rng_permutation(r, tg_const_typed(g, TG_INT64, 3));
  tg_function *f = tg_function_new(g, 0, NULL, 1, &x, NULL);
  CHECK(f != NULL);
  enum { CALLS = 6000 };
  static double code[CALLS];
  for (int c = 0; f && c < CALLS; c++) {
    tg_array *o[1] = {NULL};
    if (tg_function_call(f, NULL, o) != TG_OK) break;
    int64_t a = tg_array_get_i64(o[0], 0), b = tg_array_get_i64(o[0], 1);
    int64_t cc = tg_array_get_i64(o[0], 2);
    CHECK(a + b + cc == 3 && a != b && b != cc && a != cc);
    code[c] = (double)(a * 2 + (b > cc)); /* the 6 orders as 0..5 */
    tg_array_unref(o[0]);
  }
  double sixth[6] = {1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6};
  check_chi2("permutation(3)", code, CALLS, 0, 5, pmf_table, sixth);
  tg_function_free(f);
  tg_graph_free(g);
}

/* The checks have power: a normal with a 15% wrong scale fails the KS bound. */
TEST(ks_detects_a_wrong_scale) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1301);
  double *xs = sample(g, tg_rng_normal(r, NULL, tg_const_f64(g, 1.15), nvec(g, N), TG_FLOAT64), N);
  CHECK(xs != NULL);
  dist d = {1, 0, 1};
  if (xs) CHECK(ks(xs, N, &d) > ks_crit(N));
  free(xs);
  tg_graph_free(g);
}
