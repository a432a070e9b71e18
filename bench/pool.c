/* bench/pool.c: the shared thread pool (src/backend/cpu/pool.c) on two kinds of work, each
   against the same loop on one thread in the same run:
   - pool_sum: the double-precision sum of 2^25 float32 values (128 MiB, bound by memory
     bandwidth, so the gain is what a second memory stream gives);
   - pool_expf: y = expf(x) (libm, scalar) over 2^24 float32 values (bound by arithmetic;
     libm rather than tg_vmath.h so the figure does not depend on the benchmark being
     compiled for the machine's vector ISA).
   Prints: BENCH name=<id> tgraph=<ms with the pool> ref=<ms on one thread> unit=ms
   ratio=<tgraph/ref> threads=<pool size>, medians after a warm-up. The pool size is
   TGRAPH_NUM_THREADS, default the online cores. */
#include <math.h>
#include <stdint.h>

#include "../src/backend/cpu/pool.h"
#include "bench.h"

#define WARMUP 2
#define REPS 11
#define MIN_CHUNK (1 << 16)

typedef struct {
  const float *x;
  float *y;
  int64_t n, nchunks;
  double partial[1024];
} job;

static double sum_range(const float *x, int64_t b, int64_t e) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = b;
  for (; i + 4 <= e; i += 4) s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
  for (; i < e; i++) s0 += x[i];
  return (s0 + s1) + (s2 + s3);
}
static void sum_chunk(void *ctx, int64_t c) {
  job *j = ctx;
  j->partial[c] = sum_range(j->x, tgi_pool_chunk_begin(j->n, j->nchunks, c),
                            tgi_pool_chunk_begin(j->n, j->nchunks, c + 1));
}
static int sum_pool(void *ctx, long iters) {
  job *j = ctx;
  for (long it = 0; it < iters; it++) {
    j->nchunks = tgi_pool_chunks(j->n, MIN_CHUNK);
    tgi_pool_run(j->nchunks, sum_chunk, j);
    double s = 0;
    for (int64_t c = 0; c < j->nchunks; c++) s += j->partial[c];
    j->partial[0] = s;
    BENCH_CLOBBER(j->partial);
  }
  return 0;
}
static int sum_serial(void *ctx, long iters) {
  job *j = ctx;
  for (long it = 0; it < iters; it++) {
    j->partial[0] = sum_range(j->x, 0, j->n);
    BENCH_CLOBBER(j->partial);
  }
  return 0;
}

static void exp_range(const float *restrict x, float *restrict y, int64_t b, int64_t e) {
  for (int64_t i = b; i < e; i++) y[i] = expf(x[i]);
}
static void exp_chunk(void *ctx, int64_t c) {
  job *j = ctx;
  exp_range(j->x, j->y, tgi_pool_chunk_begin(j->n, j->nchunks, c),
            tgi_pool_chunk_begin(j->n, j->nchunks, c + 1));
}
static int exp_pool(void *ctx, long iters) {
  job *j = ctx;
  for (long it = 0; it < iters; it++) {
    j->nchunks = tgi_pool_chunks(j->n, MIN_CHUNK);
    tgi_pool_run(j->nchunks, exp_chunk, j);
    BENCH_CLOBBER(j->y);
  }
  return 0;
}
static int exp_serial(void *ctx, long iters) {
  job *j = ctx;
  for (long it = 0; it < iters; it++) {
    exp_range(j->x, j->y, 0, j->n);
    BENCH_CLOBBER(j->y);
  }
  return 0;
}

int main(void) {
  int64_t n = (int64_t)1 << 25;
  float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
  if (!x || !y) {
    fprintf(stderr, "pool: out of memory\n");
    return 1;
  }
  for (int64_t i = 0; i < n; i++) x[i] = (float)((i * 7919) % 2001 - 1000) * 0.01f;
  int t = tgi_pool_threads();
  job j = {x, y, n, 0, {0}};
  double tp = bench_time(sum_pool, &j, WARMUP, REPS, 1);
  double sp = j.partial[0];
  double ts = bench_time(sum_serial, &j, WARMUP, REPS, 1);
  if (sp != j.partial[0] && fabs(sp - j.partial[0]) > 1e-9 * fabs(j.partial[0])) {
    fprintf(stderr, "pool: sums differ: %.17g vs %.17g\n", sp, j.partial[0]);
    return 1;
  }
  bench_report("pool_sum", tp * 1e3, ts * 1e3, "ms", t);
  j.n = (int64_t)1 << 24;
  tp = bench_time(exp_pool, &j, WARMUP, REPS, 1);
  ts = bench_time(exp_serial, &j, WARMUP, REPS, 1);
  bench_report("pool_expf", tp * 1e3, ts * 1e3, "ms", t);
  free(x), free(y);
  return 0;
}
