/* create.c: ops that make arrays from scalars: Arange, Linspace, Eye and Tri. Their sizes
   are symbolic scalars, so the output length is known statically only when those are
   constants; the shape rules compute it from the scalars' values with elementwise ops,
   the same arithmetic the kernels use. Values follow numpy 1.24 exactly: arange stores
   start and start + step, then fills start + i * delta in the output dtype (delta being
   the difference of those two stored values), and linspace computes in float64. */
#include "extra_impl.h"

/* Check a 0-d input of a creation builder; intonly refuses floats. */
static bool scalar_arg(tg_graph *g, const char *name, const char *what, tg_var *v, bool intonly) {
  char t[160];
  if (v->g != g) {
    tgi_gfail(g, TG_ERR_ARG, "%s: %s belongs to another graph", name, what);
    return false;
  }
  if (v->type.ndim != 0 || (intonly && !tgx_is_intlike(v->type.dtype))) {
    tgi_gfail(g, TG_ERR_TYPE, "%s: %s must be %s scalar, got %s", name, what,
              intonly ? "an integer" : "a", tgi_type_str(&v->type, t, sizeof t));
    return false;
  }
  return true;
}

/* Resolve and check a result dtype. */
static bool out_dtype(tg_graph *g, const char *name, tg_dtype *dt) {
  if (*dt == TG_FLOATX) *dt = tg_config_floatx();
  if ((unsigned)*dt >= TG_NDTYPES) {
    tgi_gfail(g, TG_ERR_TYPE, "%s: invalid dtype %d", name, (int)*dt);
    return false;
  }
  return true;
}

/* ---- Arange: in = (start, stop, step); op->dtype = output ---- */

typedef struct {
  bool idom; /* all three are integers or bools: exact int64 arithmetic */
  int64_t len;
} arange_plan;

/* numpy's length ceil((stop - start) / step), clamped at 0. */
static tg_status arange_len(tg_array *const *v, arange_plan *pl, tgi_err *err) {
  pl->idom = true;
  for (int i = 0; i < 3; i++) pl->idom &= tgx_is_intlike(v[i]->dtype);
  if (pl->idom) {
    int64_t a = tgi_load_i64(v[0]->data, v[0]->dtype), b = tgi_load_i64(v[1]->data, v[1]->dtype);
    int64_t s = tgi_load_i64(v[2]->data, v[2]->dtype), d;
    if (s == 0) return tgi_err_set(err, TG_ERR_VALUE, "Arange: step is 0");
    if (__builtin_sub_overflow(b, a, &d))
      return tgi_err_set(err, TG_ERR_VALUE, "Arange: stop - start overflows int64");
    int64_t q = s == -1 ? (d == INT64_MIN ? INT64_MAX : -d) : d / s, rm = s == -1 ? 0 : d % s;
    if (rm != 0 && (rm > 0) == (s > 0)) q++; /* ceil */
    pl->len = q > 0 ? q : 0;
    return TG_OK;
  }
  double a = tgi_load_f64(v[0]->data, v[0]->dtype), b = tgi_load_f64(v[1]->data, v[1]->dtype);
  double s = tgi_load_f64(v[2]->data, v[2]->dtype);
  if (s == 0) return tgi_err_set(err, TG_ERR_VALUE, "Arange: step is 0");
  double q = ceil((b - a) / s);
  if (isnan(q) || q >= 9.2e18)
    return tgi_err_set(err, TG_ERR_VALUE, "Arange: the length of arange(%g, %g, %g) is %s", a, b,
                       s, isnan(q) ? "not a number" : "too large");
  pl->len = q > 0 ? (int64_t)q : 0;
  return TG_OK;
}

static int arange_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)g, (void)n_in;
  out->dtype = op->dtype;
  out->ndim = 1;
  out->shape[0] = -1;
  if (in[0]->kind == TGV_CONSTANT && in[1]->kind == TGV_CONSTANT && in[2]->kind == TGV_CONSTANT) {
    tgi_err e = {TG_OK, ""};
    arange_plan pl;
    tg_array *v[3] = {in[0]->value, in[1]->value, in[2]->value};
    if (arange_len(v, &pl, &e) == TG_OK) out->shape[0] = pl.len;
  }
  return 1;
}

static tg_status arange_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  arange_plan pl;
  if (arange_len(in, &pl, err) != TG_OK) return err->status;
  tg_array *r = tgx_out("Arange", out[0], op->dtype, 1, &pl.len, err);
  if (!r) return err->status;
  tg_dtype dt = op->dtype;
  int64_t n = pl.len, s = r->strides[0];
  char *q = r->data;
  /* the first two values, stored as numpy stores them (start + step in the inputs' domain) */
  if (pl.idom) {
    int64_t a = tgi_load_i64(in[0]->data, in[0]->dtype), st = tgi_load_i64(in[2]->data, in[2]->dtype);
    if (n > 0) tgi_store_i64(q, dt, a);
    if (n > 1) tgi_store_i64(q + s, dt, (int64_t)((uint64_t)a + (uint64_t)st));
  } else {
    double a = tgi_load_f64(in[0]->data, in[0]->dtype), st = tgi_load_f64(in[2]->data, in[2]->dtype);
    if (n > 0) tgi_store_f64(q, dt, a);
    if (n > 1) tgi_store_f64(q + s, dt, a + st);
  }
  if (dt == TG_FLOAT64) {
    double v0 = n > 1 ? *(double *)q : 0, d = n > 1 ? *(double *)(q + s) - v0 : 0;
    for (int64_t i = 2; i < n; i++) *(double *)(q + i * s) = v0 + (double)i * d;
  } else if (dt == TG_FLOAT32) { /* numpy's FLOAT_fill computes in float */
    float v0 = n > 1 ? *(float *)q : 0, d = n > 1 ? *(float *)(q + s) - v0 : 0;
    for (int64_t i = 2; i < n; i++) *(float *)(q + i * s) = v0 + (float)i * d;
  } else { /* integers: start + i * delta in the output dtype, wrapping */
    uint64_t v0 = n > 1 ? (uint64_t)tgi_load_i64(q, dt) : 0;
    uint64_t d = n > 1 ? (uint64_t)tgi_load_i64(q + s, dt) - v0 : 0;
    for (int64_t i = 2; i < n; i++) tgi_store_i64(q + i * s, dt, (int64_t)(v0 + (uint64_t)i * d));
  }
  out[0] = r;
  return TG_OK;
}

static void arange_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Arange{%s}", tg_dtype_name(op->dtype));
}

/* The kernel's length as a graph: -((start - stop) // step) for integers (a ceiling
   division), ceil((stop - start) / step) in float64 otherwise; clamped at 0. */
static bool arange_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  (void)in_dims;
  bool idom = true;
  for (int i = 0; i < 3; i++) idom &= tgx_is_intlike(nd->in[i]->type.dtype);
  tg_var *len;
  if (idom) {
    tg_var *a = tgx_as_i64(nd->in[0]), *b = tgx_as_i64(nd->in[1]), *s = tgx_as_i64(nd->in[2]);
    len = tg_neg(tg_floor_div(tg_sub(a, b), s));
  } else {
    tg_var *a = tg_cast(nd->in[0], TG_FLOAT64), *b = tg_cast(nd->in[1], TG_FLOAT64);
    tg_var *s = tg_cast(nd->in[2], TG_FLOAT64);
    len = tg_cast(tg_ceil(tg_true_div(tg_sub(b, a), s)), TG_INT64);
  }
  out_dims[0][0] = tg_maximum(len, tgi_dim_const(g, 0));
  return out_dims[0][0] != NULL;
}

static const tg_op_class arange_class = {
    .name = "Arange",
    .infer = arange_infer,
    .perform = arange_perform,
    .describe = arange_describe,
    .infer_shape = arange_infer_shape,
    .grad = tgx_arange_grad,
};

tg_var *tg_arange(tg_graph *g, tg_var *start, tg_var *stop, tg_var *step, tg_dtype dt) {
  if (!g) return tgi_fail(TG_ERR_ARG, "arange: graph is NULL"), NULL;
  tg_var *in[3] = {start, stop, step};
  if (!tgi_check_inputs("arange", 3, in)) return NULL;
  const char *what[3] = {"start", "stop", "step"};
  for (int i = 0; i < 3; i++)
    if (!scalar_arg(g, "arange", what[i], in[i], false)) return NULL;
  if (!out_dtype(g, "arange", &dt)) return NULL;
  if (dt == TG_BOOL)
    return tgi_gfail(g, TG_ERR_TYPE, "arange: bool results are not supported (numpy has no "
                                     "bool fill either); arange an integer and compare");
  if (start->kind == TGV_CONSTANT && stop->kind == TGV_CONSTANT && step->kind == TGV_CONSTANT) {
    tgi_err e = {TG_OK, ""};
    arange_plan pl;
    tg_array *v[3] = {start->value, stop->value, step->value};
    if (arange_len(v, &pl, &e) != TG_OK) /* say it now rather than at every call */
      return tgi_gfail(g, e.status, "arange: %s", e.msg + strlen("Arange: "));
  }
  tg_op *op = tgi_op_new(g, &arange_class, 0, dt, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 3, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Linspace: in = (start, stop, num); params[0] = endpoint ---- */

static int linspace_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                          tg_type *out) {
  (void)g, (void)n_in;
  int64_t num;
  out->dtype = op->dtype;
  out->ndim = 1;
  out->shape[0] = tgx_const_i64(in[2], &num) && num >= 0 ? num : -1;
  return 1;
}

static tg_status linspace_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                  tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int64_t num = tgi_load_i64(in[2]->data, in[2]->dtype);
  if (num < 0)
    return tgi_err_set(err, TG_ERR_VALUE, "Linspace: the number of samples, %lld, must be "
                       "non-negative", (long long)num);
  tg_array *r = tgx_out("Linspace", out[0], op->dtype, 1, &num, err);
  if (!r) return err->status;
  bool endpoint = op->params[0] != 0, integer = tg_dtype_is_int(op->dtype);
  double a = tgi_load_f64(in[0]->data, in[0]->dtype), b = tgi_load_f64(in[1]->data, in[1]->dtype);
  double delta = b - a, div = (double)(endpoint ? num - 1 : num), step = delta / div;
  for (int64_t i = 0; i < num; i++) {
    double y = (double)i; /* the steps of numpy.linspace, in its order */
    if (div > 0) y = step == 0 ? y / div * delta : y * step;
    else y = y * delta;
    y += a;
    if (endpoint && num > 1 && i == num - 1) y = b;
    if (integer) y = floor(y);
    tgi_store_f64(r->data + i * r->strides[0], op->dtype, y);
  }
  out[0] = r;
  return TG_OK;
}

static void linspace_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Linspace{%s%s}", tg_dtype_name(op->dtype), op->params[0] ? "" : ", endpoint=False");
}

static bool linspace_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                                 tg_var **const *out_dims) {
  (void)g, (void)in_dims;
  out_dims[0][0] = tgx_as_i64(nd->in[2]);
  return out_dims[0][0] != NULL;
}

static const tg_op_class linspace_class = {
    .name = "Linspace",
    .infer = linspace_infer,
    .perform = linspace_perform,
    .describe = linspace_describe,
    .infer_shape = linspace_infer_shape,
    .grad = tgx_linspace_grad,
};

tg_var *tg_linspace(tg_graph *g, tg_var *start, tg_var *stop, tg_var *num, bool endpoint,
                    tg_dtype dt) {
  if (!g) return tgi_fail(TG_ERR_ARG, "linspace: graph is NULL"), NULL;
  tg_var *in[3] = {start, stop, num};
  if (!tgi_check_inputs("linspace", 3, in)) return NULL;
  if (!scalar_arg(g, "linspace", "start", start, false) ||
      !scalar_arg(g, "linspace", "stop", stop, false) ||
      !scalar_arg(g, "linspace", "num", num, true) || !out_dtype(g, "linspace", &dt))
    return NULL;
  int64_t n;
  if (tgx_const_i64(num, &n) && n < 0)
    return tgi_gfail(g, TG_ERR_VALUE, "linspace: the number of samples, %lld, must be "
                     "non-negative", (long long)n);
  int64_t p = endpoint ? 1 : 0;
  tg_op *op = tgi_op_new(g, &linspace_class, 0, dt, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 3, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Eye / Tri: in = (n, m); params[0] = k ---- */

enum { MAT_EYE, MAT_TRI };

static int mat_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  out->dtype = op->dtype;
  out->ndim = 2;
  for (int i = 0; i < 2; i++) {
    int64_t v;
    out->shape[i] = tgx_const_i64(in[i], &v) && v >= 0 ? v : -1;
  }
  return 1;
}

static tg_status mat_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = op->cls->name;
  int64_t shape[2];
  for (int i = 0; i < 2; i++) {
    shape[i] = tgi_load_i64(in[i]->data, in[i]->dtype);
    if (shape[i] < 0)
      return tgi_err_set(err, TG_ERR_VALUE, "%s: %s is %lld; sizes must be non-negative", name,
                         i ? "m" : "n", (long long)shape[i]);
  }
  tg_array *r = tgx_out(name, out[0], op->dtype, 2, shape, err);
  if (!r) return err->status;
  int64_t k = op->params[0];
  for (int64_t i = 0; i < shape[0]; i++)
    for (int64_t j = 0; j < shape[1]; j++) {
      bool one = op->code == MAT_EYE ? j - i == k : j - i <= k;
      tgi_store_i64(r->data + i * r->strides[0] + j * r->strides[1], op->dtype, one);
    }
  out[0] = r;
  return TG_OK;
}

static void mat_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s{k=%lld, %s}", op->cls->name, (long long)op->params[0],
           tg_dtype_name(op->dtype));
}

static bool mat_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  (void)g, (void)in_dims;
  out_dims[0][0] = tgx_as_i64(nd->in[0]);
  out_dims[0][1] = tgx_as_i64(nd->in[1]);
  return out_dims[0][0] && out_dims[0][1];
}

static const tg_op_class eye_class = {
    .name = "Eye",
    .infer = mat_infer,
    .perform = mat_perform,
    .describe = mat_describe,
    .infer_shape = mat_infer_shape,
    .grad = tgx_grad_none,
};
static const tg_op_class tri_class = {
    .name = "Tri",
    .infer = mat_infer,
    .perform = mat_perform,
    .describe = mat_describe,
    .infer_shape = mat_infer_shape,
    .grad = tgx_grad_none,
};

static tg_var *mat_build(const char *name, int code, tg_graph *g, tg_var *n, tg_var *m, int k,
                         tg_dtype dt) {
  if (!g) return tgi_fail(TG_ERR_ARG, "%s: graph is NULL", name), NULL;
  if (!m) m = n;
  tg_var *in[2] = {n, m};
  if (!tgi_check_inputs(name, 2, in)) return NULL;
  if (!scalar_arg(g, name, "n", n, true) || !scalar_arg(g, name, "m", m, true) ||
      !out_dtype(g, name, &dt))
    return NULL;
  for (int i = 0; i < 2; i++) {
    int64_t v;
    if (tgx_const_i64(in[i], &v) && v < 0)
      return tgi_gfail(g, TG_ERR_VALUE, "%s: %s is %lld; sizes must be non-negative", name,
                       i ? "m" : "n", (long long)v);
  }
  int64_t p = k;
  tg_op *op = tgi_op_new(g, code == MAT_EYE ? &eye_class : &tri_class, code, dt, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_eye(tg_graph *g, tg_var *n, tg_var *m, int k, tg_dtype dt) {
  return mat_build("eye", MAT_EYE, g, n, m, k, dt);
}

tg_var *tg_tri(tg_graph *g, tg_var *n, tg_var *m, int k, tg_dtype dt) {
  return mat_build("tri", MAT_TRI, g, n, m, k, dt);
}
