/* specialize_gemm.c: the gemm rewrite (phase TGI_PH_SPECIALIZE): a sum or difference of
   a scaled dot product and a scaled tensor, alpha * dot(A, B) + beta * C, becomes one
   Gemm node (A and B matrices) or Gemv node (one of them a vector), as Theano's gemm
   optimizer does. It matches dot(A, B) + C (either order), C - dot(A, B), dot(A, B) - C,
   with each side optionally negated or multiplied by scalar constants: -dot(A, B) + 2 * C,
   W - 0.1 * dot(X.T, G) (the SGD update), dot(X, W) + b (the MLP layer, b a row broadcast
   over the batch; Gemm broadcasts C itself, so no alloc is needed). alpha and beta
   must be constants; A, B, C and the result one float dtype; C must not enlarge the
   product's shape; the dot must have no other use (else it would be computed twice). */
#include "../ops/blas_gemm.h"
#include <math.h>

#include "rw_match.h"

/* Peel negations and multiplications by a scalar constant off t, all in t's dtype and
   not broadcasting: t = *k * base. Returns the base. With fg, peels only through values
   used once (counting t itself), so that the base is only used there too. */
static tg_var *peel_scale(tgi_fgraph *fg, tg_var *t, double *k) {
  *k = 1;
  for (;;) {
    tg_node *n;
    double c;
    if (fg && tgi_fgraph_n_clients(fg, t) != 1) return t;
    if ((n = rw_ew(t, TGS_neg)) && n->in[0]->type.dtype == t->type.dtype) {
      *k = -*k;
      t = n->in[0];
      continue;
    }
    if ((n = rw_ew(t, TGS_mul))) {
      int i = tgi_rw_const_value(n->in[0], &c) ? 0 : tgi_rw_const_value(n->in[1], &c) ? 1 : -1;
      tg_var *u = i >= 0 ? n->in[1 - i] : NULL;
      if (u && u->type.dtype == t->type.dtype && rw_fills(u, t) && isfinite(c)) {
        *k *= c;
        t = u;
        continue;
      }
    }
    return t;
  }
}

/* The Dot node computing base when gemm can absorb it: float operands of dtype dt,
   matrix x matrix, matrix x vector or vector x matrix, used once, filling the sum's
   shape out. */
static tg_node *gemm_dot(tgi_fgraph *fg, tg_var *base, tg_dtype dt, const tg_var *out) {
  tg_node *d = rw_op(base, "Dot");
  if (!d || base->type.dtype != dt || !rw_fills(base, out) || tgi_fgraph_n_clients(fg, base) != 1)
    return NULL;
  const tg_type *a = &d->in[0]->type, *b = &d->in[1]->type;
  if (a->dtype != dt || b->dtype != dt || a->ndim < 1 || a->ndim > 2 || b->ndim < 1 ||
      b->ndim > 2 || a->ndim + b->ndim < 3)
    return NULL;
  return d;
}

static bool local_gemm(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  int code = tgi_rw_elemwise_code(nd);
  if ((code != TGS_add && code != TGS_sub) || !rw_is_float(nd->out[0])) return false;
  tg_dtype dt = nd->out[0]->type.dtype;
  for (int side = 0; side < 2; side++) {
    double kd, kc;
    tg_var *td = nd->in[side], *tc = nd->in[1 - side];
    tg_var *bd = peel_scale(fg, td, &kd), *bc = peel_scale(NULL, tc, &kc);
    tg_node *d = gemm_dot(fg, bd, dt, nd->out[0]);
    if (!d || bc->type.dtype != dt || bc->type.ndim > nd->out[0]->type.ndim) continue;
    /* the dot's side enters with sign +1 unless it is subtracted (side 1 of a sub) */
    double alpha = code == TGS_sub && side == 1 ? -kd : kd;
    double beta = code == TGS_sub && side == 0 ? -kc : kc;
    repl[0] = tgi_gemm_build(alpha, d->in[0], d->in[1], beta, bc);
    return repl[0] != NULL;
  }
  return false;
}

const tgi_rewrite tgi_rewrites_gemm[] = {
    {"local_gemm", "fast_run specialize gemm", TGI_PH_SPECIALIZE, "Elemwise", local_gemm, NULL,
     "alpha * dot(A, B) + beta * C (also -, scalar constants alpha, beta) -> Gemm/Gemv"},
};
const int tgi_rewrites_gemm_n = (int)(sizeof tgi_rewrites_gemm / sizeof tgi_rewrites_gemm[0]);
