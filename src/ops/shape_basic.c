/* shape_basic.c: the ops that turn shapes into values: Shape (the whole shape as an int64
   vector), Shape_i (one dim as an int64 scalar) and MakeVector (int64 scalars into a
   vector). Symbolic shape graphs (tg_infer_shape) are built from these. */
#include <stdio.h>

#include "shape_impl.h"

/* ---- Shape ---- */

static int shape_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  out->dtype = TG_INT64;
  out->ndim = 1;
  out->shape[0] = in[0]->type.ndim;
  return 1;
}

static tg_status shape_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)op, (void)n_in, (void)n_out;
  int64_t nd = in[0]->ndim;
  tg_array *o = out[0] ? out[0] : tgi_array_alloc(TG_INT64, 1, &nd, true, false);
  if (!o) return tgi_err_set(err, TG_ERR_NOMEM, "Shape: out of memory");
  if (o->ndim != 1 || o->shape[0] != nd) {
    return tgi_err_set(err, TG_ERR_SHAPE, "Shape: the given output has the wrong shape");
  }
  for (int64_t i = 0; i < nd; i++) *(int64_t *)(o->data + i * o->strides[0]) = in[0]->shape[i];
  out[0] = o;
  return TG_OK;
}

static void shape_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "Shape");
}

static bool shape_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                              tg_var **const *out_dims) {
  (void)in_dims;
  out_dims[0][0] = tgi_dim_const(g, nd->in[0]->type.ndim);
  return out_dims[0][0] != NULL;
}

static const tg_op_class shape_class = {
    .name = "Shape",
    .infer = shape_infer,
    .perform = shape_perform,
    .describe = shape_describe,
    .infer_shape = shape_infer_shape,
    .grad = tgi_shape_grad_none,
};

tg_var *tg_shape(tg_var *x) {
  if (!tgi_check_inputs("shape", 1, &x)) return NULL;
  tg_op *op = tgi_op_new(x->g, &shape_class, 0, TG_INT64, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Shape_i ---- */

static int shape_i_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                         tg_type *out) {
  (void)g, (void)op, (void)n_in, (void)in;
  out->dtype = TG_INT64;
  out->ndim = 0;
  return 1;
}

static tg_status shape_i_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                 tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int64_t i = op->params[0];
  if (i >= in[0]->ndim)
    return tgi_err_set(err, TG_ERR_VALUE, "Shape_i{%lld}: input has rank %d", (long long)i,
                       in[0]->ndim);
  tg_array *o = out[0] ? out[0] : tgi_array_alloc(TG_INT64, 0, NULL, true, false);
  if (!o) return tgi_err_set(err, TG_ERR_NOMEM, "Shape_i: out of memory");
  if (o->ndim != 0) return tgi_err_set(err, TG_ERR_SHAPE, "Shape_i: the given output is not 0-d");
  *(int64_t *)o->data = in[0]->shape[i];
  out[0] = o;
  return TG_OK;
}

static void shape_i_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Shape_i{%lld}", (long long)op->params[0]);
}

static bool scalar_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  (void)g, (void)nd, (void)in_dims, (void)out_dims; /* 0-d output: no dims */
  return true;
}

static const tg_op_class shape_i_class = {
    .name = "Shape_i",
    .infer = shape_i_infer,
    .perform = shape_i_perform,
    .describe = shape_i_describe,
    .infer_shape = scalar_infer_shape,
    .grad = tgi_shape_grad_none,
};

tg_var *tg_shape_i(tg_var *x, int i) {
  if (!tgi_check_inputs("shape_i", 1, &x)) return NULL;
  int nd = x->type.ndim;
  if (i < -nd || i >= nd)
    return tgi_gfail(x->g, TG_ERR_VALUE, "shape_i: dim %d is out of range for a rank-%d tensor",
                     i, nd);
  if (i < 0) i += nd;
  if (x->type.shape[i] >= 0) return tgi_dim_const(x->g, x->type.shape[i]);
  int64_t p = i;
  tg_op *op = tgi_op_new(x->g, &shape_i_class, 0, TG_INT64, 1, &p);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  return n ? n->out[0] : NULL;
}

/* ---- MakeVector ---- */

static int mkvec_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)op;
  for (int i = 0; i < n_in; i++)
    if (in[i]->type.dtype != TG_INT64 || in[i]->type.ndim != 0) {
      char t[160];
      tgi_gfail(g, TG_ERR_TYPE, "make_vector: input %d must be an int64 scalar, got %s", i,
                tgi_type_str(&in[i]->type, t, sizeof t));
      return -1;
    }
  out->dtype = TG_INT64;
  out->ndim = 1;
  out->shape[0] = n_in;
  return 1;
}

static tg_status mkvec_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)op, (void)n_out;
  int64_t n = n_in;
  tg_array *o = out[0] ? out[0] : tgi_array_alloc(TG_INT64, 1, &n, true, false);
  if (!o) return tgi_err_set(err, TG_ERR_NOMEM, "MakeVector: out of memory");
  if (o->ndim != 1 || o->shape[0] != n)
    return tgi_err_set(err, TG_ERR_SHAPE, "MakeVector: the given output has the wrong shape");
  for (int i = 0; i < n_in; i++) *(int64_t *)(o->data + i * o->strides[0]) = *(int64_t *)in[i]->data;
  out[0] = o;
  return TG_OK;
}

static void mkvec_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "MakeVector");
}

static bool mkvec_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                              tg_var **const *out_dims) {
  (void)in_dims;
  out_dims[0][0] = tgi_dim_const(g, nd->n_in);
  return out_dims[0][0] != NULL;
}

static const tg_op_class mkvec_class = {
    .name = "MakeVector",
    .infer = mkvec_infer,
    .perform = mkvec_perform,
    .describe = mkvec_describe,
    .infer_shape = mkvec_infer_shape,
    .grad = tgi_shape_grad_none,
};

tg_var *tg_make_vector(tg_graph *g, int n, tg_var *const *scalars) {
  if (!g) return tgi_fail(TG_ERR_ARG, "make_vector: graph is NULL"), NULL;
  if (n < 0 || (n > 0 && !scalars))
    return tgi_gfail(g, TG_ERR_ARG, "make_vector: bad count %d", n);
  if (n == 0) {
    tg_array *e = tgi_array_alloc(TG_INT64, 1, (int64_t[]){0}, true, false);
    if (!e) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory making a constant");
    tg_var *c = tgi_const_new(g, e, TGW_NONE);
    tg_array_unref(e);
    return c;
  }
  if (!tgi_check_inputs("make_vector", n, scalars)) return NULL;
  if (scalars[0]->g != g) return tgi_gfail(g, TG_ERR_ARG, "make_vector: inputs belong to another graph");
  tg_op *op = tgi_op_new(g, &mkvec_class, 0, TG_INT64, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, n, scalars) : NULL;
  return nd ? nd->out[0] : NULL;
}

const tgi_op_info tgi_catalogue_shape_basic[] = {
    {"shape", "shape", 1, "all -> int64", "not differentiable", "",
     "the shape of x as an int64 vector"},
    {"shape_i", "shape", 1, "all -> int64", "not differentiable", "",
     "one dim of x as an int64 scalar"},
    {"make_vector", "shape", -1, "int64", "not differentiable", "", "int64 scalars into a vector"},
};
const int tgi_catalogue_shape_basic_n =
    (int)(sizeof tgi_catalogue_shape_basic / sizeof tgi_catalogue_shape_basic[0]);
