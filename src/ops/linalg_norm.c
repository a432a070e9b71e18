/* linalg_norm.c: the Norm op, numpy.linalg.norm's vector norms (any numeric ord over one
   axis), matrix norms (1, -1, inf, -inf, 2, -2 over two axes), Frobenius (any axes) and
   nuclear norms. Sums run in float64 whatever the input; the 2 / -2 / nuclear matrix norms
   take singular values from LAPACK (tgi_la_svals). */
#include <math.h>
#include <stdio.h>

#include "linalg_impl.h"

enum { NK_VEC = TGI_NORM_VEC, NK_MAT = TGI_NORM_MAT, NK_FRO = TGI_NORM_FRO, NK_NUC = TGI_NORM_NUC };
/* params: [0] kind, [1] ord (double bits), [2] keepdims, [3] n axes, [4..] the axes */

static double ord_of(const tg_op *op) {
  double d;
  memcpy(&d, &op->params[1], sizeof d);
  return d;
}

static bool is_reduced(const tg_op *op, int d) {
  for (int i = 0; i < op->params[3]; i++)
    if (op->params[4 + i] == d) return true;
  return false;
}

static int norm_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *x = &in[0]->type;
  bool keep = op->params[2] != 0;
  out->dtype = op->dtype;
  out->ndim = 0;
  for (int d = 0; d < x->ndim; d++) {
    if (!is_reduced(op, d)) out->shape[out->ndim++] = x->shape[d];
    else if (keep) out->shape[out->ndim++] = 1;
  }
  return 1;
}

static bool norm_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  bool keep = nd->op->params[2] != 0;
  int k = 0;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) {
    if (!is_reduced(nd->op, d)) out_dims[0][k++] = in_dims[0][d];
    else if (keep && !(out_dims[0][k++] = tgi_dim_const(g, 1))) return false;
  }
  return true;
}

static void norm_describe(const tg_op *op, char *buf, size_t n) {
  size_t k;
  switch (op->params[0]) {
    case NK_FRO: k = (size_t)snprintf(buf, n, "Norm{ord='fro', axes=("); break;
    case NK_NUC: k = (size_t)snprintf(buf, n, "Norm{ord='nuc', axes=("); break;
    default: k = (size_t)snprintf(buf, n, "Norm{ord=%g, axes=(", ord_of(op)); break;
  }
  for (int i = 0; i < op->params[3] && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)op->params[4 + i]);
  if (k < n) snprintf(buf + k, n - k, "%s), keepdims=%s}", op->params[3] == 1 ? "," : "",
                      op->params[2] ? "True" : "False");
}

/* max (or min) of v[0..n) with NaN winning, as numpy's reductions */
static double extreme(const double *v, int64_t n, bool max) {
  double m = v[0];
  for (int64_t i = 1; i < n; i++)
    if (isnan(v[i]) || (max ? v[i] > m : v[i] < m)) m = isnan(m) ? m : v[i];
  return m;
}

static tg_status empty_extreme(tgi_err *err, double ord, bool max) {
  return tgi_err_set(err, TG_ERR_VALUE,
                     "norm: ord=%g takes the %s over a zero-size axis, which has none (as numpy)",
                     ord, max ? "maximum" : "minimum");
}

static tg_status norm_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const tg_array *x = in[0];
  int kind = (int)op->params[0], na = (int)op->params[3];
  double ord = ord_of(op);
  bool keep = op->params[2] != 0;
  int64_t oshape[TG_MAX_NDIM], kshape[TG_MAX_NDIM], kstr[TG_MAX_NDIM], ostr[TG_MAX_NDIM];
  int64_t rshape[TG_MAX_NDIM], rstr[TG_MAX_NDIM];
  int ond = 0, nk = 0;
  for (int d = 0; d < x->ndim; d++) {
    if (!is_reduced(op, d)) {
      oshape[ond++] = x->shape[d];
      kshape[nk] = x->shape[d], kstr[nk++] = x->strides[d];
    } else if (keep) oshape[ond++] = 1;
  }
  for (int i = 0; i < na; i++) {
    rshape[i] = x->shape[op->params[4 + i]];
    rstr[i] = x->strides[op->params[4 + i]];
  }
  tg_array *o = out[0];
  if (tgi_la_output(&o, op->dtype, ond, oshape, err, "norm") != TG_OK) return err->status;
  for (int d = 0, k = 0; d < o->ndim; d++) /* the output's strides along the kept dims */
    if (!(keep && is_reduced(op, d))) ostr[k++] = o->strides[d];
  tg_status st = TG_OK;
  int64_t rows = na == 2 ? rshape[0] : 0, cols = na == 2 ? rshape[1] : 0;
  int64_t mn = rows > cols ? rows : cols, kmin = rows < cols ? rows : cols;
  if (na == 2 && (rows > INT32_MAX || cols > INT32_MAX))
    return tgi_err_set(err, TG_ERR_VALUE, "norm: the matrices are too large for LAPACK");
  /* scratch: matrix norms keep the slice (rows x cols) and row or column sums (mn) */
  double *w = NULL;
  if ((kind == NK_MAT || kind == NK_NUC) && o->size &&
      !(w = tgi_malloc(sizeof(double) * (size_t)(rows * cols + mn + 1)))) {
    st = tgi_la_nomem(err, "norm");
    goto done;
  }
  int64_t idx[TG_MAX_NDIM] = {0};
  bool empty = o->size == 0;
  while (!empty) {
    int64_t xo = 0, oo = 0;
    for (int i = 0; i < nk; i++) xo += idx[i] * kstr[i], oo += idx[i] * ostr[i];
    const char *base = x->data + xo;
    double r = 0;
    if (kind == NK_VEC) {
      int64_t len = rshape[0], s = rstr[0];
      if (isinf(ord) && len == 0) {
        st = empty_extreme(err, ord, ord > 0);
        goto done;
      }
      if (isinf(ord)) r = fabs(tgi_load_f64(base, x->dtype));
      for (int64_t i = 0; i < len; i++) {
        double v = fabs(tgi_load_f64(base + i * s, x->dtype));
        if (isinf(ord)) {
          if (isnan(v) || (ord > 0 ? v > r : v < r)) r = isnan(r) ? r : v;
        } else if (ord == 0) r += v != 0;
        else if (ord == 1) r += v;
        else if (ord == 2) r += v * v;
        else r += pow(v, ord);
      }
      if (ord == 2) r = sqrt(r);
      else if (!isinf(ord) && ord != 0 && ord != 1) r = pow(r, 1 / ord);
    } else if (kind == NK_FRO) {
      int64_t ridx[TG_MAX_NDIM] = {0};
      bool any = true;
      for (int i = 0; i < na; i++) any &= rshape[i] > 0;
      while (any) {
        int64_t off = 0;
        for (int i = 0; i < na; i++) off += ridx[i] * rstr[i];
        double v = tgi_load_f64(base + off, x->dtype);
        r += v * v;
        if (!tgi_next_index(na, rshape, ridx)) break;
      }
      r = sqrt(r);
    } else {
      for (int64_t j = 0; j < cols; j++)
        for (int64_t i = 0; i < rows; i++)
          w[i + j * rows] = tgi_load_f64(base + i * rstr[0] + j * rstr[1], x->dtype);
      double *sums = w + rows * cols;
      if (kind == NK_NUC || fabs(ord) == 2) {
        if (kind == NK_MAT && kmin == 0) {
          st = empty_extreme(err, ord, ord > 0);
          goto done;
        }
        if ((st = tgi_la_svals(w, rows, cols, sums, err, "norm")) != TG_OK) goto done;
        if (kind == NK_NUC)
          for (int64_t i = 0; i < kmin; i++) r += sums[i];
        else r = ord > 0 ? sums[0] : sums[kmin - 1];
      } else { /* 1: column sums, inf: row sums; then their max or min */
        bool by_col = fabs(ord) == 1;
        int64_t nsum = by_col ? cols : rows;
        if (nsum == 0) {
          st = empty_extreme(err, ord, ord > 0);
          goto done;
        }
        for (int64_t t = 0; t < nsum; t++) {
          double acc = 0;
          for (int64_t u = 0; u < (by_col ? rows : cols); u++)
            acc += fabs(by_col ? w[u + t * rows] : w[t + u * rows]);
          sums[t] = acc;
        }
        r = extreme(sums, nsum, ord > 0);
      }
    }
    tgi_store_f64(o->data + oo, o->dtype, r);
    if (!tgi_next_index(nk, kshape, idx)) break;
  }
done:
  tgi_free(w);
  if (st != TG_OK) {
    if (o != out[0]) tg_array_unref(o);
    return st;
  }
  out[0] = o;
  return TG_OK;
}

static const tg_op_class norm_class = {.name = "Norm",
                                       .infer = norm_infer,
                                       .perform = norm_perform,
                                       .describe = norm_describe,
                                       .infer_shape = norm_infer_shape,
                                       .grad = tgi_norm_grad};

/* Validate axes (n of them, NULL with n 0: every axis) and build the node. */
static tg_var *build(tg_var *x, int kind, double ord, int n, const int *axes, bool keep) {
  if (!tgi_check_inputs("norm", 1, &x) || x->g->err.status != TG_OK) return NULL;
  tg_graph *g = x->g;
  int r = x->type.ndim;
  if (n < 0 || n > r || (n > 0 && !axes))
    return tgi_gfail(g, TG_ERR_ARG, "norm: bad axes (%d of them%s) for a rank-%d input", n,
                     n > 0 && !axes ? ", axes NULL" : "", r);
  int64_t params[4 + TG_MAX_NDIM];
  int na = n ? n : r;
  for (int i = 0; i < na; i++) {
    int a = n ? axes[i] : i;
    if (a < -r || a >= r)
      return tgi_gfail(g, TG_ERR_VALUE, "norm: axis %d is out of range for a rank-%d input", a, r);
    if (a < 0) a += r;
    for (int j = 0; j < i; j++)
      if (params[4 + j] == a) return tgi_gfail(g, TG_ERR_VALUE, "norm: axis %d is repeated", a);
    params[4 + i] = a;
  }
  if (kind != NK_FRO && na != 1 && na != 2)
    return tgi_gfail(g, TG_ERR_VALUE, "norm: %s over %d axes; give 1 axis (vector norm) or 2 (matrix norm)%s",
                     kind == NK_NUC ? "'nuc'" : "an ord", na, n ? "" : " explicitly for this rank");
  if (kind == NK_NUC && na != 2)
    return tgi_gfail(g, TG_ERR_VALUE, "norm: 'nuc' is a matrix norm and needs 2 axes, got %d", na);
  if (kind != NK_FRO && kind != NK_NUC) kind = na == 1 ? NK_VEC : NK_MAT;
  if (isnan(ord)) return tgi_gfail(g, TG_ERR_VALUE, "norm: ord is NaN");
  if (kind == NK_MAT && !(fabs(ord) == 1 || fabs(ord) == 2 || isinf(ord)))
    return tgi_gfail(g, TG_ERR_VALUE, "norm: invalid order %g for matrices (use 1, -1, 2, -2, INFINITY, -INFINITY, or tg_norm_fro / tg_norm_nuc)", ord);
  if (kind == NK_FRO || kind == NK_NUC) ord = 0;
  params[0] = kind;
  memcpy(&params[1], &ord, sizeof ord);
  params[2] = keep;
  params[3] = na;
  tg_op *op = tgi_op_new(g, &norm_class, 0, tgi_la_dtype(x->type.dtype), 4 + na, params);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_norm(tg_var *x, double ord, int n_axes, const int *axes, bool keepdims) {
  return build(x, NK_VEC, ord, n_axes, axes, keepdims);
}

tg_var *tg_norm_fro(tg_var *x, int n_axes, const int *axes, bool keepdims) {
  return build(x, NK_FRO, 0, n_axes, axes, keepdims);
}

tg_var *tg_norm_nuc(tg_var *x, int n_axes, const int *axes, bool keepdims) {
  return build(x, NK_NUC, 0, n_axes, axes, keepdims);
}
