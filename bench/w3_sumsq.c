/* w3_sumsq.c: W3, sum((a - b)**2) over 2^24 float32 values: the subtraction and square
   fused into the reduction (one FusedSum kernel, one pass over memory) on the native
   backend, against a hand C loop built with -O3 -march=native -ffast-math -fopenmp
   (bench/ref/w3_ref.c) on the same number of threads, repetitions interleaved.
   Run: build/bench/w3_sumsq [reps]. */
#include <math.h>

#include "bench.h"

float w3_ref(int64_t n, const float *a, const float *b, int threads);

typedef struct {
  tg_array *in[2];
  int64_t n;
  int threads;
  volatile float sink;
} w3;

static int run_ref(void *ctx, long iters) {
  w3 *w = ctx;
  for (long i = 0; i < iters; i++)
    w->sink = w3_ref(w->n, tg_array_data(w->in[0]), tg_array_data(w->in[1]), w->threads);
  return 0;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 15;
  w3 w = {.n = (int64_t)1 << 24, .threads = bench_pool_threads()};
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT32), *b = tg_vector(g, "b", TG_FLOAT32);
  tg_var *s = tg_sum(tg_sqr(tg_sub(a, b)), TG_ALL_AXES, false);
  tg_var *in[2] = {a, b};
  for (int k = 0; k < 2; k++) {
    w.in[k] = tg_array_empty(TG_FLOAT32, 1, &w.n);
    float *p = tg_array_data(w.in[k]);
    for (int64_t i = 0; i < w.n; i++) p[i] = (float)sin(0.001 * (double)i * (k + 1));
  }
  tg_array *out = tg_array_empty(TG_FLOAT32, 0, NULL);
  tg_options *o = tg_options_new();
  tg_options_set(o, "linker", "native"); /* the backend measured here (the default) */
  bench_call call = {.f = tg_function_new(g, 2, in, 1, &s, o), .in = w.in, .out = &out};
  tg_options_free(o);
  if (!call.f) {
    fprintf(stderr, "w3_sumsq: %s\n", tg_graph_error(g));
    return 1;
  }
  double t_tg, t_ref;
  if (bench_time_pair(bench_run_call, &call, run_ref, &w, 2, reps, 1, &t_tg, &t_ref)) {
    fprintf(stderr, "w3_sumsq: %s\n", tg_function_error(call.f));
    return 1;
  }
  bench_report("w3_sumsq", t_tg * 1e3, t_ref * 1e3, "ms", w.threads);
  printf("# w3_sumsq: tgraph %.9g, hand loop %.9g\n", tg_array_get_f64(out, 0), (double)w.sink);
  tg_function_free(call.f);
  for (int k = 0; k < 2; k++) tg_array_unref(w.in[k]);
  tg_array_unref(out);
  tg_graph_free(g);
  return 0;
}
