/* w2_elemwise.c: W2, the fused elementwise expression a*b + exp(c) - tanh(a)*0.5 over
   2^24 float32 values on the native backend, against a hand C loop built with -O3
   -march=native -ffast-math -fopenmp (bench/ref/w2_ref.c) on the same number of threads,
   repetitions interleaved; and tgraph's reference backend for information.
   Run: build/bench/w2_elemwise [reps]. */
#include <math.h>

#include "bench.h"

void w2_ref(int64_t n, const float *a, const float *b, const float *c, float *y, int threads);
int w2_ref_openmp(void);

typedef struct {
  tg_array *in[3], *out;
  int64_t n;
  int threads;
} w2;

static int run_ref(void *ctx, long iters) {
  w2 *w = ctx;
  for (long i = 0; i < iters; i++) {
    w2_ref(w->n, tg_array_data(w->in[0]), tg_array_data(w->in[1]), tg_array_data(w->in[2]),
           tg_array_data(w->out), w->threads);
    BENCH_CLOBBER(tg_array_data(w->out));
  }
  return 0;
}

static tg_function *compile(tg_graph *g, tg_var **in, tg_var *y, const char *linker) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "linker", linker);
  tg_function *f = tg_function_new(g, 3, in, 1, &y, o);
  tg_options_free(o);
  return f;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 15;
  w2 w = {.n = (int64_t)1 << 24, .threads = bench_pool_threads()};
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT32), *b = tg_vector(g, "b", TG_FLOAT32),
         *c = tg_vector(g, "c", TG_FLOAT32);
  tg_var *y = tg_sub(tg_add(tg_mul(a, b), tg_exp(c)), tg_mul(tg_tanh(a), tg_const_f64(g, 0.5)));
  tg_var *in[3] = {a, b, c};
  for (int k = 0; k < 3; k++) {
    w.in[k] = tg_array_empty(TG_FLOAT32, 1, &w.n);
    float *p = tg_array_data(w.in[k]);
    for (int64_t i = 0; i < w.n; i++) p[i] = (float)(3.0 * sin(0.001 * (double)i * (k + 1)));
  }
  w.out = tg_array_empty(TG_FLOAT32, 1, &w.n);
  bench_call call = {.f = compile(g, in, y, "native"), .in = w.in, .out = &w.out};
  if (!call.f) {
    fprintf(stderr, "w2_elemwise: %s\n", tg_graph_error(g));
    return 1;
  }
  if (!w2_ref_openmp()) printf("# w2_elemwise: no OpenMP: the reference loop runs on one thread\n");
  double t_tg, t_ref;
  if (bench_time_pair(bench_run_call, &call, run_ref, &w, 2, reps, 1, &t_tg, &t_ref)) {
    fprintf(stderr, "w2_elemwise: %s\n", tg_function_error(call.f));
    return 1;
  }
  bench_report("w2_elemwise", t_tg * 1e3, t_ref * 1e3, "ms", w.threads);
  tg_function_free(call.f);
  call.f = compile(g, in, y, "ref");
  double t_refbk = call.f ? bench_time(bench_run_call, &call, 1, reps < 5 ? reps : 5, 1) : -1;
  printf("# w2_elemwise: tgraph reference backend %.4g ms (%.3gx the native one)\n", t_refbk * 1e3,
         t_refbk / t_tg);
  tg_function_free(call.f);
  for (int k = 0; k < 3; k++) tg_array_unref(w.in[k]);
  tg_array_unref(w.out);
  tg_graph_free(g);
  return 0;
}
