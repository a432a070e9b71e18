/* test_extra_sort.c: sort, argsort, searchsorted and unique: hand cases (NaN placement,
   -inf, stability of argsort, both sides of searchsorted, NaNs as one unique value), then
   every dtype in every layout against an insertion sort, linear scans and quadratic
   counting written here; size-0 and size-1, axis None, symbolic shapes (unique's length
   from the values) and build errors. */
#include "test_extra_util.h"

/* NaN-last order, as numpy sorts. */
static bool lt(double a, double b) { return a < b || (isnan(b) && !isnan(a)); }

/* Stable insertion sort of positions 0..n-1 of v (step s) into idx. */
static void ref_argsort(const double *v, int64_t s, int64_t n, int64_t *idx) {
  for (int64_t i = 0; i < n; i++) {
    int64_t j = i;
    while (j > 0 && lt(v[i * s], v[idx[j - 1] * s])) idx[j] = idx[j - 1], j--;
    idx[j] = i;
  }
}

TEST(sort_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  double v[6] = {NAN, 1, -INFINITY, NAN, 0, INFINITY};
  tg_array *a = tg_array_from_f64(1, (int64_t[]){6}, v);
  tg_array *r = x_run(g, TG_VARS(x), tg_sort(x, 0), (tg_array *[]){a});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){6}, (double[]){-INFINITY, 0, 1, INFINITY, NAN, NAN},
          "NaNs last");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_argsort(x, 0), (tg_array *[]){a});
  x_check_i64(r, 1, (int64_t[]){6}, (int64_t[]){2, 4, 1, 5, 0, 3}, "argsort NaNs last, in order");
  tg_array_unref(r);
  tg_array_unref(a);
  /* stability: equal keys keep their order */
  tg_var *y = tg_vector(g, "y", TG_INT32);
  a = tg_array_from_i32(1, (int64_t[]){7}, (int32_t[]){2, 1, 2, 1, 2, 0, 1});
  r = x_run(g, TG_VARS(y), tg_argsort(y, -1), (tg_array *[]){a});
  x_check_i64(r, 1, (int64_t[]){7}, (int64_t[]){5, 1, 3, 6, 0, 2, 4}, "stable argsort");
  tg_array_unref(r);
  tg_array_unref(a);
  /* a matrix along each axis and flattened */
  tg_var *m = tg_matrix(g, "m", TG_INT64);
  a = tg_array_from_i64(2, (int64_t[]){2, 3}, (int64_t[]){3, 1, 2, 0, 5, -1});
  r = x_run(g, TG_VARS(m), tg_sort(m, 1), (tg_array *[]){a});
  x_check(r, TG_INT64, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, -1, 0, 5}, "axis 1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(m), tg_sort(m, 0), (tg_array *[]){a});
  x_check(r, TG_INT64, 2, (int64_t[]){2, 3}, (double[]){0, 1, -1, 3, 5, 2}, "axis 0");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(m), tg_argsort(m, TG_AXIS_NONE), (tg_array *[]){a});
  x_check_i64(r, 1, (int64_t[]){6}, (int64_t[]){5, 3, 1, 2, 0, 4}, "argsort None");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(sort_every_dtype_and_layout) {
  static const struct {
    int nd;
    int64_t sh[3];
    int axis;
  } cs[] = {{2, {4, 5}, 1}, {2, {4, 5}, 0}, {2, {4, 5}, TG_AXIS_NONE}, {3, {2, 3, 4}, 1},
            {3, {2, 3, 4}, -1}, {1, {1}, 0}, {2, {0, 3}, 1}, {2, {3, 0}, 1}, {1, {40}, 0},
            {0, {0}, TG_AXIS_NONE}};
  int ncs = (int)(sizeof cs / sizeof cs[0]);
  for (int t = 0; t < X_NDT; t++)
    for (int c = 0; c < ncs; c++) {
      tg_dtype dt = x_dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor(g, "x", dt, cs[c].nd, NULL);
      tg_var *ys = tg_sort(x, cs[c].axis), *yi = tg_argsort(x, cs[c].axis);
      int64_t n = 1;
      for (int d = 0; d < cs[c].nd; d++) n *= cs[c].sh[d];
      double v[64], want[64];
      int64_t wanti[64], idx[64];
      x_values(dt, n, (unsigned)(c + 11 * t), v);
      for (int64_t i = 0; i < n; i++) v[i] = dt == TG_BOOL ? v[i] : floor(v[i] / 50); /* ties */
      if (tg_dtype_is_float(dt) && n > 3) v[1] = NAN, v[n - 2] = NAN;
      int ax = cs[c].axis == TG_AXIS_NONE ? -1 : cs[c].axis < 0 ? cs[c].axis + cs[c].nd : cs[c].axis;
      int64_t len = ax < 0 ? n : cs[c].sh[ax], stride = 1;
      for (int d = ax + 1; ax >= 0 && d < cs[c].nd; d++) stride *= cs[c].sh[d];
      /* every line starts at a position whose index along the axis is 0 */
      for (int64_t i = 0; i < n; i++) {
        if (len == 0 || (i / stride) % len != 0) continue;
        ref_argsort(v + i, stride, len, idx);
        for (int64_t j = 0; j < len; j++) {
          want[i + j * stride] = v[i + idx[j] * stride];
          wanti[i + j * stride] = idx[j];
        }
      }
      int ond = ax < 0 ? 1 : cs[c].nd;
      const int64_t *osh = ax < 0 ? &n : cs[c].sh;
      for (int L = 0; L < XL_COUNT; L++) {
        if (cs[c].nd == 0 && L) break;
        char what[160];
        snprintf(what, sizeof what, "sort %s case %d %s", tg_dtype_name(dt), c, x_layouts[L]);
        tg_array *a = x_make(dt, cs[c].nd, cs[c].sh, v, L);
        tg_array *r = x_run(g, TG_VARS(x), ys, (tg_array *[]){a});
        x_check(r, dt, ond, osh, want, what);
        tg_array_unref(r);
        r = x_run(g, TG_VARS(x), yi, (tg_array *[]){a});
        x_check_i64(r, ond, osh, wanti, what);
        tg_array_unref(r);
        if (L == XL_CONTIG) {
          CHECK_INFER_SHAPE(g, TG_VARS(x), ys, ((tg_array *[]){a}));
          CHECK_INFER_SHAPE(g, TG_VARS(x), yi, ((tg_array *[]){a}));
        }
        tg_array_unref(a);
      }
      tg_graph_free(g);
    }
}

TEST(sort_keeps_signed_zero_bits_and_order) {
  /* -0.0 and 0.0 are equal keys: a stable sort keeps them in input order */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_array *a = tg_array_from_f32(1, (int64_t[]){4}, (float[]){0.0f, -0.0f, -1, 0.0f});
  tg_array *r = x_run(g, TG_VARS(x), tg_sort(x, 0), (tg_array *[]){a});
  x_check(r, TG_FLOAT32, 1, (int64_t[]){4}, (double[]){-1, 0.0, -0.0, 0.0}, "signed zeros");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

/* ---- searchsorted ---- */

TEST(searchsorted_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64);
  tg_array *aa = tg_array_from_f64(1, (int64_t[]){5}, (double[]){1, 2, 2, 3, NAN});
  tg_array *va = tg_array_from_f64(1, (int64_t[]){6}, (double[]){0, 2, 2.5, 9, NAN, -INFINITY});
  tg_array *r = x_run(g, TG_VARS(a, v), tg_searchsorted(a, v, false), (tg_array *[]){aa, va});
  x_check_i64(r, 1, (int64_t[]){6}, (int64_t[]){0, 1, 3, 4, 4, 0}, "left");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(a, v), tg_searchsorted(a, v, true), (tg_array *[]){aa, va});
  x_check_i64(r, 1, (int64_t[]){6}, (int64_t[]){0, 3, 3, 4, 5, 0}, "right");
  tg_array_unref(r);
  tg_array_unref(aa);
  tg_array_unref(va);
  /* int a, float v and a 2-d v; an empty a */
  tg_var *ai = tg_vector(g, "ai", TG_INT32), *vm = tg_matrix(g, "vm", TG_FLOAT32);
  aa = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){10, 20, 30});
  va = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){15, 20, 35, -1});
  tg_var *s = tg_searchsorted(ai, vm, false);
  r = x_run(g, TG_VARS(ai, vm), s, (tg_array *[]){aa, va});
  x_check_i64(r, 2, (int64_t[]){2, 2}, (int64_t[]){1, 1, 3, 0}, "int a, 2-d float v");
  CHECK_INFER_SHAPE(g, TG_VARS(ai, vm), s, ((tg_array *[]){aa, va}));
  tg_array_unref(r);
  tg_array_unref(aa);
  aa = tg_array_from_i32(1, (int64_t[]){0}, NULL);
  r = x_run(g, TG_VARS(ai, vm), s, (tg_array *[]){aa, va});
  x_check_i64(r, 2, (int64_t[]){2, 2}, (int64_t[]){0, 0, 0, 0}, "empty a");
  tg_array_unref(r);
  tg_array_unref(aa);
  tg_array_unref(va);
  tg_graph_free(g);
}

TEST(searchsorted_every_dtype_against_linear_scan) {
  for (int t = 0; t < X_NDT; t++)
    for (int side = 0; side < 2; side++) {
      tg_dtype dt = x_dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *a = tg_vector(g, "a", dt), *v = tg_matrix(g, "v", dt);
      tg_var *y = tg_searchsorted(a, v, side == 1);
      double av[12], vv[12], tmp[12];
      int64_t idx[12], want[12];
      x_values(dt, 12, (unsigned)t, tmp);
      ref_argsort(tmp, 1, 12, idx);
      for (int i = 0; i < 12; i++) av[i] = tmp[idx[i]]; /* a sorted */
      x_values(dt, 12, (unsigned)t + 100, vv);
      for (int i = 0; i < 4; i++) vv[i] = av[3 * i]; /* some exact hits */
      if (tg_dtype_is_float(dt)) av[11] = NAN, vv[5] = NAN;
      for (int i = 0; i < 12; i++) { /* count of a < v (left) or a <= v (right) */
        want[i] = 0;
        for (int j = 0; j < 12; j++) want[i] += side ? !lt(vv[i], av[j]) : lt(av[j], vv[i]);
      }
      for (int L = 0; L < XL_COUNT; L++) {
        char what[160];
        snprintf(what, sizeof what, "searchsorted %s side %d %s", tg_dtype_name(dt), side,
                 x_layouts[L]);
        tg_array *aa = x_make(dt, 1, (int64_t[]){12}, av, L == XL_TRANS ? XL_CONTIG : L);
        tg_array *va = x_make(dt, 2, (int64_t[]){3, 4}, vv, L);
        tg_array *r = x_run(g, TG_VARS(a, v), y, (tg_array *[]){aa, va});
        x_check_i64(r, 2, (int64_t[]){3, 4}, want, what);
        tg_array_unref(r);
        tg_array_unref(aa);
        tg_array_unref(va);
      }
      tg_graph_free(g);
    }
}

/* ---- unique ---- */

TEST(unique_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *counts = NULL;
  tg_var *u = tg_unique(x, &counts);
  CHECK(u && counts && tg_var_dim(u, 0) == -1 && tg_var_dtype(counts) == TG_INT64);
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 4}, (double[]){3, NAN, 1, 3, NAN, 0, 1, 3});
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(u, counts), NULL);
  tg_array *out[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
  x_check(out[0], TG_FLOAT64, 1, (int64_t[]){4}, (double[]){0, 1, 3, NAN}, "values, one NaN");
  x_check_i64(out[1], 1, (int64_t[]){4}, (int64_t[]){1, 2, 3, 2}, "counts");
  CHECK_INFER_SHAPE(g, TG_VARS(x), u, ((tg_array *[]){a}));
  CHECK_INFER_SHAPE(g, TG_VARS(x), counts, ((tg_array *[]){a}));
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(a);
  /* empty input */
  a = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
  x_check(out[0], TG_FLOAT64, 1, (int64_t[]){0}, NULL, "empty values");
  x_check_i64(out[1], 1, (int64_t[]){0}, NULL, "empty counts");
  CHECK_INFER_SHAPE(g, TG_VARS(x), u, ((tg_array *[]){a}));
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(unique_every_dtype_and_layout) {
  for (int t = 0; t < X_NDT; t++) {
    tg_dtype dt = x_dtypes[t];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *counts;
    tg_var *u = tg_unique(x, &counts);
    tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(u, counts), NULL);
    double v[30], want[30];
    int64_t wantc[30], nu = 0;
    x_values(dt, 30, (unsigned)t * 5, v);
    for (int i = 0; i < 30; i++) v[i] = dt == TG_BOOL ? v[i] : floor(v[i] / 100);
    if (tg_dtype_is_float(dt)) v[3] = v[17] = v[29] = NAN;
    /* quadratic reference: the distinct values in sorted order, counted */
    for (int i = 0; i < 30; i++) {
      bool seen = false;
      for (int j = 0; j < nu && !seen; j++)
        if (want[j] == v[i] || (isnan(want[j]) && isnan(v[i]))) seen = true, wantc[j]++;
      if (!seen) want[nu] = v[i], wantc[nu++] = 1;
    }
    for (int i = 1; i < nu; i++) /* insertion sort of (value, count) pairs */
      for (int j = i; j > 0 && lt(want[j], want[j - 1]); j--) {
        double tv = want[j];
        int64_t tc = wantc[j];
        want[j] = want[j - 1], wantc[j] = wantc[j - 1];
        want[j - 1] = tv, wantc[j - 1] = tc;
      }
    for (int L = 0; L < XL_COUNT; L++) {
      char what[160];
      snprintf(what, sizeof what, "unique %s %s", tg_dtype_name(dt), x_layouts[L]);
      tg_array *a = x_make(dt, 2, (int64_t[]){5, 6}, v, L);
      tg_array *out[2] = {NULL, NULL};
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
      x_check(out[0], dt, 1, &nu, want, what);
      x_check_i64(out[1], 1, &nu, wantc, what);
      if (L == XL_REV) CHECK_INFER_SHAPE(g, TG_VARS(x), u, ((tg_array *[]){a}));
      tg_array_unref(out[0]);
      tg_array_unref(out[1]);
      tg_array_unref(a);
    }
    tg_function_free(f);
    tg_graph_free(g);
  }
}

TEST(sort_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  CHECK(tg_sort(x, 5) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "sort: axis 5 is out of range for a rank-2 tensor");
  tg_graph_clear_error(g);
  CHECK(tg_argsort(x, -3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "argsort: axis -3");
  tg_graph_clear_error(g);
  CHECK(tg_searchsorted(x, x, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "searchsorted: a must be 1-d");
  tg_graph_clear_error(g);
  CHECK(tg_unique(NULL, NULL) == NULL);
  tg_graph *g2 = tg_graph_new();
  CHECK(tg_searchsorted(tg_vector(g2, "a", TG_INT32), x, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g2), "belongs to another graph");
  tg_graph_free(g2);
  tg_graph_free(g);
}
