/* subtensor_kernel.c: the run-time side of indexing: resolving an index expression against
   actual arrays into a plan (every position checked in bounds before anything is read or
   written), Subtensor's kernel (a view) and the set/inc kernel of IncSubtensor and
   AdvancedIncSubtensor (a copy of x written through the plan; repeated positions are
   visited in order, so inc accumulates and set keeps the last write). */
#include <stdio.h>

#include "index_impl.h"

/* One advanced index after masks are turned into position arrays. */
typedef struct ix_src {
  const char *data;
  tg_dtype dt;
  int ndim;
  const int64_t *shape, *strides;
  int axis;
  int64_t val, sh1, st1; /* storage for a position, and for a mask's 1-d shape */
} ix_src;

/* A symbolic scalar's value; INT64_MIN would read as "omitted", and clamps as MIN + 1. */
static int64_t scalar_value(tg_array *const *in, int64_t k) {
  int64_t v = tgi_load_i64(in[k]->data, in[k]->dtype);
  return v == TGI_IX_NONE ? TGI_IX_NONE + 1 : v;
}

static int64_t field(tg_array *const *in, const tgi_ix_entry *e, int flag, int64_t v) {
  return (e->flags & flag) ? scalar_value(in, v) : v;
}

/* Turn a mask over x's axes [axis, axis + k) into k position arrays (C order of the
   nonzero elements) stored in one buffer *buf. */
static tg_status mask_sources(const char *name, const tg_array *m, const tg_array *x, int axis,
                              ix_src *src, int64_t **buf, tgi_err *err) {
  int k = m->ndim;
  for (int d = 0; d < k; d++)
    if (m->shape[d] != x->shape[axis + d])
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "%s: boolean index did not match indexed array along dimension %d; "
                         "dimension is %lld but corresponding boolean dimension is %lld",
                         name, axis + d, (long long)x->shape[axis + d], (long long)m->shape[d]);
  int64_t nnz = 0, idx[TG_MAX_NDIM] = {0};
  for (int pass = 0; pass < 2 && m->size > 0; pass++) {
    int64_t j = 0;
    memset(idx, 0, sizeof idx);
    do {
      int64_t off = 0;
      for (int d = 0; d < k; d++) off += idx[d] * m->strides[d];
      if (!*(const uint8_t *)(m->data + off)) continue;
      if (pass == 1)
        for (int d = 0; d < k; d++) (*buf)[d * nnz + j] = idx[d];
      j++;
    } while (tgi_next_index(k, m->shape, idx));
    if (pass == 0) {
      nnz = j;
      *buf = tgi_malloc(sizeof(int64_t) * (size_t)(nnz > 0 ? nnz * k : 1));
      if (!*buf) return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
    }
  }
  for (int d = 0; d < k; d++) {
    ix_src *s = &src[d];
    s->data = *buf ? (const char *)(*buf + d * nnz) : (const char *)&s->val;
    s->dt = TG_INT64;
    s->ndim = 1;
    s->sh1 = nnz;
    s->st1 = sizeof(int64_t);
    s->shape = &s->sh1;
    s->strides = &s->st1;
    s->axis = axis + d;
  }
  return TG_OK;
}

/* Add each source's positions times the target's stride into advoff, over the broadcast
   shape; a position out of range stops everything with numpy's message. */
static tg_status add_offsets(const char *name, tgi_ix_plan *p, const int64_t *bshape,
                             const ix_src *s, const tg_array *x, const int64_t *tstrides,
                             tgi_err *err) {
  int nb = p->nb;
  int64_t n = x->shape[s->axis], ts = tstrides[s->axis], str[TG_MAX_NDIM];
  for (int j = 0; j < nb; j++) {
    int k = j - (nb - s->ndim);
    str[j] = k < 0 || s->shape[k] == 1 ? 0 : s->strides[k];
  }
  /* A 0-d source (an int) is checked even when the broadcast shape is empty, as numpy. */
  int64_t total = s->ndim == 0 ? (p->bsize ? p->bsize : 1) : p->bsize;
  int64_t idx[TG_MAX_NDIM] = {0};
  for (int64_t f = 0; f < total; f++) {
    int64_t off = 0;
    for (int j = 0; j < nb; j++) off += idx[j] * str[j];
    int64_t v = tgi_load_i64(s->data + off, s->dt);
    if (v < -n || v >= n)
      return tgi_err_set(err, TG_ERR_VALUE,
                         "%s: index %lld is out of bounds for axis %d with size %lld", name,
                         (long long)v, s->axis, (long long)n);
    if (v < 0) v += n;
    if (f < p->bsize) p->advoff[f] += v * ts;
    tgi_next_index(nb, bshape, idx);
  }
  return TG_OK;
}

tg_status tgi_ix_plan_make(const tg_op *op, const char *name, tg_array *const *in,
                           const int64_t *tstrides, tgi_ix_plan *p, tgi_err *err) {
  const tg_array *x = in[0];
  tgi_ix_layout L;
  tgi_ix_layout_make(op, x->ndim, &L);
  p->advoff = NULL;
  p->base = 0;
  ix_src src[TG_MAX_NDIM];
  int64_t *bufs[TG_MAX_NDIM];
  int nsrc = 0, nbuf = 0, nb = 0;
  tg_status st = TG_OK;
  for (int i = 0; i < L.n_entries && st == TG_OK; i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    ix_src *s = &src[nsrc];
    if (e.kind == TGI_IX_INT) {
      s->val = field(in, &e, TGI_IX_F_A, e.a);
      s->data = (const char *)&s->val;
      s->dt = TG_INT64;
      s->ndim = 0;
      s->shape = s->strides = NULL;
      s->axis = L.entry_axis[i];
      nsrc++;
    } else if (e.kind == TGI_IX_ADV) {
      const tg_array *a = in[e.a];
      s->data = a->data, s->dt = a->dtype, s->ndim = a->ndim;
      s->shape = a->shape, s->strides = a->strides, s->axis = L.entry_axis[i];
      nsrc++;
    } else if (e.kind == TGI_IX_MASK) {
      bufs[nbuf] = NULL;
      st = mask_sources(name, in[e.a], x, L.entry_axis[i], s, &bufs[nbuf], err);
      nbuf++;
      if (st == TG_OK) nsrc += (int)e.b;
    }
  }
  if (st != TG_OK) {
    for (int k = 0; k < nbuf; k++) tgi_free(bufs[k]);
    return st;
  }
  for (int k = 0; k < nsrc; k++)
    if (src[k].ndim > nb) nb = src[k].ndim;
  /* numpy's broadcasting of the index arrays (by their run-time shapes) */
  int64_t bshape[TG_MAX_NDIM];
  for (int j = 0; j < nb && st == TG_OK; j++) {
    int64_t len = 1;
    for (int k = 0; k < nsrc && st == TG_OK; k++) {
      int d = j - (nb - src[k].ndim);
      if (d < 0 || src[k].shape[d] == 1) continue;
      if (len == 1) len = src[k].shape[d];
      else if (len != src[k].shape[d]) {
        char b[400], s1[160];
        size_t q = 0;
        b[0] = '\0';
        for (int t = 0; t < nsrc && q < sizeof b; t++)
          if (src[t].ndim > 0)
            q += (size_t)snprintf(b + q, sizeof b - q, " %s",
                                  tgi_shape_str(src[t].ndim, src[t].shape, s1, sizeof s1));
        st = tgi_err_set(err, TG_ERR_SHAPE,
                         "%s: shape mismatch: indexing arrays could not be broadcast together "
                         "with shapes%s",
                         name, b);
      }
    }
    bshape[j] = len;
  }
  /* the slices, newaxes and leftover axes */
  int bpos = L.front ? 0 : L.bpos;
  p->ndim = L.n_other + nb;
  p->nb = nb;
  p->bpos = bpos;
  for (int j = 0; j < nb; j++) p->shape[bpos + j] = bshape[j], p->stride[bpos + j] = 0;
  for (int k = 0; k < L.n_other && st == TG_OK; k++) {
    int d = k < bpos ? k : k + nb, axis = L.other_axis[k];
    if (axis < 0) {
      p->shape[d] = 1, p->stride[d] = 0;
    } else if (L.other_entry[k] < 0) {
      p->shape[d] = x->shape[axis], p->stride[d] = tstrides[axis];
    } else {
      tgi_ix_entry e = tgi_ix_get(op, L.other_entry[k]);
      int64_t a = field(in, &e, TGI_IX_F_A, e.a), b = field(in, &e, TGI_IX_F_B, e.b),
              c = field(in, &e, TGI_IX_F_C, e.c), first;
      if (c == 0) {
        st = tgi_err_set(err, TG_ERR_VALUE, "%s: slice step cannot be zero (axis %d)", name, axis);
        break;
      }
      int64_t len = tgi_ix_slice(x->shape[axis], a, b, c, &first);
      if (c == TGI_IX_NONE) c = 1;
      p->shape[d] = len;
      /* with one position or none the stride is never used; keep it from overflowing */
      p->stride[d] = len > 1 ? tstrides[axis] * c : tstrides[axis];
      if (len) p->base += first * tstrides[axis];
    }
  }
  /* the advanced offsets */
  if (st == TG_OK) {
    int64_t bsize = 1;
    for (int j = 0; j < nb; j++)
      if (__builtin_mul_overflow(bsize, bshape[j], &bsize)) {
        st = tgi_err_set(err, TG_ERR_VALUE, "%s: the index arrays broadcast to too many elements",
                         name);
        break;
      }
    p->bsize = bsize;
    if (st == TG_OK) {
      if (bsize <= 1) {
        p->advoff = &p->one;
      } else if (!(p->advoff = tgi_malloc(sizeof(int64_t) * (size_t)bsize))) {
        st = tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
      }
    }
    if (st == TG_OK) {
      memset(p->advoff, 0, sizeof(int64_t) * (size_t)(bsize ? bsize : 1));
      for (int k = 0; k < nsrc && st == TG_OK; k++)
        st = add_offsets(name, p, bshape, &src[k], x, tstrides, err);
    }
  }
  for (int k = 0; k < nbuf; k++) tgi_free(bufs[k]);
  if (st != TG_OK) tgi_ix_plan_free(p);
  return st;
}

void tgi_ix_plan_free(tgi_ix_plan *p) {
  if (p->advoff && p->advoff != &p->one) tgi_free(p->advoff);
  p->advoff = NULL;
}

static tg_status check_out(const char *name, const tg_array *o, int ndim, const int64_t *shape,
                           tgi_err *err) {
  if (o->ndim == ndim && (ndim == 0 || !memcmp(o->shape, shape, sizeof(int64_t) * (size_t)ndim)))
    return TG_OK;
  char b1[200], b2[200];
  return tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output has shape %s, expected %s", name,
                     tgi_shape_str(o->ndim, o->shape, b1, sizeof b1),
                     tgi_shape_str(ndim, shape, b2, sizeof b2));
}

tg_status tgi_subtensor_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tgi_ix_plan p;
  tg_status st = tgi_ix_plan_make(op, "Subtensor", in, in[0]->strides, &p, err);
  if (st != TG_OK) return st;
  /* basic indexing has no index arrays: one advanced offset, the ints' */
  tg_array *v = tg_array_view(in[0], p.ndim, p.shape, p.stride, p.base + p.advoff[0]);
  tgi_ix_plan_free(&p);
  if (!v) return tgi_err_set(err, tg_errstatus(), "Subtensor: %s", tg_errmsg());
  if (!out[0]) {
    out[0] = v;
    return TG_OK;
  }
  st = check_out("Subtensor", out[0], v->ndim, v->shape, err);
  if (st == TG_OK && tg_array_copy_into(out[0], v) != TG_OK)
    st = tgi_err_set(err, tg_errstatus(), "Subtensor: %s", tg_errmsg());
  tg_array_unref(v);
  return st;
}

/* dst += src elementwise in dst's dtype: floats in double (exact for float32 too), ints
   wrapping as numpy's, bools as logical or (numpy's bool add). */
static void add_elem(char *d, tg_dtype dt, const char *s, tg_dtype st) {
  if (tg_dtype_is_float(dt)) {
    tgi_store_f64(d, dt, tgi_load_f64(d, dt) + tgi_load_f64(s, st));
  } else if (dt == TG_BOOL) {
    *(uint8_t *)d = *(uint8_t *)d || tgi_load_i64(s, st) != 0;
  } else {
    uint64_t v = (uint64_t)tgi_load_i64(d, dt) + (uint64_t)tgi_load_i64(s, st);
    tgi_store_i64(d, dt, (int64_t)v);
  }
}

/* dst = src converted as tg_cast (ints through int64 so large values stay exact). */
static void set_elem(char *d, tg_dtype dt, const char *s, tg_dtype st) {
  if (dt == st) memcpy(d, s, tg_dtype_size(dt));
  else if (tg_dtype_is_float(st)) tgi_store_f64(d, dt, tgi_load_f64(s, st));
  else tgi_store_i64(d, dt, tgi_load_i64(s, st));
}

tg_status tgi_ix_inc_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  const char *name = op->cls == &tgi_inc_subtensor_class
                         ? (op->code == TGI_IX_SET ? "SetSubtensor" : "IncSubtensor")
                         : (op->code == TGI_IX_SET ? "AdvancedSetSubtensor" : "AdvancedIncSubtensor");
  const tg_array *x = in[0], *y = in[1];
  tg_array *o = out[0];
  tg_status st = o ? check_out(name, o, x->ndim, x->shape, err) : TG_OK;
  if (st != TG_OK) return st;
  if (!o && !(o = tgi_array_alloc(x->dtype, x->ndim, x->shape, true, false)))
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  tgi_ix_plan p;
  p.advoff = NULL;
  if (tg_array_copy_into(o, x) != TG_OK)
    st = tgi_err_set(err, tg_errstatus(), "%s: %s", name, tg_errmsg());
  if (st == TG_OK) st = tgi_ix_plan_make(op, name, in, o->strides, &p, err);
  /* y against the region: Theano's rule, where only y's dims of static length 1 broadcast */
  int64_t ystr[TG_MAX_NDIM] = {0};
  for (int k = 0; st == TG_OK && k < y->ndim; k++) {
    int d = p.ndim - y->ndim + k;
    bool bcast = ((uint64_t)op->params[TGI_IX_P_YMASK] >> k) & 1;
    if (d < 0 || (y->shape[k] != p.shape[d] && !(bcast && y->shape[k] == 1))) {
      char b1[200], b2[200];
      st = tgi_err_set(err, TG_ERR_SHAPE,
                       "%s: y of shape %s does not broadcast to the indexed region of shape %s "
                       "(only dims declared of length 1 broadcast)",
                       name, tgi_shape_str(y->ndim, y->shape, b1, sizeof b1),
                       tgi_shape_str(p.ndim, p.shape, b2, sizeof b2));
      break;
    }
    ystr[d] = y->shape[k] == p.shape[d] ? y->strides[k] : 0;
  }
  int64_t total = 1;
  for (int d = 0; st == TG_OK && d < p.ndim; d++) total *= p.shape[d];
  if (st == TG_OK && total > 0) {
    int64_t idx[TG_MAX_NDIM] = {0};
    bool inc = op->code == TGI_IX_INC;
    do {
      int64_t yoff = 0;
      for (int d = 0; d < p.ndim; d++) yoff += idx[d] * ystr[d];
      char *dst = o->data + tgi_ix_offset(&p, idx);
      if (inc) add_elem(dst, o->dtype, y->data + yoff, y->dtype);
      else set_elem(dst, o->dtype, y->data + yoff, y->dtype);
    } while (tgi_next_index(p.ndim, p.shape, idx));
  }
  tgi_ix_plan_free(&p);
  if (st != TG_OK) {
    if (o != out[0]) tg_array_unref(o);
    return st;
  }
  out[0] = o;
  return TG_OK;
}
