/* blas.h: the one internal interface to matrix products. tgi_gemm computes C = A B on
   strided float32/float64 matrices through CBLAS when the library is built with BLAS
   (TGRAPH_HAVE_BLAS) and through the built-in blocked kernel (blas_fallback.c) otherwise;
   it takes any byte strides, passing BLAS-compatible layouts straight through and copying
   the rest. Never installed. */
#ifndef TG_BLAS_H
#define TG_BLAS_H

#include "../core/core.h"

/* A strided 2-D view: element (i, j) is at p + i * rs + j * cs (byte strides, any sign). */
typedef struct tgi_mat {
  char *p;
  int64_t rows, cols;
  int64_t rs, cs;
} tgi_mat;

/* C = A B (C's old contents ignored) for dtype dt (float32 or float64; A, B, C all of dt).
   a is M x K, b is K x N, c is M x N. Returns TG_OK or TG_ERR_NOMEM (message names op). */
tg_status tgi_gemm(tg_dtype dt, const tgi_mat *a, const tgi_mat *b, const tgi_mat *c,
                   tgi_err *err, const char *op);
/* The same product always through the built-in kernel (the fallback; tests compare). */
tg_status tgi_gemm_builtin(tg_dtype dt, const tgi_mat *a, const tgi_mat *b, const tgi_mat *c,
                           tgi_err *err, const char *op);
/* Built-in kernel on byte strides of any sign (blas_fallback.c): C = A B with A m x k,
   B k x n, C written in full. scratch must hold tgi_fallback_scratch(dt) bytes. */
void tgi_fallback_gemm(tg_dtype dt, int64_t m, int64_t n, int64_t k, const char *a, int64_t ars,
                       int64_t acs, const char *b, int64_t brs, int64_t bcs, char *c, int64_t crs,
                       int64_t ccs, void *scratch);
/* Bytes of scratch tgi_fallback_gemm needs. */
size_t tgi_fallback_scratch(tg_dtype dt);
/* "openblas (cblas)" or "built-in": what tgi_gemm uses, for messages and benchmarks. */
const char *tgi_blas_name(void);

#endif
