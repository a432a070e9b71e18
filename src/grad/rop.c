/* rop.c: forward-mode differentiation, tg_Rop. Tangents (the eval points) are pushed from
   wrt to the outputs through the nodes in topological order, each node's output tangents
   built by its op's Jacobian-vector rule (rop_rules.c), or, for an op without one, by the
   per-node transpose of its vector-Jacobian rule (tgi_rop_fallback). Each node is visited
   once, so the Rop graph is linear in the size of the forward graph. The older
   double-backprop construction (derived.c) stays available as TG_ROP_DOUBLE_BACKPROP. */
#include "rop_impl.h"

bool tgi_rop_fallback(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  char name[128];
  if (!nd->op->cls->grad) {
    nd->op->cls->describe(nd->op, name, sizeof name);
    tgi_gfail(g, TG_ERR_NOTIMPL, "Rop: %s has no gradient rule, so no forward-mode rule "
              "either", name);
    return false;
  }
  /* u: zeros like each float output, not free inputs, for the reason given in derived.c
     (rules read shapes from their node's variables) */
  tg_var *u[TGI_MAX_OUT] = {0}, *uw[TGI_MAX_OUT], *res[TGI_MAX_OUT];
  int nu = 0, map[TGI_MAX_OUT];
  for (int o = 0; o < nd->n_out; o++) {
    if (!tg_dtype_is_float(nd->out[o]->type.dtype)) continue;
    if (!(u[o] = tg_zeros_like(nd->out[o]))) return false;
    map[nu] = o;
    uw[nu++] = u[o];
  }
  if (!nu) return true;
  size_t nc = (size_t)nd->n_in * 2 + (size_t)nd->n_out;
  tg_var **ig = tgi_calloc((size_t)nd->n_in, sizeof(tg_var *));
  tg_var **cc = tgi_malloc(nc * sizeof(tg_var *));
  bool ok = ig && cc;
  if (!ok) tgi_gfail(g, TG_ERR_NOMEM, "Rop: out of memory");
  ok = ok && nd->op->cls->grad(g, nd, u, ig);
  tg_var *s = NULL;
  for (int i = 0; ok && i < nd->n_in; i++) {
    if (!t[i] || !ig[i]) continue;
    tg_var *p = tg_sum(tg_mul(ig[i], t[i]), -1, NULL, false);
    ok = p && (s = s ? tg_add(s, p) : p) != NULL;
  }
  if (ok && s) {
    /* the walk of the inner gradient stops at the node's variables and the tangents: what
       lies below them cannot depend on u, and not walking it keeps each visit O(1) */
    int n = 0;
    for (int i = 0; i < nd->n_in; i++) {
      cc[n++] = nd->in[i];
      if (t[i]) cc[n++] = t[i];
    }
    for (int o = 0; o < nd->n_out; o++) cc[n++] = nd->out[o];
    tg_grad_options go = {.n_consider_constant = n, .consider_constant = cc,
                          .disconnected_inputs = TG_DISCONNECTED_IGNORE,
                          .return_disconnected_none = true};
    ok = tg_grad_ex(s, nu, uw, res, &go) == TG_OK;
    for (int k = 0; ok && k < nu; k++) out_t[map[k]] = res[k];
  }
  tgi_free(ig);
  tgi_free(cc);
  return ok;
}

/* tangent v of variable x as x's dtype, broadcast to x's shape where its static shape
   says it could be smaller (a rule fed only the tangent of a broadcast operand). */
static tg_var *fit(tg_graph *g, const tg_node *nd, tg_var *v, tg_var *x) {
  char name[128];
  if (v->type.ndim != x->type.ndim) {
    nd->op->cls->describe(nd->op, name, sizeof name);
    return tgi_gfail(g, TG_ERR_RUNTIME, "Rop: the rule of %s gave a tangent of rank %d for a "
                     "rank-%d output", name, v->type.ndim, x->type.ndim);
  }
  if (v->type.dtype != x->type.dtype && !(v = tg_cast(v, x->type.dtype))) return NULL;
  bool narrow = false;
  for (int d = 0; d < x->type.ndim; d++)
    narrow |= v->type.shape[d] == 1 && x->type.shape[d] != 1;
  if (!narrow) return v;
  tg_var *dims[TG_MAX_NDIM];
  for (int d = 0; d < x->type.ndim; d++)
    if (!(dims[d] = tg_shape_i(x, d))) return NULL;
  return tg_alloc(v, x->type.ndim, dims);
}

static tg_status rop_forward(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                             tg_var *const *eval_points, tg_var **results) {
  tg_graph *g = outputs[0]->g;
  int64_t nv = g->n_vars; /* variables created from here on are never looked up */
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  uint8_t *stop = tgi_calloc((size_t)nv, 1);
  tg_var **tan = tgi_calloc((size_t)nv, sizeof(tg_var *));
  tg_var **res = tgi_calloc((size_t)n_out, sizeof(tg_var *));
  tg_status st = TG_OK;
  int64_t n = 0;
  if (!order || !stop || !tan || !res) goto nomem;
  /* wrt are leaves: what computes them is not differentiated through */
  for (int i = 0; i < n_wrt; i++) stop[wrt[i]->id] = 1;
  if ((n = tgi_topo(g, n_out, outputs, stop, order)) < 0) goto nomem;
  for (int i = 0; i < n_wrt; i++) {
    tg_var *w = wrt[i], *ev = eval_points[i];
    if (!tg_dtype_is_float(w->type.dtype)) continue; /* integers have no tangent */
    if (ev->type.dtype != w->type.dtype && !(ev = tg_cast(ev, w->type.dtype))) goto fail;
    /* the tangent has wrt's static shape: rules rely on it to know what broadcasts */
    bool loose = false;
    for (int d = 0; d < w->type.ndim; d++)
      loose |= w->type.shape[d] >= 0 && ev->type.shape[d] != w->type.shape[d];
    if (loose && !(ev = tg_specify_shape(ev, w->type.ndim, w->type.shape))) goto fail;
    tan[w->id] = tan[w->id] ? tg_add(tan[w->id], ev) : ev; /* wrt given twice: both */
    if (!tan[w->id]) goto fail;
  }
  for (int64_t k = 0; k < n; k++) {
    tg_node *nd = order[k];
    bool any_in = false, any_out = false;
    for (int i = 0; i < nd->n_in; i++) any_in |= tan[nd->in[i]->id] != NULL;
    for (int o = 0; o < nd->n_out; o++) any_out |= tg_dtype_is_float(nd->out[o]->type.dtype);
    if (!any_in || !any_out) continue;
    tg_var **t = tgi_calloc((size_t)nd->n_in, sizeof(tg_var *));
    tg_var *ot[TGI_MAX_OUT] = {0};
    if (!t) goto nomem;
    for (int i = 0; i < nd->n_in; i++) t[i] = tan[nd->in[i]->id];
    tgi_rop_rule rule = tgi_rop_rule_for(nd->op->cls);
    bool ok = rule ? rule(g, nd, t, ot) : tgi_rop_fallback(g, nd, t, ot);
    tgi_free(t);
    for (int o = 0; ok && o < nd->n_out; o++) {
      tg_var *x = nd->out[o];
      if (!ot[o] || !tg_dtype_is_float(x->type.dtype)) continue;
      ok = (tan[x->id] = fit(g, nd, ot[o], x)) != NULL;
    }
    if (!ok) goto fail;
  }
  bool any = false;
  for (int o = 0; o < n_out; o++) any |= tan[outputs[o]->id] != NULL;
  if (!any) {
    st = tgi_err_set(&g->err, TG_ERR_VALUE, "Rop: the outputs do not depend on wrt");
    goto out;
  }
  for (int o = 0; o < n_out; o++) {
    tg_var *x = outputs[o];
    res[o] = tan[x->id] ? tan[x->id] : tg_zeros_like(x); /* not connected: zero */
    if (!res[o]) goto fail;
  }
  for (int o = 0; o < n_out; o++) results[o] = res[o];
  goto out;
nomem:
  tgi_err_set(&g->err, TG_ERR_NOMEM, "Rop: out of memory");
fail:
  st = g->err.status != TG_OK ? g->err.status : TG_ERR_NOMEM;
out:
  tgi_free(order);
  tgi_free(stop);
  tgi_free(tan);
  tgi_free(res);
  return st;
}

tg_status tg_Rop_ex(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                    tg_var *const *eval_points, tg_var **results, tg_rop_mode mode) {
  if (n_out < 1 || !outputs || !outputs[0] || n_wrt < 1 || !wrt || !eval_points || !results)
    return tgi_fail(TG_ERR_ARG, "Rop: bad arguments (no outputs, wrt, eval points or results)");
  tg_graph *g = outputs[0]->g;
  if (g->err.status != TG_OK) return g->err.status;
  for (int o = 0; o < n_out; o++)
    if (!outputs[o] || outputs[o]->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: output %d is NULL or from another graph", o);
  for (int i = 0; i < n_wrt; i++) {
    if (!wrt[i] || wrt[i]->g != g || !eval_points[i] || eval_points[i]->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: wrt[%d] or its eval point is NULL or from "
                         "another graph", i);
    if (eval_points[i]->type.ndim != wrt[i]->type.ndim)
      return tgi_err_set(&g->err, TG_ERR_TYPE, "Rop: eval point %d must have the rank of "
                         "wrt[%d] (%d), got rank %d", i, i, wrt[i]->type.ndim,
                         eval_points[i]->type.ndim);
  }
  switch (mode) {
    case TG_ROP_FORWARD: return rop_forward(n_out, outputs, n_wrt, wrt, eval_points, results);
    case TG_ROP_DOUBLE_BACKPROP:
      return tgi_rop_transpose(n_out, outputs, n_wrt, wrt, eval_points, results);
  }
  return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: unknown mode %d", (int)mode);
}

tg_status tg_Rop(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                 tg_var *const *eval_points, tg_var **results) {
  return tg_Rop_ex(n_out, outputs, n_wrt, wrt, eval_points, results, TG_ROP_FORWARD);
}
