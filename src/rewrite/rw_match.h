/* rw_match.h: small pattern-matching helpers for the stabilising and specialising
   rewrites (stabilize*.c, specialize*.c): "is v computed by an Elemwise of this scalar op",
   "does x fill the result's shape" and dtype conversion without a needless node. Static
   inline, so each rewrite file takes what it uses. Never installed. */
#ifndef TG_RW_MATCH_H
#define TG_RW_MATCH_H

#include "../ops/elemwise.h"
#include "rewrite.h"

/* The node computing v when it is Elemwise{code}, else NULL. */
static inline tg_node *rw_ew(const tg_var *v, int code) {
  return v && v->owner && tgi_rw_elemwise_code(v->owner) == code ? v->owner : NULL;
}

/* The node computing v when its op class is named cls ("Softmax"), else NULL. */
static inline tg_node *rw_op(const tg_var *v, const char *cls) {
  return v && v->owner && strcmp(v->owner->op->cls->name, cls) == 0 ? v->owner : NULL;
}

/* True when an elementwise result of x alone has the run-time shape of out: the same rank
   and no dim where x is statically 1 but out is not (another operand would have
   broadcast x there). */
static inline bool rw_fills(const tg_var *x, const tg_var *out) {
  if (x->type.ndim != out->type.ndim) return false;
  for (int d = 0; d < x->type.ndim; d++)
    if (x->type.shape[d] == 1 && out->type.shape[d] != 1) return false;
  return true;
}

static inline bool rw_is_float(const tg_var *v) {
  return v->type.dtype == TG_FLOAT32 || v->type.dtype == TG_FLOAT64;
}

/* x converted to dt, with no node when it already is. */
static inline tg_var *rw_as(tg_var *x, tg_dtype dt) {
  return x && x->type.dtype != dt ? tg_cast(x, dt) : x;
}

/* v without a widening float cast over it (cast{float64} of a float32 value is exact,
   so a rewrite may look through it and compute in the wider dtype). */
static inline tg_var *rw_skip_upcast(tg_var *v) {
  tg_node *n = rw_ew(v, TGS_cast);
  if (n && v->type.dtype == TG_FLOAT64 && n->in[0]->type.dtype == TG_FLOAT32) return n->in[0];
  return v;
}

/* -x in float dtype dt: u converted to dt when x is a float neg(u) (so -(-u) builds no
   negation; an integer neg may have wrapped, so it is not looked through), else
   neg(x converted to dt). */
static inline tg_var *rw_negate_as(tg_var *x, tg_dtype dt) {
  tg_node *n = rw_ew(x, TGS_neg);
  if (n && tg_dtype_is_float(x->type.dtype)) return rw_as(n->in[0], dt);
  return tg_neg(rw_as(x, dt));
}

/* For a binary Elemwise nd: the operand other than a constant equal to c that does not
   enlarge the result, or NULL. Tries both sides (for commutative ops the caller checks
   the code). */
static inline tg_var *rw_other_than_const(const tg_node *nd, double c) {
  for (int i = 0; i < 2; i++)
    if (tgi_rw_is_const(nd->in[i], c) && rw_fills(nd->in[1 - i], nd->out[0]))
      return nd->in[1 - i];
  return NULL;
}

#endif
