/* w3_ref.c: the hand-written limit for W3 (sum((a - b)**2) over float32), compiled by
   CMakeLists.txt with -O3 -march=native -ffast-math and, when available, -fopenmp, on the
   same number of threads as tgraph's pool. */
#include <stdint.h>
#ifdef TG_BENCH_OPENMP
#include <omp.h>
#endif

float w3_ref(int64_t n, const float *a, const float *b, int threads);

float w3_ref(int64_t n, const float *a, const float *b, int threads) {
  float s = 0;
#ifdef TG_BENCH_OPENMP
#pragma omp parallel for simd num_threads(threads) schedule(static) reduction(+ : s)
#else
  (void)threads;
#endif
  for (int64_t i = 0; i < n; i++) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}
