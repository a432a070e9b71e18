/* bench/reduce.c: tgraph's sum of 2^24 float32 values (a compiled tg_sum over all axes)
   against a hand-written C loop of the same accuracy class, in the same run, one thread.
   The reference reads the floats once and accumulates them in double with 8 independent
   accumulators (what tgraph's kernel does per block of 256 before adding the block sums
   pairwise), so both are exact to about 1e-12 relative, far below float32 rounding.
   Prints: BENCH name=reduce_sum_f32 tgraph=<ms> ref=<ms> unit=ms ratio=<tgraph/ref>
   threads=1, medians of REPS runs after WARMUP runs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tgraph/tgraph.h"

#define N (1 << 24)
#define WARMUP 3
#define REPS 21

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* The reference: 8 double accumulators over the whole array, added as a tree. */
static float ref_sum(const float *p, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += p[i], s1 += p[i + 1], s2 += p[i + 2], s3 += p[i + 3];
    s4 += p[i + 4], s5 += p[i + 5], s6 += p[i + 6], s7 += p[i + 7];
  }
  double t = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  for (; i < n; i++) t += p[i];
  return (float)t;
}

int main(void) {
  tg_array *a = tg_array_empty(TG_FLOAT32, 1, (int64_t[]){N});
  if (!a) {
    fprintf(stderr, "bench reduce: %s\n", tg_errmsg());
    return 1;
  }
  float *p = tg_array_data(a);
  uint64_t s = 42;
  for (int64_t i = 0; i < N; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = (float)((double)(s >> 40) * 0x1p-24);
  }
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_sum(x, TG_ALL_AXES, false)), NULL);
  if (!f) {
    fprintf(stderr, "bench reduce: %s\n", tg_graph_error(g));
    return 1;
  }
  double tt[REPS], tr[REPS], got = 0;
  volatile float sink = 0;
  volatile int64_t n = N; /* unknown to the compiler, as it is to the library's kernel */
  for (int r = -WARMUP; r < REPS; r++) {
    tg_array *out[1] = {NULL};
    double t0 = now_ms();
    if (tg_function_call(f, (tg_array *[]){a}, out) != TG_OK) {
      fprintf(stderr, "bench reduce: %s\n", tg_function_error(f));
      return 1;
    }
    double t1 = now_ms();
    sink = ref_sum(p, n);
    double t2 = now_ms();
    got = tg_array_get_f64(out[0], 0);
    tg_array_unref(out[0]);
    if (r >= 0) tt[r] = t1 - t0, tr[r] = t2 - t1;
  }
  double want = sink;
  if (got < want * (1 - 1e-6) || got > want * (1 + 1e-6)) {
    fprintf(stderr, "bench reduce: tgraph's sum %.9g differs from the reference %.9g\n", got, want);
    return 1;
  }
  double mt = median(tt, REPS), mr = median(tr, REPS);
  printf("BENCH name=reduce_sum_f32 tgraph=%.3f ref=%.3f unit=ms ratio=%.3f threads=1\n", mt, mr,
         mt / mr);
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(a);
  return 0;
}
