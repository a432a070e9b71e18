/* plan.h: memory planning for the call frame (plan.c): outputs written in place over
   dying inputs, and a per-call pool of dying intermediates' buffers. Never installed. */
#ifndef TG_PLAN_H
#define TG_PLAN_H

#include "function_impl.h"

/* Buffers a pool keeps for reuse at most. */
#define TGI_POOL_MAX 16

typedef struct tgi_pool {
  int n;
  tg_array *a[TGI_POOL_MAX];
} tgi_pool;

/* Mark each instruction's in-place candidates (after layout's free lists exist) and the
   instructions computing update values; false when out of memory. */
bool tgi_plan(tg_function *f);
/* A buffer for instruction ins's output 0, or NULL (the op allocates): a dying input it
   may overwrite (*stolen = that input's slot, whose reference becomes the output's) or a
   pooled buffer or update spare of the right dtype and shape (*stolen = -1; the
   reference is the caller's). */
tg_array *tgi_plan_output(tg_function *f, const tgi_instr *ins, tg_array *const *slot,
                          const bool *owned, tgi_pool *pool, int *stolen);
/* A frame-owned intermediate dies: keep its buffer in the pool or release it. */
void tgi_plan_release(tgi_pool *pool, tg_array *a);
/* Release every pooled buffer. */
void tgi_pool_drain(tgi_pool *pool);
/* Update k's shared variable let go of old after a call: keep old for the update's next
   value when nothing else can reach it, else release it. */
void tgi_plan_keep_spare(tg_function *f, int k, tg_array *old);
/* The pool for a call: the function's, unless another call holds it, else own (emptied). */
tgi_pool *tgi_pool_acquire(tg_function *f, tgi_pool *own);
/* The call is done with pool: the function keeps its own, a call's own is drained. */
void tgi_pool_return(tg_function *f, tgi_pool *pool);
/* Release every buffer the function keeps (tg_function_free). */
void tgi_plan_free(tg_function *f);

#endif
