/* test_elemwise_math.c: values of the floating-point elementwise ops. Every unary float op
   on float64, float32 and the integer/bool inputs it upgrades, against libm on a list with
   the special values (+-0, +-inf, NaN, huge, tiny, domain edges); binary float ops against
   libm and hand cases; floor_div/mod against Python's divmod (hand table); round half to
   even; NaN propagation of minimum/maximum/clip; switch with a NaN condition. The special
   functions (sigmoid, softplus, erfcx, psi, gammaln) are in test_elemwise_special.c. */
#include "harness.h"
#include "elemwise_check.h"

static const double SPECIALS[] = {0.0,   -0.0,   0.5,    -0.5,   1.0,     -1.0,    2.5,
                                  -2.5,  0.999,  -0.999, 10.0,   -10.0,   1e-300,  -1e-300,
                                  1e-10, 700.0,  710.0,  -745.0, -750.0,  1e300,   -1e300,
                                  3.0,   0.1,    NAN,    INFINITY, -INFINITY, 5e-324, 88.8};
#define NSPEC ((int)(sizeof SPECIALS / sizeof SPECIALS[0]))

static double r_neg(double x) { return -x; }
static double r_sqr(double x) { return x * x; }
static double r_recip(double x) { return 1.0 / x; }
static double r_lgamma(double x) { return lgamma(x); }
static double r_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x; }

static const struct {
  const char *name;
  double (*ref)(double);
} UNARY[] = {
    {"exp", exp},       {"exp2", exp2},       {"expm1", expm1},     {"log", log},
    {"log2", log2},     {"log10", log10},     {"log1p", log1p},     {"sqrt", sqrt},
    {"sin", sin},       {"cos", cos},         {"tan", tan},         {"arcsin", asin},
    {"arccos", acos},   {"arctan", atan},     {"sinh", sinh},       {"cosh", cosh},
    {"tanh", tanh},     {"arcsinh", asinh},   {"arccosh", acosh},   {"arctanh", atanh},
    {"erf", erf},       {"erfc", erfc},       {"gammaln", r_lgamma}, {"floor", floor},
    {"ceil", ceil},     {"trunc", trunc},     {"abs", fabs},        {"neg", r_neg},
    {"sqr", r_sqr},     {"reciprocal", r_recip}, {"sign", r_sign},
};
#define NUNARY ((int)(sizeof UNARY / sizeof UNARY[0]))

/* Same value, NaN equal to NaN, and the same sign for zeros (-0 matters: neg, trunc, ...). */
static bool same(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return a == b && signbit(a) == signbit(b);
}

/* float32 results of the native backend: tg_vmath.h computes exp, expm1, log, log1p, tanh,
   sigmoid and softplus in float, within 4 ulp of the correctly rounded result (its contract,
   tests/test_vmath.c), so there a float32 result may be that far from (float)libm(x). The
   reference backend stays exact. */
static bool same_f32(double got, double want) {
  if (same(got, want)) return true;
  const char *linker = tg_config_get("linker");
  if (!linker || strcmp(linker, "native") != 0 || !isfinite(got) || !isfinite(want) ||
      signbit(got) != signbit(want))
    return false;
  float g = (float)got, w = (float)want;
  int32_t gi, wi;
  memcpy(&gi, &g, sizeof gi);
  memcpy(&wi, &w, sizeof wi);
  return (gi > wi ? gi - wi : wi - gi) <= 4;
}

TEST(unary_float64_vs_libm) {
  tg_array *x = ew_vec(TG_FLOAT64, NSPEC, SPECIALS);
  for (int k = 0; k < NUNARY; k++) {
    tg_array *r = ew_run(UNARY[k].name, 1, &x);
    CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
    if (!r) continue;
    for (int i = 0; i < NSPEC; i++) {
      double got = tg_array_get_f64(r, i), want = UNARY[k].ref(SPECIALS[i]);
      if (!same(got, want)) TH_FAIL("%s(%g) = %.17g, libm %.17g", UNARY[k].name, SPECIALS[i], got, want);
      th_checks++;
    }
    tg_array_unref(r);
  }
  tg_array_unref(x);
}

/* float32 results are computed in double and rounded once: exactly (float)libm(x) (within
   4 ulp on the native backend, see same_f32). */
TEST(unary_float32_vs_libm) {
  tg_array *x = ew_vec(TG_FLOAT32, NSPEC, SPECIALS);
  for (int k = 0; k < NUNARY; k++) {
    tg_array *r = ew_run(UNARY[k].name, 1, &x);
    CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
    if (!r) continue;
    for (int i = 0; i < NSPEC; i++) {
      double xi = (float)SPECIALS[i];
      double got = tg_array_get_f64(r, i), want = (float)UNARY[k].ref(xi);
      if (!same_f32(got, want)) TH_FAIL("float32 %s(%g) = %.9g, libm %.9g", UNARY[k].name, xi, got, want);
      th_checks++;
    }
    tg_array_unref(r);
  }
  tg_array_unref(x);
}

/* Integer and bool inputs of float-valued ops: 16-bit and smaller give float32, int32 and
   int64 give float64 (numpy's float16 becomes float32). */
TEST(unary_float_ops_on_ints) {
  static const struct {
    tg_dtype in, out;
  } cases[] = {{TG_BOOL, TG_FLOAT32},  {TG_INT8, TG_FLOAT32},  {TG_UINT8, TG_FLOAT32},
               {TG_INT16, TG_FLOAT32}, {TG_INT32, TG_FLOAT64}, {TG_INT64, TG_FLOAT64}};
  static const double v[] = {0, 1, 2, 3, 7, 100};
  static const char *float_ops[] = {"exp", "log", "sqrt", "sin", "arctan", "tanh", "erf",
                                    "gammaln", "floor", "ceil", "trunc", "reciprocal", "log1p"};
  static double (*refs[])(double) = {exp, log, sqrt, sin, atan, tanh, erf, r_lgamma, floor,
                                     ceil, trunc, r_recip, log1p};
  for (int c = 0; c < 6; c++) {
    int n = cases[c].in == TG_BOOL ? 2 : 6;
    tg_array *x = ew_vec(cases[c].in, n, v);
    for (int k = 0; k < 13; k++) {
      tg_array *r = ew_run(float_ops[k], 1, &x);
      CHECK(r && tg_array_dtype(r) == cases[c].out);
      if (!r) continue;
      for (int i = 0; i < n; i++) {
        double want = refs[k](v[i]);
        if (cases[c].out == TG_FLOAT32) want = (float)want;
        CHECK(cases[c].out == TG_FLOAT32 ? same_f32(tg_array_get_f64(r, i), want)
                                         : same(tg_array_get_f64(r, i), want));
      }
      tg_array_unref(r);
    }
    tg_array_unref(x);
  }
}

TEST(hand_values) {
  static const struct {
    const char *op;
    double x, want;
  } h[] = {{"exp", 0, 1},          {"exp", 1, 2.718281828459045}, {"log", 1, 0},
           {"log", 0, -INFINITY},  {"log2", 8, 3},            {"log10", 1000, 3},
           {"exp2", 10, 1024},     {"expm1", 1e-10, 1.00000000005e-10},
           {"log1p", 1e-10, 9.9999999995e-11}, {"log1p", -1, -INFINITY},
           {"sqrt", 4, 2},         {"sqrt", 2, 1.4142135623730951}, {"sin", 0, 0},
           {"cos", 0, 1},          {"arctan", 1, 0.7853981633974483},
           {"arcsin", 1, 1.5707963267948966}, {"arccos", -1, 3.141592653589793},
           {"tanh", INFINITY, 1},  {"tanh", -1000, -1},        {"arctanh", 1, INFINITY},
           {"arccosh", 1, 0},      {"sinh", 1000, INFINITY},   {"erf", INFINITY, 1},
           {"erfc", -INFINITY, 2}, {"gammaln", 5, 3.1780538303479458}, {"gammaln", 1, 0},
           {"gammaln", 0.5, 0.5723649429247001}, {"gammaln", -0.5, 1.2655121234846454},
           {"gammaln", 0, INFINITY}, {"gammaln", -3, INFINITY}, {"floor", -0.5, -1},
           {"ceil", -0.5, -0.0},   {"trunc", -1.7, -1},        {"abs", -0.0, 0.0},
           {"neg", 0.0, -0.0},     {"reciprocal", -0.0, -INFINITY}, {"sign", -3, -1},
           {"sign", -0.0, 0.0},    {"sqr", -3, 9},             {"exp", 710, INFINITY},
           {"exp", -746, 0}};
  for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
    tg_array *x = ew_scalar(TG_FLOAT64, h[i].x);
    tg_array *r = ew_run(h[i].op, 1, &x);
    CHECK(r != NULL);
    if (r) {
      double got = tg_array_get_f64(r, 0);
      if (!(same(got, h[i].want) || fabs(got - h[i].want) <= 2e-16 * fabs(h[i].want)))
        TH_FAIL("%s(%g) = %.17g, want %.17g", h[i].op, h[i].x, got, h[i].want);
      th_checks++;
    }
    tg_array_unref(r);
    tg_array_unref(x);
  }
  /* domain errors give NaN */
  static const char *nan_ops[] = {"log", "sqrt", "arcsin", "arccosh", "log1p", "log2"};
  static const double nan_x[] = {-1, -1, 2, 0.5, -2, -0.1};
  for (int i = 0; i < 6; i++) {
    tg_array *x = ew_scalar(TG_FLOAT64, nan_x[i]);
    tg_array *r = ew_run(nan_ops[i], 1, &x);
    CHECK(r && isnan(tg_array_get_f64(r, 0)));
    tg_array_unref(r);
    tg_array_unref(x);
  }
}

/* Binary float ops against libm and IEEE arithmetic, float64 and float32. */
TEST(binary_float_vs_libm) {
  static const double A[] = {1, -1, 0, -0.0, 2.5, -8, 1e300, 1e-300, 3, NAN, INFINITY, -INFINITY, 0.5, 7};
  static const double B[] = {3, 0, 0, -1,   -0.5, 1.0 / 3, 1e10, 1e-300, NAN, 2, INFINITY, 2, -2, -0.0};
  enum { N = 14 };
  for (int f32 = 0; f32 < 2; f32++) {
    tg_dtype dt = f32 ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *in[2] = {ew_vec(dt, N, A), ew_vec(dt, N, B)};
    const char *ops[] = {"add", "sub", "mul", "true_div", "pow", "arctan2"};
    for (int k = 0; k < 6; k++) {
      tg_array *r = ew_run(ops[k], 2, in);
      CHECK(r && tg_array_dtype(r) == dt);
      if (!r) continue;
      for (int i = 0; i < N; i++) {
        double a = tg_array_get_f64(in[0], i), b = tg_array_get_f64(in[1], i), w;
        switch (k) {
          case 0: w = a + b; break;
          case 1: w = a - b; break;
          case 2: w = a * b; break;
          case 3: w = a / b; break;
          case 4: w = pow(a, b); break;
          default: w = atan2(a, b); break;
        }
        if (f32) w = (float)w;
        if (!same(tg_array_get_f64(r, i), w))
          TH_FAIL("%s %s(%g, %g) = %.17g, want %.17g", tg_dtype_name(dt), ops[k], a, b,
                  tg_array_get_f64(r, i), w);
        th_checks++;
      }
      tg_array_unref(r);
    }
    tg_array_unref(in[0]);
    tg_array_unref(in[1]);
  }
}

/* Python's divmod for floats (values printed by CPython): floor_div and mod agree with it,
   mod takes the divisor's sign, x // 0 is +-inf or NaN (numpy) and x % 0 is NaN. */
TEST(float_floor_div_mod_python_semantics) {
  static const double t[][4] = {
      {7.5, 2.0, 3.0, 1.5},       {-7.5, 2.0, -4.0, 0.5},   {7.5, -2.0, -4.0, -0.5},
      {-7.5, -2.0, 3.0, -1.5},    {1.0, 0.1, 9.0, 0.09999999999999995},
      {-1.0, 0.1, -10.0, 5.551115123125783e-17}, {5.0, 3.0, 1.0, 2.0}, {-5.0, 3.0, -2.0, 1.0},
      {5.0, -3.0, -2.0, -1.0},    {-5.0, -3.0, 1.0, -2.0},  {0.0, 5.0, 0.0, 0.0},
      {-0.0, 5.0, -0.0, 0.0},     {0.0, -5.0, -0.0, -0.0},  {5.0, INFINITY, 0.0, 5.0},
      {-5.0, INFINITY, -1.0, INFINITY}, {5.0, -INFINITY, -1.0, -INFINITY},
      {-5.0, -INFINITY, 0.0, -5.0}, {6.0, 3.0, 2.0, 0.0},  {-6.0, 3.0, -2.0, 0.0},
      {6.0, -3.0, -2.0, -0.0},    {2.5, 0.5, 5.0, 0.0},
      /* numpy's answers where Python raises ZeroDivisionError */
      {1.0, 0.0, INFINITY, NAN},  {-1.0, 0.0, -INFINITY, NAN}, {0.0, 0.0, NAN, NAN},
      {NAN, 2.0, NAN, NAN},       {2.0, NAN, NAN, NAN},     {INFINITY, 2.0, NAN, NAN}};
  int n = (int)(sizeof t / sizeof t[0]);
  double a[64], b[64];
  for (int i = 0; i < n; i++) a[i] = t[i][0], b[i] = t[i][1];
  tg_array *in[2] = {ew_vec(TG_FLOAT64, n, a), ew_vec(TG_FLOAT64, n, b)};
  tg_array *q = ew_run("floor_div", 2, in), *m = ew_run("mod", 2, in);
  CHECK(q && m);
  for (int i = 0; q && m && i < n; i++) {
    if (!same(tg_array_get_f64(q, i), t[i][2]))
      TH_FAIL("%g // %g = %.17g, Python %.17g", a[i], b[i], tg_array_get_f64(q, i), t[i][2]);
    if (!same(tg_array_get_f64(m, i), t[i][3]))
      TH_FAIL("%g %% %g = %.17g, Python %.17g", a[i], b[i], tg_array_get_f64(m, i), t[i][3]);
    th_checks += 2;
  }
  tg_array_unref(q);
  tg_array_unref(m);
  /* the same table in float32 where every entry is a float32 value */
  tg_array *in32[2] = {ew_vec(TG_FLOAT32, n, a), ew_vec(TG_FLOAT32, n, b)};
  q = ew_run("floor_div", 2, in32);
  m = ew_run("mod", 2, in32);
  CHECK(q && m && tg_array_dtype(q) == TG_FLOAT32);
  for (int i = 0; q && m && i < n; i++) {
    if (a[i] != (float)a[i] || b[i] != (float)b[i] || fabs(a[i]) > 1e30) continue;
    if (i == 4 || i == 5) continue; /* 0.1f is not 0.1 */
    CHECK(same(tg_array_get_f64(q, i), t[i][2]));
    CHECK(same(tg_array_get_f64(m, i), t[i][3]));
  }
  for (int k = 0; k < 2; k++) tg_array_unref(in32[k]), tg_array_unref(in[k]);
  tg_array_unref(q);
  tg_array_unref(m);
}

TEST(float_floor_div_mod_properties) {
  enum { N = 400 };
  double a[N], b[N];
  uint64_t s = 12345;
  for (int i = 0; i < N; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    a[i] = (double)(int64_t)(s >> 40) / 4096.0 - 2000.0;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    b[i] = (double)(int64_t)(s >> 44) / 1024.0 - 500.0;
    if (b[i] == 0) b[i] = 0.25;
  }
  tg_array *in[2] = {ew_vec(TG_FLOAT64, N, a), ew_vec(TG_FLOAT64, N, b)};
  tg_array *q = ew_run("floor_div", 2, in), *m = ew_run("mod", 2, in);
  for (int i = 0; q && m && i < N; i++) {
    double qi = tg_array_get_f64(q, i), mi = tg_array_get_f64(m, i);
    CHECK(qi == floor(qi));
    CHECK(fabs(mi) < fabs(b[i]));
    CHECK(mi == 0 || (mi < 0) == (b[i] < 0));
    CHECK_CLOSE(qi * b[i] + mi, a[i], 0, 1e-9);
    CHECK(qi == floor(a[i] / b[i]) || fabs(a[i] / b[i] - qi) < 1e-9 * fabs(qi) + 1e-9);
  }
  tg_array_unref(q);
  tg_array_unref(m);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
}

/* numpy.round: halves go to the even neighbour, -0.5 gives -0. */
TEST(round_half_to_even) {
  static const double x[] = {0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 0.49999999999999994,
                             0.5000000000000001, 2.4, -2.6, 4503599627370497.0, 1e300, -0.0,
                             INFINITY, -INFINITY, NAN, 1e-300};
  static const double w[] = {0.0, 2.0, 2.0, 4.0, -0.0, -2.0, -2.0, -4.0, 0.0, 1.0, 2.0, -3.0,
                             4503599627370497.0, 1e300, -0.0, INFINITY, -INFINITY, NAN, 0.0};
  int n = (int)(sizeof x / sizeof x[0]);
  for (int f32 = 0; f32 < 2; f32++) {
    tg_array *a = ew_vec(f32 ? TG_FLOAT32 : TG_FLOAT64, n, x);
    tg_array *r = ew_run("round", 1, &a);
    CHECK(r != NULL);
    for (int i = 0; r && i < n; i++) {
      if (f32 && (float)x[i] != x[i]) continue; /* not a float32 value */
      if (!same(tg_array_get_f64(r, i), w[i]))
        TH_FAIL("round(%.17g) = %.17g, want %.17g", x[i], tg_array_get_f64(r, i), w[i]);
      th_checks++;
    }
    tg_array_unref(r);
    tg_array_unref(a);
  }
  /* ints are their own rounding */
  tg_array *i8 = ew_ivec(TG_INT8, 3, (int64_t[]){-128, 5, 127});
  tg_array *r = ew_run("round", 1, &i8);
  CHECK(r && tg_array_dtype(r) == TG_INT8 && tg_array_get_i64(r, 0) == -128 &&
        tg_array_get_i64(r, 2) == 127);
  tg_array_unref(r);
  tg_array_unref(i8);
}

/* numpy.minimum/maximum/clip: a NaN in any operand gives NaN; -0 and 0 compare equal and
   the first operand is kept. */
TEST(minimum_maximum_clip_nan) {
  static const double a[] = {1, NAN, 2, -0.0, 5, -INFINITY};
  static const double b[] = {NAN, 1, 3, 0.0, 4, INFINITY};
  tg_array *in[2] = {ew_vec(TG_FLOAT64, 6, a), ew_vec(TG_FLOAT64, 6, b)};
  tg_array *mn = ew_run("minimum", 2, in), *mx = ew_run("maximum", 2, in);
  CHECK(mn && mx);
  static const double wmn[] = {NAN, NAN, 2, -0.0, 4, -INFINITY};
  static const double wmx[] = {NAN, NAN, 3, -0.0, 5, INFINITY};
  for (int i = 0; mn && mx && i < 6; i++) {
    CHECK(same(tg_array_get_f64(mn, i), wmn[i]));
    CHECK(same(tg_array_get_f64(mx, i), wmx[i]));
  }
  tg_array_unref(mn);
  tg_array_unref(mx);
  /* clip(x, lo, hi) = minimum(maximum(x, lo), hi): NaN anywhere propagates, lo > hi gives hi */
  static const double x[] = {NAN, 0.5, 0.5, -3, 7, 2};
  static const double lo[] = {0, NAN, 0, 0, 0, 5};
  static const double hi[] = {1, 1, NAN, 1, 1, 3};
  static const double want[] = {NAN, NAN, NAN, 0, 1, 3};
  tg_array *c3[3] = {ew_vec(TG_FLOAT64, 6, x), ew_vec(TG_FLOAT64, 6, lo), ew_vec(TG_FLOAT64, 6, hi)};
  tg_array *r = ew_run("clip", 3, c3);
  for (int i = 0; r && i < 6; i++) CHECK(same(tg_array_get_f64(r, i), want[i]));
  CHECK(r != NULL);
  tg_array_unref(r);
  for (int i = 0; i < 3; i++) tg_array_unref(c3[i]);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
}

/* where(cond, a, b): a NaN condition is true (numpy's truth of NaN); any dtype of cond. */
TEST(switch_values) {
  static const double c[] = {NAN, 0.0, -0.0, 2.0, -INFINITY};
  static const double a[] = {1, 2, 3, 4, 5};
  static const double b[] = {-1, -2, -3, -4, -5};
  static const double w[] = {1, -2, -3, 4, 5};
  static const tg_dtype cdts[] = {TG_FLOAT64, TG_FLOAT32, TG_INT8, TG_BOOL, TG_UINT8};
  for (int k = 0; k < 5; k++) {
    tg_array *in[3] = {ew_vec(cdts[k], 5, c), ew_vec(TG_INT16, 5, a), ew_vec(TG_FLOAT32, 5, b)};
    tg_array *r = ew_run("switch", 3, in);
    CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
    for (int i = 0; r && i < 5; i++) {
      double cv = tg_array_get_f64(in[0], i); /* the condition as stored in its dtype */
      if (tg_dtype_is_float(cdts[k])) CHECK(tg_array_get_f64(r, i) == w[i]);
      else CHECK(tg_array_get_f64(r, i) == (cv != 0 ? a[i] : b[i]));
    }
    tg_array_unref(r);
    for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
  }
}

/* Comparisons and predicates on floats: NaN compares unequal to everything, -0 == 0. */
TEST(comparisons_float) {
  static const double a[] = {1, NAN, 0.0, -INFINITY, 2};
  static const double b[] = {2, NAN, -0.0, -INFINITY, 1};
  tg_array *in[2] = {ew_vec(TG_FLOAT64, 5, a), ew_vec(TG_FLOAT32, 5, b)};
  const char *ops[] = {"lt", "gt", "le", "ge", "eq", "neq"};
  for (int k = 0; k < 6; k++) {
    tg_array *r = ew_run(ops[k], 2, in);
    CHECK(r && tg_array_dtype(r) == TG_BOOL);
    for (int i = 0; r && i < 5; i++) {
      bool w = k == 0 ? a[i] < b[i] : k == 1 ? a[i] > b[i] : k == 2 ? a[i] <= b[i]
             : k == 3 ? a[i] >= b[i] : k == 4 ? a[i] == b[i] : a[i] != b[i];
      CHECK(tg_array_get_i64(r, i) == (int64_t)w);
    }
    tg_array_unref(r);
  }
  const char *preds[] = {"isnan", "isinf", "isfinite"};
  static const double p[] = {NAN, INFINITY, -INFINITY, 0, 1e308, -5e-324};
  tg_array *x = ew_vec(TG_FLOAT32, 6, p);
  for (int k = 0; k < 3; k++) {
    tg_array *r = ew_run(preds[k], 1, &x);
    for (int i = 0; r && i < 6; i++) {
      double v = (float)p[i];
      int w = k == 0 ? isnan(v) != 0 : k == 1 ? isinf(v) != 0 : isfinite(v) != 0;
      CHECK(tg_array_get_i64(r, i) == w);
    }
    CHECK(r && tg_array_dtype(r) == TG_BOOL);
    tg_array_unref(r);
  }
  tg_array_unref(x);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
}

/* Logical ops treat any nonzero, NaN included, as true. */
TEST(logical_on_floats) {
  static const double a[] = {0, NAN, -0.0, 2, 0.5};
  static const double b[] = {1, 0, 1, 0, 3};
  tg_array *in[2] = {ew_vec(TG_FLOAT64, 5, a), ew_vec(TG_INT8, 5, b)};
  tg_array *an = ew_run("logical_and", 2, in), *orr = ew_run("logical_or", 2, in);
  tg_array *xo = ew_run("logical_xor", 2, in), *no = ew_run("logical_not", 1, in);
  static const int wand[] = {0, 0, 0, 0, 1}, wor[] = {1, 1, 1, 1, 1}, wxor[] = {1, 1, 1, 1, 0},
                   wnot[] = {1, 0, 1, 0, 0};
  CHECK(an && orr && xo && no);
  for (int i = 0; an && orr && xo && no && i < 5; i++) {
    CHECK(tg_array_get_i64(an, i) == wand[i]);
    CHECK(tg_array_get_i64(orr, i) == wor[i]);
    CHECK(tg_array_get_i64(xo, i) == wxor[i]);
    CHECK(tg_array_get_i64(no, i) == wnot[i]);
  }
  tg_array_unref(an);
  tg_array_unref(orr);
  tg_array_unref(xo);
  tg_array_unref(no);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
}
