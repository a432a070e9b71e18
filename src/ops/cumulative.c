/* cumulative.c: the cumulative ops CumSum and CumProd (along an axis or over x flattened)
   and Diff (n-th discrete difference along an axis): type and shape rules, reference
   kernels and builders. Integer results are computed in uint64 and wrap as numpy's do;
   float32 results are rounded to float32 at every step, since numpy accumulates in the
   array's own dtype. */
#include "extra_impl.h"

/* ---- CumSum / CumProd: params[0] = axis (TGX_NONE: flattened); op->dtype = output ---- */

enum { CUM_SUM, CUM_PROD };

static int cum_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  out->dtype = op->dtype;
  if (op->params[0] == TGX_NONE) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++) {
      if (t->shape[d] < 0 || __builtin_mul_overflow(n, t->shape[d], &n)) {
        n = -1;
        break;
      }
    }
    for (int d = 0; d < t->ndim && n < 0; d++)
      if (t->shape[d] == 0) n = 0; /* a zero dim makes the unknown ones harmless */
    out->ndim = 1;
    out->shape[0] = n;
  } else {
    out->ndim = t->ndim;
    memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  }
  return 1;
}

static tg_status cum_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = op->cls->name;
  int axis = (int)op->params[0];
  tg_array *x = in[0];
  if (axis == TGX_NONE) {
    if (!(x = tgx_flat(name, x, err))) return err->status;
    axis = 0;
  } else {
    tg_array_ref(x);
  }
  tg_array *r = tgx_out(name, out[0], op->dtype, x->ndim, x->shape, err);
  if (!r) {
    tg_array_unref(x);
    return err->status;
  }
  bool prod = op->code == CUM_PROD;
  int64_t n = x->shape[axis], sx = x->strides[axis], sr = r->strides[axis];
  tg_dtype dt = x->dtype;
  tgx_lines it;
  int64_t ox, orr;
  tgx_lines_begin(&it, x, r, axis);
  while (tgx_lines_next(&it, &ox, &orr)) {
    const char *p = x->data + ox;
    char *q = r->data + orr;
    if (op->dtype == TG_FLOAT64) {
      double acc = prod ? 1 : 0;
      for (int64_t i = 0; i < n; i++) {
        double v = tgi_load_f64(p + i * sx, dt);
        acc = prod ? acc * v : acc + v;
        *(double *)(q + i * sr) = acc;
      }
    } else if (op->dtype == TG_FLOAT32) {
      float acc = prod ? 1 : 0;
      for (int64_t i = 0; i < n; i++) {
        float v = *(const float *)(p + i * sx);
        acc = prod ? acc * v : acc + v;
        *(float *)(q + i * sr) = acc;
      }
    } else { /* int64 result of a bool or integer input */
      uint64_t acc = prod ? 1 : 0;
      for (int64_t i = 0; i < n; i++) {
        uint64_t v = (uint64_t)tgi_load_i64(p + i * sx, dt);
        acc = prod ? acc * v : acc + v;
        *(int64_t *)(q + i * sr) = (int64_t)acc;
      }
    }
  }
  tg_array_unref(x);
  out[0] = r;
  return TG_OK;
}

static const tg_op_class cumsum_class = {
    .name = "CumSum",
    .infer = cum_infer,
    .perform = cum_perform,
    .describe = tgx_axis_describe,
    .infer_shape = tgx_axis_infer_shape,
    .grad = tgx_cumsum_grad,
};
static const tg_op_class cumprod_class = {
    .name = "CumProd",
    .infer = cum_infer,
    .perform = cum_perform,
    .describe = tgx_axis_describe,
    .infer_shape = tgx_axis_infer_shape,
    .grad = tgx_cumprod_grad,
};

static tg_var *cum_build(const char *name, int code, tg_var *x, int axis) {
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (!tgx_axis(g, name, x->type.ndim, &axis, true)) return NULL;
  tg_dtype dt = tg_dtype_is_float(x->type.dtype) ? x->type.dtype : TG_INT64;
  int64_t p = axis;
  tg_op *op = tgi_op_new(g, code == CUM_SUM ? &cumsum_class : &cumprod_class, code, dt, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_cumsum(tg_var *x, int axis) { return cum_build("cumsum", CUM_SUM, x, axis); }
tg_var *tg_cumprod(tg_var *x, int axis) { return cum_build("cumprod", CUM_PROD, x, axis); }

/* ---- Diff: params[0] = n, params[1] = axis ---- */

static int diff_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  int64_t n = op->params[0], axis = op->params[1];
  out->dtype = t->dtype;
  out->ndim = t->ndim;
  memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  int64_t len = t->shape[axis];
  if (len >= 0) out->shape[axis] = len > n ? len - n : 0; /* else unknown, as len */
  return 1;
}

static tg_status diff_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int64_t n = op->params[0];
  int axis = (int)op->params[1];
  tg_array *x = in[0];
  int64_t shape[TG_MAX_NDIM];
  memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
  int64_t len = x->shape[axis], m = len > n ? len - n : 0;
  shape[axis] = m;
  tg_array *r = tgx_out("Diff", out[0], x->dtype, x->ndim, shape, err);
  if (!r) return err->status;
  tg_dtype dt = x->dtype;
  bool fdom = tg_dtype_is_float(dt);
  double *bd = NULL;
  int64_t *bi = NULL;
  if (m > 0 && r->size > 0) {
    if (fdom) bd = tgi_malloc(sizeof(double) * (size_t)len);
    else bi = tgi_malloc(sizeof(int64_t) * (size_t)len);
    if (!bd && !bi) {
      tgx_drop(r, out[0]);
      return tgi_err_set(err, TG_ERR_NOMEM, "Diff: out of memory");
    }
    tgx_lines it;
    int64_t ox, orr, sx = x->strides[axis], sr = r->strides[axis];
    tgx_lines_begin(&it, x, r, axis);
    while (tgx_lines_next(&it, &ox, &orr)) {
      tgx_load_keys(fdom, bd, bi, x->data + ox, sx, len, dt);
      for (int64_t k = 0, cur = len; k < n; k++, cur--) {
        for (int64_t i = 0; i + 1 < cur; i++) {
          if (dt == TG_FLOAT32) bd[i] = (float)(bd[i + 1] - bd[i]); /* numpy rounds each pass */
          else if (fdom) bd[i] = bd[i + 1] - bd[i];
          else if (dt == TG_BOOL) bi[i] = bi[i + 1] != bi[i]; /* numpy: not_equal */
          else bi[i] = (int64_t)((uint64_t)bi[i + 1] - (uint64_t)bi[i]); /* wraps mod 2^64 */
        }
      }
      char *q = r->data + orr;
      for (int64_t i = 0; i < m; i++) { /* narrowing stores wrap: the same as wrapping each pass */
        if (fdom) tgi_store_f64(q + i * sr, dt, bd[i]);
        else tgi_store_i64(q + i * sr, dt, bi[i]);
      }
    }
    tgi_free(bd);
    tgi_free(bi);
  }
  out[0] = r;
  return TG_OK;
}

static void diff_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Diff{n=%lld, axis=%lld}", (long long)op->params[0], (long long)op->params[1]);
}

static bool diff_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  int r = nd->in[0]->type.ndim, axis = (int)nd->op->params[1];
  for (int d = 0; d < r; d++) out_dims[0][d] = in_dims[0][d];
  tg_var *k = tgi_dim_const(g, nd->op->params[0]);
  tg_var *len = k ? tg_maximum(tg_sub(in_dims[0][axis], k), tgi_dim_const(g, 0)) : NULL;
  out_dims[0][axis] = len;
  return len != NULL;
}

static const tg_op_class diff_class = {
    .name = "Diff",
    .infer = diff_infer,
    .perform = diff_perform,
    .describe = diff_describe,
    .infer_shape = diff_infer_shape,
    .grad = tgx_diff_grad,
};

tg_var *tg_diff(tg_var *x, int n, int axis) {
  if (!tgi_check_inputs("diff", 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (x->type.ndim == 0)
    return tgi_gfail(g, TG_ERR_TYPE, "diff: x must have at least one dimension, got a 0-d %s",
                     tg_dtype_name(x->type.dtype));
  if (n < 0) return tgi_gfail(g, TG_ERR_VALUE, "diff: order n must be non-negative, got %d", n);
  if (!tgx_axis(g, "diff", x->type.ndim, &axis, false)) return NULL;
  int64_t p[2] = {n, axis};
  tg_op *op = tgi_op_new(g, &diff_class, 0, x->type.dtype, 2, p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}
