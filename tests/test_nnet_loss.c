/* test_nnet_loss.c: categorical_crossentropy (integer labels and distributions),
   binary_crossentropy, sigmoid_binary_crossentropy and one_hot. Values against plain
   loops written here with libm in long double (the sigmoid loss through a different
   formula, t*log1p(e^-x) + (1-t)*log1p(e^x), which long double keeps finite at |x| = 1000),
   over float32/float64 and integer/bool targets and labels, broadcasting, size-0 and size-1,
   transposed, step-2 and reversed inputs, caller outputs, the symbolic shape of every op,
   and the errors: wrong ranks, float labels, out-of-range labels at run time. */
#include <float.h>
#include <stdint.h>

#include "shape_check.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double urand(void) { /* xorshift64, uniform in [0, 1) */
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

enum { L_CONTIG, L_TRANSPOSED, L_STEP2, L_REVERSED, L_COUNT };

/* A view of the given logical shape in the given layout, values from fill(i). */
static tg_array *make(tg_dtype dt, int nd, const int64_t *shape, int layout,
                      double (*fill)(int64_t)) {
  int64_t bs[4];
  for (int d = 0; d < nd; d++) bs[d] = shape[d];
  tg_array *v, *base;
  if (layout == L_TRANSPOSED) {
    for (int d = 0; d < nd; d++) bs[d] = shape[nd - 1 - d];
    base = tg_array_zeros(dt, nd, bs);
    v = tg_array_transpose(base);
    tg_array_unref(base);
  } else if (layout == L_STEP2 && nd > 0) {
    bs[nd - 1] *= 2;
    base = tg_array_zeros(dt, nd, bs);
    v = tg_array_slice(base, nd - 1, 0, INT64_MAX, 2);
    tg_array_unref(base);
  } else {
    v = tg_array_zeros(dt, nd, shape);
    for (int d = 0; layout == L_REVERSED && d < nd; d++) {
      tg_array *w = tg_array_slice(v, d, INT64_MAX, INT64_MIN, -1);
      tg_array_unref(v);
      v = w;
    }
  }
  for (int64_t i = 0; i < tg_array_size(v); i++) tg_array_set_f64(v, i, fill(i));
  return v;
}

static double prob(int64_t i) { (void)i; return 0.001 + 0.998 * urand(); }
static double unit(int64_t i) { (void)i; return urand(); }
static double logit(int64_t i) { (void)i; return urand() * 40 - 20; }
static int64_t n_cls = 3;
static double label(int64_t i) { (void)i; return floor(urand() * (double)n_cls); }
static double bit(int64_t i) { (void)i; return urand() < 0.5 ? 0 : 1; }

/* ---- categorical_crossentropy with integer labels ---- */

static const tg_dtype label_dtypes[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};

TEST(xent_labels_values) {
  const int64_t shapes[][2] = {{4, 3}, {1, 1}, {0, 3}, {5, 1}, {2, 7}};
  for (int fl = 0; fl < 2; fl++)
    for (size_t t = 0; t < sizeof label_dtypes / sizeof label_dtypes[0]; t++)
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        tg_dtype cd = fl ? TG_FLOAT32 : TG_FLOAT64, ld = label_dtypes[t];
        tg_graph *g = tg_graph_new();
        tg_var *c = tg_matrix(g, "c", cd), *y = tg_vector(g, "y", ld);
        tg_var *l = tg_categorical_crossentropy(c, y);
        CHECK(l && tg_var_dtype(l) == cd && tg_var_ndim(l) == 1);
        tg_function *f = tg_function_new(g, TG_VARS(c, y), TG_VARS(l), NULL);
        CHECK(f != NULL);
        n_cls = shapes[s][1];
        for (int L = 0; f && L < L_COUNT; L++) {
          tg_array *ca = make(cd, 2, shapes[s], L, prob);
          tg_array *ya = make(ld, 1, shapes[s], L == L_TRANSPOSED ? L_REVERSED : L, label);
          tg_array *o = NULL;
          if (tg_function_call(f, (tg_array *[]){ca, ya}, &o) != TG_OK) {
            TH_FAIL("%s %s: %s", tg_dtype_name(cd), tg_dtype_name(ld), tg_function_error(f));
          } else {
            CHECK(tg_array_ndim(o) == 1 && tg_array_shape(o)[0] == shapes[s][0]);
            for (int64_t i = 0; i < shapes[s][0]; i++) {
              int64_t k = tg_array_get_i64(ya, i);
              double want = (double)-logl(tg_array_get_f64(ca, i * shapes[s][1] + k));
              CHECK_CLOSE(tg_array_get_f64(o, i), want, fl ? 1e-6 : 1e-15, 0);
            }
          }
          if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(c, y), l, ((tg_array *[]){ca, ya}));
          tg_array_unref(o), tg_array_unref(ca), tg_array_unref(ya);
        }
        tg_function_free(f);
        tg_graph_free(g);
      }
}

/* Hand case, and the label form equals the distribution form with one_hot(labels). */
TEST(xent_labels_hand_and_one_hot_equivalence) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64), *y = tg_vector(g, "y", TG_INT32);
  tg_var *a = tg_categorical_crossentropy(c, y);
  tg_var *b = tg_categorical_crossentropy(c, tg_one_hot(y, 3, TG_FLOAT64));
  tg_function *f = tg_function_new(g, TG_VARS(c, y), TG_VARS(a, b), NULL);
  tg_array *ca = tg_array_from_f64(2, (int64_t[]){3, 3},
                                   (double[]){0.5, 0.25, 0.25, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6});
  tg_array *ya = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){0, 2, 2});
  tg_array *o[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, ya}, o), TG_OK);
  static const double want[3] = {0.69314718055994531, 2.3025850929940457, 0.51082562376599068};
  for (int i = 0; o[0] && i < 3; i++) {
    CHECK_CLOSE(tg_array_get_f64(o[0], i), want[i], 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(o[1], i), want[i], 1e-15, 0);
  }
  tg_array_unref(o[0]), tg_array_unref(o[1]), tg_array_unref(ca), tg_array_unref(ya);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Out-of-range labels and a label count that does not match the rows are run-time
   errors naming the row, the label and the number of classes. */
TEST(xent_labels_runtime_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64), *y = tg_vector(g, "y", TG_INT64);
  tg_function *f = tg_function_new(g, TG_VARS(c, y), TG_VARS(tg_categorical_crossentropy(c, y)), NULL);
  CHECK(f != NULL);
  tg_array *ca = tg_array_from_f64(2, (int64_t[]){3, 3}, (double[]){.2, .3, .5, .2, .3, .5, .2, .3, .5});
  tg_array *y1 = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){0, 1, 3});
  tg_array *y2 = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){0, -1, 2});
  tg_array *y3 = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){0, 1});
  tg_array *o = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, y1}, &o), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "CrossentropyCategorical1Hot: label 3 of row 2 is out of range for 3 classes");
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, y2}, &o), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "label -1 of row 1 is out of range for 3 classes");
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, y3}, &o), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "2 labels for a coding_dist of shape (3, 3)");
  CHECK(o == NULL);
  tg_array_unref(ca), tg_array_unref(y1), tg_array_unref(y2), tg_array_unref(y3);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(xent_build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *fv = tg_vector(g, "fv", TG_FLOAT64);
  tg_var *bv = tg_vector(g, "bv", TG_BOOL), *t3 = tg_tensor3(g, "t3", TG_FLOAT64);
  tg_var *iv = tg_vector(g, "iv", TG_INT64), *im = tg_matrix(g, "im", TG_INT64);
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  CHECK(tg_categorical_crossentropy(m, fv) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "labels (a true_dist vector) must be integers, got TensorType(float64, (?,))");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(m, bv) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "must be integers, got TensorType(bool");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(t3, im) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "with integer labels coding_dist must be a matrix");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(m, t3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "true_dist must have coding_dist's rank");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(fv, s) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "with integer labels coding_dist must be a matrix");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(s, s) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "coding_dist must have rank >= 1");
  tg_graph_clear_error(g);
  tg_var *m34 = tg_tensor(g, "m34", TG_FLOAT64, 2, (int64_t[]){3, 4});
  tg_var *v2 = tg_tensor(g, "v2", TG_INT32, 1, (int64_t[]){2});
  CHECK(tg_categorical_crossentropy(m34, v2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "2 labels for 3 rows of coding_dist");
  tg_graph_clear_error(g);
  CHECK(tg_categorical_crossentropy(NULL, iv) == NULL);
  CHECK(tg_categorical_crossentropy(m, NULL) == NULL);
  tg_graph_clear_error(g);
  /* static length: known from either input */
  tg_var *l = tg_categorical_crossentropy(m, tg_tensor(g, "y5", TG_INT8, 1, (int64_t[]){5}));
  CHECK(l && tg_var_dim(l, 0) == 5);
  l = tg_categorical_crossentropy(m34, iv);
  CHECK(l && tg_var_dim(l, 0) == 3);
  /* an integer coding_dist is converted by the float rule */
  l = tg_categorical_crossentropy(tg_matrix(g, "ci", TG_INT16), iv);
  CHECK(l && tg_var_dtype(l) == TG_FLOAT32);
  tg_graph_free(g);
}

/* ---- categorical_crossentropy with a distribution ---- */

TEST(xent_distribution_values) {
  const int64_t shapes[][3] = {{4, 3, 0}, {1, 1, 0}, {0, 3, 0}, {3, 0, 0}, {2, 3, 4}};
  for (int fl = 0; fl < 2; fl++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
      int nd = shapes[s][2] ? 3 : 2;
      tg_dtype dt = fl ? TG_FLOAT32 : TG_FLOAT64;
      tg_graph *g = tg_graph_new();
      tg_var *c = tg_tensor(g, "c", dt, nd, NULL), *t = tg_tensor(g, "t", dt, nd, NULL);
      tg_var *l = tg_categorical_crossentropy(c, t);
      CHECK(l && tg_var_ndim(l) == nd - 1 && tg_var_dtype(l) == dt);
      tg_function *f = tg_function_new(g, TG_VARS(c, t), TG_VARS(l), NULL);
      for (int L = 0; f && L < L_COUNT; L++) {
        tg_array *ca = make(dt, nd, shapes[s], L, prob), *ta = make(dt, nd, shapes[s], 3 - L, unit);
        tg_array *o = NULL;
        CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, ta}, &o), TG_OK);
        int64_t k = shapes[s][nd - 1], rows = tg_array_size(ca) / (k ? k : 1);
        if (k == 0) rows = tg_array_size(o);
        for (int64_t r = 0; o && r < rows; r++) {
          long double acc = 0;
          for (int64_t j = 0; j < k; j++)
            acc -= (long double)tg_array_get_f64(ta, r * k + j) * logl(tg_array_get_f64(ca, r * k + j));
          CHECK_CLOSE(tg_array_get_f64(o, r), (double)acc, fl ? 1e-5 : 1e-14, 1e-300);
        }
        if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(c, t), l, ((tg_array *[]){ca, ta}));
        tg_array_unref(o), tg_array_unref(ca), tg_array_unref(ta);
      }
      tg_function_free(f);
      tg_graph_free(g);
    }
}

/* A true_dist row broadcasts over the rows of coding_dist; an int8 one-hot matrix with a
   float32 coding_dist gives float32. */
TEST(xent_distribution_broadcast_and_dtypes) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_matrix(g, "c", TG_FLOAT32), *r = tg_row(g, "r", TG_FLOAT32);
  tg_var *oh = tg_matrix(g, "oh", TG_INT8);
  tg_var *a = tg_categorical_crossentropy(c, r), *b = tg_categorical_crossentropy(c, oh);
  CHECK(a && b && tg_var_dtype(a) == TG_FLOAT32 && tg_var_dtype(b) == TG_FLOAT32);
  /* int64 one-hot rows too take coding_dist's float32 (numpy would say float64) */
  tg_var *c64 = tg_categorical_crossentropy(c, tg_matrix(g, "oh64", TG_INT64));
  CHECK(c64 && tg_var_dtype(c64) == TG_FLOAT32);
  tg_function *f = tg_function_new(g, TG_VARS(c, r, oh), TG_VARS(a, b), NULL);
  tg_array *ca = make(TG_FLOAT32, 2, (int64_t[]){3, 4}, L_CONTIG, prob);
  tg_array *ra = make(TG_FLOAT32, 2, (int64_t[]){1, 4}, L_CONTIG, unit);
  tg_array *oa = make(TG_INT8, 2, (int64_t[]){3, 4}, L_REVERSED, bit);
  tg_array *o[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, ra, oa}, o), TG_OK);
  for (int i = 0; o[0] && i < 3; i++) {
    long double s1 = 0, s2 = 0;
    for (int j = 0; j < 4; j++) {
      long double lc = logl(tg_array_get_f64(ca, i * 4 + j));
      s1 -= tg_array_get_f64(ra, j) * lc;
      s2 -= tg_array_get_f64(oa, i * 4 + j) * lc;
    }
    CHECK_CLOSE(tg_array_get_f64(o[0], i), (double)s1, 1e-5, 1e-30);
    CHECK_CLOSE(tg_array_get_f64(o[1], i), (double)s2, 1e-5, 1e-30);
  }
  CHECK_INFER_SHAPE(g, TG_VARS(c, r, oh), a, ((tg_array *[]){ca, ra, oa}));
  tg_array_unref(o[0]), tg_array_unref(o[1]), tg_array_unref(ca), tg_array_unref(ra),
      tg_array_unref(oa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- binary_crossentropy ---- */

static long double bce_ref(long double o, long double t) {
  return -(t * logl(o) + (1 - t) * logl(1 - o)); /* 1 - o is exact in long double */
}

static const tg_dtype target_dtypes[] = {TG_FLOAT64, TG_FLOAT32, TG_INT8, TG_BOOL, TG_UINT8};

TEST(bce_values_dtypes_layouts) {
  const int64_t shapes[][2] = {{3, 4}, {1, 1}, {0, 2}, {2, 1}};
  for (int fl = 0; fl < 2; fl++)
    for (size_t t = 0; t < sizeof target_dtypes / sizeof target_dtypes[0]; t++)
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        tg_dtype od = fl ? TG_FLOAT32 : TG_FLOAT64, td = target_dtypes[t];
        /* an int or bool target takes the output's float dtype; float64 anywhere wins */
        tg_dtype want_dt = od == TG_FLOAT64 || td == TG_FLOAT64 ? TG_FLOAT64 : TG_FLOAT32;
        tg_graph *g = tg_graph_new();
        tg_var *o = tg_matrix(g, "o", od), *tt = tg_matrix(g, "t", td);
        tg_var *l = tg_binary_crossentropy(o, tt);
        CHECK(l && tg_var_dtype(l) == want_dt);
        tg_function *f = tg_function_new(g, TG_VARS(o, tt), TG_VARS(l), NULL);
        for (int L = 0; f && L < L_COUNT; L++) {
          tg_array *oa = make(od, 2, shapes[s], L, prob);
          tg_array *ta = make(td, 2, shapes[s], (L + 1) % L_COUNT, tg_dtype_is_float(td) ? unit : bit);
          tg_array *r = NULL;
          CHECK_STATUS(tg_function_call(f, (tg_array *[]){oa, ta}, &r), TG_OK);
          for (int64_t i = 0; r && i < tg_array_size(oa); i++)
            CHECK_CLOSE(tg_array_get_f64(r, i),
                        (double)bce_ref(tg_array_get_f64(oa, i), tg_array_get_f64(ta, i)),
                        want_dt == TG_FLOAT32 ? 1e-5 : 1e-14, want_dt == TG_FLOAT32 ? 1e-6 : 1e-15);
          if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(o, tt), l, ((tg_array *[]){oa, ta}));
          tg_array_unref(r), tg_array_unref(oa), tg_array_unref(ta);
        }
        tg_function_free(f);
        tg_graph_free(g);
      }
}

/* Hand values, a tiny output (log1p keeps it), a broadcast row of targets, and the NaN
   the formula gives at output 0 with target 0. */
TEST(bce_hand_broadcast_edges) {
  tg_graph *g = tg_graph_new();
  tg_var *o = tg_matrix(g, "o", TG_FLOAT64), *t = tg_row(g, "t", TG_FLOAT64);
  tg_var *l = tg_binary_crossentropy(o, t);
  CHECK(l && tg_var_dim(l, 0) == -1);
  tg_function *f = tg_function_new(g, TG_VARS(o, t), TG_VARS(l), NULL);
  tg_array *oa = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){0.5, 0.9, 1e-20, 0.25, 0, 1});
  tg_array *ta = tg_array_from_f64(2, (int64_t[]){1, 3}, (double[]){1, 0, 0});
  tg_array *r = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){oa, ta}, &r), TG_OK);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), 0.69314718055994531, 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(r, 1), 2.3025850929940455, 1e-14, 0); /* -log(0.1) */
    CHECK_CLOSE(tg_array_get_f64(r, 2), 1e-20, 1e-15, 0);              /* log(1-o) gives 0 */
    CHECK_CLOSE(tg_array_get_f64(r, 3), 1.3862943611198906, 1e-15, 0); /* -log(0.25) */
    CHECK(isnan(tg_array_get_f64(r, 4)));                               /* 0 * log(0) */
    CHECK_CLOSE(tg_array_get_f64(r, 5), INFINITY, 0, 0);               /* -log1p(-1) */
  }
  CHECK_INFER_SHAPE(g, TG_VARS(o, t), l, ((tg_array *[]){oa, ta}));
  tg_array_unref(r), tg_array_unref(oa), tg_array_unref(ta);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- sigmoid_binary_crossentropy ---- */

/* -(t log s(x) + (1-t) log(1 - s(x))) with log s(x) = -log1p(e^-x), log(1 - s(x)) =
   -log1p(e^x): finite in long double for |x| up to about 11000. */
static long double sbce_ref(long double x, long double t) {
  return t * log1pl(expl(-x)) + (1 - t) * log1pl(expl(x));
}

TEST(sigmoid_bce_values_dtypes_layouts) {
  const int64_t shapes[][2] = {{3, 4}, {1, 1}, {0, 2}, {4, 1}};
  for (int fl = 0; fl < 2; fl++)
    for (size_t t = 0; t < sizeof target_dtypes / sizeof target_dtypes[0]; t++)
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        tg_dtype xd = fl ? TG_FLOAT32 : TG_FLOAT64, td = target_dtypes[t];
        tg_dtype want_dt = xd == TG_FLOAT64 || td == TG_FLOAT64 ? TG_FLOAT64 : TG_FLOAT32;
        tg_graph *g = tg_graph_new();
        tg_var *x = tg_matrix(g, "x", xd), *tt = tg_matrix(g, "t", td);
        tg_var *l = tg_sigmoid_binary_crossentropy(x, tt);
        CHECK(l && tg_var_dtype(l) == want_dt);
        tg_function *f = tg_function_new(g, TG_VARS(x, tt), TG_VARS(l), NULL);
        for (int L = 0; f && L < L_COUNT; L++) {
          tg_array *xa = make(xd, 2, shapes[s], L, logit);
          tg_array *ta = make(td, 2, shapes[s], (L + 2) % L_COUNT, tg_dtype_is_float(td) ? unit : bit);
          tg_array *r = NULL;
          CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ta}, &r), TG_OK);
          for (int64_t i = 0; r && i < tg_array_size(xa); i++) {
            long double want = sbce_ref(tg_array_get_f64(xa, i), tg_array_get_f64(ta, i));
            /* max(x,0) - x t cancels to the size of the result; allow |x| eps as well */
            double tol = want_dt == TG_FLOAT32 ? 1e-5 : 1e-13;
            CHECK_CLOSE(tg_array_get_f64(r, i), (double)want, tol,
                        tol * fabs(tg_array_get_f64(xa, i)));
          }
          if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x, tt), l, ((tg_array *[]){xa, ta}));
          tg_array_unref(r), tg_array_unref(xa), tg_array_unref(ta);
        }
        tg_function_free(f);
        tg_graph_free(g);
      }
}

/* At |x| = 1000 the loss is finite and exact: 0 or |x| as the target says, and the small
   tail e^-|x| relative accuracy survives at |x| = 30 (float32 too). */
TEST(sigmoid_bce_large_magnitudes) {
  for (int fl = 0; fl < 2; fl++) {
    tg_dtype dt = fl ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", dt), *t = tg_vector(g, "t", dt);
    tg_function *f = tg_function_new(g, TG_VARS(x, t), TG_VARS(tg_sigmoid_binary_crossentropy(x, t)), NULL);
    double xs[] = {1000, -1000, 1000, -1000, 1000, 30, -30, 0};
    double ts[] = {1, 1, 0, 0, 0.25, 1, 0, 0.5};
    tg_array *x64 = tg_array_from_f64(1, (int64_t[]){8}, xs), *t64 = tg_array_from_f64(1, (int64_t[]){8}, ts);
    tg_array *xa = tg_array_astype(x64, dt), *ta = tg_array_astype(t64, dt);
    tg_array *r = NULL;
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ta}, &r), TG_OK);
    /* log1p(e^-30) = 9.3576229688397368e-14 */
    static const double want[8] = {0, 1000, 1000, 0, 750, 9.3576229688397368e-14,
                                   9.3576229688397368e-14, 0.69314718055994531};
    for (int i = 0; r && i < 8; i++) {
      CHECK(isfinite(tg_array_get_f64(r, i)));
      CHECK_CLOSE(tg_array_get_f64(r, i), want[i], fl ? 1e-6 : 1e-14, 0);
    }
    tg_array_unref(r), tg_array_unref(xa), tg_array_unref(ta), tg_array_unref(x64), tg_array_unref(t64);
    tg_function_free(f);
    tg_graph_free(g);
  }
}

TEST(binary_losses_errors_and_broadcast_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_tensor(g, "m", TG_FLOAT64, 2, (int64_t[]){3, 4});
  tg_var *v5 = tg_tensor(g, "v5", TG_FLOAT64, 1, (int64_t[]){5});
  CHECK(tg_binary_crossentropy(m, v5) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "static shapes do not broadcast");
  tg_graph_clear_error(g);
  CHECK(tg_sigmoid_binary_crossentropy(m, v5) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "static shapes do not broadcast");
  tg_graph_clear_error(g);
  CHECK(tg_binary_crossentropy(NULL, m) == NULL);
  CHECK(tg_sigmoid_binary_crossentropy(m, NULL) == NULL);
  tg_graph_clear_error(g);
  /* a vector of targets broadcasts along the rows: shape (3, 4) */
  tg_var *l = tg_sigmoid_binary_crossentropy(m, tg_tensor(g, "v4", TG_FLOAT32, 1, (int64_t[]){4}));
  CHECK(l && tg_var_ndim(l) == 2 && tg_var_dim(l, 0) == 3 && tg_var_dim(l, 1) == 4);
  /* integer logits are converted by the float rule */
  l = tg_sigmoid_binary_crossentropy(tg_vector(g, "xi", TG_INT8), tg_vector(g, "ti", TG_INT8));
  CHECK(l && tg_var_dtype(l) == TG_FLOAT32);
  tg_graph_free(g);
}

/* ---- one_hot ---- */

TEST(one_hot_values) {
  static const tg_dtype outs[] = {TG_FLOAT64, TG_FLOAT32, TG_INT32, TG_BOOL, TG_UINT8};
  const int64_t lens[] = {5, 1, 0};
  for (size_t t = 0; t < sizeof label_dtypes / sizeof label_dtypes[0]; t++)
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++)
      for (size_t s = 0; s < 3; s++) {
        tg_graph *g = tg_graph_new();
        tg_var *y = tg_vector(g, "y", label_dtypes[t]);
        tg_var *h = tg_one_hot(y, 4, outs[k]);
        CHECK(h && tg_var_dtype(h) == outs[k] && tg_var_dim(h, 1) == 4);
        tg_function *f = tg_function_new(g, TG_VARS(y), TG_VARS(h), NULL);
        n_cls = 4;
        for (int L = 0; f && L < L_COUNT; L++) {
          tg_array *ya = make(label_dtypes[t], 1, &lens[s], L, label);
          tg_array *r = NULL;
          CHECK_STATUS(tg_function_call(f, (tg_array *[]){ya}, &r), TG_OK);
          CHECK(r && tg_array_ndim(r) == 2 && tg_array_shape(r)[0] == lens[s]);
          for (int64_t i = 0; r && i < lens[s]; i++)
            for (int64_t j = 0; j < 4; j++)
              CHECK(tg_array_get_f64(r, i * 4 + j) == (tg_array_get_i64(ya, i) == j ? 1.0 : 0.0));
          if (L == L_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(y), h, ((tg_array *[]){ya}));
          tg_array_unref(r), tg_array_unref(ya);
        }
        tg_function_free(f);
        tg_graph_free(g);
      }
}

/* floatX by default, zero classes, a transposed caller output, run-time range errors. */
TEST(one_hot_floatx_edges_and_runtime_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *y = tg_tensor(g, "y", TG_INT64, 1, (int64_t[]){3});
  tg_var *h = tg_one_hot(y, 4, TG_FLOATX), *z = tg_one_hot(y, 0, TG_FLOAT64);
  CHECK(h && tg_var_dtype(h) == tg_config_floatx());
  CHECK(h && tg_var_dim(h, 0) == 3 && tg_var_dim(h, 1) == 4);
  tg_function *f = tg_function_new(g, TG_VARS(y), TG_VARS(h), NULL);
  tg_array *ya = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){3, 0, 2});
  tg_array *base = tg_array_zeros(tg_config_floatx(), 2, (int64_t[]){4, 3});
  tg_array *out = tg_array_transpose(base);
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){ya}, (tg_array *[]){out}), TG_OK);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      CHECK(tg_array_get_f64(out, i * 4 + j) == (tg_array_get_i64(ya, i) == j ? 1.0 : 0.0));
  tg_array *bad = tg_array_zeros(tg_config_floatx(), 2, (int64_t[]){3, 5});
  CHECK(tg_function_call_into(f, (tg_array *[]){ya}, (tg_array *[]){bad}) != TG_OK);
  tg_array *y4 = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){0, 4, 1});
  tg_array *yn = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){0, 1, -2});
  tg_array *r = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){y4}, &r), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "OneHot: label 4 at position 1 is out of range for 4 classes");
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){yn}, &r), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "label -2 at position 2 is out of range");
  CHECK(r == NULL);
  tg_function_free(f);
  /* zero classes: every label is out of range, an empty label vector gives (0, 0) */
  tg_graph *g2 = tg_graph_new();
  tg_var *e = tg_vector(g2, "e", TG_INT32);
  tg_var *he = tg_one_hot(e, 0, TG_FLOAT64);
  tg_function *f2 = tg_function_new(g2, TG_VARS(e), TG_VARS(he), NULL);
  tg_array *ea = tg_array_zeros(TG_INT32, 1, (int64_t[]){0});
  CHECK_STATUS(tg_function_call(f2, (tg_array *[]){ea}, &r), TG_OK);
  CHECK(r && tg_array_shape(r)[0] == 0 && tg_array_shape(r)[1] == 0);
  CHECK_INFER_SHAPE(g2, TG_VARS(e), he, ((tg_array *[]){ea}));
  tg_array_unref(r);
  tg_function_free(f2);
  CHECK(z != NULL);
  tg_array_unref(ea), tg_array_unref(y4), tg_array_unref(yn), tg_array_unref(bad),
      tg_array_unref(out), tg_array_unref(base), tg_array_unref(ya);
  tg_graph_free(g2);
  tg_graph_free(g);
}

TEST(one_hot_build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *fv = tg_vector(g, "fv", TG_FLOAT32), *im = tg_matrix(g, "im", TG_INT32);
  tg_var *is = tg_scalar(g, "is", TG_INT64), *bv = tg_vector(g, "bv", TG_BOOL);
  tg_var *iv = tg_vector(g, "iv", TG_INT64);
  CHECK(tg_one_hot(fv, 3, TG_FLOAT64) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "one_hot: labels must be an integer vector, got TensorType(float32, (?,))");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(im, 3, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "labels must be an integer vector, got TensorType(int32, (?, ?))");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(is, 3, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "labels must be an integer vector");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(bv, 3, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "got TensorType(bool");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(iv, -1, TG_FLOAT64) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "one_hot: n_classes is -1, must be >= 0");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(iv, 3, (tg_dtype)42) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "one_hot: invalid dtype 42");
  tg_graph_clear_error(g);
  CHECK(tg_one_hot(NULL, 3, TG_FLOAT64) == NULL);
  tg_graph_free(g);
}

/* The ops of their own show their params in debugprint; the distribution form is a
   graph of Elemwise and Sum nodes, with no op of its own. */
TEST(describe) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_matrix(g, "c", TG_FLOAT32), *y = tg_vector(g, "y", TG_INT32);
  tg_var *a = tg_categorical_crossentropy(c, y);
  tg_var *b = tg_categorical_crossentropy(c, tg_one_hot(y, 3, TG_FLOAT32));
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  CHECK_STATUS(tg_debugprint(2, (tg_var *[]){a, b}, fp), TG_OK);
  fclose(fp);
  CHECK(buf && strstr(buf, "CrossentropyCategorical1Hot") != NULL);
  CHECK(buf && strstr(buf, "OneHot{n_classes=3, dtype=float32}") != NULL);
  CHECK(buf && strstr(buf, "Sum{axes=(1,)}") != NULL);
  free(buf);
  tg_graph_free(g);
}
