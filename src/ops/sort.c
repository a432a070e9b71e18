/* sort.c: the ordering ops: Sort and Argsort (stable, NaNs last, along an axis or over x
   flattened), SearchSorted, Unique (sorted distinct values and counts) and UniqueCount,
   the internal op that gives Unique's length to shape graphs. Keys are compared as int64
   for integer and bool inputs and as double for floats (float32 is exact in double), so
   every dtype shares one merge sort (extra_util.c). */
#include "extra_impl.h"

/* Key buffers for n elements: doubles for a float domain, int64 otherwise. */
typedef struct {
  bool fdom;
  double *kd;
  int64_t *ki, *idx, *tmp;
} keybuf;

static bool keybuf_init(keybuf *k, bool fdom, int64_t n) {
  size_t m = (size_t)(n > 0 ? n : 1);
  k->fdom = fdom;
  k->kd = fdom ? tgi_malloc(sizeof(double) * m) : NULL;
  k->ki = fdom ? NULL : tgi_malloc(sizeof(int64_t) * m);
  k->idx = tgi_malloc(sizeof(int64_t) * m);
  k->tmp = tgi_malloc(sizeof(int64_t) * m);
  return (k->kd || k->ki) && k->idx && k->tmp;
}

static void keybuf_free(keybuf *k) {
  tgi_free(k->kd);
  tgi_free(k->ki);
  tgi_free(k->idx);
  tgi_free(k->tmp);
}

/* Load n keys at p (stride s) and sort their positions into k->idx. */
static void keybuf_sort(keybuf *k, const char *p, int64_t s, int64_t n, tg_dtype dt) {
  tgx_load_keys(k->fdom, k->kd, k->ki, p, s, n, dt);
  for (int64_t i = 0; i < n; i++) k->idx[i] = i;
  tgx_merge_sort(k->fdom, k->kd, k->ki, k->idx, k->tmp, n);
}

/* Keys at positions a and b are the same value (every NaN is one value, as numpy 1.24's
   unique with equal_nan=True). */
static bool key_eq(const keybuf *k, int64_t a, int64_t b) {
  if (!k->fdom) return k->ki[a] == k->ki[b];
  double x = k->kd[a], y = k->kd[b];
  return x == y || (isnan(x) && isnan(y));
}

/* ---- Sort / Argsort: params[0] = axis (TGX_NONE: flattened); op->dtype = output ---- */

enum { SORT_VALUES, SORT_INDICES };

static int sort_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  out->dtype = op->dtype;
  if (op->params[0] != TGX_NONE) {
    out->ndim = t->ndim;
    memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    return 1;
  }
  int64_t n = 1;
  for (int d = 0; d < t->ndim && n >= 0; d++)
    if (t->shape[d] < 0 || __builtin_mul_overflow(n, t->shape[d], &n)) n = -1;
  for (int d = 0; d < t->ndim; d++)
    if (t->shape[d] == 0) n = 0;
  out->ndim = 1;
  out->shape[0] = n;
  return 1;
}

static tg_status sort_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
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
  keybuf k = {0};
  int64_t n = x->shape[axis];
  bool ok = r != NULL;
  if (ok && x->size > 0 && !keybuf_init(&k, tg_dtype_is_float(x->dtype), n)) {
    tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
    ok = false;
  }
  if (!ok) {
    keybuf_free(&k);
    if (r) tgx_drop(r, out[0]);
    tg_array_unref(x);
    return err->status;
  }
  if (x->size > 0) {
    size_t isz = tg_dtype_size(x->dtype);
    int64_t sx = x->strides[axis], sr = r->strides[axis], ox, orr;
    tgx_lines it;
    tgx_lines_begin(&it, x, r, axis);
    while (tgx_lines_next(&it, &ox, &orr)) {
      keybuf_sort(&k, x->data + ox, sx, n, x->dtype);
      char *q = r->data + orr;
      for (int64_t i = 0; i < n; i++) {
        if (op->code == SORT_INDICES) *(int64_t *)(q + i * sr) = k.idx[i];
        else memcpy(q + i * sr, x->data + ox + k.idx[i] * sx, isz); /* bits kept: -0.0, NaNs */
      }
    }
  }
  keybuf_free(&k);
  tg_array_unref(x);
  out[0] = r;
  return TG_OK;
}

static const tg_op_class sort_class = {
    .name = "Sort",
    .infer = sort_infer,
    .perform = sort_perform,
    .describe = tgx_axis_describe,
    .infer_shape = tgx_axis_infer_shape,
    .grad = tgx_sort_grad,
};
static const tg_op_class argsort_class = {
    .name = "Argsort",
    .infer = sort_infer,
    .perform = sort_perform,
    .describe = tgx_axis_describe,
    .infer_shape = tgx_axis_infer_shape,
    .grad = tgx_grad_none,
};

static tg_var *sort_build(const char *name, int code, tg_var *x, int axis) {
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  if (!tgx_axis(x->g, name, x->type.ndim, &axis, true)) return NULL;
  int64_t p = axis;
  tg_op *op = tgi_op_new(x->g, code == SORT_VALUES ? &sort_class : &argsort_class, code,
                         code == SORT_VALUES ? x->type.dtype : TG_INT64, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_sort(tg_var *x, int axis) { return sort_build("sort", SORT_VALUES, x, axis); }
tg_var *tg_argsort(tg_var *x, int axis) { return sort_build("argsort", SORT_INDICES, x, axis); }

/* ---- SearchSorted: params[0] = right (0/1) ---- */

static int ss_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  const tg_type *v = &in[1]->type;
  out->dtype = TG_INT64;
  out->ndim = v->ndim;
  memcpy(out->shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
  return 1;
}

static tg_status ss_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *a = in[0], *v = in[1];
  bool right = op->params[0] != 0;
  bool fdom = tg_dtype_is_float(a->dtype) || tg_dtype_is_float(v->dtype);
  tg_array *r = tgx_out("SearchSorted", out[0], TG_INT64, v->ndim, v->shape, err);
  if (!r) return err->status;
  int64_t n = a->shape[0];
  keybuf k = {0};
  if (v->size > 0 && !keybuf_init(&k, fdom, n)) {
    keybuf_free(&k);
    tgx_drop(r, out[0]);
    return tgi_err_set(err, TG_ERR_NOMEM, "SearchSorted: out of memory");
  }
  if (v->size > 0) {
    tgx_load_keys(fdom, k.kd, k.ki, a->data, a->strides[0], n, a->dtype);
    int64_t idx[TG_MAX_NDIM] = {0};
    do {
      int64_t ov = 0, orr = 0;
      for (int d = 0; d < v->ndim; d++) ov += idx[d] * v->strides[d], orr += idx[d] * r->strides[d];
      const char *p = v->data + ov;
      double kd = fdom ? tgi_load_f64(p, v->dtype) : 0;
      int64_t ki = fdom ? 0 : tgi_load_i64(p, v->dtype);
      int64_t lo = 0, hi = n;
      while (lo < hi) { /* left: first a[i] >= key; right: first a[i] > key (NaN-last order) */
        int64_t mid = lo + (hi - lo) / 2;
        bool go_right;
        if (fdom) go_right = right ? !tgx_lt_f(kd, k.kd[mid]) : tgx_lt_f(k.kd[mid], kd);
        else go_right = right ? !(ki < k.ki[mid]) : k.ki[mid] < ki;
        if (go_right) lo = mid + 1;
        else hi = mid;
      }
      *(int64_t *)(r->data + orr) = lo;
    } while (tgi_next_index(v->ndim, v->shape, idx));
  }
  keybuf_free(&k);
  out[0] = r;
  return TG_OK;
}

static void ss_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "SearchSorted{side=%s}", op->params[0] ? "right" : "left");
}

static bool ss_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->in[1]->type.ndim; d++) out_dims[0][d] = in_dims[1][d];
  return true;
}

static const tg_op_class ss_class = {
    .name = "SearchSorted",
    .infer = ss_infer,
    .perform = ss_perform,
    .describe = ss_describe,
    .infer_shape = ss_infer_shape,
    .grad = tgx_grad_none,
};

tg_var *tg_searchsorted(tg_var *a, tg_var *v, bool right) {
  tg_var *in[2] = {a, v};
  if (!tgi_check_inputs("searchsorted", 2, in)) return NULL;
  if (a->type.ndim != 1) {
    char t[160];
    return tgi_gfail(a->g, TG_ERR_TYPE, "searchsorted: a must be 1-d, got %s",
                     tgi_type_str(&a->type, t, sizeof t));
  }
  int64_t p = right ? 1 : 0;
  tg_op *op = tgi_op_new(a->g, &ss_class, 0, TG_INT64, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Unique (two outputs: values, int64 counts) and UniqueCount (their length) ---- */

enum { UNIQUE_VALUES, UNIQUE_COUNT };

/* Sort x flattened into k (initialised here) and count its distinct values. */
static bool unique_runs(const char *name, tg_array *x, tg_array **flat, keybuf *k, int64_t *nu,
                        tgi_err *err) {
  memset(k, 0, sizeof *k);
  if (!(*flat = tgx_flat(name, x, err))) return false;
  int64_t n = (*flat)->size;
  if (!keybuf_init(k, tg_dtype_is_float(x->dtype), n)) {
    tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
    return false;
  }
  keybuf_sort(k, (*flat)->data, (*flat)->strides[0], n, x->dtype);
  int64_t c = n > 0;
  for (int64_t i = 1; i < n; i++) c += !key_eq(k, k->idx[i - 1], k->idx[i]);
  *nu = c;
  return true;
}

static int unique_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)g, (void)n_in;
  if (op->code == UNIQUE_COUNT) {
    out[0].dtype = TG_INT64;
    out[0].ndim = 0;
    return 1;
  }
  out[0].dtype = in[0]->type.dtype;
  out[1].dtype = TG_INT64;
  out[0].ndim = out[1].ndim = 1;
  out[0].shape[0] = out[1].shape[0] = -1; /* depends on the values */
  return 2;
}

static tg_status unique_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in;
  const char *name = op->cls->name;
  tg_array *flat = NULL, *r[2] = {NULL, NULL};
  keybuf k;
  int64_t nu = 0;
  bool ok = unique_runs(name, in[0], &flat, &k, &nu, err);
  if (ok && op->code == UNIQUE_COUNT) {
    ok = (r[0] = tgx_out(name, out[0], TG_INT64, 0, NULL, err)) != NULL;
    if (ok) *(int64_t *)r[0]->data = nu;
  } else if (ok) {
    ok = (r[0] = tgx_out(name, out[0], in[0]->dtype, 1, &nu, err)) != NULL &&
         (r[1] = tgx_out(name, out[1], TG_INT64, 1, &nu, err)) != NULL;
    if (ok) {
      size_t isz = tg_dtype_size(flat->dtype);
      int64_t n = flat->size, u = -1, s0 = r[0]->strides[0], s1 = r[1]->strides[0];
      for (int64_t i = 0; i < n; i++) {
        if (i == 0 || !key_eq(&k, k.idx[i - 1], k.idx[i])) {
          u++; /* the first of each run in sorted order, as numpy keeps */
          memcpy(r[0]->data + u * s0, flat->data + k.idx[i] * (int64_t)isz, isz);
          *(int64_t *)(r[1]->data + u * s1) = 0;
        }
        (*(int64_t *)(r[1]->data + u * s1))++;
      }
    }
  }
  keybuf_free(&k);
  tg_array_unref(flat);
  if (!ok) {
    for (int i = 0; i < 2; i++)
      if (r[i]) tgx_drop(r[i], out[i]);
    return err->status;
  }
  for (int i = 0; i < n_out; i++) out[i] = r[i];
  return TG_OK;
}

static void unique_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "%s", op->cls->name);
}

static const tg_op_class unique_count_class;

/* Both outputs have the length UniqueCount(x) computes from x's values. */
static bool unique_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  (void)in_dims;
  if (nd->op->code == UNIQUE_COUNT) return true; /* 0-d */
  tg_op *op = tgi_op_new(g, &unique_count_class, UNIQUE_COUNT, TG_INT64, 0, NULL);
  tg_node *c = op ? tgi_apply(op, 1, &nd->in[0]) : NULL;
  if (!c) return false;
  out_dims[0][0] = out_dims[1][0] = c->out[0];
  return true;
}

static const tg_op_class unique_class = {
    .name = "Unique",
    .infer = unique_infer,
    .perform = unique_perform,
    .describe = unique_describe,
    .infer_shape = unique_infer_shape,
    .grad = tgx_unique_grad,
};
static const tg_op_class unique_count_class = {
    .name = "UniqueCount",
    .infer = unique_infer,
    .perform = unique_perform,
    .describe = unique_describe,
    .infer_shape = unique_infer_shape,
    .grad = tgx_grad_none,
};

tg_var *tg_unique(tg_var *x, tg_var **counts) {
  if (counts) *counts = NULL;
  if (!tgi_check_inputs("unique", 1, &x)) return NULL;
  tg_op *op = tgi_op_new(x->g, &unique_class, UNIQUE_VALUES, x->type.dtype, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  if (!nd) return NULL;
  if (counts) *counts = nd->out[1];
  return nd->out[0];
}
