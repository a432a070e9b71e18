/* verify.c: tg_verify_grad, the public gradient checker (theano.gradient.verify_grad):
   the symbolic gradient of a random projection of the expression, against central
   differences along random directions, input by input. */
#include <math.h>
#include <stdio.h>

#include "../ops/op.h"

static uint64_t next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double uniform(uint64_t *s) { return (double)(next(s) >> 11) * 0x1.0p-53; }

/* An array like `like` (dtype, shape) with values in [lo, hi). */
static tg_array *random_like(tg_dtype dt, int ndim, const int64_t *shape, uint64_t *s,
                             double lo, double hi) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) tg_array_set_f64(a, i, lo + (hi - lo) * uniform(s));
  return a;
}

/* cost(inputs with input k moved by t * dir) */
static bool eval_cost(tg_function *f, int n, tg_array *const *inputs, int k, const tg_array *dir,
                      double t, double *out) {
  tg_array *moved = tg_array_copy(inputs[k]);
  if (!moved) return false;
  for (int64_t i = 0; i < tg_array_size(moved); i++)
    tg_array_set_f64(moved, i, tg_array_get_f64(moved, i) + t * tg_array_get_f64(dir, i));
  tg_array **ins = tgi_malloc(sizeof(tg_array *) * (size_t)n);
  bool ok = ins != NULL;
  if (ok) {
    for (int i = 0; i < n; i++) ins[i] = i == k ? moved : inputs[i];
    tg_array *res[1] = {NULL};
    ok = tg_function_call(f, ins, res) == TG_OK;
    if (ok) *out = tg_array_get_f64(res[0], 0);
    tg_array_unref(res[0]);
  }
  tgi_free(ins);
  tg_array_unref(moved);
  return ok;
}

tg_status tg_verify_grad(tg_build_fn build, void *ud, int n, tg_array *const *inputs,
                         const tg_verify_options *opts, char *msg, size_t msg_size) {
  char dummy[8];
  if (!msg || !msg_size) msg = dummy, msg_size = sizeof dummy;
  msg[0] = 0;
  if (!build || n < 1 || n > 64 || !inputs) {
    snprintf(msg, msg_size, "verify_grad: bad arguments");
    return tgi_fail(TG_ERR_ARG, "%s", msg);
  }
  for (int i = 0; i < n; i++)
    if (!inputs[i]) {
      snprintf(msg, msg_size, "verify_grad: input %d is NULL", i);
      return tgi_fail(TG_ERR_ARG, "%s", msg);
    }
  tg_verify_options o = opts ? *opts : (tg_verify_options){0};
  if (!o.n_tests) o.n_tests = 2;
  uint64_t seed = o.seed ? o.seed : 0x5eed;
  tg_status st = TG_OK;
  tg_graph *g = tg_graph_new();
  tg_function *fc = NULL, *fg = NULL, *f0 = NULL;
  /* an input the expression or its gradient does not use (an index, a shape donor) is fine */
  tg_options *fo = tg_options_new();
  tg_array *R = NULL, *dir = NULL, *res0[1] = {NULL}, **gres = NULL;
  tg_var *vars[64], *grads[64], *wrt[64];
  int map[64], nw = 0;
  if (!g || !fo || tg_options_set(fo, "on_unused_input", "ignore") != TG_OK) {
    tg_graph_free(g);
    tg_options_free(fo);
    return TG_ERR_NOMEM;
  }
  for (int i = 0; i < n; i++) {
    int64_t shape[TG_MAX_NDIM];
    const tg_array *a = inputs[i];
    for (int d = 0; d < tg_array_ndim(a); d++) shape[d] = tg_array_shape(a)[d] == 1 ? 1 : -1;
    char name[16];
    snprintf(name, sizeof name, "x%d", i);
    vars[i] = tg_tensor(g, name, tg_array_dtype(a), tg_array_ndim(a), shape);
    if (tg_dtype_is_float(tg_array_dtype(a))) map[nw] = i, wrt[nw++] = vars[i];
  }
  tg_var *out = build(g, n, vars, ud);
  char what[128] = "the expression";
  if (out && out->kind == TGV_RESULT) out->owner->op->cls->describe(out->owner->op, what, sizeof what);
  if (!out || !(f0 = tg_function_new(g, n, vars, 1, &out, fo))) goto graph_error;
  if ((st = tg_function_call(f0, inputs, res0)) != TG_OK) {
    snprintf(msg, msg_size, "verify_grad: evaluating %s failed: %s", what, tg_function_error(f0));
    goto done;
  }
  if (!tg_dtype_is_float(tg_array_dtype(res0[0]))) {
    snprintf(msg, msg_size, "verify_grad: %s has a non-float result", what);
    st = TG_ERR_TYPE;
    goto done;
  }
  bool f32 = tg_array_dtype(res0[0]) == TG_FLOAT32;
  for (int i = 0; i < nw; i++) f32 |= tg_array_dtype(inputs[map[i]]) == TG_FLOAT32;
  double eps = o.eps > 0 ? o.eps : f32 ? 1e-3 : 1e-6;
  double atol = o.abs_tol > 0 ? o.abs_tol : f32 ? 1e-2 : 1e-6;
  double rtol = o.rel_tol > 0 ? o.rel_tol : f32 ? 1e-2 : 1e-5;
  R = random_like(tg_array_dtype(res0[0]), tg_array_ndim(res0[0]), tg_array_shape(res0[0]),
                  &seed, 0.5, 1.5);
  if (!R) goto nomem;
  tg_var *cost = tg_sum(tg_mul(out, tg_constant(g, R)), -1, NULL, false);
  if (!cost || tg_grad(cost, nw, wrt, grads) != TG_OK) goto graph_error;
  if (!(fc = tg_function_new(g, n, vars, 1, &cost, fo)) ||
      !(fg = tg_function_new(g, n, vars, nw, grads, fo)))
    goto graph_error;
  gres = tgi_calloc((size_t)(nw ? nw : 1), sizeof(tg_array *));
  if (!gres) goto nomem;
  if ((st = tg_function_call(fg, inputs, gres)) != TG_OK) {
    snprintf(msg, msg_size, "verify_grad: evaluating the gradient of %s failed: %s", what,
             tg_function_error(fg));
    goto done;
  }
  for (int t = 0; t < o.n_tests; t++)
    for (int w = 0; w < nw; w++) {
      const tg_array *x = inputs[map[w]];
      dir = random_like(TG_FLOAT64, tg_array_ndim(x), tg_array_shape(x), &seed, -1, 1);
      if (!dir) goto nomem;
      double analytic = 0, cp, cm;
      for (int64_t i = 0; i < tg_array_size(x); i++)
        analytic += tg_array_get_f64(gres[w], i) * tg_array_get_f64(dir, i);
      if (!eval_cost(fc, n, inputs, map[w], dir, eps, &cp) ||
          !eval_cost(fc, n, inputs, map[w], dir, -eps, &cm)) {
        snprintf(msg, msg_size, "verify_grad: evaluating %s at a moved point failed: %s", what,
                 tg_function_error(fc));
        st = TG_ERR_RUNTIME;
        goto done;
      }
      double numeric = (cp - cm) / (2 * eps);
      double ae = fabs(analytic - numeric);
      double re = ae / fmax(fmax(fabs(analytic), fabs(numeric)), 1e-300);
      if (!(ae <= atol || re <= rtol)) {
        snprintf(msg, msg_size,
                 "verify_grad: the gradient of %s with respect to input %d (%s) is wrong: "
                 "analytic %.10g, numeric %.10g, max abs error %.3g, max rel error %.3g "
                 "(tolerances abs %.3g, rel %.3g)",
                 what, map[w], tg_dtype_name(tg_array_dtype(x)), analytic, numeric, ae, re, atol,
                 rtol);
        st = TG_ERR_VALUE;
        goto done;
      }
      tg_array_unref(dir);
      dir = NULL;
    }
  goto done;
graph_error:
  snprintf(msg, msg_size, "verify_grad: %s", tg_graph_error(g));
  st = tg_graph_status(g) != TG_OK ? tg_graph_status(g) : TG_ERR_RUNTIME;
  goto done;
nomem:
  snprintf(msg, msg_size, "verify_grad: out of memory");
  st = TG_ERR_NOMEM;
done:
  if (st != TG_OK) tgi_fail(st, "%s", msg);
  for (int i = 0; gres && i < nw; i++) tg_array_unref(gres[i]);
  tgi_free(gres);
  tg_array_unref(res0[0]);
  tg_array_unref(R);
  tg_array_unref(dir);
  tg_function_free(f0);
  tg_function_free(fc);
  tg_function_free(fg);
  tg_graph_free(g);
  tg_options_free(fo);
  return st;
}
