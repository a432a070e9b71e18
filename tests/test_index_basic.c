/* test_index_basic.c: basic indexing (Subtensor): slices with positive, negative and
   huge steps, negative and clamped bounds, empty slices and size-0 dims, ints, newaxis and
   ellipsis, symbolic bounds and positions of every integer dtype, every dtype of x,
   non-contiguous and negative-stride x, results that are views, static shapes, the
   symbolic shape rule, caller-provided outputs, and the errors. Expected values come from
   a reference written here as explicit loops over Python's slice rules. */
#include "shape_check.h"

#define N TG_NONE

static const tg_dtype all_dtypes[] = {TG_BOOL,  TG_INT8,    TG_INT16,  TG_INT32,
                                      TG_INT64, TG_UINT8,   TG_FLOAT32, TG_FLOAT64};

/* A distinctive value for flat position i in dtype dt. */
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

/* ---- the reference: CPython's PySlice_AdjustIndices and a loop over range() ---- */

static int ref_positions(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *pos) {
  if (step == N) step = 1;
  if (start == N) start = step < 0 ? n - 1 : 0;
  else if (start < 0) {
    start += n;
    if (start < 0) start = step < 0 ? -1 : 0;
  } else if (start >= n) start = step < 0 ? n - 1 : n;
  if (stop == N) stop = step < 0 ? -1 : n;
  else if (stop < 0) {
    stop += n;
    if (stop < 0) stop = step < 0 ? -1 : 0;
  } else if (stop >= n) stop = step < 0 ? n - 1 : n;
  int k = 0;
  for (int64_t p = start; step > 0 ? p < stop : p > stop; p += step) {
    pos[k++] = p;
    if ((step > 0 && p > INT64_MAX - step) || (step < 0 && p < INT64_MIN - step)) break;
  }
  return k;
}

/* x[idx] for basic entries (constants only), from x's logical elements. */
static double *ref_basic(const tg_array *x, int n, const tg_idx *idx, int *ond, int64_t *oshape) {
  int xnd = tg_array_ndim(x), consumed = 0;
  const int64_t *xs = tg_array_shape(x);
  for (int i = 0; i < n; i++) consumed += idx[i].kind == TG_IDX_INT || idx[i].kind == TG_IDX_SLICE;
  static int64_t lists[TG_MAX_NDIM][256];
  int axis_of[TG_MAX_NDIM], nl = 0, axis = 0;
  int64_t fixed[TG_MAX_NDIM];
  int has_fixed[TG_MAX_NDIM] = {0};
  *ond = 0;
  for (int i = 0; i < n; i++) {
    tg_idx e = idx[i];
    if (e.kind == TG_IDX_INT) {
      fixed[axis] = e.start < 0 ? e.start + xs[axis] : e.start;
      has_fixed[axis++] = 1;
    } else if (e.kind == TG_IDX_NEWAXIS) {
      lists[nl][0] = 0, axis_of[nl++] = -1, oshape[(*ond)++] = 1;
    } else if (e.kind == TG_IDX_SLICE) {
      oshape[(*ond)++] = ref_positions(xs[axis], e.start, e.stop, e.step, lists[nl]);
      axis_of[nl++] = axis++;
    } else { /* the ellipsis: ':' for every axis no entry consumes */
      for (int r = 0; r < xnd - consumed; r++) {
        oshape[(*ond)++] = ref_positions(xs[axis], N, N, N, lists[nl]);
        axis_of[nl++] = axis++;
      }
    }
  }
  while (axis < xnd) { /* the axes left over */
    oshape[(*ond)++] = ref_positions(xs[axis], N, N, N, lists[nl]);
    axis_of[nl++] = axis++;
  }
  int64_t total = 1;
  for (int d = 0; d < *ond; d++) total *= oshape[d];
  double *out = malloc(sizeof(double) * (size_t)(total ? total : 1));
  int64_t oi[TG_MAX_NDIM] = {0};
  for (int64_t f = 0; f < total; f++) {
    int64_t xi[TG_MAX_NDIM];
    for (int a = 0; a < xnd; a++) xi[a] = has_fixed[a] ? fixed[a] : 0;
    for (int l = 0; l < nl; l++)
      if (axis_of[l] >= 0) xi[axis_of[l]] = lists[l][oi[l]];
    int64_t flat = 0;
    for (int a = 0; a < xnd; a++) flat = flat * xs[a] + xi[a];
    out[f] = tg_array_get_f64(x, flat);
    for (int d = *ond - 1; d >= 0; d--) {
      if (++oi[d] < oshape[d]) break;
      oi[d] = 0;
    }
  }
  return out;
}

/* Compile x -> x[idx] with x of x's dtype and rank, run, compare with the reference;
   also the static dims must agree with the result and the inferred shape with it. */
static void check_basic(tg_array *xa, int n, const tg_idx *idx) {
  tg_graph *g = tg_graph_new();
  int xnd = tg_array_ndim(xa);
  tg_var *x = tg_tensor(g, "x", tg_array_dtype(xa), xnd, NULL);
  tg_var *y = tg_subtensor(x, n, idx);
  CHECK(y != NULL);
  if (!y) {
    fprintf(stderr, "build failed: %s\n", tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa}, out), TG_OK);
  int ond;
  int64_t oshape[TG_MAX_NDIM];
  double *want = ref_basic(xa, n, idx, &ond, oshape);
  if (out[0]) {
    CHECK(tg_array_dtype(out[0]) == tg_array_dtype(xa));
    CHECK(tg_array_ndim(out[0]) == ond && tg_var_ndim(y) == ond);
    int same = tg_array_ndim(out[0]) == ond;
    for (int d = 0; same && d < ond; d++) same = tg_array_shape(out[0])[d] == oshape[d];
    CHECK(same);
    for (int64_t i = 0; same && i < tg_array_size(out[0]); i++)
      CHECK_CLOSE(tg_array_get_f64(out[0], i), want[i], 0, 0);
    /* a view: the result's elements live in x's storage */
    if (tg_array_size(out[0]) > 0) {
      CHECK(tg_array_is_view(out[0]));
      const char *lo = tg_array_data(xa), *p = tg_array_data(out[0]);
      int64_t span = 0;
      for (int d = 0; d < xnd; d++) {
        int64_t s = tg_array_strides(xa)[d] * (tg_array_shape(xa)[d] - 1);
        span += s < 0 ? -s : s;
      }
      CHECK(p >= lo - span && p <= lo + span);
    }
  }
  CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){xa}));
  free(want);
  tg_array_unref(out[0]);
  tg_function_free(f);
  tg_graph_free(g);
}

#define CHECK_BASIC(xa, ...) check_basic((xa), TG_IDX(__VA_ARGS__))

TEST(every_dtype_slices_ints_newaxis) {
  for (size_t k = 0; k < sizeof all_dtypes / sizeof all_dtypes[0]; k++) {
    tg_array *x = make(all_dtypes[k], 2, (int64_t[]){4, 5});
    CHECK_BASIC(x, TG_SLICE(1, -1, 2), TG_SLICE(N, N, -2));
    CHECK_BASIC(x, TG_INT(-1), TG_SLICE(1, 4, N));
    CHECK_BASIC(x, TG_NEWAXIS, TG_ELLIPSIS, TG_INT(2));
    CHECK_BASIC(x, TG_INT(0), TG_INT(-5));
    tg_array_unref(x);
  }
}

TEST(steps_negative_and_huge) {
  tg_array *x = make(TG_FLOAT64, 1, (int64_t[]){7});
  int64_t b[] = {N, -9, -7, -3, -1, 0, 2, 6, 7, 12};
  int64_t steps[] = {N, 1, 2, 3, 6, 8, -1, -2, -3, -7, -8, INT64_MAX, INT64_MIN + 1};
  for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
    for (size_t j = 0; j < sizeof b / sizeof b[0]; j++)
      for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++)
        CHECK_BASIC(x, TG_SLICE(b[i], b[j], steps[s]));
  tg_array_unref(x);
}

TEST(empty_slices_and_size0_dims) {
  tg_array *x = make(TG_INT32, 2, (int64_t[]){3, 4});
  CHECK_BASIC(x, TG_SLICE(2, 1, N));
  CHECK_BASIC(x, TG_SLICE(5, N, N), TG_INT(1));
  CHECK_BASIC(x, TG_ALL, TG_SLICE(0, 0, N));
  tg_array_unref(x);
  x = make(TG_FLOAT32, 3, (int64_t[]){0, 3, 2});
  CHECK_BASIC(x, TG_ALL, TG_INT(1));
  CHECK_BASIC(x, TG_SLICE(N, N, -1), TG_SLICE(1, N, N), TG_NEWAXIS);
  CHECK_BASIC(x, TG_ELLIPSIS, TG_INT(-1));
  tg_array_unref(x);
  x = make(TG_UINT8, 2, (int64_t[]){3, 0});
  CHECK_BASIC(x, TG_INT(2));
  CHECK_BASIC(x, TG_SLICE(1, N, N), TG_SLICE(N, N, -1));
  tg_array_unref(x);
}

TEST(non_contiguous_and_negative_strides) {
  tg_array *base = make(TG_FLOAT64, 2, (int64_t[]){6, 8});
  tg_array *t = tg_array_transpose(base);                   /* (8, 6), strides swapped */
  tg_array *s2 = tg_array_slice(base, 1, 1, INT64_MAX, 2);      /* every other column */
  tg_array *rev = tg_array_slice(base, 0, -1, -100, -1);    /* rows reversed */
  tg_array *arrs[] = {t, s2, rev};
  for (int k = 0; k < 3; k++) {
    CHECK_BASIC(arrs[k], TG_SLICE(1, N, 2), TG_SLICE(N, N, -1));
    CHECK_BASIC(arrs[k], TG_INT(-2), TG_SLICE(3, 0, -1));
    CHECK_BASIC(arrs[k], TG_NEWAXIS, TG_SLICE(N, N, -3), TG_NEWAXIS, TG_INT(1));
  }
  for (int k = 0; k < 3; k++) tg_array_unref(arrs[k]);
  tg_array_unref(base);
}

TEST(newaxis_ellipsis_and_0d) {
  tg_array *x = make(TG_INT64, 3, (int64_t[]){2, 3, 4});
  CHECK_BASIC(x, TG_ELLIPSIS, TG_NEWAXIS);
  CHECK_BASIC(x, TG_NEWAXIS, TG_ELLIPSIS, TG_NEWAXIS, TG_INT(0));
  CHECK_BASIC(x, TG_INT(1), TG_ELLIPSIS, TG_INT(2), TG_NEWAXIS);
  CHECK_BASIC(x, TG_INT(1), TG_INT(2), TG_ELLIPSIS, TG_INT(3));
  CHECK_BASIC(x, TG_ELLIPSIS);
  check_basic(x, 0, NULL);
  tg_array_unref(x);
  tg_array *s = tg_array_scalar(TG_FLOAT32, 2.5);
  check_basic(s, 0, NULL);
  CHECK_BASIC(s, TG_NEWAXIS);
  CHECK_BASIC(s, TG_ELLIPSIS, TG_NEWAXIS, TG_NEWAXIS);
  tg_array_unref(s);
}

/* The result shares x's storage: the same bytes, at the right place. */
TEST(result_is_a_view_of_x) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *y = tg_subtensor(x, TG_IDX(TG_SLICE(1, N, N), TG_INT(2)));
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *xa = make(TG_FLOAT64, 2, (int64_t[]){3, 4}), *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa}, out), TG_OK);
  CHECK(tg_array_is_view(out[0]) && tg_array_is_view(xa));
  CHECK((char *)tg_array_data(out[0]) == (char *)tg_array_data(xa) + (1 * 4 + 2) * 8);
  CHECK(tg_array_strides(out[0])[0] == 32);
  tg_array_set_f64(xa, 6, 123.0); /* x[1, 2] */
  CHECK(tg_array_get_f64(out[0], 0) == 123.0);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- symbolic bounds ---- */

TEST(symbolic_bounds_every_int_dtype) {
  const tg_dtype dts[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};
  int64_t vals[] = {-9, -3, -1, 0, 1, 2, 5, 8};
  int64_t steps[] = {1, 2, -1, -3};
  tg_array *xa = make(TG_FLOAT64, 2, (int64_t[]){6, 3});
  for (size_t k = 0; k < 5; k++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
    tg_var *a = tg_scalar(g, "a", dts[k]), *b = tg_scalar(g, "b", dts[k]);
    tg_var *c = tg_scalar(g, "c", dts[k]), *i = tg_scalar(g, "i", dts[k]);
    tg_var *y = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(a, b, c), TG_VAR(i)));
    tg_var *z = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(NULL, b, NULL)));
    tg_var *w = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(a, NULL, c)));
    CHECK(y && z && w && tg_var_ndim(y) == 1 && tg_var_dim(y, 0) == -1);
    tg_function *f = tg_function_new(g, TG_VARS(x, a, b, c, i), TG_VARS(y, z, w), NULL);
    for (size_t p = 0; p < 8; p++)
      for (size_t q = 0; q < 8; q++)
        for (size_t s = 0; s < 4; s++) {
          if (dts[k] == TG_UINT8 && (vals[p] < 0 || vals[q] < 0 || steps[s] < 0)) continue;
          tg_array *av = tg_array_scalar(dts[k], (double)vals[p]);
          tg_array *bv = tg_array_scalar(dts[k], (double)vals[q]);
          tg_array *cv = tg_array_scalar(dts[k], (double)steps[s]);
          tg_array *iv = tg_array_scalar(dts[k], (double)(q % 3) - (dts[k] == TG_UINT8 ? 0 : 1));
          tg_array *in[] = {xa, av, bv, cv, iv}, *out[3] = {NULL};
          CHECK_STATUS(tg_function_call(f, in, out), TG_OK);
          int64_t col = tg_array_get_i64(iv, 0);
          tg_idx e1[] = {TG_SLICE(vals[p], vals[q], steps[s]), TG_INT(col)};
          tg_idx e2[] = {TG_SLICE(N, vals[q], N)};
          tg_idx e3[] = {TG_SLICE(vals[p], N, steps[s])};
          const tg_idx *es[] = {e1, e2, e3};
          int ns[] = {2, 1, 1};
          for (int o = 0; o < 3 && out[o]; o++) {
            int ond;
            int64_t osh[TG_MAX_NDIM];
            double *want = ref_basic(xa, ns[o], es[o], &ond, osh);
            CHECK(tg_array_ndim(out[o]) == ond && tg_array_shape(out[o])[0] == osh[0]);
            for (int64_t e = 0; e < tg_array_size(out[o]) && tg_array_shape(out[o])[0] == osh[0]; e++)
              CHECK_CLOSE(tg_array_get_f64(out[o], e), want[e], 0, 0);
            free(want);
          }
          if (p == 0 && q == 5)
            CHECK_INFER_SHAPE(g, TG_VARS(x, a, b, c, i), y, in);
          if (q == 2) CHECK_INFER_SHAPE(g, TG_VARS(x, a, b, c, i), w, in);
          for (int o = 0; o < 3; o++) tg_array_unref(out[o]);
          tg_array_unref(av), tg_array_unref(bv), tg_array_unref(cv), tg_array_unref(iv);
        }
    tg_function_free(f);
    tg_graph_free(g);
  }
  tg_array_unref(xa);
}

TEST(symbolic_position_out_of_range_is_a_runtime_error) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *i = tg_scalar(g, "i", TG_INT32);
  tg_var *y = tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(i)));
  tg_function *f = tg_function_new(g, TG_VARS(x, i), TG_VARS(y), NULL);
  tg_array *xa = make(TG_FLOAT32, 2, (int64_t[]){3, 5}), *out[1] = {NULL};
  int64_t bad[] = {5, 7, -6, 1000000};
  for (int k = 0; k < 4; k++) {
    tg_array *iv = tg_array_scalar(TG_INT32, (double)bad[k]);
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, iv}, out), TG_ERR_VALUE);
    char msg[128];
    snprintf(msg, sizeof msg, "index %lld is out of bounds for axis 1 with size 5", (long long)bad[k]);
    CHECK_ERROR_CONTAINS(tg_function_error(f), msg);
    CHECK(out[0] == NULL);
    tg_array_unref(iv);
  }
  tg_array *iv = tg_array_scalar(TG_INT32, -5);
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, iv}, out), TG_OK);
  CHECK(tg_array_get_f64(out[0], 2) == val(TG_FLOAT32, 10));
  tg_array_unref(out[0]);
  tg_array_unref(iv);
  /* a symbolic step of 0 */
  tg_var *c = tg_scalar(g, "c", TG_INT64);
  tg_var *z = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(NULL, NULL, c)));
  tg_function *f2 = tg_function_new(g, TG_VARS(x, c), TG_VARS(z), NULL);
  tg_array *cv = tg_array_scalar(TG_INT64, 0);
  CHECK_STATUS(tg_function_call(f2, (tg_array *[]){xa, cv}, out), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f2), "slice step cannot be zero");
  tg_array_unref(cv);
  tg_function_free(f2);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- static shapes ---- */

TEST(static_shapes) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){5, -1, 6});
  tg_var *y = tg_subtensor(x, TG_IDX(TG_SLICE(1, -1, 2), TG_INT(3), TG_NEWAXIS));
  CHECK(tg_var_ndim(y) == 3 && tg_var_dim(y, 0) == 2 && tg_var_dim(y, 1) == 1 &&
        tg_var_dim(y, 2) == 6);
  y = tg_subtensor(x, TG_IDX(TG_SLICE(N, N, -1), TG_SLICE(N, N, 1), TG_SLICE(10, N, N)));
  CHECK(tg_var_dim(y, 0) == 5 && tg_var_dim(y, 1) == -1 && tg_var_dim(y, 2) == 0);
  y = tg_subtensor(x, TG_IDX(TG_ALL, TG_SLICE(0, 1, N)));
  CHECK(tg_var_dim(y, 1) == -1); /* 0 or 1, depending on x */
  /* a constant scalar is folded: the dim is static */
  tg_var *k = tg_const_i64(g, 2);
  y = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(k, NULL, NULL)));
  CHECK(tg_var_dim(y, 0) == 3);
  y = tg_subtensor(x, TG_IDX(TG_VAR(k)));
  CHECK(tg_var_ndim(y) == 2 && tg_var_dim(y, 1) == 6);
  /* equal expressions make equal ops: x[1], x[1, :], x[1, ...], x[1, ::1] */
  tg_var *a = tg_subtensor(x, TG_IDX(TG_INT(1)));
  tg_var *b = tg_subtensor(x, TG_IDX(TG_INT(1), TG_SLICE(N, N, 1), TG_ELLIPSIS));
  char *pa = tg_pp(a), *pb = tg_pp(b);
  CHECK_STR(pa, pb);
  tg_free(pa), tg_free(pb);
  tg_graph_free(g);
}

TEST(describe) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor4(g, "x", TG_FLOAT64), *i = tg_scalar(g, "i", TG_INT8);
  tg_var *y = tg_subtensor(x, TG_IDX(TG_SLICE(1, -1, 2), TG_VAR(i), TG_NEWAXIS, TG_ELLIPSIS,
                                     TG_SLICE_VARS(NULL, i, NULL)));
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  CHECK_STATUS(tg_debugprint(1, &y, mem), TG_OK);
  fclose(mem);
  CHECK_ERROR_CONTAINS(text, "Subtensor{1:-1:2, $1, None, :, :$2}");
  free(text);
  tg_graph_free(g);
}

TEST(infer_shape_cases) {
  tg_array *xa = make(TG_FLOAT64, 3, (int64_t[]){4, 0, 5});
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64);
  tg_var *ys[] = {
      tg_subtensor(x, TG_IDX(TG_SLICE(-3, N, 2), TG_ALL, TG_SLICE(N, 1, -1))),
      tg_subtensor(x, TG_IDX(TG_NEWAXIS, TG_INT(-1), TG_ELLIPSIS, TG_SLICE(7, -9, -2))),
      tg_subtensor(x, TG_IDX(TG_SLICE(INT64_MIN + 1, INT64_MAX, 3))),
      tg_subtensor(x, TG_IDX(TG_SLICE(INT64_MAX, INT64_MIN + 1, INT64_MIN + 1))),
  };
  for (int k = 0; k < 4; k++) CHECK_INFER_SHAPE(g, TG_VARS(x), ys[k], ((tg_array *[]){xa}));
  tg_graph_free(g);
  tg_array_unref(xa);
}

/* ---- caller-provided outputs ---- */

TEST(call_into_strided_output) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT16);
  tg_var *y = tg_subtensor(x, TG_IDX(TG_SLICE(N, N, -1), TG_INT(1)));
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  tg_array *xa = make(TG_INT16, 2, (int64_t[]){3, 4});
  tg_array *big = tg_array_zeros(TG_INT16, 1, (int64_t[]){6});
  tg_array *o = tg_array_slice(big, 0, 0, INT64_MAX, 2); /* 3 elements, stride 4 bytes */
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){xa}, (tg_array *[]){o}), TG_OK);
  for (int r = 0; r < 3; r++) {
    CHECK(tg_array_get_f64(o, r) == val(TG_INT16, (2 - r) * 4 + 1));
    CHECK(tg_array_get_f64(big, 2 * r + 1) == 0);
  }
  tg_array *wrong = tg_array_zeros(TG_INT16, 1, (int64_t[]){4});
  CHECK(tg_function_call_into(f, (tg_array *[]){xa}, (tg_array *[]){wrong}) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "shape");
  tg_array_unref(wrong);
  tg_array_unref(o);
  tg_array_unref(big);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- build-time errors ---- */

static void expect_build_error(tg_graph *g, tg_var *r, tg_status st, const char *text) {
  CHECK(r == NULL);
  CHECK_STATUS(tg_graph_status(g), st);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), text);
  tg_graph_clear_error(g);
}

TEST(build_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 2, (int64_t[]){3, 5});
  tg_var *u = tg_matrix(g, "u", TG_FLOAT64);
  tg_var *fi = tg_scalar(g, "fi", TG_FLOAT32), *bi = tg_scalar(g, "bi", TG_BOOL);
  tg_var *fv = tg_vector(g, "fv", TG_FLOAT64);
  expect_build_error(g, tg_subtensor(x, TG_IDX(TG_INT(0), TG_INT(7))), TG_ERR_VALUE,
                     "index 7 is out of bounds for axis 1 with size 5");
  expect_build_error(g, tg_subtensor(x, TG_IDX(TG_INT(-4))), TG_ERR_VALUE,
                     "index -4 is out of bounds for axis 0 with size 3");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_INT(0), TG_INT(0), TG_INT(0))), TG_ERR_VALUE,
                     "too many indices for tensor: tensor is 2-dimensional, but 3 were indexed");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_ELLIPSIS, TG_INT(0), TG_ELLIPSIS)),
                     TG_ERR_VALUE, "single ellipsis");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_VAR(fi))), TG_ERR_TYPE,
                     "indices must be integers");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_VAR(fv))), TG_ERR_TYPE, "float64");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_VAR(bi))), TG_ERR_TYPE, "0-d bool");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_SLICE_VARS(fi, NULL, NULL))), TG_ERR_TYPE,
                     "slice start of index 0 must be an integer scalar");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_ALL, TG_SLICE(N, N, 0))), TG_ERR_VALUE,
                     "slice step cannot be zero");
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_VAR(NULL))), TG_ERR_ARG, "TG_VAR(NULL)");
  expect_build_error(g, tg_subtensor(u, 1, (tg_idx[]){{.kind = 0}}), TG_ERR_ARG, "unknown kind");
  expect_build_error(g, tg_subtensor(u, 1, NULL), TG_ERR_ARG, "bad index expression");
  tg_graph *g2 = tg_graph_new();
  tg_var *j = tg_scalar(g2, "j", TG_INT64);
  expect_build_error(g, tg_subtensor(u, TG_IDX(TG_VAR(j))), TG_ERR_ARG, "another graph");
  tg_graph_free(g2);
  /* too many newaxes for the result's rank */
  tg_idx many[TG_MAX_NDIM + 1];
  for (int k = 0; k <= TG_MAX_NDIM; k++) many[k] = TG_NEWAXIS;
  expect_build_error(g, tg_subtensor(u, TG_MAX_NDIM + 1, many), TG_ERR_VALUE, "rank");
  /* NULL in, NULL out, the first error kept */
  CHECK(tg_subtensor(NULL, TG_IDX(TG_INT(0))) == NULL);
  CHECK(tg_subtensor(tg_subtensor(x, TG_IDX(TG_INT(9))), TG_IDX(TG_INT(0))) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "index 9");
  tg_graph_free(g);
}
