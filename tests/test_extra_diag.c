/* test_extra_diag.c: tril, triu, diag, diagonal, trace, nonzero, flatnonzero and bincount:
   hand cases, every dtype in every layout against index loops written here, offsets past
   the matrix, batches of matrices, NaN as nonzero, diagonal as a view, value-dependent
   lengths through tg_infer_shape, run-time and build errors. */
#include "test_extra_util.h"

TEST(tril_triu_every_dtype_and_layout) {
  for (int t = 0; t < X_NDT; t++)
    for (int k = -3; k <= 3; k++)
      for (int up = 0; up < 2; up++) {
        tg_dtype dt = x_dtypes[t];
        tg_graph *g = tg_graph_new();
        tg_var *x = tg_tensor3(g, "x", dt);
        tg_var *y = up ? tg_triu(x, k) : tg_tril(x, k);
        int64_t sh[3] = {2, 3, 4};
        double v[24], w[24];
        x_values(dt, 24, (unsigned)(t + k + 9), v);
        for (int64_t i = 0; i < 24; i++) {
          int64_t r = (i / 4) % 3, c = i % 4;
          bool keep = up ? c - r >= k : c - r <= k;
          w[i] = keep ? v[i] : 0;
        }
        for (int L = 0; L < XL_COUNT; L++) {
          char what[96];
          snprintf(what, sizeof what, "%s %s k=%d %s", up ? "triu" : "tril", tg_dtype_name(dt),
                   k, x_layouts[L]);
          tg_array *a = x_make(dt, 3, sh, v, L);
          tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
          x_check(r, dt, 3, sh, w, what);
          if (L == XL_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
          tg_array_unref(r);
          tg_array_unref(a);
        }
        tg_array *e = tg_array_zeros(dt, 3, (int64_t[]){0, 3, 3});
        tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){e});
        x_check(r, dt, 3, (int64_t[]){0, 3, 3}, NULL, "empty batch");
        tg_array_unref(r);
        tg_array_unref(e);
        tg_graph_free(g);
      }
}

TEST(diag_vector_to_matrix_and_back) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_INT16), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_array *va = tg_array_from_data(TG_INT16, 1, (int64_t[]){2}, (int16_t[]){7, -3});
  tg_array *r = x_run(g, TG_VARS(v), tg_diag(v, 0), (tg_array *[]){va});
  x_check(r, TG_INT16, 2, (int64_t[]){2, 2}, (double[]){7, 0, 0, -3}, "diag k=0");
  tg_array_unref(r);
  tg_var *y = tg_diag(v, 1);
  r = x_run(g, TG_VARS(v), y, (tg_array *[]){va});
  x_check(r, TG_INT16, 2, (int64_t[]){3, 3}, (double[]){0, 7, 0, 0, 0, -3, 0, 0, 0}, "diag k=1");
  CHECK_INFER_SHAPE(g, TG_VARS(v), y, ((tg_array *[]){va}));
  tg_array_unref(r);
  y = tg_diag(v, -2);
  r = x_run(g, TG_VARS(v), y, (tg_array *[]){va});
  double w[16] = {0};
  w[2 * 4 + 0] = 7, w[3 * 4 + 1] = -3;
  x_check(r, TG_INT16, 2, (int64_t[]){4, 4}, w, "diag k=-2");
  CHECK_INFER_SHAPE(g, TG_VARS(v), y, ((tg_array *[]){va}));
  tg_array_unref(r);
  tg_array_unref(va);
  tg_array *ma = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
  r = x_run(g, TG_VARS(m), tg_diag(m, 0), (tg_array *[]){ma});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){2}, (double[]){1, 5}, "matrix diag");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(m), tg_diag(m, 1), (tg_array *[]){ma});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){2}, (double[]){2, 6}, "matrix diag k=1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(m), tg_diag(m, -1), (tg_array *[]){ma});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){1}, (double[]){4}, "matrix diag k=-1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(m), tg_diag(m, 5), (tg_array *[]){ma});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){0}, NULL, "past the matrix");
  tg_array_unref(r);
  tg_array_unref(ma);
  tg_graph_free(g);
}

TEST(diagonal_and_trace_every_dtype_and_layout) {
  static const int axes[][2] = {{0, 1}, {1, 2}, {2, 0}, {-1, -2}};
  for (int t = 0; t < X_NDT; t++)
    for (int ai = 0; ai < 4; ai++)
      for (int off = -3; off <= 4; off++) {
        tg_dtype dt = x_dtypes[t];
        tg_graph *g = tg_graph_new();
        tg_var *x = tg_tensor3(g, "x", dt);
        tg_var *y = tg_diagonal(x, off, axes[ai][0], axes[ai][1]);
        tg_var *tr = tg_trace(x, off, axes[ai][0], axes[ai][1]);
        int64_t sh[3] = {2, 3, 4};
        int a1 = (axes[ai][0] + 3) % 3, a2 = (axes[ai][1] + 3) % 3, ko = 3 - a1 - a2;
        int64_t n1 = sh[a1], n2 = sh[a2];
        int64_t len = off >= 0 ? (n1 < n2 - off ? n1 : n2 - off) : (n1 + off < n2 ? n1 + off : n2);
        if (len < 0) len = 0;
        double v[24], w[24];
        int64_t wt[4];
        x_values(dt, 24, (unsigned)(t * 7 + ai + off), v);
        for (int64_t o = 0; o < sh[ko]; o++) {
          wt[o] = 0;
          for (int64_t i = 0; i < len; i++) {
            int64_t c[3];
            c[ko] = o;
            c[a1] = off >= 0 ? i : i - off;
            c[a2] = off >= 0 ? i + off : i;
            w[o * len + i] = v[(c[0] * 3 + c[1]) * 4 + c[2]];
            wt[o] += (int64_t)w[o * len + i];
          }
        }
        int64_t osh[2] = {sh[ko], len};
        for (int L = 0; L < XL_COUNT; L++) {
          char what[128];
          snprintf(what, sizeof what, "diagonal %s axes %d offset %d %s", tg_dtype_name(dt), ai,
                   off, x_layouts[L]);
          tg_array *a = x_make(dt, 3, sh, v, L);
          tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
          x_check(r, dt, 2, osh, w, what);
          if (r && len > 0 && L == XL_CONTIG) CHECK(tg_array_is_view(r));
          tg_array_unref(r);
          r = x_run(g, TG_VARS(x), tr, (tg_array *[]){a});
          if (tg_dtype_is_float(dt)) { /* trace: sum in double of exact eighths */
            double wf[4];
            for (int64_t o = 0; o < sh[ko]; o++) {
              wf[o] = 0;
              for (int64_t i = 0; i < len; i++) wf[o] += w[o * len + i];
            }
            x_check(r, dt, 1, &sh[ko], wf, what);
          } else {
            x_check_i64(r, 1, &sh[ko], wt, what);
          }
          tg_array_unref(r);
          if (L == XL_CONTIG) {
            CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
            CHECK_INFER_SHAPE(g, TG_VARS(x), tr, ((tg_array *[]){a}));
          }
          tg_array_unref(a);
        }
        tg_graph_free(g);
      }
}

TEST(trace_hand_case) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_INT8);
  tg_var *tr = tg_trace(m, 0, 0, 1);
  CHECK(tg_var_dtype(tr) == TG_INT64 && tg_var_ndim(tr) == 0);
  tg_array *a = tg_array_from_data(TG_INT8, 2, (int64_t[]){2, 2}, (int8_t[]){100, 1, 2, 100});
  tg_array *r = x_run(g, TG_VARS(m), tr, (tg_array *[]){a});
  x_check(r, TG_INT64, 0, NULL, (double[]){200}, "int8 trace does not wrap");
  tg_array_unref(r);
  tg_array_unref(a);
  tg_graph_free(g);
}

/* ---- nonzero ---- */

TEST(nonzero_every_dtype_and_layout) {
  for (int t = 0; t < X_NDT; t++) {
    tg_dtype dt = x_dtypes[t];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_tensor3(g, "x", dt), *outs[3];
    CHECK(tg_nonzero(x, outs) == 3);
    tg_var *flat = tg_flatnonzero(x);
    int64_t sh[3] = {2, 3, 4};
    double v[24];
    x_values(dt, 24, (unsigned)t + 40, v);
    for (int i = 0; i < 24; i++)
      if (i % 3 == 0) v[i] = 0;
    if (tg_dtype_is_float(dt)) v[3] = NAN, v[6] = -0.0; /* NaN counts; -0.0 does not */
    int64_t wi[3][24], wf[24], n = 0;
    for (int64_t i = 0; i < 24; i++)
      if (v[i] != 0 || isnan(v[i])) {
        wi[0][n] = i / 12, wi[1][n] = (i / 4) % 3, wi[2][n] = i % 4;
        wf[n++] = i;
      }
    for (int L = 0; L < XL_COUNT; L++) {
      char what[96];
      snprintf(what, sizeof what, "nonzero %s %s", tg_dtype_name(dt), x_layouts[L]);
      tg_array *a = x_make(dt, 3, sh, v, L);
      for (int d = 0; d < 3; d++) {
        tg_array *r = x_run(g, TG_VARS(x), outs[d], (tg_array *[]){a});
        x_check_i64(r, 1, &n, wi[d], what);
        tg_array_unref(r);
      }
      tg_array *r = x_run(g, TG_VARS(x), flat, (tg_array *[]){a});
      x_check_i64(r, 1, &n, wf, what);
      tg_array_unref(r);
      if (L == XL_TRANS) {
        CHECK_INFER_SHAPE(g, TG_VARS(x), outs[1], ((tg_array *[]){a}));
        CHECK_INFER_SHAPE(g, TG_VARS(x), flat, ((tg_array *[]){a}));
      }
      tg_array_unref(a);
    }
    tg_array *e = tg_array_zeros(dt, 3, (int64_t[]){2, 0, 4});
    tg_array *r = x_run(g, TG_VARS(x), outs[2], (tg_array *[]){e});
    x_check_i64(r, 1, (int64_t[]){0}, NULL, "empty");
    CHECK_INFER_SHAPE(g, TG_VARS(x), outs[2], ((tg_array *[]){e}));
    tg_array_unref(r);
    tg_array_unref(e);
    tg_graph_free(g);
  }
}

/* ---- bincount ---- */

TEST(bincount_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_INT32), *w = tg_vector(g, "w", TG_FLOAT32);
  tg_var *c = tg_bincount(x, NULL, 0), *cm = tg_bincount(x, NULL, 7), *cw = tg_bincount(x, w, 2);
  CHECK(tg_var_dtype(c) == TG_INT64 && tg_var_dtype(cw) == TG_FLOAT64);
  tg_array *xa = tg_array_from_i32(1, (int64_t[]){6}, (int32_t[]){1, 3, 1, 0, 3, 3});
  tg_array *wa = tg_array_from_f32(1, (int64_t[]){6}, (float[]){0.5, 1, 2, -1, 0.25, 4});
  tg_array *r = x_run(g, TG_VARS(x), c, (tg_array *[]){xa});
  x_check_i64(r, 1, (int64_t[]){4}, (int64_t[]){1, 2, 0, 3}, "counts");
  CHECK_INFER_SHAPE(g, TG_VARS(x), c, ((tg_array *[]){xa}));
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), cm, (tg_array *[]){xa});
  x_check_i64(r, 1, (int64_t[]){7}, (int64_t[]){1, 2, 0, 3, 0, 0, 0}, "minlength");
  CHECK_INFER_SHAPE(g, TG_VARS(x), cm, ((tg_array *[]){xa}));
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x, w), cw, (tg_array *[]){xa, wa});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){4}, (double[]){-1, 2.5, 0, 5.25}, "weights");
  CHECK_INFER_SHAPE(g, TG_VARS(x, w), cw, ((tg_array *[]){xa, wa}));
  tg_array_unref(r);
  /* reversed and step-2 inputs; empty x */
  double xv[6] = {1, 3, 1, 0, 3, 3};
  for (int L = XL_STEP2; L <= XL_REV; L++) {
    tg_array *xs = x_make(TG_INT32, 1, (int64_t[]){6}, xv, L);
    r = x_run(g, TG_VARS(x), c, (tg_array *[]){xs});
    x_check_i64(r, 1, (int64_t[]){4}, (int64_t[]){1, 2, 0, 3}, x_layouts[L]);
    tg_array_unref(r);
    tg_array_unref(xs);
  }
  tg_array *e = tg_array_from_i32(1, (int64_t[]){0}, NULL);
  r = x_run(g, TG_VARS(x), cm, (tg_array *[]){e});
  x_check_i64(r, 1, (int64_t[]){7}, (int64_t[]){0, 0, 0, 0, 0, 0, 0}, "empty x");
  CHECK_INFER_SHAPE(g, TG_VARS(x), c, ((tg_array *[]){e}));
  tg_array_unref(r);
  tg_array_unref(e);
  /* errors at run time: a negative value, weights of another length */
  tg_array *neg = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){0, -4, 1});
  x_run_fails(g, TG_VARS(x), c, (tg_array *[]){neg}, TG_ERR_VALUE,
              "Bincount: x must be non-negative, got -4");
  tg_array *w2 = tg_array_from_f32(1, (int64_t[]){2}, (float[]){1, 2});
  x_run_fails(g, TG_VARS(x, w), cw, (tg_array *[]){xa, w2}, TG_ERR_SHAPE,
              "weights has 2 entries but x has 6");
  tg_array_unref(w2);
  tg_array_unref(neg);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

TEST(bincount_every_int_dtype) {
  for (int t = 0; t < X_NDT; t++) {
    tg_dtype dt = x_dtypes[t];
    if (tg_dtype_is_float(dt)) continue;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", dt), *c = tg_bincount(x, NULL, 3);
    double v[20];
    int64_t want[256] = {0}, len = 3;
    x_values(dt, 20, (unsigned)t, v);
    for (int i = 0; i < 20; i++) {
      v[i] = fabs(v[i]);
      if (dt != TG_BOOL && dt != TG_UINT8 && dt != TG_INT8) v[i] = fmod(v[i], 250);
      want[(int64_t)v[i]]++;
      if ((int64_t)v[i] + 1 > len) len = (int64_t)v[i] + 1;
    }
    tg_array *a = x_make(dt, 1, (int64_t[]){20}, v, XL_CONTIG);
    tg_array *r = x_run(g, TG_VARS(x), c, (tg_array *[]){a});
    x_check_i64(r, 1, &len, want, tg_dtype_name(dt));
    CHECK_INFER_SHAPE(g, TG_VARS(x), c, ((tg_array *[]){a}));
    tg_array_unref(r);
    tg_array_unref(a);
    tg_graph_free(g);
  }
}

TEST(diag_family_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  CHECK(tg_tril(v, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tril: x must have at least 2 dims");
  tg_graph_clear_error(g);
  CHECK(tg_triu(tg_scalar(g, "s", TG_INT8), 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "triu: x must have at least 2 dims");
  tg_graph_clear_error(g);
  CHECK(tg_diag(tg_tensor3(g, "t", TG_INT8), 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diag: x must be 1-d or 2-d");
  tg_graph_clear_error(g);
  CHECK(tg_diagonal(m, 0, 0, -2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diagonal: axis1 and axis2 are both dim 0");
  tg_graph_clear_error(g);
  CHECK(tg_diagonal(m, 0, 0, 2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "diagonal: axis 2 is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_trace(v, 0, 0, 1) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "trace: x must have at least 2 dims");
  tg_graph_clear_error(g);
  tg_var *outs[1];
  CHECK(tg_nonzero(tg_scalar(g, "s", TG_FLOAT64), outs) == -1);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "nonzero: x must have at least one dimension");
  tg_graph_clear_error(g);
  CHECK(tg_nonzero(v, NULL) == -1);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "nonzero: outs is NULL");
  tg_graph_clear_error(g);
  CHECK(tg_nonzero(NULL, outs) == -1);
  CHECK(tg_bincount(v, NULL, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "bincount: x must be a vector of integers");
  tg_graph_clear_error(g);
  tg_var *iv = tg_vector(g, "iv", TG_INT64);
  CHECK(tg_bincount(tg_matrix(g, "im", TG_INT64), NULL, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "bincount: x must be a vector of integers");
  tg_graph_clear_error(g);
  CHECK(tg_bincount(iv, m, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "bincount: weights must be a vector");
  tg_graph_clear_error(g);
  CHECK(tg_bincount(iv, NULL, -1) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "bincount: minlength must be non-negative");
  tg_graph_free(g);
}
