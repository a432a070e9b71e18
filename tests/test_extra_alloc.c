/* test_extra_alloc.c: the allocation-failure sweep (TESTING.md) over the extra ops: one
   scenario builds a graph using every extra op (and the shape graphs of the value-dependent
   ones), compiles it and calls it; it runs once counting allocations (N), then N times with
   allocation k failing. Each failing run must report TG_ERR_NOMEM (from the builder, the
   compiler or the call), never crash, and free everything: the allocator counts live
   blocks, so a leak in a kernel's failure path is caught here. */
#include "harness.h"

static struct {
  long count, fail_at, live;
  int armed;
} C;

static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  size_t *h = ptr ? (size_t *)ptr - 2 : NULL; /* two words keep 16-byte alignment */
  if (nsize == 0) {
    if (h) C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) return NULL;
  size_t *n = realloc(h, 2 * sizeof(size_t) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  return n + 2;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

/* Build, compile and call; TG_OK or the status the first failure was reported with. */
static tg_status scenario(tg_array *xa, tg_array *na) {
  C.armed = 1;
  tg_status st = TG_OK;
  tg_graph *g = tg_graph_new();
  if (!g) {
    C.armed = 0;
    return tg_errstatus();
  }
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *n = tg_scalar(g, "n", TG_INT64), *cnt = NULL;
  tg_var *nz[2] = {NULL, NULL};
  tg_var *u = tg_unique(x, &cnt);
  tg_var *ai = tg_argsort(x, TG_AXIS_NONE);
  tg_var *bc = tg_bincount(ai, NULL, 3);
  tg_var *outs[] = {
      tg_cumsum(x, 0), tg_cumprod(x, TG_AXIS_NONE), tg_diff(x, 1, 1), tg_sort(x, 1), ai, u, cnt,
      tg_infer_shape(u), tg_repeat(x, n, 0), tg_tile(x, 2, (int64_t[]){2, 1}),
      tg_roll(x, n, TG_AXIS_NONE), tg_flip(x, -1, NULL),
      tg_arange(g, tg_const_i64(g, 0), n, tg_const_i64(g, 1), TG_FLOAT32),
      tg_linspace(g, tg_const_f64(g, 0), tg_const_f64(g, 1), n, true, TG_FLOAT64),
      tg_eye(g, n, NULL, 1, TG_INT8), tg_tri(g, n, n, 0, TG_BOOL), tg_tril(x, 0), tg_triu(x, 1),
      tg_diag(x, 0), tg_diag(tg_diag(x, 0), 1), tg_trace(x, 0, 0, 1),
      tg_nonzero(x, nz) == 2 ? nz[1] : NULL, tg_flatnonzero(x), bc, tg_infer_shape(bc),
      tg_searchsorted(tg_sort(x, TG_AXIS_NONE), x, true)};
  int n_out = (int)(sizeof outs / sizeof outs[0]);
  for (int i = 0; i < n_out; i++)
    if (!outs[i]) st = tg_graph_status(g);
  tg_function *f = st == TG_OK ? tg_function_new(g, TG_VARS(x, n), n_out, outs, NULL) : NULL;
  if (st == TG_OK && !f) st = tg_graph_status(g);
  tg_array *res[32] = {NULL};
  if (f) st = tg_function_call(f, (tg_array *[]){xa, na}, res);
  if (f && st == TG_OK) /* spot-check the call ran: the flattened sort has 6 entries */
    if (tg_array_size(res[1]) != 6 || tg_array_size(res[4]) != 6) st = TG_ERR_RUNTIME;
  for (int i = 0; i < n_out; i++) tg_array_unref(res[i]);
  tg_function_free(f);
  tg_graph_free(g);
  C.armed = 0;
  return st;
}

TEST(extra_ops_allocation_failure_sweep) {
  tg_array *xa = tg_array_from_f64(2, (int64_t[]){2, 3}, (double[]){3, 0, NAN, -1, 3, 2});
  tg_array *na = tg_array_from_i64(0, NULL, (int64_t[]){2});
  long base = C.live;
  memset(&C, 0, sizeof C);
  C.live = base;
  CHECK_STATUS(scenario(xa, na), TG_OK);
  CHECK(C.live == base);
  long total = C.count;
  CHECK(total > 40); /* the arena makes big blocks, so there are few */
  int bad_status = 0, leaks = 0;
  for (long k = 1; k <= total; k++) {
    C.count = 0;
    C.fail_at = k;
    tg_status st = scenario(xa, na);
    if (st != TG_ERR_NOMEM && bad_status++ < 5)
      TH_FAIL("allocation %ld of %ld failing gave %s, not TG_ERR_NOMEM", k, total,
              tg_status_name(st));
    if (C.live != base && leaks++ < 5)
      TH_FAIL("allocation %ld failing leaked %ld blocks", k, C.live - base);
    C.live = base;
  }
  th_checks += (int)total;
  printf("swept %ld allocations\n", total);
  C.fail_at = 0;
  tg_array_unref(xa);
  tg_array_unref(na);
}
