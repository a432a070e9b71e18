/* scan.c (bench): per-step time of a 1,000-step RNN forward + backward (hidden 256,
   batch 32, inputs 256, float32): h_t = tanh(x_t W + h_{t-1} U + b), cost = sum of all
   h_t, gradients for W, U, b and X, compiled by tgraph from scan and tg_grad, next to a
   hand-written C loop making the same cblas_sgemm calls (2 per step forward, 4 per step
   backward) in the same run. Prints BENCH name=scan_rnn with microseconds per step. */
#include <math.h>
#include <tgraph/tgraph.h>

#include "bench.h"
#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

#define T 1000
#define B 32
#define IN 256
#define HD 256

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float uniform(float scale) {
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return scale * (float)(2 * ((double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53) - 1);
}

static float *xs, *h0s, *ws, *us, *bs;

/* ---- tgraph ---- */

static bool step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)g, (void)n, (void)ud; /* x_t, h, W, U, b */
  r->outputs[0] = tg_tanh(tg_add(tg_add(tg_dot(a[0], a[2]), tg_dot(a[1], a[3])), a[4]));
  return true;
}

typedef struct tg_ctx {
  tg_function *f;
  tg_array *in[5];
} tg_ctx;

static int run_tgraph(void *p, long iters) {
  tg_ctx *c = p;
  for (long i = 0; i < iters; i++) {
    tg_array *out[4];
    if (tg_function_call(c->f, c->in, out) != TG_OK) {
      fprintf(stderr, "scan bench: %s\n", tg_function_error(c->f));
      return 1;
    }
    for (int k = 0; k < 4; k++) tg_array_unref(out[k]);
  }
  return 0;
}

/* ---- by hand ---- */

#ifdef TGRAPH_HAVE_BLAS
typedef struct hand {
  float *H;               /* (T + 1) x B x HD: h0 then every state */
  float *gW, *gU, *gb, *gX, *dh, *dpre;
} hand;

static int run_hand(void *p, long iters) {
  hand *c = p;
  for (long it = 0; it < iters; it++) {
    memcpy(c->H, h0s, sizeof(float) * B * HD);
    for (int t = 0; t < T; t++) {
      float *h = c->H + (size_t)(t + 1) * B * HD, *hp = h - B * HD;
      for (int i = 0; i < B; i++) memcpy(h + i * HD, bs, sizeof(float) * HD);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, HD, IN, 1, xs + (size_t)t * B * IN,
                  IN, ws, HD, 1, h, HD);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, HD, HD, 1, hp, HD, us, HD, 1, h,
                  HD);
      for (int i = 0; i < B * HD; i++) h[i] = tanhf(h[i]);
    }
    memset(c->gW, 0, sizeof(float) * IN * HD);
    memset(c->gU, 0, sizeof(float) * HD * HD);
    memset(c->gb, 0, sizeof(float) * HD);
    memset(c->dh, 0, sizeof(float) * B * HD);
    for (int t = T - 1; t >= 0; t--) {
      const float *h = c->H + (size_t)(t + 1) * B * HD, *hp = h - B * HD;
      for (int i = 0; i < B * HD; i++) c->dpre[i] = (c->dh[i] + 1) * (1 - h[i] * h[i]);
      for (int i = 0; i < B; i++)
        for (int j = 0; j < HD; j++) c->gb[j] += c->dpre[i * HD + j];
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, IN, HD, B, 1, xs + (size_t)t * B * IN, IN,
                  c->dpre, HD, 1, c->gW, HD);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, HD, HD, B, 1, hp, HD, c->dpre, HD, 1,
                  c->gU, HD);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, IN, HD, 1, c->dpre, HD, ws, HD, 0,
                  c->gX + (size_t)t * B * IN, IN);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, HD, HD, 1, c->dpre, HD, us, HD, 0,
                  c->dh, HD);
    }
    BENCH_CLOBBER(c->gW);
    BENCH_CLOBBER(c->gX);
  }
  return 0;
}
#endif

int main(void) {
  tg_config_set("linker", "native"); /* the backend measured here (the default) */
  xs = malloc(sizeof(float) * T * B * IN);
  h0s = malloc(sizeof(float) * B * HD);
  ws = malloc(sizeof(float) * IN * HD);
  us = malloc(sizeof(float) * HD * HD);
  bs = malloc(sizeof(float) * HD);
  if (!xs || !h0s || !ws || !us || !bs) return 1;
  for (size_t i = 0; i < (size_t)T * B * IN; i++) xs[i] = uniform(1);
  for (int i = 0; i < B * HD; i++) h0s[i] = uniform(0.1f);
  for (int i = 0; i < IN * HD; i++) ws[i] = uniform(0.06f);
  for (int i = 0; i < HD * HD; i++) us[i] = uniform(0.06f);
  for (int i = 0; i < HD; i++) bs[i] = uniform(0.1f);

  tg_graph *g = tg_graph_new();
  tg_var *X = tg_tensor3(g, "X", TG_FLOAT32), *h0 = tg_matrix(g, "h0", TG_FLOAT32);
  tg_var *W = tg_matrix(g, "W", TG_FLOAT32), *U = tg_matrix(g, "U", TG_FLOAT32);
  tg_var *b = tg_vector(g, "b", TG_FLOAT32), *H = NULL, *gr[4];
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_sequence(s, X, 0, NULL);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_non_sequence(s, W);
  tg_scan_non_sequence(s, U);
  tg_scan_non_sequence(s, b);
  tg_ctx c = {0};
  if (tg_scan(s, step, NULL, &H, NULL) != TG_OK ||
      tg_grad(tg_sum(H, -1, NULL, false), 4, (tg_var *[]){W, U, b, X}, gr) != TG_OK ||
      !(c.f = tg_function_new(g, TG_VARS(X, h0, W, U, b), 4, gr, NULL))) {
    fprintf(stderr, "scan bench: %s\n", tg_graph_error(g));
    return 1;
  }
  tg_scan_spec_free(s);
  c.in[0] = tg_array_from_f32(3, (int64_t[]){T, B, IN}, xs);
  c.in[1] = tg_array_from_f32(2, (int64_t[]){B, HD}, h0s);
  c.in[2] = tg_array_from_f32(2, (int64_t[]){IN, HD}, ws);
  c.in[3] = tg_array_from_f32(2, (int64_t[]){HD, HD}, us);
  c.in[4] = tg_array_from_f32(1, (int64_t[]){HD}, bs);
  double tt = bench_time(run_tgraph, &c, 1, 5, 1);
  double tr = 0;
  int threads = 1;
#ifdef TGRAPH_HAVE_BLAS
  hand hc = {malloc(sizeof(float) * (T + 1) * B * HD), malloc(sizeof(float) * IN * HD),
             malloc(sizeof(float) * HD * HD), malloc(sizeof(float) * HD),
             malloc(sizeof(float) * T * B * IN), malloc(sizeof(float) * B * HD),
             malloc(sizeof(float) * B * HD)};
  tr = bench_time(run_hand, &hc, 1, 5, 1);
  /* the two computed the same gradient of U (a check that the work is the same) */
  tg_array *out[4];
  if (tg_function_call(c.f, c.in, out) == TG_OK) {
    double err = 0, mx = 0;
    for (int i = 0; i < HD * HD; i++) {
      double d = fabs(tg_array_get_f64(out[1], i) - hc.gU[i]);
      err = d > err ? d : err;
      mx = fabs(hc.gU[i]) > mx ? fabs(hc.gU[i]) : mx;
    }
    printf("max |gU tgraph - gU hand| = %.3g (max |gU| = %.3g)\n", err, mx);
    for (int k = 0; k < 4; k++) tg_array_unref(out[k]);
  }
  threads = openblas_get_num_threads();
  free(hc.H), free(hc.gW), free(hc.gU), free(hc.gb), free(hc.gX), free(hc.dh), free(hc.dpre);
#endif
  if (tt < 0) return 1;
  bench_report("scan_rnn", tt / T * 1e6, tr / T * 1e6, "us", threads);
  for (int i = 0; i < 5; i++) tg_array_unref(c.in[i]);
  tg_function_free(c.f);
  tg_graph_free(g);
  free(xs), free(h0s), free(ws), free(us), free(bs);
  return 0;
}
