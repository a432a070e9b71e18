/* linalg_dot.c: the product ops Dot, Matmul, Tensordot, BatchedDot and Outer. Each is a
   contraction plan (which axes are batch, free or summed) made from the op's params and the
   operands' ranks; one plan serves the type rule, the shape rule and the kernel
   (tgi_contract in linalg_contract.c). op->dtype is the result dtype. */
#include <stdio.h>

#include "linalg_impl.h"

enum { K_DOT, K_MATMUL, K_TENSORDOT, K_BATCHED, K_OUTER };
static const char *const kind_name[] = {"dot", "matmul", "tensordot", "batched_dot", "outer"};

/* The axes of rank r not in used[0..n), in order. */
static int rest_axes(int r, int n, const int *used, int *out) {
  int k = 0;
  for (int d = 0; d < r; d++) {
    bool u = false;
    for (int i = 0; i < n; i++) u |= used[i] == d;
    if (!u) out[k++] = d;
  }
  return k;
}

/* The plan of op for operands of ranks ra and rb (Outer: after flattening, ranks 1). */
static void make_plan(const tg_op *op, int ra, int rb, tgi_contraction *p) {
  memset(p, 0, sizeof *p);
  switch (op->code) {
    case K_DOT: /* numpy.dot: a's last axis with b's second-to-last (its only one if 1-D) */
      p->nk = 1;
      p->ka[0] = ra - 1;
      p->kb[0] = rb >= 2 ? rb - 2 : 0;
      break;
    case K_TENSORDOT:
      p->nk = (int)op->params[0];
      for (int i = 0; i < p->nk; i++) {
        p->ka[i] = (int)op->params[1 + i];
        p->kb[i] = (int)op->params[1 + p->nk + i];
      }
      break;
    case K_MATMUL: {
      int ea = ra == 1 ? 2 : ra, eb = rb == 1 ? 2 : rb;
      p->nb = (ea > eb ? ea : eb) - 2;
      uint64_t ma = (uint64_t)op->params[0], mb = (uint64_t)op->params[1];
      for (int i = 0; i < p->nb; i++) {
        int ia = i - (p->nb - (ea - 2)), ib = i - (p->nb - (eb - 2));
        p->ba[i] = ia < 0 || ((ma >> i) & 1) ? -1 : ia;
        p->bb[i] = ib < 0 || ((mb >> i) & 1) ? -1 : ib;
      }
      p->nk = 1;
      p->ka[0] = ra - 1;
      p->kb[0] = rb == 1 ? 0 : rb - 2;
      p->nfa = ra == 1 ? 0 : 1;
      p->fa[0] = ra - 2;
      p->nfb = rb == 1 ? 0 : 1;
      p->fb[0] = rb - 1;
      return;
    }
    case K_BATCHED:
      p->nb = 1;
      p->ba[0] = p->bb[0] = 0;
      if (ra >= 2 && rb >= 2) {
        p->nk = 1;
        p->ka[0] = ra - 1;
        p->kb[0] = rb == 2 ? 1 : rb - 2;
      }
      break;
    case K_OUTER: break;
  }
  int used_a[TG_MAX_NDIM + 1], used_b[TG_MAX_NDIM + 1];
  memcpy(used_a, p->ka, sizeof(int) * (size_t)p->nk);
  memcpy(used_b, p->kb, sizeof(int) * (size_t)p->nk);
  for (int i = 0; i < p->nb; i++) used_a[p->nk + i] = p->ba[i], used_b[p->nk + i] = p->bb[i];
  p->nfa = rest_axes(ra, p->nk + p->nb, used_a, p->fa);
  p->nfb = rest_axes(rb, p->nk + p->nb, used_b, p->fb);
}

/* Static length of the flattened t (-1 if any dim is unknown, 0 if any is 0). */
static int64_t static_size(const tg_type *t) {
  int64_t n = 1;
  bool unknown = false;
  for (int d = 0; d < t->ndim; d++) {
    if (t->shape[d] == 0) return 0;
    if (t->shape[d] < 0) unknown = true;
    else n *= t->shape[d];
  }
  return unknown ? -1 : n;
}

static int dot_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *a = &in[0]->type, *b = &in[1]->type;
  const char *name = kind_name[op->code];
  char ta[200], tb[200];
  out->dtype = op->dtype;
  if (op->code == K_OUTER) {
    out->ndim = 2;
    out->shape[0] = static_size(a);
    out->shape[1] = static_size(b);
    return 1;
  }
  tgi_contraction p;
  make_plan(op, a->ndim, b->ndim, &p);
  if (p.nb + p.nfa + p.nfb > TG_MAX_NDIM) {
    tgi_gfail(g, TG_ERR_TYPE, "%s: the result of %s and %s would have rank %d (max %d)", name,
              tgi_type_str(a, ta, sizeof ta), tgi_type_str(b, tb, sizeof tb),
              p.nb + p.nfa + p.nfb, TG_MAX_NDIM);
    return -1;
  }
  for (int i = 0; i < p.nk; i++) {
    int64_t la = a->shape[p.ka[i]], lb = b->shape[p.kb[i]];
    if (la >= 0 && lb >= 0 && la != lb) {
      tgi_gfail(g, TG_ERR_SHAPE, "%s: %s and %s not aligned: dim %d of the first (%lld) != dim %d of the second (%lld)",
                name, tgi_type_str(a, ta, sizeof ta), tgi_type_str(b, tb, sizeof tb), p.ka[i],
                (long long)la, p.kb[i], (long long)lb);
      return -1;
    }
  }
  int n = 0;
  for (int i = 0; i < p.nb; i++) {
    int64_t la = p.ba[i] >= 0 ? a->shape[p.ba[i]] : -2, lb = p.bb[i] >= 0 ? b->shape[p.bb[i]] : -2;
    if (la >= 0 && lb >= 0 && la != lb) {
      tgi_gfail(g, TG_ERR_SHAPE, "%s: %s and %s do not match in batch dims: dim %d of the first (%lld) != dim %d of the second (%lld)",
                name, tgi_type_str(a, ta, sizeof ta), tgi_type_str(b, tb, sizeof tb), p.ba[i],
                (long long)la, p.bb[i], (long long)lb);
      return -1;
    }
    out->shape[n++] = la >= 0 ? la : lb >= 0 ? lb : (la == -2 && lb == -2) ? 1 : -1;
  }
  for (int i = 0; i < p.nfa; i++) out->shape[n++] = a->shape[p.fa[i]];
  for (int i = 0; i < p.nfb; i++) out->shape[n++] = b->shape[p.fb[i]];
  out->ndim = n;
  return 1;
}

/* A 1-D header over t's elements in C order: t itself when its dims collapse, else over a
   contiguous copy (*copy, to unref). hdr gets shape/strides storage from len and st. */
static bool flat_view(tg_array *t, tg_array *hdr, int64_t *len, int64_t *st, tg_array **copy) {
  *copy = NULL;
  int64_t l = 1, s = (int64_t)tg_dtype_size(t->dtype);
  bool have = false, ok = true;
  for (int d = t->ndim - 1; d >= 0 && ok; d--) {
    if (t->shape[d] == 1) continue;
    if (!have) l = t->shape[d], s = t->strides[d], have = true;
    else if (t->strides[d] == s * l) l *= t->shape[d];
    else ok = false;
  }
  if (t->size == 0) l = 0;
  if (!ok) {
    if (!(*copy = tg_array_copy(t))) return false;
    t = *copy;
    l = t->size, s = (int64_t)tg_dtype_size(t->dtype);
  }
  memset(hdr, 0, sizeof *hdr);
  hdr->dtype = t->dtype;
  hdr->ndim = 1;
  hdr->size = l;
  hdr->data = t->data;
  *len = l, *st = s;
  hdr->shape = len;
  hdr->strides = st;
  return true;
}

static tg_status dot_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = kind_name[op->code];
  tgi_contraction p;
  if (op->code != K_OUTER) {
    make_plan(op, in[0]->ndim, in[1]->ndim, &p);
    return tgi_contract(&p, in[0], in[1], op->dtype, &out[0], err, name);
  }
  tg_array ha, hb, *ca, *cb = NULL;
  int64_t la, sa, lb, sb;
  if (!flat_view(in[0], &ha, &la, &sa, &ca) || !flat_view(in[1], &hb, &lb, &sb, &cb)) {
    tg_array_unref(ca);
    return tgi_la_nomem(err, name);
  }
  make_plan(op, 1, 1, &p);
  tg_status st = tgi_contract(&p, &ha, &hb, op->dtype, &out[0], err, name);
  tg_array_unref(ca);
  tg_array_unref(cb);
  return st;
}

static void dot_describe(const tg_op *op, char *buf, size_t n) {
  static const char *const cls[] = {"Dot", "Matmul", "Tensordot", "BatchedDot", "Outer"};
  if (op->code != K_TENSORDOT) {
    snprintf(buf, n, "%s", cls[op->code]);
    return;
  }
  int na = (int)op->params[0];
  size_t k = (size_t)snprintf(buf, n, "Tensordot{axes=(");
  for (int s = 0; s < 2; s++) {
    if (k < n) k += (size_t)snprintf(buf + k, n - k, "%s(", s ? ", " : "");
    for (int i = 0; i < na && k < n; i++)
      k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "",
                            (long long)op->params[1 + s * na + i]);
    if (k < n) k += (size_t)snprintf(buf + k, n - k, na == 1 ? ",)" : ")");
  }
  if (k < n) snprintf(buf + k, n - k, ")}");
}

static bool dot_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  if (nd->op->code == K_OUTER) {
    for (int s = 0; s < 2; s++) {
      tg_var *v = tgi_dim_const(g, 1);
      for (int d = 0; d < nd->in[s]->type.ndim && v; d++) v = tg_mul(v, in_dims[s][d]);
      if (!(out_dims[0][s] = v)) return false;
    }
    return true;
  }
  tgi_contraction p;
  make_plan(nd->op, nd->in[0]->type.ndim, nd->in[1]->type.ndim, &p);
  int n = 0;
  for (int i = 0; i < p.nb; i++) {
    tg_var *v = p.ba[i] >= 0 ? in_dims[0][p.ba[i]] : p.bb[i] >= 0 ? in_dims[1][p.bb[i]] : tgi_dim_const(g, 1);
    if (!(out_dims[0][n++] = v)) return false;
  }
  for (int i = 0; i < p.nfa; i++) out_dims[0][n++] = in_dims[0][p.fa[i]];
  for (int i = 0; i < p.nfb; i++) out_dims[0][n++] = in_dims[1][p.fb[i]];
  return true;
}

#define DOT_CLASS(var, nm)                                                                  \
  static const tg_op_class var = {.name = nm, .infer = dot_infer, .perform = dot_perform,  \
                                  .describe = dot_describe, .infer_shape = dot_infer_shape,  \
                                  .grad = tgi_##var##_grad}
DOT_CLASS(dot_class, "Dot");
DOT_CLASS(matmul_class, "Matmul");
DOT_CLASS(tensordot_class, "Tensordot");
DOT_CLASS(batched_class, "BatchedDot");
DOT_CLASS(outer_class, "Outer");
static const tg_op_class *const classes[] = {&dot_class, &matmul_class, &tensordot_class,
                                             &batched_class, &outer_class};

static tg_var *build(int kind, tg_var *a, tg_var *b, int n_params, const int64_t *params) {
  tg_var *in[2] = {a, b};
  tg_dtype dt = tg_dtype_promote(a->type.dtype, b->type.dtype);
  tg_op *op = tgi_op_new(a->g, classes[kind], kind, dt, n_params, params);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* Common checks; false (error recorded) if a builder must return NULL. */
static bool check2(const char *name, tg_var *a, tg_var *b) {
  tg_var *in[2] = {a, b};
  if (!tgi_check_inputs(name, 2, in)) return false;
  return a->g->err.status == TG_OK;
}

tg_var *tg_dot(tg_var *a, tg_var *b) {
  if (!check2("dot", a, b)) return NULL;
  if (a->type.ndim == 0 || b->type.ndim == 0) return tg_mul(a, b); /* as Theano and numpy */
  return build(K_DOT, a, b, 0, NULL);
}

tg_var *tg_matmul(tg_var *a, tg_var *b) {
  if (!check2("matmul", a, b)) return NULL;
  if (a->type.ndim == 0 || b->type.ndim == 0) {
    char t[200];
    tg_var *z = a->type.ndim == 0 ? a : b;
    return tgi_gfail(a->g, TG_ERR_TYPE, "matmul: the %s operand is 0-d (%s); matmul needs rank >= 1 (use tg_mul for scalars)",
                     z == a ? "first" : "second", tgi_type_str(&z->type, t, sizeof t));
  }
  /* bit i: that operand broadcasts along batch dim i (it lacks it or has static length 1) */
  int ea = a->type.ndim == 1 ? 2 : a->type.ndim, eb = b->type.ndim == 1 ? 2 : b->type.ndim;
  int nb = (ea > eb ? ea : eb) - 2;
  uint64_t ma = 0, mb = 0;
  for (int i = 0; i < nb; i++) {
    int ia = i - (nb - (ea - 2)), ib = i - (nb - (eb - 2));
    if (ia < 0 || a->type.shape[ia] == 1) ma |= 1ull << i;
    if (ib < 0 || b->type.shape[ib] == 1) mb |= 1ull << i;
  }
  return build(K_MATMUL, a, b, 2, (int64_t[]){(int64_t)ma, (int64_t)mb});
}

tg_var *tg_outer(tg_var *a, tg_var *b) {
  if (!check2("outer", a, b)) return NULL;
  return build(K_OUTER, a, b, 0, NULL);
}

tg_var *tg_batched_dot(tg_var *a, tg_var *b) {
  if (!check2("batched_dot", a, b)) return NULL;
  if (a->type.ndim == 0 || b->type.ndim == 0) {
    char t[200];
    tg_var *z = a->type.ndim == 0 ? a : b;
    return tgi_gfail(a->g, TG_ERR_TYPE, "batched_dot: the %s operand is 0-d (%s); both need a batch dim first",
                     z == a ? "first" : "second", tgi_type_str(&z->type, t, sizeof t));
  }
  return build(K_BATCHED, a, b, 0, NULL);
}

tg_var *tg_tensordot(tg_var *a, tg_var *b, int n_axes, const int *axes_a, const int *axes_b) {
  if (!check2("tensordot", a, b)) return NULL;
  int ra = a->type.ndim, rb = b->type.ndim;
  tg_graph *g = a->g;
  if (n_axes < 0 || n_axes > ra || n_axes > rb)
    return tgi_gfail(g, TG_ERR_VALUE, "tensordot: %d axis pairs for operands of ranks %d and %d", n_axes, ra, rb);
  if (n_axes > 0 && (!axes_a) != (!axes_b))
    return tgi_gfail(g, TG_ERR_ARG, "tensordot: give both axes_a and axes_b, or neither");
  int64_t params[1 + 2 * TG_MAX_NDIM];
  params[0] = n_axes;
  for (int s = 0; s < 2; s++) {
    const int *ax = s ? axes_b : axes_a;
    int r = s ? rb : ra;
    for (int i = 0; i < n_axes; i++) {
      int x = ax ? ax[i] : s ? i : ra - n_axes + i;
      if (x < -r || x >= r)
        return tgi_gfail(g, TG_ERR_VALUE, "tensordot: axis %d of the %s operand is out of range for rank %d",
                         x, s ? "second" : "first", r);
      if (x < 0) x += r;
      for (int j = 0; j < i; j++)
        if (params[1 + s * n_axes + j] == x)
          return tgi_gfail(g, TG_ERR_VALUE, "tensordot: axis %d of the %s operand is repeated", x,
                           s ? "second" : "first");
      params[1 + s * n_axes + i] = x;
    }
  }
  return build(K_TENSORDOT, a, b, 1 + 2 * n_axes, params);
}

const tgi_op_info tgi_catalogue_linalg[] = {
    {"dot", "linalg", 2, "all", "yes", "", "Theano's dot: vector/matrix products (numpy.dot beyond rank 2); BLAS for floats"},
    {"matmul", "linalg", 2, "all", "yes", "", "numpy.matmul: stacked matrix products, batch dims broadcast"},
    {"outer", "linalg", 2, "all", "yes", "", "outer product of the flattened operands"},
    {"tensordot", "linalg", 2, "all", "yes", "", "numpy.tensordot: sum over paired axes"},
    {"batched_dot", "linalg", 2, "all", "yes", "", "Theano's batched_dot: dot(a[i], b[i]) along the first dim"},
    {"inv", "linalg", 1, "float (int -> float64)", "yes", "", "matrix inverse (LAPACK getrf/getri); singular is an error"},
    {"det", "linalg", 1, "float (int -> float64)", "yes", "", "determinant through LU (LAPACK getrf)"},
    {"slogdet", "linalg", 1, "float (int -> float64)", "yes", "", "sign and log|det| (two outputs)"},
    {"solve", "linalg", 2, "float (int -> float64)", "yes", "", "solution of a x = b (LAPACK gesv); singular is an error"},
    {"cholesky", "linalg", 1, "float (int -> float64)", "yes", "", "Cholesky factor, lower or upper (LAPACK potrf)"},
    {"eigh", "linalg", 1, "float (int -> float64)", "yes", "", "eigenvalues and eigenvectors of symmetric matrices (LAPACK syevd)"},
    {"svd", "linalg", 1, "float (int -> float64)", "yes", "", "singular value decomposition (LAPACK gesdd)"},
    {"qr", "linalg", 1, "float (int -> float64)", "yes", "", "QR factorisation (LAPACK geqrf/orgqr); gradient for M >= N"},
    {"pinv", "linalg", 1, "float (int -> float64)", "yes", "", "Moore-Penrose pseudo-inverse through the SVD"},
    {"norm", "linalg", 1, "all -> float", "yes", "", "vector and matrix norms (numpy.linalg.norm orders, fro, nuc)"},
};
const int tgi_catalogue_linalg_n = (int)(sizeof tgi_catalogue_linalg / sizeof tgi_catalogue_linalg[0]);
