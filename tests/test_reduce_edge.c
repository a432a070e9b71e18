/* test_reduce_edge.c: reductions case by case: hand-computed values, integer wrapping,
   NaN and infinities, empty axes (sum 0, prod 1, mean NaN, max an error naming the op and
   the shape), ddof, logsumexp's stability, the float32 accuracy target (1e7 terms against
   a double sum), static output types, caller-provided strided outputs, the display name,
   equal ops for equal axes, and build errors for bad axes. */
#include <stdlib.h>

#include "ops/op.h"
#include "reduce_ref.h"

/* Compile y = op(x) for one input, call it on a, return the single output (or NULL with
   the error printed into err). */
static tg_array *run1(tg_graph *g, tg_var *x, tg_var *y, tg_array *a, char *err, size_t n) {
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  if (!f) {
    snprintf(err, n, "%s", tg_graph_error(g));
    return NULL;
  }
  tg_array *out[1] = {NULL};
  if (tg_function_call(f, (tg_array *[]){a}, out) != TG_OK)
    snprintf(err, n, "%s", tg_function_error(f));
  tg_function_free(f);
  return out[0];
}

static tg_array *vec_f64(int n, const double *v) {
  return tg_array_from_f64(1, (int64_t[]){n}, v);
}

TEST(hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  /* [[1, 2, 3], [4, 5, 6]] */
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  char err[512] = "";
  struct {
    tg_var *y;
    int n;
    double want[3];
  } cases[] = {
      {tg_sum(x, TG_ALL_AXES, false), 1, {21}},
      {tg_sum(x, TG_AXES(0), false), 3, {5, 7, 9}},
      {tg_sum(x, TG_AXES(-1), true), 2, {6, 15}},
      {tg_prod(x, TG_AXES(1), false), 2, {6, 120}},
      {tg_mean(x, TG_AXES(0), false), 3, {2.5, 3.5, 4.5}},
      {tg_variance(x, TG_AXES(1), 0, false), 2, {2.0 / 3, 2.0 / 3}},
      {tg_variance(x, TG_AXES(0), 1, false), 3, {4.5, 4.5, 4.5}},
      {tg_std(x, TG_ALL_AXES, 1, false), 1, {1.8708286933869707}}, /* sqrt(17.5/5) */
      {tg_max(x, TG_AXES(0, 1), false), 1, {6}},
      {tg_min(x, TG_AXES(1), false), 2, {1, 4}},
      {tg_logsumexp(x, TG_AXES(1), false), 2, {3.40760596444438, 6.407605964444381}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tg_array *r = run1(g, x, cases[i].y, a, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
      fprintf(stderr, "case %zu: %s\n", i, err);
      continue;
    }
    CHECK(tg_array_size(r) == cases[i].n);
    for (int k = 0; k < cases[i].n; k++) CHECK_CLOSE(tg_array_get_f64(r, k), cases[i].want[k], 1e-15, 0);
    tg_array_unref(r);
  }
  tg_var *am = NULL;
  tg_var *mx = tg_max_and_argmax(x, TG_AXES(1), false, &am);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(mx, am, tg_argmin(x, TG_AXES(0), false)), NULL);
  tg_array *b = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){3, 9, 9, 7, 1, 7});
  tg_array *out[3] = {NULL, NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){b}, out), TG_OK);
  CHECK(tg_array_get_f64(out[0], 0) == 9 && tg_array_get_f64(out[0], 1) == 7);
  CHECK(tg_array_get_i64(out[1], 0) == 1 && tg_array_get_i64(out[1], 1) == 0); /* first of ties */
  CHECK(tg_array_get_i64(out[2], 0) == 0 && tg_array_get_i64(out[2], 1) == 1 &&
        tg_array_get_i64(out[2], 2) == 1);
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_function_free(f);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_graph_free(g);
}

TEST(argmax_over_several_axes_is_c_order_flat_index) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_INT16);
  /* x[i][j][k], shape (2, 3, 2); per j, the max over (i, k) is at a known place */
  int16_t v[12] = {0};
  v[0 * 6 + 0 * 2 + 1] = 5;  /* j=0: (i=0, k=1) -> flat 1 */
  v[1 * 6 + 1 * 2 + 0] = 7;  /* j=1: (i=1, k=0) -> flat 2 */
  v[1 * 6 + 2 * 2 + 1] = -1; /* j=2: all 0 but one -1 -> first 0, flat 0 */
  tg_array *a = tg_array_from_data(TG_INT16, 3, (int64_t[]){2, 3, 2}, v);
  char err[512] = "";
  tg_array *r = run1(g, x, tg_argmax(x, TG_AXES(2, 0), false), a, err, sizeof err);
  CHECK(r && tg_array_ndim(r) == 1 && tg_array_shape(r)[0] == 3);
  if (r) CHECK(tg_array_get_i64(r, 0) == 1 && tg_array_get_i64(r, 1) == 2 && tg_array_get_i64(r, 2) == 0);
  tg_array_unref(r);
  r = run1(g, x, tg_argmin(x, TG_ALL_AXES, false), a, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 1 * 6 + 2 * 2 + 1);
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(integer_dtypes_and_wrapping) {
  tg_graph *g = tg_graph_new();
  char err[512] = "";
  /* int8 sums do not wrap at 127: they are int64 (numpy) */
  tg_var *x8 = tg_vector(g, "x8", TG_INT8);
  tg_array *a8 = tg_array_from_data(TG_INT8, 1, (int64_t[]){3}, (int8_t[]){100, 100, 100});
  tg_array *r = run1(g, x8, tg_sum(x8, TG_ALL_AXES, false), a8, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_INT64 && tg_array_get_i64(r, 0) == 300);
  tg_array_unref(r);
  r = run1(g, x8, tg_prod(x8, TG_ALL_AXES, false), a8, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 1000000);
  tg_array_unref(r);
  r = run1(g, x8, tg_max(x8, TG_ALL_AXES, false), a8, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_INT8 && tg_array_get_i64(r, 0) == 100);
  tg_array_unref(r);
  tg_array_unref(a8);
  /* uint8 sums are int64 (numpy: uint64) */
  tg_var *xu = tg_vector(g, "xu", TG_UINT8);
  tg_array *au = tg_array_from_data(TG_UINT8, 1, (int64_t[]){2}, (uint8_t[]){255, 255});
  r = run1(g, xu, tg_sum(xu, TG_ALL_AXES, false), au, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_INT64 && tg_array_get_i64(r, 0) == 510);
  tg_array_unref(r);
  r = run1(g, xu, tg_mean(xu, TG_ALL_AXES, false), au, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64 && tg_array_get_f64(r, 0) == 255);
  tg_array_unref(r);
  tg_array_unref(au);
  /* int64 wraps modulo 2^64 as numpy: sum of 4 * 2^62 is 0, (2^32+1)^2 wraps to 2^33+1 */
  tg_var *x64 = tg_vector(g, "x64", TG_INT64);
  int64_t big = (int64_t)1 << 62;
  tg_array *ab = tg_array_from_i64(1, (int64_t[]){4}, (int64_t[]){big, big, big, big});
  r = run1(g, x64, tg_sum(x64, TG_ALL_AXES, false), ab, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 0);
  tg_array_unref(r);
  tg_array *ap = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){4294967297, 4294967297});
  r = run1(g, x64, tg_prod(x64, TG_ALL_AXES, false), ap, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 8589934593);
  tg_array_unref(r);
  tg_array *am = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){INT64_MIN, INT64_MAX, -1});
  r = run1(g, x64, tg_min(x64, TG_ALL_AXES, false), am, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == INT64_MIN);
  tg_array_unref(r);
  r = run1(g, x64, tg_argmax(x64, TG_ALL_AXES, false), am, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 1);
  tg_array_unref(r);
  tg_array_unref(ab);
  tg_array_unref(ap);
  tg_array_unref(am);
  /* bool: sum counts, max is any, mean is a fraction */
  tg_var *xb = tg_vector(g, "xb", TG_BOOL);
  tg_array *abo = tg_array_from_data(TG_BOOL, 1, (int64_t[]){3}, (uint8_t[]){1, 1, 0});
  r = run1(g, xb, tg_sum(xb, TG_ALL_AXES, false), abo, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_INT64 && tg_array_get_i64(r, 0) == 2);
  tg_array_unref(r);
  r = run1(g, xb, tg_min(xb, TG_ALL_AXES, false), abo, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_BOOL && tg_array_get_i64(r, 0) == 0);
  tg_array_unref(r);
  r = run1(g, xb, tg_variance(xb, TG_ALL_AXES, 0, false), abo, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), 2.0 / 9, 1e-15, 0);
  tg_array_unref(r);
  tg_array_unref(abo);
  tg_graph_free(g);
}

TEST(nan_and_infinities) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *am = NULL;
  tg_var *ys[] = {tg_max(x, TG_ALL_AXES, false),    tg_min(x, TG_ALL_AXES, false),
                  tg_argmax(x, TG_ALL_AXES, false), tg_argmin(x, TG_ALL_AXES, false),
                  tg_sum(x, TG_ALL_AXES, false),    tg_all(x, TG_ALL_AXES, false),
                  tg_any(x, TG_ALL_AXES, false),    tg_logsumexp(x, TG_ALL_AXES, false),
                  tg_max_and_argmax(x, TG_ALL_AXES, false, &am)};
  tg_function *f = tg_function_new(g, TG_VARS(x), 10,
                                   (tg_var *[]){ys[0], ys[1], ys[2], ys[3], ys[4], ys[5], ys[6],
                                                 ys[7], ys[8], am},
                                   NULL);
  CHECK(f != NULL);
  struct {
    double v[4];
    double mx, mn;
    int64_t amx, amn;
    double sum;
    int all, any;
    double lse;
  } cases[] = {
      /* numpy: max/min NaN, argmax/argmin the first NaN */
      {{1, NAN, INFINITY, NAN}, NAN, NAN, 1, 1, NAN, 1, 1, NAN},
      {{-INFINITY, -INFINITY, -INFINITY, -INFINITY}, -INFINITY, -INFINITY, 0, 0, -INFINITY, 1, 1, -INFINITY},
      {{1, INFINITY, -INFINITY, 2}, INFINITY, -INFINITY, 1, 2, NAN, 1, 1, INFINITY},
      {{0, NAN, 0, 0}, NAN, NAN, 1, 1, NAN, 0, 1, NAN},
      {{0, 0, -0.0, 0}, 0, 0, 0, 0, 0, 0, 0, 1.3862943611198906}, /* log 4 */
      {{1000, 1000, -INFINITY, 999}, 1000, -INFINITY, 0, 2, -INFINITY, 1, 1,
       1000 + 0.861994804058251} /* 1000 + log(2 + e^-1) */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tg_array *a = vec_f64(4, cases[i].v), *o[10] = {0};
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, o), TG_OK);
    if (o[0]) {
      CHECK_CLOSE(tg_array_get_f64(o[0], 0), cases[i].mx, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(o[1], 0), cases[i].mn, 0, 0);
      CHECK(tg_array_get_i64(o[2], 0) == cases[i].amx);
      CHECK(tg_array_get_i64(o[3], 0) == cases[i].amn);
      CHECK_CLOSE(tg_array_get_f64(o[4], 0), cases[i].sum, 0, 0);
      CHECK(tg_array_get_i64(o[5], 0) == cases[i].all);
      CHECK(tg_array_get_i64(o[6], 0) == cases[i].any);
      CHECK_CLOSE(tg_array_get_f64(o[7], 0), cases[i].lse, 1e-15, 0);
      CHECK_CLOSE(tg_array_get_f64(o[8], 0), cases[i].mx, 0, 0);
      CHECK(tg_array_get_i64(o[9], 0) == cases[i].amx);
    }
    for (int k = 0; k < 10; k++) tg_array_unref(o[k]);
    tg_array_unref(a);
  }
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(logsumexp_is_stable_in_float32) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_array *a = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){100, 100, -200, -200});
  char err[512] = "";
  tg_array *r = run1(g, x, tg_logsumexp(x, TG_AXES(1), true), a, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32 && tg_array_ndim(r) == 2);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), 100 + log(2.0), 1e-7, 0); /* exp(100) overflows float32 */
    CHECK_CLOSE(tg_array_get_f64(r, 1), -200 + log(2.0), 1e-7, 0);
  }
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(empty_reductions_follow_numpy) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_array *a = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){3, 0});
  char err[512] = "";
  struct {
    tg_var *y;
    double want;
    tg_dtype dt;
  } ok[] = {
      {tg_sum(x, TG_AXES(1), false), 0, TG_FLOAT32},
      {tg_prod(x, TG_AXES(1), false), 1, TG_FLOAT32},
      {tg_mean(x, TG_AXES(1), false), NAN, TG_FLOAT32},
      {tg_variance(x, TG_AXES(1), 0, false), NAN, TG_FLOAT32},
      {tg_variance(x, TG_AXES(1), -1, false), 0, TG_FLOAT32}, /* numpy: 0 / max(0+1, 0) */
      {tg_std(x, TG_AXES(1), 0, false), NAN, TG_FLOAT32},
      {tg_all(x, TG_AXES(1), false), 1, TG_BOOL},
      {tg_any(x, TG_AXES(1), false), 0, TG_BOOL},
      {tg_logsumexp(x, TG_AXES(1), false), -INFINITY, TG_FLOAT32},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    tg_array *r = run1(g, x, ok[i].y, a, err, sizeof err);
    CHECK(r && tg_array_dtype(r) == ok[i].dt && tg_array_size(r) == 3);
    for (int k = 0; r && k < 3; k++) CHECK_CLOSE(tg_array_get_f64(r, k), ok[i].want, 0, 0);
    tg_array_unref(r);
  }
  /* max over an empty axis: numpy's error, naming the op and the shape */
  struct {
    tg_var *y;
    const char *msg;
  } bad[] = {
      {tg_max(x, TG_AXES(1), false), "Max{axes=(1,)}: zero-size array to reduction operation maximum which has no identity (input shape (3, 0))"},
      {tg_min(x, TG_ALL_AXES, false), "reduction operation minimum which has no identity"},
      {tg_argmax(x, TG_AXES(1), true), "Argmax{axes=(1,), keepdims}: attempt to get argmax of an empty sequence"},
      {tg_argmin(x, TG_AXES(-1), false), "attempt to get argmin of an empty sequence (input shape (3, 0))"},
      {tg_max_and_argmax(x, TG_AXES(1), false, NULL), "MaxAndArgmax{axes=(1,)}: zero-size array"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    tg_array *r = run1(g, x, bad[i].y, a, err, sizeof err);
    CHECK(r == NULL);
    CHECK_ERROR_CONTAINS(err, bad[i].msg);
    tg_array_unref(r);
  }
  CHECK_INFER_SHAPE(g, TG_VARS(x), tg_sum(x, TG_AXES(1), true), ((tg_array *[]){a}));
  CHECK_INFER_SHAPE(g, TG_VARS(x), tg_mean(x, TG_AXES(0), false), ((tg_array *[]){a}));
  /* the max over a non-empty axis of an empty array is an empty result, as numpy */
  tg_array *e = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){0, 3});
  tg_array *r = run1(g, x, tg_max(x, TG_AXES(1), false), e, err, sizeof err);
  CHECK(r && tg_array_ndim(r) == 1 && tg_array_shape(r)[0] == 0);
  tg_array_unref(r);
  tg_array_unref(e);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(ddof) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_INT32);
  tg_array *a = tg_array_from_i32(1, (int64_t[]){4}, (int32_t[]){1, 2, 3, 4});
  char err[512] = "";
  double want[] = {1.25, 5.0 / 3, 2.5, 5.0, INFINITY, 5.0 / 6}; /* 5 / (4 - ddof) */
  int ddofs[] = {0, 1, 2, 3, 4, -2};
  for (int i = 0; i < 6; i++) {
    tg_array *r = run1(g, x, tg_variance(x, TG_ALL_AXES, ddofs[i], false), a, err, sizeof err);
    CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
    if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), want[i], 1e-15, 0);
    tg_array_unref(r);
    r = run1(g, x, tg_std(x, TG_ALL_AXES, ddofs[i], false), a, err, sizeof err);
    if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), sqrt(want[i]), 1e-15, 0);
    tg_array_unref(r);
  }
  tg_array_unref(a);
  /* a constant vector with ddof = n: 0 / 0 is NaN (numpy) */
  tg_array *c = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){7, 7, 7});
  tg_array *r = run1(g, x, tg_variance(x, TG_ALL_AXES, 3, false), c, err, sizeof err);
  CHECK(r && isnan(tg_array_get_f64(r, 0)));
  tg_array_unref(r);
  tg_array_unref(c);
  tg_graph_free(g);
}

/* 1e7 float32 terms in [0, 1): the float32 sum must be within 1e-6 (relative) of the
   double-precision sum of the same floats. A float accumulator is off by about 1e-3. */
TEST(float32_sum_accuracy_1e7_terms) {
  enum { N = 10000000 };
  tg_array *a = tg_array_empty(TG_FLOAT32, 1, (int64_t[]){N});
  float *p = tg_array_data(a);
  double want = 0;
  uint64_t s = 12345;
  for (int64_t i = 0; i < N; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = (float)((double)(s >> 40) * 0x1p-24);
    want += p[i];
  }
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT32);
  char err[512] = "";
  tg_array *r = run1(g, x, tg_sum(x, TG_ALL_AXES, false), a, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), want, 1e-6, 0);
  tg_array_unref(r);
  r = run1(g, x, tg_mean(x, TG_ALL_AXES, false), a, err, sizeof err);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), want / N, 1e-6, 0);
  tg_array_unref(r);
  /* the same terms as a (5, 2e6) matrix summed down its columns and then across */
  tg_array *v = tg_array_view(a, 2, (int64_t[]){5, N / 5}, (int64_t[]){4 * (N / 5), 4}, 0);
  tg_var *y = tg_sum(tg_sum(m, TG_AXES(0), false), TG_ALL_AXES, false);
  r = run1(g, m, y, v, err, sizeof err);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), want, 1e-6, 0);
  tg_array_unref(r);
  tg_array_unref(v);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(static_types) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_INT16, 3, (int64_t[]){2, -1, 5});
  struct {
    tg_var *y;
    tg_dtype dt;
    int nd;
    int64_t shape[3];
  } cases[] = {
      {tg_sum(x, TG_AXES(1), false), TG_INT64, 2, {2, 5}},
      {tg_sum(x, TG_AXES(1), true), TG_INT64, 3, {2, 1, 5}},
      {tg_mean(x, TG_AXES(0, 2), false), TG_FLOAT64, 1, {-1}},
      {tg_max(x, TG_ALL_AXES, false), TG_INT16, 0, {0}},
      {tg_argmin(x, TG_ALL_AXES, true), TG_INT64, 3, {1, 1, 1}},
      {tg_all(x, TG_NO_AXES, false), TG_BOOL, 3, {2, -1, 5}},
      {tg_logsumexp(x, TG_AXES(-1), false), TG_FLOAT32, 2, {2, -1}},
      {tg_std(x, TG_AXES(0), 1, true), TG_FLOAT64, 3, {1, -1, 5}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tg_var *y = cases[i].y;
    CHECK(y && tg_var_dtype(y) == cases[i].dt && tg_var_ndim(y) == cases[i].nd);
    for (int d = 0; y && d < cases[i].nd; d++) CHECK(tg_var_dim(y, d) == cases[i].shape[d]);
  }
  /* every dtype goes through every op with numpy's result dtype */
  for (int d = 0; d < R_NDT; d++) {
    tg_var *v = tg_vector(g, "v", r_dtypes[d]);
    for (int op = 0; op < R_NOPS; op++) {
      tg_var *second = NULL;
      tg_var *y = r_apply(op, v, TG_ALL_AXES, false, 1, &second);
      CHECK(y && tg_var_dtype(y) == r_want_dtype(op, r_dtypes[d]) && tg_var_ndim(y) == 0);
      if (op == R_MAA) CHECK(second && tg_var_dtype(second) == TG_INT64);
    }
  }
  CHECK_STR(tg_graph_error(g), "");
  tg_graph_free(g);
}

TEST(caller_provided_strided_outputs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *am = NULL;
  tg_var *mx = tg_max_and_argmax(x, TG_AXES(0), true, &am);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(mx, am, tg_mean(x, TG_AXES(0), false)), NULL);
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 8, 3, 4, 5, 6});
  /* outputs: (1, 3) views with a stride of 2 elements, and a reversed vector */
  tg_array *b0 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){1, 6});
  tg_array *b1 = tg_array_zeros(TG_INT64, 2, (int64_t[]){1, 6});
  tg_array *b2 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  tg_array *o0 = tg_array_slice(b0, 1, 0, 6, 2), *o1 = tg_array_slice(b1, 1, 1, 6, 2);
  tg_array *o2 = tg_array_slice(b2, 0, INT64_MAX, INT64_MIN, -1);
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o0, o1, o2}), TG_OK);
  double w0[6] = {4, 0, 8, 0, 6, 0}, w2[3] = {4.5, 6.5, 2.5}; /* b2 holds o2 reversed */
  int64_t w1[6] = {0, 1, 0, 0, 0, 1};
  for (int i = 0; i < 6; i++) {
    CHECK(tg_array_get_f64(b0, i) == w0[i]);
    CHECK(tg_array_get_i64(b1, i) == w1[i]);
  }
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(b2, i) == w2[i]);
  /* a wrongly shaped output is refused with both shapes named */
  tg_array *wrong = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 1});
  CHECK(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){wrong, o1, o2}) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(3, 1)");
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(1, 3)");
  tg_array *arrs[] = {a, b0, b1, b2, o0, o1, o2, wrong};
  for (int i = 0; i < 8; i++) tg_array_unref(arrs[i]);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(equal_axes_make_equal_ops) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *a = tg_sum(x, TG_AXES(1, 0), false), *b = tg_sum(x, TG_AXES(0, -1), false);
  tg_var *c = tg_sum(x, TG_ALL_AXES, false), *d = tg_sum(x, TG_AXES(0), false);
  tg_var *e = tg_sum(x, TG_ALL_AXES, true), *p = tg_prod(x, TG_ALL_AXES, false);
  tg_var *v1 = tg_variance(x, TG_ALL_AXES, 1, false), *v0 = tg_variance(x, TG_ALL_AXES, 0, false);
  CHECK(tgi_op_equal(a->owner->op, b->owner->op) && tgi_op_equal(a->owner->op, c->owner->op));
  CHECK(!tgi_op_equal(a->owner->op, d->owner->op));
  CHECK(!tgi_op_equal(a->owner->op, e->owner->op));
  CHECK(!tgi_op_equal(a->owner->op, p->owner->op));
  CHECK(!tgi_op_equal(v1->owner->op, v0->owner->op));
  char *s = tg_pp(v1);
  CHECK_STR(s, "Var{axes=(0, 1), ddof=1}(x)");
  tg_free(s);
  s = tg_pp(tg_argmax(x, TG_AXES(-1), true));
  CHECK_STR(s, "Argmax{axes=(1,), keepdims}(x)");
  tg_free(s);
  tg_graph_free(g);
}

TEST(zero_axes_is_the_identity_with_the_dtype_change) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT8);
  tg_array *a = tg_array_from_data(TG_INT8, 2, (int64_t[]){2, 2}, (int8_t[]){-3, 0, 5, 1});
  char err[512] = "";
  tg_array *r = run1(g, x, tg_mean(x, TG_NO_AXES, false), a, err, sizeof err);
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64 && tg_array_ndim(r) == 2);
  for (int i = 0; r && i < 4; i++) CHECK(tg_array_get_f64(r, i) == tg_array_get_f64(a, i));
  tg_array_unref(r);
  r = run1(g, x, tg_argmax(x, TG_NO_AXES, true), a, err, sizeof err);
  for (int i = 0; r && i < 4; i++) CHECK(tg_array_get_i64(r, i) == 0);
  tg_array_unref(r);
  r = run1(g, x, tg_any(x, TG_NO_AXES, false), a, err, sizeof err);
  CHECK(r && tg_array_get_i64(r, 0) == 1 && tg_array_get_i64(r, 1) == 0);
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  CHECK(tg_sum(x, TG_AXES(2), false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "sum: axis 2 is out of range for a rank-2 tensor");
  CHECK(tg_graph_status(g) == TG_ERR_VALUE);
  tg_graph_clear_error(g);
  CHECK(tg_argmax(x, TG_AXES(-3), false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "argmax: axis -3 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_variance(x, TG_AXES(1, -1), 0, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "variance: axis -1 is repeated");
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "rank-2");
  tg_graph_clear_error(g);
  CHECK(tg_max(x, -2, NULL, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "max: n_axes is -2");
  tg_graph_clear_error(g);
  CHECK(tg_min(x, 1, NULL, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "min: axes is NULL but n_axes is 1");
  tg_graph_clear_error(g);
  tg_var *s = tg_scalar(g, "s", TG_FLOAT32);
  CHECK(tg_logsumexp(s, TG_AXES(0), false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "logsumexp: axis 0 is out of range for a rank-0 tensor");
  tg_graph_clear_error(g);
  /* NULL input: NULL out, and later builders given NULL keep the first error */
  CHECK(tg_prod(NULL, TG_ALL_AXES, false) == NULL);
  CHECK(tg_max_and_argmax(tg_sum(x, TG_AXES(5), false), TG_ALL_AXES, false, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "axis 5 is out of range");
  tg_var *am = x;
  CHECK(tg_max_and_argmax(NULL, TG_ALL_AXES, false, &am) == NULL && am == NULL);
  tg_graph_free(g);
}
