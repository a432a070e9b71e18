/* shape_ops.c: Reshape (a view when the input's strides allow, as numpy's reshape), flatten
   (a reshape), SpecifyShape, the internal ShapeElem op that shape rules use to read one
   element of a shape vector, the helpers of shape_impl.h, and the catalogue rows of the
   whole shape-op family (dimshuffle.c, join.c, alloc.c). */
#include <stdio.h>

#include "shape_impl.h"

/* ---- helpers (shape_impl.h) ---- */

static bool is_op(const tg_var *v, const char *cls_name) {
  return v->kind == TGV_RESULT && strcmp(v->owner->op->cls->name, cls_name) == 0;
}

bool tgi_static_scalar(const tg_var *v, int64_t *out) {
  if (v->kind != TGV_CONSTANT || v->value->ndim != 0 || tg_dtype_is_float(v->value->dtype))
    return false;
  *out = tgi_load_i64(v->value->data, v->value->dtype);
  return true;
}

bool tgi_static_vec_elem(const tg_var *v, int i, int64_t *out) {
  if (v->type.ndim != 1 || i < 0 || (v->type.shape[0] >= 0 && i >= v->type.shape[0]))
    return false;
  if (v->kind == TGV_CONSTANT) {
    const tg_array *a = v->value;
    if (tg_dtype_is_float(a->dtype) || i >= a->shape[0]) return false;
    *out = tgi_load_i64(a->data + i * a->strides[0], a->dtype);
    return true;
  }
  if (is_op(v, "MakeVector")) return i < v->owner->n_in && tgi_static_scalar(v->owner->in[i], out);
  if (is_op(v, "Shape")) { /* the static dims of a tensor are known without its value */
    const tg_type *t = &v->owner->in[0]->type;
    if (i >= t->ndim || t->shape[i] < 0) return false;
    *out = t->shape[i];
    return true;
  }
  return false;
}

char *tgi_dims_str(int n, const int64_t *d, int64_t unknown, char *buf, size_t size) {
  size_t k = (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < n && k < size; i++) {
    if (d[i] == unknown) k += (size_t)snprintf(buf + k, size - k, i ? ", ?" : "?");
    else k += (size_t)snprintf(buf + k, size - k, i ? ", %lld" : "%lld", (long long)d[i]);
  }
  if (k < size) snprintf(buf + k, size - k, n == 1 ? ",)" : ")");
  return buf;
}

tg_status tgi_shape_deliver(const char *opname, tg_array **out, tg_array *v, tgi_err *err) {
  if (!v) {
    tg_status st = tg_errstatus() != TG_OK ? tg_errstatus() : TG_ERR_RUNTIME;
    return tgi_err_set(err, st, "%s: %s", opname, tg_errmsg());
  }
  if (!*out) {
    *out = v;
    return TG_OK;
  }
  tg_array *o = *out;
  if (o->ndim != v->ndim || memcmp(o->shape, v->shape, sizeof(int64_t) * (size_t)v->ndim) != 0) {
    char b1[256], b2[256];
    tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s, expected %s", opname,
                tgi_shape_str(o->ndim, o->shape, b1, sizeof b1),
                tgi_shape_str(v->ndim, v->shape, b2, sizeof b2));
    tg_array_unref(v);
    return err->status;
  }
  tg_status st = tg_array_copy_into(o, v);
  tg_array_unref(v);
  if (st != TG_OK) return tgi_err_set(err, st, "%s: %s", opname, tg_errmsg());
  return TG_OK;
}

tg_status tgi_reshape_resolve(const char *opname, int64_t size, int n, const int64_t *dims,
                              int64_t *res, tgi_err *err) {
  char b[512];
  int unknown = -1;
  int64_t prod = 1;
  bool overflow = false, zero = false;
  for (int i = 0; i < n; i++) {
    if (dims[i] == -1) {
      if (unknown >= 0)
        return tgi_err_set(err, TG_ERR_VALUE,
                           "%s: can only specify one unknown dimension (-1), got shape %s",
                           opname, tgi_shape_str(n, dims, b, sizeof b));
      unknown = i;
      continue;
    }
    if (dims[i] < 0)
      return tgi_err_set(err, TG_ERR_VALUE, "%s: negative dimension %lld in shape %s", opname,
                         (long long)dims[i], tgi_shape_str(n, dims, b, sizeof b));
    if (dims[i] == 0) zero = true;
    if (__builtin_mul_overflow(prod, dims[i], &prod)) overflow = true;
  }
  if (zero) prod = 0, overflow = false; /* a zero dim makes any product of the others harmless */
  bool ok;
  if (unknown >= 0) ok = !overflow && prod != 0 && size % prod == 0; /* numpy: -1 beside 0 fails */
  else ok = !overflow && prod == size;
  if (!ok)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: cannot reshape array of size %lld into shape %s",
                       opname, (long long)size, tgi_shape_str(n, dims, b, sizeof b));
  for (int i = 0; i < n; i++) res[i] = i == unknown ? size / prod : dims[i];
  return TG_OK;
}

tg_var *tgi_dims_product(tg_graph *g, int n, tg_var *const *dims) {
  int64_t c = 1;
  tg_var *p = NULL;
  for (int i = 0; i < n; i++) {
    int64_t v;
    if (!dims[i]) return NULL;
    if (tgi_static_scalar(dims[i], &v)) { /* fold constants so static sizes stay constants */
      if (__builtin_mul_overflow(c, v, &c)) c = INT64_MAX;
      continue;
    }
    p = p ? tg_mul(p, dims[i]) : dims[i];
  }
  if (!p) return tgi_dim_const(g, c);
  return c == 1 ? p : tg_mul(p, tgi_dim_const(g, c));
}

/* ---- ShapeElem: one element of an int64 vector, optionally -1 resolved as by reshape ---- */

enum { ELEM_PLAIN = 0, ELEM_RESHAPE = 1 };

static int elem_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)op, (void)n_in;
  for (int i = 0; i < n_in; i++)
    if (in[i]->type.dtype != TG_INT64 || in[i]->type.ndim != (i == 0 ? 1 : 0)) {
      char t[160];
      tgi_gfail(g, TG_ERR_TYPE, "ShapeElem: input %d has type %s", i,
                tgi_type_str(&in[i]->type, t, sizeof t));
      return -1;
    }
  out->dtype = TG_INT64;
  out->ndim = 0;
  return 1;
}

static tg_status elem_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const tg_array *v = in[0];
  int64_t i = op->params[0], n = v->shape[0], r;
  if (i >= n)
    return tgi_err_set(err, TG_ERR_SHAPE, "ShapeElem{%lld}: the vector has %lld elements",
                       (long long)i, (long long)n);
  if (op->code == ELEM_RESHAPE) {
    int64_t dims[TG_MAX_NDIM], res[TG_MAX_NDIM];
    if (n > TG_MAX_NDIM)
      return tgi_err_set(err, TG_ERR_SHAPE, "Reshape: %lld dims (at most %d)", (long long)n,
                         TG_MAX_NDIM);
    for (int64_t k = 0; k < n; k++) dims[k] = *(int64_t *)(v->data + k * v->strides[0]);
    if (tgi_reshape_resolve("Reshape", *(int64_t *)in[1]->data, (int)n, dims, res, err) != TG_OK)
      return err->status;
    r = res[i];
  } else {
    r = *(int64_t *)(v->data + i * v->strides[0]);
  }
  tg_array *o = out[0] ? out[0] : tgi_array_alloc(TG_INT64, 0, NULL, true, false);
  if (!o) return tgi_err_set(err, TG_ERR_NOMEM, "ShapeElem: out of memory");
  if (o->ndim != 0)
    return tgi_err_set(err, TG_ERR_SHAPE, "ShapeElem: the given output is not 0-d");
  *(int64_t *)o->data = r;
  out[0] = o;
  return TG_OK;
}

static void elem_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s{%lld}", op->code == ELEM_RESHAPE ? "ReshapeDim" : "ShapeElem",
           (long long)op->params[0]);
}

static bool scalar_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  (void)g, (void)nd, (void)in_dims, (void)out_dims; /* a 0-d output has no dims */
  return true;
}

static const tg_op_class elem_class = {
    .name = "ShapeElem",
    .infer = elem_infer,
    .perform = elem_perform,
    .describe = elem_describe,
    .infer_shape = scalar_infer_shape,
    .grad = tgi_shape_grad_none,
};

tg_var *tgi_shape_elem(tg_var *vec, int i, tg_var *size) {
  int64_t c;
  if (!vec) return NULL;
  if (tgi_static_vec_elem(vec, i, &c) && (!size || c >= 0)) return tgi_dim_const(vec->g, c);
  int64_t p = i;
  tg_op *op = tgi_op_new(vec->g, &elem_class, size ? ELEM_RESHAPE : ELEM_PLAIN, TG_INT64, 1, &p);
  tg_node *nd = op ? tgi_apply(op, size ? 2 : 1, (tg_var *[]){vec, size}) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Reshape ---- */

/* numpy's _attempt_nocopy_reshape for C order: strides giving a view of a (size > 0) with
   the new shape when a's strides allow one, false when only a copy will do. Dims of length
   1 are dropped from a first, since their strides do not matter. */
static bool nocopy_strides(const tg_array *a, int nn, const int64_t *nd, int64_t *ns) {
  int64_t od[TG_MAX_NDIM], os[TG_MAX_NDIM];
  int on = 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != 1) od[on] = a->shape[i], os[on++] = a->strides[i];
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = nd[ni], op = od[oi];
    while (np != op) { /* grow the smaller side until both cover the same elements */
      if (np < op) np *= nd[nj++];
      else op *= od[oj++];
    }
    for (int k = oi; k < oj - 1; k++) /* the old axes merged here must be contiguous */
      if (os[k] != od[k + 1] * os[k + 1]) return false;
    ns[nj - 1] = os[oj - 1];
    for (int k = nj - 1; k > ni; k--) ns[k - 1] = ns[k] * nd[k];
    ni = nj++;
    oi = oj++;
  }
  int64_t last = ni >= 1 ? ns[ni - 1] : (int64_t)tg_dtype_size(a->dtype);
  for (int k = ni; k < nn; k++) ns[k] = last; /* trailing 1s */
  return true;
}

/* C-order strides; overflow can only happen for an empty shape, whose strides are unused. */
static void c_strides(tg_dtype dt, int n, const int64_t *shape, int64_t *strides) {
  int64_t st = (int64_t)tg_dtype_size(dt);
  for (int i = n - 1; i >= 0; i--) {
    strides[i] = st;
    if (__builtin_mul_overflow(st, shape[i] ? shape[i] : 1, &st)) st = 0;
  }
}

static int reshape_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                         tg_type *out) {
  (void)n_in;
  int nd = (int)op->params[0];
  const tg_type *xt = &in[0]->type;
  int64_t req[TG_MAX_NDIM];
  bool all_known = true, x_known = true;
  int neg1 = 0;
  char b1[512], b2[160];
  for (int d = 0; d < nd; d++) {
    if (!tgi_static_vec_elem(in[1], d, &req[d])) {
      req[d] = INT64_MIN; /* unknown, printed as ? */
      all_known = false;
      continue;
    }
    if (req[d] == -1) neg1++;
    else if (req[d] < 0) {
      tgi_gfail(g, TG_ERR_VALUE, "reshape: negative dimension %lld in shape %s",
                (long long)req[d], tgi_dims_str(nd, req, INT64_MIN, b1, sizeof b1));
      return -1;
    }
  }
  if (neg1 > 1) {
    tgi_gfail(g, TG_ERR_VALUE, "reshape: can only specify one unknown dimension (-1), got shape %s",
              tgi_dims_str(nd, req, INT64_MIN, b1, sizeof b1));
    return -1;
  }
  int64_t xsize = 1;
  for (int d = 0; d < xt->ndim; d++)
    if (xt->shape[d] < 0 || __builtin_mul_overflow(xsize, xt->shape[d], &xsize)) x_known = false;
  out->dtype = xt->dtype;
  out->ndim = nd;
  for (int d = 0; d < nd; d++) out->shape[d] = req[d] >= 0 ? req[d] : -1;
  if (all_known && x_known) {
    tgi_err e = {TG_OK, ""};
    if (tgi_reshape_resolve("reshape", xsize, nd, req, out->shape, &e) != TG_OK) {
      tgi_gfail(g, e.status, "%s (x is %s)", e.msg, tgi_type_str(xt, b2, sizeof b2));
      return -1;
    }
  }
  return 1;
}

static tg_status reshape_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                 tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int nd = (int)op->params[0];
  tg_array *x = in[0];
  const tg_array *s = in[1];
  if (s->ndim != 1 || s->shape[0] != nd)
    return tgi_err_set(err, TG_ERR_SHAPE, "Reshape: the shape vector does not have %d elements",
                       nd);
  int64_t req[TG_MAX_NDIM], shp[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) req[d] = *(int64_t *)(s->data + d * s->strides[0]);
  if (tgi_reshape_resolve("Reshape", x->size, nd, req, shp, err) != TG_OK) return err->status;
  tg_array *src = x, *copy = NULL;
  if (x->size == 0 || tg_array_is_contiguous(x)) {
    c_strides(x->dtype, nd, shp, strides);
  } else if (!nocopy_strides(x, nd, shp, strides)) {
    copy = tg_array_copy(x); /* numpy copies too when no view has the new shape */
    if (!copy) return tgi_err_set(err, tg_errstatus(), "Reshape: %s", tg_errmsg());
    src = copy;
    c_strides(x->dtype, nd, shp, strides);
  }
  tg_array *v = tg_array_view(src, nd, shp, strides, 0);
  tg_array_unref(copy); /* the view holds its own reference */
  return tgi_shape_deliver("Reshape", out, v, err);
}

static void reshape_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Reshape{%lld}", (long long)op->params[0]);
}

/* Dim d is element d of the shape vector, a -1 resolved against the input's size. */
static bool reshape_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                tg_var **const *out_dims) {
  tg_var *size = NULL;
  for (int d = 0; d < nd->out[0]->type.ndim; d++) {
    if (nd->out[0]->type.shape[d] >= 0) {
      out_dims[0][d] = tgi_dim_const(g, nd->out[0]->type.shape[d]);
    } else {
      if (!size && !(size = tgi_dims_product(g, nd->in[0]->type.ndim, in_dims[0]))) return false;
      out_dims[0][d] = tgi_shape_elem(nd->in[1], d, size);
    }
    if (!out_dims[0][d]) return false;
  }
  return true;
}

static const tg_op_class reshape_class = {
    .name = "Reshape",
    .infer = reshape_infer,
    .perform = reshape_perform,
    .describe = reshape_describe,
    .infer_shape = reshape_infer_shape,
    .grad = tgi_reshape_grad,
};

tg_var *tg_reshape(tg_var *x, tg_var *shape) {
  if (!tgi_check_inputs("reshape", 2, (tg_var *[]){x, shape})) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL;
  char t[160];
  const tg_type *st = &shape->type;
  if (!tg_dtype_is_int(st->dtype) || st->ndim != 1)
    return tgi_gfail(g, TG_ERR_TYPE, "reshape: the shape must be an integer vector, got %s",
                     tgi_type_str(st, t, sizeof t));
  if (st->shape[0] < 0)
    return tgi_gfail(g, TG_ERR_TYPE,
                     "reshape: the length of the shape vector must be known at build time, got %s "
                     "(build it with tg_make_vector or use tg_reshape_to)",
                     tgi_type_str(st, t, sizeof t));
  if (st->shape[0] > TG_MAX_NDIM)
    return tgi_gfail(g, TG_ERR_VALUE, "reshape: %lld dims (at most %d)", (long long)st->shape[0],
                     TG_MAX_NDIM);
  if (st->dtype != TG_INT64) {
    if (shape->kind == TGV_CONSTANT) { /* convert now so its values stay visible to the type rule */
      tg_array *a = tg_array_astype(shape->value, TG_INT64);
      if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "reshape: out of memory");
      shape = tgi_const_new(g, a, TGW_NONE);
      tg_array_unref(a);
    } else {
      shape = tg_cast(shape, TG_INT64);
    }
    if (!shape) return NULL;
  }
  int64_t nd = st->shape[0];
  tg_op *op = tgi_op_new(g, &reshape_class, 0, x->type.dtype, 1, &nd);
  tg_node *n = op ? tgi_apply(op, 2, (tg_var *[]){x, shape}) : NULL;
  return n ? n->out[0] : NULL;
}

tg_var *tg_reshape_to(tg_var *x, int ndim, const int64_t *shape) {
  if (!tgi_check_inputs("reshape", 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (ndim < 0 || ndim > TG_MAX_NDIM || (ndim > 0 && !shape))
    return tgi_gfail(g, TG_ERR_ARG, "reshape: bad target rank %d or NULL shape", ndim);
  int64_t n = ndim;
  tg_array *a = tg_array_from_i64(1, &n, shape);
  if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "reshape: out of memory");
  tg_var *c = tgi_const_new(g, a, TGW_NONE);
  tg_array_unref(a);
  return c ? tg_reshape(x, c) : NULL;
}

tg_var *tg_flatten(tg_var *x, int ndim) {
  if (!tgi_check_inputs("flatten", 1, &x)) return NULL;
  tg_graph *g = x->g;
  int n = x->type.ndim, hi = n > 1 ? n : 1;
  if (ndim < 1 || ndim > hi)
    return tgi_gfail(g, TG_ERR_VALUE,
                     "flatten: ndim %d is out of range for a rank-%d tensor (1..%d)", ndim, n, hi);
  tg_var *dims[TG_MAX_NDIM], *tail[TG_MAX_NDIM];
  for (int d = 0; d < ndim - 1; d++)
    if (!(dims[d] = tg_shape_i(x, d))) return NULL;
  /* the last dim is the product of the rest, not -1: (0, 5) flattened to 1-d must not
     meet numpy's "-1 beside a zero dim" ambiguity */
  for (int d = ndim - 1; d < n; d++)
    if (!(tail[d - (ndim - 1)] = tg_shape_i(x, d))) return NULL;
  dims[ndim - 1] = tgi_dims_product(g, n - (ndim - 1), tail);
  if (!dims[ndim - 1]) return NULL;
  return tg_reshape(x, tg_make_vector(g, ndim, dims));
}

/* ---- SpecifyShape ---- */

static int spec_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  out->dtype = t->dtype;
  out->ndim = t->ndim;
  for (int d = 0; d < t->ndim; d++)
    out->shape[d] = op->params[d] >= 0 ? op->params[d] : t->shape[d];
  return 1;
}

static tg_status spec_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  bool ok = x->ndim == op->n_params;
  for (int d = 0; ok && d < x->ndim; d++) ok = op->params[d] < 0 || op->params[d] == x->shape[d];
  if (!ok) {
    char b1[512], b2[512];
    return tgi_err_set(err, TG_ERR_SHAPE, "SpecifyShape: expected shape %s, got %s",
                       tgi_dims_str(op->n_params, op->params, -1, b1, sizeof b1),
                       tgi_shape_str(x->ndim, x->shape, b2, sizeof b2));
  }
  return tgi_shape_deliver("SpecifyShape", out,
                           tg_array_view(x, x->ndim, x->shape, x->strides, 0), err);
}

static void spec_describe(const tg_op *op, char *buf, size_t n) {
  char b[512];
  tgi_dims_str(op->n_params, op->params, -1, b, sizeof b);
  snprintf(buf, n, "SpecifyShape{%s}", b);
}

static bool spec_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  for (int d = 0; d < nd->op->n_params; d++) {
    int64_t s = nd->op->params[d];
    out_dims[0][d] = s >= 0 ? tgi_dim_const(g, s) : in_dims[0][d];
    if (!out_dims[0][d]) return false;
  }
  return true;
}

static const tg_op_class spec_class = {
    .name = "SpecifyShape",
    .infer = spec_infer,
    .perform = spec_perform,
    .describe = spec_describe,
    .infer_shape = spec_infer_shape,
    .grad = tgi_specify_shape_grad,
};

tg_var *tg_specify_shape(tg_var *x, int ndim, const int64_t *shape) {
  if (!tgi_check_inputs("specify_shape", 1, &x)) return NULL;
  tg_graph *g = x->g;
  char t[160];
  if (ndim != x->type.ndim || (ndim > 0 && !shape))
    return tgi_gfail(g, TG_ERR_VALUE, "specify_shape: got %d dims for %s", ndim,
                     tgi_type_str(&x->type, t, sizeof t));
  for (int d = 0; d < ndim; d++) {
    if (shape[d] < -1)
      return tgi_gfail(g, TG_ERR_VALUE, "specify_shape: dim %d is %lld (use -1 for unknown)", d,
                       (long long)shape[d]);
    if (shape[d] >= 0 && x->type.shape[d] >= 0 && shape[d] != x->type.shape[d])
      return tgi_gfail(g, TG_ERR_SHAPE, "specify_shape: dim %d is statically %lld in %s, not %lld",
                       d, (long long)x->type.shape[d], tgi_type_str(&x->type, t, sizeof t),
                       (long long)shape[d]);
  }
  tg_op *op = tgi_op_new(g, &spec_class, 0, x->type.dtype, ndim, shape);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  return n ? n->out[0] : NULL;
}

/* ---- catalogue of the shape-op family ---- */

const tgi_op_info tgi_catalogue_shape_ops[] = {
    {"reshape", "shape", 2, "all", "yes", "",
     "new shape from an int64 vector (one -1 inferred); a view when strides allow"},
    {"flatten", "shape", 1, "all", "yes", "",
     "keep the first ndim-1 dims and collapse the rest (a reshape)"},
    {"specify_shape", "shape", 1, "all", "yes", "",
     "assert the runtime shape (-1 unknown) and make those dims static; a view"},
    {"dimshuffle", "shape", 1, "all", "yes", "",
     "permute dims, add broadcastable dims ('x' = -1), drop static-1 dims; a view"},
    {"transpose", "shape", 1, "all", "yes", "", "permute the dims (reversed by default); a view"},
    {"swapaxes", "shape", 1, "all", "yes", "", "exchange two dims; a view"},
    {"squeeze", "shape", 1, "all", "yes", "", "drop dims of static length 1; a view"},
    {"expand_dims", "shape", 1, "all", "yes", "", "insert a broadcastable dim; a view"},
    {"concatenate", "shape", -1, "all (promoted)", "yes", "",
     "join tensors along an existing axis (Theano's join)"},
    {"stack", "shape", -1, "all (promoted)", "yes", "", "join tensors along a new axis"},
    {"split", "shape", 1, "all", "yes", "",
     "split along an axis into pieces of given sizes (up to 8 outputs); views"},
    {"alloc", "shape", -1, "all", "yes (value)", "",
     "broadcast a value to a shape given by int scalars"},
    {"fill", "shape", 2, "all", "yes (value)", "", "broadcast a value to the shape of a tensor"},
    {"zeros", "shape", -1, "all", "not differentiable", "",
     "zeros of a dtype and a symbolic shape"},
    {"ones", "shape", -1, "all", "not differentiable", "", "ones of a dtype and a symbolic shape"},
    {"zeros_like", "shape", 1, "all", "yes (zero)", "", "zeros of x's shape and dtype"},
    {"ones_like", "shape", 1, "all", "yes (zero)", "", "ones of x's shape and dtype"},
    {"full", "shape", -1, "all", "yes (value)", "", "a value broadcast to a symbolic shape"},
    {"shape_elem", "shape", 1, "int64", "not differentiable", "",
     "internal: element i of a shape vector, for shape rules (ReshapeDim resolves -1)"},
};
const int tgi_catalogue_shape_ops_n =
    (int)(sizeof tgi_catalogue_shape_ops / sizeof tgi_catalogue_shape_ops[0]);
