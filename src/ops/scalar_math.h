/* scalar_math.h: the scalar functions the scalar op table refers to that C's libm lacks or
   gets differently from numpy: Python-style integer division, defined integer overflow,
   NaN-propagating min/max, stable sigmoid/softplus, erfcx, digamma, round half to even.
   Integer helpers work on int64 and rely on the store to wrap to narrower dtypes. */
#ifndef TG_SCALAR_MATH_H
#define TG_SCALAR_MATH_H

#include <math.h>
#include <stdint.h>

#include "tgraph/common.h"

/* Wrapping arithmetic through uint64 so overflow is defined (numpy wraps too). */
static inline int64_t tgs_iadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t tgs_isub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t tgs_imul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t tgs_ineg(int64_t a) { return (int64_t)(0 - (uint64_t)a); }
static inline int64_t tgs_iabs(int64_t a) { return a < 0 ? tgs_ineg(a) : a; }

/* Python floor division; x // 0 is 0 (numpy's result, minus its warning). */
static inline int64_t tgs_ifloordiv(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return tgs_ineg(a); /* INT64_MIN // -1 wraps instead of trapping */
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* Python modulo (sign of the divisor); x % 0 is 0. */
static inline int64_t tgs_imod(int64_t a, int64_t b) {
  if (b == 0 || b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/* Integer power by squaring, wrapping. A negative exponent gives the truncated true
   value: 1 for base 1, +-1 for base -1, and 0 otherwise (numpy raises instead). */
static inline int64_t tgs_ipow(int64_t a, int64_t b) {
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b & 1) ? -1 : 1;
    return 0;
  }
  uint64_t r = 1, x = (uint64_t)a;
  while (b) {
    if (b & 1) r *= x;
    x *= x;
    b >>= 1;
  }
  return (int64_t)r;
}

/* Shifts: a count outside [0, 63] yields 0 (or -1 for a right shift of a negative). */
static inline int64_t tgs_ishl(int64_t a, int64_t b) {
  return (b < 0 || b > 63) ? 0 : (int64_t)((uint64_t)a << b);
}
static inline int64_t tgs_ishr(int64_t a, int64_t b) {
  if (b < 0 || b > 63) return a < 0 ? -1 : 0;
  return a < 0 ? ~(~a >> b) : a >> b; /* arithmetic shift without implementation-defined >> */
}
/* minimum(maximum(a, lo), hi) as numpy.clip: hi wins when lo > hi. */
static inline int64_t tgs_iclip(int64_t a, int64_t lo, int64_t hi) {
  int64_t m = a < lo ? lo : a;
  return m > hi ? hi : m;
}
static inline int64_t tgs_invert(int64_t a, tg_dtype dt) { return dt == TG_BOOL ? !a : ~a; }

/* numpy's divmod for floats: floor division and modulo that agree with each other. */
static inline double tgs_mod(double a, double b) {
  double m = fmod(a, b);
  if (b == 0) return m; /* NaN */
  if (m != 0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = copysign(0.0, b);
  }
  return m;
}
static inline double tgs_floordiv(double a, double b) {
  if (b == 0) return a / b;
  double m = fmod(a, b);
  double d = (a - m) / b;
  if (m != 0 && ((b < 0) != (m < 0))) d -= 1.0;
  if (d != 0) {
    double f = floor(d);
    if (d - f > 0.5) f += 1.0;
    return f;
  }
  return copysign(0.0, a / b);
}

static inline double tgs_sign(double a) { return a > 0 ? 1.0 : a < 0 ? -1.0 : a == 0 ? 0.0 : a; }
static inline double tgs_fmin(double a, double b) { return isnan(a) ? a : (a <= b ? a : b); }
static inline double tgs_fmax(double a, double b) { return isnan(a) ? a : (a >= b ? a : b); }

static inline double tgs_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}
static inline double tgs_softplus(double x) {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static inline double tgs_round_even(double x) {
  double r = round(x); /* halves away from zero */
  if (fabs(x - trunc(x)) == 0.5) r = 2.0 * round(x / 2.0);
  return r;
}

double tgs_erfcx(double x);
double tgs_psi(double x);
double tgs_trigamma(double x);
double tgs_polygamma(double n, double x);
double tgs_gammaln(double x);

#endif
