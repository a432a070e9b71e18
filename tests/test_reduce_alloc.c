/* test_reduce_alloc.c: the allocation-failure sweep (TESTING.md) over the reductions:
   building them, and calling a compiled function whose reductions allocate outputs and
   accumulators (max_and_argmax has two outputs, variance and logsumexp two passes). With
   allocation k failing, k = 1..N, each run must report TG_ERR_NOMEM, never crash and free
   everything (a counting allocator tracks live blocks, so leaks show without LSan). */
#include <stdint.h>

#include "harness.h"

static struct {
  long count, fail_at, live;
  int armed;
} C;

/* A size header in front of each block lets frees be counted. */
static void *count_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  size_t *h = ptr ? (size_t *)ptr - 2 : NULL;
  if (nsize == 0) {
    if (h) C.live--, free(h);
    return NULL;
  }
  if (C.armed && ++C.count == C.fail_at) return NULL;
  size_t *n = realloc(h, 2 * sizeof(size_t) + nsize);
  if (!n) return NULL;
  if (!h) C.live++;
  n[0] = nsize;
  return n + 2;
}

__attribute__((constructor)) static void install(void) { tg_set_allocator(count_alloc, NULL); }

typedef tg_status (*scenario)(void);

/* Run sc once counting allocations, then once per allocation with that one failing. */
static void sweep(const char *what, scenario sc) {
  memset(&C, 0, sizeof C);
  tg_status st = sc();
  th_checks++;
  if (st != TG_OK) TH_FAIL("%s: the counting run failed with %s", what, tg_status_name(st));
  if (C.live) TH_FAIL("%s: %ld blocks leaked by the counting run", what, C.live);
  long n = C.count;
  if (n == 0) TH_FAIL("%s: made no allocation to fail", what);
  for (long k = 1; k <= n; k++) {
    memset(&C, 0, sizeof C);
    C.fail_at = k;
    st = sc();
    th_checks++;
    if (st != TG_ERR_NOMEM)
      TH_FAIL("%s: allocation %ld of %ld failing gave %s, not TG_ERR_NOMEM", what, k, n,
              tg_status_name(st));
    if (C.live) TH_FAIL("%s: allocation %ld failing leaked %ld blocks", what, k, C.live);
  }
}

static tg_status build_scenario(void) {
  tg_graph *g = tg_graph_new();
  if (!g) return TG_ERR_ARG;
  tg_var *x = tg_tensor3(g, "x", TG_INT16), *am = NULL;
  tg_var *y = NULL, *z = NULL;
  C.armed = 1;
  /* enough nodes that the graph's arena must grow */
  for (int i = 0; i < 200 && x; i++) {
    y = tg_max_and_argmax(tg_variance(x, TG_AXES(0, -1), 1, true), TG_ALL_AXES, false, &am);
    z = tg_logsumexp(tg_sum(x, TG_AXES(1), false), TG_AXES(0), true);
    x = tg_add(x, tg_sum(z, TG_NO_AXES, true));
  }
  C.armed = 0;
  tg_status st = x && y && am && z ? TG_OK : tg_graph_status(g);
  tg_graph_free(g);
  return st;
}

static tg_status call_scenario(void) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *am = NULL;
  tg_var *m = tg_max_and_argmax(x, TG_AXES(1), false, &am);
  tg_var *v = tg_std(x, TG_AXES(0), 1, true);
  tg_var *l = tg_logsumexp(x, TG_ALL_AXES, false);
  tg_var *p = tg_prod(x, TG_NO_AXES, false);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(m, am, v, l, p), NULL);
  tg_array *a = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){3, 300});
  tg_array *out[5] = {NULL};
  if (!f || !a) return TG_ERR_ARG;
  C.armed = 1;
  tg_status st = tg_function_call(f, (tg_array *[]){a}, out);
  C.armed = 0;
  for (int i = 0; i < 5; i++) {
    if (st != TG_OK && out[i]) st = TG_ERR_RUNTIME; /* a failed call hands out nothing */
    tg_array_unref(out[i]);
  }
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

TEST(alloc_fail_building_reductions) { sweep("building reductions", build_scenario); }

TEST(alloc_fail_calling_reductions) { sweep("calling reductions", call_scenario); }
