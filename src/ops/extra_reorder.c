/* extra_reorder.c: ops that move elements without computing on them: Repeat (a count or
   one count per element along an axis), Tile, Roll and Flip. Repeat, Tile and Roll build
   an index map per output dim and gather (extra_util.c); Flip is a view with negated
   strides, as numpy's. */
#include "extra_impl.h"

/* Product of the static dims of t (-1 if one is unknown and none is 0). */
static int64_t static_size(const tg_type *t) {
  int64_t n = 1;
  for (int d = 0; d < t->ndim; d++)
    if (t->shape[d] == 0) return 0;
  for (int d = 0; d < t->ndim; d++)
    if (t->shape[d] < 0 || __builtin_mul_overflow(n, t->shape[d], &n)) return -1;
  return n;
}

/* ---- Repeat: in = (x, repeats); params[0] = axis (TGX_NONE: flattened) ---- */

/* Static output length along the axis when repeats is a constant, else -1. */
static int64_t repeat_static_len(int64_t len, const tg_var *rep) {
  if (rep->kind != TGV_CONSTANT) return -1;
  const tg_array *r = rep->value;
  int64_t total = 0;
  if (r->ndim == 0 || r->shape[0] == 1) {
    int64_t c = tgi_load_i64(r->data, r->dtype);
    if (c == 0) return 0;
    return len >= 0 && !__builtin_mul_overflow(len, c, &total) ? total : -1;
  }
  if (len != r->shape[0]) return -1;
  for (int64_t i = 0; i < r->shape[0]; i++)
    if (__builtin_add_overflow(total, tgi_load_i64(r->data + i * r->strides[0], r->dtype), &total))
      return -1;
  return total;
}

static int repeat_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in,
                        tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  int axis = (int)op->params[0];
  out->dtype = t->dtype;
  if (axis == TGX_NONE) {
    out->ndim = 1;
    out->shape[0] = repeat_static_len(static_size(t), in[1]);
  } else {
    out->ndim = t->ndim;
    memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    out->shape[axis] = repeat_static_len(t->shape[axis], in[1]);
  }
  return 1;
}

static tg_status repeat_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  int axis = (int)op->params[0];
  tg_array *x = in[0], *rep = in[1], *r = NULL;
  if (axis == TGX_NONE) {
    if (!(x = tgx_flat("Repeat", x, err))) return err->status;
    axis = 0;
  } else {
    tg_array_ref(x);
  }
  int64_t len = x->shape[axis], nrep = rep->ndim ? rep->shape[0] : 1, total = 0;
  int64_t *map = NULL;
  if (rep->ndim && nrep != len && nrep != 1) {
    tgi_err_set(err, TG_ERR_SHAPE,
                "Repeat: repeats has %lld entries but the axis has length %lld (they must "
                "match, or repeats have one entry)",
                (long long)nrep, (long long)len);
    goto fail;
  }
  for (int64_t i = 0; i < len; i++) {
    int64_t c = tgi_load_i64(rep->data + (nrep == 1 ? 0 : i * rep->strides[0]), rep->dtype);
    if (c < 0) {
      tgi_err_set(err, TG_ERR_VALUE, "Repeat: repeats may not be negative, got %lld",
                  (long long)c);
      goto fail;
    }
    if (__builtin_add_overflow(total, c, &total)) {
      tgi_err_set(err, TG_ERR_VALUE, "Repeat: the repeated length overflows int64");
      goto fail;
    }
  }
  if (len == 0 && nrep == 1 && tgi_load_i64(rep->data, rep->dtype) < 0) {
    tgi_err_set(err, TG_ERR_VALUE, "Repeat: repeats may not be negative, got %lld",
                (long long)tgi_load_i64(rep->data, rep->dtype));
    goto fail;
  }
  int64_t shape[TG_MAX_NDIM];
  memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
  shape[axis] = total;
  if (!(r = tgx_out("Repeat", out[0], x->dtype, x->ndim, shape, err))) goto fail;
  if (r->size > 0) {
    if (!(map = tgi_malloc(sizeof(int64_t) * (size_t)total))) {
      tgi_err_set(err, TG_ERR_NOMEM, "Repeat: out of memory");
      goto fail;
    }
    for (int64_t i = 0, k = 0; i < len; i++) {
      int64_t c = tgi_load_i64(rep->data + (nrep == 1 ? 0 : i * rep->strides[0]), rep->dtype);
      for (int64_t j = 0; j < c; j++) map[k++] = i;
    }
    int64_t *maps[TG_MAX_NDIM] = {NULL};
    maps[axis] = map;
    tgx_gather(r, x->data, x->strides, maps);
  }
  tgi_free(map);
  tg_array_unref(x);
  out[0] = r;
  return TG_OK;
fail:
  tgi_free(map);
  if (r) tgx_drop(r, out[0]);
  tg_array_unref(x);
  return err->status;
}

static void axis_describe(const tg_op *op, char *buf, size_t n) {
  if (op->params[0] == TGX_NONE) snprintf(buf, n, "%s{axis=None}", op->cls->name);
  else snprintf(buf, n, "%s{axis=%lld}", op->cls->name, (long long)op->params[0]);
}

/* The repeated length: len * r for a scalar count (or a vector of one), sum(r) otherwise. */
static bool repeat_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                               tg_var **const *out_dims) {
  const tg_type *t = &nd->in[0]->type;
  tg_var *rep = nd->in[1];
  int axis = (int)nd->op->params[0];
  tg_var *len;
  if (axis == TGX_NONE) {
    len = tgi_dim_const(g, 1);
    for (int d = 0; d < t->ndim && len; d++) len = tg_mul(len, in_dims[0][d]);
  } else {
    for (int d = 0; d < t->ndim; d++) out_dims[0][d] = in_dims[0][d];
    len = in_dims[0][axis];
  }
  tg_var *r64 = tgx_as_i64(rep), *v;
  if (rep->type.ndim == 0) {
    v = tg_mul(len, r64);
  } else {
    tg_var *s = tg_sum(r64, TG_ALL_AXES, false);
    v = tg_switch(tg_eq(in_dims[1][0], tgi_dim_const(g, 1)), tg_mul(len, s), s);
  }
  out_dims[0][axis == TGX_NONE ? 0 : axis] = v;
  return v != NULL;
}

static const tg_op_class repeat_class = {
    .name = "Repeat",
    .infer = repeat_infer,
    .perform = repeat_perform,
    .describe = axis_describe,
    .infer_shape = repeat_infer_shape,
    .grad = tgx_repeat_grad,
};

tg_var *tg_repeat(tg_var *x, tg_var *repeats, int axis) {
  tg_var *in[2] = {x, repeats};
  if (!tgi_check_inputs("repeat", 2, in)) return NULL;
  tg_graph *g = x->g;
  char t[160];
  if (!tgx_is_intlike(repeats->type.dtype) || repeats->type.ndim > 1)
    return tgi_gfail(g, TG_ERR_TYPE, "repeat: repeats must be an integer scalar or vector, got %s",
                     tgi_type_str(&repeats->type, t, sizeof t));
  if (!tgx_axis(g, "repeat", x->type.ndim, &axis, true)) return NULL;
  if (repeats->kind == TGV_CONSTANT) {
    const tg_array *r = repeats->value;
    for (int64_t i = 0; i < r->size; i++) {
      int64_t c = tgi_load_i64(r->data + (r->ndim ? i * r->strides[0] : 0), r->dtype);
      if (c < 0) return tgi_gfail(g, TG_ERR_VALUE, "repeat: repeats may not be negative, got %lld",
                                  (long long)c);
    }
    int64_t len = axis == TGX_NONE ? static_size(&x->type) : x->type.shape[axis];
    if (r->ndim == 1 && r->shape[0] != 1 && len >= 0 && r->shape[0] != len)
      return tgi_gfail(g, TG_ERR_SHAPE,
                       "repeat: repeats has %lld entries but the axis has length %lld",
                       (long long)r->shape[0], (long long)len);
  }
  int64_t p = axis;
  tg_op *op = tgi_op_new(g, &repeat_class, 0, x->type.dtype, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_repeat_n(tg_var *x, int64_t repeats, int axis) {
  if (!tgi_check_inputs("repeat", 1, &x)) return NULL;
  return tg_repeat(x, tgi_dim_const(x->g, repeats), axis);
}

/* ---- Tile: params[0] = d (output rank), params[1 + i] = reps of output dim i ---- */

static int tile_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)n_in;
  const tg_type *t = &in[0]->type;
  int d = (int)op->params[0], pad = d - t->ndim;
  out->dtype = t->dtype;
  out->ndim = d;
  for (int i = 0; i < d; i++) {
    int64_t n = i < pad ? 1 : t->shape[i - pad], rp = op->params[1 + i], o = -1;
    if (rp == 0 || n == 0) o = 0;
    else if (n >= 0 && __builtin_mul_overflow(n, rp, &o)) o = -1;
    out->shape[i] = o;
  }
  return 1;
}

static tg_status tile_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  int d = (int)op->params[0], pad = d - x->ndim;
  int64_t ish[TG_MAX_NDIM], ist[TG_MAX_NDIM], osh[TG_MAX_NDIM];
  for (int i = 0; i < d; i++) {
    ish[i] = i < pad ? 1 : x->shape[i - pad];
    ist[i] = i < pad ? 0 : x->strides[i - pad];
    if (__builtin_mul_overflow(ish[i], op->params[1 + i], &osh[i]))
      return tgi_err_set(err, TG_ERR_VALUE, "Tile: the tiled length of dim %d overflows int64", i);
  }
  tg_array *r = tgx_out("Tile", out[0], x->dtype, d, osh, err);
  if (!r) return err->status;
  int64_t *maps[TG_MAX_NDIM] = {NULL};
  tg_status st = TG_OK;
  for (int i = 0; i < d && r->size > 0 && st == TG_OK; i++) {
    if (op->params[1 + i] == 1) continue;
    if (!(maps[i] = tgi_malloc(sizeof(int64_t) * (size_t)osh[i]))) {
      st = tgi_err_set(err, TG_ERR_NOMEM, "Tile: out of memory");
      break;
    }
    for (int64_t j = 0; j < osh[i]; j++) maps[i][j] = j % ish[i];
  }
  if (st == TG_OK && r->size > 0) tgx_gather(r, x->data, ist, maps);
  for (int i = 0; i < d; i++) tgi_free(maps[i]);
  if (st != TG_OK) {
    tgx_drop(r, out[0]);
    return st;
  }
  out[0] = r;
  return TG_OK;
}

static void tile_describe(const tg_op *op, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "Tile{reps=(");
  int d = (int)op->params[0];
  for (int i = 0; i < d && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? ", %lld" : "%lld", (long long)op->params[1 + i]);
  if (k < n) snprintf(buf + k, n - k, d == 1 ? ",)}" : ")}");
}

static bool tile_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  int d = (int)nd->op->params[0], pad = d - nd->in[0]->type.ndim;
  for (int i = 0; i < d; i++) {
    tg_var *rp = tgi_dim_const(g, nd->op->params[1 + i]);
    out_dims[0][i] = i < pad ? rp : tg_mul(in_dims[0][i - pad], rp);
    if (!out_dims[0][i]) return false;
  }
  return true;
}

static const tg_op_class tile_class = {
    .name = "Tile",
    .infer = tile_infer,
    .perform = tile_perform,
    .describe = tile_describe,
    .infer_shape = tile_infer_shape,
    .grad = tgx_tile_grad,
};

tg_var *tg_tile(tg_var *x, int n, const int64_t *reps) {
  if (!tgi_check_inputs("tile", 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (n < 0 || (n > 0 && !reps))
    return tgi_gfail(g, TG_ERR_ARG, "tile: bad reps (n = %d, reps %s)", n, reps ? "given" : "NULL");
  int d = x->type.ndim > n ? x->type.ndim : n;
  if (d > TG_MAX_NDIM)
    return tgi_gfail(g, TG_ERR_VALUE, "tile: %d reps exceed the largest rank %d", n, TG_MAX_NDIM);
  int64_t p[1 + TG_MAX_NDIM];
  p[0] = d;
  for (int i = 0; i < d; i++) {
    int j = i - (d - n); /* reps are padded with leading ones */
    p[1 + i] = j >= 0 ? reps[j] : 1;
    if (p[1 + i] < 0)
      return tgi_gfail(g, TG_ERR_VALUE, "tile: reps[%d] is %lld; reps must be non-negative", j,
                       (long long)p[1 + i]);
  }
  tg_op *op = tgi_op_new(g, &tile_class, 0, x->type.dtype, 1 + d, p);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- Roll: in = (x, shift); params[0] = axis (TGX_NONE: over x flattened) ---- */

static int same_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  const tg_type *t = &in[0]->type;
  out->dtype = t->dtype;
  out->ndim = t->ndim;
  memcpy(out->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  return 1;
}

static bool same_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) out_dims[0][d] = in_dims[0][d];
  return true;
}

/* s mod n in [0, n) (0 when n is 0). */
static int64_t wrap_shift(int64_t s, int64_t n) {
  if (n == 0) return 0;
  int64_t m = s % n;
  return m < 0 ? m + n : m;
}

static tg_status roll_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  int axis = (int)op->params[0];
  int64_t s = tgi_load_i64(in[1]->data, in[1]->dtype);
  tg_array *r = tgx_out("Roll", out[0], x->dtype, x->ndim, x->shape, err);
  if (!r) return err->status;
  if (r->size == 0) {
    out[0] = r;
    return TG_OK;
  }
  size_t isz = tg_dtype_size(x->dtype);
  if (axis == TGX_NONE) { /* out flat k = x flat (k - s) mod size */
    tg_array *f = tgx_flat("Roll", x, err);
    if (!f) {
      tgx_drop(r, out[0]);
      return err->status;
    }
    int64_t n = f->size, sh = wrap_shift(s, n), idx[TG_MAX_NDIM] = {0}, k = 0;
    do {
      int64_t o = 0;
      for (int d = 0; d < r->ndim; d++) o += idx[d] * r->strides[d];
      int64_t src = k - sh < 0 ? k - sh + n : k - sh;
      memcpy(r->data + o, f->data + src * (int64_t)isz, isz);
      k++;
    } while (tgi_next_index(r->ndim, r->shape, idx));
    tg_array_unref(f);
  } else {
    int64_t n = x->shape[axis], sh = wrap_shift(s, n);
    int64_t *map = tgi_malloc(sizeof(int64_t) * (size_t)n);
    if (!map) {
      tgx_drop(r, out[0]);
      return tgi_err_set(err, TG_ERR_NOMEM, "Roll: out of memory");
    }
    for (int64_t j = 0; j < n; j++) map[j] = j - sh < 0 ? j - sh + n : j - sh;
    int64_t *maps[TG_MAX_NDIM] = {NULL};
    maps[axis] = map;
    tgx_gather(r, x->data, x->strides, maps);
    tgi_free(map);
  }
  out[0] = r;
  return TG_OK;
}

static const tg_op_class roll_class = {
    .name = "Roll",
    .infer = same_infer,
    .perform = roll_perform,
    .describe = axis_describe,
    .infer_shape = same_infer_shape,
    .grad = tgx_roll_grad,
};

tg_var *tg_roll(tg_var *x, tg_var *shift, int axis) {
  tg_var *in[2] = {x, shift};
  if (!tgi_check_inputs("roll", 2, in)) return NULL;
  char t[160];
  if (!tgx_is_intlike(shift->type.dtype) || shift->type.ndim != 0)
    return tgi_gfail(x->g, TG_ERR_TYPE, "roll: shift must be an integer scalar, got %s",
                     tgi_type_str(&shift->type, t, sizeof t));
  if (!tgx_axis(x->g, "roll", x->type.ndim, &axis, true)) return NULL;
  int64_t p = axis;
  tg_op *op = tgi_op_new(x->g, &roll_class, 0, x->type.dtype, 1, &p);
  tg_node *nd = op ? tgi_apply(op, 2, in) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_roll_n(tg_var *x, int64_t shift, int axis) {
  if (!tgi_check_inputs("roll", 1, &x)) return NULL;
  return tg_roll(x, tgi_dim_const(x->g, shift), axis);
}

/* ---- Flip: params[0] = bitmask of the reversed axes ---- */

static tg_status flip_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tg_array *x = in[0];
  uint64_t mask = (uint64_t)op->params[0];
  int64_t st[TG_MAX_NDIM], off = 0;
  for (int d = 0; d < x->ndim; d++) {
    bool rev = (mask >> d) & 1;
    st[d] = rev ? -x->strides[d] : x->strides[d];
    if (rev && x->shape[d] > 0) off += (x->shape[d] - 1) * x->strides[d];
  }
  if (x->size == 0) off = 0; /* an empty view touches nothing */
  tg_array *v = tg_array_view(x, x->ndim, x->shape, st, off);
  if (!v) return tgi_err_set(err, tg_errstatus(), "Flip: %s", tg_errmsg());
  return tgx_deliver("Flip", v, out, err);
}

static void flip_describe(const tg_op *op, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "Flip{axes=(");
  int cnt = 0;
  for (int d = 0; d < TG_MAX_NDIM && k < n; d++)
    if (((uint64_t)op->params[0] >> d) & 1)
      k += (size_t)snprintf(buf + k, n - k, cnt++ ? ", %d" : "%d", d);
  if (k < n) snprintf(buf + k, n - k, cnt == 1 ? ",)}" : ")}");
}

static const tg_op_class flip_class = {
    .name = "Flip",
    .infer = same_infer,
    .perform = flip_perform,
    .describe = flip_describe,
    .infer_shape = same_infer_shape,
    .grad = tgx_flip_grad,
};

tg_var *tg_flip(tg_var *x, int n_axes, const int *axes) {
  if (!tgi_check_inputs("flip", 1, &x)) return NULL;
  tg_graph *g = x->g;
  int nd = x->type.ndim;
  uint64_t mask = 0;
  if (n_axes == -1) {
    mask = nd == 64 ? ~(uint64_t)0 : ((uint64_t)1 << nd) - 1;
  } else {
    if (n_axes < 0 || (n_axes > 0 && !axes))
      return tgi_gfail(g, TG_ERR_ARG, "flip: bad axes (n_axes = %d, axes %s)", n_axes,
                       axes ? "given" : "NULL");
    for (int i = 0; i < n_axes; i++) {
      int a = axes[i];
      if (!tgx_axis(g, "flip", nd, &a, false)) return NULL;
      if ((mask >> a) & 1)
        return tgi_gfail(g, TG_ERR_VALUE, "flip: axis %d is repeated", axes[i]);
      mask |= (uint64_t)1 << a;
    }
  }
  int64_t p = (int64_t)mask;
  tg_op *op = tgi_op_new(g, &flip_class, 0, x->type.dtype, 1, &p);
  tg_node *n = op ? tgi_apply(op, 1, &x) : NULL;
  return n ? n->out[0] : NULL;
}
