/* test_gemm_inplace.c: the Gemm/Gemv perform with its output aliasing an input, as the VM's
   in-place execution hands it (src/ops/blas_gemm.c): out[0] == c (updated in place by one
   BLAS call with beta, or through a temporary), out[0] a transposed view of c, out[0]
   overlapping a; and the usual fresh output (c full, transposed or a broadcast bias row,
   copied in before BLAS adds the product). float32 and float64, matrix and vector shapes,
   several alpha/beta. Every result is compared with alpha * a b + beta * c computed here in
   long double loops, and c must be left alone when it is not the output. */
#include "graph/graph_impl.h"
#include "harness.h"
#include "ops/blas_gemm.h"

static uint64_t seed = 88172645463325252ULL;
static double rnd(void) {
  seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
  return (double)(seed >> 11) * 0x1p-53 - 0.5;
}

static tg_array *filled(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *x = tg_array_empty(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(x); i++) tg_array_set_f64(x, i, rnd());
  return x;
}

/* Element (i, j) of a 2-D (or (i) / (j) of a 1-D) array, through its strides. */
static long double at(const tg_array *x, int64_t i, int64_t j, bool vec_is_col) {
  const char *p = x->data;
  if (x->ndim == 2) p += i * x->strides[0] + j * x->strides[1];
  else p += (vec_is_col ? i : j) * x->strides[0];
  return x->dtype == TG_FLOAT32 ? *(const float *)p : *(const double *)p;
}

/* Runs the node's perform with out[0] = dst (a view on c or a) and checks dst. */
static void check_case(tg_dtype dt, int64_t m, int64_t k, int64_t n, int amode, double alpha,
                       double beta, int alias) {
  /* amode: 0 a matrix, 1 a vector (Gemv, result (n,)), 2 b vector (result (m,)) */
  int64_t as[2] = {m, k}, bs[2] = {k, n};
  tg_array *a = amode == 1 ? filled(dt, 1, &k) : filled(dt, 2, as);
  tg_array *b = amode == 2 ? filled(dt, 1, &k) : filled(dt, 2, bs);
  int ond = amode ? 1 : 2;
  int64_t os[2] = {amode == 1 ? n : m, n};
  tg_array *c;
  if (alias == 1 || alias == 4) { /* c a transposed view of a contiguous (n, m) buffer */
    int64_t ts[2] = {n, m};
    tg_array *base = filled(dt, 2, ts);
    c = tg_array_transpose(base);
    tg_array_unref(base);
  } else if (alias == 5) { /* c a bias row (n,), broadcast over the m rows */
    c = filled(dt, 1, &n);
  } else {
    c = filled(dt, ond, os);
  }
  tg_array *c0 = tg_array_copy(c);
  tg_array *a0 = tg_array_copy(a);
  tg_graph *g = tg_graph_new();
  tg_var *va = a->ndim == 2 ? tg_matrix(g, "a", dt) : tg_vector(g, "a", dt);
  tg_var *vb = b->ndim == 2 ? tg_matrix(g, "b", dt) : tg_vector(g, "b", dt);
  tg_var *vc = c->ndim == 2 ? tg_matrix(g, "c", dt) : tg_vector(g, "c", dt);
  tg_var *y = tgi_gemm_build(alpha, va, vb, beta, vc);
  CHECK(y != NULL);
  if (!y) return;
  const tg_op *op = y->owner->op;
  /* alias 0, 1: out is c itself (1: c transposed); 2: out is a (square a and c of one
     shape); 3, 4, 5: none given (a fresh output, c only read; 4: c transposed, 5: c a
     broadcast row) */
  tg_array *dst = alias == 2 ? a : alias >= 3 ? NULL : c;
  tg_array *ins[3] = {c, a, b}, *outs[1] = {dst};
  tgi_err err = {0};
  CHECK_STATUS(op->cls->perform(op, 3, ins, 1, outs, &err), TG_OK);
  CHECK(alias >= 3 ? outs[0] && outs[0] != c : outs[0] == dst);
  if (!outs[0]) return;
  if (alias >= 3) {
    dst = outs[0];
    CHECK(tg_array_allclose(c, c0, 0, 0, false)); /* c untouched */
  }
  double tol = dt == TG_FLOAT32 ? 1e-5 : 1e-13, worst = 0;
  for (int64_t i = 0; i < (amode == 1 ? 1 : m); i++)
    for (int64_t j = 0; j < n && (amode != 2 || j == 0); j++) {
      long double s = 0;
      for (int64_t p = 0; p < k; p++) {
        long double av = amode == 1 ? at(a0, 0, p, false) : at(a0, i, p, false);
        long double bv = amode == 2 ? at(b, p, 0, true) : at(b, p, j, false);
        s += av * bv;
      }
      long double want = alpha * s + beta * at(c0, i, j, amode == 2);
      double d = (double)fabsl(at(dst, i, j, amode == 2) - want) / (1 + (double)fabsl(want));
      if (d > worst) worst = d;
    }
  CHECK(worst <= tol * (double)k);
  if (worst > tol * (double)k)
    printf("  dt %s m %lld k %lld n %lld amode %d alias %d: rel error %g\n", tg_dtype_name(dt),
           (long long)m, (long long)k, (long long)n, amode, alias, worst);
  tg_graph_free(g);
  if (alias >= 3) tg_array_unref(dst);
  tg_array *all[] = {a, b, c, c0, a0};
  for (int i = 0; i < 5; i++) tg_array_unref(all[i]);
}

TEST(gemm_output_is_c) {
  const tg_dtype dts[2] = {TG_FLOAT32, TG_FLOAT64};
  const double ab[][2] = {{1, 1}, {-0.5, 2}, {3, 0}, {1, -1}};
  for (int t = 0; t < 2; t++)
    for (int q = 0; q < 4; q++) {
      check_case(dts[t], 37, 19, 23, 0, ab[q][0], ab[q][1], 0);
      check_case(dts[t], 64, 64, 64, 0, ab[q][0], ab[q][1], 0);
      check_case(dts[t], 1, 7, 5, 0, ab[q][0], ab[q][1], 0);
      check_case(dts[t], 6, 7, 1, 0, ab[q][0], ab[q][1], 0);
    }
}

TEST(gemv_output_is_c) {
  const tg_dtype dts[2] = {TG_FLOAT32, TG_FLOAT64};
  for (int t = 0; t < 2; t++) {
    check_case(dts[t], 1, 33, 17, 1, 1.0, 1.0, 0);  /* x . B + y */
    check_case(dts[t], 1, 33, 17, 1, -2.0, 0.5, 0);
    check_case(dts[t], 29, 31, 1, 2, 1.0, 1.0, 0);  /* A . x + y */
    check_case(dts[t], 29, 31, 1, 2, 0.25, -3.0, 0);
  }
}

TEST(gemm_output_is_transposed_c) {
  check_case(TG_FLOAT64, 12, 9, 15, 0, 1.5, -1, 1);
  check_case(TG_FLOAT32, 12, 9, 15, 0, 1, 1, 1);
}

TEST(gemm_fresh_output) {
  /* the usual call: c broadcast (a bias row), copied into the output, then BLAS with beta */
  const tg_dtype dts[2] = {TG_FLOAT32, TG_FLOAT64};
  for (int t = 0; t < 2; t++) {
    check_case(dts[t], 37, 19, 23, 0, 1, 1, 3);
    check_case(dts[t], 37, 19, 23, 0, -0.5, 2, 3);
    check_case(dts[t], 1, 33, 17, 1, 1, 1, 3);
    check_case(dts[t], 29, 31, 1, 2, 0.25, -3, 3);
    check_case(dts[t], 12, 9, 15, 0, 1.5, -1, 4);
    check_case(dts[t], 12, 9, 15, 0, 1, 1, 5);
    check_case(dts[t], 12, 9, 15, 0, 2, 0.5, 5);
  }
}

TEST(gemm_output_overlaps_a) {
  /* the output is a's buffer: the product must read a before it is overwritten */
  check_case(TG_FLOAT64, 16, 16, 16, 0, 1, 1, 2);
  check_case(TG_FLOAT32, 16, 16, 16, 0, -1, 0.5, 2);
}

/* The fill of c into a fresh output before the BLAS call, for each way rows can lie:
   a Gemv's vector c contiguous or strided (every other element), a matrix c dense,
   transposed, strided by rows, or a broadcast bias row; values against a hand product. */
TEST(gemm_fill_layouts) {
  enum { M = 37, K = 23, N = 29 };
  double av[M * K], bv[K * N], xv[K];
  for (int i = 0; i < M * K; i++) av[i] = (double)(i % 9) - 4;
  for (int i = 0; i < K * N; i++) bv[i] = 0.25 * (double)(i % 7);
  for (int i = 0; i < K; i++) xv[i] = (double)(i % 5) - 2;
  tg_array *A = tg_array_from_f64(2, (int64_t[]){M, K}, av);
  tg_array *B = tg_array_from_f64(2, (int64_t[]){K, N}, bv);
  tg_array *X = tg_array_from_f64(1, (int64_t[]){K}, xv);
  tg_array *big = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){2 * M, 2 * N});
  for (int64_t i = 0; i < 4 * M * N; i++) tg_array_set_f64(big, i, 0.001 * (double)i);
  tg_array *rows2 = tg_array_slice(big, 0, 0, 2 * M, 2);  /* (M, 2N), every other row */
  tg_array *cm = tg_array_slice(rows2, 1, 0, N, 1);       /* (M, N), rows 4N apart */
  tg_array *ct_base = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){N, M});
  for (int64_t i = 0; i < N * M; i++) tg_array_set_f64(ct_base, i, 0.5 * (double)(i % 13));
  tg_array *ct = tg_array_transpose(ct_base);             /* (M, N), transposed */
  tg_array *cvec = tg_array_view(big, 1, (int64_t[]){M}, (int64_t[]){16}, 0); /* big.flat[::2] */
  tg_array *crow = tg_array_from_f64(2, (int64_t[]){1, N}, bv);
  CHECK(rows2 && cm && ct && cvec && crow);
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *c = tg_matrix(g, "c", TG_FLOAT64);
  tg_var *r = tg_row(g, "r", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64);
  tg_var *ym = tg_add(tg_mul(tg_dot(a, b), tg_const_f64(g, 0.5)), tg_mul(c, tg_const_f64(g, 2)));
  tg_var *yr = tg_add(tg_dot(a, b), r);
  tg_var *yv = tg_add(tg_mul(tg_dot(a, x), tg_const_f64(g, 0.5)), tg_mul(v, tg_const_f64(g, 2)));
  tg_function *fm = tg_function_new(g, TG_VARS(a, b, c), TG_VARS(ym), NULL);
  tg_function *fr = tg_function_new(g, TG_VARS(a, b, r), TG_VARS(yr), NULL);
  tg_function *fv = tg_function_new(g, TG_VARS(a, x, v), TG_VARS(yv), NULL);
  CHECK(fm && fr && fv);
  tg_array *cs[3] = {cm, ct, NULL};
  for (int k = 0; fm && k < 3; k++) {
    tg_array *cc = cs[k] ? cs[k] : tg_array_copy(cm), *out = NULL; /* the last: dense */
    CHECK_STATUS(tg_function_call(fm, (tg_array *[]){A, B, cc}, &out), TG_OK);
    for (int i = 0; out && i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int q = 0; q < K; q++) s += av[i * K + q] * bv[q * N + j];
        CHECK_CLOSE(tg_array_get_f64(out, i * N + j), 0.5 * s + 2 * at(cc, i, j, false), 1e-12, 1e-12);
      }
    tg_array_unref(out);
    if (!cs[k]) tg_array_unref(cc);
  }
  tg_array *out = NULL;
  if (fr) CHECK_STATUS(tg_function_call(fr, (tg_array *[]){A, B, crow}, &out), TG_OK);
  for (int i = 0; out && i < M; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int q = 0; q < K; q++) s += av[i * K + q] * bv[q * N + j];
      CHECK_CLOSE(tg_array_get_f64(out, i * N + j), s + bv[j], 1e-12, 1e-12);
    }
  tg_array_unref(out);
  for (int k = 0; fv && k < 2; k++) {
    tg_array *vv = k ? cvec : tg_array_copy(cvec);
    out = NULL;
    CHECK_STATUS(tg_function_call(fv, (tg_array *[]){A, X, vv}, &out), TG_OK);
    for (int i = 0; out && i < M; i++) {
      double s = 0;
      for (int q = 0; q < K; q++) s += av[i * K + q] * xv[q];
      CHECK_CLOSE(tg_array_get_f64(out, i), 0.5 * s + 2 * 0.001 * (double)(2 * i), 1e-12, 1e-12);
    }
    tg_array_unref(out);
    if (!k) tg_array_unref(vv);
  }
  tg_function_free(fm);
  tg_function_free(fr);
  tg_function_free(fv);
  tg_graph_free(g);
  tg_array *all[] = {A, B, X, big, rows2, cm, ct_base, ct, cvec, crow};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) tg_array_unref(all[i]);
}

/* A c of a megabyte or more is copied into the output by the pool's threads, in chunks
   that need not fall on element boundaries: every element still arrives whole. */
TEST(gemm_fill_large_c) {
  enum { M = 515, K = 3, N = 509 }; /* 2 MB of c, odd sizes */
  tg_array *A = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){M, K});
  tg_array *B = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){K, N});
  tg_array *C = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){M, N});
  for (int64_t i = 0; i < M * K; i++) tg_array_set_f64(A, i, (double)(i % 5) - 2);
  for (int64_t i = 0; i < K * N; i++) tg_array_set_f64(B, i, 0.5 * (double)(i % 3));
  for (int64_t i = 0; i < M * N; i++) tg_array_set_f64(C, i, 1e-3 * (double)i);
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64);
  tg_var *y = tg_add(tg_mul(tg_dot(a, b), tg_const_f64(g, 0.5)), tg_mul(c, tg_const_f64(g, 2)));
  tg_function *f = tg_function_new(g, TG_VARS(a, b, c), TG_VARS(y), NULL);
  CHECK(f != NULL);
  tg_array *out = NULL;
  if (f) CHECK_STATUS(tg_function_call(f, (tg_array *[]){A, B, C}, &out), TG_OK);
  int64_t bad = -1;
  for (int64_t i = 0; out && i < M && bad < 0; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int q = 0; q < K; q++)
        s += tg_array_get_f64(A, i * K + q) * tg_array_get_f64(B, q * N + j);
      double want = 0.5 * s + 2e-3 * (double)(i * N + j);
      if (fabs(tg_array_get_f64(out, i * N + j) - want) > 1e-9 * (1 + fabs(want))) {
        bad = i * N + j;
        break;
      }
    }
  if (bad >= 0) TH_FAIL("element %lld is wrong", (long long)bad);
  tg_array_unref(out);
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(A);
  tg_array_unref(B);
  tg_array_unref(C);
}
