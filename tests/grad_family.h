/* grad_family.h: helpers of the per-family gradient tests (test_grad_shape/index/extra):
   seeded random arrays, strided and reversed copies, tg_verify_grad on float64 and
   float32 and on several layouts, second-order checks, and compile-and-call. */
#ifndef TG_GRAD_FAMILY_H
#define TG_GRAD_FAMILY_H

#include <stdint.h>

#include "harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Deterministic values in [lo, hi) of dtype dt. */
static inline tg_array *rnd(tg_dtype dt, int nd, const int64_t *shape, double lo, double hi) {
  tg_array *a = tg_array_empty(dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    tg_array_set_f64(a, i, lo + (hi - lo) * (double)(rng >> 11) * 0x1.0p-53);
  }
  return a;
}

/* a's values in a non-contiguous view: every other row of a bigger array (step 2) or the
   rows of an array stored backwards (step -1, negative strides). */
static inline tg_array *strided(const tg_array *a, int step) {
  int nd = tg_array_ndim(a);
  int64_t shape[8], n = tg_array_shape(a)[0], m = n ? tg_array_size(a) / n : 0;
  memcpy(shape, tg_array_shape(a), sizeof(int64_t) * (size_t)nd);
  shape[0] = step == 2 ? 2 * n : n;
  tg_array *big = tg_array_empty(tg_array_dtype(a), nd, shape);
  for (int64_t i = 0; i < tg_array_size(big); i++) tg_array_set_f64(big, i, 1e6); /* gaps */
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < m; j++)
      tg_array_set_f64(big, (step == 2 ? 2 * i : n - 1 - i) * m + j,
                       tg_array_get_f64(a, i * m + j));
  tg_array *v = step == 2 ? tg_array_slice(big, 0, 0, INT64_MAX, 2)
                          : tg_array_slice(big, 0, -1, INT64_MIN, -1);
  tg_array_unref(big);
  return v;
}

/* tg_verify_grad on the inputs as given, then with the float64 ones as float32. */
static inline void verify(const char *what, tg_build_fn fn, void *ud, int n, tg_array *const *in) {
  char msg[1024];
  tg_array *f32[8];
  th_checks++;
  if (tg_verify_grad(fn, ud, n, in, NULL, msg, sizeof msg) != TG_OK)
    TH_FAIL("%s (float64): %s", what, msg);
  for (int i = 0; i < n; i++)
    f32[i] = tg_array_dtype(in[i]) == TG_FLOAT64 ? tg_array_astype(in[i], TG_FLOAT32)
                                                 : tg_array_ref(in[i]);
  th_checks++;
  if (tg_verify_grad(fn, ud, n, f32, NULL, msg, sizeof msg) != TG_OK)
    TH_FAIL("%s (float32): %s", what, msg);
  for (int i = 0; i < n; i++) tg_array_unref(f32[i]);
}

/* verify() on in as given, and with in[0] replaced by strided views of its values. */
static inline void verify_layouts(const char *what, tg_build_fn fn, void *ud, int n, tg_array **in) {
  verify(what, fn, ud, n, in);
  tg_array *keep = in[0];
  for (int s = 0; s < 2; s++) {
    in[0] = strided(keep, s ? -1 : 2);
    verify(what, fn, ud, n, in);
    tg_array_unref(in[0]);
  }
  in[0] = keep;
}

static inline void unref_all(int n, tg_array **a) {
  for (int i = 0; i < n; i++) tg_array_unref(a[i]);
}

/* A build wrapped for a second-order check: the gradient of sum(sin(inner(...))) with
   respect to input 0, itself checked against finite differences. */
typedef struct {
  tg_build_fn inner;
  void *ud;
} second;

static inline tg_var *build_second(tg_graph *g, int n, tg_var *const *in, void *ud) {
  second *s = ud;
  tg_var *out = s->inner(g, n, in, s->ud), *gr;
  tg_var *c = tg_sum(tg_sin(out), TG_ALL_AXES, false);
  return c && tg_grad(c, 1, in, &gr) == TG_OK ? gr : NULL;
}

static inline void verify_second(const char *what, tg_build_fn fn, void *ud, int n, tg_array **in) {
  second s = {fn, ud};
  verify(what, build_second, &s, n, in);
}

/* Compile (inputs may be unused: a gradient may not need x's value) and call once;
   out[] receives the results. */
static inline int run(tg_graph *g, int n_in, tg_var *const *in, int n_out,
                      tg_var *const *outs, tg_array *const *args, tg_array **out) {
  tg_function *f = th_compile(g, n_in, in, n_out, outs);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return 0;
  }
  int ok = tg_function_call(f, args, out) == TG_OK;
  if (!ok) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return ok;
}

static inline tg_var *ci64(tg_graph *g, int nd, const int64_t *shape, const int64_t *v) {
  tg_array *a = tg_array_from_i64(nd, shape, v);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

#endif
