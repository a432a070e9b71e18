/* linalg_grad2.c: vector-Jacobian rules of the factorisations and norms, as graphs of
   public builders (each works on stacks: the last two dims are the matrix):
     cholesky  S = L^-T Phi(L^T gL) L^-1 (Phi: lower triangle, diagonal halved), then the
               gradient of the triangle the op reads, tril(S + S^T) - diag(S) (PyTensor's
               CholeskyGrad; the upper factor is the lower one of x^T, transposed)
     eigh      G = V (diag(gw) + F o (V^T gV)) V^T with F_ij = 1/(w_j - w_i) off the
               diagonal; the op reads one triangle, so the result is tri(G + G^T) - diag(G).
               Eigenvector gradients assume distinct eigenvalues (equal ones give inf/NaN).
     svd       singular values: U diag(gs) V^T; singular vectors: Townsend's formula for the
               reduced SVD (distinct nonzero singular values; a full_matrices SVD of a
               non-square matrix has no vector gradient: its extra columns are arbitrary)
     qr        gA = (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T for M >= N (reduced, or square
               complete, or R only); wide matrices (M < N) have no rule
   The last two are refused at build time when the static dims show the unsupported
   shape; with unknown dims such a shape fails at run time (a shape mismatch inside the
   gradient graph).
     pinv      Golub and Pereyra's derivative, valid where the rank does not change
     norm      vector orders (p, 1, 2, inf, -inf; 0 counts nonzeros: zero gradient),
               Frobenius, matrix 1/-1/inf/-inf (ties share, as max), 2/-2 and nuclear
               through the SVD. Not differentiable at 0: ord 2 and Frobenius give NaN there,
               ord 1 gives 0 (abs'(0) = 0, as Theano). */
#include <math.h>

#include "../ops/linalg_impl.h"

/* The float dtype gradients are built in (the forward op's result dtype). */
static bool wants(const tg_node *nd) { return tg_dtype_is_float(nd->in[0]->type.dtype); }

static bool put(tg_var **slot, tg_var *r, tg_var *x) {
  return (*slot = r ? tgi_grad_unbroadcast(r, x) : NULL) != NULL;
}

#define mT tgi_la_mT
#define K(v) tg_const_f64(g, (v))

/* Identity of the matrices of x (x's last dim, dtype dt), broadcastable over a stack. */
static tg_var *eye_of(tg_graph *g, tg_var *x, tg_dtype dt) {
  return tg_eye(g, tg_shape_i(x, -1), NULL, 0, dt);
}

/* The gradient of a function of a symmetric matrix that reads only one triangle of its
   argument: entries off the diagonal stand for both positions. */
static tg_var *fold(tg_var *G, tg_var *I, bool lower) {
  tg_var *s = tg_add(G, mT(G));
  return tg_sub(lower ? tg_tril(s, 0) : tg_triu(s, 0), tg_mul(G, I));
}

/* 1/(v_j - v_i) off the diagonal and 0 on it, for the last dim of v (..., n) -> (..., n, n). */
static tg_var *inv_gaps(tg_graph *g, tg_var *v, tg_var *I) {
  tg_var *d = tg_sub(tg_expand_dims(v, -2), tg_expand_dims(v, -1));
  return tg_mul(tg_true_div(K(1.0), tg_add(d, I)), tg_sub(K(1.0), I));
}

bool tgi_chol_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !wants(nd)) return true;
  bool lower = nd->op->params[0] != 0;
  tg_var *L = lower ? nd->out[0] : mT(nd->out[0]), *gL = lower ? gz : mT(gz);
  tg_var *I = eye_of(g, x, nd->out[0]->type.dtype), *Lt = mT(L);
  tg_var *P = tg_matmul(Lt, gL);
  tg_var *phi = tg_sub(tg_tril(P, 0), tg_mul(tg_mul(P, I), K(0.5)));
  tg_var *S = tg_solve(Lt, mT(tg_solve(Lt, mT(phi)))); /* L^-T phi L^-1 */
  tg_var *G = fold(S, I, true);
  return put(&ig[0], lower ? G : mT(G), x);
}

bool tgi_eigh_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gw = og[0], *gV = nd->n_out > 1 ? og[1] : NULL;
  if ((!gw && !gV) || !wants(nd)) return true;
  bool lower = nd->op->params[0] != 0;
  tg_var *w = nd->out[0], *V = nd->n_out > 1 ? nd->out[1] : NULL;
  if (!V && !tg_eigh(x, lower, &V)) return false; /* eigenvalues only: get the vectors */
  tg_var *I = eye_of(g, x, w->type.dtype), *inner = NULL;
  if (gw) inner = tg_mul(tgi_la_append_dims(gw, 1), I); /* diag(gw) */
  if (gV) {
    tg_var *t = tg_mul(inv_gaps(g, w, I), tg_matmul(mT(V), gV));
    inner = inner ? tg_add(inner, t) : t;
  }
  tg_var *G = tg_matmul(tg_matmul(V, inner), mT(V));
  return put(&ig[0], fold(G, I, lower), x);
}

bool tgi_svd_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gs = og[0], *gU = nd->n_out > 1 ? og[1] : NULL;
  tg_var *gVt = nd->n_out > 1 ? og[2] : NULL;
  if ((!gs && !gU && !gVt) || !wants(nd)) return true;
  bool full = nd->op->params[0] != 0;
  int r = x->type.ndim;
  int64_t m = x->type.shape[r - 2], n = x->type.shape[r - 1];
  if ((gU || gVt) && full && m >= 0 && n >= 0 && m != n) {
    tgi_gfail(g, TG_ERR_NOTIMPL, "grad: SVD{full_matrices=True} of a non-square matrix has no "
              "gradient for its singular vectors (use full_matrices=false)");
    return false;
  }
  tg_var *s = nd->out[0], *U = NULL, *Vt = NULL;
  if (nd->n_out > 1 && (!full || gU || gVt)) U = nd->out[1], Vt = nd->out[2];
  else if (!tg_svd(x, false, &U, &Vt)) return false; /* values only: get reduced factors */
  tg_var *I = NULL, *inner = NULL;
  if (gs) inner = tg_mul(tgi_la_append_dims(gs, 1), I = eye_of(g, s, s->type.dtype));
  tg_var *G = NULL;
  if (gU || gVt) { /* Townsend (2016), "Differentiating the singular value decomposition" */
    if (!I) I = eye_of(g, s, s->type.dtype);
    tg_var *F = inv_gaps(g, tg_sqr(s), I), *S = tgi_la_append_dims(s, 1);
    tg_var *srow = tg_expand_dims(s, -2);
    if (gU) {
      tg_var *UtgU = tg_matmul(mT(U), gU);
      tg_var *t = tg_mul(tg_mul(F, tg_sub(UtgU, mT(UtgU))), srow); /* (F o ..) S */
      inner = inner ? tg_add(inner, t) : t;
      /* (I - U U^T) gU S^-1 V^T */
      tg_var *proj = tg_sub(gU, tg_matmul(U, UtgU));
      G = tg_matmul(tg_true_div(proj, srow), Vt);
    }
    if (gVt) {
      tg_var *gV = mT(gVt), *VtgV = tg_matmul(Vt, gV);
      tg_var *t = tg_mul(S, tg_mul(F, tg_sub(VtgV, mT(VtgV)))); /* S (F o ..) */
      inner = inner ? tg_add(inner, t) : t;
      /* U S^-1 gV^T (I - V V^T) */
      tg_var *proj = tg_sub(gVt, tg_matmul(mT(VtgV), Vt));
      tg_var *t2 = tg_matmul(U, tg_true_div(proj, S));
      G = G ? tg_add(G, t2) : t2;
    }
  }
  tg_var *core = tg_matmul(tg_matmul(U, inner), Vt);
  return put(&ig[0], G ? tg_add(core, G) : core, x);
}

bool tgi_qr_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gR = og[0], *gQ = nd->n_out > 1 ? og[1] : NULL;
  if ((!gR && !gQ) || !wants(nd)) return true;
  int r = x->type.ndim;
  int64_t m = x->type.shape[r - 2], n = x->type.shape[r - 1];
  bool complete = nd->op->params[0] == TG_QR_COMPLETE;
  if (m >= 0 && n >= 0 && (complete ? m != n : m < n)) {
    char t[200];
    tgi_gfail(g, TG_ERR_NOTIMPL, "grad: QR has a gradient only for M x N matrices with "
              "M >= N (M == N in complete mode), got %s",
              tgi_type_str(&x->type, t, sizeof t));
    return false;
  }
  tg_var *R = nd->out[0], *Q = nd->n_out > 1 ? nd->out[1] : NULL;
  if (!Q && !tg_qr(x, TG_QR_REDUCED, &Q)) return false; /* R only: get Q */
  /* M = R gR^T - gQ^T Q; gA = (gQ + Q copyltu(M)) R^-T with copyltu(M) = the symmetric
     matrix whose lower triangle is M's */
  tg_var *M = NULL;
  if (gR) M = tg_matmul(R, mT(gR));
  if (gQ) M = M ? tg_sub(M, tg_matmul(mT(gQ), Q)) : tg_neg(tg_matmul(mT(gQ), Q));
  tg_var *sym = tg_add(tg_tril(M, 0), mT(tg_tril(M, -1)));
  tg_var *B = tg_matmul(Q, sym);
  if (gQ) B = tg_add(B, gQ);
  /* B R^-T = (R^-1 B^T)^T */
  return put(&ig[0], mT(tg_solve(R, mT(B))), x);
}

bool tgi_pinv_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *A = nd->in[0], *X = nd->out[0], *gX = og[0];
  if (!gX || !wants(nd)) return true;
  /* dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X, so
     gA = -X^T gX X^T + (I - A X) gX^T X X^T + X^T X gX^T (I - X A) */
  tg_var *Xt = mT(X), *gXt = mT(gX);
  tg_var *t1 = tg_matmul(tg_matmul(Xt, gX), Xt);
  tg_var *T = tg_matmul(gXt, tg_matmul(X, Xt));          /* gX^T X X^T */
  tg_var *t2 = tg_sub(T, tg_matmul(A, tg_matmul(X, T)));  /* (I - A X) T */
  tg_var *U = tg_matmul(tg_matmul(Xt, X), gXt);          /* X^T X gX^T */
  tg_var *t3 = tg_sub(U, tg_matmul(tg_matmul(U, X), A));  /* U (I - X A) */
  return put(&ig[0], tg_add(tg_sub(t2, t1), t3), A);
}

/* ---- norms ---- */

static double norm_ord(const tg_op *op) {
  double d;
  memcpy(&d, &op->params[1], sizeof d);
  return d;
}

/* v (the norm's shape) with the reduced axes back as broadcastable dims. */
static tg_var *unreduce(const tg_node *nd, tg_var *v) {
  const int64_t *p = nd->op->params;
  if (p[2]) return v; /* keepdims */
  int r = nd->in[0]->type.ndim, pattern[TG_MAX_NDIM], k = 0;
  for (int d = 0; d < r; d++) {
    bool red = false;
    for (int i = 0; i < p[3]; i++) red |= p[4 + i] == d;
    pattern[d] = red ? -1 : k++;
  }
  return tg_dimshuffle(v, r, pattern);
}

/* 1 where v equals its max (min) over axis (keepdims), else 0, in dtype dt. */
static tg_var *extreme_mask(tg_var *v, int axis, bool max, tg_dtype dt) {
  tg_var *e = max ? tg_max(v, 1, &axis, true) : tg_min(v, 1, &axis, true);
  return tg_cast(tg_eq(v, e), dt);
}

/* Matrix 2 / -2 / nuclear norms over axes (r0, c0): through the reduced SVD of x with
   those axes moved last. */
static tg_var *svd_norm_grad(tg_graph *g, const tg_node *nd, tg_var *gz, bool nuc, double ord) {
  tg_var *x = nd->in[0];
  const int64_t *p = nd->op->params;
  int r = x->type.ndim, r0 = (int)p[4], c0 = (int)p[5], perm[TG_MAX_NDIM], inv[TG_MAX_NDIM];
  int k = 0;
  for (int d = 0; d < r; d++)
    if (d != r0 && d != c0) perm[k++] = d;
  perm[k++] = r0, perm[k++] = c0;
  for (int d = 0; d < r; d++) inv[perm[d]] = d;
  tg_var *xt = tg_transpose(x, r, perm), *U = NULL, *Vt = NULL;
  tg_var *s = tg_svd(xt, false, &U, &Vt);
  if (!s) return NULL;
  if (!nuc) /* the largest (smallest) singular value: u v^T of its vectors */
    U = tg_mul(U, tg_expand_dims(extreme_mask(s, -1, ord > 0, s->type.dtype), -2));
  tg_var *gzt = p[2] ? tg_transpose(gz, r, perm) : tgi_la_append_dims(gz, 2);
  (void)g;
  return tg_transpose(tg_mul(tg_matmul(U, Vt), gzt), r, inv);
}

bool tgi_norm_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !wants(nd)) return true;
  const int64_t *p = nd->op->params;
  int kind = (int)p[0];
  double ord = norm_ord(nd->op);
  tg_dtype dt = nd->out[0]->type.dtype;
  tg_var *ge = unreduce(nd, gz), *ze = unreduce(nd, nd->out[0]), *r = NULL;
  if (kind == TGI_NORM_NUC || (kind == TGI_NORM_MAT && fabs(ord) == 2)) {
    r = svd_norm_grad(g, nd, gz, kind == TGI_NORM_NUC, ord);
  } else if (kind == TGI_NORM_FRO || (kind == TGI_NORM_VEC && ord == 2)) {
    r = tg_mul(ge, tg_true_div(x, ze));
  } else if (kind == TGI_NORM_MAT) { /* max / min of the column (1) or row (inf) sums */
    int r0 = (int)p[4], c0 = (int)p[5], sum_ax = fabs(ord) == 1 ? r0 : c0;
    tg_var *sums = tg_sum(tg_abs(x), 1, &sum_ax, true);
    tg_var *mask = extreme_mask(sums, sum_ax == r0 ? c0 : r0, ord > 0, dt);
    r = tg_mul(tg_mul(ge, tg_sign(x)), mask);
  } else if (ord == 0) {
    r = tg_zeros_like(x); /* a count of nonzeros: piecewise constant */
  } else if (ord == 1) {
    r = tg_mul(ge, tg_sign(x));
  } else if (isinf(ord)) { /* the elements at the max (min) |x| share it, as max */
    r = tg_mul(tg_mul(ge, tg_sign(x)), tg_cast(tg_eq(tg_abs(x), ze), dt));
  } else { /* d/dx (sum |x|^p)^(1/p) = sign(x) |x|^(p-1) / z^(p-1) */
    tg_var *pm1 = K(ord - 1);
    r = tg_mul(tg_mul(ge, tg_sign(x)), tg_true_div(tg_pow(tg_abs(x), pm1), tg_pow(ze, pm1)));
  }
  return put(&ig[0], r, x);
}
