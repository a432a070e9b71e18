/* w2_ref.c: the hand-written limit for W2 (a*b + exp(c) - tanh(a)*0.5 over float32),
   compiled by CMakeLists.txt with -O3 -march=native -ffast-math and, when available,
   -fopenmp, on the same number of threads as tgraph's pool. */
#include <math.h>
#include <stdint.h>
#ifdef TG_BENCH_OPENMP
#include <omp.h>
#endif

void w2_ref(int64_t n, const float *a, const float *b, const float *c, float *y, int threads);
int w2_ref_openmp(void);

int w2_ref_openmp(void) {
#ifdef TG_BENCH_OPENMP
  return 1;
#else
  return 0;
#endif
}

void w2_ref(int64_t n, const float *a, const float *b, const float *c, float *y, int threads) {
#ifdef TG_BENCH_OPENMP
#pragma omp parallel for simd num_threads(threads) schedule(static)
#else
  (void)threads;
#endif
  for (int64_t i = 0; i < n; i++) y[i] = a[i] * b[i] + expf(c[i]) - tanhf(a[i]) * 0.5f;
}
