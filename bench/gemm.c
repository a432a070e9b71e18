/* gemm.c: tgraph's dot of two 1024 x 1024 matrices (float32 and float64), compiled and
   called into a preallocated output, against a direct cblas_sgemm / cblas_dgemm call into
   its own preallocated output, in the same run. Prints, per dtype,
   BENCH name=sgemm_1024 tgraph=<ms> ref=<ms> unit=ms ratio=<tgraph/ref> threads=<n>
   with medians of interleaved repetitions after warm-up. The two results are compared so a
   fast wrong answer cannot pass unnoticed. Target: ratio <= 1.03. */
#include <math.h>

#include "bench.h"

#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>
#endif

enum { N = 1024, WARMUP = 3, REPS = 15 };

static double now_ms(void) { return bench_now() * 1e3; }

#ifdef TGRAPH_HAVE_BLAS
static void ref_gemm(tg_dtype dt, const void *a, const void *b, void *c) {
  if (dt == TG_FLOAT32)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, b, N, 0.0, c, N);
}
#endif

static int bench(tg_dtype dt, const char *name) {
  int64_t shape[2] = {N, N};
  tg_array *a = tg_array_empty(dt, 2, shape), *b = tg_array_empty(dt, 2, shape);
  tg_array *c = tg_array_zeros(dt, 2, shape), *c_ref = tg_array_zeros(dt, 2, shape);
  unsigned s = 12345;
  for (int64_t i = 0; i < (int64_t)N * N; i++) {
    s = s * 1103515245u + 12345u;
    tg_array_set_f64(a, i, (double)(s >> 8) / 16777216.0 - 0.5);
    s = s * 1103515245u + 12345u;
    tg_array_set_f64(b, i, (double)(s >> 8) / 16777216.0 - 0.5);
  }
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", dt), *B = tg_matrix(g, "B", dt);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_dot(A, B)), NULL);
  if (!f) {
    fprintf(stderr, "gemm: %s\n", tg_graph_error(g));
    return 1;
  }
  tg_array *ins[2] = {a, b};
#ifdef TGRAPH_HAVE_BLAS
  double tt[REPS], tr[REPS];
  for (int r = 0; r < WARMUP; r++) {
    if (tg_function_call_into(f, ins, &c) != TG_OK) {
      fprintf(stderr, "gemm: %s\n", tg_function_error(f));
      return 1;
    }
    ref_gemm(dt, tg_array_data(a), tg_array_data(b), tg_array_data(c_ref));
  }
  for (int r = 0; r < REPS; r++) { /* interleaved, so drifts in clock or load hit both */
    double t0 = now_ms();
    tg_function_call_into(f, ins, &c);
    double t1 = now_ms();
    ref_gemm(dt, tg_array_data(a), tg_array_data(b), tg_array_data(c_ref));
    double t2 = now_ms();
    tt[r] = t1 - t0, tr[r] = t2 - t1;
  }
  if (!tg_array_allclose(c, c_ref, dt == TG_FLOAT32 ? 1e-4 : 1e-10, 1e-4, false))
    fprintf(stderr, "gemm: WARNING: %s results differ from the direct BLAS call\n", name);
  bench_report(name, bench_median(tt, REPS), bench_median(tr, REPS), "ms",
               openblas_get_num_threads());
#else
  double tt[3];
  for (int r = 0; r < 3; r++) {
    double t0 = now_ms();
    tg_function_call_into(f, ins, &c);
    tt[r] = now_ms() - t0;
  }
  printf("# gemm: %s takes %.1f ms (median of 3) with the built-in kernel; no BLAS to compare "
         "with (built with -DTGRAPH_BLAS=OFF), so no BENCH line\n", name, bench_median(tt, 3));
#endif
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(c);
  tg_array_unref(c_ref);
  return 0;
}

int main(void) {
  int bad = bench(TG_FLOAT32, "sgemm_1024");
  bad |= bench(TG_FLOAT64, "dgemm_1024");
  return bad;
}
