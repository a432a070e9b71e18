/* test_linalg_alloc.c: memory behaviour of the linear algebra kernels, through a counting
   allocator (tg_set_allocator). (1) In a BLAS build, transposed, column-major and padded
   operands and outputs reach BLAS without a copy: a product into a caller's output makes no
   allocation at all, while an operand with gaps is copied. (2) The allocation-failure sweep:
   each call is run once to count its allocations (N), then with allocation k failing,
   k = 1..N; every run must return TG_ERR_NOMEM and free everything. */
#include "linalg_check.h"
#include "ops/blas.h"

static struct {
  long count, fail_at, live;
  int armed;
} C;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
  if (nsize == 0) {
    if (h) C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) return NULL;
  size_t *n = realloc(h, 2 * sizeof(size_t) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  return n + 2;
}

static tg_array *tview(tg_array *a) { /* transpose, dropping the caller's reference to a */
  tg_array *t = tg_array_transpose(a);
  tg_array_unref(a);
  return t;
}

TEST(blas_reads_transposed_operands_in_place) {
  bool blas = strcmp(tgi_blas_name(), "built-in") != 0;
  tg_set_allocator(count_alloc, NULL);
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_dot(A, B)), NULL);
  tg_array *a = tview(la_random(TG_FLOAT64, 2, (int64_t[]){60, 40})); /* 40 x 60, col-major */
  tg_array *bp = la_random(TG_FLOAT64, 2, (int64_t[]){60, 64});
  tg_array *b = tg_array_slice(bp, 1, 0, 50, 1); /* 60 x 50 with padded rows */
  tg_array *c = tview(tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){50, 40})); /* col-major out */
  C.count = 0, C.armed = 1;
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, b}, &c), TG_OK);
  C.armed = 0;
  CHECK(la_matmul_ok(a, b, c, 1e-13));
  if (blas) CHECK(C.count == 0);
  else CHECK(C.count == 1); /* the built-in kernel's packing buffer */
  long plain = C.count;
  tg_array *gap = tg_array_slice(bp, 1, 0, 64, 2); /* 60 x 32 with gaps: copied */
  tg_array *c2 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){40, 32});
  C.count = 0, C.armed = 1;
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, gap}, &c2), TG_OK);
  C.armed = 0;
  CHECK(la_matmul_ok(a, gap, c2, 1e-13));
  if (blas) CHECK(C.count > plain);
  tg_array_unref(a), tg_array_unref(b), tg_array_unref(bp), tg_array_unref(c);
  tg_array_unref(gap), tg_array_unref(c2);
  tg_function_free(f);
  tg_graph_free(g);
  tg_set_allocator(NULL, NULL);
}

/* Sweep one compiled call: every failing allocation gives TG_ERR_NOMEM and leaks nothing. */
static void sweep(tg_graph *g, int n_in, tg_var *const *ins, int n_out, tg_var *const *outs,
                  tg_array *const *arrays, const char *what) {
  tg_function *f = tg_function_new(g, n_in, ins, n_out, outs, NULL);
  CHECK(f != NULL);
  if (!f) return;
  tg_array *res[4] = {0};
  long base = C.live;
  C.count = 0, C.fail_at = 0, C.armed = 1;
  CHECK_STATUS(tg_function_call(f, arrays, res), TG_OK);
  C.armed = 0;
  if (tg_function_error(f)[0]) fprintf(stderr, "%s: %s\n", what, tg_function_error(f));
  long n = C.count;
  for (int i = 0; i < n_out; i++) tg_array_unref(res[i]), res[i] = NULL;
  CHECK(C.live == base);
  CHECK(n > 0);
  for (long k = 1; k <= n; k++) {
    C.count = 0, C.fail_at = k, C.armed = 1;
    tg_status st = tg_function_call(f, arrays, res);
    C.armed = 0, C.fail_at = 0;
    if (st != TG_ERR_NOMEM) fprintf(stderr, "%s: failing allocation %ld of %ld gave %s\n", what, k, n, tg_status_name(st));
    CHECK(st == TG_ERR_NOMEM);
    for (int i = 0; i < n_out; i++) tg_array_unref(res[i]), res[i] = NULL;
    CHECK(C.live == base);
  }
  tg_function_free(f);
}

TEST(allocation_failure_sweep) {
  tg_set_allocator(count_alloc, NULL);
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT32), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *X = tg_tensor3(g, "X", TG_FLOAT64), *I = tg_matrix(g, "I", TG_INT32);
  tg_array *a = tview(la_random(TG_FLOAT32, 2, (int64_t[]){70, 90}));
  tg_array *bp = la_random(TG_FLOAT64, 2, (int64_t[]){70, 140});
  tg_array *b = tg_array_slice(bp, 1, 0, 140, 2); /* gaps: copied */
  tg_array *x = la_random(TG_FLOAT64, 3, (int64_t[]){2, 5, 5});
  for (int i = 0; i < 10; i++) tg_array_set_f64(x, i * 5 + i % 5, 20); /* dominant diagonal: SPD lower part */
  tg_array *ia = la_random(TG_INT32, 2, (int64_t[]){4, 3});
  sweep(g, TG_VARS(A, B), TG_VARS(tg_dot(A, B)), (tg_array *[]){a, b}, "dot");
  sweep(g, TG_VARS(A, B), TG_VARS(tg_outer(A, B)), (tg_array *[]){a, b}, "outer");
  sweep(g, TG_VARS(X), TG_VARS(tg_matmul(X, X), tg_batched_dot(X, X)), (tg_array *[]){x}, "matmul");
  tg_var *la = NULL, *sg = tg_slogdet(X, &la), *v = NULL, *w = tg_eigh(X, true, &v);
  sweep(g, TG_VARS(X), TG_VARS(tg_inv(X), sg, la, tg_det(X)), (tg_array *[]){x}, "inv/det");
  sweep(g, TG_VARS(X), TG_VARS(w, v, tg_cholesky(X, true)), (tg_array *[]){x}, "eigh");
  tg_var *u = NULL, *vt = NULL, *s = tg_svd(I, true, &u, &vt), *q = NULL, *r = tg_qr(I, TG_QR_COMPLETE, &q);
  sweep(g, TG_VARS(I), TG_VARS(s, u, vt, tg_pinv(I)), (tg_array *[]){ia}, "svd");
  sweep(g, TG_VARS(I), TG_VARS(r, q, tg_norm_nuc(I, 0, NULL, false), tg_norm(I, 2, 1, (int[]){0}, true)), (tg_array *[]){ia}, "qr/norm");
  tg_var *Y = tg_tensor3(g, "Y", TG_FLOAT32);
  tg_array *y = la_random(TG_FLOAT32, 3, (int64_t[]){2, 5, 3});
  sweep(g, TG_VARS(X, Y), TG_VARS(tg_solve(X, Y), tg_tensordot(X, Y, 2, (int[]){2, 0}, (int[]){1, 0})),
        (tg_array *[]){x, y}, "solve/tensordot");
  tg_array_unref(y);
  tg_array_unref(a), tg_array_unref(b), tg_array_unref(bp), tg_array_unref(x), tg_array_unref(ia);
  tg_graph_free(g);
  tg_set_allocator(NULL, NULL);
}
