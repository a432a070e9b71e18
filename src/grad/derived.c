/* derived.c: what is built from reverse mode: Lop, Rop (as the transpose of a Lop, which
   is linear in its eval points, so the result is exact), jacobian and hessian. */
#include "../ops/op.h"

tg_status tg_Lop(int n_out, tg_var *const *outputs, tg_var *const *eval_points, int n_wrt,
                 tg_var *const *wrt, tg_var **results) {
  if (n_out < 1 || !outputs || !eval_points || !outputs[0])
    return tgi_fail(TG_ERR_ARG, "Lop: no outputs or eval points");
  tg_grad_options o = {.n_known = n_out, .known_vars = outputs, .known_grads = eval_points,
                       .disconnected_inputs = TG_DISCONNECTED_IGNORE};
  return tg_grad_ex(NULL, n_wrt, wrt, results, &o);
}

tg_status tg_Rop(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                 tg_var *const *eval_points, tg_var **results) {
  if (n_out < 1 || !outputs || !outputs[0] || n_wrt < 1 || !wrt || !eval_points)
    return tgi_fail(TG_ERR_ARG, "Rop: bad arguments");
  tg_graph *g = outputs[0]->g;
  if (g->err.status != TG_OK) return g->err.status;
  if (n_out > 64) return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: at most 64 outputs");
  for (int i = 0; i < n_wrt; i++)
    if (!eval_points[i] || !wrt[i] || eval_points[i]->type.ndim != wrt[i]->type.ndim)
      return tgi_err_set(&g->err, TG_ERR_TYPE, "Rop: eval point %d must have the rank of "
                         "wrt[%d]", i, i);
  /* J v = d/du (u^T J v) for any u, the Lop being linear in u. u is zeros shaped like
     each output rather than a free symbolic input: rules take shapes from their node's
     variables (Sum's from its input, ...), and in the Lop graph those depend on u, so a
     free u would become an input the Rop result needs to be compiled. */
  tg_var *u[64], *lop[64], *res[64];
  if (n_wrt > 64) return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: at most 64 inputs");
  for (int o = 0; o < n_out; o++) {
    u[o] = tg_zeros_like(outputs[o]);
    if (!u[o]) return g->err.status;
  }
  tg_status st = tg_Lop(n_out, outputs, u, n_wrt, wrt, lop);
  if (st != TG_OK) return st;
  tg_var *s = NULL;
  for (int i = 0; i < n_wrt; i++) {
    if (!lop[i]) continue;
    tg_var *t = tg_sum(tg_mul(lop[i], eval_points[i]), -1, NULL, false);
    s = s ? tg_add(s, t) : t;
  }
  if (!s) return tgi_err_set(&g->err, TG_ERR_VALUE, "Rop: the outputs do not depend on wrt");
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  st = tg_grad_ex(s, n_out, u, res, &o);
  if (st != TG_OK) return st;
  /* the result depends on u only through terms that vanish: it is linear in u */
  for (int k = 0; k < n_out; k++) results[k] = res[k];
  return TG_OK;
}

tg_var *tg_jacobian(tg_var *y, tg_var *x) {
  if (!y || !x) return NULL;
  tg_graph *g = y->g;
  tg_var *gr;
  if (y->type.ndim == 0) return tg_grad(y, 1, &x, &gr) == TG_OK ? gr : NULL;
  if (y->type.ndim != 1 || y->type.shape[0] < 0)
    return tgi_gfail(g, TG_ERR_NOTIMPL, "jacobian: y must be 0-d or a vector of static length "
                     "(symbolic lengths need scan, not implemented yet)");
  int64_t n = y->type.shape[0];
  if (n == 0) {
    int64_t shape[TG_MAX_NDIM + 1];
    shape[0] = 0;
    for (int d = 0; d < x->type.ndim; d++) shape[d + 1] = x->type.shape[d] < 0 ? 0 : x->type.shape[d];
    if (x->type.ndim && x->type.shape[0] < 0)
      return tgi_gfail(g, TG_ERR_NOTIMPL, "jacobian: empty y with a symbolic x shape");
    return tg_zeros_to(g, x->type.ndim + 1, shape, x->type.dtype);
  }
  tg_var **rows = tgi_malloc(sizeof(tg_var *) * (size_t)n);
  if (!rows) return tgi_gfail(g, TG_ERR_NOMEM, "jacobian: out of memory");
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  tg_var *res = NULL;
  for (int64_t i = 0; i < n; i++) {
    tg_var *yi = tg_subtensor(y, TG_IDX(TG_INT(i)));
    if (!yi || tg_grad_ex(yi, 1, &x, &rows[i], &o) != TG_OK) goto out;
  }
  res = tg_stack((int)n, rows, 0);
out:
  tgi_free(rows);
  return res;
}

tg_var *tg_hessian(tg_var *cost, tg_var *x) {
  if (!cost || !x) return NULL;
  tg_var *gx;
  if (tg_grad(cost, 1, &x, &gx) != TG_OK) return NULL;
  if (x->type.ndim > 1)
    return tgi_gfail(cost->g, TG_ERR_NOTIMPL, "hessian: x must be 0-d or a vector");
  return tg_jacobian(gx, x);
}
