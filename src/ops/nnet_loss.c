/* nnet_loss.c: the losses of the neural-network family and one_hot. Two ops of their own,
   because they index with values and must check them at run time:
   CrossentropyCategorical1Hot (-log(coding[i, label_i]) per row) and OneHot (labels into
   a matrix of 0s and 1s). categorical_crossentropy with a distribution, binary_crossentropy
   and sigmoid_binary_crossentropy are elementwise (+ sum) graphs. */
#include <math.h>
#include <stdio.h>

#include "nnet_impl.h"

static tg_var *to_float(tg_var *x) {
  tg_dtype dt = x->type.dtype;
  if (tg_dtype_is_float(dt)) return x;
  return tg_cast(x, tg_dtype_size(dt) <= 2 ? TG_FLOAT32 : TG_FLOAT64);
}

/* The dtype a loss computes in: the prediction's float dtype (ints by the float rule),
   promoted with a float target's. An integer or bool target (0/1 labels) takes it too,
   where numpy would make 1 - bool an int64 and int64 * float32 a float64. */
static tg_dtype loss_dtype(const tg_var *pred, const tg_var *target) {
  tg_dtype p = pred->type.dtype;
  if (!tg_dtype_is_float(p)) p = tg_dtype_size(p) <= 2 ? TG_FLOAT32 : TG_FLOAT64;
  tg_dtype t = target->type.dtype;
  return tg_dtype_is_float(t) ? tg_dtype_promote(p, t) : p;
}

/* x converted to dt (no node when it already is); both operands are converted up front
   so that 1 - target and log(output) are computed in the final precision. */
static tg_var *as(tg_var *x, tg_dtype dt) {
  return x && x->type.dtype != dt ? tg_cast(x, dt) : x;
}

/* ---- CrossentropyCategorical1Hot: inputs coding (float matrix), labels (int vector) ---- */

static int xent_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                      tg_type *out) {
  (void)n_in;
  const tg_type *c = &in[0]->type, *l = &in[1]->type;
  if (c->dtype != op->dtype || c->ndim != 2 || l->ndim != 1 || !tg_dtype_is_int(l->dtype)) {
    char b1[160], b2[160]; /* the builder checks this first; a direct apply may not */
    tgi_gfail(g, TG_ERR_TYPE, "CrossentropyCategorical1Hot: needs a %s matrix and an integer "
              "vector, got %s and %s", tg_dtype_name(op->dtype), tgi_type_str(c, b1, sizeof b1),
              tgi_type_str(l, b2, sizeof b2));
    return -1;
  }
  out->dtype = op->dtype;
  out->ndim = 1;
  out->shape[0] = c->shape[0] >= 0 ? c->shape[0] : l->shape[0];
  return 1;
}

static tg_status xent_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = "CrossentropyCategorical1Hot";
  const tg_array *c = in[0], *l = in[1];
  int64_t rows = c->shape[0], k = c->shape[1];
  char s1[128], s2[128];
  if (l->shape[0] != rows)
    return tgi_err_set(err, TG_ERR_SHAPE,
                       "%s: %lld labels for a coding_dist of shape %s (one label per row)", name,
                       (long long)l->shape[0], tgi_shape_str(2, c->shape, s1, sizeof s1));
  /* check every label before touching the output, so nothing is half written */
  for (int64_t i = 0; i < rows; i++) {
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    if (y < 0 || y >= k)
      return tgi_err_set(err, TG_ERR_VALUE,
                         "%s: label %lld of row %lld is out of range for %lld classes", name,
                         (long long)y, (long long)i, (long long)k);
  }
  tg_array *o = out[0];
  if (o && (o->ndim != 1 || o->shape[0] != rows || o->dtype != op->dtype))
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s (%s), expected (%lld,)",
                       name, tgi_shape_str(o->ndim, o->shape, s2, sizeof s2),
                       tg_dtype_name(o->dtype), (long long)rows);
  if (!o && !(o = tgi_array_alloc(op->dtype, 1, &rows, true, false)))
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  for (int64_t i = 0; i < rows; i++) {
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    double p = tgi_load_f64(c->data + i * c->strides[0] + y * c->strides[1], c->dtype);
    tgi_store_f64(o->data + i * o->strides[0], o->dtype, -log(p));
  }
  out[0] = o;
  return TG_OK;
}

static void xent_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "CrossentropyCategorical1Hot");
}

/* One value per row of coding_dist (the labels agree at run time). */
static bool xent_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  (void)g, (void)nd;
  out_dims[0][0] = in_dims[0][0];
  return true;
}

static const tg_op_class xent_class = {
    .name = "CrossentropyCategorical1Hot",
    .infer = xent_infer,
    .perform = xent_perform,
    .describe = xent_describe,
    .infer_shape = xent_infer_shape,
    .grad = tgi_xent1hot_grad,
};

tg_var *tg_categorical_crossentropy(tg_var *coding_dist, tg_var *true_dist) {
  const char *name = "categorical_crossentropy";
  if (!tgi_check_inputs(name, 2, (tg_var *[]){coding_dist, true_dist})) return NULL;
  tg_graph *g = coding_dist->g;
  if (g->err.status != TG_OK) return NULL;
  const tg_type *c = &coding_dist->type, *t = &true_dist->type;
  char b1[160], b2[160];
  if (c->ndim == 0)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: coding_dist must have rank >= 1, got %s", name,
                     tgi_type_str(c, b1, sizeof b1));
  if (t->ndim == c->ndim) { /* a distribution (one-hot rows) per lane of the last axis */
    tg_dtype dt = loss_dtype(coding_dist, true_dist);
    tg_var *prod = tg_mul(as(true_dist, dt), tg_log(as(coding_dist, dt)));
    return tg_neg(tg_sum(prod, 1, (const int[]){-1}, false));
  }
  if (t->ndim != c->ndim - 1)
    return tgi_gfail(g, TG_ERR_TYPE,
                     "%s: true_dist must have coding_dist's rank (a distribution per row) or "
                     "one less (integer labels); got coding_dist %s and true_dist %s",
                     name, tgi_type_str(c, b1, sizeof b1), tgi_type_str(t, b2, sizeof b2));
  if (c->ndim != 2)
    return tgi_gfail(g, TG_ERR_TYPE,
                     "%s: with integer labels coding_dist must be a matrix (one row per "
                     "label); got coding_dist %s and true_dist %s",
                     name, tgi_type_str(c, b1, sizeof b1), tgi_type_str(t, b2, sizeof b2));
  if (!tg_dtype_is_int(t->dtype))
    return tgi_gfail(g, TG_ERR_TYPE,
                     "%s: labels (a true_dist vector) must be integers, got %s; pass a "
                     "distribution of coding_dist's rank instead, or cast the labels",
                     name, tgi_type_str(t, b2, sizeof b2));
  if (c->shape[0] >= 0 && t->shape[0] >= 0 && c->shape[0] != t->shape[0])
    return tgi_gfail(g, TG_ERR_SHAPE, "%s: %lld labels for %lld rows of coding_dist", name,
                     (long long)t->shape[0], (long long)c->shape[0]);
  tg_var *cf = to_float(coding_dist);
  if (!cf) return NULL;
  tg_op *op = tgi_op_new(g, &xent_class, 0, cf->type.dtype, 0, NULL);
  tg_node *n = op ? tgi_apply(op, 2, (tg_var *[]){cf, true_dist}) : NULL;
  return n ? n->out[0] : NULL;
}

tg_var *tg_binary_crossentropy(tg_var *output, tg_var *target) {
  if (!tgi_check_inputs("binary_crossentropy", 2, (tg_var *[]){output, target})) return NULL;
  tg_graph *g = output->g;
  if (g->err.status != TG_OK) return NULL;
  tg_dtype dt = loss_dtype(output, target);
  tg_var *o = as(output, dt);
  target = as(target, dt);
  /* log1p(-o) rather than log(1 - o): exact for small o, the same where 1 - o is exact */
  tg_var *pos = tg_mul(target, tg_log(o));
  tg_var *neg = tg_mul(tg_sub(tg_const_i64(g, 1), target), tg_log1p(tg_neg(o)));
  return tg_neg(tg_add(pos, neg));
}

tg_var *tg_sigmoid_binary_crossentropy(tg_var *logits, tg_var *target) {
  if (!tgi_check_inputs("sigmoid_binary_crossentropy", 2, (tg_var *[]){logits, target}))
    return NULL;
  tg_graph *g = logits->g;
  if (g->err.status != TG_OK) return NULL;
  tg_dtype dt = loss_dtype(logits, target);
  tg_var *x = as(logits, dt);
  target = as(target, dt);
  /* -(t log s(x) + (1-t) log s(-x)) = max(x, 0) - x t + log(1 + exp(-|x|)): exp never
     overflows and nothing cancels but the exact max(x, 0) - x t */
  tg_var *a = tg_sub(tg_maximum(x, tg_const_i64(g, 0)), tg_mul(x, target));
  return tg_add(a, tg_log1p(tg_exp(tg_neg(tg_abs(x)))));
}

/* ---- OneHot: labels (int vector) -> (n, n_classes) matrix; params[0] = n_classes ---- */

static int onehot_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)n_in;
  const tg_type *l = &in[0]->type;
  if (l->ndim != 1 || !tg_dtype_is_int(l->dtype)) {
    char b[160];
    tgi_gfail(g, TG_ERR_TYPE, "OneHot: needs an integer vector, got %s",
              tgi_type_str(l, b, sizeof b));
    return -1;
  }
  out->dtype = op->dtype;
  out->ndim = 2;
  out->shape[0] = l->shape[0];
  out->shape[1] = op->params[0];
  return 1;
}

static tg_status onehot_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const tg_array *l = in[0];
  int64_t shape[2] = {l->shape[0], op->params[0]};
  char s1[128];
  for (int64_t i = 0; i < shape[0]; i++) {
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    if (y < 0 || y >= shape[1])
      return tgi_err_set(err, TG_ERR_VALUE,
                         "OneHot: label %lld at position %lld is out of range for %lld classes",
                         (long long)y, (long long)i, (long long)shape[1]);
  }
  tg_array *o = out[0];
  if (o && (o->ndim != 2 || o->shape[0] != shape[0] || o->shape[1] != shape[1] ||
            o->dtype != op->dtype))
    return tgi_err_set(err, TG_ERR_SHAPE,
                       "OneHot: the given output has shape %s (%s), expected (%lld, %lld)",
                       tgi_shape_str(o->ndim, o->shape, s1, sizeof s1), tg_dtype_name(o->dtype),
                       (long long)shape[0], (long long)shape[1]);
  if (!o && !(o = tgi_array_alloc(op->dtype, 2, shape, true, false)))
    return tgi_err_set(err, TG_ERR_NOMEM, "OneHot: out of memory");
  for (int64_t i = 0; i < shape[0]; i++) {
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    char *row = o->data + i * o->strides[0];
    for (int64_t j = 0; j < shape[1]; j++)
      tgi_store_i64(row + j * o->strides[1], o->dtype, j == y);
  }
  out[0] = o;
  return TG_OK;
}

static void onehot_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "OneHot{n_classes=%lld, dtype=%s}", (long long)op->params[0],
           tg_dtype_name(op->dtype));
}

static bool onehot_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  out_dims[0][0] = in_dims[0][0];
  out_dims[0][1] = tgi_dim_const(g, nd->op->params[0]);
  return out_dims[0][1] != NULL;
}

static const tg_op_class onehot_class = {
    .name = "OneHot",
    .infer = onehot_infer,
    .perform = onehot_perform,
    .describe = onehot_describe,
    .infer_shape = onehot_infer_shape,
    .grad = tgi_onehot_grad,
};

tg_var *tg_one_hot(tg_var *labels, int64_t n_classes, tg_dtype dt) {
  if (!tgi_check_inputs("one_hot", 1, &labels)) return NULL;
  tg_graph *g = labels->g;
  if (g->err.status != TG_OK) return NULL;
  char b[160];
  if (labels->type.ndim != 1 || !tg_dtype_is_int(labels->type.dtype))
    return tgi_gfail(g, TG_ERR_TYPE, "one_hot: labels must be an integer vector, got %s",
                     tgi_type_str(&labels->type, b, sizeof b));
  if (n_classes < 0)
    return tgi_gfail(g, TG_ERR_VALUE, "one_hot: n_classes is %lld, must be >= 0",
                     (long long)n_classes);
  if (dt == TG_FLOATX) dt = tg_config_floatx();
  if ((unsigned)dt >= TG_NDTYPES)
    return tgi_gfail(g, TG_ERR_TYPE, "one_hot: invalid dtype %d", (int)dt);
  tg_op *op = tgi_op_new(g, &onehot_class, 0, dt, 1, &n_classes);
  tg_node *n = op ? tgi_apply(op, 1, &labels) : NULL;
  return n ? n->out[0] : NULL;
}
