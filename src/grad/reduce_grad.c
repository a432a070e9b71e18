/* reduce_grad.c: gradients of the reductions. The output gradient gets its reduced axes
   back (as broadcastable dims) and is broadcast to the input's shape; max/min give it to
   every element equal to the result (ties each get all of it, as in Theano); prod's is the
   product of the other elements, zeros in the input included (as Theano's Prod);
   argmax/argmin/all/any have integer or bool results and no gradient. */
#include "../ops/reduce_impl.h"

/* gz (reduced shape) with the reduced axes reinserted as broadcastable dims. */
static tg_var *expand(const tg_node *nd, tg_var *v) {
  const tg_op *op = nd->op;
  if (op->params[TGR_P_KEEPDIMS]) return v;
  int nd_in = nd->in[0]->type.ndim, pattern[TG_MAX_NDIM], k = 0;
  uint64_t mask = (uint64_t)op->params[TGR_P_MASK];
  for (int d = 0; d < nd_in; d++) pattern[d] = (mask >> d) & 1 ? -1 : k++;
  return tg_dimshuffle(v, nd_in, pattern);
}

/* v (broadcastable where reduced) broadcast to x's shape. */
static tg_var *spread(tg_var *v, tg_var *x) {
  tg_var *dims[TG_MAX_NDIM];
  for (int d = 0; d < x->type.ndim; d++)
    if (!(dims[d] = tg_shape_i(x, d))) return NULL;
  return tg_alloc(v, x->type.ndim, dims);
}

/* Number of reduced elements, as a 0-d of dtype dt. */
static tg_var *count(tg_graph *g, const tg_node *nd, tg_dtype dt) {
  tg_var *x = nd->in[0], *n = tgi_dim_const(g, 1);
  uint64_t mask = (uint64_t)nd->op->params[TGR_P_MASK];
  for (int d = 0; d < x->type.ndim && n; d++)
    if ((mask >> d) & 1) n = tg_mul(n, tg_shape_i(x, d));
  return tg_cast(n, dt);
}

/* The reduced axes of nd as a list; their count. */
static int reduced_axes(const tg_node *nd, int *axes) {
  int n = 0;
  uint64_t mask = (uint64_t)nd->op->params[TGR_P_MASK];
  for (int d = 0; d < nd->in[0]->type.ndim; d++)
    if ((mask >> d) & 1) axes[n++] = d;
  return n;
}

/* d prod / d x_i = the product of the other elements, as Theano computes it: prod / x_i
   in a group without zeros; in a group with exactly one zero, the product of the
   nonzero elements at the zero and 0 elsewhere; 0 in a group with two zeros or more.
   Where nothing is zero this is ge * prod / x, whose own gradient is the usual one. */
static tg_var *prod_grad(tg_graph *g, const tg_node *nd, tg_var *ge) {
  tg_var *x = nd->in[0], *z = nd->out[0];
  tg_dtype dt = x->type.dtype;
  int axes[TG_MAX_NDIM], n = reduced_axes(nd, axes);
  tg_var *is0 = tg_eq(x, tg_const_typed(g, dt, 0));
  tg_var *safe = tg_switch(is0, tg_const_typed(g, dt, 1), x);
  tg_var *n0 = tg_sum(is0, n, axes, true);                    /* zeros per group */
  tg_var *others = tg_prod(safe, n, axes, true);              /* product of the nonzeros */
  tg_var *at0 = tg_switch(tg_eq(n0, tg_const_i64(g, 1)), others, tg_const_typed(g, dt, 0));
  tg_var *rest = tg_true_div(spread(expand(nd, z), x), safe); /* 0 where the group has a 0 */
  return tg_mul(ge, tg_switch(is0, at0, rest));
}

bool tgi_reduce_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0], *z = nd->out[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  tg_dtype dt = x->type.dtype;
  tg_var *ge = spread(expand(nd, gz), x), *r = NULL;
  switch (nd->op->code) {
    case TGR_SUM: r = ge; break;
    case TGR_MEAN: r = tg_true_div(ge, count(g, nd, dt)); break;
    case TGR_PROD: r = prod_grad(g, nd, ge); break;
    case TGR_MAX: case TGR_MIN: case TGR_MAX_AND_ARGMAX:
      r = tg_mul(ge, tg_cast(tg_eq(x, spread(expand(nd, z), x)), dt));
      break;
    case TGR_LOGSUMEXP: r = tg_mul(ge, tg_exp(tg_sub(x, spread(expand(nd, z), x)))); break;
    case TGR_VAR: case TGR_STD: {
      int axes[TG_MAX_NDIM], n = reduced_axes(nd, axes);
      tg_var *centred = tg_sub(x, tg_mean(x, n, axes, true));
      tg_var *denom = tg_sub(count(g, nd, dt), tg_const_f64(g, (double)nd->op->params[TGR_P_DDOF]));
      tg_var *scale = nd->op->code == TGR_VAR ? tg_const_f64(g, 2.0)
                                               : tg_true_div(tg_const_f64(g, 1.0), spread(expand(nd, z), x));
      r = tg_true_div(tg_mul(tg_mul(ge, scale), centred), denom);
      break;
    }
    default: return true; /* argmax, argmin, all, any */
  }
  if (!r) return false;
  if (r->type.dtype != dt && !(r = tg_cast(r, dt))) return false;
  ig[0] = r;
  return true;
}
