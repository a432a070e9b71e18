/* test_threads.c: one compiled function called from many threads at once (DESIGN.md §5:
   "A compiled function may be called from several threads"). Each thread uses its own
   inputs, of its own shapes, and checks every element of every result exactly against the
   same arithmetic done in C; some calls are made to fail (mismatched shapes, wrong dtype)
   among the succeeding ones, and must fail cleanly without disturbing the others. Run it
   under ThreadSanitizer too (a build with CMAKE_C_FLAGS=-fsanitize=thread). Also: the
   buffers a function keeps between calls, with concurrent calls updating a shared variable. */
#include <pthread.h>
#include <stdarg.h>

#include "harness.h"

#define NTHREADS 8
#define ITERS 4000

/* The function under test: out = (A + B) * A - B / 2, float64, with intermediates so each
   call allocates and frees arrays; and a second output that is A itself. */
static tg_function *F;

static double ref(double a, double b) { return (a + b) * a - b / 2; }

typedef struct {
  int id;
  long bad;     /* wrong results or statuses seen by this thread (checked by the main thread) */
  long ok_calls, failed_calls;
  char first_problem[256];
} worker;

/* Note a problem; the first one is kept whole for the report. */
__attribute__((format(printf, 4, 5))) static void problem(worker *w, long it, const char *what,
                                                          const char *fmt, ...) {
  if (w->bad++) return;
  int k = snprintf(w->first_problem, sizeof w->first_problem, "thread %d, iteration %ld: %s",
                   w->id, it, what);
  va_list ap;
  va_start(ap, fmt);
  if (k >= 0 && (size_t)k < sizeof w->first_problem)
    vsnprintf(w->first_problem + k, sizeof w->first_problem - (size_t)k, fmt, ap);
  va_end(ap);
}

static void *work(void *arg) {
  worker *w = arg;
  for (long it = 0; it < ITERS; it++) {
    /* a shape of this thread and iteration: rows 1..4, columns 1..3 */
    int64_t rows = 1 + (w->id + it) % 4, cols = 1 + (it / 3 + w->id) % 3;
    int64_t n = rows * cols;
    double a[12], b[12];
    for (int64_t i = 0; i < n; i++) {
      a[i] = (double)(w->id * 1000 + it) + 0.25 * (double)i;
      b[i] = (double)((it * 7 + i * 13 + w->id) % 101) - 50.5;
    }
    tg_array *A = tg_array_from_f64(2, (int64_t[]){rows, cols}, a);
    tg_array *B = tg_array_from_f64(2, (int64_t[]){rows, cols}, b);
    int kind = (int)(it % 7);
    if (kind == 5) {
      /* a mismatched B: the call must fail with a shape error and hand back nothing */
      tg_array *Bbad = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){rows + 1, cols});
      tg_array *out[2] = {NULL, NULL};
      tg_status st = tg_function_call(F, (tg_array *[]){A, Bbad}, out);
      if (st != TG_ERR_SHAPE) problem(w, it, "shape error gave ", "%s", tg_status_name(st));
      if (out[0] || out[1]) problem(w, it, "a failed call set outputs", "%s", "");
      tg_array_unref(Bbad);
      w->failed_calls++;
    } else if (kind == 6) {
      /* a float32 A: refused before running */
      tg_array *Af = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){rows, cols});
      tg_array *out[2] = {NULL, NULL};
      tg_status st = tg_function_call(F, (tg_array *[]){Af, B}, out);
      if (st != TG_ERR_TYPE) problem(w, it, "dtype error gave ", "%s", tg_status_name(st));
      if (out[0] || out[1]) problem(w, it, "a failed call set outputs", "%s", "");
      tg_array_unref(Af);
      w->failed_calls++;
    } else {
      bool into = kind >= 3;
      tg_array *out[2] = {NULL, NULL};
      if (into) {
        out[0] = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){rows, cols});
        out[1] = tg_array_empty(TG_FLOAT64, 2, (int64_t[]){rows, cols});
      }
      tg_status st = into ? tg_function_call_into(F, (tg_array *[]){A, B}, out)
                          : tg_function_call(F, (tg_array *[]){A, B}, out);
      if (st != TG_OK) {
        problem(w, it, "call failed: ", "%s", tg_function_error(F));
      } else {
        for (int64_t i = 0; i < n; i++) {
          if (tg_array_get_f64(out[0], i) != ref(a[i], b[i]))
            problem(w, it, "wrong value at element ", "%lld", (long long)i);
          if (tg_array_get_f64(out[1], i) != a[i])
            problem(w, it, "wrong second output at element ", "%lld", (long long)i);
        }
        if (!into && out[1] != A) problem(w, it, "output 1 is not A", "%s", "");
        if (tg_array_ndim(out[0]) != 2 || tg_array_shape(out[0])[0] != rows ||
            tg_array_shape(out[0])[1] != cols)
          problem(w, it, "wrong output shape", "%s", "");
      }
      tg_array_unref(out[0]);
      tg_array_unref(out[1]);
      w->ok_calls++;
    }
    tg_array_unref(A);
    tg_array_unref(B);
  }
  return NULL;
}

static tg_function *compile(void) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_sub(tg_mul(tg_add(A, B), A), tg_true_div(B, tg_const_f64(g, 2.0)));
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(C, A), NULL);
  if (!f) fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
  tg_graph_free(g);
  return f;
}

TEST(one_function_many_threads) {
  F = compile();
  CHECK(F != NULL);
  if (!F) return;
  pthread_t th[NTHREADS];
  worker w[NTHREADS];
  int started = 0;
  for (int t = 0; t < NTHREADS; t++) {
    w[t] = (worker){.id = t};
    if (pthread_create(&th[t], NULL, work, &w[t]) != 0) break;
    started++;
  }
  CHECK(started == NTHREADS);
  long ok = 0, failed = 0;
  for (int t = 0; t < started; t++) {
    pthread_join(th[t], NULL);
    if (w[t].bad) TH_FAIL("%ld problems, first: %s", w[t].bad, w[t].first_problem);
    ok += w[t].ok_calls;
    failed += w[t].failed_calls;
  }
  CHECK(ok + failed == (long)started * ITERS);
  CHECK(failed > 0 && ok > 0);
  /* the function's last error is one of the failures above, whole (not torn) */
  const char *msg = tg_function_error(F);
  CHECK(strstr(msg, "Elemwise{add}: shapes do not match") || strstr(msg, "expects"));
  /* and it still works after all that */
  tg_array *A = tg_array_from_f64(2, (int64_t[]){1, 2}, (double[]){1, 2});
  tg_array *B = tg_array_from_f64(2, (int64_t[]){1, 2}, (double[]){3, 4});
  tg_array *out[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(F, (tg_array *[]){A, B}, out), TG_OK);
  CHECK(out[0] && tg_array_get_f64(out[0], 0) == ref(1, 3) && tg_array_get_f64(out[0], 1) == ref(2, 4));
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(A);
  tg_array_unref(B);
  tg_function_free(F);
}

/* Several functions compiled concurrently from separate graphs, each then called by its
   own thread: building and compiling share no state between graphs. */
static void *compile_and_call(void *arg) {
  worker *w = arg;
  for (long it = 0; it < 50; it++) {
    tg_function *f = compile();
    if (!f) {
      problem(w, it, "compile failed", "%s", "");
      return NULL;
    }
    double a = (double)(w->id + it), b = (double)it - 3.5;
    tg_array *A = tg_array_from_f64(2, (int64_t[]){1, 1}, &a);
    tg_array *B = tg_array_from_f64(2, (int64_t[]){1, 1}, &b);
    tg_array *out[2] = {NULL, NULL};
    if (tg_function_call(f, (tg_array *[]){A, B}, out) != TG_OK ||
        tg_array_get_f64(out[0], 0) != ref(a, b))
      problem(w, it, "wrong result", "%s", "");
    tg_array_unref(out[0]);
    tg_array_unref(out[1]);
    tg_array_unref(A);
    tg_array_unref(B);
    tg_function_free(f);
  }
  return NULL;
}

TEST(compile_in_many_threads) {
  pthread_t th[NTHREADS];
  worker w[NTHREADS];
  int started = 0;
  for (int t = 0; t < NTHREADS; t++) {
    w[t] = (worker){.id = t};
    if (pthread_create(&th[t], NULL, compile_and_call, &w[t]) != 0) break;
    started++;
  }
  CHECK(started == NTHREADS);
  for (int t = 0; t < started; t++) {
    pthread_join(th[t], NULL);
    if (w[t].bad) TH_FAIL("%ld problems, first: %s", w[t].bad, w[t].first_problem);
  }
}

/* Buffers a function keeps between calls (its pool, the spare of each update; plan.c),
   under concurrent calls: y = (w * 2 + x) * 0.5 over arrays large enough to be kept, the
   update w <- w + 1. Every call sees one committed w, uniform (an integer k), so
   y - x / 2 is k everywhere; two calls writing into one kept buffer would show as a mix. */
static tg_function *FU;
static tg_var *WU;
enum { UN = 2048, UITERS = 400 };

static void *update_work(void *arg) {
  worker *w = arg;
  double xs[UN];
  for (int i = 0; i < UN; i++) xs[i] = (double)(w->id * 10000 + i);
  tg_array *x = tg_array_from_f64(1, (int64_t[]){UN}, xs);
  for (long it = 0; it < UITERS && x; it++) {
    tg_array *out[1] = {NULL};
    if (tg_function_call(FU, &x, out) != TG_OK) {
      problem(w, it, "call failed: ", "%s", tg_function_error(FU));
      break;
    }
    double k = tg_array_get_f64(out[0], 0) - xs[0] / 2;
    for (int i = 0; i < UN; i++)
      if (tg_array_get_f64(out[0], i) - xs[i] / 2 != k || k != floor(k) || k < 0) {
        problem(w, it, "mixed values: ", "y[%d] - x[%d]/2 = %g, y[0] - x[0]/2 = %g", i, i,
                tg_array_get_f64(out[0], i) - xs[i] / 2, k);
        break;
      }
    tg_array_unref(out[0]);
  }
  tg_array_unref(x);
  return NULL;
}

TEST(kept_buffers_under_concurrent_calls) {
  tg_graph *g = tg_graph_new();
  tg_array *w0 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){UN});
  WU = tg_shared(g, "w", w0, false);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_mul(tg_add(tg_mul(WU, tg_const_f64(g, 2)), x), tg_const_f64(g, 0.5));
  tg_options *o = tg_options_new();
  tg_options_set(o, "mode", "FAST_COMPILE"); /* unfused: intermediates go through the pool */
  tg_options_update(o, WU, tg_add(WU, tg_const_f64(g, 1)));
  FU = tg_function_new(g, 1, &x, 1, &y, o);
  tg_options_free(o);
  CHECK(FU != NULL);
  pthread_t th[NTHREADS];
  worker w[NTHREADS];
  int started = 0;
  for (int t = 0; FU && t < NTHREADS; t++) {
    w[t] = (worker){.id = t};
    if (pthread_create(&th[t], NULL, update_work, &w[t]) != 0) break;
    started++;
  }
  CHECK(!FU || started == NTHREADS);
  for (int t = 0; t < started; t++) {
    pthread_join(th[t], NULL);
    if (w[t].bad) TH_FAIL("%ld problems, first: %s", w[t].bad, w[t].first_problem);
  }
  /* the final value is uniform too, and at most one increment per call */
  tg_array *wv = FU ? tg_shared_get(WU, true) : NULL;
  for (int i = 0; wv && i < UN; i++)
    if (tg_array_get_f64(wv, i) != tg_array_get_f64(wv, 0)) {
      TH_FAIL("w is not uniform at %d", i);
      break;
    }
  CHECK(!wv || (tg_array_get_f64(wv, 0) >= 1 && tg_array_get_f64(wv, 0) <= (double)NTHREADS * UITERS));
  tg_array_unref(wv);
  tg_array_unref(w0);
  tg_function_free(FU);
  tg_graph_free(g);
}
