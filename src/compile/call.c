/* call.c: running a compiled function. Each call has its own frame of slots (on the stack
   when small), so concurrent calls share nothing mutable but the error record. */
#include <stdio.h>

#include "function_impl.h"

#define STACK_SLOTS 64

static tg_status fail(tg_function *f, tgi_err *e) {
  pthread_mutex_lock(&f->mu);
  f->err = *e;
  pthread_mutex_unlock(&f->mu);
  return e->status;
}

static tg_status check_input(const tg_function *f, int i, const tg_array *a, tgi_err *e) {
  const tg_var *v = f->in_vars[i];
  char tb[256], sb[256];
  if (!a)
    return tgi_err_set(e, TG_ERR_ARG, "function '%s': input %d ('%s') is NULL", f->name, i,
                       v->name ? v->name : "<unnamed>");
  bool ok = a->dtype == v->type.dtype && a->ndim == v->type.ndim;
  for (int d = 0; ok && d < a->ndim; d++)
    ok = v->type.shape[d] < 0 || v->type.shape[d] == a->shape[d];
  if (ok) return TG_OK;
  return tgi_err_set(e, TG_ERR_TYPE,
                     "function '%s': input %d ('%s') expects %s, got a %s array of shape %s",
                     f->name, i, v->name ? v->name : "<unnamed>",
                     tgi_type_str(&v->type, tb, sizeof tb), tg_dtype_name(a->dtype),
                     tgi_shape_str(a->ndim, a->shape, sb, sizeof sb));
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
  if (!outputs) {
    tgi_err_set(&e, TG_ERR_ARG, "function '%s': outputs is NULL", f->name);
    return fail(f, &e);
  }
  for (int i = 0; i < f->n_in; i++)
    if (check_input(f, i, inputs[i], &e) != TG_OK) return fail(f, &e);
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
  for (int k = 0; k < f->n_const; k++)
    slot[f->const_slots[k]] = f->slot_var[f->const_slots[k]]->value;
  for (int i = 0; i < f->n_in; i++) slot[f->in_slots[i]] = inputs[i];
  /* Let the node computing an output write straight into the caller's array. */
  if (into)
    for (int i = 0; i < f->n_out; i++) {
      int s = f->out_slots[i];
      if (f->slot_var[s]->kind == TGV_RESULT && !slot[s]) slot[s] = outputs[i];
    }

  tg_status st = TG_OK;
  for (int k = 0; k < f->n_instr && st == TG_OK; k++) {
    const tgi_instr *ins = &f->code[k];
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
    st = ins->op->cls->perform(ins->op, ins->n_in, inp, ins->n_out, out, &e);
    if (inp != in) tgi_free(inp);
    if (st != TG_OK) break;
    for (int i = 0; i < ins->n_out; i++) {
      int s = ins->out[i];
      if (!slot[s]) owned[s] = true;
      slot[s] = out[i];
    }
    for (int i = 0; i < ins->n_free; i++) {
      int s = ins->free[i];
      if (owned[s]) tg_array_unref(slot[s]);
      slot[s] = NULL;
      owned[s] = false;
    }
  }

  if (st == TG_OK) {
    for (int i = 0; i < f->n_out && st == TG_OK; i++) {
      tg_array *v = slot[f->out_slots[i]];
      if (!into) outputs[i] = tg_array_ref(v);
      else if (v != outputs[i] && tg_array_copy_into(outputs[i], v) != TG_OK)
        st = tgi_err_set(&e, TG_ERR_SHAPE, "function '%s': output %d: %s", f->name, i,
                         tg_errmsg());
    }
    if (st != TG_OK && !into) /* cannot happen today; keep the all-or-nothing promise */
      for (int i = 0; i < f->n_out; i++) tg_array_unref(outputs[i]), outputs[i] = NULL;
  }
  for (int s = 0; s < f->n_slots; s++)
    if (owned[s]) tg_array_unref(slot[s]);
  if (slot != stack_slots) tgi_free(slot);
  return st == TG_OK ? TG_OK : fail(f, &e);
}

tg_status tg_function_call(tg_function *f, tg_array *const *inputs, tg_array **outputs) {
  return run(f, inputs, outputs, false);
}

tg_status tg_function_call_into(tg_function *f, tg_array *const *inputs,
                                tg_array *const *outputs) {
  return run(f, inputs, (tg_array **)outputs, true);
}
