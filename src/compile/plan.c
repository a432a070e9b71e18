/* plan.c: memory planning for the call frame. Two ways to avoid allocating an output:
   - in place: an elementwise node (Elemwise, a one-output Composite) or a Gemm may write
     its result over an input that dies at that node (its last use, an intermediate the
     frame made), when at run time that input is the only reference to its storage
     (tg_array_is_exclusive), contiguous, and of the output's dtype and shape. Elementwise
     kernels read element i before writing element i, so the overlap is harmless; Gemm
     handles an output that is its c input itself. Function inputs, constants, shared
     values, outputs and update values are never freed by the frame, so never overwritten.
   - reuse: a dying intermediate's buffer goes to a small per-call pool instead of back to
     the allocator, and the next elementwise output of the same dtype and shape takes it.
   Liveness is the free lists layout() computes (each intermediate freed at its last
   use). */
#include "plan.h"

#include <string.h>

#include "../ops/composite.h"
#include "../ops/elemwise.h"

/* Buffers below this size come and go through malloc's fast bins just as cheaply. */
#define POOL_MIN_BYTES 4096

static int kind_of(const tgi_instr *ins) {
  const tg_op *op = ins->op;
  if (ins->n_out != 1) return TGI_IP_NONE;
  if (op->cls == &tgi_elemwise_class) return TGI_IP_ELEMWISE;
  if (op->cls == &tgi_composite_class) {
    tgi_cprog p;
    tgi_composite_decode(op, &p);
    /* an output that is an input register has that input's shape, not the broadcast one */
    return p.n_out == 1 && p.out_reg[0] >= p.n_in ? TGI_IP_ELEMWISE : TGI_IP_NONE;
  }
  if ((op->cls->flags & TGI_OP_INPLACE_IN0) &&
      (strcmp(op->cls->name, "Gemm") == 0 || strcmp(op->cls->name, "Gemv") == 0))
    return TGI_IP_GEMM;
  return TGI_IP_NONE;
}

void tgi_plan(tg_function *f) {
  for (int k = 0; k < f->n_instr; k++) {
    tgi_instr *ins = &f->code[k];
    ins->ip_kind = TGI_IP_NONE;
    ins->ip_mask = 0;
    if (ins->jump >= 0 || (ins->ip_kind = (uint8_t)kind_of(ins)) == TGI_IP_NONE) continue;
    const tg_var *o = ins->node->out[0];
    int lim = ins->ip_kind == TGI_IP_GEMM ? 1 : ins->n_in < 32 ? ins->n_in : 32;
    for (int i = 0; i < lim; i++) {
      const tg_var *v = ins->node->in[i];
      bool dies = false;
      for (int j = 0; j < ins->n_free && !dies; j++) dies = ins->free[j] == ins->in[i];
      if (dies && v->type.dtype == o->type.dtype && v->type.ndim == o->type.ndim)
        ins->ip_mask |= 1u << i;
    }
  }
}

/* The output shape of an elementwise instruction from its inputs (numpy broadcasting),
   false when they do not broadcast (the kernel reports that). */
static bool ew_shape(const tgi_instr *ins, tg_array *const *slot, int nd, int64_t *shape) {
  for (int d = 0; d < nd; d++) shape[d] = 1;
  for (int i = 0; i < ins->n_in; i++) {
    const tg_array *a = slot[ins->in[i]];
    if (!a || a->ndim > nd) return false;
    for (int d = 0; d < a->ndim; d++) {
      int64_t s = a->shape[d], *r = &shape[nd - a->ndim + d];
      if (s != 1) {
        if (*r != 1 && *r != s) return false;
        *r = s;
      }
    }
  }
  return true;
}

static bool fits(const tg_array *a, tg_dtype dt, int nd, const int64_t *shape) {
  return a->dtype == dt && a->ndim == nd && a->base == NULL &&
         memcmp(a->shape, shape, sizeof(int64_t) * (size_t)nd) == 0 && tg_array_is_contiguous(a);
}

tg_array *tgi_plan_output(const tgi_instr *ins, tg_array *const *slot, const bool *owned,
                          tgi_pool *pool, int *stolen) {
  *stolen = -1;
  /* nothing to overwrite and nothing pooled: skip the shape work (tiny calls) */
  if (ins->ip_kind == TGI_IP_NONE ||
      (ins->ip_mask == 0 && (ins->ip_kind != TGI_IP_ELEMWISE || pool->n == 0)))
    return NULL;
  const tg_var *o = ins->node->out[0];
  int nd = o->type.ndim;
  int64_t shape[TG_MAX_NDIM];
  if (ins->ip_kind == TGI_IP_GEMM) {
    /* Gemm(c, a, b): the product's shape; c only when it already has it (no broadcast) */
    const tg_array *a = slot[ins->in[1]], *b = slot[ins->in[2]];
    if (!a || !b || nd < 1) return NULL;
    if (a->ndim == 2 && b->ndim == 2 && nd == 2) shape[0] = a->shape[0], shape[1] = b->shape[1];
    else if (a->ndim == 2 && b->ndim == 1 && nd == 1) shape[0] = a->shape[0];
    else if (a->ndim == 1 && b->ndim == 2 && nd == 1) shape[0] = b->shape[1];
    else return NULL;
  } else if (!ew_shape(ins, slot, nd, shape)) {
    return NULL;
  }
  for (uint32_t m = ins->ip_mask; m; m &= m - 1) {
    int i = __builtin_ctz(m), s = ins->in[i];
    tg_array *a = slot[s];
    if (a && owned[s] && tg_array_is_exclusive(a) && fits(a, o->type.dtype, nd, shape)) {
      *stolen = s;
      return a;
    }
  }
  if (ins->ip_kind != TGI_IP_ELEMWISE) return NULL;
  for (int k = 0; k < pool->n; k++)
    if (fits(pool->a[k], o->type.dtype, nd, shape)) {
      tg_array *a = pool->a[k];
      pool->a[k] = pool->a[--pool->n];
      return a;
    }
  return NULL;
}

void tgi_plan_release(tgi_pool *pool, tg_array *a) {
  if (!a) return;
  if (a->base || a->size * (int64_t)tg_dtype_size(a->dtype) < POOL_MIN_BYTES ||
      !tg_array_is_exclusive(a) || !tg_array_is_contiguous(a)) {
    tg_array_unref(a);
    return;
  }
  if (pool->n == TGI_POOL_MAX) { /* full: the oldest goes */
    tg_array_unref(pool->a[0]);
    memmove(pool->a, pool->a + 1, sizeof(tg_array *) * (TGI_POOL_MAX - 1));
    pool->n--;
  }
  pool->a[pool->n++] = a;
}

void tgi_pool_drain(tgi_pool *pool) {
  for (int k = 0; k < pool->n; k++) tg_array_unref(pool->a[k]);
  pool->n = 0;
}
