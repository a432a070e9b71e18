/* test_rewrite_random.c: the random-graph differential test of the rewrites. Thousands of
   random well-typed graphs of elementwise ops (with weak constants and broadcasting rows
   and columns), reductions, shape ops and dot products are compiled in FAST_RUN and in
   FAST_COMPILE and run on the same random inputs; every output must agree within the
   dtype's tolerance. A failure prints the seed and both compiled graphs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <tgraph/tgraph.h>

#include "harness.h"
#include "rewrite_check.h"

#define N 4 /* every matrix is N x N, rows 1 x N, columns N x 1 */

typedef struct {
  tg_graph *g;
  tg_var *pool[64];
  int n;
  unsigned seed;
  tg_dtype dt;
} gen;

static unsigned rnd(gen *G, unsigned n) { return (unsigned)rand_r(&G->seed) % n; }
static tg_var *pick(gen *G) { return G->pool[G->n - 1 - (int)rnd(G, (unsigned)(G->n < 6 ? G->n : 6))]; }
static tg_var *any(gen *G) { return G->pool[rnd(G, (unsigned)G->n)]; }

/* Values stay moderate: unbounded ops get bounded inputs. */
static tg_var *grow(gen *G) {
  tg_graph *g = G->g;
  tg_var *a = pick(G), *b = any(G);
  switch (rnd(G, 22)) {
    case 0: return tg_add(a, b);
    case 1: return tg_sub(a, b);
    case 2: return tg_mul(a, b);
    case 3: return tg_true_div(a, tg_add(tg_abs(b), tg_const_f64(g, 1.0)));
    case 4: return tg_tanh(a);
    case 5: return tg_exp(tg_tanh(a));
    case 6: return tg_log(tg_add(tg_const_f64(g, 1.0), tg_exp(tg_tanh(a)))); /* softplus form */
    case 7: return tg_log1p(tg_abs(a));
    case 8: return tg_sqrt(tg_sqr(a));
    case 9: return tg_pow(tg_tanh(a), tg_const_f64(g, (double)(2 + rnd(G, 3))));
    case 10: return tg_neg(tg_neg(a));
    case 11: return tg_maximum(a, b);
    case 12: return tg_mul(a, tg_const_f64(g, 0.5 + rnd(G, 4)));
    case 13: return tg_add(tg_add(a, tg_const_f64(g, 1.0)), tg_add(b, tg_const_f64(g, 2.0)));
    case 14: return tg_sub(tg_mul(a, b), tg_mul(b, a));
    case 15: return tg_sum(a, TG_AXES((int)rnd(G, 2)), true);          /* a row or column */
    case 16: return tg_mean(a, TG_ALL_AXES, true);                      /* 1 x 1 */
    case 17: return tg_transpose(a, 0, NULL);
    case 18: return tg_reshape(tg_flatten(a, 1), tg_shape(a));
    case 19: return tg_mul(tg_dot(tg_tanh(a), tg_tanh(b)), tg_const_f64(g, 0.25));
    case 20: return tg_add(tg_dot(tg_tanh(a), tg_tanh(b)), a);          /* gemm form */
    default: return tg_sigmoid(a);
  }
}

static tg_array *rnd_array(gen *G, int64_t r, int64_t c) {
  tg_array *x = tg_array_zeros(G->dt, 2, (int64_t[]){r, c});
  for (int64_t i = 0; i < r * c; i++) tg_array_set_f64(x, i, (rand_r(&G->seed) / (double)RAND_MAX) * 4 - 2);
  return x;
}

/* Which rewrites fired over the whole run, to show the test reaches them. */
static const char *seen[256];
static int n_seen;
static void tally(const char *name) {
  for (int i = 0; i < n_seen; i++)
    if (strcmp(seen[i], name) == 0) return;
  if (n_seen < 256) seen[n_seen++] = name;
}

static int one_graph(unsigned seed, tg_dtype dt) {
  gen G = {.g = tg_graph_new(), .seed = seed, .dt = dt};
  tg_var *in[3] = {tg_matrix(G.g, "a", dt), tg_tensor(G.g, "r", dt, 2, (int64_t[]){1, -1}),
                   tg_tensor(G.g, "c", dt, 2, (int64_t[]){-1, 1})};
  tg_var *m = tg_matrix(G.g, "b", dt);
  G.pool[G.n++] = in[0];
  G.pool[G.n++] = m;
  G.pool[G.n++] = tg_add(in[1], m); /* broadcast a row and a column in early */
  G.pool[G.n++] = tg_mul(in[2], in[0]);
  int ops = 6 + (int)rnd(&G, 20);
  for (int k = 0; k < ops && G.n < 60; k++) {
    tg_var *v = grow(&G);
    if (!v) break;
    /* keep the pool N x N (reductions and broadcasts come back through an add) */
    if (tg_var_ndim(v) != 2) continue;
    if (tg_var_dim(v, 0) == 1 || tg_var_dim(v, 1) == 1) v = tg_add(v, pick(&G));
    G.pool[G.n++] = v;
  }
  tg_var *outs[3] = {G.pool[G.n - 1], G.pool[G.n - 2], tg_sum(G.pool[G.n - 3], TG_ALL_AXES, false)};
  int bad = 0;
  if (tg_graph_status(G.g) != TG_OK) {
    fprintf(stderr, "seed %u: building failed: %s\n", seed, tg_graph_error(G.g));
    bad = 1;
  } else {
    tg_array *args[4] = {rnd_array(&G, N, N), rnd_array(&G, 1, N), rnd_array(&G, N, 1),
                         rnd_array(&G, N, N)};
    tg_var *ins[4] = {in[0], in[1], in[2], m};
    double tol = dt == TG_FLOAT64 ? 1e-9 : 2e-4;
    bad = rw_check_modes(G.g, 4, ins, 3, outs, args, tol, tol);
    tg_function *f = rw_compile(G.g, 4, ins, 3, outs, "FAST_RUN", NULL);
    for (int i = 0; f && i < tg_function_n_rewrites(f); i++) tally(tg_function_rewrite(f, i, NULL));
    tg_function_free(f);
    if (bad) fprintf(stderr, "seed %u (%s) differs\n", seed, tg_dtype_name(dt));
    for (int i = 0; i < 4; i++) tg_array_unref(args[i]);
  }
  tg_graph_free(G.g);
  return bad;
}

TEST(random_graphs_fast_run_equals_fast_compile) {
#ifdef __SANITIZE_ADDRESS__
  const unsigned n = 300;
#else
  const unsigned n = 2500;
#endif
  int bad = 0;
  for (unsigned s = 1; s <= n && bad < 5; s++) bad += one_graph(s, s % 3 ? TG_FLOAT64 : TG_FLOAT32);
  CHECK(bad == 0);
  fprintf(stderr, "%d rewrites fired:", n_seen);
  for (int i = 0; i < n_seen; i++) fprintf(stderr, " %s", seen[i]);
  fprintf(stderr, "\n");
  CHECK(n_seen >= 6); /* merge, folding, fusion, reduce fusion and at least two others */
}
