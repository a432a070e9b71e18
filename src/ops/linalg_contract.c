/* linalg_contract.c: the contraction engine shared by every dot-like op, and helpers of
   the linear algebra kernels. A contraction is turned into one matrix product per batch
   element: the free dims of each operand collapse into M (or N) and the summed dims into K
   when their strides allow it (then the product reads the input in place, transposed or
   not); otherwise that operand is first copied into a contiguous temporary. */
#include <stdio.h>

#include "linalg_impl.h"

tg_status tgi_la_nomem(tgi_err *err, const char *op) {
  tgi_err *t = tgi_tls_err();
  if (t->status == TG_ERR_NOMEM && t->msg[0])
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: %s", op, t->msg);
  return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", op);
}

tg_dtype tgi_la_dtype(tg_dtype in) { return in == TG_FLOAT32 ? TG_FLOAT32 : TG_FLOAT64; }

char *tgi_two_shapes(const tg_array *a, const tg_array *b, char *buf, size_t n) {
  char sa[200], sb[200];
  snprintf(buf, n, "%s and %s", tgi_shape_str(a->ndim, a->shape, sa, sizeof sa),
           tgi_shape_str(b->ndim, b->shape, sb, sizeof sb));
  return buf;
}

tg_status tgi_la_output(tg_array **out, tg_dtype dt, int nd, const int64_t *shape, tgi_err *err,
                        const char *op) {
  if (!*out) {
    *out = tgi_array_alloc(dt, nd, shape, true, false);
    if (!*out) {
      tgi_err *t = tgi_tls_err();
      return tgi_err_set(err, t->status ? t->status : TG_ERR_NOMEM, "%s: %s", op, t->msg);
    }
    return TG_OK;
  }
  tg_array *o = *out;
  if (o->ndim != nd || (nd && memcmp(o->shape, shape, sizeof(int64_t) * (size_t)nd) != 0)) {
    char s1[200], s2[200];
    return tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s, expected %s", op,
                       tgi_shape_str(o->ndim, o->shape, s1, sizeof s1),
                       tgi_shape_str(nd, shape, s2, sizeof s2));
  }
  return TG_OK;
}

int64_t tgi_batch_offset(const tg_array *a, int nb, const int64_t *idx) {
  int64_t off = 0;
  for (int i = 0; i < nb; i++) off += idx[i] * a->strides[i];
  return off;
}

/* Collapse dims (shape, byte strides) into one of length *len and stride *st when the
   addresses allow it; dims of length 1 are ignored. */
static bool collapse(int n, const int *axes, const tg_array *a, int64_t *len, int64_t *st) {
  int64_t l = 1, s = 0;
  bool have = false;
  for (int i = 0; i < n; i++)
    if (a->shape[axes[i]] == 0) {
      *len = 0, *st = 0;
      return true;
    }
  for (int i = n - 1; i >= 0; i--) {
    int64_t d = a->shape[axes[i]], ds = a->strides[axes[i]];
    if (d == 1) continue;
    if (!have) l = d, s = ds, have = true;
    else if (ds == s * l) l *= d;
    else return false;
  }
  *len = l, *st = s;
  return true;
}

/* Copy the n-d strided block (dims shape[], byte strides ss[]) at src into dst with byte
   strides ds[]; elements of esz bytes. */
static void copy_nd(char *dst, const int64_t *ds, const char *src, const int64_t *ss, int n,
                    const int64_t *shape, size_t esz) {
  for (int i = 0; i < n; i++)
    if (shape[i] == 0) return;
  int64_t idx[2 * TG_MAX_NDIM] = {0};
  if (n == 0) {
    memcpy(dst, src, esz);
    return;
  }
  int64_t inner = shape[n - 1], dsi = ds[n - 1], ssi = ss[n - 1];
  do {
    int64_t od = 0, os = 0;
    for (int i = 0; i < n - 1; i++) od += idx[i] * ds[i], os += idx[i] * ss[i];
    for (int64_t j = 0; j < inner; j++) memcpy(dst + od + j * dsi, src + os + j * ssi, esz);
  } while (tgi_next_index(n - 1, shape, idx));
}

/* Gather the dims (x axes, then y axes) of array t at byte offset off into a contiguous
   rows x cols block at dst (row-major). */
static void pack(char *dst, const tg_array *t, int64_t off, int nx, const int *x, int ny,
                 const int *y) {
  int64_t shape[2 * TG_MAX_NDIM], ss[2 * TG_MAX_NDIM], ds[2 * TG_MAX_NDIM];
  int n = nx + ny;
  for (int i = 0; i < n; i++) {
    int ax = i < nx ? x[i] : y[i - nx];
    shape[i] = t->shape[ax];
    ss[i] = t->strides[ax];
  }
  int64_t st = (int64_t)tg_dtype_size(t->dtype);
  for (int i = n - 1; i >= 0; i--) ds[i] = st, st *= shape[i];
  copy_nd(dst, ds, t->data + off, ss, n, shape, tg_dtype_size(t->dtype));
}

/* C = A B over integers and bools: exact int64 products and sums, wrapping (computed in
   uint64 so overflow is defined), stored modulo the output width as numpy's int dot. */
static void int_gemm(const tgi_mat *a, tg_dtype adt, const tgi_mat *b, tg_dtype bdt,
                     const tgi_mat *c, tg_dtype cdt) {
  for (int64_t i = 0; i < c->rows; i++)
    for (int64_t j = 0; j < c->cols; j++) {
      uint64_t s = 0;
      for (int64_t p = 0; p < a->cols; p++)
        s += (uint64_t)tgi_load_i64(a->p + i * a->rs + p * a->cs, adt) *
             (uint64_t)tgi_load_i64(b->p + p * b->rs + j * b->cs, bdt);
      tgi_store_i64(c->p + i * c->rs + j * c->cs, cdt, (int64_t)s);
    }
}

/* Check the runtime shapes against the plan; fill the output shape and batch shape. */
static tg_status check_shapes(const tgi_contraction *p, const tg_array *a, const tg_array *b,
                              int64_t *oshape, tgi_err *err, const char *op) {
  char sh[450];
  for (int i = 0; i < p->nb; i++) {
    int64_t la = p->ba[i] >= 0 ? a->shape[p->ba[i]] : -1;
    int64_t lb = p->bb[i] >= 0 ? b->shape[p->bb[i]] : -1;
    if (la >= 0 && lb >= 0 && la != lb)
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "%s: shapes %s do not match in batch dims: dim %d of the first (%lld) "
                         "!= dim %d of the second (%lld); only dims of static length 1 broadcast",
                         op, tgi_two_shapes(a, b, sh, sizeof sh), p->ba[i], (long long)la,
                         p->bb[i], (long long)lb);
    oshape[i] = la >= 0 ? la : lb >= 0 ? lb : 1;
  }
  for (int i = 0; i < p->nk; i++)
    if (a->shape[p->ka[i]] != b->shape[p->kb[i]])
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "%s: shapes %s not aligned: dim %d of the first (%lld) != dim %d of "
                         "the second (%lld)",
                         op, tgi_two_shapes(a, b, sh, sizeof sh), p->ka[i],
                         (long long)a->shape[p->ka[i]], p->kb[i], (long long)b->shape[p->kb[i]]);
  int n = p->nb;
  for (int i = 0; i < p->nfa; i++) oshape[n++] = a->shape[p->fa[i]];
  for (int i = 0; i < p->nfb; i++) oshape[n++] = b->shape[p->fb[i]];
  return TG_OK;
}

tg_status tgi_contract(const tgi_contraction *p, const tg_array *a, const tg_array *b,
                       tg_dtype dt, tg_array **out, tgi_err *err, const char *op) {
  int64_t oshape[TG_MAX_NDIM];
  int ond = p->nb + p->nfa + p->nfb;
  if (check_shapes(p, a, b, oshape, err, op) != TG_OK) return err->status;
  tg_array *o = *out;
  if (tgi_la_output(&o, dt, ond, oshape, err, op) != TG_OK) return err->status;
  bool fresh = !*out;
  tg_status st = TG_OK;
  tg_array *ca = NULL, *cb = NULL;
  char *tmp = NULL;
  if (o->size == 0) goto done;
  bool flt = tg_dtype_is_float(dt);
  if (flt && a->dtype != dt && !(a = ca = tg_array_astype(a, dt))) goto nomem;
  if (flt && b->dtype != dt && !(b = cb = tg_array_astype(b, dt))) goto nomem;

  /* M x K of a, K x N of b and M x N of the output, in place when the strides allow */
  int64_t m = 1, n = 1, k = 1, sam = 0, sak = 0, sbk = 0, sbn = 0, scm = 0, scn = 0, kb_ = 0;
  int cfa[TG_MAX_NDIM], cfb[TG_MAX_NDIM];
  for (int i = 0; i < p->nfa; i++) cfa[i] = p->nb + i;
  for (int i = 0; i < p->nfb; i++) cfb[i] = p->nb + p->nfa + i;
  bool in_a = collapse(p->nfa, p->fa, a, &m, &sam) & collapse(p->nk, p->ka, a, &k, &sak);
  bool in_b = collapse(p->nk, p->kb, b, &kb_, &sbk) & collapse(p->nfb, p->fb, b, &n, &sbn);
  bool in_c = collapse(p->nfa, cfa, o, &m, &scm) & collapse(p->nfb, cfb, o, &n, &scn);
  /* lengths independent of the strides */
  m = 1, n = 1, k = 1;
  for (int i = 0; i < p->nfa; i++) m *= a->shape[p->fa[i]];
  for (int i = 0; i < p->nfb; i++) n *= b->shape[p->fb[i]];
  for (int i = 0; i < p->nk; i++) k *= a->shape[p->ka[i]];
  size_t ea = tg_dtype_size(a->dtype), eb = tg_dtype_size(b->dtype), ec = tg_dtype_size(dt);
  size_t na = in_a ? 0 : (size_t)(m * k) * ea, nbb = in_b ? 0 : (size_t)(k * n) * eb;
  size_t nc = in_c ? 0 : (size_t)(m * n) * ec;
  if (na + nbb + nc && !(tmp = tgi_malloc(na + nbb + nc))) goto nomem;
  char *ta = tmp, *tb = tmp + na, *tc = tmp + na + nbb;

  int64_t bidx[TG_MAX_NDIM] = {0}, bshape[TG_MAX_NDIM];
  for (int i = 0; i < p->nb; i++) bshape[i] = oshape[i];
  do {
    int64_t oa = 0, ob = 0, oc = 0;
    for (int i = 0; i < p->nb; i++) {
      if (p->ba[i] >= 0) oa += bidx[i] * a->strides[p->ba[i]];
      if (p->bb[i] >= 0) ob += bidx[i] * b->strides[p->bb[i]];
      oc += bidx[i] * o->strides[i];
    }
    tgi_mat ma = {a->data + oa, m, k, sam, sak}, mb = {b->data + ob, k, n, sbk, sbn};
    tgi_mat mc = {o->data + oc, m, n, scm, scn};
    if (!in_a) {
      pack(ta, a, oa, p->nfa, p->fa, p->nk, p->ka);
      ma = (tgi_mat){ta, m, k, k * (int64_t)ea, (int64_t)ea};
    }
    if (!in_b) {
      pack(tb, b, ob, p->nk, p->kb, p->nfb, p->fb);
      mb = (tgi_mat){tb, k, n, n * (int64_t)eb, (int64_t)eb};
    }
    if (!in_c) mc = (tgi_mat){tc, m, n, n * (int64_t)ec, (int64_t)ec};
    if (flt) {
      if ((st = tgi_gemm(dt, &ma, &mb, &mc, err, op)) != TG_OK) goto done;
    } else int_gemm(&ma, a->dtype, &mb, b->dtype, &mc, dt);
    if (!in_c) { /* scatter the temporary into the output's own layout */
      int64_t ds[TG_MAX_NDIM], ss[TG_MAX_NDIM], st_ = (int64_t)ec;
      int nf = p->nfa + p->nfb;
      for (int i = nf - 1; i >= 0; i--) ss[i] = st_, st_ *= oshape[p->nb + i];
      for (int i = 0; i < nf; i++) ds[i] = o->strides[p->nb + i];
      copy_nd(o->data + oc, ds, tc, ss, nf, oshape + p->nb, ec);
    }
  } while (tgi_next_index(p->nb, bshape, bidx));
  goto done;
nomem:
  st = tgi_la_nomem(err, op);
done:
  tg_array_unref(ca);
  tg_array_unref(cb);
  tgi_free(tmp);
  if (st != TG_OK) {
    if (fresh) tg_array_unref(o);
    return st;
  }
  *out = o;
  return TG_OK;
}
