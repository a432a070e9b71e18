/* grad_ops.c: ops that are the identity forward and only change the gradient: zero_grad,
   disconnected_grad, grad_clip and grad_scale (one op class, the variant in `code`). */
#include <stdio.h>

#include "../ops/op.h"

enum { GO_ZERO, GO_DISCONNECTED, GO_CLIP, GO_SCALE };
static const char *const names[] = {"ZeroGrad", "DisconnectedGrad", "GradClip", "GradScale"};

static double param(const tg_op *op, int i) {
  double d;
  memcpy(&d, &op->params[i], sizeof d);
  return d;
}

static int go_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  out->dtype = in[0]->type.dtype;
  out->ndim = in[0]->type.ndim;
  memcpy(out->shape, in[0]->type.shape, sizeof(int64_t) * (size_t)out->ndim);
  return 1;
}

static tg_status go_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  if (!out[0]) { /* values are immutable in the VM: pass the input through */
    out[0] = tg_array_ref(in[0]);
    return TG_OK;
  }
  if (tg_array_copy_into(out[0], in[0]) != TG_OK)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: %s", names[op->code], tg_errmsg());
  return TG_OK;
}

static void go_describe(const tg_op *op, char *buf, size_t n) {
  if (op->code == GO_CLIP) snprintf(buf, n, "GradClip{%g, %g}", param(op, 0), param(op, 1));
  else if (op->code == GO_SCALE) snprintf(buf, n, "GradScale{%g}", param(op, 0));
  else snprintf(buf, n, "%s", names[op->code]);
}

static bool go_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->out[0]->type.ndim; d++) out_dims[0][d] = in_dims[0][d];
  return true;
}

static bool go_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *gz = og[0];
  switch (nd->op->code) {
    case GO_ZERO: ig[0] = tg_zeros_like(nd->in[0]); break;
    case GO_DISCONNECTED: return true;
    case GO_CLIP:
      ig[0] = tg_clip(gz, tg_const_f64(g, param(nd->op, 0)), tg_const_f64(g, param(nd->op, 1)));
      break;
    case GO_SCALE: ig[0] = tg_mul(gz, tg_const_f64(g, param(nd->op, 0))); break;
  }
  return ig[0] != NULL;
}

static const tg_op_class grad_op_class = {
    .name = "GradOp",
    .infer = go_infer,
    .perform = go_perform,
    .describe = go_describe,
    .infer_shape = go_infer_shape,
    .grad = go_grad,
};

static tg_var *build(tg_var *x, int code, double p0, double p1) {
  const char *lower[] = {"zero_grad", "disconnected_grad", "grad_clip", "grad_scale"};
  if (!tgi_check_inputs(lower[code], 1, &x)) return NULL;
  if (code == GO_CLIP && !(p0 <= p1))
    return tgi_gfail(x->g, TG_ERR_VALUE, "grad_clip: lower bound %g is above upper bound %g",
                     p0, p1);
  int64_t params[2];
  memcpy(&params[0], &p0, sizeof p0);
  memcpy(&params[1], &p1, sizeof p1);
  int np = code == GO_CLIP ? 2 : code == GO_SCALE ? 1 : 0;
  tg_op *op = tgi_op_new(x->g, &grad_op_class, code, x->type.dtype, np, params);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_zero_grad(tg_var *x) { return build(x, GO_ZERO, 0, 0); }
tg_var *tg_disconnected_grad(tg_var *x) { return build(x, GO_DISCONNECTED, 0, 0); }
tg_var *tg_grad_clip(tg_var *x, double lo, double hi) { return build(x, GO_CLIP, lo, hi); }
tg_var *tg_grad_scale(tg_var *x, double scale) { return build(x, GO_SCALE, scale, 0); }

const tgi_op_info tgi_catalogue_grad[] = {
    {"zero_grad", "grad", 1, "all", "yes (zero)", "", "identity; its gradient is zero"},
    {"disconnected_grad", "grad", 1, "all", "yes (none)", "", "identity; no gradient flows"},
    {"grad_clip", "grad", 1, "all", "yes", "", "identity; the gradient is clipped"},
    {"grad_scale", "grad", 1, "all", "yes", "", "identity; the gradient is scaled"},
};
const int tgi_catalogue_grad_n = (int)(sizeof tgi_catalogue_grad / sizeof tgi_catalogue_grad[0]);
