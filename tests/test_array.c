/* test_array.c: the tg_array API: creation, ranks 0..64, references and wrapped buffers,
   views (bounds checks, Python slices, transposes), contiguity, copies and dtype
   conversions, element access, allclose/equal, and every error with its status and
   message. Expected values are hand-computed (slice index lists were checked against
   numpy: np.arange(7)[start:stop:step]). */
#include <stdint.h>

#include "harness.h"

static const int64_t *shp(const tg_array *a) { return tg_array_shape(a); }

/* Elements of a, in C order, as doubles, compared with want[0..n-1]. */
static int same_values(const tg_array *a, const double *want, int64_t n) {
  if (!a || tg_array_size(a) != n) return 0;
  for (int64_t i = 0; i < n; i++) {
    double g = tg_array_get_f64(a, i);
    if (!(g == want[i] || (isnan(g) && isnan(want[i])))) {
      fprintf(stderr, "  element %lld: got %.17g, want %.17g\n", (long long)i, g, want[i]);
      return 0;
    }
  }
  return 1;
}

static tg_array *arange(tg_dtype dt, int ndim, const int64_t *shape) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, (double)i);
  return a;
}

/* ---- creation ---- */

TEST(zeros_and_empty) {
  tg_array *a = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  CHECK(a != NULL);
  CHECK(tg_array_dtype(a) == TG_FLOAT64);
  CHECK(tg_array_ndim(a) == 2);
  CHECK(shp(a)[0] == 2 && shp(a)[1] == 3);
  CHECK(tg_array_strides(a)[0] == 24 && tg_array_strides(a)[1] == 8);
  CHECK(tg_array_size(a) == 6);
  CHECK(same_values(a, (double[]){0, 0, 0, 0, 0, 0}, 6));
  CHECK(tg_array_is_contiguous(a));
  CHECK(!tg_array_is_view(a));
  CHECK((uintptr_t)tg_array_data(a) % 64 == 0); /* elements are 64-byte aligned */
  tg_array_unref(a);
  a = tg_array_empty(TG_INT16, 3, (int64_t[]){4, 1, 5});
  CHECK(a && tg_array_size(a) == 20 && tg_array_strides(a)[0] == 10 &&
        tg_array_strides(a)[1] == 10 && tg_array_strides(a)[2] == 2);
  tg_array_unref(a);
  a = tg_array_zeros(TG_INT32, 2, (int64_t[]){3, 0}); /* size 0 is fine */
  CHECK(a && tg_array_size(a) == 0 && tg_array_is_contiguous(a));
  tg_array_unref(a);
  /* a zero dimension makes an otherwise overflowing product harmless, as in numpy */
  a = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){0, (int64_t)1 << 40, (int64_t)1 << 40});
  CHECK(a && tg_array_size(a) == 0);
  tg_array_unref(a);
}

TEST(from_data_typed) {
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1.5, -2, 1e300});
  CHECK(tg_array_dtype(a) == TG_FLOAT64 && same_values(a, (double[]){1.5, -2, 1e300}, 3));
  tg_array_unref(a);
  a = tg_array_from_f32(2, (int64_t[]){1, 2}, (float[]){0.1f, -3});
  CHECK(tg_array_dtype(a) == TG_FLOAT32 && same_values(a, (double[]){(double)0.1f, -3}, 2));
  tg_array_unref(a);
  a = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){INT64_MAX, INT64_MIN});
  CHECK(tg_array_dtype(a) == TG_INT64);
  CHECK(tg_array_get_i64(a, 0) == INT64_MAX && tg_array_get_i64(a, 1) == INT64_MIN);
  tg_array_unref(a);
  a = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){-7, 2147483647});
  CHECK(tg_array_dtype(a) == TG_INT32 && same_values(a, (double[]){-7, 2147483647}, 2));
  tg_array_unref(a);
  a = tg_array_from_data(TG_UINT8, 1, (int64_t[]){3}, (uint8_t[]){0, 128, 255});
  CHECK(tg_array_dtype(a) == TG_UINT8 && same_values(a, (double[]){0, 128, 255}, 3));
  tg_array_unref(a);
  a = tg_array_from_data(TG_BOOL, 1, (int64_t[]){2}, (uint8_t[]){1, 0});
  CHECK(same_values(a, (double[]){1, 0}, 2));
  tg_array_unref(a);
  /* the data is copied: changing the source afterwards changes nothing */
  double src[2] = {1, 2};
  a = tg_array_from_f64(1, (int64_t[]){2}, src);
  src[0] = 99;
  CHECK(same_values(a, (double[]){1, 2}, 2));
  tg_array_unref(a);
  /* NULL data is only an error when there are elements to copy */
  CHECK(tg_array_from_f64(1, (int64_t[]){2}, NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "data is NULL");
  a = tg_array_from_f64(1, (int64_t[]){0}, NULL);
  CHECK(a != NULL);
  tg_array_unref(a);
}

TEST(scalar_conversions) {
  tg_array *a = tg_array_scalar(TG_FLOAT64, 2.5);
  CHECK(a && tg_array_ndim(a) == 0 && tg_array_size(a) == 1 && tg_array_get_f64(a, 0) == 2.5);
  CHECK(tg_array_is_contiguous(a));
  tg_array_unref(a);
  struct {
    tg_dtype dt;
    double v, want;
  } cases[] = {
      {TG_INT8, 300.7, 44},        /* truncated to 300, wrapped modulo 256 */
      {TG_INT8, -129.5, 127},      /* -129 wraps to 127 */
      {TG_INT32, NAN, 0},          /* NaN converts to 0 */
      {TG_INT64, -2.9, -2},        /* truncation toward zero */
      {TG_UINT8, -1, 255},         /* wraps */
      {TG_BOOL, 0.5, 1},           /* nonzero is true */
      {TG_BOOL, NAN, 1},           /* NaN is nonzero, as bool(nan) in Python */
      {TG_BOOL, -0.0, 0},
      {TG_FLOAT32, 0.1, (double)0.1f}, /* rounded to float */
      {TG_FLOAT32, 1e40, INFINITY},    /* overflows float */
      {TG_INT64, 1e30, (double)INT64_MAX}, /* saturates */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    a = tg_array_scalar(cases[i].dt, cases[i].v);
    CHECK(a && tg_array_dtype(a) == cases[i].dt);
    if (a && tg_array_get_f64(a, 0) != cases[i].want) {
      TH_FAIL("tg_array_scalar(%s, %g) holds %.17g, want %.17g", tg_dtype_name(cases[i].dt),
              cases[i].v, tg_array_get_f64(a, 0), cases[i].want);
    }
    tg_array_unref(a);
  }
  a = tg_array_scalar(TG_INT64, 1e30);
  CHECK(tg_array_get_i64(a, 0) == INT64_MAX);
  tg_array_unref(a);
  CHECK(tg_array_scalar((tg_dtype)99, 1) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "invalid dtype 99");
}

/* ---- wrapped buffers and references ---- */

typedef struct release_log {
  int calls;
  void *data;
} release_log;

static void on_release(void *ud, void *data) {
  release_log *log = ud;
  log->calls++;
  log->data = data;
}

TEST(wrap_release_runs_once_after_last_reference) {
  double buf[6] = {1, 2, 3, 4, 5, 6};
  release_log log = {0, NULL};
  tg_array *a = tg_array_wrap(TG_FLOAT64, 2, (int64_t[]){2, 3}, NULL, buf, on_release, &log);
  CHECK(a && tg_array_data(a) == buf && tg_array_is_contiguous(a));
  CHECK(same_values(a, buf, 6));
  buf[0] = 10; /* no copy: the array sees the caller's memory */
  CHECK(tg_array_get_f64(a, 0) == 10);
  CHECK(tg_array_ref(a) == a);
  tg_array_unref(a);
  CHECK(log.calls == 0);
  tg_array *v = tg_array_transpose(a);
  tg_array_unref(a); /* the view still holds the storage */
  CHECK(log.calls == 0);
  CHECK(same_values(v, (double[]){10, 4, 2, 5, 3, 6}, 6));
  tg_array_unref(v);
  CHECK(log.calls == 1);
  CHECK(log.data == buf);
  tg_array_unref(NULL); /* ignored */
}

TEST(wrap_strides_and_errors) {
  /* column 1 of a row-major 3x3 int32 matrix */
  int32_t m[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  tg_array *c = tg_array_wrap(TG_INT32, 1, (int64_t[]){3}, (int64_t[]){12}, m + 1, NULL, NULL);
  CHECK(c && same_values(c, (double[]){1, 4, 7}, 3) && !tg_array_is_contiguous(c));
  /* a view of the wrapped column may not reach past the three elements it was given */
  CHECK(tg_array_view(c, 1, (int64_t[]){1}, (int64_t[]){4}, 28) == NULL);
  tg_array_unref(c);
  /* negative strides: data points at the last element */
  c = tg_array_wrap(TG_INT32, 1, (int64_t[]){9}, (int64_t[]){-4}, m + 8, NULL, NULL);
  CHECK(c && same_values(c, (double[]){8, 7, 6, 5, 4, 3, 2, 1, 0}, 9));
  tg_array_unref(c);
  release_log log = {0, NULL};
  CHECK(tg_array_wrap(TG_INT32, 1, (int64_t[]){3}, NULL, NULL, on_release, &log) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "data is NULL");
  CHECK(log.calls == 0); /* a failed wrap leaves the buffer with the caller */
  CHECK(tg_array_wrap(TG_INT32, 1, (int64_t[]){-3}, NULL, m, on_release, &log) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK(log.calls == 0);
  /* strides whose span overflows int64 */
  CHECK(tg_array_wrap(TG_INT32, 1, (int64_t[]){3}, (int64_t[]){INT64_MAX}, m, NULL, NULL) ==
        NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "strides");
}

/* ---- ranks ---- */

TEST(ranks_0_to_32_and_64) {
  int64_t shape[TG_MAX_NDIM];
  for (int r = 0; r <= 64; r++) {
    if (r > 32 && r < 64) continue;
    for (int i = 0; i < r; i++) shape[i] = i < 3 ? 2 : 1; /* size 8 (or less) at any rank */
    tg_array *a = arange(TG_FLOAT64, r, shape);
    int64_t want = (int64_t)1 << (r < 3 ? r : 3);
    CHECK(a != NULL);
    if (!a) continue;
    CHECK(tg_array_ndim(a) == r && tg_array_size(a) == want && tg_array_is_contiguous(a));
    if (r > 0) CHECK(tg_array_strides(a)[r - 1] == 8);
    CHECK(tg_array_get_f64(a, want - 1) == (double)(want - 1));
    tg_array *t = tg_array_transpose(a);
    CHECK(t && tg_array_ndim(t) == r);
    if (t && r > 0) CHECK(shp(t)[0] == shape[r - 1] && shp(t)[r - 1] == shape[0]);
    tg_array *c = tg_array_copy(t);
    CHECK(c && tg_array_ndim(c) == r && tg_array_size(c) == want);
    tg_array_unref(c);
    tg_array_unref(t);
    tg_array_unref(a);
  }
  CHECK(tg_array_zeros(TG_FLOAT64, 65, shape) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "rank 65 is out of range (0..64)");
  CHECK(tg_array_zeros(TG_FLOAT64, -1, shape) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "rank -1 is out of range");
}

/* ---- shape errors ---- */

TEST(shape_errors) {
  CHECK(tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, -1}) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "negative dimension -1 at axis 1");
  int64_t big = (int64_t)1 << 40;
  CHECK(tg_array_empty(TG_INT8, 2, (int64_t[]){big, big}) == NULL); /* 2^80 elements */
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "(1099511627776, 1099511627776)");
  CHECK_ERROR_CONTAINS(tg_errmsg(), "too large");
  /* the element count fits but the byte size does not */
  CHECK(tg_array_empty(TG_FLOAT64, 1, (int64_t[]){(int64_t)1 << 61}) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "float64 is too large");
  CHECK(tg_array_empty(TG_FLOAT64, 2, NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "shape is NULL");
  CHECK(tg_array_zeros((tg_dtype)TG_NDTYPES, 1, (int64_t[]){2}) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "invalid dtype");
  CHECK(tg_array_from_data(TG_FLOAT64, 1, (int64_t[]){-2}, (double[]){1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "negative dimension -2 at axis 0");
}

/* ---- views ---- */

TEST(view_bounds) {
  tg_array *a = arange(TG_FLOAT64, 1, (int64_t[]){10});
  tg_array *v = tg_array_view(a, 1, (int64_t[]){5}, (int64_t[]){16}, 0);
  CHECK(same_values(v, (double[]){0, 2, 4, 6, 8}, 5));
  CHECK(tg_array_is_view(v) && tg_array_is_view(a) && !tg_array_is_contiguous(v));
  tg_array_unref(v);
  CHECK(!tg_array_is_view(a)); /* no live views any more */
  v = tg_array_view(a, 1, (int64_t[]){5}, (int64_t[]){16}, 8); /* last element: index 9 */
  CHECK(same_values(v, (double[]){1, 3, 5, 7, 9}, 5));
  tg_array_unref(v);
  CHECK(tg_array_view(a, 1, (int64_t[]){5}, (int64_t[]){16}, 16) == NULL); /* index 10 */
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "outside the array's storage");
  v = tg_array_view(a, 1, (int64_t[]){10}, (int64_t[]){-8}, 72); /* reversed */
  CHECK(same_values(v, (double[]){9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, 10));
  tg_array_unref(v);
  CHECK(tg_array_view(a, 1, (int64_t[]){10}, (int64_t[]){-8}, 64) == NULL); /* index -1 */
  CHECK(tg_array_view(a, 1, (int64_t[]){1}, (int64_t[]){8}, -8) == NULL);
  CHECK(tg_array_view(a, 1, (int64_t[]){1}, (int64_t[]){8}, 76) == NULL); /* straddles the end */
  CHECK(tg_array_view(a, 1, (int64_t[]){2}, (int64_t[]){8}, INT64_MAX) == NULL);
  CHECK(tg_array_view(a, 1, (int64_t[]){2}, (int64_t[]){8}, INT64_MIN) == NULL);
  CHECK(tg_array_view(a, 2, (int64_t[]){3, 3}, (int64_t[]){INT64_MAX, 8}, 0) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  /* zero strides repeat an element (numpy's broadcast_to) */
  v = tg_array_view(a, 2, (int64_t[]){2, 3}, (int64_t[]){0, 8}, 8);
  CHECK(same_values(v, (double[]){1, 2, 3, 1, 2, 3}, 6));
  tg_array_unref(v);
  /* a view of a view is checked against the owner's storage, not the inner view's */
  tg_array *s = tg_array_slice(a, 0, 2, 5, 1);
  v = tg_array_view(s, 1, (int64_t[]){2}, (int64_t[]){8}, -16);
  CHECK(same_values(v, (double[]){0, 1}, 2));
  tg_array_unref(v);
  tg_array_unref(s);
  /* a 0-d view of one element */
  v = tg_array_view(a, 0, NULL, NULL, 24);
  CHECK(v && tg_array_ndim(v) == 0 && tg_array_get_f64(v, 0) == 3);
  tg_array_unref(v);
  CHECK(tg_array_view(NULL, 1, (int64_t[]){1}, (int64_t[]){8}, 0) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "NULL");
  CHECK(tg_array_view(a, 1, NULL, (int64_t[]){8}, 0) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK(tg_array_view(a, 1, (int64_t[]){-1}, (int64_t[]){8}, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "negative dimension");
  int64_t ones[65] = {0};
  CHECK(tg_array_view(a, 65, ones, ones, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "rank 65");
  tg_array_unref(a);
}

/* One slice case: np.arange(n)[start:stop:step] must be exactly want[0..len-1]. */
static void slice_case(int64_t n, int64_t start, int64_t stop, int64_t step, int len,
                       const double *want) {
  tg_array *a = arange(TG_INT64, 1, (int64_t[]){n});
  tg_array *s = tg_array_slice(a, 0, start, stop, step);
  th_checks++;
  if (!s || !same_values(s, want, len))
    TH_FAIL("arange(%lld)[%lld:%lld:%lld] is wrong (len %lld, want %d)", (long long)n,
            (long long)start, (long long)stop, (long long)step,
            s ? (long long)tg_array_size(s) : -1LL, len);
  tg_array_unref(s);
  tg_array_unref(a);
}

#define SLICE(n, start, stop, step, ...)                                           \
  slice_case(n, start, stop, step, (int)(sizeof((double[]){0, __VA_ARGS__}) / sizeof(double)) - 1, \
             (double[]){0, __VA_ARGS__} + 1)

TEST(slice_python_semantics) {
  const int64_t M = INT64_MAX;
  SLICE(7, 1, 5, 1, 1, 2, 3, 4);
  SLICE(7, 0, M, 2, 0, 2, 4, 6);
  SLICE(7, -3, -1, 1, 4, 5);
  SLICE(7, 5, 1, -1, 5, 4, 3, 2);
  SLICE(7, -1, -8, -1, 6, 5, 4, 3, 2, 1, 0);
  SLICE(7, 10, -10, -3, 6, 3, 0);
  SLICE(7, 100, 200, 1);
  SLICE(7, 3, 3, 1);
  SLICE(7, 0, 7, 10, 0);
  SLICE(7, 6, 0, -10, 6);
  SLICE(7, -100, 100, 3, 0, 3, 6);
  SLICE(7, 2, 5, -1);
  SLICE(7, 0, 7, M, 0);
  SLICE(7, 6, -100, INT64_MIN, 6);
  SLICE(7, -1, INT64_MIN, -2, 6, 4, 2, 0);
  SLICE(0, 0, 5, 1);
  SLICE(0, -1, -5, -1);
  SLICE(1, -1, M, 1, 0);
  /* slicing a 2-d array along its last axis (negative axis) with a negative step */
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){3, 4});
  tg_array *s = tg_array_slice(a, -1, 3, 0, -2); /* a[:, 3:0:-2] */
  CHECK(s && shp(s)[0] == 3 && shp(s)[1] == 2 && tg_array_strides(s)[1] == -16);
  CHECK(same_values(s, (double[]){3, 1, 7, 5, 11, 9}, 6));
  tg_array_unref(s);
  s = tg_array_slice(a, 0, 1, 3, 1); /* a[1:3] is still C-contiguous */
  CHECK(s && tg_array_is_contiguous(s) && same_values(s, (double[]){4, 5, 6, 7, 8, 9, 10, 11}, 8));
  tg_array_unref(s);
  s = tg_array_slice(a, 1, 1, 2, 1); /* a[:, 1:2]: shape (3, 1), not contiguous */
  CHECK(s && !tg_array_is_contiguous(s) && same_values(s, (double[]){1, 5, 9}, 3));
  tg_array_unref(s);
  CHECK(tg_array_slice(a, 0, 0, 3, 0) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "step is 0");
  CHECK(tg_array_slice(a, 2, 0, 3, 1) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "axis out of range for a rank-2 array");
  CHECK(tg_array_slice(a, -3, 0, 3, 1) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK(tg_array_slice(NULL, 0, 0, 3, 1) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  tg_array *z = tg_array_scalar(TG_FLOAT64, 1);
  CHECK(tg_array_slice(z, 0, 0, 1, 1) == NULL); /* a 0-d array has no axis to slice */
  tg_array_unref(z);
  tg_array_unref(a);
}

TEST(transpose_and_contiguity) {
  tg_array *a = arange(TG_INT32, 2, (int64_t[]){2, 3});
  tg_array *t = tg_array_transpose(a);
  CHECK(t && shp(t)[0] == 3 && shp(t)[1] == 2);
  CHECK(tg_array_strides(t)[0] == 4 && tg_array_strides(t)[1] == 12);
  CHECK(same_values(t, (double[]){0, 3, 1, 4, 2, 5}, 6));
  CHECK(!tg_array_is_contiguous(t) && tg_array_is_view(t));
  tg_array *tt = tg_array_transpose(t);
  CHECK(tg_array_equal(tt, a) && tg_array_is_contiguous(tt));
  tg_array_unref(tt);
  tg_array_unref(t);
  tg_array_unref(a);
  a = arange(TG_INT32, 2, (int64_t[]){1, 3}); /* (1,3).T is (3,1): still C-contiguous */
  t = tg_array_transpose(a);
  CHECK(t && tg_array_is_contiguous(t));
  tg_array_unref(t);
  tg_array_unref(a);
  a = tg_array_scalar(TG_INT8, 5);
  t = tg_array_transpose(a);
  CHECK(t && tg_array_ndim(t) == 0 && tg_array_get_f64(t, 0) == 5);
  tg_array_unref(t);
  tg_array_unref(a);
  CHECK(tg_array_transpose(NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
}

/* ---- copies and conversions ---- */

TEST(copy_is_contiguous_and_independent) {
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_array *t = tg_array_transpose(a);
  tg_array *c = tg_array_copy(t);
  CHECK(c && tg_array_is_contiguous(c) && !tg_array_is_view(c));
  CHECK(tg_array_equal(c, t));
  tg_array_set_f64(c, 0, 42);
  CHECK(tg_array_get_f64(a, 0) == 0);
  tg_array_unref(c);
  tg_array_unref(t);
  tg_array_unref(a);
  CHECK(tg_array_copy(NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
}

TEST(astype_conversions) {
  tg_array *f = tg_array_from_f64(1, (int64_t[]){8},
                                  (double[]){1.9, -1.9, NAN, 300.7, -129.5, 1e30, -1e30, -0.0});
  tg_array *i8 = tg_array_astype(f, TG_INT8);
  /* truncate toward zero, NaN -> 0, saturate to int64 then keep the low 8 bits */
  CHECK(i8 && tg_array_dtype(i8) == TG_INT8);
  CHECK(same_values(i8, (double[]){1, -1, 0, 44, 127, -1, 0, 0}, 8));
  tg_array *b = tg_array_astype(f, TG_BOOL);
  CHECK(same_values(b, (double[]){1, 1, 1, 1, 1, 1, 1, 0}, 8));
  tg_array *f32 = tg_array_astype(f, TG_FLOAT32);
  CHECK(same_values(f32, (double[]){(double)1.9f, (double)-1.9f, NAN, (double)300.7f, -129.5,
                                    (double)1e30f, (double)-1e30f, -0.0}, 8));
  tg_array_unref(i8);
  tg_array_unref(b);
  tg_array_unref(f32);
  tg_array_unref(f);
  tg_array *i = tg_array_from_i64(1, (int64_t[]){5},
                                  (int64_t[]){200, -200, 256, -1, ((int64_t)1 << 53) + 1});
  tg_array *i8b = tg_array_astype(i, TG_INT8), *u8 = tg_array_astype(i, TG_UINT8);
  CHECK(same_values(i8b, (double[]){-56, 56, 0, -1, 1}, 5));
  CHECK(same_values(u8, (double[]){200, 56, 0, 255, 1}, 5));
  tg_array *d = tg_array_astype(i, TG_FLOAT64), *s = tg_array_astype(i, TG_FLOAT32);
  CHECK(tg_array_get_f64(d, 4) == 9007199254740992.0); /* 2^53 + 1 rounds to even */
  CHECK(tg_array_get_f64(s, 4) == 9007199254740992.0);
  tg_array *back = tg_array_astype(i8b, TG_INT64);
  CHECK(tg_array_get_i64(back, 0) == -56);
  /* int64 values beyond 2^53 survive int -> int conversions exactly */
  tg_array *i32 = tg_array_astype(i, TG_INT32);
  CHECK(tg_array_get_i64(i32, 4) == 1);
  tg_array_unref(i32);
  tg_array_unref(back);
  tg_array_unref(d);
  tg_array_unref(s);
  tg_array_unref(i8b);
  tg_array_unref(u8);
  tg_array_unref(i);
  tg_array *bf = tg_array_from_data(TG_BOOL, 1, (int64_t[]){2}, (uint8_t[]){1, 0});
  tg_array *bi = tg_array_astype(bf, TG_INT16);
  CHECK(same_values(bi, (double[]){1, 0}, 2));
  tg_array_unref(bi);
  CHECK(tg_array_astype(bf, (tg_dtype)42) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "invalid dtype 42");
  tg_array_unref(bf);
  CHECK(tg_array_astype(NULL, TG_INT8) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
}

TEST(copy_into) {
  tg_array *dst = tg_array_zeros(TG_INT16, 2, (int64_t[]){3, 4});
  tg_array *col = tg_array_slice(dst, 1, 3, -100, -2); /* dst[:, 3::-2]: columns 3 and 1 */
  tg_array *src = tg_array_from_f64(2, (int64_t[]){3, 2}, (double[]){1.5, -2.5, 3, 4, 5, 6});
  CHECK_STATUS(tg_array_copy_into(col, src), TG_OK);
  CHECK(same_values(dst, (double[]){0, -2, 0, 1, 0, 4, 0, 3, 0, 6, 0, 5}, 12));
  tg_array *wrong = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  CHECK_STATUS(tg_array_copy_into(col, wrong), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "shapes differ: (3, 2) vs (2, 3)");
  tg_array *flat = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){6});
  CHECK_STATUS(tg_array_copy_into(flat, src), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "(6,) vs (3, 2)");
  CHECK(same_values(dst, (double[]){0, -2, 0, 1, 0, 4, 0, 3, 0, 6, 0, 5}, 12)); /* untouched */
  CHECK_STATUS(tg_array_copy_into(NULL, src), TG_ERR_ARG);
  CHECK_STATUS(tg_array_copy_into(dst, NULL), TG_ERR_ARG);
  tg_array *e1 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  tg_array *e2 = tg_array_zeros(TG_INT8, 2, (int64_t[]){0, 3});
  CHECK_STATUS(tg_array_copy_into(e1, e2), TG_OK);
  tg_array_unref(e1);
  tg_array_unref(e2);
  tg_array_unref(flat);
  tg_array_unref(wrong);
  tg_array_unref(src);
  tg_array_unref(col);
  tg_array_unref(dst);
}

TEST(copy_into_overlapping_storage) {
  /* a[...] = a.T: numpy reads every element before writing (np.arange(4).reshape(2,2)) */
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 2});
  tg_array *t = tg_array_transpose(a);
  CHECK_STATUS(tg_array_copy_into(a, t), TG_OK);
  CHECK(same_values(a, (double[]){0, 2, 1, 3}, 4));
  tg_array_unref(t);
  tg_array_unref(a);
  /* a[:] = a[::-1] on np.arange(6) */
  a = arange(TG_INT32, 1, (int64_t[]){6});
  tg_array *r = tg_array_slice(a, 0, -1, INT64_MIN, -1);
  CHECK_STATUS(tg_array_copy_into(a, r), TG_OK);
  CHECK(same_values(a, (double[]){5, 4, 3, 2, 1, 0}, 6));
  /* two wraps of one caller buffer overlap as well:
     b = np.arange(8); b[0:8:2] = b[4:0:-1] gives [4 1 3 3 2 5 1 7] */
  int32_t buf[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  tg_array *w1 = tg_array_wrap(TG_INT32, 1, (int64_t[]){4}, (int64_t[]){8}, buf, NULL, NULL);
  tg_array *w2 = tg_array_wrap(TG_INT32, 1, (int64_t[]){4}, (int64_t[]){-4}, buf + 4, NULL, NULL);
  CHECK_STATUS(tg_array_copy_into(w1, w2), TG_OK);
  int32_t want[8] = {4, 1, 3, 3, 2, 5, 1, 7};
  CHECK(memcmp(buf, want, sizeof buf) == 0);
  tg_array_unref(w1);
  tg_array_unref(w2);
  tg_array_unref(r);
  tg_array_unref(a);
}

/* ---- element access ---- */

TEST(get_set) {
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_array *t = tg_array_transpose(a);
  CHECK(tg_array_get_f64(t, 1) == 3 && tg_array_get_f64(t, 4) == 2); /* C order of a.T */
  tg_array_set_f64(t, 1, -2.9);
  CHECK(tg_array_get_f64(a, 3) == -2.9);
  CHECK(tg_array_get_i64(a, 3) == -2);
  tg_array_unref(t);
  tg_array_unref(a);
  tg_array *b = tg_array_zeros(TG_INT8, 1, (int64_t[]){2});
  tg_array_set_f64(b, 1, 300.7);
  CHECK(tg_array_get_i64(b, 1) == 44);
  /* out-of-range positions are reported, never read or written */
  CHECK(isnan(tg_array_get_f64(b, 2)));
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "index 2 is out of range for an array of 2 elements");
  CHECK(tg_array_get_i64(b, -1) == 0);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "index -1 is out of range");
  tg_array_set_f64(b, 5, 1);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "index 5 is out of range");
  CHECK(tg_array_get_i64(b, 0) == 0 && tg_array_get_i64(b, 1) == 44);
  tg_array_unref(b);
  tg_array *e = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){0});
  CHECK(isnan(tg_array_get_f64(e, 0)));
  CHECK_STATUS(tg_errstatus(), TG_ERR_VALUE);
  tg_array_unref(e);
  CHECK(isnan(tg_array_get_f64(NULL, 0)));
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
}

/* ---- comparisons ---- */

TEST(allclose) {
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, 3});
  tg_array *b = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, 3.0001});
  CHECK(tg_array_allclose(a, a, 0, 0, false));
  CHECK(tg_array_allclose(a, b, 1e-4, 0, false));  /* 1e-4 <= 1e-4 * 3.0001 */
  CHECK(!tg_array_allclose(a, b, 1e-5, 0, false));
  CHECK(tg_array_allclose(a, b, 0, 2e-4, false));
  CHECK(!tg_array_allclose(a, b, 0, 5e-5, false));
  tg_array_unref(b);
  /* the tolerance is relative to the second argument: np.allclose(100, 110, rtol=0.095) */
  tg_array *x = tg_array_scalar(TG_FLOAT64, 100), *y = tg_array_scalar(TG_FLOAT64, 110);
  CHECK(tg_array_allclose(x, y, 0.095, 0, false));
  CHECK(!tg_array_allclose(y, x, 0.095, 0, false));
  tg_array_unref(x);
  tg_array_unref(y);
  /* broadcasting: (3,1) against (1,3) and against a 0-d */
  tg_array *col = tg_array_from_f64(2, (int64_t[]){3, 1}, (double[]){2, 2, 2});
  tg_array *row = tg_array_from_f64(2, (int64_t[]){1, 3}, (double[]){2, 2, 2.5});
  tg_array *two = tg_array_scalar(TG_INT32, 2);
  CHECK(tg_array_allclose(col, two, 0, 0, false));
  CHECK(!tg_array_allclose(col, row, 0, 0, false));
  CHECK(tg_array_allclose(col, row, 0, 0.5, false));
  CHECK(tg_array_allclose(a, col, 10, 10, true)); /* (3,) with (3,1): broadcasts */
  tg_array *two3 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){2});
  CHECK(!tg_array_allclose(a, two3, 1e9, 1e9, true)); /* (3,) with (2,): incompatible */
  tg_array_unref(two3);
  tg_array_unref(col);
  tg_array_unref(row);
  tg_array_unref(two);
  /* nan and inf */
  tg_array *n1 = tg_array_from_f64(1, (int64_t[]){2}, (double[]){NAN, INFINITY});
  tg_array *n2 = tg_array_from_f64(1, (int64_t[]){2}, (double[]){NAN, INFINITY});
  tg_array *n3 = tg_array_from_f64(1, (int64_t[]){2}, (double[]){1, INFINITY});
  tg_array *n4 = tg_array_from_f64(1, (int64_t[]){2}, (double[]){NAN, -INFINITY});
  tg_array *n5 = tg_array_from_f64(1, (int64_t[]){2}, (double[]){NAN, 1e308});
  CHECK(!tg_array_allclose(n1, n2, 1e-5, 1e-8, false));
  CHECK(tg_array_allclose(n1, n2, 1e-5, 1e-8, true));
  CHECK(!tg_array_allclose(n1, n3, 1e9, 1e9, true)); /* nan is not close to a number */
  CHECK(!tg_array_allclose(n1, n4, 1e9, 1e9, true)); /* inf is only close to itself */
  CHECK(!tg_array_allclose(n1, n5, 1e9, 1e9, true));
  tg_array_unref(n1);
  tg_array_unref(n2);
  tg_array_unref(n3);
  tg_array_unref(n4);
  tg_array_unref(n5);
  /* integers, and integers against floats */
  tg_array *i = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, 2, 3});
  tg_array *j = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, 2, 4});
  CHECK(tg_array_allclose(i, a, 0, 0, false));
  CHECK(!tg_array_allclose(i, j, 0.2, 0, false)); /* 1 > 0.2 * 4 */
  CHECK(tg_array_allclose(i, j, 0.25, 0, false)); /* 1 <= 0.25 * 4 */
  tg_array_unref(i);
  tg_array_unref(j);
  tg_array *e1 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){0});
  tg_array *e3 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 0});
  CHECK(tg_array_allclose(e1, e3, 0, 0, false)); /* (0,) with (3, 0) */
  CHECK(!tg_array_allclose(e1, a, 0, 0, false)); /* (0,) with (3,) */
  tg_array_unref(e1);
  tg_array_unref(e3);
  CHECK(!tg_array_allclose(NULL, a, 1, 1, true));
  CHECK(!tg_array_allclose(a, NULL, 1, 1, true));
  tg_array_unref(a);
}

TEST(equal) {
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_array *t = tg_array_transpose(a), *c = tg_array_copy(t);
  CHECK(tg_array_equal(t, c) && tg_array_equal(a, a));
  CHECK(!tg_array_equal(a, t)); /* shapes differ */
  tg_array *ai = tg_array_astype(a, TG_INT64);
  CHECK(!tg_array_equal(a, ai)); /* dtypes differ */
  tg_array *z = tg_array_from_f64(1, (int64_t[]){1}, (double[]){0.0});
  tg_array *nz = tg_array_from_f64(1, (int64_t[]){1}, (double[]){-0.0});
  CHECK(!tg_array_equal(z, nz)); /* bit-identical, so 0.0 and -0.0 differ */
  tg_array *n1 = tg_array_from_f64(1, (int64_t[]){1}, (double[]){NAN});
  tg_array *n2 = tg_array_copy(n1);
  CHECK(tg_array_equal(n1, n2));
  CHECK(!tg_array_equal(NULL, a) && !tg_array_equal(a, NULL));
  tg_array_unref(n1);
  tg_array_unref(n2);
  tg_array_unref(z);
  tg_array_unref(nz);
  tg_array_unref(ai);
  tg_array_unref(c);
  tg_array_unref(t);
  tg_array_unref(a);
}

/* ---- allocation failures ---- */

static int alloc_count, alloc_fail_at;

static void *counting_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (++alloc_count == alloc_fail_at) return NULL;
  return realloc(ptr, nsize);
}

/* Every allocation in a scenario of creations, views and copies fails in turn: each
   failing call returns NULL with TG_ERR_NOMEM and the scenario frees what it made. */
static int scenario(void) {
  int failures = 0;
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  tg_array *t = a ? tg_array_transpose(a) : NULL;
  tg_array *c = t ? tg_array_astype(t, TG_FLOAT32) : NULL;
  tg_array *s = c ? tg_array_slice(c, 0, 2, -100, -1) : NULL;
  tg_array *z = s ? tg_array_scalar(TG_INT8, 3) : NULL;
  if (!z) {
    failures++;
    th_checks++;
    if (tg_errstatus() != TG_ERR_NOMEM || !strstr(tg_errmsg(), "out of memory"))
      TH_FAIL("allocation failure %d gave %s: %s", alloc_fail_at, tg_status_name(tg_errstatus()),
              tg_errmsg());
  } else {
    CHECK(same_values(s, (double[]){3, 6, 2, 5, 1, 4}, 6));
  }
  tg_array_unref(z);
  tg_array_unref(s);
  tg_array_unref(c);
  tg_array_unref(t);
  tg_array_unref(a);
  return failures;
}

TEST(allocation_failure_sweep) {
  tg_set_allocator(counting_alloc, NULL);
  alloc_count = 0, alloc_fail_at = -1;
  CHECK(scenario() == 0);
  int n = alloc_count;
  CHECK(n >= 5);
  for (int k = 1; k <= n; k++) {
    alloc_count = 0, alloc_fail_at = k;
    CHECK(scenario() == 1);
  }
  /* the temporary of an overlapping copy_into: failing it leaves dst unchanged */
  alloc_fail_at = -1;
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 2});
  tg_array *t = tg_array_transpose(a);
  alloc_count = 0, alloc_fail_at = 1;
  CHECK_STATUS(tg_array_copy_into(a, t), TG_ERR_NOMEM);
  CHECK(same_values(a, (double[]){0, 1, 2, 3}, 4));
  tg_set_allocator(NULL, NULL);
  tg_array_unref(t);
  tg_array_unref(a);
}
