/* test_nnet_act.c: the activations of include/tgraph/nnet.h (relu, leaky_relu, elu, gelu
   exact and tanh-approximate). Each is checked against its formula evaluated in long
   double with libm, element by element, over every dtype it accepts (relu keeps the dtype,
   the others give the float the elementwise rule gives), shapes with size-0 and size-1
   dims, contiguous, transposed, step-2 and reversed inputs, a strided caller output, and
   its symbolic shape; then hand values, large magnitudes, infinities, NaN and the build
   errors. */
#include <float.h>
#include <stdint.h>

#include "shape_check.h"

/* ---- inputs in every layout ---- */

enum { L_CONTIG, L_TRANSPOSED, L_STEP2, L_REVERSED, L_COUNT };
static const char *const layouts[L_COUNT] = {"contiguous", "transposed", "step 2", "reversed"};

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) { /* xorshift64, uniform in [0, 1) */
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* A value suited to dtype dt: floats in [-6, 6], ints over a range the dtype holds. */
static double sample(tg_dtype dt) {
  double u = urand();
  switch (dt) {
    case TG_BOOL: return u < 0.5 ? 0 : 1;
    case TG_UINT8: return floor(u * 256);
    case TG_INT8: return floor(u * 256) - 128;
    case TG_INT16: return floor(u * 2000) - 1000;
    case TG_INT32:
    case TG_INT64: return floor(u * 200000) - 100000;
    default: return u * 12 - 6;
  }
}

/* An array of the given logical shape laid out as `layout` says, filled with sample(dt). */
static tg_array *make_input(tg_dtype dt, int nd, const int64_t *shape, int layout) {
  int64_t bs[8];
  for (int d = 0; d < nd; d++) bs[d] = shape[d];
  tg_array *v = NULL, *base;
  switch (layout) {
    case L_TRANSPOSED:
      for (int d = 0; d < nd; d++) bs[d] = shape[nd - 1 - d];
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_transpose(base);
      tg_array_unref(base);
      break;
    case L_STEP2:
      bs[nd - 1] *= 2;
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_slice(base, nd - 1, 0, INT64_MAX, 2);
      tg_array_unref(base);
      break;
    case L_REVERSED:
      v = tg_array_zeros(dt, nd, shape);
      for (int d = 0; d < nd; d++) {
        tg_array *w = tg_array_slice(v, d, INT64_MAX, INT64_MIN, -1);
        tg_array_unref(v);
        v = w;
      }
      break;
    default: v = tg_array_zeros(dt, nd, shape);
  }
  for (int64_t i = 0; v && i < tg_array_size(v); i++) tg_array_set_f64(v, i, sample(dt));
  return v;
}

/* ---- the activations and their formulas in long double ---- */

enum { A_RELU, A_LEAKY, A_ELU, A_GELU, A_GELU_TANH, A_COUNT };
static const char *const act_names[A_COUNT] = {"relu", "leaky_relu", "elu", "gelu",
                                               "gelu(approximate)"};
#define ALPHA_LEAKY 0.1
#define ALPHA_ELU 1.5

static tg_var *act(int a, tg_var *x) {
  switch (a) {
    case A_RELU: return tg_relu(x);
    case A_LEAKY: return tg_leaky_relu(x, ALPHA_LEAKY);
    case A_ELU: return tg_elu(x, ALPHA_ELU);
    case A_GELU: return tg_gelu(x, false);
    default: return tg_gelu(x, true);
  }
}

static long double ref(int a, long double x) {
  const long double s2pi = 0.797884560802865355879892119868763737L; /* sqrt(2/pi) */
  switch (a) {
    case A_RELU: return x > 0 ? x : 0;
    case A_LEAKY: return x > 0 ? x : ALPHA_LEAKY * x;
    case A_ELU: return x > 0 ? x : ALPHA_ELU * expm1l(x);
    case A_GELU: return 0.5L * x * erfcl(-x / sqrtl(2.0L)); /* 1 + erf(z) = erfc(-z) */
    default: {
      long double u = s2pi * (x + 0.044715L * x * x * x);
      if (x > -3) return 0.5L * x * (1 + tanhl(u)); /* the formula as written */
      return x / (1 + expl(-2 * u)); /* the same, where 1 + tanh(u) would cancel */
    }
  }
}

/* What the output dtype must be: relu keeps it, the rest follow the float rule. */
static tg_dtype want_dtype(int a, tg_dtype dt) {
  if (a == A_RELU || dt == TG_FLOAT32 || dt == TG_FLOAT64) return dt;
  return dt == TG_INT32 || dt == TG_INT64 ? TG_FLOAT64 : TG_FLOAT32;
}

static const tg_dtype all_dtypes[] = {TG_BOOL, TG_INT8, TG_INT16, TG_INT32,
                                      TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};

typedef struct {
  int nd;
  int64_t shape[3];
} shp;
static const shp shapes[] = {{1, {7}}, {2, {3, 4}}, {3, {2, 3, 4}}, {2, {1, 5}},
                             {2, {4, 0}}, {1, {0}}, {3, {1, 1, 1}}, {1, {1}}};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

/* Tolerance: float32 results are rounded at every node of the graph. */
static double rtol_for(tg_dtype out) { return out == TG_FLOAT32 ? 3e-5 : 1e-13; }

static void check_values(int a, tg_dtype dt, const tg_array *in, const tg_array *out,
                         const char *what) {
  tg_dtype od = want_dtype(a, dt);
  if (tg_array_dtype(out) != od) {
    TH_FAIL("%s: dtype %s, expected %s", what, tg_dtype_name(tg_array_dtype(out)),
            tg_dtype_name(od));
    return;
  }
  CHECK(tg_array_ndim(out) == tg_array_ndim(in));
  for (int d = 0; d < tg_array_ndim(in); d++) CHECK(tg_array_shape(out)[d] == tg_array_shape(in)[d]);
  double rtol = rtol_for(od), atol = od == TG_FLOAT32 ? 1e-7 : 1e-300;
  for (int64_t i = 0; i < tg_array_size(in); i++) {
    double x = tg_array_get_f64(in, i), got = tg_array_get_f64(out, i);
    double want = (double)ref(a, x);
    if (od == TG_FLOAT32) want = (float)want;
    else if (!tg_dtype_is_float(od)) want = (double)tg_array_get_i64(in, i) > 0 ? x : 0;
    double tol = atol + rtol * fabs(want);
    if (!(fabs(got - want) <= tol)) {
      TH_FAIL("%s: element %lld: f(%.17g) = %.17g, expected %.17g", what, (long long)i, x, got,
              want);
      return;
    }
  }
}

/* Every activation, dtype, shape and layout, compiled once per (activation, dtype, rank). */
TEST(values_every_dtype_shape_layout) {
  for (int a = 0; a < A_COUNT; a++)
    for (size_t t = 0; t < sizeof all_dtypes / sizeof all_dtypes[0]; t++) {
      tg_dtype dt = all_dtypes[t];
      for (int s = 0; s < NSHAPES; s++) {
        const shp *sh = &shapes[s];
        tg_graph *g = tg_graph_new();
        tg_var *x = tg_tensor(g, "x", dt, sh->nd, NULL);
        tg_var *y = act(a, x);
        CHECK(y != NULL);
        CHECK(y && tg_var_dtype(y) == want_dtype(a, dt));
        tg_function *f = y ? tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL) : NULL;
        CHECK(f != NULL);
        for (int L = 0; f && L < L_COUNT; L++) {
          tg_array *in = make_input(dt, sh->nd, sh->shape, L);
          tg_array *out = NULL;
          char what[200];
          snprintf(what, sizeof what, "%s %s shape #%d %s", act_names[a], tg_dtype_name(dt), s,
                   layouts[L]);
          if (tg_function_call(f, (tg_array *[]){in}, &out) != TG_OK)
            TH_FAIL("%s: %s", what, tg_function_error(f));
          else check_values(a, dt, in, out, what);
          if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){in}));
          tg_array_unref(out);
          tg_array_unref(in);
        }
        tg_function_free(f);
        tg_graph_free(g);
      }
    }
}

/* Hand values (from Phi(x) tables and the tanh formula evaluated once by hand). */
TEST(hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *ys[A_COUNT];
  for (int a = 0; a < A_COUNT; a++) ys[a] = act(a, x);
  tg_function *f = tg_function_new(g, TG_VARS(x), A_COUNT, ys, NULL);
  CHECK(f != NULL);
  tg_array *in = tg_array_from_f64(1, (int64_t[]){5}, (double[]){1, -1, 3, -3, 0});
  tg_array *o[A_COUNT] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){in}, o), TG_OK);
  static const double want[A_COUNT][5] = {
      {1, 0, 3, 0, 0},
      {1, -0.1, 3, -0.3, 0},
      {1, 1.5 * -0.63212055882855767840, 3, 1.5 * -0.95021293163213605, 0},
      {0.84134474606854294859, -0.15865525393145705141, 2.9959503059051097,
       -0.0040496940948902835, 0},
      {0.8411919906082768, -0.15880800939172324, 2.996362607918227, -0.0036373920817729943, 0},
  };
  for (int a = 0; a < A_COUNT && o[0]; a++)
    for (int i = 0; i < 5; i++) CHECK_CLOSE(tg_array_get_f64(o[a], i), want[a][i], 1e-12, 1e-16);
  for (int a = 0; a < A_COUNT; a++) tg_array_unref(o[a]);
  tg_array_unref(in);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Large magnitudes stay finite and accurate; the tails of gelu keep their relative
   accuracy where 1 + erf and 1 + tanh would cancel to 0. */
TEST(large_magnitudes_and_tails) {
  for (int fl = 0; fl < 2; fl++) {
    tg_dtype dt = fl ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", dt);
    tg_var *ys[A_COUNT];
    for (int a = 0; a < A_COUNT; a++) ys[a] = act(a, x);
    tg_function *f = tg_function_new(g, TG_VARS(x), A_COUNT, ys, NULL);
    CHECK(f != NULL);
    double xs[] = {1000, -1000, 1e30, -1e30, -8, -10};
    int n = (int)(sizeof xs / sizeof xs[0]);
    tg_array *in64 = tg_array_from_f64(1, (int64_t[]){n}, xs);
    tg_array *in = tg_array_astype(in64, dt);
    tg_array_unref(in64);
    tg_array *o[A_COUNT] = {0};
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){in}, o), TG_OK);
    for (int a = 0; a < A_COUNT && o[0]; a++)
      for (int i = 0; i < n; i++) {
        double v = tg_array_get_f64(o[a], i), want = (double)ref(a, xs[i]);
        if (dt == TG_FLOAT32) want = (float)want;
        CHECK(isfinite(v));
        if (!(fabs(v - want) <= 1e-30 + (fl ? 5e-5 : 1e-13) * fabs(want)))
          TH_FAIL("%s %s(%g) = %.17g, expected %.17g", tg_dtype_name(dt), act_names[a], xs[i],
                  v, want);
      }
    /* spot values: gelu(-10) = -10 Phi(-10), Phi(-10) = 7.6198530241605260660e-24 */
    if (o[A_GELU] && !fl) CHECK_CLOSE(tg_array_get_f64(o[A_GELU], 5), -7.6198530241605260660e-23, 1e-13, 0);
    if (o[A_ELU]) CHECK_CLOSE(tg_array_get_f64(o[A_ELU], 1), -ALPHA_ELU, 1e-7, 0);
    for (int a = 0; a < A_COUNT; a++) tg_array_unref(o[a]);
    tg_array_unref(in);
    tg_function_free(f);
    tg_graph_free(g);
  }
}

/* NaN propagates through every activation; infinities give what the header promises. */
TEST(nan_and_infinities) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *ys[A_COUNT];
  for (int a = 0; a < A_COUNT; a++) ys[a] = act(a, x);
  tg_function *f = tg_function_new(g, TG_VARS(x), A_COUNT, ys, NULL);
  tg_array *in = tg_array_from_f64(1, (int64_t[]){3}, (double[]){NAN, INFINITY, -INFINITY});
  tg_array *o[A_COUNT] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){in}, o), TG_OK);
  /* expected at +inf and -inf for relu, leaky_relu, elu, gelu, gelu(approximate) */
  static const double at_pinf[A_COUNT] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
  static const double at_ninf[A_COUNT] = {0, -INFINITY, -ALPHA_ELU, NAN, NAN};
  for (int a = 0; a < A_COUNT && o[0]; a++) {
    CHECK(isnan(tg_array_get_f64(o[a], 0)));
    CHECK_CLOSE(tg_array_get_f64(o[a], 1), at_pinf[a], 0, 0);
    CHECK_CLOSE(tg_array_get_f64(o[a], 2), at_ninf[a], 0, 0);
  }
  for (int a = 0; a < A_COUNT; a++) tg_array_unref(o[a]);
  tg_array_unref(in);
  tg_function_free(f);
  tg_graph_free(g);
}

/* relu keeps every dtype, bool and unsigned included; int extremes stay exact. */
TEST(relu_keeps_dtype) {
  tg_graph *g = tg_graph_new();
  tg_var *b = tg_vector(g, "b", TG_BOOL), *i8 = tg_vector(g, "i8", TG_INT8);
  tg_var *i64 = tg_vector(g, "i64", TG_INT64), *u8 = tg_vector(g, "u8", TG_UINT8);
  tg_var *rb = tg_relu(b), *r8 = tg_relu(i8), *r64 = tg_relu(i64), *ru = tg_relu(u8);
  CHECK(tg_var_dtype(rb) == TG_BOOL && tg_var_dtype(r8) == TG_INT8);
  CHECK(tg_var_dtype(r64) == TG_INT64 && tg_var_dtype(ru) == TG_UINT8);
  tg_function *f = tg_function_new(g, TG_VARS(b, i8, i64, u8), TG_VARS(rb, r8, r64, ru), NULL);
  CHECK(f != NULL);
  tg_array *ab = tg_array_from_data(TG_BOOL, 1, (int64_t[]){2}, (uint8_t[]){0, 1});
  tg_array *a8 = tg_array_from_data(TG_INT8, 1, (int64_t[]){3}, (int8_t[]){-128, 127, 0});
  tg_array *a64 = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){INT64_MIN, INT64_MAX});
  tg_array *au = tg_array_from_data(TG_UINT8, 1, (int64_t[]){2}, (uint8_t[]){255, 0});
  tg_array *o[4] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ab, a8, a64, au}, o), TG_OK);
  if (o[0]) {
    CHECK(tg_array_get_i64(o[0], 0) == 0 && tg_array_get_i64(o[0], 1) == 1);
    CHECK(tg_array_get_i64(o[1], 0) == 0 && tg_array_get_i64(o[1], 1) == 127);
    CHECK(tg_array_get_i64(o[1], 2) == 0);
    CHECK(tg_array_get_i64(o[2], 0) == 0 && tg_array_get_i64(o[2], 1) == INT64_MAX);
    CHECK(tg_array_get_i64(o[3], 0) == 255 && tg_array_get_i64(o[3], 1) == 0);
  }
  for (int k = 0; k < 4; k++) tg_array_unref(o[k]);
  tg_array_unref(ab), tg_array_unref(a8), tg_array_unref(a64), tg_array_unref(au);
  tg_function_free(f);
  tg_graph_free(g);
}

/* The static shape passes through (a broadcastable row stays one). */
TEST(static_shape_kept) {
  tg_graph *g = tg_graph_new();
  tg_var *r = tg_row(g, "r", TG_FLOAT32);
  tg_var *t = tg_tensor(g, "t", TG_FLOAT64, 2, (int64_t[]){3, -1});
  for (int a = 0; a < A_COUNT; a++) {
    tg_var *y = act(a, r), *z = act(a, t);
    CHECK(y && tg_var_ndim(y) == 2 && tg_var_dim(y, 0) == 1 && tg_var_dim(y, 1) == -1);
    CHECK(z && tg_var_dim(z, 0) == 3 && tg_var_dim(z, 1) == -1);
    CHECK(y && tg_var_dtype(y) == TG_FLOAT32);
  }
  tg_graph_free(g);
}

/* Caller-provided outputs: a transposed (strided) float32 output is written through its
   strides; a wrongly shaped one is refused. */
TEST(call_into_strided_output) {
  for (int a = 0; a < A_COUNT; a++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
    tg_var *y = act(a, x);
    tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
    CHECK(f != NULL);
    tg_array *in = make_input(TG_FLOAT32, 2, (int64_t[]){3, 4}, L_CONTIG);
    tg_array *base = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 3});
    tg_array *out = tg_array_transpose(base);
    CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){in}, (tg_array *[]){out}), TG_OK);
    check_values(a, TG_FLOAT32, in, out, act_names[a]);
    tg_array *bad = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 3});
    CHECK(tg_function_call_into(f, (tg_array *[]){in}, (tg_array *[]){bad}) != TG_OK);
    tg_array_unref(bad), tg_array_unref(out), tg_array_unref(base), tg_array_unref(in);
    tg_function_free(f);
    tg_graph_free(g);
  }
}

/* Build errors: non-finite alpha, NULL input (sticky, no crash). */
TEST(errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  CHECK(tg_leaky_relu(x, NAN) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "leaky_relu: alpha must be finite");
  tg_graph_clear_error(g);
  CHECK(tg_elu(x, INFINITY) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "elu: alpha must be finite, got inf");
  tg_graph_clear_error(g);
  CHECK(tg_relu(NULL) == NULL);
  CHECK(tg_gelu(NULL, true) == NULL);
  CHECK(tg_leaky_relu(NULL, 0.1) == NULL);
  CHECK(tg_elu(NULL, 1.0) == NULL);
  /* after an error on g, builders return NULL and keep the first message */
  CHECK(tg_leaky_relu(x, NAN) == NULL);
  CHECK(tg_relu(x) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "alpha must be finite");
  tg_graph_free(g);
}
