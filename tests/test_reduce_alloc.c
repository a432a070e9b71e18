/* test_reduce_alloc.c: the allocation-failure sweep (TESTING.md) over the reductions:
   building them, and calling a compiled function whose reductions allocate outputs and
   accumulators (max_and_argmax has two outputs, variance and logsumexp two passes). With
   allocation k failing, k = 1..N, each run must report TG_ERR_NOMEM, never crash and free
   everything (a counting allocator tracks live blocks, so leaks show without LSan). */
#include <stdint.h>

#include "alloc_sweep.h"

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
