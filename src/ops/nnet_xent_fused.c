/* nnet_xent_fused.c: SoftmaxCrossentropyInt, categorical cross-entropy of softmax(x) with
   integer labels as one op (Theano's CrossentropySoftmaxArgmax1HotWithBias, without the
   bias and argmax outputs). The stabilising rewrite makes it from
   categorical_crossentropy(softmax(x), labels): that graph takes log of a softmax that can
   underflow to 0 (inf loss, NaN gradient), while this op computes each row's
   logsumexp(x) - x[label] from the logits. Its second output is softmax(x), which the
   gradient (softmax(x) - one_hot(labels)) * gz reuses, so it is stable too. */
#include <math.h>
#include <stdio.h>

#include "blas_gemm.h"

static const char *const NAME = "SoftmaxCrossentropyInt";

/* Inputs: x (float matrix of op->dtype), labels (integer vector). Outputs: nll (n,) and
   softmax (n, k), both op->dtype. */
static int sx_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *x = &in[0]->type, *l = &in[1]->type;
  if (x->dtype != op->dtype || x->ndim != 2 || l->ndim != 1 || !tg_dtype_is_int(l->dtype) ||
      (x->shape[0] >= 0 && l->shape[0] >= 0 && x->shape[0] != l->shape[0])) {
    char b1[160], b2[160];
    tgi_gfail(g, TG_ERR_TYPE, "%s: needs a %s matrix and an integer vector with one label per "
              "row, got %s and %s", NAME, tg_dtype_name(op->dtype), tgi_type_str(x, b1, sizeof b1),
              tgi_type_str(l, b2, sizeof b2));
    return -1;
  }
  out[0].dtype = out[1].dtype = op->dtype;
  out[0].ndim = 1;
  out[0].shape[0] = x->shape[0] >= 0 ? x->shape[0] : l->shape[0];
  out[1].ndim = 2;
  out[1].shape[0] = out[0].shape[0];
  out[1].shape[1] = x->shape[1];
  return 2;
}

/* Check a caller-given output (NULL: none given). */
static bool out_ok(const tg_array *o, tg_dtype dt, int nd, const int64_t *shape) {
  if (!o) return true;
  if (o->ndim != nd || o->dtype != dt) return false;
  for (int d = 0; d < nd; d++)
    if (o->shape[d] != shape[d]) return false;
  return true;
}

static tg_status sx_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const tg_array *x = in[0], *l = in[1];
  int64_t rows = x->shape[0], k = x->shape[1];
  char s1[128];
  if (l->shape[0] != rows)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: %lld labels for logits of shape %s (one label "
                       "per row)", NAME, (long long)l->shape[0],
                       tgi_shape_str(2, x->shape, s1, sizeof s1));
  /* every label is checked before anything is written */
  for (int64_t i = 0; i < rows; i++) {
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    if (y < 0 || y >= k)
      return tgi_err_set(err, TG_ERR_VALUE, "%s: label %lld of row %lld is out of range for "
                         "%lld classes", NAME, (long long)y, (long long)i, (long long)k);
  }
  if (!out_ok(out[0], op->dtype, 1, &rows) || !out_ok(out[1], op->dtype, 2, x->shape))
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: a given output has the wrong shape or dtype "
                       "(expected (%lld,) and %s)", NAME, (long long)rows,
                       tgi_shape_str(2, x->shape, s1, sizeof s1));
  tg_array *nll = out[0], *sm = out[1];
  if (!nll) nll = tgi_array_alloc(op->dtype, 1, &rows, true, false);
  if (!sm) sm = tgi_array_alloc(op->dtype, 2, x->shape, true, false);
  if (!nll || !sm) {
    if (nll != out[0]) tg_array_unref(nll);
    if (sm != out[1]) tg_array_unref(sm);
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", NAME);
  }
  for (int64_t i = 0; i < rows; i++) {
    const char *px = x->data + i * x->strides[0];
    char *ps = sm->data + i * sm->strides[0];
    /* the maximum takes NaN if there is one, so such a row is NaN throughout, as the
       unfused log(softmax(x)) gives */
    double m = tgi_load_f64(px, x->dtype);
    for (int64_t j = 1; j < k && !isnan(m); j++) {
      double v = tgi_load_f64(px + j * x->strides[1], x->dtype);
      if (v > m || isnan(v)) m = v;
    }
    double s = 0;
    for (int64_t j = 0; j < k; j++) s += exp(tgi_load_f64(px + j * x->strides[1], x->dtype) - m);
    for (int64_t j = 0; j < k; j++) {
      double e = exp(tgi_load_f64(px + j * x->strides[1], x->dtype) - m);
      tgi_store_f64(ps + j * sm->strides[1], sm->dtype, e / s);
    }
    int64_t y = tgi_load_i64(l->data + i * l->strides[0], l->dtype);
    double xy = tgi_load_f64(px + y * x->strides[1], x->dtype);
    /* -(x[y] - m - log s): the shift m cancels exactly in exact arithmetic and costs at
       most an ulp here, where log(softmax) loses everything once exp underflows */
    tgi_store_f64(nll->data + i * nll->strides[0], nll->dtype, log(s) - (xy - m));
  }
  out[0] = nll;
  out[1] = sm;
  return TG_OK;
}

static void sx_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "%s", NAME);
}

static bool sx_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  (void)g, (void)nd;
  out_dims[0][0] = in_dims[0][0];
  out_dims[1][0] = in_dims[0][0];
  out_dims[1][1] = in_dims[0][1];
  return true;
}

/* nll[i] = logsumexp(x[i]) - x[i, y_i]: d nll[i] / dx[i, j] = sm[i, j] - (j == y_i), so
   gx = switch(j == y_i, sm - 1, sm) * gz[:, None], from the op's own softmax output (no
   division, nothing to overflow). A gradient reaching the softmax output adds softmax's
   rule (gs - sum(gs * sm, 1)) * sm. The labels get none. */
static bool sx_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *l = nd->in[1], *sm = nd->out[1];
  tg_dtype dt = x->type.dtype;
  tg_var *gx = NULL;
  if (og[0]) {
    tg_var *gz = og[0]->type.dtype == dt ? og[0] : tg_cast(og[0], dt);
    tg_var *cls = tg_arange(g, tg_const_i64(g, 0), tg_shape_i(x, 1), tg_const_i64(g, 1), TG_INT64);
    tg_var *mask = tg_eq(tg_dimshuffle(l, 2, (const int[]){0, -1}), cls);
    tg_var *d = tg_switch(mask, tg_sub(sm, tg_const_f64(g, 1)), sm);
    gx = tg_mul(d, tg_dimshuffle(gz, 2, (const int[]){0, -1}));
  }
  if (og[1]) {
    tg_var *gs = og[1]->type.dtype == dt ? og[1] : tg_cast(og[1], dt);
    int axis = 1;
    tg_var *r = tg_mul(tg_sub(gs, tg_sum(tg_mul(gs, sm), 1, &axis, true)), sm);
    gx = gx ? tg_add(gx, r) : r;
  }
  if (!gx) return true;
  return (ig[0] = tgi_grad_unbroadcast(gx, x)) != NULL;
}

static const tg_op_class sx_class = {
    .name = "SoftmaxCrossentropyInt",
    .infer = sx_infer,
    .perform = sx_perform,
    .describe = sx_describe,
    .infer_shape = sx_infer_shape,
    .grad = sx_grad,
};

tg_var *tgi_softmax_xent_int(tg_var *x, tg_var *labels, tg_var **sm) {
  if (sm) *sm = NULL;
  tg_var *in[2] = {x, labels};
  if (!tgi_check_inputs("softmax_crossentropy_int", 2, in)) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL;
  tg_dtype dt = x->type.dtype;
  if (!tg_dtype_is_float(dt))
    return tgi_gfail(g, TG_ERR_TYPE, "softmax_crossentropy_int: logits must be float, got %s",
                     tg_dtype_name(dt));
  tg_op *op = tgi_op_new(g, &sx_class, 0, dt, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  if (!nd) return NULL;
  if (sm) *sm = nd->out[1];
  return nd->out[0];
}
