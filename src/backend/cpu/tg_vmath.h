/* tg_vmath.h: branch-free, loop-vectorisable transcendentals for generated kernels.

   Kernels emitted by the native backend paste this header in by text (tgi_vmath_src), so it
   is self-contained C11 that needs only <stdint.h>, <string.h> and <math.h>, and every
   function is `static inline`. Compiled with `-O3 -march=native -fno-math-errno` (and
   WITHOUT -ffast-math, which would break isnan, infinities and signed zeros) a loop such as
   `for (i = 0; i < n; i++) y[i] = tgv_expf(x[i]);` vectorises (tests/vmath_vectorise.sh):
   there is no branch (cases are merged with bit-mask selects, see tgv__seld), no call, no
   errno, no table lookup but sin/cos's (a gather), and bit patterns move through memcpy.

   Contract, checked by tests/test_vmath.c:
   - float32 functions are within 4 ulp of the correctly rounded result over the whole input
     range (2 ulp at most measured for those computed in float, 1 for those computed in
     double and rounded once; see "single precision" below);
   - float64 functions are within 4 ulp of the exact result; tgv_erf, tgv_erfc, tgv_sin,
     tgv_cos and tgv_pow call libm (scalar, not vectorised): accurate double versions of
     those need tables or multi-word arithmetic that would not pay here;
   - special values are those of numpy (C99 Annex F): NaN in gives NaN out, exp(-inf) = 0,
     log(0) = -inf, log(x < 0) = NaN, tanh(-0) = -0, expm1(-0) = -0, log1p(-1) = -inf,
     sigmoid(+-inf) = 1/0, softplus like np.logaddexp(0, x), pow like C's pow.
   The accuracy holds whether or not the compiler contracts a*b+c into FMAs.

   Names: tgv_<fn> (double) and tgv_<fn>f (float) are the API; tgv__* are helpers. */
#ifndef TG_VMATH_H
#define TG_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Every helper must be inlined into the caller's loop or the loop does not vectorise. */
#if defined(__GNUC__)
#define TGV_INLINE static inline __attribute__((always_inline))
#else
#define TGV_INLINE static inline
#endif

/* ---- bit access ---- */
TGV_INLINE uint64_t tgv__bits(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
TGV_INLINE double tgv__dbl(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }
TGV_INLINE uint32_t tgv__bitsf(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
TGV_INLINE float tgv__flt(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }

/* c ? a : b, as masks on the bits rather than a `?:`. Under gcc's default -ftrapping-math,
   a `?:` lets gcc move the computation of an arm used nowhere else into a branch of its own;
   the loop then only vectorises if every statement of that branch can be predicated, which
   fails for float <-> double conversions (and, without AVX-512 masking, for any arithmetic
   that may raise a floating-point exception). Masks keep every value computed
   unconditionally, and the vectoriser turns them into blends. Both arms are always
   evaluated, so they must be harmless for every input (they are: no division traps). */
TGV_INLINE double tgv__seld(int c, double a, double b) {
  uint64_t m = (uint64_t)0 - (uint64_t)(c != 0);
  return tgv__dbl((tgv__bits(a) & m) | (tgv__bits(b) & ~m));
}
TGV_INLINE float tgv__self(int c, float a, float b) {
  uint32_t m = (uint32_t)0 - (uint32_t)(c != 0);
  return tgv__flt((tgv__bitsf(a) & m) | (tgv__bitsf(b) & ~m));
}

/* Adding then subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to an integer, and
   the low bits of the sum are that integer: rounding without int conversions that some
   vector units lack. */
#define TGV__SHIFT 0x1.8p52
TGV_INLINE int64_t tgv__shift_int(double k) {
  return (int64_t)(tgv__bits(k) - tgv__bits(TGV__SHIFT));
}
/* (double)n for |n| < 2^51, by the same trick in reverse. */
TGV_INLINE double tgv__i2d(int64_t n) { return tgv__dbl(tgv__bits(TGV__SHIFT) + (uint64_t)n) - TGV__SHIFT; }
/* n clamped to [-lim, lim], for exponents computed from out-of-range inputs (whose results
   are replaced at the end): clamping the integer rather than the input keeps the input's
   conversions and arithmetic unconditional. */
TGV_INLINE int64_t tgv__clampi(int64_t n, int64_t lim) {
  int64_t c = n > lim ? lim : n;
  return c < -lim ? -lim : c;
}
/* 2^n for n in [-1022, 1023]. */
TGV_INLINE double tgv__pow2i(int64_t n) { return tgv__dbl((uint64_t)(n + 1023) << 52); }
/* p * 2^n for |n| <= 2044 with a single rounding: p * 2^(n/2) is exact (p is near 1), and
   the second factor rounds once, into the subnormals or to infinity when it must. */
TGV_INLINE double tgv__scale(double p, int64_t n) {
  int64_t n1 = n >> 1; /* arithmetic shift: gcc and clang define it so */
  return p * tgv__pow2i(n1) * tgv__pow2i(n - n1);
}

/* ln 2 = LN2HI + LN2LO; LN2HI has 42 significant bits, so k * LN2HI is exact for |k| < 2^11. */
#define TGV__LN2HI 0x1.62e42fefa3800p-1
#define TGV__LN2LO 0x1.ef35793c76730p-45
#define TGV__INVLN2 0x1.71547652b82fep+0
#define TGV__INVLN10 0x1.bcb7b1526e50ep-2
/* log10(2) split the same way. */
#define TGV__LG2HI 0x1.34413509f7800p-2
#define TGV__LG2LO 0x1.fef311f12b358p-46

/* ================= double precision ================= */

/* expm1(r) for |r| <= ln2/2: Taylor to r^13 (the next term is below 2^-56 relative). */
TGV_INLINE double tgv__expm1_poly(double r) {
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return r + (r * r) * p;
}

/* exp(x) = 2^n exp(r), n = round(x / ln2), r = x - n ln2 by Cody and Waite. */
TGV_INLINE double tgv_exp(double x) {
  double k = x * TGV__INVLN2 + TGV__SHIFT;
  int64_t n = tgv__clampi(tgv__shift_int(k), 1100);
  double kd = k - TGV__SHIFT;
  double r = (x - kd * TGV__LN2HI) - kd * TGV__LN2LO;
  double res = tgv__scale(1.0 + tgv__expm1_poly(r), n); /* right for |x| < 762 or NaN */
  res = tgv__seld(x > 710.0, (double)INFINITY, res);
  return tgv__seld(x < -746.0, 0.0, res);
}

/* exp2(x) = 2^n 2^r, n = round(x), r = x - n exactly; 2^r by Taylor in r (ln2^k / k!). */
TGV_INLINE double tgv_exp2(double x) {
  double k = x + TGV__SHIFT;
  int64_t n = tgv__clampi(tgv__shift_int(k), 1100);
  double r = x - (k - TGV__SHIFT);
  double p = 0x1.816193166d0f9p-40;
  p = p * r + 0x1.c3bd650fc2986p-36;
  p = p * r + 0x1.e8cac7351bb25p-32;
  p = p * r + 0x1.e4cf5158b8ecap-28;
  p = p * r + 0x1.b5253d395e7c4p-24;
  p = p * r + 0x1.62c0223a5c824p-20;
  p = p * r + 0x1.ffcbfc588b0c7p-17;
  p = p * r + 0x1.430912f86c787p-13;
  p = p * r + 0x1.5d87fe78a6731p-10;
  p = p * r + 0x1.3b2ab6fba4e77p-7;
  p = p * r + 0x1.c6b08d704a0c0p-5;
  p = p * r + 0x1.ebfbdff82c58fp-3;
  p = p * r + 0x1.62e42fefa39efp-1;
  double res = tgv__scale(1.0 + p * r, n); /* right for |x| < 1100 or NaN */
  res = tgv__seld(x > 1025.0, (double)INFINITY, res);
  return tgv__seld(x < -1080.0, 0.0, res);
}

/* expm1(x) = 2^n (expm1(r) + 1 - 2^-n): the sum is formed near its final size, so there is
   no cancellation; x = +-0 (and tiny x) come back as x. */
TGV_INLINE double tgv_expm1(double x) {
  double k = x * TGV__INVLN2 + TGV__SHIFT;
  int64_t n = tgv__clampi(tgv__shift_int(k), 1100);
  double kd = k - TGV__SHIFT;
  double r = (x - kd * TGV__LN2HI) - kd * TGV__LN2LO;
  double q = tgv__expm1_poly(r);
  int64_t nc = tgv__clampi(n, 60); /* 2^-n beyond 2^+-60 changes nothing */
  double res = tgv__scale(q + (1.0 - tgv__pow2i(-nc)), n); /* right for -41 < x < 762 */
  res = tgv__seld(x > 710.0, (double)INFINITY, res);
  res = tgv__seld(x < -40.0, -1.0, res); /* expm1(-40) rounds to -1 */
  return tgv__seld(x == 0, x, res);      /* keeps -0 */
}

/* log of a positive finite double as k ln2 + log(m), m in [sqrt(1/2), sqrt(2)). With
   f = m - 1 (exact) and s = f / (2 + f), log(m) = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R))
   where R = sum 2 s^(2j) / (2j + 1): f is exact and the rest is a small correction, so the
   rounding of s hardly shows. Non-positive or non-finite x give garbage (callers select). */
typedef struct { double k, f; } tgv__logparts;
TGV_INLINE tgv__logparts tgv__log_parts(double x, int terms) {
  int sub = terms > 6 && x < 0x1p-1022; /* floats are never subnormal as doubles */
  double xs = x;
  if (terms > 6) xs = tgv__seld(sub, x * 0x1p54, x); /* subnormals: scale up first */
  uint64_t u = tgv__bits(xs);
  uint64_t tmp = u - 0x3fe6a09e667f3bcdULL; /* bits of sqrt(1/2) */
  int64_t e = (int64_t)tmp >> 52;
  double m = tgv__dbl(u - ((uint64_t)e << 52));
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = s * s;
  /* terms is a constant after inlining: 10 for double (error term z^11/23 < 2^-60), 6 for
     the float functions. */
  double R = terms > 6 ? 2.0 / 21 : 2.0 / 13;
  if (terms > 6) {
    R = R * z + 2.0 / 19;
    R = R * z + 2.0 / 17;
    R = R * z + 2.0 / 15;
    R = R * z + 2.0 / 13;
  }
  R = R * z + 2.0 / 11;
  R = R * z + 2.0 / 9;
  R = R * z + 2.0 / 7;
  R = R * z + 2.0 / 5;
  R = R * z + 2.0 / 3;
  R = R * z;
  double hfsq = 0.5 * f * f;
  tgv__logparts lp;
  lp.f = f - (hfsq - s * (hfsq + R));
  lp.k = tgv__i2d(e) - tgv__seld(sub, 54.0, 0.0);
  return lp;
}

/* The special cases of log, log2, log10 (numpy = C99): NaN, x < 0 -> NaN, +-0 -> -inf,
   +inf -> +inf. */
TGV_INLINE double tgv__log_special(double x, double res) {
  res = tgv__seld(x < 0, (double)NAN, res);
  res = tgv__seld(x == 0, -(double)INFINITY, res);
  res = tgv__seld(x == (double)INFINITY, x, res);
  return tgv__seld(x != x, x, res);
}

TGV_INLINE double tgv_log(double x) {
  tgv__logparts lp = tgv__log_parts(x, 10);
  return tgv__log_special(x, lp.k * TGV__LN2HI + (lp.f + lp.k * TGV__LN2LO));
}

TGV_INLINE double tgv_log2(double x) {
  tgv__logparts lp = tgv__log_parts(x, 10);
  return tgv__log_special(x, lp.k + lp.f * TGV__INVLN2);
}

TGV_INLINE double tgv_log10(double x) {
  tgv__logparts lp = tgv__log_parts(x, 10);
  return tgv__log_special(x, lp.k * TGV__LG2HI + (lp.k * TGV__LG2LO + lp.f * TGV__INVLN10));
}

/* log1p(x) = log(u) + (x - (u - 1)) / u with u = 1 + x rounded: the second term is the
   first-order correction for the rounding of u. */
TGV_INLINE double tgv_log1p(double x) {
  double u = 1.0 + x;
  tgv__logparts lp = tgv__log_parts(u, 10);
  double c = (x - (u - 1.0)) / u;
  double res = lp.k * TGV__LN2HI + ((lp.f + c) + lp.k * TGV__LN2LO);
  res = tgv__seld(x < -1.0, (double)NAN, res);
  res = tgv__seld(x == -1.0, -(double)INFINITY, res);
  res = tgv__seld(x == (double)INFINITY, x, res);
  res = tgv__seld(x == 0, x, res); /* keeps -0 */
  return tgv__seld(x != x, x, res);
}

/* tanh as in fdlibm: -t / (t + 2) with t = expm1(-2|x|) below 1, 1 - 2 / (expm1(2|x|) + 2)
   above, with the sign of x put back (so tanh(-0) = -0). */
TGV_INLINE double tgv_tanh(double x) {
  double ax = fabs(x);
  double axc = tgv__seld(ax > 40.0, 40.0, ax); /* tanh(40) rounds to 1 */
  int big = axc >= 1.0;
  double t = tgv_expm1(tgv__seld(big, 2.0 * axc, -2.0 * axc));
  double rbig = 1.0 - 2.0 / (t + 2.0), rsmall = -t / (t + 2.0);
  double r = tgv__seld(big, rbig, rsmall);
  return copysign(r, x);
}

/* 1 / (1 + e^-x), from e = exp(-|x|) <= 1 so nothing overflows and sigmoid(x) for very
   negative x keeps its subnormal value e / (1 + e). */
TGV_INLINE double tgv_sigmoid(double x) {
  double e = tgv_exp(-fabs(x));
  double d = 1.0 + e;
  double pos = 1.0 / d, neg = e / d;
  return tgv__seld(x >= 0, pos, neg);
}

/* softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|), like np.logaddexp(0, x). */
TGV_INLINE double tgv_softplus(double x) {
  double l = tgv_log1p(tgv_exp(-fabs(x)));
  return tgv__seld(x > 0, x, 0.0) + l;
}

/* libm for these (see the top of the file). */
TGV_INLINE double tgv_erf(double x) { return erf(x); }
TGV_INLINE double tgv_erfc(double x) { return erfc(x); }
TGV_INLINE double tgv_sin(double x) { return sin(x); }
TGV_INLINE double tgv_cos(double x) { return cos(x); }
TGV_INLINE double tgv_pow(double x, double y) { return pow(x, y); }

/* ================= single precision ================= */
/* exp, expm1, log, log1p, tanh, sigmoid and softplus compute in float, so a vector holds
   twice as many lanes as it would in double (the w2 benchmark's exp + tanh run at about
   twice the speed). Their polynomials are Cephes' single-precision ones (S. Moshier):
   each result carries about 1 ulp of polynomial and rounding error, at most 2 ulp measured
   over every float, with and without FMA contraction. exp2, log2, log10, erf, erfc, sin, cos and pow still
   evaluate in double with about 30 good bits and round once (<= 1 ulp): they are rarer in
   kernels, and log2/log10's constant factors or erf's wide fit would cost float
   versions their accuracy. In both kinds there is no clamp of the input: exponents are
   clamped as integers, and out-of-range results are replaced at the end. */

/* ---- float-domain helpers ---- */

/* As TGV__SHIFT for floats: adding 1.5 * 2^23 rounds |k| < 2^22 to an integer. */
#define TGV__SHIFTF 0x1.8p23f
/* ln 2 = TGV__LN2HIF + TGV__LN2LOF; the high part has 9 bits, so n * TGV__LN2HIF is exact
   for |n| < 2^15 (Cephes' C1 and C2). */
#define TGV__LN2HIF 0.693359375f
#define TGV__LN2LOF -2.12194440e-4f
#define TGV__INVLN2F 0x1.715476p+0f

TGV_INLINE int32_t tgv__clampi32(int32_t n, int32_t lim) {
  int32_t c = n > lim ? lim : n;
  return c < -lim ? -lim : c;
}
/* 2^n for n in [-126, 127]. */
TGV_INLINE float tgv__pow2if(int32_t n) { return tgv__flt((uint32_t)(n + 127) << 23); }
/* p * 2^n for |n| <= 250 with one rounding (as tgv__scale): p * 2^(n/2) is exact. */
TGV_INLINE float tgv__scalef(float p, int32_t n) {
  int32_t n1 = n >> 1;
  return p * tgv__pow2if(n1) * tgv__pow2if(n - n1);
}

/* exp(x) = 2^n exp(r), n = round(x / ln2), r = x - n ln2 (Cody and Waite, |r| <= 0.35);
   the polynomial gives expm1(r) = r + r^2 P(r). The parts, for exp and expm1. */
typedef struct { float q; int32_t n; } tgv__expf_parts;
TGV_INLINE tgv__expf_parts tgv__expf_reduce(float x) {
  float k = x * TGV__INVLN2F + TGV__SHIFTF;
  tgv__expf_parts ep;
  /* garbage (clamped) for |x| beyond about 6e6 or NaN: callers replace those results */
  ep.n = tgv__clampi32((int32_t)(tgv__bitsf(k) - tgv__bitsf(TGV__SHIFTF)), 250);
  float kd = k - TGV__SHIFTF;
  float r = (x - kd * TGV__LN2HIF) - kd * TGV__LN2LOF;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  ep.q = (r * r) * p + r;
  return ep;
}
/* exp(x), right (to rounding into the subnormals) for -110 <= x <= 100; NaN for NaN. */
TGV_INLINE float tgv__expf_core(float x) {
  tgv__expf_parts ep = tgv__expf_reduce(x);
  return tgv__scalef(ep.q + 1.0f, ep.n);
}

/* log of a float as e*LN2HI + (f + (y + e*LN2LO)), x = 2^e m with m in [sqrt(1/2), sqrt(2)),
   f = m - 1 (exact) and y = log(1 + f) - f = f^3 P(f) - f^2 / 2. Subnormal x is scaled up
   first. Non-positive, infinite or NaN x give garbage (callers select). */
typedef struct { float e, f, y; } tgv__logf_parts;
TGV_INLINE tgv__logf_parts tgv__logf_split(float x) {
  int sub = x < 0x1p-126f;
  float xs = tgv__self(sub, x * 0x1p23f, x);
  uint32_t u = tgv__bitsf(xs);
  int32_t e = (int32_t)(u - 0x3f3504f3u) >> 23; /* bits of sqrt(1/2) */
  float m = tgv__flt(u - ((uint32_t)e << 23));
  float f = m - 1.0f;
  float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  tgv__logf_parts lp;
  lp.e = (float)(e - 23 * sub);
  lp.f = f;
  lp.y = (p * f) * z - 0.5f * z;
  return lp;
}
/* Assemble the log from its parts, plus a small correction c (log1p's). */
TGV_INLINE float tgv__logf_join(tgv__logf_parts lp, float c) {
  return lp.e * TGV__LN2HIF + (lp.f + ((lp.y + c) + lp.e * TGV__LN2LOF));
}
/* log1p(x) = log(u) + (x - (u - 1)) / u, u = 1 + x rounded (see tgv_log1p): u - 1 is exact
   for every u but 1 + x < 1/2, where u itself is exact. Right for finite x > -1. */
TGV_INLINE float tgv__log1pf_core(float x) {
  float u = 1.0f + x;
  return tgv__logf_join(tgv__logf_split(u), (x - (u - 1.0f)) / u);
}

/* tgv__log_special for float arguments and results. */
TGV_INLINE float tgv__log_specialf(float x, float res) {
  res = tgv__self(x < 0, NAN, res);
  res = tgv__self(x == 0, -INFINITY, res);
  res = tgv__self(x == INFINITY, x, res);
  return tgv__self(x != x, x, res);
}

/* ---- computed in float ---- */

TGV_INLINE float tgv_expf(float x) {
  float r = tgv__expf_core(x);
  r = tgv__self(x > 100.0f, INFINITY, r);
  return tgv__self(x < -110.0f, 0.0f, r);
}

/* expm1(x) = 2^n (expm1(r) + 1 - 2^-n), as tgv_expm1: formed near its final size, so
   there is no cancellation but in the last addition (at most about 2 ulp for n = 1). */
TGV_INLINE float tgv_expm1f(float x) {
  tgv__expf_parts ep = tgv__expf_reduce(x);
  int32_t nc = tgv__clampi32(ep.n, 60); /* 2^-n beyond 2^+-60 changes nothing */
  float r = tgv__scalef(ep.q + (1.0f - tgv__pow2if(-nc)), ep.n);
  r = tgv__self(x > 100.0f, INFINITY, r);
  r = tgv__self(x < -30.0f, -1.0f, r); /* expm1(-30) rounds to -1 */
  return tgv__self(x == 0, x, r);      /* keeps -0 */
}

TGV_INLINE float tgv_logf(float x) {
  return tgv__log_specialf(x, tgv__logf_join(tgv__logf_split(x), 0.0f));
}

TGV_INLINE float tgv_log1pf(float x) {
  float res = tgv__log1pf_core(x);
  res = tgv__self(x < -1.0f, NAN, res);
  res = tgv__self(x == -1.0f, -INFINITY, res);
  res = tgv__self(x == INFINITY, x, res);
  res = tgv__self(x == 0, x, res); /* keeps -0 */
  return tgv__self(x != x, x, res);
}

/* tanh(|x|) by Cephes' odd polynomial below 0.625, 1 - 2 / (exp(2|x|) + 1) above (the
   argument capped at 40, where the result is 1 anyway), then the sign of x (tanh(-0) =
   -0); NaN stays NaN through both arms. */
TGV_INLINE float tgv_tanhf(float x) {
  float ax = fabsf(x);
  float z = ax * ax;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = (p * z) * ax + ax;
  float e = tgv__expf_core(tgv__self(ax > 20.0f, 40.0f, 2.0f * ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  return copysignf(tgv__self(ax < 0.625f, small, big), x);
}

/* 1 / (1 + e^-x) from e = exp(-|x|) <= 1, as tgv_sigmoid. */
TGV_INLINE float tgv_sigmoidf(float x) {
  float e = tgv_expf(-fabsf(x));
  float d = 1.0f + e;
  float pos = 1.0f / d, neg = e / d;
  return tgv__self(x >= 0, pos, neg);
}

/* max(x, 0) + log1p(e^-|x|), as tgv_softplus; softplus(x > 20) rounds to x. */
TGV_INLINE float tgv_softplusf(float x) {
  float l = tgv__log1pf_core(tgv_expf(-fabsf(x)));
  float r = tgv__self(x > 0, x, 0.0f) + l;
  return tgv__self(x > 20.0f, x, r);
}

/* ---- computed in double ---- */

/* exp for the double-evaluated float functions: 2^n is one normal double, Taylor to r^8
   (error term below 2^-35 relative). Right for |x| <= 138 and NaN. */
TGV_INLINE double tgv__fexp(double x) {
  double k = x * TGV__INVLN2 + TGV__SHIFT;
  int64_t n = tgv__clampi(tgv__shift_int(k), 200);
  double kd = k - TGV__SHIFT;
  double r = (x - kd * TGV__LN2HI) - kd * TGV__LN2LO;
  double p = 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = r + (r * r) * p;
  return (1.0 + p) * tgv__pow2i(n);
}

/* 2^x for the float functions. Right for |x| <= 200 and NaN. */
TGV_INLINE double tgv__fexp2(double x) {
  double k = x + TGV__SHIFT;
  int64_t n = tgv__clampi(tgv__shift_int(k), 200);
  double r = x - (k - TGV__SHIFT);
  double p = 0x1.62c0223a5c824p-20;
  p = p * r + 0x1.ffcbfc588b0c7p-17;
  p = p * r + 0x1.430912f86c787p-13;
  p = p * r + 0x1.5d87fe78a6731p-10;
  p = p * r + 0x1.3b2ab6fba4e77p-7;
  p = p * r + 0x1.c6b08d704a0c0p-5;
  p = p * r + 0x1.ebfbdff82c58fp-3;
  p = p * r + 0x1.62e42fefa39efp-1;
  return (1.0 + p * r) * tgv__pow2i(n);
}

/* log of a positive double made from a float (never subnormal as a double). */
TGV_INLINE double tgv__flog(double x) {
  tgv__logparts lp = tgv__log_parts(x, 6);
  return lp.k * TGV__LN2HI + (lp.f + lp.k * TGV__LN2LO);
}

TGV_INLINE float tgv_exp2f(float x) {
  float r = (float)tgv__fexp2((double)x);
  r = tgv__self(x > 130.0f, INFINITY, r);
  return tgv__self(x < -160.0f, 0.0f, r);
}

TGV_INLINE float tgv_log2f(float x) {
  tgv__logparts lp = tgv__log_parts((double)x, 6);
  return tgv__log_specialf(x, (float)(lp.k + lp.f * TGV__INVLN2));
}

TGV_INLINE float tgv_log10f(float x) {
  return tgv__log_specialf(x, (float)(tgv__flog((double)x) * TGV__INVLN10));
}

/* erf and erfc: for |x| < 0.5 the Taylor series of erf (to x^21, error < 2^-40); above,
   erfc(x) = exp(-x^2) erfcx(x) with erfcx fitted (Chebyshev, then expanded in powers of u,
   relative error 6e-11 on [0.5, 10.1]) in u = (2 / (2 + x) - 0.4826) * 3.1510;
   erfc(10.1) is below half the smallest float subnormal, so |x| is clamped there. */
TGV_INLINE double tgv__erf_small(double x) { /* |x| < 0.5 */
  double z = x * x;
  double p = -1.0 / (362880.0 * 19.0);
  p = p * z + 1.0 / (40320.0 * 17.0);
  p = p * z - 1.0 / (5040.0 * 15.0);
  p = p * z + 1.0 / (720.0 * 13.0);
  p = p * z - 1.0 / (120.0 * 11.0);
  p = p * z + 1.0 / (24.0 * 9.0);
  p = p * z - 1.0 / (6.0 * 7.0);
  p = p * z + 1.0 / (2.0 * 5.0);
  p = p * z - 1.0 / 3.0;
  p = p * z + 1.0;
  return x * p * 0x1.20dd750429b6dp+0; /* 2 / sqrt(pi) */
}
TGV_INLINE double tgv__erfc_big(double a) { /* right for 0.5 <= a <= 10.1 and NaN */
  double u = (2.0 / (2.0 + a) - 0x1.ee3a64b51aa87p-2) * 0x1.9355555555555p+1;
  double p = -0x1.1ce48c8e4fb56p-25;
  p = p * u + 0x1.98399bfa566d1p-23;
  p = p * u + 0x1.2d6cc0461b9cfp-23;
  p = p * u - 0x1.9280c6258c9aap-19;
  p = p * u + 0x1.61a0dd36621bcp-19;
  p = p * u + 0x1.4ebbcd904c386p-15;
  p = p * u - 0x1.29324081ea921p-14;
  p = p * u - 0x1.6f0b4afcc045ep-11;
  p = p * u + 0x1.a38a021d9980fp-11;
  p = p * u + 0x1.4859264cffb60p-6;
  p = p * u + 0x1.813d6df6d6bbfp-4;
  p = p * u + 0x1.0aeda27316171p-2;
  p = p * u + 0x1.ed45b348325a2p-3;
  return tgv__fexp(-(a * a)) * p; /* a * a is exact: a has 24 bits */
}

TGV_INLINE float tgv_erff(float x) {
  double xd = (double)x;
  float small = (float)tgv__erf_small(xd);
  float big = copysignf((float)(1.0 - tgv__erfc_big(fabs(xd))), x);
  float r = tgv__self(fabsf(x) < 0.5f, small, big);
  return tgv__self(fabsf(x) > 4.0f, copysignf(1.0f, x), r); /* erf(4) rounds to 1 */
}

TGV_INLINE float tgv_erfcf(float x) {
  double xd = (double)x;
  float small = (float)(1.0 - tgv__erf_small(xd));
  double e = tgv__erfc_big(fabs(xd));
  float pos = (float)e, neg = (float)(2.0 - e);
  float r = tgv__self(x < 0, neg, pos);
  r = tgv__self(fabsf(x) < 0.5f, small, r);
  r = tgv__self(x > 10.1f, 0.0f, r);
  return tgv__self(x < -10.1f, 2.0f, r);
}

/* sin and cos. |x| is reduced to r in [-pi/4, pi/4] and a quadrant q:
   - |x| < 2^20: q = round(|x| 2/pi), r = |x| - q pi/2 with pi/2 in three 30-bit parts (each
     product q * part is exact, and so is the first, cancelling, subtraction);
   - larger |x| = M 2^E (M a 24-bit integer): only the bits of 2/pi from about position E
     matter modulo 4, so M times a 96-bit window of 2/pi, taken in 64-bit integer pieces,
     gives |x| 2/pi mod 4 as a 2.62 fixed-point number (Payne and Hanek's method).
   tgv__2opi[k] holds the 32 bits of 2/pi from bit 8k - 23 to bit 8k + 8 after the point. */
static const uint32_t tgv__2opi[24] = {
    0x000000a2, 0x0000a2f9, 0x00a2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44,
    0x6e4e4415, 0x4e441529, 0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1,
    0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0, 0x34ddc0db, 0xddc0db62,
    0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041};

typedef struct { double r; uint32_t q; } tgv__reduced;
TGV_INLINE tgv__reduced tgv__rem_pio2f(float x) {
  uint32_t xi = tgv__bitsf(x) & 0x7fffffffu;
  double ax = (double)tgv__flt(xi);
  /* small */
  double k = ax * 0x1.45f306dc9c883p-1 + TGV__SHIFT;
  uint32_t qs = (uint32_t)tgv__shift_int(k);
  double kd = k - TGV__SHIFT;
  double rs = ((ax - kd * 0x1.921fb54000000p+0) - kd * 0x1.10b4611800000p-30) -
              kd * 0x1.313198a2e0370p-61;
  /* large: window index from the exponent (clamped so the lookups stay in the table) */
  uint32_t ex = xi >> 23;
  uint32_t idx = ex >= 128 ? (ex - 128 > 127 ? 127 : ex - 128) : 0;
  uint32_t kw = idx >> 3, sh = idx & 7;
  uint64_t m = (uint64_t)((xi & 0x7fffffu) | 0x800000u) << sh;
  uint64_t p0 = m * tgv__2opi[kw], p1 = m * tgv__2opi[kw + 4], p2 = m * tgv__2opi[kw + 8];
  uint64_t hi = (p0 << 32) + p1 + (p2 >> 32);
  uint64_t n = (hi + (1ULL << 61)) >> 62;
  int64_t fr = (int64_t)(hi - (n << 62));
  /* (double)fr in two exact int32 halves, which every vector unit converts */
  double fd = (double)(int32_t)(fr >> 32) * 0x1p32 +
              ((double)(int32_t)((uint32_t)fr ^ 0x80000000u) + 0x1p31);
  double rl = fd * 0x1.921fb54442d18p-62; /* fd * 2^-62 * pi/2 */
  int small = ax < 0x1p20;
  tgv__reduced red;
  red.r = tgv__seld(small, rs, rl);
  red.q = (small ? qs : (uint32_t)n) & 3u;
  return red;
}

/* sin(r) and cos(r) for |r| <= pi/4, Taylor (errors below 2^-44). */
TGV_INLINE double tgv__sin_poly(double r) {
  double z = r * r;
  double p = 1.0 / 6227020800.0;
  p = p * z - 1.0 / 39916800.0;
  p = p * z + 1.0 / 362880.0;
  p = p * z - 1.0 / 5040.0;
  p = p * z + 1.0 / 120.0;
  p = p * z - 1.0 / 6.0;
  return r + r * z * p;
}
TGV_INLINE double tgv__cos_poly(double r) {
  double z = r * r;
  double p = -1.0 / 87178291200.0;
  p = p * z + 1.0 / 479001600.0;
  p = p * z - 1.0 / 3628800.0;
  p = p * z + 1.0 / 40320.0;
  p = p * z - 1.0 / 720.0;
  p = p * z + 1.0 / 24.0;
  p = p * z - 0.5;
  return 1.0 + z * p;
}

/* sin of |x| + q pi/2 from the quadrant: sin, cos, -sin, -cos. */
TGV_INLINE double tgv__sin_quadrant(double r, uint32_t q) {
  double s = tgv__sin_poly(r), c = tgv__cos_poly(r);
  double v = tgv__seld((q & 1u), c, s);
  return tgv__seld((q & 2u), -v, v);
}

TGV_INLINE float tgv_sinf(float x) {
  tgv__reduced red = tgv__rem_pio2f(x);
  double v = tgv__sin_quadrant(red.r, red.q);
  /* sin is odd: flip the sign for negative x (by the bit, so sin(-0) = -0) */
  float r = tgv__flt(tgv__bitsf((float)v) ^ (tgv__bitsf(x) & 0x80000000u));
  return tgv__self(fabsf(x) <= 0x1.fffffep127f, r, NAN);
}

TGV_INLINE float tgv_cosf(float x) {
  tgv__reduced red = tgv__rem_pio2f(x);
  float r = (float)tgv__sin_quadrant(red.r, (red.q + 1u) & 3u); /* cos(a) = sin(a + pi/2) */
  return tgv__self(fabsf(x) <= 0x1.fffffep127f, r, NAN);
}

/* pow as C's powf (which numpy's float32 power calls): 2^(y log2|x|) in double, then the
   sign and the special cases of C99 F.9.4.4. */
TGV_INLINE float tgv_powf(float x, float y) {
  float ax = fabsf(x), ay = fabsf(y);
  tgv__logparts lp = tgv__log_parts((double)ax, 6);
  double lg = lp.k + lp.f * TGV__INVLN2;
  lg = tgv__seld(ax == 0, -(double)INFINITY, lg);
  lg = tgv__seld(ax == INFINITY, (double)INFINITY, lg);
  double t = (double)y * lg; /* NaN when lg is +-inf and y = 0: fixed below */
  float v = (float)tgv__fexp2(t);
  v = tgv__self(t > 150.0, INFINITY, v);
  v = tgv__self(t < -160.0, 0.0f, v);
  /* Is y an integer, an odd one? Below 2^23, adding 2^23 rounds to an integer whose parity
     is the low bit; floats from 2^23 up are integers, from 2^24 up even ones, and infinity
     counts as even. */
  float ay23 = ay + 0x1p23f;
  float w = tgv__self(ay < 0x1p23f, ay23, ay);
  int yint = (ay >= 0x1p23f) | (ay23 - 0x1p23f == ay);
  int yodd = yint & (ay < 0x1p24f) & (int)(tgv__bitsf(w) & 1u);
  float neg = -v;
  v = tgv__self((copysignf(1.0f, x) < 0) & yodd, neg, v); /* odd powers keep the sign, of -0 too */
  v = tgv__self((x < 0) & (x > -INFINITY) & !yint, NAN, v);
  v = tgv__self((ax == 1.0f) & (ay == INFINITY), 1.0f, v); /* pow(-1, +-inf) = 1 */
  float nanr = x + y;
  v = tgv__self((x != x) | (y != y), nanr, v);
  return tgv__self((y == 0) | (x == 1.0f), 1.0f, v); /* even when the other is NaN */
}

#endif
