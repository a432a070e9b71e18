/* bench/vmath.c: the vectorised math of generated kernels (src/backend/cpu/tg_vmath.h)
   against glibc's scalar libm, one thread, same flags: y[i] = f(x[i]) over 2^20 float32
   values (4 MiB each way, so the loop is bound by the math, not by memory), inputs spread
   over the range where each function is interesting. The kernels are built for AVX2+FMA
   (a target pragma, since the benchmarks are compiled without -march=native) when the CPU
   has them, the way the native backend builds kernels with -march=native; the reference
   loop is the same loop calling expf/tanhf/logf from <math.h>.
   Prints, for expf, tanhf and logf: BENCH name=vmath_<fn> tgraph=<ns per element>
   ref=<ns per element of the libm loop> unit=ns ratio=<tgraph/ref> threads=1
   and checks on the way that both loops agree to 4 ulp (exit 1 if not). */
#include <math.h>
#include <stdint.h>

#include "../src/backend/cpu/tg_vmath.h"
#include "bench.h"

#define N (1 << 20)
#define WARMUP 3
#define REPS 15

#if defined(__x86_64__) && defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define HAVE_AVX2_KERNELS 1
#endif
static void k_expf_avx2(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_expf(x[i]);
}
static void k_tanhf_avx2(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_tanhf(x[i]);
}
static void k_logf_avx2(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_logf(x[i]);
}
#ifdef HAVE_AVX2_KERNELS
#pragma GCC pop_options
#endif
/* The same loops for the baseline ISA (SSE2 on x86-64). */
static void k_expf_base(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_expf(x[i]);
}
static void k_tanhf_base(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_tanhf(x[i]);
}
static void k_logf_base(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tgv_logf(x[i]);
}
static void r_expf(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = expf(x[i]);
}
static void r_tanhf(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = tanhf(x[i]);
}
static void r_logf(const float *restrict x, float *restrict y, long n) {
  for (long i = 0; i < n; i++) y[i] = logf(x[i]);
}

typedef void (*kernel)(const float *restrict, float *restrict, long);
typedef struct {
  kernel k;
  const float *x;
  float *y;
} job;

static int run(void *ctx, long iters) {
  job *j = ctx;
  for (long it = 0; it < iters; it++) {
    j->k(j->x, j->y, N);
    BENCH_CLOBBER(j->y);
  }
  return 0;
}

static int64_t ulp_dist(float a, float b) {
  int32_t i, k;
  memcpy(&i, &a, sizeof i);
  memcpy(&k, &b, sizeof k);
  int64_t p = i < 0 ? -(int64_t)(i & 0x7fffffff) : i, q = k < 0 ? -(int64_t)(k & 0x7fffffff) : k;
  return p > q ? p - q : q - p;
}

static int bench_one(const char *name, kernel mine, kernel ref, float lo, float hi) {
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *r = malloc(N * sizeof *r);
  if (!x || !y || !r) {
    fprintf(stderr, "vmath: out of memory\n");
    return 1;
  }
  uint32_t s = 2463534242u;
  for (long i = 0; i < N; i++) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    x[i] = lo + (hi - lo) * (float)(s >> 8) * 0x1p-24f;
  }
  job jm = {mine, x, y}, jr = {ref, x, r};
  double tm = bench_time(run, &jm, WARMUP, REPS, 1), tr = bench_time(run, &jr, WARMUP, REPS, 1);
  int64_t worst = 0;
  for (long i = 0; i < N; i++) {
    int64_t d = isnan(y[i]) && isnan(r[i]) ? 0 : ulp_dist(y[i], r[i]);
    if (d > worst) worst = d;
  }
  bench_report(name, tm * 1e9 / N, tr * 1e9 / N, "ns", 1);
  free(x), free(y), free(r);
  if (worst > 4) {
    fprintf(stderr, "vmath: %s differs from libm by %lld ulp\n", name, (long long)worst);
    return 1;
  }
  return 0;
}

int main(void) {
  int avx2 = 0;
#ifdef HAVE_AVX2_KERNELS
  __builtin_cpu_init();
  avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  if (!avx2) fprintf(stderr, "vmath: no AVX2+FMA here; timing the baseline-ISA kernels\n");
  int bad = 0;
  bad |= bench_one("vmath_expf", avx2 ? k_expf_avx2 : k_expf_base, r_expf, -80, 80);
  bad |= bench_one("vmath_tanhf", avx2 ? k_tanhf_avx2 : k_tanhf_base, r_tanhf, -5, 5);
  bad |= bench_one("vmath_logf", avx2 ? k_logf_avx2 : k_logf_base, r_logf, 1e-6f, 1e6f);
  return bad;
}
