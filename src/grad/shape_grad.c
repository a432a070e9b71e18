/* shape_grad.c: gradients of the shape-op family (Theano's rules). Reshape (and flatten)
   reshapes the output gradient back to x's shape; SpecifyShape passes it through;
   DimShuffle applies the inverse pattern, dropping the dims it added and reinserting the
   broadcastable dims it dropped; Join gives each input its slab of the gradient; Split
   joins the pieces' gradients (zeros for a piece without one); Alloc sums the gradient
   over the dims the value was broadcast along. Shape, Shape_i, MakeVector and the internal
   ShapeElem have integer outputs: no gradient flows through them. Every result is a graph
   of ops that have rules themselves, so gradients of gradients work. */
#include "../ops/shape_impl.h"

/* A rule's result for input x: static 1s of x summed back and x's dtype (the driver
   needs x's rank, and later rules read static shapes). */
static tg_var *fit(tg_var *v, const tg_var *x) { return v ? tgi_grad_unbroadcast(v, x) : NULL; }

bool tgi_shape_grad_none(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g, (void)nd, (void)og, (void)ig; /* integer outputs: nothing flows back */
  return true;
}

bool tgi_reshape_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!og[0] || !tg_dtype_is_float(x->type.dtype)) return true;
  /* x's shape, not the gradient's: a Lop then never depends on its eval point's shape */
  return (ig[0] = fit(tg_reshape(og[0], tg_shape(x)), x)) != NULL;
}

bool tgi_specify_shape_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0];
  if (!og[0] || !tg_dtype_is_float(x->type.dtype)) return true;
  return (ig[0] = fit(og[0], x)) != NULL;
}

/* DimShuffle params: [rank of the input, pattern...], a pattern entry being an input dim
   or -1 for an added broadcastable dim ('x'). */
bool tgi_dimshuffle_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  int r = (int)nd->op->params[0], n = nd->op->n_params - 1;
  const int64_t *pat = nd->op->params + 1;
  /* the added dims have length 1; the gradient's type may not say so statically, and only
     statically-1 dims can be dropped, so sum them (a copy of one element) where needed */
  int axes[TG_MAX_NDIM], na = 0;
  for (int i = 0; i < n; i++)
    if (pat[i] < 0 && gz->type.shape[i] != 1) axes[na++] = i;
  if (na && !(gz = tg_sum(gz, na, axes, true))) return false;
  int inv[TG_MAX_NDIM];
  for (int d = 0; d < r; d++) inv[d] = -1; /* dropped dims (static 1) come back as 'x' */
  for (int i = 0; i < n; i++)
    if (pat[i] >= 0) inv[pat[i]] = i;
  return (ig[0] = fit(tg_dimshuffle(gz, r, inv), x)) != NULL;
}

/* Sum of a folded constant c and a symbolic part s (NULL when none). */
static tg_var *dim_sum(tg_graph *g, tg_var *s, int64_t c) {
  if (!s) return tgi_dim_const(g, c);
  return c ? tg_add(s, tgi_dim_const(g, c)) : s;
}

/* Join params: [axis]. Input i gets gz[..., off_i : off_i + len_i] along the axis, with
   the lengths read from the inputs' shapes (constants when static). */
bool tgi_join_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *gz = og[0];
  if (!gz) return true;
  int axis = (int)nd->op->params[0];
  int64_t c = 0; /* the offset: c plus the symbolic part s */
  tg_var *s = NULL;
  tg_idx idx[TG_MAX_NDIM];
  for (int d = 0; d < axis; d++) idx[d] = TG_ALL;
  for (int i = 0; i < nd->n_in; i++) {
    tg_var *x = nd->in[i], *len = tg_shape_i(x, axis);
    if (!len) return false;
    int64_t l;
    bool known = tgi_static_scalar(len, &l);
    tg_var *s2 = known ? s : s ? tg_add(s, len) : len; /* the end: c2 plus s2 */
    int64_t c2 = known ? c + l : c;
    if (!known && !s2) return false;
    if (tg_dtype_is_float(x->type.dtype)) {
      tg_idx e = TG_SLICE(c, c2, TG_NONE);
      if (s) e.start_var = dim_sum(g, s, c);
      if (s2) e.stop_var = dim_sum(g, s2, c2);
      idx[axis] = e;
      if (!(ig[i] = fit(tg_subtensor(gz, axis + 1, idx), x))) return false;
    }
    s = s2, c = c2;
  }
  return true;
}

/* Split params: [axis, n]. The pieces' gradients joined; a piece without one gives zeros
   of its own shape. */
bool tgi_split_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *parts[TGI_MAX_OUT];
  if (!tg_dtype_is_float(x->type.dtype)) return true;
  int axis = (int)nd->op->params[0];
  for (int o = 0; o < nd->n_out; o++)
    if (!(parts[o] = og[o] ? og[o] : tg_zeros_like(nd->out[o]))) return false;
  return (ig[0] = fit(tg_concatenate(nd->n_out, parts, axis), x)) != NULL;
}

/* Alloc: in = (value, dims...). The gradient is summed over the leading dims the value
   lacks and over the dims where the value has length 1 and the output does not. Where
   the value's length is not static (1 or the output's, known only at run time), gz is
   reshaped to (v_d, out_d / max(v_d, 1)) along that dim and the second part summed: that
   is a sum when v_d is 1 and the identity otherwise. */
bool tgi_alloc_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *v = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(v->type.dtype)) return true;
  int n = nd->n_in - 1, vr = v->type.ndim, pad = n - vr;
  int axes[TG_MAX_NDIM], na = 0;
  for (int d = 0; d < pad; d++) axes[na++] = d;
  if (na && !(gz = tg_sum(gz, na, axes, false))) return false;
  na = 0;
  bool ambiguous[TG_MAX_NDIM] = {false}, summed[TG_MAX_NDIM] = {false};
  int n_amb = 0;
  for (int d = 0; d < vr; d++) {
    int64_t vs = v->type.shape[d], os = nd->out[0]->type.shape[d + pad];
    if (vs == 1 && os != 1) axes[na++] = d, summed[d] = true;
    else if (vs < 0 && os != 1) ambiguous[d] = true, n_amb++;
  }
  if (na && !(gz = tg_sum(gz, na, axes, true))) return false;
  if (n_amb) {
    if (vr + n_amb > TG_MAX_NDIM) {
      tgi_gfail(g, TG_ERR_NOTIMPL, "grad: Alloc of a rank-%d value with %d dims of unknown "
                "length is too large to differentiate", vr, n_amb);
      return false;
    }
    tg_var *dims[TG_MAX_NDIM], *one = tgi_dim_const(g, 1);
    int k = 0;
    na = 0;
    for (int d = 0; d < vr; d++) {
      tg_var *od = nd->in[1 + d + pad]; /* the output's length there */
      if (!ambiguous[d]) {
        dims[k++] = summed[d] ? one : od;
        continue;
      }
      tg_var *vd = tg_shape_i(v, d);
      dims[k++] = vd;
      axes[na++] = k;
      dims[k++] = tg_floor_div(od, tg_maximum(vd, one));
    }
    for (int i = 0; i < k; i++)
      if (!dims[i]) return false;
    if (!(gz = tg_sum(tg_reshape(gz, tg_make_vector(g, k, dims)), na, axes, false))) return false;
  }
  return (ig[0] = fit(gz, v)) != NULL;
}
