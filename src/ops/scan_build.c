/* scan_build.c: turning a step graph into a Scan node. The step is built in the caller's
   graph from placeholder variables; tgi_scan_make finds what it uses from outside (the
   implicit non-sequences: anything not depending on a placeholder is computed once,
   outside the loop), clones the rest into a private inner graph, compiles it once, and
   applies the Scan op. Also the cross-graph clone the gradient rule reuses. */
#include <stdio.h>

#include "scan_impl.h"

static const char *vname(const tg_var *v) { return v->name ? v->name : "<unnamed>"; }

tg_var *tgi_scan_placeholder(tg_graph *g, const tg_type *t, const char *name) {
  return tgi_var_new(g, TGV_INPUT, t, name);
}

bool tgi_scan_clone(tg_graph *dst, int n_roots, tg_var *const *roots, int n_map,
                    tg_var *const *from, tg_var *const *to, tg_var **res, const char *what) {
  tg_graph *src = roots[0]->g;
  size_t nv = (size_t)(src->n_vars ? src->n_vars : 1);
  tg_var **img = tgi_calloc(nv, sizeof(tg_var *));
  uint8_t *stop = tgi_calloc(nv, 1);
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (size_t)(src->n_nodes ? src->n_nodes : 1));
  tg_var *ins_stack[16], **ins = ins_stack;
  bool ok = img && stop && order;
  int64_t n = 0;
  if (ok) {
    for (int i = 0; i < n_map; i++) {
      img[from[i]->id] = to[i];
      stop[from[i]->id] = 1;
    }
    ok = (n = tgi_topo(src, n_roots, roots, stop, order)) >= 0;
  }
  if (!ok) tgi_gfail(dst, TG_ERR_NOMEM, "scan: out of memory");
  for (int64_t k = 0; ok && k <= n; k++) {
    tg_node *nd = k < n ? order[k] : NULL;
    int m = nd ? nd->n_in : n_roots;
    if (m > 16 && !(ins = tgi_malloc(sizeof(tg_var *) * (size_t)m))) {
      ok = tgi_gfail(dst, TG_ERR_NOMEM, "scan: out of memory") != NULL;
      break;
    }
    for (int i = 0; ok && i < m; i++) {
      tg_var *v = nd ? nd->in[i] : roots[i];
      if (!img[v->id] && v->kind == TGV_CONSTANT) img[v->id] = tgi_const_new(dst, v->value, v->weak);
      else if (!img[v->id])
        ok = tgi_gfail(dst, TG_ERR_ARG, "%s: '%s' cannot be reached", what, vname(v)) != NULL;
      ok = ok && img[v->id];
      if (ok) ins[i] = img[v->id];
    }
    if (ok && nd) {
      const tg_op *o = nd->op;
      tg_op *op = tgi_op_new(dst, o->cls, o->code, o->dtype, o->n_params, o->params);
      ok = op && (!op->cls->retain || op->cls->retain(op, dst));
      tg_node *cn = ok ? tgi_apply(op, m, ins) : NULL;
      ok = cn != NULL;
      for (int i = 0; ok && i < nd->n_out; i++) img[nd->out[i]->id] = cn->out[i];
    }
    if (ok && !nd)
      for (int i = 0; i < n_roots; i++) res[i] = ins[i];
    if (ins != ins_stack) tgi_free(ins);
    ins = ins_stack;
  }
  tgi_free(img);
  tgi_free(stop);
  tgi_free(order);
  return ok;
}

/* Check the step's outputs against the initial states. */
static bool check_desc(const tgi_scan_desc *d) {
  tg_graph *g = d->g;
  const char *nm = d->name;
  char t1[160], t2[160];
  if (!d->n_steps && d->n_seq == 0)
    return tgi_gfail(g, TG_ERR_ARG, "scan '%s': without sequences, n_steps must be given", nm), false;
  for (int o = 0; o < d->n_rec; o++) {
    tg_var *v = d->rec_out[o], *init = d->inits[o];
    if (!v || !init) return tgi_gfail(g, TG_ERR_ARG, "scan '%s': output %d is NULL", nm, o), false;
    bool ok = v->type.dtype == init->type.dtype && v->type.ndim == init->type.ndim - 1;
    for (int dd = 0; ok && dd < v->type.ndim; dd++) {
      int64_t a = v->type.shape[dd], b = init->type.shape[dd + 1];
      ok = a < 0 || b < 0 || a == b;
    }
    if (!ok) {
      tg_type st = init->type;
      st.ndim--;
      st.shape++;
      return tgi_gfail(g, TG_ERR_TYPE, "scan '%s': the step's output %d has type %s, but its "
                       "initial state (outputs_info) has type %s; they must match (cast one)",
                       nm, o, tgi_type_str(&v->type, t1, sizeof t1),
                       tgi_type_str(&st, t2, sizeof t2)), false;
    }
  }
  for (int q = 0; q < d->n_nit; q++)
    if (!d->nit_out[q])
      return tgi_gfail(g, TG_ERR_ARG, "scan '%s': output %d is NULL", nm, d->n_rec + q), false;
  if (d->until && d->until->type.ndim != 0)
    return tgi_gfail(g, TG_ERR_TYPE, "scan '%s': the until condition must be 0-d, got %s", nm,
                     tgi_type_str(&d->until->type, t1, sizeof t1)), false;
  if (d->until && d->reverse)
    return tgi_gfail(g, TG_ERR_ARG, "scan '%s': a reversed loop cannot stop early", nm), false;
  if (d->n_rec + d->n_nit == 0)
    return tgi_gfail(g, TG_ERR_ARG, "scan '%s': the loop has no outputs", nm), false;
  return true;
}

/* The step's placeholders, then the outside variables it uses (non-sequences). */
typedef struct extract {
  int n_ph, n_ns, cap_ns;
  tg_var **ph, **ns;
} extract;

static bool find_free(tg_graph *g, extract *x, int n_roots, tg_var *const *roots) {
  size_t nv = (size_t)(g->n_vars ? g->n_vars : 1);
  uint8_t *dep = tgi_calloc(nv, 1), *added = tgi_calloc(nv, 1);
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  int64_t n = -1;
  bool ok = dep && added && order;
  if (ok) {
    for (int i = 0; i < x->n_ph; i++) dep[x->ph[i]->id] = 1;
    ok = (n = tgi_topo(g, n_roots, roots, dep, order)) >= 0;
  }
  for (int64_t k = 0; ok && k < n; k++) {
    tg_node *nd = order[k];
    bool d = false;
    for (int i = 0; i < nd->n_in; i++) d |= dep[nd->in[i]->id] != 0;
    for (int o = 0; d && o < nd->n_out; o++) dep[nd->out[o]->id] = 1;
  }
  for (int64_t k = 0; ok && k <= n; k++) {
    tg_node *nd = k < n ? order[k] : NULL;
    if (nd && !dep[nd->out[0]->id]) continue;
    int m = nd ? nd->n_in : n_roots;
    for (int i = 0; ok && i < m; i++) {
      tg_var *v = nd ? nd->in[i] : roots[i];
      if (dep[v->id] || added[v->id] || v->kind == TGV_CONSTANT) continue;
      if (x->n_ns == x->cap_ns) {
        int cap = x->cap_ns ? 2 * x->cap_ns : 8;
        tg_var **l = tgi_realloc(x->ns, sizeof(tg_var *) * (size_t)cap);
        if (!(ok = l != NULL)) break;
        x->ns = l;
        x->cap_ns = cap;
      }
      x->ns[x->n_ns++] = v;
      added[v->id] = 1;
    }
  }
  if (!ok) tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory");
  tgi_free(dep);
  tgi_free(added);
  tgi_free(order);
  return ok;
}

static tgi_scan_info *info_new(const tgi_scan_desc *d) {
  tgi_scan_info *s = tgi_calloc(1, sizeof *s);
  if (!s) return NULL;
  atomic_init(&s->refcnt, 1);
  snprintf(s->name, sizeof s->name, "%s", d->name ? d->name : "scan");
  s->n_seq = d->n_seq;
  s->n_rec = d->n_rec;
  s->n_nit = d->n_nit;
  s->explicit_steps = d->n_steps != NULL;
  s->has_until = d->until != NULL;
  s->go_backwards = d->go_backwards;
  s->reverse = d->reverse;
  s->truncate = d->truncate;
  size_t nr = (size_t)d->n_rec + 1;
  s->n_taps = tgi_calloc(nr, sizeof(int));
  s->taps = tgi_calloc(nr, sizeof(int *));
  s->k = tgi_calloc(nr, sizeof(int));
  bool ok = s->n_taps && s->taps && s->k;
  for (int o = 0; ok && o < d->n_rec; o++) {
    s->n_taps[o] = d->n_taps[o];
    ok = (s->taps[o] = tgi_malloc(sizeof(int) * (size_t)d->n_taps[o])) != NULL;
    for (int i = 0; ok && i < d->n_taps[o]; i++) {
      s->taps[o][i] = d->taps[o][i];
      if (-d->taps[o][i] > s->k[o]) s->k[o] = -d->taps[o][i];
    }
  }
  if (!ok) {
    tgi_scan_info_unref(s);
    return NULL;
  }
  return s;
}

/* Clone the step into the info's inner graph and compile it. */
static bool build_inner(tgi_scan_info *s, const tgi_scan_desc *d, const extract *x,
                        int n_roots, tg_var *const *roots) {
  tg_graph *g = d->g;
  s->n_ns = x->n_ns;
  s->n_in = x->n_ph + x->n_ns;
  s->n_out = n_roots;
  s->in_vars = tgi_calloc((size_t)s->n_in + 1, sizeof(tg_var *));
  s->out_vars = tgi_calloc((size_t)s->n_out + 1, sizeof(tg_var *));
  tg_var **from = tgi_calloc((size_t)s->n_in + 1, sizeof(tg_var *));
  if (!(s->ig = tg_graph_new()) || !s->in_vars || !s->out_vars || !from) {
    tgi_free(from);
    return tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory"), false;
  }
  bool ok = true;
  for (int i = 0; ok && i < s->n_in; i++) {
    tg_var *v = i < x->n_ph ? x->ph[i] : x->ns[i - x->n_ph];
    from[i] = v;
    ok = (s->in_vars[i] = tgi_var_new(s->ig, TGV_INPUT, &v->type, v->name)) != NULL;
  }
  ok = ok && tgi_scan_clone(s->ig, n_roots, roots, s->n_in, from, s->in_vars, s->out_vars,
                            "scan: the step");
  tgi_free(from);
  if (!ok)
    return tgi_gfail(g, tg_graph_status(s->ig) ? tg_graph_status(s->ig) : TG_ERR_NOMEM,
                     "scan '%s': %s", s->name, tg_graph_error(s->ig)), false;
  tg_options *opts = tg_options_new();
  char fname[64];
  snprintf(fname, sizeof fname, "scan '%s' step", s->name);
  if (!opts || tg_options_set(opts, "on_unused_input", "ignore") != TG_OK ||
      tg_options_set(opts, "name", fname) != TG_OK) {
    tg_options_free(opts);
    return tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory"), false;
  }
  s->fn = tg_function_new(s->ig, s->n_in, s->in_vars, s->n_out, s->out_vars, opts);
  tg_options_free(opts);
  if (!s->fn)
    return tgi_gfail(g, tg_graph_status(s->ig) ? tg_graph_status(s->ig) : TG_ERR_NOMEM,
                     "scan '%s': compiling the step: %s", s->name, tg_graph_error(s->ig)), false;
  return true;
}

tg_node *tgi_scan_make(const tgi_scan_desc *d) {
  tg_graph *g = d->g;
  if (g->err.status != TG_OK || !check_desc(d)) return NULL;
  int n_roots = d->n_rec + d->n_nit + (d->until ? 1 : 0), n_ph = d->n_seq;
  for (int o = 0; o < d->n_rec; o++) n_ph += d->n_taps[o];
  tg_var **roots = tgi_malloc(sizeof(tg_var *) * (size_t)n_roots);
  extract x = {.ph = tgi_malloc(sizeof(tg_var *) * (size_t)(n_ph + 1))};
  tgi_scan_info *s = info_new(d);
  tg_node *nd = NULL;
  tg_var **in = NULL;
  if (!roots || !x.ph || !s) {
    tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory");
    goto out;
  }
  for (int o = 0; o < d->n_rec; o++) roots[o] = d->rec_out[o];
  for (int q = 0; q < d->n_nit; q++) roots[d->n_rec + q] = d->nit_out[q];
  if (d->until) roots[n_roots - 1] = d->until;
  for (int j = 0; j < d->n_seq; j++) x.ph[x.n_ph++] = d->seq_ph[j];
  for (int o = 0; o < d->n_rec; o++)
    for (int i = 0; i < d->n_taps[o]; i++) x.ph[x.n_ph++] = d->rec_ph[o][i];
  if (!find_free(g, &x, n_roots, roots) || !build_inner(s, d, &x, n_roots, roots)) goto out;
  int n_in = 1 + d->n_seq + d->n_rec + x.n_ns;
  if (!(in = tgi_malloc(sizeof(tg_var *) * (size_t)n_in))) {
    tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory");
    goto out;
  }
  in[0] = d->n_steps ? d->n_steps : tgi_dim_const(g, 0);
  for (int j = 0; j < d->n_seq; j++) in[1 + j] = d->seqs[j];
  for (int o = 0; o < d->n_rec; o++) in[1 + d->n_seq + o] = d->inits[o];
  for (int p = 0; p < x.n_ns; p++) in[1 + d->n_seq + d->n_rec + p] = x.ns[p];
  if (in[0]) nd = tgi_scan_apply(g, s, d->keep, n_in, in);
out:
  if (s) tgi_scan_info_unref(s);
  tgi_free(roots);
  tgi_free(x.ph);
  tgi_free(x.ns);
  tgi_free(in);
  return nd;
}
