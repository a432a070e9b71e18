/* rewrite_canon_check.h: helpers for the canonicalisation rewrite tests
   (test_rewrite_canon_*.c): random inputs, the compiled form with a rewrite on and off,
   and the values with it on, off and in FAST_COMPILE (no rewrites but merge and constant
   folding). Include after harness.h. */
#ifndef TG_REWRITE_CANON_CHECK_H
#define TG_REWRITE_CANON_CHECK_H

#include <math.h>
#include <stdlib.h>

#include <tgraph/tgraph.h>

#include "rewrite_check.h"

/* Random array of dtype dt, values in [lo, hi) (truncated toward 0 for int dtypes). */
static inline tg_array *cc_rnd(tg_dtype dt, int ndim, const int64_t *shape, double lo, double hi,
                               unsigned *seed) {
  tg_array *a = tg_array_zeros(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++)
    tg_array_set_f64(a, i, lo + (hi - lo) * (rand_r(seed) / (RAND_MAX + 1.0)));
  return a;
}

/* Rewrites excluded besides the one tested, so that the forms checked stay visible:
   fusion would merge the elementwise ops into one Composite. */
#define CC_EXCL "fusion"

/* Compile out in FAST_RUN with `name` on, then off (excluded by name), and check: it
   fired only when on; op `op` appears n_on times with it on and n_off times with it off.
   extra (NULL: none) names more rewrites to exclude in both compiles, those that would
   otherwise reach the same form another way. Returns 0 when every check held. */
static inline int cc_form(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                          const char *name, const char *extra, const char *op, int n_on,
                          int n_off) {
  char excl[512], base[256];
  snprintf(base, sizeof base, "%s%s%s", CC_EXCL, extra ? ":" : "", extra ? extra : "");
  snprintf(excl, sizeof excl, "%s:%s", base, name);
  tg_function *on = rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", base);
  tg_function *off = rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", excl);
  int bad = 0;
  CHECK(on != NULL);
  CHECK(off != NULL);
  if (!on || !off) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    bad++;
  } else {
    bool fired = rw_fired(on, name) > 0, quiet = rw_fired(off, name) == 0;
    int a = rw_count_op(on, op), b = rw_count_op(off, op);
    CHECK(fired);
    CHECK(quiet);
    CHECK(a == n_on);
    CHECK(b == n_off);
    if (!fired || !quiet || a != n_on || b != n_off) {
      char *t1 = rw_graph_text(on), *t2 = rw_graph_text(off);
      fprintf(stderr, "%s: %s on: %d (want %d), off: %d (want %d)\non:\n%soff:\n%s", name, op,
              a, n_on, b, n_off, t1 ? t1 : "?", t2 ? t2 : "?");
      free(t1);
      free(t2);
      bad++;
    }
  }
  tg_function_free(on);
  tg_function_free(off);
  return bad;
}

/* Check `name` did not fire on out (FAST_RUN). */
static inline void cc_not_fired(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                                const char *name) {
  tg_function *f = rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", CC_EXCL);
  CHECK(f != NULL);
  if (f) {
    CHECK(rw_fired(f, name) == 0);
    if (rw_fired(f, name)) {
      char *t = rw_graph_text(f);
      fprintf(stderr, "%s fired where it should not:\n%s", name, t ? t : "?");
      free(t);
    }
  }
  tg_function_free(f);
}

/* Run out on args in FAST_RUN with `name` on, with it off, and in FAST_COMPILE; check
   all agree within rtol/atol (NaNs where NaNs) and, when want is not NULL, that the
   FAST_RUN result is close to want (computed independently by the caller). */
static inline void cc_values(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                             const char *name, tg_array *const *args, double rtol, double atol,
                             const tg_array *want) {
  tg_function *f[3] = {rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", NULL),
                       rw_compile(g, n_in, ins, 1, &out, "FAST_RUN", name),
                       rw_compile(g, n_in, ins, 1, &out, "FAST_COMPILE", NULL)};
  tg_array *r[3] = {NULL, NULL, NULL};
  for (int k = 0; k < 3; k++) {
    CHECK(f[k] != NULL);
    if (f[k]) CHECK_STATUS(tg_function_call(f[k], args, &r[k]), TG_OK);
  }
  if (r[0] && r[1] && r[2]) {
    CHECK(tg_array_dtype(r[0]) == tg_var_dtype(out));
    bool a = tg_array_allclose(r[0], r[2], rtol, atol, true);
    bool b = tg_array_allclose(r[1], r[2], rtol, atol, true);
    CHECK(a);
    CHECK(b);
    if (want) CHECK(tg_array_allclose(r[0], want, rtol, atol, true));
    if (!a) {
      char *t = rw_graph_text(f[0]);
      fprintf(stderr, "FAST_RUN differs from FAST_COMPILE; graph:\n%s", t ? t : "?");
      free(t);
    }
  }
  for (int k = 0; k < 3; k++) {
    tg_array_unref(r[k]);
    tg_function_free(f[k]);
  }
}

#endif
