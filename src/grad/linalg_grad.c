/* linalg_grad.c: vector-Jacobian rules of the products (Dot, Matmul, Outer, Tensordot,
   BatchedDot) and of Inv, Det, SlogDet and Solve, as graphs of public builders so that
   gradients of gradients work (standard matrix calculus, as Theano/PyTensor):
     dot/matmul   ga = gz . b^T, gb = a^T . gz, summed back over broadcast batch dims
     tensordot    the transposed contraction of gz with the other operand
     inv          gA = -Z^T gZ Z^T                (Z = inv(A))
     det          gA = gz det(A) A^-T
     slogdet      gA = g_logabsdet A^-T; the sign is piecewise constant (zero gradient)
     solve        gb = solve(A^T, gx), gA = -gb x^T (an outer product for vector b)
   Det and slogdet differentiate through inv(A), so a singular A fails at run time as the
   forward inv would. Cholesky, Eigh, SVD, QR, Pinv and Norm are in linalg_grad2.c. */
#include "../ops/linalg_impl.h"

/* Whether input i of nd wants a gradient (integer and bool inputs get none). */
static bool wants(const tg_node *nd, int i) { return tg_dtype_is_float(nd->in[i]->type.dtype); }

/* The gradient r of input x with x's dtype and static 1 dims (a no-op when they agree). */
static tg_var *fit(tg_var *r, tg_var *x) { return r ? tgi_grad_unbroadcast(r, x) : NULL; }

/* Store fit(r, x) in *slot; false when building failed (the error is on the graph). */
static bool put(tg_var **slot, tg_var *r, tg_var *x) { return (*slot = fit(r, x)) != NULL; }

tg_var *tgi_la_mT(tg_var *x) { return tg_swapaxes(x, -1, -2); }

tg_var *tgi_la_append_dims(tg_var *x, int n) {
  int pattern[TG_MAX_NDIM], r = x ? x->type.ndim : 0;
  if (!x) return NULL;
  for (int d = 0; d < r; d++) pattern[d] = d;
  for (int d = 0; d < n; d++) pattern[r + d] = -1;
  return tg_dimshuffle(x, r + n, pattern);
}

/* x transposed so that its dim d is axis perm[d] of x; x itself when perm is the identity. */
static tg_var *permute(tg_var *x, int n, const int *perm) {
  for (int d = 0; d < n; d++)
    if (perm[d] != d) return tg_transpose(x, n, perm);
  return x;
}

/* tensordot that also takes 0-d operands (with no axis pairs it is a plain product). */
static tg_var *tdot(tg_var *x, tg_var *y, int n, const int *ax, const int *ay) {
  if (!x || !y) return NULL;
  if (n == 0 && (x->type.ndim == 0 || y->type.ndim == 0)) return tg_mul(x, y);
  return tg_tensordot(x, y, n, ax, ay);
}

/* Rank of v among the sorted values of k[0..n). */
static int rank_in(int v, int n, const int *k) {
  int r = 0;
  for (int i = 0; i < n; i++) r += k[i] < v;
  return r;
}

/* Gradients of z = tensordot(a, b) summing a's axes ka[i] against b's kb[i] (output: a's
   free axes in order, then b's). Each is the contraction of gz with the other operand over
   that operand's free axes, permuted back into the operand's layout. */
static bool tensordot_grads(const tg_node *nd, tg_var *gz, int nk, const int *ka, const int *kb,
                            tg_var **ig) {
  tg_var *a = nd->in[0], *b = nd->in[1];
  int ra = a->type.ndim, rb = b->type.ndim;
  int fa[TG_MAX_NDIM], fb[TG_MAX_NDIM], nfa = 0, nfb = 0, gza[TG_MAX_NDIM], gzb[TG_MAX_NDIM];
  for (int d = 0; d < ra; d++)
    if (rank_in(d, nk, ka) == rank_in(d + 1, nk, ka)) fa[nfa++] = d; /* d is not in ka */
  for (int d = 0; d < rb; d++)
    if (rank_in(d, nk, kb) == rank_in(d + 1, nk, kb)) fb[nfb++] = d;
  for (int i = 0; i < nfa; i++) gza[i] = i;
  for (int i = 0; i < nfb; i++) gzb[i] = nfa + i;
  int perm[TG_MAX_NDIM];
  if (wants(nd, 0)) { /* tdot(gz, b): gz's a-part, then b's contracted axes (ascending) */
    for (int i = 0; i < nfa; i++) perm[fa[i]] = i;
    for (int j = 0; j < nk; j++) perm[ka[j]] = nfa + rank_in(kb[j], nk, kb);
    if (!put(&ig[0], permute(tdot(gz, b, nfb, gzb, fb), ra, perm), a)) return false;
  }
  if (wants(nd, 1)) { /* tdot(a, gz): a's contracted axes (ascending), then gz's b-part */
    for (int i = 0; i < nfb; i++) perm[fb[i]] = nk + i;
    for (int j = 0; j < nk; j++) perm[kb[j]] = rank_in(ka[j], nk, ka);
    if (!put(&ig[1], permute(tdot(a, gz, nfa, fa, gza), rb, perm), b)) return false;
  }
  return true;
}

/* vector . vector (and batched_dot of two vectors): each gradient is gz times the other. */
static bool scaled_grads(const tg_node *nd, tg_var *gz, tg_var **ig) {
  tg_var *a = nd->in[0], *b = nd->in[1];
  if (wants(nd, 0) && !put(&ig[0], tg_mul(gz, b), a)) return false;
  if (wants(nd, 1) && !put(&ig[1], tg_mul(gz, a), b)) return false;
  return true;
}

bool tgi_dot_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *a = nd->in[0], *b = nd->in[1], *gz = og[0];
  int ra = a->type.ndim, rb = b->type.ndim;
  if (!gz) return true;
  if (ra == 1 && rb == 1) return scaled_grads(nd, gz, ig);
  if (ra > 2 || rb > 2) { /* numpy.dot: a's last axis against b's second-to-last */
    int ka = ra - 1, kb = rb >= 2 ? rb - 2 : 0;
    return tensordot_grads(nd, gz, 1, &ka, &kb, ig);
  }
  /* Theano's forms: matrix.matrix, matrix.vector (gz a vector), vector.matrix */
  if (wants(nd, 0)) {
    tg_var *r = rb == 1 ? tg_outer(gz, b) : ra == 1 ? tg_dot(b, gz) : tg_dot(gz, tgi_la_mT(b));
    if (!put(&ig[0], r, a)) return false;
  }
  if (wants(nd, 1)) {
    tg_var *r = ra == 1 ? tg_outer(a, gz) : tg_dot(tgi_la_mT(a), gz);
    if (!put(&ig[1], r, b)) return false;
  }
  return true;
}

bool tgi_tensordot_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  if (!og[0]) return true;
  const int64_t *p = nd->op->params;
  int nk = (int)p[0], ka[TG_MAX_NDIM], kb[TG_MAX_NDIM];
  for (int i = 0; i < nk; i++) ka[i] = (int)p[1 + i], kb[i] = (int)p[1 + nk + i];
  return tensordot_grads(nd, og[0], nk, ka, kb, ig);
}

/* Sum of x over every axis but `keep` (a negative keep counts from the end). */
static tg_var *sum_all_but(tg_var *x, int keep) {
  if (!x) return NULL;
  int r = x->type.ndim, axes[TG_MAX_NDIM], n = 0;
  if (keep < 0) keep += r;
  for (int d = 0; d < r; d++)
    if (d != keep) axes[n++] = d;
  return tg_sum(x, n, axes, false);
}

bool tgi_matmul_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *a = nd->in[0], *b = nd->in[1], *gz = og[0];
  int ra = a->type.ndim, rb = b->type.ndim;
  if (!gz) return true;
  if (ra == 1 && rb == 1) return scaled_grads(nd, gz, ig);
  /* A 1-D operand is a row (a) or a column (b) whose dim matmul dropped: put it back in
     the operand and in gz, take the matrix rule, then sum the helper dim away. Batch dims
     an operand lacks or broadcasts (static 1) are summed back by fit(). */
  tg_var *ae = ra == 1 ? tg_dimshuffle(a, 2, (const int[]){-1, 0}) : a;
  tg_var *be = rb == 1 ? tg_dimshuffle(b, 2, (const int[]){0, -1}) : b;
  tg_var *gze = ra == 1 ? tg_expand_dims(gz, gz->type.ndim - 1)
                        : rb == 1 ? tg_expand_dims(gz, gz->type.ndim) : gz;
  if (wants(nd, 0)) {
    tg_var *r = tg_matmul(gze, tgi_la_mT(be));
    if (ra == 1) r = sum_all_but(r, -1);
    if (!put(&ig[0], r, a)) return false;
  }
  if (wants(nd, 1)) {
    tg_var *r = tg_matmul(tgi_la_mT(ae), gze);
    if (rb == 1) r = sum_all_but(r, -2);
    if (!put(&ig[1], r, b)) return false;
  }
  return true;
}

bool tgi_outer_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *a = nd->in[0], *b = nd->in[1], *gz = og[0];
  if (!gz) return true;
  /* z = outer(flat(a), flat(b)): g flat(a) = gz . flat(b), g flat(b) = gz^T . flat(a) */
  tg_var *fa = a->type.ndim == 1 ? a : tg_flatten(a, 1);
  tg_var *fb = b->type.ndim == 1 ? b : tg_flatten(b, 1);
  for (int i = 0; i < 2; i++) {
    if (!wants(nd, i)) continue;
    tg_var *x = nd->in[i];
    tg_var *r = i == 0 ? tg_dot(gz, fb) : tg_dot(fa, gz);
    if (x->type.ndim != 1) r = tg_reshape(r, tg_shape(x));
    if (!put(&ig[i], r, x)) return false;
  }
  return true;
}

/* dimshuffle(x, pattern) for a pattern of n entries. */
static tg_var *shuffle(tg_var *x, int n, const int *pattern) {
  return x ? tg_dimshuffle(x, n, pattern) : NULL;
}

/* batched_dot of two operands of rank >= 2 other than the (3, 3), (3, 2), (2, 3) cases:
   both are spread over the common layout (batch, a's free..., b's free..., k), multiplied
   with gz (given a trailing k dim), and the other operand's free dims summed away. */
static bool batched_general(const tg_node *nd, tg_var *gz, tg_var **ig) {
  tg_var *a = nd->in[0], *b = nd->in[1];
  int ra = a->type.ndim, rb = b->type.ndim, kb = rb == 2 ? 1 : rb - 2;
  int na = ra - 2, nbf = rb - 2, R = 1 + na + nbf + 1, n = 0;
  int pa[TG_MAX_NDIM], pb[TG_MAX_NDIM], axes[TG_MAX_NDIM], perm[TG_MAX_NDIM];
  if (R > TG_MAX_NDIM) {
    tgi_gfail(nd->out[0]->g, TG_ERR_NOTIMPL, "grad: batched_dot of ranks %d and %d needs "
              "rank-%d intermediates (max %d)", ra, rb, R, TG_MAX_NDIM);
    return false;
  }
  pa[n] = pb[n] = 0, n++;
  for (int i = 0; i < na; i++, n++) pa[n] = 1 + i, pb[n] = -1;
  for (int d = 1; d < rb; d++)
    if (d != kb) pa[n] = -1, pb[n++] = d;
  pa[n] = ra - 1, pb[n] = kb;
  tg_var *gze = tgi_la_append_dims(gz, 1);
  if (wants(nd, 0)) {
    for (int i = 0; i < nbf; i++) axes[i] = 1 + na + i;
    if (!put(&ig[0], tg_sum(tg_mul(gze, shuffle(b, R, pb)), nbf, axes, false), a)) return false;
  }
  if (wants(nd, 1)) { /* the sum has layout (batch, b's free..., k) */
    for (int i = 0; i < na; i++) axes[i] = 1 + i;
    tg_var *r = tg_sum(tg_mul(gze, shuffle(a, R, pa)), na, axes, false);
    perm[0] = 0, perm[kb] = nbf + 1;
    for (int d = 1, k = 1; d < rb; d++)
      if (d != kb) perm[d] = k++;
    if (!put(&ig[1], permute(r, rb, perm), b)) return false;
  }
  return true;
}

bool tgi_batched_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *a = nd->in[0], *b = nd->in[1], *gz = og[0];
  int ra = a->type.ndim, rb = b->type.ndim;
  if (!gz) return true;
  if (ra == 1 && rb == 1) return scaled_grads(nd, gz, ig);
  if (ra == 1 || rb == 1) { /* z[i] = v[i] * t[i]: the vector scales the other's entries */
    int vi = ra == 1 ? 0 : 1, r = nd->in[1 - vi]->type.ndim, axes[TG_MAX_NDIM];
    tg_var *v = nd->in[vi], *t = nd->in[1 - vi];
    for (int d = 1; d < r; d++) axes[d - 1] = d;
    if (wants(nd, vi) && !put(&ig[vi], tg_sum(tg_mul(gz, t), r - 1, axes, false), v)) return false;
    if (wants(nd, 1 - vi) && !put(&ig[1 - vi], tg_mul(gz, tgi_la_append_dims(v, r - 1)), t))
      return false;
    return true;
  }
  if (ra == 3 && rb == 3) { /* Theano's forms */
    if (wants(nd, 0) && !put(&ig[0], tg_batched_dot(gz, tgi_la_mT(b)), a)) return false;
    if (wants(nd, 1) && !put(&ig[1], tg_batched_dot(tgi_la_mT(a), gz), b)) return false;
    return true;
  }
  if (ra == 3 && rb == 2) { /* a (B, M, K), b (B, K), gz (B, M) */
    if (wants(nd, 0) &&
        !put(&ig[0], tg_mul(tgi_la_append_dims(gz, 1), tg_expand_dims(b, 1)), a))
      return false;
    if (wants(nd, 1) && !put(&ig[1], tg_batched_dot(gz, a), b)) return false;
    return true;
  }
  if (ra == 2 && rb == 3) { /* a (B, K), b (B, K, N), gz (B, N) */
    if (wants(nd, 0) && !put(&ig[0], tg_batched_dot(b, gz), a)) return false;
    if (wants(nd, 1) &&
        !put(&ig[1], tg_mul(tgi_la_append_dims(a, 1), tg_expand_dims(gz, 1)), b))
      return false;
    return true;
  }
  return batched_general(nd, gz, ig);
}

/* ---- LAPACK ops ---- */

bool tgi_inv_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *zt = tgi_la_mT(nd->out[0]);
  if (!og[0] || !wants(nd, 0)) return true;
  return put(&ig[0], tg_neg(tg_matmul(tg_matmul(zt, og[0]), zt)), x);
}

/* s * A^-T with the scalar (per matrix) s given two trailing broadcastable dims. */
static tg_var *scaled_inv_t(tg_var *s, tg_var *x) {
  return tg_mul(tgi_la_append_dims(s, 2), tgi_la_mT(tg_inv(x)));
}

bool tgi_det_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  if (!og[0] || !wants(nd, 0)) return true;
  return put(&ig[0], scaled_inv_t(tg_mul(og[0], nd->out[0]), nd->in[0]), nd->in[0]);
}

bool tgi_slogdet_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!wants(nd, 0)) return true;
  if (og[1]) return put(&ig[0], scaled_inv_t(og[1], x), x);
  if (og[0]) return put(&ig[0], tg_zeros_like(x), x); /* the sign alone: zero gradient */
  return true;
}

bool tgi_solve_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *a = nd->in[0], *b = nd->in[1], *x = nd->out[0], *gx = og[0];
  if (!gx) return true;
  /* gx has the output's rank, which is a's rank - 1 exactly when b is a stack of vectors,
     so solve(A^T, gx) reads it the way the forward op read b */
  tg_var *gb = tg_solve(tgi_la_mT(a), gx);
  if (wants(nd, 1) && !put(&ig[1], gb, b)) return false;
  if (!wants(nd, 0)) return true;
  tg_var *ga = nd->op->params[0] ? tg_mul(tg_expand_dims(gb, -1), tg_expand_dims(x, -2))
                                 : tg_matmul(gb, tgi_la_mT(x));
  return put(&ig[0], tg_neg(ga), a);
}
