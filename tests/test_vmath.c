/* test_vmath.c: the accuracy contract of src/backend/cpu/tg_vmath.h (the math library of
   generated kernels), compiled here straight from the header:
   - float32: a sweep over every STRIDE-th float bit pattern (the whole range, NaNs and
     infinities included) against libm's double function rounded to float (glibc's double
     functions are within 1 ulp of double, so the rounding gives the correctly rounded float
     but for vanishingly rare ties); max ulp per function printed, asserted <= 4; powf on
     random pairs the same way;
   - float64: random bit patterns and dense random ranges against the long double (x87,
     64-bit mantissa) libm, asserted <= 4 ulp;
   - a table of special values per function (NaN, +-inf, +-0, +-smallest subnormal,
     +-FLT_MAX, overflow and underflow thresholds) with the results numpy gives (C99 Annex F),
     compared bit for bit (so -0 and +0 differ), and the branch points of the functions
     computed in float, within MAX_ULP of libm's correctly rounded result;
   - tgi_vmath_src is the header's text, byte for byte.
   The sweep runs on the thread pool; Debug and sanitizer builds use a coarser stride. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/cpu/pool.h"
#include "backend/cpu/tg_vmath.h"
#include "backend/cpu/vmath_text.h"
#include "harness.h"

#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define STRIDE 97u    /* 44 million points per function */
#define DBL_N 400000 /* per function and kind */
#else
#define STRIDE 9973u
#define DBL_N 20000
#endif
#define MAX_ULP 4

/* ---- ulp distances ---- */

/* Position of a float in the ordered sequence of all floats (-0 and +0 both at 0). */
static int64_t ordf(float f) {
  int32_t i;
  memcpy(&i, &f, sizeof i);
  return i < 0 ? -(int64_t)(i & 0x7fffffff) : i;
}
/* Floats between a and b; NaN matches only NaN. */
static int64_t ulpf(float a, float b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : INT64_MAX;
  int64_t d = ordf(a) - ordf(b);
  return d < 0 ? -d : d;
}
/* |r - ref| in units of the double ulp at ref (subnormal ulp below DBL_MIN). */
static double ulpd(double r, long double ref) {
  if (isnan(r) || isnan(ref)) return isnan(r) && isnan(ref) ? 0 : INFINITY;
  double rd = (double)ref;
  if (isinf(rd) || isinf(r)) return rd == r ? 0 : INFINITY;
  int e;
  frexp(rd, &e);
  double u = ldexp(1.0, e - 53 < -1074 ? -1074 : e - 53);
  return (double)(fabsl((long double)r - ref) / u);
}

/* ---- references ---- */
static double ref_sigmoid(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }
static double ref_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static long double refl_sigmoid(long double x) {
  return x >= 0 ? 1 / (1 + expl(-x)) : expl(x) / (1 + expl(x));
}
static long double refl_softplus(long double x) {
  return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

/* ---- float sweep: one task per chunk of the 2^32 bit patterns ---- */
#define NCHUNK 64
typedef struct {
  int64_t worst[NCHUNK];
  uint32_t worst_at[NCHUNK];
} sweep_result;

/* A block at a time so that the tgv call vectorises when the compiler can. */
#define SWEEP_FN(NAME, TGV, REF)                                                  \
  static void sweep_##NAME(void *ctx, int64_t c) {                                \
    sweep_result *res = ctx;                                                      \
    uint64_t lo = ((uint64_t)1 << 32) * (uint64_t)c / NCHUNK;                     \
    uint64_t hi = ((uint64_t)1 << 32) * (uint64_t)(c + 1) / NCHUNK;               \
    lo = (lo + STRIDE - 1) / STRIDE * STRIDE;                                     \
    float x[256], y[256];                                                         \
    res->worst[c] = 0;                                                            \
    res->worst_at[c] = 0;                                                         \
    for (uint64_t b = lo; b < hi;) {                                              \
      int n = 0;                                                                  \
      for (; n < 256 && b < hi; n++, b += STRIDE) {                               \
        uint32_t u = (uint32_t)b;                                                 \
        memcpy(&x[n], &u, sizeof u);                                              \
      }                                                                           \
      for (int i = 0; i < n; i++) y[i] = TGV(x[i]);                               \
      for (int i = 0; i < n; i++) {                                               \
        int64_t d = ulpf(y[i], (float)REF((double)x[i]));                         \
        if (d > res->worst[c]) {                                                  \
          res->worst[c] = d;                                                      \
          memcpy(&res->worst_at[c], &x[i], sizeof(uint32_t));                     \
        }                                                                         \
      }                                                                           \
    }                                                                             \
  }
SWEEP_FN(expf, tgv_expf, exp)
SWEEP_FN(exp2f, tgv_exp2f, exp2)
SWEEP_FN(expm1f, tgv_expm1f, expm1)
SWEEP_FN(logf, tgv_logf, log)
SWEEP_FN(log2f, tgv_log2f, log2)
SWEEP_FN(log10f, tgv_log10f, log10)
SWEEP_FN(log1pf, tgv_log1pf, log1p)
SWEEP_FN(tanhf, tgv_tanhf, tanh)
SWEEP_FN(sigmoidf, tgv_sigmoidf, ref_sigmoid)
SWEEP_FN(softplusf, tgv_softplusf, ref_softplus)
SWEEP_FN(erff, tgv_erff, erf)
SWEEP_FN(erfcf, tgv_erfcf, erfc)
SWEEP_FN(sinf, tgv_sinf, sin)
SWEEP_FN(cosf, tgv_cosf, cos)

static void check_sweep(const char *name, void (*fn)(void *, int64_t)) {
  static sweep_result res;
  tgi_pool_run(NCHUNK, fn, &res);
  int64_t worst = 0;
  uint32_t at = 0;
  for (int c = 0; c < NCHUNK; c++)
    if (res.worst[c] > worst) worst = res.worst[c], at = res.worst_at[c];
  float x;
  memcpy(&x, &at, sizeof x);
  printf("  %-10s max %lld ulp (at %a), every %u-th float\n", name, (long long)worst, (double)x,
         STRIDE);
  th_checks++;
  if (worst > MAX_ULP) TH_FAIL("%s: %lld ulp at %a", name, (long long)worst, (double)x);
}

TEST(float_sweep) {
  check_sweep("expf", sweep_expf);
  check_sweep("exp2f", sweep_exp2f);
  check_sweep("expm1f", sweep_expm1f);
  check_sweep("logf", sweep_logf);
  check_sweep("log2f", sweep_log2f);
  check_sweep("log10f", sweep_log10f);
  check_sweep("log1pf", sweep_log1pf);
  check_sweep("tanhf", sweep_tanhf);
  check_sweep("sigmoidf", sweep_sigmoidf);
  check_sweep("softplusf", sweep_softplusf);
  check_sweep("erff", sweep_erff);
  check_sweep("erfcf", sweep_erfcf);
  check_sweep("sinf", sweep_sinf);
  check_sweep("cosf", sweep_cosf);
}

/* xorshift64: reproducible random bits */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}
static double rnd_unit(void) { return (double)(rnd() >> 11) * 0x1p-53; }

TEST(powf_random) {
  int64_t worst = 0;
  float wx = 0, wy = 0;
  for (int i = 0; i < 8 * DBL_N; i++) {
    float x, y;
    if (i % 4 == 0) { /* any bits */
      uint64_t b = rnd();
      uint32_t ux = (uint32_t)b, uy = (uint32_t)(b >> 32);
      memcpy(&x, &ux, sizeof x);
      memcpy(&y, &uy, sizeof y);
    } else if (i % 4 == 1) { /* results across the whole range */
      x = (float)(rnd_unit() * 20);
      y = (float)(rnd_unit() * 100 - 50);
    } else if (i % 4 == 2) { /* near 1 with large exponents */
      x = (float)(1 + (rnd_unit() - 0.5) * 1e-3);
      y = (float)((rnd_unit() - 0.5) * 2e5);
    } else { /* negative bases with integer exponents */
      x = -(float)(rnd_unit() * 8);
      y = (float)(int)(rnd_unit() * 80 - 40);
    }
    int64_t d = ulpf(tgv_powf(x, y), (float)pow((double)x, (double)y));
    if (d > worst) worst = d, wx = x, wy = y;
  }
  printf("  %-10s max %lld ulp (at %a, %a)\n", "powf", (long long)worst, (double)wx, (double)wy);
  th_checks++;
  if (worst > MAX_ULP) TH_FAIL("powf: %lld ulp at (%a, %a)", (long long)worst, (double)wx, (double)wy);
}

/* ---- double: random bits and a dense range, against long double libm ---- */
static void check_double(const char *name, double (*f)(double), long double (*ref)(long double),
                         double lo, double hi) {
  double worst = 0, wx = 0;
  for (int i = 0; i < 2 * DBL_N; i++) {
    double x;
    if (i & 1) {
      uint64_t b = rnd();
      memcpy(&x, &b, sizeof x);
    } else x = lo + (hi - lo) * rnd_unit();
    double d = ulpd(f(x), ref((long double)x));
    if (d > worst) worst = d, wx = x;
  }
  printf("  %-10s max %.2f ulp (at %a), range [%g, %g] and random bits\n", name, worst, wx, lo, hi);
  th_checks++;
  if (!(worst <= MAX_ULP)) TH_FAIL("%s: %.2f ulp at %a", name, worst, wx);
}
/* Function pointers to the header's inline functions. */
static double d_exp(double x) { return tgv_exp(x); }
static double d_exp2(double x) { return tgv_exp2(x); }
static double d_expm1(double x) { return tgv_expm1(x); }
static double d_log(double x) { return tgv_log(x); }
static double d_log2(double x) { return tgv_log2(x); }
static double d_log10(double x) { return tgv_log10(x); }
static double d_log1p(double x) { return tgv_log1p(x); }
static double d_tanh(double x) { return tgv_tanh(x); }
static double d_sigmoid(double x) { return tgv_sigmoid(x); }
static double d_softplus(double x) { return tgv_softplus(x); }

TEST(double_accuracy) {
  check_double("exp", d_exp, expl, -746, 710);
  check_double("exp", d_exp, expl, -2, 2);
  check_double("exp2", d_exp2, exp2l, -1080, 1025);
  check_double("expm1", d_expm1, expm1l, -1, 1);
  check_double("expm1", d_expm1, expm1l, -45, 710);
  check_double("log", d_log, logl, 0, 4);
  check_double("log", d_log, logl, 0.5, 2);
  check_double("log2", d_log2, log2l, 0.5, 2);
  check_double("log2", d_log2, log2l, 0, 1e10);
  check_double("log10", d_log10, log10l, 0.5, 2);
  check_double("log10", d_log10, log10l, 0, 1e10);
  check_double("log1p", d_log1p, log1pl, -1, 1);
  check_double("log1p", d_log1p, log1pl, -1e-8, 1e-8);
  check_double("tanh", d_tanh, tanhl, -2, 2);
  check_double("tanh", d_tanh, tanhl, -0.01, 0.01);
  check_double("sigmoid", d_sigmoid, refl_sigmoid, -50, 50);
  check_double("sigmoid", d_sigmoid, refl_sigmoid, -750, -30);
  check_double("softplus", d_softplus, refl_softplus, -50, 50);
  check_double("softplus", d_softplus, refl_softplus, -750, 750);
}

/* ---- special values ---- */
#define DMIN 0x1p-149f /* smallest float subnormal */
#define REF_ NAN       /* marker: expected is libm's double result rounded to float */
typedef struct {
  const char *fn;
  float x, y, want; /* y only for pow */
  int ref;          /* 1: want = (float)libm(x) (finite thresholds); 2: within MAX_ULP of it */
} fspecial;

static float call_f(const char *fn, float x, float y) {
  if (!strcmp(fn, "exp")) return tgv_expf(x);
  if (!strcmp(fn, "exp2")) return tgv_exp2f(x);
  if (!strcmp(fn, "expm1")) return tgv_expm1f(x);
  if (!strcmp(fn, "log")) return tgv_logf(x);
  if (!strcmp(fn, "log2")) return tgv_log2f(x);
  if (!strcmp(fn, "log10")) return tgv_log10f(x);
  if (!strcmp(fn, "log1p")) return tgv_log1pf(x);
  if (!strcmp(fn, "tanh")) return tgv_tanhf(x);
  if (!strcmp(fn, "sigmoid")) return tgv_sigmoidf(x);
  if (!strcmp(fn, "softplus")) return tgv_softplusf(x);
  if (!strcmp(fn, "erf")) return tgv_erff(x);
  if (!strcmp(fn, "erfc")) return tgv_erfcf(x);
  if (!strcmp(fn, "sin")) return tgv_sinf(x);
  if (!strcmp(fn, "cos")) return tgv_cosf(x);
  if (!strcmp(fn, "pow")) return tgv_powf(x, y);
  return NAN;
}
static double ref_d(const char *fn, double x, double y) {
  if (!strcmp(fn, "exp")) return exp(x);
  if (!strcmp(fn, "exp2")) return exp2(x);
  if (!strcmp(fn, "expm1")) return expm1(x);
  if (!strcmp(fn, "log")) return log(x);
  if (!strcmp(fn, "log2")) return log2(x);
  if (!strcmp(fn, "log10")) return log10(x);
  if (!strcmp(fn, "log1p")) return log1p(x);
  if (!strcmp(fn, "tanh")) return tanh(x);
  if (!strcmp(fn, "sigmoid")) return ref_sigmoid(x);
  if (!strcmp(fn, "softplus")) return ref_softplus(x);
  if (!strcmp(fn, "erf")) return erf(x);
  if (!strcmp(fn, "erfc")) return erfc(x);
  if (!strcmp(fn, "sin")) return sin(x);
  if (!strcmp(fn, "cos")) return cos(x);
  if (!strcmp(fn, "pow")) return pow(x, y);
  return NAN;
}

#define I INFINITY
#define M FLT_MAX
static const fspecial fspecials[] = {
    /* exp: overflow above log(FLT_MAX + ulp/2) = 88.7228391..., zero below -103.97 */
    {"exp", NAN, 0, NAN, 0}, {"exp", I, 0, I, 0}, {"exp", -I, 0, 0.0f, 0},
    {"exp", 0.0f, 0, 1, 0}, {"exp", -0.0f, 0, 1, 0}, {"exp", DMIN, 0, 1, 0},
    {"exp", -DMIN, 0, 1, 0}, {"exp", M, 0, I, 0}, {"exp", -M, 0, 0.0f, 0},
    {"exp", 0x1.62e42ep+6f, 0, REF_, 1}, {"exp", 0x1.62e430p+6f, 0, I, 0},
    {"exp", -0x1.9fe368p+6f, 0, REF_, 1}, {"exp", -0x1.9d1da0p+6f, 0, REF_, 1},
    {"exp", -0x1.9fe36ap+6f, 0, 0.0f, 0}, {"exp", -104.0f, 0, 0.0f, 0}, {"exp", 1.0f, 0, REF_, 1},
    /* exp2 */
    {"exp2", NAN, 0, NAN, 0}, {"exp2", I, 0, I, 0}, {"exp2", -I, 0, 0.0f, 0},
    {"exp2", 0.0f, 0, 1, 0}, {"exp2", -0.0f, 0, 1, 0}, {"exp2", 10, 0, 1024, 0},
    {"exp2", 127, 0, 0x1p127f, 0}, {"exp2", 128, 0, I, 0}, {"exp2", -126, 0, 0x1p-126f, 0},
    {"exp2", -149, 0, DMIN, 0}, {"exp2", -150, 0, 0.0f, 0}, {"exp2", -149.5f, 0, DMIN, 0},
    {"exp2", M, 0, I, 0}, {"exp2", -M, 0, 0.0f, 0},
    /* expm1 */
    {"expm1", NAN, 0, NAN, 0}, {"expm1", I, 0, I, 0}, {"expm1", -I, 0, -1, 0},
    {"expm1", 0.0f, 0, 0.0f, 0}, {"expm1", -0.0f, 0, -0.0f, 0}, {"expm1", DMIN, 0, DMIN, 0},
    {"expm1", -DMIN, 0, -DMIN, 0}, {"expm1", 1e-30f, 0, 1e-30f, 0}, {"expm1", M, 0, I, 0},
    {"expm1", -M, 0, -1, 0}, {"expm1", 0x1.62e430p+6f, 0, I, 0}, {"expm1", -104, 0, -1, 0},
    {"expm1", 0.3f, 0, REF_, 1}, {"expm1", -0.3f, 0, REF_, 1},
    /* log, log2, log10: log(-0) = -inf, log(x < 0) = NaN */
    {"log", NAN, 0, NAN, 0}, {"log", I, 0, I, 0}, {"log", -I, 0, NAN, 0},
    {"log", 0.0f, 0, -I, 0}, {"log", -0.0f, 0, -I, 0}, {"log", -1, 0, NAN, 0},
    {"log", -DMIN, 0, NAN, 0}, {"log", 1, 0, 0.0f, 0}, {"log", DMIN, 0, REF_, 1},
    {"log", M, 0, REF_, 1}, {"log", 0x1p-126f, 0, REF_, 1},
    {"log2", NAN, 0, NAN, 0}, {"log2", I, 0, I, 0}, {"log2", -I, 0, NAN, 0},
    {"log2", 0.0f, 0, -I, 0}, {"log2", -0.0f, 0, -I, 0}, {"log2", -1, 0, NAN, 0},
    {"log2", 1, 0, 0.0f, 0}, {"log2", 1024, 0, 10, 0}, {"log2", 0.5f, 0, -1, 0},
    {"log2", DMIN, 0, -149, 0}, {"log2", M, 0, 128, 0},
    {"log10", NAN, 0, NAN, 0}, {"log10", I, 0, I, 0}, {"log10", -I, 0, NAN, 0},
    {"log10", 0.0f, 0, -I, 0}, {"log10", -0.0f, 0, -I, 0}, {"log10", -1, 0, NAN, 0},
    {"log10", 1, 0, 0.0f, 0}, {"log10", 10, 0, 1, 0}, {"log10", 1000, 0, 3, 0},
    {"log10", DMIN, 0, REF_, 1}, {"log10", M, 0, REF_, 1},
    /* log1p */
    {"log1p", NAN, 0, NAN, 0}, {"log1p", I, 0, I, 0}, {"log1p", -I, 0, NAN, 0},
    {"log1p", -1, 0, -I, 0}, {"log1p", -2, 0, NAN, 0}, {"log1p", 0.0f, 0, 0.0f, 0},
    {"log1p", -0.0f, 0, -0.0f, 0}, {"log1p", DMIN, 0, DMIN, 0}, {"log1p", -DMIN, 0, -DMIN, 0},
    {"log1p", 1e-30f, 0, 1e-30f, 0}, {"log1p", M, 0, REF_, 1},
    {"log1p", -0x1.fffffep-1f, 0, REF_, 1},
    /* tanh */
    {"tanh", NAN, 0, NAN, 0}, {"tanh", I, 0, 1, 0}, {"tanh", -I, 0, -1, 0},
    {"tanh", 0.0f, 0, 0.0f, 0}, {"tanh", -0.0f, 0, -0.0f, 0}, {"tanh", DMIN, 0, DMIN, 0},
    {"tanh", -DMIN, 0, -DMIN, 0}, {"tanh", 1e-30f, 0, 1e-30f, 0}, {"tanh", 10, 0, 1, 0},
    {"tanh", -10, 0, -1, 0}, {"tanh", M, 0, 1, 0}, {"tanh", -M, 0, -1, 0},
    {"tanh", 0.5f, 0, REF_, 1},
    /* sigmoid (scipy.special.expit) */
    {"sigmoid", NAN, 0, NAN, 0}, {"sigmoid", I, 0, 1, 0}, {"sigmoid", -I, 0, 0.0f, 0},
    {"sigmoid", 0.0f, 0, 0.5f, 0}, {"sigmoid", -0.0f, 0, 0.5f, 0}, {"sigmoid", M, 0, 1, 0},
    {"sigmoid", -M, 0, 0.0f, 0}, {"sigmoid", 20, 0, 1, 0}, {"sigmoid", -88, 0, REF_, 1},
    {"sigmoid", -100, 0, REF_, 1}, {"sigmoid", -103.9f, 0, REF_, 1},
    {"sigmoid", -104, 0, 0.0f, 0},
    /* softplus = np.logaddexp(0, x) */
    {"softplus", NAN, 0, NAN, 0}, {"softplus", I, 0, I, 0}, {"softplus", -I, 0, 0.0f, 0},
    {"softplus", 0.0f, 0, REF_, 1}, {"softplus", -0.0f, 0, REF_, 1},
    {"softplus", M, 0, M, 0}, {"softplus", -M, 0, 0.0f, 0}, {"softplus", 100, 0, 100, 0},
    {"softplus", -100, 0, REF_, 1}, {"softplus", 20, 0, 20, 0},
    /* erf, erfc */
    {"erf", NAN, 0, NAN, 0}, {"erf", I, 0, 1, 0}, {"erf", -I, 0, -1, 0},
    {"erf", 0.0f, 0, 0.0f, 0}, {"erf", -0.0f, 0, -0.0f, 0}, {"erf", DMIN, 0, REF_, 1},
    {"erf", -DMIN, 0, REF_, 1}, {"erf", 4, 0, 1, 0}, {"erf", -10, 0, -1, 0},
    {"erf", M, 0, 1, 0}, {"erf", 0.5f, 0, REF_, 1},
    {"erfc", NAN, 0, NAN, 0}, {"erfc", I, 0, 0.0f, 0}, {"erfc", -I, 0, 2, 0},
    {"erfc", 0.0f, 0, 1, 0}, {"erfc", -0.0f, 0, 1, 0}, {"erfc", 10, 0, REF_, 1},
    {"erfc", 9.5f, 0, REF_, 1}, {"erfc", 11, 0, 0.0f, 0}, {"erfc", -11, 0, 2, 0},
    {"erfc", M, 0, 0.0f, 0}, {"erfc", -M, 0, 2, 0},
    /* sin, cos: NaN for +-inf; huge arguments reduced exactly */
    {"sin", NAN, 0, NAN, 0}, {"sin", I, 0, NAN, 0}, {"sin", -I, 0, NAN, 0},
    {"sin", 0.0f, 0, 0.0f, 0}, {"sin", -0.0f, 0, -0.0f, 0}, {"sin", DMIN, 0, DMIN, 0},
    {"sin", -DMIN, 0, -DMIN, 0}, {"sin", M, 0, REF_, 1}, {"sin", -M, 0, REF_, 1},
    {"sin", 0x1p20f, 0, REF_, 1}, {"sin", 0x1.fffffep19f, 0, REF_, 1},
    {"sin", 3.14159274f, 0, REF_, 1}, {"sin", 1e30f, 0, REF_, 1},
    {"cos", NAN, 0, NAN, 0}, {"cos", I, 0, NAN, 0}, {"cos", -I, 0, NAN, 0},
    {"cos", 0.0f, 0, 1, 0}, {"cos", -0.0f, 0, 1, 0}, {"cos", DMIN, 0, 1, 0},
    {"cos", M, 0, REF_, 1}, {"cos", -M, 0, REF_, 1}, {"cos", 1.57079637f, 0, REF_, 1},
    {"cos", 1e30f, 0, REF_, 1},
    /* the branch points of the functions computed in float (tg_vmath.h "single
       precision"): exp's and expm1's reduction steps (|x| near ln2/2, 3 ln2/2), tanh's
       polynomial/exp switch at 0.625, log's mantissa split at sqrt(1/2) and subnormal
       inputs, log1p's u = 1 + x rounding, sigmoid's and softplus' tails; rows with ref 2
       must be within MAX_ULP of libm's correctly rounded result */
    {"exp", 0x1.62e42ep-2f, 0, REF_, 2}, {"exp", 0x1.62e430p-2f, 0, REF_, 2},
    {"exp", -0x1.62e430p-2f, 0, REF_, 2}, {"exp", 0x1.0a2b24p+0f, 0, REF_, 2},
    {"exp", -87.3f, 0, REF_, 2}, {"exp", -100.0f, 0, REF_, 2}, {"exp", 1e-7f, 0, REF_, 2},
    {"expm1", 0x1.62e42ep-2f, 0, REF_, 2}, {"expm1", 0x1.62e430p-2f, 0, REF_, 2},
    {"expm1", -0x1.62e42ep-2f, 0, REF_, 2}, {"expm1", -0x1.62e430p-2f, 0, REF_, 2},
    {"expm1", 0x1.0a2b24p+0f, 0, REF_, 2}, {"expm1", 88.7f, 0, REF_, 2},
    {"expm1", -17.0f, 0, REF_, 2}, {"expm1", -18.0f, 0, -1, 0}, {"expm1", 1e-8f, 0, REF_, 2},
    {"expm1", -29.9f, 0, -1, 0},
    {"tanh", 0.625f, 0, REF_, 2}, {"tanh", 0x1.3ffffep-1f, 0, REF_, 2},
    {"tanh", -0.625f, 0, REF_, 2}, {"tanh", 9.0f, 0, REF_, 2}, {"tanh", 20.5f, 0, 1, 0},
    {"tanh", 1e-5f, 0, REF_, 2}, {"tanh", -3.0f, 0, REF_, 2},
    {"log", 0x1.6a09e6p-1f, 0, REF_, 2}, {"log", 0x1.6a09e8p-1f, 0, REF_, 2},
    {"log", 0x1.fffffep-1f, 0, REF_, 2}, {"log", 0x1.000002p+0f, 0, REF_, 2},
    {"log", 0x1.fffffcp-127f, 0, REF_, 2}, {"log", 0x1.6a09e6p-140f, 0, REF_, 2},
    {"log", 0x1.6a09e6p+0f, 0, REF_, 2}, {"log", 2.0f, 0, REF_, 2},
    {"log1p", -0.5f, 0, REF_, 2}, {"log1p", -0x1.fffffep-2f, 0, REF_, 2},
    {"log1p", 1e-7f, 0, REF_, 2}, {"log1p", -0x1.2bec34p-2f, 0, REF_, 2},
    {"log1p", 0x1.6a09e6p-2f, 0, REF_, 2}, {"log1p", 1e30f, 0, REF_, 2},
    {"sigmoid", -0x1.9fe368p+6f, 0, REF_, 2}, {"sigmoid", 0.625f, 0, REF_, 2},
    {"sigmoid", -0.625f, 0, REF_, 2}, {"sigmoid", 16.0f, 0, REF_, 2},
    {"softplus", 17.0f, 0, REF_, 2}, {"softplus", -17.0f, 0, REF_, 2},
    {"softplus", 1e-30f, 0, REF_, 2}, {"softplus", -90.0f, 0, REF_, 2},
    /* pow: C99 F.9.4.4, which numpy's float32 power follows */
    {"pow", NAN, 0.0f, 1, 0}, {"pow", NAN, -0.0f, 1, 0}, {"pow", 1, NAN, 1, 0},
    {"pow", 1, I, 1, 0}, {"pow", NAN, 1, NAN, 0}, {"pow", 2, NAN, NAN, 0},
    {"pow", -1, NAN, NAN, 0}, {"pow", -1, I, 1, 0}, {"pow", -1, -I, 1, 0},
    {"pow", 0.5f, I, 0.0f, 0}, {"pow", 0.5f, -I, I, 0}, {"pow", 2, I, I, 0},
    {"pow", 2, -I, 0.0f, 0}, {"pow", -2, 3, -8, 0}, {"pow", -2, 2, 4, 0},
    {"pow", -2, 0.5f, NAN, 0}, {"pow", -8, 1.0f / 3, NAN, 0}, {"pow", -1, 0.5f, NAN, 0},
    {"pow", -0.0f, 3, -0.0f, 0}, {"pow", -0.0f, 2, 0.0f, 0}, {"pow", -0.0f, 0.5f, 0.0f, 0},
    {"pow", -0.0f, -3, -I, 0}, {"pow", -0.0f, -2, I, 0}, {"pow", -0.0f, -0.5f, I, 0},
    {"pow", 0.0f, -1, I, 0}, {"pow", 0.0f, 1, 0.0f, 0}, {"pow", -I, 3, -I, 0},
    {"pow", -I, 2, I, 0}, {"pow", -I, -3, -0.0f, 0}, {"pow", -I, -2, 0.0f, 0},
    {"pow", -I, 0.5f, I, 0}, {"pow", I, -1, 0.0f, 0}, {"pow", I, 0.5f, I, 0},
    {"pow", 2, 128, I, 0}, {"pow", 2, -150, 0.0f, 0}, {"pow", 2, -149, DMIN, 0},
    {"pow", 2, 10, 1024, 0}, {"pow", -1, 3, -1, 0}, {"pow", -1, 16777215.0f, -1, 0},
    {"pow", -1, 8388609.0f, -1, 0}, {"pow", -1, 8388610.0f, 1, 0},
    {"pow", -2, 16777216.0f, I, 0}, {"pow", M, 2, I, 0}, {"pow", 10, -45, REF_, 1},
    {"pow", 3, 0.5f, REF_, 1},
};
#undef I
#undef M

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

TEST(float_special_values) {
  for (size_t i = 0; i < sizeof fspecials / sizeof fspecials[0]; i++) {
    const fspecial *s = &fspecials[i];
    float got = call_f(s->fn, s->x, s->y);
    float want = s->ref ? (float)ref_d(s->fn, (double)s->x, (double)s->y) : s->want;
    th_checks++;
    int ok = isnan(want) ? isnan(got)
             : s->ref == 2 ? ulpf(got, want) <= MAX_ULP && !isnan(got)
                           : fbits(got) == fbits(want);
    if (!ok)
      TH_FAIL("%s(%a%s%a): got %a, want %a", s->fn, (double)s->x, strcmp(s->fn, "pow") ? "" : ", ",
              strcmp(s->fn, "pow") ? 0.0 : (double)s->y, (double)got, (double)want);
  }
  /* the reference itself: these thresholds are the ones the table claims */
  CHECK(isinf((float)exp((double)0x1.62e430p+6f)) && !isinf((float)exp((double)0x1.62e42ep+6f)));
  CHECK((float)exp((double)-0x1.9fe368p+6f) == 0x1p-149f);
}

/* double special values; "ref" rows compare with long double libm rounded to double. */
typedef struct {
  double (*f)(double);
  const char *name;
  double x, want;
} dspecial;
#define DI INFINITY
#define DM DBL_MAX
#define DD 0x1p-1074 /* smallest double subnormal */
TEST(double_special_values) {
  const dspecial t[] = {
      {d_exp, "exp", NAN, NAN}, {d_exp, "exp", DI, DI}, {d_exp, "exp", -DI, 0.0},
      {d_exp, "exp", 0.0, 1}, {d_exp, "exp", -0.0, 1}, {d_exp, "exp", DM, DI},
      {d_exp, "exp", -DM, 0.0}, {d_exp, "exp", 709.8, DI}, {d_exp, "exp", -746, 0.0},
      {d_exp, "exp", -745.1, DD}, {d_exp, "exp", DD, 1},
      {d_exp2, "exp2", NAN, NAN}, {d_exp2, "exp2", DI, DI}, {d_exp2, "exp2", -DI, 0.0},
      {d_exp2, "exp2", 1024, DI}, {d_exp2, "exp2", 1023, 0x1p1023}, {d_exp2, "exp2", -1074, DD},
      {d_exp2, "exp2", -1075, 0.0}, {d_exp2, "exp2", -1022, 0x1p-1022}, {d_exp2, "exp2", -0.0, 1},
      {d_expm1, "expm1", NAN, NAN}, {d_expm1, "expm1", DI, DI}, {d_expm1, "expm1", -DI, -1},
      {d_expm1, "expm1", -0.0, -0.0}, {d_expm1, "expm1", 0.0, 0.0}, {d_expm1, "expm1", DD, DD},
      {d_expm1, "expm1", -DD, -DD}, {d_expm1, "expm1", 709.8, DI}, {d_expm1, "expm1", -50, -1},
      {d_log, "log", NAN, NAN}, {d_log, "log", DI, DI}, {d_log, "log", -DI, NAN},
      {d_log, "log", 0.0, -DI}, {d_log, "log", -0.0, -DI}, {d_log, "log", -1, NAN},
      {d_log, "log", 1, 0.0}, {d_log, "log", -DD, NAN},
      {d_log2, "log2", DD, -1074}, {d_log2, "log2", 0x1p-1022, -1022}, {d_log2, "log2", 0.0, -DI},
      {d_log2, "log2", 8, 3}, {d_log2, "log2", DI, DI}, {d_log2, "log2", -2, NAN},
      {d_log10, "log10", 0.0, -DI}, {d_log10, "log10", 1, 0.0}, {d_log10, "log10", 10, 1},
      {d_log10, "log10", 1e22, 22}, {d_log10, "log10", -1, NAN}, {d_log10, "log10", DI, DI},
      {d_log1p, "log1p", NAN, NAN}, {d_log1p, "log1p", DI, DI}, {d_log1p, "log1p", -DI, NAN},
      {d_log1p, "log1p", -1, -DI}, {d_log1p, "log1p", -2, NAN}, {d_log1p, "log1p", -0.0, -0.0},
      {d_log1p, "log1p", 0.0, 0.0}, {d_log1p, "log1p", DD, DD}, {d_log1p, "log1p", -DD, -DD},
      {d_tanh, "tanh", NAN, NAN}, {d_tanh, "tanh", DI, 1}, {d_tanh, "tanh", -DI, -1},
      {d_tanh, "tanh", -0.0, -0.0}, {d_tanh, "tanh", 0.0, 0.0}, {d_tanh, "tanh", DD, DD},
      {d_tanh, "tanh", -DD, -DD}, {d_tanh, "tanh", 30, 1}, {d_tanh, "tanh", -DM, -1},
      {d_sigmoid, "sigmoid", NAN, NAN}, {d_sigmoid, "sigmoid", DI, 1},
      {d_sigmoid, "sigmoid", -DI, 0.0}, {d_sigmoid, "sigmoid", 0.0, 0.5},
      {d_sigmoid, "sigmoid", -0.0, 0.5}, {d_sigmoid, "sigmoid", -745.1, DD},
      {d_sigmoid, "sigmoid", -DM, 0.0}, {d_sigmoid, "sigmoid", DM, 1},
      {d_softplus, "softplus", NAN, NAN}, {d_softplus, "softplus", DI, DI},
      {d_softplus, "softplus", -DI, 0.0}, {d_softplus, "softplus", DM, DM},
      {d_softplus, "softplus", -DM, 0.0}, {d_softplus, "softplus", -745.1, DD},
      {d_softplus, "softplus", 1000, 1000},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    double got = t[i].f(t[i].x);
    uint64_t g, w;
    memcpy(&g, &got, sizeof g);
    memcpy(&w, &t[i].want, sizeof w);
    th_checks++;
    int ok = isnan(t[i].want) ? isnan(got) : g == w;
    if (!ok) TH_FAIL("%s(%a): got %a, want %a", t[i].name, t[i].x, got, t[i].want);
  }
}
#undef DI
#undef DM
#undef DD

TEST(embedded_text) {
  FILE *f = fopen(TG_SOURCE_DIR "/src/backend/cpu/tg_vmath.h", "rb");
  CHECK(f != NULL);
  if (!f) return;
  static char buf[1 << 18];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  CHECK(n > 1000 && n < sizeof buf - 1);
  CHECK(strlen(tgi_vmath_src) == n);
  CHECK(strcmp(tgi_vmath_src, buf) == 0);
  CHECK(strstr(tgi_vmath_src, "tgv_expf") != NULL);
}
