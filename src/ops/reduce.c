/* reduce.c: the reduction ops (Sum, Prod, Mean, Var, Std, Max, Min, Argmax, Argmin, All,
   Any, LogSumExp, MaxAndArgmax): axis checking, dtype rules, static and symbolic output
   shapes, display, the public builders and the catalogue rows. The kernel is in
   reduce_kernel.c. */
#include <stdio.h>

#include "reduce_impl.h"

/* Builder names, for build-time messages. */
static const char *const builder_names[TGR_COUNT] = {
    [TGR_SUM] = "sum",       [TGR_PROD] = "prod",     [TGR_MEAN] = "mean",
    [TGR_VAR] = "variance",  [TGR_STD] = "std",       [TGR_MAX] = "max",
    [TGR_MIN] = "min",       [TGR_ARGMAX] = "argmax", [TGR_ARGMIN] = "argmin",
    [TGR_ALL] = "all",       [TGR_ANY] = "any",       [TGR_LOGSUMEXP] = "logsumexp",
    [TGR_MAX_AND_ARGMAX] = "max_and_argmax",
};

/* The output dtype of reduction `kind` over input dtype dt (numpy 1.24's rules, see
   include/tgraph/reduce.h). */
static tg_dtype out_dtype(int kind, tg_dtype dt) {
  bool fl = tg_dtype_is_float(dt);
  switch (kind) {
    case TGR_SUM:
    case TGR_PROD: return fl ? dt : TG_INT64;
    case TGR_MEAN:
    case TGR_VAR:
    case TGR_STD: return fl ? dt : TG_FLOAT64;
    case TGR_ARGMAX:
    case TGR_ARGMIN: return TG_INT64;
    case TGR_ALL:
    case TGR_ANY: return TG_BOOL;
    case TGR_LOGSUMEXP: /* the elementwise float-upgrade rule (what log(sum(exp(x))) gives) */
      return fl ? dt : tg_dtype_size(dt) <= 2 ? TG_FLOAT32 : TG_FLOAT64;
    default: return dt; /* max, min, max_and_argmax */
  }
}

static bool reduced(const tg_op *op, int d) {
  return ((uint64_t)op->params[TGR_P_MASK] >> d) & 1;
}

static void reduce_describe(const tg_op *op, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "%s{axes=(", op->cls->name);
  int cnt = 0;
  for (int d = 0; d < TG_MAX_NDIM && k < n; d++)
    if (reduced(op, d)) k += (size_t)snprintf(buf + k, n - k, cnt++ ? ", %d" : "%d", d);
  if (k < n) k += (size_t)snprintf(buf + k, n - k, cnt == 1 ? ",)" : ")");
  if (k < n && (op->code == TGR_VAR || op->code == TGR_STD))
    k += (size_t)snprintf(buf + k, n - k, ", ddof=%lld", (long long)op->params[TGR_P_DDOF]);
  if (k < n && op->params[TGR_P_KEEPDIMS]) k += (size_t)snprintf(buf + k, n - k, ", keepdims");
  if (k < n) snprintf(buf + k, n - k, "}");
}

static int reduce_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)n_in;
  const tg_type *t = &in[0]->type;
  /* only an op reused on an input of lower rank (never a builder's) can fail here */
  if (t->ndim < 64 && (uint64_t)op->params[TGR_P_MASK] >> t->ndim) {
    char name[160], ts[160];
    reduce_describe(op, name, sizeof name);
    tgi_gfail(g, TG_ERR_TYPE, "%s: axes out of range for input %s", name,
              tgi_type_str(t, ts, sizeof ts));
    return -1;
  }
  bool keep = op->params[TGR_P_KEEPDIMS] != 0;
  int r = 0;
  for (int d = 0; d < t->ndim; d++) {
    if (!reduced(op, d)) out[0].shape[r++] = t->shape[d];
    else if (keep) out[0].shape[r++] = 1;
  }
  out[0].dtype = op->dtype;
  out[0].ndim = r;
  if (op->code != TGR_MAX_AND_ARGMAX) return 1;
  out[1].dtype = TG_INT64;
  out[1].ndim = r;
  memcpy(out[1].shape, out[0].shape, sizeof(int64_t) * (size_t)r);
  return 2;
}

/* Kept dims are the input's; reduced dims vanish or become the constant 1. */
static bool reduce_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  const tg_op *op = nd->op;
  bool keep = op->params[TGR_P_KEEPDIMS] != 0;
  int r = 0;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) {
    tg_var *v;
    if (!reduced(op, d)) v = in_dims[0][d];
    else if (keep) v = tgi_dim_const(g, 1);
    else continue;
    if (!v) return false;
    for (int o = 0; o < nd->n_out; o++) out_dims[o][r] = v;
    r++;
  }
  return true;
}

#define REDUCE_CLASS(kind, cname)            \
  [kind] = {.name = cname,                   \
            .infer = reduce_infer,           \
            .perform = tgi_reduce_perform,   \
            .describe = reduce_describe,     \
            .infer_shape = reduce_infer_shape, \
            .grad = tgi_reduce_grad}

/* One class per kind so each shows its own name; they share every function. */
static const tg_op_class classes[TGR_COUNT] = {
    REDUCE_CLASS(TGR_SUM, "Sum"),
    REDUCE_CLASS(TGR_PROD, "Prod"),
    REDUCE_CLASS(TGR_MEAN, "Mean"),
    REDUCE_CLASS(TGR_VAR, "Var"),
    REDUCE_CLASS(TGR_STD, "Std"),
    REDUCE_CLASS(TGR_MAX, "Max"),
    REDUCE_CLASS(TGR_MIN, "Min"),
    REDUCE_CLASS(TGR_ARGMAX, "Argmax"),
    REDUCE_CLASS(TGR_ARGMIN, "Argmin"),
    REDUCE_CLASS(TGR_ALL, "All"),
    REDUCE_CLASS(TGR_ANY, "Any"),
    REDUCE_CLASS(TGR_LOGSUMEXP, "LogSumExp"),
    REDUCE_CLASS(TGR_MAX_AND_ARGMAX, "MaxAndArgmax"),
};

const tg_op_class *tgi_reduce_class(int kind) {
  return kind >= 0 && kind < TGR_COUNT ? &classes[kind] : NULL;
}


/* Check the axes against x's rank and build the node; *second gets output 1 of
   MaxAndArgmax. Axes become a bitmask, so (1, 0) and (0, -1) make equal ops. */
static tg_var *build(int kind, tg_var *x, int n_axes, const int *axes, bool keepdims,
                     int ddof, tg_var **second) {
  const char *name = builder_names[kind];
  if (second) *second = NULL;
  if (!tgi_check_inputs(name, 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL; /* keep building cheap after an error */
  int nd = x->type.ndim;
  uint64_t mask = 0;
  if (n_axes < 0) {
    if (n_axes != -1)
      return tgi_gfail(g, TG_ERR_ARG, "%s: n_axes is %d (use -1 for all axes, 0 for none)",
                       name, n_axes);
    mask = nd == 64 ? ~(uint64_t)0 : ((uint64_t)1 << nd) - 1;
  } else {
    if (n_axes > 0 && !axes)
      return tgi_gfail(g, TG_ERR_ARG, "%s: axes is NULL but n_axes is %d", name, n_axes);
    for (int i = 0; i < n_axes; i++) {
      int a = axes[i];
      if (a < -nd || a >= nd)
        return tgi_gfail(g, TG_ERR_VALUE, "%s: axis %d is out of range for a rank-%d tensor",
                         name, a, nd);
      int d = a < 0 ? a + nd : a;
      if ((mask >> d) & 1)
        return tgi_gfail(g, TG_ERR_VALUE,
                         "%s: axis %d is repeated (it names dim %d of a rank-%d tensor again)",
                         name, a, d, nd);
      mask |= (uint64_t)1 << d;
    }
  }
  bool has_ddof = kind == TGR_VAR || kind == TGR_STD;
  int64_t params[TGR_NPARAMS];
  params[TGR_P_MASK] = (int64_t)mask;
  params[TGR_P_KEEPDIMS] = keepdims ? 1 : 0;
  params[TGR_P_DDOF] = has_ddof ? ddof : 0;
  tg_op *op = tgi_op_new(g, &classes[kind], kind, out_dtype(kind, x->type.dtype), TGR_NPARAMS,
                         params);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  if (!n) return NULL;
  if (second && n->n_out > 1) *second = n->out[1];
  return n->out[0];
}

#define BUILDER(fn, kind)                                                      \
  tg_var *tg_##fn(tg_var *x, int n_axes, const int *axes, bool keepdims) {     \
    return build(kind, x, n_axes, axes, keepdims, 0, NULL);                    \
  }
BUILDER(sum, TGR_SUM)
BUILDER(prod, TGR_PROD)
BUILDER(mean, TGR_MEAN)
BUILDER(max, TGR_MAX)
BUILDER(min, TGR_MIN)
BUILDER(argmax, TGR_ARGMAX)
BUILDER(argmin, TGR_ARGMIN)
BUILDER(all, TGR_ALL)
BUILDER(any, TGR_ANY)
BUILDER(logsumexp, TGR_LOGSUMEXP)

tg_var *tg_variance(tg_var *x, int n_axes, const int *axes, int ddof, bool keepdims) {
  return build(TGR_VAR, x, n_axes, axes, keepdims, ddof, NULL);
}

tg_var *tg_std(tg_var *x, int n_axes, const int *axes, int ddof, bool keepdims) {
  return build(TGR_STD, x, n_axes, axes, keepdims, ddof, NULL);
}

tg_var *tg_max_and_argmax(tg_var *x, int n_axes, const int *axes, bool keepdims,
                          tg_var **argmax) {
  return build(TGR_MAX_AND_ARGMAX, x, n_axes, axes, keepdims, 0, argmax);
}

/* ---- catalogue ---- */

const tgi_op_info tgi_catalogue_reduce[] = {
    {"sum", "reduce", 1, "all (bool, ints -> int64)", "yes", "",
     "sum over axes or all, keepdims; float accumulated in double, ints wrap"},
    {"prod", "reduce", 1, "all (bool, ints -> int64)", "yes", "",
     "product over axes or all, keepdims; ints wrap"},
    {"mean", "reduce", 1, "all (bool, ints -> float64)", "yes", "",
     "arithmetic mean over axes or all; NaN over zero elements"},
    {"variance", "reduce", 1, "all (bool, ints -> float64)", "yes", "",
     "variance with ddof over axes or all, as numpy.var"},
    {"std", "reduce", 1, "all (bool, ints -> float64)", "yes", "",
     "standard deviation with ddof over axes or all, as numpy.std"},
    {"max", "reduce", 1, "all", "yes", "",
     "maximum over axes or all; NaN propagates; error over zero elements"},
    {"min", "reduce", 1, "all", "yes", "",
     "minimum over axes or all; NaN propagates; error over zero elements"},
    {"argmax", "reduce", 1, "all -> int64", "not differentiable", "",
     "index of the first maximum (or NaN) in the reduced axes flattened in C order"},
    {"argmin", "reduce", 1, "all -> int64", "not differentiable", "",
     "index of the first minimum (or NaN) in the reduced axes flattened in C order"},
    {"all", "reduce", 1, "all -> bool", "not differentiable", "", "true where every element is nonzero"},
    {"any", "reduce", 1, "all -> bool", "not differentiable", "", "true where some element is nonzero"},
    {"logsumexp", "reduce", 1, "all -> float", "yes", "",
     "log(sum(exp(x))) over axes, stable (max subtracted); -inf over zero elements"},
    {"max_and_argmax", "reduce", 1, "all (max; int64 argmax)", "yes", "",
     "max and argmax over axes in one node with two outputs"},
};
const int tgi_catalogue_reduce_n = (int)(sizeof tgi_catalogue_reduce / sizeof tgi_catalogue_reduce[0]);
