/* test_plan.c: memory planning of the call frame (src/compile/plan.c). An unfused chain of
   elementwise ops over a large array runs in place (peak memory measured with a counting
   allocator: about two arrays, not one per op); values stay exact; function inputs, shared
   values, returned outputs and intermediates still needed later are never overwritten;
   views and into-calls; both linkers. */
#include "harness.h"

/* ---- a counting allocator: live and peak bytes ---- */

static struct {
  long long live, peak;
  long long watch;   /* when set, count new blocks of watch..watch+1023 bytes */
  int watched;
} M;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
  if (h) M.live -= (long long)h[0];
  if (nsize == 0) {
    free(h);
    return NULL;
  }
  size_t *n = realloc(h, 2 * sizeof(size_t) + nsize);
  if (!n) {
    if (h) M.live += (long long)h[0];
    return NULL;
  }
  n[0] = nsize;
  if (!h && M.watch && (long long)nsize >= M.watch && (long long)nsize < M.watch + 1024)
    M.watched++;
  M.live += (long long)nsize;
  if (M.live > M.peak) M.peak = M.live;
  return n + 2;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

static const char *linkers[] = {"ref", "native"};

static tg_function *compile(tg_graph *g, int n_in, tg_var *const *in, int n_out,
                            tg_var *const *out, const char *mode, const char *linker) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "on_unused_input", "ignore");
  tg_options_set(o, "mode", mode);
  tg_options_set(o, "linker", linker);
  tg_function *f = tg_function_new(g, n_in, in, n_out, out, o);
  tg_options_free(o);
  if (!f) fprintf(stderr, "compile: %s\n", tg_graph_error(g));
  return f;
}

/* y = ((((x + 1) * 2 - 3) * x) + 0.5) ... : n ops, each the last use of its input */
static tg_var *chain(tg_graph *g, tg_var *x, int n) {
  tg_var *y = x;
  for (int k = 0; k < n; k++) {
    switch (k % 3) {
      case 0: y = tg_add(y, tg_const_f64(g, 1)); break;
      case 1: y = tg_mul(y, tg_const_f64(g, 0.5)); break;
      default: y = tg_sub(tg_exp(tg_neg(y)), x); break;
    }
  }
  return y;
}

static double chain_ref(double x, int n) {
  double y = x;
  for (int k = 0; k < n; k++) {
    switch (k % 3) {
      case 0: y = y + 1; break;
      case 1: y = y * 0.5; break;
      default: y = exp(-y) - x; break;
    }
  }
  return y;
}

TEST(unfused_chain_runs_in_place) {
  enum { N = 1 << 18, OPS = 30 };
  for (int l = 0; l < 2; l++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64);
    tg_var *y = chain(g, x, OPS);
    /* FAST_COMPILE: no fusion, so every op is its own instruction with its own output */
    tg_function *f = compile(g, 1, &x, 1, &y, "FAST_COMPILE", linkers[l]);
    CHECK(f != NULL);
    if (f) {
      tg_array *xa = tg_array_empty(TG_FLOAT64, 1, (int64_t[]){N});
      for (int64_t i = 0; i < N; i++) tg_array_set_f64(xa, i, (double)(i % 1000) / 500.0 - 1);
      tg_array *out = NULL;
      CHECK_STATUS(tg_function_call(f, &xa, &out), TG_OK); /* warm: native loads its code */
      tg_array_unref(out);
      out = NULL;
      long long before = M.live;
      M.peak = M.live;
      CHECK_STATUS(tg_function_call(f, &xa, &out), TG_OK);
      long long extra = M.peak - before, arr = (long long)N * 8;
      /* measured: 10 arrays live at the peak without planning (each op allocating while
         the allocator's frees lag), 1 with it (every op writes over its dying input) */
      if (extra > 2 * arr + 65536)
        TH_FAIL("linker %s: the call's peak was %lld bytes over its start, %.1f arrays",
                linkers[l], extra, (double)extra / (double)arr);
      for (int64_t i = 0; out && i < N; i += 977)
        CHECK_CLOSE(tg_array_get_f64(out, i), chain_ref(tg_array_get_f64(xa, i), OPS), 1e-12, 1e-12);
      /* the input is untouched */
      for (int64_t i = 0; i < N; i += 4099)
        CHECK(tg_array_get_f64(xa, i) == (double)(i % 1000) / 500.0 - 1);
      tg_array_unref(out);
      tg_array_unref(xa);
      tg_function_free(f);
    }
    tg_graph_free(g);
  }
}

/* Values that must survive: a returned output is not reused by a later call; an
   intermediate needed twice is not overwritten by its first consumer; a shared value
   changes only through its update. */
TEST(what_must_survive_does) {
  enum { N = 4096 };
  for (int l = 0; l < 2; l++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64);
    tg_array *w0 = tg_array_empty(TG_FLOAT64, 1, (int64_t[]){N});
    for (int64_t i = 0; i < N; i++) tg_array_set_f64(w0, i, 0.001 * (double)i);
    tg_var *w = tg_shared(g, "w", w0, true);
    tg_var *a = tg_exp(tg_mul(x, tg_const_f64(g, 0.01)));  /* used by b and c */
    tg_var *b = tg_mul(a, tg_const_f64(g, 2));
    tg_var *c = tg_add(tg_add(a, b), w);                    /* a still live at b */
    tg_var *wnew = tg_add(w, tg_const_f64(g, 1));
    tg_options *o = tg_options_new();
    tg_options_set(o, "mode", "FAST_COMPILE");
    tg_options_set(o, "linker", linkers[l]);
    tg_options_update(o, w, wnew);
    tg_var *outs[2] = {c, tg_mul(w, tg_const_f64(g, 3))};
    tg_function *f = tg_function_new(g, 1, &x, 2, outs, o);
    tg_options_free(o);
    CHECK(f != NULL);
    if (f) {
      tg_array *xa = tg_array_empty(TG_FLOAT64, 1, (int64_t[]){N});
      for (int64_t i = 0; i < N; i++) tg_array_set_f64(xa, i, (double)i);
      tg_array *r1[2] = {0}, *r2[2] = {0};
      CHECK_STATUS(tg_function_call(f, &xa, r1), TG_OK);
      CHECK_STATUS(tg_function_call(f, &xa, r2), TG_OK);
      for (int64_t i = 0; i < N; i += 37) {
        double av = exp(0.01 * (double)i), wv = 0.001 * (double)i;
        CHECK_CLOSE(tg_array_get_f64(r1[0], i), 3 * av + wv, 1e-13, 0);
        CHECK_CLOSE(tg_array_get_f64(r2[0], i), 3 * av + wv + 1, 1e-13, 0);
        CHECK_CLOSE(tg_array_get_f64(r1[1], i), 3 * wv, 1e-13, 0);
        CHECK_CLOSE(tg_array_get_f64(r2[1], i), 3 * (wv + 1), 1e-13, 0);
        CHECK(tg_array_get_f64(xa, i) == (double)i);
        CHECK(tg_array_get_f64(w0, i) == wv); /* the caller's initial array is never written */
      }
      tg_array *wv2 = tg_shared_get(w, true);
      CHECK(wv2 && fabs(tg_array_get_f64(wv2, 5) - (0.005 + 2)) < 1e-13);
      tg_array_unref(wv2);
      for (int k = 0; k < 2; k++) tg_array_unref(r1[k]), tg_array_unref(r2[k]);
      tg_array_unref(xa);
      tg_function_free(f);
    }
    tg_array_unref(w0);
    tg_graph_free(g);
  }
}

/* A transposed view of an input, a broadcast row, an into-call: planning takes only
   buffers it may write. */
TEST(views_broadcasts_and_into) {
  enum { R = 64, C = 48 };
  for (int l = 0; l < 2; l++) {
    tg_graph *g = tg_graph_new();
    tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *row = tg_row(g, "row", TG_FLOAT64);
    tg_var *t = tg_add(tg_transpose(m, 0, NULL), tg_const_f64(g, 1)); /* (C, R) */
    tg_var *u = tg_mul(tg_transpose(t, 0, NULL), row);                /* (R, C) */
    tg_var *v = tg_sub(u, tg_mul(u, tg_const_f64(g, 0.25)));
    tg_function *f = compile(g, 2, (tg_var *[]){m, row}, 1, &v, "FAST_COMPILE", linkers[l]);
    CHECK(f != NULL);
    if (f) {
      tg_array *ma = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){R, C});
      tg_array *ra = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){1, C});
      for (int64_t i = 0; i < R * C; i++) tg_array_set_f64(ma, i, (double)i * 0.01);
      for (int64_t j = 0; j < C; j++) tg_array_set_f64(ra, j, (double)j - 3);
      tg_array *into = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){R, C}), *out = NULL;
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){ma, ra}, &out), TG_OK);
      CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){ma, ra}, &into), TG_OK);
      for (int64_t i = 0; i < R * C; i += 13) {
        double want = 0.75 * ((double)i * 0.01 + 1) * ((double)(i % C) - 3);
        CHECK_CLOSE(tg_array_get_f64(out, i), want, 1e-13, 1e-13);
        CHECK_CLOSE(tg_array_get_f64(into, i), want, 1e-13, 1e-13);
        CHECK(tg_array_get_f64(ma, i) == (double)i * 0.01);
      }
      tg_array_unref(out);
      tg_array_unref(into);
      tg_array_unref(ma);
      tg_array_unref(ra);
      tg_function_free(f);
    }
    tg_graph_free(g);
  }
}

/* Gemm over a dying intermediate c: BLAS updates c in place (one output-sized buffer). */
TEST(gemm_in_place_over_dying_c) {
  enum { ROWS = 96, K = 64, COLS = 80 };
  for (int l = 0; l < 2; l++) {
    tg_graph *g = tg_graph_new();
    tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
    tg_var *c = tg_matrix(g, "c", TG_FLOAT64);
    /* an intermediate; one op, so the reference Composite kernel's own per-step
       temporaries do not enter the peak */
    tg_var *c2 = tg_exp(c);
    tg_var *y = tg_add(tg_mul(tg_dot(a, b), tg_const_f64(g, 0.5)), c2);
    tg_function *f = compile(g, 3, (tg_var *[]){a, b, c}, 1, &y, "FAST_RUN", linkers[l]);
    CHECK(f != NULL);
    if (f) {
      tg_array *aa = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){ROWS, K});
      tg_array *ba = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){K, COLS});
      tg_array *ca = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){ROWS, COLS});
      for (int64_t i = 0; i < ROWS * K; i++) tg_array_set_f64(aa, i, (double)(i % 7) - 3);
      for (int64_t i = 0; i < K * COLS; i++) tg_array_set_f64(ba, i, (double)(i % 5) * 0.5);
      for (int64_t i = 0; i < ROWS * COLS; i++) tg_array_set_f64(ca, i, (double)(i % 11) * 0.1);
      tg_array *out = NULL;
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){aa, ba, ca}, &out), TG_OK);
      tg_array_unref(out);
      out = NULL;
      /* count the output-sized arrays the call makes (the built-in gemm's packing
         buffers, used without BLAS, are other sizes): exp(c), and nothing for Gemm */
      long long arr = (long long)ROWS * COLS * 8;
      M.watch = arr;
      M.watched = 0;
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){aa, ba, ca}, &out), TG_OK);
      M.watch = 0;
#ifdef TGRAPH_HAVE_BLAS
      int want = 1;
#else
      int want = 2; /* the built-in gemm computes an aliased output through a temporary */
#endif
      if (M.watched > want)
        TH_FAIL("linker %s: the call made %d output-sized arrays, not %d", linkers[l],
                M.watched, want);
      for (int64_t i = 0; out && i < ROWS; i += 5)
        for (int64_t j = 0; j < COLS; j += 3) {
          double s = 0;
          for (int64_t k = 0; k < K; k++)
            s += tg_array_get_f64(aa, i * K + k) * tg_array_get_f64(ba, k * COLS + j);
          CHECK_CLOSE(tg_array_get_f64(out, i * COLS + j),
                      0.5 * s + exp(tg_array_get_f64(ca, i * COLS + j)), 1e-12, 1e-12);
        }
      for (int64_t i = 0; i < ROWS * COLS; i += 31) CHECK(tg_array_get_f64(ca, i) == (double)(i % 11) * 0.1);
      tg_array_unref(out);
      tg_array_unref(aa);
      tg_array_unref(ba);
      tg_array_unref(ca);
      tg_function_free(f);
    }
    tg_graph_free(g);
  }
}

/* SGD in a loop: W <- W - lr * x^T (x W - t) (a Gemm with a Dot inside), b <- b - lr *
   sum(...) (elementwise). After the first calls, a call allocates no W-sized or
   product-sized buffer: the update takes the buffer W held two calls ago (kept by the
   function), the product a buffer the function kept from the last call. What a caller
   still holds is never reused: an old value of W taken with tg_shared_get, an output. A
   call that fails changes nothing and the next one is right. */
static void sgd_ref(double *w, double *bv, const double *x, const double *t, int n, int d) {
  double *z = malloc(sizeof(double) * (size_t)(n * d)), lr = 0.01;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int k = 0; k < d; k++) s += x[i * d + k] * w[k * d + j];
      z[i * d + j] = s - t[i * d + j];
    }
  for (int k = 0; k < d; k++)
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += x[i * d + k] * z[i * d + j];
      w[k * d + j] -= lr * s;
    }
  for (int j = 0; j < d; j++) {
    double s = 0;
    for (int i = 0; i < n; i++) s += z[i * d + j];
    bv[j] -= lr * s;
  }
  free(z);
}

TEST(sgd_keeps_its_buffers_between_calls) {
  enum { N = 48, D = 96, STEPS = 6 };
  for (int l = 0; l < 2; l++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *t = tg_matrix(g, "t", TG_FLOAT64);
    tg_array *w0 = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){D, D});
    tg_array *b0 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){D});
    double wr[D * D], br[D] = {0}, xs[N * D], ts[N * D];
    for (int i = 0; i < D * D; i++) tg_array_set_f64(w0, i, wr[i] = 0.01 * (double)((i * 7) % 13 - 6));
    for (int i = 0; i < N * D; i++) xs[i] = 0.1 * (double)((i * 5) % 11 - 5), ts[i] = (double)(i % 3);
    tg_var *w = tg_shared(g, "w", w0, false), *b = tg_shared(g, "b", b0, false);
    tg_var *z = tg_sub(tg_dot(x, w), t);
    tg_var *lr = tg_const_f64(g, 0.01);
    tg_options *o = tg_options_new();
    tg_options_set(o, "linker", linkers[l]);
    tg_options_update(o, w, tg_sub(w, tg_mul(lr, tg_dot(tg_transpose(x, 0, NULL), z))));
    tg_options_update(o, b, tg_sub(b, tg_mul(lr, tg_sum(z, 1, (int[]){0}, false))));
    tg_var *cost = tg_sum(z, -1, NULL, false); /* sum(z^2) would be a FusedReduce, whose
                                                   reference kernel makes a z-sized temporary */
    tg_function *f = tg_function_new(g, 2, (tg_var *[]){x, t}, 1, &cost, o);
    tg_options_free(o);
    CHECK(f != NULL);
    tg_array *xa = tg_array_from_f64(2, (int64_t[]){N, D}, xs);
    tg_array *ta = tg_array_from_f64(2, (int64_t[]){N, D}, ts);
    tg_array *held = NULL, *out1 = NULL;
    double held_copy[D * D], out1_v = 0;
    for (int s = 0; f && s < STEPS; s++) {
      tg_array *out = NULL;
      if (s == 3) { /* W-sized and product-sized blocks made by this call */
        M.watch = (long long)D * D * 8;
        M.watched = 0;
      }
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ta}, &out), TG_OK);
      if (s == 3) {
        M.watch = 0;
        if (M.watched != 0)
          TH_FAIL("linker %s: a warm step made %d arrays the size of W", linkers[l], M.watched);
        M.watch = (long long)N * D * 8;
        M.watched = 0;
        tg_array *o2 = NULL;
        CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ta}, &o2), TG_OK);
        M.watch = 0;
        if (M.watched != 0)
          TH_FAIL("linker %s: a warm step made %d arrays the size of x W", linkers[l], M.watched);
        sgd_ref(wr, br, xs, ts, N, D); /* that call was a step too */
        tg_array_unref(o2);
      }
      sgd_ref(wr, br, xs, ts, N, D);
      if (s == 0) { /* hold W's value and an output across later calls */
        held = tg_shared_get(w, true);
        for (int i = 0; i < D * D; i++) held_copy[i] = tg_array_get_f64(held, i);
        out1 = tg_array_ref(out);
        out1_v = tg_array_get_f64(out, 0);
      }
      tg_array_unref(out);
    }
    /* a failing call (t of the wrong shape) changes nothing; the next call is right */
    tg_array *bad = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){N, D + 1}), *out = NULL;
    if (f) CHECK(tg_function_call(f, (tg_array *[]){xa, bad}, &out) != TG_OK);
    if (f) CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ta}, &out), TG_OK);
    sgd_ref(wr, br, xs, ts, N, D);
    tg_array *wv = f ? tg_shared_get(w, true) : NULL, *bv = f ? tg_shared_get(b, true) : NULL;
    for (int i = 0; wv && i < D * D; i += 7) CHECK_CLOSE(tg_array_get_f64(wv, i), wr[i], 1e-10, 1e-12);
    for (int j = 0; bv && j < D; j++) CHECK_CLOSE(tg_array_get_f64(bv, j), br[j], 1e-10, 1e-12);
    for (int i = 0; held && i < D * D; i++)
      if (tg_array_get_f64(held, i) != held_copy[i]) {
        TH_FAIL("linker %s: an old value of W held by the caller changed at %d", linkers[l], i);
        break;
      }
    if (out1) CHECK(tg_array_get_f64(out1, 0) == out1_v);
    tg_array *arrs[] = {wv, bv, held, out1, bad, out, xa, ta, w0, b0};
    for (size_t i = 0; i < sizeof arrs / sizeof *arrs; i++) tg_array_unref(arrs[i]);
    tg_function_free(f);
    tg_graph_free(g);
  }
}
