/* test_extra_util.h: helpers of the extra-op tests (test_extra_*.c): inputs in several
   memory layouts (contiguous, transposed, step 2, reversed), compiling and calling one
   output, and exact comparison against values computed by the test. */
#ifndef TG_TEST_EXTRA_UTIL_H
#define TG_TEST_EXTRA_UTIL_H

#include "shape_check.h"

#define X_HELPER static __attribute__((unused))

static const tg_dtype x_dtypes[] = {TG_BOOL,  TG_INT8,    TG_INT16,  TG_INT32,
                                    TG_INT64, TG_UINT8,   TG_FLOAT32, TG_FLOAT64};
#define X_NDT 8

enum { XL_CONTIG, XL_TRANS, XL_STEP2, XL_REV, XL_COUNT };
static const char *const x_layouts[XL_COUNT] = {"contiguous", "transposed", "step 2",
                                                "reversed"};

/* An array of logical shape `shape` holding vals (C order) in layout L: a view over a
   bigger or permuted base for every layout but the contiguous one. NULL vals: zeros. */
X_HELPER tg_array *x_make(tg_dtype dt, int nd, const int64_t *shape, const double *vals, int L) {
  int64_t bs[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) bs[d] = shape[d];
  tg_array *base, *v;
  if (nd == 0) L = XL_CONTIG;
  switch (L) {
    case XL_TRANS:
      for (int d = 0; d < nd; d++) bs[d] = shape[nd - 1 - d];
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_transpose(base);
      break;
    case XL_STEP2:
      bs[nd - 1] = 2 * shape[nd - 1];
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_slice(base, nd - 1, 0, bs[nd - 1], 2);
      break;
    case XL_REV:
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_slice(base, 0, -1, -(shape[0] + 1), -1);
      break;
    default:
      base = tg_array_zeros(dt, nd, bs);
      v = tg_array_ref(base);
  }
  tg_array_unref(base);
  int64_t n = tg_array_size(v);
  for (int64_t i = 0; vals && i < n; i++) tg_array_set_f64(v, i, vals[i]);
  return v;
}

/* Deterministic test values for dtype dt: small integers of the dtype's range, floats with
   fractions and signs; bool 0/1. Different seeds give different sequences. */
X_HELPER void x_values(tg_dtype dt, int64_t n, unsigned seed, double *out) {
  uint32_t s = seed * 2654435761u + 12345u;
  for (int64_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    int r = (int)((s >> 8) % 2001) - 1000; /* -1000..1000 */
    switch (dt) {
      case TG_BOOL: out[i] = (s >> 12) & 1; break;
      case TG_INT8: out[i] = r % 100; break;
      case TG_UINT8: out[i] = (r + 1000) % 200; break;
      case TG_FLOAT32:
      case TG_FLOAT64: out[i] = r / 8.0; break;
      default: out[i] = r; break;
    }
  }
}

/* An int64 vector constant. */
X_HELPER tg_var *x_const_vec(tg_graph *g, int64_t n, const int64_t *v) {
  tg_array *a = tg_array_from_i64(1, &n, v);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

/* Compile ins -> out, call it on arrs; the result (a new reference) or NULL after a failed
   check. */
X_HELPER tg_array *x_run(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                         tg_array *const *arrs) {
  if (!out) {
    TH_FAIL("build failed: %s", tg_graph_error(g));
    return NULL;
  }
  tg_function *f = tg_function_new(g, n_in, ins, 1, &out, NULL);
  if (!f) {
    TH_FAIL("compile failed: %s", tg_graph_error(g));
    return NULL;
  }
  tg_array *r = NULL;
  if (tg_function_call(f, arrs, &r) != TG_OK) TH_FAIL("call failed: %s", tg_function_error(f));
  tg_function_free(f);
  return r;
}

/* Compile and call expecting status st with `text` in the message. */
X_HELPER void x_run_fails(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                          tg_array *const *arrs, tg_status st, const char *text) {
  tg_function *f = out ? tg_function_new(g, n_in, ins, 1, &out, NULL) : NULL;
  if (!f) {
    TH_FAIL("build/compile failed: %s", tg_graph_error(g));
    return;
  }
  tg_array *r = NULL;
  CHECK_STATUS(tg_function_call(f, arrs, &r), st);
  CHECK_ERROR_CONTAINS(tg_function_error(f), text);
  CHECK(r == NULL);
  tg_function_free(f);
}

/* r has dtype dt, shape (nd, shape) and the values want (C order; NaN matches NaN, and
   a signed zero must match too). Returns 1 when it does, else reports `what`. */
X_HELPER int x_check(const tg_array *r, tg_dtype dt, int nd, const int64_t *shape,
                     const double *want, const char *what) {
  th_checks++;
  if (!r) {
    TH_FAIL("%s: no result", what);
    return 0;
  }
  if (tg_array_dtype(r) != dt || tg_array_ndim(r) != nd) {
    TH_FAIL("%s: got %s rank %d, expected %s rank %d", what, tg_dtype_name(tg_array_dtype(r)),
            tg_array_ndim(r), tg_dtype_name(dt), nd);
    return 0;
  }
  for (int d = 0; d < nd; d++)
    if (tg_array_shape(r)[d] != shape[d]) {
      TH_FAIL("%s: dim %d is %lld, expected %lld", what, d, (long long)tg_array_shape(r)[d],
              (long long)shape[d]);
      return 0;
    }
  for (int64_t i = 0; i < tg_array_size(r); i++) {
    double a = tg_array_get_f64(r, i), b = want[i];
    bool ok = (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
    if (!ok) {
      TH_FAIL("%s: element %lld is %.17g, expected %.17g", what, (long long)i, a, b);
      return 0;
    }
  }
  return 1;
}

/* x_check for int64 results compared exactly as integers. */
X_HELPER int x_check_i64(const tg_array *r, int nd, const int64_t *shape, const int64_t *want,
                         const char *what) {
  th_checks++;
  if (!r || tg_array_dtype(r) != TG_INT64 || tg_array_ndim(r) != nd) {
    TH_FAIL("%s: missing result or not an int64 rank-%d array", what, nd);
    return 0;
  }
  for (int d = 0; d < nd; d++)
    if (tg_array_shape(r)[d] != shape[d]) {
      TH_FAIL("%s: dim %d is %lld, expected %lld", what, d, (long long)tg_array_shape(r)[d],
              (long long)shape[d]);
      return 0;
    }
  for (int64_t i = 0; i < tg_array_size(r); i++)
    if (tg_array_get_i64(r, i) != want[i]) {
      TH_FAIL("%s: element %lld is %lld, expected %lld", what, (long long)i,
              (long long)tg_array_get_i64(r, i), (long long)want[i]);
      return 0;
    }
  return 1;
}

/* The value v as a dtype would hold it (what storing v into dt and reading it back gives). */
X_HELPER double x_as(tg_dtype dt, double v) {
  tg_array *a = tg_array_scalar(dt, v);
  double r = tg_array_get_f64(a, 0);
  tg_array_unref(a);
  return r;
}

#endif
