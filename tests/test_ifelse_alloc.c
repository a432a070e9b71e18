/* test_ifelse_alloc.c: the allocation-failure sweep over building, differentiating,
   compiling and calling nested lazy ifelses (both branches taken): every failure is
   TG_ERR_NOMEM with nothing leaked. */
#include "alloc_sweep.h"

static tg_status nested_ifelse(void) {
  C.armed = 1;
  tg_graph *g = tg_graph_new();
  if (!g) return C.armed = 0, TG_ERR_NOMEM;
  tg_var *c1 = tg_scalar(g, "c1", TG_BOOL), *c2 = tg_scalar(g, "c2", TG_BOOL);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *inner = tg_ifelse(c2, tg_exp(x), tg_mul(x, x));
  tg_var *r = tg_ifelse(c1, inner, tg_tanh(x));
  tg_var *cost = tg_sum(r, TG_ALL_AXES, false), *gx = NULL;
  tg_status st = tg_grad(cost, 1, &x, &gx);
  tg_function *f = NULL;
  if (st == TG_OK) {
    tg_options *o = tg_options_new();
    if (o) {
      f = tg_function_new(g, 3, (tg_var *[]){c1, c2, x}, 2, (tg_var *[]){r, gx}, o);
      tg_options_free(o);
    }
    st = f ? TG_OK : tg_graph_status(g) != TG_OK ? tg_graph_status(g) : TG_ERR_NOMEM;
  }
  for (int k = 0; f && st == TG_OK && k < 4; k++) {
    tg_array *a = tg_array_scalar(TG_BOOL, k & 1), *b = tg_array_scalar(TG_BOOL, k >> 1);
    tg_array *xa = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
    tg_array *out[2] = {0};
    st = a && b && xa ? tg_function_call(f, (tg_array *[]){a, b, xa}, out) : TG_ERR_NOMEM;
    if (st == TG_OK) {
      double want = (k & 1) ? ((k >> 1) ? 1 : 0) : 0; /* exp(0), 0*0, tanh(0) */
      if (tg_array_get_f64(out[0], 0) != want) st = TG_ERR_RUNTIME;
    }
    tg_array_unref(out[0]);
    tg_array_unref(out[1]);
    tg_array_unref(a);
    tg_array_unref(b);
    tg_array_unref(xa);
  }
  if (st != TG_OK && st != TG_ERR_NOMEM && g) fprintf(stderr, "%s\n", tg_graph_error(g));
  tg_function_free(f);
  tg_graph_free(g);
  C.armed = 0;
  return st;
}

TEST(ifelse_allocation_failures) { sweep("nested ifelse with gradient", nested_ifelse); }
