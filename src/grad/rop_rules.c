/* rop_rules.c: the Jacobian-vector (R_op) rules of forward mode, in a side table keyed by
   op class name so the op classes need no new member. Elemwise reuses the partial
   derivatives of the reverse rules (tgi_elemwise_partial); ops linear in their float
   inputs (shape, indexing, sum, mean, cumsum, alloc, join, ...) apply themselves to the
   tangents; products follow the product rule; softmax, log_softmax, max and min have
   closed forms. Every other op (prod, var, linalg, nnet losses, scan, ...) goes through
   the per-node transpose of its gradient rule (tgi_rop_fallback in rop.c). */
#include <string.h>

#include "../ops/elemwise.h"
#include "../ops/reduce_impl.h"
#include "rop_impl.h"

/* sum_i d f / d x_i . t_i; the driver broadcasts a narrower result to the output. */
static bool elemwise_rop(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  int code = nd->op->code;
  if (code == TGS_cast) { /* float to float: the tangent cast (by the driver) */
    out_t[0] = tg_dtype_is_float(nd->in[0]->type.dtype) ? t[0] : NULL;
    return true;
  }
  tg_var *x[3] = {NULL, NULL, NULL}, *r = NULL;
  for (int i = 0; i < nd->n_in; i++) x[i] = nd->in[i];
  for (int i = 0; i < nd->n_in; i++) {
    if (!t[i] || (code == TGS_switch && i == 0)) continue;
    bool notimpl = false;
    tg_var *p = tgi_elemwise_partial(g, code, i, x[0], x[1], x[2], nd->out[0], t[i], &notimpl);
    if (notimpl) {
      tgi_gfail(g, TG_ERR_NOTIMPL, "Rop: Elemwise{%s} has no derivative",
                tgi_scalar_ops[code].name);
      return false;
    }
    if (!p) {
      if (g->err.status != TG_OK) return false;
      continue;
    }
    if (!(r = r ? tg_add(r, p) : p)) return false;
  }
  out_t[0] = r;
  return true;
}

/* f linear in its float inputs jointly: J t = f(t), a missing tangent being zeros. Integer
   inputs are indices, shapes and axes, kept as they are, except the values an
   inc/set_subtensor writes (input 1), which are data: constant, so zeros. */
static bool linear_rop(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  tg_var **in = tgi_malloc(sizeof(tg_var *) * (size_t)nd->n_in);
  if (!in) return tgi_gfail(g, TG_ERR_NOMEM, "Rop: out of memory"), false;
  const char *cls = nd->op->cls->name;
  bool inc = !strcmp(cls, "IncSubtensor") || !strcmp(cls, "AdvancedIncSubtensor");
  bool ok = true;
  for (int i = 0; ok && i < nd->n_in; i++) {
    tg_var *v = nd->in[i];
    bool data = tg_dtype_is_float(v->type.dtype) || (inc && i == 1);
    in[i] = !data ? v : t[i] ? t[i] : tg_zeros_like(v);
    ok = in[i] != NULL;
  }
  tg_node *n2 = ok ? tgi_apply(nd->op, nd->n_in, in) : NULL;
  tgi_free(in);
  if (!n2) return false;
  for (int o = 0; o < nd->n_out; o++) out_t[o] = n2->out[o];
  return true;
}

/* Bilinear products (dot, matmul, tensordot, batched dot, outer): ta b + a tb. */
static bool product_rop(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  (void)g;
  tg_var *r = NULL;
  for (int i = 0; i < 2; i++) {
    if (!t[i]) continue;
    tg_var *in[2] = {nd->in[0], nd->in[1]};
    in[i] = t[i];
    tg_node *n2 = tgi_apply(nd->op, 2, in);
    if (!n2 || !(r = r ? tg_add(r, n2->out[0]) : n2->out[0])) return false;
  }
  out_t[0] = r;
  return true;
}

/* softmax: y (t - sum(y t)); log_softmax: t - sum(exp(y) t), sums over the op's axis. */
static bool softmax_rop(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  (void)g;
  int axis = (int)nd->op->params[0];
  tg_var *y = nd->out[0];
  if (strcmp(nd->op->cls->name, "Softmax") == 0)
    out_t[0] = tg_mul(y, tg_sub(t[0], tg_sum(tg_mul(y, t[0]), 1, &axis, true)));
  else
    out_t[0] = tg_sub(t[0], tg_sum(tg_mul(tg_exp(y), t[0]), 1, &axis, true));
  return out_t[0] != NULL;
}

/* max/min: the tangent summed over the elements equal to the result (ties each count,
   as the reverse rule gives each of them the whole gradient). */
static bool maxmin_rop(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t) {
  (void)g;
  const tg_op *op = nd->op;
  tg_var *x = nd->in[0], *z = nd->out[0];
  int ndim = x->type.ndim, axes[TG_MAX_NDIM], na = 0, pattern[TG_MAX_NDIM], k = 0;
  uint64_t mask = (uint64_t)op->params[TGR_P_MASK];
  bool keep = op->params[TGR_P_KEEPDIMS] != 0;
  for (int d = 0; d < ndim; d++) {
    if ((mask >> d) & 1) axes[na++] = d;
    pattern[d] = (mask >> d) & 1 ? -1 : k++;
  }
  tg_var *ze = keep ? z : tg_dimshuffle(z, ndim, pattern);
  tg_var *hit = tg_cast(tg_eq(x, ze), x->type.dtype);
  out_t[0] = tg_sum(tg_mul(t[0], hit), na, axes, keep);
  return out_t[0] != NULL;
}

static const struct {
  const char *cls;
  tgi_rop_rule rule;
} rules[] = {
    {"Elemwise", elemwise_rop},
    {"Reshape", linear_rop}, {"DimShuffle", linear_rop}, {"SpecifyShape", linear_rop},
    {"Subtensor", linear_rop}, {"AdvancedSubtensor", linear_rop},
    {"IncSubtensor", linear_rop}, {"AdvancedIncSubtensor", linear_rop},
    {"Join", linear_rop}, {"Split", linear_rop}, {"MakeVector", linear_rop},
    {"Sum", linear_rop}, {"Mean", linear_rop}, {"CumSum", linear_rop}, {"Diff", linear_rop},
    {"Alloc", linear_rop}, {"Repeat", linear_rop}, {"Tile", linear_rop}, {"Roll", linear_rop},
    {"Flip", linear_rop}, {"Tril", linear_rop}, {"Triu", linear_rop},
    {"AllocDiag", linear_rop}, {"Diagonal", linear_rop},
    {"Dot", product_rop}, {"Matmul", product_rop}, {"Tensordot", product_rop},
    {"BatchedDot", product_rop}, {"Outer", product_rop},
    {"Softmax", softmax_rop}, {"LogSoftmax", softmax_rop},
    {"Max", maxmin_rop}, {"Min", maxmin_rop}, {"MaxAndArgmax", maxmin_rop},
};

tgi_rop_rule tgi_rop_rule_for(const tg_op_class *cls) {
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    if (strcmp(rules[i].cls, cls->name) == 0) return rules[i].rule;
  return NULL;
}
