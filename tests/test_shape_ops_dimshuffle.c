/* test_shape_ops_dimshuffle.c: DimShuffle and the builders made of it (transpose,
   swapaxes, squeeze, expand_dims): every element of the result checked against the input
   element its pattern names, for every dtype and input layout, size 0 and 1; results are
   views; static types; shape rules; caller-given outputs; errors. */
#include "shape_ops_check.h"

/* r must be x dimshuffled by pattern p[n] (-1 = new dim): r[o] == x[i] where i[p[k]] = o[k]
   and dims of x left out are 0. */
static int matches_pattern(const tg_array *r, const tg_array *x, int n, const int *p) {
  if (!r || tg_array_ndim(r) != n || tg_array_dtype(r) != tg_array_dtype(x)) return 0;
  for (int k = 0; k < n; k++)
    if (tg_array_shape(r)[k] != (p[k] < 0 ? 1 : tg_array_shape(x)[p[k]])) return 0;
  if (tg_array_size(r) == 0) return 1;
  int64_t o[TG_MAX_NDIM] = {0}, i[TG_MAX_NDIM];
  size_t isz = tg_dtype_size(tg_array_dtype(x));
  do {
    memset(i, 0, sizeof i);
    for (int k = 0; k < n; k++)
      if (p[k] >= 0) i[p[k]] = o[k];
    if (memcmp(sx_at(r, o), sx_at(x, i), isz) != 0) return 0;
  } while (sx_next(n, tg_array_shape(r), o));
  return 1;
}

/* Run y = op(x) on x of runtime shape shp in every layout and dtype-free way: values,
   views and the shape rule. */
static void check_all_layouts(tg_graph *g, tg_var *x, tg_var *y, int xn, const int64_t *shp,
                              int n, const int *p) {
  for (int l = 0; l < SX_NLAYOUTS; l++) {
    tg_array *a = sx_make(tg_var_dtype(x), xn, shp, l);
    tg_array *r = sx_run(g, TG_VARS(x), y, &a);
    CHECK(matches_pattern(r, a, n, p));
    CHECK(sx_shares(r, a));
    CHECK_INFER_SHAPE(g, TG_VARS(x), y, &a);
    tg_array_unref(r);
    tg_array_unref(a);
  }
}

TEST(dimshuffle_values_every_dtype) {
  static const int pats[][5] = {{2, -1, 0}, {0, 1, 2}, {-1, 2, 1, 0, -1}, {1, 0, 2}};
  static const int npat[] = {3, 3, 5, 3};
  static const int64_t shapes[][3] = {{2, 1, 3}, {0, 1, 4}, {1, 1, 1}, {3, 1, 0}};
  for (int k = 0; k < SX_NDT; k++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_tensor(g, "x", sx_all_dtypes[k], 3, (int64_t[]){-1, 1, -1});
    for (int q = 0; q < 4; q++) {
      tg_var *y = tg_dimshuffle(x, npat[q], pats[q]);
      CHECK(y != NULL);
      for (int s = 0; s < 4 && y; s++) check_all_layouts(g, x, y, 3, shapes[s], npat[q], pats[q]);
    }
    tg_graph_free(g);
  }
}

TEST(dimshuffle_types_and_display) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT32, 3, (int64_t[]){5, 1, -1});
  tg_var *y = tg_dimshuffle(x, 3, (int[]){2, -1, 0});
  CHECK(tg_var_ndim(y) == 3 && tg_var_dim(y, 0) == -1 && tg_var_dim(y, 1) == 1 &&
        tg_var_dim(y, 2) == 5 && tg_var_dtype(y) == TG_FLOAT32);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  CHECK_STATUS(tg_debugprint(1, &y, mem), TG_OK);
  fclose(mem);
  CHECK(text && strstr(text, "DimShuffle{2,x,0}"));
  free(text);
  /* 0-d: add dims, and squeeze them away again */
  tg_var *s = tg_scalar(g, "s", TG_INT64);
  tg_var *s2 = tg_dimshuffle(s, 2, (int[]){-1, -1});
  CHECK(tg_var_ndim(s2) == 2 && tg_var_dim(s2, 0) == 1 && tg_var_dim(s2, 1) == 1);
  tg_var *s0 = tg_squeeze(s2, -1, NULL);
  CHECK(tg_var_ndim(s0) == 0);
  tg_array *sa = tg_array_from_i64(0, NULL, (int64_t[]){-77});
  tg_array *r = sx_run(g, TG_VARS(s), s2, &sa);
  CHECK(sx_shape_is(r, 2, (int64_t[]){1, 1}) && *(int64_t *)tg_array_data(r) == -77);
  CHECK_INFER_SHAPE(g, TG_VARS(s), s2, &sa);
  CHECK_INFER_SHAPE(g, TG_VARS(s), s0, &sa);
  tg_array_unref(r);
  tg_array_unref(sa);
  tg_graph_free(g);
}

TEST(transpose_and_swapaxes) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){-1, 3, -1});
  tg_var *t0 = tg_transpose(x, 0, NULL);
  tg_var *t1 = tg_transpose(x, 3, (int[]){1, -1, 0});
  tg_var *w = tg_swapaxes(x, 0, -1), *w2 = tg_swapaxes(x, 1, 1);
  CHECK(tg_var_dim(t0, 1) == 3 && tg_var_dim(t1, 0) == 3 && tg_var_dim(w, 1) == 3);
  int64_t shapes[][3] = {{2, 3, 4}, {0, 3, 2}, {1, 3, 1}};
  for (int s = 0; s < 3; s++) {
    check_all_layouts(g, x, t0, 3, shapes[s], 3, (int[]){2, 1, 0});
    check_all_layouts(g, x, t1, 3, shapes[s], 3, (int[]){1, 2, 0});
    check_all_layouts(g, x, w, 3, shapes[s], 3, (int[]){2, 1, 0});
    check_all_layouts(g, x, w2, 3, shapes[s], 3, (int[]){0, 1, 2});
  }
  /* vectors and scalars transpose to themselves */
  tg_var *v = tg_vector(g, "v", TG_INT8);
  tg_var *vt = tg_transpose(v, 0, NULL);
  CHECK(vt && tg_var_ndim(vt) == 1);
  check_all_layouts(g, v, vt, 1, (int64_t[]){5}, 1, (int[]){0});
  /* errors */
  CHECK(tg_transpose(x, 2, (int[]){1, 0}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "transpose: got 2 axes for a rank-3 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_transpose(x, 3, (int[]){0, 2, -3}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "transpose: axis -3 is repeated (dim 0 again)");
  tg_graph_clear_error(g);
  CHECK(tg_transpose(x, 3, (int[]){0, 3, 1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "transpose: axis 3 is out of range for a rank-3 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_swapaxes(x, 0, -4) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "swapaxes: axis -4 is out of range for a rank-3 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_transpose(NULL, 0, NULL) == NULL);
  tg_graph_free(g);
}

TEST(squeeze_and_expand_dims) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_INT32, 4, (int64_t[]){1, -1, 1, -1});
  tg_var *s_all = tg_squeeze(x, -1, NULL), *s_one = tg_squeeze(x, 1, (int[]){-2});
  tg_var *s_none = tg_squeeze(x, 0, NULL);
  CHECK(tg_var_ndim(s_all) == 2 && tg_var_ndim(s_one) == 3 && tg_var_ndim(s_none) == 4);
  tg_var *e0 = tg_expand_dims(x, 0), *e_end = tg_expand_dims(x, -1), *e2 = tg_expand_dims(x, 2);
  tg_var *e_neg = tg_expand_dims(x, -5);
  CHECK(tg_var_ndim(e0) == 5 && tg_var_dim(e0, 0) == 1 && tg_var_dim(e_end, 4) == 1);
  CHECK(tg_var_dim(e2, 2) == 1 && tg_var_dim(e2, 3) == 1 && tg_var_dim(e2, 4) == -1);
  int64_t shapes[][4] = {{1, 2, 1, 3}, {1, 0, 1, 4}, {1, 1, 1, 1}};
  for (int s = 0; s < 3; s++) {
    check_all_layouts(g, x, s_all, 4, shapes[s], 2, (int[]){1, 3});
    check_all_layouts(g, x, s_one, 4, shapes[s], 3, (int[]){0, 1, 3});
    check_all_layouts(g, x, s_none, 4, shapes[s], 4, (int[]){0, 1, 2, 3});
    check_all_layouts(g, x, e0, 4, shapes[s], 5, (int[]){-1, 0, 1, 2, 3});
    check_all_layouts(g, x, e_end, 4, shapes[s], 5, (int[]){0, 1, 2, 3, -1});
    check_all_layouts(g, x, e2, 4, shapes[s], 5, (int[]){0, 1, -1, 2, 3});
    check_all_layouts(g, x, e_neg, 4, shapes[s], 5, (int[]){-1, 0, 1, 2, 3});
  }
  /* Theano squeezes only broadcastable dims: a runtime 1 is not enough */
  CHECK(tg_squeeze(x, 1, (int[]){1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "squeeze: dim 1 of TensorType(int32, (1, ?, 1, ?)) is not broadcastable");
  tg_graph_clear_error(g);
  CHECK(tg_squeeze(x, 2, (int[]){0, -4}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "squeeze: axis -4 is repeated (dim 0 again)");
  tg_graph_clear_error(g);
  CHECK(tg_squeeze(x, 1, (int[]){4}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "squeeze: axis 4 is out of range for a rank-4 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_squeeze(x, -2, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "squeeze: n_axes is -2");
  tg_graph_clear_error(g);
  CHECK(tg_expand_dims(x, 5) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "expand_dims: axis 5 is out of range for a rank-4 tensor (-5..4)");
  tg_graph_clear_error(g);
  CHECK(tg_expand_dims(x, -6) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "axis -6 is out of range");
  tg_graph_free(g);
}

TEST(dimshuffle_pattern_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){-1, 1, -1});
  CHECK(tg_dimshuffle(x, 2, (int[]){0, 3}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "dimshuffle: pattern (0, 3) names dim 3, out of range for "
                       "TensorType(float64, (?, 1, ?))");
  tg_graph_clear_error(g);
  CHECK(tg_dimshuffle(x, 3, (int[]){0, -1, 0}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "dimshuffle: pattern (0, 'x', 0) names dim 0 twice");
  tg_graph_clear_error(g);
  CHECK(tg_dimshuffle(x, 2, (int[]){1, 0}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "dimshuffle: pattern (1, 0) drops dim 2 of TensorType(float64, "
                       "(?, 1, ?)), which is not broadcastable");
  tg_graph_clear_error(g);
  CHECK(tg_dimshuffle(x, 3, (int[]){0, -2, 2}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "names dim -2");
  tg_graph_clear_error(g);
  CHECK(tg_dimshuffle(x, 2, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "NULL pattern");
  tg_graph_clear_error(g);
  /* dropping the broadcastable dim is fine */
  CHECK(tg_dimshuffle(x, 2, (int[]){2, 0}) != NULL);
  tg_graph_free(g);
}

TEST(dimshuffle_into_given_output) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_var *y = tg_transpose(x, 0, NULL);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *a = sx_make(TG_FLOAT32, 2, (int64_t[]){3, 4}, SX_STRIDED);
  tg_array *o = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 3});
  CHECK_STATUS(tg_function_call_into(f, &a, &o), TG_OK);
  CHECK(matches_pattern(o, a, 2, (int[]){1, 0}) && !tg_array_is_view(o));
  tg_array *bad = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){3, 4});
  CHECK_STATUS(tg_function_call_into(f, &a, &bad), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "DimShuffle: the given output has shape (3, 4), expected (4, 3)");
  tg_array_unref(bad);
  tg_array_unref(o);
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Chains of views stay views of the first input, and a reshape of a transpose copies
   exactly as numpy does (x.T.reshape(-1) copies). */
TEST(view_chains) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT64);
  tg_var *y = tg_expand_dims(tg_transpose(x, 0, NULL), 1);
  tg_var *z = tg_reshape_to(tg_transpose(x, 0, NULL), 1, (int64_t[]){-1});
  tg_array *a = sx_make(TG_INT64, 2, (int64_t[]){2, 3}, SX_CONTIG);
  tg_array *ry = sx_run(g, TG_VARS(x), y, &a), *rz = sx_run(g, TG_VARS(x), z, &a);
  CHECK(sx_shares(ry, a) && matches_pattern(ry, a, 3, (int[]){1, -1, 0}));
  CHECK(rz && !sx_shares(rz, a) && tg_array_is_contiguous(rz));
  static const int64_t want[6] = {0, 3, 1, 4, 2, 5}; /* C-order positions of a.T */
  for (int i = 0; rz && i < 6; i++) {
    char buf[8];
    sx_store(TG_INT64, buf, want[i]);
    CHECK(memcmp((char *)tg_array_data(rz) + 8 * i, buf, 8) == 0);
  }
  tg_array_unref(ry);
  tg_array_unref(rz);
  tg_array_unref(a);
  tg_graph_free(g);
}
