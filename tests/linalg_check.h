/* linalg_check.h: helpers of the linear algebra tests: seeded random arrays, compiling and
   running a one-output graph, and plain C reference loops (a naive matrix product over
   elements read with tg_array_get_f64, so any strides of the operand are honoured). */
#ifndef TG_LINALG_CHECK_H
#define TG_LINALG_CHECK_H

#include "harness.h"

#define LA_UNUSED __attribute__((unused))

static uint64_t la_seed = 88172645463325252ull;

/* xorshift64: uniform in [-1, 1) */
LA_UNUSED static double la_rand(void) {
  la_seed ^= la_seed << 13;
  la_seed ^= la_seed >> 7;
  la_seed ^= la_seed << 17;
  return (double)(la_seed >> 11) / 4503599627370496.0 - 1.0;
}

/* A C-contiguous array of random values (integers in [-3, 3] for integer dtypes, 0/1 for
   bool). */
LA_UNUSED static tg_array *la_random(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_empty(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) {
    double v = la_rand();
    if (dt == TG_BOOL) v = v > 0;
    else if (!tg_dtype_is_float(dt)) v = floor(v * 3.5 + 0.5);
    tg_array_set_f64(a, i, v);
  }
  return a;
}

/* Compile ins -> out and run it on arrays; the result (NULL and a message on failure). */
LA_UNUSED static tg_array *la_run(tg_graph *g, int n, tg_var *const *ins, tg_var *out,
                        tg_array *const *arrays) {
  tg_function *f = tg_function_new(g, n, ins, 1, &out, NULL);
  if (!f) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_array *r = NULL;
  if (tg_function_call(f, arrays, &r) != TG_OK) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return r;
}

/* The error message of running ins -> out on arrays ("" if it ran). Static storage. */
LA_UNUSED static const char *la_run_error(tg_graph *g, int n, tg_var *const *ins, tg_var *out,
                                tg_array *const *arrays) {
  static char msg[600];
  msg[0] = 0;
  tg_function *f = tg_function_new(g, n, ins, 1, &out, NULL);
  if (!f) {
    snprintf(msg, sizeof msg, "compile: %s", tg_graph_error(g));
    return msg;
  }
  tg_array *r = NULL;
  if (tg_function_call(f, arrays, &r) != TG_OK) snprintf(msg, sizeof msg, "%s", tg_function_error(f));
  tg_array_unref(r);
  tg_function_free(f);
  return msg;
}

/* Element (i, j) of a 2-D array, any strides. */
LA_UNUSED static double la_at(const tg_array *a, int64_t i, int64_t j) {
  return tg_array_get_f64(a, i * tg_array_shape(a)[1] + j);
}

/* True if the 2-D c equals a (m x k) times b (k x n), computed here by a naive loop. */
LA_UNUSED static bool la_matmul_ok(const tg_array *a, const tg_array *b, const tg_array *c, double rtol) {
  int64_t m = tg_array_shape(a)[0], k = tg_array_shape(a)[1], n = tg_array_shape(b)[1];
  if (tg_array_ndim(c) != 2 || tg_array_shape(c)[0] != m || tg_array_shape(c)[1] != n) return false;
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double s = 0, mag = 0;
      for (int64_t p = 0; p < k; p++) {
        s += la_at(a, i, p) * la_at(b, p, j);
        mag += fabs(la_at(a, i, p) * la_at(b, p, j));
      }
      double got = la_at(c, i, j);
      if (!(fabs(got - s) <= rtol * (mag + 1e-300) + 1e-300)) {
        fprintf(stderr, "mismatch at (%lld, %lld): %.17g vs %.17g\n", (long long)i, (long long)j,
                got, s);
        return false;
      }
    }
  return true;
}

#endif
