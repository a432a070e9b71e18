/* linalg_lapack.c: the LAPACK-backed ops on stacks of square matrices: Inv, Det, SlogDet,
   Solve, Cholesky and Eigh, and the helpers every LAPACK kernel shares (moving a matrix of
   any dtype and strides into a column-major float64 buffer and back). Each matrix of a
   stack is copied, so LAPACK's in-place work never touches an input. The LAPACKE *_work
   entry points are used: they skip LAPACKE's NaN scans and its own mallocs, so every byte
   goes through tgi_malloc. */
#include <math.h>
#include <stdio.h>

#include <lapacke.h>

#include "linalg_impl.h"

enum { LA_INV, LA_DET, LA_SLOGDET, LA_CHOL, LA_EIGH, LA_SOLVE };
static const char *const la_name[] = {"inv", "det", "slogdet", "cholesky", "eigh", "solve"};

void tgi_la_load(double *w, int64_t ld, const tg_array *x, int64_t off, int64_t rows,
                 int64_t cols) {
  int64_t rs = x->strides[x->ndim - 2], cs = x->strides[x->ndim - 1];
  for (int64_t j = 0; j < cols; j++)
    for (int64_t i = 0; i < rows; i++)
      w[i + j * ld] = tgi_load_f64(x->data + off + i * rs + j * cs, x->dtype);
}

void tgi_la_store(tg_array *o, int64_t off, const double *w, int64_t ld, int64_t rows,
                  int64_t cols) {
  int64_t rs = o->strides[o->ndim - 2], cs = o->strides[o->ndim - 1];
  for (int64_t j = 0; j < cols; j++)
    for (int64_t i = 0; i < rows; i++)
      tgi_store_f64(o->data + off + i * rs + j * cs, o->dtype, w[i + j * ld]);
}

void tgi_la_store_vec(tg_array *o, int64_t off, const double *w, int64_t n) {
  int64_t s = o->ndim ? o->strides[o->ndim - 1] : 0;
  for (int64_t i = 0; i < n; i++) tgi_store_f64(o->data + off + i * s, o->dtype, w[i]);
}

bool tgi_la_batch_empty(int nb, const int64_t *shape) {
  for (int i = 0; i < nb; i++)
    if (shape[i] == 0) return true;
  return false;
}

char *tgi_la_where(int nb, const int64_t *idx, char *buf, size_t n) {
  buf[0] = 0;
  if (nb == 0) return buf;
  char s[200];
  snprintf(buf, n, " (matrix %s of the stack)", tgi_shape_str(nb, idx, s, sizeof s));
  return buf;
}

bool tgi_la_infer_matrix(tg_graph *g, const char *name, const tg_type *t, bool square) {
  char ts[200];
  if (t->ndim < 2) {
    tgi_gfail(g, TG_ERR_TYPE, "%s: needs a matrix or a stack of matrices (rank >= 2), got %s",
              name, tgi_type_str(t, ts, sizeof ts));
    return false;
  }
  int64_t r = t->shape[t->ndim - 2], c = t->shape[t->ndim - 1];
  if (square && r >= 0 && c >= 0 && r != c) {
    tgi_gfail(g, TG_ERR_SHAPE, "%s: needs square matrices, got %s", name,
              tgi_type_str(t, ts, sizeof ts));
    return false;
  }
  return true;
}

tg_status tgi_la_check_matrix(const tg_array *x, bool square, tgi_err *err, const char *op) {
  char s[200];
  int64_t r = x->shape[x->ndim - 2], c = x->shape[x->ndim - 1];
  if (square && r != c)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: needs square matrices, got shape %s", op,
                       tgi_shape_str(x->ndim, x->shape, s, sizeof s));
  if (r > INT32_MAX || c > INT32_MAX)
    return tgi_err_set(err, TG_ERR_VALUE, "%s: shape %s is too large for LAPACK", op,
                       tgi_shape_str(x->ndim, x->shape, s, sizeof s));
  return TG_OK;
}

/* ---- type rules and shape rules ---- */

static int la_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *x = &in[0]->type;
  const char *name = la_name[op->code];
  if (!tgi_la_infer_matrix(g, name, x, true)) return -1;
  int nd = x->ndim;
  int64_t m = x->shape[nd - 1] >= 0 ? x->shape[nd - 1] : x->shape[nd - 2];
  out[0].dtype = op->dtype;
  out[0].ndim = nd;
  memcpy(out[0].shape, x->shape, sizeof(int64_t) * (size_t)nd);
  out[0].shape[nd - 2] = out[0].shape[nd - 1] = m;
  switch (op->code) {
    case LA_INV:
    case LA_CHOL: return 1;
    case LA_DET:
    case LA_SLOGDET:
      out[0].ndim = nd - 2;
      if (op->code == LA_DET) return 1;
      out[1].dtype = op->dtype;
      out[1].ndim = nd - 2;
      memcpy(out[1].shape, x->shape, sizeof(int64_t) * (size_t)(nd - 2));
      return 2;
    case LA_EIGH: /* eigenvalues (..., M), then eigenvectors (..., M, M) if asked */
      out[0].ndim = nd - 1;
      if (!op->params[1]) return 1;
      out[1].dtype = op->dtype;
      out[1].ndim = nd;
      memcpy(out[1].shape, out[0].shape, sizeof(int64_t) * (size_t)nd);
      out[1].shape[nd - 2] = m;
      return 2;
  }
  return -1;
}

static bool la_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  (void)g;
  for (int o = 0; o < nd->n_out; o++)
    for (int d = 0; d < nd->out[o]->type.ndim; d++)
      out_dims[o][d] = in_dims[0][d < nd->in[0]->type.ndim ? d : nd->in[0]->type.ndim - 1];
  return true;
}

static void la_describe(const tg_op *op, char *buf, size_t n) {
  switch (op->code) {
    case LA_INV: snprintf(buf, n, "MatrixInverse"); break;
    case LA_DET: snprintf(buf, n, "Det"); break;
    case LA_SLOGDET: snprintf(buf, n, "SLogDet"); break;
    case LA_CHOL: snprintf(buf, n, "Cholesky{lower=%s}", op->params[0] ? "True" : "False"); break;
    case LA_EIGH:
      snprintf(buf, n, "Eigh{UPLO='%c'%s}", op->params[0] ? 'L' : 'U',
               op->params[1] ? "" : ", values only");
      break;
  }
}

/* ---- kernels ---- */

static tg_status la_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in;
  const tg_array *x = in[0];
  const char *name = la_name[op->code];
  if (tgi_la_check_matrix(x, true, err, name) != TG_OK) return err->status;
  int nd = x->ndim, nb = nd - 2;
  int64_t n = x->shape[nd - 1], n1 = n > 0 ? n : 1;
  tg_array *o[2] = {out[0], n_out > 1 ? out[1] : NULL};
  int64_t vshape[TG_MAX_NDIM];
  memcpy(vshape, x->shape, sizeof(int64_t) * (size_t)nd);
  tg_status st = TG_OK;
  /* outputs: same shape (inv, cholesky), batch shape (det, slogdet), (..., M) (eigh) */
  int ond0 = op->code == LA_DET || op->code == LA_SLOGDET ? nb : op->code == LA_EIGH ? nd - 1 : nd;
  for (int i = 0; i < n_out && st == TG_OK; i++)
    st = tgi_la_output(&o[i], op->dtype, i == 0 ? ond0 : op->code == LA_EIGH ? nd : nb, vshape,
                       err, name);
  double *w = NULL, *work = NULL;
  lapack_int *ipiv = NULL, *iwork = NULL;
  lapack_int lwork = 1, liwork = 1;
  if (st != TG_OK) goto done;
  if (op->code == LA_EIGH && n > 0) { /* workspace query, once for the stack */
    double q;
    lapack_int iq;
    LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, op->params[1] ? 'V' : 'N', op->params[0] ? 'L' : 'U',
                        (lapack_int)n, &q, (lapack_int)n1, &q, &q, -1, &iq, -1);
    lwork = (lapack_int)q, liwork = iq;
  }
  /* w: the matrix (n x n) and a second n x n for inv's right-hand side; work: eigenvalues */
  size_t nw = (size_t)(2 * n1 * n1) + (size_t)n1 + (size_t)lwork;
  w = tgi_malloc(sizeof(double) * nw);
  ipiv = tgi_malloc(sizeof(lapack_int) * (size_t)(n1 + liwork));
  if (!w || !ipiv) {
    st = tgi_la_nomem(err, name);
    goto done;
  }
  double *rhs = w + n1 * n1, *ev = rhs + n1 * n1;
  work = ev + n1;
  iwork = ipiv + n1;
  int64_t idx[TG_MAX_NDIM] = {0};
  char where[240];
  if (tgi_la_batch_empty(nb, x->shape)) goto done;
  do {
    int64_t xo = tgi_batch_offset(x, nb, idx);
    int64_t oo[2] = {o[0] ? tgi_batch_offset(o[0], nb, idx) : 0,
                     o[1] ? tgi_batch_offset(o[1], nb, idx) : 0};
    tgi_la_load(w, n1, x, xo, n, n);
    lapack_int info = 0;
    switch (op->code) {
      case LA_INV: /* solve A X = I, as numpy */
        if (n == 0) break;
        for (int64_t i = 0; i < n * n; i++) rhs[i] = 0;
        for (int64_t i = 0; i < n; i++) rhs[i * n + i] = 1;
        info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w,
                                  (lapack_int)n, ipiv, rhs, (lapack_int)n);
        if (info > 0) {
          st = tgi_err_set(err, TG_ERR_VALUE, "inv: singular matrix%s",
                           tgi_la_where(nb, idx, where, sizeof where));
          goto done;
        }
        tgi_la_store(o[0], oo[0], rhs, n1, n, n);
        break;
      case LA_DET:
      case LA_SLOGDET: {
        if (n > 0) info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w,
                                              (lapack_int)n, ipiv);
        double det = 1, sign = 1, logdet = 0;
        if (info > 0) det = 0, sign = 0, logdet = -INFINITY; /* an exact zero pivot */
        else
          for (int64_t i = 0; i < n; i++) {
            double u = w[i * n + i];
            bool swap = ipiv[i] != i + 1;
            det *= swap ? -u : u;
            if (swap) sign = -sign;
            if (u < 0) sign = -sign;
            logdet += log(fabs(u));
          }
        if (op->code == LA_DET) tgi_store_f64(o[0]->data + oo[0], o[0]->dtype, det);
        else {
          tgi_store_f64(o[0]->data + oo[0], o[0]->dtype, sign);
          tgi_store_f64(o[1]->data + oo[1], o[1]->dtype, logdet);
        }
        break;
      }
      case LA_CHOL: {
        bool lower = op->params[0] != 0;
        if (n > 0) info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, lower ? 'L' : 'U', (lapack_int)n,
                                              w, (lapack_int)n);
        if (info > 0) {
          st = tgi_err_set(err, TG_ERR_VALUE,
                           "cholesky: matrix is not positive definite (the leading minor of "
                           "order %d is not positive)%s",
                           (int)info, tgi_la_where(nb, idx, where, sizeof where));
          goto done;
        }
        for (int64_t j = 0; j < n; j++) /* clear the triangle LAPACK did not write */
          for (int64_t i = 0; i < n; i++)
            if (lower ? i < j : i > j) w[i + j * n] = 0;
        tgi_la_store(o[0], oo[0], w, n1, n, n);
        break;
      }
      case LA_EIGH:
        if (n > 0)
          info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, op->params[1] ? 'V' : 'N',
                                     op->params[0] ? 'L' : 'U', (lapack_int)n, w, (lapack_int)n,
                                     ev, work, lwork, iwork, liwork);
        if (info > 0) {
          st = tgi_err_set(err, TG_ERR_RUNTIME, "eigh: eigenvalues did not converge%s",
                           tgi_la_where(nb, idx, where, sizeof where));
          goto done;
        }
        tgi_la_store_vec(o[0], oo[0], ev, n);
        if (o[1]) tgi_la_store(o[1], oo[1], w, n1, n, n);
        break;
    }
    if (info < 0) {
      st = tgi_err_set(err, TG_ERR_RUNTIME, "%s: LAPACK rejected argument %d", name, (int)-info);
      goto done;
    }
  } while (tgi_next_index(nb, x->shape, idx));
done:
  tgi_free(w);
  tgi_free(ipiv);
  for (int i = 0; i < n_out; i++) {
    if (st != TG_OK && o[i] && o[i] != out[i]) tg_array_unref(o[i]);
    else if (st == TG_OK) out[i] = o[i];
  }
  return st;
}

#define LA_CLASS(var, nm)                                                                    \
  static const tg_op_class var = {.name = nm, .infer = la_infer, .perform = la_perform,     \
                                  .describe = la_describe, .infer_shape = la_infer_shape,    \
                                  .grad = tgi_##var##_grad}
LA_CLASS(inv_class, "MatrixInverse");
LA_CLASS(det_class, "Det");
LA_CLASS(slogdet_class, "SLogDet");
LA_CLASS(chol_class, "Cholesky");
LA_CLASS(eigh_class, "Eigh");

static tg_node *la_build(const tg_op_class *cls, int code, tg_var *x, int np, const int64_t *params) {
  if (!tgi_check_inputs(la_name[code], 1, &x) || x->g->err.status != TG_OK) return NULL;
  tg_op *op = tgi_op_new(x->g, cls, code, tgi_la_dtype(x->type.dtype), np, params);
  return op ? tgi_apply(op, 1, &x) : NULL;
}

tg_var *tg_inv(tg_var *x) {
  tg_node *nd = la_build(&inv_class, LA_INV, x, 0, NULL);
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_det(tg_var *x) {
  tg_node *nd = la_build(&det_class, LA_DET, x, 0, NULL);
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_slogdet(tg_var *x, tg_var **logabsdet) {
  if (!logabsdet) {
    if (x) tgi_gfail(x->g, TG_ERR_ARG, "slogdet: logabsdet is NULL");
    return NULL;
  }
  *logabsdet = NULL;
  tg_node *nd = la_build(&slogdet_class, LA_SLOGDET, x, 0, NULL);
  if (!nd) return NULL;
  *logabsdet = nd->out[1];
  return nd->out[0];
}

tg_var *tg_cholesky(tg_var *x, bool lower) {
  tg_node *nd = la_build(&chol_class, LA_CHOL, x, 1, (int64_t[]){lower});
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_eigh(tg_var *x, bool lower, tg_var **eigenvectors) {
  if (eigenvectors) *eigenvectors = NULL;
  tg_node *nd = la_build(&eigh_class, LA_EIGH, x, 2, (int64_t[]){lower, eigenvectors != NULL});
  if (!nd) return NULL;
  if (eigenvectors) *eigenvectors = nd->out[1];
  return nd->out[0];
}
