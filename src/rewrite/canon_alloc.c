/* canon_alloc.c: removing Alloc inputs of Elemwise nodes (PyTensor's local_elemwise_alloc
   and local_alloc_unary). Gradients are full of fills (the gradient of a sum or mean
   starts as alloc(1, shape)); an elementwise op that combines such a fill with an array
   of the same shape only needs the fill's value, broadcast, and materialising the fill
   every call is wasted work.

     f(alloc(v, dims), y) -> f(v, y)   when y has the output's shape and dims are proved
                                       equal to y's dims (case A)
     f(alloc(v, dims), c) -> alloc(f(v, c), dims)   when every operand other than allocs
                                       is a broadcast scalar (case B): f runs on the small
                                       values, and the one alloc left can go in its turn
                                       at the next elementwise op

   Errors are kept: case A only drops an alloc whose dims are proved equal to those of
   the operand that fixes the output's shape (so neither the alloc nor the elementwise
   op could have failed on them: tgraph follows Theano's rule that only dims statically
   1 broadcast, so an unproved dim would have been an error where v broadcasts), and
   whose value's dims are statically 1 or proved equal too. Case B keeps the alloc (its
   negative-dim error) and only takes values whose dims are all statically 1. A weak
   (Python scalar) constant value is made an ordinary constant of its dtype, so that the
   op's result dtype does not change. Each check is O(inputs x rank) plus the dim proofs
   of canon_shape.c. */
#include "../ops/elemwise.h"
#include "canon.h"

/* The Alloc node computing v, or NULL. */
static tg_node *alloc_of(const tg_var *v) {
  return v->kind == TGV_RESULT && strcmp(v->owner->op->cls->name, "Alloc") == 0 ? v->owner
                                                                                : NULL;
}

/* True when every dim of v is statically 1 (a scalar's too). */
static bool all_ones(const tg_var *v) {
  for (int d = 0; d < v->type.ndim; d++)
    if (v->type.shape[d] != 1) return false;
  return true;
}

/* The value of alloc node a, as an operand that keeps its dtype in an elementwise op
   (a weak constant becomes an ordinary one). NULL after an error. */
static tg_var *alloc_value(tgi_fgraph *fg, const tg_node *a) {
  tg_var *v = a->in[0];
  if (!v->weak || v->kind != TGV_CONSTANT) return v;
  tg_var *c = tgi_const_new(fg->g, v->value, TGW_NONE);
  if (c) c->type = v->type;
  return c;
}

/* True when the alloc a feeding an elementwise op whose output has rank r and whose
   operand ref has the output's shape can be replaced by its value: each dim of the
   alloc is statically 1 (it broadcast, and so will the value, which must then be
   statically 1 there too) or proved equal to ref's, and each dim of the value is
   statically 1 or proved equal to the alloc's. */
static bool alloc_droppable(tgi_fgraph *fg, const tg_node *a, tg_var *ref, int r) {
  tg_var *out = a->out[0], *v = a->in[0];
  int ra = out->type.ndim, rv = v->type.ndim;
  for (int k = 0; k < ra; k++) {
    int vk = k - (ra - rv);
    tg_var *dim = a->in[1 + k];
    if (out->type.shape[k] == 1) {
      if (vk >= 0 && v->type.shape[vk] != 1) return false;
      continue;
    }
    if (!tgi_canon_dim_is(fg, ref, k + (r - ra), dim)) return false;
    if (vk >= 0 && v->type.shape[vk] != 1 && !tgi_canon_dim_is(fg, v, vk, dim)) return false;
  }
  return true;
}

/* nd's scalar op applied to in (nd's arity), or NULL. */
static tg_var *rebuild(const tg_node *nd, tg_var **in) {
  int code = nd->op->code;
  if (code == TGS_cast) return tg_cast(in[0], nd->out[0]->type.dtype);
  return tg_elemwise(tgi_scalar_ops[code].name, nd->n_in, in);
}

/* Case A: some operand that is not an alloc has the output's shape. */
static bool drop_allocs(tgi_fgraph *fg, tg_node *nd, int ref, tg_var **repl) {
  tg_var *in[3], *out = nd->out[0];
  bool changed = false;
  for (int i = 0; i < nd->n_in; i++) {
    tg_node *a = alloc_of(nd->in[i]);
    in[i] = nd->in[i];
    if (a && alloc_droppable(fg, a, nd->in[ref], out->type.ndim)) {
      if (!(in[i] = alloc_value(fg, a))) return false;
      changed = true;
    }
  }
  if (!changed) return false;
  tg_var *r = rebuild(nd, in);
  if (!tgi_canon_ok(r, out)) return false;
  repl[0] = r;
  return true;
}

/* Case B: the output's shape comes from an alloc; the other operands are allocs of the
   same dims or broadcast scalars, and every alloc's value is all 1-dims. */
static bool lift_alloc(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *in[3], *out = nd->out[0];
  tg_node *ref = NULL;
  for (int i = 0; i < nd->n_in && !ref; i++) {
    tg_node *a = alloc_of(nd->in[i]);
    if (a && tgi_canon_fits(a->out[0], out) && all_ones(a->in[0])) ref = a;
  }
  if (!ref) return false;
  int r = out->type.ndim;
  for (int i = 0; i < nd->n_in; i++) {
    tg_node *a = alloc_of(nd->in[i]);
    in[i] = nd->in[i];
    if (!a) {
      if (!all_ones(nd->in[i])) return false;
      continue;
    }
    if (!all_ones(a->in[0])) return false;
    if (a != ref) { /* its dims must be ref's (or statically 1: it broadcast) */
      tg_var *o = a->out[0];
      for (int k = 0; k < o->type.ndim; k++)
        if (o->type.shape[k] != 1 &&
            !tgi_canon_dim_is(fg, o, k, ref->in[1 + k + (r - o->type.ndim)]))
          return false;
    }
    if (!(in[i] = alloc_value(fg, a))) return false;
  }
  tg_var *small = rebuild(nd, in);
  tg_var *res = small ? tg_alloc(small, r, ref->in + 1) : NULL;
  if (!tgi_canon_ok(res, out)) return false;
  repl[0] = res;
  return true;
}

/* f(..., alloc(v, dims), ...) -> f(..., v, ...) or alloc(f(..., v, ...), dims). */
static bool local_elemwise_alloc(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  if (tgi_rw_elemwise_code(nd) < 0 || nd->n_in > 3) return false;
  int ref = -1;
  bool any = false;
  for (int i = 0; i < nd->n_in; i++) {
    bool is_alloc = alloc_of(nd->in[i]) != NULL;
    any = any || is_alloc;
    if (!is_alloc && ref < 0 && tgi_canon_fits(nd->in[i], nd->out[0])) ref = i;
  }
  if (!any) return false;
  return ref >= 0 ? drop_allocs(fg, nd, ref, repl) : lift_alloc(fg, nd, repl);
}

/* Registered twice: in canonicalize, where gradients' fills meet the ops they feed, and
   in specialize, for the allocs that stabilising rewrites bring in. */
const tgi_rewrite tgi_rewrites_canon_alloc[] = {
    {"local_elemwise_alloc", "fast_run canonicalize shape elemwise_alloc", TGI_PH_CANONICALIZE,
     "Elemwise", local_elemwise_alloc, NULL,
     "f(alloc(v, shape(y)), y) -> f(v, y); f(alloc(v, dims), scalar) -> alloc(f(v, scalar), "
     "dims) (dims proved equal; errors kept)"},
    {"local_elemwise_alloc_specialize", "fast_run specialize elemwise_alloc", TGI_PH_SPECIALIZE,
     "Elemwise", local_elemwise_alloc, NULL,
     "local_elemwise_alloc again after stabilisation"},
};
const int tgi_rewrites_canon_alloc_n =
    (int)(sizeof tgi_rewrites_canon_alloc / sizeof tgi_rewrites_canon_alloc[0]);
