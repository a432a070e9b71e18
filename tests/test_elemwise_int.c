/* test_elemwise_int.c: integer and bool semantics of the elementwise ops. Wrapping
   arithmetic; floor_div/mod against Python's definition, exhaustively on int8 and uint8
   and on edge and random pairs for the wider types; division by zero (0) and INT_MIN // -1
   (INT_MIN); integer pow (wrapping, negative exponents); shifts past the width and by
   negative counts; bitwise ops and invert; comparisons across signedness; bool inputs. */
#include "harness.h"
#include "elemwise_check.h"

static const tg_dtype SIGNED[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64};
static const int WIDTH[] = {8, 16, 32, 64};

/* v reduced to a signed w-bit integer (two's complement), computed with 128-bit math. */
static int64_t wrap(__int128 v, int w) {
  unsigned __int128 m = (unsigned __int128)1 << w;
  unsigned __int128 u = (unsigned __int128)v & (m - 1);
  if (w < 128 && u >= m / 2) return (int64_t)((__int128)u - (__int128)m);
  return (int64_t)u;
}

static tg_array *bin(const char *op, tg_array *a, tg_array *b) {
  tg_array *in[2] = {a, b};
  tg_array *r = ew_run(op, 2, in);
  if (!r) TH_FAIL("%s failed: %s", op, ew_err);
  return r;
}

TEST(add_sub_mul_neg_abs_wrap) {
  for (int k = 0; k < 4; k++) {
    tg_dtype dt = SIGNED[k];
    int w = WIDTH[k];
    int64_t mx = (int64_t)(((unsigned __int128)1 << (w - 1)) - 1), mn = -mx - 1;
    int64_t av[] = {mx, mn, mn, mx, 16, -7, mn};
    int64_t bv[] = {1, -1, -1, mx, 1LL << (w / 2), 3, 2};
    tg_array *a = ew_ivec(dt, 7, av), *b = ew_ivec(dt, 7, bv);
    tg_array *s = bin("add", a, b), *d = bin("sub", a, b), *m = bin("mul", a, b);
    tg_array *ng = ew_run("neg", 1, &a), *ab = ew_run("abs", 1, &a), *sq = ew_run("sqr", 1, &a);
    for (int i = 0; s && d && m && ng && ab && sq && i < 7; i++) {
      __int128 x = av[i], y = bv[i];
      CHECK(tg_array_get_i64(s, i) == wrap(x + y, w));
      CHECK(tg_array_get_i64(d, i) == wrap(x - y, w));
      CHECK(tg_array_get_i64(m, i) == wrap(x * y, w));
      CHECK(tg_array_get_i64(ng, i) == wrap(-x, w));
      CHECK(tg_array_get_i64(ab, i) == wrap(x < 0 ? -x : x, w)); /* abs(INT_MIN) = INT_MIN */
      CHECK(tg_array_get_i64(sq, i) == wrap(x * x, w));
    }
    CHECK(s && tg_array_dtype(s) == dt && tg_array_get_i64(s, 0) == mn); /* MAX + 1 */
    tg_array *all[] = {a, b, s, d, m, ng, ab, sq};
    for (int i = 0; i < 8; i++) tg_array_unref(all[i]);
  }
  /* uint8 wraps modulo 256 */
  tg_array *a = ew_ivec(TG_UINT8, 3, (int64_t[]){255, 0, 200});
  tg_array *b = ew_ivec(TG_UINT8, 3, (int64_t[]){1, 1, 2});
  tg_array *s = bin("add", a, b), *d = bin("sub", a, b), *m = bin("mul", a, b);
  tg_array *ng = ew_run("neg", 1, &b);
  CHECK(s && tg_array_get_i64(s, 0) == 0 && tg_array_get_i64(s, 2) == 202);
  CHECK(d && tg_array_get_i64(d, 1) == 255);
  CHECK(m && tg_array_get_i64(m, 2) == 144);
  CHECK(ng && tg_array_dtype(ng) == TG_UINT8 && tg_array_get_i64(ng, 0) == 255);
  tg_array *all[] = {a, b, s, d, m, ng};
  for (int i = 0; i < 6; i++) tg_array_unref(all[i]);
}

/* Python's floor division and modulo, characterised without dividing: for b != 0 the pair
   (q, r) is the unique one with a == q*b + r and r in [0, b) (b > 0) or (b, 0] (b < 0).
   By zero both are 0; results wrap to the dtype (INT_MIN // -1 == INT_MIN). */
static bool py_divmod_ok(int64_t a, int64_t b, int64_t q, int64_t r, int w) {
  if (b == 0) return q == 0 && r == 0;
  __int128 tq = (__int128)q, tr = r;
  bool rin = b > 0 ? (tr >= 0 && tr < b) : (tr <= 0 && tr > b);
  if (!rin) return false;
  /* q may have wrapped (only for MIN // -1); compare modulo 2^w */
  return wrap(tq * b + tr, w) == wrap(a, w) &&
         (wrap((__int128)a - tr, w) == wrap(tq * b, w));
}

TEST(floor_div_mod_exhaustive_8bit) {
  for (int u = 0; u < 2; u++) {
    tg_dtype dt = u ? TG_UINT8 : TG_INT8;
    int64_t lo = u ? 0 : -128;
    enum { N = 256 * 256 };
    static int64_t av[N], bv[N];
    for (int i = 0; i < N; i++) av[i] = lo + i / 256, bv[i] = lo + i % 256;
    tg_array *a = ew_ivec(dt, N, av), *b = ew_ivec(dt, N, bv);
    tg_array *q = bin("floor_div", a, b), *r = bin("mod", a, b);
    CHECK(q && r && tg_array_dtype(q) == dt && tg_array_dtype(r) == dt);
    int bad = 0;
    for (int i = 0; q && r && i < N; i++) {
      int64_t qi = tg_array_get_i64(q, i), ri = tg_array_get_i64(r, i);
      bool ok = py_divmod_ok(av[i], bv[i], qi, ri, u ? 9 : 8);
      if (u) ok = ok || (bv[i] == 0 && qi == 0 && ri == 0);
      /* the exact quotient, where it fits the dtype: floor of the rational a/b */
      if (ok && bv[i] != 0 && !(av[i] == -128 && bv[i] == -1)) {
        double f = floor((double)av[i] / (double)bv[i]);
        ok = qi == (int64_t)f && ri == av[i] - (int64_t)f * bv[i];
      }
      if (!ok && bad++ < 5)
        TH_FAIL("%s: %lld // %lld = %lld, %% = %lld", tg_dtype_name(dt), (long long)av[i],
                (long long)bv[i], (long long)qi, (long long)ri);
    }
    th_checks++;
    CHECK(bad == 0);
    tg_array_unref(a);
    tg_array_unref(b);
    tg_array_unref(q);
    tg_array_unref(r);
  }
}

TEST(floor_div_mod_wide_types) {
  for (int k = 1; k < 4; k++) {
    tg_dtype dt = SIGNED[k];
    int w = WIDTH[k];
    int64_t mx = (int64_t)(((unsigned __int128)1 << (w - 1)) - 1), mn = -mx - 1;
    enum { N = 600 };
    int64_t av[N], bv[N];
    int64_t edge[] = {0, 1, -1, 2, -2, 3, -3, 7, -7, mx, mn, mx - 1, mn + 1, mx / 3, mn / 5};
    int n = 0;
    for (int i = 0; i < 15; i++)
      for (int j = 0; j < 15; j++) av[n] = edge[i], bv[n] = edge[j], n++;
    uint64_t s = 99 + (uint64_t)k;
    while (n < N) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      av[n] = wrap((__int128)(int64_t)s, w);
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      bv[n] = wrap((__int128)((int64_t)s >> (s & 63)), w);
      n++;
    }
    tg_array *a = ew_ivec(dt, N, av), *b = ew_ivec(dt, N, bv);
    tg_array *q = bin("floor_div", a, b), *r = bin("mod", a, b);
    int bad = 0;
    for (int i = 0; q && r && i < N; i++) {
      int64_t qi = tg_array_get_i64(q, i), ri = tg_array_get_i64(r, i);
      if (!py_divmod_ok(av[i], bv[i], qi, ri, w) && bad++ < 5)
        TH_FAIL("%s: %lld // %lld = %lld, %% = %lld", tg_dtype_name(dt), (long long)av[i],
                (long long)bv[i], (long long)qi, (long long)ri);
    }
    th_checks++;
    CHECK(bad == 0);
    tg_array_unref(a);
    tg_array_unref(b);
    tg_array_unref(q);
    tg_array_unref(r);
  }
}

/* Documented (docs/dtypes.md): x // 0 == 0, x % 0 == 0, MIN // -1 == MIN, MIN % -1 == 0,
   for every integer dtype; bools divide as int8. */
TEST(int_division_by_zero_and_min_over_minus_one) {
  static const tg_dtype dts[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};
  static const int64_t mins[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN, 0};
  for (int k = 0; k < 5; k++) {
    tg_array *a = ew_ivec(dts[k], 4, (int64_t[]){5, -5, 0, mins[k]});
    tg_array *z = ew_ivec(dts[k], 4, (int64_t[]){0, 0, 0, dts[k] == TG_UINT8 ? 0 : -1});
    tg_array *q = bin("floor_div", a, z), *r = bin("mod", a, z);
    for (int i = 0; q && r && i < 3; i++) {
      CHECK(tg_array_get_i64(q, i) == 0);
      CHECK(tg_array_get_i64(r, i) == 0);
    }
    CHECK(q && tg_array_get_i64(q, 3) == mins[k]);
    CHECK(r && tg_array_get_i64(r, 3) == 0);
    /* true_div is float: x / 0 is +-inf, 0 / 0 NaN */
    tg_array *t = bin("true_div", a, z);
    CHECK(t && tg_array_dtype(t) == TG_FLOAT64);
    if (dts[k] != TG_UINT8) CHECK(t && tg_array_get_f64(t, 0) == INFINITY && tg_array_get_f64(t, 1) == -INFINITY);
    CHECK(t && isnan(tg_array_get_f64(t, 2)));
    tg_array *all[] = {a, z, q, r, t};
    for (int i = 0; i < 5; i++) tg_array_unref(all[i]);
  }
  tg_array *bt = ew_ivec(TG_BOOL, 2, (int64_t[]){1, 1}), *bf = ew_ivec(TG_BOOL, 2, (int64_t[]){1, 0});
  tg_array *q = bin("floor_div", bt, bf), *r = bin("mod", bt, bf);
  CHECK(q && tg_array_dtype(q) == TG_INT8 && tg_array_get_i64(q, 0) == 1 && tg_array_get_i64(q, 1) == 0);
  CHECK(r && tg_array_dtype(r) == TG_INT8 && tg_array_get_i64(r, 0) == 0 && tg_array_get_i64(r, 1) == 0);
  tg_array *all[] = {bt, bf, q, r};
  for (int i = 0; i < 4; i++) tg_array_unref(all[i]);
}

/* Integer pow: repeated multiplication wrapping to the dtype; negative exponents give the
   truncated true value (1 for base 1, +-1 for base -1, else 0; numpy raises instead). */
TEST(int_pow) {
  for (int k = 0; k < 4; k++) {
    tg_dtype dt = SIGNED[k];
    int w = WIDTH[k];
    int64_t av[] = {2, 2, 3, -3, 0, 0, 1, -1, -1, 2, 0, 7, -2, 5};
    int64_t bv[] = {5, 7, 40, 3, 0, 5, -3, -3, -4, -1, -1, 1, 15, 2};
    tg_array *a = ew_ivec(dt, 14, av), *b = ew_ivec(dt, 14, bv);
    tg_array *r = bin("pow", a, b);
    CHECK(r && tg_array_dtype(r) == dt);
    for (int i = 0; r && i < 14; i++) {
      int64_t x = wrap(av[i], w), e = wrap(bv[i], w), want;
      if (e < 0) want = x == 1 ? 1 : x == -1 ? (e % 2 ? -1 : 1) : 0;
      else {
        __int128 p = 1;
        for (int64_t j = 0; j < e; j++) p = wrap(p * x, 64);
        want = wrap(p, w);
      }
      if (tg_array_get_i64(r, i) != want)
        TH_FAIL("%s: %lld ** %lld = %lld, want %lld", tg_dtype_name(dt), (long long)x,
                (long long)e, (long long)tg_array_get_i64(r, i), (long long)want);
      th_checks++;
    }
    tg_array_unref(a);
    tg_array_unref(b);
    tg_array_unref(r);
  }
  /* bools raise as int8: F ** F == 1 */
  tg_array *a = ew_ivec(TG_BOOL, 3, (int64_t[]){0, 0, 1}), *b = ew_ivec(TG_BOOL, 3, (int64_t[]){0, 1, 0});
  tg_array *r = bin("pow", a, b);
  CHECK(r && tg_array_dtype(r) == TG_INT8 && tg_array_get_i64(r, 0) == 1 &&
        tg_array_get_i64(r, 1) == 0 && tg_array_get_i64(r, 2) == 1);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(r);
}

/* Shifts: numpy's rules. a << b is 0 once b reaches the width or is negative; a >> b then
   gives 0 or -1 (arithmetic for signed types, logical for uint8). */
TEST(shifts) {
  static const struct {
    tg_dtype dt;
    int64_t a, b, shl, shr;
  } t[] = {
      {TG_INT8, 1, 7, -128, 0},           {TG_INT8, 1, 8, 0, 0},
      {TG_INT8, -128, 7, 0, -1},          {TG_INT8, -8, 1, -16, -4},
      {TG_INT8, -1, 100, 0, -1},          {TG_INT8, 5, -1, 0, 0},
      {TG_INT8, -5, -1, 0, -1},           {TG_UINT8, 255, 4, 240, 15},
      {TG_UINT8, 255, 1, 254, 127},       {TG_UINT8, 1, 8, 0, 0},
      {TG_INT16, 3, 14, -16384, 0},       {TG_INT16, -32768, 15, 0, -1},
      {TG_INT32, 1, 31, INT32_MIN, 0},    {TG_INT32, 1, 32, 0, 0},
      {TG_INT32, -7, 2, -28, -2},         {TG_INT64, 1, 63, INT64_MIN, 0},
      {TG_INT64, 1, 64, 0, 0},            {TG_INT64, INT64_MIN, 63, 0, -1},
      {TG_INT64, INT64_MIN, 64, 0, -1},   {TG_INT64, 5, -70, 0, 0},
      {TG_INT64, 0x0123456789abcdefLL, 8, 0x23456789abcdef00LL, 0x0123456789abcdLL},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tg_array *a = ew_ivec(t[i].dt, 1, &t[i].a), *b = ew_ivec(t[i].dt, 1, &t[i].b);
    tg_array *l = bin("left_shift", a, b), *r = bin("right_shift", a, b);
    if (!l || !r || tg_array_get_i64(l, 0) != t[i].shl || tg_array_get_i64(r, 0) != t[i].shr)
      TH_FAIL("%s: %lld << %lld = %lld (want %lld), >> = %lld (want %lld)",
              tg_dtype_name(t[i].dt), (long long)t[i].a, (long long)t[i].b,
              l ? (long long)tg_array_get_i64(l, 0) : 0, (long long)t[i].shl,
              r ? (long long)tg_array_get_i64(r, 0) : 0, (long long)t[i].shr);
    th_checks++;
    tg_array *all[] = {a, b, l, r};
    for (int j = 0; j < 4; j++) tg_array_unref(all[j]);
  }
  /* a shift count of another int dtype promotes: uint8 << int8 computes in int16 */
  tg_array *a = ew_ivec(TG_UINT8, 1, (int64_t[]){255}), *b = ew_ivec(TG_INT8, 1, (int64_t[]){4});
  tg_array *l = bin("left_shift", a, b);
  CHECK(l && tg_array_dtype(l) == TG_INT16 && tg_array_get_i64(l, 0) == 4080);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(l);
}

TEST(bitwise_and_invert) {
  static const tg_dtype dts[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};
  static const int w[] = {8, 16, 32, 64, 8};
  int64_t av[] = {12, 0, -1, 0x55, 127}, bv[] = {10, -1, 0, 0x0f, -128};
  for (int k = 0; k < 5; k++) {
    tg_array *a = ew_ivec(dts[k], 5, av), *b = ew_ivec(dts[k], 5, bv);
    tg_array *an = bin("bitwise_and", a, b), *o = bin("bitwise_or", a, b);
    tg_array *x = bin("bitwise_xor", a, b), *inv = ew_run("invert", 1, &a);
    for (int i = 0; an && o && x && inv && i < 5; i++) {
      /* the stored (wrapped) operands, computed on with C's operators on uint64 */
      uint64_t m = w[k] == 64 ? ~0ull : (1ull << w[k]) - 1;
      uint64_t ua = (uint64_t)tg_array_get_i64(a, i) & m, ub = (uint64_t)tg_array_get_i64(b, i) & m;
      CHECK((((uint64_t)tg_array_get_i64(an, i)) & m) == (ua & ub));
      CHECK((((uint64_t)tg_array_get_i64(o, i)) & m) == (ua | ub));
      CHECK((((uint64_t)tg_array_get_i64(x, i)) & m) == (ua ^ ub));
      CHECK((((uint64_t)tg_array_get_i64(inv, i)) & m) == (~ua & m));
    }
    CHECK(inv && tg_array_dtype(inv) == dts[k]);
    tg_array *all[] = {a, b, an, o, x, inv};
    for (int i = 0; i < 6; i++) tg_array_unref(all[i]);
  }
  /* hand values */
  tg_array *a = ew_ivec(TG_UINT8, 1, (int64_t[]){5}), *i8 = ew_ivec(TG_INT8, 1, (int64_t[]){0});
  tg_array *r1 = ew_run("invert", 1, &a), *r2 = ew_run("invert", 1, &i8);
  CHECK(r1 && tg_array_get_i64(r1, 0) == 250);
  CHECK(r2 && tg_array_get_i64(r2, 0) == -1);
  tg_array *all[] = {a, i8, r1, r2};
  for (int i = 0; i < 4; i++) tg_array_unref(all[i]);
}

/* Bools: bitwise ops stay bool, invert is logical not, add is logical or-ish (numpy:
   True + True is True), mul is and; abs/minimum/maximum keep bool. */
TEST(bool_ops) {
  tg_array *a = ew_ivec(TG_BOOL, 4, (int64_t[]){0, 0, 1, 1});
  tg_array *b = ew_ivec(TG_BOOL, 4, (int64_t[]){0, 1, 0, 1});
  static const struct {
    const char *op;
    int want[4];
  } t[] = {{"bitwise_and", {0, 0, 0, 1}}, {"bitwise_or", {0, 1, 1, 1}},
           {"bitwise_xor", {0, 1, 1, 0}}, {"add", {0, 1, 1, 1}},
           {"mul", {0, 0, 0, 1}},         {"minimum", {0, 0, 0, 1}},
           {"maximum", {0, 1, 1, 1}},     {"logical_xor", {0, 1, 1, 0}},
           {"eq", {1, 0, 0, 1}},          {"lt", {0, 1, 0, 0}}};
  for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
    tg_array *r = bin(t[k].op, a, b);
    CHECK(r && tg_array_dtype(r) == TG_BOOL);
    for (int i = 0; r && i < 4; i++) CHECK(tg_array_get_i64(r, i) == t[k].want[i]);
    tg_array_unref(r);
  }
  tg_array *inv = ew_run("invert", 1, &b), *ab = ew_run("abs", 1, &b);
  tg_array *sq = ew_run("sqr", 1, &b);
  CHECK(inv && tg_array_dtype(inv) == TG_BOOL && tg_array_get_i64(inv, 0) == 1 && tg_array_get_i64(inv, 1) == 0);
  CHECK(ab && tg_array_dtype(ab) == TG_BOOL && tg_array_get_i64(ab, 1) == 1);
  CHECK(sq && tg_array_dtype(sq) == TG_INT8 && tg_array_get_i64(sq, 1) == 1);
  tg_array *all[] = {a, b, inv, ab, sq};
  for (int i = 0; i < 5; i++) tg_array_unref(all[i]);
}

/* Mixed signedness compares in the promoted type: uint8 200 > int8 -1 (both become int16),
   minimum of them is int16 -1; sign/abs on ints. */
TEST(mixed_int_compare_and_minmax) {
  tg_array *u = ew_ivec(TG_UINT8, 3, (int64_t[]){200, 0, 255});
  tg_array *s = ew_ivec(TG_INT8, 3, (int64_t[]){-1, 0, -128});
  tg_array *gt = bin("gt", u, s), *mn = bin("minimum", u, s), *mx = bin("maximum", u, s);
  CHECK(gt && tg_array_get_i64(gt, 0) == 1 && tg_array_get_i64(gt, 1) == 0 && tg_array_get_i64(gt, 2) == 1);
  CHECK(mn && tg_array_dtype(mn) == TG_INT16 && tg_array_get_i64(mn, 0) == -1 && tg_array_get_i64(mn, 2) == -128);
  CHECK(mx && tg_array_get_i64(mx, 0) == 200 && tg_array_get_i64(mx, 2) == 255);
  tg_array *sg = ew_run("sign", 1, &s), *sgu = ew_run("sign", 1, &u);
  CHECK(sg && tg_array_dtype(sg) == TG_INT8 && tg_array_get_i64(sg, 0) == -1 && tg_array_get_i64(sg, 1) == 0);
  CHECK(sgu && tg_array_get_i64(sgu, 0) == 1 && tg_array_get_i64(sgu, 1) == 0);
  /* int predicates: never NaN or inf */
  tg_array *nn = ew_run("isnan", 1, &s), *fi = ew_run("isfinite", 1, &s), *in = ew_run("isinf", 1, &u);
  for (int i = 0; nn && fi && in && i < 3; i++)
    CHECK(tg_array_get_i64(nn, i) == 0 && tg_array_get_i64(fi, i) == 1 && tg_array_get_i64(in, i) == 0);
  /* int64 beyond 2^53 compared with float64 compares in float64, as numpy */
  tg_array *big = ew_ivec(TG_INT64, 1, (int64_t[]){(1LL << 53) + 1});
  tg_array *f = ew_vec(TG_FLOAT64, 1, (double[]){9007199254740992.0});
  tg_array *eq = bin("eq", big, f);
  CHECK(eq && tg_array_get_i64(eq, 0) == 1);
  /* clip with lo > hi gives hi, as numpy.clip (minimum(maximum(x, lo), hi)) */
  tg_array *c3[3] = {ew_ivec(TG_INT32, 3, (int64_t[]){0, 10, 4}), ew_ivec(TG_INT32, 3, (int64_t[]){5, 5, 5}),
                     ew_ivec(TG_INT32, 3, (int64_t[]){3, 3, 3})};
  tg_array *cl = ew_run("clip", 3, c3);
  for (int i = 0; cl && i < 3; i++) CHECK(tg_array_get_i64(cl, i) == 3);
  CHECK(cl != NULL);
  tg_array *all[] = {u, s, gt, mn, mx, sg, sgu, nn, fi, in, big, f, eq, cl, c3[0], c3[1], c3[2]};
  for (int i = 0; i < 17; i++) tg_array_unref(all[i]);
}
