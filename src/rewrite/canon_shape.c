/* canon_shape.c: shape canonicalisation rewrites. Shape lifting computes Shape(x) and
   Shape_i(x) from the shapes of the inputs of x's node, through the op's infer_shape rule,
   so that x is not computed when only its shape is needed (static dims become
   constants). Useless ops are removed: a reshape or an alloc to the shape the value
   already has, an identity dimshuffle, a cast to the same dtype; a dimshuffle of a
   dimshuffle becomes one (transpose of transpose: none). The lifting of a subtensor
   through an elementwise op is in canon_subtensor.c. Each is O(inputs x rank) per node,
   with proofs of equal dims following at most NORM_DEPTH lifting steps. */
#include "../ops/elemwise.h"
#include "../ops/shape_impl.h"
#include "canon.h"

/* Dim k of input v as an int64 scalar for a shape rule: a constant when static or when
   v is a constant, else Shape_i(v, k) (which lifting moves further up in its turn). */
static tg_var *input_dim(tg_graph *g, tg_var *v, int k) {
  if (v->type.shape[k] >= 0) return tgi_dim_const(g, v->type.shape[k]);
  if (v->kind == TGV_CONSTANT) return tgi_dim_const(g, v->value->shape[k]);
  return tg_shape_i(v, k);
}

/* The dims of x (a node's output) from its node's shape rule over its inputs' dims,
   into dims[x's rank]. false when the op has no rule, or the rule fails (the graph's
   error is then cleared, unless it is NOMEM: the rule's limits are not a compile error). */
static bool lift_dims(tgi_fgraph *fg, const tg_var *x, tg_var **dims) {
  tg_graph *g = fg->g;
  const tg_node *nd = x->owner;
  if (x->kind != TGV_RESULT || !nd->op->cls->infer_shape) return false;
  int n_in = nd->n_in, n_out = nd->n_out;
  tg_var **buf = tgi_calloc((size_t)(n_in + n_out) * (TG_MAX_NDIM + 1) + 1, sizeof *buf);
  if (!buf) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
  tg_var ***in_dims = (tg_var ***)buf, ***out_dims = in_dims + n_in;
  tg_var **cells = buf + n_in + n_out;
  bool ok = true;
  for (int i = 0; ok && i < n_in; i++) {
    in_dims[i] = cells + (size_t)i * TG_MAX_NDIM;
    for (int k = 0; ok && k < nd->in[i]->type.ndim; k++)
      ok = (in_dims[i][k] = input_dim(g, nd->in[i], k)) != NULL;
  }
  for (int o = 0; o < n_out; o++) out_dims[o] = cells + (size_t)(n_in + o) * TG_MAX_NDIM;
  ok = ok && nd->op->cls->infer_shape(g, nd, (tg_var **const *)in_dims,
                                       (tg_var **const *)out_dims);
  for (int d = 0; ok && d < x->type.ndim; d++) {
    int64_t s = x->type.shape[d];
    dims[d] = s >= 0 ? tgi_dim_const(g, s) : out_dims[x->index][d];
    ok = dims[d] != NULL;
  }
  tgi_free(buf);
  if (!ok && g->err.status != TG_ERR_NOMEM) {
    g->err.status = TG_OK;
    g->err.msg[0] = 0;
  }
  return ok;
}

/* Shape(x) -> MakeVector of x's dims lifted to its node's inputs (a constant vector,
   after folding, when every dim is static). */
static bool local_shape_lift(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *x = nd->in[0], *dims[TG_MAX_NDIM];
  bool all_static = true;
  for (int d = 0; d < x->type.ndim; d++) all_static = all_static && x->type.shape[d] >= 0;
  if (all_static) {
    for (int d = 0; d < x->type.ndim; d++)
      if (!(dims[d] = tgi_dim_const(fg->g, x->type.shape[d]))) return false;
  } else if (!lift_dims(fg, x, dims)) {
    return false;
  }
  tg_var *v = tg_make_vector(fg->g, x->type.ndim, dims);
  if (!tgi_canon_ok(v, nd->out[0])) return false;
  repl[0] = v;
  return true;
}

/* Shape_i(x, d) -> dim d of x lifted to its node's inputs, or a constant when static. */
static bool local_shape_i_lift(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *x = nd->in[0], *dims[TG_MAX_NDIM];
  int d = (int)nd->op->params[0];
  if (d < 0 || d >= x->type.ndim) return false;
  tg_var *r;
  if (x->type.shape[d] >= 0) r = tgi_dim_const(fg->g, x->type.shape[d]);
  else if (lift_dims(fg, x, dims)) r = dims[d];
  else return false;
  if (r == nd->out[0] || !tgi_canon_ok(r, nd->out[0])) return false;
  repl[0] = r;
  return true;
}

/* Most lifting steps followed to prove two dims equal (keeps each check O(1)). */
#define NORM_DEPTH 32

/* Follow Shape_i(v, k) through v's shape rule while it gives another Shape_i, to the
   form lifting will give it in the graph. */
static tg_var *norm_dim(tgi_fgraph *fg, tg_var *e) {
  for (int s = 0; s < NORM_DEPTH; s++) {
    if (e->kind != TGV_RESULT || strcmp(e->owner->op->cls->name, "Shape_i") != 0) return e;
    tg_var *v = e->owner->in[0], *dims[TG_MAX_NDIM];
    int k = (int)e->owner->op->params[0];
    if (k < 0 || k >= v->type.ndim || !lift_dims(fg, v, dims)) return e;
    e = dims[k];
  }
  return e;
}

/* True when the int64 scalar e is known to equal dim d of x at run time. */
static bool dim_is(tgi_fgraph *fg, tg_var *x, int d, tg_var *e) {
  int64_t c;
  if (x->type.shape[d] >= 0) return tgi_static_scalar(e, &c) && c == x->type.shape[d];
  if (e->kind == TGV_RESULT && strcmp(e->owner->op->cls->name, "Shape_i") == 0 &&
      e->owner->in[0] == x && e->owner->op->params[0] == d)
    return true;
  tg_var *dims[TG_MAX_NDIM];
  if (!lift_dims(fg, x, dims)) return false;
  return tgi_canon_same(norm_dim(fg, e), norm_dim(fg, dims[d]));
}

bool tgi_canon_dim_is(tgi_fgraph *fg, tg_var *x, int d, tg_var *e) { return dim_is(fg, x, d, e); }

/* Reshape(x, s) -> x when s is x's own shape: every element proved equal to x's dim. */
static bool local_useless_reshape(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *x = nd->in[0], *s = nd->in[1], *out = nd->out[0];
  int n = out->type.ndim;
  if (x->type.ndim != n) return false;
  bool same = s->kind == TGV_RESULT && strcmp(s->owner->op->cls->name, "Shape") == 0 &&
              s->owner->in[0] == x;
  if (!same && s->kind == TGV_RESULT && strcmp(s->owner->op->cls->name, "MakeVector") == 0) {
    same = true;
    for (int d = 0; same && d < n; d++) same = dim_is(fg, x, d, s->owner->in[d]);
  }
  if (!same) { /* a constant shape equal to x's static shape */
    same = true;
    for (int d = 0; same && d < n; d++) {
      int64_t c;
      same = x->type.shape[d] >= 0 && tgi_static_vec_elem(s, d, &c) && c == x->type.shape[d];
    }
  }
  if (!same || !tgi_canon_ok(x, out) || tgi_canon_keeps_view(fg, out, x)) return false;
  repl[0] = x;
  return true;
}

/* Alloc(v, dims) -> v when v already has that shape (and rank): a copy of v is v. */
static bool local_useless_alloc(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *v = nd->in[0], *out = nd->out[0];
  int n = nd->n_in - 1;
  if (v->type.ndim != n || v->type.dtype != out->type.dtype) return false;
  for (int d = 0; d < n; d++)
    if (!dim_is(fg, v, d, nd->in[1 + d])) return false;
  if (!tgi_canon_ok(v, out)) return false;
  repl[0] = v;
  return true;
}

/* The pattern of a DimShuffle node (params: input rank, then the pattern). */
static int ds_pattern(const tg_node *nd, int *p) {
  int n = nd->op->n_params - 1;
  for (int i = 0; i < n; i++) p[i] = (int)nd->op->params[1 + i];
  return n;
}

static bool is_identity_pattern(int n, const int *p, int ndim) {
  if (n != ndim) return false;
  for (int i = 0; i < n; i++)
    if (p[i] != i) return false;
  return true;
}

/* DimShuffle{0,1,...} -> x. */
static bool local_useless_dimshuffle(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  int p[TG_MAX_NDIM];
  int n = ds_pattern(nd, p);
  if (!is_identity_pattern(n, p, nd->in[0]->type.ndim) || !tgi_canon_ok(nd->in[0], nd->out[0]) ||
      tgi_canon_keeps_view(fg, nd->out[0], nd->in[0]))
    return false;
  repl[0] = nd->in[0];
  return true;
}

/* DimShuffle{q}(DimShuffle{p}(x)) -> DimShuffle{p[q]}(x), or x when that is the
   identity (a transpose of a transpose). */
static bool local_dimshuffle_merge(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *y = nd->in[0];
  if (y->kind != TGV_RESULT || y->owner->op->cls != nd->op->cls) return false;
  int p[TG_MAX_NDIM], q[TG_MAX_NDIM], r[TG_MAX_NDIM];
  ds_pattern(y->owner, p);
  int n = ds_pattern(nd, q);
  for (int i = 0; i < n; i++) r[i] = q[i] < 0 ? -1 : p[q[i]];
  tg_var *x = y->owner->in[0];
  tg_var *c = is_identity_pattern(n, r, x->type.ndim) && !tgi_canon_keeps_view(fg, nd->out[0], x)
                 ? x
                 : tg_dimshuffle(x, n, r);
  if (!tgi_canon_ok(c, nd->out[0])) return false;
  repl[0] = c;
  return true;
}

/* cast(x) to x's own dtype -> x. */
static bool local_useless_cast(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  (void)fg;
  if (tgi_rw_elemwise_code(nd) != TGS_cast || nd->in[0]->type.dtype != nd->out[0]->type.dtype ||
      !tgi_canon_ok(nd->in[0], nd->out[0]))
    return false;
  repl[0] = nd->in[0];
  return true;
}

const tgi_rewrite tgi_rewrites_canon_shape[] = {
    {"local_shape_lift", "fast_run canonicalize shape", TGI_PH_CANONICALIZE, "Shape",
     local_shape_lift, NULL, "shape(f(a, b)) -> shape from a's and b's shapes (f's shape rule), without f"},
    {"local_shape_i_lift", "fast_run canonicalize shape", TGI_PH_CANONICALIZE, "Shape_i",
     local_shape_i_lift, NULL, "shape_i(f(a, b), d) -> dim d from a's and b's shapes, without f"},
    {"local_useless_reshape", "fast_run canonicalize shape", TGI_PH_CANONICALIZE, "Reshape",
     local_useless_reshape, NULL, "reshape(x, shape(x)) -> x (shapes proved equal)"},
    {"local_useless_alloc", "fast_run canonicalize shape", TGI_PH_CANONICALIZE, "Alloc",
     local_useless_alloc, NULL, "alloc(v, shape(v)) -> v (shapes proved equal)"},
    {"local_useless_dimshuffle", "fast_run canonicalize shape", TGI_PH_CANONICALIZE,
     "DimShuffle", local_useless_dimshuffle, NULL, "dimshuffle(x, identity) -> x"},
    {"local_dimshuffle_merge", "fast_run canonicalize shape", TGI_PH_CANONICALIZE, "DimShuffle",
     local_dimshuffle_merge, NULL, "dimshuffle(dimshuffle(x)) -> one dimshuffle (or x)"},
    {"local_useless_cast", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_useless_cast, NULL, "cast(x) to x's dtype -> x"},
};
const int tgi_rewrites_canon_shape_n =
    (int)(sizeof tgi_rewrites_canon_shape / sizeof tgi_rewrites_canon_shape[0]);
