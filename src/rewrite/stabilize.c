/* stabilize.c: the stabilising rewrites (phase TGI_PH_STABILIZE), Theano's "stabilize"
   set: forms that lose precision or overflow are replaced by equal functions computed
   stably. log(1 + x) -> log1p(x), exp(x) - 1 -> expm1(x), log1p(exp(x)) -> softplus(x),
   1 / (1 + exp(-x)) -> sigmoid(x), log(sigmoid(x)) -> -softplus(-x), log(1 - sigmoid(x))
   -> -softplus(x), log(softmax(x)) -> log_softmax(x), log(sum(exp(x))) -> logsumexp(x),
   sqrt(sqr(x)) -> |x|, and categorical_crossentropy(softmax(x), labels) -> one
   SoftmaxCrossentropyInt node, with its gradient.

   Every rewrite here only fires on float results (integer arithmetic wraps, so 1 + x in
   int8 is not log1p's argument), keeps the matched node's dtype (operands are converted
   to it first, as the matched Elemwise converts them) and checks that no constant
   operand broadcasts the result to a larger shape. For finite inputs the results agree
   with the original graph up to rounding, except where the original overflows or
   underflows, which is the point. */
#include "../ops/blas_gemm.h"
#include "../ops/reduce_impl.h"
#include "rw_match.h"

/* The float dtype of nd's output, or -1 when it is not float. */
static int float_out(const tg_node *nd) {
  return rw_is_float(nd->out[0]) ? (int)nd->out[0]->type.dtype : -1;
}

/* The argument u of log(1 + u), log(u + 1) (sign +1) or log(1 - u) (sign -1), for the
   add/sub a; NULL when a is not such a sum. */
static tg_var *one_plus(const tg_var *a, int *sign) {
  tg_node *n;
  if ((n = rw_ew(a, TGS_add)) && rw_is_float(a)) {
    *sign = 1;
    return rw_other_than_const(n, 1.0);
  }
  if ((n = rw_ew(a, TGS_sub)) && rw_is_float(a) && tgi_rw_is_const(n->in[0], 1.0) &&
      rw_fills(n->in[1], a)) {
    *sign = -1;
    return n->in[1];
  }
  return NULL;
}

/* log(1 + x) -> log1p(x); log(1 - x) -> log1p(-x). */
static bool local_log1p(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int dt = float_out(nd), sign = 0;
  if (tgi_rw_elemwise_code(nd) != TGS_log || dt < 0) return false;
  tg_var *a = nd->in[0], *x = one_plus(a, &sign);
  if (!x || a->type.dtype != (tg_dtype)dt) return false;
  x = rw_as(x, (tg_dtype)dt);
  repl[0] = tg_log1p(sign > 0 ? x : rw_negate_as(x, (tg_dtype)dt));
  return repl[0] != NULL;
}

/* exp(x) - 1 -> expm1(x); exp(x) + -1 and -1 + exp(x) too. */
static bool local_expm1(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int code = tgi_rw_elemwise_code(nd), dt = float_out(nd);
  if (dt < 0) return false;
  tg_var *e = NULL;
  if (code == TGS_sub && tgi_rw_is_const(nd->in[1], 1.0) && rw_fills(nd->in[0], nd->out[0]))
    e = nd->in[0];
  else if (code == TGS_add)
    e = rw_other_than_const(nd, -1.0);
  tg_node *ex = rw_ew(e, TGS_exp);
  if (!ex) return false;
  repl[0] = tg_expm1(rw_as(ex->in[0], (tg_dtype)dt));
  return repl[0] != NULL;
}

/* log1p(exp(x)) -> softplus(x) (log(1 + exp(x)) becomes log1p(exp(x)) first). */
static bool local_log1p_exp(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int dt = float_out(nd);
  tg_node *ex = tgi_rw_elemwise_code(nd) == TGS_log1p ? rw_ew(nd->in[0], TGS_exp) : NULL;
  if (!ex || dt < 0) return false;
  repl[0] = tg_softplus(rw_as(ex->in[0], (tg_dtype)dt));
  return repl[0] != NULL;
}

/* 1 / (1 + exp(t)) -> sigmoid(-t), for true_div(1, .) and reciprocal(.): Theano's users
   write the logistic function so (the logistic regression tutorial does). */
static bool local_sigmoid_form(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int code = tgi_rw_elemwise_code(nd), dt = float_out(nd), sign = 0;
  tg_var *den = NULL;
  if (code == TGS_true_div && tgi_rw_is_const(nd->in[0], 1.0) && rw_fills(nd->in[1], nd->out[0]))
    den = nd->in[1];
  else if (code == TGS_reciprocal)
    den = nd->in[0];
  if (!den || dt < 0 || den->type.dtype != (tg_dtype)dt) return false;
  tg_var *e = one_plus(den, &sign);
  tg_node *ex = sign > 0 ? rw_ew(e, TGS_exp) : NULL;
  if (!ex) return false;
  repl[0] = tg_sigmoid(rw_negate_as(ex->in[0], (tg_dtype)dt));
  return repl[0] != NULL;
}

/* log(sigmoid(x)) -> -softplus(-x), also through a float32 -> float64 cast. */
static bool local_log_sigmoid(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int dt = float_out(nd);
  tg_node *s =
      tgi_rw_elemwise_code(nd) == TGS_log ? rw_ew(rw_skip_upcast(nd->in[0]), TGS_sigmoid) : NULL;
  if (!s || dt < 0) return false;
  repl[0] = tg_neg(tg_softplus(rw_negate_as(s->in[0], (tg_dtype)dt)));
  return repl[0] != NULL;
}

/* log(1 - sigmoid(x)) and log1p(-sigmoid(x)) (what binary_crossentropy builds) ->
   -softplus(x). */
static bool local_log1m_sigmoid(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int code = tgi_rw_elemwise_code(nd), dt = float_out(nd), sign = 0;
  if (dt < 0) return false;
  tg_var *s = NULL;
  if (code == TGS_log) {
    tg_var *u = one_plus(nd->in[0], &sign);
    if (sign < 0) s = u;
  } else if (code == TGS_log1p) {
    tg_node *ng = rw_ew(nd->in[0], TGS_neg);
    if (ng) s = ng->in[0];
  }
  tg_node *sg = s && s->type.dtype == (tg_dtype)dt ? rw_ew(rw_skip_upcast(s), TGS_sigmoid) : NULL;
  if (!sg) return false;
  repl[0] = tg_neg(tg_softplus(rw_as(sg->in[0], (tg_dtype)dt)));
  return repl[0] != NULL;
}

/* log(softmax(x, axis)) -> log_softmax(x, axis). */
static bool local_log_softmax(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  tg_node *sm = tgi_rw_elemwise_code(nd) == TGS_log ? rw_op(nd->in[0], "Softmax") : NULL;
  if (!sm || nd->out[0]->type.dtype != sm->out[0]->type.dtype) return false;
  repl[0] = tg_log_softmax(sm->in[0], (int)sm->op->params[0]);
  return repl[0] != NULL;
}

/* log(sum(exp(x), axes, keepdims)) -> logsumexp(x, axes, keepdims). */
static bool local_logsumexp(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int dt = float_out(nd);
  tg_node *s = tgi_rw_elemwise_code(nd) == TGS_log ? rw_op(nd->in[0], "Sum") : NULL;
  tg_node *ex = s ? rw_ew(s->in[0], TGS_exp) : NULL;
  if (!ex || dt < 0 || s->out[0]->type.dtype != (tg_dtype)dt ||
      ex->out[0]->type.dtype != (tg_dtype)dt)
    return false;
  int axes[TG_MAX_NDIM], n = 0;
  for (int d = 0; d < ex->out[0]->type.ndim; d++)
    if ((s->op->params[TGR_P_MASK] >> d) & 1) axes[n++] = d;
  repl[0] = tg_logsumexp(rw_as(ex->in[0], (tg_dtype)dt), n, axes,
                         s->op->params[TGR_P_KEEPDIMS] != 0);
  return repl[0] != NULL;
}

/* sqrt(sqr(x)), sqrt(x * x) and sqrt(x ** 2) -> |x| (no overflow of the square). */
static bool local_sqrt_sqr(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  int dt = float_out(nd);
  if (tgi_rw_elemwise_code(nd) != TGS_sqrt || dt < 0) return false;
  tg_var *q = nd->in[0], *x = NULL;
  tg_node *n;
  if (q->type.dtype != (tg_dtype)dt) return false;
  if ((n = rw_ew(q, TGS_sqr))) x = n->in[0];
  else if ((n = rw_ew(q, TGS_mul)) && n->in[0] == n->in[1]) x = n->in[0];
  else if ((n = rw_ew(q, TGS_pow)) && tgi_rw_is_const(n->in[1], 2.0) && rw_fills(n->in[0], q))
    x = n->in[0];
  if (!x) return false;
  repl[0] = tg_abs(rw_as(x, (tg_dtype)dt));
  return repl[0] != NULL;
}

/* categorical_crossentropy(softmax(x), labels) with integer labels (a
   CrossentropyCategorical1Hot of a Softmax over the last axis) -> SoftmaxCrossentropyInt. */
static bool local_softmax_xent_int(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  tg_node *sm = rw_op(nd->in[0], "Softmax");
  if (!sm || sm->op->params[0] != 1 || sm->out[0]->type.dtype != nd->out[0]->type.dtype)
    return false;
  repl[0] = tgi_softmax_xent_int(sm->in[0], nd->in[1], NULL);
  return repl[0] != NULL;
}

/* s * the other operand when nd is mul(s, a) or mul(a, s); NULL otherwise. */
static tg_var *mul_other(const tg_node *nd, const tg_var *s) {
  if (tgi_rw_elemwise_code(nd) != TGS_mul) return NULL;
  return nd->in[0] == s ? nd->in[1] : nd->in[1] == s ? nd->in[0] : NULL;
}

/* The gradient with respect to x of categorical_crossentropy(softmax(x), labels), as
   tg_grad builds it from the two ops' rules (nnet_grad.c):
     G = switch(mask, -(col / switch(mask, S, 1)), 0)        (d xent / d S)
     M = (G - sum(G * S, axis=1, keepdims)) * S              (through softmax)
   with S = softmax(x) and mask[i, j] = (j == labels[i]). -col / S overflows once S
   underflows to 0, and M is then inf * 0 = NaN. In exact arithmetic, for any mask,
     M = switch(mask, -col, 0) + col * count * S,  count = sum(mask, axis=1, keepdims)
   (count is 1 for labels in range), which has no division: that is the replacement.
   S is taken from a SoftmaxCrossentropyInt of the same logits when there is one, so the
   softmax is computed once. */
static bool local_xent_softmax_grad(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  int dt = float_out(nd);
  if (tgi_rw_elemwise_code(nd) != TGS_mul || dt < 0 || nd->out[0]->type.ndim != 2) return false;
  for (int side = 0; side < 2; side++) {
    tg_var *s = nd->in[side];
    tg_node *smn = rw_op(s, "Softmax");
    tg_node *sub = rw_ew(nd->in[1 - side], TGS_sub);
    if (!smn || smn->op->params[0] != 1 || s->type.dtype != (tg_dtype)dt || !sub) continue;
    tg_var *gv = sub->in[0];
    tg_node *sum = rw_op(sub->in[1], "Sum");
    tg_node *gs = sum ? sum->in[0]->owner : NULL;
    if (!sum || sum->op->params[TGR_P_MASK] != 2 || !sum->op->params[TGR_P_KEEPDIMS] || !gs ||
        mul_other(gs, s) != gv)
      continue;
    tg_node *sw = rw_ew(gv, TGS_switch);
    if (!sw || !tgi_rw_is_const(sw->in[2], 0.0)) continue;
    tg_var *mask = sw->in[0];
    tg_node *ng = rw_ew(sw->in[1], TGS_neg);
    tg_node *dv = ng ? rw_ew(ng->in[0], TGS_true_div) : NULL;
    tg_node *safe = dv ? rw_ew(dv->in[1], TGS_switch) : NULL;
    if (!safe || safe->in[0] != mask || safe->in[1] != s || !tgi_rw_is_const(safe->in[2], 1.0))
      continue;
    tg_var *col = dv->in[0];
    if (col->type.dtype != (tg_dtype)dt || mask->type.dtype != TG_BOOL ||
        !rw_fills(s, nd->out[0]))
      continue;
    /* the fused forward op's softmax, when the logits have one */
    const tgi_clist *cl = tgi_fgraph_clients(fg, smn->in[0]);
    for (int i = 0; cl && i < cl->n; i++) {
      tg_node *c = cl->c[i].node;
      if (c && c->in[0] == smn->in[0] && strcmp(c->op->cls->name, "SoftmaxCrossentropyInt") == 0)
        s = c->out[1];
    }
    tg_graph *g = nd->out[0]->g;
    int axis = 1;
    tg_var *count = rw_as(tg_sum(mask, 1, &axis, true), (tg_dtype)dt);
    tg_var *hit = tg_switch(mask, tg_neg(col), tg_const_f64(g, 0));
    repl[0] = tg_add(hit, tg_mul(tg_mul(col, count), s));
    return repl[0] != NULL;
  }
  return false;
}

/* Order matters where two rewrites look at one node: the sigmoid forms of log come
   before log1p, which would otherwise turn log(1 - sigmoid(x)) into log1p(-sigmoid(x))
   (still caught, by local_log1m_sigmoid's second form). */
const tgi_rewrite tgi_rewrites_stabilize[] = {
    {"local_sigmoid_form", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_sigmoid_form, NULL, "1 / (1 + exp(t)) -> sigmoid(-t)"},
    {"local_log_sigmoid", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_log_sigmoid, NULL, "log(sigmoid(x)) -> -softplus(-x)"},
    {"local_log1m_sigmoid", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_log1m_sigmoid, NULL, "log(1 - sigmoid(x)), log1p(-sigmoid(x)) -> -softplus(x)"},
    {"local_log1p", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise", local_log1p, NULL,
     "log(1 + x) -> log1p(x), log(1 - x) -> log1p(-x)"},
    {"local_expm1", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise", local_expm1, NULL,
     "exp(x) - 1 -> expm1(x)"},
    {"local_log1p_exp", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise", local_log1p_exp,
     NULL, "log1p(exp(x)) (so log(1 + exp(x))) -> softplus(x)"},
    {"local_log_softmax", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_log_softmax, NULL, "log(softmax(x)) -> log_softmax(x)"},
    {"local_logsumexp", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise", local_logsumexp,
     NULL, "log(sum(exp(x), axes)) -> logsumexp(x, axes)"},
    {"local_sqrt_sqr", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise", local_sqrt_sqr,
     NULL, "sqrt(sqr(x)), sqrt(x * x), sqrt(x ** 2) -> abs(x)"},
    {"local_softmax_xent_int", "fast_run stabilize", TGI_PH_STABILIZE,
     "CrossentropyCategorical1Hot", local_softmax_xent_int, NULL,
     "categorical_crossentropy(softmax(x), int labels) -> SoftmaxCrossentropyInt(x, labels)"},
    {"local_xent_softmax_grad", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_xent_softmax_grad, NULL,
     "the gradient of categorical_crossentropy(softmax(x), labels) wrt x -> (softmax(x) - "
     "one_hot(labels)) * gz"},
};
const int tgi_rewrites_stabilize_n =
    (int)(sizeof tgi_rewrites_stabilize / sizeof tgi_rewrites_stabilize[0]);
