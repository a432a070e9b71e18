/* nnet_softmax.c: the Softmax and LogSoftmax ops over one axis of a tensor of any rank:
   type rule, symbolic shape (the input's), display, the reference kernel and the builders.
   Both are computed stably per lane along the axis by subtracting the lane's maximum
   before exponentiating, in double precision whatever the float dtype. */
#include <math.h>
#include <stdio.h>

#include "nnet_impl.h"

/* op->code: which of the two; op->params[0]: the axis (normalised, >= 0); op->dtype: the
   float dtype of input and output. */
enum { SM_SOFTMAX = TGI_SM_SOFTMAX, SM_LOG_SOFTMAX = TGI_SM_LOG_SOFTMAX };

static int sm_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *t = &in[0]->type;
  if (t->dtype != op->dtype || op->params[0] >= t->ndim) { /* the builders never do this */
    char b[160];
    tgi_gfail(g, TG_ERR_TYPE, "%s: needs a %s tensor of rank > %lld, got %s", op->cls->name,
              tg_dtype_name(op->dtype), (long long)op->params[0], tgi_type_str(t, b, sizeof b));
    return -1;
  }
  out->dtype = t->dtype;
  out->ndim = t->ndim;
  memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  return 1;
}

static void sm_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s{axis=%lld}", op->cls->name, (long long)op->params[0]);
}

static bool sm_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) out_dims[0][d] = in_dims[0][d];
  return true;
}

/* One lane of n values (n >= 1) in buf, overwritten with the result. The maximum takes
   NaN if there is one, so a lane holding NaN is all NaN; a lane of -inf gives
   -inf - -inf = NaN and one holding +inf gives inf - inf = NaN, as numpy computes it. */
static void lane(double *buf, int64_t n, bool logp) {
  double m = buf[0];
  for (int64_t j = 1; j < n && !isnan(m); j++)
    if (buf[j] > m || isnan(buf[j])) m = buf[j];
  double s = 0;
  if (logp) {
    for (int64_t j = 0; j < n; j++) buf[j] -= m, s += exp(buf[j]);
    double ls = log(s);
    for (int64_t j = 0; j < n; j++) buf[j] -= ls;
  } else {
    for (int64_t j = 0; j < n; j++) buf[j] = exp(buf[j] - m), s += buf[j];
    for (int64_t j = 0; j < n; j++) buf[j] /= s;
  }
}

static tg_status sm_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = op->cls->name;
  const tg_array *x = in[0];
  int axis = (int)op->params[0], nd = x->ndim;
  char s1[128], s2[128];
  if (axis >= nd)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: axis %d is out of range for an input of shape %s",
                       name, axis, tgi_shape_str(nd, x->shape, s1, sizeof s1));
  tg_array *o = out[0];
  if (o) {
    bool same = o->ndim == nd && o->dtype == op->dtype;
    for (int d = 0; same && d < nd; d++) same = o->shape[d] == x->shape[d];
    if (!same)
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "%s: the given output has shape %s (%s), expected %s (%s)", name,
                         tgi_shape_str(o->ndim, o->shape, s1, sizeof s1),
                         tg_dtype_name(o->dtype), tgi_shape_str(nd, x->shape, s2, sizeof s2),
                         tg_dtype_name(op->dtype));
  }
  int64_t n = x->shape[axis];
  double *buf = NULL;
  if (x->size > 0 && !(buf = tgi_malloc(sizeof(double) * (size_t)n)))
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  if (!o && !(o = tgi_array_alloc(op->dtype, nd, x->shape, true, false))) {
    tgi_free(buf);
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  }
  if (x->size > 0) {
    /* walk every lane: an index over the other dims (the axis held at 0) */
    int64_t lanes[TG_MAX_NDIM], idx[TG_MAX_NDIM];
    for (int d = 0; d < nd; d++) lanes[d] = d == axis ? 1 : x->shape[d], idx[d] = 0;
    int64_t xs = x->strides[axis], os = o->strides[axis];
    bool logp = op->code == SM_LOG_SOFTMAX;
    do {
      const char *px = x->data;
      char *po = o->data;
      for (int d = 0; d < nd; d++) px += idx[d] * x->strides[d], po += idx[d] * o->strides[d];
      for (int64_t j = 0; j < n; j++) buf[j] = tgi_load_f64(px + j * xs, x->dtype);
      lane(buf, n, logp);
      for (int64_t j = 0; j < n; j++) tgi_store_f64(po + j * os, o->dtype, buf[j]);
    } while (tgi_next_index(nd, lanes, idx));
  }
  tgi_free(buf);
  out[0] = o;
  return TG_OK;
}

static const tg_op_class softmax_class = {
    .name = "Softmax",
    .infer = sm_infer,
    .perform = sm_perform,
    .describe = sm_describe,
    .infer_shape = sm_infer_shape,
    .grad = tgi_softmax_grad,
};

static const tg_op_class log_softmax_class = {
    .name = "LogSoftmax",
    .infer = sm_infer,
    .perform = sm_perform,
    .describe = sm_describe,
    .infer_shape = sm_infer_shape,
    .grad = tgi_softmax_grad,
};

/* Check the axis, convert integer input to float (the elementwise float rule) and build. */
static tg_var *build(int code, const char *name, tg_var *x, int axis) {
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL;
  int nd = x->type.ndim;
  if (nd == 0)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: needs a tensor of rank >= 1, got a 0-d %s", name,
                     tg_dtype_name(x->type.dtype));
  if (axis < -nd || axis >= nd)
    return tgi_gfail(g, TG_ERR_VALUE, "%s: axis %d is out of range for a rank-%d tensor", name,
                     axis, nd);
  if (axis < 0) axis += nd;
  tg_dtype dt = x->type.dtype;
  if (!tg_dtype_is_float(dt)) {
    dt = tg_dtype_size(dt) <= 2 ? TG_FLOAT32 : TG_FLOAT64;
    if (!(x = tg_cast(x, dt))) return NULL;
  }
  int64_t p = axis;
  tg_op *op = tgi_op_new(g, code == SM_SOFTMAX ? &softmax_class : &log_softmax_class, code, dt,
                         1, &p);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  return n ? n->out[0] : NULL;
}

tg_var *tg_softmax(tg_var *x, int axis) { return build(SM_SOFTMAX, "softmax", x, axis); }

tg_var *tg_log_softmax(tg_var *x, int axis) {
  return build(SM_LOG_SOFTMAX, "log_softmax", x, axis);
}
