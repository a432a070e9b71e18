/* scalar_math.c: the special functions libm lacks (erfcx, digamma, trigamma, polygamma)
   and a thread-safe log-gamma. */
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

/* Hurwitz zeta(s, q) = sum_k (q + k)^-s for s > 1, by Euler-Maclaurin summation (as
   Cephes' zeta, which scipy's polygamma uses): at least 9 terms directly and q shifted
   past 9, then the integral, half the last term and up to 12 Bernoulli corrections
   (A[j] = (2j + 2)! / B_2j+2). For an integer s the sum also converges at negative
   non-integer q (each term has a real power), which is where polygamma needs it. */
static double hurwitz_zeta(double s, double q) {
  static const double A[] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0,
                             -1.8924375803183791606e9, 7.47242496e10,
                             -2.950130727918164224e12, 1.1646782814350067249e14,
                             -4.5979787224074726105e15, 1.8152105401943546773e17,
                             -7.1661652561756670113e18};
  const double eps = 1.11022302462515654042e-16;
  if (q > 1e8) return (1 / (s - 1) + 1 / (2 * q)) * pow(q, 1 - s);
  double sum = pow(q, -s), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i++;
    a += 1.0;
    b = pow(a, -s);
    sum += b;
    if (fabs(b / sum) < eps) return sum;
  }
  double w = a, k = 0;
  sum += b * w / (s - 1) - 0.5 * b;
  a = 1.0;
  for (int j = 0; j < 12; j++) {
    a *= s + k;
    b /= w;
    double t = a * b / A[j];
    sum += t;
    if (fabs(t / sum) < eps) break;
    k += 1.0;
    a *= s + k;
    b /= w;
    k += 1.0;
  }
  return sum;
}

/* polygamma(n, x), the n-th derivative of psi: psi for n = 0, otherwise
   (-1)^(n+1) n! zeta(n + 1, x). NaN for an n that is not a whole number >= 0 and for x
   below -1e6 (the direct sum up from x would take too long); +inf or -inf (the sign of
   the n-th derivative from the right) at the poles 0, -1, -2, ... as scipy. n! overflows
   beyond n = 170, where the result is +-inf or NaN. */
double tgs_polygamma(double n, double x) {
  if (isnan(n) || isnan(x) || n < 0 || floor(n) != n) return NAN;
  if (n == 0) return tgs_psi(x);
  if (n == 1) return tgs_trigamma(x);
  double sign = fmod(n, 2.0) == 1.0 ? 1.0 : -1.0; /* (-1)^(n+1) */
  if (x == INFINITY) return sign * 0.0;
  if (x < -1e6) return NAN;
  if (x <= 0 && floor(x) == x) return sign > 0 ? INFINITY : -INFINITY;
  if (n > 170) return NAN;
  return sign * tgamma(n + 1) * hurwitz_zeta(n + 1, x);
}
