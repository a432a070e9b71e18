/* nnet_grad.c: the vector-Jacobian rules of the neural-network ops that are ops of their
   own (Softmax, LogSoftmax, CrossentropyCategorical1Hot, OneHot), as graphs so that their
   gradients are differentiable again. The activations and the binary losses are
   elementwise graphs and differentiate through Elemwise. */
#include "../ops/nnet_impl.h"

/* gz converted to x's dtype (a Lop's eval point may come in another float dtype). */
static tg_var *as_dtype(tg_var *gz, const tg_var *x) {
  return gz && gz->type.dtype != x->type.dtype ? tg_cast(gz, x->type.dtype) : gz;
}

/* Softmax y = softmax(x): gx = (gz - sum(gz * y, axis, keepdims)) * y.
   LogSoftmax y = log_softmax(x): gx = gz - exp(y) * sum(gz, axis, keepdims).
   Both use the forward output y, so no exp/max is recomputed. */
bool tgi_softmax_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *y = nd->out[0], *gz = as_dtype(og[0], x);
  if (!og[0]) return true;
  int axis = (int)nd->op->params[0];
  tg_var *r;
  if (nd->op->code == TGI_SM_SOFTMAX)
    r = tg_mul(tg_sub(gz, tg_sum(tg_mul(gz, y), 1, &axis, true)), y);
  else
    r = tg_sub(gz, tg_mul(tg_exp(y), tg_sum(gz, 1, &axis, true)));
  return (ig[0] = tgi_grad_unbroadcast(r, x)) != NULL;
}

/* CrossentropyCategorical1Hot z[i] = -log(c[i, l[i]]): dz[i]/dc[i, j] = -1/c[i, j] where
   j = l[i], zero elsewhere. Built as switch(mask, -gz[:, None] / safe, 0) with mask[i, j]
   = (j == l[i]) and safe = switch(mask, c, 1): the division never sees the entries off
   the labels, so a coding_dist with zeros there gives no inf, nor NaN in the second
   derivative. The labels get no gradient. */
bool tgi_xent1hot_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *c = nd->in[0], *l = nd->in[1], *gz = as_dtype(og[0], c);
  if (!og[0]) return true;
  tg_dtype dt = c->type.dtype;
  tg_var *cls = tg_arange(g, tg_const_i64(g, 0), tg_shape_i(c, 1), tg_const_i64(g, 1), TG_INT64);
  tg_var *mask = tg_eq(tg_dimshuffle(l, 2, (const int[]){0, -1}), cls);
  tg_var *safe = tg_switch(mask, c, tg_const_typed(g, dt, 1));
  tg_var *col = tg_dimshuffle(gz, 2, (const int[]){0, -1});
  tg_var *r = tg_switch(mask, tg_neg(tg_true_div(col, safe)), tg_const_typed(g, dt, 0));
  return (ig[0] = tgi_grad_unbroadcast(r, c)) != NULL;
}

/* OneHot's only input is the integer labels: not differentiable, nothing flows. */
bool tgi_onehot_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g, (void)nd, (void)og, (void)ig;
  return true;
}
