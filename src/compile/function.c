/* function.c: tg_function_new clones the subgraph between the inputs and the outputs into
   a private graph, orders it and lays out slots and instruction list; tg_function_call runs
   that list over a per-call frame of slots, so one function serves many threads at once. */
#include <stdio.h>

#include "function_impl.h"

/* ---- options ---- */

tg_options *tg_options_new(void) {
  tg_options *o = tgi_calloc(1, sizeof *o);
  if (!o) tgi_fail(TG_ERR_NOMEM, "out of memory creating options");
  return o;
}

void tg_options_free(tg_options *o) { tgi_free(o); }

tg_status tg_options_set(tg_options *o, const char *key, const char *value) {
  if (!o || !key || !value) return tgi_fail(TG_ERR_ARG, "tg_options_set: NULL argument");
  if (strcmp(key, "name") == 0) {
    if (strlen(value) >= sizeof o->name)
      return tgi_fail(TG_ERR_ARG, "tg_options_set: name longer than %zu bytes",
                      sizeof o->name - 1);
    strcpy(o->name, value);
    return TG_OK;
  }
  return tgi_fail(TG_ERR_ARG, "tg_options_set: unknown option '%s' (known: name)", key);
}

/* ---- compile ---- */

static const char *vname(const tg_var *v) { return v->name ? v->name : "<unnamed>"; }

/* Collect the nodes the outputs need, in topological order, without recursion. Variables
   map to dense indices through map[] (by id in the source graph): -1 unseen. */
typedef struct {
  tg_graph *src;
  int32_t *state;   /* per source var: 0 unseen, 1 on stack, 2 done */
  bool *is_input;   /* per source var */
  tg_node **order;
  int64_t n_order;
} walk;

static tg_status topo(walk *w, int n_out, tg_var *const *outs) {
  int64_t cap = 64, sp = 0;
  tg_var **stack = tgi_malloc(sizeof(tg_var *) * (size_t)cap);
  tg_status st = stack ? TG_OK : TG_ERR_NOMEM;
  for (int o = 0; o < n_out && st == TG_OK; o++) {
    stack[sp++] = outs[o];
    while (sp > 0) {
      tg_var *v = stack[sp - 1];
      int32_t *s = &w->state[v->id];
      if (*s == 2) {
        sp--;
        continue;
      }
      if (w->is_input[v->id] || v->kind == TGV_CONSTANT) {
        *s = 2;
        sp--;
        continue;
      }
      if (v->kind == TGV_INPUT) {
        st = tgi_err_set(&w->src->err, TG_ERR_ARG,
                         "function: an output depends on input '%s', which is not among the "
                         "function's inputs",
                         vname(v));
        break;
      }
      tg_node *nd = v->owner;
      if (*s == 0) {
        *s = 1;
        for (int i = nd->n_in - 1; i >= 0; i--) {
          if (w->state[nd->in[i]->id] == 2) continue;
          if (sp == cap) {
            tg_var **ns = tgi_realloc(stack, sizeof(tg_var *) * (size_t)(cap *= 2));
            if (!ns) {
              st = TG_ERR_NOMEM;
              break;
            }
            stack = ns;
          }
          stack[sp++] = nd->in[i];
        }
        continue;
      }
      /* second visit: inputs are done; emit the node once (outputs share it) */
      sp--;
      bool emitted = false;
      for (int i = 0; i < nd->n_out; i++) emitted |= w->state[nd->out[i]->id] == 2;
      for (int i = 0; i < nd->n_out; i++) w->state[nd->out[i]->id] = 2;
      if (!emitted) w->order[w->n_order++] = nd;
    }
  }
  tgi_free(stack);
  if (st == TG_ERR_NOMEM) tgi_err_set(&w->src->err, st, "out of memory compiling a function");
  return st;
}

/* Clone var v of the source graph into f->g, once; returns its slot or -1. */
static int clone_var(tg_function *f, int32_t *slot_of, tg_var *v) {
  if (slot_of[v->id] >= 0) return slot_of[v->id];
  tg_var *c = v->kind == TGV_CONSTANT ? tgi_const_new(f->g, v->value, v->weak)
                                      : tgi_var_new(f->g, v->kind, &v->type, v->name);
  if (!c) return -1;
  c->weak = v->weak;
  int s = f->n_slots++;
  f->slot_var[s] = c;
  slot_of[v->id] = s;
  return s;
}

static bool build(tg_function *f, tg_graph *g, walk *w, int n_in, tg_var *const *inputs,
                  int n_out, tg_var *const *outputs, int32_t *slot_of) {
  tg_graph *fg = f->g;
  size_t nv = (size_t)g->n_vars;
  f->slot_var = tgi_arena_alloc(fg, sizeof(tg_var *) * (nv ? nv : 1));
  f->code = tgi_arena_alloc(fg, sizeof(tgi_instr) * (size_t)(w->n_order ? w->n_order : 1));
  f->in_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(n_in ? n_in : 1));
  f->out_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(n_out ? n_out : 1));
  f->in_vars = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(n_in ? n_in : 1));
  f->out_vars = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(n_out ? n_out : 1));
  if (!f->slot_var || !f->code || !f->in_slots || !f->out_slots || !f->in_vars || !f->out_vars)
    return false;
  for (int i = 0; i < n_in; i++) {
    if ((f->in_slots[i] = clone_var(f, slot_of, inputs[i])) < 0) return false;
    f->in_vars[i] = f->slot_var[f->in_slots[i]];
    f->in_vars[i]->kind = TGV_INPUT; /* a cut point is an input of the clone */
  }
  int64_t *last = tgi_arena_alloc(fg, sizeof(int64_t) * (nv ? nv : 1));
  if (!last) return false;
  for (int64_t k = 0; k < w->n_order; k++) {
    tg_node *nd = w->order[k];
    tgi_instr *ins = &f->code[f->n_instr++];
    tg_op *op = tgi_op_new(fg, nd->op->cls, nd->op->code, nd->op->dtype, nd->op->n_params,
                           nd->op->params);
    tg_node *cn = tgi_arena_alloc(fg, sizeof *cn);
    ins->in = tgi_arena_alloc(fg, sizeof(int) * (size_t)(nd->n_in ? nd->n_in : 1));
    ins->out = tgi_arena_alloc(fg, sizeof(int) * (size_t)nd->n_out);
    if (!op || !cn || !ins->in || !ins->out) return false;
    cn->in = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(nd->n_in ? nd->n_in : 1));
    cn->out = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)nd->n_out);
    if (!cn->in || !cn->out) return false;
    cn->op = op;
    cn->n_in = nd->n_in;
    cn->n_out = nd->n_out;
    cn->id = fg->n_nodes++;
    ins->op = op;
    ins->node = cn;
    ins->n_in = nd->n_in;
    ins->n_out = nd->n_out;
    for (int i = 0; i < nd->n_in; i++) {
      int s = clone_var(f, slot_of, nd->in[i]);
      if (s < 0) return false;
      ins->in[i] = s;
      cn->in[i] = f->slot_var[s];
      last[s] = k;
    }
    for (int i = 0; i < nd->n_out; i++) {
      int s = clone_var(f, slot_of, nd->out[i]);
      if (s < 0) return false;
      ins->out[i] = s;
      cn->out[i] = f->slot_var[s];
      cn->out[i]->owner = cn;
      cn->out[i]->index = i;
      last[s] = k; /* an unused output dies where it is made */
    }
  }
  for (int i = 0; i < n_out; i++) {
    if ((f->out_slots[i] = clone_var(f, slot_of, outputs[i])) < 0) return false;
    f->out_vars[i] = f->slot_var[f->out_slots[i]];
  }
  /* free lists: intermediates only; inputs, constants and outputs are never freed */
  bool *keep = tgi_arena_alloc(fg, (size_t)f->n_slots + 1);
  if (!keep) return false;
  for (int i = 0; i < n_in; i++) keep[f->in_slots[i]] = true;
  for (int i = 0; i < n_out; i++) keep[f->out_slots[i]] = true;
  for (int s = 0; s < f->n_slots; s++)
    if (f->slot_var[s]->kind == TGV_CONSTANT) keep[s] = true, f->n_const++;
  f->const_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(f->n_const ? f->n_const : 1));
  if (!f->const_slots) return false;
  for (int s = 0, k = 0; s < f->n_slots; s++)
    if (f->slot_var[s]->kind == TGV_CONSTANT) f->const_slots[k++] = s;
  int *counts = tgi_arena_alloc(fg, sizeof(int) * (size_t)(f->n_instr ? f->n_instr : 1));
  if (!counts) return false;
  for (int s = 0; s < f->n_slots; s++)
    if (!keep[s]) counts[last[s]]++;
  for (int k = 0; k < f->n_instr; k++) {
    f->code[k].free = tgi_arena_alloc(fg, sizeof(int) * (size_t)(counts[k] ? counts[k] : 1));
    if (!f->code[k].free) return false;
  }
  for (int s = 0; s < f->n_slots; s++)
    if (!keep[s]) {
      tgi_instr *ins = &f->code[last[s]];
      ins->free[ins->n_free++] = s;
    }
  return true;
}

tg_function *tg_function_new(tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                             tg_var *const *outputs, const tg_options *opts) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_function_new: graph is NULL"), NULL;
  if (g->err.status != TG_OK) return NULL; /* the graph already failed; keep its error */
  if (n_in < 0 || n_out < 1 || (n_in && !inputs) || !outputs)
    return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: bad counts (%d inputs, %d outputs)",
                     n_in, n_out);
  for (int i = 0; i < n_in; i++) {
    if (!inputs[i]) return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d is NULL", i);
    if (inputs[i]->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d belongs to another graph", i);
    if (inputs[i]->kind == TGV_CONSTANT)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d is a constant", i);
    for (int j = 0; j < i; j++)
      if (inputs[j] == inputs[i])
        return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input '%s' is given twice (%d and %d)",
                         vname(inputs[i]), j, i);
  }
  for (int i = 0; i < n_out; i++) {
    if (!outputs[i]) return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: output %d is NULL", i);
    if (outputs[i]->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: output %d belongs to another graph", i);
  }
  size_t nv = (size_t)g->n_vars;
  walk w = {.src = g};
  w.state = tgi_calloc(nv, sizeof(int32_t));
  w.is_input = tgi_calloc(nv, sizeof(bool));
  w.order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  int32_t *slot_of = tgi_malloc(sizeof(int32_t) * (nv ? nv : 1));
  tg_function *f = tgi_calloc(1, sizeof *f);
  tg_graph *fg = tg_graph_new();
  bool ok = w.state && w.is_input && w.order && slot_of && f && fg;
  if (!ok) tgi_err_set(&g->err, TG_ERR_NOMEM, "out of memory compiling a function");
  if (ok) {
    for (int i = 0; i < n_in; i++) w.is_input[inputs[i]->id] = true;
    memset(slot_of, 0xff, sizeof(int32_t) * nv);
    ok = topo(&w, n_out, outputs) == TG_OK;
  }
  if (ok) {
    f->g = fg;
    f->n_in = n_in;
    f->n_out = n_out;
    snprintf(f->name, sizeof f->name, "%s", opts && opts->name[0] ? opts->name : "<unnamed>");
    ok = build(f, g, &w, n_in, inputs, n_out, outputs, slot_of);
    if (!ok) tgi_err_set(&g->err, TG_ERR_NOMEM, "out of memory compiling a function");
  }
  if (ok && pthread_mutex_init(&f->mu, NULL) != 0) {
    tgi_err_set(&g->err, TG_ERR_RUNTIME, "tg_function_new: cannot create a mutex");
    ok = false;
  }
  tgi_free(w.state);
  tgi_free(w.is_input);
  tgi_free(w.order);
  tgi_free(slot_of);
  if (!ok) {
    tg_graph_free(fg);
    tgi_free(f);
    return NULL;
  }
  return f;
}

void tg_function_free(tg_function *f) {
  if (!f) return;
  pthread_mutex_destroy(&f->mu);
  tg_graph_free(f->g);
  tgi_free(f);
}

int tg_function_n_inputs(const tg_function *f) { return f ? f->n_in : -1; }
int tg_function_n_outputs(const tg_function *f) { return f ? f->n_out : -1; }
int64_t tg_function_n_nodes(const tg_function *f) { return f ? f->n_instr : -1; }

const char *tg_function_error(const tg_function *f) {
  static _Thread_local char copy[TGI_MSG_MAX];
  if (!f) return "function is NULL";
  pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
  pthread_mutex_lock(mu);
  snprintf(copy, sizeof copy, "%s", f->err.status == TG_OK ? "" : f->err.msg);
  pthread_mutex_unlock(mu);
  return copy;
}
