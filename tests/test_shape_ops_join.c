/* test_shape_ops_join.c: concatenate (Join), stack and split: values checked element by
   element against the input each one comes from, for every dtype, layout and size 0;
   numpy's dtype promotion; static types; shape rules; caller-given outputs; views for
   split; and the build- and run-time errors. */
#include "shape_ops_check.h"

/* r must be the inputs xs[n] joined along axis (values compared as doubles, so promoted
   dtypes are checked too; same-dtype inputs compare bytes). */
static int is_join(const tg_array *r, int n, tg_array *const *xs, int axis) {
  int nd = tg_array_ndim(xs[0]);
  if (!r || tg_array_ndim(r) != nd) return 0;
  int64_t total = 0;
  for (int k = 0; k < n; k++) total += tg_array_shape(xs[k])[axis];
  for (int d = 0; d < nd; d++)
    if (tg_array_shape(r)[d] != (d == axis ? total : tg_array_shape(xs[0])[d])) return 0;
  if (tg_array_size(r) == 0) return 1;
  int64_t o[TG_MAX_NDIM] = {0}, i[TG_MAX_NDIM];
  do {
    memcpy(i, o, sizeof(int64_t) * (size_t)nd);
    int k = 0;
    while (i[axis] >= tg_array_shape(xs[k])[axis]) i[axis] -= tg_array_shape(xs[k++])[axis];
    tg_dtype rd = tg_array_dtype(r), xd = tg_array_dtype(xs[k]);
    if (rd == xd ? memcmp(sx_at(r, o), sx_at(xs[k], i), tg_dtype_size(rd)) != 0
                 : sx_load(rd, sx_at(r, o)) != sx_load(xd, sx_at(xs[k], i)))
      return 0;
  } while (sx_next(nd, tg_array_shape(r), o));
  return 1;
}

static void unref_all(int n, tg_array **a) {
  for (int i = 0; i < n; i++) tg_array_unref(a[i]);
}

TEST(concatenate_values_every_dtype_and_layout) {
  static const int64_t sa[][2] = {{2, 3}, {2, 3}, {0, 3}, {1, 3}};
  static const int64_t sb[][2] = {{4, 3}, {2, 5}, {2, 3}, {1, 0}};
  static const int axes[] = {0, 1, 0, -1};
  for (int k = 0; k < SX_NDT; k++) {
    tg_dtype dt = sx_all_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = tg_matrix(g, "y", dt), *z = tg_matrix(g, "z", dt);
    for (int c = 0; c < 4; c++) {
      int ax = axes[c] < 0 ? axes[c] + 2 : axes[c];
      tg_var *j = tg_concatenate(3, (tg_var *[]){x, y, z}, axes[c]);
      CHECK(j && tg_var_dtype(j) == dt);
      for (int l = 0; l < SX_NLAYOUTS && j; l++) {
        tg_array *in[3] = {sx_make_base(dt, 2, sa[c], l, 0),
                           sx_make_base(dt, 2, sb[c], (l + 1) % 4, 50),
                           sx_make_base(dt, 2, sa[c], (l + 2) % 4, 100)};
        tg_array *r = sx_run(g, TG_VARS(x, y, z), j, in);
        CHECK(is_join(r, 3, in, ax) && !tg_array_is_view(r));
        CHECK_INFER_SHAPE(g, TG_VARS(x, y, z), j, in);
        tg_array_unref(r);
        unref_all(3, in);
      }
    }
    tg_graph_free(g);
  }
}

TEST(concatenate_promotes_dtypes) {
  static const struct {
    tg_dtype a, b, want;
  } cases[] = {
      {TG_INT8, TG_UINT8, TG_INT16},    {TG_INT32, TG_FLOAT32, TG_FLOAT64},
      {TG_BOOL, TG_INT8, TG_INT8},      {TG_UINT8, TG_FLOAT32, TG_FLOAT32},
      {TG_BOOL, TG_BOOL, TG_BOOL},      {TG_INT64, TG_FLOAT64, TG_FLOAT64},
      {TG_INT16, TG_INT32, TG_INT32},   {TG_FLOAT32, TG_FLOAT64, TG_FLOAT64},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", cases[c].a), *y = tg_matrix(g, "y", cases[c].b);
    tg_var *xm = tg_expand_dims(x, 0);
    tg_var *j = tg_concatenate(2, (tg_var *[]){xm, y}, 0);
    CHECK(j && tg_var_dtype(j) == cases[c].want);
    tg_array *in[2] = {sx_make(cases[c].a, 1, (int64_t[]){3}, SX_REVERSED),
                       sx_make_base(cases[c].b, 2, (int64_t[]){2, 3}, SX_TRANSPOSED, 7)};
    tg_array *r = sx_run(g, TG_VARS(x, y), j, in);
    tg_array *a2 = tg_array_view(in[0], 2, (int64_t[]){1, 3},
                                 (int64_t[]){0, tg_array_strides(in[0])[0]}, 0);
    CHECK(r && tg_array_dtype(r) == cases[c].want && is_join(r, 2, (tg_array *[]){a2, in[1]}, 0));
    tg_array_unref(a2);
    tg_array_unref(r);
    unref_all(2, in);
    tg_graph_free(g);
  }
}

TEST(concatenate_static_types_and_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 2, (int64_t[]){2, -1});
  tg_var *b = tg_tensor(g, "b", TG_FLOAT64, 2, (int64_t[]){3, 4});
  tg_var *c = tg_col(g, "c", TG_FLOAT64);
  tg_var *j = tg_concatenate(2, (tg_var *[]){a, b}, 0);
  CHECK(tg_var_dim(j, 0) == 5 && tg_var_dim(j, 1) == 4);
  tg_var *jc = tg_concatenate(2, (tg_var *[]){c, c}, 0); /* (?, 1) stays broadcastable */
  CHECK(tg_var_dim(jc, 0) == -1 && tg_var_dim(jc, 1) == 1);
  tg_var *j1 = tg_concatenate(2, (tg_var *[]){a, c}, 1);
  CHECK(tg_var_dim(j1, 0) == 2 && tg_var_dim(j1, 1) == -1);
  tg_var *single = tg_concatenate(1, &a, -1);
  CHECK(single && tg_var_dim(single, 0) == 2);
  CHECK(tg_concatenate(2, (tg_var *[]){a, b}, 1) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "concatenate: input 1 is TensorType(float64, (3, 4)) but input "
                       "0 is TensorType(float64, (2, ?)); they must agree outside axis 1");
  tg_graph_clear_error(g);
  CHECK(tg_concatenate(2, (tg_var *[]){a, tg_vector(g, "v", TG_FLOAT64)}, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "concatenate: input 1 has rank 1 but input 0 has rank 2");
  tg_graph_clear_error(g);
  tg_var *s = tg_scalar(g, "s", TG_INT8);
  CHECK(tg_concatenate(2, (tg_var *[]){s, s}, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "zero-dimensional tensors cannot be concatenated");
  tg_graph_clear_error(g);
  CHECK(tg_concatenate(2, (tg_var *[]){a, b}, 2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "concatenate: axis 2 is out of range for a rank-2 result");
  tg_graph_clear_error(g);
  CHECK(tg_concatenate(2, (tg_var *[]){a, b}, -3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "axis -3 is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_concatenate(0, NULL, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "concatenate: needs at least one tensor");
  CHECK(tg_concatenate(2, (tg_var *[]){a, NULL}, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "concatenate: input 1 is NULL");
  tg_graph_free(g);
}

TEST(concatenate_run_errors_and_given_output) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT32), *y = tg_matrix(g, "y", TG_INT32);
  tg_var *j = tg_concatenate(2, (tg_var *[]){x, y}, 0);
  tg_array *a = sx_make(TG_INT32, 2, (int64_t[]){2, 3}, SX_CONTIG);
  tg_array *b = sx_make(TG_INT32, 2, (int64_t[]){2, 4}, SX_CONTIG);
  CHECK(sx_run_fails(
      g, TG_VARS(x, y), j, (tg_array *[]){a, b},
      "Join: input 1 has shape (2, 4), which does not match input 0's (2, 3) outside axis 0"));
  tg_function *f = tg_function_new(g, TG_VARS(x, y), TG_VARS(j), NULL);
  tg_array *c = sx_make_base(TG_INT32, 2, (int64_t[]){1, 3}, SX_REVERSED, 9);
  tg_array *blk = tg_array_zeros(TG_INT32, 2, (int64_t[]){6, 3});
  tg_array *o = tg_array_slice(blk, 0, -1, INT64_MIN, -2); /* rows 5, 3, 1: negative stride */
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, c}, &o), TG_OK);
  CHECK(is_join(o, 2, (tg_array *[]){a, c}, 0));
  tg_array *bad = tg_array_zeros(TG_INT32, 2, (int64_t[]){3, 4});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, c}, &bad), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f),
                       "Join: the given output has shape (3, 4), expected (3, 3)");
  tg_function_free(f);
  tg_array *arrs[] = {a, b, c, blk, o, bad};
  unref_all(6, arrs);
  tg_graph_free(g);
}

/* r must be xs[n] (equal shapes) stacked along a new dim at axis. */
static int is_stack(const tg_array *r, int n, tg_array *const *xs, int axis) {
  int nd = tg_array_ndim(xs[0]);
  if (!r || tg_array_ndim(r) != nd + 1 || tg_array_shape(r)[axis] != n) return 0;
  int64_t o[TG_MAX_NDIM] = {0}, i[TG_MAX_NDIM];
  if (tg_array_size(r) == 0) return 1;
  size_t isz = tg_dtype_size(tg_array_dtype(r));
  do {
    for (int d = 0, e = 0; d <= nd; d++)
      if (d != axis) i[e++] = o[d];
    if (memcmp(sx_at(r, o), sx_at(xs[o[axis]], i), isz) != 0) return 0;
  } while (sx_next(nd + 1, tg_array_shape(r), o));
  return 1;
}

TEST(stack_values_and_errors) {
  for (int k = 0; k < SX_NDT; k++) {
    tg_dtype dt = sx_all_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = tg_matrix(g, "y", dt);
    int64_t shapes[][2] = {{2, 3}, {0, 2}, {1, 1}};
    for (int axis = -3; axis <= 2; axis++) {
      tg_var *s = tg_stack(2, (tg_var *[]){x, y}, axis);
      CHECK(s && tg_var_ndim(s) == 3 && tg_var_dim(s, axis < 0 ? axis + 3 : axis) == 2);
      for (int c = 0; c < 3 && s; c++) {
        tg_array *in[2] = {sx_make(dt, 2, shapes[c], SX_TRANSPOSED),
                           sx_make_base(dt, 2, shapes[c], SX_STRIDED, 30)};
        tg_array *r = sx_run(g, TG_VARS(x, y), s, in);
        CHECK(is_stack(r, 2, in, axis < 0 ? axis + 3 : axis));
        CHECK_INFER_SHAPE(g, TG_VARS(x, y), s, in);
        tg_array_unref(r);
        unref_all(2, in);
      }
    }
    tg_graph_free(g);
  }
  tg_graph *g = tg_graph_new();
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64), *t = tg_scalar(g, "t", TG_INT32);
  tg_var *v = tg_stack(3, (tg_var *[]){s, t, s}, 0); /* 0-d inputs make a vector */
  CHECK(v && tg_var_ndim(v) == 1 && tg_var_dim(v, 0) == 3 && tg_var_dtype(v) == TG_FLOAT64);
  tg_array *sa = tg_array_scalar(TG_FLOAT64, 2.5), *ta = tg_array_scalar(TG_INT32, -4);
  tg_array *r = sx_run(g, TG_VARS(s, t), v, (tg_array *[]){sa, ta});
  CHECK(r && tg_array_get_f64(r, 0) == 2.5 && tg_array_get_f64(r, 1) == -4 &&
        tg_array_get_f64(r, 2) == 2.5);
  tg_array_unref(r);
  tg_array_unref(sa);
  tg_array_unref(ta);
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_var *b = tg_tensor(g, "b", TG_FLOAT64, 2, (int64_t[]){3, 3});
  CHECK(tg_stack(2, (tg_var *[]){a, b}, 0) == NULL); /* stack needs equal shapes */
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "stack: input 1 is TensorType(float64, (3, 3)) but input 0 "
                       "is TensorType(float64, (2, 3))");
  tg_graph_clear_error(g);
  CHECK(tg_stack(2, (tg_var *[]){a, s}, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "stack: input 1 has rank 0 but input 0 has rank 2");
  tg_graph_clear_error(g);
  CHECK(tg_stack(2, (tg_var *[]){a, a}, 3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "stack: axis 3 is out of range for a rank-3 result");
  tg_graph_free(g);
}

TEST(split_values_views_and_shapes) {
  for (int k = 0; k < SX_NDT; k++) {
    tg_dtype dt = sx_all_dtypes[k];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *outs[3];
    tg_var *first = tg_split(x, 3, (int64_t[]){2, 0, 5}, 0, outs);
    CHECK(first == outs[0] && tg_var_dim(outs[0], 0) == 2 && tg_var_dim(outs[1], 0) == 0 &&
          tg_var_dim(outs[2], 0) == 5 && tg_var_dim(outs[2], 1) == -1);
    tg_var *cols[2];
    tg_split(x, 2, (int64_t[]){1, 2}, -1, cols);
    tg_function *f = tg_function_new(
        g, TG_VARS(x), 5, (tg_var *[]){outs[0], outs[1], outs[2], cols[0], cols[1]}, NULL);
    CHECK(f != NULL);
    for (int l = 0; l < SX_NLAYOUTS && f; l++) {
      tg_array *a = sx_make(dt, 2, (int64_t[]){7, 3}, l), *r[5] = {0};
      CHECK_STATUS(tg_function_call(f, &a, r), TG_OK);
      /* joining the pieces back gives the input, and each piece is a view of it */
      CHECK(is_join(a, 3, r, 0) && is_join(a, 2, r + 3, 1));
      for (int i = 0; i < 5; i++) CHECK(tg_array_size(r[i]) == 0 || sx_shares(r[i], a));
      CHECK(sx_shape_is(r[1], 2, (int64_t[]){0, 3}) && sx_shape_is(r[3], 2, (int64_t[]){7, 1}));
      for (int i = 0; i < 3; i++) CHECK_INFER_SHAPE(g, TG_VARS(x), outs[i], &a);
      for (int i = 0; i < 2; i++) CHECK_INFER_SHAPE(g, TG_VARS(x), cols[i], &a);
      unref_all(5, r);
      tg_array_unref(a);
    }
    tg_function_free(f);
    tg_graph_free(g);
  }
}

TEST(split_symbolic_sizes_and_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT32), *sv = tg_vector(g, "sv", TG_INT64), *outs[3];
  tg_var *sizes = tg_specify_shape(sv, 1, (int64_t[]){3});
  CHECK(tg_split_vec(x, sizes, 1, outs) != NULL);
  tg_array *a = sx_make(TG_FLOAT32, 3, (int64_t[]){2, 6, 2}, SX_REVERSED);
  tg_array *s_ok = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){3, 1, 2});
  for (int i = 0; i < 3; i++)
    CHECK_INFER_SHAPE(g, TG_VARS(x, sv), outs[i], ((tg_array *[]){a, s_ok}));
  tg_function *f = tg_function_new(g, TG_VARS(x, sv), 3, outs, NULL);
  tg_array *r[3] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, s_ok}, r), TG_OK);
  CHECK(is_join(a, 3, r, 1) && sx_shape_is(r[2], 3, (int64_t[]){2, 2, 2}));
  unref_all(3, r);
  /* into caller outputs: a wrong one leaves nothing allocated behind */
  tg_array *o[3] = {tg_array_zeros(TG_FLOAT32, 3, (int64_t[]){2, 3, 2}),
                    tg_array_zeros(TG_FLOAT32, 3, (int64_t[]){2, 1, 2}),
                    tg_array_zeros(TG_FLOAT32, 3, (int64_t[]){2, 2, 2})};
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, s_ok}, o), TG_OK);
  CHECK(is_join(a, 3, o, 1));
  tg_array *s_bad[] = {tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){3, 1, 1}),
                       tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){4, -1, 3})};
  const char *msgs[] = {
      "Split: the sizes (3, 1, 1) must be >= 0 and add up to the length 6 of axis 1",
      "Split: the sizes (4, -1, 3) must be >= 0"};
  for (int i = 0; i < 2; i++) {
    tg_array *rr[3] = {0};
    CHECK(tg_function_call(f, (tg_array *[]){a, s_bad[i]}, rr) != TG_OK);
    CHECK_ERROR_CONTAINS(tg_function_error(f), msgs[i]);
    CHECK(!rr[0] && !rr[1] && !rr[2]);
  }
  tg_function_free(f);
  unref_all(2, s_bad);
  unref_all(3, o);
  tg_array_unref(a);
  tg_array_unref(s_ok);
  /* build errors */
  tg_var *m = tg_tensor(g, "m", TG_FLOAT64, 2, (int64_t[]){4, -1});
  CHECK(tg_split(m, 2, (int64_t[]){1, 2}, 0, outs) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "split: the sizes (1, 2) do not add up to the length 4 of axis 0");
  tg_graph_clear_error(g);
  CHECK(tg_split(m, 2, (int64_t[]){5, -1}, 1, outs) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "split: negative size -1 in (5, -1)");
  tg_graph_clear_error(g);
  CHECK(tg_split(m, 9, (int64_t[]){0, 0, 0, 0, 0, 0, 0, 0, 4}, 0, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "split: 9 pieces (1..8)");
  tg_graph_clear_error(g);
  CHECK(tg_split(m, 2, (int64_t[]){2, 2}, 2, outs) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "split: axis 2 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_split_vec(m, tg_vector(g, "u", TG_INT64), 0, outs) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g),
                       "split: the sizes must be an integer vector of static length 1..8");
  tg_graph_clear_error(g);
  tg_var *s0 = tg_scalar(g, "s0", TG_FLOAT64);
  CHECK(tg_split(s0, 1, (int64_t[]){1}, 0, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "split: axis 0 is out of range for a rank-0 tensor");
  tg_graph_free(g);
}
