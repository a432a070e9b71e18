/* blas.c: tgi_gemm, the matrix product behind every dot-like op. With TGRAPH_HAVE_BLAS it
   calls CBLAS (OpenBLAS): ?dot for 1 x 1 results, ?gemv when one side is a vector, ?ger
   for rank-1 products, ?gemm otherwise. An operand goes to BLAS as it is when its strides
   are a row-major or column-major layout with a valid leading dimension (so transposed
   views cost no copy); vectors may have any non-zero stride, negative included. Anything
   else is first copied into a contiguous temporary. Without BLAS, and for the tests, the
   built-in kernel of blas_fallback.c does the work. */
#include <limits.h>

#include "blas.h"

#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>

#include "../backend/cpu/pool.h" /* BLAS threads sized to the pool */
#endif

const char *tgi_blas_name(void) {
#ifdef TGRAPH_HAVE_BLAS
  return "openblas (cblas)";
#else
  return "built-in";
#endif
}

/* Zero every element of a strided matrix. */
static void mat_zero(const tgi_mat *c, size_t esz) {
  for (int64_t i = 0; i < c->rows; i++) {
    char *row = c->p + i * c->rs;
    if (c->cs == (int64_t)esz) memset(row, 0, (size_t)c->cols * esz);
    else
      for (int64_t j = 0; j < c->cols; j++) memset(row + j * c->cs, 0, esz);
  }
}

/* Plain loops for tiny products, where packing would cost more than it saves. */
#define SMALL_DEFINE(T, SFX)                                                        \
  static void small_##SFX(const tgi_mat *a, const tgi_mat *b, const tgi_mat *c) {  \
    for (int64_t i = 0; i < c->rows; i++)                                           \
      for (int64_t j = 0; j < c->cols; j++) {                                       \
        T s = 0;                                                                    \
        for (int64_t p = 0; p < a->cols; p++)                                       \
          s += *(const T *)(a->p + i * a->rs + p * a->cs) *                         \
               *(const T *)(b->p + p * b->rs + j * b->cs);                          \
        *(T *)(c->p + i * c->rs + j * c->cs) = s;                                   \
      }                                                                             \
  }
SMALL_DEFINE(float, f32)
SMALL_DEFINE(double, f64)

tg_status tgi_gemm_builtin(tg_dtype dt, const tgi_mat *a, const tgi_mat *b, const tgi_mat *c,
                           tgi_err *err, const char *op) {
  int64_t m = c->rows, n = c->cols, k = a->cols;
  if (m == 0 || n == 0) return TG_OK;
  if (m == 1 || n == 1 || (m < 64 && n < 64 && k < 64 && m * n * k < 32768)) {
    if (dt == TG_FLOAT32) small_f32(a, b, c);
    else small_f64(a, b, c);
    return TG_OK;
  }
  void *scratch = tgi_malloc(tgi_fallback_scratch(dt));
  if (!scratch) return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory for the matrix product", op);
  tgi_fallback_gemm(dt, m, n, k, a->p, a->rs, a->cs, b->p, b->rs, b->cs, c->p, c->rs, c->cs,
                    scratch);
  tgi_free(scratch);
  return TG_OK;
}

#ifdef TGRAPH_HAVE_BLAS

/* Copy src's elements into dst (same shape, strided both). */
static void mat_copy(const tgi_mat *dst, const tgi_mat *src, size_t esz) {
  for (int64_t i = 0; i < src->rows; i++)
    for (int64_t j = 0; j < src->cols; j++)
      memcpy(dst->p + i * dst->rs + j * dst->cs, src->p + i * src->rs + j * src->cs, esz);
}

/* How BLAS can read a matrix in place: row-major (trans = false: element (i, j) at
   p[i * ld + j]) or column-major (trans = true: at p[i + j * ld]). Strides along a dim of
   length 1 do not matter. False when neither fits (gaps, zero or negative strides). */
static bool blas_layout(const tgi_mat *m, size_t esz, bool *trans, int *ld) {
  if (m->rows > INT_MAX || m->cols > INT_MAX || (uintptr_t)m->p % esz) return false;
  if (m->rs % (int64_t)esz || m->cs % (int64_t)esz) return false;
  int64_t r = m->rs / (int64_t)esz, c = m->cs / (int64_t)esz;
  int64_t cols1 = m->cols > 1 ? m->cols : 1, rows1 = m->rows > 1 ? m->rows : 1;
  int64_t l;
  if ((m->cols <= 1 || c == 1) && (m->rows <= 1 || r >= cols1)) {
    *trans = false;
    l = m->rows <= 1 ? cols1 : r;
  } else if ((m->rows <= 1 || r == 1) && (m->cols <= 1 || c >= rows1)) {
    *trans = true;
    l = m->cols <= 1 ? rows1 : c;
  } else return false;
  if (l > INT_MAX) return false;
  *ld = (int)l;
  return true;
}

/* A vector of n elements, stride s bytes, for BLAS: the increment and the pointer BLAS
   expects (the lowest address when the increment is negative). */
static bool blas_vec(char *p, int64_t n, int64_t s, size_t esz, char **bp, int *inc) {
  if (n > INT_MAX || (uintptr_t)p % esz || s % (int64_t)esz) return false;
  int64_t i = n <= 1 ? 1 : s / (int64_t)esz;
  if (i == 0 || i > INT_MAX || i < -INT_MAX) return false;
  *inc = (int)i;
  *bp = i < 0 ? p + (n - 1) * s : p;
  return true;
}

/* Make *m readable by BLAS, copying it into tmp (room for rows * cols elements, row-major)
   when its layout is not. */
static void ensure_layout(tgi_mat *m, char *tmp, size_t esz, bool *trans, int *ld) {
  if (blas_layout(m, esz, trans, ld)) return;
  tgi_mat t = {tmp, m->rows, m->cols, m->cols * (int64_t)esz, (int64_t)esz};
  mat_copy(&t, m, esz);
  *m = t;
  blas_layout(m, esz, trans, ld);
}

static tg_status blas_gemm(tg_dtype dt, const tgi_mat *a0, const tgi_mat *b0, const tgi_mat *c0,
                           tgi_err *err, const char *op) {
  size_t esz = tg_dtype_size(dt);
  bool f32 = dt == TG_FLOAT32;
  int64_t m = c0->rows, n = c0->cols, k = a0->cols;
  tgi_mat a = *a0, b = *b0, c = *c0;
  bool ta, tb, tc;
  tgi_blas_threads_coordinate(); /* once per process */
  int lda, ldb, ldc;
  char *xp, *yp;
  int incx, incy;

  if (m == 1 && n == 1 && blas_vec(a.p, k, a.cs, esz, &xp, &incx) &&
      blas_vec(b.p, k, b.rs, esz, &yp, &incy)) {
    if (f32) *(float *)c.p = cblas_sdot((int)k, (float *)xp, incx, (float *)yp, incy);
    else *(double *)c.p = cblas_ddot((int)k, (double *)xp, incx, (double *)yp, incy);
    return TG_OK;
  }
  if (n == 1 && blas_layout(&a, esz, &ta, &lda) && blas_vec(b.p, k, b.rs, esz, &xp, &incx) &&
      blas_vec(c.p, m, c.rs, esz, &yp, &incy)) { /* y = A x */
    mat_zero(&c, esz); /* beta = 0 must not meet NaN garbage in a fresh output */
    int rows = (int)(ta ? k : m), cols = (int)(ta ? m : k);
    CBLAS_TRANSPOSE t = ta ? CblasTrans : CblasNoTrans;
    if (f32) cblas_sgemv(CblasRowMajor, t, rows, cols, 1.0f, (float *)a.p, lda, (float *)xp, incx, 0.0f, (float *)yp, incy);
    else cblas_dgemv(CblasRowMajor, t, rows, cols, 1.0, (double *)a.p, lda, (double *)xp, incx, 0.0, (double *)yp, incy);
    return TG_OK;
  }
  if (m == 1 && blas_layout(&b, esz, &tb, &ldb) && blas_vec(a.p, k, a.cs, esz, &xp, &incx) &&
      blas_vec(c.p, n, c.cs, esz, &yp, &incy)) { /* y = B^T x */
    mat_zero(&c, esz);
    int rows = (int)(tb ? n : k), cols = (int)(tb ? k : n);
    CBLAS_TRANSPOSE t = tb ? CblasNoTrans : CblasTrans;
    if (f32) cblas_sgemv(CblasRowMajor, t, rows, cols, 1.0f, (float *)b.p, ldb, (float *)xp, incx, 0.0f, (float *)yp, incy);
    else cblas_dgemv(CblasRowMajor, t, rows, cols, 1.0, (double *)b.p, ldb, (double *)xp, incx, 0.0, (double *)yp, incy);
    return TG_OK;
  }
  if (k == 1 && blas_layout(&c, esz, &tc, &ldc) && blas_vec(a.p, m, a.rs, esz, &xp, &incx) &&
      blas_vec(b.p, n, b.cs, esz, &yp, &incy)) { /* C = x y^T */
    mat_zero(&c, esz);
    CBLAS_ORDER o = tc ? CblasColMajor : CblasRowMajor;
    if (f32) cblas_sger(o, (int)m, (int)n, 1.0f, (float *)xp, incx, (float *)yp, incy, (float *)c.p, ldc);
    else cblas_dger(o, (int)m, (int)n, 1.0, (double *)xp, incx, (double *)yp, incy, (double *)c.p, ldc);
    return TG_OK;
  }

  /* gemm, copying what BLAS cannot read in place */
  bool ok_a = blas_layout(&a, esz, &ta, &lda), ok_b = blas_layout(&b, esz, &tb, &ldb);
  bool ok_c = blas_layout(&c, esz, &tc, &ldc);
  size_t need = 0, sa = (size_t)(m * k) * esz, sb = (size_t)(k * n) * esz;
  if (!ok_a) need += sa;
  if (!ok_b) need += sb;
  if (!ok_c) need += (size_t)(m * n) * esz;
  char *tmp = NULL;
  if (need && !(tmp = tgi_malloc(need)))
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory for a temporary copy", op);
  char *t = tmp;
  if (!ok_a) ensure_layout(&a, t, esz, &ta, &lda), t += sa;
  if (!ok_b) ensure_layout(&b, t, esz, &tb, &ldb), t += sb;
  if (!ok_c) c = (tgi_mat){t, m, n, n * (int64_t)esz, (int64_t)esz}, tc = false, ldc = (int)(n > 1 ? n : 1);
  /* In C's own order an operand of the other order is read transposed. */
  CBLAS_ORDER o = tc ? CblasColMajor : CblasRowMajor;
  CBLAS_TRANSPOSE fa = ta != tc ? CblasTrans : CblasNoTrans;
  CBLAS_TRANSPOSE fb = tb != tc ? CblasTrans : CblasNoTrans;
  if (f32)
    cblas_sgemm(o, fa, fb, (int)m, (int)n, (int)k, 1.0f, (float *)a.p, lda, (float *)b.p, ldb, 0.0f, (float *)c.p, ldc);
  else
    cblas_dgemm(o, fa, fb, (int)m, (int)n, (int)k, 1.0, (double *)a.p, lda, (double *)b.p, ldb, 0.0, (double *)c.p, ldc);
  if (!ok_c) mat_copy(c0, &c, esz);
  tgi_free(tmp);
  return TG_OK;
}
#endif

tg_status tgi_gemm(tg_dtype dt, const tgi_mat *a, const tgi_mat *b, const tgi_mat *c,
                   tgi_err *err, const char *op) {
  size_t esz = tg_dtype_size(dt);
  if (c->rows == 0 || c->cols == 0) return TG_OK;
  if (a->cols == 0) { /* an empty sum */
    mat_zero(c, esz);
    return TG_OK;
  }
#ifdef TGRAPH_HAVE_BLAS
  if (c->rows <= INT_MAX && c->cols <= INT_MAX && a->cols <= INT_MAX)
    return blas_gemm(dt, a, b, c, err, op);
#endif
  return tgi_gemm_builtin(dt, a, b, c, err, op);
}
