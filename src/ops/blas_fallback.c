/* blas_fallback.c: the built-in matrix product used when the library is built without BLAS
   (-DTGRAPH_BLAS=OFF), and by the tests as a second opinion in BLAS builds. It is the
   GotoBLAS loop structure in plain C: blocks of B (KC x NC) and A (MC x KC) are packed into
   contiguous panels (the packing absorbs every stride, transposed, negative or zero), and a
   fixed-size MR x NR micro-kernel with its accumulators in registers runs over the panels.
   The fixed-size inner loops are what the compiler vectorises. */
#include "blas.h"

enum { MR = 4, NR = 8, MC = 128, KC = 256, NC = 512 };

size_t tgi_fallback_scratch(tg_dtype dt) {
  return ((size_t)MC * KC + (size_t)KC * NC) * tg_dtype_size(dt);
}

#if defined(__GNUC__) && !defined(__clang__)
#define FB_VECTORISE __attribute__((optimize("tree-vectorize")))
#else
#define FB_VECTORISE
#endif

/* One instance per element type T: pack_a, pack_b, the micro-kernel and the driver. */
#define FB_DEFINE(T, SFX)                                                                     \
  /* A[i0:i0+mc, p0:p0+kc] into MR-row panels: ap[(i/MR)*kc*MR + p*MR + i%MR], zero-padded */ \
  static void pack_a_##SFX(T *ap, const char *a, int64_t ars, int64_t acs, int64_t mc,       \
                           int64_t kc) {                                                      \
    for (int64_t i0 = 0; i0 < mc; i0 += MR)                                                   \
      for (int64_t p = 0; p < kc; p++)                                                        \
        for (int64_t r = 0; r < MR; r++, ap++)                                                \
          *ap = i0 + r < mc ? *(const T *)(a + (i0 + r) * ars + p * acs) : (T)0;              \
  }                                                                                           \
  /* B[p0:p0+kc, j0:j0+nc] into NR-column panels: bp[(j/NR)*kc*NR + p*NR + j%NR] */           \
  static void pack_b_##SFX(T *bp, const char *b, int64_t brs, int64_t bcs, int64_t kc,       \
                           int64_t nc) {                                                      \
    for (int64_t j0 = 0; j0 < nc; j0 += NR)                                                   \
      for (int64_t p = 0; p < kc; p++)                                                        \
        for (int64_t s = 0; s < NR; s++, bp++)                                                \
          *bp = j0 + s < nc ? *(const T *)(b + p * brs + (j0 + s) * bcs) : (T)0;              \
  }                                                                                           \
  /* C[mr x nr block] (=|+=) A panel x B panel over kc */                                     \
  FB_VECTORISE static void kernel_##SFX(int64_t kc, const T *restrict ap,                     \
                                        const T *restrict bp, char *c, int64_t crs,           \
                                        int64_t ccs, int64_t mr, int64_t nr, int add) {       \
    T acc[MR][NR];                                                                            \
    for (int r = 0; r < MR; r++)                                                              \
      for (int s = 0; s < NR; s++) acc[r][s] = 0;                                             \
    for (int64_t p = 0; p < kc; p++, ap += MR, bp += NR)                                      \
      for (int r = 0; r < MR; r++)                                                            \
        for (int s = 0; s < NR; s++) acc[r][s] += ap[r] * bp[s];                              \
    for (int64_t r = 0; r < mr; r++)                                                          \
      for (int64_t s = 0; s < nr; s++) {                                                      \
        T *cij = (T *)(c + r * crs + s * ccs);                                                \
        *cij = add ? *cij + acc[r][s] : acc[r][s];                                            \
      }                                                                                       \
  }                                                                                           \
  static void gemm_##SFX(int64_t m, int64_t n, int64_t k, const char *a, int64_t ars,        \
                         int64_t acs, const char *b, int64_t brs, int64_t bcs, char *c,       \
                         int64_t crs, int64_t ccs, T *ap, T *bp) {                            \
    for (int64_t j0 = 0; j0 < n; j0 += NC) {                                                  \
      int64_t nc = n - j0 < NC ? n - j0 : NC;                                                 \
      for (int64_t p0 = 0; p0 < k; p0 += KC) {                                                \
        int64_t kc = k - p0 < KC ? k - p0 : KC;                                               \
        pack_b_##SFX(bp, b + p0 * brs + j0 * bcs, brs, bcs, kc, nc);                          \
        for (int64_t i0 = 0; i0 < m; i0 += MC) {                                              \
          int64_t mc = m - i0 < MC ? m - i0 : MC;                                             \
          pack_a_##SFX(ap, a + i0 * ars + p0 * acs, ars, acs, mc, kc);                        \
          for (int64_t jr = 0; jr < nc; jr += NR)                                             \
            for (int64_t ir = 0; ir < mc; ir += MR)                                           \
              kernel_##SFX(kc, ap + ir * kc, bp + jr * kc,                                    \
                           c + (i0 + ir) * crs + (j0 + jr) * ccs, crs, ccs,                   \
                           mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR, p0 > 0); \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

FB_DEFINE(float, f32)
FB_DEFINE(double, f64)

void tgi_fallback_gemm(tg_dtype dt, int64_t m, int64_t n, int64_t k, const char *a, int64_t ars,
                       int64_t acs, const char *b, int64_t brs, int64_t bcs, char *c, int64_t crs,
                       int64_t ccs, void *scratch) {
  if (m <= 0 || n <= 0) return;
  size_t esz = tg_dtype_size(dt);
  if (k <= 0) { /* an empty sum: zeros */
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) memset(c + i * crs + j * ccs, 0, esz);
    return;
  }
  if (dt == TG_FLOAT32) {
    float *ap = scratch, *bp = ap + (size_t)MC * KC;
    gemm_f32(m, n, k, a, ars, acs, b, brs, bcs, c, crs, ccs, ap, bp);
  } else {
    double *ap = scratch, *bp = ap + (size_t)MC * KC;
    gemm_f64(m, n, k, a, ars, acs, b, brs, bcs, c, crs, ccs, ap, bp);
  }
}
