/* scalar_math.c: the special functions libm lacks (erfcx, digamma) and a thread-safe
   log-gamma. */
#include "scalar_math.h"

/* lgamma writes the global signgam, a data race when kernels run on several threads. */
double lgamma_r(double, int *);

double tgs_gammaln(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

/* exp(x*x) without the rounding error of x*x, which exp would amplify by x*x (1e-14
   relative at |x| = 10): x*x = s + e exactly (fma), and exp(s + e) = exp(s) (1 + e). */
static double exp_sq(double x) {
  double s = x * x, e = fma(x, x, -s);
  double r = exp(s);
  return r + r * e;
}

/* exp(x^2) erfc(x). Direct formula where exp(x^2) is small enough to keep the relative
   error tiny; a continued fraction (modified Lentz) beyond, where erfc underflows. */
double tgs_erfcx(double x) {
  if (isnan(x)) return x;
  if (x < 0) {
    if (x < -26.7) return INFINITY;
    return 2.0 * exp_sq(x) - tgs_erfcx(-x);
  }
  if (x < 2.0) return exp_sq(x) * erfc(x);
  if (isinf(x)) return 0.0;
  /* far out, two terms of the asymptotic series are exact to double precision (the next
     is 3/(4x^4) < 1e-30), and the continued fraction's 1/x would go subnormal near DBL_MAX */
  if (x > 5e7) return 0.56418958354775628695 / x * (1.0 - 0.5 / (x * x));
  /* erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))) */
  const double tiny = 1e-300;
  double f = x, C = x, D = 0.0;
  for (int n = 1; n < 500; n++) {
    double an = n * 0.5;
    D = x + an * D;
    if (D == 0) D = tiny;
    C = x + an / C;
    if (C == 0) C = tiny;
    D = 1.0 / D;
    double delta = C * D;
    f *= delta;
    if (fabs(delta - 1.0) < 1e-16) break;
  }
  return 0.56418958354775628695 / f; /* 1/sqrt(pi) */
}

/* Digamma: reflection for negatives, recurrence up to 10, then the asymptotic series
   (at x >= 10 its first omitted term, 3617/8160 x^-16, is below 5e-17). */
double tgs_psi(double x) {
  if (isnan(x)) return x;
  if (x == INFINITY) return x;
  if (x == -INFINITY) return NAN;
  if (x <= 0 && floor(x) == x) return x == 0 ? -copysign(INFINITY, x) : NAN;
  double r = 0;
  if (x < 0) {
    /* psi(x) = psi(1 - x) - pi / tan(pi x). tan has period pi, so reduce x to its
       fractional part first (exact in binary) instead of multiplying a large x by pi. */
    const double pi = 3.14159265358979323846;
    r = -pi / tan(pi * (x - floor(x)));
    x = 1 - x;
  }
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  double f = 1 / (x * x);
  double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 +
             f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))));
  return r + log(x) - 0.5 / x + t;
}

/* Trigamma, psi's derivative: reflection for negatives, recurrence up to 10, then the
   asymptotic series 1/x + 1/(2x^2) + sum B_2k / x^(2k+1). Poles (+inf) at 0 and the
   negative integers, as scipy.special.polygamma(1, x). */
double tgs_trigamma(double x) {
  if (isnan(x)) return x;
  if (x == INFINITY) return 0;
  if (x == -INFINITY) return NAN;
  if (x <= 0 && floor(x) == x) return INFINITY;
  double r = 0, sign = 1;
  if (x < 0) {
    /* trigamma(x) = -trigamma(1 - x) + pi^2 / sin^2(pi x); sin^2 has period 1 */
    const double pi = 3.14159265358979323846;
    double s = sin(pi * (x - floor(x)));
    r = pi * pi / (s * s);
    sign = -1;
    x = 1 - x;
  }
  double t = 0;
  while (x < 10) {
    t += 1 / (x * x);
    x += 1;
  }
  double f = 1 / (x * x);
  t += 1 / x + f / 2 + f / x * (1.0 / 6 + f * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 +
       f * (5.0 / 66 + f * (-691.0 / 2730 + f * (7.0 / 6)))))));
  return r + sign * t;
}
