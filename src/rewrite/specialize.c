/* specialize.c: the specialising rewrites (phase TGI_PH_SPECIALIZE) that make a faster
   form of the same function: x ** 2 -> sqr(x), x ** 0.5 -> sqrt(x), x ** -0.5 ->
   1 / sqrt(x) (integer exponents such as 3, -1 or 0 are the canonicaliser's), sum over
   no axes or over axes statically 1 -> the input (reshaped), the sum of a product of
   broadcast operands -> the product of their sums, and sum(x * y) of two float64 vectors
   -> dot.
   Gemm is specialize_gemm.c. A sum over every axis needs no rewrite: the Sum op keeps its
   axes as a bitmask, so sum(x) and sum(x, axis=(0, 1)) are one op that merging unifies.

   NaN/Inf: x ** 0.5 and sqrt differ at -inf (pow gives +inf, sqrt NaN) and x ** -0.5 and
   1 / sqrt(x) at -0.0 and -inf, as in Theano, which makes the same substitution; the
   product of sums can give inf where the sum of products gives NaN (inf * 0 terms). */
#include "../ops/reduce_impl.h"
#include "rw_match.h"

/* x ** 2 -> sqr(x), x ** 0.5 -> sqrt(x), x ** -0.5 -> reciprocal(sqrt(x)). */
static bool local_pow_specialize(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  double c;
  if (tgi_rw_elemwise_code(nd) != TGS_pow || !tgi_rw_const_value(nd->in[1], &c) ||
      !rw_fills(nd->in[0], nd->out[0]))
    return false;
  tg_dtype dt = nd->out[0]->type.dtype;
  tg_var *x = nd->in[0];
  if (c == 2 && dt != TG_BOOL) {
    repl[0] = tg_sqr(rw_as(x, dt));
  } else if ((c == 0.5 || c == -0.5) && rw_is_float(nd->out[0])) {
    tg_var *r = tg_sqrt(rw_as(x, dt));
    repl[0] = c > 0 ? r : tg_reciprocal(r);
  } else {
    return false;
  }
  return repl[0] != NULL;
}

/* Sum over no axis, or only over axes statically of length 1: the input itself (converted
   to the sum's dtype: an int8 sum is int64), with the summed axes dropped unless
   keepdims. Covers the sum of a 0-d tensor. Exact, except that the sum of one -0.0 is
   +0.0 (the sum starts from +0). */
static bool local_sum_trivial(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  tg_var *x = nd->in[0];
  uint64_t mask = (uint64_t)nd->op->params[TGR_P_MASK];
  bool keep = nd->op->params[TGR_P_KEEPDIMS] != 0;
  int pattern[TG_MAX_NDIM], n = 0;
  for (int d = 0; d < x->type.ndim; d++) {
    if (!((mask >> d) & 1)) pattern[n++] = d;
    else if (x->type.shape[d] != 1) return false;
    else if (keep) pattern[n++] = d;
  }
  tg_var *r = rw_as(x, nd->out[0]->type.dtype);
  repl[0] = n == x->type.ndim ? r : tg_dimshuffle(r, n, pattern);
  return repl[0] != NULL;
}

/* True when a and b (left-padded to rank r) have, in every dim, one of them statically
   1: their product is an outer product, every term a_i * b_j once. */
static bool complementary(const tg_type *a, const tg_type *b, int r) {
  for (int d = 0; d < r; d++) {
    int da = d - (r - a->ndim), db = d - (r - b->ndim);
    bool a1 = da < 0 || a->shape[da] == 1, b1 = db < 0 || b->shape[db] == 1;
    if (!a1 && !b1) return false;
  }
  return true;
}

/* sum(a * b) over every axis, where the product only broadcasts (sum(x[:, None] *
   y[None, :])) -> sum(a) * sum(b): O(|a| + |b|) instead of O(|a| |b|). Floats only (an
   integer product would wrap differently from the product of the sums). */
static bool local_sum_mul_broadcast(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *p = nd->in[0];
  tg_node *m = rw_ew(p, TGS_mul);
  int r = p->type.ndim;
  uint64_t all = r == 64 ? ~0ull : ((1ull << r) - 1);
  if (!m || r == 0 || (uint64_t)nd->op->params[TGR_P_MASK] != all || !rw_is_float(p) ||
      tgi_fgraph_n_clients(fg, p) != 1)
    return false;
  tg_var *a = m->in[0], *b = m->in[1];
  if (a->type.dtype != p->type.dtype || b->type.dtype != p->type.dtype ||
      !complementary(&a->type, &b->type, r))
    return false;
  bool keep = nd->op->params[TGR_P_KEEPDIMS] != 0;
  repl[0] = tg_mul(tg_sum(a, TG_ALL_AXES, keep), tg_sum(b, TG_ALL_AXES, keep));
  return repl[0] != NULL;
}

/* sum(x * y) of two float64 vectors of one length -> dot(x, y) (BLAS ddot). Not for
   float32: Sum accumulates float32 in double, where sdot accumulates in float32, so the
   dot would lose accuracy on long vectors. */
static bool local_sum_mul_to_dot(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *p = nd->in[0];
  tg_node *m = rw_ew(p, TGS_mul);
  if (!m || p->type.ndim != 1 || nd->op->params[TGR_P_MASK] != 1 || p->type.dtype != TG_FLOAT64 ||
      tgi_fgraph_n_clients(fg, p) != 1)
    return false;
  tg_var *x = m->in[0], *y = m->in[1];
  if (x->type.ndim != 1 || y->type.ndim != 1 || x->type.dtype != p->type.dtype ||
      y->type.dtype != p->type.dtype || !rw_fills(x, p) || !rw_fills(y, p))
    return false;
  tg_var *d = tg_dot(x, y);
  repl[0] = nd->op->params[TGR_P_KEEPDIMS] ? tg_dimshuffle(d, 1, (const int[]){-1}) : d;
  return repl[0] != NULL;
}

const tgi_rewrite tgi_rewrites_specialize[] = {
    {"local_pow_specialize", "fast_run specialize", TGI_PH_SPECIALIZE, "Elemwise",
     local_pow_specialize, NULL, "x ** 2 -> sqr(x), x ** 0.5 -> sqrt(x), x ** -0.5 -> 1 / sqrt(x)"},
    {"local_sum_trivial", "fast_run specialize", TGI_PH_SPECIALIZE, "Sum", local_sum_trivial,
     NULL, "sum over no axes or axes of length 1 (a 0-d sum) -> the input, reshaped"},
    {"local_sum_mul_broadcast", "fast_run specialize", TGI_PH_SPECIALIZE, "Sum",
     local_sum_mul_broadcast, NULL, "sum(x[:, None] * y[None, :]) -> sum(x) * sum(y)"},
    {"local_sum_mul_to_dot", "fast_run specialize", TGI_PH_SPECIALIZE, "Sum",
     local_sum_mul_to_dot, NULL, "sum(x * y) of float64 vectors -> dot(x, y)"},
};
const int tgi_rewrites_specialize_n =
    (int)(sizeof tgi_rewrites_specialize / sizeof tgi_rewrites_specialize[0]);
