/* ifelse.c: the IfElse op, Theano's lazy conditional. Inputs are the 0-d condition, the n
   then-values and the n else-values; outputs the n chosen values. The op itself only
   picks: laziness comes from the compiler, which schedules the work only one branch needs
   inside a block the VM skips when the other branch is taken (src/compile/lazy.c), so the
   perform below may see the untaken branch's inputs as NULL. */
#include <stdio.h>

#include "ifelse_impl.h"
#include "shape_impl.h"

/* Outputs per IfElse node; tg_ifelse_n splits longer lists into several nodes. */
#define IFELSE_MAX TGI_MAX_OUT

static int ifelse_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  int n = (int)op->params[0];
  char b1[256], b2[256];
  if (n < 1 || n > IFELSE_MAX || n_in != 1 + 2 * n)
    return tgi_gfail(g, TG_ERR_ARG, "ifelse: %d inputs for %d outputs", n_in, n), -1;
  if (in[0]->type.ndim != 0)
    return tgi_gfail(g, TG_ERR_TYPE, "ifelse: the condition must be 0-d, got %s",
                     tgi_type_str(&in[0]->type, b1, sizeof b1)), -1;
  for (int i = 0; i < n; i++) {
    const tg_type *a = &in[1 + i]->type, *b = &in[1 + n + i]->type;
    if (a->dtype != b->dtype || a->ndim != b->ndim)
      return tgi_gfail(g, TG_ERR_TYPE,
                       "ifelse: value %d has type %s in the then branch but %s in the else "
                       "branch (dtype and rank must match; cast one of them)",
                       i, tgi_type_str(a, b1, sizeof b1), tgi_type_str(b, b2, sizeof b2)), -1;
    out[i] = *a;
    for (int d = 0; d < a->ndim; d++) out[i].shape[d] = a->shape[d] == b->shape[d] ? a->shape[d] : -1;
  }
  return n;
}

bool tgi_ifelse_truth(const tg_array *c) {
  return tgi_load_f64(c->data, c->dtype) != 0; /* NaN is true, as bool(nan) */
}

static tg_status ifelse_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int n = (int)op->params[0];
  if (!in[0]) return tgi_err_set(err, TG_ERR_RUNTIME, "IfElse: the condition was not computed");
  bool t = tgi_ifelse_truth(in[0]);
  for (int i = 0; i < n; i++) {
    tg_array *v = in[t ? 1 + i : 1 + n + i];
    if (!v)
      return tgi_err_set(err, TG_ERR_RUNTIME, "IfElse: value %d of the %s branch was not computed",
                         i, t ? "then" : "else");
  }
  for (int i = 0; i < n; i++) {
    tg_array *v = in[t ? 1 + i : 1 + n + i];
    /* a view, like other aliasing ops, so the VM never hands the caller's or a shared
       variable's own array on as a freshly made result */
    tg_status st = tgi_shape_deliver("IfElse", &out[i], tg_array_view(v, v->ndim, v->shape, v->strides, 0), err);
    if (st != TG_OK) {
      for (int j = 0; j < i; j++) tg_array_unref(out[j]);
      return st;
    }
  }
  return TG_OK;
}

static void ifelse_describe(const tg_op *op, char *buf, size_t n) {
  if (op->params[0] == 1) snprintf(buf, n, "IfElse");
  else snprintf(buf, n, "IfElse{%lld}", (long long)op->params[0]);
}

/* Dims the branches do not agree on statically are themselves chosen lazily. */
static bool ifelse_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  int n = (int)nd->op->params[0];
  for (int o = 0; o < n; o++)
    for (int d = 0; d < nd->out[o]->type.ndim; d++) {
      int64_t s = nd->out[o]->type.shape[d];
      tg_var *a = in_dims[1 + o][d], *b = in_dims[1 + n + o][d];
      out_dims[o][d] = s >= 0 ? tgi_dim_const(g, s) : a == b ? a : tg_ifelse(nd->in[0], a, b);
      if (!out_dims[o][d]) return false;
    }
  return true;
}

const tg_op_class tgi_ifelse_class = {
    .name = "IfElse",
    .infer = ifelse_infer,
    .perform = ifelse_perform,
    .describe = ifelse_describe,
    .infer_shape = ifelse_infer_shape,
    .grad = tgi_ifelse_grad,
};

tg_status tg_ifelse_n(tg_var *cond, int n, tg_var *const *then_vals, tg_var *const *else_vals,
                      tg_var **outputs) {
  if (!cond) return tgi_fail(TG_ERR_ARG, "ifelse: the condition is NULL");
  tg_graph *g = cond->g;
  if (n < 1 || !then_vals || !else_vals || !outputs) {
    tgi_gfail(g, TG_ERR_ARG, "ifelse: need n >= 1 and non-NULL value lists (n = %d)", n);
    return TG_ERR_ARG;
  }
  for (int i = 0; i < n; i++)
    if (!then_vals[i] || !else_vals[i] || then_vals[i]->g != g || else_vals[i]->g != g) {
      tgi_gfail(g, TG_ERR_ARG, "ifelse: %s value %d is NULL or from another graph",
                !then_vals[i] || then_vals[i]->g != g ? "then" : "else", i);
      return TG_ERR_ARG;
    }
  for (int at = 0; at < n; at += IFELSE_MAX) {
    int m = n - at < IFELSE_MAX ? n - at : IFELSE_MAX;
    tg_var *in[1 + 2 * IFELSE_MAX];
    in[0] = cond;
    for (int i = 0; i < m; i++) in[1 + i] = then_vals[at + i], in[1 + m + i] = else_vals[at + i];
    int64_t p = m;
    tg_op *op = tgi_op_new(g, &tgi_ifelse_class, 0, then_vals[at]->type.dtype, 1, &p);
    tg_node *nd = op ? tgi_apply(op, 1 + 2 * m, in) : NULL;
    if (!nd) return tg_graph_status(g) != TG_OK ? tg_graph_status(g) : TG_ERR_NOMEM;
    for (int i = 0; i < m; i++) outputs[at + i] = nd->out[i];
  }
  return TG_OK;
}

tg_var *tg_ifelse(tg_var *cond, tg_var *then_val, tg_var *else_val) {
  tg_var *out = NULL;
  return tg_ifelse_n(cond, 1, &then_val, &else_val, &out) == TG_OK ? out : NULL;
}

const tgi_op_info tgi_catalogue_ifelse[] = {
    {"ifelse", "control", -1, "all", "yes (into the taken branch)", "",
     "Theano's lazy ifelse: a 0-d condition picks whole values; only the branch taken is "
     "computed"},
};
const int tgi_catalogue_ifelse_n = 1;
