/* test_shape_ops_reshape.c: reshape (constant and symbolic shapes, one -1, views as numpy
   gives them, copies otherwise), flatten and specify_shape: values for every dtype and
   input layout, size-0 and size-1 shapes, caller-given outputs, static output types,
   shape rules, and the build- and run-time errors. */
#include "shape_ops_check.h"

/* reshape x (shape xs[xn], dtype dt, layout) to t[tn]; check against the expected shape
   e[tn] and the C-order elements of the input. Returns the result's view-ness: 1 view,
   0 copy, -1 failure. */
static int reshape_case(tg_dtype dt, int xn, const int64_t *xs, int layout, int tn,
                        const int64_t *t, const int64_t *e) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", dt, xn, NULL);
  tg_var *y = tg_reshape_to(x, tn, t);
  tg_array *a = sx_make(dt, xn, xs, layout);
  tg_array *r = y ? sx_run(g, TG_VARS(x), y, (tg_array *[]){a}) : NULL;
  int res = -1;
  if (r && sx_shape_is(r, tn, e) && sx_same_flat(r, a)) res = sx_shares(r, a);
  else fprintf(stderr, "reshape case failed (dtype %s, layout %d): %s\n", tg_dtype_name(dt),
               layout, tg_graph_error(g));
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
  return res;
}

TEST(reshape_values_every_dtype_and_layout) {
  static const int64_t xs[3] = {2, 3, 4};
  static const struct {
    int n;
    int64_t t[4], e[4];
  } cases[] = {
      {2, {4, 6}, {4, 6}},       {1, {24}, {24}},          {2, {-1, 4}, {6, 4}},
      {3, {2, -1, 2}, {2, 6, 2}}, {3, {1, 24, 1}, {1, 24, 1}}, {4, {2, 3, 2, 2}, {2, 3, 2, 2}},
      {2, {3, -1}, {3, 8}},      {3, {2, 3, 4}, {2, 3, 4}},
  };
  for (int k = 0; k < SX_NDT; k++)
    for (int l = 0; l < SX_NLAYOUTS; l++)
      for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        CHECK(reshape_case(sx_all_dtypes[k], 3, xs, l, cases[c].n, cases[c].t, cases[c].e) >= 0);
}

/* Views exactly where numpy's reshape gives them (np.shares_memory on the same cases). */
TEST(reshape_views_follow_numpy) {
  const int64_t m[2] = {2, 6}, t3[3] = {2, 3, 4};
  /* contiguous: always a view */
  CHECK(reshape_case(TG_FLOAT64, 2, m, SX_CONTIG, 2, (int64_t[]){3, 4}, (int64_t[]){3, 4}) == 1);
  CHECK(reshape_case(TG_INT8, 3, t3, SX_CONTIG, 1, (int64_t[]){-1}, (int64_t[]){24}) == 1);
  /* every other column: the rows still merge with the columns' stride (numpy: view) */
  CHECK(reshape_case(TG_FLOAT32, 3, t3, SX_STRIDED, 1, (int64_t[]){24}, (int64_t[]){24}) == 1);
  /* transposed storage: splitting the last dim is a view, merging dims needs a copy */
  CHECK(reshape_case(TG_FLOAT64, 3, t3, SX_TRANSPOSED, 4, (int64_t[]){2, 3, 2, 2},
                     (int64_t[]){2, 3, 2, 2}) == 1);
  CHECK(reshape_case(TG_FLOAT64, 2, m, SX_TRANSPOSED, 1, (int64_t[]){12}, (int64_t[]){12}) == 0);
  /* dim 0 reversed: merging it with dim 1 needs a copy; merging dims 1 and 2 does not */
  CHECK(reshape_case(TG_INT32, 3, t3, SX_REVERSED, 1, (int64_t[]){24}, (int64_t[]){24}) == 0);
  CHECK(reshape_case(TG_INT32, 3, t3, SX_REVERSED, 2, (int64_t[]){2, 12}, (int64_t[]){2, 12}) == 1);
}

TEST(reshape_size_zero_and_one) {
  /* size 0: any shape with the same (zero) size, -1 beside nonzero dims */
  CHECK(reshape_case(TG_FLOAT64, 2, (int64_t[]){0, 5}, SX_CONTIG, 2, (int64_t[]){5, -1},
                     (int64_t[]){5, 0}) >= 0);
  CHECK(reshape_case(TG_INT16, 2, (int64_t[]){3, 0}, SX_TRANSPOSED, 3, (int64_t[]){0, 2, 7},
                     (int64_t[]){0, 2, 7}) >= 0);
  CHECK(reshape_case(TG_BOOL, 1, (int64_t[]){0}, SX_REVERSED, 1, (int64_t[]){-1},
                     (int64_t[]){0}) >= 0);
  /* size 1: to and from 0-d */
  CHECK(reshape_case(TG_FLOAT32, 0, NULL, SX_CONTIG, 3, (int64_t[]){1, -1, 1},
                     (int64_t[]){1, 1, 1}) == 1);
  CHECK(reshape_case(TG_UINT8, 2, (int64_t[]){1, 1}, SX_REVERSED, 0, NULL, NULL) == 1);
}

TEST(reshape_symbolic_shape_vector) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *y = tg_tensor3(g, "y", TG_FLOAT64);
  tg_var *n = tg_scalar(g, "n", TG_INT64);
  /* the shape of another tensor, and a vector of scalars holding a runtime -1 */
  tg_var *r1 = tg_reshape(x, tg_shape(y));
  tg_var *r2 = tg_reshape(x, tg_make_vector(g, 2, (tg_var *[]){n, tg_shape_i(x, 0)}));
  CHECK(r1 && tg_var_ndim(r1) == 3 && tg_var_dim(r1, 0) == -1);
  CHECK(r2 && tg_var_ndim(r2) == 2 && tg_var_dim(r2, 1) == -1);
  tg_array *xa = sx_make(TG_FLOAT64, 2, (int64_t[]){4, 6}, SX_CONTIG);
  tg_array *ya = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){2, 2, 6});
  tg_array *na = tg_array_from_i64(0, NULL, (int64_t[]){-1});
  tg_array *res = sx_run(g, TG_VARS(x, y), r1, (tg_array *[]){xa, ya});
  CHECK(sx_shape_is(res, 3, (int64_t[]){2, 2, 6}) && sx_same_flat(res, xa) && sx_shares(res, xa));
  tg_array_unref(res);
  res = sx_run(g, TG_VARS(x, n), r2, (tg_array *[]){xa, na});
  CHECK(sx_shape_is(res, 2, (int64_t[]){6, 4}) && sx_same_flat(res, xa));
  tg_array_unref(res);
  CHECK_INFER_SHAPE(g, TG_VARS(x, y), r1, ((tg_array *[]){xa, ya}));
  CHECK_INFER_SHAPE(g, TG_VARS(x, n), r2, ((tg_array *[]){xa, na}));
  /* a bad runtime entry is reported by the shape rule's graph as by the op */
  tg_array *nb = tg_array_from_i64(0, NULL, (int64_t[]){-2});
  CHECK(sx_run_fails(g, TG_VARS(x, n), r2, (tg_array *[]){xa, nb},
                     "Reshape: negative dimension -2 in shape (-2, 4)"));
  CHECK(sx_run_fails(g, TG_VARS(x, n), tg_infer_shape(r2), (tg_array *[]){xa, nb},
                     "Reshape: negative dimension -2 in shape (-2, 4)"));
  tg_array_unref(xa);
  tg_array_unref(nb);
  tg_array_unref(ya);
  tg_array_unref(na);
  tg_graph_free(g);
}

TEST(reshape_static_types) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT32);
  tg_var *s = tg_tensor(g, "s", TG_INT32, 2, (int64_t[]){2, 6});
  tg_var *a = tg_reshape_to(m, 2, (int64_t[]){-1, 3});
  CHECK(tg_var_dim(a, 0) == -1 && tg_var_dim(a, 1) == 3 && tg_var_dtype(a) == TG_FLOAT32);
  tg_var *b = tg_reshape_to(s, 3, (int64_t[]){4, -1, 1}); /* -1 resolved from static sizes */
  CHECK(tg_var_dim(b, 0) == 4 && tg_var_dim(b, 1) == 3 && tg_var_dim(b, 2) == 1);
  CHECK(tg_var_dtype(b) == TG_INT32);
  /* an int32 constant shape vector works and keeps its values visible */
  tg_array *sv = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){3, 4});
  tg_var *c = tg_reshape(s, tg_constant(g, sv));
  CHECK(c && tg_var_dim(c, 0) == 3 && tg_var_dim(c, 1) == 4);
  /* the shape of a static tensor gives static dims */
  tg_var *d = tg_reshape(m, tg_shape(s));
  CHECK(d && tg_var_dim(d, 0) == 2 && tg_var_dim(d, 1) == 6);
  CHECK(tg_graph_status(g) == TG_OK);
  tg_array_unref(sv);
  tg_graph_free(g);
}

TEST(reshape_infer_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_INT64);
  tg_var *outs[] = {tg_reshape_to(x, 2, (int64_t[]){-1, 2}), tg_reshape_to(x, 1, (int64_t[]){-1}),
                    tg_reshape_to(x, 3, (int64_t[]){2, 0, 3}), tg_flatten(x, 2)};
  int64_t shapes[][3] = {{3, 2, 2}, {1, 1, 4}, {2, 0, 5}};
  int64_t ok_for[][4] = {{1, 1, 0, 1}, {1, 1, 0, 1}, {0, 1, 1, 1}};
  for (int s = 0; s < 3; s++) {
    tg_array *a = sx_make(TG_INT64, 3, shapes[s], SX_STRIDED);
    for (int o = 0; o < 4; o++)
      if (ok_for[s][o]) CHECK_INFER_SHAPE(g, TG_VARS(x), outs[o], ((tg_array *[]){a}));
    tg_array_unref(a);
  }
  tg_graph_free(g);
}

TEST(reshape_into_given_outputs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT16);
  tg_var *y = tg_reshape_to(x, 2, (int64_t[]){3, -1});
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *a = sx_make(TG_INT16, 2, (int64_t[]){2, 6}, SX_TRANSPOSED);
  /* a contiguous output, then a strided one (every other column of a 3x8 block) */
  tg_array *o1 = tg_array_zeros(TG_INT16, 2, (int64_t[]){3, 4});
  tg_array *blk = tg_array_zeros(TG_INT16, 2, (int64_t[]){3, 8});
  tg_array *o2 = tg_array_slice(blk, 1, 0, 8, 2);
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o1}), TG_OK);
  CHECK(sx_same_flat(o1, a));
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o2}), TG_OK);
  CHECK(sx_same_flat(o2, a));
  tg_array *o3 = tg_array_zeros(TG_INT16, 2, (int64_t[]){4, 3});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o3}), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "Reshape: the given output has shape (4, 3), expected (3, 4)");
  tg_array_unref(o1);
  tg_array_unref(o2);
  tg_array_unref(o3);
  tg_array_unref(blk);
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(reshape_build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 2, (int64_t[]){2, 3});
  CHECK(tg_reshape_to(x, 2, (int64_t[]){4, -1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "reshape: cannot reshape array of size 6 into shape (4, -1)");
  tg_graph_clear_error(g);
  CHECK(tg_reshape_to(x, 2, (int64_t[]){-1, -1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "can only specify one unknown dimension (-1), got shape (-1, -1)");
  tg_graph_clear_error(g);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64); /* no static size: still caught */
  CHECK(tg_reshape_to(m, 3, (int64_t[]){-1, 2, -1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "one unknown dimension");
  tg_graph_clear_error(g);
  CHECK(tg_reshape_to(m, 2, (int64_t[]){3, -2}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "negative dimension -2 in shape (3, -2)");
  tg_graph_clear_error(g);
  CHECK(tg_reshape_to(x, 2, (int64_t[]){7, 1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "size 6 into shape (7, 1)");
  tg_graph_clear_error(g);
  CHECK(tg_reshape(x, tg_vector(g, "v", TG_INT64)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "length of the shape vector must be known at build time");
  tg_graph_clear_error(g);
  CHECK(tg_reshape(x, tg_tensor(g, "f", TG_FLOAT64, 1, (int64_t[]){2})) == NULL);
  CHECK_ERROR_CONTAINS(
      tg_graph_error(g),
      "reshape: the shape must be an integer vector, got TensorType(float64, (2,))");
  tg_graph_clear_error(g);
  CHECK(tg_reshape(x, tg_matrix(g, "im", TG_INT64)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "integer vector");
  tg_graph_clear_error(g);
  CHECK(tg_reshape_to(x, -1, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "bad target rank -1");
  tg_graph_clear_error(g);
  CHECK(tg_reshape_to(NULL, 1, (int64_t[]){1}) == NULL);
  CHECK(tg_flatten(NULL, 1) == NULL);
  tg_graph_free(g);
}

TEST(reshape_run_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *sv = tg_vector(g, "sv", TG_INT64);
  tg_var *y = tg_reshape(m, tg_specify_shape(sv, 1, (int64_t[]){2}));
  CHECK(y && tg_var_dim(y, 0) == -1);
  tg_array *a = sx_make(TG_FLOAT64, 2, (int64_t[]){2, 3}, SX_CONTIG);
  tg_array *z = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  struct {
    tg_array *x;
    int64_t s[2];
    const char *msg;
  } cases[] = {
      {a, {4, -1}, "Reshape: cannot reshape array of size 6 into shape (4, -1)"},
      {a, {-1, -1}, "can only specify one unknown dimension (-1), got shape (-1, -1)"},
      {a, {5, 2}, "size 6 into shape (5, 2)"},
      {a, {-3, 2}, "negative dimension -3 in shape (-3, 2)"},
      {z, {0, -1}, "cannot reshape array of size 0 into shape (0, -1)"}, /* numpy too */
      {a, {INT64_MAX, 4}, "cannot reshape array of size 6"},           /* product overflows */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *s = tg_array_from_i64(1, (int64_t[]){2}, cases[c].s);
    CHECK(sx_run_fails(g, TG_VARS(m, sv), y, (tg_array *[]){cases[c].x, s}, cases[c].msg));
    tg_array_unref(s);
  }
  /* a shape vector of the wrong length is stopped by specify_shape */
  tg_array *s3 = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, 2, 3});
  CHECK(sx_run_fails(g, TG_VARS(m, sv), y, (tg_array *[]){a, s3},
                     "SpecifyShape: expected shape (2,), got (3,)"));
  tg_array_unref(s3);
  tg_array_unref(a);
  tg_array_unref(z);
  tg_graph_free(g);
}

TEST(flatten_values_types_and_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT32, 4, (int64_t[]){-1, 3, -1, 1});
  tg_var *f1 = tg_flatten(x, 1), *f2 = tg_flatten(x, 2), *f3 = tg_flatten(x, 3);
  tg_var *f4 = tg_flatten(x, 4);
  CHECK(tg_var_ndim(f1) == 1 && tg_var_dim(f1, 0) == -1);
  CHECK(tg_var_ndim(f2) == 2 && tg_var_dim(f2, 0) == -1 && tg_var_dim(f2, 1) == -1);
  CHECK(tg_var_ndim(f3) == 3 && tg_var_dim(f3, 1) == 3 && tg_var_dim(f3, 2) == -1);
  CHECK(tg_var_ndim(f4) == 4 && tg_var_dim(f4, 3) == 1);
  int64_t shapes[][4] = {{2, 3, 4, 1}, {0, 3, 5, 1}, {1, 3, 1, 1}, {2, 3, 0, 1}};
  for (int s = 0; s < 4; s++)
    for (int l = 0; l < SX_NLAYOUTS; l++) {
      tg_array *a = sx_make(TG_FLOAT32, 4, shapes[s], l);
      int64_t *d = shapes[s];
      int64_t e1[1] = {d[0] * d[1] * d[2]}, e2[2] = {d[0], d[1] * d[2]}, e3[3] = {d[0], d[1], d[2]};
      tg_array *r1 = sx_run(g, TG_VARS(x), f1, &a), *r2 = sx_run(g, TG_VARS(x), f2, &a);
      tg_array *r3 = sx_run(g, TG_VARS(x), f3, &a);
      CHECK(sx_shape_is(r1, 1, e1) && sx_same_flat(r1, a));
      CHECK(sx_shape_is(r2, 2, e2) && sx_same_flat(r2, a));
      CHECK(sx_shape_is(r3, 3, e3) && sx_same_flat(r3, a));
      CHECK_INFER_SHAPE(g, TG_VARS(x), f1, &a);
      CHECK_INFER_SHAPE(g, TG_VARS(x), f2, &a);
      CHECK_INFER_SHAPE(g, TG_VARS(x), f3, &a);
      tg_array_unref(r1);
      tg_array_unref(r2);
      tg_array_unref(r3);
      tg_array_unref(a);
    }
  /* static input: a static output; a 0-d input flattens to one element */
  tg_var *st = tg_tensor(g, "st", TG_INT8, 3, (int64_t[]){2, 3, 4});
  tg_var *fs = tg_flatten(st, 2);
  CHECK(tg_var_dim(fs, 0) == 2 && tg_var_dim(fs, 1) == 12);
  tg_var *sc = tg_scalar(g, "sc", TG_INT64);
  tg_var *fsc = tg_flatten(sc, 1);
  CHECK(tg_var_ndim(fsc) == 1 && tg_var_dim(fsc, 0) == 1);
  tg_array *sa = tg_array_from_i64(0, NULL, (int64_t[]){42});
  tg_array *rs = sx_run(g, TG_VARS(sc), fsc, &sa);
  CHECK(rs && tg_array_size(rs) == 1 && *(int64_t *)tg_array_data(rs) == 42);
  tg_array_unref(rs);
  tg_array_unref(sa);
  CHECK(tg_flatten(x, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "flatten: ndim 0 is out of range for a rank-4 tensor (1..4)");
  tg_graph_clear_error(g);
  CHECK(tg_flatten(x, 5) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "ndim 5 is out of range");
  tg_graph_free(g);
}

TEST(specify_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_UINT8, 3, (int64_t[]){-1, 4, -1});
  tg_var *y = tg_specify_shape(x, 3, (int64_t[]){2, -1, 1});
  CHECK(tg_var_dim(y, 0) == 2 && tg_var_dim(y, 1) == 4 && tg_var_dim(y, 2) == 1);
  for (int l = 0; l < SX_NLAYOUTS; l++) {
    tg_array *a = sx_make(TG_UINT8, 3, (int64_t[]){2, 4, 1}, l);
    tg_array *r = sx_run(g, TG_VARS(x), y, &a);
    CHECK(sx_shape_is(r, 3, (int64_t[]){2, 4, 1}) && sx_same_flat(r, a) && sx_shares(r, a));
    CHECK_INFER_SHAPE(g, TG_VARS(x), y, &a);
    tg_array_unref(r);
    tg_array_unref(a);
  }
  tg_array *bad = sx_make(TG_UINT8, 3, (int64_t[]){3, 4, 1}, SX_CONTIG);
  CHECK(sx_run_fails(g, TG_VARS(x), y, &bad,
                     "SpecifyShape: expected shape (2, ?, 1), got (3, 4, 1)"));
  tg_array_unref(bad);
  /* size 0 and a caller-given output */
  tg_var *z = tg_specify_shape(x, 3, (int64_t[]){0, 4, -1});
  tg_array *za = sx_make(TG_UINT8, 3, (int64_t[]){0, 4, 3}, SX_CONTIG);
  CHECK_INFER_SHAPE(g, TG_VARS(x), z, &za);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *a = sx_make(TG_UINT8, 3, (int64_t[]){2, 4, 1}, SX_REVERSED);
  tg_array *o = tg_array_zeros(TG_UINT8, 3, (int64_t[]){2, 4, 1});
  CHECK_STATUS(tg_function_call_into(f, &a, &o), TG_OK);
  CHECK(sx_same_flat(o, a) && !tg_array_is_view(o));
  tg_function_free(f);
  tg_array_unref(o);
  tg_array_unref(a);
  tg_array_unref(za);
  /* build errors */
  CHECK(tg_specify_shape(x, 2, (int64_t[]){1, 2}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "specify_shape: got 2 dims for TensorType(uint8, (?, 4, ?))");
  tg_graph_clear_error(g);
  CHECK(tg_specify_shape(x, 3, (int64_t[]){1, 5, 1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "dim 1 is statically 4 in TensorType(uint8, (?, 4, ?)), not 5");
  tg_graph_clear_error(g);
  CHECK(tg_specify_shape(x, 3, (int64_t[]){1, 4, -7}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "dim 2 is -7");
  tg_graph_free(g);
}
