/* array.c: tg_array creation, references, views and element access. An owning array is one
   allocation: header, shape, strides, then 64-byte aligned elements. A view holds a
   reference to its owner (base), as numpy does. Printing lives in array_print.c. */
#include <math.h>

#include "core.h"

#define TG_ALIGN 64

bool tgi_shape_size(tg_dtype dt, int ndim, const int64_t *shape, int64_t *size) {
  if ((unsigned)dt >= TG_NDTYPES) {
    tgi_fail(TG_ERR_TYPE, "invalid dtype %d", (int)dt);
    return false;
  }
  if (ndim < 0 || ndim > TG_MAX_NDIM) {
    tgi_fail(TG_ERR_VALUE, "rank %d is out of range (0..%d)", ndim, TG_MAX_NDIM);
    return false;
  }
  if (ndim > 0 && !shape) {
    tgi_fail(TG_ERR_ARG, "shape is NULL for a rank-%d array", ndim);
    return false;
  }
  uint64_t n = 1;
  bool overflow = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) {
      tgi_fail(TG_ERR_VALUE, "negative dimension %lld at axis %d", (long long)shape[i], i);
      return false;
    }
    if (__builtin_mul_overflow(n, (uint64_t)shape[i], &n)) overflow = true;
  }
  /* a zero dim makes any product of the others harmless */
  for (int i = 0; i < ndim; i++)
    if (shape[i] == 0) n = 0, overflow = false;
  uint64_t bytes;
  if (overflow || __builtin_mul_overflow(n, (uint64_t)tg_dtype_size(dt), &bytes) ||
      bytes > (uint64_t)INT64_MAX / 2) {
    char buf[128];
    tgi_fail(TG_ERR_VALUE, "array of shape %s and dtype %s is too large",
             tgi_shape_str(ndim, shape, buf, sizeof buf), tg_dtype_name(dt));
    return false;
  }
  *size = (int64_t)n;
  return true;
}

tg_array *tgi_array_alloc(tg_dtype dt, int ndim, const int64_t *shape, bool alloc_data,
                          bool zero) {
  int64_t size;
  if (!tgi_shape_size(dt, ndim, shape, &size)) return NULL;
  size_t head = sizeof(tg_array) + 2 * (size_t)ndim * sizeof(int64_t);
  size_t nbytes = alloc_data ? (size_t)size * tg_dtype_size(dt) : 0;
  size_t total = head + (alloc_data ? TG_ALIGN - 1 + nbytes : 0);
  if (total < head) { /* wrapped around */
    tgi_fail(TG_ERR_VALUE, "array too large");
    return NULL;
  }
  tg_array *a = tgi_malloc(total);
  if (!a) {
    tgi_fail(TG_ERR_NOMEM, "out of memory allocating a %s array of %lld elements",
             tg_dtype_name(dt), (long long)size);
    return NULL;
  }
  memset(a, 0, sizeof *a);
  atomic_init(&a->refcnt, 1);
  atomic_init(&a->nviews, 0);
  a->dtype = dt;
  a->ndim = ndim;
  a->size = size;
  a->shape = (int64_t *)(a + 1);
  a->strides = a->shape + ndim;
  int64_t st = (int64_t)tg_dtype_size(dt);
  for (int i = ndim - 1; i >= 0; i--) {
    a->shape[i] = shape[i];
    a->strides[i] = st;
    /* only an empty array (a zero dim beside huge ones) can overflow here; its strides
       address nothing, so any value will do */
    if (__builtin_mul_overflow(st, shape[i] ? shape[i] : 1, &st)) st = 0;
  }
  if (alloc_data) {
    uintptr_t p = (uintptr_t)((char *)a + head);
    p = (p + TG_ALIGN - 1) & ~(uintptr_t)(TG_ALIGN - 1);
    a->data = (char *)p;
    a->buf_lo = a->data;
    a->buf_hi = a->data + nbytes;
    if (zero && nbytes) memset(a->data, 0, nbytes);
  }
  return a;
}

tg_array *tg_array_zeros(tg_dtype dt, int ndim, const int64_t *shape) {
  return tgi_array_alloc(dt, ndim, shape, true, true);
}

tg_array *tg_array_empty(tg_dtype dt, int ndim, const int64_t *shape) {
  return tgi_array_alloc(dt, ndim, shape, true, false);
}

tg_array *tg_array_from_data(tg_dtype dt, int ndim, const int64_t *shape, const void *data) {
  tg_array *a = tgi_array_alloc(dt, ndim, shape, true, false);
  if (!a) return NULL;
  if (a->size && !data) {
    tg_array_unref(a);
    tgi_fail(TG_ERR_ARG, "tg_array_from_data: data is NULL");
    return NULL;
  }
  if (a->size) memcpy(a->data, data, (size_t)a->size * tg_dtype_size(dt));
  return a;
}

tg_array *tg_array_from_f64(int ndim, const int64_t *shape, const double *data) {
  return tg_array_from_data(TG_FLOAT64, ndim, shape, data);
}
tg_array *tg_array_from_f32(int ndim, const int64_t *shape, const float *data) {
  return tg_array_from_data(TG_FLOAT32, ndim, shape, data);
}
tg_array *tg_array_from_i64(int ndim, const int64_t *shape, const int64_t *data) {
  return tg_array_from_data(TG_INT64, ndim, shape, data);
}
tg_array *tg_array_from_i32(int ndim, const int64_t *shape, const int32_t *data) {
  return tg_array_from_data(TG_INT32, ndim, shape, data);
}

tg_array *tg_array_scalar(tg_dtype dt, double v) {
  tg_array *a = tgi_array_alloc(dt, 0, NULL, true, false);
  if (a) tgi_store_f64(a->data, dt, v);
  return a;
}

/* Lowest and highest byte an array with these strides touches, relative to data; false
   if that span does not fit in int64 (strides come from the caller, so they may be wild). */
static bool extent(int ndim, const int64_t *shape, const int64_t *strides, size_t isz,
                   int64_t *lo, int64_t *hi) {
  int64_t l = 0, h = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) {
      *lo = 0, *hi = 0;
      return true;
    }
  }
  for (int i = 0; i < ndim; i++) {
    int64_t span;
    if (__builtin_mul_overflow(shape[i] - 1, strides[i], &span)) return false;
    if (span < 0 ? __builtin_add_overflow(l, span, &l) : __builtin_add_overflow(h, span, &h))
      return false;
  }
  *lo = l;
  return !__builtin_add_overflow(h, (int64_t)isz, hi);
}

tg_array *tg_array_wrap(tg_dtype dt, int ndim, const int64_t *shape, const int64_t *strides,
                        void *data, tg_release_fn release, void *ud) {
  tg_array *a = tgi_array_alloc(dt, ndim, shape, false, false);
  if (!a) return NULL;
  if (!data && a->size) {
    tg_array_unref(a);
    tgi_fail(TG_ERR_ARG, "tg_array_wrap: data is NULL");
    return NULL;
  }
  if (strides && ndim) memcpy(a->strides, strides, (size_t)ndim * sizeof(int64_t));
  int64_t lo, hi;
  if (!extent(ndim, a->shape, a->strides, tg_dtype_size(dt), &lo, &hi)) {
    tg_array_unref(a);
    tgi_fail(TG_ERR_VALUE, "tg_array_wrap: the strides span more bytes than fit in int64");
    return NULL;
  }
  a->data = data;
  a->buf_lo = (char *)data + lo;
  a->buf_hi = (char *)data + hi;
  a->release = release;
  a->release_ud = ud;
  a->wrapped = data;
  return a;
}

tg_array *tg_array_ref(tg_array *a) {
  if (a) atomic_fetch_add_explicit(&a->refcnt, 1, memory_order_relaxed);
  return a;
}

void tg_array_unref(tg_array *a) {
  while (a) {
    if (atomic_fetch_sub_explicit(&a->refcnt, 1, memory_order_acq_rel) != 1) return;
    tg_array *base = a->base;
    if (base) atomic_fetch_sub(&base->nviews, 1);
    else if (a->release) a->release(a->release_ud, a->wrapped);
    tgi_free(a);
    a = base; /* iterative, so a long chain of views cannot overflow the stack */
  }
}

tg_dtype tg_array_dtype(const tg_array *a) { return a->dtype; }
int tg_array_ndim(const tg_array *a) { return a->ndim; }
const int64_t *tg_array_shape(const tg_array *a) { return a->shape; }
const int64_t *tg_array_strides(const tg_array *a) { return a->strides; }
int64_t tg_array_size(const tg_array *a) { return a->size; }
void *tg_array_data(const tg_array *a) { return a->data; }

bool tg_array_is_contiguous(const tg_array *a) {
  int64_t st = (int64_t)tg_dtype_size(a->dtype);
  for (int i = a->ndim - 1; i >= 0; i--) {
    if (a->shape[i] == 0) return true;
    if (a->shape[i] != 1 && a->strides[i] != st) return false;
    st *= a->shape[i];
  }
  return true;
}

bool tg_array_is_view(const tg_array *a) {
  return a->base != NULL || atomic_load(&((tg_array *)a)->nviews) > 0;
}

/* The chain a -> base -> ... must hold one reference at each step (each array reachable
   only through the one below it), and the owner's memory must be the library's own. */
bool tg_array_is_exclusive(const tg_array *a) {
  if (!a || atomic_load(&((tg_array *)a)->refcnt) != 1 || atomic_load(&((tg_array *)a)->nviews))
    return false;
  for (const tg_array *b = a->base; b; a = b, b = b->base)
    if (atomic_load(&((tg_array *)b)->refcnt) != 1 || atomic_load(&((tg_array *)b)->nviews) != 1)
      return false;
  return a->release == NULL && a->wrapped == NULL;
}

tg_array *tg_array_view(tg_array *a, int ndim, const int64_t *shape, const int64_t *strides,
                        int64_t offset) {
  if (!a || (ndim > 0 && (!shape || !strides))) {
    tgi_fail(TG_ERR_ARG, "tg_array_view: NULL argument");
    return NULL;
  }
  tg_array *v = tgi_array_alloc(a->dtype, ndim, shape, false, false);
  if (!v) return NULL;
  for (int i = 0; i < ndim; i++) v->strides[i] = strides[i];
  tg_array *owner = a->base ? a->base : a;
  /* Bounds are checked in integers relative to the storage, so a wild offset or stride is
     reported instead of forming an out-of-range pointer. */
  int64_t lo, hi, first, len = owner->buf_hi - owner->buf_lo, x, y;
  bool ok = extent(ndim, v->shape, v->strides, tg_dtype_size(a->dtype), &lo, &hi) &&
            !__builtin_add_overflow(a->data - owner->buf_lo, offset, &first);
  if (ok && v->size)
    ok = !__builtin_add_overflow(first, lo, &x) && !__builtin_add_overflow(first, hi, &y) &&
         x >= 0 && y <= len;
  if (!ok) {
    tgi_free(v);
    tgi_fail(TG_ERR_VALUE, "tg_array_view: the view reaches outside the array's storage");
    return NULL;
  }
  /* an empty view touches nothing; keep its pointer inside the storage all the same */
  char *d = first >= 0 && first <= len ? owner->buf_lo + first : a->data;
  v->data = d;
  v->buf_lo = owner->buf_lo;
  v->buf_hi = owner->buf_hi;
  v->base = tg_array_ref(owner);
  atomic_fetch_add(&owner->nviews, 1);
  return v;
}

tg_array *tg_array_slice(tg_array *a, int axis, int64_t start, int64_t stop, int64_t step) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "tg_array_slice: NULL array");
    return NULL;
  }
  if (axis < 0) axis += a->ndim;
  if (axis < 0 || axis >= a->ndim) {
    tgi_fail(TG_ERR_VALUE, "tg_array_slice: axis out of range for a rank-%d array", a->ndim);
    return NULL;
  }
  if (step == 0) {
    tgi_fail(TG_ERR_VALUE, "tg_array_slice: step is 0");
    return NULL;
  }
  /* Python's slice.indices() */
  int64_t n = a->shape[axis];
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? n - 1 : n;
  if (start < 0) start = start + n < lo ? lo : start + n;
  else if (start > hi) start = hi;
  if (stop < 0) stop = stop + n < lo ? lo : stop + n;
  else if (stop > hi) stop = hi;
  /* written so that no step, however large, overflows (start and stop are in [-1, n]) */
  int64_t len = 0;
  if (step > 0 && stop > start) len = (stop - start - 1) / step + 1;
  if (step < 0 && start > stop) len = step == INT64_MIN ? 1 : (start - stop - 1) / -step + 1;
  int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  memcpy(shape, a->shape, (size_t)a->ndim * sizeof(int64_t));
  memcpy(strides, a->strides, (size_t)a->ndim * sizeof(int64_t));
  shape[axis] = len;
  /* with one element or none the stride is never used; keep it from overflowing */
  strides[axis] = len > 1 ? a->strides[axis] * step : a->strides[axis];
  return tg_array_view(a, a->ndim, shape, strides, len ? start * a->strides[axis] : 0);
}

tg_array *tg_array_transpose(tg_array *a) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "tg_array_transpose: NULL array");
    return NULL;
  }
  int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  for (int i = 0; i < a->ndim; i++) {
    shape[i] = a->shape[a->ndim - 1 - i];
    strides[i] = a->strides[a->ndim - 1 - i];
  }
  return tg_array_view(a, a->ndim, shape, strides, 0);
}

bool tgi_next_index(int ndim, const int64_t *shape, int64_t *idx) {
  for (int i = ndim - 1; i >= 0; i--) {
    if (++idx[i] < shape[i]) return true;
    idx[i] = 0;
  }
  return false;
}

/* Byte offset of flat C-order element i. */
static int64_t flat_offset(const tg_array *a, int64_t i) {
  int64_t off = 0;
  for (int d = a->ndim - 1; d >= 0; d--) {
    int64_t n = a->shape[d];
    off += (i % n) * a->strides[d];
    i /= n;
  }
  return off;
}

/* Is i a valid flat position of a? Sets the thread-local error when not. */
static bool check_index(const tg_array *a, int64_t i, const char *fn) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "%s: NULL array", fn);
    return false;
  }
  if (i < 0 || i >= a->size) {
    tgi_fail(TG_ERR_VALUE, "%s: index %lld is out of range for an array of %lld elements", fn,
             (long long)i, (long long)a->size);
    return false;
  }
  return true;
}

double tg_array_get_f64(const tg_array *a, int64_t i) {
  if (!check_index(a, i, "tg_array_get_f64")) return NAN;
  return tgi_load_f64(a->data + flat_offset(a, i), a->dtype);
}
int64_t tg_array_get_i64(const tg_array *a, int64_t i) {
  if (!check_index(a, i, "tg_array_get_i64")) return 0;
  return tgi_load_i64(a->data + flat_offset(a, i), a->dtype);
}
void tg_array_set_f64(tg_array *a, int64_t i, double v) {
  if (!check_index(a, i, "tg_array_set_f64")) return;
  tgi_store_f64(a->data + flat_offset(a, i), a->dtype, v);
}

/* Element copy with conversion; integers go through int64 so large values stay exact. */
static void convert_elem(char *d, tg_dtype dt, const char *s, tg_dtype st) {
  if (dt == st) memcpy(d, s, tg_dtype_size(dt));
  else if (tg_dtype_is_float(st)) tgi_store_f64(d, dt, tgi_load_f64(s, st));
  else tgi_store_i64(d, dt, tgi_load_i64(s, st));
}

tg_status tg_array_copy_into(tg_array *dst, const tg_array *src) {
  if (!dst || !src) return tgi_fail(TG_ERR_ARG, "tg_array_copy_into: NULL array");
  if (dst->ndim != src->ndim ||
      memcmp(dst->shape, src->shape, (size_t)dst->ndim * sizeof(int64_t)) != 0) {
    char b1[128], b2[128];
    return tgi_fail(TG_ERR_SHAPE, "tg_array_copy_into: shapes differ: %s vs %s",
                    tgi_shape_str(dst->ndim, dst->shape, b1, sizeof b1),
                    tgi_shape_str(src->ndim, src->shape, b2, sizeof b2));
  }
  if (src->size == 0) return TG_OK;
  if (dst->dtype == src->dtype && tg_array_is_contiguous(dst) && tg_array_is_contiguous(src)) {
    memmove(dst->data, src->data, (size_t)src->size * tg_dtype_size(src->dtype));
    return TG_OK;
  }
  /* Storage shared with a different layout (a[...] = a.T): an element could be overwritten
     before it is read, so copy through a temporary, as numpy does. */
  bool same_layout = dst->data == src->data && dst->dtype == src->dtype &&
                     memcmp(dst->strides, src->strides, (size_t)dst->ndim * sizeof(int64_t)) == 0;
  if (!same_layout && (uintptr_t)dst->buf_lo < (uintptr_t)src->buf_hi &&
      (uintptr_t)src->buf_lo < (uintptr_t)dst->buf_hi) {
    tg_array *tmp = tg_array_copy(src);
    if (!tmp) return tg_errstatus();
    tg_status st = tg_array_copy_into(dst, tmp);
    tg_array_unref(tmp);
    return st;
  }
  int64_t idx[TG_MAX_NDIM] = {0};
  do {
    int64_t so = 0, doff = 0;
    for (int i = 0; i < src->ndim; i++) {
      so += idx[i] * src->strides[i];
      doff += idx[i] * dst->strides[i];
    }
    convert_elem(dst->data + doff, dst->dtype, src->data + so, src->dtype);
  } while (tgi_next_index(src->ndim, src->shape, idx));
  return TG_OK;
}

tg_array *tg_array_astype(const tg_array *a, tg_dtype dt) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "tg_array_astype: NULL array");
    return NULL;
  }
  tg_array *c = tgi_array_alloc(dt, a->ndim, a->shape, true, false);
  if (c && tg_array_copy_into(c, a) != TG_OK) {
    tg_array_unref(c);
    return NULL;
  }
  return c;
}

tg_array *tg_array_copy(const tg_array *a) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "tg_array_copy: NULL array");
    return NULL;
  }
  return tg_array_astype(a, a->dtype);
}

bool tg_array_equal(const tg_array *a, const tg_array *b) {
  if (!a || !b || a->dtype != b->dtype || a->ndim != b->ndim) return false;
  if (memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(int64_t)) != 0) return false;
  size_t isz = tg_dtype_size(a->dtype);
  for (int64_t i = 0; i < a->size; i++)
    if (memcmp(a->data + flat_offset(a, i), b->data + flat_offset(b, i), isz) != 0)
      return false;
  return true;
}

bool tg_array_allclose(const tg_array *a, const tg_array *b, double rtol, double atol,
                       bool equal_nan) {
  if (!a || !b) return false;
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  int64_t shape[TG_MAX_NDIM], sa[TG_MAX_NDIM], sb[TG_MAX_NDIM];
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int64_t na = ia >= 0 ? a->shape[ia] : 1, nb = ib >= 0 ? b->shape[ib] : 1;
    if (na != nb && na != 1 && nb != 1) return false;
    shape[i] = na == 1 ? nb : na;
    sa[i] = ia >= 0 && na != 1 ? a->strides[ia] : 0;
    sb[i] = ib >= 0 && nb != 1 ? b->strides[ib] : 0;
  }
  for (int i = 0; i < nd; i++)
    if (shape[i] == 0) return true;
  int64_t idx[TG_MAX_NDIM] = {0};
  bool ints = !tg_dtype_is_float(a->dtype) && !tg_dtype_is_float(b->dtype);
  do {
    int64_t oa = 0, ob = 0;
    for (int i = 0; i < nd; i++) oa += idx[i] * sa[i], ob += idx[i] * sb[i];
    if (ints) {
      int64_t x = tgi_load_i64(a->data + oa, a->dtype), y = tgi_load_i64(b->data + ob, b->dtype);
      if (x == y) continue;
      double d = fabs((double)x - (double)y);
      if (d > atol + rtol * fabs((double)y)) return false;
      continue;
    }
    double x = tgi_load_f64(a->data + oa, a->dtype), y = tgi_load_f64(b->data + ob, b->dtype);
    if (isnan(x) || isnan(y)) {
      if (!(equal_nan && isnan(x) && isnan(y))) return false;
      continue;
    }
    if (x == y) continue; /* covers equal infinities */
    if (isinf(x) || isinf(y)) return false;
    if (fabs(x - y) > atol + rtol * fabs(y)) return false;
  } while (tgi_next_index(nd, shape, idx));
  return true;
}

char *tgi_shape_str(int ndim, const int64_t *shape, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "(");
  for (int i = 0; i < ndim && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (k < n) k += (size_t)snprintf(buf + k, n - k, ndim == 1 ? ",)" : ")");
  return buf;
}
