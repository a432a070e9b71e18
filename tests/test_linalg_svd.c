/* test_linalg_svd.c: svd, qr and pinv checked by identities computed here with plain loops
   (U diag(s) Vt = A with orthonormal factors, Q R = A with Q orthonormal and R upper
   triangular, the four Moore-Penrose conditions), against numpy-computed values, over tall,
   wide, square and empty matrices, stacks, float32 / int inputs and strided views, with the
   shape rule of every output. */
#include "linalg_check.h"
#include "shape_check.h"

static bool run_n(tg_graph *g, int n_in, tg_var *const *ins, int n_out, tg_var *const *outs,
                  tg_array *const *arrays, tg_array **res) {
  tg_function *f = tg_function_new(g, n_in, ins, n_out, outs, NULL);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return false;
  }
  bool ok = tg_function_call(f, arrays, res) == TG_OK;
  if (!ok) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return ok;
}

/* Element (b, i, j) of a stack of matrices (any strides; flat C-order index). */
static double el(const tg_array *a, int64_t b, int64_t i, int64_t j) {
  int nd = tg_array_ndim(a);
  int64_t r = tg_array_shape(a)[nd - 2], c = tg_array_shape(a)[nd - 1];
  return tg_array_get_f64(a, (b * r + i) * c + j);
}

static int64_t dim(const tg_array *a, int fromend) {
  return tg_array_shape(a)[tg_array_ndim(a) - fromend];
}

/* max |X^T X - I| over the stack (columns orthonormal) */
static double orth_err(const tg_array *x, int64_t nb) {
  int64_t r = dim(x, 2), c = dim(x, 1);
  double e = 0;
  for (int64_t q = 0; q < nb; q++)
    for (int64_t i = 0; i < c; i++)
      for (int64_t j = 0; j < c; j++) {
        double s = 0;
        for (int64_t p = 0; p < r; p++) s += el(x, q, p, i) * el(x, q, p, j);
        e = fmax(e, fabs(s - (i == j)));
      }
  return e;
}

/* max |X^T| row orthonormality: X X^T = I */
static double orth_rows_err(const tg_array *x, int64_t nb) {
  int64_t r = dim(x, 2), c = dim(x, 1);
  double e = 0;
  for (int64_t q = 0; q < nb; q++)
    for (int64_t i = 0; i < r; i++)
      for (int64_t j = 0; j < r; j++) {
        double s = 0;
        for (int64_t p = 0; p < c; p++) s += el(x, q, i, p) * el(x, q, j, p);
        e = fmax(e, fabs(s - (i == j)));
      }
  return e;
}

TEST(svd_reconstructs_in_every_shape) {
  static const int64_t shapes[][2] = {{5, 3}, {3, 5}, {4, 4}, {1, 6}, {7, 1}};
  for (int full = 0; full < 2; full++)
    for (int c = 0; c < 5; c++) {
      int64_t m = shapes[c][0], n = shapes[c][1], k = m < n ? m : n;
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor3(g, "x", c % 2 ? TG_FLOAT32 : TG_FLOAT64);
      tg_var *u = NULL, *vt = NULL, *s = tg_svd(x, full, &u, &vt), *s_only = tg_svd(x, full, NULL, NULL);
      tg_array *base = la_random(c % 2 ? TG_FLOAT32 : TG_FLOAT64, 3, (int64_t[]){2, m, 2 * n});
      tg_array *a = tg_array_slice(base, 2, 2 * n - 1, -2 * n - 1, -2); /* reversed, gaps */
      tg_array *r[4] = {0};
      CHECK(run_n(g, TG_VARS(x), TG_VARS(s, u, vt, s_only), (tg_array *[]){a}, r));
      double tol = c % 2 ? 1e-5 : 1e-12;
      if (r[0]) {
        CHECK(dim(r[1], 2) == m && dim(r[1], 1) == (full ? m : k));
        CHECK(dim(r[2], 2) == (full ? n : k) && dim(r[2], 1) == n);
        CHECK(orth_err(r[1], 2) < tol && orth_rows_err(r[2], 2) < tol);
        for (int64_t q = 0; q < 2; q++) {
          for (int64_t i = 0; i < k; i++) {
            double si = tg_array_get_f64(r[0], q * k + i);
            CHECK(si >= 0 && (i == 0 || si <= tg_array_get_f64(r[0], q * k + i - 1)));
            CHECK_CLOSE(tg_array_get_f64(r[3], q * k + i), si, tol, tol);
          }
          for (int64_t i = 0; i < m; i++) /* U diag(s) Vt = A */
            for (int64_t j = 0; j < n; j++) {
              double sum = 0;
              for (int64_t p = 0; p < k; p++)
                sum += el(r[1], q, i, p) * tg_array_get_f64(r[0], q * k + p) * el(r[2], q, p, j);
              CHECK_CLOSE(sum, el(a, q, i, j), tol, tol);
            }
        }
      }
      for (int i = 0; i < 4; i++) tg_array_unref(r[i]);
      CHECK_INFER_SHAPE(g, TG_VARS(x), s, ((tg_array *[]){a}));
      CHECK_INFER_SHAPE(g, TG_VARS(x), u, ((tg_array *[]){a}));
      CHECK_INFER_SHAPE(g, TG_VARS(x), vt, ((tg_array *[]){a}));
      tg_array_unref(a), tg_array_unref(base);
      tg_graph_free(g);
    }
}

TEST(svd_hand_case_and_empty) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT32);
  tg_var *s = tg_svd(x, false, NULL, NULL);
  /* numpy: svd([[3, 0], [4, 5]]) singular values sqrt(45), sqrt(5) */
  tg_array *h = tg_array_from_i32(2, (int64_t[]){2, 2}, (int32_t[]){3, 0, 4, 5});
  tg_array *r = la_run(g, TG_VARS(x), s, (tg_array *[]){h});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), sqrt(45), 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(r, 1), sqrt(5), 1e-15, 0);
  }
  tg_array_unref(r), tg_array_unref(h);
  /* numpy: an empty (0, 3) matrix: u (0, 0), s (0,), vt = eye(3) with full_matrices */
  tg_var *u = NULL, *vt = NULL, *sf = tg_svd(x, true, &u, &vt);
  tg_array *e = tg_array_zeros(TG_INT32, 2, (int64_t[]){0, 3});
  tg_array *res[3] = {0};
  CHECK(run_n(g, TG_VARS(x), TG_VARS(sf, u, vt), (tg_array *[]){e}, res));
  if (res[0]) {
    CHECK(tg_array_size(res[0]) == 0 && tg_array_shape(res[1])[0] == 0 && tg_array_shape(res[1])[1] == 0);
    CHECK(tg_array_shape(res[2])[0] == 3 && tg_array_shape(res[2])[1] == 3);
    for (int i = 0; i < 9; i++) CHECK(tg_array_get_f64(res[2], i) == (i % 4 == 0));
  }
  for (int i = 0; i < 3; i++) tg_array_unref(res[i]);
  CHECK_INFER_SHAPE(g, TG_VARS(x), vt, ((tg_array *[]){e}));
  tg_array_unref(e);
  CHECK(tg_svd(tg_vector(g, "v", TG_FLOAT64), true, NULL, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "svd: needs a matrix or a stack of matrices");
  tg_graph_free(g);
}

TEST(qr_modes) {
  static const int64_t shapes[][2] = {{5, 3}, {3, 5}, {4, 4}, {3, 0}, {0, 3}};
  for (int mode = 0; mode < 3; mode++)
    for (int c = 0; c < 5; c++) {
      int64_t m = shapes[c][0], n = shapes[c][1], k = m < n ? m : n;
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor3(g, "x", c == 1 ? TG_FLOAT32 : TG_FLOAT64);
      tg_var *q = NULL, *rr = tg_qr(x, (tg_qr_mode)mode, mode == TG_QR_R ? NULL : &q);
      tg_array *a0 = la_random(c == 1 ? TG_FLOAT32 : TG_FLOAT64, 3, (int64_t[]){2, n, m});
      tg_array *a = tg_array_view(a0, 3, (int64_t[]){2, m, n},
                                  (int64_t[]){tg_array_strides(a0)[0], tg_array_strides(a0)[2], tg_array_strides(a0)[1]}, 0);
      tg_array *res[2] = {0};
      double tol = c == 1 ? 1e-5 : 1e-12;
      int64_t rrows = mode == TG_QR_COMPLETE ? m : k, qcols = mode == TG_QR_COMPLETE ? m : k;
      if (mode == TG_QR_R) CHECK(run_n(g, TG_VARS(x), TG_VARS(rr), (tg_array *[]){a}, res));
      else CHECK(run_n(g, TG_VARS(x), TG_VARS(rr, q), (tg_array *[]){a}, res));
      if (res[0]) {
        CHECK(dim(res[0], 2) == rrows && dim(res[0], 1) == n);
        for (int64_t b = 0; b < 2; b++)
          for (int64_t i = 0; i < rrows; i++)
            for (int64_t j = 0; j < i && j < n; j++) CHECK(el(res[0], b, i, j) == 0);
      }
      if (res[1]) {
        CHECK(dim(res[1], 2) == m && dim(res[1], 1) == qcols);
        CHECK(orth_err(res[1], 2) < tol);
        for (int64_t b = 0; b < 2; b++) /* Q R = A */
          for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
              double s = 0;
              for (int64_t p = 0; p < qcols; p++) s += el(res[1], b, i, p) * el(res[0], b, p, j);
              CHECK_CLOSE(s, el(a, b, i, j), tol, tol);
            }
        CHECK_INFER_SHAPE(g, TG_VARS(x), q, ((tg_array *[]){a}));
      }
      CHECK_INFER_SHAPE(g, TG_VARS(x), rr, ((tg_array *[]){a}));
      tg_array_unref(res[0]), tg_array_unref(res[1]), tg_array_unref(a), tg_array_unref(a0);
      tg_graph_free(g);
    }
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  CHECK(tg_qr(x, TG_QR_REDUCED, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "qr: q is NULL");
  tg_graph_clear_error(g);
  CHECK(tg_qr(x, (tg_qr_mode)7, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "qr: unknown mode 7");
  tg_graph_free(g);
}

/* max |X Y Z - W| for matrices (Z NULL: X Y), used for the Moore-Penrose conditions */
static double chain_err(const tg_array *x, const tg_array *y, const tg_array *z, const tg_array *w) {
  int64_t n = dim(x, 2), k = dim(x, 1), m = dim(y, 1);
  int64_t p2 = z ? dim(z, 1) : m;
  double e = 0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < p2; j++) {
      double s = 0;
      for (int64_t a = 0; a < k; a++)
        for (int64_t b = 0; b < (z ? m : 1); b++)
          s += el(x, 0, i, a) * (z ? el(y, 0, a, b) * el(z, 0, b, j) : el(y, 0, a, j));
      e = fmax(e, fabs(s - el(w, 0, i, j)));
    }
  return e;
}

TEST(pinv_moore_penrose_conditions) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *p = tg_pinv(x);
  /* a rank-1 4 x 3 matrix (u v^T), a full-rank tall one and a wide one */
  tg_array *r1 = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){4, 3});
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++) tg_array_set_f64(r1, i * 3 + j, (i + 1.0) * (j - 1.5));
  tg_array *cases[3] = {r1, la_random(TG_FLOAT64, 2, (int64_t[]){5, 3}), la_random(TG_FLOAT64, 2, (int64_t[]){2, 6})};
  for (int c = 0; c < 3; c++) {
    tg_array *a = cases[c];
    tg_array *pa = la_run(g, TG_VARS(x), p, (tg_array *[]){a});
    CHECK(pa && dim(pa, 2) == dim(a, 1) && dim(pa, 1) == dim(a, 2));
    if (!pa) continue;
    CHECK(chain_err(a, pa, a, a) < 1e-12);    /* A A+ A = A */
    CHECK(chain_err(pa, a, pa, pa) < 1e-12);  /* A+ A A+ = A+ */
    tg_array *apa = la_run(g, TG_VARS(x), tg_dot(x, p), (tg_array *[]){a});
    tg_array *paa = la_run(g, TG_VARS(x), tg_dot(p, x), (tg_array *[]){a});
    for (int64_t i = 0; apa && i < dim(apa, 1); i++) /* both products symmetric */
      for (int64_t j = 0; j < dim(apa, 1); j++) CHECK_CLOSE(el(apa, 0, i, j), el(apa, 0, j, i), 1e-12, 1e-12);
    for (int64_t i = 0; paa && i < dim(paa, 1); i++)
      for (int64_t j = 0; j < dim(paa, 1); j++) CHECK_CLOSE(el(paa, 0, i, j), el(paa, 0, j, i), 1e-12, 1e-12);
    CHECK_INFER_SHAPE(g, TG_VARS(x), p, ((tg_array *[]){a}));
    tg_array_unref(apa), tg_array_unref(paa), tg_array_unref(pa), tg_array_unref(a);
  }
  /* numpy: pinv([[1, 2], [2, 4]]) = [[0.04, 0.08], [0.08, 0.16]] */
  tg_var *xf = tg_matrix(g, "xf", TG_FLOAT32);
  tg_array *h = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){1, 2, 2, 4});
  tg_array *r = la_run(g, TG_VARS(xf), tg_pinv(xf), (tg_array *[]){h});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), 0.04, 1e-6, 0);
    CHECK_CLOSE(tg_array_get_f64(r, 1), 0.08, 1e-6, 0);
    CHECK_CLOSE(tg_array_get_f64(r, 3), 0.16, 1e-6, 0);
  }
  tg_array_unref(r), tg_array_unref(h);
  /* numpy: pinv of a (0, 3) matrix has shape (3, 0); of zeros, zeros */
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  r = la_run(g, TG_VARS(x), p, (tg_array *[]){e});
  CHECK(r && tg_array_shape(r)[0] == 3 && tg_array_shape(r)[1] == 0);
  tg_array_unref(r), tg_array_unref(e);
  tg_array *z = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  r = la_run(g, TG_VARS(x), p, (tg_array *[]){z});
  for (int i = 0; r && i < 6; i++) CHECK(tg_array_get_f64(r, i) == 0);
  tg_array_unref(r), tg_array_unref(z);
  tg_graph_free(g);
}
