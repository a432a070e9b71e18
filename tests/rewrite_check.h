/* rewrite_check.h: helpers for rewrite tests. Compile a graph in a given mode (with
   rewrites excluded by name), look at the compiled graph (which ops it runs, which
   rewrites fired) and check that two modes compute the same values. Include after
   harness.h. */
#ifndef TG_REWRITE_CHECK_H
#define TG_REWRITE_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "compile/function_impl.h"
#include "graph/print.h"

/* Compile with mode ("FAST_RUN", "FAST_COMPILE") and optimizer_excluding (NULL: none). */
static inline tg_function *rw_compile(tg_graph *g, int n_in, tg_var *const *ins, int n_out,
                                      tg_var *const *outs, const char *mode,
                                      const char *excluding) {
  tg_options *o = tg_options_new();
  if (!o) return NULL;
  tg_options_set(o, "on_unused_input", "ignore");
  if (mode) tg_options_set(o, "mode", mode);
  if (excluding) tg_options_set(o, "optimizer_excluding", excluding);
  tg_function *f = tg_function_new(g, n_in, ins, n_out, outs, o);
  tg_options_free(o);
  return f;
}

/* Number of instructions of f (control instructions aside) whose op displays as `name` ("Elemwise{log1p}") or, when
   name ends with '*', starts with it ("Elemwise*"). */
static inline int rw_count_op(const tg_function *f, const char *name) {
  int n = 0;
  size_t k = strlen(name);
  bool prefix = k && name[k - 1] == '*';
  for (int i = 0; i < f->n_instr; i++) {
    char buf[TGI_LABEL_MAX];
    if (f->code[i].jump >= 0) continue; /* a lazy IfElse's branch or jump */
    tgi_op_describe(f->code[i].op, buf, sizeof buf);
    n += prefix ? strncmp(buf, name, k - 1) == 0 : strcmp(buf, name) == 0;
  }
  return n;
}

/* Times rewrite `name` fired while compiling f (0 if it did not). */
static inline int64_t rw_fired(const tg_function *f, const char *name) {
  int64_t c = 0;
  for (int i = 0; i < tg_function_n_rewrites(f); i++)
    if (strcmp(tg_function_rewrite(f, i, &c), name) == 0) return c;
  return 0;
}

/* The compiled graph as debugprint text (malloc'd; free it), for messages. */
static inline char *rw_graph_text(const tg_function *f) {
  char *buf = NULL;
  size_t n = 0;
  FILE *fp = open_memstream(&buf, &n);
  if (!fp) return NULL;
  tg_function_debugprint(f, fp);
  fclose(fp);
  return buf;
}

/* Compile outs in FAST_RUN and FAST_COMPILE, run both on args, and check every output
   agrees within rtol/atol (NaNs must match). Returns the number of mismatching outputs
   (checks recorded through the harness). */
static inline int rw_check_modes(tg_graph *g, int n_in, tg_var *const *ins, int n_out,
                                 tg_var *const *outs, tg_array *const *args, double rtol,
                                 double atol) {
  tg_function *fr = rw_compile(g, n_in, ins, n_out, outs, "FAST_RUN", NULL);
  tg_function *fc = rw_compile(g, n_in, ins, n_out, outs, "FAST_COMPILE", NULL);
  CHECK(fr != NULL);
  CHECK(fc != NULL);
  int bad = 0;
  if (fr && fc) {
    tg_array *r[16] = {0}, *c[16] = {0};
    CHECK_STATUS(tg_function_call(fr, args, r), TG_OK);
    CHECK_STATUS(tg_function_call(fc, args, c), TG_OK);
    for (int o = 0; o < n_out && o < 16; o++) {
      bool same = r[o] && c[o] && tg_array_allclose(r[o], c[o], rtol, atol, true);
      if (!same) {
        bad++;
        char *t = rw_graph_text(fr);
        fprintf(stderr, "output %d differs between FAST_RUN and FAST_COMPILE; FAST_RUN "
                "graph:\n%s", o, t ? t : "?");
        free(t);
      }
      CHECK(same);
      tg_array_unref(r[o]);
      tg_array_unref(c[o]);
    }
  }
  tg_function_free(fr);
  tg_function_free(fc);
  return bad;
}

#endif
