/* bench.h: timing helpers shared by the benchmarks: a monotonic clock, the median of
   repeated measurements after a warm-up (alone, or of two workloads interleaved so that
   load changes hit both alike), the loop that calls a compiled function, the thread count,
   and the one-line BENCH report TESTING.md defines:
   BENCH name=<id> tgraph=<v> ref=<v> unit=<u> ratio=<tgraph/ref> threads=<n>
   followed by a `#` line with the machine's load average, so a figure taken on a busy
   machine says so. */
#ifndef TG_BENCH_H
#define TG_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tgraph/tgraph.h>

/* BENCH_CLOCK=cpu in the environment times by the process's CPU time instead of the wall
   clock: on a machine busy with other work, and with TGRAPH_NUM_THREADS=1 (so that the
   work and BLAS run on the calling thread), it measures the work itself rather than this
   process's share of the cores. Wall time is the default and what targets refer to. */
static inline bool bench_cpu_clock(void) {
  static int cpu = -1;
  if (cpu < 0) {
    const char *s = getenv("BENCH_CLOCK");
    cpu = s && !strcmp(s, "cpu");
  }
  return cpu;
}

/* Seconds on a monotonic clock (or of CPU time, see bench_cpu_clock). */
static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(bench_cpu_clock() ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
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

/* A pause between the two sides of a pair, untimed: OpenMP (the hand loops' -fopenmp) and
   OpenBLAS keep their worker threads spinning for some milliseconds after a parallel
   region, and on a machine with as many threads as cores that spinning takes the cores
   from whichever side runs next (measured: w3_sumsq's tgraph side 1.3-1.7x slower right
   after the OpenMP reference). 30 ms outlasts both spins. */
static inline void bench_settle(void) {
  double end = bench_now() + 0.03;
  while (bench_now() < end) {
  }
}

/* Median times of two workloads, in seconds per operation, their repetitions interleaved
   (a, b, a, b, ...) so that a change of load or clock during the run hits both alike, with
   bench_settle between them. Returns nonzero if either failed. */
static inline int bench_time_pair(bench_fn fa, void *ca, bench_fn fb, void *cb, int warm,
                                  int reps, long iters, double *ta, double *tb) {
  double t[2][BENCH_MAX_REPS];
  if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
  for (int r = 0; r < warm; r++)
    if (fa(ca, iters) || fb(cb, iters)) return 1;
  for (int r = 0; r < reps; r++) {
    bench_settle();
    double t0 = bench_now();
    if (fa(ca, iters)) return 1;
    t[0][r] = (bench_now() - t0) / (double)iters;
    bench_settle();
    double t1 = bench_now();
    if (fb(cb, iters)) return 1;
    t[1][r] = (bench_now() - t1) / (double)iters;
  }
  *ta = bench_median(t[0], reps);
  *tb = bench_median(t[1], reps);
  return 0;
}

/* A compiled function called into preallocated outputs: the ctx of bench_run_call. */
typedef struct {
  tg_function *f;
  tg_array **in, **out;
} bench_call;

/* bench_fn calling c->f `iters` times through tg_function_call_into. */
static inline int bench_run_call(void *ctx, long iters) {
  bench_call *c = ctx;
  for (long i = 0; i < iters; i++)
    if (tg_function_call_into(c->f, c->in, c->out) != TG_OK) return 1;
  return 0;
}

/* The threads tgraph's pool uses: TGRAPH_NUM_THREADS as the pool reads it, else the online
   cores. Hand-written references run on as many. */
static inline int bench_pool_threads(void) {
  const char *s = getenv("TGRAPH_NUM_THREADS");
  int t = s ? atoi(s) : 0;
  if (t < 1) t = (int)sysconf(_SC_NPROCESSORS_ONLN);
  return t < 1 ? 1 : t;
}

/* Print the standard BENCH line, then the 1-minute load average as a comment. */
static inline void bench_report(const char *name, double tgraph, double ref, const char *unit,
                                int threads) {
  printf("BENCH name=%s tgraph=%.4g ref=%.4g unit=%s ratio=%.3g threads=%d\n", name, tgraph,
         ref, unit, ref > 0 ? tgraph / ref : 0.0, threads);
  double load[1];
  if (getloadavg(load, 1) == 1)
    printf("# %s: load average %.2f on %ld cores while measuring%s\n", name, load[0],
           sysconf(_SC_NPROCESSORS_ONLN), bench_cpu_clock() ? " (CPU time, BENCH_CLOCK=cpu)" : "");
  fflush(stdout);
}

/* Keep the compiler from assuming anything about the memory p points to, so work whose
   result goes there cannot be optimised away or hoisted out of a loop. */
#define BENCH_CLOBBER(p) __asm__ __volatile__("" : : "r"(p) : "memory")

#endif
