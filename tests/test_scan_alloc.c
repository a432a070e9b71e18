/* test_scan_alloc.c: the allocation-failure sweep over scan: building a loop with sequence
   taps, a fed-back output, an output not fed back and a shared-variable update, its
   gradient, compiling and calling it; and a reduce keeping its last state. Every failing
   allocation must give TG_ERR_NOMEM and leak nothing. */
#include "alloc_sweep.h"

static bool step(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n; /* x[t-1], x[t], h, w; the shared counter c */
  tg_var *c = ud;
  tg_var *h = tg_tanh(tg_add(tg_mul(a[3], a[2]), tg_add(a[0], a[1])));
  r->outputs[0] = h;
  r->outputs[1] = tg_mul(h, c);
  r->n_updates = 1;
  r->update_vars[0] = c;
  r->update_exprs[0] = tg_add(c, tg_const_f64(g, 1));
  return true;
}

static tg_status build_and_run(bool last_only) {
  C.armed = 1;
  tg_status st = TG_ERR_NOMEM;
  tg_graph *g = tg_graph_new();
  tg_array *c0 = tg_array_scalar(TG_FLOAT64, 1);
  tg_array *xa = tg_array_from_f64(1, (int64_t[]){4}, (double[]){0.1, 0.2, 0.3, 0.4});
  tg_array *ha = tg_array_scalar(TG_FLOAT64, 0.5), *wa = tg_array_scalar(TG_FLOAT64, 0.9);
  tg_function *f = NULL;
  tg_scan_spec *s = NULL;
  tg_array *out[4] = {0};
  if (!g || !c0 || !xa || !ha || !wa) goto done;
  tg_var *c = tg_shared(g, "c", c0, false), *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *h0 = tg_scalar(g, "h0", TG_FLOAT64), *w = tg_scalar(g, "w", TG_FLOAT64), *o[2];
  if (!(s = tg_scan_spec_new(g))) goto done;
  tg_scan_sequence(s, x, 2, (int[]){-1, 0});
  tg_scan_output(s, h0, 0, NULL);
  tg_scan_output(s, NULL, 0, NULL);
  tg_scan_non_sequence(s, w);
  tg_scan_last_only(s, last_only);
  tg_scan_updates up;
  if (tg_scan(s, step, c, o, &up) != TG_OK) goto done;
  tg_var *cost = tg_add(tg_sum(o[0], -1, NULL, false), tg_sum(o[1], -1, NULL, false)), *gr[3];
  if (!cost || tg_grad(cost, 3, (tg_var *[]){x, h0, w}, gr) != TG_OK) goto done;
  tg_options *op = tg_options_new();
  if (!op || tg_options_update(op, up.vars[0], up.exprs[0]) != TG_OK) {
    tg_options_free(op);
    goto done;
  }
  f = tg_function_new(g, TG_VARS(x, h0, w), TG_VARS(cost, gr[0], gr[1], gr[2]), op);
  tg_options_free(op);
  if (!f) goto done;
  st = tg_function_call(f, (tg_array *[]){xa, ha, wa}, out);
done:
  if (st != TG_OK && g && tg_graph_status(g) != TG_OK) st = tg_graph_status(g);
  for (int i = 0; i < 4; i++) tg_array_unref(out[i]);
  tg_function_free(f);
  tg_scan_spec_free(s);
  tg_graph_free(g);
  tg_array_unref(c0);
  tg_array_unref(xa);
  tg_array_unref(ha);
  tg_array_unref(wa);
  C.armed = 0;
  return st;
}

static tg_status full(void) { return build_and_run(false); }
static tg_status last(void) { return build_and_run(true); }

TEST(scan_alloc_sweep) {
  tg_config_set("linker", "ref"); /* the sweep covers scan, not the C compiler driver */
  sweep("scan with taps, updates and its gradient", full);
  sweep("scan keeping its last state, and its gradient", last);
}
