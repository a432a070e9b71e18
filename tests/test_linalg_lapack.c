/* test_linalg_lapack.c: inv, det, slogdet, solve and cholesky, checked by identities
   computed here with plain loops (A inv(A) = I, A x = b, L L^T = A), against a small LU
   determinant written in this file, and against hand and numpy-computed cases; stacks, every
   dtype class (ints are computed as float64), strided and negative-stride inputs, size 0
   and 1, the shape rule of every op, and the errors (singular, not positive definite, bad
   ranks and shapes). */
#include "linalg_check.h"
#include "shape_check.h"

/* Run ins -> n outputs; results into res (NULL on failure, message printed). */
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

/* Element (b, i, j) of a C-contiguous stack of n x m matrices (or of a strided one: flat). */
static double el(const tg_array *a, int64_t b, int64_t i, int64_t j) {
  int nd = tg_array_ndim(a);
  int64_t r = tg_array_shape(a)[nd - 2], c = tg_array_shape(a)[nd - 1];
  return tg_array_get_f64(a, (b * r + i) * c + j);
}

/* Determinant by Gaussian elimination with partial pivoting (the test's own LU). */
static double lu_det(const tg_array *a, int64_t b, int n) {
  double m[16][16], det = 1;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) m[i][j] = el(a, b, i, j);
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int i = c + 1; i < n; i++)
      if (fabs(m[i][c]) > fabs(m[p][c])) p = i;
    if (m[p][c] == 0) return 0;
    if (p != c) {
      for (int j = 0; j < n; j++) {
        double t = m[c][j];
        m[c][j] = m[p][j], m[p][j] = t;
      }
      det = -det;
    }
    det *= m[c][c];
    for (int i = c + 1; i < n; i++) {
      double f = m[i][c] / m[c][c];
      for (int j = c; j < n; j++) m[i][j] -= f * m[c][j];
    }
  }
  return det;
}

/* max |A B - C| over a stack, A n x k, B k x m, all read through el() */
static double prod_err(const tg_array *a, const tg_array *b, const tg_array *c, int64_t nb,
                       int64_t n, int64_t k, int64_t m, bool bt) {
  double e = 0;
  for (int64_t q = 0; q < nb; q++)
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < m; j++) {
        double s = 0;
        for (int64_t p = 0; p < k; p++) s += el(a, q, i, p) * (bt ? el(b, q, j, p) : el(b, q, p, j));
        double d = fabs(s - (c ? el(c, q, i, j) : (double)(i == j)));
        if (d > e) e = d;
      }
  return e;
}

/* An n x n well-conditioned random matrix (diagonally dominant), stack of nb. */
static tg_array *dominant(tg_dtype dt, int64_t nb, int64_t n) {
  tg_array *a = la_random(dt, 3, (int64_t[]){nb, n, n});
  for (int64_t q = 0; q < nb; q++)
    for (int64_t i = 0; i < n; i++)
      tg_array_set_f64(a, (q * n + i) * n + i, (double)n * 4 + (double)i);
  return a;
}

TEST(inv_hand_and_identity) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *xi = tg_inv(x);
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){4, 7, 2, 6});
  tg_array *r = la_run(g, TG_VARS(x), xi, (tg_array *[]){a}); /* [[0.6, -0.7], [-0.2, 0.4]] */
  CHECK(r != NULL);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), 0.6, 1e-15, 1e-15);
    CHECK_CLOSE(tg_array_get_f64(r, 1), -0.7, 1e-15, 1e-15);
    CHECK_CLOSE(tg_array_get_f64(r, 2), -0.2, 1e-15, 1e-15);
    CHECK_CLOSE(tg_array_get_f64(r, 3), 0.4, 1e-15, 1e-15);
  }
  CHECK_INFER_SHAPE(g, TG_VARS(x), xi, ((tg_array *[]){a}));
  tg_array_unref(r), tg_array_unref(a);
  /* every dtype class, a transposed and a negative-stride view, stacks */
  tg_dtype dts[] = {TG_FLOAT64, TG_FLOAT32, TG_INT32, TG_INT8};
  for (int d = 0; d < 4; d++) {
    tg_var *s = tg_tensor3(g, "s", dts[d]);
    tg_var *si = tg_inv(s);
    CHECK(tg_var_dtype(si) == (dts[d] == TG_FLOAT32 ? TG_FLOAT32 : TG_FLOAT64));
    tg_array *sa = dominant(dts[d], 3, 5);
    tg_array *t = d % 2 ? tg_array_slice(sa, 2, -1, -6, -1) : tg_array_ref(sa);
    r = la_run(g, TG_VARS(s), si, (tg_array *[]){t});
    CHECK(r && prod_err(t, r, NULL, 3, 5, 5, 5, false) < (dts[d] == TG_FLOAT32 ? 1e-5 : 1e-13));
    CHECK_INFER_SHAPE(g, TG_VARS(s), si, ((tg_array *[]){t}));
    tg_array_unref(r), tg_array_unref(t), tg_array_unref(sa);
  }
  /* size 0 and 1 */
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 0});
  r = la_run(g, TG_VARS(x), xi, (tg_array *[]){e});
  CHECK(r && tg_array_size(r) == 0 && tg_array_ndim(r) == 2);
  CHECK_INFER_SHAPE(g, TG_VARS(x), xi, ((tg_array *[]){e}));
  tg_array_unref(r), tg_array_unref(e);
  tg_array *one = tg_array_from_f64(2, (int64_t[]){1, 1}, (double[]){-4});
  r = la_run(g, TG_VARS(x), xi, (tg_array *[]){one});
  CHECK(r && tg_array_get_f64(r, 0) == -0.25);
  tg_array_unref(r), tg_array_unref(one);
  tg_graph_free(g);
}

TEST(inv_and_solve_singular_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_array *s = tg_array_from_f64(3, (int64_t[]){2, 2, 2}, (double[]){1, 0, 0, 1, 1, 2, 2, 4});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(x), tg_inv(x), (tg_array *[]){s}),
                       "inv: singular matrix (matrix (1,) of the stack)");
  tg_array *s1 = tg_array_slice(s, 0, 1, 2, 1);
  tg_array *s2 = tg_array_view(s1, 2, (int64_t[]){2, 2}, tg_array_strides(s1) + 1, 0);
  tg_var *b = tg_vector(g, "b", TG_FLOAT64);
  tg_array *ba = tg_array_from_f64(1, (int64_t[]){2}, (double[]){1, 1});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m, b), tg_solve(m, b), (tg_array *[]){s2, ba}),
                       "solve: singular matrix");
  /* rectangular and rank errors */
  tg_array *rect = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m), tg_inv(m), (tg_array *[]){rect}),
                       "inv: needs square matrices, got shape (2, 3)");
  CHECK(tg_inv(tg_tensor(g, "r", TG_FLOAT64, 2, (int64_t[]){2, 3})) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "inv: needs square matrices, got TensorType(float64, (2, 3))");
  tg_graph_clear_error(g);
  CHECK(tg_det(tg_vector(g, "v", TG_FLOAT64)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "det: needs a matrix or a stack of matrices (rank >= 2)");
  tg_array_unref(s), tg_array_unref(s1), tg_array_unref(s2), tg_array_unref(ba), tg_array_unref(rect);
  tg_graph_free(g);
}

TEST(det_and_slogdet_against_a_c_lu) {
  tg_graph *g = tg_graph_new();
  tg_dtype dts[] = {TG_FLOAT64, TG_FLOAT32, TG_INT64, TG_BOOL};
  static const int64_t ns[] = {1, 2, 5, 8};
  for (int d = 0; d < 4; d++)
    for (int k = 0; k < 4; k++) {
      int64_t n = ns[k];
      tg_var *x = tg_tensor3(g, "x", dts[d]);
      tg_var *logabs = NULL, *det = tg_det(x), *sign = tg_slogdet(x, &logabs);
      tg_array *base = la_random(dts[d], 3, (int64_t[]){2, n, n});
      tg_array *a = k % 2 ? tg_array_slice(base, 1, -1, -n - 1, -1) : tg_array_ref(base);
      tg_array *res[3] = {0};
      CHECK(run_n(g, TG_VARS(x), TG_VARS(det, sign, logabs), (tg_array *[]){a}, res));
      for (int64_t q = 0; q < 2 && res[0]; q++) {
        double want = lu_det(a, q, (int)n), tol = dts[d] == TG_FLOAT32 ? 1e-5 : 1e-12;
        CHECK_CLOSE(tg_array_get_f64(res[0], q), want, tol, tol);
        CHECK(tg_array_get_f64(res[1], q) == (want > 0 ? 1 : want < 0 ? -1 : 0));
        if (want != 0) CHECK_CLOSE(tg_array_get_f64(res[2], q), log(fabs(want)), tol, tol);
        else CHECK(tg_array_get_f64(res[2], q) == -INFINITY);
      }
      CHECK_INFER_SHAPE(g, TG_VARS(x), det, ((tg_array *[]){a}));
      CHECK_INFER_SHAPE(g, TG_VARS(x), logabs, ((tg_array *[]){a}));
      for (int i = 0; i < 3; i++) tg_array_unref(res[i]);
      tg_array_unref(a), tg_array_unref(base);
    }
  /* numpy: det([[1, 2], [3, 4]]) = -2; singular gives 0, sign 0, -inf; 0 x 0 gives 1 */
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *la = NULL, *sg = tg_slogdet(m, &la), *dt = tg_det(m);
  tg_array *res[3] = {0};
  tg_array *h = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){1, 2, 3, 4});
  CHECK(run_n(g, TG_VARS(m), TG_VARS(dt, sg, la), (tg_array *[]){h}, res));
  CHECK_CLOSE(tg_array_get_f64(res[0], 0), -2, 1e-15, 0);
  CHECK(tg_array_get_f64(res[1], 0) == -1);
  CHECK_CLOSE(tg_array_get_f64(res[2], 0), log(2), 1e-15, 0);
  for (int i = 0; i < 3; i++) tg_array_unref(res[i]), res[i] = NULL;
  tg_array *sing = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){1, 2, 2, 4});
  CHECK(run_n(g, TG_VARS(m), TG_VARS(dt, sg, la), (tg_array *[]){sing}, res));
  CHECK(tg_array_get_f64(res[0], 0) == 0 && tg_array_get_f64(res[1], 0) == 0 &&
        tg_array_get_f64(res[2], 0) == -INFINITY);
  for (int i = 0; i < 3; i++) tg_array_unref(res[i]), res[i] = NULL;
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 0});
  CHECK(run_n(g, TG_VARS(m), TG_VARS(dt, sg, la), (tg_array *[]){e}, res));
  CHECK(tg_array_get_f64(res[0], 0) == 1 && tg_array_get_f64(res[1], 0) == 1 && tg_array_get_f64(res[2], 0) == 0);
  for (int i = 0; i < 3; i++) tg_array_unref(res[i]);
  tg_array_unref(h), tg_array_unref(sing), tg_array_unref(e);
  CHECK(tg_slogdet(m, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "slogdet: logabsdet is NULL");
  tg_graph_free(g);
}

TEST(solve_vectors_matrices_and_batches) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *v = tg_vector(g, "v", TG_INT32);
  tg_var *bm = tg_matrix(g, "bm", TG_FLOAT32);
  tg_var *xv = tg_solve(a, v), *xm = tg_solve(a, bm);
  CHECK(tg_var_ndim(xv) == 1 && tg_var_ndim(xm) == 2 && tg_var_dtype(xm) == TG_FLOAT64);
  tg_array *aa = dominant(TG_FLOAT64, 1, 6);
  tg_array *a2 = tg_array_view(aa, 2, (int64_t[]){6, 6}, tg_array_strides(aa) + 1, 0);
  tg_array *at = tg_array_transpose(a2);
  tg_array *va = la_random(TG_INT32, 1, (int64_t[]){6});
  tg_array *ma = la_random(TG_FLOAT32, 2, (int64_t[]){6, 3});
  tg_array *r = la_run(g, TG_VARS(a, v), xv, (tg_array *[]){at, va});
  for (int i = 0; r && i < 6; i++) { /* A x = b */
    double s = 0;
    for (int j = 0; j < 6; j++) s += la_at(at, i, j) * tg_array_get_f64(r, j);
    CHECK_CLOSE(s, tg_array_get_f64(va, i), 1e-12, 1e-12);
  }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(a, bm), xm, (tg_array *[]){a2, ma});
  CHECK(r && tg_array_ndim(r) == 2 && tg_array_shape(r)[0] == 6 && tg_array_shape(r)[1] == 3);
  for (int i = 0; r && i < 6; i++)
    for (int k = 0; k < 3; k++) {
      double s = 0;
      for (int j = 0; j < 6; j++) s += la_at(a2, i, j) * la_at(r, j, k);
      CHECK_CLOSE(s, la_at(ma, i, k), 1e-12, 1e-6);
    }
  CHECK_INFER_SHAPE(g, TG_VARS(a, v), xv, ((tg_array *[]){at, va}));
  CHECK_INFER_SHAPE(g, TG_VARS(a, bm), xm, ((tg_array *[]){a2, ma}));
  tg_array_unref(r);
  /* a stack of a against one b broadcast along a static-1 batch dim */
  tg_var *s3 = tg_tensor3(g, "s3", TG_FLOAT64);
  tg_var *b3 = tg_tensor(g, "b3", TG_FLOAT64, 3, (int64_t[]){1, 4, 2});
  tg_var *x3 = tg_solve(s3, b3);
  CHECK(tg_var_ndim(x3) == 3);
  tg_array *sa = dominant(TG_FLOAT64, 3, 4), *b3a = la_random(TG_FLOAT64, 3, (int64_t[]){1, 4, 2});
  r = la_run(g, TG_VARS(s3, b3), x3, (tg_array *[]){sa, b3a});
  CHECK(r && tg_array_shape(r)[0] == 3);
  for (int q = 0; r && q < 3; q++)
    for (int i = 0; i < 4; i++)
      for (int k = 0; k < 2; k++) {
        double s = 0;
        for (int j = 0; j < 4; j++) s += el(sa, q, i, j) * el(r, q, j, k);
        CHECK_CLOSE(s, el(b3a, 0, i, k), 1e-12, 1e-12);
      }
  CHECK_INFER_SHAPE(g, TG_VARS(s3, b3), x3, ((tg_array *[]){sa, b3a}));
  tg_array_unref(r);
  /* mismatches: build time (static) and run time */
  CHECK(tg_solve(tg_tensor(g, "p", TG_FLOAT64, 2, (int64_t[]){3, 3}), tg_tensor(g, "q", TG_FLOAT64, 1, (int64_t[]){4})) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "solve: TensorType(float64, (3, 3)) and TensorType(float64, (4,)) do not match");
  tg_graph_clear_error(g);
  tg_array *v5 = la_random(TG_INT32, 1, (int64_t[]){5});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(a, v), xv, (tg_array *[]){a2, v5}),
                       "solve: shapes (6, 6) and (5,) do not match: a is 6 x 6, b has 5 rows");
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 0}), *ev = tg_array_zeros(TG_INT32, 1, (int64_t[]){0});
  r = la_run(g, TG_VARS(a, v), xv, (tg_array *[]){e, ev});
  CHECK(r && tg_array_size(r) == 0);
  tg_array_unref(r);
  tg_array_unref(aa), tg_array_unref(a2), tg_array_unref(at), tg_array_unref(va), tg_array_unref(ma);
  tg_array_unref(sa), tg_array_unref(b3a), tg_array_unref(v5), tg_array_unref(e), tg_array_unref(ev);
  tg_graph_free(g);
}

/* B B^T + n I, a symmetric positive definite stack */
static tg_array *spd(tg_dtype dt, int64_t nb, int64_t n) {
  tg_array *b = la_random(TG_FLOAT64, 3, (int64_t[]){nb, n, n});
  tg_array *a = tg_array_empty(dt, 3, (int64_t[]){nb, n, n});
  for (int64_t q = 0; q < nb; q++)
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < n; j++) {
        double s = i == j ? (double)n : 0;
        for (int64_t p = 0; p < n; p++) s += el(b, q, i, p) * el(b, q, j, p);
        tg_array_set_f64(a, (q * n + i) * n + j, s);
      }
  tg_array_unref(b);
  return a;
}

TEST(cholesky_lower_upper_and_not_pd) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64), *xf = tg_tensor3(g, "xf", TG_FLOAT32);
  tg_var *lo = tg_cholesky(x, true), *up = tg_cholesky(x, false), *lf = tg_cholesky(xf, true);
  tg_array *a = spd(TG_FLOAT64, 2, 5), *af = spd(TG_FLOAT32, 2, 5);
  /* only the named triangle is read: spoil the other one in a copy */
  tg_array *al = tg_array_copy(a), *au = tg_array_copy(a);
  for (int q = 0; q < 2; q++)
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 5; j++) {
        if (j > i) tg_array_set_f64(al, (q * 5 + i) * 5 + j, 99);
        if (j < i) tg_array_set_f64(au, (q * 5 + i) * 5 + j, -99);
      }
  tg_array *r = la_run(g, TG_VARS(x), lo, (tg_array *[]){al});
  CHECK(r && prod_err(r, r, a, 2, 5, 5, 5, true) < 1e-12); /* L L^T = A */
  for (int q = 0; r && q < 2; q++)
    for (int i = 0; i < 5; i++)
      for (int j = i + 1; j < 5; j++) CHECK(el(r, q, i, j) == 0);
  tg_array_unref(r);
  r = la_run(g, TG_VARS(x), up, (tg_array *[]){au});
  tg_array *rt = r ? tg_array_view(r, 3, (int64_t[]){2, 5, 5},
                                   (int64_t[]){tg_array_strides(r)[0], tg_array_strides(r)[2], tg_array_strides(r)[1]}, 0)
                   : NULL;
  CHECK(rt && prod_err(rt, rt, a, 2, 5, 5, 5, true) < 1e-12); /* U^T U = A */
  tg_array_unref(rt), tg_array_unref(r);
  r = la_run(g, TG_VARS(xf), lf, (tg_array *[]){af});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32 && prod_err(r, r, af, 2, 5, 5, 5, true) < 1e-4);
  tg_array_unref(r);
  CHECK_INFER_SHAPE(g, TG_VARS(x), lo, ((tg_array *[]){a}));
  /* numpy: cholesky([[4, 2], [2, 3]]) = [[2, 0], [1, sqrt(2)]] */
  tg_var *m = tg_matrix(g, "m", TG_INT64);
  tg_array *h = tg_array_from_i64(2, (int64_t[]){2, 2}, (int64_t[]){4, 2, 2, 3});
  r = la_run(g, TG_VARS(m), tg_cholesky(m, true), (tg_array *[]){h});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
  if (r) {
    CHECK(tg_array_get_f64(r, 0) == 2 && tg_array_get_f64(r, 1) == 0 && tg_array_get_f64(r, 2) == 1);
    CHECK_CLOSE(tg_array_get_f64(r, 3), sqrt(2), 1e-15, 0);
  }
  tg_array_unref(r);
  tg_array *bad = tg_array_from_i64(2, (int64_t[]){2, 2}, (int64_t[]){1, 2, 2, 1});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m), tg_cholesky(m, true), (tg_array *[]){bad}),
                       "cholesky: matrix is not positive definite (the leading minor of order 2");
  tg_array *e = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){3, 0, 0});
  r = la_run(g, TG_VARS(x), lo, (tg_array *[]){e});
  CHECK(r && tg_array_size(r) == 0 && tg_array_shape(r)[0] == 3);
  tg_array_unref(r);
  tg_array_unref(a), tg_array_unref(af), tg_array_unref(al), tg_array_unref(au);
  tg_array_unref(h), tg_array_unref(bad), tg_array_unref(e);
  tg_graph_free(g);
}

TEST(eigh_vectors_values_and_triangles) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64);
  tg_var *vl = NULL, *wl = tg_eigh(x, true, &vl), *vu = NULL, *wu = tg_eigh(x, false, &vu);
  tg_var *wonly = tg_eigh(x, true, NULL);
  tg_array *a = spd(TG_FLOAT64, 2, 6); /* symmetric */
  tg_array *res[5] = {0};
  CHECK(run_n(g, TG_VARS(x), TG_VARS(wl, vl, wu, vu, wonly), (tg_array *[]){a}, res));
  for (int q = 0; res[0] && q < 2; q++) {
    for (int k = 0; k < 6; k++) {
      double lam = tg_array_get_f64(res[0], q * 6 + k);
      if (k) CHECK(lam >= tg_array_get_f64(res[0], q * 6 + k - 1)); /* ascending */
      CHECK_CLOSE(tg_array_get_f64(res[4], q * 6 + k), lam, 1e-12, 1e-12);
      CHECK_CLOSE(tg_array_get_f64(res[2], q * 6 + k), lam, 1e-12, 1e-12);
      for (int i = 0; i < 6; i++) { /* A v = lambda v */
        double s = 0;
        for (int j = 0; j < 6; j++) s += el(a, q, i, j) * el(res[1], q, j, k);
        CHECK_CLOSE(s, lam * el(res[1], q, i, k), 1e-11, 1e-11);
      }
    }
  }
  /* V^T V = I */
  if (res[1]) {
    tg_array *v = res[1];
    tg_array *vt = tg_array_view(v, 3, (int64_t[]){2, 6, 6},
                                 (int64_t[]){tg_array_strides(v)[0], tg_array_strides(v)[2], tg_array_strides(v)[1]}, 0);
    CHECK(prod_err(vt, v, NULL, 2, 6, 6, 6, false) < 1e-12);
    tg_array_unref(vt);
  }
  for (int i = 0; i < 5; i++) tg_array_unref(res[i]);
  CHECK_INFER_SHAPE(g, TG_VARS(x), wl, ((tg_array *[]){a}));
  CHECK_INFER_SHAPE(g, TG_VARS(x), vl, ((tg_array *[]){a}));
  /* numpy: eigh([[2, 1], [1, 2]]) values [1, 3]; float32 and int inputs */
  tg_var *m = tg_matrix(g, "m", TG_FLOAT32), *mi = tg_matrix(g, "mi", TG_INT8);
  tg_array *h = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){2, 1, 1, 2});
  tg_array *r = la_run(g, TG_VARS(m), tg_eigh(m, true, NULL), (tg_array *[]){h});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT32);
  if (r) {
    CHECK_CLOSE(tg_array_get_f64(r, 0), 1, 1e-6, 1e-6);
    CHECK_CLOSE(tg_array_get_f64(r, 1), 3, 1e-6, 0);
  }
  tg_array_unref(r);
  tg_array *hi = tg_array_astype(h, TG_INT8);
  tg_array_set_f64(hi, 1, 100); /* upper triangle ignored with lower = true */
  r = la_run(g, TG_VARS(mi), tg_eigh(mi, true, NULL), (tg_array *[]){hi});
  CHECK(r && tg_array_dtype(r) == TG_FLOAT64);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 1), 3, 1e-15, 0);
  tg_array_unref(r), tg_array_unref(h), tg_array_unref(hi), tg_array_unref(a);
  tg_array *e = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){2, 0, 0});
  CHECK_INFER_SHAPE(g, TG_VARS(x), vl, ((tg_array *[]){e}));
  tg_array_unref(e);
  tg_graph_free(g);
}

TEST(caller_outputs_strided_and_checked) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64);
  tg_var *la = NULL, *sg = tg_slogdet(x, &la), *xi = tg_inv(x);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(xi, sg, la), NULL);
  tg_array *a = dominant(TG_FLOAT64, 2, 4);
  /* inv into a stack whose matrices are transposed; sign and logdet into reversed vectors */
  tg_array *ib = tg_array_zeros(TG_FLOAT64, 3, (int64_t[]){2, 4, 4});
  tg_array *io = tg_array_view(ib, 3, (int64_t[]){2, 4, 4},
                               (int64_t[]){tg_array_strides(ib)[0], tg_array_strides(ib)[2], tg_array_strides(ib)[1]}, 0);
  tg_array *sb = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){2}), *lb = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){4});
  tg_array *so = tg_array_slice(sb, 0, -1, -3, -1), *lo = tg_array_slice(lb, 0, 0, 4, 2);
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){io, so, lo}), TG_OK);
  CHECK(prod_err(a, io, NULL, 2, 4, 4, 4, false) < 1e-13);
  for (int q = 0; q < 2; q++) {
    double d = lu_det(a, q, 4);
    CHECK(tg_array_get_f64(so, q) == (d > 0 ? 1 : -1));
    CHECK_CLOSE(tg_array_get_f64(lo, q), log(fabs(d)), 1e-13, 0);
  }
  tg_array *bad = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){io, bad, lo}), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "slogdet: the given output has shape (3,), expected (2,)");
  tg_array_unref(bad), tg_array_unref(so), tg_array_unref(lo), tg_array_unref(sb), tg_array_unref(lb);
  tg_array_unref(io), tg_array_unref(ib), tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}
