/* test_index_set.c: tg_set_subtensor and tg_inc_subtensor for every indexing form (slices,
   ints, symbolic bounds, integer arrays, masks): values for every dtype of x, y broadcast
   under Theano's rule, dtype conversion and same_kind rules, repeated indices (inc
   accumulates as np.add.at, set keeps the last write), non-contiguous x and y, x left
   untouched, caller-provided outputs, the shape rule, and the errors. Expected values are
   computed by explicit loops here. */
#include "shape_check.h"

static const tg_dtype x_dtypes[] = {TG_BOOL,  TG_INT8,  TG_INT16,   TG_INT32,
                                    TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
static const tg_dtype idx_dtypes[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};

static double val(tg_dtype dt, int64_t i) {
  if (dt == TG_BOOL) return (i % 3) == 0;
  if (dt == TG_UINT8) return (double)((i * 7) % 251);
  return (double)((i * 7) % 23) - 9 + (tg_dtype_is_float(dt) ? 0.5 : 0);
}

static tg_array *make(tg_dtype dt, int nd, const int64_t *shape, int seed) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, val(dt, i + seed));
  return a;
}

static tg_array *ints(tg_dtype dt, int nd, const int64_t *shape, const int64_t *v) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, (double)v[i]);
  return a;
}

static int64_t wrap(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

/* x's logical elements as doubles, for the expected result to start from */
static double *values(const tg_array *x) {
  double *v = malloc(sizeof(double) * (size_t)(tg_array_size(x) + 1));
  for (int64_t i = 0; i < tg_array_size(x); i++) v[i] = tg_array_get_f64(x, i);
  return v;
}

/* the value numpy stores when adding b to a in dtype dt */
static double add_in(tg_dtype dt, double a, double b) {
  if (dt == TG_BOOL) return (a != 0 || b != 0) ? 1 : 0;
  if (dt == TG_FLOAT32) return (float)((float)a + (float)b);
  if (tg_dtype_is_float(dt)) return a + b;
  int64_t s = (int64_t)a + (int64_t)b;
  switch (dt) {
    case TG_INT8: return (int8_t)(uint8_t)(uint64_t)s;
    case TG_INT16: return (int16_t)(uint16_t)(uint64_t)s;
    case TG_INT32: return (int32_t)(uint32_t)(uint64_t)s;
    case TG_UINT8: return (uint8_t)(uint64_t)s;
    default: return (double)s;
  }
}

static tg_array *run(tg_graph *g, int n, tg_var *const *ins, tg_var *y, tg_array *const *arrs) {
  if (!y) {
    fprintf(stderr, "build failed: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_function *f = tg_function_new(g, n, ins, 1, &y, NULL);
  tg_array *out[1] = {NULL};
  if (tg_function_call(f, arrs, out) != TG_OK)
    fprintf(stderr, "call failed: %s\n", tg_function_error(f));
  tg_function_free(f);
  CHECK(th_infer_shape_ok(g, n, ins, y, arrs));
  return out[0];
}

static void expect(tg_array *out, const tg_array *x, const double *want) {
  CHECK(out != NULL);
  if (!out) return;
  CHECK(tg_array_dtype(out) == tg_array_dtype(x) && tg_array_ndim(out) == tg_array_ndim(x));
  int ok = tg_array_ndim(out) == tg_array_ndim(x);
  for (int d = 0; ok && d < tg_array_ndim(x); d++) ok = tg_array_shape(out)[d] == tg_array_shape(x)[d];
  CHECK(ok);
  for (int64_t i = 0; ok && i < tg_array_size(out); i++) CHECK_CLOSE(tg_array_get_f64(out, i), want[i], 0, 0);
}

/* x (4, 5), region x[0:-1:2, ::-2] (rows 0, 2; columns 4, 2, 0); y of the region's shape,
   a row y broadcast along its static-1 dim, and a 0-d y. */
TEST(basic_set_inc_every_dtype) {
  for (size_t k = 0; k < 8; k++) {
    tg_dtype dt = x_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = tg_matrix(g, "y", dt);
    tg_var *r = tg_row(g, "r", dt), *s = tg_scalar(g, "s", dt);
    tg_idx idx[] = {TG_SLICE(0, -1, 2), TG_SLICE(TG_NONE, TG_NONE, -2)}; /* rows 0, 2; cols 4, 2, 0 */
    int64_t rows[] = {0, 2}, cols[] = {4, 2, 0};
    tg_array *xa = make(dt, 2, (int64_t[]){4, 5}, 0), *ya = make(dt, 2, (int64_t[]){2, 3}, 5);
    tg_array *ra = make(dt, 2, (int64_t[]){1, 3}, 11), *sa = make(dt, 0, NULL, 3);
    double *before = values(xa);
    for (int inc = 0; inc < 2; inc++) {
      tg_var *(*fn)(tg_var *, tg_var *, int, const tg_idx *) = inc ? tg_inc_subtensor : tg_set_subtensor;
      tg_var *srcs[] = {y, r, s};
      tg_array *src_a[] = {ya, ra, sa};
      for (int w = 0; w < 3; w++) {
        double *want = values(xa);
        for (int a = 0; a < 2; a++)
          for (int b = 0; b < 3; b++) {
            int64_t yi = w == 0 ? a * 3 + b : w == 1 ? b : 0;
            double yv = tg_array_get_f64(src_a[w], yi);
            double *dst = &want[rows[a] * 5 + cols[b]];
            *dst = inc ? add_in(dt, *dst, yv) : yv;
          }
        tg_var *out = fn(x, srcs[w], 2, idx);
        CHECK(out && tg_var_ndim(out) == 2);
        tg_array *o = run(g, TG_VARS(x, srcs[w]), out, (tg_array *[]){xa, src_a[w]});
        expect(o, xa, want);
        tg_array_unref(o);
        free(want);
      }
    }
    double *after = values(xa); /* functional: x itself is never written */
    for (int i = 0; i < 20; i++) CHECK(after[i] == before[i]);
    free(before), free(after);
    tg_array_unref(xa), tg_array_unref(ya), tg_array_unref(ra), tg_array_unref(sa);
    tg_graph_free(g);
  }
}

TEST(int_positions_symbolic_bounds_and_strided_x) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_var *a = tg_scalar(g, "a", TG_INT16), *b = tg_scalar(g, "b", TG_UINT8);
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_array *base = make(TG_FLOAT64, 2, (int64_t[]){6, 5}, 0);
  tg_array *xt = tg_array_transpose(base);                           /* (5, 6) */
  tg_array *xr = tg_array_slice(base, 0, -1, INT64_MIN + 1, -1);     /* (6, 5) reversed rows */
  tg_array *xs[] = {xt, xr};
  for (int k = 0; k < 2; k++) {
    tg_array *xa = xs[k];
    int64_t nr = tg_array_shape(xa)[0], nc = tg_array_shape(xa)[1];
    /* x[-1, 2] += s */
    tg_array *sa = tg_array_scalar(TG_FLOAT64, 0.25);
    double *want = values(xa);
    want[(nr - 1) * nc + 2] += 0.25;
    tg_array *o = run(g, TG_VARS(x, s), tg_inc_subtensor(x, s, TG_IDX(TG_INT(-1), TG_INT(2))),
                      (tg_array *[]){xa, sa});
    expect(o, xa, want);
    tg_array_unref(o), free(want);
    /* x[1, a:b] = y with symbolic bounds; y is reversed (negative stride) */
    tg_array *yb = make(TG_FLOAT64, 1, (int64_t[]){6}, 40);
    for (int64_t av = -4; av <= 1; av++) {
      int64_t bv = 4, lo = wrap(av, nc), len = bv > lo ? bv - lo : 0; /* 5:4 is empty */
      tg_array *yr = len ? tg_array_slice(yb, 0, len - 1, INT64_MIN + 1, -1)
                         : tg_array_slice(yb, 0, 0, 0, 1);
      tg_array *aa = tg_array_scalar(TG_INT16, (double)av), *ba = tg_array_scalar(TG_UINT8, (double)bv);
      want = values(xa);
      for (int64_t c = lo; c < bv; c++) want[1 * nc + c] = tg_array_get_f64(yb, len - 1 - (c - lo));
      tg_var *out = tg_set_subtensor(x, y, TG_IDX(TG_INT(1), TG_SLICE_VARS(a, b, NULL)));
      o = run(g, TG_VARS(x, y, a, b), out, (tg_array *[]){xa, yr, aa, ba});
      expect(o, xa, want);
      tg_array_unref(o), free(want);
      tg_array_unref(yr), tg_array_unref(aa), tg_array_unref(ba);
    }
    tg_array_unref(yb), tg_array_unref(sa);
  }
  tg_array_unref(xt), tg_array_unref(xr), tg_array_unref(base);
  tg_graph_free(g);
}

/* repeated positions: inc adds every occurrence (np.add.at), set keeps the last */
TEST(advanced_repeated_indices_every_index_dtype) {
  for (size_t k = 0; k < 5; k++) {
    tg_dtype id = idx_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64), *i = tg_vector(g, "i", id);
    tg_var *y = tg_vector(g, "y", TG_FLOAT64);
    int64_t iv[] = {0, 2, 0, 0, -1, 2};
    if (id == TG_UINT8) iv[4] = 4;
    tg_array *xa = make(TG_FLOAT64, 1, (int64_t[]){5}, 0), *ia = ints(id, 1, (int64_t[]){6}, iv);
    tg_array *ya = tg_array_from_f64(1, (int64_t[]){6}, (double[]){1, 2, 4, 8, 16, 32});
    double *inc = values(xa), *set = values(xa);
    for (int p = 0; p < 6; p++) {
      inc[wrap(iv[p], 5)] += tg_array_get_f64(ya, p);
      set[wrap(iv[p], 5)] = tg_array_get_f64(ya, p);
    }
    CHECK(inc[0] == val(TG_FLOAT64, 0) + 13 && set[0] == 8 && set[2] == 32);
    tg_array *o = run(g, TG_VARS(x, i, y), tg_inc_subtensor(x, y, TG_IDX(TG_VAR(i))), (tg_array *[]){xa, ia, ya});
    expect(o, xa, inc);
    tg_array_unref(o);
    o = run(g, TG_VARS(x, i, y), tg_set_subtensor(x, y, TG_IDX(TG_VAR(i))), (tg_array *[]){xa, ia, ya});
    expect(o, xa, set);
    tg_array_unref(o);
    free(inc), free(set);
    tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(ya);
    tg_graph_free(g);
  }
}

TEST(advanced_two_arrays_and_broadcast_y) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_INT32), *i = tg_vector(g, "i", TG_INT64);
  tg_var *j = tg_vector(g, "j", TG_INT8), *yr = tg_row(g, "yr", TG_INT32);
  tg_var *y3 = tg_tensor3(g, "y3", TG_INT16);
  tg_array *xa = make(TG_INT32, 3, (int64_t[]){3, 4, 2}, 0);
  int64_t iv[] = {2, -3, 2}, jv[] = {1, 3, 1};
  tg_array *ia = ints(TG_INT64, 1, (int64_t[]){3}, iv), *ja = ints(TG_INT8, 1, (int64_t[]){3}, jv);
  /* x[i, j] += yr with yr (1, 2): region (3, 2), yr broadcast along its static-1 dim */
  tg_array *ra = ints(TG_INT32, 2, (int64_t[]){1, 2}, (int64_t[]){100, 1000});
  double *want = values(xa);
  for (int p = 0; p < 3; p++)
    for (int c = 0; c < 2; c++) want[(wrap(iv[p], 3) * 4 + jv[p]) * 2 + c] += c ? 1000 : 100;
  tg_array *o = run(g, TG_VARS(x, i, j, yr), tg_inc_subtensor(x, yr, TG_IDX(TG_VAR(i), TG_VAR(j))),
                    (tg_array *[]){xa, ia, ja, ra});
  expect(o, xa, want);
  tg_array_unref(o), free(want);
  /* x[i, :, j-ish] = y3 separated: region (3, 4) goes first; y3 (1, 3, 4) of int16 */
  tg_var *k = tg_vector(g, "k", TG_UINT8);
  tg_array *ka = ints(TG_UINT8, 1, (int64_t[]){3}, (int64_t[]){0, 1, 1});
  tg_array *y3a = make(TG_INT16, 3, (int64_t[]){1, 3, 4}, 7);
  want = values(xa);
  for (int p = 0; p < 3; p++)
    for (int b = 0; b < 4; b++)
      want[(wrap(iv[p], 3) * 4 + b) * 2 + (p == 0 ? 0 : 1)] = tg_array_get_f64(y3a, p * 4 + b);
  /* y3 has rank 3, the region rank 2: a build error (Theano's rule) */
  CHECK(tg_set_subtensor(x, y3, TG_IDX(TG_VAR(i), TG_ALL, TG_VAR(k))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not broadcast to the indexed region");
  tg_graph_clear_error(g);
  tg_var *y2 = tg_matrix(g, "y2", TG_INT16);
  tg_array *y2a = make(TG_INT16, 2, (int64_t[]){3, 4}, 7);
  o = run(g, TG_VARS(x, i, k, y2), tg_set_subtensor(x, y2, TG_IDX(TG_VAR(i), TG_ALL, TG_VAR(k))),
          (tg_array *[]){xa, ia, ka, y2a});
  expect(o, xa, want); /* i repeats position 2 with k = 0 then 1: distinct cells */
  tg_array_unref(o), free(want);
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(ja), tg_array_unref(ra);
  tg_array_unref(ka), tg_array_unref(y3a), tg_array_unref(y2a);
  tg_graph_free(g);
}

TEST(masks) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *m = tg_matrix(g, "m", TG_BOOL);
  tg_var *mv = tg_vector(g, "mv", TG_BOOL), *y = tg_vector(g, "y", TG_FLOAT32);
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_array *xa = make(TG_FLOAT32, 2, (int64_t[]){3, 4}, 0);
  int64_t mvals[] = {1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1};
  tg_array *ma = ints(TG_BOOL, 2, (int64_t[]){3, 4}, mvals);
  tg_array *mz = ints(TG_BOOL, 2, (int64_t[]){3, 4}, (int64_t[12]){0});
  tg_array *ya = tg_array_from_f32(1, (int64_t[]){5}, (float[]){1, 2, 3, 4, 5});
  tg_array *sa = tg_array_scalar(TG_FLOAT64, -7.75);
  /* x[m] = s (a float64 scalar into float32: converted) */
  double *want = values(xa);
  for (int p = 0; p < 12; p++)
    if (mvals[p]) want[p] = -7.75;
  tg_array *o = run(g, TG_VARS(x, m, s), tg_set_subtensor(x, s, TG_IDX(TG_VAR(m))), (tg_array *[]){xa, ma, sa});
  expect(o, xa, want);
  tg_array_unref(o), free(want);
  /* x[m] += y, y in the mask's C order */
  want = values(xa);
  for (int p = 0, q = 0; p < 12; p++)
    if (mvals[p]) want[p] = (float)((float)want[p] + (float)(++q));
  o = run(g, TG_VARS(x, m, y), tg_inc_subtensor(x, y, TG_IDX(TG_VAR(m))), (tg_array *[]){xa, ma, ya});
  expect(o, xa, want);
  tg_array_unref(o), free(want);
  /* an all-false mask changes nothing (y must then be empty or broadcast) */
  want = values(xa);
  o = run(g, TG_VARS(x, m, s), tg_inc_subtensor(x, s, TG_IDX(TG_VAR(m))), (tg_array *[]){xa, mz, sa});
  expect(o, xa, want);
  tg_array_unref(o), free(want);
  /* x[:, mv] = 0 over columns 0 and 2 */
  tg_array *mva = ints(TG_BOOL, 1, (int64_t[]){4}, (int64_t[]){1, 0, 1, 0});
  tg_array *za = tg_array_scalar(TG_FLOAT64, 0);
  want = values(xa);
  for (int r = 0; r < 3; r++) want[r * 4] = want[r * 4 + 2] = 0;
  o = run(g, TG_VARS(x, mv, s), tg_set_subtensor(x, s, TG_IDX(TG_ALL, TG_VAR(mv))), (tg_array *[]){xa, mva, za});
  expect(o, xa, want);
  tg_array_unref(o), free(want);
  tg_array_unref(xa), tg_array_unref(ma), tg_array_unref(mz), tg_array_unref(ya);
  tg_array_unref(sa), tg_array_unref(mva), tg_array_unref(za);
  tg_graph_free(g);
}

TEST(dtype_rules) {
  tg_graph *g = tg_graph_new();
  tg_var *xi = tg_vector(g, "xi", TG_INT8), *xb = tg_vector(g, "xb", TG_BOOL);
  tg_var *yf = tg_vector(g, "yf", TG_FLOAT64), *yi = tg_vector(g, "yi", TG_INT64);
  tg_var *yb = tg_vector(g, "yb", TG_BOOL);
  /* set converts as a cast: floats truncate toward zero */
  tg_array *xa = ints(TG_INT8, 1, (int64_t[]){3}, (int64_t[]){127, -128, 5});
  tg_array *fa = tg_array_from_f64(1, (int64_t[]){3}, (double[]){2.7, -2.7, 0.5});
  tg_array *o = run(g, TG_VARS(xi, yf), tg_set_subtensor(xi, yf, TG_IDX(TG_ALL)), (tg_array *[]){xa, fa});
  expect(o, xa, (double[]){2, -2, 0});
  tg_array_unref(o);
  /* inc wraps in the dtype of x */
  tg_array *ia = ints(TG_INT64, 1, (int64_t[]){3}, (int64_t[]){1, -1, 300});
  o = run(g, TG_VARS(xi, yi), tg_inc_subtensor(xi, yi, TG_IDX(TG_ALL)), (tg_array *[]){xa, ia});
  expect(o, xa, (double[]){-128, 127, (int8_t)(uint8_t)305});
  tg_array_unref(o);
  /* bool += bool is or */
  tg_array *ba = ints(TG_BOOL, 1, (int64_t[]){3}, (int64_t[]){1, 0, 0});
  tg_array *bb = ints(TG_BOOL, 1, (int64_t[]){3}, (int64_t[]){1, 1, 0});
  o = run(g, TG_VARS(xb, yb), tg_inc_subtensor(xb, yb, TG_IDX(TG_ALL)), (tg_array *[]){ba, bb});
  expect(o, ba, (double[]){1, 1, 0});
  tg_array_unref(o);
  /* inc refuses what numpy's same_kind casting refuses */
  CHECK(tg_inc_subtensor(xi, yf, TG_IDX(TG_ALL)) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "cannot add float64 values into a int8 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_inc_subtensor(xb, yi, TG_IDX(TG_ALL)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "cannot add int64 values into a bool tensor");
  tg_graph_clear_error(g);
  tg_array_unref(xa), tg_array_unref(fa), tg_array_unref(ia), tg_array_unref(ba), tg_array_unref(bb);
  tg_graph_free(g);
}

TEST(y_shape_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 2, (int64_t[]){4, 6});
  tg_var *y3 = tg_tensor(g, "y3", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *yu = tg_vector(g, "yu", TG_FLOAT64), *ym = tg_tensor3(g, "ym", TG_FLOAT64);
  /* static: the region x[:, ::2] is (4, 3); (3,) fits, (4,) and rank 3 do not */
  CHECK(tg_set_subtensor(x, y3, TG_IDX(TG_ALL, TG_SLICE(TG_NONE, TG_NONE, 2))) != NULL);
  tg_var *y4 = tg_tensor(g, "y4", TG_FLOAT64, 1, (int64_t[]){4});
  CHECK(tg_set_subtensor(x, y4, TG_IDX(TG_ALL, TG_SLICE(TG_NONE, TG_NONE, 2))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "y TensorType(float64, (4,)) does not broadcast to the indexed region "
                       "TensorType(float64, (4, 3))");
  tg_graph_clear_error(g);
  CHECK(tg_inc_subtensor(x, ym, TG_IDX(TG_INT(0))) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_SHAPE);
  tg_graph_clear_error(g);
  /* run time: an unknown-length y must match exactly; length 1 does not broadcast unless
     declared (Theano's rule) */
  tg_var *out = tg_inc_subtensor(x, yu, TG_IDX(TG_INT(1), TG_SLICE(1, 4, TG_NONE)));
  tg_function *f = tg_function_new(g, TG_VARS(x, yu), TG_VARS(out), NULL);
  tg_array *xa = make(TG_FLOAT64, 2, (int64_t[]){4, 6}, 0), *res[1] = {NULL};
  tg_array *y2 = make(TG_FLOAT64, 1, (int64_t[]){2}, 0), *y1 = make(TG_FLOAT64, 1, (int64_t[]){1}, 0);
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, y2}, res), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "IncSubtensor: y of shape (2,) does not broadcast to the indexed region of "
                       "shape (3,)");
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, y1}, res), TG_ERR_SHAPE);
  CHECK(res[0] == NULL);
  tg_function_free(f);
  /* out of range in an advanced set: an error, nothing written anywhere */
  tg_var *i = tg_vector(g, "i", TG_INT32);
  out = tg_set_subtensor(x, tg_const_f64(g, 1.0), TG_IDX(TG_ALL, TG_VAR(i)));
  f = tg_function_new(g, TG_VARS(x, i), TG_VARS(out), NULL);
  tg_array *ia = ints(TG_INT32, 1, (int64_t[]){2}, (int64_t[]){0, 6});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ia}, res), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "AdvancedSetSubtensor: index 6 is out of bounds for axis 1 with size 6");
  tg_function_free(f);
  CHECK(tg_set_subtensor(x, NULL, TG_IDX(TG_INT(0))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "y is NULL");
  tg_array_unref(xa), tg_array_unref(y2), tg_array_unref(y1), tg_array_unref(ia);
  tg_graph_free(g);
}

TEST(call_into_and_describe) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT64), *i = tg_vector(g, "i", TG_INT64);
  tg_var *s = tg_scalar(g, "s", TG_INT64);
  tg_var *a = tg_inc_subtensor(x, s, TG_IDX(TG_VAR(i), TG_SLICE(1, TG_NONE, TG_NONE)));
  tg_var *b = tg_set_subtensor(x, s, TG_IDX(TG_SLICE(TG_NONE, 2, TG_NONE)));
  tg_function *f = tg_function_new(g, TG_VARS(x, i, s), TG_VARS(a, b), NULL);
  tg_array *xa = make(TG_INT64, 2, (int64_t[]){3, 2}, 0);
  tg_array *ia = ints(TG_INT64, 1, (int64_t[]){3}, (int64_t[]){2, 2, 0});
  tg_array *sa = tg_array_scalar(TG_INT64, 10);
  tg_array *bigT = tg_array_zeros(TG_INT64, 2, (int64_t[]){2, 3});
  tg_array *oa = tg_array_transpose(bigT); /* (3, 2), column-major */
  tg_array *ob = tg_array_zeros(TG_INT64, 2, (int64_t[]){3, 2});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){xa, ia, sa}, (tg_array *[]){oa, ob}), TG_OK);
  double *wa = values(xa), *wb = values(xa);
  wa[2 * 2 + 1] += 20, wa[0 * 2 + 1] += 10;
  for (int p = 0; p < 4; p++) wb[p] = 10;
  expect(oa, xa, wa);
  expect(ob, xa, wb);
  free(wa), free(wb);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  CHECK_STATUS(tg_debugprint(2, (tg_var *[]){a, b}, mem), TG_OK);
  fclose(mem);
  CHECK_ERROR_CONTAINS(text, "AdvancedIncSubtensor{[$2], 1:}");
  CHECK_ERROR_CONTAINS(text, "SetSubtensor{:2}");
  free(text);
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(sa), tg_array_unref(bigT);
  tg_array_unref(oa), tg_array_unref(ob);
  tg_function_free(f);
  tg_graph_free(g);
}
