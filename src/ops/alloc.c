/* alloc.c: Alloc (Theano's alloc: a value broadcast into a new array of a shape given by
   int64 scalars) and the builders made of it: fill, zeros, ones, zeros_like, ones_like,
   full, with static-shape conveniences. The result is always a fresh array. */
#include <stdio.h>

#include "shape_impl.h"

/* Inputs: the value, then one int64 scalar per output dim; no params. */

static int alloc_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)op;
  int n = n_in - 1;
  const tg_type *vt = &in[0]->type;
  char tb[160], b[512];
  if (vt->ndim > n) {
    tgi_gfail(g, TG_ERR_TYPE, "alloc: the value %s has more dims than the %d-d shape",
              tgi_type_str(vt, tb, sizeof tb), n);
    return -1;
  }
  for (int d = 0; d < n; d++) {
    const tg_var *dv = in[1 + d];
    if (dv->type.dtype != TG_INT64 || dv->type.ndim != 0) {
      tgi_gfail(g, TG_ERR_TYPE, "alloc: dim %d must be an int64 scalar, got %s", d,
                tgi_type_str(&dv->type, tb, sizeof tb));
      return -1;
    }
    int64_t c, v = -1;
    int vd = d - (n - vt->ndim);
    if (vd >= 0) v = vt->shape[vd];
    if (tgi_static_scalar(dv, &c)) {
      if (c < 0) {
        tgi_gfail(g, TG_ERR_VALUE, "alloc: negative dimension %lld at axis %d", (long long)c, d);
        return -1;
      }
      out->shape[d] = c;
    } else {
      out->shape[d] = v >= 0 && v != 1 ? v : -1; /* a non-1 value dim fixes the output's */
    }
    if (v >= 0 && v != 1 && out->shape[d] != v) {
      for (int k = 0; k < n; k++) /* the shape as far as it is known, for the message */
        if (!tgi_static_scalar(in[1 + k], &out->shape[k])) out->shape[k] = INT64_MIN;
      tgi_gfail(g, TG_ERR_SHAPE, "alloc: the value %s does not broadcast to shape %s",
                tgi_type_str(vt, tb, sizeof tb),
                tgi_dims_str(n, out->shape, INT64_MIN, b, sizeof b));
      return -1;
    }
  }
  out->dtype = vt->dtype;
  out->ndim = n;
  return 1;
}

static tg_status alloc_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)op, (void)n_out;
  int n = n_in - 1;
  tg_array *v = in[0];
  int64_t shape[TG_MAX_NDIM], bstrides[TG_MAX_NDIM];
  char b1[256], b2[256];
  for (int d = 0; d < n; d++) {
    shape[d] = *(int64_t *)in[1 + d]->data;
    if (shape[d] < 0)
      return tgi_err_set(err, TG_ERR_VALUE, "Alloc: negative dimension %lld at axis %d",
                         (long long)shape[d], d);
  }
  for (int d = 0; d < n; d++) { /* numpy broadcasting of the value's trailing dims */
    int vd = d - (n - v->ndim);
    if (vd < 0 || (v->shape[vd] == 1 && shape[d] != 1)) bstrides[d] = 0;
    else if (v->shape[vd] == shape[d]) bstrides[d] = v->strides[vd];
    else
      return tgi_err_set(err, TG_ERR_SHAPE, "Alloc: a value of shape %s does not broadcast to %s",
                         tgi_shape_str(v->ndim, v->shape, b1, sizeof b1),
                         tgi_shape_str(n, shape, b2, sizeof b2));
  }
  tg_array *o = out[0];
  if (!o) {
    if (!(o = tgi_array_alloc(v->dtype, n, shape, true, false)))
      return tgi_err_set(err, tg_errstatus(), "Alloc: %s", tg_errmsg());
  } else if (o->ndim != n || memcmp(o->shape, shape, sizeof(int64_t) * (size_t)n) != 0) {
    return tgi_err_set(err, TG_ERR_SHAPE, "Alloc: the given output has shape %s, expected %s",
                       tgi_shape_str(o->ndim, o->shape, b1, sizeof b1),
                       tgi_shape_str(n, shape, b2, sizeof b2));
  }
  if (o->size > 0) {
    tg_array *bv = tg_array_view(v, n, shape, bstrides, 0);
    tg_status st = bv ? tg_array_copy_into(o, bv) : tg_errstatus();
    tg_array_unref(bv);
    if (st != TG_OK) {
      tgi_err_set(err, st, "Alloc: %s", tg_errmsg());
      if (o != out[0]) tg_array_unref(o);
      return st;
    }
  }
  out[0] = o;
  return TG_OK;
}

static void alloc_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "Alloc");
}

/* The output dims are the dim inputs themselves. */
static bool alloc_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                              tg_var **const *out_dims) {
  (void)g, (void)in_dims;
  for (int d = 0; d < nd->n_in - 1; d++) out_dims[0][d] = nd->in[1 + d];
  return true;
}

static const tg_op_class alloc_class = {
    .name = "Alloc",
    .infer = alloc_infer,
    .perform = alloc_perform,
    .describe = alloc_describe,
    .infer_shape = alloc_infer_shape,
    .grad = tgi_alloc_grad,
};

tg_var *tg_alloc(tg_var *value, int ndim, tg_var *const *dims) {
  if (!tgi_check_inputs("alloc", 1, &value)) return NULL;
  tg_graph *g = value->g;
  if (ndim < 0 || ndim > TG_MAX_NDIM || (ndim > 0 && !dims))
    return tgi_gfail(g, TG_ERR_ARG, "alloc: bad rank %d or NULL dims", ndim);
  tg_var *in[1 + TG_MAX_NDIM];
  in[0] = value;
  for (int d = 0; d < ndim; d++) in[1 + d] = dims[d];
  if (!tgi_check_inputs("alloc", 1 + ndim, in)) return NULL;
  for (int d = 0; d < ndim; d++) { /* dims become int64 scalars, constants kept constant */
    tg_var *dv = in[1 + d];
    int64_t c;
    char tb[160];
    if (!tg_dtype_is_int(dv->type.dtype) || dv->type.ndim != 0)
      return tgi_gfail(g, TG_ERR_TYPE, "alloc: dim %d must be an integer scalar, got %s", d,
                       tgi_type_str(&dv->type, tb, sizeof tb));
    if (dv->type.dtype == TG_INT64) continue;
    in[1 + d] = tgi_static_scalar(dv, &c) ? tgi_dim_const(g, c) : tg_cast(dv, TG_INT64);
    if (!in[1 + d]) return NULL;
  }
  tg_op *op = tgi_op_new(g, &alloc_class, 0, value->type.dtype, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 1 + ndim, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* int64 constants for a static shape; false after recording an error. */
static bool const_dims(tg_graph *g, const char *name, int ndim, const int64_t *shape,
                       tg_var **dims) {
  if (ndim < 0 || ndim > TG_MAX_NDIM || (ndim > 0 && !shape)) {
    tgi_gfail(g, TG_ERR_ARG, "%s: bad rank %d or NULL shape", name, ndim);
    return false;
  }
  for (int d = 0; d < ndim; d++)
    if (!(dims[d] = tgi_dim_const(g, shape[d]))) return false;
  return true;
}

tg_var *tg_alloc_to(tg_var *value, int ndim, const int64_t *shape) {
  tg_var *dims[TG_MAX_NDIM];
  if (!tgi_check_inputs("alloc", 1, &value)) return NULL;
  return const_dims(value->g, "alloc", ndim, shape, dims) ? tg_alloc(value, ndim, dims) : NULL;
}

tg_var *tg_fill(tg_var *x, tg_var *value) {
  if (!tgi_check_inputs("fill", 2, (tg_var *[]){x, value})) return NULL;
  tg_graph *g = x->g;
  if (value->weak) { /* a Python scalar takes x's dtype, as numpy.full_like gives */
    tg_array *a = tg_array_astype(value->value, x->type.dtype);
    if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "fill: out of memory");
    value = tgi_const_new(g, a, TGW_NONE);
    tg_array_unref(a);
    if (!value) return NULL;
  }
  tg_var *dims[TG_MAX_NDIM];
  for (int d = 0; d < x->type.ndim; d++)
    if (!(dims[d] = tg_shape_i(x, d))) return NULL;
  return tg_alloc(value, x->type.ndim, dims);
}

tg_var *tg_zeros_like(tg_var *x) {
  if (!tgi_check_inputs("zeros_like", 1, &x)) return NULL;
  return tg_fill(x, tg_const_typed(x->g, x->type.dtype, 0));
}

tg_var *tg_ones_like(tg_var *x) {
  if (!tgi_check_inputs("ones_like", 1, &x)) return NULL;
  return tg_fill(x, tg_const_typed(x->g, x->type.dtype, 1));
}

tg_var *tg_full(tg_graph *g, int ndim, tg_var *const *dims, tg_var *value) {
  if (!g) return tgi_fail(TG_ERR_ARG, "full: graph is NULL"), NULL;
  if (!value) return tgi_gfail(g, TG_ERR_ARG, "full: value is NULL");
  if (value->g != g) return tgi_gfail(g, TG_ERR_ARG, "full: value belongs to another graph");
  return tg_alloc(value, ndim, dims);
}

tg_var *tg_zeros(tg_graph *g, int ndim, tg_var *const *dims, tg_dtype dt) {
  if (!g) return tgi_fail(TG_ERR_ARG, "zeros: graph is NULL"), NULL;
  tg_var *v = tg_const_typed(g, dt, 0);
  return v ? tg_alloc(v, ndim, dims) : NULL;
}

tg_var *tg_ones(tg_graph *g, int ndim, tg_var *const *dims, tg_dtype dt) {
  if (!g) return tgi_fail(TG_ERR_ARG, "ones: graph is NULL"), NULL;
  tg_var *v = tg_const_typed(g, dt, 1);
  return v ? tg_alloc(v, ndim, dims) : NULL;
}

tg_var *tg_full_to(tg_graph *g, int ndim, const int64_t *shape, tg_var *value) {
  tg_var *dims[TG_MAX_NDIM];
  if (!g) return tgi_fail(TG_ERR_ARG, "full: graph is NULL"), NULL;
  return const_dims(g, "full", ndim, shape, dims) ? tg_full(g, ndim, dims, value) : NULL;
}

tg_var *tg_zeros_to(tg_graph *g, int ndim, const int64_t *shape, tg_dtype dt) {
  tg_var *dims[TG_MAX_NDIM];
  if (!g) return tgi_fail(TG_ERR_ARG, "zeros: graph is NULL"), NULL;
  return const_dims(g, "zeros", ndim, shape, dims) ? tg_zeros(g, ndim, dims, dt) : NULL;
}

tg_var *tg_ones_to(tg_graph *g, int ndim, const int64_t *shape, tg_dtype dt) {
  tg_var *dims[TG_MAX_NDIM];
  if (!g) return tgi_fail(TG_ERR_ARG, "ones: graph is NULL"), NULL;
  return const_dims(g, "ones", ndim, shape, dims) ? tg_ones(g, ndim, dims, dt) : NULL;
}
