/* test_scan_mem.c: a loop whose result is its last state keeps O(1) memory: the peak of
   live bytes (counted by a custom allocator) during a 100,000-step loop is no higher than
   during a 1,000-step one, while the same loop returning every state grows with the
   number of steps, as it must. */
#include <malloc.h>

#include "harness.h"

/* Live bytes by malloc_usable_size, so blocks made before the allocator was installed can
   be freed through it (and blocks made by it freed after it is removed). */
static long long live, peak;

static void *counting(void *ud, void *p, size_t n) {
  (void)ud;
  if (p) live -= (long long)malloc_usable_size(p);
  if (n == 0) {
    free(p);
    return NULL;
  }
  void *q = realloc(p, n);
  if (!q) {
    if (p) live += (long long)malloc_usable_size(p);
    return NULL;
  }
  live += (long long)malloc_usable_size(q);
  if (live > peak) peak = live;
  return q;
}

static bool step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud; /* h = 0.5 h + 1 (converges to 2) */
  r->outputs[0] = tg_add(tg_mul(a[0], tg_const_f64(g, 0.5)), tg_const_f64(g, 1));
  return true;
}

/* Peak extra bytes of one call running `steps` steps. */
static long long peak_of(tg_function *f, int64_t steps, double *last) {
  tg_array *h0 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){16});
  tg_array *n = tg_array_from_i64(0, NULL, &steps), *out[1] = {0};
  long long base = live;
  peak = live;
  tg_status st = tg_function_call(f, (tg_array *[]){h0, n}, out);
  long long p = peak - base;
  CHECK_STATUS(st, TG_OK);
  if (out[0]) *last = tg_array_get_f64(out[0], tg_array_size(out[0]) - 1);
  tg_array_unref(out[0]);
  tg_array_unref(h0);
  tg_array_unref(n);
  return p;
}

static tg_function *compile(tg_graph *g, bool last_only) {
  tg_var *h0 = tg_vector(g, "h0", TG_FLOAT64), *n = tg_scalar(g, "n", TG_INT64), *H = NULL;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, n);
  tg_scan_last_only(s, last_only);
  CHECK_STATUS(tg_scan(s, step, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  return H ? tg_function_new(g, TG_VARS(h0, n), TG_VARS(H), NULL) : NULL;
}

TEST(last_state_loop_is_o1_in_memory) {
  tg_set_allocator(counting, NULL);
  tg_graph *g = tg_graph_new();
  tg_function *last = compile(g, true), *full = compile(g, false);
  CHECK(last && full);
  if (last && full) {
    double v = 0;
    long long p1k = peak_of(last, 1000, &v);
    CHECK_CLOSE(v, 2.0, 0, 1e-12);
    long long p100k = peak_of(last, 100000, &v);
    CHECK_CLOSE(v, 2.0, 0, 1e-12);
    printf("peak extra bytes, last state only: %lld (1,000 steps), %lld (100,000 steps)\n", p1k,
           p100k);
    CHECK(p100k <= p1k + 1024); /* the same working set whatever the number of steps */
    CHECK(p1k < 64 * 1024);
    long long f1k = peak_of(full, 1000, &v), f100k = peak_of(full, 100000, &v);
    printf("peak extra bytes, every state: %lld (1,000 steps), %lld (100,000 steps)\n", f1k, f100k);
    CHECK(f100k >= 100000LL * 16 * 8); /* the buffer of all states: the counter sees it */
  }
  tg_function_free(last);
  tg_function_free(full);
  tg_graph_free(g);
  tg_set_allocator(NULL, NULL);
}

/* ---- the scan_save_mem rewrite, applied by hand to a FunctionGraph ---- */

#include "rewrite/fgraph.h"
#include "ops/scan_impl.h"

bool tgi_scan_save_mem(tgi_fgraph *fg, tg_node *nd, tg_var **repl);

/* The Scan node below v (through subtensors). */
static tg_node *scan_below(tg_var *v) {
  while (v && v->owner && !tgi_scan_info_of(v->owner->op)) v = v->owner->in[0];
  return v && v->owner ? v->owner : NULL;
}

TEST(save_mem_rewrite_keeps_the_last_state) {
  tg_set_allocator(counting, NULL);
  tg_graph *g = tg_graph_new();
  tg_var *h0 = tg_vector(g, "h0", TG_FLOAT64), *n = tg_scalar(g, "n", TG_INT64), *H = NULL;
  tg_scan_spec *s = tg_scan_spec_new(g);
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_n_steps(s, n);
  CHECK_STATUS(tg_scan(s, step, NULL, &H, NULL), TG_OK);
  tg_scan_spec_free(s);
  tg_var *last = tg_subtensor(H, TG_IDX(TG_INT(-1)));
  /* used whole as well: the rewrite must leave it alone */
  tgi_fgraph fg0;
  tg_var *both[2] = {last, H};
  CHECK(tgi_fgraph_init(&fg0, g, 2, (tg_var *[]){h0, n}, 2, both));
  tg_var *repl[TGI_MAX_OUT] = {0};
  CHECK(!tgi_scan_save_mem(&fg0, scan_below(last), repl));
  tgi_fgraph_free(&fg0);
  /* used only as H[-1]: rewritten */
  tgi_fgraph fg;
  tg_var *roots[1] = {last};
  CHECK(tgi_fgraph_init(&fg, g, 2, (tg_var *[]){h0, n}, 1, roots));
  tg_node *nd = scan_below(last);
  CHECK(nd && tgi_scan_save_mem(&fg, nd, repl));
  for (int o = 0; nd && o < nd->n_out; o++)
    if (repl[o]) CHECK(tgi_fgraph_replace(&fg, nd->out[o], repl[o], "scan_save_mem"));
  CHECK(!tgi_fgraph_alive(&fg, nd));
  tg_function *f = tg_function_new(g, TG_VARS(h0, n), 1, fg.outputs, NULL);
  tgi_fgraph_free(&fg);
  CHECK(f != NULL);
  if (f) {
    double v = 0;
    long long p1k = peak_of(f, 1000, &v);
    CHECK_CLOSE(v, 2.0, 0, 1e-12);
    long long p100k = peak_of(f, 100000, &v);
    CHECK(p100k <= p1k + 1024);
    /* few steps: the value is the hand-computed last state */
    peak_of(f, 3, &v);
    CHECK_CLOSE(v, 1.75, 0, 1e-15); /* 0 -> 1 -> 1.5 -> 1.75 */
  }
  tg_function_free(f);
  tg_graph_free(g);
  tg_set_allocator(NULL, NULL);
}
