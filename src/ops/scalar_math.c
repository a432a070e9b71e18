/* scalar_math.c: the special functions libm lacks (erfcx, digamma) and a thread-safe
   log-gamma. */
#include "scalar_math.h"

/* lgamma writes the global signgam, a data race when kernels run on several threads. */
double lgamma_r(double, int *);

double tgs_gammaln(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

/* exp(x^2) erfc(x). Direct formula where exp(x^2) is small enough to keep the relative
   error tiny; a continued fraction (modified Lentz) beyond, where erfc underflows. */
double tgs_erfcx(double x) {
  if (isnan(x)) return x;
  if (x < 0) {
    if (x < -26.7) return INFINITY;
    return 2.0 * exp(x * x) - tgs_erfcx(-x);
  }
  if (x < 2.0) return exp(x * x) * erfc(x);
  if (isinf(x)) return 0.0;
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

/* Digamma: reflection for negatives, recurrence up to 6, then the asymptotic series. */
double tgs_psi(double x) {
  if (isnan(x)) return x;
  if (x == INFINITY) return x;
  if (x == -INFINITY) return NAN;
  if (x <= 0 && floor(x) == x) return x == 0 ? -copysign(INFINITY, x) : NAN;
  double r = 0;
  if (x < 0) {
    /* psi(x) = psi(1 - x) - pi / tan(pi x) */
    r = -3.14159265358979323846 / tan(3.14159265358979323846 * x);
    x = 1 - x;
  }
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  double f = 1 / (x * x);
  double t = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 +
             f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))));
  return r + log(x) - 0.5 / x + t;
}
