/* test_linalg_norm.c: tg_norm / tg_norm_fro / tg_norm_nuc against the hand formulas
   (computed here with loops and libm), numpy-computed values, matrices with known singular
   values (rotations times a diagonal), axes and keepdims, NaN, empty inputs, dtypes, strided
   inputs, the shape rule, and the errors. */
#include "linalg_check.h"
#include "shape_check.h"

/* x's norm over everything as a double (the result of a 0-d output) */
static double norm_of(tg_var *x, tg_var *n, tg_array *a) {
  tg_array *r = la_run(tg_var_graph(x), 1, &x, n, &a);
  double v = r ? tg_array_get_f64(r, 0) : -12345;
  tg_array_unref(r);
  return v;
}

TEST(vector_norms_against_formulas) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_FLOAT64);
  tg_array *base = la_random(TG_FLOAT64, 1, (int64_t[]){21});
  tg_array *a = tg_array_slice(base, 0, -1, -22, -2); /* 11 elements, negative stride */
  tg_array_set_f64(a, 3, 0);
  double s1 = 0, s2 = 0, s3 = 0, smh = 0, mx = 0, mn = INFINITY, nz = 0;
  for (int i = 0; i < 11; i++) {
    double x = fabs(tg_array_get_f64(a, i));
    s1 += x, s2 += x * x, s3 += x * x * x, smh += sqrt(x);
    mx = fmax(mx, x), mn = fmin(mn, x), nz += x != 0;
  }
  CHECK_CLOSE(norm_of(v, tg_norm(v, 2, 0, NULL, false), a), sqrt(s2), 1e-15, 0);
  CHECK_CLOSE(norm_of(v, tg_norm(v, 1, 0, NULL, false), a), s1, 1e-15, 0);
  CHECK_CLOSE(norm_of(v, tg_norm(v, 3, 1, (int[]){0}, false), a), cbrt(s3), 1e-14, 0);
  CHECK_CLOSE(norm_of(v, tg_norm(v, 0.5, 1, (int[]){-1}, false), a), smh * smh, 1e-14, 0);
  CHECK(norm_of(v, tg_norm(v, INFINITY, 0, NULL, false), a) == mx);
  CHECK(norm_of(v, tg_norm(v, -INFINITY, 0, NULL, false), a) == mn);
  CHECK(mn == 0);
  CHECK(norm_of(v, tg_norm(v, 0, 0, NULL, false), a) == nz);
  /* a zero element makes ord -1 zero (1 / inf); numpy: norm([0, 1, 2], -1) == 0 */
  CHECK(norm_of(v, tg_norm(v, -1, 0, NULL, false), a) == 0);
  CHECK_CLOSE(norm_of(v, tg_norm_fro(v, 0, NULL, false), a), sqrt(s2), 1e-15, 0);
  /* numpy: norm([3, 4]) = 5, norm([1, 2, 2], 3) = 17 ** (1/3) */
  tg_array *h = tg_array_from_f64(1, (int64_t[]){2}, (double[]){3, -4});
  CHECK(norm_of(v, tg_norm(v, 2, 0, NULL, false), h) == 5);
  tg_array_unref(h);
  h = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, -2});
  CHECK_CLOSE(norm_of(v, tg_norm(v, 3, 0, NULL, false), h), 2.571281590658235, 1e-15, 0);
  /* NaN propagates through the max */
  tg_array_set_f64(h, 1, NAN);
  CHECK(isnan(norm_of(v, tg_norm(v, INFINITY, 0, NULL, false), h)));
  CHECK(isnan(norm_of(v, tg_norm(v, 2, 0, NULL, false), h)));
  tg_array_unref(h), tg_array_unref(a), tg_array_unref(base);
  /* integers give float64, float32 stays */
  tg_var *iv = tg_vector(g, "iv", TG_INT8), *fv = tg_vector(g, "fv", TG_FLOAT32);
  tg_var *ni = tg_norm(iv, 2, 0, NULL, false), *nf = tg_norm(fv, 1, 0, NULL, false);
  CHECK(tg_var_dtype(ni) == TG_FLOAT64 && tg_var_dtype(nf) == TG_FLOAT32);
  tg_array *i3 = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){-6, 8});
  tg_array *i8 = tg_array_astype(i3, TG_INT8);
  CHECK(norm_of(iv, ni, i8) == 10);
  tg_array_unref(i3), tg_array_unref(i8);
  /* empty: 0 for sums, an error for the max/min orders (as numpy) */
  tg_array *e = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){0});
  CHECK(norm_of(v, tg_norm(v, 2, 0, NULL, false), e) == 0);
  CHECK(norm_of(v, tg_norm(v, -1, 0, NULL, false), e) == INFINITY);
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(v), tg_norm(v, INFINITY, 0, NULL, false), (tg_array *[]){e}),
                       "norm: ord=inf takes the maximum over a zero-size axis");
  tg_array_unref(e);
  tg_graph_free(g);
}

/* A = R(t1) diag(s1, s2) R(t2)^T, singular values s1, s2 (3rd row zeros: 3 x 2) */
static tg_array *known_svals(double s1, double s2) {
  double c1 = cos(0.3), n1 = sin(0.3), c2 = cos(1.1), n2 = sin(1.1);
  double u[2][2] = {{c1, -n1}, {n1, c1}}, v[2][2] = {{c2, -n2}, {n2, c2}};
  tg_array *a = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 2});
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      tg_array_set_f64(a, i * 2 + j, u[i][0] * s1 * v[j][0] + u[i][1] * s2 * v[j][1]);
  return a;
}

TEST(matrix_norms) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  /* numpy on [[1, -2, 3], [-4, 5, -6]]: ord 1 -> 9, -1 -> 5, inf -> 15, -inf -> 6,
     fro -> sqrt(91), 2 -> 9.508032000695724, -2 -> 0.7728696356734843, nuc -> 10.280901636369208 */
  tg_array *h = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){1, -2, 3, -4, 5, -6});
  CHECK(norm_of(m, tg_norm(m, 1, 0, NULL, false), h) == 9);
  CHECK(norm_of(m, tg_norm(m, -1, 0, NULL, false), h) == 5);
  CHECK(norm_of(m, tg_norm(m, INFINITY, 0, NULL, false), h) == 15);
  CHECK(norm_of(m, tg_norm(m, -INFINITY, 0, NULL, false), h) == 6);
  CHECK_CLOSE(norm_of(m, tg_norm_fro(m, 0, NULL, false), h), sqrt(91), 1e-15, 0);
  CHECK_CLOSE(norm_of(m, tg_norm(m, 2, 0, NULL, false), h), 9.508032000695724, 1e-14, 0);
  CHECK_CLOSE(norm_of(m, tg_norm(m, -2, 0, NULL, false), h), 0.7728696356734843, 1e-13, 0);
  CHECK_CLOSE(norm_of(m, tg_norm_nuc(m, 0, NULL, false), h), 10.280901636369208, 1e-14, 0);
  /* axes (1, 0) swap the roles: ord 1 is then the max row sum */
  CHECK(norm_of(m, tg_norm(m, 1, 2, (int[]){1, 0}, false), h) == 15);
  tg_array_unref(h);
  /* known singular values */
  tg_array *k = known_svals(3.5, 0.25);
  CHECK_CLOSE(norm_of(m, tg_norm(m, 2, 0, NULL, false), k), 3.5, 1e-14, 0);
  CHECK_CLOSE(norm_of(m, tg_norm(m, -2, 0, NULL, false), k), 0.25, 1e-13, 0);
  CHECK_CLOSE(norm_of(m, tg_norm_nuc(m, 0, NULL, false), k), 3.75, 1e-14, 0);
  CHECK_CLOSE(norm_of(m, tg_norm_fro(m, 0, NULL, false), k), sqrt(3.5 * 3.5 + 0.0625), 1e-14, 0);
  tg_array *kt = tg_array_transpose(k); /* a transposed view has the same singular values */
  CHECK_CLOSE(norm_of(m, tg_norm(m, 2, 0, NULL, false), kt), 3.5, 1e-14, 0);
  tg_array_unref(kt), tg_array_unref(k);
  /* empty matrices, as numpy: (0, 3) has ord 1 = 0 but ord inf fails; ord 2 fails */
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  CHECK(norm_of(m, tg_norm(m, 1, 0, NULL, false), e) == 0);
  CHECK(norm_of(m, tg_norm_nuc(m, 0, NULL, false), e) == 0);
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m), tg_norm(m, INFINITY, 0, NULL, false), (tg_array *[]){e}), "maximum over a zero-size axis");
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m), tg_norm(m, -2, 0, NULL, false), (tg_array *[]){e}), "minimum over a zero-size axis");
  tg_array_unref(e);
  tg_graph_free(g);
}

TEST(axes_keepdims_and_shape_rule) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT32);
  tg_var *n0 = tg_norm(x, 2, 1, (int[]){1}, false), *n1 = tg_norm(x, 1, 2, (int[]){0, 2}, true);
  tg_var *nf = tg_norm_fro(x, 2, (int[]){-1, 0}, false), *nn = tg_norm_nuc(x, 2, (int[]){2, 1}, true);
  tg_var *fa = tg_norm_fro(x, 0, NULL, false);
  CHECK(tg_var_ndim(n0) == 2 && tg_var_ndim(n1) == 3 && tg_var_ndim(nf) == 1 && tg_var_ndim(fa) == 0);
  CHECK(tg_var_dim(n1, 0) == 1 && tg_var_dim(n1, 2) == 1);
  tg_array *a = la_random(TG_FLOAT32, 3, (int64_t[]){3, 4, 5});
  tg_array *r = la_run(g, TG_VARS(x), n0, (tg_array *[]){a});
  for (int i = 0; r && i < 3; i++)
    for (int k = 0; k < 5; k++) {
      double s = 0;
      for (int j = 0; j < 4; j++) s += pow(tg_array_get_f64(a, (i * 4 + j) * 5 + k), 2);
      CHECK_CLOSE(tg_array_get_f64(r, i * 5 + k), sqrt(s), 1e-6, 0);
    }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(x), n1, (tg_array *[]){a}); /* max over k of sum over i of |x| */
  for (int j = 0; r && j < 4; j++) {
    double best = 0;
    for (int k = 0; k < 5; k++) {
      double s = 0;
      for (int i = 0; i < 3; i++) s += fabs(tg_array_get_f64(a, (i * 4 + j) * 5 + k));
      best = fmax(best, s);
    }
    CHECK_CLOSE(tg_array_get_f64(r, j), best, 1e-6, 0);
  }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(x), nf, (tg_array *[]){a});
  for (int j = 0; r && j < 4; j++) {
    double s = 0;
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 5; k++) s += pow(tg_array_get_f64(a, (i * 4 + j) * 5 + k), 2);
    CHECK_CLOSE(tg_array_get_f64(r, j), sqrt(s), 1e-6, 0);
  }
  tg_array_unref(r);
  tg_var *outs[] = {n0, n1, nf, nn, fa};
  tg_array *e = la_random(TG_FLOAT32, 3, (int64_t[]){2, 0, 3});
  for (int i = 0; i < 5; i++) {
    CHECK_INFER_SHAPE(g, TG_VARS(x), outs[i], ((tg_array *[]){a}));
    if (i != 1) CHECK_INFER_SHAPE(g, TG_VARS(x), outs[i], ((tg_array *[]){e}));
  }
  tg_array_unref(a), tg_array_unref(e);
  /* describe */
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  tg_debugprint(2, (tg_var *[]){n1, nf}, mem);
  fclose(mem);
  CHECK(text && strstr(text, "Norm{ord=1, axes=(0, 2), keepdims=True}") && strstr(text, "Norm{ord='fro', axes=(2, 0), keepdims=False}"));
  free(text);
  tg_graph_free(g);
}

TEST(norm_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  CHECK(tg_norm(x, 2, 0, NULL, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "norm: an ord over 3 axes; give 1 axis (vector norm) or 2 (matrix norm) explicitly");
  tg_graph_clear_error(g);
  CHECK(tg_norm(m, 3, 0, NULL, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "norm: invalid order 3 for matrices");
  tg_graph_clear_error(g);
  CHECK(tg_norm(m, 2, 1, (int[]){2}, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "norm: axis 2 is out of range for a rank-2 input");
  tg_graph_clear_error(g);
  CHECK(tg_norm(m, 2, 2, (int[]){1, -1}, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "norm: axis 1 is repeated");
  tg_graph_clear_error(g);
  CHECK(tg_norm_nuc(x, 1, (int[]){0}, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'nuc'");
  tg_graph_clear_error(g);
  CHECK(tg_norm(m, NAN, 0, NULL, false) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "norm: ord is NaN");
  tg_graph_clear_error(g);
  CHECK(tg_norm(NULL, 2, 0, NULL, false) == NULL);
  tg_graph_free(g);
}
