/* test_array_print.c: tg_array_to_string / tg_array_print against numpy 1.24's str(a).
   Every expected string below was produced by /usr/bin/python3 with numpy 1.24 from the
   expression in the comment beside it (default print options). tests/print_vs_numpy.sh
   compares hundreds of random arrays the same way. */
#include "harness.h"

/* str(a) must equal want; consumes the reference to a. */
#define EXPECT_STR(arr, want)                  \
  do {                                         \
    tg_array *ea_ = (arr);                     \
    CHECK(ea_ != NULL);                        \
    char *es_ = ea_ ? tg_array_to_string(ea_) : NULL; \
    CHECK_STR(es_, want);                      \
    tg_free(es_);                              \
    tg_array_unref(ea_);                       \
  } while (0)

static tg_array *f64(int ndim, const int64_t *shape, const double *v) {
  return tg_array_from_f64(ndim, shape, v);
}

/* 0, 1, 2, ... n-1 converted to dt, with the given shape */
static tg_array *arange(tg_dtype dt, int ndim, const int64_t *shape) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, (double)i);
  return a;
}

TEST(seed_example) {
  /* np.array([[6., 8.], [10., 12.]]) */
  EXPECT_STR(f64(2, (int64_t[]){2, 2}, (double[]){6, 8, 10, 12}), "[[ 6.  8.]\n [10. 12.]]");
}

TEST(print_writes_string_and_newline) {
  tg_array *a = f64(2, (int64_t[]){2, 2}, (double[]){6, 8, 10, 12});
  FILE *fp = tmpfile();
  CHECK(fp != NULL);
  if (!fp) return;
  CHECK_STATUS(tg_array_print(a, fp), TG_OK);
  rewind(fp);
  char buf[64] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  CHECK(n == strlen("[[ 6.  8.]\n [10. 12.]]\n"));
  CHECK_STR(buf, "[[ 6.  8.]\n [10. 12.]]\n");
  fclose(fp);
  tg_array_unref(a);
}

TEST(integers) {
  /* np.array([1, -22, 333], dtype=np.int64) */
  EXPECT_STR(tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, -22, 333}), "[  1 -22 333]");
  /* np.array([[-128, 127], [0, 5]], dtype=np.int8) */
  EXPECT_STR(tg_array_from_data(TG_INT8, 2, (int64_t[]){2, 2}, (int8_t[]){-128, 127, 0, 5}),
             "[[-128  127]\n [   0    5]]");
  /* np.array([0, 255, 7], dtype=np.uint8) */
  EXPECT_STR(tg_array_from_data(TG_UINT8, 1, (int64_t[]){3}, (uint8_t[]){0, 255, 7}),
             "[  0 255   7]");
  /* np.array([-32768, 12], dtype=np.int16) */
  EXPECT_STR(tg_array_from_data(TG_INT16, 1, (int64_t[]){2}, (int16_t[]){-32768, 12}),
             "[-32768     12]");
  /* np.array([INT64_MIN, INT64_MAX]) */
  EXPECT_STR(tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){INT64_MIN, INT64_MAX}),
             "[-9223372036854775808  9223372036854775807]");
}

TEST(bools) {
  /* np.array([True, False, True]) */
  EXPECT_STR(tg_array_from_data(TG_BOOL, 1, (int64_t[]){3}, (uint8_t[]){1, 0, 1}),
             "[ True False  True]");
  /* np.array([[True], [True]]) */
  EXPECT_STR(tg_array_from_data(TG_BOOL, 2, (int64_t[]){2, 1}, (uint8_t[]){1, 1}),
             "[[ True]\n [ True]]");
  /* np.ones((2,)+(1,)*3, dtype=bool) */
  EXPECT_STR(tg_array_from_data(TG_BOOL, 4, (int64_t[]){2, 1, 1, 1}, (uint8_t[]){1, 1}),
             "[[[[ True]]]\n\n\n [[[ True]]]]");
}

TEST(float64_fixed) {
  /* np.array([1.5, 2.0, -0.25]) */
  EXPECT_STR(f64(1, (int64_t[]){3}, (double[]){1.5, 2.0, -0.25}), "[ 1.5   2.   -0.25]");
  /* np.array([0.1, 0.2, 0.3]) */
  EXPECT_STR(f64(1, (int64_t[]){3}, (double[]){0.1, 0.2, 0.3}), "[0.1 0.2 0.3]");
  /* np.array([1/3, 2/3]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){1.0 / 3, 2.0 / 3}), "[0.33333333 0.66666667]");
  /* np.array([0.999999999, 0.5]): rounding at the 8th digit carries into the integer */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){0.999999999, 0.5}), "[1.  0.5]");
  /* np.array([-0.0, 0.0]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){-0.0, 0.0}), "[-0.  0.]");
}

TEST(float64_scientific) {
  /* np.array([1e-5, 1.0]): smallest nonzero below 1e-4 */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){1e-5, 1.0}), "[1.e-05 1.e+00]");
  /* np.array([1.0, 1001.0]): max/min above 1000 */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){1.0, 1001.0}), "[1.000e+00 1.001e+03]");
  /* np.array([1e8, 1.0]): largest at least 1e8 */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){1e8, 1.0}), "[1.e+08 1.e+00]");
  /* np.array([99999999.99999, 1.0]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){99999999.99999, 1.0}), "[1.e+08 1.e+00]");
  /* np.array([123456.789, 0.5]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){123456.789, 0.5}),
             "[1.23456789e+05 5.00000000e-01]");
  /* np.array([1e-300, 1e300]): three exponent digits */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){1e-300, 1e300}), "[1.e-300 1.e+300]");
  /* np.array([5e-324, 1.5]): digits past the shortest are the exact value's */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){5e-324, 1.5}), "[4.9e-324 1.5e+000]");
  /* np.array([2.0**-30, 3.3333333333]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){0x1p-30, 3.3333333333}),
             "[9.31322575e-10 3.33333333e+00]");
  /* np.array([[1.0, -2.5e-7], [np.inf, 0.0]]) */
  EXPECT_STR(f64(2, (int64_t[]){2, 2}, (double[]){1.0, -2.5e-7, INFINITY, 0.0}),
             "[[ 1.0e+00 -2.5e-07]\n [     inf  0.0e+00]]");
}

TEST(nan_inf) {
  /* np.array([np.nan, 1.0, -np.inf]) */
  EXPECT_STR(f64(1, (int64_t[]){3}, (double[]){NAN, 1.0, -INFINITY}), "[ nan   1. -inf]");
  /* np.array([np.nan, np.inf]) */
  EXPECT_STR(f64(1, (int64_t[]){2}, (double[]){NAN, INFINITY}), "[nan inf]");
  /* np.array([1.5, np.nan], dtype=np.float32) */
  EXPECT_STR(tg_array_from_f32(1, (int64_t[]){2}, (float[]){1.5f, NAN}), "[1.5 nan]");
}

TEST(float32) {
  /* np.array([0.1, 0.3], dtype=np.float32): shortest digits of the float, not the double */
  EXPECT_STR(tg_array_from_f32(1, (int64_t[]){2}, (float[]){0.1f, 0.3f}), "[0.1 0.3]");
  /* np.array([1e-5, 0.3], dtype=np.float32) */
  EXPECT_STR(tg_array_from_f32(1, (int64_t[]){2}, (float[]){1e-5f, 0.3f}), "[1.e-05 3.e-01]");
  /* np.array([16777217.0, 1.5], dtype=np.float32) */
  EXPECT_STR(tg_array_from_f32(1, (int64_t[]){2}, (float[]){16777217.0f, 1.5f}),
             "[1.6777216e+07 1.5000000e+00]");
}

TEST(zero_d) {
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, 3.5), "3.5");           /* np.array(3.5) */
  EXPECT_STR(tg_array_scalar(TG_BOOL, 1), "True");               /* np.array(True) */
  EXPECT_STR(tg_array_scalar(TG_INT32, 7), "7");                 /* np.array(7, np.int32) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, 1e16), "1e+16");        /* np.array(1e16) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT32, 1e-5), "1e-05");        /* np.array(1e-5, np.float32) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, -0.0), "-0.0");         /* np.array(-0.0) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, NAN), "nan");           /* np.array(np.nan) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT32, 0.1), "0.1");           /* np.array(0.1, np.float32) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, 1.0), "1.0");           /* np.array(1.0) */
  EXPECT_STR(tg_array_scalar(TG_FLOAT64, -INFINITY), "-inf");    /* np.array(-np.inf) */
  EXPECT_STR(tg_array_scalar(TG_UINT8, 200), "200");             /* np.array(200, np.uint8) */
}

TEST(empty) {
  EXPECT_STR(tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){0}), "[]");        /* np.zeros((0,)) */
  EXPECT_STR(tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){1, 0}), "[]");     /* np.zeros((1, 0)) */
  /* np.zeros((2, 0, 3), dtype=np.int32) */
  EXPECT_STR(tg_array_zeros(TG_INT32, 3, (int64_t[]){2, 0, 3}), "[]");
}

TEST(three_d_and_more) {
  /* np.arange(24).reshape(2, 3, 4) */
  EXPECT_STR(arange(TG_INT64, 3, (int64_t[]){2, 3, 4}),
             "[[[ 0  1  2  3]\n"
             "  [ 4  5  6  7]\n"
             "  [ 8  9 10 11]]\n"
             "\n"
             " [[12 13 14 15]\n"
             "  [16 17 18 19]\n"
             "  [20 21 22 23]]]");
  /* np.arange(12).reshape(2,1,2,3) */
  EXPECT_STR(arange(TG_INT64, 4, (int64_t[]){2, 1, 2, 3}),
             "[[[[ 0  1  2]\n"
             "   [ 3  4  5]]]\n"
             "\n"
             "\n"
             " [[[ 6  7  8]\n"
             "   [ 9 10 11]]]]");
  /* np.ones((1,)*32, dtype=np.int64) */
  int64_t ones[TG_MAX_NDIM];
  for (int i = 0; i < TG_MAX_NDIM; i++) ones[i] = 1;
  EXPECT_STR(tg_array_from_i64(32, ones, (int64_t[]){1}),
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
  /* rank 64 (numpy stops at 32 dims; the rule is the same: one bracket pair per axis) */
  char want[2 * 64 + 2];
  memset(want, '[', 64);
  want[64] = '1';
  memset(want + 65, ']', 64);
  want[129] = '\0';
  EXPECT_STR(tg_array_from_i64(64, ones, (int64_t[]){1}), want);
}

TEST(views) {
  /* np.arange(6.).reshape(2, 3).T */
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){2, 3});
  EXPECT_STR(tg_array_transpose(a), "[[0. 3.]\n [1. 4.]\n [2. 5.]]");
  tg_array_unref(a);
  /* np.arange(5)[4:-100:-2] */
  a = arange(TG_INT64, 1, (int64_t[]){5});
  EXPECT_STR(tg_array_slice(a, 0, 4, -100, -2), "[4 2 0]");
  /* np.arange(5)[1:4] -> [1 2 3]: the width comes from the view, not the base */
  EXPECT_STR(tg_array_slice(a, 0, 1, 4, 1), "[1 2 3]");
  tg_array_unref(a);
  /* np.broadcast_to(np.array([7, -7]), (3, 2)) : zero strides */
  a = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){7, -7});
  EXPECT_STR(tg_array_view(a, 2, (int64_t[]){3, 2}, (int64_t[]){0, 8}, 0),
             "[[ 7 -7]\n [ 7 -7]\n [ 7 -7]]");
  tg_array_unref(a);
}

TEST(summarised) {
  /* np.arange(2000) */
  EXPECT_STR(arange(TG_INT64, 1, (int64_t[]){2000}), "[   0    1    2 ... 1997 1998 1999]");
  /* np.ones(1001, dtype=bool) */
  tg_array *b = tg_array_empty(TG_BOOL, 1, (int64_t[]){1001});
  for (int i = 0; i < 1001; i++) tg_array_set_f64(b, i, 1);
  EXPECT_STR(b, "[ True  True  True ...  True  True  True]");
  /* np.arange(2000, dtype=np.int64) * 10**12: the summary wraps like a word */
  tg_array *w = tg_array_empty(TG_INT64, 1, (int64_t[]){2000});
  for (int64_t i = 0; i < 2000; i++) ((int64_t *)tg_array_data(w))[i] = i * 1000000000000;
  EXPECT_STR(w, "[               0    1000000000000    2000000000000 ... 1997000000000000\n"
                " 1998000000000000 1999000000000000]");
  /* np.arange(2000.).reshape(40, 50): only the shown corners choose the format */
  EXPECT_STR(arange(TG_FLOAT64, 2, (int64_t[]){40, 50}),
             "[[0.000e+00 1.000e+00 2.000e+00 ... 4.700e+01 4.800e+01 4.900e+01]\n"
             " [5.000e+01 5.100e+01 5.200e+01 ... 9.700e+01 9.800e+01 9.900e+01]\n"
             " [1.000e+02 1.010e+02 1.020e+02 ... 1.470e+02 1.480e+02 1.490e+02]\n"
             " ...\n"
             " [1.850e+03 1.851e+03 1.852e+03 ... 1.897e+03 1.898e+03 1.899e+03]\n"
             " [1.900e+03 1.901e+03 1.902e+03 ... 1.947e+03 1.948e+03 1.949e+03]\n"
             " [1.950e+03 1.951e+03 1.952e+03 ... 1.997e+03 1.998e+03 1.999e+03]]");
  /* np.arange(3000).reshape(10, 10, 30)[:2] would not be summarised; check the blank
     line and "..." between summarised blocks on the full array instead (first lines) */
  tg_array *c = arange(TG_INT64, 3, (int64_t[]){10, 10, 30});
  char *s = tg_array_to_string(c);
  CHECK(s != NULL);
  if (s) {
    const char *head = "[[[   0    1    2 ...   27   28   29]\n"
                       "  [  30   31   32 ...   57   58   59]\n"
                       "  [  60   61   62 ...   87   88   89]\n"
                       "  ...\n"
                       "  [ 210  211  212 ...  237  238  239]\n";
    CHECK(strncmp(s, head, strlen(head)) == 0);
    CHECK(strstr(s, "  [ 870  871  872 ...  897  898  899]]\n\n ...\n\n [[2100 2101") != NULL);
    const char *tail = "  [2970 2971 2972 ... 2997 2998 2999]]]";
    CHECK(strlen(s) > strlen(tail) && strcmp(s + strlen(s) - strlen(tail), tail) == 0);
  }
  tg_free(s);
  tg_array_unref(c);
}

TEST(wrapping_at_75_columns) {
  /* np.arange(30) * 1000 */
  tg_array *a = tg_array_empty(TG_INT64, 1, (int64_t[]){30});
  for (int i = 0; i < 30; i++) tg_array_set_f64(a, i, i * 1000.0);
  EXPECT_STR(a, "[    0  1000  2000  3000  4000  5000  6000  7000  8000  9000 10000 11000\n"
                " 12000 13000 14000 15000 16000 17000 18000 19000 20000 21000 22000 23000\n"
                " 24000 25000 26000 27000 28000 29000]");
  /* np.arange(40.) / 7: the padded "5.        " loses its trailing blanks at the break */
  tg_array *b = tg_array_empty(TG_FLOAT64, 1, (int64_t[]){40});
  for (int i = 0; i < 40; i++) tg_array_set_f64(b, i, i / 7.0);
  EXPECT_STR(b, "[0.         0.14285714 0.28571429 0.42857143 0.57142857 0.71428571\n"
                " 0.85714286 1.         1.14285714 1.28571429 1.42857143 1.57142857\n"
                " 1.71428571 1.85714286 2.         2.14285714 2.28571429 2.42857143\n"
                " 2.57142857 2.71428571 2.85714286 3.         3.14285714 3.28571429\n"
                " 3.42857143 3.57142857 3.71428571 3.85714286 4.         4.14285714\n"
                " 4.28571429 4.42857143 4.57142857 4.71428571 4.85714286 5.\n"
                " 5.14285714 5.28571429 5.42857143 5.57142857]");
}

TEST(null_and_bad_stream) {
  CHECK(tg_array_to_string(NULL) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "NULL array");
  tg_array *a = tg_array_scalar(TG_FLOAT64, 1);
  CHECK_STATUS(tg_array_print(a, NULL), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "NULL stream");
  CHECK_STATUS(tg_array_print(NULL, stdout), TG_ERR_ARG);
  FILE *ro = fopen("/dev/null", "r"); /* writing to a read-only stream fails at once */
  if (ro) {
    CHECK_STATUS(tg_array_print(a, ro), TG_ERR_IO);
    CHECK_ERROR_CONTAINS(tg_errmsg(), "writing to the stream failed");
    fclose(ro);
  }
  tg_array_unref(a);
}

/* ---- allocation-failure sweep ---- */

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

TEST(allocation_failure_sweep) {
  /* a wrapped, summarised 2-d array: its string needs the buffer to grow several times */
  tg_array *a = arange(TG_FLOAT64, 2, (int64_t[]){40, 50});
  char *want = tg_array_to_string(a);
  CHECK(want != NULL);
  tg_set_allocator(counting_alloc, NULL);
  alloc_count = 0, alloc_fail_at = -1;
  char *s = tg_array_to_string(a);
  int n = alloc_count;
  CHECK_STR(s, want);
  tg_free(s);
  CHECK(n >= 2); /* the sweep below must exercise growth, not just the first buffer */
  for (int k = 1; k <= n; k++) {
    alloc_count = 0, alloc_fail_at = k;
    s = tg_array_to_string(a);
    CHECK(s == NULL);
    CHECK_STATUS(tg_errstatus(), TG_ERR_NOMEM);
    CHECK_ERROR_CONTAINS(tg_errmsg(), "out of memory");
    tg_free(s);
    alloc_count = 0, alloc_fail_at = k;
    FILE *fp = tmpfile();
    if (fp) {
      CHECK_STATUS(tg_array_print(a, fp), TG_ERR_NOMEM);
      fclose(fp);
    }
  }
  tg_set_allocator(NULL, NULL);
  tg_free(want);
  tg_array_unref(a);
}
