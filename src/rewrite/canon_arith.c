/* canon_arith.c: algebraic canonicalisation rewrites on single Elemwise nodes: useless
   arithmetic (x + 0, x * 1, x - 0, x / 1), x - x, x / x where that is safe, double
   negation, negation folded into sub/add, pow with small integer exponents into
   multiplications, division by a constant into multiplication by its reciprocal (exact
   for powers of two in FAST_RUN; for any constant, as Theano, on request). Each is
   O(inputs) per node. The flattening and sorting of add/mul chains is in canon_chain.c.

   NaN/Inf policy (docs/rewrites.md): for finite inputs a rewrite changes results by
   rounding at most. Two exceptions follow Theano: x - x becomes 0 also where x is
   +-inf or NaN (the original gives NaN there), and x + 0 turns x = -0.0 into +0.0. */
#include <float.h>
#include <math.h>

#include "../ops/elemwise.h"
#include "canon.h"

bool tgi_canon_fits(const tg_var *x, const tg_var *out) {
  if (x->type.ndim != out->type.ndim) return false;
  for (int d = 0; d < x->type.ndim; d++)
    if (x->type.shape[d] == 1 && out->type.shape[d] != 1) return false;
  return true;
}

bool tgi_canon_same(const tg_var *a, const tg_var *b) {
  if (a == b) return true;
  if (a->kind == TGV_CONSTANT && b->kind == TGV_CONSTANT) {
    double x, y;
    return a->value->ndim == 0 && b->value->ndim == 0 && a->type.dtype == b->type.dtype &&
           a->weak == b->weak && tgi_rw_const_value(a, &x) && tgi_rw_const_value(b, &y) &&
           x == y;
  }
  if (a->kind != TGV_RESULT || b->kind != TGV_RESULT || a->index != b->index) return false;
  const tg_node *p = a->owner, *q = b->owner;
  if ((p->op->cls->flags & TGI_OP_IMPURE) || p->n_in != q->n_in || !tgi_op_equal(p->op, q->op))
    return false;
  for (int i = 0; i < p->n_in; i++)
    if (p->in[i] != q->in[i]) return false;
  return true;
}

bool tgi_canon_ok(const tg_var *repl, const tg_var *out) {
  if (!repl || repl->type.dtype != out->type.dtype || repl->type.ndim != out->type.ndim)
    return false;
  for (int d = 0; d < out->type.ndim; d++) {
    int64_t a = repl->type.shape[d], b = out->type.shape[d];
    if (a >= 0 && b >= 0 && a != b) return false;
  }
  return true;
}

bool tgi_canon_keeps_view(const tgi_fgraph *fg, const tg_var *out, const tg_var *repl) {
  if (repl->kind == TGV_RESULT) return false;
  const tgi_clist *cl = tgi_fgraph_clients(fg, out);
  for (int i = 0; i < cl->n; i++)
    if (!cl->c[i].node) return true;
  return false;
}

/* v converted to dt (v itself when it has that dtype already). */
static tg_var *as_dtype(tg_var *v, tg_dtype dt) {
  return v->type.dtype == dt ? v : tg_cast(v, dt);
}

/* Keep a candidate replacement only when it can stand for out. */
static bool accept(tg_var *cand, tg_node *nd, tg_var **repl) {
  if (!tgi_canon_ok(cand, nd->out[0]) || cand == nd->out[0]) return false;
  repl[0] = cand;
  return true;
}

/* The operand of x op e that is not the constant e (e given by value), when the op's
   identity is on that side: commutative ops accept it on either side. */
static tg_var *other_than(const tg_node *nd, double e, bool either_side) {
  if (tgi_rw_is_const(nd->in[1], e)) return nd->in[0];
  if (either_side && tgi_rw_is_const(nd->in[0], e)) return nd->in[1];
  return NULL;
}

/* x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1 (and int x // 1) -> x, converted to the
   output dtype (which is what the op does to x before adding 0). Only when the constant
   does not enlarge x by broadcasting. */
static bool local_useless_arith(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  tg_var *x = NULL, *out = nd->out[0];
  switch (tgi_rw_elemwise_code(nd)) {
    case TGS_add: x = other_than(nd, 0, true); break;
    case TGS_sub: x = other_than(nd, 0, false); break;
    case TGS_mul: x = other_than(nd, 1, true); break;
    case TGS_true_div: x = other_than(nd, 1, false); break;
    case TGS_floor_div: /* floor(x / 1) is not x for floats */
      if (!tg_dtype_is_float(out->type.dtype)) x = other_than(nd, 1, false);
      break;
    default: return false;
  }
  if (!x || !tgi_canon_fits(x, out)) return false;
  return accept(as_dtype(x, out->type.dtype), nd, repl);
}

/* x - x -> zeros of x's shape. Also where x is +-inf or NaN (Theano does the same). */
static bool local_sub_self(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  if (tgi_rw_elemwise_code(nd) != TGS_sub || !tgi_canon_same(nd->in[0], nd->in[1])) return false;
  tg_var *x = nd->in[0];
  if (x->kind == TGV_CONSTANT) return false; /* constant folding's case */
  return accept(tg_fill(x, tg_const_typed(x->g, nd->out[0]->type.dtype, 0)), nd, repl);
}

/* True when every element of v is known to be a non-zero finite number: a constant, or
   an alloc/fill of one. */
static bool nonzero_finite(const tg_var *v) {
  if (v->kind == TGV_RESULT && strcmp(v->owner->op->cls->name, "Alloc") == 0)
    v = v->owner->in[0];
  double c;
  return tgi_rw_const_value(v, &c) && c != 0 && isfinite(c);
}

/* x / x -> ones, only where that is safe: x known non-zero and finite (a fill of such a
   constant). Theano cancels x / x for any x, turning 0/0 and inf/inf (NaN) into 1;
   tgraph does not. */
static bool local_div_self(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int code = tgi_rw_elemwise_code(nd);
  if ((code != TGS_true_div && code != TGS_floor_div) || !tgi_canon_same(nd->in[0], nd->in[1]) ||
      !nonzero_finite(nd->in[0]) || nd->in[0]->kind == TGV_CONSTANT)
    return false;
  tg_var *x = nd->in[0];
  return accept(tg_fill(x, tg_const_typed(x->g, nd->out[0]->type.dtype, 1)), nd, repl);
}

/* The input of a neg node, or NULL. */
static tg_var *neg_arg(const tg_var *v) {
  return v->kind == TGV_RESULT && tgi_rw_elemwise_code(v->owner) == TGS_neg ? v->owner->in[0]
                                                                           : NULL;
}

/* -(-x) -> x (also for ints: negation wraps symmetrically). */
static bool local_neg_neg(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  if (tgi_rw_elemwise_code(nd) != TGS_neg) return false;
  tg_var *x = neg_arg(nd->in[0]);
  return x && accept(x, nd, repl);
}

/* a + (-b) -> a - b, (-a) + b -> b - a, a - (-b) -> a + b: one op instead of two. */
static bool local_neg_to_sub(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int code = tgi_rw_elemwise_code(nd);
  tg_var *a = nd->in[0], *b = nd->in[1], *nb = NULL;
  if (code == TGS_add) {
    if ((nb = neg_arg(b))) return accept(tg_sub(a, nb), nd, repl);
    if ((nb = neg_arg(a))) return accept(tg_sub(b, nb), nd, repl);
  } else if (code == TGS_sub && (nb = neg_arg(b))) {
    return accept(tg_add(a, nb), nd, repl);
  }
  return false;
}

/* Largest |k| turned into multiplications by local_pow_small_int. */
#define POW_MAX 4

/* x ** k for a constant integer k in [-POW_MAX, POW_MAX] into multiplications: x ** 0 ->
   ones, x ** 1 -> x, x ** 3 -> (x * x) * x, x ** 4 -> (x * x) * (x * x), x ** -k ->
   reciprocal(x ** k) (floats only: an int result of a negative power is 0 or +-1).
   Exponents 2 and 0.5 are left to local_pow_specialize (sqr, sqrt). The products round
   once per multiplication where pow rounds once; where x ** k overflows or underflows in
   an intermediate product the result may differ near the limits of the dtype. */
static bool local_pow_small_int(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  double k;
  tg_var *out = nd->out[0], *x = nd->in[0];
  if (tgi_rw_elemwise_code(nd) != TGS_pow || !tgi_rw_const_value(nd->in[1], &k) ||
      k != floor(k) || fabs(k) > POW_MAX || k == 2 || !tgi_canon_fits(x, out))
    return false;
  tg_dtype dt = out->type.dtype;
  bool fl = tg_dtype_is_float(dt);
  if (k < 0 && !fl) return false;
  if (x->kind == TGV_CONSTANT) return false; /* constant folding's case */
  if (k == 0) return accept(tg_fill(x, tg_const_typed(x->g, dt, 1)), nd, repl);
  tg_var *xc = as_dtype(x, dt);
  int n = (int)fabs(k);
  tg_var *p = xc;
  if (n == 2) p = tg_mul(xc, xc);
  else if (n == 3) p = tg_mul(tg_mul(xc, xc), xc);
  else if (n == 4) {
    tg_var *s = tg_mul(xc, xc);
    p = tg_mul(s, s);
  }
  return accept(k < 0 ? tg_reciprocal(p) : p, nd, repl);
}

/* True when 1 / c is a normal number of dtype dt (so x * (1/c) differs from x / c by
   rounding only: no overflow to inf, no loss in subnormals); with exact, also when 1/c
   is exact (c a power of two), so that x * (1/c) and x / c round the same exact value. */
static bool reciprocal_ok(double c, tg_dtype dt, bool exact) {
  if (!isfinite(c) || c == 0) return false;
  double r = fabs(1.0 / c);
  if (dt == TG_FLOAT32 ? !(r >= FLT_MIN && r <= FLT_MAX) : !(r >= DBL_MIN && r <= DBL_MAX))
    return false;
  int e;
  return !exact || fabs(frexp(c, &e)) == 0.5;
}

/* x / c -> x * (1/c) for a constant c whose elements are all equal, in float results.
   exact: only for c a power of two, where the product is bit-identical to the quotient
   (numpy's results kept); otherwise (Theano's rewrite, for every float constant) the
   product differs from the quotient by about an ulp. c such that 1/c would overflow or
   be subnormal is left alone. The new constant keeps c's shape and static type, so
   broadcasting is unchanged. */
static bool div_const_to_mul(tgi_fgraph *fg, tg_node *nd, tg_var **repl, bool exact) {
  double c;
  tg_var *out = nd->out[0], *cv = nd->in[1];
  tg_dtype dt = out->type.dtype;
  if (tgi_rw_elemwise_code(nd) != TGS_true_div || !tg_dtype_is_float(dt) ||
      !tgi_rw_const_value(cv, &c) || nd->in[0]->kind == TGV_CONSTANT)
    return false;
  if (dt == TG_FLOAT32) c = (float)c; /* the op divides by c converted to the compute dtype */
  if (!reciprocal_ok(c, dt, exact)) return false;
  tg_array *a = tgi_array_alloc(dt, cv->value->ndim, cv->value->shape, true, false);
  if (!a) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory making a constant"), false;
  int64_t es = (int64_t)tg_dtype_size(dt);
  for (int64_t i = 0; i < a->size; i++) tgi_store_f64(a->data + i * es, dt, 1.0 / c);
  tg_var *r = tgi_const_new(fg->g, a, TGW_NONE);
  tg_array_unref(a);
  if (!r) return false;
  /* keep c's static type (a folded constant may have dims it does not claim static) */
  for (int d = 0; d < r->type.ndim; d++) r->type.shape[d] = cv->type.shape[d];
  return accept(tg_mul(nd->in[0], r), nd, repl);
}

static bool local_div_const_to_mul(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  return div_const_to_mul(fg, nd, repl, true);
}

static bool local_div_const_to_mul_approx(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  return div_const_to_mul(fg, nd, repl, false);
}

const tgi_rewrite tgi_rewrites_canon_arith[] = {
    {"local_useless_arith", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_useless_arith, NULL, "x + 0, x - 0, x * 1, x / 1, int x // 1 -> x (when 0/1 does not broadcast x)"},
    {"local_sub_self", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise", local_sub_self,
     NULL, "x - x -> zeros_like(x) (also for inf/NaN x, as Theano)"},
    {"local_div_self", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise", local_div_self,
     NULL, "x / x -> ones_like(x), only when x is a fill of a non-zero finite constant"},
    {"local_neg_neg", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise", local_neg_neg,
     NULL, "-(-x) -> x"},
    {"local_neg_to_sub", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_neg_to_sub, NULL, "a + (-b) -> a - b, (-a) + b -> b - a, a - (-b) -> a + b"},
    {"local_pow_small_int", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_pow_small_int, NULL,
     "x ** k for integer k in [-4, 4] except 2 -> ones, x, products (1/products for k < 0)"},
    {"local_div_const_to_mul", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_div_const_to_mul, NULL, "x / c -> x * (1/c) for a float constant c a power of two (exact)"},
    {"local_div_const_to_mul_approx", "canonicalize unsafe", TGI_PH_CANONICALIZE, "Elemwise",
     local_div_const_to_mul_approx, NULL,
     "x / c -> x * (1/c) for any float constant c with 1/c normal (Theano's; about 1 ulp off; "
     "not in FAST_RUN: enable with optimizer_including)"},
};
const int tgi_rewrites_canon_arith_n =
    (int)(sizeof tgi_rewrites_canon_arith / sizeof tgi_rewrites_canon_arith[0]);
