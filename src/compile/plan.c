/* plan.c: memory planning for the call frame. Three ways to avoid allocating an output:
   - in place: an elementwise node (Elemwise, a one-output Composite) or a Gemm may write
     its result over an input that dies at that node (its last use, an intermediate the
     frame made), when at run time that input is the only reference to its storage
     (tg_array_is_exclusive), contiguous, and of the output's dtype and shape. Elementwise
     kernels read element i before writing element i, so the overlap is harmless; Gemm
     handles an output that is its c input itself. Function inputs, constants, shared
     values, outputs and update values are never freed by the frame, so never overwritten.
   - reuse: a dying intermediate's buffer goes to a small pool instead of back to the
     allocator, and the next elementwise, Gemm or matrix-matrix Dot output of the same
     dtype and shape takes it. The pool outlives the call (one per function; a call that
     finds it in use by another has its own for the call), so a function called in a
     loop finds its buffers again rather than getting them from malloc, which for large
     ones means fresh pages and their faults every call.
   - spares: an update's new value cannot overwrite its shared variable's value (a call
     that fails must leave every shared variable as it was, and the old value is still
     read while the new one is computed), so SGD on a weight matrix allocates one every
     step and frees the old one: for large arrays an mmap, page faults on first touch and
     an munmap, which with threads running costs a TLB shootdown (w5_mlp: 2.5x the
     GEMMs' time on 2 threads). Instead, the old buffer, when a call's commit leaves
     nothing else holding it, is kept by the function (one per update, double buffering)
     and handed to the elementwise node or Gemm that computes that update's next value.
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
  if (strcmp(op->cls->name, "Dot") == 0 && ins->n_in == 2 && ins->node->in[0]->type.ndim == 2 &&
      ins->node->in[1]->type.ndim == 2)
    return TGI_IP_DOT;
  return TGI_IP_NONE;
}

/* The update whose value slot s is, when that value is the frame's own result and goes
   nowhere else (not an output, not another update's value); else -1. */
static int update_of(const tg_function *f, int s) {
  int k = -1;
  for (int u = 0; u < f->n_upd; u++)
    if (f->upd_slots[u] == s) {
      if (k >= 0) return -1;
      k = u;
    }
  for (int i = 0; k >= 0 && i < f->n_out; i++)
    if (f->out_slots[i] == s) return -1;
  return k >= 0 && f->slot_var[s]->kind == TGV_RESULT ? k : -1;
}

bool tgi_plan(tg_function *f) {
  if (!(f->pool = tgi_arena_alloc(f->g, sizeof *f->pool))) return false;
  f->pool->n = 0;
  atomic_init(&f->pool_busy, false);
  if (f->n_upd && (!(f->spare = tgi_arena_alloc(f->g, sizeof *f->spare * (size_t)f->n_upd)) ||
                   !(f->spare_ok = tgi_arena_alloc(f->g, sizeof(bool) * (size_t)f->n_upd))))
    return false;
  for (int k = 0; k < f->n_upd; k++) {
    atomic_init(&f->spare[k], NULL);
    f->spare_ok[k] = false;
  }
  for (int k = 0; k < f->n_instr; k++) {
    tgi_instr *ins = &f->code[k];
    ins->ip_kind = TGI_IP_NONE;
    ins->ip_mask = 0;
    ins->spare = -1;
    if (ins->jump >= 0 || (ins->ip_kind = (uint8_t)kind_of(ins)) == TGI_IP_NONE) continue;
    if ((ins->spare = update_of(f, ins->out[0])) >= 0) f->spare_ok[ins->spare] = true;
    const tg_var *o = ins->node->out[0];
    int lim = ins->ip_kind == TGI_IP_DOT    ? 0 /* a product cannot overwrite a factor */
              : ins->ip_kind == TGI_IP_GEMM ? 1
              : ins->n_in < 32              ? ins->n_in
                                            : 32;
    for (int i = 0; i < lim; i++) {
      const tg_var *v = ins->node->in[i];
      bool dies = false;
      for (int j = 0; j < ins->n_free && !dies; j++) dies = ins->free[j] == ins->in[i];
      if (dies && v->type.dtype == o->type.dtype && v->type.ndim == o->type.ndim)
        ins->ip_mask |= 1u << i;
    }
  }
  return true;
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

tg_array *tgi_plan_output(tg_function *f, const tgi_instr *ins, tg_array *const *slot,
                          const bool *owned, tgi_pool *pool, int *stolen) {
  *stolen = -1;
  /* taken now, so that concurrent calls never share it; dropped unless it fits */
  tg_array *spare = ins->spare >= 0 ? atomic_exchange(&f->spare[ins->spare], NULL) : NULL;
  /* nothing to overwrite and nothing pooled: skip the shape work (tiny calls) */
  if (ins->ip_kind == TGI_IP_NONE ||
      (ins->ip_mask == 0 && !spare && pool->n == 0))
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
    else nd = -1;
  } else if (ins->ip_kind == TGI_IP_DOT) {
    const tg_array *a = slot[ins->in[0]], *b = slot[ins->in[1]];
    if (a && b && a->ndim == 2 && b->ndim == 2 && nd == 2)
      shape[0] = a->shape[0], shape[1] = b->shape[1];
    else nd = -1;
  } else if (!ew_shape(ins, slot, nd, shape)) {
    nd = -1;
  }
  if (nd < 0) {
    tgi_plan_release(pool, spare);
    return NULL;
  }
  for (uint32_t m = ins->ip_mask; m; m &= m - 1) {
    int i = __builtin_ctz(m), s = ins->in[i];
    tg_array *a = slot[s];
    if (a && owned[s] && tg_array_is_exclusive(a) && fits(a, o->type.dtype, nd, shape)) {
      *stolen = s;
      tgi_plan_release(pool, spare); /* for another node, or the next call's */
      return a;
    }
  }
  if (spare && fits(spare, o->type.dtype, nd, shape)) return spare;
  tgi_plan_release(pool, spare);
  for (int k = 0; k < pool->n; k++)
    if (fits(pool->a[k], o->type.dtype, nd, shape)) {
      tg_array *a = pool->a[k];
      memmove(pool->a + k, pool->a + k + 1, sizeof(tg_array *) * (size_t)(--pool->n - k));
      return a;
    }
  return NULL;
}

static int64_t bytes(const tg_array *a) { return a->size * (int64_t)tg_dtype_size(a->dtype); }

void tgi_plan_release(tgi_pool *pool, tg_array *a) {
  if (!a) return;
  /* a view (a transpose feeding a product, say) gives its storage back when it was the
     last to hold it: the owner then comes out exclusive */
  while (a->base) {
    tg_array *b = tg_array_ref(a->base);
    tg_array_unref(a);
    a = b;
  }
  if (bytes(a) < POOL_MIN_BYTES || !tg_array_is_exclusive(a) || !tg_array_is_contiguous(a)) {
    tg_array_unref(a);
    return;
  }
  if (pool->n == TGI_POOL_MAX) { /* full: the oldest goes (a buffer no node takes ages out) */
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

void tgi_plan_keep_spare(tg_function *f, int k, tg_array *old) {
  /* exclusive: no caller, view or other call can reach old (the commit took it out of
     its shared variable, so nothing can reach it afresh either) */
  if (!old || !f->spare_ok[k] || old->base || bytes(old) < POOL_MIN_BYTES ||
      !tg_array_is_exclusive(old) || !tg_array_is_contiguous(old)) {
    tg_array_unref(old);
    return;
  }
  tg_array_unref(atomic_exchange(&f->spare[k], old));
}

tgi_pool *tgi_pool_acquire(tg_function *f, tgi_pool *own) {
  own->n = 0;
  return f->pool && !atomic_exchange(&f->pool_busy, true) ? f->pool : own;
}

void tgi_pool_return(tg_function *f, tgi_pool *pool) {
  if (pool == f->pool) atomic_store(&f->pool_busy, false);
  else tgi_pool_drain(pool);
}

void tgi_plan_free(tg_function *f) {
  for (int k = 0; f->spare && k < f->n_upd; k++)
    tg_array_unref(atomic_exchange(&f->spare[k], NULL));
  if (f->pool) tgi_pool_drain(f->pool);
}
