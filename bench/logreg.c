/* logreg.c (bench): wall time of the 10,000-step logistic regression of the demo
   (400 x 784, cross-entropy + 0.01 L2, step 0.1), float64 and float32, compiled by tgraph,
   next to a hand-written C version of the same steps making the same BLAS calls (gemv for
   X.w and for X^T.(p - y)) in the same run. Prints BENCH lines logreg_f64 / logreg_f32 for
   the native backend (linker=native, the default) and logreg_f64_ref / logreg_f32_ref for
   the reference backend (linker=ref), each against the hand version; target ratio <= 1.1 (W7).
   Run: build/bench/logreg [steps] (10,000 by default; the figures are for 10,000);
   LOGREG_ONLY=native (or =ref) runs only tgraph's steps on that backend, for profilers. */
#include <math.h>
#include <tgraph/tgraph.h>

#include "bench.h"
#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

#define N 400
#define FEATS 784
static int steps = 10000;

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double uniform(void) {
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return (double)((rng * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53;
}

static double xs[N * FEATS], ys[N], w0[FEATS];

/* The same steps by hand, in T; returns the final cost (so it cannot be skipped). */
#define HAND(T, NAME, GEMV, EXP, LOG1P, FABS)                                              \
  static double NAME(void) {                                                              \
    static T X[N * FEATS], Y[N], w[FEATS], z[N], d[N], gw[FEATS];                         \
    for (int i = 0; i < N * FEATS; i++) X[i] = (T)xs[i];                                  \
    for (int i = 0; i < N; i++) Y[i] = (T)ys[i];                                          \
    for (int i = 0; i < FEATS; i++) w[i] = (T)w0[i];                                      \
    T b = 0, cost = 0;                                                                    \
    for (int s = 0; s < steps; s++) {                                                     \
      GEMV(CblasRowMajor, CblasNoTrans, N, FEATS, 1, X, FEATS, w, 1, 0, z, 1);            \
      T xent = 0, gb = 0, l2 = 0;                                                         \
      for (int i = 0; i < N; i++) {                                                       \
        T l = z[i] + b, p = l >= 0 ? 1 / (1 + EXP(-l)) : EXP(l) / (1 + EXP(l));           \
        xent += (l > 0 ? l : 0) - l * Y[i] + LOG1P(EXP(-FABS(l)));                        \
        d[i] = (p - Y[i]) / N;                                                            \
        gb += d[i];                                                                       \
      }                                                                                   \
      for (int j = 0; j < FEATS; j++) l2 += w[j] * w[j];                                  \
      cost = xent / N + (T)0.01 * l2;                                                     \
      GEMV(CblasRowMajor, CblasTrans, N, FEATS, 1, X, FEATS, d, 1, 0, gw, 1);             \
      for (int j = 0; j < FEATS; j++) w[j] -= (T)0.1 * (gw[j] + (T)0.02 * w[j]);          \
      b -= (T)0.1 * gb;                                                                   \
    }                                                                                     \
    return cost;                                                                          \
  }

#ifndef TGRAPH_HAVE_BLAS
/* Without BLAS the reference is a plain row-major gemv. */
enum { CblasRowMajor, CblasNoTrans, CblasTrans };
#define PLAIN_GEMV(T, NAME)                                                                \
  static void NAME(int o, int t, int m, int n, T alpha, const T *a, int lda, const T *x,    \
                   int incx, T beta, T *y, int incy) {                                      \
    (void)o, (void)alpha, (void)beta, (void)incx, (void)incy;                               \
    int rows = t == CblasTrans ? n : m;                                                      \
    for (int i = 0; i < rows; i++) y[i] = 0;                                                 \
    for (int i = 0; i < m; i++)                                                              \
      for (int j = 0; j < n; j++)                                                            \
        if (t == CblasTrans) y[j] += a[i * lda + j] * x[i];                                  \
        else y[i] += a[i * lda + j] * x[j];                                                  \
  }
PLAIN_GEMV(double, cblas_dgemv)
PLAIN_GEMV(float, cblas_sgemv)
#endif

HAND(double, hand_f64, cblas_dgemv, exp, log1p, fabs)
HAND(float, hand_f32, cblas_sgemv, expf, log1pf, fabsf)

/* tgraph: the demo's graph in dtype dt on linker (NULL: the default); returns the final
   cost or NAN. */
static double with_tgraph(tg_dtype dt, const char *linker) {
  tg_array *X64 = tg_array_from_f64(2, (int64_t[]){N, FEATS}, xs);
  tg_array *Y64 = tg_array_from_f64(1, (int64_t[]){N}, ys);
  tg_array *W64 = tg_array_from_f64(1, (int64_t[]){FEATS}, w0);
  tg_array *X = tg_array_astype(X64, dt), *Y = tg_array_astype(Y64, dt);
  tg_array *W = tg_array_astype(W64, dt), *B = tg_array_scalar(dt, 0);
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", dt), *y = tg_vector(g, "y", dt);
  tg_var *w = tg_shared(g, "w", W, false), *b = tg_shared(g, "b", B, false);
  tg_var *logits = tg_add(tg_dot(x, w), b);
  tg_var *cost = tg_add(tg_mean(tg_sigmoid_binary_crossentropy(logits, y), -1, NULL, false),
                        tg_mul(tg_const_f64(g, 0.01), tg_sum(tg_sqr(w), -1, NULL, false)));
  tg_var *gr[2];
  double result = NAN;
  if (tg_grad(cost, TG_VARS(w, b), gr) != TG_OK) {
    fprintf(stderr, "logreg bench: %s\n", tg_graph_error(g));
    return NAN;
  }
  tg_options *o = tg_options_new();
  if (linker) tg_options_set(o, "linker", linker);
  tg_options_update(o, w, tg_sub(w, tg_mul(tg_const_f64(g, 0.1), gr[0])));
  tg_options_update(o, b, tg_sub(b, tg_mul(tg_const_f64(g, 0.1), gr[1])));
  tg_function *f = tg_function_new(g, TG_VARS(x, y), TG_VARS(cost), o);
  tg_options_free(o);
  for (int s = 0; f && s < steps; s++) {
    tg_array *out[1];
    if (tg_function_call(f, (tg_array *[]){X, Y}, out) != TG_OK) {
      fprintf(stderr, "logreg bench: %s\n", tg_function_error(f));
      break;
    }
    result = tg_array_get_f64(out[0], 0);
    tg_array_unref(out[0]);
  }
  tg_function_free(f);
  tg_graph_free(g);
  tg_array *all[] = {X64, Y64, W64, X, Y, W, B};
  for (int i = 0; i < 7; i++) tg_array_unref(all[i]);
  return result;
}

int main(int argc, char **argv) {
  if (argc > 1 && atoi(argv[1]) > 0) steps = atoi(argv[1]);
  for (int i = 0; i < N * FEATS; i++) xs[i] = 2 * uniform() - 1;
  for (int i = 0; i < N; i++) ys[i] = uniform() < 0.5;
  for (int i = 0; i < FEATS; i++) w0[i] = 0.1 * (2 * uniform() - 1);
  if (getenv("LOGREG_ONLY")) { /* for profilers: tgraph's steps alone, float64 then float32 */
    const char *l = getenv("LOGREG_ONLY");
    printf("# costs %g %g\n", with_tgraph(TG_FLOAT64, *l ? l : NULL),
           with_tgraph(TG_FLOAT32, *l ? l : NULL));
    return 0;
  }
  const char *names[2][2] = {{"logreg_f64", "logreg_f64_ref"}, {"logreg_f32", "logreg_f32_ref"}};
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    double tn[3], tt[3], tr[3], cn = 0, ct = 0, cr = 0;
    for (int r = 0; r < 3; r++) { /* alternate, so load changes hit all alike */
      double t0 = bench_now();
      cn = with_tgraph(dt, "native");
      tn[r] = bench_now() - t0;
      t0 = bench_now();
      ct = with_tgraph(dt, "ref");
      tt[r] = bench_now() - t0;
      t0 = bench_now();
      cr = k ? hand_f32() : hand_f64();
      tr[r] = bench_now() - t0;
    }
    printf("# %s: final cost tgraph native %.6g, reference backend %.6g, hand C %.6g (%d steps; "
           "tgraph includes compiling)\n", names[k][0], cn, ct, cr, steps);
    double mr = bench_median(tr, 3);
    bench_report(names[k][0], bench_median(tn, 3), mr, "s", bench_pool_threads());
    bench_report(names[k][1], bench_median(tt, 3), mr, "s", bench_pool_threads());
  }
  return 0;
}
