/* extra_grad.c: gradients of the extra ops (Theano's rules where Theano has one):
     cumsum     reversed cumsum of gz (flip, cumsum, flip);
     cumprod    flip(cumsum(flip(z * gz))) / x: assumes x has no zeros (a zero gives inf or
                nan there, as Theano's CumOp{mul} does);
     diff       the transpose of one difference, n times: pad gz with a zero on each side
                along the axis and subtract;
     sort       gz gathered through argsort(argsort(x)) (the inverse permutation); at
                ties each element gets the gradient of the place the stable sort put it;
     repeat     gz summed over the copies (reshape + sum for a scalar count, an
                inc_subtensor on zeros through repeat(arange(n), repeats) for a vector);
     tile       gz reshaped to (reps, n) per dim and summed over the reps;
     roll       roll gz back; flip: flip gz; tril/triu: the same mask on gz;
     diag       of a vector: the diagonal of gz; diagonal (and trace, built from it): gz
                added onto the diagonal of zeros;
     bincount   with weights: gz[x] for the weights;
     arange     start gets sum(gz), step sum(gz * i), stop none (lengths are flat);
     linspace   start gets sum(gz * (1 - t)), stop sum(gz * t), t = i / max(div, 1).
   argsort, searchsorted, nonzero, bincount's counts, eye and tri have integer outputs or
   integer inputs only: nothing flows (tgx_grad_none). unique is not differentiable (which
   of tied values survives is a choice): its rule is an error naming it. */
#include "../ops/extra_impl.h"

/* A result for input x: static 1s summed back, x's dtype. */
static tg_var *fit(tg_var *v, const tg_var *x) { return v ? tgi_grad_unbroadcast(v, x) : NULL; }

/* The forward op's axis (params[0], TGX_NONE for "flattened") as a builder argument. */
static int user_axis(int64_t a) { return a == TGX_NONE ? TG_AXIS_NONE : (int)a; }

static tg_var *flip1(tg_var *v, int axis) { return tg_flip(v, 1, &axis); }

/* v (1-d, x flattened) back to x's shape. */
static tg_var *unflatten(tg_var *v, tg_var *x) { return tg_reshape(v, tg_shape(x)); }

/* 0..len-1 as int64. */
static tg_var *iota(tg_graph *g, tg_var *len) {
  return tg_arange(g, tgi_dim_const(g, 0), len, tgi_dim_const(g, 1), TG_INT64);
}

bool tgx_grad_none(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g, (void)nd, (void)og, (void)ig;
  return true;
}

bool tgx_unique_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)nd, (void)og, (void)ig;
  tgi_gfail(g, TG_ERR_NOTIMPL, "grad: Unique is not differentiable (which of equal values it "
            "keeps is a choice, as in Theano, which has no gradient for it either)");
  return false;
}

bool tgx_cumsum_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  int axis = nd->op->params[0] == TGX_NONE ? 0 : (int)nd->op->params[0];
  tg_var *r = flip1(tg_cumsum(flip1(gz, axis), axis), axis);
  if (nd->op->params[0] == TGX_NONE) r = unflatten(r, x);
  return (ig[0] = fit(r, x)) != NULL;
}

bool tgx_cumprod_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0], *z = nd->out[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  bool flat = nd->op->params[0] == TGX_NONE;
  int axis = flat ? 0 : (int)nd->op->params[0];
  tg_var *xs = flat ? tg_flatten(x, 1) : x;
  tg_var *r = tg_true_div(flip1(tg_cumsum(flip1(tg_mul(z, gz), axis), axis), axis), xs);
  if (flat) r = unflatten(r, x);
  return (ig[0] = fit(r, x)) != NULL;
}

/* Diff params: [n, axis]. One difference d_i = x_{i+1} - x_i has the transpose
   g -> [0, g] - [g, 0]; n of them grow gz back to length max(len - n, 0) + n, which is
   len unless len < n (then gz was empty and the result all zeros): slice to len. */
bool tgx_diff_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *r = og[0];
  if (!r || !tg_dtype_is_float(x->type.dtype)) return true;
  int64_t n = nd->op->params[0];
  int axis = (int)nd->op->params[1], r_nd = x->type.ndim;
  if (n == 0) return (ig[0] = fit(r, x)) != NULL;
  tg_var *dims[TG_MAX_NDIM];
  for (int d = 0; d < r_nd; d++)
    if (!(dims[d] = d == axis ? tgi_dim_const(g, 1) : tg_shape_i(x, d))) return false;
  tg_var *zero = tg_alloc(tg_const_typed(g, x->type.dtype, 0), r_nd, dims);
  for (int64_t k = 0; k < n && r; k++)
    r = tg_sub(tg_concatenate(2, (tg_var *[]){zero, r}, axis),
               tg_concatenate(2, (tg_var *[]){r, zero}, axis));
  int64_t len = x->type.shape[axis];
  if (r && !(len >= 0 && len >= n)) {
    tg_idx idx[TG_MAX_NDIM];
    for (int d = 0; d < axis; d++) idx[d] = TG_ALL;
    idx[axis] = TG_SLICE_VARS(NULL, tg_shape_i(x, axis), NULL);
    r = tg_subtensor(r, axis + 1, idx);
  }
  return (ig[0] = fit(r, x)) != NULL;
}

/* gz[i_0, ..., rev, ..., i_r] with rev at axis and aranges broadcast along the other
   dims: numpy's take_along_axis, an AdvancedSubtensor (whose own gradient scatters). */
static tg_var *take_along(tg_graph *g, tg_var *gz, tg_var *rev, int axis) {
  int r = gz->type.ndim;
  tg_idx idx[TG_MAX_NDIM];
  for (int d = 0; d < r; d++) {
    if (d == axis) {
      idx[d] = TG_VAR(rev);
      continue;
    }
    int pat[TG_MAX_NDIM];
    for (int i = 0; i < r; i++) pat[i] = i == d ? 0 : -1;
    tg_var *ar = tg_dimshuffle(iota(g, tg_shape_i(rev, d)), r, pat);
    if (!ar) return NULL;
    idx[d] = TG_VAR(ar);
  }
  return tg_subtensor(gz, r, idx);
}

bool tgx_sort_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  bool flat = nd->op->params[0] == TGX_NONE;
  int axis = flat ? 0 : (int)nd->op->params[0];
  tg_var *xs = flat ? tg_flatten(x, 1) : x;
  /* sorted[j] = x[p[j]] with p = argsort(x); x[i] went to position inv[i] = argsort(p)[i]
     (both sorts are stable and agree on ties) */
  tg_var *inv = tg_argsort(tg_argsort(xs, axis), axis);
  tg_var *r = inv ? take_along(g, gz, inv, axis) : NULL;
  if (flat) r = unflatten(r, x);
  return (ig[0] = fit(r, x)) != NULL;
}

/* Repeat: in = (x, repeats); params[0] = axis. */
bool tgx_repeat_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *rep = nd->in[1], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  bool flat = nd->op->params[0] == TGX_NONE;
  int axis = flat ? 0 : (int)nd->op->params[0];
  tg_var *xs = flat ? tg_flatten(x, 1) : x, *r;
  if (!xs) return false;
  int rk = xs->type.ndim;
  if (rep->type.ndim == 0 && rk < TG_MAX_NDIM) {
    /* output position i * c + j comes from i: split the axis into (n, c), sum the c */
    tg_var *dims[TG_MAX_NDIM];
    for (int d = 0, k = 0; d < rk; d++) {
      dims[k++] = tg_shape_i(xs, d);
      if (d == axis) dims[k++] = tgx_as_i64(rep);
    }
    for (int d = 0; d <= rk; d++)
      if (!dims[d]) return false;
    r = tg_sum(tg_reshape(gz, tg_make_vector(g, rk + 1, dims)), 1, (int[]){axis + 1}, false);
  } else {
    /* a count per element (or one broadcast): output position k came from src[k], with
       src = repeat(arange(n), repeats); the copies accumulate through an inc_subtensor */
    tg_var *src = tg_repeat(iota(g, tg_shape_i(xs, axis)), rep, 0);
    tg_idx idx[TG_MAX_NDIM];
    for (int d = 0; d < axis; d++) idx[d] = TG_ALL;
    idx[axis] = TG_VAR(src);
    r = src ? tg_inc_subtensor(tg_zeros_like(xs), gz, axis + 1, idx) : NULL;
  }
  if (flat) r = unflatten(r, x);
  return (ig[0] = fit(r, x)) != NULL;
}

/* Tile params: [d, reps of each output dim]; x is padded with leading 1s to rank d.
   Output dim i has length reps_i * n_i, copy-major: reshape it to (reps_i, n_i) wherever
   reps_i != 1, sum those, and reshape to x's shape (dropping the padding). */
bool tgx_tile_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  int d = (int)nd->op->params[0], pad = d - x->type.ndim, k = 0, na = 0;
  const int64_t *reps = nd->op->params + 1;
  int cnt = 0;
  for (int i = 0; i < d; i++) cnt += reps[i] != 1;
  if (d + cnt > TG_MAX_NDIM) {
    tgi_gfail(g, TG_ERR_NOTIMPL, "grad: Tile to rank %d with %d repeated dims is too large to "
              "differentiate (a rank-%d intermediate)", d, cnt, d + cnt);
    return false;
  }
  tg_var *dims[TG_MAX_NDIM];
  int axes[TG_MAX_NDIM];
  for (int i = 0; i < d; i++) {
    if (reps[i] != 1) {
      axes[na++] = k;
      dims[k++] = tgi_dim_const(g, reps[i]);
    }
    dims[k++] = i < pad ? tgi_dim_const(g, 1) : tg_shape_i(x, i - pad);
  }
  for (int i = 0; i < k; i++)
    if (!dims[i]) return false;
  tg_var *r = gz;
  if (cnt) r = tg_sum(tg_reshape(gz, tg_make_vector(g, k, dims)), na, axes, false);
  if (pad) r = tg_reshape(r, tg_shape(x));
  return (ig[0] = fit(r, x)) != NULL;
}

/* Roll: in = (x, shift); params[0] = axis. */
bool tgx_roll_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  tg_var *back = tg_neg(tgx_as_i64(nd->in[1]));
  return (ig[0] = fit(tg_roll(gz, back, user_axis(nd->op->params[0])), x)) != NULL;
}

/* Flip params: [bitmask of the reversed axes]. */
bool tgx_flip_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  uint64_t mask = (uint64_t)nd->op->params[0];
  int axes[TG_MAX_NDIM], n = 0;
  for (int d = 0; d < x->type.ndim; d++)
    if ((mask >> d) & 1) axes[n++] = d;
  return (ig[0] = fit(tg_flip(gz, n, axes), x)) != NULL;
}

/* Tril and Triu: params[0] = k; the mask is linear, so it is its own transpose. */
bool tgx_tril_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!og[0] || !tg_dtype_is_float(x->type.dtype)) return true;
  return (ig[0] = fit(tg_tril(og[0], (int)nd->op->params[0]), x)) != NULL;
}

bool tgx_triu_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!og[0] || !tg_dtype_is_float(x->type.dtype)) return true;
  return (ig[0] = fit(tg_triu(og[0], (int)nd->op->params[0]), x)) != NULL;
}

/* AllocDiag (diag of a vector): params[0] = k; v sits on diagonal k of the output. */
bool tgx_allocdiag_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!og[0] || !tg_dtype_is_float(x->type.dtype)) return true;
  return (ig[0] = fit(tg_diagonal(og[0], (int)nd->op->params[0], 0, 1), x)) != NULL;
}

/* Diagonal params: [offset, axis1, axis2]; the result has x's other dims, then the
   diagonal. gz is added at positions (i + max(-k, 0), i + max(k, 0)) of zeros laid out
   as x with axis1 and axis2 moved last (so the indexed region has gz's layout), which
   are then moved back. */
bool tgx_diagonal_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  int64_t k = nd->op->params[0];
  int a1 = (int)nd->op->params[1], a2 = (int)nd->op->params[2], r = x->type.ndim, m = 0;
  int perm[TG_MAX_NDIM], inv[TG_MAX_NDIM];
  for (int d = 0; d < r; d++)
    if (d != a1 && d != a2) perm[m++] = d;
  perm[r - 2] = a1, perm[r - 1] = a2;
  tg_var *dims[TG_MAX_NDIM];
  for (int j = 0; j < r; j++) {
    inv[perm[j]] = j;
    if (!(dims[j] = tg_shape_i(x, perm[j]))) return false;
  }
  tg_var *base = iota(g, tg_shape_i(nd->out[0], -1));
  tg_var *i1 = k < 0 ? tg_add(base, tgi_dim_const(g, -k)) : base;
  tg_var *i2 = k > 0 ? tg_add(base, tgi_dim_const(g, k)) : base;
  if (!i1 || !i2) return false;
  tg_idx idx[TG_MAX_NDIM];
  for (int d = 0; d < r - 2; d++) idx[d] = TG_ALL;
  idx[r - 2] = TG_VAR(i1), idx[r - 1] = TG_VAR(i2);
  tg_var *z = tg_inc_subtensor(tg_zeros(g, r, dims, x->type.dtype), gz, r, idx);
  bool moved = a1 != r - 2 || a2 != r - 1;
  return (ig[0] = fit(moved ? tg_transpose(z, r, inv) : z, x)) != NULL;
}

/* Bincount: in = (x[, weights]); out[x[i]] += w[i], so w gets gz[x]. */
bool tgx_bincount_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  if (nd->n_in < 2 || !og[0] || !tg_dtype_is_float(nd->in[1]->type.dtype)) return true;
  tg_var *pos = nd->in[0];
  if (pos->type.dtype == TG_BOOL && !(pos = tg_cast(pos, TG_INT64))) return false; /* not a mask */
  return (ig[1] = fit(tg_subtensor(og[0], TG_IDX(TG_VAR(pos))), nd->in[1])) != NULL;
}

/* Arange: in = (start, stop, step); out[i] = start + i * step (in the output's dtype). */
bool tgx_arange_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *gz = og[0], *z = nd->out[0];
  if (!gz || !tg_dtype_is_float(z->type.dtype)) return true;
  if (tg_dtype_is_float(nd->in[0]->type.dtype) &&
      !(ig[0] = fit(tg_sum(gz, TG_ALL_AXES, false), nd->in[0])))
    return false;
  if (tg_dtype_is_float(nd->in[2]->type.dtype)) {
    tg_var *i = tg_cast(iota(g, tg_shape_i(z, 0)), z->type.dtype);
    if (!(ig[2] = fit(tg_sum(tg_mul(gz, i), TG_ALL_AXES, false), nd->in[2]))) return false;
  }
  return true;
}

/* Linspace: in = (start, stop, num); params[0] = endpoint. out[i] = start + t_i (stop -
   start), t_i = i / div with div = num - 1 (endpoint) or num; where div is 0 only i = 0
   exists and t = 0, hence max(div, 1). Integer results are floored: no gradient. */
bool tgx_linspace_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *gz = og[0], *z = nd->out[0];
  if (!gz || !tg_dtype_is_float(z->type.dtype)) return true;
  tg_dtype dt = z->type.dtype;
  tg_var *len = tg_shape_i(z, 0);
  tg_var *div = nd->op->params[0] ? tg_sub(len, tgi_dim_const(g, 1)) : len;
  tg_var *t = tg_true_div(tg_cast(iota(g, len), dt),
                          tg_cast(tg_maximum(div, tgi_dim_const(g, 1)), dt));
  tg_var *gt = tg_mul(gz, t);
  if (tg_dtype_is_float(nd->in[0]->type.dtype) &&
      !(ig[0] = fit(tg_sum(tg_sub(gz, gt), TG_ALL_AXES, false), nd->in[0])))
    return false;
  if (tg_dtype_is_float(nd->in[1]->type.dtype) &&
      !(ig[1] = fit(tg_sum(gt, TG_ALL_AXES, false), nd->in[1])))
    return false;
  return true;
}
