/* test_index_adv.c: advanced indexing (AdvancedSubtensor) and tg_take: one and two index
   arrays, adjacent and separated (numpy's rule for where their dims go), ints mixed with
   arrays, broadcasting index arrays, newaxis, every integer index dtype and every dtype of
   x, negative positions, non-contiguous index arrays and x, boolean masks (1-d, n-d, in
   the middle, all false), size-0 cases, static shapes, the symbolic shape rule, and the
   errors. Each expected value is computed here by an explicit loop. */
#include "shape_check.h"

static const tg_dtype x_dtypes[] = {TG_BOOL,  TG_INT8,  TG_INT16,   TG_INT32,
                                    TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
static const tg_dtype idx_dtypes[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};

static double val(tg_dtype dt, int64_t i) {
  if (dt == TG_BOOL) return (i % 3) == 0;
  if (dt == TG_UINT8) return (double)((i * 7) % 251);
  return (double)((i * 7) % 23) - 9 + (tg_dtype_is_float(dt) ? 0.5 : 0);
}

static tg_array *make(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, val(dt, i));
  return a;
}

static tg_array *ints(tg_dtype dt, int nd, const int64_t *shape, const int64_t *v) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, (double)v[i]);
  return a;
}

/* x's element at a C-order multi-index */
static double at(const tg_array *x, const int64_t *ix) {
  int64_t f = 0;
  for (int d = 0; d < tg_array_ndim(x); d++) f = f * tg_array_shape(x)[d] + ix[d];
  return tg_array_get_f64(x, f);
}

static int64_t wrap(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

/* Compile inputs -> y, run on arrays, check y's shape rule; the result (or NULL). */
static tg_array *run(tg_graph *g, int n, tg_var *const *ins, tg_var *y, tg_array *const *arrs) {
  if (!y) {
    fprintf(stderr, "build failed: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_function *f = th_compile(g, n, ins, 1, &y);
  tg_array *out[1] = {NULL};
  if (tg_function_call(f, arrs, out) != TG_OK)
    fprintf(stderr, "call failed: %s\n", tg_function_error(f));
  tg_function_free(f);
  CHECK(th_infer_shape_ok(g, n, ins, y, arrs));
  if (out[0]) CHECK(tg_var_ndim(y) == tg_array_ndim(out[0]));
  for (int d = 0; out[0] && d < tg_var_ndim(y); d++)
    CHECK(tg_var_dim(y, d) < 0 || tg_var_dim(y, d) == tg_array_shape(out[0])[d]);
  return out[0];
}

/* out must have shape (nd, shape) and C-order values want[]. */
static void expect(tg_array *out, tg_dtype dt, int nd, const int64_t *shape, const double *want) {
  CHECK(out != NULL);
  if (!out) return;
  CHECK(tg_array_dtype(out) == dt);
  int ok = tg_array_ndim(out) == nd;
  for (int d = 0; ok && d < nd; d++) ok = tg_array_shape(out)[d] == shape[d];
  CHECK(ok);
  for (int64_t i = 0; ok && i < tg_array_size(out); i++)
    CHECK_CLOSE(tg_array_get_f64(out, i), want[i], 0, 0);
}

TEST(take_rows_and_columns_every_dtype) {
  int64_t iv[] = {3, -1, 0, 3, -4};
  for (size_t a = 0; a < 8; a++)
    for (size_t b = 0; b < 5; b++) {
      tg_dtype xd = x_dtypes[a], id = idx_dtypes[b];
      int64_t v[5];
      for (int k = 0; k < 5; k++) v[k] = id == TG_UINT8 ? wrap(iv[k], 4) : iv[k];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_matrix(g, "x", xd), *i = tg_vector(g, "i", id);
      tg_array *xa = make(xd, 2, (int64_t[]){4, 4}), *ia = ints(id, 1, (int64_t[]){5}, v);
      double want[20], want2[20];
      for (int r = 0; r < 5; r++)
        for (int c = 0; c < 4; c++) {
          want[r * 4 + c] = at(xa, (int64_t[]){wrap(v[r], 4), c});
          want2[c * 5 + r] = at(xa, (int64_t[]){c, wrap(v[r], 4)});
        }
      tg_array *o = run(g, TG_VARS(x, i), tg_subtensor(x, TG_IDX(TG_VAR(i))), (tg_array *[]){xa, ia});
      expect(o, xd, 2, (int64_t[]){5, 4}, want);
      tg_array_unref(o);
      o = run(g, TG_VARS(x, i), tg_take(x, i, 0), (tg_array *[]){xa, ia});
      expect(o, xd, 2, (int64_t[]){5, 4}, want);
      tg_array_unref(o);
      o = run(g, TG_VARS(x, i), tg_take(x, i, -1), (tg_array *[]){xa, ia});
      expect(o, xd, 2, (int64_t[]){4, 5}, want2);
      tg_array_unref(o);
      tg_array_unref(xa), tg_array_unref(ia);
      tg_graph_free(g);
    }
}

TEST(take_with_matrix_indices_and_scalar) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT32), *i = tg_matrix(g, "i", TG_INT16);
  tg_var *s = tg_scalar(g, "s", TG_INT64);
  tg_array *xa = make(TG_FLOAT32, 3, (int64_t[]){2, 3, 4});
  int64_t iv[] = {0, 2, -1, 1, 1, 0};
  tg_array *ia = ints(TG_INT16, 2, (int64_t[]){3, 2}, iv), *sa = tg_array_scalar(TG_INT64, -2);
  double want[48];
  for (int a = 0; a < 2; a++)
    for (int p = 0; p < 3; p++)
      for (int q = 0; q < 2; q++)
        for (int c = 0; c < 4; c++)
          want[((a * 3 + p) * 2 + q) * 4 + c] = at(xa, (int64_t[]){a, wrap(iv[p * 2 + q], 3), c});
  tg_array *o = run(g, TG_VARS(x, i), tg_take(x, i, 1), (tg_array *[]){xa, ia});
  expect(o, TG_FLOAT32, 4, (int64_t[]){2, 3, 2, 4}, want);
  tg_array_unref(o);
  /* a 0-d index drops the axis, as numpy.take */
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 4; b++) want[a * 4 + b] = at(xa, (int64_t[]){0, a, b});
  o = run(g, TG_VARS(x, s), tg_take(x, s, 0), (tg_array *[]){xa, sa});
  expect(o, TG_FLOAT32, 2, (int64_t[]){3, 4}, want);
  tg_array_unref(o);
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(sa);
  tg_graph_free(g);
}

/* x (3, 4, 5) with i = [2, 0, -1] and j = [1, -5, 3]. */
TEST(two_arrays_adjacent_and_separated) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_INT32);
  tg_var *i = tg_vector(g, "i", TG_INT64), *j = tg_vector(g, "j", TG_INT8);
  tg_array *xa = make(TG_INT32, 3, (int64_t[]){3, 4, 5});
  int64_t iv[] = {2, 0, -1}, jv[] = {1, -4, 3};
  tg_array *ia = ints(TG_INT64, 1, (int64_t[]){3}, iv), *ja = ints(TG_INT8, 1, (int64_t[]){3}, jv);
  tg_array *arrs[] = {xa, ia, ja};
  double want[60];
  /* x[:, i, j] -> (3, 3): the broadcast dim stays where the indices were */
  for (int a = 0; a < 3; a++)
    for (int k = 0; k < 3; k++) want[a * 3 + k] = at(xa, (int64_t[]){a, wrap(iv[k], 4), wrap(jv[k], 5)});
  tg_array *o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(i), TG_VAR(j))), arrs);
  expect(o, TG_INT32, 2, (int64_t[]){3, 3}, want);
  tg_array_unref(o);
  /* x[i, j] -> (3, 5) */
  for (int k = 0; k < 3; k++)
    for (int c = 0; c < 5; c++) want[k * 5 + c] = at(xa, (int64_t[]){wrap(iv[k], 3), wrap(jv[k], 4), c});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_VAR(i), TG_VAR(j))), arrs);
  expect(o, TG_INT32, 2, (int64_t[]){3, 5}, want);
  tg_array_unref(o);
  /* x[i, :, j] -> (3, 4): separated by a slice, the broadcast dim goes first */
  for (int k = 0; k < 3; k++)
    for (int b = 0; b < 4; b++) want[k * 4 + b] = at(xa, (int64_t[]){wrap(iv[k], 3), b, wrap(jv[k] + 1, 5)});
  tg_array *jb = ints(TG_INT8, 1, (int64_t[]){3}, (int64_t[]){2, -3, 4});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_VAR(i), TG_ALL, TG_VAR(j))),
          (tg_array *[]){xa, ia, jb});
  expect(o, TG_INT32, 2, (int64_t[]){3, 4}, want);
  tg_array_unref(o);
  /* an int counts as an advanced index: x[1, :, j] -> (3, 4), x[:, 1, j] -> (3, 3) */
  for (int k = 0; k < 3; k++)
    for (int b = 0; b < 4; b++) want[k * 4 + b] = at(xa, (int64_t[]){1, b, wrap(jv[k], 5)});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_INT(1), TG_ALL, TG_VAR(j))), arrs);
  expect(o, TG_INT32, 2, (int64_t[]){3, 4}, want);
  tg_array_unref(o);
  for (int a = 0; a < 3; a++)
    for (int k = 0; k < 3; k++) want[a * 3 + k] = at(xa, (int64_t[]){a, 1, wrap(jv[k], 5)});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_ALL, TG_INT(1), TG_VAR(j))), arrs);
  expect(o, TG_INT32, 2, (int64_t[]){3, 3}, want);
  tg_array_unref(o);
  /* a newaxis separates too: x[i, None, j] -> (3, 1, 5); x[None, i] -> (1, 3, 4, 5) */
  for (int k = 0; k < 3; k++)
    for (int c = 0; c < 5; c++) want[k * 5 + c] = at(xa, (int64_t[]){wrap(iv[k], 3), wrap(jv[k], 4), c});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_VAR(i), TG_NEWAXIS, TG_VAR(j))), arrs);
  expect(o, TG_INT32, 3, (int64_t[]){3, 1, 5}, want);
  tg_array_unref(o);
  for (int k = 0; k < 3; k++)
    for (int b = 0; b < 20; b++) want[k * 20 + b] = at(xa, (int64_t[]){wrap(iv[k], 3), b / 5, b % 5});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_NEWAXIS, TG_VAR(i))), arrs);
  expect(o, TG_INT32, 4, (int64_t[]){1, 3, 4, 5}, want);
  tg_array_unref(o);
  /* an ellipsis between advanced indices separates them even when it stands for no dim:
     x[:, 1, ..., j] -> (3, 3) with the broadcast dim first */
  for (int k = 0; k < 3; k++)
    for (int a = 0; a < 3; a++) want[k * 3 + a] = at(xa, (int64_t[]){a, 1, wrap(jv[k], 5)});
  o = run(g, TG_VARS(x, i, j), tg_subtensor(x, TG_IDX(TG_ALL, TG_INT(1), TG_ELLIPSIS, TG_VAR(j))), arrs);
  expect(o, TG_INT32, 2, (int64_t[]){3, 3}, want);
  tg_array_unref(o);
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(ja), tg_array_unref(jb);
  tg_graph_free(g);
}

TEST(broadcasting_index_arrays) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64);
  tg_var *i = tg_tensor(g, "i", TG_INT32, 2, (int64_t[]){-1, 1}), *j = tg_vector(g, "j", TG_UINT8);
  tg_array *xa = make(TG_FLOAT64, 3, (int64_t[]){4, 5, 2});
  int64_t iv[] = {3, -4}, jv[] = {4, 0, 2};
  tg_array *ia = ints(TG_INT32, 2, (int64_t[]){2, 1}, iv), *ja = ints(TG_UINT8, 1, (int64_t[]){3}, jv);
  double want[12];
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 2; c++) want[(a * 3 + b) * 2 + c] = at(xa, (int64_t[]){wrap(iv[a], 4), jv[b], c});
  tg_var *y = tg_subtensor(x, TG_IDX(TG_VAR(i), TG_VAR(j)));
  CHECK(tg_var_ndim(y) == 3 && tg_var_dim(y, 0) == -1 && tg_var_dim(y, 1) == -1);
  tg_array *o = run(g, TG_VARS(x, i, j), y, (tg_array *[]){xa, ia, ja});
  expect(o, TG_FLOAT64, 3, (int64_t[]){2, 3, 2}, want);
  tg_array_unref(o);
  /* a 1-length j broadcasts at run time as in numpy */
  tg_array *j1 = ints(TG_UINT8, 1, (int64_t[]){1}, (int64_t[]){1});
  for (int a = 0; a < 2; a++)
    for (int c = 0; c < 2; c++) want[a * 2 + c] = at(xa, (int64_t[]){wrap(iv[a], 4), 1, c});
  o = run(g, TG_VARS(x, i, j), y, (tg_array *[]){xa, ia, j1});
  expect(o, TG_FLOAT64, 3, (int64_t[]){2, 1, 2}, want);
  tg_array_unref(o);
  /* shapes (2, 1) and (2,) broadcast to (2, 2); (3,) and (2,) do not */
  tg_var *k = tg_vector(g, "k", TG_INT64);
  tg_var *z = tg_subtensor(x, TG_IDX(TG_VAR(j), TG_VAR(k)));
  tg_function *f = tg_function_new(g, TG_VARS(x, j, k), TG_VARS(z), NULL);
  tg_array *ka = ints(TG_INT64, 1, (int64_t[]){2}, (int64_t[]){0, 1}), *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ja, ka}, out), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "shape mismatch: indexing arrays could not be broadcast together with "
                       "shapes (3,) (2,)");
  tg_function_free(f);
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(ja), tg_array_unref(j1), tg_array_unref(ka);
  tg_graph_free(g);
}

TEST(non_contiguous_index_arrays_and_x) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT64), *i = tg_vector(g, "i", TG_INT32);
  tg_array *base = make(TG_INT64, 2, (int64_t[]){5, 6});
  tg_array *xt = tg_array_transpose(base); /* (6, 5) */
  tg_array *xr = tg_array_slice(base, 1, -1, INT64_MIN + 1, -2); /* (5, 3), negative stride */
  tg_array *ib = ints(TG_INT32, 1, (int64_t[]){6}, (int64_t[]){4, 9, -1, 9, 0, 9});
  tg_array *istep = tg_array_slice(ib, 0, 0, INT64_MAX, 2);     /* [4, -1, 0] */
  tg_array *irev = tg_array_slice(ib, 0, 4, INT64_MIN + 1, -2);  /* [0, -1, 4] */
  int64_t sv[] = {4, -1, 0}, rv[] = {0, -1, 4};
  tg_var *y = tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(i)));
  /* the transposed x (6, 5) with strided and reversed index arrays */
  tg_array *is[] = {istep, irev};
  const int64_t *vs[] = {sv, rv};
  double want[30];
  for (int b = 0; b < 2; b++) {
    for (int r = 0; r < 6; r++)
      for (int k = 0; k < 3; k++) want[r * 3 + k] = at(xt, (int64_t[]){r, wrap(vs[b][k], 5)});
    tg_array *o = run(g, TG_VARS(x, i), y, (tg_array *[]){xt, is[b]});
    expect(o, TG_INT64, 2, (int64_t[]){6, 3}, want);
    tg_array_unref(o);
  }
  /* the negative-stride x (5, 3) */
  int64_t small_v[] = {2, -1, 0};
  tg_array *small = ints(TG_INT32, 1, (int64_t[]){3}, small_v);
  for (int r = 0; r < 5; r++)
    for (int k = 0; k < 3; k++) want[r * 3 + k] = at(xr, (int64_t[]){r, wrap(small_v[k], 3)});
  tg_array *o = run(g, TG_VARS(x, i), y, (tg_array *[]){xr, small});
  expect(o, TG_INT64, 2, (int64_t[]){5, 3}, want);
  tg_array_unref(o), tg_array_unref(small);
  tg_array_unref(xt), tg_array_unref(xr), tg_array_unref(ib), tg_array_unref(istep);
  tg_array_unref(irev), tg_array_unref(base);
  tg_graph_free(g);
}

TEST(boolean_masks) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT32);
  tg_var *m1 = tg_vector(g, "m1", TG_BOOL), *m2 = tg_matrix(g, "m2", TG_BOOL);
  tg_array *xa = make(TG_FLOAT32, 3, (int64_t[]){2, 3, 4});
  int64_t m1v[] = {1, 0, 1}, m2v[] = {0, 1, 1, 1, 0, 0}, m0v[] = {0, 0};
  tg_array *m1a = ints(TG_BOOL, 1, (int64_t[]){3}, m1v), *m2a = ints(TG_BOOL, 2, (int64_t[]){2, 3}, m2v);
  tg_array *m1z = ints(TG_BOOL, 1, (int64_t[]){2}, m0v);
  double want[48];
  int n = 0;
  /* x[:, m1] -> (2, 2, 4) */
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4 && m1v[b]; c++) want[n++] = at(xa, (int64_t[]){a, b, c});
  tg_var *y = tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(m1)));
  CHECK(tg_var_dim(y, 1) == -1);
  tg_array *o = run(g, TG_VARS(x, m1), y, (tg_array *[]){xa, m1a});
  expect(o, TG_FLOAT32, 3, (int64_t[]){2, 2, 4}, want);
  tg_array_unref(o);
  /* x[m2] -> (3, 4): the 2-d mask covers the first two dims */
  n = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4 && m2v[a * 3 + b]; c++) want[n++] = at(xa, (int64_t[]){a, b, c});
  o = run(g, TG_VARS(x, m2), tg_subtensor(x, TG_IDX(TG_VAR(m2))), (tg_array *[]){xa, m2a});
  expect(o, TG_FLOAT32, 2, (int64_t[]){3, 4}, want);
  tg_array_unref(o);
  /* all false: empty */
  o = run(g, TG_VARS(x, m1), tg_subtensor(x, TG_IDX(TG_VAR(m1))), (tg_array *[]){xa, m1z});
  expect(o, TG_FLOAT32, 3, (int64_t[]){0, 3, 4}, want);
  tg_array_unref(o);
  /* a mask beside an int array: x[m1z', j] with m = [1, 0] broadcasting against j */
  tg_var *j = tg_vector(g, "j", TG_INT16);
  tg_array *mm = ints(TG_BOOL, 1, (int64_t[]){2}, (int64_t[]){0, 1});
  tg_array *ja = ints(TG_INT16, 1, (int64_t[]){1}, (int64_t[]){-1});
  for (int c = 0; c < 4; c++) want[c] = at(xa, (int64_t[]){1, 2, c});
  o = run(g, TG_VARS(x, m1, j), tg_subtensor(x, TG_IDX(TG_VAR(m1), TG_VAR(j))),
          (tg_array *[]){xa, mm, ja});
  expect(o, TG_FLOAT32, 2, (int64_t[]){1, 4}, want);
  tg_array_unref(o);
  /* a non-contiguous mask over a negative-stride x */
  tg_array *xr = tg_array_slice(xa, 2, -1, INT64_MIN + 1, -1);
  tg_array *mb = ints(TG_BOOL, 1, (int64_t[]){8}, (int64_t[]){1, 0, 0, 0, 1, 0, 1, 0});
  tg_array *ms = tg_array_slice(mb, 0, 0, INT64_MAX, 2); /* [1, 0, 1, 1] */
  tg_var *m3 = tg_vector(g, "m3", TG_BOOL);
  n = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        if (c != 1) want[n++] = at(xr, (int64_t[]){a, b, c});
  o = run(g, TG_VARS(x, m3), tg_subtensor(x, TG_IDX(TG_ELLIPSIS, TG_VAR(m3))),
          (tg_array *[]){xr, ms});
  expect(o, TG_FLOAT32, 3, (int64_t[]){2, 3, 3}, want);
  tg_array_unref(o);
  /* run-time mismatch between mask and x */
  tg_function *f = tg_function_new(g, TG_VARS(x, m1), TG_VARS(y), NULL);
  tg_array *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, m1z}, out), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "boolean index did not match indexed array along dimension 1; "
                       "dimension is 3 but corresponding boolean dimension is 2");
  tg_function_free(f);
  tg_array_unref(xa), tg_array_unref(m1a), tg_array_unref(m2a), tg_array_unref(m1z);
  tg_array_unref(mm), tg_array_unref(ja), tg_array_unref(xr), tg_array_unref(mb);
  tg_array_unref(ms);
  tg_graph_free(g);
}

TEST(size0_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT8), *i = tg_vector(g, "i", TG_INT64);
  tg_array *x30 = make(TG_INT8, 2, (int64_t[]){3, 0}), *x04 = make(TG_INT8, 2, (int64_t[]){0, 4});
  tg_array *i2 = ints(TG_INT64, 1, (int64_t[]){2}, (int64_t[]){2, -3});
  tg_array *i0 = ints(TG_INT64, 1, (int64_t[]){0}, NULL);
  double none[1] = {0};
  tg_array *o = run(g, TG_VARS(x, i), tg_subtensor(x, TG_IDX(TG_VAR(i))), (tg_array *[]){x30, i2});
  expect(o, TG_INT8, 2, (int64_t[]){2, 0}, none);
  tg_array_unref(o);
  o = run(g, TG_VARS(x, i), tg_subtensor(x, TG_IDX(TG_VAR(i))), (tg_array *[]){x04, i0});
  expect(o, TG_INT8, 2, (int64_t[]){0, 4}, none);
  tg_array_unref(o);
  o = run(g, TG_VARS(x, i), tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(i))), (tg_array *[]){x04, i0});
  expect(o, TG_INT8, 2, (int64_t[]){0, 0}, none);
  tg_array_unref(o);
  /* no position of an empty axis exists */
  tg_function *f = tg_function_new(g, TG_VARS(x, i), TG_VARS(tg_subtensor(x, TG_IDX(TG_VAR(i)))), NULL);
  tg_array *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){x04, i2}, out), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "index 2 is out of bounds for axis 0 with size 0");
  tg_function_free(f);
  tg_array_unref(x30), tg_array_unref(x04), tg_array_unref(i2), tg_array_unref(i0);
  tg_graph_free(g);
}

TEST(runtime_out_of_bounds) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *i = tg_vector(g, "i", TG_INT32);
  tg_var *y = tg_subtensor(x, TG_IDX(TG_INT(0), TG_VAR(i)));
  tg_function *f = tg_function_new(g, TG_VARS(x, i), TG_VARS(y), NULL);
  tg_array *xa = make(TG_FLOAT64, 2, (int64_t[]){3, 5}), *out[1] = {NULL};
  int64_t bad[][3] = {{0, 7, 1}, {-6, 0, 0}, {4, 4, 5}};
  const char *msg[] = {"index 7 is out of bounds for axis 1 with size 5",
                       "index -6 is out of bounds for axis 1 with size 5",
                       "index 5 is out of bounds for axis 1 with size 5"};
  for (int k = 0; k < 3; k++) {
    tg_array *ia = ints(TG_INT32, 1, (int64_t[]){3}, bad[k]);
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ia}, out), TG_ERR_VALUE);
    CHECK_ERROR_CONTAINS(tg_function_error(f), msg[k]);
    CHECK(out[0] == NULL);
    tg_array_unref(ia);
  }
  tg_function_free(f);
  tg_array_unref(xa);
  tg_graph_free(g);
}

TEST(static_shapes_and_constant_indices) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){4, 5, -1});
  tg_var *i = tg_tensor(g, "i", TG_INT64, 1, (int64_t[]){3});
  tg_var *j = tg_tensor(g, "j", TG_INT64, 2, (int64_t[]){-1, 1});
  tg_var *y = tg_subtensor(x, TG_IDX(TG_VAR(i), TG_SLICE(1, TG_NONE, TG_NONE)));
  CHECK(tg_var_ndim(y) == 3 && tg_var_dim(y, 0) == 3 && tg_var_dim(y, 1) == 4 && tg_var_dim(y, 2) == -1);
  y = tg_subtensor(x, TG_IDX(TG_VAR(j), TG_VAR(i)));
  CHECK(tg_var_ndim(y) == 3 && tg_var_dim(y, 0) == -1 && tg_var_dim(y, 1) == 3);
  tg_array *ca = ints(TG_INT8, 2, (int64_t[]){2, 2}, (int64_t[]){0, -5, 4, 1});
  tg_var *c = tg_constant(g, ca);
  y = tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(c)));
  CHECK(tg_var_ndim(y) == 4 && tg_var_dim(y, 0) == 4 && tg_var_dim(y, 1) == 2 && tg_var_dim(y, 2) == 2);
  /* a constant position out of a static dim is a build error */
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(c))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "index -5 is out of bounds for axis 0 with size 4");
  tg_graph_clear_error(g);
  /* a constant mask's count is known */
  tg_array *cm = ints(TG_BOOL, 1, (int64_t[]){5}, (int64_t[]){1, 0, 1, 1, 0});
  y = tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(tg_constant(g, cm))));
  CHECK(y && tg_var_dim(y, 1) == 3);
  /* static shapes that cannot broadcast or match */
  tg_var *k = tg_tensor(g, "k", TG_INT64, 1, (int64_t[]){2});
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(i), TG_VAR(k))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "could not be broadcast together with shapes (3,) (2,)");
  tg_graph_clear_error(g);
  tg_var *m = tg_tensor(g, "m", TG_BOOL, 2, (int64_t[]){4, 3});
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(m))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "dimension is 5 but corresponding boolean dimension is 3");
  tg_graph_clear_error(g);
  tg_array_unref(ca), tg_array_unref(cm);
  tg_graph_free(g);
}

TEST(infer_shape_with_masks_and_broadcasting) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_INT16), *m = tg_matrix(g, "m", TG_BOOL);
  tg_var *i = tg_matrix(g, "i", TG_INT8), *j = tg_vector(g, "j", TG_INT32);
  tg_array *xa = make(TG_INT16, 3, (int64_t[]){3, 2, 4});
  tg_array *ma = ints(TG_BOOL, 2, (int64_t[]){2, 4}, (int64_t[]){1, 0, 1, 1, 0, 0, 0, 1});
  tg_array *ia = ints(TG_INT8, 2, (int64_t[]){1, 3}, (int64_t[]){0, 1, 0});
  tg_array *ja = ints(TG_INT32, 1, (int64_t[]){1}, (int64_t[]){2});
  tg_array *j0 = ints(TG_INT32, 1, (int64_t[]){0}, NULL);
  tg_array *i10 = ints(TG_INT8, 2, (int64_t[]){1, 0}, NULL);
  tg_array *arrs[] = {xa, ma, ia, ja}, *arrs0[] = {xa, ma, i10, j0};
  tg_var *ys[] = {
      tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(m))),
      tg_subtensor(x, TG_IDX(TG_INT(-1), TG_VAR(m))),
      tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(i), TG_VAR(j))),
      tg_subtensor(x, TG_IDX(TG_VAR(j), TG_SLICE(1, TG_NONE, TG_NONE), TG_VAR(i))),
      tg_subtensor(x, TG_IDX(TG_NEWAXIS, TG_VAR(j), TG_NEWAXIS, TG_ELLIPSIS, TG_SLICE(3, 0, -2))),
  };
  for (int k = 0; k < 5; k++) {
    CHECK_INFER_SHAPE(g, TG_VARS(x, m, i, j), ys[k], arrs);
    CHECK_INFER_SHAPE(g, TG_VARS(x, m, i, j), ys[k], arrs0);
  }
  tg_array_unref(xa), tg_array_unref(ma), tg_array_unref(ia), tg_array_unref(ja), tg_array_unref(j0);
  tg_array_unref(i10);
  tg_graph_free(g);
}

TEST(call_into) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *i = tg_vector(g, "i", TG_INT64);
  tg_function *f = tg_function_new(g, TG_VARS(x, i), TG_VARS(tg_subtensor(x, TG_IDX(TG_VAR(i)))), NULL);
  tg_array *xa = make(TG_FLOAT64, 1, (int64_t[]){4});
  tg_array *ia = ints(TG_INT64, 1, (int64_t[]){3}, (int64_t[]){3, 3, -4});
  tg_array *big = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){6});
  tg_array *o = tg_array_slice(big, 0, -1, INT64_MIN + 1, -2); /* positions 5, 3, 1 */
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){xa, ia}, (tg_array *[]){o}), TG_OK);
  CHECK(tg_array_get_f64(big, 5) == val(TG_FLOAT64, 3) && tg_array_get_f64(big, 3) == val(TG_FLOAT64, 3));
  CHECK(tg_array_get_f64(big, 1) == val(TG_FLOAT64, 0) && tg_array_get_f64(big, 0) == 0);
  tg_array_unref(o), tg_array_unref(big), tg_array_unref(xa), tg_array_unref(ia);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *fi = tg_vector(g, "fi", TG_FLOAT32);
  tg_var *i = tg_vector(g, "i", TG_INT64), *m3 = tg_tensor3(g, "m3", TG_BOOL);
  tg_var *b = tg_vector(g, "b", TG_BOOL);
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(fi))) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "index 0 is TensorType(float32, (?,)); indices must be integers");
  tg_graph_clear_error(g);
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(m3))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "too many indices for tensor: tensor is 2-dimensional, but 3 were indexed");
  tg_graph_clear_error(g);
  CHECK(tg_subtensor(x, TG_IDX(TG_VAR(b), TG_VAR(i), TG_VAR(i))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "but 3 were indexed");
  tg_graph_clear_error(g);
  CHECK(tg_take(x, i, 2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "take: axis 2 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_take(x, b, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "take: indices must be integers");
  tg_graph_clear_error(g);
  CHECK(tg_take(x, fi, 0) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_TYPE);
  tg_graph_clear_error(g);
  CHECK(tg_take(NULL, i, 0) == NULL);
  tg_graph_free(g);
}
