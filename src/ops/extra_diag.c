/* extra_diag.c: triangles and diagonals (Tril, Triu, AllocDiag for numpy.diag of a vector,
   Diagonal as a view, trace as diagonal + sum) and the ops that turn values into indices
   or counts: Nonzero (one node per dim of numpy.nonzero, or flat positions), Bincount and
   BincountLength, the internal op that gives Bincount's length to shape graphs. */
#include "extra_impl.h"
#include "tgraph/reduce.h"

/* ---- Tril / Triu: params[0] = k; the last two dims are the matrix ---- */

enum { TRI_LOWER, TRI_UPPER };

static int copy_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  const tg_type *t = &in[0]->type;
  out->dtype = t->dtype;
  out->ndim = t->ndim;
  memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  return 1;
}

static bool copy_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) out_dims[0][d] = in_dims[0][d];
  return true;
}

static tg_status trimask_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                 tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  tg_array *r = tgx_out(op->cls->name, out[0], x->dtype, x->ndim, x->shape, err);
  if (!r) return err->status;
  if (r->size > 0) {
    int nd = x->ndim;
    int64_t k = op->params[0], idx[TG_MAX_NDIM] = {0};
    size_t isz = tg_dtype_size(x->dtype);
    do {
      int64_t ox = 0, orr = 0;
      for (int d = 0; d < nd; d++) ox += idx[d] * x->strides[d], orr += idx[d] * r->strides[d];
      int64_t off = idx[nd - 1] - idx[nd - 2]; /* j - i */
      bool keep = op->code == TRI_LOWER ? off <= k : off >= k;
      if (keep) memcpy(r->data + orr, x->data + ox, isz);
      else memset(r->data + orr, 0, isz); /* all-zero bytes are 0 / 0.0 / false in every dtype */
    } while (tgi_next_index(nd, x->shape, idx));
  }
  out[0] = r;
  return TG_OK;
}

static void k_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s{k=%lld}", op->cls->name, (long long)op->params[0]);
}

static const tg_op_class tril_class = {
    .name = "Tril",
    .infer = copy_infer,
    .perform = trimask_perform,
    .describe = k_describe,
    .infer_shape = copy_infer_shape,
    .grad = tgx_tril_grad,
};
static const tg_op_class triu_class = {
    .name = "Triu",
    .infer = copy_infer,
    .perform = trimask_perform,
    .describe = k_describe,
    .infer_shape = copy_infer_shape,
    .grad = tgx_triu_grad,
};

static tg_var *trimask_build(const char *name, int code, tg_var *x, int k) {
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  if (x->type.ndim < 2) {
    char t[160];
    return tgi_gfail(x->g, TG_ERR_TYPE, "%s: x must have at least 2 dims, got %s", name,
                     tgi_type_str(&x->type, t, sizeof t));
  }
  int64_t p = k;
  tg_op *op = tgi_op_new(x->g, code == TRI_LOWER ? &tril_class : &triu_class, code,
                         x->type.dtype, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_tril(tg_var *x, int k) { return trimask_build("tril", TRI_LOWER, x, k); }
tg_var *tg_triu(tg_var *x, int k) { return trimask_build("triu", TRI_UPPER, x, k); }

/* ---- AllocDiag: vector v -> (n + |k|) square matrix with v on diagonal k ---- */

static int allocdiag_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                           tg_type *out) {
  (void)g, (void)n_in;
  int64_t n = in[0]->type.shape[0], k = op->params[0];
  out->dtype = in[0]->type.dtype;
  out->ndim = 2;
  out->shape[0] = out->shape[1] = n >= 0 ? n + (k < 0 ? -k : k) : -1;
  return 1;
}

static tg_status allocdiag_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                   tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *v = in[0];
  int64_t k = op->params[0], n = v->shape[0], m = n + (k < 0 ? -k : k);
  tg_array *r = tgx_out("AllocDiag", out[0], v->dtype, 2, (int64_t[]){m, m}, err);
  if (!r) return err->status;
  size_t isz = tg_dtype_size(v->dtype);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < m; j++)
      memset(r->data + i * r->strides[0] + j * r->strides[1], 0, isz);
  for (int64_t i = 0; i < n; i++) {
    int64_t row = k >= 0 ? i : i - k, col = k >= 0 ? i + k : i;
    memcpy(r->data + row * r->strides[0] + col * r->strides[1], v->data + i * v->strides[0], isz);
  }
  out[0] = r;
  return TG_OK;
}

static bool allocdiag_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                  tg_var **const *out_dims) {
  int64_t k = nd->op->params[0];
  tg_var *m = tg_add(in_dims[0][0], tgi_dim_const(g, k < 0 ? -k : k));
  out_dims[0][0] = out_dims[0][1] = m;
  return m != NULL;
}

static const tg_op_class allocdiag_class = {
    .name = "AllocDiag",
    .infer = allocdiag_infer,
    .perform = allocdiag_perform,
    .describe = k_describe,
    .infer_shape = allocdiag_infer_shape,
    .grad = tgx_allocdiag_grad,
};

/* ---- Diagonal: params = (offset, axis1, axis2); a view ---- */

/* Length of the diagonal at offset k of an n1 x n2 plane. */
static int64_t diag_len(int64_t n1, int64_t n2, int64_t k) {
  int64_t a = n1 - (k < 0 ? -k : 0), b = n2 - (k > 0 ? k : 0);
  int64_t l = a < b ? a : b;
  return l > 0 ? l : 0;
}

static int diagonal_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                          tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  int64_t k = op->params[0], a1 = op->params[1], a2 = op->params[2];
  int r = 0;
  for (int d = 0; d < t->ndim; d++)
    if (d != a1 && d != a2) out->shape[r++] = t->shape[d];
  int64_t n1 = t->shape[a1], n2 = t->shape[a2];
  out->shape[r++] = n1 >= 0 && n2 >= 0 ? diag_len(n1, n2, k) : -1;
  out->dtype = t->dtype;
  out->ndim = r;
  return 1;
}

static tg_status diagonal_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                  tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  int64_t k = op->params[0], a1 = op->params[1], a2 = op->params[2];
  int64_t shape[TG_MAX_NDIM], st[TG_MAX_NDIM], size = 1;
  int r = 0;
  for (int d = 0; d < x->ndim; d++)
    if (d != a1 && d != a2) shape[r] = x->shape[d], st[r++] = x->strides[d];
  shape[r] = diag_len(x->shape[a1], x->shape[a2], k);
  st[r++] = x->strides[a1] + x->strides[a2];
  for (int d = 0; d < r; d++) size *= shape[d];
  int64_t off = size == 0 ? 0 : k >= 0 ? k * x->strides[a2] : -k * x->strides[a1];
  tg_array *v = tg_array_view(x, r, shape, st, off);
  if (!v) return tgi_err_set(err, tg_errstatus(), "Diagonal: %s", tg_errmsg());
  return tgx_deliver("Diagonal", v, out, err);
}

static void diagonal_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Diagonal{offset=%lld, axis1=%lld, axis2=%lld}", (long long)op->params[0],
           (long long)op->params[1], (long long)op->params[2]);
}

/* max(0, min(n1 - max(0, -k), n2 - max(0, k))) */
static bool diagonal_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                 tg_var **const *out_dims) {
  int64_t k = nd->op->params[0], a1 = nd->op->params[1], a2 = nd->op->params[2];
  int r = 0;
  for (int d = 0; d < nd->in[0]->type.ndim; d++)
    if (d != a1 && d != a2) out_dims[0][r++] = in_dims[0][d];
  tg_var *a = tg_sub(in_dims[0][a1], tgi_dim_const(g, k < 0 ? -k : 0));
  tg_var *b = tg_sub(in_dims[0][a2], tgi_dim_const(g, k > 0 ? k : 0));
  out_dims[0][r] = tg_maximum(tg_minimum(a, b), tgi_dim_const(g, 0));
  return out_dims[0][r] != NULL;
}

static const tg_op_class diagonal_class = {
    .name = "Diagonal",
    .infer = diagonal_infer,
    .perform = diagonal_perform,
    .describe = diagonal_describe,
    .infer_shape = diagonal_infer_shape,
    .grad = tgx_diagonal_grad,
};

static tg_var *diagonal_build(const char *name, tg_var *x, int offset, int axis1, int axis2) {
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  tg_graph *g = x->g;
  int nd = x->type.ndim;
  if (nd < 2) {
    char t[160];
    return tgi_gfail(g, TG_ERR_TYPE, "%s: x must have at least 2 dims, got %s", name,
                     tgi_type_str(&x->type, t, sizeof t));
  }
  if (!tgx_axis(g, name, nd, &axis1, false) || !tgx_axis(g, name, nd, &axis2, false)) return NULL;
  if (axis1 == axis2)
    return tgi_gfail(g, TG_ERR_VALUE, "%s: axis1 and axis2 are both dim %d; they must differ",
                     name, axis1);
  int64_t p[3] = {offset, axis1, axis2};
  tg_op *op = tgi_op_new(g, &diagonal_class, 0, x->type.dtype, 3, p);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  return n ? n->out[0] : NULL;
}

tg_var *tg_diagonal(tg_var *x, int offset, int axis1, int axis2) {
  return diagonal_build("diagonal", x, offset, axis1, axis2);
}

tg_var *tg_trace(tg_var *x, int offset, int axis1, int axis2) {
  tg_var *d = diagonal_build("trace", x, offset, axis1, axis2);
  return d ? tg_sum(d, TG_AXES(-1), false) : NULL;
}

tg_var *tg_diag(tg_var *x, int k) {
  if (!tgi_check_inputs("diag", 1, &x)) return NULL;
  if (x->type.ndim == 2) return diagonal_build("diag", x, k, 0, 1);
  if (x->type.ndim != 1) {
    char t[160];
    return tgi_gfail(x->g, TG_ERR_TYPE, "diag: x must be 1-d or 2-d, got %s",
                     tgi_type_str(&x->type, t, sizeof t));
  }
  int64_t p = k;
  tg_op *op = tgi_op_new(x->g, &allocdiag_class, 0, x->type.dtype, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Nonzero: params[0] = the dim whose indices it gives, or TGX_NONE for flat positions ---- */

static bool elem_nonzero(const char *p, tg_dtype dt) {
  return tg_dtype_is_float(dt) ? tgi_load_f64(p, dt) != 0 : tgi_load_i64(p, dt) != 0; /* NaN: yes */
}

static int nonzero_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                         tg_type *out) {
  (void)g, (void)op, (void)n_in, (void)in;
  out->dtype = TG_INT64;
  out->ndim = 1;
  out->shape[0] = -1;
  return 1;
}

static tg_status nonzero_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                 tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  int nd = x->ndim;
  int64_t dim = op->params[0], count = 0, idx[TG_MAX_NDIM];
  for (int pass = 0; pass < 2; pass++) { /* count, then write */
    tg_array *r = NULL;
    if (pass == 1 && !(r = tgx_out("Nonzero", out[0], TG_INT64, 1, &count, err)))
      return err->status;
    int64_t k = 0, flat = 0;
    memset(idx, 0, sizeof idx);
    if (x->size > 0) do {
        int64_t o = 0;
        for (int d = 0; d < nd; d++) o += idx[d] * x->strides[d];
        if (elem_nonzero(x->data + o, x->dtype)) {
          if (r) *(int64_t *)(r->data + k * r->strides[0]) = dim == TGX_NONE ? flat : idx[dim];
          k++;
        }
        flat++;
      } while (tgi_next_index(nd, x->shape, idx));
    if (pass == 0) count = k;
    else out[0] = r;
  }
  return TG_OK;
}

static void nonzero_describe(const tg_op *op, char *buf, size_t n) {
  if (op->params[0] == TGX_NONE) snprintf(buf, n, "FlatNonzero");
  else snprintf(buf, n, "Nonzero{dim=%lld}", (long long)op->params[0]);
}

/* The number of nonzero elements: sum(x != 0) (NaN != 0 holds, as NaN counts). */
static bool nonzero_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                tg_var **const *out_dims) {
  (void)in_dims;
  out_dims[0][0] = tg_sum(tg_neq(nd->in[0], tg_const_i64(g, 0)), TG_ALL_AXES, false);
  return out_dims[0][0] != NULL;
}

static const tg_op_class nonzero_class = {
    .name = "Nonzero",
    .infer = nonzero_infer,
    .perform = nonzero_perform,
    .describe = nonzero_describe,
    .infer_shape = nonzero_infer_shape,
    .grad = tgx_grad_none,
};

static tg_var *nonzero_node(tg_var *x, int64_t dim) {
  tg_op *op = tgi_op_new(x->g, &nonzero_class, 0, TG_INT64, 1, &dim);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

int tg_nonzero(tg_var *x, tg_var **outs) {
  if (!tgi_check_inputs("nonzero", 1, &x)) return -1;
  if (!outs) return tgi_gfail(x->g, TG_ERR_ARG, "nonzero: outs is NULL"), -1;
  if (x->type.ndim == 0) {
    tgi_gfail(x->g, TG_ERR_TYPE, "nonzero: x must have at least one dimension, got a 0-d %s "
              "(numpy deprecates nonzero of 0-d arrays)", tg_dtype_name(x->type.dtype));
    return -1;
  }
  for (int d = 0; d < x->type.ndim; d++)
    if (!(outs[d] = nonzero_node(x, d))) return -1;
  return x->type.ndim;
}

tg_var *tg_flatnonzero(tg_var *x) {
  if (!tgi_check_inputs("flatnonzero", 1, &x)) return NULL;
  return nonzero_node(x, TGX_NONE);
}

/* ---- Bincount: in = (x) or (x, weights); params[0] = minlength ---- */

enum { BC_COUNT, BC_LENGTH };

/* max(max(x) + 1, minlength), checking x is non-negative. */
static tg_status bincount_len(const tg_array *x, int64_t minlength, int64_t *len, tgi_err *err) {
  int64_t m = minlength;
  for (int64_t i = 0; i < x->shape[0]; i++) {
    int64_t v = tgi_load_i64(x->data + i * x->strides[0], x->dtype);
    if (v < 0)
      return tgi_err_set(err, TG_ERR_VALUE, "Bincount: x must be non-negative, got %lld at %lld",
                         (long long)v, (long long)i);
    if (v == INT64_MAX)
      return tgi_err_set(err, TG_ERR_VALUE, "Bincount: value %lld is too large", (long long)v);
    if (v >= m) m = v + 1;
  }
  *len = m;
  return TG_OK;
}

static int bincount_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                          tg_type *out) {
  (void)g, (void)in;
  if (op->code == BC_LENGTH) {
    out->dtype = TG_INT64;
    out->ndim = 0;
    return 1;
  }
  out->dtype = n_in > 1 ? TG_FLOAT64 : TG_INT64;
  out->ndim = 1;
  out->shape[0] = -1;
  return 1;
}

static tg_status bincount_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                  tg_array **out, tgi_err *err) {
  (void)n_out;
  tg_array *x = in[0], *w = n_in > 1 ? in[1] : NULL;
  int64_t len;
  if (bincount_len(x, op->params[0], &len, err) != TG_OK) return err->status;
  if (op->code == BC_LENGTH) {
    tg_array *r = tgx_out("BincountLength", out[0], TG_INT64, 0, NULL, err);
    if (!r) return err->status;
    *(int64_t *)r->data = len;
    out[0] = r;
    return TG_OK;
  }
  if (w && w->shape[0] != x->shape[0])
    return tgi_err_set(err, TG_ERR_SHAPE, "Bincount: weights has %lld entries but x has %lld",
                       (long long)w->shape[0], (long long)x->shape[0]);
  tg_array *r = tgx_out("Bincount", out[0], w ? TG_FLOAT64 : TG_INT64, 1, &len, err);
  if (!r) return err->status;
  int64_t s = r->strides[0];
  for (int64_t i = 0; i < len; i++) {
    if (w) *(double *)(r->data + i * s) = 0;
    else *(int64_t *)(r->data + i * s) = 0;
  }
  for (int64_t i = 0; i < x->shape[0]; i++) {
    int64_t v = tgi_load_i64(x->data + i * x->strides[0], x->dtype);
    if (w) *(double *)(r->data + v * s) += tgi_load_f64(w->data + i * w->strides[0], w->dtype);
    else (*(int64_t *)(r->data + v * s))++;
  }
  out[0] = r;
  return TG_OK;
}

static void bincount_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s{minlength=%lld}", op->cls->name, (long long)op->params[0]);
}

static const tg_op_class bincount_length_class;

static bool bincount_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                 tg_var **const *out_dims) {
  (void)in_dims;
  if (nd->op->code == BC_LENGTH) return true; /* 0-d */
  tg_op *op = tgi_op_new(g, &bincount_length_class, BC_LENGTH, TG_INT64, 1, nd->op->params);
  tg_node *c = op ? tgi_apply(op, 1, &nd->in[0]) : NULL;
  out_dims[0][0] = c ? c->out[0] : NULL;
  return c != NULL;
}

static const tg_op_class bincount_class = {
    .name = "Bincount",
    .infer = bincount_infer,
    .perform = bincount_perform,
    .describe = bincount_describe,
    .infer_shape = bincount_infer_shape,
    .grad = tgx_bincount_grad,
};
static const tg_op_class bincount_length_class = {
    .name = "BincountLength",
    .infer = bincount_infer,
    .perform = bincount_perform,
    .describe = bincount_describe,
    .infer_shape = bincount_infer_shape,
    .grad = tgx_grad_none,
};

tg_var *tg_bincount(tg_var *x, tg_var *weights, int64_t minlength) {
  tg_var *in[2] = {x, weights};
  int n = weights ? 2 : 1;
  if (!tgi_check_inputs("bincount", n, in)) return NULL;
  char t[160];
  if (x->type.ndim != 1 || !tgx_is_intlike(x->type.dtype))
    return tgi_gfail(x->g, TG_ERR_TYPE, "bincount: x must be a vector of integers, got %s",
                     tgi_type_str(&x->type, t, sizeof t));
  if (weights && weights->type.ndim != 1)
    return tgi_gfail(x->g, TG_ERR_TYPE, "bincount: weights must be a vector, got %s",
                     tgi_type_str(&weights->type, t, sizeof t));
  if (minlength < 0)
    return tgi_gfail(x->g, TG_ERR_VALUE, "bincount: minlength must be non-negative, got %lld",
                     (long long)minlength);
  tg_op *op = tgi_op_new(x->g, &bincount_class, BC_COUNT, n > 1 ? TG_FLOAT64 : TG_INT64, 1,
                         &minlength);
  tg_node *nd = op ? tgi_apply(op, n, in) : NULL;
  return nd ? nd->out[0] : NULL;
}
