/* compile.c: how long FAST_RUN rewriting takes on elementwise chains of 200, 2,000,
   10,000 and 100,000 ops (issue 7's scale target: 10,000 ops in at most 0.5 s, time per
   node roughly constant). tgraph= is the time of tg_function_new on the reference linker
   (clone, rewrite, lay out; no C compiler), ref= is that time per node, and ratio= is
   the time per node over the 2,000-op chain's, which should stay near 1. */
#include <stdio.h>

#include <tgraph/tgraph.h>

#include "bench.h"

static tg_graph *g;
static tg_var *x, *y;
static tg_options *opts;

/* x -> mul, add, sin, abs, ... n ops */
static void build(int n) {
  g = tg_graph_new();
  x = tg_vector(g, "x", TG_FLOAT32);
  y = x;
  for (int i = 0; i < n; i++) {
    switch (i % 4) {
      case 0: y = tg_mul(y, tg_const_f64(g, 0.999)); break;
      case 1: y = tg_add(y, tg_const_f64(g, 0.001)); break;
      case 2: y = tg_sin(y); break;
      default: y = tg_abs(y); break;
    }
  }
}

static int compile_once(void *ctx, long iters) {
  (void)ctx;
  for (long i = 0; i < iters; i++) {
    tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), opts);
    if (!f) {
      fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
      return 1;
    }
    tg_function_free(f);
  }
  return 0;
}

int main(void) {
  opts = tg_options_new();
  tg_options_set(opts, "mode", "FAST_RUN");
  tg_options_set(opts, "linker", "ref");
  static const int sizes[] = {2000, 200, 10000, 100000};
  double per_node_2000 = 0;
  for (int k = 0; k < 4; k++) {
    int n = sizes[k];
    build(n);
    int reps = n >= 100000 ? 3 : n >= 10000 ? 5 : 11;
    double t = bench_time(compile_once, NULL, 1, reps, 1);
    double per = t / n;
    if (n == 2000) per_node_2000 = per;
    char name[64];
    snprintf(name, sizeof name, "rewrite_chain_%d", n);
    printf("BENCH name=%s tgraph=%.4g ref=%.4g unit=s ratio=%.3g threads=1\n", name, t, per,
           per / per_node_2000);
    fflush(stdout);
    tg_graph_free(g);
  }
  tg_options_free(opts);
  return 0;
}
