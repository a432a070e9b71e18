/* call_overhead.c: the fixed cost of calling a compiled function. A 2x2 `A + B` (float64,
   then float32) is called through tg_function_call_into (output preallocated) and through
   tg_function_call (output allocated per call), next to a hand-written C function doing the
   same 4 additions. The difference is what tgraph adds per call; the goal is <= 0.15 us.
   W1 is the float32 case through tg_function_call_into: line `w1_call` (the reference
   backend, linker=ref) and `w1_call_native` (the native one, the default), each with tgraph = the call and
   ref = the hand loop, interleaved, and the overhead (the difference) in a `#` line. */
#include <tgraph/tgraph.h>

#include "bench.h"

#define ITERS 200000L
#define WARM 3
#define REPS 15

typedef struct {
  tg_function *f;
  tg_array *in[2], *out;
  void *a, *b, *c; /* the same data, for the reference */
} ctx;

/* The reference: the 4 additions in a plain loop, in a function the compiler may not inline
   into the timing loop, whose result it must assume is read. */
__attribute__((noinline)) static void ref_add_f64(const double *a, const double *b, double *c,
                                                  int n) {
  for (int i = 0; i < n; i++) c[i] = a[i] + b[i];
}
__attribute__((noinline)) static void ref_add_f32(const float *a, const float *b, float *c,
                                                  int n) {
  for (int i = 0; i < n; i++) c[i] = a[i] + b[i];
}

static int run_ref_f64(void *p, long iters) {
  ctx *x = p;
  for (long i = 0; i < iters; i++) {
    ref_add_f64(x->a, x->b, x->c, 4);
    BENCH_CLOBBER(x->c);
  }
  return 0;
}
static int run_ref_f32(void *p, long iters) {
  ctx *x = p;
  for (long i = 0; i < iters; i++) {
    ref_add_f32(x->a, x->b, x->c, 4);
    BENCH_CLOBBER(x->c);
  }
  return 0;
}

static int run_into(void *p, long iters) {
  ctx *x = p;
  return bench_run_call(&(bench_call){.f = x->f, .in = x->in, .out = &x->out}, iters);
}

static int run_alloc(void *p, long iters) {
  ctx *x = p;
  for (long i = 0; i < iters; i++) {
    tg_array *o;
    if (tg_function_call(x->f, x->in, &o) != TG_OK) return 1;
    tg_array_unref(o);
  }
  return 0;
}

/* Lines call_overhead<sfx> and call_overhead_alloc<sfx> for dtype dt; with w1 (float32) also
   the W1 line `w1`, interleaving the call and the hand loop, on linker (ref or native; the
   call_overhead lines are for ref). */
static int bench_dtype(tg_dtype dt, const char *linker, const char *w1) {
  const char *sfx = dt == TG_FLOAT64 ? "" : "_f32";
  bool ref_linker = strcmp(linker, "ref") == 0;
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", dt), *B = tg_matrix(g, "B", dt);
  tg_options *o = tg_options_new();
  tg_options_set(o, "linker", linker);
  ctx x = {.f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_add(A, B)), o)};
  tg_options_free(o);
  if (!x.f) {
    fprintf(stderr, "call_overhead: compile failed: %s\n", tg_graph_error(g));
    return 1;
  }
  tg_graph_free(g);
  const int64_t shape[2] = {2, 2};
  const double av[4] = {1, 2, 3, 4}, bv[4] = {0.5, 0.25, 0.125, 0.0625};
  x.in[0] = tg_array_zeros(dt, 2, shape);
  x.in[1] = tg_array_zeros(dt, 2, shape);
  x.out = tg_array_zeros(dt, 2, shape);
  for (int i = 0; i < 4; i++) {
    tg_array_set_f64(x.in[0], i, av[i]);
    tg_array_set_f64(x.in[1], i, bv[i]);
  }
  double store[3][4];
  x.a = store[0], x.b = store[1], x.c = store[2];
  memcpy(x.a, tg_array_data(x.in[0]), 4 * tg_dtype_size(dt));
  memcpy(x.b, tg_array_data(x.in[1]), 4 * tg_dtype_size(dt));

  bench_fn ref = dt == TG_FLOAT64 ? run_ref_f64 : run_ref_f32;
  double t_ref = 0, t_into = -1, t_alloc = -1;
  if (w1) {
    if (!bench_time_pair(run_into, &x, ref, &x, WARM, REPS, ITERS, &t_into, &t_ref)) {
      bench_report(w1, t_into * 1e6, t_ref * 1e6, "us", 1);
      printf("# %s: a 2x2 float32 A + B call costs %.3f us more than the hand loop (goal <= "
             "0.15 us)\n", w1, (t_into - t_ref) * 1e6);
    }
  } else {
    t_ref = bench_time(ref, &x, WARM, REPS, ITERS);
    t_into = bench_time(run_into, &x, WARM, REPS, ITERS);
  }
  if (ref_linker) t_alloc = bench_time(run_alloc, &x, WARM, REPS, ITERS); /* native: W1 only */
  int rc = 0;
  if (t_into < 0 || (t_alloc < 0 && ref_linker)) {
    fprintf(stderr, "call_overhead: a call failed: %s\n", tg_function_error(x.f));
    rc = 1;
  }
  /* the timed calls computed the right thing */
  for (int i = 0; i < 4 && !rc; i++)
    if (tg_array_get_f64(x.out, i) != av[i] + bv[i]) {
      fprintf(stderr, "call_overhead: wrong result at %d\n", i);
      rc = 1;
    }
  if (!rc && ref_linker) {
    char name[64];
    snprintf(name, sizeof name, "call_overhead%s", sfx);
    bench_report(name, t_into * 1e6, t_ref * 1e6, "us", 1);
    snprintf(name, sizeof name, "call_overhead_alloc%s", sfx);
    bench_report(name, t_alloc * 1e6, t_ref * 1e6, "us", 1);
    printf("call_overhead%s: %s 2x2 A + B costs %.3f us more than the C loop per call "
           "through tg_function_call_into, %.3f us through tg_function_call (goal <= 0.15 us)\n",
           sfx, tg_dtype_name(dt), (t_into - t_ref) * 1e6, (t_alloc - t_ref) * 1e6);
  }
  tg_array_unref(x.in[0]);
  tg_array_unref(x.in[1]);
  tg_array_unref(x.out);
  tg_function_free(x.f);
  return rc;
}

int main(void) {
  int rc = bench_dtype(TG_FLOAT64, "ref", NULL);
  rc |= bench_dtype(TG_FLOAT32, "ref", "w1_call");
  rc |= bench_dtype(TG_FLOAT32, "native", "w1_call_native");
  return rc;
}
