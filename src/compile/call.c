/* call.c: running a compiled function. Each call has its own frame of slots (on the stack
   when small), so concurrent calls share nothing mutable but the error record and the
   shared variables' stores. Shared values are read (referenced) at the start; outputs and
   update values are all computed before anything is handed over, and updates are
   committed together under their stores' locks, so a failed call changes nothing. */
#include <stdio.h>

#include "function_impl.h"
#include "../ops/ifelse_impl.h"
#include "plan.h"

#define STACK_SLOTS 64

static tg_status fail(tg_function *f, tgi_err *e) {
  pthread_mutex_lock(&f->mu);
  f->err = *e;
  pthread_mutex_unlock(&f->mu);
  return e->status;
}

/* Check input i. The dtype must match exactly (a C caller sees every conversion), unless
   allow_input_downcast is set: then any dtype is converted into *conv (a new array the
   caller releases). */
static tg_status check_input(const tg_function *f, int i, tg_array *a, tg_array **conv,
                             tgi_err *e) {
  const tg_var *v = f->in_vars[i];
  const char *name = v->name ? v->name : "<unnamed>";
  char tb[256], sb[256];
  *conv = NULL;
  if (!a)
    return tgi_err_set(e, TG_ERR_ARG, "function '%s': input %d ('%s') is NULL and has no default",
                       f->name, i, name);
  bool ok = a->ndim == v->type.ndim;
  for (int d = 0; ok && d < a->ndim; d++)
    ok = v->type.shape[d] < 0 || v->type.shape[d] == a->shape[d];
  if (ok && a->dtype == v->type.dtype) return TG_OK;
  if (ok && f->allow_input_downcast) {
    if (!(*conv = tg_array_astype(a, v->type.dtype)))
      return tgi_err_set(e, TG_ERR_NOMEM, "function '%s': out of memory converting input %d",
                         f->name, i);
    return TG_OK;
  }
  return tgi_err_set(e, TG_ERR_TYPE,
                     "function '%s': input %d ('%s') expects %s, got a %s array of shape %s%s",
                     f->name, i, name, tgi_type_str(&v->type, tb, sizeof tb),
                     tg_dtype_name(a->dtype), tgi_shape_str(a->ndim, a->shape, sb, sizeof sb),
                     ok ? " (set the option allow_input_downcast to convert it)" : "");
}

/* Lock the stores of the updates in address order (no deadlock between calls). */
static void lock_all(tgi_shared **st, int n, bool lock) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && st[j - 1] > st[j]; j--) {
      tgi_shared *t = st[j];
      st[j] = st[j - 1];
      st[j - 1] = t;
    }
  for (int i = 0; i < n; i++) (lock ? pthread_mutex_lock : pthread_mutex_unlock)(&st[i]->mu);
}

/* Hand outputs over and commit updates; everything that can fail happens first.
   newv (n_upd entries) receives the shared variables' previous values, *n_old of them, for
   the caller to pass to tgi_plan_keep_spare once the frame is gone; when the call fails,
   the new values it did not commit, for the caller to release. */
static tg_status finish(tg_function *f, tg_array **slot, const bool *owned,
                        tg_array **outputs, bool into, tg_array **newv, int *n_old,
                        tgi_err *e) {
  int n_upd = f->n_upd;
  tgi_shared *stack_st[16], **stores = stack_st;
  *n_old = 0;
  if (n_upd > 16 && !(stores = tgi_calloc((size_t)n_upd, sizeof(tgi_shared *))))
    return tgi_err_set(e, TG_ERR_NOMEM, "function '%s': out of memory", f->name);
  tg_status st = TG_OK;
  int made = 0;
  for (int k = 0; k < n_upd && st == TG_OK; k++, made++) {
    int s = f->upd_slots[k];
    tg_array *v = slot[s];
    bool is_output = false;
    for (int i = 0; i < f->n_out; i++) is_output |= f->out_slots[i] == s;
    /* keep the frame's own result; copy anything the caller or another variable could
       still reach (inputs, constants, other shared values, views of them, outputs) */
    newv[k] = owned[s] && !v->base && !is_output && f->slot_var[s]->kind == TGV_RESULT
                  ? tg_array_ref(v) : tg_array_copy(v);
    if (!newv[k]) st = tgi_err_set(e, TG_ERR_NOMEM, "function '%s': out of memory for update %d",
                                   f->name, k);
    stores[k] = f->upd_vars[k]->shared;
  }
  tg_array *outs_stack[16], **outs = outs_stack;
  if (st == TG_OK && !into && f->n_out > 16 &&
      !(outs = tgi_calloc((size_t)f->n_out, sizeof(tg_array *))))
    st = tgi_err_set(e, TG_ERR_NOMEM, "function '%s': out of memory", f->name);
  int n_outs = 0;
  for (int i = 0; st == TG_OK && i < f->n_out; i++, n_outs++) {
    tg_array *v = slot[f->out_slots[i]];
    if (into) {
      if (v != outputs[i] && tg_array_copy_into(outputs[i], v) != TG_OK)
        st = tgi_err_set(e, TG_ERR_SHAPE, "function '%s': output %d: %s", f->name, i, tg_errmsg());
      continue;
    }
    bool copy = f->out_vars[i]->kind == TGV_SHARED && !f->borrow_outputs;
    if (!(outs[i] = copy ? tg_array_copy(v) : tg_array_ref(v)))
      st = tgi_err_set(e, TG_ERR_NOMEM, "function '%s': out of memory for output %d", f->name, i);
  }
  if (st == TG_OK) {
    if (!into)
      for (int i = 0; i < f->n_out; i++) outputs[i] = outs[i];
    if (n_upd) {
      tgi_shared *order[16], **ord = n_upd <= 16 ? order : tgi_malloc(sizeof(tgi_shared *) * (size_t)n_upd);
      if (ord) {
        memcpy(ord, stores, sizeof(tgi_shared *) * (size_t)n_upd);
        lock_all(ord, n_upd, true);
      } else { /* no memory to sort: commit one store at a time, still never half-failed */
        for (int k = 0; k < n_upd; k++) pthread_mutex_lock(&stores[k]->mu);
      }
      for (int k = 0; k < n_upd; k++) {
        tg_array *old = stores[k]->value;
        stores[k]->value = newv[k];
        newv[k] = old; /* released below, outside the locks */
      }
      if (ord) lock_all(ord, n_upd, false);
      else for (int k = 0; k < n_upd; k++) pthread_mutex_unlock(&stores[k]->mu);
      if (ord && ord != order) tgi_free(ord);
    }
  } else if (!into) {
    for (int i = 0; i < n_outs; i++) tg_array_unref(outs[i]);
  }
  *n_old = made;
  if (outs != outs_stack) tgi_free(outs);
  if (stores != stack_st) tgi_free(stores);
  return st;
}

static tg_status run(tg_function *f, tg_array *const *inputs, tg_array **outputs, bool into) {
  tgi_err e; /* not zero-filled: clearing the 512-byte message cost a third of a tiny call */
  e.status = TG_OK;
  e.msg[0] = '\0';
  if (!f) return tgi_fail(TG_ERR_ARG, "tg_function_call: function is NULL");
  if (f->n_in && !inputs) {
    tgi_err_set(&e, TG_ERR_ARG, "function '%s': inputs is NULL", f->name);
    return fail(f, &e);
  }
  if (f->n_out && !outputs) {
    tgi_err_set(&e, TG_ERR_ARG, "function '%s': outputs is NULL", f->name);
    return fail(f, &e);
  }
  for (int i = 0; into && i < f->n_out; i++) {
    if (!outputs[i]) {
      tgi_err_set(&e, TG_ERR_ARG, "function '%s': output %d is NULL", f->name, i);
      return fail(f, &e);
    } else if (outputs[i]->dtype != f->out_vars[i]->type.dtype) {
      tgi_err_set(&e, TG_ERR_TYPE, "function '%s': output %d must be %s, got a %s array",
                  f->name, i, tg_dtype_name(f->out_vars[i]->type.dtype),
                  tg_dtype_name(outputs[i]->dtype));
      return fail(f, &e);
    }
  }

  tg_array *stack_slots[STACK_SLOTS];
  bool stack_owned[STACK_SLOTS];
  tg_array **slot = stack_slots;
  bool *owned = stack_owned;
  if (f->n_slots > STACK_SLOTS) {
    slot = tgi_malloc((sizeof(tg_array *) + sizeof(bool)) * (size_t)f->n_slots);
    if (!slot) {
      tgi_err_set(&e, TG_ERR_NOMEM, "function '%s': out of memory for the call frame", f->name);
      return fail(f, &e);
    }
    owned = (bool *)(slot + f->n_slots);
  }
  memset(slot, 0, sizeof(tg_array *) * (size_t)f->n_slots);
  memset(owned, 0, sizeof(bool) * (size_t)f->n_slots);
  tg_status st = TG_OK;
  for (int k = 0; k < f->n_const; k++)
    slot[f->const_slots[k]] = f->slot_var[f->const_slots[k]]->value;
  for (int i = 0; i < f->n_in && st == TG_OK; i++) {
    tg_array *a = inputs[i] ? inputs[i] : f->defaults ? f->defaults[i] : NULL, *conv;
    int s = f->in_slots[i];
    if ((st = check_input(f, i, a, &conv, &e)) != TG_OK) break;
    slot[s] = conv ? conv : a;
    owned[s] = conv != NULL;
  }
  for (int k = 0; k < f->n_shared && st == TG_OK; k++) {
    int s = f->shared_slots[k];
    tgi_shared *sh = f->slot_var[s]->shared;
    pthread_mutex_lock(&sh->mu);
    slot[s] = tg_array_ref(sh->value);
    pthread_mutex_unlock(&sh->mu);
    owned[s] = true;
  }
  /* Let the node computing an output write straight into the caller's array. */
  for (int i = 0; into && st == TG_OK && i < f->n_out; i++) {
    int s = f->out_slots[i];
    if (f->slot_var[s]->kind == TGV_RESULT && !slot[s]) slot[s] = outputs[i];
  }

  tgi_pool own, *pool = tgi_pool_acquire(f, &own);
  for (int k = 0; k < f->n_instr && st == TG_OK; k++) {
    const tgi_instr *ins = &f->code[k];
    if (ins->jump >= 0) { /* a lazy IfElse's control instruction (lazy.c) */
      if (ins->br_slot < 0 || !tgi_ifelse_truth(slot[ins->br_slot])) k = ins->jump - 1;
      continue;
    }
    tg_array *in[16], *out[TGI_MAX_OUT];
    tg_array **inp = in;
    if (ins->n_in > 16) {
      inp = tgi_malloc(sizeof(tg_array *) * (size_t)ins->n_in);
      if (!inp) {
        st = tgi_err_set(&e, TG_ERR_NOMEM, "function '%s': out of memory", f->name);
        break;
      }
    }
    for (int i = 0; i < ins->n_in; i++) inp[i] = slot[ins->in[i]];
    for (int i = 0; i < ins->n_out; i++) out[i] = slot[ins->out[i]];
    int stolen = -1;
    tg_array *given = NULL; /* a planned buffer (plan.c): in place or from the pool */
    if (ins->ip_kind != TGI_IP_NONE && !out[0])
      given = out[0] = tgi_plan_output(f, ins, slot, owned, pool, &stolen);
    st = ins->kernel ? ins->kernel(ins->kernel_ctx, ins->op, ins->n_in, inp, ins->n_out, out, &e)
                     : ins->op->cls->perform(ins->op, ins->n_in, inp, ins->n_out, out, &e);
    if (inp != in) tgi_free(inp);
    if (st != TG_OK) {
      if (given && stolen < 0) tg_array_unref(given); /* a pooled buffer is ours to drop */
      break;
    }
    if (stolen >= 0) { /* the dying input's reference now belongs to the output */
      slot[stolen] = NULL;
      owned[stolen] = false;
    }
    for (int i = 0; i < ins->n_out; i++) {
      int s = ins->out[i];
      if (!slot[s]) owned[s] = true;
      slot[s] = out[i];
    }
    for (int i = 0; i < ins->n_free; i++) {
      int s = ins->free[i];
      if (owned[s]) tgi_plan_release(pool, slot[s]);
      slot[s] = NULL;
      owned[s] = false;
    }
  }

  tg_array *old_stack[16], **old = old_stack;
  int n_old = 0;
  if (st == TG_OK && f->n_upd > 16 && !(old = tgi_calloc((size_t)f->n_upd, sizeof *old)))
    st = tgi_err_set(&e, TG_ERR_NOMEM, "function '%s': out of memory", f->name);
  if (st == TG_OK) st = finish(f, slot, owned, outputs, into, old, &n_old, &e);
  for (int s = 0; s < f->n_slots; s++)
    if (owned[s]) tgi_plan_release(pool, slot[s]);
  if (slot != stack_slots) tgi_free(slot);
  /* after the frame's references are gone, so that an old value nobody holds is seen so */
  for (int k = 0; k < n_old; k++)
    if (st == TG_OK) tgi_plan_keep_spare(f, k, old[k]);
    else tg_array_unref(old[k]);
  if (old != old_stack) tgi_free(old);
  tgi_pool_return(f, pool);
  return st == TG_OK ? TG_OK : fail(f, &e);
}

tg_status tg_function_call(tg_function *f, tg_array *const *inputs, tg_array **outputs) {
  return run(f, inputs, outputs, false);
}

tg_status tg_function_call_into(tg_function *f, tg_array *const *inputs,
                                tg_array *const *outputs) {
  return run(f, inputs, (tg_array **)outputs, true);
}
