/* pool.h: the library's one thread pool (persistent workers, sized by TGRAPH_NUM_THREADS)
   that splits large kernels and reductions, and its coordination with OpenBLAS's threads.

   Rule for callers: BLAS is called only from the calling thread, never inside a pool task.
   OpenBLAS runs its own threads, sized to the pool by tgi_blas_threads_coordinate(); a BLAS
   call inside a task would run pool-size BLAS threads per task and oversubscribe the cores. */
#ifndef TG_POOL_H
#define TG_POOL_H

#include <stdbool.h>
#include <stdint.h>

/* Run fn(ctx, i) for i in [0, n) over the shared pool (the caller participates); returns when all are done. Nested calls from inside a task run serially in the calling thread (no deadlock). */
void tgi_pool_run(int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx);
/* Threads the pool uses (TGRAPH_NUM_THREADS, default the number of online cores), >= 1. */
int tgi_pool_threads(void);
/* Split [0, total) into chunks of at least min_chunk for pool_run; returns the number of chunks. */
int64_t tgi_pool_chunks(int64_t total, int64_t min_chunk);
/* First index of chunk i of nchunks over [0, total): chunk i is [begin(i), begin(i + 1)). */
static inline int64_t tgi_pool_chunk_begin(int64_t total, int64_t nchunks, int64_t i) {
  int64_t q = total / nchunks, r = total % nchunks;
  return i * q + (i < r ? i : r);
}
/* Size OpenBLAS's own thread count to the pool's (once; a no-op without BLAS). */
void tgi_blas_threads_coordinate(void);
/* True while OpenBLAS's workers are likely still spinning after a call (the last call on
   more than one thread was under 0.1 s ago): they hold the other cores, so splitting a
   small kernel over the pool then costs more than it saves (codegen_run.c). */
bool tgi_blas_spinning(void);
/* Worker threads started so far (0 until the first parallel run, and always with one thread). */
int tgi_pool_workers_started(void);

#endif
