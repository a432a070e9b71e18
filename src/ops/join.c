/* join.c: Join (numpy's concatenate, Theano's join), stack (a Join of expand_dims), and
   Split (one node, one output per piece, each a view of the input as numpy.split gives). */
#include <stdio.h>

#include "shape_impl.h"

/* ---- Join ---- */

/* Static checks shared by concatenate and stack, worded for name: equal ranks, at least 1,
   and static dims that agree outside the axis. */
static bool join_check(const char *name, int n, tg_var *const *xs, int axis) {
  tg_graph *g = xs[0]->g;
  int nd = xs[0]->type.ndim;
  char b1[160], b2[160];
  for (int i = 1; i < n; i++) {
    const tg_type *t = &xs[i]->type;
    if (t->ndim != nd) {
      tgi_gfail(g, TG_ERR_TYPE, "%s: input %d has rank %d but input 0 has rank %d (%s vs %s)", name,
                i, t->ndim, nd, tgi_type_str(t, b1, sizeof b1),
                tgi_type_str(&xs[0]->type, b2, sizeof b2));
      return false;
    }
  }
  for (int d = 0; d < nd; d++) {
    if (d == axis) continue;
    int first = -1; /* the first input with a static length here */
    for (int i = 0; i < n; i++) {
      int64_t s = xs[i]->type.shape[d];
      if (s < 0) continue;
      if (first < 0) first = i;
      else if (s != xs[first]->type.shape[d]) {
        tgi_gfail(g, TG_ERR_SHAPE,
                  "%s: input %d is %s but input %d is %s; they must agree outside axis %d", name, i,
                  tgi_type_str(&xs[i]->type, b1, sizeof b1), first,
                  tgi_type_str(&xs[first]->type, b2, sizeof b2), axis);
        return false;
      }
    }
  }
  return true;
}

static int join_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  int axis = (int)op->params[0], nd = in[0]->type.ndim;
  if (axis >= nd) {
    tgi_gfail(g, TG_ERR_VALUE, "Join: axis %d for rank %d", axis, nd);
    return -1;
  }
  if (!join_check("Join", n_in, in, axis)) return -1;
  out->dtype = op->dtype;
  out->ndim = nd;
  for (int d = 0; d < nd; d++) {
    int64_t s = d == axis ? 0 : -1;
    for (int i = 0; i < n_in; i++) {
      int64_t si = in[i]->type.shape[d];
      if (d != axis) {
        if (si >= 0) s = si;
      } else if (s >= 0) {
        if (si < 0 || __builtin_add_overflow(s, si, &s)) s = -1;
      }
    }
    out->shape[d] = s;
  }
  return 1;
}

static tg_status join_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_out;
  int axis = (int)op->params[0], nd = in[0]->ndim;
  int64_t shape[TG_MAX_NDIM];
  char b1[256], b2[256];
  memcpy(shape, in[0]->shape, sizeof(int64_t) * (size_t)nd);
  shape[axis] = 0;
  for (int i = 0; i < n_in; i++) {
    bool ok = in[i]->ndim == nd;
    for (int d = 0; ok && d < nd; d++) ok = d == axis || in[i]->shape[d] == shape[d];
    if (!ok)
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "Join: input %d has shape %s, which does not match input 0's %s outside "
                         "axis %d",
                         i, tgi_shape_str(in[i]->ndim, in[i]->shape, b1, sizeof b1),
                         tgi_shape_str(nd, in[0]->shape, b2, sizeof b2), axis);
    if (__builtin_add_overflow(shape[axis], in[i]->shape[axis], &shape[axis]))
      return tgi_err_set(err, TG_ERR_VALUE, "Join: the joined length overflows");
  }
  tg_array *o = out[0];
  if (!o) {
    if (!(o = tgi_array_alloc(op->dtype, nd, shape, true, false)))
      return tgi_err_set(err, tg_errstatus(), "Join: %s", tg_errmsg());
  } else if (o->ndim != nd || memcmp(o->shape, shape, sizeof(int64_t) * (size_t)nd) != 0) {
    return tgi_err_set(err, TG_ERR_SHAPE, "Join: the given output has shape %s, expected %s",
                       tgi_shape_str(o->ndim, o->shape, b1, sizeof b1),
                       tgi_shape_str(nd, shape, b2, sizeof b2));
  }
  /* each input is copied (converted to the output dtype) into its slab of the output */
  int64_t off = 0;
  for (int i = 0; i < n_in && o->size > 0; i++) {
    const tg_array *x = in[i];
    if (x->size > 0) {
      tg_array *slab = tg_array_view(o, nd, x->shape, o->strides, off * o->strides[axis]);
      tg_status st = slab ? tg_array_copy_into(slab, x) : tg_errstatus();
      tg_array_unref(slab);
      if (st != TG_OK) {
        tgi_err_set(err, st, "Join: %s", tg_errmsg());
        if (o != out[0]) tg_array_unref(o);
        return st;
      }
    }
    off += x->shape[axis];
  }
  out[0] = o;
  return TG_OK;
}

static void join_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Join{axis=%lld}", (long long)op->params[0]);
}

/* The axis dim is the sum of the inputs' (constants folded); the others are input 0's. */
static bool join_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  int axis = (int)nd->op->params[0];
  for (int d = 0; d < nd->out[0]->type.ndim; d++) {
    if (d != axis) {
      out_dims[0][d] = in_dims[0][d];
      continue;
    }
    int64_t c = 0, v;
    tg_var *s = NULL;
    for (int i = 0; i < nd->n_in; i++) {
      tg_var *di = in_dims[i][axis];
      if (tgi_static_scalar(di, &v)) c += v;
      else if (!(s = s ? tg_add(s, di) : di)) return false;
    }
    out_dims[0][d] = !s ? tgi_dim_const(g, c) : c ? tg_add(s, tgi_dim_const(g, c)) : s;
    if (!out_dims[0][d]) return false;
  }
  return true;
}

static const tg_op_class join_class = {
    .name = "Join",
    .infer = join_infer,
    .perform = join_perform,
    .describe = join_describe,
    .infer_shape = join_infer_shape,
    .grad = tgi_join_grad,
};

/* Common front of concatenate and stack: arguments, ranks, the axis (normalised for a
   rank nd + extra tensor), dtype promotion. Returns the graph or NULL. */
static tg_graph *join_args(const char *name, int n, tg_var *const *xs, int *axis, int extra,
                           tg_dtype *dt) {
  if (n < 1 || !xs) {
    tg_graph *g = n > 0 && xs ? tgi_graph_of(n, xs) : NULL;
    if (g) tgi_gfail(g, TG_ERR_ARG, "%s: needs at least one tensor", name);
    else tgi_fail(TG_ERR_ARG, "%s: needs at least one tensor (got %d)", name, n);
    return NULL;
  }
  if (!tgi_check_inputs(name, n, xs)) return NULL;
  tg_graph *g = xs[0]->g;
  int nd = xs[0]->type.ndim + extra;
  for (int i = 1; i < n; i++)
    if (xs[i]->type.ndim != xs[0]->type.ndim) {
      char b1[160], b2[160];
      tgi_gfail(g, TG_ERR_TYPE, "%s: input %d has rank %d but input 0 has rank %d (%s vs %s)", name,
                i, xs[i]->type.ndim, xs[0]->type.ndim, tgi_type_str(&xs[i]->type, b1, sizeof b1),
                tgi_type_str(&xs[0]->type, b2, sizeof b2));
      return NULL;
    }
  if (nd == 0) {
    tgi_gfail(g, TG_ERR_VALUE, "%s: zero-dimensional tensors cannot be concatenated", name);
    return NULL;
  }
  if (nd > TG_MAX_NDIM) {
    tgi_gfail(g, TG_ERR_VALUE, "%s: the result would have rank %d (at most %d)", name, nd,
              TG_MAX_NDIM);
    return NULL;
  }
  if (*axis < -nd || *axis >= nd) {
    tgi_gfail(g, TG_ERR_VALUE, "%s: axis %d is out of range for a rank-%d result", name, *axis, nd);
    return NULL;
  }
  if (*axis < 0) *axis += nd;
  *dt = xs[0]->type.dtype;
  for (int i = 1; i < n; i++) *dt = tg_dtype_promote(*dt, xs[i]->type.dtype);
  return g;
}

static tg_var *join_build(tg_graph *g, int n, tg_var *const *xs, int axis, tg_dtype dt) {
  int64_t p = axis;
  tg_op *op = tgi_op_new(g, &join_class, 0, dt, 1, &p);
  tg_node *nd = op ? tgi_apply(op, n, xs) : NULL;
  return nd ? nd->out[0] : NULL;
}

tg_var *tg_concatenate(int n, tg_var *const *xs, int axis) {
  tg_dtype dt;
  tg_graph *g = join_args("concatenate", n, xs, &axis, 0, &dt);
  if (!g || !join_check("concatenate", n, xs, axis)) return NULL;
  return join_build(g, n, xs, axis, dt);
}

tg_var *tg_stack(int n, tg_var *const *xs, int axis) {
  tg_dtype dt;
  tg_graph *g = join_args("stack", n, xs, &axis, 1, &dt);
  if (!g) return NULL;
  /* stacking needs equal shapes: check them before the new axis makes them differ there */
  if (!join_check("stack", n, xs, -1)) return NULL;
  tg_var **ex = tgi_arena_alloc(g, sizeof(tg_var *) * (size_t)n);
  if (!ex) return NULL;
  for (int i = 0; i < n; i++)
    if (!(ex[i] = tg_expand_dims(xs[i], axis))) return NULL;
  return join_build(g, n, ex, axis, dt);
}

/* ---- Split ---- */

enum { SPLIT_P_AXIS = 0, SPLIT_P_N = 1 };
#define SPLIT_MAX_OUT 8 /* a node has at most 8 outputs (tgi_apply, the VM) */

static int split_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  int axis = (int)op->params[SPLIT_P_AXIS], n = (int)op->params[SPLIT_P_N];
  const tg_type *t = &in[0]->type, *st = &in[1]->type;
  if (axis >= t->ndim || st->dtype != TG_INT64 || st->ndim != 1 || st->shape[0] != n) {
    char b1[160], b2[160];
    tgi_gfail(g, TG_ERR_TYPE, "Split{axis=%d, n=%d}: bad inputs %s, %s", axis, n,
              tgi_type_str(t, b1, sizeof b1), tgi_type_str(st, b2, sizeof b2));
    return -1;
  }
  for (int i = 0; i < n; i++) {
    int64_t s;
    out[i].dtype = t->dtype;
    out[i].ndim = t->ndim;
    memcpy(out[i].shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    if (tgi_static_vec_elem(in[1], i, &s) && s >= 0) out[i].shape[axis] = s;
    else if (n > 1) out[i].shape[axis] = -1; /* one piece is the whole axis */
  }
  return n;
}

static tg_status split_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)n_in;
  int axis = (int)op->params[SPLIT_P_AXIS];
  tg_array *x = in[0];
  const tg_array *sv = in[1];
  int64_t sizes[SPLIT_MAX_OUT], sum = 0;
  char b[512];
  if (sv->ndim != 1 || sv->shape[0] != n_out || n_out > SPLIT_MAX_OUT || axis >= x->ndim)
    return tgi_err_set(err, TG_ERR_SHAPE, "Split: bad sizes vector or axis");
  bool bad = false;
  for (int i = 0; i < n_out; i++) {
    sizes[i] = *(int64_t *)(sv->data + i * sv->strides[0]);
    if (sizes[i] < 0 || __builtin_add_overflow(sum, sizes[i], &sum)) bad = true;
  }
  if (bad || sum != x->shape[axis])
    return tgi_err_set(err, TG_ERR_SHAPE,
                       "Split: the sizes %s must be >= 0 and add up to the length %lld of axis %d",
                       tgi_shape_str(n_out, sizes, b, sizeof b), (long long)x->shape[axis], axis);
  tg_array *piece[SPLIT_MAX_OUT] = {NULL};
  int64_t shape[TG_MAX_NDIM], off = 0;
  memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
  for (int i = 0; i < n_out; i++) {
    shape[axis] = sizes[i];
    piece[i] = tg_array_view(x, x->ndim, shape, x->strides, sizes[i] ? off * x->strides[axis] : 0);
    off += sizes[i];
    if (!piece[i]) {
      tgi_err_set(err, tg_errstatus(), "Split: %s", tg_errmsg());
      goto fail;
    }
  }
  /* caller-given outputs first: they can fail, and out[] must stay untouched on failure */
  for (int i = 0; i < n_out; i++) {
    if (!out[i]) continue;
    tg_array *o = out[i];
    if (o->ndim != x->ndim ||
        memcmp(o->shape, piece[i]->shape, sizeof(int64_t) * (size_t)o->ndim)) {
      char b2[256];
      tgi_err_set(err, TG_ERR_SHAPE, "Split: given output %d has shape %s, expected %s", i,
                  tgi_shape_str(o->ndim, o->shape, b, sizeof b),
                  tgi_shape_str(x->ndim, piece[i]->shape, b2, sizeof b2));
      goto fail;
    }
    if (tg_array_copy_into(o, piece[i]) != TG_OK) {
      tgi_err_set(err, tg_errstatus(), "Split: %s", tg_errmsg());
      goto fail;
    }
  }
  for (int i = 0; i < n_out; i++) {
    if (out[i]) tg_array_unref(piece[i]);
    else out[i] = piece[i];
  }
  return TG_OK;
fail:
  for (int i = 0; i < n_out; i++) tg_array_unref(piece[i]);
  return err->status;
}

static void split_describe(const tg_op *op, char *buf, size_t n) {
  snprintf(buf, n, "Split{axis=%lld, n=%lld}", (long long)op->params[SPLIT_P_AXIS],
           (long long)op->params[SPLIT_P_N]);
}

/* Piece i has the input's dims with sizes[i] along the axis. */
static bool split_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                              tg_var **const *out_dims) {
  (void)g;
  int axis = (int)nd->op->params[SPLIT_P_AXIS];
  for (int i = 0; i < nd->n_out; i++)
    for (int d = 0; d < nd->out[i]->type.ndim; d++) {
      out_dims[i][d] = d != axis ? in_dims[0][d]
                       : nd->n_out == 1 ? in_dims[0][d]
                                        : tgi_shape_elem(nd->in[1], i, NULL);
      if (!out_dims[i][d]) return false;
    }
  return true;
}

static const tg_op_class split_class = {
    .name = "Split",
    .infer = split_infer,
    .perform = split_perform,
    .describe = split_describe,
    .infer_shape = split_infer_shape,
    .grad = tgi_split_grad,
};

tg_var *tg_split_vec(tg_var *x, tg_var *sizes, int axis, tg_var **outs) {
  if (!tgi_check_inputs("split", 2, (tg_var *[]){x, sizes})) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL;
  char tb[160], b[512];
  const tg_type *st = &sizes->type;
  if (!tg_dtype_is_int(st->dtype) || st->ndim != 1 || st->shape[0] < 1 ||
      st->shape[0] > SPLIT_MAX_OUT)
    return tgi_gfail(g, TG_ERR_TYPE,
                     "split: the sizes must be an integer vector of static length 1..%d, got %s",
                     SPLIT_MAX_OUT, tgi_type_str(st, tb, sizeof tb));
  int nd = x->type.ndim, n = (int)st->shape[0];
  if (axis < -nd || axis >= nd)
    return tgi_gfail(g, TG_ERR_VALUE, "split: axis %d is out of range for a rank-%d tensor", axis,
                     nd);
  if (axis < 0) axis += nd;
  int64_t s[SPLIT_MAX_OUT], sum = 0;
  bool known = true;
  for (int i = 0; i < n; i++) {
    if (!tgi_static_vec_elem(sizes, i, &s[i])) {
      known = false;
      s[i] = INT64_MIN;
      continue;
    }
    if (s[i] < 0)
      return tgi_gfail(g, TG_ERR_VALUE, "split: negative size %lld in %s", (long long)s[i],
                       tgi_dims_str(n, s, INT64_MIN, b, sizeof b));
    if (__builtin_add_overflow(sum, s[i], &sum)) sum = -1;
  }
  if (known && x->type.shape[axis] >= 0 && sum != x->type.shape[axis])
    return tgi_gfail(g, TG_ERR_SHAPE,
                     "split: the sizes %s do not add up to the length %lld of axis %d of %s",
                     tgi_dims_str(n, s, INT64_MIN, b, sizeof b), (long long)x->type.shape[axis],
                     axis, tgi_type_str(&x->type, tb, sizeof tb));
  if (st->dtype != TG_INT64 && !(sizes = tg_cast(sizes, TG_INT64))) return NULL;
  int64_t params[2] = {axis, n};
  tg_op *op = tgi_op_new(g, &split_class, 0, x->type.dtype, 2, params);
  tg_node *node = op ? tgi_apply(op, 2, (tg_var *[]){x, sizes}) : NULL;
  if (!node) return NULL;
  for (int i = 0; outs && i < n; i++) outs[i] = node->out[i];
  return node->out[0];
}

tg_var *tg_split(tg_var *x, int n_splits, const int64_t *sizes, int axis, tg_var **outs) {
  if (!tgi_check_inputs("split", 1, &x)) return NULL;
  tg_graph *g = x->g;
  if (n_splits < 1 || n_splits > SPLIT_MAX_OUT || !sizes)
    return tgi_gfail(g, TG_ERR_VALUE, "split: %d pieces (1..%d) or NULL sizes", n_splits,
                     SPLIT_MAX_OUT);
  int64_t n = n_splits;
  tg_array *a = tg_array_from_i64(1, &n, sizes);
  if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "split: out of memory");
  tg_var *c = tgi_const_new(g, a, TGW_NONE);
  tg_array_unref(a);
  return c ? tg_split_vec(x, c, axis, outs) : NULL;
}
