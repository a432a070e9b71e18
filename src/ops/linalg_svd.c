/* linalg_svd.c: the LAPACK ops on stacks of rectangular matrices: SVD (gesdd, as numpy),
   QR (geqrf + orgqr) and Pinv (through the SVD with numpy's cutoff), plus tgi_la_svals, the
   singular values the 2, -2 and nuclear matrix norms need. */
#include <stdio.h>

#include <lapacke.h>

#include "linalg_impl.h"

enum { LA_SVD, LA_QR, LA_PINV };
static const char *const la_name[] = {"svd", "qr", "pinv"};
enum { QR_REDUCED, QR_COMPLETE, QR_R };

/* gesdd's workspace for an m x n matrix and jobz, via its size query; -1 on failure. */
static lapack_int gesdd_lwork(char jobz, int64_t m, int64_t n) {
  double q = 0, dummy = 0;
  lapack_int iw = 0, m1 = (lapack_int)(m > 0 ? m : 1);
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, (lapack_int)m, (lapack_int)n,
                                        &dummy, m1, &dummy, &dummy, m1, &dummy,
                                        (lapack_int)(n > 0 ? n : 1), &q, -1, &iw);
  return info == 0 ? (lapack_int)q : -1;
}

tg_status tgi_la_svals(double *a, int64_t m, int64_t n, double *s, tgi_err *err, const char *op) {
  int64_t k = m < n ? m : n;
  if (k == 0) return TG_OK;
  lapack_int lwork = gesdd_lwork('N', m, n);
  double *work = lwork > 0 ? tgi_malloc(sizeof(double) * (size_t)lwork) : NULL;
  lapack_int *iwork = tgi_malloc(sizeof(lapack_int) * (size_t)(8 * k));
  tg_status st = TG_OK;
  if (!work || !iwork) st = tgi_la_nomem(err, op);
  else {
    double dummy = 0;
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'N', (lapack_int)m, (lapack_int)n, a,
                                          (lapack_int)m, s, &dummy, 1, &dummy, 1, work, lwork, iwork);
    if (info != 0)
      st = tgi_err_set(err, TG_ERR_RUNTIME, "%s: the SVD did not converge", op);
  }
  tgi_free(work);
  tgi_free(iwork);
  return st;
}

/* ---- type and shape rules ---- */

/* Output o's last two dims (r, c) given the matrix dims m, n and k = min(m, n); -1 for
   a vector output (its one dim is r). Static lengths follow from static ones. */
static void out_dims_of(const tg_op *op, int o, int *nlast, int which[2]) {
  /* which[]: 0 = m, 1 = n, 2 = k; full is full_matrices (SVD) or the mode (QR) */
  int64_t full = op->params[0];
  *nlast = 2;
  switch (op->code) {
    case LA_SVD:
      if (o == 0) *nlast = 1, which[0] = 2;
      else if (o == 1) which[0] = 0, which[1] = full ? 0 : 2;
      else which[0] = full ? 1 : 2, which[1] = 1;
      break;
    case LA_QR: /* out 0: R, out 1: Q */
      if (o == 0) which[0] = full == QR_COMPLETE ? 0 : 2, which[1] = 1;
      else which[0] = 0, which[1] = full == QR_COMPLETE ? 0 : 2;
      break;
    case LA_PINV: which[0] = 1, which[1] = 0; break;
  }
}

static int n_outputs(const tg_op *op) {
  if (op->code == LA_SVD) return op->params[1] ? 3 : 1;
  if (op->code == LA_QR) return op->params[0] == QR_R ? 1 : 2;
  return 1;
}

static int svd_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *x = &in[0]->type;
  if (!tgi_la_infer_matrix(g, la_name[op->code], x, false)) return -1;
  int nb = x->ndim - 2;
  int64_t m = x->shape[nb], n = x->shape[nb + 1];
  int64_t k = m == 0 || n == 0 ? 0 : m < 0 || n < 0 ? -1 : m < n ? m : n;
  int64_t len[3] = {m, n, k};
  int no = n_outputs(op);
  for (int o = 0; o < no; o++) {
    int nl = 0, which[2] = {0, 0};
    out_dims_of(op, o, &nl, which);
    out[o].dtype = op->dtype;
    out[o].ndim = nb + nl;
    memcpy(out[o].shape, x->shape, sizeof(int64_t) * (size_t)nb);
    for (int i = 0; i < nl; i++) out[o].shape[nb + i] = len[which[i]];
  }
  return no;
}

static bool svd_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  (void)g;
  int nb = nd->in[0]->type.ndim - 2;
  tg_var *len[3] = {in_dims[0][nb], in_dims[0][nb + 1], NULL};
  if (!(len[2] = tg_minimum(len[0], len[1]))) return false;
  for (int o = 0; o < nd->n_out; o++) {
    int nl = 0, which[2] = {0, 0};
    out_dims_of(nd->op, o, &nl, which);
    for (int i = 0; i < nb; i++) out_dims[o][i] = in_dims[0][i];
    for (int i = 0; i < nl; i++) out_dims[o][nb + i] = len[which[i]];
  }
  return true;
}

static void svd_describe(const tg_op *op, char *buf, size_t n) {
  static const char *const modes[] = {"reduced", "complete", "r"};
  switch (op->code) {
    case LA_SVD:
      snprintf(buf, n, "SVD{full_matrices=%s, compute_uv=%s}", op->params[0] ? "True" : "False",
               op->params[1] ? "True" : "False");
      break;
    case LA_QR: snprintf(buf, n, "QRFull{mode='%s'}", modes[op->params[0]]); break;
    case LA_PINV: snprintf(buf, n, "MatrixPinv"); break;
  }
}

/* ---- kernels ---- */

static void identity(double *w, int64_t ld, int64_t n) {
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < n; i++) w[i + j * ld] = i == j;
}

static tg_status svd_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in;
  const tg_array *x = in[0];
  const char *name = la_name[op->code];
  if (tgi_la_check_matrix(x, false, err, name) != TG_OK) return err->status;
  int nb = x->ndim - 2;
  int64_t m = x->shape[nb], n = x->shape[nb + 1], k = m < n ? m : n;
  int64_t m1 = m > 0 ? m : 1, n1 = n > 0 ? n : 1, mn1 = m1 > n1 ? m1 : n1;
  int64_t len[3] = {m, n, k};
  tg_array *o[3] = {NULL, NULL, NULL};
  tg_status st = TG_OK;
  for (int i = 0; i < n_out && st == TG_OK; i++) {
    int nl = 0, which[2] = {0, 0};
    int64_t shape[TG_MAX_NDIM];
    out_dims_of(op, i, &nl, which);
    memcpy(shape, x->shape, sizeof(int64_t) * (size_t)nb);
    for (int j = 0; j < nl; j++) shape[nb + j] = len[which[j]];
    o[i] = out[i];
    st = tgi_la_output(&o[i], op->dtype, nb + nl, shape, err, name);
  }
  bool full = op->params[0] != 0; /* SVD: full_matrices */
  bool complete = op->code == LA_QR && op->params[0] == QR_COMPLETE;
  char jobz = 'S';
  if (op->code == LA_SVD) jobz = !op->params[1] ? 'N' : full ? 'A' : 'S';
  /* workspace: a (m x max(m, n) for complete Q), s / tau (k), u (m x max(m, n): also R),
     vt (n x n), work */
  lapack_int lwork = 1;
  double *w = NULL;
  lapack_int *iwork = NULL;
  if (st != TG_OK || k == 0 || tgi_la_batch_empty(nb, x->shape)) goto empty;
  if (op->code == LA_QR) {
    double q1 = 1, q2 = 1, d = 0;
    LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, &d, (lapack_int)m1, &d, &q1, -1);
    int64_t qc = complete ? m : k;
    LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)qc, (lapack_int)k, &d,
                        (lapack_int)m1, &d, &q2, -1);
    lwork = (lapack_int)(q1 > q2 ? q1 : q2);
  } else lwork = gesdd_lwork(jobz, m, n);
  if (lwork < 1) lwork = 1;
  size_t nw = (size_t)(2 * m1 * mn1 + k + n1 * n1 + lwork);
  w = tgi_malloc(sizeof(double) * nw);
  iwork = tgi_malloc(sizeof(lapack_int) * (size_t)(8 * k));
  if (!w || !iwork) {
    st = tgi_la_nomem(err, name);
    goto done;
  }
  double *s = w + m1 * mn1, *u = s + k, *vt = u + m1 * mn1, *work = vt + n1 * n1;
  int64_t idx[TG_MAX_NDIM] = {0};
  char where[240];
  do {
    tgi_la_load(w, m1, x, tgi_batch_offset(x, nb, idx), m, n);
    int64_t oo[3];
    for (int i = 0; i < n_out; i++) oo[i] = tgi_batch_offset(o[i], nb, idx);
    lapack_int info;
    if (op->code == LA_QR) {
      info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, w, (lapack_int)m1,
                                 s, work, lwork);
      int64_t rr = complete ? m : k;
      for (int64_t j = 0; j < n; j++) /* R: the upper triangle, into u (rr x n) */
        for (int64_t i = 0; i < rr; i++) u[i + j * m1] = i <= j ? w[i + j * m1] : 0;
      tgi_la_store(o[0], oo[0], u, m1, rr, n);
      if (info == 0 && n_out > 1) {
        int64_t qc = complete ? m : k;
        info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)qc, (lapack_int)k,
                                   w, (lapack_int)m1, s, work, lwork);
        tgi_la_store(o[1], oo[1], w, m1, m, qc);
      }
    } else {
      int64_t ldvt = jobz == 'A' ? n1 : k;
      info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, (lapack_int)m, (lapack_int)n, w,
                                 (lapack_int)m1, s, u, (lapack_int)m1, vt, (lapack_int)ldvt, work,
                                 lwork, iwork);
      if (info > 0) {
        st = tgi_err_set(err, TG_ERR_RUNTIME, "%s: the SVD did not converge%s", name,
                         tgi_la_where(nb, idx, where, sizeof where));
        goto done;
      }
      if (op->code == LA_SVD) {
        tgi_la_store_vec(o[0], oo[0], s, k);
        if (n_out > 1) {
          tgi_la_store(o[1], oo[1], u, m1, m, full ? m : k);
          tgi_la_store(o[2], oo[2], vt, ldvt, full ? n : k, n);
        }
      } else { /* pinv = V diag(1/s) U^T, small singular values dropped as numpy */
        double cut = 1e-15 * s[0];
        for (int64_t i = 0; i < k; i++) s[i] = s[i] > cut ? 1 / s[i] : 0;
        for (int64_t i = 0; i < m; i++) /* result (n x m) into w, ld n1 */
          for (int64_t j = 0; j < n; j++) {
            double acc = 0;
            for (int64_t p = 0; p < k; p++) acc += vt[p + j * ldvt] * s[p] * u[i + p * m1];
            w[j + i * n1] = acc;
          }
        tgi_la_store(o[0], oo[0], w, n1, n, m);
      }
    }
    if (info < 0) {
      st = tgi_err_set(err, TG_ERR_RUNTIME, "%s: LAPACK rejected argument %d", name, (int)-info);
      goto done;
    }
  } while (tgi_next_index(nb, x->shape, idx));
  goto done;
empty: /* k == 0: no LAPACK call; zeros, and identities for full/complete factors */
  if (st == TG_OK && !tgi_la_batch_empty(nb, x->shape)) {
    if (!(w = tgi_malloc(sizeof(double) * (size_t)(mn1 * mn1)))) {
      st = tgi_la_nomem(err, name);
      goto done;
    }
    int64_t e_idx[TG_MAX_NDIM] = {0};
    do {
      for (int i = 0; i < n_out; i++) {
        const tg_array *t = o[i];
        if (t->ndim == nb + 1) continue; /* s: empty */
        int64_t r = t->shape[nb], c = t->shape[nb + 1];
        bool eye = (op->code == LA_SVD && i > 0) || (op->code == LA_QR && i == 1);
        if (eye && r == c) identity(w, mn1, r);
        else
          for (int64_t j = 0; j < mn1 * mn1; j++) w[j] = 0;
        tgi_la_store(o[i], tgi_batch_offset(o[i], nb, e_idx), w, mn1, r, c);
      }
    } while (tgi_next_index(nb, x->shape, e_idx));
  }
done:
  tgi_free(w);
  tgi_free(iwork);
  for (int i = 0; i < n_out; i++) {
    if (st != TG_OK && o[i] && o[i] != out[i]) tg_array_unref(o[i]);
    else if (st == TG_OK) out[i] = o[i];
  }
  return st;
}

#define SVD_CLASS(var, nm)                                                                    \
  static const tg_op_class var = {.name = nm, .infer = svd_infer, .perform = svd_perform,    \
                                  .describe = svd_describe, .infer_shape = svd_infer_shape,  \
                                  .grad = tgi_##var##_grad}
SVD_CLASS(svd_class, "SVD");
SVD_CLASS(qr_class, "QRFull");
SVD_CLASS(pinv_class, "MatrixPinv");

static tg_node *build(const tg_op_class *cls, int code, tg_var *x, int np, const int64_t *params) {
  if (!tgi_check_inputs(la_name[code], 1, &x) || x->g->err.status != TG_OK) return NULL;
  tg_op *op = tgi_op_new(x->g, cls, code, tgi_la_dtype(x->type.dtype), np, params);
  return op ? tgi_apply(op, 1, &x) : NULL;
}

tg_var *tg_svd(tg_var *x, bool full_matrices, tg_var **u, tg_var **vt) {
  bool uv = u || vt;
  if (u) *u = NULL;
  if (vt) *vt = NULL;
  /* without factors full_matrices changes nothing: one param value, so such nodes merge */
  tg_node *nd = build(&svd_class, LA_SVD, x, 2, (int64_t[]){uv && full_matrices, uv});
  if (!nd) return NULL;
  if (u) *u = nd->out[1];
  if (vt) *vt = nd->out[2];
  return nd->out[0];
}

tg_var *tg_qr(tg_var *x, tg_qr_mode mode, tg_var **q) {
  if (q) *q = NULL;
  if ((unsigned)mode > TG_QR_R) {
    if (x) tgi_gfail(x->g, TG_ERR_VALUE, "qr: unknown mode %d", (int)mode);
    return NULL;
  }
  if (mode != TG_QR_R && !q) {
    if (x) tgi_gfail(x->g, TG_ERR_ARG, "qr: q is NULL (use TG_QR_R for R alone)");
    return NULL;
  }
  tg_node *nd = build(&qr_class, LA_QR, x, 1, (int64_t[]){(int64_t)mode});
  if (!nd) return NULL;
  if (q && mode != TG_QR_R) *q = nd->out[1];
  return nd->out[0];
}

tg_var *tg_pinv(tg_var *x) {
  tg_node *nd = build(&pinv_class, LA_PINV, x, 0, NULL);
  return nd ? nd->out[0] : NULL;
}
