/* grad_chain.c (bench): time to build the gradient of a 10,000-op elementwise chain, next
   to the time to build the forward chain itself (the same number of builder calls), in
   the same run: the ratio shows the gradient costs a small constant per forward node. */
#include <tgraph/tgraph.h>

#include "bench.h"

#define OPS 10000

static tg_var *chain(tg_graph *g, tg_var *x) {
  tg_var *y = x, *c = tg_const_f64(g, 0.01);
  for (int i = 0; i < OPS; i++) {
    switch (i % 4) {
      case 0: y = tg_add(y, tg_mul(c, tg_tanh(y))); i += 2; break;
      case 1: y = tg_mul(y, c); break;
      case 2: y = tg_sub(y, c); break;
      default: y = tg_sin(y); break;
    }
  }
  return y;
}

int main(void) {
  double tf[7], tg[7];
  int64_t nf = 0, ng = 0;
  for (int r = 0; r < 7; r++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64);
    double t0 = bench_now();
    tg_var *y = tg_sum(chain(g, x), -1, NULL, false);
    tf[r] = bench_now() - t0;
    nf = tg_graph_n_nodes(g);
    tg_var *gx;
    t0 = bench_now();
    if (tg_grad(y, 1, &x, &gx) != TG_OK) {
      fprintf(stderr, "grad_chain: %s\n", tg_graph_error(g));
      return 1;
    }
    tg[r] = bench_now() - t0;
    ng = tg_graph_n_nodes(g) - nf;
    tg_graph_free(g);
  }
  printf("# forward chain: %lld nodes; its gradient adds %lld nodes\n", (long long)nf, (long long)ng);
  bench_report("grad_chain_10000", 1e3 * bench_median(tg, 7), 1e3 * bench_median(tf, 7), "ms", 1);
  return 0;
}
