/* extra_util.c: the helpers of the extra op families (see extra_impl.h) and their
   catalogue table. */
#include "extra_impl.h"

bool tgx_axis(tg_graph *g, const char *name, int nd, int *axis, bool allow_none) {
  if (*axis == TG_AXIS_NONE) {
    if (allow_none) {
      *axis = TGX_NONE;
      return true;
    }
    tgi_gfail(g, TG_ERR_VALUE, "%s: TG_AXIS_NONE is not allowed here; give an axis", name);
    return false;
  }
  if (*axis < -nd || *axis >= nd) {
    tgi_gfail(g, TG_ERR_VALUE, "%s: axis %d is out of range for a rank-%d tensor", name, *axis,
              nd);
    return false;
  }
  if (*axis < 0) *axis += nd;
  return true;
}

bool tgx_is_intlike(tg_dtype dt) { return dt == TG_BOOL || tg_dtype_is_int(dt); }

tg_array *tgx_out(const char *name, tg_array *given, tg_dtype dt, int ndim, const int64_t *shape,
                  tgi_err *err) {
  char b1[256], b2[256];
  if (!given) {
    tg_array *r = tgi_array_alloc(dt, ndim, shape, true, false);
    if (!r) tgi_err_set(err, tg_errstatus(), "%s: %s", name, tg_errmsg());
    return r;
  }
  if (given->dtype != dt) {
    tgi_err_set(err, TG_ERR_TYPE, "%s: the given output is %s, expected %s", name,
                tg_dtype_name(given->dtype), tg_dtype_name(dt));
    return NULL;
  }
  if (given->ndim != ndim ||
      (ndim && memcmp(given->shape, shape, sizeof(int64_t) * (size_t)ndim) != 0)) {
    tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s, expected %s", name,
                tgi_shape_str(given->ndim, given->shape, b1, sizeof b1),
                tgi_shape_str(ndim, shape, b2, sizeof b2));
    return NULL;
  }
  return given;
}

void tgx_drop(tg_array *r, tg_array *given) {
  if (r != given) tg_array_unref(r);
}

tg_array *tgx_flat(const char *name, tg_array *a, tgi_err *err) {
  int64_t n = a->size, st = (int64_t)tg_dtype_size(a->dtype);
  tg_array *c = tg_array_is_contiguous(a) ? tg_array_ref(a) : tg_array_copy(a);
  tg_array *v = c ? tg_array_view(c, 1, &n, &st, 0) : NULL;
  tg_array_unref(c);
  if (!v) tgi_err_set(err, tg_errstatus(), "%s: %s", name, tg_errmsg());
  return v;
}

tg_status tgx_deliver(const char *name, tg_array *r, tg_array **out, tgi_err *err) {
  if (!out[0] || out[0] == r) {
    out[0] = r;
    return TG_OK;
  }
  tg_status st = tg_array_copy_into(out[0], r);
  tg_array_unref(r);
  if (st != TG_OK) return tgi_err_set(err, st, "%s: %s", name, tg_errmsg());
  return TG_OK;
}

void tgx_lines_begin(tgx_lines *it, const tg_array *a, const tg_array *b, int axis) {
  it->nd = a->ndim;
  it->sa = a->strides;
  it->sb = b->strides;
  it->done = false;
  for (int d = 0; d < a->ndim; d++) {
    it->shape[d] = d == axis ? 1 : a->shape[d];
    it->idx[d] = 0;
    if (it->shape[d] == 0) it->done = true;
  }
}

bool tgx_lines_next(tgx_lines *it, int64_t *a_off, int64_t *b_off) {
  if (it->done) return false;
  int64_t oa = 0, ob = 0;
  for (int d = 0; d < it->nd; d++) oa += it->idx[d] * it->sa[d], ob += it->idx[d] * it->sb[d];
  *a_off = oa, *b_off = ob;
  it->done = !tgi_next_index(it->nd, it->shape, it->idx);
  return true;
}

void tgx_gather(tg_array *out, const char *in_data, const int64_t *in_strides,
                int64_t *const *maps) {
  if (out->size == 0) return;
  size_t isz = tg_dtype_size(out->dtype);
  int nd = out->ndim;
  int64_t idx[TG_MAX_NDIM] = {0};
  do {
    int64_t io = 0, oo = 0;
    for (int d = 0; d < nd; d++) {
      io += (maps[d] ? maps[d][idx[d]] : idx[d]) * in_strides[d];
      oo += idx[d] * out->strides[d];
    }
    memcpy(out->data + oo, in_data + io, isz);
  } while (tgi_next_index(nd, out->shape, idx));
}

void tgx_load_keys(bool fdom, double *kd, int64_t *ki, const char *p, int64_t s, int64_t n,
                   tg_dtype dt) {
  for (int64_t i = 0; i < n; i++) {
    if (fdom) kd[i] = tgi_load_f64(p + i * s, dt);
    else ki[i] = tgi_load_i64(p + i * s, dt);
  }
}

static bool key_lt(bool fdom, const double *kd, const int64_t *ki, int64_t a, int64_t b) {
  return fdom ? tgx_lt_f(kd[a], kd[b]) : ki[a] < ki[b];
}

/* Bottom-up merge sort: runs of width w are merged pairwise from src into dst, taking from
   the left run unless the right key is strictly smaller, which keeps equal keys in order. */
void tgx_merge_sort(bool fdom, const double *kd, const int64_t *ki, int64_t *idx, int64_t *tmp,
                    int64_t n) {
  int64_t *src = idx, *dst = tmp;
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        dst[k++] = key_lt(fdom, kd, ki, src[j], src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    int64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != idx) memcpy(idx, src, sizeof(int64_t) * (size_t)n);
}

tg_var *tgx_as_i64(tg_var *v) {
  if (!v) return NULL;
  return v->type.dtype == TG_INT64 ? v : tg_cast(v, TG_INT64);
}

bool tgx_const_i64(const tg_var *v, int64_t *out) {
  if (!v || v->kind != TGV_CONSTANT || v->type.ndim != 0 || !tgx_is_intlike(v->type.dtype))
    return false;
  *out = tgi_load_i64(v->value->data, v->value->dtype);
  return true;
}

/* ---- catalogue ---- */

const tgi_op_info tgi_catalogue_extra[] = {
    {"cumsum", "extra", 1, "all (bool, ints -> int64)", "yes", "",
     "cumulative sum along an axis or of x flattened; float32 rounded at each step"},
    {"cumprod", "extra", 1, "all (bool, ints -> int64)", "yes (x without zeros)", "",
     "cumulative product along an axis or of x flattened"},
    {"diff", "extra", 1, "all", "yes", "", "n-th discrete difference along an axis (bool: !=)"},
    {"sort", "extra", 1, "all", "yes", "", "stable sort along an axis or of x flattened, NaN last"},
    {"argsort", "extra", 1, "all -> int64", "not differentiable", "",
     "indices of a stable sort along an axis or of x flattened, NaN last"},
    {"searchsorted", "extra", 2, "all -> int64", "not differentiable", "",
     "insertion points of v into the sorted vector a (left or right)"},
    {"unique", "extra", 1, "all (counts int64)", "not differentiable", "",
     "sorted distinct values of x flattened and their counts; NaNs are one value"},
    {"repeat", "extra", 2, "all (repeats int)", "yes", "",
     "each element repeated along an axis (a count or one count per element)"},
    {"tile", "extra", 1, "all", "yes", "", "x tiled along each dim, as numpy.tile"},
    {"roll", "extra", 2, "all (shift int)", "yes", "",
     "elements shifted cyclically along an axis or over x flattened"},
    {"flip", "extra", 1, "all", "yes", "", "x reversed along axes: a view with negative strides"},
    {"arange", "extra", 3, "int, float", "yes (start, step)", "",
     "evenly spaced values in [start, stop) by step, as numpy.arange"},
    {"linspace", "extra", 3, "all", "yes (start, stop)", "",
     "num evenly spaced values from start to stop, as numpy.linspace"},
    {"eye", "extra", 2, "all", "not differentiable", "", "n x m matrix with ones on diagonal k"},
    {"tri", "extra", 2, "all", "not differentiable", "",
     "n x m matrix with ones on and below diagonal k"},
    {"tril", "extra", 1, "all", "yes", "", "x zeroed above diagonal k of its last two dims"},
    {"triu", "extra", 1, "all", "yes", "", "x zeroed below diagonal k of its last two dims"},
    {"diag", "extra", 1, "all", "yes", "",
     "numpy.diag: vector -> matrix with it on diagonal k; matrix -> its diagonal"},
    {"diagonal", "extra", 1, "all", "yes", "",
     "diagonal at an offset of the planes of two axes, as a last dim (a view)"},
    {"trace", "extra", 1, "all (bool, ints -> int64)", "yes", "",
     "sum of the diagonal at an offset of two axes (diagonal then sum)"},
    {"nonzero", "extra", 1, "all -> int64", "not differentiable", "",
     "indices of the nonzero elements along each dim (numpy.where with one argument)"},
    {"flatnonzero", "extra", 1, "all -> int64", "not differentiable", "",
     "positions of the nonzero elements of x flattened"},
    {"bincount", "extra", 2, "int, bool (weights: all -> float64)", "yes (weights)", "",
     "occurrences (or weight sums) of each value of a non-negative integer vector"},
    {"unique_count", "extra", 1, "all -> int64", "not differentiable", "",
     "internal: the number of distinct values (unique's length, for shape graphs)"},
    {"bincount_length", "extra", 1, "int, bool -> int64", "not differentiable", "",
     "internal: bincount's length (for shape graphs)"},
};
const int tgi_catalogue_extra_n = (int)(sizeof tgi_catalogue_extra / sizeof tgi_catalogue_extra[0]);

void tgx_axis_describe(const tg_op *op, char *buf, size_t n) {
  if (op->params[0] == TGX_NONE) snprintf(buf, n, "%s{axis=None}", op->cls->name);
  else snprintf(buf, n, "%s{axis=%lld}", op->cls->name, (long long)op->params[0]);
}

bool tgx_axis_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                          tg_var **const *out_dims) {
  int r = nd->in[0]->type.ndim;
  if (nd->op->params[0] != TGX_NONE) {
    for (int d = 0; d < r; d++) out_dims[0][d] = in_dims[0][d];
    return true;
  }
  tg_var *n = tgi_dim_const(g, 1); /* flattened: the product of the dims */
  for (int d = 0; d < r && n; d++) n = tg_mul(n, in_dims[0][d]);
  out_dims[0][0] = n;
  return n != NULL;
}
