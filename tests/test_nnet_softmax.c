/* test_nnet_softmax.c: Softmax and LogSoftmax over an axis. Every result is compared with
   the formula evaluated per lane in long double by a plain loop written here (the max
   subtracted, as numpy/scipy compute it), over ranks 1 to 4, every axis (negative too),
   size-0 and size-1 axes, float32/float64 and the integer dtypes (converted to float by
   the elementwise rule), contiguous, transposed, step-2 and reversed inputs, and strided
   caller outputs; plus hand values, large magnitudes, rows of -inf, +inf and NaN, the
   symbolic shape and the build/run errors. */
#include <float.h>
#include <stdint.h>

#include "shape_check.h"

enum { L_CONTIG, L_TRANSPOSED, L_STEP2, L_REVERSED, L_COUNT };
static const char *const layouts[L_COUNT] = {"contiguous", "transposed", "step 2", "reversed"};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) { /* xorshift64, uniform in [0, 1) */
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double sample(tg_dtype dt) {
  double u = urand();
  switch (dt) {
    case TG_BOOL: return u < 0.5 ? 0 : 1;
    case TG_UINT8: return floor(u * 256);
    case TG_INT8: return floor(u * 256) - 128;
    case TG_INT16:
    case TG_INT32:
    case TG_INT64: return floor(u * 60) - 30;
    default: return u * 60 - 30;
  }
}

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

/* ---- the reference: one lane at a time, in long double ---- */

/* Softmax (logp false) or log-softmax of x (n values at flat stride st, C order) into r. */
static void ref_lane(const double *x, int64_t n, int64_t st, bool logp, double *r) {
  long double m = -INFINITY;
  bool nan = false;
  for (int64_t j = 0; j < n; j++) {
    if (isnan(x[j * st])) nan = true;
    else if (x[j * st] > m) m = x[j * st];
  }
  if (nan) m = NAN;
  long double s = 0;
  for (int64_t j = 0; j < n; j++) s += expl((long double)x[j * st] - m);
  for (int64_t j = 0; j < n; j++) {
    long double d = (long double)x[j * st] - m;
    r[j * st] = (double)(logp ? d - logl(s) : expl(d) / s);
  }
}

/* The whole reference of x (values in C order, the given shape) along axis. */
static void reference(const double *x, int nd, const int64_t *shape, int axis, bool logp,
                      double *r) {
  int64_t outer = 1, inner = 1, n = shape[axis];
  for (int d = 0; d < axis; d++) outer *= shape[d];
  for (int d = axis + 1; d < nd; d++) inner *= shape[d];
  for (int64_t a = 0; a < outer; a++)
    for (int64_t b = 0; b < inner; b++)
      ref_lane(x + a * n * inner + b, n, inner, logp, r + a * n * inner + b);
}

static tg_dtype float_of(tg_dtype dt) {
  if (dt == TG_FLOAT32 || dt == TG_FLOAT64) return dt;
  return dt == TG_INT32 || dt == TG_INT64 ? TG_FLOAT64 : TG_FLOAT32;
}

/* Compare out with the reference of in along axis (normalised). */
static void compare(const tg_array *in, const tg_array *out, int axis, bool logp, tg_dtype od,
                    const char *what) {
  int nd = tg_array_ndim(in);
  const int64_t *shape = tg_array_shape(in);
  if (tg_array_dtype(out) != od || tg_array_ndim(out) != nd) {
    TH_FAIL("%s: got %s rank %d, expected %s rank %d", what,
            tg_dtype_name(tg_array_dtype(out)), tg_array_ndim(out), tg_dtype_name(od), nd);
    return;
  }
  for (int d = 0; d < nd; d++) CHECK(tg_array_shape(out)[d] == shape[d]);
  int64_t n = tg_array_size(in);
  double *x = calloc((size_t)n + 1, sizeof(double)), *r = calloc((size_t)n + 1, sizeof(double));
  for (int64_t i = 0; i < n; i++) x[i] = tg_array_get_f64(in, i);
  reference(x, nd, shape, axis, logp, r);
  bool f32 = od == TG_FLOAT32;
  for (int64_t i = 0; i < n; i++) {
    double got = tg_array_get_f64(out, i), want = f32 ? (double)(float)r[i] : r[i];
    double tol = logp ? (f32 ? 1e-6 + 1e-6 * fabs(want) : 1e-13 + 1e-14 * fabs(want))
                      : (f32 ? 1e-38 + 1e-6 * want : 1e-300 + 1e-14 * want);
    if (!(fabs(got - want) <= tol) && !(isnan(got) && isnan(want))) {
      TH_FAIL("%s: element %lld is %.17g, expected %.17g", what, (long long)i, got, want);
      break;
    }
  }
  free(x), free(r);
}

typedef struct {
  int nd;
  int64_t shape[4];
  int axis;
} cfg;
static const cfg cfgs[] = {
    {1, {5}, 0},          {1, {5}, -1},         {2, {3, 4}, 1},       {2, {3, 4}, 0},
    {2, {3, 4}, -2},      {3, {2, 3, 4}, 1},    {3, {2, 3, 4}, -1},   {3, {2, 3, 4}, 0},
    {4, {2, 1, 3, 2}, 2}, {4, {2, 1, 3, 2}, 1}, {2, {3, 0}, 1},       {2, {0, 3}, 1},
    {2, {4, 1}, 1},       {1, {1}, 0},          {1, {0}, 0},          {2, {2, 300}, 1},
};
#define NCFG (int)(sizeof cfgs / sizeof cfgs[0])

static const tg_dtype dtypes[] = {TG_FLOAT64, TG_FLOAT32, TG_INT8, TG_INT16,
                                  TG_INT32,   TG_INT64,   TG_UINT8, TG_BOOL};

TEST(values_every_config_dtype_layout) {
  for (int c = 0; c < NCFG; c++)
    for (size_t t = 0; t < sizeof dtypes / sizeof dtypes[0]; t++) {
      const cfg *k = &cfgs[c];
      tg_dtype dt = dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor(g, "x", dt, k->nd, NULL);
      tg_var *sm = tg_softmax(x, k->axis), *ls = tg_log_softmax(x, k->axis);
      CHECK(sm && ls && tg_var_dtype(sm) == float_of(dt) && tg_var_dtype(ls) == float_of(dt));
      tg_function *f = sm && ls ? tg_function_new(g, TG_VARS(x), TG_VARS(sm, ls), NULL) : NULL;
      CHECK(f != NULL);
      int axis = k->axis < 0 ? k->axis + k->nd : k->axis;
      for (int L = 0; f && L < L_COUNT; L++) {
        tg_array *in = make_input(dt, k->nd, k->shape, L);
        tg_array *o[2] = {NULL, NULL};
        char what[200];
        snprintf(what, sizeof what, "config %d %s %s", c, tg_dtype_name(dt), layouts[L]);
        if (tg_function_call(f, (tg_array *[]){in}, o) != TG_OK) {
          TH_FAIL("%s: %s", what, tg_function_error(f));
        } else {
          compare(in, o[0], axis, false, float_of(dt), what);
          compare(in, o[1], axis, true, float_of(dt), what);
        }
        if (L == L_CONTIG) {
          CHECK_INFER_SHAPE(g, TG_VARS(x), sm, ((tg_array *[]){in}));
          CHECK_INFER_SHAPE(g, TG_VARS(x), ls, ((tg_array *[]){in}));
        }
        tg_array_unref(o[0]), tg_array_unref(o[1]), tg_array_unref(in);
      }
      tg_function_free(f);
      tg_graph_free(g);
    }
}

/* Runs a vector through softmax and log_softmax in dtype dt; outputs in o[0], o[1]. */
static bool run_vec(tg_dtype dt, int n, const double *v, tg_array **o) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", dt);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_softmax(x, 0), tg_log_softmax(x, 0)), NULL);
  tg_array *a64 = tg_array_from_f64(1, (int64_t[]){n}, v);
  tg_array *a = tg_array_astype(a64, dt);
  o[0] = o[1] = NULL;
  bool ok = f && tg_function_call(f, (tg_array *[]){a}, o) == TG_OK;
  tg_array_unref(a64), tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
  return ok;
}

TEST(hand_values) {
  tg_array *o[2];
  CHECK(run_vec(TG_FLOAT64, 3, (double[]){1, 2, 3}, o));
  /* e^k / (e + e^2 + e^3) and k - 3 - log(1 + e^-1 + e^-2) */
  static const double sm[3] = {0.090030573170380462, 0.24472847105479764, 0.6652409557748219};
  static const double ls[3] = {-2.4076059644443801, -1.4076059644443804, -0.4076059644443803};
  for (int i = 0; o[0] && i < 3; i++) {
    CHECK_CLOSE(tg_array_get_f64(o[0], i), sm[i], 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(o[1], i), ls[i], 1e-15, 0);
  }
  tg_array_unref(o[0]), tg_array_unref(o[1]);
}

/* Large magnitudes: no overflow, exact where the answer is exact. */
TEST(stability_large_magnitudes) {
  for (int fl = 0; fl < 2; fl++) {
    tg_dtype dt = fl ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *o[2];
    CHECK(run_vec(dt, 2, (double[]){1000, 0}, o));
    if (o[0]) {
      CHECK_CLOSE(tg_array_get_f64(o[0], 0), 1.0, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[0], 1), 0.0, 0, 0); /* e^-1000 underflows */
      CHECK_CLOSE(tg_array_get_f64(o[1], 0), 0.0, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], 1), -1000.0, 0, 0);
    }
    tg_array_unref(o[0]), tg_array_unref(o[1]);
    CHECK(run_vec(dt, 3, (double[]){-1000, 0, 1000}, o));
    if (o[1]) {
      CHECK_CLOSE(tg_array_get_f64(o[1], 0), -2000.0, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], 1), -1000.0, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], 2), 0.0, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[0], 2), 1.0, 0, 0);
    }
    tg_array_unref(o[0]), tg_array_unref(o[1]);
    /* equal huge values share evenly; log_softmax is -log(2) */
    CHECK(run_vec(dt, 2, (double[]){-1e4, -1e4}, o));
    if (o[0]) {
      CHECK_CLOSE(tg_array_get_f64(o[0], 0), 0.5, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], 1), -0.69314718055994531, fl ? 1e-7 : 1e-16, 0);
    }
    tg_array_unref(o[0]), tg_array_unref(o[1]);
    /* e^-30 relative to 1 survives (float32 too): softmax([30, 0])[1] = 1/(1 + e^30) */
    CHECK(run_vec(dt, 2, (double[]){30, 0}, o));
    if (o[0]) CHECK_CLOSE(tg_array_get_f64(o[0], 1), 9.3576229688392989e-14, fl ? 1e-6 : 1e-14, 0);
    if (o[1]) CHECK_CLOSE(tg_array_get_f64(o[1], 1), -30.000000000000092371, fl ? 1e-7 : 1e-15, 0);
    tg_array_unref(o[0]), tg_array_unref(o[1]);
  }
}

/* Rows of -inf give NaN (as numpy/scipy compute them), -inf entries next to finite ones
   give 0 and -inf, a row holding +inf or NaN gives NaN. */
TEST(infinite_and_nan_rows) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_softmax(x, 1), tg_log_softmax(x, 1)), NULL);
  double I = INFINITY;
  tg_array *a = tg_array_from_f64(2, (int64_t[]){4, 2},
                                  (double[]){-I, -I, -I, 0, I, 0, NAN, 0});
  tg_array *o[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, o), TG_OK);
  if (o[0]) {
    static const double sm[8] = {NAN, NAN, 0, 1, NAN, NAN, NAN, NAN};
    static const double ls[8] = {NAN, NAN, -INFINITY, 0, NAN, NAN, NAN, NAN};
    for (int i = 0; i < 8; i++) {
      CHECK_CLOSE(tg_array_get_f64(o[0], i), sm[i], 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], i), ls[i], 0, 0);
    }
  }
  tg_array_unref(o[0]), tg_array_unref(o[1]), tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Each lane sums to 1 (float64, lanes of 1000 random values over a wide range). */
TEST(lanes_sum_to_one) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_softmax(x, 0)), NULL);
  tg_array *a = make_input(TG_FLOAT64, 2, (int64_t[]){1000, 3}, L_TRANSPOSED);
  tg_array *o = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, &o), TG_OK);
  for (int c = 0; o && c < 3; c++) {
    long double s = 0;
    for (int r = 0; r < 1000; r++) s += tg_array_get_f64(o, r * 3 + c);
    CHECK_CLOSE((double)s, 1.0, 1e-13, 0);
  }
  tg_array_unref(o), tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Caller outputs: a transposed float32 output is written through its strides; a wrong
   shape or dtype is refused with a message naming both shapes. */
TEST(call_into) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_var *sm = tg_softmax(x, -1), *ls = tg_log_softmax(x, 0);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(sm, ls), NULL);
  tg_array *in = make_input(TG_FLOAT32, 2, (int64_t[]){3, 5}, L_REVERSED);
  tg_array *b0 = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){5, 3});
  tg_array *b1 = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){3, 10});
  tg_array *o0 = tg_array_transpose(b0), *o1 = tg_array_slice(b1, 1, 0, INT64_MAX, 2);
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){in}, (tg_array *[]){o0, o1}), TG_OK);
  compare(in, o0, 1, false, TG_FLOAT32, "call_into softmax");
  compare(in, o1, 0, true, TG_FLOAT32, "call_into log_softmax");
  tg_array *bad = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){5, 3});
  CHECK(tg_function_call_into(f, (tg_array *[]){in}, (tg_array *[]){bad, o1}) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(5, 3)");
  tg_array_unref(bad), tg_array_unref(o0), tg_array_unref(o1), tg_array_unref(b0),
      tg_array_unref(b1), tg_array_unref(in);
  tg_function_free(f);
  tg_graph_free(g);
}

/* The display names the axis (normalised), and static dims pass through. */
TEST(describe_and_static_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){2, -1, 1});
  tg_var *a = tg_softmax(x, -2), *b = tg_log_softmax(x, 0);
  CHECK(a && tg_var_dim(a, 0) == 2 && tg_var_dim(a, 1) == -1 && tg_var_dim(a, 2) == 1);
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  CHECK_STATUS(tg_debugprint(2, (tg_var *[]){a, b}, fp), TG_OK);
  fclose(fp);
  CHECK(buf && strstr(buf, "Softmax{axis=1}") != NULL);
  CHECK(buf && strstr(buf, "LogSoftmax{axis=0}") != NULL);
  free(buf);
  tg_graph_free(g);
}

TEST(errors) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *s = tg_scalar(g, "s", TG_FLOAT64);
  CHECK(tg_softmax(m, 2) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "softmax: axis 2 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_log_softmax(m, -3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "log_softmax: axis -3 is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_softmax(s, 0) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "softmax: needs a tensor of rank >= 1, got a 0-d float64");
  tg_graph_clear_error(g);
  CHECK(tg_softmax(NULL, 0) == NULL);
  CHECK(tg_log_softmax(NULL, 0) == NULL);
  CHECK(tg_softmax(m, -1) != NULL);
  tg_graph_free(g);
}
