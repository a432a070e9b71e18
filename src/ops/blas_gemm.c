/* blas_gemm.c: the Gemm and Gemv ops, alpha * dot(a, b) + beta * c in one node, which the
   specialising rewrite (src/rewrite/specialize_gemm.c) makes from dot + add + scale, as
   Theano's gemm/gemv. One kernel serves both: the product goes through tgi_gemm (CBLAS or
   the built-in kernel), written straight into the output, then one pass scales it and
   adds beta * c, broadcast. That pass costs O(M N) against the product's O(M N K).
   In place: the VM may hand c itself (or any buffer overlapping an input) as out[0]. When
   out[0] is exactly c, BLAS is there and the layouts allow, one ?gemm/?gemv call with beta
   updates it (no temporary, no extra pass); any other overlap computes into a temporary
   first, so an aliased output is always right. Also the catalogue rows of the fused ops. */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "blas.h"
#include "blas_gemm.h"

#ifdef TGRAPH_HAVE_BLAS
#include <cblas.h>

#include "../backend/cpu/pool.h" /* BLAS threads sized to the pool, as in blas.c */
#endif

/* op->params: alpha and beta (the bits of doubles), then the mask of c's dims (bit d for
   c's dim d) that are statically 1, the only ones that broadcast (as in Elemwise).
   op->dtype: the float dtype of every operand and of the result. Inputs: c, a, b. */
enum { P_ALPHA, P_BETA, P_CMASK, P_N };

static double param_f64(const tg_op *op, int i) {
  double v;
  memcpy(&v, &op->params[i], sizeof v);
  return v;
}

static int gemm_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const tg_type *c = &in[0]->type, *a = &in[1]->type, *b = &in[2]->type;
  char b1[160], b2[160], b3[160];
  const char *name = op->cls->name;
  bool ok = a->dtype == op->dtype && b->dtype == op->dtype && c->dtype == op->dtype &&
            (a->ndim == 1 || a->ndim == 2) && (b->ndim == 1 || b->ndim == 2) &&
            a->ndim + b->ndim >= 3;
  int64_t ka = ok ? a->shape[a->ndim - 1] : -1, kb = ok ? b->shape[0] : -1;
  if (ok && ka >= 0 && kb >= 0 && ka != kb) ok = false;
  if (ok) {
    out->dtype = op->dtype;
    out->ndim = 0;
    if (a->ndim == 2) out->shape[out->ndim++] = a->shape[0];
    if (b->ndim == 2) out->shape[out->ndim++] = b->shape[1];
    ok = c->ndim <= out->ndim;
    for (int d = 0; ok && d < c->ndim; d++) {
      int64_t cl = c->shape[d], ol = out->shape[out->ndim - c->ndim + d];
      ok = cl == 1 || cl < 0 || ol < 0 || cl == ol;
      if (cl >= 0 && cl != 1 && ol < 0) out->shape[out->ndim - c->ndim + d] = cl;
    }
  }
  if (!ok) {
    tgi_gfail(g, TG_ERR_TYPE, "%s: needs a and b (matrices or one vector, dims aligned) and c "
              "broadcastable to dot(a, b), all %s; got c %s, a %s, b %s", name,
              tg_dtype_name(op->dtype), tgi_type_str(c, b1, sizeof b1),
              tgi_type_str(a, b2, sizeof b2), tgi_type_str(b, b3, sizeof b3));
    return -1;
  }
  return 1;
}

/* o[i, j] = alpha * o[i, j] + beta * c[i, j] over an r x q block (byte strides; c's are 0
   along broadcast dims). */
#define SCALE_ADD(T, SFX)                                                                   \
  static void scale_add_##SFX(char *o, int64_t os0, int64_t os1, const char *c, int64_t cs0, \
                              int64_t cs1, int64_t r, int64_t q, double alpha, double beta) { \
    for (int64_t i = 0; i < r; i++) {                                                       \
      T *po = (T *)(o + i * os0);                                                           \
      const char *pc = c + i * cs0;                                                         \
      int64_t so = os1 / (int64_t)sizeof(T);                                                \
      if (so == 1 && cs1 == (int64_t)sizeof(T)) { /* contiguous rows: vectorises */       \
        const T *restrict pv = (const T *)pc;                                               \
        T *restrict ov = po;                                                                \
        for (int64_t j = 0; j < q; j++) ov[j] = (T)(alpha * ov[j] + beta * pv[j]);          \
      } else if (alpha == 1 && beta == 1)                                                   \
        for (int64_t j = 0; j < q; j++) po[j * so] += *(const T *)(pc + j * cs1);           \
      else                                                                                  \
        for (int64_t j = 0; j < q; j++)                                                     \
          po[j * so] = (T)(alpha * po[j * so] + beta * *(const T *)(pc + j * cs1));         \
    }                                                                                       \
  }
SCALE_ADD(float, f32)
SCALE_ADD(double, f64)

/* The byte range [lo, hi) an array's elements lie in. */
static void extent(const tg_array *x, const char **lo, const char **hi) {
  const char *l = x->data, *h = x->data;
  for (int d = 0; d < x->ndim && x->size > 0; d++) {
    int64_t span = (x->shape[d] - 1) * x->strides[d];
    if (span < 0) l += span;
    else h += span;
  }
  *lo = l;
  *hi = h + (x->size > 0 ? tg_dtype_size(x->dtype) : 0);
}

static bool overlaps(const tg_array *x, const tg_array *y) {
  const char *xl, *xh, *yl, *yh;
  extent(x, &xl, &xh);
  extent(y, &yl, &yh);
  return xl < yh && yl < xh;
}

#ifdef TGRAPH_HAVE_BLAS
/* m as BLAS reads it: row-major (*colmaj false) or column-major, with its leading
   dimension; false when it is neither (or too large for BLAS's ints). */
static bool plain_layout(const tgi_mat *m, int64_t esz, bool *colmaj, int *ld) {
  if (m->rows > INT_MAX || m->cols > INT_MAX || (uintptr_t)m->p % (uintptr_t)esz) return false;
  int64_t rows = m->rows > 1 ? m->rows : 1, cols = m->cols > 1 ? m->cols : 1;
  if ((m->cs == esz || m->cols <= 1) && (m->rows <= 1 || (m->rs % esz == 0 && m->rs / esz >= cols))) {
    int64_t l = m->rows <= 1 ? cols : m->rs / esz;
    if (l > INT_MAX) return false;
    *colmaj = false, *ld = (int)l;
    return true;
  }
  if ((m->rs == esz || m->rows <= 1) && (m->cols <= 1 || (m->cs % esz == 0 && m->cs / esz >= rows))) {
    int64_t l = m->cols <= 1 ? rows : m->cs / esz;
    if (l > INT_MAX) return false;
    *colmaj = true, *ld = (int)l;
    return true;
  }
  return false;
}

/* Can blas_update take these operands as they are? */
static bool blas_suits(int64_t esz, const tgi_mat *a, const tgi_mat *b, const tgi_mat *o) {
  bool t;
  int ld;
  return plain_layout(a, esz, &t, &ld) && plain_layout(b, esz, &t, &ld) &&
         plain_layout(o, esz, &t, &ld);
}

/* A contiguous c of a megabyte or more is copied by the pool's threads (SGD's weight
   matrices: the copy is most of what a step does beyond the products). */
#define COPY_SPLIT ((int64_t)1 << 20)
typedef struct {
  char *o;
  const char *c;
  int64_t bytes, nchunks;
} copy_task;

static void copy_chunk(void *ctx, int64_t i) {
  const copy_task *t = ctx;
  int64_t b = tgi_pool_chunk_begin(t->bytes, t->nchunks, i);
  int64_t e = tgi_pool_chunk_begin(t->bytes, t->nchunks, i + 1);
  memcpy(t->o + b, t->c + b, (size_t)(e - b));
}

/* o[i, j] = c[i, j] over m x n (byte strides; c's are 0 along broadcast dims). */
static void fill_from_c(char *o, int64_t os0, int64_t os1, const char *c, int64_t cs0,
                        int64_t cs1, int64_t m, int64_t n, int64_t esz) {
  /* one run where the rows follow each other in both (a column, a dense matrix): a Gemv's
     vector c is m rows of one element, and a call per element cost logreg 4 us a step */
  if (n == 1 || (os0 == n * os1 && cs0 == n * cs1)) {
    if (n == 1) os1 = os0, cs1 = cs0;
    n *= m, m = 1;
  }
  if (m == 1 && os1 == esz && cs1 == esz && n * esz >= COPY_SPLIT) {
    copy_task t = {o, c, n * esz, tgi_pool_chunks(n * esz, COPY_SPLIT / 2)};
    tgi_pool_run(t.nchunks, copy_chunk, &t);
    return;
  }
  for (int64_t i = 0; i < m; i++) {
    char *po = o + i * os0;
    const char *pc = c + i * cs0;
    if (os1 == esz && cs1 == esz) memcpy(po, pc, (size_t)(n * esz));
    else if (esz == 4)
      for (int64_t j = 0; j < n; j++) *(float *)(po + j * os1) = *(const float *)(pc + j * cs1);
    else if (esz == 8)
      for (int64_t j = 0; j < n; j++) *(double *)(po + j * os1) = *(const double *)(pc + j * cs1);
    else
      for (int64_t j = 0; j < n; j++) memcpy(po + j * os1, pc + j * cs1, (size_t)esz);
  }
}

/* o = alpha a b + beta o by one BLAS call (o is c, updated in place); false when a layout
   does not suit BLAS (nothing written then). */
static bool blas_update(tg_dtype dt, double alpha, const tgi_mat *a, const tgi_mat *b,
                        double beta, const tgi_mat *o) {
  int64_t esz = (int64_t)tg_dtype_size(dt);
  bool ta, tb, to;
  int lda, ldb, ldo;
  if (!plain_layout(a, esz, &ta, &lda) || !plain_layout(b, esz, &tb, &ldb) ||
      !plain_layout(o, esz, &to, &ldo))
    return false;
  int m = (int)o->rows, n = (int)o->cols, k = (int)a->cols;
  bool f32 = dt == TG_FLOAT32;
  tgi_blas_threads_coordinate(); /* once per process */
  if (n == 1 && m > 1 && b->rows == k && (b->rs == esz || k <= 1)) { /* o(:) += A x */
    int incy = (int)((m <= 1 ? esz : o->rs) / esz);
    if (o->rs % esz || incy <= 0) return false;
    CBLAS_TRANSPOSE t = ta ? CblasTrans : CblasNoTrans;
    int r = ta ? k : m, c = ta ? m : k;
    if (f32) cblas_sgemv(CblasRowMajor, t, r, c, (float)alpha, (const float *)a->p, lda, (const float *)b->p, 1, (float)beta, (float *)o->p, incy);
    else cblas_dgemv(CblasRowMajor, t, r, c, alpha, (const double *)a->p, lda, (const double *)b->p, 1, beta, (double *)o->p, incy);
    return true;
  }
  if (m == 1 && n > 1 && (a->cs == esz || k <= 1)) { /* o(:) += B^T x */
    int incy = (int)(o->cs / esz);
    if (o->cs % esz || incy <= 0) return false;
    CBLAS_TRANSPOSE t = tb ? CblasNoTrans : CblasTrans;
    int r = tb ? n : k, c = tb ? k : n;
    if (f32) cblas_sgemv(CblasRowMajor, t, r, c, (float)alpha, (const float *)b->p, ldb, (const float *)a->p, 1, (float)beta, (float *)o->p, incy);
    else cblas_dgemv(CblasRowMajor, t, r, c, alpha, (const double *)b->p, ldb, (const double *)a->p, 1, beta, (double *)o->p, incy);
    return true;
  }
  /* in o's order an operand of the other order is read transposed */
  CBLAS_ORDER ord = to ? CblasColMajor : CblasRowMajor;
  CBLAS_TRANSPOSE fa = ta != to ? CblasTrans : CblasNoTrans, fb = tb != to ? CblasTrans : CblasNoTrans;
  if (f32) cblas_sgemm(ord, fa, fb, m, n, k, (float)alpha, (const float *)a->p, lda, (const float *)b->p, ldb, (float)beta, (float *)o->p, ldo);
  else cblas_dgemm(ord, fa, fb, m, n, k, alpha, (const double *)a->p, lda, (const double *)b->p, ldb, beta, (double *)o->p, ldo);
  return true;
}
#endif

static tg_status gemm_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = op->cls->name;
  const tg_array *c = in[0], *a = in[1], *b = in[2];
  int64_t esz = (int64_t)tg_dtype_size(op->dtype);
  int64_t m = a->ndim == 2 ? a->shape[0] : 1, k = a->shape[a->ndim - 1];
  int64_t kb = b->shape[0], n = b->ndim == 2 ? b->shape[1] : 1;
  char s1[128], s2[128], s3[128];
  if (k != kb)
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: a of shape %s and b of shape %s are not aligned",
                       name, tgi_shape_str(a->ndim, a->shape, s1, sizeof s1),
                       tgi_shape_str(b->ndim, b->shape, s2, sizeof s2));
  int ond = 0;
  int64_t oshape[2];
  if (a->ndim == 2) oshape[ond++] = m;
  if (b->ndim == 2) oshape[ond++] = n;
  /* c's strides over the output's 2-D view (r, q): 0 where c broadcasts */
  int64_t cs[2] = {0, 0};
  for (int d = 0; d < c->ndim; d++) {
    int od = ond - c->ndim + d;
    bool bc = (op->params[P_CMASK] >> d) & 1;
    if (c->shape[d] != oshape[od] && !(bc && c->shape[d] == 1))
      return tgi_err_set(err, TG_ERR_SHAPE, "%s: c of shape %s does not broadcast to the "
                         "product's shape %s", name, tgi_shape_str(c->ndim, c->shape, s1, sizeof s1),
                         tgi_shape_str(ond, oshape, s2, sizeof s2));
    int64_t st = c->shape[d] == 1 ? 0 : c->strides[d];
    /* the 2-D view: a matrix result is (m, n); a (m,) result is (m, 1); an (n,) is (1, n) */
    if (ond == 2) cs[od] = st;
    else cs[a->ndim == 2 ? 0 : 1] = st;
  }
  tg_array *o = out[0], *given = out[0];
  if (o) {
    bool same = o->ndim == ond && o->dtype == op->dtype;
    for (int d = 0; same && d < ond; d++) same = o->shape[d] == oshape[d];
    if (!same)
      return tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s (%s), expected %s",
                         name, tgi_shape_str(o->ndim, o->shape, s1, sizeof s1),
                         tg_dtype_name(o->dtype), tgi_shape_str(ond, oshape, s3, sizeof s3));
  } else if (!(o = tgi_array_alloc(op->dtype, ond, oshape, true, false))) {
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  }
  /* the 2-D views of a (m x k), b (k x n) and the output (m x n) */
  tgi_mat am = a->ndim == 2 ? (tgi_mat){a->data, m, k, a->strides[0], a->strides[1]}
                            : (tgi_mat){a->data, 1, k, k * esz, a->strides[0]};
  tgi_mat bm = b->ndim == 2 ? (tgi_mat){b->data, k, n, b->strides[0], b->strides[1]}
                            : (tgi_mat){b->data, k, 1, b->strides[0], esz};
  int64_t os0, os1;
  if (ond == 2) os0 = o->strides[0], os1 = o->strides[1];
  else if (a->ndim == 2) os0 = o->strides[0], os1 = esz;
  else os0 = n * esz, os1 = o->strides[0];
  tgi_mat om = {o->data, m, n, os0, os1};
  double alpha = param_f64(op, P_ALPHA), beta = param_f64(op, P_BETA);
  bool f32 = op->dtype == TG_FLOAT32;
  if (given && m > 0 && n > 0 && (overlaps(o, a) || overlaps(o, b) || overlaps(o, c))) {
#ifdef TGRAPH_HAVE_BLAS
    /* exactly c, not broadcast: one BLAS call with beta (alpha or beta = 0 keeps the
       general path, where 0 * x still turns NaN and inf in x into NaN; BLAS skips them) */
    bool is_c = c->data == o->data && c->ndim == ond && !overlaps(o, a) && !overlaps(o, b) &&
                alpha != 0 && beta != 0 && k > 0;
    for (int d = 0; is_c && d < ond; d++)
      is_c = c->shape[d] == oshape[d] && c->strides[d] == o->strides[d];
    if (is_c && blas_update(op->dtype, alpha, &am, &bm, beta, &om)) return TG_OK;
#endif
    /* the product and c combined in a temporary (reading every input), then copied */
    tg_array *t = tgi_array_alloc(op->dtype, ond, oshape, true, false);
    if (!t) return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
    int64_t ts0 = ond == 2 ? t->strides[0] : a->ndim == 2 ? esz : n * esz;
    int64_t ts1 = ond == 2 ? t->strides[1] : esz;
    tgi_mat tm = {t->data, m, n, ts0, ts1};
    tg_status st = tgi_gemm(op->dtype, &am, &bm, &tm, err, name);
    if (st == TG_OK) {
      if (f32) scale_add_f32(t->data, ts0, ts1, c->data, cs[0], cs[1], m, n, alpha, beta);
      else scale_add_f64(t->data, ts0, ts1, c->data, cs[0], cs[1], m, n, alpha, beta);
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
          memcpy(o->data + i * os0 + j * os1, t->data + i * ts0 + j * ts1, (size_t)esz);
    }
    tg_array_unref(t);
    return st;
  }
#ifdef TGRAPH_HAVE_BLAS
  /* c copied into the output, then one BLAS call adds alpha a b to beta times it: BLAS
     never zeroes the output first (as it does for beta = 0), and no second pass follows */
  if (blas_suits(esz, &am, &bm, &om) && alpha != 0 && beta != 0 && k > 0 && m > 0 && n > 0) {
    fill_from_c(o->data, os0, os1, c->data, cs[0], cs[1], m, n, esz);
    blas_update(op->dtype, alpha, &am, &bm, beta, &om);
    out[0] = o;
    return TG_OK;
  }
#endif
  tg_status st = tgi_gemm(op->dtype, &am, &bm, &om, err, name);
  if (st != TG_OK) {
    if (!given) tg_array_unref(o);
    return st;
  }
  if (m > 0 && n > 0) {
    if (f32) scale_add_f32(o->data, os0, os1, c->data, cs[0], cs[1], m, n, alpha, beta);
    else scale_add_f64(o->data, os0, os1, c->data, cs[0], cs[1], m, n, alpha, beta);
  }
  out[0] = o;
  return TG_OK;
}

/* "%g" but always with a decimal point or exponent, so 1 shows as 1.0 */
static void fmt_num(char *buf, size_t n, double v) {
  snprintf(buf, n, "%.17g", v);
  if (!strpbrk(buf, ".eEn")) snprintf(buf + strlen(buf), n - strlen(buf), ".0");
}

static void gemm_describe(const tg_op *op, char *buf, size_t n) {
  char al[40], be[40];
  fmt_num(al, sizeof al, param_f64(op, P_ALPHA));
  fmt_num(be, sizeof be, param_f64(op, P_BETA));
  snprintf(buf, n, "%s{alpha=%s, beta=%s}", op->cls->name, al, be);
}

static bool gemm_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  (void)g;
  int k = 0;
  if (nd->in[1]->type.ndim == 2) out_dims[0][k++] = in_dims[1][0];
  if (nd->in[2]->type.ndim == 2) out_dims[0][k++] = in_dims[2][1];
  return true;
}

static tg_var *scaled(tg_var *x, double s) {
  return s == 1 || !x ? x : tg_mul(x, tg_const_f64(x->g, s));
}

/* z = alpha a b + beta c: ga = alpha gz b^T, gb = alpha a^T gz, gc = beta gz summed over
   c's broadcast dims; with a vector operand the transposed products become outer
   products and matrix-vector products. */
static bool gemm_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *c = nd->in[0], *a = nd->in[1], *b = nd->in[2], *gz = og[0];
  if (!gz) return true;
  if (gz->type.dtype != nd->op->dtype && !(gz = tg_cast(gz, nd->op->dtype))) return false;
  double alpha = param_f64(nd->op, P_ALPHA), beta = param_f64(nd->op, P_BETA);
  tg_var *ga, *gb;
  if (a->type.ndim == 2 && b->type.ndim == 2) {
    ga = tg_dot(gz, tg_transpose(b, 0, NULL));
    gb = tg_dot(tg_transpose(a, 0, NULL), gz);
  } else if (a->type.ndim == 2) {
    ga = tg_outer(gz, b);
    gb = tg_dot(tg_transpose(a, 0, NULL), gz);
  } else {
    ga = tg_dot(b, gz);
    gb = tg_outer(a, gz);
  }
  ig[1] = scaled(ga, alpha);
  ig[2] = scaled(gb, alpha);
  ig[0] = tgi_grad_unbroadcast(scaled(gz, beta), c);
  return ig[0] && ig[1] && ig[2];
}

static const tg_op_class gemm_class = {
    .name = "Gemm",
    .infer = gemm_infer,
    .perform = gemm_perform,
    .describe = gemm_describe,
    .infer_shape = gemm_infer_shape,
    .grad = gemm_grad,
    .flags = TGI_OP_INPLACE_IN0, /* out[0] == c: one BLAS call with beta, in place */
};

static const tg_op_class gemv_class = {
    .name = "Gemv",
    .infer = gemm_infer,
    .perform = gemm_perform,
    .describe = gemm_describe,
    .infer_shape = gemm_infer_shape,
    .grad = gemm_grad,
    .flags = TGI_OP_INPLACE_IN0, /* out[0] == c: one BLAS call with beta, in place */
};

tg_var *tgi_gemm_build(double alpha, tg_var *a, tg_var *b, double beta, tg_var *c) {
  tg_var *in[3] = {c, a, b};
  if (!tgi_check_inputs("gemm", 3, in)) return NULL;
  tg_graph *g = a->g;
  if (g->err.status != TG_OK) return NULL;
  tg_dtype dt = a->type.dtype;
  if (dt != TG_FLOAT32 && dt != TG_FLOAT64)
    return tgi_gfail(g, TG_ERR_TYPE, "gemm: needs float32 or float64 operands, got %s",
                     tg_dtype_name(dt));
  if (!isfinite(alpha) || !isfinite(beta))
    return tgi_gfail(g, TG_ERR_VALUE, "gemm: alpha and beta must be finite, got %g and %g",
                     alpha, beta);
  int64_t p[P_N];
  memcpy(&p[P_ALPHA], &alpha, sizeof alpha);
  memcpy(&p[P_BETA], &beta, sizeof beta);
  p[P_CMASK] = 0;
  for (int d = 0; d < c->type.ndim; d++)
    if (c->type.shape[d] == 1) p[P_CMASK] |= (int64_t)1 << d;
  bool mat = a->type.ndim == 2 && b->type.ndim == 2;
  tg_op *op = tgi_op_new(g, mat ? &gemm_class : &gemv_class, 0, dt, P_N, p);
  tg_node *nd = op ? tgi_apply(op, 3, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* The fused ops only the rewrites build (listed by `tgraph ops`). */
const tgi_op_info tgi_catalogue_fused[] = {
    {"gemm", "fused", 3, "float32, float64", "yes", "",
     "Gemm{alpha, beta}: alpha*dot(A, B) + beta*C in one node (made by the gemm rewrite)"},
    {"gemv", "fused", 3, "float32, float64", "yes", "",
     "Gemv{alpha, beta}: alpha*dot(A, x) + beta*y, one operand a vector (gemm rewrite)"},
    {"softmax_crossentropy_int", "fused", 2, "float (labels: int)", "yes (logits)", "",
     "SoftmaxCrossentropyInt: -log_softmax(x)[i, labels[i]] and softmax(x) in one stable "
     "pass (made from categorical_crossentropy(softmax(x), labels))"},
};
const int tgi_catalogue_fused_n = (int)(sizeof tgi_catalogue_fused / sizeof tgi_catalogue_fused[0]);
