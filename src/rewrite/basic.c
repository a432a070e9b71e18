/* basic.c: the rewrites every mode runs (merge: one node per distinct computation and one
   constant per distinct value; constant folding), and small helpers the other rewrite
   families share. */
#include <stdio.h>

#include "../ops/elemwise.h"
#include "rewrite.h"

int tgi_rw_elemwise_code(const tg_node *nd) {
  return nd->op->cls == &tgi_elemwise_class ? nd->op->code : -1;
}

bool tgi_rw_const_value(const tg_var *v, double *val) {
  if (v->kind != TGV_CONSTANT || !v->value || v->value->size == 0) return false;
  const tg_array *a = v->value;
  int64_t idx[TG_MAX_NDIM] = {0};
  double first = 0;
  bool have = false;
  do {
    const char *p = a->data;
    for (int d = 0; d < a->ndim; d++) p += idx[d] * a->strides[d];
    double x = tgi_load_f64(p, a->dtype);
    if (have && !(x == first || (x != x && first != first))) return false;
    first = x;
    have = true;
  } while (tgi_next_index(a->ndim, a->shape, idx));
  *val = first;
  return true;
}

bool tgi_rw_is_const(const tg_var *v, double val) {
  double x;
  return tgi_rw_const_value(v, &x) && x == val;
}

/* --- merge ------------------------------------------------------------------------- */

/* Multiplicative hashes only carry low bits upward; the table indexes by the low bits, so
   mix the high ones down (a murmur3 finaliser). */
static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/* Hash of a constant's type and element bytes. */
static uint64_t const_hash(const tg_var *v) {
  const tg_array *a = v->value;
  uint64_t h = 1469598103934665603ull ^ (uint64_t)a->dtype ^ ((uint64_t)v->weak << 8);
  for (int d = 0; d < a->ndim; d++) h = (h ^ (uint64_t)a->shape[d]) * 1099511628211ull;
  if (a->size == 0) return mix(h);
  size_t es = tg_dtype_size(a->dtype);
  int64_t idx[TG_MAX_NDIM] = {0};
  do {
    const unsigned char *p = (const unsigned char *)a->data;
    for (int d = 0; d < a->ndim; d++) p += idx[d] * a->strides[d];
    for (size_t b = 0; b < es; b++) h = (h ^ p[b]) * 1099511628211ull;
  } while (tgi_next_index(a->ndim, a->shape, idx));
  return mix(h);
}

static bool const_equal(const tg_var *x, const tg_var *y) {
  const tg_array *a = x->value, *b = y->value;
  if (a->dtype != b->dtype || a->ndim != b->ndim || x->weak != y->weak) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d] || x->type.shape[d] != y->type.shape[d]) return false;
  if (a->size == 0) return true;
  size_t es = tg_dtype_size(a->dtype);
  int64_t idx[TG_MAX_NDIM] = {0};
  do {
    const char *p = a->data, *q = b->data;
    for (int d = 0; d < a->ndim; d++) {
      p += idx[d] * a->strides[d];
      q += idx[d] * b->strides[d];
    }
    if (memcmp(p, q, es) != 0) return false;
  } while (tgi_next_index(a->ndim, a->shape, idx));
  return true;
}

static uint64_t node_hash(const tg_node *nd) {
  uint64_t h = tgi_op_hash(nd->op);
  for (int i = 0; i < nd->n_in; i++) h = (h ^ (uint64_t)(uintptr_t)nd->in[i]) * 1099511628211ull;
  return mix(h);
}

static bool node_equal(const tg_node *a, const tg_node *b) {
  if (a->n_in != b->n_in || a->n_out != b->n_out || !tgi_op_equal(a->op, b->op)) return false;
  for (int i = 0; i < a->n_in; i++)
    if (a->in[i] != b->in[i]) return false;
  return true;
}

/* An open-addressing set of pointers with their hashes; `eq` decides equality. */
typedef struct {
  void **slot;
  uint64_t *hash;
  int64_t cap;
} ptrset;

/* The equal entry already there, or NULL after inserting p. */
static void *ptrset_put(ptrset *s, void *p, uint64_t h, bool (*eq)(const void *, const void *)) {
  for (int64_t k = (int64_t)(h & (uint64_t)(s->cap - 1));; k = (k + 1) & (s->cap - 1)) {
    if (!s->slot[k]) {
      s->slot[k] = p;
      s->hash[k] = h;
      return NULL;
    }
    if (s->hash[k] == h && eq(s->slot[k], p)) return s->slot[k];
  }
}

static bool eq_const(const void *a, const void *b) { return const_equal(a, b); }
static bool eq_node(const void *a, const void *b) { return node_equal(a, b); }

static int64_t merge(tgi_fgraph *fg) {
  int64_t n_nodes = fg->g->n_nodes, count = 0;
  tg_node **order = tgi_malloc(sizeof *order * (size_t)(n_nodes ? n_nodes : 1));
  int64_t n = order ? tgi_fgraph_toposort(fg, order) : -1;
  int64_t n_cin = 0; /* constant inputs, to size their table */
  for (int64_t k = 0; k < n; k++)
    for (int i = 0; i < order[k]->n_in; i++) n_cin += order[k]->in[i]->kind == TGV_CONSTANT;
  int64_t cap = 16, ccap = 16;
  while (cap < 2 * (n + 1)) cap *= 2;
  while (ccap < 2 * (n_cin + 1)) ccap *= 2;
  ptrset cs = {tgi_calloc((size_t)ccap, sizeof(void *)), tgi_malloc((size_t)ccap * 8), ccap};
  ptrset ns = {tgi_calloc((size_t)cap, sizeof(void *)), tgi_malloc((size_t)cap * 8), cap};
  bool ok = n >= 0 && cs.slot && cs.hash && ns.slot && ns.hash;
  if (!ok && n >= 0) tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function");
  int64_t n_const = 0;
  for (int64_t k = 0; ok && k < n; k++) {
    tg_node *nd = order[k];
    if (!tgi_fgraph_alive(fg, nd)) continue;
    /* constants first, so that the node's key sees merged inputs */
    for (int i = 0; ok && i < nd->n_in; i++) {
      tg_var *c = nd->in[i];
      if (c->kind != TGV_CONSTANT || n_const >= ccap / 2) continue;
      tg_var *same = ptrset_put(&cs, c, const_hash(c), eq_const);
      if (!same) {
        n_const++;
      } else if (same != c) {
        ok = tgi_fgraph_replace(fg, c, same, "merge");
        count++;
      }
    }
    if (!ok || (nd->op->cls->flags & TGI_OP_IMPURE)) continue;
    tg_node *same = ptrset_put(&ns, nd, node_hash(nd), eq_node);
    if (!same || same == nd) continue;
    for (int o = 0; ok && o < nd->n_out; o++)
      ok = tgi_fgraph_replace(fg, nd->out[o], same->out[o], "merge");
    count++;
  }
  tgi_free(order);
  tgi_free(cs.slot);
  tgi_free(cs.hash);
  tgi_free(ns.slot);
  tgi_free(ns.hash);
  return ok ? count : -1;
}

/* --- constant folding ------------------------------------------------------------- */

/* Folding makes the value at compile time and keeps it in the function: not for values
   larger than this many elements (an alloc of a big array stays a node). */
#define FOLD_MAX_ELEMS (1 << 20)

static bool constant_folding(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  if (nd->op->cls->flags & TGI_OP_IMPURE || !nd->op->cls->perform) return false;
  for (int i = 0; i < nd->n_in; i++)
    if (nd->in[i]->kind != TGV_CONSTANT) return false;
  for (int o = 0; o < nd->n_out; o++) {
    int64_t n = 1;
    for (int d = 0; d < nd->out[o]->type.ndim; d++) {
      int64_t s = nd->out[o]->type.shape[d];
      if (s > 0) n = n > FOLD_MAX_ELEMS / s ? FOLD_MAX_ELEMS + 1 : n * s;
    }
    if (n > FOLD_MAX_ELEMS) return false;
  }
  tg_array *in[64], *out[TGI_MAX_OUT] = {NULL};
  if (nd->n_in > 64) return false;
  for (int i = 0; i < nd->n_in; i++) in[i] = nd->in[i]->value;
  tgi_err e = {0};
  /* a failing op (a bad index in constants, say) is left for the run to report; running
     out of memory fails the compile */
  tg_status st = nd->op->cls->perform(nd->op, nd->n_in, in, nd->n_out, out, &e);
  if (st == TG_ERR_NOMEM) tgi_gfail(fg->g, st, "out of memory folding constants");
  if (st != TG_OK) return false;
  bool ok = true;
  for (int o = 0; o < nd->n_out; o++) ok = ok && out[o]->size <= FOLD_MAX_ELEMS;
  for (int o = 0; ok && o < nd->n_out; o++) {
    tg_var *c = tgi_const_new(fg->g, out[o], TGW_NONE);
    if (!c) {
      ok = false;
      break;
    }
    /* keep the node's static type (a constant's own type would be fully static) */
    c->type = nd->out[o]->type;
    repl[o] = c;
  }
  for (int o = 0; o < nd->n_out; o++) tg_array_unref(out[o]);
  return ok;
}

const tgi_rewrite tgi_rewrites_basic[] = {
    {"merge", "fast_run fast_compile merge", TGI_PH_CANONICALIZE, NULL, NULL, merge,
     "one node per distinct (op, inputs) and one constant per distinct value (CSE)"},
    {"constant_folding", "fast_run fast_compile canonicalize", TGI_PH_CANONICALIZE, NULL,
     constant_folding, NULL, "compute nodes whose inputs are all constants at compile time"},
};
const int tgi_rewrites_basic_n = (int)(sizeof tgi_rewrites_basic / sizeof tgi_rewrites_basic[0]);
