/* canon_chain.c: flattening and sorting of commutative add and mul chains. Elemwise add
   and mul are binary, so a "flattened" sum is a canonical left-deep chain: the terms of a
   tree of adds (each used once, all of one dtype) sorted by variable id, every 0-d
   constant of the chain folded into one constant at the end, an identity (0 for add, 1
   for mul) dropped. (x + 1) + (y + 2) becomes (x + y) + 3, and a * b and b * a become
   the same expression, so a * b - b * a meets local_sub_self.

   Which nodes belong to a chain: an Elemwise add (mul) whose output dtype equals its
   compute dtype T (an int or float type, not bool) and whose inputs each have dtype T or
   are 0-d constants; a child joins its parent's chain when it is such a node of the same
   op and T with exactly one use. No promotion point moves, so integer chains are exact
   (wrapping arithmetic is associative); float chains round differently, as in Theano.

   Cost: only the root of a chain (a member not absorbed by its parent: O(1) to test)
   walks it; the walk is iterative and O(chain), and a canonical chain is left alone, so
   a rebuilt chain is walked once more and the whole rewrite is near-linear. */
#include <stdlib.h>

#include "../ops/elemwise.h"
#include "canon.h"

/* True when nd is an add/mul (code) chain member of dtype *T (set from nd). */
static bool member(const tg_node *nd, int code, tg_dtype *T) {
  if (tgi_rw_elemwise_code(nd) != code) return false;
  tg_dtype t = nd->out[0]->type.dtype;
  if (t != nd->op->dtype || t == TG_BOOL || !(tg_dtype_is_int(t) || tg_dtype_is_float(t)))
    return false;
  for (int i = 0; i < nd->n_in; i++) {
    const tg_var *v = nd->in[i];
    if (v->type.dtype != t && !(v->kind == TGV_CONSTANT && v->value->ndim == 0)) return false;
  }
  *T = t;
  return true;
}

/* True when v is the output of a chain member of (code, T) used once (by its parent). */
static bool absorbed(const tgi_fgraph *fg, const tg_var *v, int code, tg_dtype T) {
  tg_dtype t;
  return v->kind == TGV_RESULT && member(v->owner, code, &t) && t == T &&
         tgi_fgraph_n_clients(fg, v) == 1;
}

/* True when nd's chain continues into its single user (so nd is not a root). */
static bool has_parent(const tgi_fgraph *fg, const tg_node *nd, int code, tg_dtype T) {
  const tgi_clist *cl = tgi_fgraph_clients(fg, nd->out[0]);
  tg_dtype t;
  return cl->n == 1 && cl->c[0].node && member(cl->c[0].node, code, &t) && t == T;
}

/* A growable array of variables. */
typedef struct {
  tg_var **v;
  int64_t n, cap;
} varvec;

static bool vpush(varvec *a, tg_var *v) {
  if (a->n == a->cap) {
    int64_t cap = a->cap ? a->cap * 2 : 16;
    tg_var **p = tgi_realloc(a->v, sizeof *p * (size_t)cap);
    if (!p) return false;
    a->v = p;
    a->cap = cap;
  }
  a->v[a->n++] = v;
  return true;
}

static int by_id(const void *a, const void *b) {
  int64_t x = (*(tg_var *const *)a)->id, y = (*(tg_var *const *)b)->id;
  return (x > y) - (x < y);
}

/* The folded value of the chain's 0-d constants, each converted to T as the op does. */
typedef struct {
  int n;       /* constants seen */
  double f;    /* float chains */
  uint64_t i;  /* int chains: wrapping arithmetic */
} folded;

static void fold(folded *acc, const tg_var *c, int code, tg_dtype T) {
  const tg_array *a = c->value;
  if (tg_dtype_is_float(T)) {
    double x = tgi_load_f64(a->data, a->dtype);
    if (T == TG_FLOAT32) x = (float)x;
    acc->f = code == TGS_add ? acc->f + x : acc->f * x;
    if (T == TG_FLOAT32) acc->f = (float)acc->f;
  } else {
    char tmp[8];
    tgi_store_i64(tmp, T, tgi_load_i64(a->data, a->dtype)); /* wrap into T */
    uint64_t x = (uint64_t)tgi_load_i64(tmp, T);
    acc->i = code == TGS_add ? acc->i + x : acc->i * x;
  }
  acc->n++;
}

static bool is_identity(const folded *acc, int code, tg_dtype T) {
  char tmp[8];
  if (tg_dtype_is_float(T)) return acc->f == (code == TGS_add ? 0.0 : 1.0);
  tgi_store_i64(tmp, T, (int64_t)acc->i);
  return tgi_load_i64(tmp, T) == (code == TGS_add ? 0 : 1);
}

/* The folded constant as a 0-d constant of dtype T. */
static tg_var *folded_const(tg_graph *g, const folded *acc, tg_dtype T) {
  tg_array *a = tgi_array_alloc(T, 0, NULL, true, false);
  if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory making a constant");
  if (tg_dtype_is_float(T)) tgi_store_f64(a->data, T, acc->f);
  else tgi_store_i64(a->data, T, (int64_t)acc->i);
  tg_var *c = tgi_const_new(g, a, TGW_NONE);
  tg_array_unref(a);
  return c;
}

/* True when the chain rooted at nd is already the left-deep chain of `leaves` (sorted)
   followed by one non-identity constant when keep_const. */
static bool canonical(const tgi_fgraph *fg, const tg_node *nd, int code, tg_dtype T,
                      const varvec *leaves, const folded *acc, bool keep_const) {
  int64_t n = leaves->n + keep_const;
  if (acc->n != (int)keep_const) return false; /* constants to fold or an identity to drop */
  const tg_node *cur = nd;
  for (int64_t j = n - 1; j >= 1; j--) {
    const tg_var *right = cur->in[1];
    bool is_const = keep_const && j == n - 1;
    if (is_const ? !(right->kind == TGV_CONSTANT && right->value->ndim == 0)
                 : right != leaves->v[j])
      return false;
    const tg_var *left = cur->in[0];
    if (j == 1) return left == leaves->v[0];
    if (!absorbed(fg, left, code, T)) return false;
    cur = left->owner;
  }
  return false;
}

static bool chain_rewrite(tgi_fgraph *fg, tg_node *nd, tg_var **repl, int code) {
  tg_dtype T;
  if (!member(nd, code, &T) || has_parent(fg, nd, code, T)) return false;
  varvec leaves = {0}, stack = {0};
  folded acc = {0, code == TGS_add ? 0.0 : 1.0, code == TGS_add ? 0u : 1u};
  bool ok = vpush(&stack, nd->out[0]), hit = false;
  while (ok && stack.n) {
    tg_node *m = stack.v[--stack.n]->owner;
    for (int i = m->n_in - 1; ok && i >= 0; i--) {
      tg_var *v = m->in[i];
      if (absorbed(fg, v, code, T)) ok = vpush(&stack, v);
      else if (v->kind == TGV_CONSTANT && v->value->ndim == 0) fold(&acc, v, code, T);
      else ok = vpush(&leaves, v);
    }
  }
  if (!ok) {
    tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function");
    goto done;
  }
  if (leaves.n == 0) goto done; /* all constants: constant folding's case */
  qsort(leaves.v, (size_t)leaves.n, sizeof *leaves.v, by_id);
  bool keep_const = acc.n > 0 && !is_identity(&acc, code, T);
  if (canonical(fg, nd, code, T, &leaves, &acc, keep_const)) goto done;
  tg_var *r = leaves.v[0];
  for (int64_t j = 1; r && j < leaves.n; j++)
    r = code == TGS_add ? tg_add(r, leaves.v[j]) : tg_mul(r, leaves.v[j]);
  if (r && keep_const) {
    tg_var *c = folded_const(fg->g, &acc, T);
    r = code == TGS_add ? tg_add(r, c) : tg_mul(r, c);
  }
  /* a single leaf left alone must not have been enlarged by the 0-d constants: it was
     not, they are 0-d; tgi_canon_ok checks dtype and static shape */
  if (r && r != nd->out[0] && tgi_canon_ok(r, nd->out[0])) {
    repl[0] = r;
    hit = true;
  }
done:
  tgi_free(leaves.v);
  tgi_free(stack.v);
  return hit;
}

static bool local_add_canonize(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  return chain_rewrite(fg, nd, repl, TGS_add);
}

static bool local_mul_canonize(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  return chain_rewrite(fg, nd, repl, TGS_mul);
}

const tgi_rewrite tgi_rewrites_canon_chain[] = {
    {"local_add_canonize", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_add_canonize, NULL,
     "flatten a tree of adds into one sorted chain, its constants folded into one"},
    {"local_mul_canonize", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Elemwise",
     local_mul_canonize, NULL,
     "flatten a tree of muls into one sorted chain, its constants folded into one"},
};
const int tgi_rewrites_canon_chain_n =
    (int)(sizeof tgi_rewrites_canon_chain / sizeof tgi_rewrites_canon_chain[0]);
