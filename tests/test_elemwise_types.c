/* test_elemwise_types.c: the dtype rules of the elementwise ops (docs/dtypes.md). The
   promotion lattice as a hand table; the output dtype of every op for every input dtype
   (pair), from a hand classification of the ops; Python-scalar (weak constant) promotion
   with numpy 1.24's value-based rule; casts to every dtype; and the rules' refusals. The
   numpy differential test (elemwise_vs_numpy.sh) checks the same rules against numpy. */
#include "harness.h"
#include "elemwise_check.h"

enum { B = TG_BOOL, I8 = TG_INT8, I16 = TG_INT16, I32 = TG_INT32, I64 = TG_INT64,
       U8 = TG_UINT8, F32 = TG_FLOAT32, F64 = TG_FLOAT64, ERR = TG_NDTYPES };

/* numpy.result_type of two dtypes (rows and columns in tg_dtype order:
   bool int8 int16 int32 int64 uint8 float32 float64), typed from numpy's table. */
static const int PROMOTE[8][8] = {
    /* bool */ {B, I8, I16, I32, I64, U8, F32, F64},
    /* i8   */ {I8, I8, I16, I32, I64, I16, F32, F64},
    /* i16  */ {I16, I16, I16, I32, I64, I16, F32, F64},
    /* i32  */ {I32, I32, I32, I32, I64, I32, F64, F64},
    /* i64  */ {I64, I64, I64, I64, I64, I64, F64, F64},
    /* u8   */ {U8, I16, I16, I32, I64, U8, F32, F64},
    /* f32  */ {F32, F32, F32, F64, F64, F32, F32, F64},
    /* f64  */ {F64, F64, F64, F64, F64, F64, F64, F64},
};

TEST(promotion_lattice) {
  for (int a = 0; a < 8; a++)
    for (int b = 0; b < 8; b++) {
      CHECK(tg_dtype_promote((tg_dtype)a, (tg_dtype)b) == (tg_dtype)PROMOTE[a][b]);
      CHECK(PROMOTE[a][b] == PROMOTE[b][a]);
      tg_dtype out = ew_out_dtype("add", 2, (tg_dtype[]){(tg_dtype)a, (tg_dtype)b});
      if (out != (tg_dtype)PROMOTE[a][b])
        TH_FAIL("add(%s, %s) gives %s, want %s", tg_dtype_name((tg_dtype)a),
                tg_dtype_name((tg_dtype)b), tg_dtype_name(out), tg_dtype_name((tg_dtype)PROMOTE[a][b]));
      th_checks++;
    }
}

/* The classes of ops, by what their output dtype is for the promoted input dtype p. */
enum cls { SAME, NOBOOL, INTDIV, FLOATV, TRUEDIV, CMP, BITWISE, SHIFT };
static const struct {
  const char *name;
  int arity;
  enum cls c;
} OPS[] = {
    {"add", 2, SAME},          {"sub", 2, NOBOOL},       {"mul", 2, SAME},
    {"true_div", 2, TRUEDIV},  {"floor_div", 2, INTDIV}, {"mod", 2, INTDIV},
    {"pow", 2, INTDIV},        {"neg", 1, NOBOOL},       {"abs", 1, SAME},
    {"sign", 1, NOBOOL},       {"minimum", 2, SAME},     {"maximum", 2, SAME},
    {"clip", 3, SAME},         {"sqr", 1, INTDIV},       {"reciprocal", 1, FLOATV},
    {"exp", 1, FLOATV},        {"exp2", 1, FLOATV},      {"expm1", 1, FLOATV},
    {"log", 1, FLOATV},        {"log2", 1, FLOATV},      {"log10", 1, FLOATV},
    {"log1p", 1, FLOATV},      {"sqrt", 1, FLOATV},      {"sin", 1, FLOATV},
    {"cos", 1, FLOATV},        {"tan", 1, FLOATV},       {"arcsin", 1, FLOATV},
    {"arccos", 1, FLOATV},     {"arctan", 1, FLOATV},    {"arctan2", 2, FLOATV},
    {"sinh", 1, FLOATV},       {"cosh", 1, FLOATV},      {"tanh", 1, FLOATV},
    {"arcsinh", 1, FLOATV},    {"arccosh", 1, FLOATV},   {"arctanh", 1, FLOATV},
    {"sigmoid", 1, FLOATV},    {"softplus", 1, FLOATV},  {"erf", 1, FLOATV},
    {"erfc", 1, FLOATV},       {"erfcx", 1, FLOATV},     {"gammaln", 1, FLOATV},
    {"psi", 1, FLOATV},        {"trigamma", 1, FLOATV},        {"floor", 1, FLOATV},     {"ceil", 1, FLOATV},
    {"round", 1, INTDIV},      {"trunc", 1, FLOATV},     {"lt", 2, CMP},
    {"gt", 2, CMP},            {"le", 2, CMP},           {"ge", 2, CMP},
    {"eq", 2, CMP},            {"neq", 2, CMP},          {"isnan", 1, CMP},
    {"isinf", 1, CMP},         {"isfinite", 1, CMP},     {"logical_and", 2, CMP},
    {"logical_or", 2, CMP},    {"logical_xor", 2, CMP},  {"logical_not", 1, CMP},
    {"bitwise_and", 2, BITWISE}, {"bitwise_or", 2, BITWISE}, {"bitwise_xor", 2, BITWISE},
    {"invert", 1, BITWISE},    {"left_shift", 2, SHIFT}, {"right_shift", 2, SHIFT},
};

/* numpy's float result for a promoted dtype, with float16 read as float32. */
static int float_of(int p) {
  return p == F64 || p == I32 || p == I64 ? F64 : F32;
}

static int expect(enum cls c, int p) {
  switch (c) {
    case SAME: return p;
    case NOBOOL: return p == B ? ERR : p;
    case INTDIV: return p == B ? I8 : p;
    case FLOATV: return float_of(p);
    case TRUEDIV: return p == F32 ? F32 : F64;
    case CMP: return B;
    case BITWISE: return p == F32 || p == F64 ? ERR : p;
    case SHIFT: return p == F32 || p == F64 || p == B ? ERR : p;
  }
  return ERR;
}

TEST(every_op_every_dtype_pair) {
  int n_ops = (int)(sizeof OPS / sizeof OPS[0]);
  CHECK(n_ops == 67); /* every row of scalar_ops.def except switch and cast (below) */
  for (int k = 0; k < n_ops; k++)
    for (int a = 0; a < 8; a++)
      for (int b = 0; b < (OPS[k].arity == 1 ? 1 : 8); b++) {
        tg_dtype in[3] = {(tg_dtype)a, (tg_dtype)b, (tg_dtype)b};
        int p = OPS[k].arity == 1 ? a : PROMOTE[a][b];
        int want = expect(OPS[k].c, p);
        tg_dtype got = ew_out_dtype(OPS[k].name, OPS[k].arity, in);
        if ((int)got != want)
          TH_FAIL("%s(%s%s%s) gives %s, want %s", OPS[k].name, tg_dtype_name(in[0]),
                  OPS[k].arity > 1 ? ", " : "", OPS[k].arity > 1 ? tg_dtype_name(in[1]) : "",
                  got == TG_NDTYPES ? "an error" : tg_dtype_name(got),
                  want == ERR ? "an error" : tg_dtype_name((tg_dtype)want));
        th_checks++;
      }
}

/* switch: the promotion of the two branches, whatever the condition's dtype; clip: all 3. */
TEST(switch_and_clip_dtypes) {
  for (int c = 0; c < 8; c++)
    for (int a = 0; a < 8; a++)
      for (int b = 0; b < 8; b++) {
        tg_dtype in[3] = {(tg_dtype)c, (tg_dtype)a, (tg_dtype)b};
        CHECK(ew_out_dtype("switch", 3, in) == (tg_dtype)PROMOTE[a][b]);
        CHECK(ew_out_dtype("clip", 3, in) == (tg_dtype)PROMOTE[PROMOTE[c][a]][b]);
      }
}

/* A tensor of dtype dt combined by `op` with a weak constant (int when isint). */
static tg_dtype weak_dtype(const char *op, tg_dtype dt, bool isint, double v, bool weak_first) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", dt);
  tg_var *k = isint ? tg_const_i64(g, (int64_t)v) : tg_const_f64(g, v);
  tg_var *r = tg_elemwise(op, 2, weak_first ? (tg_var *[]){k, x} : (tg_var *[]){x, k});
  tg_dtype out = r ? tg_var_dtype(r) : TG_NDTYPES;
  tg_graph_free(g);
  return out;
}

/* numpy 1.24's value-based rule for Python scalars (printed by numpy for each case). */
TEST(weak_scalar_rules) {
  static const struct {
    const char *op;
    tg_dtype dt;
    bool isint;
    double v;
    tg_dtype want;
  } t[] = {
      {"add", TG_INT8, true, 100, TG_INT8},      {"add", TG_INT8, true, 127, TG_INT8},
      {"add", TG_INT8, true, 128, TG_INT16},     {"add", TG_INT8, true, 200, TG_INT16},
      {"add", TG_INT8, true, -129, TG_INT16},    {"add", TG_INT8, true, 65536, TG_INT32},
      {"add", TG_INT8, true, 4294967296.0, TG_INT64},
      {"add", TG_UINT8, true, 255, TG_UINT8},    {"add", TG_UINT8, true, -1, TG_INT16},
      {"add", TG_UINT8, true, -40000, TG_INT32}, {"add", TG_INT16, true, 40000, TG_INT32},
      {"add", TG_INT32, true, 3e9, TG_INT64},    {"add", TG_INT64, true, -5, TG_INT64},
      {"add", TG_BOOL, true, 1, TG_INT64},       {"add", TG_BOOL, true, -1, TG_INT64},
      {"add", TG_BOOL, false, 1, TG_FLOAT64},    {"mul", TG_FLOAT32, false, 2, TG_FLOAT32},
      {"mul", TG_FLOAT32, false, 1e300, TG_FLOAT64}, {"mul", TG_FLOAT32, false, INFINITY, TG_FLOAT32},
      {"mul", TG_FLOAT32, true, 2, TG_FLOAT32},  {"mul", TG_FLOAT32, true, 65535, TG_FLOAT32},
      {"mul", TG_FLOAT32, true, 65536, TG_FLOAT64}, {"mul", TG_FLOAT32, true, -32768, TG_FLOAT32},
      {"mul", TG_FLOAT32, true, -32769, TG_FLOAT64}, {"mul", TG_INT8, false, 2, TG_FLOAT64},
      {"mul", TG_INT64, false, 2, TG_FLOAT64},   {"mul", TG_FLOAT64, true, 2, TG_FLOAT64},
      {"true_div", TG_INT8, true, 2, TG_FLOAT64}, {"true_div", TG_FLOAT32, true, 2, TG_FLOAT32},
      {"lt", TG_INT8, true, 1000, TG_BOOL},      {"pow", TG_FLOAT32, false, 2, TG_FLOAT32},
      {"pow", TG_INT8, true, 2, TG_INT8},        {"floor_div", TG_BOOL, true, 2, TG_INT64},
      {"arctan2", TG_INT8, true, 40000, TG_FLOAT32}, {"arctan2", TG_INT16, true, 40000, TG_FLOAT32},
      {"arctan2", TG_INT8, true, 70000, TG_FLOAT64}, {"arctan2", TG_INT8, false, 2, TG_FLOAT64},
      {"left_shift", TG_INT8, true, 1, TG_INT8}, {"bitwise_and", TG_UINT8, true, 255, TG_UINT8},
      /* numpy gives uint16/uint32/uint64 here; tgraph has none and uses the smallest
         signed type holding both (docs/dtypes.md) */
      {"add", TG_UINT8, true, 256, TG_INT16},   {"add", TG_UINT8, true, 40000, TG_INT32},
      {"add", TG_UINT8, true, 4294967296.0, TG_INT64}, {"bitwise_and", TG_UINT8, true, 256, TG_INT16},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    for (int first = 0; first < 2; first++) {
      tg_dtype got = weak_dtype(t[i].op, t[i].dt, t[i].isint, t[i].v, first);
      if (got != t[i].want)
        TH_FAIL("%s(%s, %s %g)%s gives %s, want %s", t[i].op, tg_dtype_name(t[i].dt),
                t[i].isint ? "int" : "float", t[i].v, first ? " (scalar first)" : "",
                tg_dtype_name(got), tg_dtype_name(t[i].want));
      th_checks++;
    }
}

/* Weak constants alone, with each other, and with unary ops. */
TEST(weak_only_and_values) {
  tg_graph *g = tg_graph_new();
  tg_var *one = tg_const_i64(g, 1), *two = tg_const_i64(g, 2), *h = tg_const_f64(g, 0.5);
  CHECK(tg_var_dtype(tg_add(one, two)) == TG_INT64);
  CHECK(tg_var_dtype(tg_add(one, h)) == TG_FLOAT64);
  CHECK(tg_var_dtype(tg_exp(one)) == TG_FLOAT64);
  CHECK(tg_var_dtype(tg_true_div(one, two)) == TG_FLOAT64);
  CHECK(tg_var_dtype(tg_neg(one)) == TG_INT64);
  /* a strong 0-d constant is not weak: float32 x * float64 constant is float64 */
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  CHECK(tg_var_dtype(tg_mul(x, tg_const_typed(g, TG_FLOAT64, 2))) == TG_FLOAT64);
  CHECK(tg_var_dtype(tg_mul(x, tg_const_f64(g, 2))) == TG_FLOAT32);
  CHECK(tg_var_dtype(tg_switch(tg_gt(x, h), x, h)) == TG_FLOAT32);
  CHECK(tg_var_dtype(tg_clip(x, tg_const_i64(g, 0), tg_const_i64(g, 1))) == TG_FLOAT32);
  tg_graph_free(g);
  /* computing in the promoted type: int8 100 + 200 is int16 300 (not a wrapped int8), and
     int8 100 < 1000 is true (1000 is not wrapped to int8 -24) */
  g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_INT8);
  tg_var *fx = tg_vector(g, "f", TG_FLOAT32);
  tg_var *o[3] = {tg_add(v, tg_const_i64(g, 200)), tg_lt(v, tg_const_i64(g, 1000)),
                  tg_mul(fx, tg_const_f64(g, 0.1))};
  tg_function *fn = tg_function_new(g, TG_VARS(v, fx), 3, o, NULL);
  CHECK(fn != NULL);
  tg_array *a = ew_ivec(TG_INT8, 2, (int64_t[]){100, -128});
  tg_array *b = ew_vec(TG_FLOAT32, 2, (double[]){1, 9});
  tg_array *r[3] = {0};
  CHECK_STATUS(tg_function_call(fn, (tg_array *[]){a, b}, r), TG_OK);
  CHECK(r[0] && tg_array_dtype(r[0]) == TG_INT16 && tg_array_get_i64(r[0], 0) == 300 &&
        tg_array_get_i64(r[0], 1) == 72);
  CHECK(r[1] && tg_array_get_i64(r[1], 0) == 1 && tg_array_get_i64(r[1], 1) == 1);
  /* the constant becomes float32(0.1) first, as numpy converts a Python float: 9 * 0.1f is
     0.9000000357627869 (numpy's answer), while float32(9 * 0.1) would be 0.8999999761581421 */
  CHECK(r[2] && tg_array_dtype(r[2]) == TG_FLOAT32 &&
        tg_array_get_f64(r[2], 0) == (double)(float)0.1 &&
        tg_array_get_f64(r[2], 1) == 0.9000000357627869);
  for (int i = 0; i < 3; i++) tg_array_unref(r[i]);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_function_free(fn);
  tg_graph_free(g);
}

/* Casts: every dtype to every dtype. Ints wrap modulo 2^width; floats truncate toward
   zero; NaN gives 0; beyond int64 saturates to INT64_MIN/MAX and then wraps to the width;
   any nonzero (NaN too) is true; float64 -> float32 rounds (overflow to inf). */
static int64_t wrap_to(int64_t v, tg_dtype dt) {
  switch (dt) {
    case TG_INT8: return (int8_t)(uint8_t)(uint64_t)v;
    case TG_INT16: return (int16_t)(uint16_t)(uint64_t)v;
    case TG_INT32: return (int32_t)(uint32_t)(uint64_t)v;
    case TG_UINT8: return (uint8_t)(uint64_t)v;
    case TG_BOOL: return v != 0;
    default: return v;
  }
}

TEST(cast_every_pair) {
  static const double fv[] = {0.0, -0.0, 1.9, -1.9, 300.7, -129.5, 255.5, 65536.25, NAN,
                              INFINITY, -INFINITY, 1e20, -1e20, 3e9, 0.5};
  /* the int64 each float becomes before wrapping: truncation, NaN 0, saturation */
  static const int64_t ftrunc[] = {0, 0, 1, -1, 300, -129, 255, 65536, 0, INT64_MAX, INT64_MIN,
                                   INT64_MAX, INT64_MIN, 3000000000LL, 0};
  static const int64_t iv[] = {0, 1, -1, 127, 128, 255, 256, -129, 40000, -2147483648LL,
                               4294967297LL, INT64_MAX, INT64_MIN, 16777217, 9007199254740993LL};
  enum { N = 15 };
  for (int from = 0; from < 8; from++)
    for (int to = 0; to < 8; to++) {
      tg_dtype fd = (tg_dtype)from, td = (tg_dtype)to;
      tg_array *src = tg_dtype_is_float(fd) ? ew_vec(fd, N, fv) : ew_ivec(fd, N, iv);
      tg_array *r = ew_run_to("cast", td, 1, &src);
      CHECK(r && tg_array_dtype(r) == td && tg_array_size(r) == N);
      for (int i = 0; r && i < N; i++) {
        bool ok;
        if (tg_dtype_is_float(fd)) {
          double x = tg_array_get_f64(src, i); /* the stored (maybe float32) value */
          if (td == TG_FLOAT64) ok = tg_array_get_f64(r, i) == x || (isnan(x) && isnan(tg_array_get_f64(r, i)));
          else if (td == TG_FLOAT32) ok = tg_array_get_f64(r, i) == (double)(float)x || (isnan(x) && isnan(tg_array_get_f64(r, i)));
          else if (td == TG_BOOL) ok = tg_array_get_i64(r, i) == (x != 0 || isnan(x));
          else {
            int64_t t = ftrunc[i];
            if (fd == TG_FLOAT32 && i == 13) t = (int64_t)(float)3e9; /* 3e9 is not a float32 */
            if (fd == TG_FLOAT32 && i == 7) t = 65536;
            ok = tg_array_get_i64(r, i) == wrap_to(t, td);
          }
        } else {
          int64_t x = wrap_to(iv[i], fd); /* the stored value */
          if (td == TG_FLOAT64) ok = tg_array_get_f64(r, i) == (double)x;
          else if (td == TG_FLOAT32) ok = tg_array_get_f64(r, i) == (double)(float)x;
          else ok = tg_array_get_i64(r, i) == wrap_to(x, td);
        }
        if (!ok)
          TH_FAIL("cast %s -> %s of element %d gives %.17g", tg_dtype_name(fd), tg_dtype_name(td),
                  i, tg_array_get_f64(r, i));
        th_checks++;
      }
      tg_array_unref(r);
      tg_array_unref(src);
    }
  /* spot values, written out: */
  tg_array *x = ew_vec(TG_FLOAT64, 4, (double[]){300.7, -1.5, 1e20, NAN});
  tg_array *r8 = ew_run_to("cast", TG_INT8, 1, &x), *ru = ew_run_to("cast", TG_UINT8, 1, &x);
  CHECK(r8 && tg_array_get_i64(r8, 0) == 44 && tg_array_get_i64(r8, 1) == -1 &&
        tg_array_get_i64(r8, 2) == -1 && tg_array_get_i64(r8, 3) == 0);
  CHECK(ru && tg_array_get_i64(ru, 0) == 44 && tg_array_get_i64(ru, 1) == 255 &&
        tg_array_get_i64(ru, 2) == 255 && tg_array_get_i64(ru, 3) == 0);
  tg_array_unref(x);
  tg_array_unref(r8);
  tg_array_unref(ru);
}

TEST(cast_builder) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT16);
  tg_var *c = tg_cast(x, TG_FLOATX);
  CHECK(c && tg_var_dtype(c) == tg_config_floatx() && tg_var_ndim(c) == 2);
  CHECK(tg_cast(x, (tg_dtype)42) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "invalid target dtype");
  tg_graph_clear_error(g);
  CHECK(tg_elemwise("cast", 1, &x) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "use tg_cast");
  tg_graph_free(g);
}
