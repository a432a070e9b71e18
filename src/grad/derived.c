/* derived.c: what is built from reverse mode: Lop, the double-backprop Rop (the transpose
   of a Lop, which is linear in its eval points, so the result is exact; tg_Rop's
   TG_ROP_DOUBLE_BACKPROP path, forward mode being in rop.c), jacobian and hessian. A
   jacobian of a vector of static length is one gradient per element; a symbolic length
   is a scan over arange(len(y)) whose step is grad(y[i], wrt), as Theano builds it. */
#include "../ops/op.h"
#include "rop_impl.h"
#include "tgraph/scan.h"

tg_status tg_Lop(int n_out, tg_var *const *outputs, tg_var *const *eval_points, int n_wrt,
                 tg_var *const *wrt, tg_var **results) {
  if (n_out < 1 || !outputs || !eval_points || !outputs[0])
    return tgi_fail(TG_ERR_ARG, "Lop: no outputs or eval points");
  tg_grad_options o = {.n_known = n_out, .known_vars = outputs, .known_grads = eval_points,
                       .disconnected_inputs = TG_DISCONNECTED_IGNORE};
  return tg_grad_ex(NULL, n_wrt, wrt, results, &o);
}

tg_status tgi_rop_transpose(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                            tg_var *const *eval_points, tg_var **results) {
  tg_graph *g = outputs[0]->g;
  if (n_out > 64) return tgi_err_set(&g->err, TG_ERR_ARG, "Rop: at most 64 outputs");
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

/* The scan step of a symbolic-length jacobian: args[0] is the row i. */
typedef struct jac_ud {
  tg_var *y;
  int n_wrt;
  tg_var *const *wrt;
} jac_ud;

static bool jac_step(tg_graph *g, int n_args, tg_var *const *args, tg_scan_result *res,
                     void *ud) {
  (void)g;
  (void)n_args;
  const jac_ud *j = ud;
  tg_var *yi = tg_subtensor(j->y, TG_IDX(TG_VAR(args[0])));
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  return yi && tg_grad_ex(yi, j->n_wrt, j->wrt, res->outputs, &o) == TG_OK;
}

static tg_status jacobian_scan(tg_var *y, int n_wrt, tg_var *const *wrt, tg_var **results) {
  tg_graph *g = y->g;
  tg_var *rows = tg_arange(g, tg_const_i64(g, 0), tg_shape_i(y, 0), tg_const_i64(g, 1), TG_INT64);
  if (!rows) return g->err.status;
  tg_scan_spec *s = tg_scan_spec_new(g);
  if (!s) return g->err.status;
  tg_status st = tg_scan_sequence(s, rows, 0, NULL);
  for (int i = 0; i < n_wrt && st == TG_OK; i++) st = tg_scan_output(s, NULL, 0, NULL);
  if (st == TG_OK) st = tg_scan_name(s, "jacobian");
  jac_ud ud = {y, n_wrt, wrt};
  if (st == TG_OK) st = tg_scan(s, jac_step, &ud, results, NULL);
  tg_scan_spec_free(s);
  /* a scan of zero steps cannot know a step's shape (it gives zeros for it): state the
     shape len(y) + wrt.shape, a no-op reshape when y is not empty */
  for (int w = 0; w < n_wrt && st == TG_OK; w++) {
    tg_var *dims[TG_MAX_NDIM + 1];
    dims[0] = tg_shape_i(y, 0);
    for (int d = 0; d < wrt[w]->type.ndim; d++) dims[d + 1] = tg_shape_i(wrt[w], d);
    tg_var *shape = tg_make_vector(g, wrt[w]->type.ndim + 1, dims);
    if (!shape || !(results[w] = tg_reshape(results[w], shape))) st = g->err.status;
  }
  return st;
}

/* Static length n: one gradient per element, stacked. */
static tg_status jacobian_static(tg_var *y, int n_wrt, tg_var *const *wrt, tg_var **results) {
  tg_graph *g = y->g;
  int64_t n = y->type.shape[0];
  if (n == 0) {
    for (int w = 0; w < n_wrt; w++) {
      tg_var *x = wrt[w], *dims[TG_MAX_NDIM + 1];
      dims[0] = tgi_dim_const(g, 0);
      for (int d = 0; d < x->type.ndim; d++) dims[d + 1] = tg_shape_i(x, d);
      if (!(results[w] = tg_zeros(g, x->type.ndim + 1, dims, x->type.dtype)))
        return g->err.status;
    }
    return TG_OK;
  }
  tg_var **rows = tgi_malloc(sizeof(tg_var *) * (size_t)n * (size_t)n_wrt);
  if (!rows) return tgi_err_set(&g->err, TG_ERR_NOMEM, "jacobian: out of memory");
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  tg_status st = TG_OK;
  tg_var *gi[64];
  for (int64_t i = 0; i < n && st == TG_OK; i++) {
    tg_var *yi = tg_subtensor(y, TG_IDX(TG_INT(i)));
    st = yi ? tg_grad_ex(yi, n_wrt, wrt, gi, &o) : g->err.status;
    for (int w = 0; w < n_wrt && st == TG_OK; w++) rows[(size_t)w * (size_t)n + (size_t)i] = gi[w];
  }
  for (int w = 0; w < n_wrt && st == TG_OK; w++)
    if (!(results[w] = tg_stack((int)n, rows + (size_t)w * (size_t)n, 0))) st = g->err.status;
  tgi_free(rows);
  return st;
}

tg_status tg_jacobian_n(tg_var *y, int n_wrt, tg_var *const *wrt, tg_var **results) {
  if (!y) return tgi_fail(TG_ERR_ARG, "jacobian: y is NULL");
  tg_graph *g = y->g;
  if (g->err.status != TG_OK) return g->err.status;
  if (n_wrt < 1 || n_wrt > 64 || !wrt || !results)
    return tgi_err_set(&g->err, TG_ERR_ARG, "jacobian: bad wrt list (%d inputs; 1 to 64)", n_wrt);
  for (int w = 0; w < n_wrt; w++)
    if (!wrt[w] || wrt[w]->g != g)
      return tgi_err_set(&g->err, TG_ERR_ARG, "jacobian: wrt[%d] is NULL or from another graph", w);
  tg_var *res[64];
  tg_status st;
  if (y->type.ndim == 0) {
    tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_RAISE};
    st = tg_grad_ex(y, n_wrt, wrt, res, n_wrt > 1 ? &o : NULL);
  } else if (y->type.ndim != 1) {
    char t[160];
    return tgi_err_set(&g->err, TG_ERR_TYPE, "jacobian: y must be 0-d or a vector, got %s",
                       tgi_type_str(&y->type, t, sizeof t));
  } else {
    st = y->type.shape[0] >= 0 ? jacobian_static(y, n_wrt, wrt, res)
                               : jacobian_scan(y, n_wrt, wrt, res);
  }
  if (st != TG_OK) return st;
  for (int w = 0; w < n_wrt; w++) results[w] = res[w];
  return TG_OK;
}

tg_var *tg_jacobian(tg_var *y, tg_var *x) {
  if (!y || !x) return NULL;
  tg_var *r;
  return tg_jacobian_n(y, 1, &x, &r) == TG_OK ? r : NULL;
}

tg_var *tg_hessian(tg_var *cost, tg_var *x) {
  if (!cost || !x) return NULL;
  tg_var *gx;
  if (tg_grad(cost, 1, &x, &gx) != TG_OK) return NULL;
  if (x->type.ndim > 1)
    return tgi_gfail(cost->g, TG_ERR_NOTIMPL, "hessian: x must be 0-d or a vector");
  return tg_jacobian(gx, x);
}
