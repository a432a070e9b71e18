/* test_alloc_fail.c: the allocation-failure sweep (TESTING.md). A counting allocator is
   installed with tg_set_allocator; each scenario runs once to count the allocations it makes
   (N), then N more times with allocation k failing, k = 1..N. Every failing run must report
   TG_ERR_NOMEM through the channel that applies (tg_errstatus for arrays, tg_graph_status for
   builders and compiling, the call's status for calls), never crash, leave what it was handed
   unchanged, and free everything: the allocator tracks live blocks, so a leak is caught here
   even without LeakSanitizer. */
#include <stdint.h>

#include "core/core.h"
#include "harness.h"

/* ---- the counting allocator ---- */

/* Each block carries a small header so a free of a pointer we did not hand out, or a double
   free, is caught at once instead of corrupting the count. */
typedef struct {
  uint64_t magic;
  uint64_t size;
} hdr;
#define MAGIC_LIVE 0x7467726170686c76ull /* "tgraphlv" */
#define MAGIC_DEAD 0x6465616464656164ull

static struct {
  long count;    /* allocations seen while armed */
  long fail_at;  /* the armed allocation number that fails (0: none) */
  long injected; /* failures injected */
  long live;     /* blocks currently allocated */
  int armed;
} C;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  hdr *h = ptr ? (hdr *)ptr - 1 : NULL;
  if (h && h->magic != MAGIC_LIVE) {
    fprintf(stderr, "test_alloc_fail: free/realloc of a block not handed out by the allocator "
                    "(or freed twice)\n");
    abort(); /* memory is corrupt: no point going on */
  }
  if (nsize == 0) {
    if (h) {
      h->magic = MAGIC_DEAD;
      C.live--;
      free(h);
    }
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) {
    C.injected++;
    return NULL; /* like realloc, a failed resize leaves the old block alive */
  }
  hdr *n = realloc(h, sizeof(hdr) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  n->magic = MAGIC_LIVE;
  n->size = nsize;
  return n + 1;
}

static void arm(void) { C.armed = 1; }
static void disarm(void) { C.armed = 0; }

/* Installed before main() so every block the library ever makes is counted. */
__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

/* A scenario: sets up (disarmed), arms around the work under test, disarms, checks and
   cleans up. Returns TG_OK on success or the status by which the failure was reported. */
typedef tg_status (*scenario)(void);

/* Run sc counting allocations, then once per allocation with that one failing. */
static void sweep(const char *what, scenario sc, bool may_be_empty) {
  memset(&C, 0, sizeof C);
  tg_status st = sc();
  th_checks++;
  if (st != TG_OK) TH_FAIL("%s: the counting run failed with %s", what, tg_status_name(st));
  if (C.live != 0) TH_FAIL("%s: %ld blocks leaked by the counting run", what, C.live);
  long n = C.count;
  if (!may_be_empty && n == 0) TH_FAIL("%s: made no allocation to fail", what);
  for (long k = 1; k <= n; k++) {
    memset(&C, 0, sizeof C);
    C.fail_at = k;
    st = sc();
    th_checks += 3;
    if (C.injected != 1)
      TH_FAIL("%s: allocation %ld of %ld was never reached (scenario not deterministic?)",
              what, k, n);
    if (st != TG_ERR_NOMEM)
      TH_FAIL("%s: failing allocation %ld of %ld gave %s, expected TG_ERR_NOMEM", what, k, n,
              tg_status_name(st));
    if (C.live != 0) TH_FAIL("%s: failing allocation %ld of %ld leaked %ld blocks", what, k, n,
                             C.live);
  }
  disarm();
  printf("%-44s %3ld allocation sites swept\n", what, n);
}

/* ---- scenarios: arrays ---- */

static int released;
static void on_release(void *ud, void *data) {
  (void)data;
  released += ud == &released;
}

static tg_status sc_arrays(void) {
  double buf[6] = {1, 2, 3, 4, 5, 6};
  tg_array *a[10] = {0};
  tg_status st = TG_OK;
  released = 0;
  arm();
  /* each creation in turn; the first failure ends the sequence */
  int n = 0;
  a[n] = tg_array_from_f64(2, (int64_t[]){2, 3}, buf);
  if (a[n]) a[++n] = tg_array_zeros(TG_INT32, 1, (int64_t[]){5});
  if (a[n]) a[++n] = tg_array_empty(TG_FLOAT32, 3, (int64_t[]){2, 1, 2});
  if (a[n]) a[++n] = tg_array_scalar(TG_INT8, 7);
  if (a[n]) a[++n] = tg_array_wrap(TG_FLOAT64, 1, (int64_t[]){6}, NULL, buf, on_release, &released);
  if (a[n]) a[++n] = tg_array_slice(a[0], 1, 2, -4, -1);
  if (a[n]) a[++n] = tg_array_transpose(a[0]);
  if (a[n]) a[++n] = tg_array_copy(a[6]);
  if (a[n]) a[++n] = tg_array_astype(a[5], TG_INT64);
  if (a[n]) a[++n] = tg_array_from_i64(0, NULL, (int64_t[]){-3});
  disarm();
  if (!a[n]) {
    st = tg_errstatus();
    CHECK_ERROR_CONTAINS(tg_errmsg(), "out of memory");
    if (n == 4) CHECK(released == 0); /* a failed wrap does not take the buffer */
    if (n == 5) CHECK(!tg_array_is_view(a[0])); /* a failed view leaves no trace */
  } else {
    CHECK(tg_array_get_f64(a[5], 1) == 2);          /* a[0][:, 2::-1] = [[3, 2, 1], [6, 5, 4]] */
    CHECK(tg_array_get_f64(a[7], 1) == 4);          /* copy of the transpose, C order */
    CHECK(tg_array_get_i64(a[8], 3) == 6);
    CHECK(tg_array_get_i64(a[9], 0) == -3);
  }
  for (int i = 9; i >= 0; i--) tg_array_unref(a[i]);
  if (a[4]) CHECK(released == 1); /* the wrapped buffer was handed back exactly once */
  return st;
}

/* ---- graphs used by the compile and call scenarios ---- */

/* A dozen elementwise ops, with a constant array, weak and typed scalar constants, a
   comparison, a switch and a cast: out = tanh(f32(where(t7 < x, t7, x)) + 0.5) with
   t7 = (max(exp(-((x + r) * 2 - 3)), c) / 4)^2. NULL (with the graph's error) on failure. */
static tg_var *build_big(tg_graph *g, tg_var *x, tg_var *r, tg_array *cval) {
  tg_var *c = tg_constant(g, cval);
  tg_var *t = tg_add(x, r);
  t = tg_mul(t, tg_const_f64(g, 2.0));
  t = tg_sub(t, tg_const_i64(g, 3));
  t = tg_exp(tg_neg(t));
  t = tg_maximum(t, c);
  t = tg_true_div(t, tg_const_typed(g, TG_FLOAT64, 4));
  t = tg_sqr(t);
  t = tg_switch(tg_lt(t, x), t, x);
  t = tg_cast(t, TG_FLOAT32);
  t = tg_elemwise("add", 2, (tg_var *[]){t, tg_const_f64(g, 0.5)});
  t = tg_tanh(t);
  return tg_var_set_name(t, "out");
}
#define BIG_NODES 13

/* The same computation by hand, element i of a 2x2 x with a 1x2 r and 1x2 c. */
static double big_ref(const double *x, const double *r, const double *c, int i) {
  double t = exp(-((x[i] + r[i % 2]) * 2 - 3));
  t = t > c[i % 2] ? t : c[i % 2];
  t = t / 4;
  t = t * t;
  t = t < x[i] ? t : x[i];
  return tanh((double)(float)t + 0.5);
}

static const double BX[4] = {0.25, -1.5, 2.0, 0.75}, BR[2] = {0.5, -0.25}, BC[2] = {0.1, 0.3};

/* A chain long enough that the function has more than 64 slots (the call frame then lives
   on the heap): y = (y * 0.5 + k) for k = 0..CHAIN-1, each step with its own constants. */
#define CHAIN 40
static tg_var *build_chain(tg_graph *g, tg_var *x) {
  tg_var *y = x;
  for (int k = 0; k < CHAIN; k++)
    y = tg_add(tg_mul(y, tg_const_f64(g, 0.5)), tg_const_typed(g, TG_FLOAT64, k));
  return y;
}
static double chain_ref(double y) {
  for (int k = 0; k < CHAIN; k++) y = y * 0.5 + k;
  return y;
}

/* ---- scenarios: building and compiling ---- */

static tg_status sc_build(void) {
  tg_array *cval = tg_array_from_f64(2, (int64_t[]){1, 2}, BC);
  arm();
  tg_graph *g = tg_graph_new();
  if (!g) {
    disarm();
    tg_array_unref(cval);
    CHECK_ERROR_CONTAINS(tg_errmsg(), "out of memory");
    return tg_errstatus();
  }
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *r = tg_row(g, "r", TG_FLOAT64);
  tg_var *out = build_big(g, x, r, cval);
  disarm();
  tg_status st = tg_graph_status(g);
  if (out) {
    CHECK(st == TG_OK);
    CHECK(tg_graph_n_nodes(g) == BIG_NODES);
    CHECK(tg_var_dtype(out) == TG_FLOAT32 && tg_var_ndim(out) == 2);
  } else {
    CHECK(st != TG_OK); /* a NULL result always comes with the graph's error */
    CHECK_ERROR_CONTAINS(tg_graph_error(g), "out of memory");
    /* the error is sticky: later builders refuse even well-formed operands */
    CHECK(tg_add(x, r) == NULL && tg_exp(x) == NULL);
    CHECK(tg_graph_status(g) == st);
  }
  tg_graph_free(g);
  tg_array_unref(cval);
  return st;
}

/* Compile out = build_big from a graph made disarmed; check the values if it compiled. */
static tg_status sc_compile_big(void) {
  tg_array *cval = tg_array_from_f64(2, (int64_t[]){1, 2}, BC);
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *r = tg_row(g, "r", TG_FLOAT64);
  tg_var *out = build_big(g, x, r, cval);
  CHECK(out != NULL);
  arm();
  tg_function *f = tg_function_new(g, TG_VARS(x, r), TG_VARS(out, x), NULL);
  disarm();
  tg_status st = tg_graph_status(g);
  if (!f) {
    CHECK(st != TG_OK);
    CHECK_ERROR_CONTAINS(tg_graph_error(g), "out of memory");
  } else {
    CHECK(st == TG_OK);
    tg_graph_free(g); /* the function must not need the graph any more */
    g = NULL;
    tg_array *xa = tg_array_from_f64(2, (int64_t[]){2, 2}, BX);
    tg_array *ra = tg_array_from_f64(2, (int64_t[]){1, 2}, BR);
    tg_array *o[2] = {NULL, NULL};
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, ra}, o), TG_OK);
    for (int i = 0; o[0] && i < 4; i++)
      CHECK_CLOSE(tg_array_get_f64(o[0], i), big_ref(BX, BR, BC, i), 1e-6, 0);
    CHECK(o[1] == xa);
    tg_array_unref(o[0]);
    tg_array_unref(o[1]);
    tg_array_unref(xa);
    tg_array_unref(ra);
  }
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(cval);
  return st;
}

static tg_status sc_compile_chain(void) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = build_chain(g, x);
  CHECK(y != NULL);
  arm();
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), NULL);
  disarm();
  tg_status st = tg_graph_status(g);
  if (!f) {
    CHECK(st != TG_OK);
    CHECK_ERROR_CONTAINS(tg_graph_error(g), "out of memory");
  } else {
    tg_array *xa = tg_array_from_f64(1, (int64_t[]){2}, (double[]){3, -8});
    tg_array *o[1] = {NULL};
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa}, o), TG_OK);
    CHECK(o[0] && tg_array_get_f64(o[0], 0) == chain_ref(3));
    CHECK(o[0] && tg_array_get_f64(o[0], 1) == chain_ref(-8));
    tg_array_unref(o[0]);
    tg_array_unref(xa);
  }
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

/* ---- scenarios: calls ---- */

/* A failed call must leave the inputs as they were: same values, same reference count. */
static void check_unchanged(tg_array *a, const tg_array *copy) {
  CHECK(tg_array_equal(a, copy));
  CHECK(atomic_load(&a->refcnt) == 1);
}

/* Call (or call_into) f on its inputs; on success compare output 0 with want[] (n values,
   tolerance rtol); on failure check the error and that nothing the caller handed in moved.
   Outputs from tg_function_call are unref'd here. */
static tg_status call_and_check(tg_function *f, int n_in, tg_array **in, int n_out,
                                tg_array **into, const double *want, int n, double rtol) {
  tg_array *copy[4], *out[4] = {NULL, NULL, NULL, NULL};
  for (int i = 0; i < n_in; i++) copy[i] = tg_array_copy(in[i]);
  arm();
  tg_status st = into ? tg_function_call_into(f, in, into) : tg_function_call(f, in, out);
  disarm();
  tg_array *o0 = into ? into[0] : out[0];
  if (st == TG_OK) {
    for (int i = 0; i < n; i++) CHECK_CLOSE(tg_array_get_f64(o0, i), want[i], rtol, 0);
  } else {
    CHECK_ERROR_CONTAINS(tg_function_error(f), "out of memory");
    for (int i = 0; i < n_out; i++) CHECK(out[i] == NULL); /* all or nothing */
    for (int i = 0; i < n_in; i++) check_unchanged(in[i], copy[i]);
    for (int i = 0; into && i < n_out; i++) CHECK(atomic_load(&into[i]->refcnt) == 1);
  }
  for (int i = 0; i < n_out; i++) tg_array_unref(out[i]);
  for (int i = 0; i < n_in; i++) tg_array_unref(copy[i]);
  return st;
}

static tg_function *compile_big(void) {
  tg_array *cval = tg_array_from_f64(2, (int64_t[]){1, 2}, BC);
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *r = tg_row(g, "r", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x, r), TG_VARS(build_big(g, x, r, cval)), NULL);
  CHECK(f != NULL);
  tg_graph_free(g);
  tg_array_unref(cval);
  return f;
}

static tg_status big_call(bool into) {
  tg_function *f = compile_big();
  tg_array *in[2] = {tg_array_from_f64(2, (int64_t[]){2, 2}, BX),
                     tg_array_from_f64(2, (int64_t[]){1, 2}, BR)};
  tg_array *o = into ? tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){2, 2}) : NULL;
  double want[4];
  for (int i = 0; i < 4; i++) want[i] = big_ref(BX, BR, BC, i);
  tg_status st = call_and_check(f, 2, in, 1, into ? &o : NULL, want, 4, 1e-6);
  tg_array_unref(o);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
  tg_function_free(f);
  return st;
}
static tg_status sc_call_big(void) { return big_call(false); }
static tg_status sc_call_into_big(void) { return big_call(true); }

static tg_status sc_call_seed(void) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_add(A, B)), NULL);
  tg_graph_free(g);
  tg_array *in[2] = {tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){1, 2, 3, 4}),
                     tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){5, 6, 7, 8})};
  tg_status st = call_and_check(f, 2, in, 1, NULL, (double[]){6, 8, 10, 12}, 4, 0);
  tg_array_unref(in[0]);
  tg_array_unref(in[1]);
  tg_function_free(f);
  return st;
}

static tg_status chain_call(bool into) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(build_chain(g, x)), NULL);
  CHECK(f != NULL);
  tg_graph_free(g);
  tg_array *in[1] = {tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, -2, 0.5})};
  tg_array *o = into ? tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3}) : NULL;
  double want[3] = {chain_ref(1), chain_ref(-2), chain_ref(0.5)};
  tg_status st = call_and_check(f, 1, in, 1, into ? &o : NULL, want, 3, 0);
  tg_array_unref(o);
  tg_array_unref(in[0]);
  tg_function_free(f);
  return st;
}
static tg_status sc_call_chain(void) { return chain_call(false); }
static tg_status sc_call_into_chain(void) { return chain_call(true); }

/* Outputs that are an input and a constant next to a computed one (twice): the computed
   output is the only allocation, and a failure must hand back none of the four. */
static tg_status sc_call_outputs_alias(void) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *k = tg_const_typed(g, TG_FLOAT64, 3.5);
  tg_var *y = tg_mul(tg_exp(x), tg_const_f64(g, 2.0));
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y, x, k, y), NULL);
  CHECK(f != NULL);
  tg_graph_free(g);
  tg_array *in[1] = {tg_array_from_f64(1, (int64_t[]){2}, (double[]){0, 1})};
  tg_array *copy = tg_array_copy(in[0]);
  tg_array *out[4] = {NULL, NULL, NULL, NULL};
  arm();
  tg_status st = tg_function_call(f, in, out);
  disarm();
  if (st == TG_OK) {
    CHECK_CLOSE(tg_array_get_f64(out[0], 1), 2 * exp(1.0), 1e-15, 0);
    CHECK(out[1] == in[0] && out[3] == out[0]);
    CHECK(tg_array_get_f64(out[2], 0) == 3.5);
  } else {
    CHECK_ERROR_CONTAINS(tg_function_error(f), "out of memory");
    for (int i = 0; i < 4; i++) CHECK(out[i] == NULL);
    check_unchanged(in[0], copy);
  }
  for (int i = 0; i < 4; i++) tg_array_unref(out[i]);
  tg_array_unref(copy);
  tg_array_unref(in[0]);
  tg_function_free(f);
  return st;
}

/* ---- the sweeps ---- */

TEST(allocator_counts_and_frees) {
  /* the allocator really is in force, and tg_free goes through it */
  memset(&C, 0, sizeof C);
  tg_array *a = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  CHECK(C.live == 1);
  tg_array_unref(a);
  CHECK(C.live == 0);
  void *ud = &C;
  CHECK(tg_get_allocator(&ud) == count_alloc && ud == NULL);
}

TEST(sweep_arrays) { sweep("array creation and views", sc_arrays, false); }
TEST(sweep_build) { sweep("building a 13-op elementwise graph", sc_build, false); }
TEST(sweep_compile) { sweep("tg_function_new (13 ops)", sc_compile_big, false); }
TEST(sweep_compile_chain) { sweep("tg_function_new (80-op chain)", sc_compile_chain, false); }
TEST(sweep_call_seed) { sweep("tg_function_call (A + B)", sc_call_seed, false); }
TEST(sweep_call_big) { sweep("tg_function_call (13 ops)", sc_call_big, false); }
/* Native kernels write straight into the caller's arrays: such a call may allocate
   nothing at all. */
static bool native_linker(void) { return strcmp(tg_config_get("linker"), "native") == 0; }

TEST(sweep_call_into_big) {
  sweep("tg_function_call_into (13 ops)", sc_call_into_big, native_linker());
}
TEST(sweep_call_chain) { sweep("tg_function_call (>64 slots)", sc_call_chain, false); }
TEST(sweep_call_into_chain) {
  sweep("tg_function_call_into (>64 slots)", sc_call_into_chain, native_linker());
}
TEST(sweep_call_outputs_alias) {
  sweep("tg_function_call (outputs alias in/const)", sc_call_outputs_alias, false);
}
