/* test_shape_ops_alloc.c: Alloc and its builders (alloc_to, fill, zeros, ones, zeros_like,
   ones_like, full and the _to forms): every element checked against the value element
   numpy's broadcasting picks, for every dtype, size 0 and 1, strided values; static types;
   shape rules; caller-given outputs; errors at build and run time. */
#include "shape_ops_check.h"

/* r must be v broadcast to r's shape (numpy rules), as fresh storage. */
static int is_broadcast(const tg_array *r, const tg_array *v, int nd, const int64_t *shape) {
  if (!r || !sx_shape_is(r, nd, shape) || tg_array_dtype(r) != tg_array_dtype(v)) return 0;
  if (tg_array_is_view(r)) return 0;
  int vn = tg_array_ndim(v);
  if (tg_array_size(r) == 0) return 1;
  int64_t o[TG_MAX_NDIM] = {0}, i[TG_MAX_NDIM];
  do {
    for (int d = 0; d < vn; d++) {
      int od = d + nd - vn;
      i[d] = tg_array_shape(v)[d] == 1 ? 0 : o[od];
    }
    if (memcmp(sx_at(r, o), sx_at(v, i), tg_dtype_size(tg_array_dtype(v))) != 0) return 0;
  } while (sx_next(nd, shape, o));
  return 1;
}

TEST(alloc_values_every_dtype) {
  static const struct {
    int vn;
    int64_t vs[2];
    int n;
    int64_t shape[3];
  } cases[] = {
      {0, {0}, 2, {2, 3}},    {1, {3}, 2, {2, 3}},   {2, {2, 1}, 3, {3, 2, 4}},
      {1, {1}, 1, {0}},       {2, {1, 4}, 2, {0, 4}}, {0, {0}, 0, {0}},
      {1, {1}, 3, {1, 1, 1}}, {2, {3, 2}, 2, {3, 2}},
  };
  for (int k = 0; k < SX_NDT; k++) {
    tg_dtype dt = sx_all_dtypes[k];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      tg_graph *g = tg_graph_new();
      tg_var *v = tg_tensor(g, "v", dt, cases[c].vn, NULL);
      tg_var *d[3] = {0}, *dl[3] = {0};
      for (int i = 0; i < cases[c].n; i++) d[i] = dl[i] = tg_scalar(g, NULL, TG_INT64);
      tg_var *ins[4] = {v, d[0], d[1], d[2]};
      tg_var *y = tg_alloc(v, cases[c].n, dl);
      tg_var *yc = tg_alloc_to(v, cases[c].n, cases[c].shape); /* static dims */
      CHECK(y && yc && tg_var_dtype(y) == dt);
      for (int i = 0; i < cases[c].n; i++) CHECK(tg_var_dim(yc, i) == cases[c].shape[i]);
      for (int l = 0; l < SX_NLAYOUTS; l++) {
        tg_array *arr[4] = {sx_make(dt, cases[c].vn, cases[c].vs, l)};
        for (int i = 0; i < cases[c].n; i++)
          arr[1 + i] = tg_array_from_i64(0, NULL, &cases[c].shape[i]);
        tg_array *r = sx_run(g, 1 + cases[c].n, ins, y, arr);
        tg_array *rc = sx_run(g, 1, ins, yc, arr);
        CHECK(is_broadcast(r, arr[0], cases[c].n, cases[c].shape));
        CHECK(is_broadcast(rc, arr[0], cases[c].n, cases[c].shape));
        CHECK_INFER_SHAPE(g, 1 + cases[c].n, ins, y, arr);
        CHECK_INFER_SHAPE(g, 1, ins, yc, arr);
        tg_array_unref(r);
        tg_array_unref(rc);
        for (int i = 0; i <= cases[c].n; i++) tg_array_unref(arr[i]);
      }
      tg_graph_free(g);
    }
  }
}

TEST(alloc_static_types_and_dim_dtypes) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_tensor(g, "v", TG_FLOAT32, 2, (int64_t[]){3, 1});
  tg_var *n32 = tg_scalar(g, "n32", TG_INT32), *n8 = tg_scalar(g, "n8", TG_UINT8);
  /* a non-1 static dim of the value fixes the output's; int32/uint8 dims are accepted;
     a Python-int constant is a static dim */
  tg_var *y = tg_alloc(v, 3, (tg_var *[]){n8, n32, tg_const_i64(g, 5)});
  CHECK(y && tg_var_dim(y, 0) == -1 && tg_var_dim(y, 1) == 3 && tg_var_dim(y, 2) == 5);
  tg_array *va = sx_make(TG_FLOAT32, 2, (int64_t[]){3, 1}, SX_STRIDED);
  tg_array *a32 = tg_array_from_i32(0, NULL, (int32_t[]){3});
  tg_array *a8 = tg_array_from_data(TG_UINT8, 0, NULL, (uint8_t[]){2});
  tg_array *r = sx_run(g, TG_VARS(v, n8, n32), y, (tg_array *[]){va, a8, a32});
  CHECK(is_broadcast(r, va, 3, (int64_t[]){2, 3, 5}));
  CHECK_INFER_SHAPE(g, TG_VARS(v, n8, n32), y, ((tg_array *[]){va, a8, a32}));
  tg_array_unref(r);
  /* runtime errors: a negative dim, a value that does not broadcast */
  tg_array *neg = tg_array_from_data(TG_UINT8, 0, NULL, (uint8_t[]){1});
  tg_array *a32b = tg_array_from_i32(0, NULL, (int32_t[]){-4});
  CHECK(sx_run_fails(g, TG_VARS(v, n8, n32), y, (tg_array *[]){va, neg, a32b},
                     "Alloc: negative dimension -4 at axis 1"));
  tg_var *w = tg_vector(g, "w", TG_INT8), *n = tg_scalar(g, "n", TG_INT64);
  tg_var *yw = tg_alloc(w, 2, (tg_var *[]){tg_const_i64(g, 2), n});
  tg_array *wa = sx_make(TG_INT8, 1, (int64_t[]){3}, SX_CONTIG);
  tg_array *na = tg_array_from_i64(0, NULL, (int64_t[]){4});
  CHECK(sx_run_fails(g, TG_VARS(w, n), yw, (tg_array *[]){wa, na},
                     "Alloc: a value of shape (3,) does not broadcast to (2, 4)"));
  /* into a caller's strided output */
  tg_function *f = tg_function_new(g, TG_VARS(w, n), TG_VARS(yw), NULL);
  tg_array *blk = tg_array_zeros(TG_INT8, 2, (int64_t[]){2, 6});
  tg_array *o = tg_array_slice(blk, 1, -1, INT64_MIN, -2);
  tg_array *n3 = tg_array_from_i64(0, NULL, (int64_t[]){3});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){wa, n3}, &o), TG_OK);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) CHECK(tg_array_get_i64(o, i * 3 + j) == tg_array_get_i64(wa, j));
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){wa, na}, &o), TG_ERR_SHAPE);
  tg_function_free(f);
  tg_array *all[] = {va, a32, a8, neg, a32b, wa, na, blk, o, n3};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tg_array_unref(all[i]);
  tg_graph_free(g);
}

TEST(alloc_build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *f = tg_scalar(g, "f", TG_FLOAT64);
  tg_var *s3 = tg_tensor(g, "s3", TG_FLOAT64, 1, (int64_t[]){3});
  CHECK(tg_alloc(v, 1, (tg_var *[]){f}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "alloc: dim 0 must be an integer scalar, got TensorType(float64, ())");
  tg_graph_clear_error(g);
  CHECK(tg_alloc(v, 1, (tg_var *[]){tg_vector(g, "iv", TG_INT64)}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "alloc: dim 0 must be an integer scalar");
  tg_graph_clear_error(g);
  CHECK(tg_alloc_to(v, 2, (int64_t[]){2, -3}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "alloc: negative dimension -3 at axis 1");
  tg_graph_clear_error(g);
  CHECK(tg_alloc_to(tg_matrix(g, "m", TG_FLOAT64), 1, (int64_t[]){4}) == NULL);
  CHECK_ERROR_CONTAINS(
      tg_graph_error(g),
      "alloc: the value TensorType(float64, (?, ?)) has more dims than the 1-d shape");
  tg_graph_clear_error(g);
  CHECK(tg_alloc_to(s3, 2, (int64_t[]){2, 4}) == NULL);
  CHECK_ERROR_CONTAINS(
      tg_graph_error(g),
      "alloc: the value TensorType(float64, (3,)) does not broadcast to shape (2, 4)");
  tg_graph_clear_error(g);
  CHECK(tg_alloc(s3, 2, (tg_var *[]){tg_scalar(g, "a", TG_INT64), tg_const_i64(g, 2)}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not broadcast to shape (?, 2)");
  tg_graph_clear_error(g);
  CHECK(tg_alloc(v, 2, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "alloc: bad rank 2 or NULL dims");
  tg_graph_clear_error(g);
  CHECK(tg_zeros_to(g, 1, (int64_t[]){2}, (tg_dtype)42) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "invalid");
  tg_graph_clear_error(g);
  tg_graph *g2 = tg_graph_new();
  CHECK(tg_full(g2, 0, NULL, v) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g2), "full: value belongs to another graph");
  CHECK(tg_zeros(NULL, 0, NULL, TG_FLOAT64) == NULL);
  tg_graph_free(g2);
  tg_graph_free(g);
}

/* Every element of r equals want (as double) and r has dtype dt and shape shape[nd]. */
static int all_equal(const tg_array *r, tg_dtype dt, int nd, const int64_t *shape, double want) {
  if (!r || tg_array_dtype(r) != dt || !sx_shape_is(r, nd, shape)) return 0;
  int64_t o[TG_MAX_NDIM] = {0};
  if (tg_array_size(r) == 0) return 1;
  do
    if (sx_load(dt, sx_at(r, o)) != want) return 0;
  while (sx_next(nd, shape, o));
  return 1;
}

TEST(zeros_ones_full_like) {
  for (int k = 0; k < SX_NDT; k++) {
    tg_dtype dt = sx_all_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_tensor(g, "x", dt, 3, (int64_t[]){-1, 1, -1});
    tg_var *n = tg_scalar(g, "n", TG_INT64);
    tg_var *zl = tg_zeros_like(x), *ol = tg_ones_like(x);
    tg_var *z = tg_zeros(g, 2, (tg_var *[]){n, tg_const_i64(g, 3)}, dt);
    tg_var *o = tg_ones(g, 2, (tg_var *[]){tg_const_i64(g, 2), n}, dt);
    tg_var *zt = tg_zeros_to(g, 1, (int64_t[]){4}, dt), *ot = tg_ones_to(g, 0, NULL, dt);
    tg_var *fl = tg_fill(x, tg_const_i64(g, 1)); /* a Python int takes x's dtype */
    CHECK(tg_var_dtype(zl) == dt && tg_var_dtype(ol) == dt && tg_var_dtype(z) == dt &&
          tg_var_dtype(fl) == dt);
    CHECK(tg_var_dim(zl, 1) == 1 && tg_var_dim(z, 1) == 3 && tg_var_dim(zt, 0) == 4);
    int64_t shapes[][3] = {{2, 1, 3}, {0, 1, 2}, {1, 1, 1}};
    for (int s = 0; s < 3; s++) {
      tg_array *xa = sx_make(dt, 3, shapes[s], SX_REVERSED);
      tg_array *na = tg_array_from_i64(0, NULL, &shapes[s][0]);
      tg_var *outs[] = {zl, ol, z, o, zt, ot, fl};
      tg_function *f = tg_function_new(g, TG_VARS(x, n), 7, outs, NULL);
      tg_array *r[7] = {0};
      CHECK(f && tg_function_call(f, (tg_array *[]){xa, na}, r) == TG_OK);
      int64_t n0 = shapes[s][0];
      CHECK(all_equal(r[0], dt, 3, shapes[s], 0) && all_equal(r[1], dt, 3, shapes[s], 1));
      CHECK(all_equal(r[2], dt, 2, (int64_t[]){n0, 3}, 0) &&
            all_equal(r[3], dt, 2, (int64_t[]){2, n0}, 1));
      CHECK(all_equal(r[4], dt, 1, (int64_t[]){4}, 0) && all_equal(r[5], dt, 0, NULL, 1));
      CHECK(all_equal(r[6], dt, 3, shapes[s], 1));
      for (int i = 0; i < 7; i++)
        CHECK_INFER_SHAPE(g, TG_VARS(x, n), outs[i], ((tg_array *[]){xa, na}));
      for (int i = 0; i < 7; i++) tg_array_unref(r[i]);
      tg_function_free(f);
      tg_array_unref(xa);
      tg_array_unref(na);
    }
    tg_graph_free(g);
  }
}

TEST(fill_and_full_with_tensors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *v = tg_vector(g, "v", TG_INT16);
  tg_var *fv = tg_fill(x, v); /* a tensor value keeps its own dtype (Theano's fill) */
  CHECK(fv && tg_var_dtype(fv) == TG_INT16);
  tg_var *ff = tg_fill(x, tg_const_f64(g, 2.5));
  CHECK(ff && tg_var_dtype(ff) == TG_FLOAT32);
  tg_var *full = tg_full_to(g, 3, (int64_t[]){2, 1, 3}, v);
  CHECK(full && tg_var_dim(full, 2) == 3 && tg_var_dtype(full) == TG_INT16);
  tg_var *fw = tg_full_to(g, 1, (int64_t[]){2}, tg_const_f64(g, 0.5));
  CHECK(fw && tg_var_dtype(fw) == TG_FLOAT64); /* numpy.full((2,), 0.5) is float64 */
  tg_array *xa = sx_make(TG_FLOAT32, 2, (int64_t[]){4, 3}, SX_TRANSPOSED);
  tg_array *va = sx_make(TG_INT16, 1, (int64_t[]){3}, SX_REVERSED);
  tg_array *r[4] = {0};
  tg_function *f = tg_function_new(g, TG_VARS(x, v), 4, (tg_var *[]){fv, ff, full, fw}, NULL);
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, va}, r), TG_OK);
  CHECK(is_broadcast(r[0], va, 2, (int64_t[]){4, 3}));
  CHECK(all_equal(r[1], TG_FLOAT32, 2, (int64_t[]){4, 3}, 2.5));
  CHECK(is_broadcast(r[2], va, 3, (int64_t[]){2, 1, 3}));
  CHECK(all_equal(r[3], TG_FLOAT64, 1, (int64_t[]){2}, 0.5));
  for (int i = 0; i < 4; i++) tg_array_unref(r[i]), r[i] = NULL;
  /* a value that does not fit x's shape fails at run time with both shapes named */
  tg_array *xb = sx_make(TG_FLOAT32, 2, (int64_t[]){4, 5}, SX_CONTIG);
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xb, va}, r), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "Alloc: a value of shape (3,) does not broadcast to (4, 5)");
  CHECK(!r[0]);
  tg_function_free(f);
  tg_array_unref(xa);
  tg_array_unref(xb);
  tg_array_unref(va);
  CHECK(tg_fill(x, tg_matrix(g, "big", TG_FLOAT32)) != NULL);
  CHECK(tg_fill(tg_vector(g, "small", TG_FLOAT32), tg_matrix(g, "big2", TG_FLOAT32)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "has more dims than the 1-d shape");
  tg_graph_free(g);
}
