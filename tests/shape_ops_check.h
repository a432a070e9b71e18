/* shape_ops_check.h: helpers for the shape-op tests (test_shape_ops_*.c): inputs of every
   dtype in several layouts (contiguous, strided, reversed, transposed) filled through
   their own strides, element access by multi-index written here (not the library's), and
   compile-and-run shortcuts. Shape ops move elements without changing them, so results
   are compared byte for byte against the input element the op should have picked. */
#ifndef TG_SHAPE_OPS_CHECK_H
#define TG_SHAPE_OPS_CHECK_H

#include "core/core.h"
#include "shape_check.h"

#define SX_UNUSED __attribute__((unused)) /* not every test file uses every helper */
/* counts as a use of shape_check.h's checker in files that do not call it */
static SX_UNUSED int (*const sx_keep_checker)(tg_graph *, int, tg_var *const *, tg_var *,
                                              tg_array *const *) = th_infer_shape_ok;

static SX_UNUSED const tg_dtype sx_all_dtypes[] = {TG_BOOL,  TG_INT8,    TG_INT16,  TG_INT32,
                                         TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
#define SX_NDT ((int)(sizeof sx_all_dtypes / sizeof sx_all_dtypes[0]))

enum { SX_CONTIG = 0, SX_STRIDED = 1, SX_REVERSED = 2, SX_TRANSPOSED = 3, SX_NLAYOUTS = 4 };

/* Address of element idx of a, from its strides. */
static SX_UNUSED char *sx_at(const tg_array *a, const int64_t *idx) {
  char *p = tg_array_data(a);
  for (int d = 0; d < tg_array_ndim(a); d++) p += idx[d] * tg_array_strides(a)[d];
  return p;
}

/* Next C-order index; false after the last. */
static SX_UNUSED int sx_next(int nd, const int64_t *shape, int64_t *idx) {
  for (int d = nd - 1; d >= 0; d--) {
    if (++idx[d] < shape[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

static SX_UNUSED int64_t sx_size(int nd, const int64_t *shape) {
  int64_t n = 1;
  for (int d = 0; d < nd; d++) n *= shape[d];
  return n;
}

/* The value stored at C-order position i of test inputs: distinct where the dtype allows,
   with int64 values beyond double precision so a conversion through double would show. */
static SX_UNUSED void sx_store(tg_dtype dt, char *p, int64_t i) {
  switch (dt) {
    case TG_BOOL: *(uint8_t *)p = (uint8_t)(i % 3 != 0); break;
    case TG_INT8: *(int8_t *)p = (int8_t)(i % 200 - 100); break;
    case TG_UINT8: *(uint8_t *)p = (uint8_t)(i % 251 + 3); break;
    case TG_INT16: *(int16_t *)p = (int16_t)(i * 7 - 300); break;
    case TG_INT32: *(int32_t *)p = (int32_t)(i * 1001 - 70000); break;
    case TG_INT64: *(int64_t *)p = (int64_t)i * 1000000007 + ((int64_t)1 << 55); break;
    case TG_FLOAT32: *(float *)p = (float)i * 0.5f - 3.25f; break;
    case TG_FLOAT64: *(double *)p = (double)i * 0.25 - 1e10; break;
    default: break;
  }
}

/* An element as double, read with a plain switch (for checks across dtypes). */
static SX_UNUSED double sx_load(tg_dtype dt, const char *p) {
  switch (dt) {
    case TG_BOOL: return *(const uint8_t *)p != 0;
    case TG_INT8: return *(const int8_t *)p;
    case TG_UINT8: return *(const uint8_t *)p;
    case TG_INT16: return *(const int16_t *)p;
    case TG_INT32: return *(const int32_t *)p;
    case TG_INT64: return (double)*(const int64_t *)p;
    case TG_FLOAT32: return *(const float *)p;
    case TG_FLOAT64: return *(const double *)p;
    default: return NAN;
  }
}

/* A new array of shape shape[nd] in the given layout whose C-order element i holds
   sx_store's value for i (or i + base). The strided layout skips every other element of
   the last dim; reversed walks dim 0 backwards; transposed stores the data Fortran order. */
static SX_UNUSED tg_array *sx_make_base(tg_dtype dt, int nd, const int64_t *shape, int layout,
                                        int64_t base) {
  int64_t big[TG_MAX_NDIM], rev[TG_MAX_NDIM];
  tg_array *owner, *v;
  if (nd == 0) layout = SX_CONTIG;
  if (layout == SX_STRIDED) {
    memcpy(big, shape, sizeof(int64_t) * (size_t)nd);
    big[nd - 1] = 2 * shape[nd - 1];
    owner = tg_array_zeros(dt, nd, big);
    if (!owner) return NULL;
    v = tg_array_slice(owner, nd - 1, 0, big[nd - 1], 2);
    tg_array_unref(owner);
  } else if (layout == SX_REVERSED) {
    owner = tg_array_zeros(dt, nd, shape);
    if (!owner) return NULL;
    v = tg_array_slice(owner, 0, -1, INT64_MIN, -1);
    tg_array_unref(owner);
  } else if (layout == SX_TRANSPOSED) {
    for (int d = 0; d < nd; d++) rev[d] = shape[nd - 1 - d];
    owner = tg_array_zeros(dt, nd, rev);
    if (!owner) return NULL;
    v = tg_array_transpose(owner);
    tg_array_unref(owner);
  } else {
    v = tg_array_zeros(dt, nd, shape);
  }
  if (!v) return NULL;
  int64_t idx[TG_MAX_NDIM] = {0}, i = 0;
  if (sx_size(nd, shape) > 0) do sx_store(dt, sx_at(v, idx), base + i++);
    while (sx_next(nd, shape, idx));
  return v;
}

static SX_UNUSED tg_array *sx_make(tg_dtype dt, int nd, const int64_t *shape, int layout) {
  return sx_make_base(dt, nd, shape, layout, 0);
}

/* Compile ins -> out, call on arrays; the result (or NULL, message printed). */
static SX_UNUSED tg_array *sx_run(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                        tg_array *const *arrays) {
  tg_function *f = tg_function_new(g, n_in, ins, 1, &out, NULL);
  if (!f) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_array *res = NULL;
  if (tg_function_call(f, arrays, &res) != TG_OK)
    fprintf(stderr, "call failed: %s\n", tg_function_error(f));
  tg_function_free(f);
  return res;
}

/* Compile and call expecting a run-time error; returns 1 if the call failed with a
   message containing text. */
static SX_UNUSED int sx_run_fails(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                        tg_array *const *arrays, const char *text) {
  tg_function *f = tg_function_new(g, n_in, ins, 1, &out, NULL);
  if (!f) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    return 0;
  }
  tg_array *res = NULL;
  tg_status st = tg_function_call(f, arrays, &res);
  int ok = st != TG_OK && strstr(tg_function_error(f), text) != NULL;
  if (!ok)
    fprintf(stderr, "expected an error with \"%s\", got \"%s\"\n", text, tg_function_error(f));
  tg_array_unref(res);
  tg_function_free(f);
  return ok;
}

/* True if a's shape is shape[nd]. */
static SX_UNUSED int sx_shape_is(const tg_array *a, int nd, const int64_t *shape) {
  if (!a || tg_array_ndim(a) != nd) return 0;
  for (int d = 0; d < nd; d++)
    if (tg_array_shape(a)[d] != shape[d]) return 0;
  return 1;
}

/* True if a and b hold the same elements in C order (their shapes may differ, sizes and
   dtypes must not). */
static SX_UNUSED int sx_same_flat(const tg_array *a, const tg_array *b) {
  if (!a || !b || tg_array_dtype(a) != tg_array_dtype(b) || tg_array_size(a) != tg_array_size(b))
    return 0;
  if (tg_array_size(a) == 0) return 1;
  size_t isz = tg_dtype_size(tg_array_dtype(a));
  int64_t ia[TG_MAX_NDIM] = {0}, ib[TG_MAX_NDIM] = {0};
  do {
    if (memcmp(sx_at(a, ia), sx_at(b, ib), isz) != 0) return 0;
    sx_next(tg_array_ndim(b), tg_array_shape(b), ib);
  } while (sx_next(tg_array_ndim(a), tg_array_shape(a), ia));
  return 1;
}

/* True if r and x share storage: r's elements lie in x's storage block. */
static SX_UNUSED int sx_shares(const tg_array *r, const tg_array *x) {
  return r && x && r->buf_lo == x->buf_lo && tg_array_is_view(r);
}

#endif
