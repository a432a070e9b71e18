/* function.c: tg_function_new. Applies givens, orders the nodes the outputs and updates
   need, clones them into a private graph, and lays out the slots (inputs, constants,
   shared variables, intermediates) and the instruction list with each slot's last use,
   so that tg_function_call (call.c) can run many calls at once over private frames. */
#include <stdio.h>

#include "../rewrite/rewrite.h"
#include "../backend/cpu/codegen.h"
#include "function_impl.h"
#include "lazy.h"
#include "plan.h"

static const char *vname(const tg_var *v) { return v->name ? v->name : "<unnamed>"; }

/* Clone var v of the source graph into fg, once (map: source id -> clone). */
static tg_var *clone_var(tg_graph *fg, tg_var **map, tg_var *v) {
  if (map[v->id]) return map[v->id];
  tg_var *c;
  if (v->kind == TGV_CONSTANT) {
    c = tgi_const_new(fg, v->value, v->weak);
    if (c) c->type = (tg_type){v->type.dtype, v->type.ndim, NULL};
    if (c && v->type.ndim) {
      c->type.shape = tgi_arena_alloc(fg, sizeof(int64_t) * (size_t)v->type.ndim);
      if (!c->type.shape) return NULL;
      memcpy(c->type.shape, v->type.shape, sizeof(int64_t) * (size_t)v->type.ndim);
    }
  } else {
    c = tgi_var_new(fg, v->kind, &v->type, v->name);
    if (c && v->kind == TGV_SHARED) { /* the clone shares the store */
      c->shared = tgi_shared_ref(v->shared);
      c->next_const = fg->consts;
      fg->consts = c;
    }
  }
  if (!c) return NULL;
  c->weak = v->weak;
  return map[v->id] = c;
}

/* Copy the nodes of order[] into fg. */
static bool clone_nodes(tg_graph *fg, tg_node **order, int64_t n_order, tg_var **map) {
  for (int64_t k = 0; k < n_order; k++) {
    tg_node *nd = order[k];
    tg_op *op = tgi_op_new(fg, nd->op->cls, nd->op->code, nd->op->dtype, nd->op->n_params,
                           nd->op->params);
    tg_node *cn = tgi_arena_alloc(fg, sizeof *cn);
    if (!op || !cn) return false;
    if (op->cls->retain && !op->cls->retain(op, fg)) return false;
    cn->in = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(nd->n_in ? nd->n_in : 1));
    cn->out = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)nd->n_out);
    if (!cn->in || !cn->out) return false;
    cn->op = op;
    cn->n_in = nd->n_in;
    cn->n_out = nd->n_out;
    cn->id = fg->n_nodes++;
    for (int i = 0; i < nd->n_in; i++)
      if (!(cn->in[i] = clone_var(fg, map, nd->in[i]))) return false;
    for (int i = 0; i < nd->n_out; i++) {
      if (!(cn->out[i] = clone_var(fg, map, nd->out[i]))) return false;
      cn->out[i]->owner = cn;
      cn->out[i]->index = i;
    }
  }
  return true;
}

/* Slot of v, giving it the next one on first sight. */
static int slot(tg_function *f, int32_t *slot_of, tg_var *v) {
  if (slot_of[v->id] < 0) {
    slot_of[v->id] = f->n_slots;
    f->slot_var[f->n_slots++] = v;
  }
  return slot_of[v->id];
}

/* Slots of the given kind, as a list in the function's arena. */
static int *slots_of_kind(tg_function *f, int kind, int *n) {
  *n = 0;
  for (int s = 0; s < f->n_slots; s++) *n += f->slot_var[s]->kind == kind;
  int *l = tgi_arena_alloc(f->g, sizeof(int) * (size_t)(*n ? *n : 1));
  for (int s = 0, k = 0; l && s < f->n_slots; s++)
    if (f->slot_var[s]->kind == kind) l[k++] = s;
  return l;
}

/* Lay out the private graph (inputs pin[], roots: outputs then update values) as slots and
   an instruction list in order, with each intermediate slot freed at its last use. */
static bool layout(tg_function *f, int n_in, tg_var *const *pin, int n_out, int n_upd,
                   tg_var *const *roots, tg_var *const *upd_var) {
  tg_graph *fg = f->g;
  size_t nv = (size_t)fg->n_vars, nn = (size_t)fg->n_nodes;
  uint8_t *stop = tgi_calloc(nv ? nv : 1, 1);
  int32_t *slot_of = tgi_malloc(sizeof(int32_t) * (nv ? nv : 1));
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (nn ? nn : 1));
  bool ok = stop && slot_of && order;
  int64_t n_order = 0;
  if (ok) {
    for (int i = 0; i < n_in; i++) stop[pin[i]->id] = 1;
    memset(slot_of, 0xff, sizeof(int32_t) * nv);
    ok = (n_order = tgi_topo(fg, n_out + n_upd, roots, stop, order)) >= 0;
  }
  /* IfElse branches become skippable blocks */
  tgi_sched *sched = NULL;
  int64_t n_sched = ok ? tgi_lazy_schedule(fg, order, n_order, n_out + n_upd, roots, &sched) : 0;
  ok = ok && n_sched >= 0;
  f->slot_var = tgi_arena_alloc(fg, sizeof(tg_var *) * (nv ? nv : 1));
  f->code = tgi_arena_alloc(fg, sizeof(tgi_instr) * (size_t)(n_sched > 0 ? n_sched : 1));
  f->in_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(n_in ? n_in : 1));
  f->out_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(n_out ? n_out : 1));
  f->in_vars = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(n_in ? n_in : 1));
  f->out_vars = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(n_out ? n_out : 1));
  f->upd_slots = tgi_arena_alloc(fg, sizeof(int) * (size_t)(n_upd ? n_upd : 1));
  f->upd_vars = tgi_arena_alloc(fg, sizeof(tg_var *) * (size_t)(n_upd ? n_upd : 1));
  int64_t *last = tgi_arena_alloc(fg, sizeof(int64_t) * (nv ? nv : 1));
  ok = ok && f->slot_var && f->code && f->in_slots && f->out_slots && f->in_vars &&
       f->out_vars && f->upd_slots && f->upd_vars && last;
  for (int i = 0; ok && i < n_in; i++) {
    f->in_slots[i] = slot(f, slot_of, pin[i]);
    f->in_vars[i] = pin[i];
  }
  for (int64_t k = 0; ok && k < n_sched; k++) {
    tg_node *nd = sched[k].nd;
    tgi_instr *ins = &f->code[f->n_instr++];
    ins->op = nd->op;
    ins->node = nd;
    ins->jump = -1;
    ins->br_slot = -1;
    if (sched[k].kind != TGI_SCHED_NODE) {
      ins->jump = (int)sched[k].target;
      if (sched[k].kind == TGI_SCHED_BRANCH) last[ins->br_slot = slot(f, slot_of, nd->in[0])] = k;
      continue;
    }
    ins->in = tgi_arena_alloc(fg, sizeof(int) * (size_t)(nd->n_in ? nd->n_in : 1));
    ins->out = tgi_arena_alloc(fg, sizeof(int) * (size_t)nd->n_out);
    if (!(ok = ins->in && ins->out)) break;
    ins->n_in = nd->n_in;
    ins->n_out = nd->n_out;
    for (int i = 0; i < nd->n_in; i++) last[ins->in[i] = slot(f, slot_of, nd->in[i])] = k;
    /* an unused output dies where it is made */
    for (int i = 0; i < nd->n_out; i++) last[ins->out[i] = slot(f, slot_of, nd->out[i])] = k;
  }
  for (int i = 0; ok && i < n_out; i++) {
    f->out_slots[i] = slot(f, slot_of, roots[i]);
    f->out_vars[i] = roots[i];
  }
  for (int i = 0; ok && i < n_upd; i++) {
    f->upd_slots[i] = slot(f, slot_of, roots[n_out + i]);
    f->upd_vars[i] = upd_var[i];
    slot(f, slot_of, upd_var[i]);
  }
  f->n_upd = n_upd;
  tgi_free(stop);
  tgi_free(slot_of);
  tgi_free(order);
  tgi_free(sched);
  if (!ok) return false;
  /* free lists: intermediates only; inputs, constants, shared values, outputs and update
     values are never freed before the end of the call */
  bool *keep = tgi_arena_alloc(fg, (size_t)f->n_slots + 1);
  if (!keep) return false;
  for (int i = 0; i < n_in; i++) keep[f->in_slots[i]] = true;
  for (int i = 0; i < n_out; i++) keep[f->out_slots[i]] = true;
  for (int i = 0; i < n_upd; i++) keep[f->upd_slots[i]] = true;
  for (int s = 0; s < f->n_slots; s++)
    if (f->slot_var[s]->kind == TGV_CONSTANT || f->slot_var[s]->kind == TGV_SHARED) keep[s] = true;
  if (!(f->const_slots = slots_of_kind(f, TGV_CONSTANT, &f->n_const))) return false;
  if (!(f->shared_slots = slots_of_kind(f, TGV_SHARED, &f->n_shared))) return false;
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

/* Run the rewrites the options and configuration select over the private graph; roots
   are updated in place. */
static bool rewrite(tg_function *f, const tg_options *o, int n_in, tg_var *const *pin,
                    int n_roots, tg_var **roots) {
  char inc[600], exc[600];
  const char *ci = tg_config_get("optimizer_including"), *ce = tg_config_get("optimizer_excluding");
  snprintf(inc, sizeof inc, "%s%s%s", ci, *ci && o && o->including[0] ? ":" : "",
           o ? o->including : "");
  snprintf(exc, sizeof exc, "%s%s%s", ce, *ce && o && o->excluding[0] ? ":" : "",
           o ? o->excluding : "");
  const char *mode = o && o->mode[0] ? o->mode : tg_config_get("mode");
  bool trace = o && o->verbose >= 0 ? o->verbose : !strcmp(tg_config_get("optimizer_verbose"), "True");
  int nr = tgi_rewrite_count();
  uint8_t *on = tgi_calloc((size_t)nr + 1, 1);
  f->fired = tgi_arena_alloc(f->g, sizeof(int64_t) * (size_t)(nr + 1));
  f->n_rewrites = nr;
  if (!on || !f->fired) {
    tgi_free(on);
    return false;
  }
  tgi_err e = {0};
  if (!tgi_rewrite_select(mode, inc, exc, on, &e)) {
    tgi_free(on);
    return tgi_gfail(f->g, e.status, "function: %s", e.msg), false;
  }
  tgi_fgraph fgr;
  bool ok = tgi_fgraph_init(&fgr, f->g, n_in, pin, n_roots, roots) &&
            tgi_rewrite_run(&fgr, on, f->fired, trace);
  tgi_fgraph_free(&fgr);
  tgi_free(on);
  return ok;
}

/* Argument checks that need no allocation; NULL after recording an error. */
static bool check_args(tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                       tg_var *const *outputs, const tg_options *o) {
  if (n_in < 0 || n_out < 0 || (n_in && !inputs) || (n_out && !outputs) ||
      (n_out == 0 && (!o || o->updates.n == 0)))
    return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: bad counts (%d inputs, %d outputs%s)",
                     n_in, n_out, n_out ? "" : " and no updates"), false;
  for (int i = 0; i < n_in; i++) {
    if (!inputs[i]) return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d is NULL", i), false;
    if (inputs[i]->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d belongs to another graph", i), false;
    if (inputs[i]->kind == TGV_CONSTANT || inputs[i]->kind == TGV_SHARED)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input %d ('%s') is a %s; it cannot be "
                       "an input", i, vname(inputs[i]),
                       inputs[i]->kind == TGV_CONSTANT ? "constant" : "shared variable"), false;
    for (int j = 0; j < i; j++)
      if (inputs[j] == inputs[i])
        return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: input '%s' is given twice (%d and %d)",
                         vname(inputs[i]), j, i), false;
  }
  for (int i = 0; i < n_out; i++) {
    if (!outputs[i]) return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: output %d is NULL", i), false;
    if (outputs[i]->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: output %d belongs to another graph", i), false;
  }
  if (!o) return true;
  char t1[160], t2[160];
  for (int i = 0; i < o->updates.n; i++) {
    tg_var *v = o->updates.a[i], *e = o->updates.b[i];
    if (v->g != g || e->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: update %d is from another graph", i), false;
    if (v->kind != TGV_SHARED)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: update %d targets '%s', which is not "
                       "a shared variable", i, vname(v)), false;
    if (e->type.dtype != v->type.dtype || e->type.ndim != v->type.ndim)
      return tgi_gfail(g, TG_ERR_TYPE, "tg_function_new: the update of '%s' has type %s; it "
                       "must have the shared variable's type %s (cast it)", vname(v),
                       tgi_type_str(&e->type, t1, sizeof t1),
                       tgi_type_str(&v->type, t2, sizeof t2)), false;
    for (int j = 0; j < i; j++)
      if (o->updates.a[j] == v)
        return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: '%s' is updated twice", vname(v)), false;
  }
  for (int i = 0; i < o->givens.n; i++) {
    tg_var *v = o->givens.a[i], *e = o->givens.b[i];
    if (v->g != g || e->g != g)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: given %d is from another graph", i), false;
    if (e->type.dtype != v->type.dtype || e->type.ndim != v->type.ndim)
      return tgi_gfail(g, TG_ERR_TYPE, "tg_function_new: the replacement of '%s' has type %s, "
                       "not %s", vname(v), tgi_type_str(&e->type, t1, sizeof t1),
                       tgi_type_str(&v->type, t2, sizeof t2)), false;
    for (int j = 0; j < n_in; j++)
      if (inputs[j] == v)
        return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: '%s' is both an input and replaced "
                         "by givens", vname(v)), false;
  }
  for (int i = 0; i < o->n_defaults; i++) {
    int k = o->default_index[i];
    if (k >= n_in)
      return tgi_gfail(g, TG_ERR_ARG, "tg_function_new: a default is given for input %d of %d",
                       k, n_in), false;
    const tg_array *a = o->default_value[i];
    if (a->dtype != inputs[k]->type.dtype || a->ndim != inputs[k]->type.ndim)
      return tgi_gfail(g, TG_ERR_TYPE, "tg_function_new: the default of input %d ('%s') is a %s "
                       "array of rank %d; expected %s", k, vname(inputs[k]),
                       tg_dtype_name(a->dtype), a->ndim,
                       tgi_type_str(&inputs[k]->type, t1, sizeof t1)), false;
  }
  return true;
}

/* After ordering: every symbolic input reached must be a function input, and every
   function input should be used (on_unused_input). */
static bool check_reach(tg_graph *g, tg_node **order, int64_t n, int n_roots,
                        tg_var *const *roots, int n_in, tg_var *const *inputs,
                        const bool *is_input, int unused_policy) {
  bool *used = tgi_calloc((size_t)(g->n_vars ? g->n_vars : 1), 1);
  if (!used) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory compiling a function"), false;
  bool ok = true;
  for (int r = 0; r < n_roots; r++) used[roots[r]->id] = true;
  for (int64_t k = 0; k < n; k++)
    for (int i = 0; i < order[k]->n_in; i++) used[order[k]->in[i]->id] = true;
  for (int64_t k = 0; ok && k <= n; k++) {
    int m = k < n ? order[k]->n_in : n_roots;
    for (int i = 0; ok && i < m; i++) {
      tg_var *v = k < n ? order[k]->in[i] : roots[i];
      if (v->kind == TGV_INPUT && !is_input[v->id]) {
        tgi_gfail(g, TG_ERR_ARG, "function: an output depends on input '%s', which is not among "
                  "the function's inputs", vname(v));
        ok = false;
      }
    }
  }
  for (int i = 0; ok && i < n_in; i++) {
    if (used[inputs[i]->id] || unused_policy == TGI_UNUSED_IGNORE) continue;
    if (unused_policy == TGI_UNUSED_WARN) {
      fprintf(stderr, "tgraph: warning: function: input %d ('%s') is not used to compute any "
              "output\n", i, vname(inputs[i]));
      continue;
    }
    tgi_gfail(g, TG_ERR_ARG, "function: input %d ('%s') is not used to compute any output; set "
              "the option on_unused_input to warn or ignore to allow it", i, vname(inputs[i]));
    ok = false;
  }
  tgi_free(used);
  return ok;
}

/* Add the default updates (random streams' states) of the shared variables the nodes in
   order[] read that are not updated explicitly. Returns how many were added, -1 on NOMEM. */
static int add_default_updates(tg_node **order, int64_t n, int n_roots, tg_var **roots,
                               tgi_pairs *upd) {
  int added = 0;
  for (int64_t k = 0; k <= n; k++) {
    int m = k < n ? order[k]->n_in : n_roots;
    for (int i = 0; i < m; i++) {
      tg_var *v = k < n ? order[k]->in[i] : roots[i];
      if (v->kind != TGV_SHARED || !v->default_update) continue;
      bool have = false;
      for (int j = 0; j < upd->n && !have; j++) have = upd->a[j] == v;
      if (have) continue;
      tg_var *e = v->default_update; /* givens are applied with the other roots */
      if (upd->n == upd->cap) {
        int cap = upd->cap ? upd->cap * 2 : 8;
        tg_var **a = tgi_realloc(upd->a, sizeof *a * (size_t)cap);
        if (a) upd->a = a;
        tg_var **b = a ? tgi_realloc(upd->b, sizeof *b * (size_t)cap) : NULL;
        if (!b) return -1;
        upd->b = b;
        upd->cap = cap;
      }
      upd->a[upd->n] = v;
      upd->b[upd->n++] = e;
      added++;
    }
  }
  return added;
}

tg_function *tg_function_new(tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                             tg_var *const *outputs, const tg_options *opts) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_function_new: graph is NULL"), NULL;
  if (g->err.status != TG_OK) return NULL; /* the graph already failed; keep its error */
  if (!check_args(g, n_in, inputs, n_out, outputs, opts)) return NULL;
  int n_giv = opts ? opts->givens.n : 0;
  /* updates: the explicit ones (after givens), then default updates found while ordering */
  tgi_pairs upd = {0, 0, NULL, NULL};
  tg_var **roots = NULL;
  bool *is_input = NULL;
  uint8_t *stop = NULL;
  tg_node **order = NULL;
  tg_var **map = NULL, **pin = NULL, **proots = NULL, **pupd = NULL;
  tg_function *f = NULL;
  tg_graph *fg = NULL;
  int64_t n_order = -1;
  bool ok = true, nomem = false;
  int n_exp = opts ? opts->updates.n : 0;
  if (n_exp) {
    upd.a = tgi_malloc(sizeof(tg_var *) * (size_t)n_exp);
    upd.b = tgi_malloc(sizeof(tg_var *) * (size_t)n_exp);
    if (!upd.a || !upd.b) {
      nomem = true;
    } else {
      upd.n = upd.cap = n_exp;
      memcpy(upd.a, opts->updates.a, sizeof(tg_var *) * (size_t)n_exp);
      memcpy(upd.b, opts->updates.b, sizeof(tg_var *) * (size_t)n_exp);
    }
  }
  size_t nv = 0;
  while (!nomem && ok) {
    int n_roots = n_out + upd.n;
    tgi_free(roots);
    if (!(roots = tgi_malloc(sizeof(tg_var *) * (size_t)(n_roots ? n_roots : 1)))) {
      nomem = true;
      break;
    }
    for (int i = 0; i < n_out; i++) roots[i] = outputs[i];
    for (int i = 0; i < upd.n; i++) roots[n_out + i] = upd.b[i];
    /* givens over every root in one go, so a node shared by an output and an update (a
       random draw and its state's default update) stays one node */
    if (n_giv && !tgi_clone_replace(g, n_roots, roots, n_giv, opts->givens.a, opts->givens.b,
                                    roots)) {
      ok = false;
      break;
    }
    nv = (size_t)g->n_vars;
    tgi_free(stop);
    tgi_free(order);
    stop = tgi_calloc(nv ? nv : 1, 1);
    order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
    if (!stop || !order) {
      nomem = true;
      break;
    }
    for (int i = 0; i < n_in; i++) stop[inputs[i]->id] = 1;
    if ((n_order = tgi_topo(g, n_roots, roots, stop, order)) < 0) {
      nomem = true;
      break;
    }
    if (opts && opts->no_default_updates) break;
    int added = add_default_updates(order, n_order, n_roots, roots, &upd);
    if (added < 0) nomem = true;
    if (added <= 0) break;
  }
  int n_upd = upd.n, n_roots = n_out + n_upd;
  if (ok && !nomem) {
    is_input = tgi_calloc(nv ? nv : 1, sizeof(bool));
    map = tgi_calloc(nv ? nv : 1, sizeof(tg_var *));
    pin = tgi_malloc(sizeof(tg_var *) * (size_t)(n_in ? n_in : 1));
    proots = tgi_malloc(sizeof(tg_var *) * (size_t)(n_roots ? n_roots : 1));
    pupd = tgi_malloc(sizeof(tg_var *) * (size_t)(n_upd ? n_upd : 1));
    f = tgi_calloc(1, sizeof *f);
    fg = tg_graph_new();
    nomem = !is_input || !map || !pin || !proots || !pupd || !f || !fg;
  }
  if (nomem) tgi_err_set(&g->err, TG_ERR_NOMEM, "out of memory compiling a function");
  ok = ok && !nomem;
  if (ok) {
    for (int i = 0; i < n_in; i++) is_input[inputs[i]->id] = true;
    ok = check_reach(g, order, n_order, n_roots, roots, n_in, inputs, is_input,
                     opts ? opts->on_unused_input : TGI_UNUSED_RAISE);
  }
  if (ok) {
    f->g = fg;
    f->n_in = n_in;
    f->n_out = n_out;
    snprintf(f->name, sizeof f->name, "%s", opts && opts->name[0] ? opts->name : "<unnamed>");
    f->allow_input_downcast = opts && opts->allow_input_downcast;
    f->borrow_outputs = opts && opts->borrow_outputs;
    for (int i = 0; ok && i < n_in; i++) {
      ok = (pin[i] = clone_var(fg, map, inputs[i])) != NULL;
      if (ok) pin[i]->kind = TGV_INPUT; /* a cut point is an input of the clone */
    }
    ok = ok && clone_nodes(fg, order, n_order, map);
    for (int i = 0; ok && i < n_roots; i++) ok = (proots[i] = clone_var(fg, map, roots[i])) != NULL;
    for (int i = 0; ok && i < n_upd; i++) ok = (pupd[i] = clone_var(fg, map, upd.a[i])) != NULL;
    ok = ok && rewrite(f, opts, n_in, pin, n_roots, proots) &&
         layout(f, n_in, pin, n_out, n_upd, proots, pupd) &&
         tgi_plan(f) && /* in-place candidates, update spares (plan.c) */
         tgi_native_prepare(f, opts); /* native kernels (src/backend/cpu/codegen.c) */
    if (ok && opts && opts->n_defaults) {
      f->defaults = tgi_arena_alloc(fg, sizeof(tg_array *) * (size_t)n_in);
      ok = f->defaults != NULL;
      for (int i = 0; ok && i < opts->n_defaults; i++) {
        int k = opts->default_index[i];
        /* held by a constant of the private graph, so freeing the graph drops it */
        tg_var *c = tgi_const_new(fg, opts->default_value[i], TGW_NONE);
        if (!(ok = c != NULL)) break;
        f->defaults[k] = c->value;
      }
    }
    if (!ok) {
      if (fg->err.status != TG_OK)
        tgi_err_set(&g->err, fg->err.status, "%s", fg->err.msg);
      else
        tgi_err_set(&g->err, TG_ERR_NOMEM, "out of memory compiling a function");
    }
  }
  if (ok && pthread_mutex_init(&f->mu, NULL) != 0) {
    tgi_err_set(&g->err, TG_ERR_RUNTIME, "tg_function_new: cannot create a mutex");
    ok = false;
  }
  tgi_free(upd.a);
  tgi_free(upd.b);
  tgi_free(roots);
  tgi_free(is_input);
  tgi_free(stop);
  tgi_free(order);
  tgi_free(map);
  tgi_free(pin);
  tgi_free(proots);
  tgi_free(pupd);
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
  tgi_plan_free(f);
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

int tg_function_n_rewrites(const tg_function *f) {
  if (!f || !f->fired) return 0;
  int n = 0;
  for (int i = 0; i < f->n_rewrites; i++) n += f->fired[i] > 0;
  return n;
}

const char *tg_function_rewrite(const tg_function *f, int i, int64_t *count) {
  if (!f || !f->fired || i < 0) return NULL;
  for (int r = 0; r < f->n_rewrites; r++) {
    if (f->fired[r] == 0 || i-- > 0) continue;
    if (count) *count = f->fired[r];
    return tgi_rewrite_get(r)->name;
  }
  return NULL;
}
