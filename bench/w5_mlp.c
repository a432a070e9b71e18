/* w5_mlp.c: W5, one SGD step of a 784-512-512-10 MLP (tanh hidden layers, softmax
   cross-entropy, batch 128, float32), compiled by tgraph with the updates on shared
   weights (linker=native), against the time of the same step's matrix products alone made
   directly with cblas_sgemm: 3 forward (X W1, H1 W2, H2 W3) and 5 backward (H2^T d3,
   d3 W3^T, H1^T d2, d2 W2^T, X^T d1; no gradient for the input), repetitions interleaved.
   Line w5_mlp_step: ratio target <= 1.1.
   Line w5_peak_mem: the peak of the bytes held during one warm step (a counting allocator
   installed with tg_set_allocator): everything allocated since before the parameters
   were made but the input data (parameters, graph, function, the buffers it keeps between
   calls, the step's own), against the bytes
   of the parameters + their gradients + the activations (H1, H2 and the logits of the
   batch); target <= 1.2.
   Run: build/bench/w5_mlp [reps]; W5_STEPS=n in the environment runs n of tgraph's steps
   alone (for a profiler) and W5_PRINT=1 prints the compiled program. */
#include <stdatomic.h>

#include "bench.h"
#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

enum { BATCH = 128, D0 = 784, D1 = 512, D2 = 512, D3 = 10 };

/* ---- a counting allocator: a 64-byte header holds the size (keeps 64-byte alignment) ---- */
static atomic_llong live_bytes, peak_bytes;
static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  char *p = ptr ? (char *)ptr - 64 : NULL;
  long long old = p ? (long long)*(size_t *)p : 0;
  if (nsize == 0) {
    atomic_fetch_sub(&live_bytes, old);
    free(p);
    return NULL;
  }
  char *q = realloc(p, nsize + 64);
  if (!q) return NULL;
  *(size_t *)q = nsize;
  long long now = atomic_fetch_add(&live_bytes, (long long)nsize - old) + (long long)nsize - old;
  long long pk = atomic_load(&peak_bytes);
  while (now > pk && !atomic_compare_exchange_weak(&peak_bytes, &pk, now)) {
  }
  return q + 64;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float uniform(void) { /* in [-1, 1) */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return (float)((double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-52 - 1.0);
}

static tg_array *rand_f32(int nd, int64_t r, int64_t c, float scale) {
  int64_t shape[2] = {r, c};
  tg_array *a = tg_array_empty(TG_FLOAT32, nd, shape);
  float *p = tg_array_data(a);
  for (int64_t i = 0; i < tg_array_size(a); i++) p[i] = scale * uniform();
  return a;
}

/* ---- the reference: the 8 products into preallocated buffers ---- */
typedef struct {
  float *x, *w1, *w2, *w3, *h1, *h2, *z3, *d3, *gw3, *dh2, *gw2, *dh1, *gw1;
} ref_bufs;

#ifdef TGRAPH_HAVE_BLAS
static void mm(bool ta, bool tb, int m, int n, int k, const float *a, int lda, const float *b,
               int ldb, float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
              n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

static int run_ref(void *ctx, long iters) {
  ref_bufs *r = ctx;
  for (long i = 0; i < iters; i++) {
    mm(false, false, BATCH, D1, D0, r->x, D0, r->w1, D1, r->h1, D1);   /* H1 = X W1 */
    mm(false, false, BATCH, D2, D1, r->h1, D1, r->w2, D2, r->h2, D2);  /* H2 = H1 W2 */
    mm(false, false, BATCH, D3, D2, r->h2, D2, r->w3, D3, r->z3, D3);  /* Z3 = H2 W3 */
    mm(true, false, D2, D3, BATCH, r->h2, D2, r->d3, D3, r->gw3, D3);  /* gW3 = H2^T d3 */
    mm(false, true, BATCH, D2, D3, r->d3, D3, r->w3, D3, r->dh2, D2);  /* dH2 = d3 W3^T */
    mm(true, false, D1, D2, BATCH, r->h1, D1, r->dh2, D2, r->gw2, D2); /* gW2 = H1^T d2 */
    mm(false, true, BATCH, D1, D2, r->dh2, D2, r->w2, D2, r->dh1, D1); /* dH1 = d2 W2^T */
    mm(true, false, D0, D1, BATCH, r->x, D0, r->dh1, D1, r->gw1, D1);  /* gW1 = X^T d1 */
    BENCH_CLOBBER(r->gw1);
  }
  return 0;
}
#endif

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 15;
#ifdef TGRAPH_HAVE_BLAS
  /* the reference's buffers first: allocated later, among tgraph's arrays, they change
     which of tgraph's per-step allocations glibc serves from fresh pages (page faults) */
  ref_bufs r = {0};
  float **bufs[] = {&r.w1, &r.w2, &r.w3, &r.h1, &r.h2, &r.z3, &r.d3,
                    &r.gw3, &r.dh2, &r.gw2, &r.dh1, &r.gw1};
  size_t sizes[] = {D0 * D1, D1 * D2, D2 * D3, BATCH * D1, BATCH * D2, BATCH * D3, BATCH * D3,
                    D2 * D3, BATCH * D2, D1 * D2, BATCH * D1, D0 * D1};
  for (int i = 0; i < 12; i++) {
    *bufs[i] = calloc(sizes[i], sizeof(float));
    for (size_t j = 0; j < sizes[i]; j++) (*bufs[i])[j] = 0.05f * uniform();
  }
#endif
  tg_set_allocator(count_alloc, NULL); /* before any tgraph object exists */
  tg_array *X = rand_f32(2, BATCH, D0, 1.0f); /* the data: not counted */
  int64_t nbatch = BATCH;
  tg_array *Y = tg_array_empty(TG_INT64, 1, &nbatch);
  for (int64_t i = 0; i < BATCH; i++) tg_array_set_f64(Y, i, (double)(i * 7 % D3));
  tg_array *out = tg_array_empty(TG_FLOAT32, 0, NULL);
  long long live0 = atomic_load(&live_bytes); /* everything from here on is the model's */
  tg_graph *g = tg_graph_new();
  tg_array *W[3] = {rand_f32(2, D0, D1, 0.05f), rand_f32(2, D1, D2, 0.05f),
                    rand_f32(2, D2, D3, 0.05f)};
  int64_t bdim[3] = {D1, D2, D3};
  tg_array *Bv[3];
  for (int l = 0; l < 3; l++) Bv[l] = tg_array_zeros(TG_FLOAT32, 1, &bdim[l]);
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *y = tg_vector(g, "y", TG_INT64);
  tg_var *w[3], *b[3], *params[6];
  for (int l = 0; l < 3; l++) {
    char nw[8], nb[8];
    snprintf(nw, sizeof nw, "W%d", l + 1);
    snprintf(nb, sizeof nb, "b%d", l + 1);
    params[2 * l] = w[l] = tg_shared(g, nw, W[l], true);
    params[2 * l + 1] = b[l] = tg_shared(g, nb, Bv[l], true);
    tg_array_unref(W[l]), tg_array_unref(Bv[l]); /* the shared variables hold them */
  }
  tg_var *h1 = tg_tanh(tg_add(tg_dot(x, w[0]), b[0]));
  tg_var *h2 = tg_tanh(tg_add(tg_dot(h1, w[1]), b[1]));
  tg_var *p = tg_softmax(tg_add(tg_dot(h2, w[2]), b[2]), -1);
  tg_var *cost = tg_mean(tg_categorical_crossentropy(p, y), TG_ALL_AXES, false);
  tg_var *gr[6];
  if (tg_grad(cost, 6, params, gr) != TG_OK) {
    fprintf(stderr, "w5_mlp: %s\n", tg_graph_error(g));
    return 1;
  }
  tg_options *o = tg_options_new();
  tg_options_set(o, "linker", "native");
  for (int i = 0; i < 6; i++)
    tg_options_update(o, params[i], tg_sub(params[i], tg_mul(tg_const_f64(g, 0.01), gr[i])));
  tg_function *f = tg_function_new(g, TG_VARS(x, y), TG_VARS(cost), o);
  tg_options_free(o);
  if (!f) {
    fprintf(stderr, "w5_mlp: %s\n", tg_graph_error(g));
    return 1;
  }
  if (getenv("W5_PRINT")) tg_function_debugprint(f, stdout); /* the compiled program */
  tg_array *ins[2] = {X, Y};
  bench_call call = {.f = f, .in = ins, .out = &out};
  int threads = bench_pool_threads();
  if (getenv("W5_STEPS")) { /* for profilers: only tgraph's steps */
    double t0 = bench_now();
    int rc = bench_run_call(&call, atol(getenv("W5_STEPS")));
    printf("# %.3f ms a step\n", (bench_now() - t0) * 1e3 / atol(getenv("W5_STEPS")));
    return rc;
  }

  /* peak memory of one (warm) step: everything allocated since the parameters were made
     (the parameters, the graph, the compiled function, the buffers it keeps between calls
     and those of the step), the input data excepted */
  long long params_b = 4LL * (D0 * D1 + D1 + D1 * D2 + D2 + D2 * D3 + D3);
  long long acts_b = 4LL * BATCH * (D1 + D2 + D3);
  long long base = 2 * params_b + acts_b;
  long long before = atomic_load(&live_bytes);
  if (bench_run_call(&call, 3)) {
    fprintf(stderr, "w5_mlp: %s\n", tg_function_error(f));
    return 1;
  }
  double c0 = tg_array_get_f64(out, 0);
  long long kept = atomic_load(&live_bytes) - before;
  atomic_store(&peak_bytes, atomic_load(&live_bytes));
  bench_run_call(&call, 1);
  long long peak = atomic_load(&peak_bytes) - live0;
  bench_report("w5_peak_mem", (double)peak / 1e6, (double)base / 1e6, "MB", threads);
  printf("# w5_peak_mem: %.2f MB at the peak of a step, parameters included (%.2f MB kept by "
         "the function between calls); params %.2f MB, grads %.2f MB, activations %.2f MB\n",
         (double)peak / 1e6, (double)kept / 1e6, (double)params_b / 1e6, (double)params_b / 1e6,
         (double)acts_b / 1e6);

#ifdef TGRAPH_HAVE_BLAS
  r.x = tg_array_data(X);
  double t_tg, t_ref;
  if (bench_time_pair(bench_run_call, &call, run_ref, &r, 2, reps, 4, &t_tg, &t_ref)) {
    fprintf(stderr, "w5_mlp: %s\n", tg_function_error(f));
    return 1;
  }
  bench_report("w5_mlp_step", t_tg * 1e3, t_ref * 1e3, "ms", threads);
  printf("# w5_mlp_step: cost %.6g after 3 steps, %.6g after %d (it must fall)\n", c0,
         tg_array_get_f64(out, 0), 8 * reps + 12);
  for (int i = 0; i < 12; i++) free(*bufs[i]);
#else
  (void)reps;
  printf("# w5_mlp_step: no BLAS to compare with (built with -DTGRAPH_BLAS=OFF): no line; "
         "cost %.6g after 3 steps\n", c0);
#endif
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(X), tg_array_unref(Y), tg_array_unref(out);
  return 0;
}
