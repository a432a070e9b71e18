/* grad.c: reverse-mode differentiation. Orders the nodes below the cost (iteratively),
   marks which variables depend on the wrt inputs, then walks the order backwards asking
   each op for its vector-Jacobian rule and summing contributions. The gradient graph is
   linear in the size of the forward graph: each node's rule runs once. */
#include <stdio.h>

#include "../ops/op.h"

tg_var *tgi_grad_unbroadcast(tg_var *gz, const tg_var *x) {
  if (!gz) return NULL;
  int gnd = gz->type.ndim, xnd = x->type.ndim, pad = gnd - xnd;
  if (pad > 0) {
    int axes[TG_MAX_NDIM];
    for (int i = 0; i < pad; i++) axes[i] = i;
    if (!(gz = tg_sum(gz, pad, axes, false))) return NULL;
  }
  int axes[TG_MAX_NDIM], n = 0;
  for (int d = 0; d < xnd; d++)
    if (x->type.shape[d] == 1 && gz->type.shape[d] != 1) axes[n++] = d;
  if (n && !(gz = tg_sum(gz, n, axes, true))) return NULL;
  if (gz->type.dtype != x->type.dtype) gz = tg_cast(gz, x->type.dtype);
  return gz;
}

static const char *vname(const tg_var *v) { return v->name ? v->name : "<unnamed>"; }

static bool differentiable_dtype(tg_dtype dt) { return tg_dtype_is_float(dt); }

/* acc[id] += gv, keeping dtype and static shape of v. */
static bool accumulate(tg_var **acc, tg_var *v, tg_var *gv) {
  if (gv->type.dtype != v->type.dtype && !(gv = tg_cast(gv, v->type.dtype))) return false;
  if (!acc[v->id]) {
    acc[v->id] = gv;
    return true;
  }
  return (acc[v->id] = tg_add(acc[v->id], gv)) != NULL;
}

tg_status tg_grad_ex(tg_var *cost, int n_wrt, tg_var *const *wrt, tg_var **grads,
                     const tg_grad_options *opts) {
  tg_grad_options none = {0};
  if (!opts) opts = &none;
  tg_graph *g = cost ? cost->g : opts->n_known > 0 && opts->known_vars && opts->known_vars[0]
                                     ? opts->known_vars[0]->g : NULL;
  if (!g) {
    for (int i = 0; i < n_wrt && wrt; i++)
      if (wrt[i]) g = wrt[i]->g;
    if (!g) return tgi_fail(TG_ERR_ARG, "grad: no cost, known gradients or inputs given");
  }
  if (g->err.status != TG_OK) return g->err.status;
  if (n_wrt < 0 || (n_wrt && (!wrt || !grads)))
    return tgi_err_set(&g->err, TG_ERR_ARG, "grad: bad wrt list (%d inputs)", n_wrt);
  if (!cost && opts->n_known <= 0)
    return tgi_err_set(&g->err, TG_ERR_ARG, "grad: the cost is NULL and no known_grads are given");
  if (cost && cost->type.ndim != 0) {
    char t[160];
    return tgi_err_set(&g->err, TG_ERR_TYPE, "grad: the cost must be a scalar (0-d), got %s",
                       tgi_type_str(&cost->type, t, sizeof t));
  }
  if (cost && !differentiable_dtype(cost->type.dtype))
    return tgi_err_set(&g->err, TG_ERR_TYPE, "grad: the cost has dtype %s; only float costs "
                       "have gradients", tg_dtype_name(cost->type.dtype));
  for (int i = 0; i < n_wrt; i++)
    if (!wrt[i] || wrt[i]->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "grad: wrt[%d] is NULL or from another graph", i);
  for (int i = 0; i < opts->n_known; i++) {
    tg_var *v = opts->known_vars ? opts->known_vars[i] : NULL;
    tg_var *gv = opts->known_grads ? opts->known_grads[i] : NULL;
    if (!v || !gv || v->g != g || gv->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "grad: known_grads entry %d is NULL or from "
                         "another graph", i);
    if (gv->type.ndim != v->type.ndim)
      return tgi_err_set(&g->err, TG_ERR_TYPE, "grad: known gradient %d has rank %d, its "
                         "variable rank %d", i, gv->type.ndim, v->type.ndim);
  }
  for (int i = 0; i < opts->n_consider_constant; i++)
    if (!opts->consider_constant || !opts->consider_constant[i] ||
        opts->consider_constant[i]->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "grad: consider_constant[%d] is NULL or from "
                         "another graph", i);

  int64_t nv = g->n_vars; /* variables created from here on are never looked up */
  struct {
    tg_node **order;
    int64_t n;
    uint8_t *stop;
  } w = {NULL, 0, NULL};
  w.order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  w.stop = tgi_calloc((size_t)nv, 1);
  uint8_t *dep = tgi_calloc((size_t)nv, 1);
  tg_var **acc = tgi_calloc((size_t)nv, sizeof(tg_var *));
  int n_roots = opts->n_known + (cost ? 1 : 0);
  tg_var **roots = tgi_malloc(sizeof(tg_var *) * (size_t)n_roots);
  tg_status st = TG_OK;
  if (!w.order || !w.stop || !dep || !acc || !roots) goto nomem;
  for (int i = 0; i < opts->n_consider_constant; i++) w.stop[opts->consider_constant[i]->id] = 1;
  for (int i = 0; i < opts->n_known; i++) roots[i] = opts->known_vars[i];
  if (cost) roots[n_roots - 1] = cost;
  if ((w.n = tgi_topo(g, n_roots, roots, w.stop, w.order)) < 0) goto nomem;

  /* forward: which variables depend on a wrt input through differentiable dtypes */
  for (int i = 0; i < n_wrt; i++) dep[wrt[i]->id] = 1;
  for (int64_t k = 0; k < w.n; k++) {
    tg_node *nd = w.order[k];
    bool d = false;
    for (int i = 0; i < nd->n_in && !d; i++) d = dep[nd->in[i]->id] && !w.stop[nd->in[i]->id];
    for (int o = 0; o < nd->n_out; o++)
      if (d) dep[nd->out[o]->id] = 1;
  }

  /* seed */
  if (cost) {
    tg_var *one = tg_const_typed(g, cost->type.dtype, 1.0);
    if (!one || !accumulate(acc, cost, one)) goto fail;
  }
  for (int i = 0; i < opts->n_known; i++)
    if (!accumulate(acc, opts->known_vars[i], opts->known_grads[i])) goto fail;

  /* backward */
  for (int64_t k = w.n - 1; k >= 0; k--) {
    tg_node *nd = w.order[k];
    bool any_out = false, any_in = false;
    for (int o = 0; o < nd->n_out; o++) any_out |= acc[nd->out[o]->id] != NULL;
    for (int i = 0; i < nd->n_in; i++)
      any_in |= dep[nd->in[i]->id] && !w.stop[nd->in[i]->id] &&
                differentiable_dtype(nd->in[i]->type.dtype);
    if (!any_out || !any_in) continue;
    char name[128];
    if (!nd->op->cls->grad) {
      nd->op->cls->describe(nd->op, name, sizeof name);
      st = tgi_err_set(&g->err, TG_ERR_NOTIMPL, "grad: %s has no gradient rule yet", name);
      goto out;
    }
    tg_var *og[TGI_MAX_OUT];
    tg_var **ig = tgi_calloc((size_t)nd->n_in, sizeof(tg_var *));
    if (!ig) goto nomem;
    for (int o = 0; o < nd->n_out; o++) og[o] = acc[nd->out[o]->id];
    bool ok = nd->op->cls->grad(g, nd, og, ig);
    for (int i = 0; ok && i < nd->n_in; i++) {
      tg_var *in = nd->in[i];
      if (!ig[i] || !dep[in->id] || w.stop[in->id] || !differentiable_dtype(in->type.dtype))
        continue;
      if (ig[i]->type.ndim != in->type.ndim) {
        nd->op->cls->describe(nd->op, name, sizeof name);
        tgi_gfail(g, TG_ERR_RUNTIME, "grad: the rule of %s gave input %d a gradient of rank %d "
                  "for a rank-%d input", name, i, ig[i]->type.ndim, in->type.ndim);
        ok = false;
      } else {
        ok = accumulate(acc, in, ig[i]);
      }
    }
    tgi_free(ig);
    if (!ok) goto fail;
  }

  /* results: only commit once every gradient exists */
  for (int i = 0; i < n_wrt; i++) {
    tg_var *gv = acc[wrt[i]->id];
    if (gv) continue;
    bool wants = differentiable_dtype(wrt[i]->type.dtype);
    if (opts->disconnected_inputs == TG_DISCONNECTED_RAISE) {
      st = tgi_err_set(&g->err, TG_ERR_VALUE, "grad: the cost does not depend on input %d "
                       "('%s')%s; pass disconnected_inputs = TG_DISCONNECTED_IGNORE to get %s",
                       i, vname(wrt[i]), wants ? "" : " (integer and bool inputs have no gradient)",
                       opts->return_disconnected_none ? "NULL" : "zeros");
      goto out;
    }
    if (opts->disconnected_inputs == TG_DISCONNECTED_WARN)
      fprintf(stderr, "tgraph: warning: grad: the cost does not depend on input %d ('%s')\n", i,
              vname(wrt[i]));
  }
  for (int i = 0; i < n_wrt; i++) {
    tg_var *gv = acc[wrt[i]->id];
    if (!gv && !opts->return_disconnected_none) {
      tg_var *z = tg_zeros_like(wrt[i]);
      if (!z) goto fail;
      acc[wrt[i]->id] = z;
    }
  }
  for (int i = 0; i < n_wrt; i++) grads[i] = acc[wrt[i]->id];
  goto out;
nomem:
  tgi_err_set(&g->err, TG_ERR_NOMEM, "grad: out of memory");
fail:
  st = g->err.status != TG_OK ? g->err.status : TG_ERR_NOMEM;
out:
  tgi_free(w.order);
  tgi_free(w.stop);
  tgi_free(dep);
  tgi_free(acc);
  tgi_free(roots);
  return st;
}

tg_status tg_grad(tg_var *cost, int n_wrt, tg_var *const *wrt, tg_var **grads) {
  return tg_grad_ex(cost, n_wrt, wrt, grads, NULL);
}
