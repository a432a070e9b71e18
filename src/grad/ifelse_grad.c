/* ifelse_grad.c: the gradient of IfElse, Theano's rule. An output's gradient flows into
   the branch that produced it: the then-value's gradient is ifelse(cond, g, 0) and the
   else-value's ifelse(cond, 0, g), both lazy, so backpropagation computes only what the
   taken branch needs. The zeros take the shape of the value they stand for. A float
   condition gets a zero gradient (as in Theano: it is connected but moves nothing);
   integer and bool ones none. Backpropagation runs the untaken branch's own rules on
   those zeros, as Theano does, so forward values they read are computed then. */
#include "../ops/ifelse_impl.h"

bool tgi_ifelse_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  int n = (int)nd->op->params[0];
  tg_var *c = nd->in[0];
  if (tg_dtype_is_float(c->type.dtype) && !(ig[0] = tg_zeros_like(c))) return false;
  for (int o = 0; o < n; o++) {
    tg_var *t = nd->in[1 + o], *e = nd->in[1 + n + o];
    if (!og[o] || !tg_dtype_is_float(t->type.dtype)) continue;
    tg_var *gt = tg_ifelse(c, og[o], tg_zeros_like(t));
    tg_var *ge = tg_ifelse(c, tg_zeros_like(e), og[o]);
    if (!(ig[1 + o] = tgi_grad_unbroadcast(gt, t)) || !(ig[1 + n + o] = tgi_grad_unbroadcast(ge, e)))
      return false;
  }
  return true;
}
