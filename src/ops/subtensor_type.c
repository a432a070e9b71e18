/* subtensor_type.c: the static side of indexing shared by the four indexing ops: where
   each index entry lands in the result (the layout, with numpy's rule for the position of
   advanced-index dims), the static type of the indexed region with the checks static
   shapes and constant indices allow, and the printed form of an index expression. */
#include <stdio.h>

#include "index_impl.h"

void tgi_ix_layout_make(const tg_op *op, int xndim, tgi_ix_layout *L) {
  int n = tgi_ix_n(op), axis = 0, first = -1, last = -1;
  bool adv = false;
  L->n_entries = n;
  L->n_other = 0;
  for (int i = 0; i < n; i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    L->entry_axis[i] = axis;
    if (e.kind == TGI_IX_ADV || e.kind == TGI_IX_MASK) adv = true;
    if (e.kind == TGI_IX_INT || e.kind == TGI_IX_ADV || e.kind == TGI_IX_MASK) {
      if (first < 0) first = i;
      last = i;
    }
    if (e.kind == TGI_IX_MASK) axis += (int)e.b;
    else if (e.kind != TGI_IX_NEWAXIS) axis++;
  }
  /* numpy: advanced indices (ints included) separated by a slice or a newaxis put their
     broadcast dims first; adjacent ones put them where the first of them was. */
  L->front = adv && (op->params[TGI_IX_P_FLAGS] & TGI_IX_SPLIT);
  for (int i = first + 1; adv && i < last; i++) {
    int k = tgi_ix_get(op, i).kind;
    if (k == TGI_IX_SLICE || k == TGI_IX_NEWAXIS) L->front = 1;
  }
  int before = 0;
  for (int i = 0; i < n; i++) {
    int k = tgi_ix_get(op, i).kind;
    if (k != TGI_IX_SLICE && k != TGI_IX_NEWAXIS) continue;
    if (first < 0 || i < first) before++;
    L->other_entry[L->n_other] = i;
    L->other_axis[L->n_other++] = k == TGI_IX_SLICE ? L->entry_axis[i] : -1;
  }
  for (int a = axis; a < xndim; a++) {
    L->other_entry[L->n_other] = -1;
    L->other_axis[L->n_other++] = a;
  }
  L->bpos = (!adv || L->front) ? 0 : before;
}

/* One bound of a slice entry as a constant (TGI_IX_NONE if omitted or symbolic). */
static int64_t const_field(const tgi_ix_entry *e, int flag, int64_t v) {
  return (e->flags & flag) ? TGI_IX_NONE : v;
}

static char *type_str(const tg_var *v, char *buf, size_t n) { return tgi_type_str(&v->type, buf, n); }

/* Check the values of a constant index array against a static dim. */
static bool check_const_positions(tg_graph *g, const char *name, const tg_array *a, int axis,
                                  int64_t dim) {
  if (dim < 0 || a->size == 0) return true;
  int64_t idx[TG_MAX_NDIM] = {0};
  do {
    int64_t off = 0;
    for (int d = 0; d < a->ndim; d++) off += idx[d] * a->strides[d];
    int64_t v = tgi_load_i64(a->data + off, a->dtype);
    if (v < -dim || v >= dim) {
      tgi_gfail(g, TG_ERR_VALUE, "%s: index %lld is out of bounds for axis %d with size %lld",
                name, (long long)v, axis, (long long)dim);
      return false;
    }
  } while (tgi_next_index(a->ndim, a->shape, idx));
  return true;
}

static int64_t count_nonzero(const tg_array *a) {
  int64_t n = 0, idx[TG_MAX_NDIM] = {0};
  if (a->size == 0) return 0;
  do {
    int64_t off = 0;
    for (int d = 0; d < a->ndim; d++) off += idx[d] * a->strides[d];
    n += tgi_load_i64(a->data + off, a->dtype) != 0;
  } while (tgi_next_index(a->ndim, a->shape, idx));
  return n;
}

int tgi_ix_region_type(tg_graph *g, const tg_op *op, tg_var *const *in, const char *name,
                       tg_type *out) {
  const tg_type *xt = &in[0]->type;
  tgi_ix_layout L;
  tgi_ix_layout_make(op, xt->ndim, &L);
  /* The advanced sources: each index array, a mask as a 1-d array of its count. */
  int nsrc = 0, nb = 0;
  int src_nd[TG_MAX_NDIM];
  const int64_t *src_sh[TG_MAX_NDIM];
  int64_t counts[TG_MAX_NDIM];
  char b1[200], b2[200];
  for (int i = 0; i < L.n_entries; i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    int axis = L.entry_axis[i];
    if (e.kind == TGI_IX_INT && !(e.flags & TGI_IX_F_A)) {
      int64_t dim = xt->shape[axis];
      if (dim >= 0 && (e.a < -dim || e.a >= dim)) {
        tgi_gfail(g, TG_ERR_VALUE, "%s: index %lld is out of bounds for axis %d with size %lld",
                  name, (long long)e.a, axis, (long long)dim);
        return -1;
      }
    } else if (e.kind == TGI_IX_ADV) {
      const tg_var *v = in[e.a];
      if (v->kind == TGV_CONSTANT &&
          !check_const_positions(g, name, v->value, axis, xt->shape[axis]))
        return -1;
      src_nd[nsrc] = v->type.ndim;
      src_sh[nsrc++] = v->type.shape;
      if (v->type.ndim > nb) nb = v->type.ndim;
    } else if (e.kind == TGI_IX_MASK) {
      const tg_var *v = in[e.a];
      for (int d = 0; d < v->type.ndim; d++) {
        int64_t xs = xt->shape[axis + d], ms = v->type.shape[d];
        if (xs >= 0 && ms >= 0 && xs != ms) {
          tgi_gfail(g, TG_ERR_SHAPE,
                    "%s: boolean index did not match indexed array along dimension %d; "
                    "dimension is %lld but corresponding boolean dimension is %lld (mask %s, "
                    "x %s)",
                    name, axis + d, (long long)xs, (long long)ms, type_str(v, b1, sizeof b1),
                    type_str(in[0], b2, sizeof b2));
          return -1;
        }
      }
      counts[nsrc] = v->kind == TGV_CONSTANT ? count_nonzero(v->value) : -1;
      src_nd[nsrc] = 1;
      src_sh[nsrc] = &counts[nsrc];
      nsrc++;
      if (nb < 1) nb = 1;
    }
  }
  /* Broadcast the sources' static shapes: a known length other than 1 wins; two different
     ones are an error; unknown stays unknown unless some source fixes it. */
  int64_t bsh[TG_MAX_NDIM];
  for (int j = 0; j < nb; j++) {
    int64_t known = -2;
    bool unknown = false;
    for (int s = 0; s < nsrc; s++) {
      int k = j - (nb - src_nd[s]);
      if (k < 0) continue;
      int64_t len = src_sh[s][k];
      if (len == 1) continue;
      if (len < 0) unknown = true;
      else if (known == -2) known = len;
      else if (known != len) {
        size_t p = 0;
        b1[0] = '\0';
        for (int t = 0; t < nsrc && p < sizeof b1; t++)
          p += (size_t)snprintf(b1 + p, sizeof b1 - p, " %s",
                                tgi_shape_str(src_nd[t], src_sh[t], b2, sizeof b2));
        tgi_gfail(g, TG_ERR_SHAPE,
                  "%s: shape mismatch: indexing arrays could not be broadcast together with "
                  "shapes%s",
                  name, b1);
        return -1;
      }
    }
    bsh[j] = known != -2 ? known : unknown ? -1 : 1;
  }
  int rank = L.n_other + nb;
  if (rank > TG_MAX_NDIM) {
    tgi_gfail(g, TG_ERR_VALUE, "%s: the result would have rank %d (the most is %d)", name, rank,
              TG_MAX_NDIM);
    return -1;
  }
  out->dtype = xt->dtype;
  out->ndim = rank;
  int bpos = L.front ? 0 : L.bpos;
  for (int j = 0; j < nb; j++) out->shape[bpos + j] = bsh[j];
  for (int k = 0; k < L.n_other; k++) {
    int d = k < bpos ? k : k + nb, axis = L.other_axis[k];
    int64_t len;
    if (L.other_entry[k] < 0) {
      len = xt->shape[axis];
    } else if (axis < 0) {
      len = 1;
    } else {
      tgi_ix_entry e = tgi_ix_get(op, L.other_entry[k]);
      int64_t a = const_field(&e, TGI_IX_F_A, e.a), b = const_field(&e, TGI_IX_F_B, e.b),
              c = const_field(&e, TGI_IX_F_C, e.c), first;
      bool consts = !(e.flags & (TGI_IX_F_A | TGI_IX_F_B | TGI_IX_F_C));
      if (consts && xt->shape[axis] >= 0) len = tgi_ix_slice(xt->shape[axis], a, b, c, &first);
      else if (consts && a == TGI_IX_NONE && b == TGI_IX_NONE && c == TGI_IX_NONE)
        len = xt->shape[axis];
      else len = -1;
    }
    out->shape[d] = len;
  }
  return 1;
}

/* ---- printing ---- */

static size_t put(char *buf, size_t n, size_t k, const char *fmt, long long v) {
  if (k >= n) return k;
  return k + (size_t)snprintf(buf + k, n - k, fmt, v);
}

static size_t put_bound(char *buf, size_t n, size_t k, const tgi_ix_entry *e, int flag,
                        int64_t v) {
  if (e->flags & flag) return put(buf, n, k, "$%lld", (long long)v);
  if (v == TGI_IX_NONE) return k;
  return put(buf, n, k, "%lld", (long long)v);
}

void tgi_ix_describe(const tg_op *op, const char *name, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "%s{", name);
  for (int i = 0; i < tgi_ix_n(op); i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    if (i) k = put(buf, n, k, ", ", 0);
    switch (e.kind) {
      case TGI_IX_INT: k = put_bound(buf, n, k, &e, TGI_IX_F_A, e.a); break;
      case TGI_IX_SLICE:
        k = put_bound(buf, n, k, &e, TGI_IX_F_A, e.a);
        k = put(buf, n, k, ":", 0);
        k = put_bound(buf, n, k, &e, TGI_IX_F_B, e.b);
        if (e.c != TGI_IX_NONE || (e.flags & TGI_IX_F_C)) {
          k = put(buf, n, k, ":", 0);
          k = put_bound(buf, n, k, &e, TGI_IX_F_C, e.c);
        }
        break;
      case TGI_IX_NEWAXIS: k = put(buf, n, k, "None", 0); break;
      case TGI_IX_ADV: k = put(buf, n, k, "[$%lld]", (long long)e.a); break;
      default: k = put(buf, n, k, "[$%lld:bool]", (long long)e.a); break;
    }
  }
  put(buf, n, k, "}", 0);
}
