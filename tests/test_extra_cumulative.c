/* test_extra_cumulative.c: cumsum, cumprod and diff: hand cases, then every dtype in every
   layout (contiguous, transposed, step 2, reversed) against plain C loops in the dtype
   arithmetic numpy uses (int64 wrapping for integer cumulations, float32 rounding at each
   step, wrapping integer diffs, bool diff as !=), size-0 and size-1 dims, axis None,
   caller-provided strided outputs, symbolic shapes and build errors. */
#include "test_extra_util.h"

/* v wrapped into an integer dtype, as a C cast through the unsigned type does. */
static double wrap_to(tg_dtype dt, int64_t v) {
  switch (dt) {
    case TG_BOOL: return v != 0;
    case TG_INT8: return (int8_t)(uint8_t)(uint64_t)v;
    case TG_INT16: return (int16_t)(uint16_t)(uint64_t)v;
    case TG_INT32: return (int32_t)(uint32_t)(uint64_t)v;
    case TG_UINT8: return (uint8_t)(uint64_t)v;
    default: return (double)v;
  }
}

/* Reference cumulation of vals (shape sh) along axis (-1: flattened), into want. */
static void ref_cum(bool prod, tg_dtype dt, int nd, const int64_t *sh, int axis, const double *v,
                    double *want, int64_t *wanti) {
  int64_t n = 1, stride = 1, len;
  for (int d = 0; d < nd; d++) n *= sh[d];
  if (axis < 0) {
    stride = 1, len = n;
  } else {
    for (int d = axis + 1; d < nd; d++) stride *= sh[d];
    len = sh[axis];
  }
  for (int64_t i = 0; i < n; i++) {
    bool first = (i / stride) % len == 0;
    if (dt == TG_FLOAT32) {
      float a = first ? (prod ? 1.0f : 0.0f) : (float)want[i - stride], x = (float)v[i];
      want[i] = prod ? a * x : a + x;
    } else if (dt == TG_FLOAT64) {
      double a = first ? (prod ? 1 : 0) : want[i - stride];
      want[i] = prod ? a * v[i] : a + v[i];
    } else {
      uint64_t a = first ? (prod ? 1 : 0) : (uint64_t)wanti[i - stride];
      uint64_t x = (uint64_t)(int64_t)v[i];
      wanti[i] = (int64_t)(prod ? a * x : a + x); /* exact: doubles would round */
    }
  }
}

TEST(cumsum_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  tg_array *r = x_run(g, TG_VARS(x), tg_cumsum(x, 0), (tg_array *[]){a});
  x_check(r, TG_FLOAT64, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 5, 7, 9}, "axis 0");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_cumsum(x, -1), (tg_array *[]){a});
  x_check(r, TG_FLOAT64, 2, (int64_t[]){2, 3}, (double[]){1, 3, 6, 4, 9, 15}, "axis -1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_cumsum(x, TG_AXIS_NONE), (tg_array *[]){a});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){6}, (double[]){1, 3, 6, 10, 15, 21}, "axis None");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_cumprod(x, 1), (tg_array *[]){a});
  x_check(r, TG_FLOAT64, 2, (int64_t[]){2, 3}, (double[]){1, 2, 6, 4, 20, 120}, "cumprod");
  tg_array_unref(r);
  tg_array_unref(a);
  /* int8 sums do not wrap at 8 bits: the result is int64, as numpy's */
  tg_var *b = tg_vector(g, "b", TG_INT8);
  tg_var *cs = tg_cumsum(b, 0);
  CHECK(tg_var_dtype(cs) == TG_INT64);
  a = tg_array_from_data(TG_INT8, 1, (int64_t[]){3}, (int8_t[]){100, 100, -128});
  r = x_run(g, TG_VARS(b), cs, (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){3}, (double[]){100, 200, 72}, "int8");
  tg_array_unref(r);
  tg_array_unref(a);
  /* bool counts, and the product of bools */
  tg_var *c = tg_vector(g, "c", TG_BOOL);
  a = tg_array_from_data(TG_BOOL, 1, (int64_t[]){4}, (uint8_t[]){1, 1, 0, 1});
  r = x_run(g, TG_VARS(c), tg_cumsum(c, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){4}, (double[]){1, 2, 2, 3}, "bool cumsum");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(c), tg_cumprod(c, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){4}, (double[]){1, 1, 0, 0}, "bool cumprod");
  tg_array_unref(r);
  tg_array_unref(a);
  /* int64 products wrap modulo 2^64 */
  tg_var *d = tg_vector(g, "d", TG_INT64);
  a = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){INT64_C(1) << 62, 4, 3});
  r = x_run(g, TG_VARS(d), tg_cumprod(d, 0), (tg_array *[]){a});
  x_check_i64(r, 1, (int64_t[]){3}, (int64_t[]){INT64_C(1) << 62, 0, 0}, "int64 wrap");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(cumsum_float32_rounds_each_step) {
  /* 1e8 + 1 + 1 + ... in float32 stays 1e8; in double it would not */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  float v[5] = {1e8f, 1, 1, 1, 1};
  tg_array *a = tg_array_from_f32(1, (int64_t[]){5}, v);
  tg_array *r = x_run(g, TG_VARS(x), tg_cumsum(x, 0), (tg_array *[]){a});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
  if (r) CHECK(tg_array_get_f64(r, 4) == 1e8);
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

/* Every dtype x layout x (shape, axis) against ref_cum, with the symbolic shape checked. */
TEST(cumulative_every_dtype_and_layout) {
  static const struct {
    int nd;
    int64_t sh[3];
    int axis; /* TG_AXIS_NONE allowed */
  } cs[] = {{2, {3, 4}, 0},  {2, {3, 4}, 1},  {2, {3, 4}, -1}, {2, {3, 4}, TG_AXIS_NONE},
            {3, {2, 3, 4}, 1}, {3, {2, 3, 4}, TG_AXIS_NONE}, {2, {0, 3}, 0},
            {2, {3, 0}, TG_AXIS_NONE}, {2, {1, 1}, 1}, {1, {7}, 0}, {0, {0}, TG_AXIS_NONE}};
  int ncs = (int)(sizeof cs / sizeof cs[0]);
  for (int prod = 0; prod < 2; prod++)
    for (int t = 0; t < X_NDT; t++)
      for (int c = 0; c < ncs; c++) {
        tg_dtype dt = x_dtypes[t];
        tg_graph *g = tg_graph_new();
        tg_var *x = tg_tensor(g, "x", dt, cs[c].nd, NULL);
        tg_var *y = prod ? tg_cumprod(x, cs[c].axis) : tg_cumsum(x, cs[c].axis);
        tg_dtype odt = tg_dtype_is_float(dt) ? dt : TG_INT64;
        int64_t n = 1;
        for (int d = 0; d < cs[c].nd; d++) n *= cs[c].sh[d];
        double v[64], want[64];
        int64_t wanti[64];
        x_values(dt, n, (unsigned)(c + 7 * t), v);
        if (prod && tg_dtype_is_float(dt))
          for (int64_t i = 0; i < n; i++) v[i] = v[i] / 64; /* keep products finite */
        int ax = cs[c].axis == TG_AXIS_NONE ? -1 : cs[c].axis < 0 ? cs[c].axis + cs[c].nd : cs[c].axis;
        ref_cum(prod, dt, cs[c].nd, cs[c].sh, ax, v, want, wanti);
        int ond = ax < 0 ? 1 : cs[c].nd;
        const int64_t *osh = ax < 0 ? &n : cs[c].sh;
        for (int L = 0; L < XL_COUNT; L++) {
          if (cs[c].nd == 0 && L) break;
          char what[160];
          snprintf(what, sizeof what, "%s %s case %d %s", prod ? "cumprod" : "cumsum",
                   tg_dtype_name(dt), c, x_layouts[L]);
          tg_array *a = x_make(dt, cs[c].nd, cs[c].sh, v, L);
          tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
          if (odt == TG_INT64) x_check_i64(r, ond, osh, wanti, what);
          else x_check(r, odt, ond, osh, want, what);
          if (L == XL_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
          tg_array_unref(r);
          tg_array_unref(a);
        }
        tg_graph_free(g);
      }
}

TEST(cumsum_into_strided_output) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT32);
  tg_var *y = tg_cumsum(x, 0);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *a = tg_array_from_i32(2, (int64_t[]){2, 2}, (int32_t[]){1, 2, 3, 4});
  tg_array *base = tg_array_zeros(TG_INT64, 2, (int64_t[]){2, 2});
  tg_array *o = tg_array_transpose(base); /* written through transposed strides */
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o}), TG_OK);
  double want[4] = {1, 2, 4, 6};
  x_check(o, TG_INT64, 2, (int64_t[]){2, 2}, want, "into transposed");
  CHECK(tg_array_get_i64(base, 1) == 4); /* base[0][1] = o[1][0] */
  tg_array *bad = tg_array_zeros(TG_INT64, 2, (int64_t[]){2, 3});
  CHECK(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){bad}) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "CumSum");
  tg_array_unref(bad);
  tg_array_unref(o);
  tg_array_unref(base);
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- diff ---- */

/* Reference: n passes of v[i + stride] - v[i] along axis in dtype dt's arithmetic. */
static int64_t ref_diff(tg_dtype dt, int nd, int64_t *sh, int axis, int n, double *v) {
  int64_t total = 1;
  for (int d = 0; d < nd; d++) total *= sh[d];
  for (int k = 0; k < n && sh[axis] > 0; k++) {
    int64_t inner = 1, outer = 1, len = sh[axis];
    for (int d = axis + 1; d < nd; d++) inner *= sh[d];
    for (int d = 0; d < axis; d++) outer *= sh[d];
    int64_t w = 0;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < len - 1; i++)
        for (int64_t j = 0; j < inner; j++) {
          double a = v[(o * len + i) * inner + j], b = v[(o * len + i + 1) * inner + j];
          double r;
          if (dt == TG_BOOL) r = a != b;
          else if (dt == TG_FLOAT32) r = (float)((float)b - (float)a);
          else if (dt == TG_FLOAT64) r = b - a;
          else r = wrap_to(dt, (int64_t)b - (int64_t)a);
          v[w++] = r; /* writes trail reads: index w <= the smallest one still to read */
        }
    sh[axis] = len - 1;
    total = w;
  }
  return total;
}

TEST(diff_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_INT64);
  tg_array *a = tg_array_from_i64(1, (int64_t[]){4}, (int64_t[]){1, 2, 4, 7});
  tg_array *r = x_run(g, TG_VARS(x), tg_diff(x, 1, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){3}, (double[]){1, 2, 3}, "n=1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_diff(x, 2, -1), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){2}, (double[]){1, 1}, "n=2");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_diff(x, 0, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){4}, (double[]){1, 2, 4, 7}, "n=0");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_diff(x, 9, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){0}, NULL, "n > len");
  tg_array_unref(r);
  tg_array_unref(a);
  /* int8 wraps: 100 - (-100) = 200 -> -56, as numpy.diff gives */
  tg_var *b = tg_vector(g, "b", TG_INT8);
  a = tg_array_from_data(TG_INT8, 1, (int64_t[]){2}, (int8_t[]){-100, 100});
  r = x_run(g, TG_VARS(b), tg_diff(b, 1, 0), (tg_array *[]){a});
  x_check(r, TG_INT8, 1, (int64_t[]){1}, (double[]){-56}, "int8 wrap");
  tg_array_unref(r);
  tg_array_unref(a);
  /* bools: not_equal */
  tg_var *c = tg_vector(g, "c", TG_BOOL);
  a = tg_array_from_data(TG_BOOL, 1, (int64_t[]){4}, (uint8_t[]){1, 0, 0, 1});
  r = x_run(g, TG_VARS(c), tg_diff(c, 1, 0), (tg_array *[]){a});
  x_check(r, TG_BOOL, 1, (int64_t[]){3}, (double[]){1, 0, 1}, "bool");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(diff_every_dtype_and_layout) {
  static const struct {
    int nd;
    int64_t sh[3];
    int axis, n;
  } cs[] = {{2, {3, 5}, 1, 1}, {2, {4, 3}, 0, 2}, {2, {3, 5}, -1, 3}, {3, {2, 4, 3}, 1, 1},
            {1, {6}, 0, 0},    {1, {1}, 0, 1},    {2, {0, 4}, 1, 1},  {2, {3, 2}, 1, 5}};
  int ncs = (int)(sizeof cs / sizeof cs[0]);
  for (int t = 0; t < X_NDT; t++)
    for (int c = 0; c < ncs; c++) {
      tg_dtype dt = x_dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor(g, "x", dt, cs[c].nd, NULL);
      tg_var *y = tg_diff(x, cs[c].n, cs[c].axis);
      int64_t n = 1, osh[3];
      for (int d = 0; d < cs[c].nd; d++) n *= cs[c].sh[d], osh[d] = cs[c].sh[d];
      double v[64], want[64];
      x_values(dt, n, (unsigned)(c * 3 + t), v);
      memcpy(want, v, sizeof(double) * (size_t)n);
      int ax = cs[c].axis < 0 ? cs[c].axis + cs[c].nd : cs[c].axis;
      ref_diff(dt, cs[c].nd, osh, ax, cs[c].n, want);
      for (int L = 0; L < XL_COUNT; L++) {
        char what[160];
        snprintf(what, sizeof what, "diff %s case %d %s", tg_dtype_name(dt), c, x_layouts[L]);
        tg_array *a = x_make(dt, cs[c].nd, cs[c].sh, v, L);
        tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
        x_check(r, dt, cs[c].nd, osh, want, what);
        if (L == XL_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
        tg_array_unref(r);
        tg_array_unref(a);
      }
      tg_graph_free(g);
    }
}

TEST(cumulative_static_types) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_UINT8, 2, (int64_t[]){3, -1});
  tg_var *y = tg_cumsum(x, TG_AXIS_NONE);
  CHECK(tg_var_ndim(y) == 1 && tg_var_dim(y, 0) == -1 && tg_var_dtype(y) == TG_INT64);
  tg_var *s = tg_tensor(g, "s", TG_FLOAT32, 2, (int64_t[]){3, 4});
  CHECK(tg_var_dim(tg_cumprod(s, TG_AXIS_NONE), 0) == 12);
  CHECK(tg_var_dtype(tg_cumprod(s, 0)) == TG_FLOAT32);
  tg_var *d = tg_diff(s, 2, 1);
  CHECK(tg_var_dim(d, 0) == 3 && tg_var_dim(d, 1) == 2);
  CHECK(tg_var_dim(tg_diff(s, 7, 1), 1) == 0);
  CHECK(tg_var_dim(tg_diff(x, 1, 0), 0) == 2);
  CHECK(tg_var_dim(tg_diff(x, 1, 1), 1) == -1);
  tg_graph_free(g);
}

TEST(cumulative_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  CHECK(tg_cumsum(x, 2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "cumsum: axis 2 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_cumprod(x, -3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "cumprod: axis -3");
  tg_graph_clear_error(g);
  CHECK(tg_diff(x, -1, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diff: order n must be non-negative");
  tg_graph_clear_error(g);
  CHECK(tg_diff(x, 1, TG_AXIS_NONE) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diff: TG_AXIS_NONE is not allowed");
  tg_graph_clear_error(g);
  CHECK(tg_diff(tg_scalar(g, "s", TG_INT32), 1, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diff: x must have at least one dimension");
  tg_graph_clear_error(g);
  CHECK(tg_cumsum(NULL, 0) == NULL);
  CHECK(tg_cumsum(tg_scalar(g, "s", TG_INT32), 0) == NULL); /* a 0-d has no axis 0 */
  tg_graph_clear_error(g);
  tg_var *s0 = tg_scalar(g, "s0", TG_INT32); /* ... but flattens to one element */
  tg_array *a = tg_array_from_i32(0, NULL, (int32_t[]){5});
  tg_array *r = x_run(g, TG_VARS(s0), tg_cumsum(s0, TG_AXIS_NONE), (tg_array *[]){a});
  x_check(r, TG_INT64, 1, (int64_t[]){1}, (double[]){5}, "0-d cumsum");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}
