/* subtensor_shape.c: the symbolic shape rule of Subtensor and AdvancedSubtensor: the
   length of a slice as an int64 graph over the dim and the (possibly symbolic) bounds,
   Python's slice.indices() written with switch/maximum/minimum; the broadcast dims of the
   index arrays; a mask's length as the sum of the mask (it depends on its values). */
#include "index_impl.h"

/* A slice bound as an int64 scalar variable, or NULL when omitted. */
static tg_var *bound(tg_graph *g, const tg_node *nd, const tgi_ix_entry *e, int flag,
                     int64_t v) {
  if (e->flags & flag) {
    tg_var *s = nd->in[v];
    return s->type.dtype == TG_INT64 ? s : tg_cast(s, TG_INT64);
  }
  return v == TGI_IX_NONE ? NULL : tgi_dim_const(g, v);
}

/* v < 0 ? max(v + n, lo) : min(v, hi) */
static tg_var *clamp(tg_graph *g, tg_var *v, tg_var *n, int64_t lo, tg_var *hi) {
  tg_var *zero = tgi_dim_const(g, 0), *l = tgi_dim_const(g, lo);
  return tg_switch(tg_lt(v, zero), tg_maximum(tg_add(v, n), l), tg_minimum(v, hi));
}

/* Number of positions of start:stop:step for step > 0 (sign = 1) or of start:stop:-step
   for step < 0 (sign = -1, astep = -step > 0). */
static tg_var *length(tg_graph *g, tg_var *n, tg_var *start, tg_var *stop, tg_var *astep,
                      int sign) {
  tg_var *one = tgi_dim_const(g, 1), *zero = tgi_dim_const(g, 0);
  tg_var *from, *to;
  if (sign > 0) {
    from = start ? clamp(g, start, n, 0, n) : zero;
    to = stop ? clamp(g, stop, n, 0, n) : n;
  } else {
    tg_var *last = tg_sub(n, one);
    from = stop ? clamp(g, stop, n, -1, last) : tgi_dim_const(g, -1);
    to = start ? clamp(g, start, n, -1, last) : last;
  }
  /* (to - from - 1) // astep + 1 when to > from, else 0: no overflow for any astep */
  tg_var *d = tg_sub(to, from);
  return tg_switch(tg_gt(d, zero), tg_add(tg_floor_div(tg_sub(d, one), astep), one), zero);
}

static tg_var *slice_len(tg_graph *g, const tg_node *nd, const tgi_ix_entry *e, tg_var *n) {
  tg_var *start = bound(g, nd, e, TGI_IX_F_A, e->a), *stop = bound(g, nd, e, TGI_IX_F_B, e->b);
  if (!(e->flags & TGI_IX_F_C)) {
    int64_t c = e->c == TGI_IX_NONE ? 1 : e->c;
    if (c > 0) return length(g, n, start, stop, tgi_dim_const(g, c), 1);
    /* -c of INT64_MIN cannot be made; such a step takes at most one position anyway */
    return length(g, n, start, stop, tgi_dim_const(g, c == INT64_MIN ? INT64_MAX : -c), -1);
  }
  tg_var *step = bound(g, nd, e, TGI_IX_F_C, e->c);
  tg_var *pos = length(g, n, start, stop, step, 1);
  tg_var *neg = length(g, n, start, stop, tg_neg(step), -1);
  return tg_switch(tg_gt(step, tgi_dim_const(g, 0)), pos, neg);
}

bool tgi_ix_region_dims(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                        tg_var **dims) {
  const tg_op *op = nd->op;
  tgi_ix_layout L;
  tgi_ix_layout_make(op, nd->in[0]->type.ndim, &L);
  /* the advanced sources' dims (a mask is one dim: its count) */
  int nsrc = 0, nb = 0, src_nd[TG_MAX_NDIM];
  tg_var **src_dims[TG_MAX_NDIM], *counts[TG_MAX_NDIM];
  for (int i = 0; i < L.n_entries; i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    if (e.kind == TGI_IX_ADV) {
      src_nd[nsrc] = nd->in[e.a]->type.ndim;
      src_dims[nsrc++] = in_dims[e.a];
    } else if (e.kind == TGI_IX_MASK) {
      counts[nsrc] = tg_sum(nd->in[e.a], -1, NULL, false); /* bool sums are int64 */
      if (!counts[nsrc]) return false;
      src_nd[nsrc] = 1;
      src_dims[nsrc] = &counts[nsrc];
      nsrc++;
    } else {
      continue;
    }
    if (src_nd[nsrc - 1] > nb) nb = src_nd[nsrc - 1];
  }
  int bpos = L.front ? 0 : L.bpos;
  for (int j = 0; j < nb; j++) {
    /* numpy broadcasting: a length of 1 gives way to the other */
    tg_var *cur = NULL;
    for (int s = 0; s < nsrc; s++) {
      int k = j - (nb - src_nd[s]);
      if (k < 0) continue;
      tg_var *len = src_dims[s][k];
      cur = cur ? tg_switch(tg_eq(cur, tgi_dim_const(g, 1)), len, cur) : len;
    }
    if (!(dims[bpos + j] = cur)) return false;
  }
  for (int k = 0; k < L.n_other; k++) {
    int d = k < bpos ? k : k + nb, axis = L.other_axis[k];
    tg_var *v;
    if (axis < 0) v = tgi_dim_const(g, 1);
    else if (L.other_entry[k] < 0) v = in_dims[0][axis];
    else {
      tgi_ix_entry e = tgi_ix_get(op, L.other_entry[k]);
      v = slice_len(g, nd, &e, in_dims[0][axis]);
    }
    if (!(dims[d] = v)) return false;
  }
  return true;
}
