/* linalg_solve.c: the Solve op, x with a x = b for stacks of square a, through LAPACK's
   gesv. As numpy 1.x, b is a stack of vectors when its rank is a's rank - 1 and a stack of
   matrices otherwise; batch dims broadcast under Theano's rule (only dims of static length 1),
   recorded in the op's params like matmul's. */
#include <stdio.h>

#include <lapacke.h>

#include "linalg_impl.h"

/* params: [0] b is a stack of vectors, [1] / [2] bit i: a / b broadcasts along batch dim i */
typedef struct solve_dims {
  int nb, nba, nbb, ra, rb;
  bool vec;
} solve_dims;

static solve_dims dims_of(int ra, int rb, bool vec) {
  solve_dims d = {0, ra - 2, vec ? rb - 1 : rb - 2, ra, rb, vec};
  d.nb = d.nba > d.nbb ? d.nba : d.nbb;
  return d;
}

/* a's (b's) axis for output batch dim i, or -1 where it broadcasts */
static int batch_axis(const solve_dims *d, int i, int which, uint64_t mask) {
  int k = i - (d->nb - (which ? d->nbb : d->nba));
  return k < 0 || ((mask >> i) & 1) ? -1 : k;
}

static int solve_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *a = &in[0]->type, *b = &in[1]->type;
  char ta[200], tb[200];
  if (!tgi_la_infer_matrix(g, "solve", a, true)) return -1;
  solve_dims d = dims_of(a->ndim, b->ndim, op->params[0] != 0);
  if (d.nbb < 0) {
    tgi_gfail(g, TG_ERR_TYPE, "solve: b must be a vector or a matrix (or a stack of them), got %s",
              tgi_type_str(b, tb, sizeof tb));
    return -1;
  }
  int64_t ma = a->shape[a->ndim - 1] >= 0 ? a->shape[a->ndim - 1] : a->shape[a->ndim - 2];
  int64_t mb = b->shape[d.vec ? b->ndim - 1 : b->ndim - 2];
  if (ma >= 0 && mb >= 0 && ma != mb) {
    tgi_gfail(g, TG_ERR_SHAPE, "solve: %s and %s do not match: a is %lld x %lld, b has %lld rows",
              tgi_type_str(a, ta, sizeof ta), tgi_type_str(b, tb, sizeof tb), (long long)ma,
              (long long)ma, (long long)mb);
    return -1;
  }
  out->dtype = op->dtype;
  out->ndim = d.nb + (d.vec ? 1 : 2);
  for (int i = 0; i < d.nb; i++) {
    int xa = batch_axis(&d, i, 0, (uint64_t)op->params[1]);
    int xb = batch_axis(&d, i, 1, (uint64_t)op->params[2]);
    int64_t la = xa >= 0 ? a->shape[xa] : -2, lb = xb >= 0 ? b->shape[xb] : -2;
    if (la >= 0 && lb >= 0 && la != lb) {
      tgi_gfail(g, TG_ERR_SHAPE, "solve: %s and %s do not match in batch dims (%lld vs %lld)",
                tgi_type_str(a, ta, sizeof ta), tgi_type_str(b, tb, sizeof tb), (long long)la,
                (long long)lb);
      return -1;
    }
    out->shape[i] = la >= 0 ? la : lb >= 0 ? lb : (la == -2 && lb == -2) ? 1 : -1;
  }
  out->shape[d.nb] = ma >= 0 ? ma : mb;
  if (!d.vec) out->shape[d.nb + 1] = b->shape[b->ndim - 1];
  return 1;
}

static bool solve_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                              tg_var **const *out_dims) {
  const tg_op *op = nd->op;
  solve_dims d = dims_of(nd->in[0]->type.ndim, nd->in[1]->type.ndim, op->params[0] != 0);
  for (int i = 0; i < d.nb; i++) {
    int xa = batch_axis(&d, i, 0, (uint64_t)op->params[1]);
    int xb = batch_axis(&d, i, 1, (uint64_t)op->params[2]);
    out_dims[0][i] = xa >= 0 ? in_dims[0][xa] : xb >= 0 ? in_dims[1][xb] : tgi_dim_const(g, 1);
    if (!out_dims[0][i]) return false;
  }
  out_dims[0][d.nb] = in_dims[0][d.ra - 1];
  if (!d.vec) out_dims[0][d.nb + 1] = in_dims[1][d.rb - 1];
  return true;
}

static tg_status solve_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const tg_array *a = in[0], *b = in[1];
  char sh[450], where[240];
  if (tgi_la_check_matrix(a, true, err, "solve") != TG_OK) return err->status;
  solve_dims d = dims_of(a->ndim, b->ndim, op->params[0] != 0);
  int64_t m = a->shape[a->ndim - 1], mb = b->shape[d.vec ? b->ndim - 1 : b->ndim - 2];
  int64_t k = d.vec ? 1 : b->shape[b->ndim - 1];
  if (mb != m)
    return tgi_err_set(err, TG_ERR_SHAPE, "solve: shapes %s do not match: a is %lld x %lld, b has %lld rows",
                       tgi_two_shapes(a, b, sh, sizeof sh), (long long)m, (long long)m, (long long)mb);
  if (k > INT32_MAX) return tgi_err_set(err, TG_ERR_VALUE, "solve: b is too large for LAPACK");
  int64_t oshape[TG_MAX_NDIM];
  int xa[TG_MAX_NDIM], xb[TG_MAX_NDIM];
  for (int i = 0; i < d.nb; i++) {
    xa[i] = batch_axis(&d, i, 0, (uint64_t)op->params[1]);
    xb[i] = batch_axis(&d, i, 1, (uint64_t)op->params[2]);
    int64_t la = xa[i] >= 0 ? a->shape[xa[i]] : -1, lb = xb[i] >= 0 ? b->shape[xb[i]] : -1;
    if (la >= 0 && lb >= 0 && la != lb)
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "solve: shapes %s do not match in batch dims (%lld vs %lld); only dims "
                         "of static length 1 broadcast",
                         tgi_two_shapes(a, b, sh, sizeof sh), (long long)la, (long long)lb);
    oshape[i] = la >= 0 ? la : lb >= 0 ? lb : 1;
  }
  oshape[d.nb] = m;
  if (!d.vec) oshape[d.nb + 1] = k;
  tg_array *o = out[0];
  if (tgi_la_output(&o, op->dtype, d.nb + (d.vec ? 1 : 2), oshape, err, "solve") != TG_OK)
    return err->status;
  tg_status st = TG_OK;
  int64_t m1 = m > 0 ? m : 1;
  double *w = tgi_malloc(sizeof(double) * (size_t)(m1 * m1 + m1 * (k > 0 ? k : 1)));
  lapack_int *ipiv = tgi_malloc(sizeof(lapack_int) * (size_t)m1);
  if (!w || !ipiv) {
    st = tgi_la_nomem(err, "solve");
    goto done;
  }
  double *rhs = w + m1 * m1;
  int64_t idx[TG_MAX_NDIM] = {0};
  if (o->size == 0) goto done;
  do {
    int64_t ao = 0, bo = 0, oo = 0;
    for (int i = 0; i < d.nb; i++) {
      if (xa[i] >= 0) ao += idx[i] * a->strides[xa[i]];
      if (xb[i] >= 0) bo += idx[i] * b->strides[xb[i]];
      oo += idx[i] * o->strides[i];
    }
    tgi_la_load(w, m1, a, ao, m, m);
    if (d.vec) { /* a vector: its last dim */
      int64_t s = b->strides[b->ndim - 1];
      for (int64_t i = 0; i < m; i++) rhs[i] = tgi_load_f64(b->data + bo + i * s, b->dtype);
    } else tgi_la_load(rhs, m1, b, bo, m, k);
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)k, w,
                                         (lapack_int)m1, ipiv, rhs, (lapack_int)m1);
    if (info > 0) {
      st = tgi_err_set(err, TG_ERR_VALUE, "solve: singular matrix%s",
                       tgi_la_where(d.nb, idx, where, sizeof where));
      goto done;
    }
    if (info < 0) {
      st = tgi_err_set(err, TG_ERR_RUNTIME, "solve: LAPACK rejected argument %d", (int)-info);
      goto done;
    }
    if (d.vec) tgi_la_store_vec(o, oo, rhs, m);
    else tgi_la_store(o, oo, rhs, m1, m, k);
  } while (tgi_next_index(d.nb, oshape, idx));
done:
  tgi_free(w);
  tgi_free(ipiv);
  if (st != TG_OK) {
    if (o != out[0]) tg_array_unref(o);
    return st;
  }
  out[0] = o;
  return TG_OK;
}

static void solve_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Solve{b=%s}", op->params[0] ? "vector" : "matrix");
}

static const tg_op_class solve_class = {.name = "Solve",
                                        .infer = solve_infer,
                                        .perform = solve_perform,
                                        .describe = solve_describe,
                                        .infer_shape = solve_infer_shape,
                                        .grad = tgi_solve_grad};

tg_var *tg_solve(tg_var *a, tg_var *b) {
  tg_var *in[2] = {a, b};
  if (!tgi_check_inputs("solve", 2, in) || a->g->err.status != TG_OK) return NULL;
  int ra = a->type.ndim, rb = b->type.ndim;
  if (ra < 2) {
    char t[200];
    return tgi_gfail(a->g, TG_ERR_TYPE, "solve: a must be a matrix or a stack of matrices (rank >= 2), got %s",
                     tgi_type_str(&a->type, t, sizeof t));
  }
  bool vec = rb == ra - 1;
  solve_dims d = dims_of(ra, rb, vec);
  uint64_t ma = 0, mb = 0;
  for (int i = 0; i < d.nb; i++) {
    int ia = i - (d.nb - d.nba), ib = i - (d.nb - d.nbb);
    if (ia < 0 || a->type.shape[ia] == 1) ma |= 1ull << i;
    if (ib < 0 || (d.nbb >= 0 && b->type.shape[ib] == 1)) mb |= 1ull << i;
  }
  int64_t params[3] = {vec, (int64_t)ma, (int64_t)mb};
  tg_dtype dt = tgi_la_dtype(tg_dtype_promote(a->type.dtype, b->type.dtype));
  tg_op *op = tgi_op_new(a->g, &solve_class, 0, dt, 3, params);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}
