/* dimshuffle.c: DimShuffle, Theano's one op for permuting dims, inserting broadcastable
   dims ('x', written -1 here) and dropping dims of static length 1; its output is always
   a view of its input. transpose, swapaxes, squeeze and expand_dims are builders that
   make a DimShuffle pattern, as in Theano. */
#include <stdio.h>

#include "shape_impl.h"

/* params: [rank of the input, pattern...]; a pattern entry is an input dim or -1 ('x'). */
enum { DS_P_NDIM = 0, DS_P_PATTERN = 1 };

static char *pattern_str(int n, const int64_t *p, char *buf, size_t size) {
  size_t k = (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < n && k < size; i++) {
    if (p[i] < 0) k += (size_t)snprintf(buf + k, size - k, i ? ", 'x'" : "'x'");
    else k += (size_t)snprintf(buf + k, size - k, i ? ", %lld" : "%lld", (long long)p[i]);
  }
  if (k < size) snprintf(buf + k, size - k, n == 1 ? ",)" : ")");
  return buf;
}

static int ds_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *t = &in[0]->type;
  if (t->ndim != op->params[DS_P_NDIM]) {
    char b[160];
    tgi_gfail(g, TG_ERR_TYPE, "DimShuffle: made for rank %lld, applied to %s",
              (long long)op->params[DS_P_NDIM], tgi_type_str(t, b, sizeof b));
    return -1;
  }
  int n = op->n_params - DS_P_PATTERN;
  out->dtype = t->dtype;
  out->ndim = n;
  for (int i = 0; i < n; i++) {
    int64_t p = op->params[DS_P_PATTERN + i];
    out->shape[i] = p < 0 ? 1 : t->shape[p];
  }
  return 1;
}

static tg_status ds_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  int n = op->n_params - DS_P_PATTERN;
  const int64_t *pat = op->params + DS_P_PATTERN;
  if (x->ndim != op->params[DS_P_NDIM])
    return tgi_err_set(err, TG_ERR_SHAPE, "DimShuffle: input has rank %d, expected %lld",
                       x->ndim, (long long)op->params[DS_P_NDIM]);
  bool used[TG_MAX_NDIM] = {false};
  int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  for (int i = 0; i < n; i++) {
    if (pat[i] < 0) {
      shape[i] = 1, strides[i] = 0; /* a stride on a length-1 dim is never used */
    } else {
      shape[i] = x->shape[pat[i]], strides[i] = x->strides[pat[i]];
      used[pat[i]] = true;
    }
  }
  for (int d = 0; d < x->ndim; d++) /* a dropped dim holds one element (its type says so) */
    if (!used[d] && x->shape[d] != 1)
      return tgi_err_set(err, TG_ERR_SHAPE, "DimShuffle: dropped dim %d has length %lld, not 1",
                         d, (long long)x->shape[d]);
  return tgi_shape_deliver("DimShuffle", out, tg_array_view(x, n, shape, strides, 0), err);
}

static void ds_describe(const tg_op *op, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "DimShuffle{");
  for (int i = DS_P_PATTERN; i < op->n_params && k < n; i++) {
    const char *sep = i > DS_P_PATTERN ? "," : "";
    if (op->params[i] < 0) k += (size_t)snprintf(buf + k, n - k, "%sx", sep);
    else k += (size_t)snprintf(buf + k, n - k, "%s%lld", sep, (long long)op->params[i]);
  }
  if (k < n) snprintf(buf + k, n - k, "}");
}

static bool ds_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  for (int i = 0; i < nd->op->n_params - DS_P_PATTERN; i++) {
    int64_t p = nd->op->params[DS_P_PATTERN + i];
    out_dims[0][i] = p < 0 ? tgi_dim_const(g, 1) : in_dims[0][p];
    if (!out_dims[0][i]) return false;
  }
  return true;
}

static const tg_op_class ds_class = {
    .name = "DimShuffle",
    .infer = ds_infer,
    .perform = ds_perform,
    .describe = ds_describe,
    .infer_shape = ds_infer_shape,
    .grad = tgi_dimshuffle_grad,
};

/* Check a pattern against x (entries in range, none twice, every dim left out statically
   1) and build the node; name words the errors for the builder the user called. */
static tg_var *ds_build(const char *name, tg_var *x, int n, const int64_t *pattern) {
  tg_graph *g = x->g;
  int nd = x->type.ndim;
  char pb[512], tb[160];
  if (n < 0 || n > TG_MAX_NDIM)
    return tgi_gfail(g, TG_ERR_VALUE, "%s: pattern length %d is out of range (0..%d)", name, n,
                     TG_MAX_NDIM);
  bool used[TG_MAX_NDIM] = {false};
  for (int i = 0; i < n; i++) {
    int64_t p = pattern[i];
    if (p < -1 || p >= nd)
      return tgi_gfail(g, TG_ERR_VALUE,
                       "%s: pattern %s names dim %lld, out of range for %s (use -1 for 'x')",
                       name, pattern_str(n, pattern, pb, sizeof pb), (long long)p,
                       tgi_type_str(&x->type, tb, sizeof tb));
    if (p < 0) continue;
    if (used[p])
      return tgi_gfail(g, TG_ERR_VALUE, "%s: pattern %s names dim %lld twice", name,
                       pattern_str(n, pattern, pb, sizeof pb), (long long)p);
    used[p] = true;
  }
  for (int d = 0; d < nd; d++)
    if (!used[d] && x->type.shape[d] != 1)
      return tgi_gfail(g, TG_ERR_VALUE,
                       "%s: pattern %s drops dim %d of %s, which is not broadcastable (its "
                       "length is not statically 1)",
                       name, pattern_str(n, pattern, pb, sizeof pb), d,
                       tgi_type_str(&x->type, tb, sizeof tb));
  int64_t params[1 + TG_MAX_NDIM];
  params[DS_P_NDIM] = nd;
  memcpy(params + DS_P_PATTERN, pattern, sizeof(int64_t) * (size_t)n);
  tg_op *op = tgi_op_new(g, &ds_class, 0, x->type.dtype, DS_P_PATTERN + n, params);
  tg_node *node = op ? tgi_apply(op, 1, &x) : NULL;
  return node ? node->out[0] : NULL;
}

tg_var *tg_dimshuffle(tg_var *x, int n, const int *pattern) {
  if (!tgi_check_inputs("dimshuffle", 1, &x)) return NULL;
  if (n < 0 || n > TG_MAX_NDIM || (n > 0 && !pattern))
    return tgi_gfail(x->g, TG_ERR_ARG, "dimshuffle: bad pattern length %d or NULL pattern", n);
  int64_t p[TG_MAX_NDIM];
  for (int i = 0; i < n; i++) p[i] = pattern[i];
  return ds_build("dimshuffle", x, n, p);
}

/* Normalise axis a of a rank-nd tensor (negative counts from the end); false after
   recording the error. */
static bool norm_axis(const char *name, tg_var *x, int nd, int *a) {
  if (*a < -nd || *a >= nd) {
    tgi_gfail(x->g, TG_ERR_VALUE, "%s: axis %d is out of range for a rank-%d tensor", name, *a, nd);
    return false;
  }
  if (*a < 0) *a += nd;
  return true;
}

tg_var *tg_transpose(tg_var *x, int n, const int *axes) {
  if (!tgi_check_inputs("transpose", 1, &x)) return NULL;
  int nd = x->type.ndim;
  int64_t p[TG_MAX_NDIM];
  if (n == 0 || !axes) {
    for (int i = 0; i < nd; i++) p[i] = nd - 1 - i;
    return ds_build("transpose", x, nd, p);
  }
  if (n != nd)
    return tgi_gfail(x->g, TG_ERR_VALUE, "transpose: got %d axes for a rank-%d tensor", n, nd);
  bool seen[TG_MAX_NDIM] = {false};
  for (int i = 0; i < n; i++) {
    int a = axes[i];
    if (!norm_axis("transpose", x, nd, &a)) return NULL;
    if (seen[a])
      return tgi_gfail(x->g, TG_ERR_VALUE, "transpose: axis %d is repeated (dim %d again)",
                       axes[i], a);
    seen[a] = true;
    p[i] = a;
  }
  return ds_build("transpose", x, nd, p);
}

tg_var *tg_swapaxes(tg_var *x, int a, int b) {
  if (!tgi_check_inputs("swapaxes", 1, &x)) return NULL;
  int nd = x->type.ndim;
  if (!norm_axis("swapaxes", x, nd, &a) || !norm_axis("swapaxes", x, nd, &b)) return NULL;
  int64_t p[TG_MAX_NDIM];
  for (int i = 0; i < nd; i++) p[i] = i == a ? b : i == b ? a : i;
  return ds_build("swapaxes", x, nd, p);
}

tg_var *tg_squeeze(tg_var *x, int n_axes, const int *axes) {
  if (!tgi_check_inputs("squeeze", 1, &x)) return NULL;
  int nd = x->type.ndim;
  bool drop[TG_MAX_NDIM] = {false};
  if (n_axes == -1) {
    for (int d = 0; d < nd; d++) drop[d] = x->type.shape[d] == 1;
  } else {
    if (n_axes < 0 || (n_axes > 0 && !axes))
      return tgi_gfail(x->g, TG_ERR_ARG, "squeeze: n_axes is %d (use -1 for every dim of static "
                                         "length 1) or axes is NULL", n_axes);
    for (int i = 0; i < n_axes; i++) {
      int a = axes[i];
      char tb[160];
      if (!norm_axis("squeeze", x, nd, &a)) return NULL;
      if (drop[a])
        return tgi_gfail(x->g, TG_ERR_VALUE, "squeeze: axis %d is repeated (dim %d again)",
                         axes[i], a);
      if (x->type.shape[a] != 1)
        return tgi_gfail(x->g, TG_ERR_VALUE,
                         "squeeze: dim %d of %s is not broadcastable (its length is not "
                         "statically 1); only such dims can be squeezed",
                         a, tgi_type_str(&x->type, tb, sizeof tb));
      drop[a] = true;
    }
  }
  int64_t p[TG_MAX_NDIM];
  int n = 0;
  for (int d = 0; d < nd; d++)
    if (!drop[d]) p[n++] = d;
  return ds_build("squeeze", x, n, p);
}

tg_var *tg_expand_dims(tg_var *x, int axis) {
  if (!tgi_check_inputs("expand_dims", 1, &x)) return NULL;
  int nd = x->type.ndim;
  if (nd >= TG_MAX_NDIM)
    return tgi_gfail(x->g, TG_ERR_VALUE, "expand_dims: a rank-%d tensor cannot grow", nd);
  if (axis < -(nd + 1) || axis > nd)
    return tgi_gfail(x->g, TG_ERR_VALUE,
                     "expand_dims: axis %d is out of range for a rank-%d tensor (%d..%d)", axis, nd,
                     -(nd + 1), nd);
  if (axis < 0) axis += nd + 1;
  int64_t p[TG_MAX_NDIM];
  for (int i = 0, d = 0; i <= nd; i++) p[i] = i == axis ? -1 : d++;
  return ds_build("expand_dims", x, nd + 1, p);
}
