/* stabilize_grad.c: the gradient of a stably written softplus, back to sigmoid.
   sigmoid_binary_crossentropy (and users after Theano's tutorials) write softplus(l) as
   max(l, 0) + log1p(exp(-|l|)), which never overflows. Its gradient, built by tg_grad
   from the rules of maximum, abs, exp and log1p, is
     g * [max(l, 0) == l]  -  g * sign(l) * exp(-|l|) / (1 + exp(-|l|))
   (a mask, a sign, an exp and two divisions per element), which is g * sigmoid(l) for
   every l != 0. PyTensor gets sigmoid from softplus's own gradient; here the sum is
   recognised after the fact:

     local_softplus_grad_sigmoid: in a sum of terms (a chain of add/sub/neg), the two
       terms above, with the same other factors g (products and quotients, in any order)
       -> g * sigmoid(l); the form with sigmoid(-|l|) for exp(-|l|) / (1 + exp(-|l|))
       (the gradient of softplus(-|l|)) too. Other terms of the same sum that are g times
       one more factor e join it: g * (sigmoid(l) + e), so the cross-entropy's gradient
       is g * (sigmoid(l) - y), one product by g (often a fill, that local_elemwise_alloc
       then removes) instead of three.

   Values: for l != 0 the result equals the original up to rounding, and stays finite
   where the original is (sigmoid is computed stably: l = +-800 in float64, +-100 in
   float32 give g and 0 as before). At l == 0 exactly the original gives g (maximum's
   and abs's subgradients at their kinks, 1 and 0, do not cancel) where the function is
   smooth with derivative g / 2; the rewrite gives g / 2, the true derivative (the
   gradient at an all-zero initialisation is then the right one). NaN stays NaN. */
#include <math.h>

#include "../ops/elemwise.h"
#include "canon.h"

#define MAXT 16 /* most terms of one sum */
#define MAXF 12 /* most factors on each side of one term */

typedef struct {
  tg_var *v; /* the term as it is in the graph */
  int csign; /* +1 or -1: the sign of v in the sum */
  int sign;  /* +1 or -1: v is sign * |num[0] * ...| / |den[0] * ...|, with a negative
                constant factor counted by its magnitude (const_sign) */
  int nn, nd;
  tg_var *num[MAXF], *den[MAXF];
  bool used;
} term;

static int code_of(const tg_var *v) {
  return v->kind == TGV_RESULT ? tgi_rw_elemwise_code(v->owner) : -1;
}

/* A leaf of a sum or product may be regrouped with the others: it has the sum's dtype
   (or is a weak constant, which takes it), so no integer arithmetic or other rounding
   appears by regrouping. */
static bool leaf_ok(const tg_var *v, tg_dtype dt) {
  return v->type.dtype == dt || (v->kind == TGV_CONSTANT && v->weak);
}

/* The terms of the sum computed by root (an add or sub of dtype dt), into t; false when
   a term has another dtype or there are too many. */
static bool flatten_sum(tg_var *root, tg_dtype dt, term *t, int *n) {
  tg_var *stack[2 * MAXT];
  int sg[2 * MAXT], sp = 0;
  stack[sp] = root, sg[sp++] = 1;
  *n = 0;
  while (sp) {
    tg_var *v = stack[--sp];
    int s = sg[sp], c = code_of(v);
    if (v->type.dtype == dt && (c == TGS_add || c == TGS_sub || c == TGS_neg)) {
      if (sp + 2 > 2 * MAXT) return false;
      if (c == TGS_neg) {
        stack[sp] = v->owner->in[0], sg[sp++] = -s;
      } else {
        stack[sp] = v->owner->in[0], sg[sp++] = s;
        stack[sp] = v->owner->in[1], sg[sp++] = c == TGS_sub ? -s : s;
      }
      continue;
    }
    if (*n == MAXT || !leaf_ok(v, dt)) return false;
    t[*n] = (term){.v = v, .csign = s, .sign = s};
    (*n)++;
  }
  return *n > 1;
}

/* -1 for a constant whose elements all equal one negative value, else 1: factors are
   compared by magnitude (a negated constant, -0.5 for 0.5, is the same factor with the
   term's sign flipped; constant folding makes such pairs of -(c * x) and c * x). */
static int const_sign(const tg_var *v) {
  double c;
  return v->kind == TGV_CONSTANT && tgi_rw_const_value(v, &c) && c < 0 ? -1 : 1;
}

/* True when v has at most rank r and every dim statically 1: as a factor of a product
   of rank r it changes no shape. */
static bool unit_shape(const tg_var *v, int r) {
  if (v->type.ndim > r) return false;
  for (int d = 0; d < v->type.ndim; d++)
    if (v->type.shape[d] != 1) return false;
  return true;
}

/* The value of v when v is alloc(value, dims) with value's dims all statically 1 and
   each of the alloc's dims statically 1 or proved equal to the matching dim of w (a
   variable the rewritten sum keeps: dropping the alloc then loses no shape check);
   NULL otherwise. */
static tg_var *alloc_through(tgi_fgraph *fg, const tg_var *v, tg_var *w) {
  if (!w || v->kind != TGV_RESULT || strcmp(v->owner->op->cls->name, "Alloc") != 0) return NULL;
  tg_node *a = v->owner;
  tg_var *val = a->in[0];
  int r = v->type.ndim;
  for (int d = 0; d < val->type.ndim; d++)
    if (val->type.shape[d] != 1) return NULL;
  if (w->type.ndim != r) return NULL;
  for (int k = 0; k < r; k++)
    if (v->type.shape[k] != 1 && !tgi_canon_dim_is(fg, w, k, a->in[1 + k])) return NULL;
  return val;
}

/* Split t->v into signed factors through mul, true_div and neg of dtype dt (and allocs
   of small values, see alloc_through, when w is given); a term that does not split (a
   factor of another dtype, too many) is its own single factor. */
static void split_product(term *t, tg_dtype dt, tgi_fgraph *fg, tg_var *w) {
  tg_var *stack[2 * MAXF];
  bool below[2 * MAXF]; /* in a denominator */
  int sp = 0, sign = 1;
  t->nn = t->nd = 0;
  stack[sp] = t->v, below[sp++] = false;
  while (sp) {
    tg_var *v = stack[--sp];
    bool dn = below[sp];
    int c = code_of(v);
    if (v->type.dtype == dt && (c == TGS_mul || c == TGS_true_div || c == TGS_neg) &&
        sp + 2 <= 2 * MAXF) {
      if (c == TGS_neg) {
        sign = -sign;
        stack[sp] = v->owner->in[0], below[sp++] = dn;
      } else {
        stack[sp] = v->owner->in[0], below[sp++] = dn;
        stack[sp] = v->owner->in[1], below[sp++] = c == TGS_true_div ? !dn : dn;
      }
      continue;
    }
    tg_var *val = v->type.dtype == dt ? alloc_through(fg, v, w) : NULL;
    if (val && sp < 2 * MAXF) {
      stack[sp] = val, below[sp++] = dn;
      continue;
    }
    double cv;
    if (v->kind == TGV_CONSTANT && tgi_rw_const_value(v, &cv) && fabs(cv) == 1 &&
        unit_shape(v, t->v->type.ndim) && leaf_ok(v, dt)) { /* +-1: only a sign */
      sign *= cv < 0 ? -1 : 1;
      continue;
    }
    int *k = dn ? &t->nd : &t->nn;
    if (*k == MAXF || !leaf_ok(v, dt)) goto opaque;
    (dn ? t->den : t->num)[(*k)++] = v;
    sign *= const_sign(v);
  }
  t->sign = t->csign * sign;
  return;
opaque:
  t->sign = t->csign * const_sign(t->v);
  t->nn = 1, t->nd = 0;
  t->num[0] = t->v;
}

/* True when v is a constant 1 of at most rank r with every dim statically 1: a factor
   that changes neither the value nor the shape of a product of rank r. */
static bool unit_factor(const tg_var *v, int r) { return tgi_rw_is_const(v, 1) && unit_shape(v, r); }

/* True when factors a and b have the same magnitude: the same variable, or constants of
   one dtype, weakness and static type whose elements all equal +-one value. */
static bool same_factor(const tg_var *a, const tg_var *b) {
  if (a == b) return true;
  double x, y;
  if (a->kind != TGV_CONSTANT || b->kind != TGV_CONSTANT || a->type.dtype != b->type.dtype ||
      a->weak != b->weak || a->type.ndim != b->type.ndim || !tgi_rw_const_value(a, &x) ||
      !tgi_rw_const_value(b, &y) || fabs(x) != fabs(y))
    return false;
  for (int d = 0; d < a->type.ndim; d++)
    if (a->type.shape[d] != b->type.shape[d]) return false;
  return true;
}

/* True when a[0..na) without the indices skip_a[0..n_skip) and b[0..nb) hold the same
   factors (same_factor), counted with multiplicity. */
static bool same_multiset(tg_var *const *a, int na, const int *skip_a, int n_skip,
                          tg_var *const *b, int nb) {
  bool taken[MAXF] = {false};
  int nx = 0;
  for (int i = 0; i < na; i++) {
    bool skip = false;
    for (int s = 0; s < n_skip; s++) skip = skip || skip_a[s] == i;
    if (skip) continue;
    nx++;
    int j = 0;
    while (j < nb && (taken[j] || !same_factor(a[i], b[j]))) j++;
    if (j == nb) return false;
    taken[j] = true;
  }
  return nx == nb;
}

/* l when f is cast(eq(maximum(l, 0), l)) (either order of eq's and maximum's operands):
   maximum's gradient mask. */
static tg_var *max0_mask(const tg_var *f) {
  if (code_of(f) != TGS_cast || code_of(f->owner->in[0]) != TGS_eq) return NULL;
  tg_node *eq = f->owner->in[0]->owner;
  for (int s = 0; s < 2; s++) {
    tg_var *m = eq->in[s], *l = eq->in[1 - s];
    if (code_of(m) != TGS_maximum) continue;
    tg_node *mx = m->owner;
    if ((mx->in[0] == l && tgi_rw_is_const(mx->in[1], 0)) ||
        (mx->in[1] == l && tgi_rw_is_const(mx->in[0], 0)))
      return l;
  }
  return NULL;
}

/* True when t is -|l|. */
static bool is_neg_abs(const tg_var *t, const tg_var *l) {
  return code_of(t) == TGS_neg && code_of(t->owner->in[0]) == TGS_abs &&
         t->owner->in[0]->owner->in[0] == l;
}

/* True when d is 1 + e or e + 1. */
static bool is_one_plus(const tg_var *d, const tg_var *e) {
  if (code_of(d) != TGS_add) return false;
  tg_node *a = d->owner;
  return (a->in[0] == e && tgi_rw_is_const(a->in[1], 1)) ||
         (a->in[1] == e && tgi_rw_is_const(a->in[0], 1));
}

/* In term k, the factors sign(l) * sigmoid(-|l|) in one of the forms the gradient of
   log1p(exp(-|l|)) takes: exp(-|l|) / (1 + exp(-|l|)) as built, exp(-|l|) * sigmoid(|l|)
   (after local_sigmoid_form made 1 / (1 + exp(-|l|)) a sigmoid), or sigmoid(-|l|) (the
   gradient of softplus(-|l|)). Their indices go to skip_num (*n_num of them) and
   skip_den (*n_den); false when k has no such factors. */
static bool softplus_tail(const term *k, const tg_var *l, int *skip_num, int *n_num,
                          int *skip_den, int *n_den) {
  int is = -1;
  for (int i = 0; i < k->nn && is < 0; i++)
    if (code_of(k->num[i]) == TGS_sign && k->num[i]->owner->in[0] == l) is = i;
  if (is < 0) return false;
  skip_num[0] = is, *n_den = 0;
  for (int i = 0; i < k->nn; i++) {
    tg_var *f = k->num[i];
    int c = code_of(f);
    if (i == is || (c != TGS_sigmoid && c != TGS_exp) || !is_neg_abs(f->owner->in[0], l))
      continue;
    skip_num[1] = i;
    if (c == TGS_sigmoid) {
      *n_num = 2;
      return true;
    }
    const tg_var *ab = f->owner->in[0]->owner->in[0]; /* |l| */
    for (int j = 0; j < k->nn; j++)
      if (j != is && j != i && code_of(k->num[j]) == TGS_sigmoid &&
          k->num[j]->owner->in[0] == ab) {
        skip_num[2] = j, *n_num = 3;
        return true;
      }
    for (int j = 0; j < k->nd; j++)
      if (is_one_plus(k->den[j], f)) {
        skip_den[0] = j, *n_num = 2, *n_den = 1;
        return true;
      }
  }
  return false;
}

/* The common factors: a term's num and den without some indices. */
typedef struct {
  int nn, nd;
  tg_var *num[MAXF], *den[MAXF];
} factors;

static void take(factors *r, const term *t, int skip_num, int skip_den) {
  r->nn = r->nd = 0;
  for (int i = 0; i < t->nn; i++)
    if (i != skip_num) r->num[r->nn++] = t->num[i];
  for (int i = 0; i < t->nd; i++)
    if (i != skip_den) r->den[r->nd++] = t->den[i];
}

/* Find the two gradient terms in t: the mask term's index in *i1 with l and the common
   factors r; the other in *i2. */
static bool find_pair(term *t, int n, tg_var **lp, factors *r, int *i1, int *i2) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < t[i].nn; j++) {
      tg_var *l = max0_mask(t[i].num[j]);
      if (!l) continue;
      for (int k = 0; k < n; k++) {
        int sn[3], sd[1], nsn, nsd;
        if (k == i || t[k].sign != -t[i].sign ||
            !softplus_tail(&t[k], l, sn, &nsn, sd, &nsd))
          continue;
        take(r, &t[i], j, -1);
        if (!same_multiset(t[k].num, t[k].nn, sn, nsn, r->num, r->nn) ||
            !same_multiset(t[k].den, t[k].nd, sd, nsd, r->den, r->nd))
          continue;
        *lp = l, *i1 = i, *i2 = k;
        return true;
      }
    }
  return false;
}

/* The product of fs (at least one) starting from acc (NULL: none), strong operands
   first so that weak constants take the dtype; with acc, ones that cannot change it
   are left out. */
static tg_var *product(tg_var *acc, tg_var *const *fs, int n) {
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
      bool weak = fs[i]->kind == TGV_CONSTANT && fs[i]->weak;
      if (weak != (pass == 1) || (acc && unit_factor(fs[i], acc->type.ndim))) continue;
      acc = acc ? tg_mul(acc, fs[i]) : fs[i];
    }
  return acc;
}

static bool local_softplus_grad_sigmoid(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  int code = tgi_rw_elemwise_code(nd);
  tg_var *out = nd->out[0];
  tg_dtype dt = out->type.dtype;
  if ((code != TGS_add && code != TGS_sub) || !tg_dtype_is_float(dt)) return false;
  term t[MAXT];
  int n;
  if (!flatten_sum(out, dt, t, &n)) return false;
  for (int i = 0; i < n; i++) split_product(&t[i], dt, fg, NULL);
  factors r;
  tg_var *sig = NULL, *l = NULL;
  int i1 = 0, i2 = 0, sign = 1;
  bool pair = find_pair(t, n, &l, &r, &i1, &i2);
  if (pair) {
    t[i1].used = t[i2].used = true;
    sign = t[i1].sign;
  } else { /* a term g * sigmoid(x) that was made before the rest of the sum joined */
    for (int i = 0; i < n && !sig; i++)
      for (int j = 0; j < t[i].nn && !sig; j++)
        if (code_of(t[i].num[j]) == TGS_sigmoid && t[i].nn + t[i].nd > 1) {
          sig = t[i].num[j];
          take(&r, &t[i], j, -1);
          t[i].used = true;
          sign = t[i].sign;
        }
    if (!sig) return false;
  }
  /* the terms g * e with the same g, looking through fills of g that the sum's
     anchor (l, or the sigmoid's argument) shapes */
  tg_var *w = pair ? l : sig->owner->in[0];
  for (int k = 0; k < n; k++)
    if (!t[k].used) split_product(&t[k], dt, fg, w);
  tg_var *extra[MAXT];
  int esign[MAXT], ne = 0;
  for (int k = 0; k < n; k++) {
    if (t[k].used || t[k].nn != r.nn + 1 ||
        !same_multiset(t[k].den, t[k].nd, NULL, 0, r.den, r.nd))
      continue;
    for (int e = 0; e < t[k].nn; e++)
      if (same_multiset(t[k].num, t[k].nn, &e, 1, r.num, r.nn)) {
        extra[ne] = t[k].num[e], esign[ne++] = t[k].sign * sign * const_sign(t[k].num[e]);
        t[k].used = true;
        break;
      }
  }
  if (!pair && ne == 0) return false;
  tg_var *inner = pair ? tg_sigmoid(l) : sig;
  for (int e = 0; e < ne; e++) inner = esign[e] > 0 ? tg_add(inner, extra[e]) : tg_sub(inner, extra[e]);
  tg_var *res = product(inner, r.num, r.nn);
  if (r.nd) res = tg_true_div(res, product(NULL, r.den, r.nd));
  /* the factors of r as they are carry their constants' signs */
  for (int i = 0; i < r.nn; i++) sign *= const_sign(r.num[i]);
  for (int i = 0; i < r.nd; i++) sign *= const_sign(r.den[i]);
  if (sign < 0) res = tg_neg(res);
  for (int k = 0; k < n; k++)
    if (!t[k].used) res = t[k].csign > 0 ? tg_add(res, t[k].v) : tg_sub(res, t[k].v);
  if (!tgi_canon_ok(res, out) || res == out) return false;
  repl[0] = res;
  return true;
}

const tgi_rewrite tgi_rewrites_stabilize_grad[] = {
    {"local_softplus_grad_sigmoid", "fast_run stabilize", TGI_PH_STABILIZE, "Elemwise",
     local_softplus_grad_sigmoid, NULL,
     "g*[max(l,0)==l] - g*sign(l)*exp(-|l|)/(1+exp(-|l|)) (grad of max(l,0)+log1p(exp(-|l|))) "
     "-> g*sigmoid(l) (g/2 at l=0, the true derivative); g*e terms of the sum join: "
     "g*(sigmoid(l)+e)"},
};
const int tgi_rewrites_stabilize_grad_n =
    (int)(sizeof tgi_rewrites_stabilize_grad / sizeof tgi_rewrites_stabilize_grad[0]);
