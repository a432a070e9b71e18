/* elemwise_grad.c: the vector-Jacobian rule of every scalar op of Elemwise, as graphs over
   the op's inputs a, b, c, its output z and the output gradient gz. Results are summed back
   over broadcast dims (tgi_grad_unbroadcast). Non-differentiable points follow Theano:
   abs'(0) = 0 (sign), floor/ceil/round/trunc/sign have zero gradient, minimum/maximum give
   the gradient to every operand equal to the result (ties get it twice), a float switch
   condition gets zeros, comparisons and logical/bitwise ops are disconnected (bool
   outputs). psi, trigamma and polygamma differentiate into polygamma of the next order,
   so gammaln has derivatives of every order; polygamma's order n gets no gradient. */
#include <math.h>

#include "../ops/elemwise.h"
#include "rop_impl.h"

#define K(v) tg_const_f64(g, (v))

static tg_var *mask_mul(tg_var *gz, tg_var *cond) { return tg_mul(gz, tg_cast(cond, gz->type.dtype)); }

/* Gradient of input i (before unbroadcasting); NULL with no error = no gradient. Forward
   mode (rop_rules.c) calls it with gz = the tangent of input i: every case is gz times the
   partial derivative (or zeros), so the same expression is the JVP contribution. */
tg_var *tgi_elemwise_partial(tg_graph *g, int code, int i, tg_var *a, tg_var *b, tg_var *c,
                             tg_var *z, tg_var *gz, bool *notimpl) {
  (void)notimpl; /* every scalar op has a rule today */
  switch (code) {
    case TGS_add: return gz;
    case TGS_sub: return i == 0 ? gz : tg_neg(gz);
    case TGS_mul: return tg_mul(gz, i == 0 ? b : a);
    case TGS_true_div: return i == 0 ? tg_true_div(gz, b) : tg_neg(tg_true_div(tg_mul(gz, z), b));
    case TGS_floor_div: return tg_zeros_like(i == 0 ? a : b);
    case TGS_mod: return i == 0 ? gz : tg_neg(tg_mul(gz, tg_floor_div(a, b)));
    case TGS_pow:
      return i == 0 ? tg_mul(gz, tg_mul(b, tg_pow(a, tg_sub(b, K(1.0)))))
                    : tg_mul(gz, tg_mul(z, tg_log(a)));
    case TGS_neg: return tg_neg(gz);
    case TGS_abs: return tg_mul(gz, tg_sign(a));
    case TGS_sign: case TGS_floor: case TGS_ceil: case TGS_round: case TGS_trunc:
      return tg_zeros_like(a);
    case TGS_minimum: case TGS_maximum: return mask_mul(gz, tg_eq(z, i == 0 ? a : b));
    case TGS_clip:
      if (i == 0) return mask_mul(gz, tg_logical_and(tg_ge(a, b), tg_le(a, c)));
      return mask_mul(gz, i == 1 ? tg_lt(a, b) : tg_gt(a, c));
    case TGS_sqr: return tg_mul(gz, tg_mul(a, K(2.0)));
    case TGS_reciprocal: return tg_neg(tg_mul(gz, tg_sqr(z)));
    case TGS_exp: return tg_mul(gz, z);
    case TGS_exp2: return tg_mul(gz, tg_mul(z, K(M_LN2)));
    case TGS_expm1: return tg_mul(gz, tg_add(z, K(1.0)));
    case TGS_log: return tg_true_div(gz, a);
    case TGS_log2: return tg_true_div(gz, tg_mul(a, K(M_LN2)));
    case TGS_log10: return tg_true_div(gz, tg_mul(a, K(M_LN10)));
    case TGS_log1p: return tg_true_div(gz, tg_add(a, K(1.0)));
    case TGS_sqrt: return tg_true_div(tg_mul(gz, K(0.5)), z);
    case TGS_sin: return tg_mul(gz, tg_cos(a));
    case TGS_cos: return tg_neg(tg_mul(gz, tg_sin(a)));
    case TGS_tan: return tg_mul(gz, tg_add(tg_sqr(z), K(1.0)));
    case TGS_arcsin: return tg_true_div(gz, tg_sqrt(tg_sub(K(1.0), tg_sqr(a))));
    case TGS_arccos: return tg_neg(tg_true_div(gz, tg_sqrt(tg_sub(K(1.0), tg_sqr(a)))));
    case TGS_arctan: return tg_true_div(gz, tg_add(tg_sqr(a), K(1.0)));
    case TGS_arctan2: {
      tg_var *r2 = tg_add(tg_sqr(a), tg_sqr(b));
      return i == 0 ? tg_true_div(tg_mul(gz, b), r2) : tg_neg(tg_true_div(tg_mul(gz, a), r2));
    }
    case TGS_sinh: return tg_mul(gz, tg_cosh(a));
    case TGS_cosh: return tg_mul(gz, tg_sinh(a));
    case TGS_tanh: return tg_mul(gz, tg_sub(K(1.0), tg_sqr(z)));
    case TGS_arcsinh: return tg_true_div(gz, tg_sqrt(tg_add(tg_sqr(a), K(1.0))));
    case TGS_arccosh: return tg_true_div(gz, tg_sqrt(tg_sub(tg_sqr(a), K(1.0))));
    case TGS_arctanh: return tg_true_div(gz, tg_sub(K(1.0), tg_sqr(a)));
    case TGS_sigmoid: return tg_mul(gz, tg_mul(z, tg_sub(K(1.0), z)));
    case TGS_softplus: return tg_mul(gz, tg_sigmoid(a));
    case TGS_erf: return tg_mul(gz, tg_mul(K(M_2_SQRTPI), tg_exp(tg_neg(tg_sqr(a)))));
    case TGS_erfc: return tg_neg(tg_mul(gz, tg_mul(K(M_2_SQRTPI), tg_exp(tg_neg(tg_sqr(a))))));
    case TGS_erfcx: return tg_mul(gz, tg_sub(tg_mul(tg_mul(a, z), K(2.0)), K(M_2_SQRTPI)));
    case TGS_gammaln: return tg_mul(gz, tg_psi(a));
    case TGS_psi: return tg_mul(gz, tg_trigamma(a));
    case TGS_trigamma: return tg_mul(gz, tg_polygamma(tg_const_i64(g, 2), a));
    case TGS_polygamma: /* the order is an integer: no gradient */
      return i == 0 ? NULL : tg_mul(gz, tg_polygamma(tg_add(a, tg_const_i64(g, 1)), b));
    case TGS_switch:
      if (i == 0) return tg_zeros_like(a); /* a float condition: zero, as Theano */
      /* zeros shaped from z, not gz, so a Lop never needs its eval point's shape */
      return i == 1 ? tg_switch(a, gz, tg_zeros_like(z)) : tg_switch(a, tg_zeros_like(z), gz);
    case TGS_cast: return tg_dtype_is_float(a->type.dtype) ? tg_cast(gz, a->type.dtype) : NULL;
    default: return NULL; /* comparisons, logical, bitwise, isnan...: bool or int results */
  }
}

bool tgi_elemwise_grad(tg_graph *g, const tg_node *nd, tg_var *const *out_grads,
                       tg_var **in_grads) {
  tg_var *gz = out_grads[0];
  if (!gz || !tg_dtype_is_float(nd->out[0]->type.dtype)) return true;
  tg_var *x[3] = {NULL, NULL, NULL};
  for (int i = 0; i < nd->n_in; i++) x[i] = nd->in[i];
  for (int i = 0; i < nd->n_in; i++) {
    if (!tg_dtype_is_float(x[i]->type.dtype)) continue;
    bool notimpl = false;
    tg_var *gi = tgi_elemwise_partial(g, nd->op->code, i, x[0], x[1], x[2], nd->out[0], gz, &notimpl);
    if (notimpl) { /* no scalar op sets it today; kept for ops added without a rule */
      tgi_gfail(g, TG_ERR_NOTIMPL, "grad: Elemwise{%s} has no gradient yet",
                tgi_scalar_ops[nd->op->code].name);
      return false;
    }
    if (!gi) {
      if (g->err.status != TG_OK) return false;
      continue;
    }
    if (!(in_grads[i] = tgi_grad_unbroadcast(gi, x[i]))) return false;
  }
  return true;
}
