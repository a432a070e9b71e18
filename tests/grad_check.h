/* grad_check.h: helpers shared by the gradient tests (test_grad_*.c): a seeded generator,
   random arrays inside a range, the same values laid out non-contiguously (transposed,
   reversed, strided), and CHECK_VERIFY, which runs tg_verify_grad and prints its message
   when it fails. Include after harness.h. */
#ifndef TG_GRAD_CHECK_H
#define TG_GRAD_CHECK_H

#include <stdint.h>

#include "harness.h"

#define GC_FN __attribute__((unused)) static

static uint64_t gc_seed = 0x1234567u;

GC_FN double gc_uniform(void) { /* splitmix64, so every run sees the same numbers */
  uint64_t z = (gc_seed += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* An array of dtype dt with values uniform in [lo, hi). */
GC_FN tg_array *gc_rand(tg_dtype dt, int ndim, const int64_t *shape, double lo, double hi) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++)
    tg_array_set_f64(a, i, lo + (hi - lo) * gc_uniform());
  return a;
}

/* An array from the given values. */
GC_FN tg_array *gc_from(tg_dtype dt, int ndim, const int64_t *shape, const double *v) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, v[i]);
  return a;
}

/* a's values in a view that is not contiguous. kind 0: the transpose of a fresh array;
   kind 1: every other row (step 2 along axis 0) of a bigger array with the last axis
   reversed (a negative stride). 0-d arrays are returned as a new reference. */
GC_FN tg_array *gc_noncontig(tg_array *a, int kind) {
  int nd = tg_array_ndim(a);
  if (nd == 0) return tg_array_ref(a);
  int64_t shape[TG_MAX_NDIM];
  tg_array *base, *v;
  if (kind == 0) {
    for (int d = 0; d < nd; d++) shape[d] = tg_array_shape(a)[nd - 1 - d];
    base = tg_array_empty(tg_array_dtype(a), nd, shape);
    v = tg_array_transpose(base);
  } else {
    memcpy(shape, tg_array_shape(a), sizeof(int64_t) * (size_t)nd);
    shape[0] *= 2;
    base = tg_array_empty(tg_array_dtype(a), nd, shape);
    tg_array *half = tg_array_slice(base, 0, 0, INT64_MAX, 2);
    v = tg_array_slice(half, nd - 1, INT64_MAX, INT64_MIN, -1);
    tg_array_unref(half);
  }
  tg_array_unref(base);
  for (int64_t i = 0; v && i < tg_array_size(v); i++) tg_array_set_f64(v, i, tg_array_get_f64(a, i));
  return v;
}

/* tg_verify_grad must pass; on failure its message is printed with the case's label. */
#define CHECK_VERIFY(label, build, ud, n, inputs, opts)                                   \
  do {                                                                                    \
    char gc_msg[1024];                                                                    \
    tg_status gc_st = tg_verify_grad((build), (ud), (n), (inputs), (opts), gc_msg,        \
                                     sizeof gc_msg);                                      \
    th_checks++;                                                                          \
    if (gc_st != TG_OK) TH_FAIL("%s: %s (%s)", (label), gc_msg, tg_status_name(gc_st));   \
  } while (0)

/* Compile inputs -> outputs, call once on args; 1 on success, results in out[]. */
GC_FN int gc_run(tg_graph *g, int n_in, tg_var *const *in, int n_out, tg_var *const *outs,
                  tg_array *const *args, tg_array **out) {
  tg_function *f = tg_function_new(g, n_in, in, n_out, outs, NULL);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return 0;
  }
  int ok = tg_function_call(f, args, out) == TG_OK;
  if (!ok) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return ok;
}

#endif
