/* bench.h: timing helpers shared by the benchmarks: a monotonic clock, the median of
   repeated measurements after a warm-up, and the one-line BENCH report TESTING.md defines:
   BENCH name=<id> tgraph=<v> ref=<v> unit=<u> ratio=<tgraph/ref> threads=<n>. */
#ifndef TG_BENCH_H
#define TG_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds on a monotonic clock. */
static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of n values (v is reordered). */
static inline double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A workload: run the measured operation `iters` times; returns nonzero on failure. */
typedef int (*bench_fn)(void *ctx, long iters);

#define BENCH_MAX_REPS 101

/* Median time of one operation, in seconds: `warm` repetitions thrown away, then `reps`
   timed repetitions of `iters` operations each. Negative if the workload failed. */
static inline double bench_time(bench_fn fn, void *ctx, int warm, int reps, long iters) {
  double t[BENCH_MAX_REPS];
  if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
  for (int r = 0; r < warm; r++)
    if (fn(ctx, iters)) return -1;
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    if (fn(ctx, iters)) return -1;
    t[r] = (bench_now() - t0) / (double)iters;
  }
  return bench_median(t, reps);
}

/* Print the standard BENCH line. */
static inline void bench_report(const char *name, double tgraph, double ref, const char *unit,
                                int threads) {
  printf("BENCH name=%s tgraph=%.4g ref=%.4g unit=%s ratio=%.3g threads=%d\n", name, tgraph,
         ref, unit, ref > 0 ? tgraph / ref : 0.0, threads);
  fflush(stdout);
}

/* Keep the compiler from assuming anything about the memory p points to, so work whose
   result goes there cannot be optimised away or hoisted out of a loop. */
#define BENCH_CLOBBER(p) __asm__ __volatile__("" : : "r"(p) : "memory")

#endif
