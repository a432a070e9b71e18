/* subtensor.c: the indexing builders (tg_subtensor, tg_set_subtensor, tg_inc_subtensor,
   tg_take): checking an index expression and normalising it into op params (index_impl.h),
   choosing basic (Subtensor, IncSubtensor) or advanced (AdvancedSubtensor,
   AdvancedIncSubtensor) indexing; the Subtensor and IncSubtensor classes; the catalogue. */
#include <stdio.h>

#include "index_impl.h"

/* A normalised index expression being built. */
typedef struct ixb {
  tg_graph *g;
  const char *name;
  int n_in;
  tg_var *in[2 + 3 * TGI_IX_MAXE];
  int ne;
  int64_t params[TGI_IX_P_HEAD + TGI_IX_P_ENTRY * TGI_IX_MAXE];
} ixb;

static bool push(ixb *b, int kind, int flags, int64_t a, int64_t bb, int64_t c) {
  if (b->ne >= TGI_IX_MAXE) {
    tgi_gfail(b->g, TG_ERR_VALUE, "%s: the index expression has too many entries (the most is %d)",
              b->name, TGI_IX_MAXE);
    return false;
  }
  int64_t *p = b->params + TGI_IX_P_HEAD + TGI_IX_P_ENTRY * b->ne++;
  p[0] = kind, p[1] = flags, p[2] = a, p[3] = bb, p[4] = c;
  return true;
}

static int64_t const_int(const tg_var *v) { return tgi_load_i64(v->value->data, v->value->dtype); }

/* A symbolic scalar (slice bound or position): check it is a 0-d integer; fold a constant
   into *val, else make it an input and set the flag bit. */
static bool scalar_part(ixb *b, int entry, const char *what, tg_var *v, int flag, int *flags,
                        int64_t *val) {
  char t[160];
  if (v->g != b->g) {
    tgi_gfail(b->g, TG_ERR_ARG, "%s: the %s of index %d belongs to another graph", b->name, what,
              entry);
    return false;
  }
  if (v->type.ndim != 0 || !tg_dtype_is_int(v->type.dtype)) {
    tgi_gfail(b->g, TG_ERR_TYPE, "%s: the %s of index %d must be an integer scalar, got %s",
              b->name, what, entry, tgi_type_str(&v->type, t, sizeof t));
    return false;
  }
  if (v->kind == TGV_CONSTANT) {
    *val = const_int(v);
    if (*val == TGI_IX_NONE) *val = TGI_IX_NONE + 1; /* clamps the same, and is not 'omitted' */
    return true;
  }
  *flags |= flag;
  *val = b->n_in;
  b->in[b->n_in++] = v;
  return true;
}

/* Check an index tensor given with TG_VAR; returns how many dims of x it consumes, -1 on
   error. *mask says whether it is a bool mask, *array whether it has dims. */
static int check_var(ixb *b, int i, tg_var *v, bool *mask, bool *array) {
  char t[160];
  if (!v) {
    tgi_gfail(b->g, TG_ERR_ARG, "%s: index %d is TG_VAR(NULL)", b->name, i);
    return -1;
  }
  if (v->g != b->g) {
    tgi_gfail(b->g, TG_ERR_ARG, "%s: index %d belongs to another graph", b->name, i);
    return -1;
  }
  tg_dtype dt = v->type.dtype;
  if (dt != TG_BOOL && !tg_dtype_is_int(dt)) {
    tgi_gfail(b->g, TG_ERR_TYPE,
              "%s: index %d is %s; indices must be integers (or bool for a mask)", b->name, i,
              tgi_type_str(&v->type, t, sizeof t));
    return -1;
  }
  *mask = dt == TG_BOOL;
  *array = v->type.ndim > 0;
  if (*mask && !*array) {
    tgi_gfail(b->g, TG_ERR_TYPE, "%s: index %d is a 0-d bool; a mask needs at least one dim",
              b->name, i);
    return -1;
  }
  return *mask ? v->type.ndim : 1;
}

static const tg_op_class *pick_class(bool adv, bool inc) {
  if (adv) return inc ? &tgi_adv_inc_subtensor_class : &tgi_adv_subtensor_class;
  return inc ? &tgi_inc_subtensor_class : &tgi_subtensor_class;
}

static tg_var *build(const char *name, tg_var *x, tg_var *y, int code, int n, const tg_idx *idx) {
  tg_var *xy[2] = {x, y};
  if (!tgi_check_inputs(name, y ? 2 : 1, xy)) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL; /* keep building cheap after an error */
  if (n < 0 || (n > 0 && !idx))
    return tgi_gfail(g, TG_ERR_ARG, "%s: bad index expression (%d entries, idx %s)", name, n,
                     idx ? "given" : "NULL");
  int xnd = x->type.ndim, consumed = 0, ellipsis = -1;
  bool adv = false;
  ixb *b = tgi_malloc(sizeof *b);
  if (!b) return tgi_gfail(g, TG_ERR_NOMEM, "%s: out of memory", name);
  b->g = g, b->name = name, b->ne = 0, b->n_in = 0;
  b->in[b->n_in++] = x;
  if (y) b->in[b->n_in++] = y;
  tg_var *res = NULL;
  /* Pass 1: kinds, counts and index tensor types. */
  for (int i = 0; i < n; i++) {
    const tg_idx *e = &idx[i];
    bool mask, array;
    int k;
    switch (e->kind) {
      case TG_IDX_INT:
      case TG_IDX_SLICE: consumed++; break;
      case TG_IDX_NEWAXIS: break;
      case TG_IDX_ELLIPSIS:
        if (ellipsis >= 0) {
          tgi_gfail(g, TG_ERR_VALUE, "%s: an index can only have a single ellipsis ('...')", name);
          goto done;
        }
        ellipsis = i;
        break;
      case TG_IDX_VAR:
        if ((k = check_var(b, i, e->var, &mask, &array)) < 0) goto done;
        consumed += k;
        adv |= array;
        break;
      default:
        tgi_gfail(g, TG_ERR_ARG, "%s: index %d has an unknown kind %d", name, i, (int)e->kind);
        goto done;
    }
  }
  if (consumed > xnd) {
    tgi_gfail(g, TG_ERR_VALUE,
              "%s: too many indices for tensor: tensor is %d-dimensional, but %d were indexed",
              name, xnd, consumed);
    goto done;
  }
  /* Pass 2: entries. */
  for (int i = 0; i < n; i++) {
    const tg_idx *e = &idx[i];
    int flags = 0;
    int64_t a = TGI_IX_NONE, bb = TGI_IX_NONE, c = TGI_IX_NONE;
    bool ok = true;
    switch (e->kind) {
      case TG_IDX_INT: ok = push(b, TGI_IX_INT, 0, e->start, 0, 0); break;
      case TG_IDX_NEWAXIS: ok = push(b, TGI_IX_NEWAXIS, 0, 0, 0, 0); break;
      case TG_IDX_ELLIPSIS:
        for (int d = 0; ok && d < xnd - consumed; d++) ok = push(b, TGI_IX_SLICE, 0, a, bb, c);
        break;
      case TG_IDX_SLICE:
        a = e->start, bb = e->stop, c = e->step;
        if (e->start_var) ok = scalar_part(b, i, "slice start", e->start_var, TGI_IX_F_A, &flags, &a);
        if (ok && e->stop_var) ok = scalar_part(b, i, "slice stop", e->stop_var, TGI_IX_F_B, &flags, &bb);
        if (ok && e->step_var) ok = scalar_part(b, i, "slice step", e->step_var, TGI_IX_F_C, &flags, &c);
        if (!ok) goto done;
        if (!(flags & TGI_IX_F_C) && c == 0) {
          tgi_gfail(g, TG_ERR_VALUE, "%s: index %d: slice step cannot be zero", name, i);
          goto done;
        }
        if (!(flags & TGI_IX_F_C) && c == 1) c = TGI_IX_NONE; /* x[::1] is x[:] */
        ok = push(b, TGI_IX_SLICE, flags, a, bb, c);
        break;
      default: { /* TG_IDX_VAR */
        tg_var *v = e->var;
        if (v->type.ndim == 0) {
          if (!scalar_part(b, i, "position", v, TGI_IX_F_A, &flags, &a)) goto done;
          ok = push(b, TGI_IX_INT, flags, a, 0, 0);
        } else {
          b->in[b->n_in] = v;
          ok = push(b, v->type.dtype == TG_BOOL ? TGI_IX_MASK : TGI_IX_ADV, 0, b->n_in++,
                    v->type.ndim, 0);
        }
      }
    }
    if (!ok) goto done;
  }
  /* Trailing ':' entries change nothing; dropping them makes equal expressions equal ops. */
  while (b->ne > 0) {
    const int64_t *p = b->params + TGI_IX_P_HEAD + TGI_IX_P_ENTRY * (b->ne - 1);
    if (p[0] != TGI_IX_SLICE || p[1] || p[2] != TGI_IX_NONE || p[3] != TGI_IX_NONE ||
        p[4] != TGI_IX_NONE)
      break;
    b->ne--;
  }
  b->params[TGI_IX_P_N] = b->ne;
  int64_t ymask = 0;
  for (int d = 0; y && d < y->type.ndim; d++)
    if (y->type.shape[d] == 1) ymask |= (int64_t)1 << d;
  b->params[TGI_IX_P_YMASK] = ymask;
  /* numpy: an ellipsis between advanced indices (ints count) separates them, even when it
     stands for no dim */
  int first = -1, last = -1;
  for (int i = 0; adv && i < n; i++)
    if (idx[i].kind == TG_IDX_INT || idx[i].kind == TG_IDX_VAR) {
      if (first < 0) first = i;
      last = i;
    }
  b->params[TGI_IX_P_FLAGS] = adv && ellipsis > first && ellipsis < last ? TGI_IX_SPLIT : 0;
  tg_op *op = tgi_op_new(g, pick_class(adv, y != NULL), code, x->type.dtype,
                         TGI_IX_P_HEAD + TGI_IX_P_ENTRY * b->ne, b->params);
  tg_node *nd = op ? tgi_apply(op, b->n_in, b->in) : NULL;
  res = nd ? nd->out[0] : NULL;
done:
  tgi_free(b);
  return res;
}

tg_var *tg_subtensor(tg_var *x, int n, const tg_idx *idx) {
  return build("subtensor", x, NULL, 0, n, idx);
}

tg_var *tg_set_subtensor(tg_var *x, tg_var *y, int n, const tg_idx *idx) {
  if (!y && x) return tgi_gfail(x->g, TG_ERR_ARG, "set_subtensor: y is NULL");
  return build("set_subtensor", x, y, TGI_IX_SET, n, idx);
}

tg_var *tg_inc_subtensor(tg_var *x, tg_var *y, int n, const tg_idx *idx) {
  if (!y && x) return tgi_gfail(x->g, TG_ERR_ARG, "inc_subtensor: y is NULL");
  return build("inc_subtensor", x, y, TGI_IX_INC, n, idx);
}

tg_var *tg_take(tg_var *x, tg_var *indices, int axis) {
  if (!tgi_check_inputs("take", 2, (tg_var *[]){x, indices})) return NULL;
  tg_graph *g = x->g;
  int nd = x->type.ndim;
  char t[160];
  if (axis < -nd || axis >= nd)
    return tgi_gfail(g, TG_ERR_VALUE, "take: axis %d is out of range for a rank-%d tensor", axis,
                     nd);
  if (axis < 0) axis += nd;
  if (!tg_dtype_is_int(indices->type.dtype))
    return tgi_gfail(g, TG_ERR_TYPE, "take: indices must be integers, got %s",
                     tgi_type_str(&indices->type, t, sizeof t));
  tg_idx idx[TG_MAX_NDIM];
  for (int d = 0; d < axis; d++) idx[d] = TG_ALL;
  idx[axis] = TG_VAR(indices);
  return build("take", x, NULL, 0, axis + 1, idx);
}

/* ---- the basic classes; the kernels are in subtensor_kernel.c ---- */

static const char *build_name(const tg_op *op) {
  if (op->cls == &tgi_subtensor_class || op->cls == &tgi_adv_subtensor_class) return "subtensor";
  return op->code == TGI_IX_SET ? "set_subtensor" : "inc_subtensor";
}

static int sub_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  return tgi_ix_region_type(g, op, in, build_name(op), out);
}

int tgi_ix_inc_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  const char *name = build_name(op);
  int64_t rs[TG_MAX_NDIM];
  tg_type region = {TG_FLOAT64, 0, rs};
  if (tgi_ix_region_type(g, op, in, name, &region) < 0) return -1;
  const tg_type *xt = &in[0]->type, *yt = &in[1]->type;
  char b1[200], b2[200];
  tg_dtype xd = xt->dtype, yd = yt->dtype;
  if (op->code == TGI_IX_INC && ((xd == TG_BOOL && yd != TG_BOOL) ||
                                 (!tg_dtype_is_float(xd) && tg_dtype_is_float(yd)))) {
    tgi_gfail(g, TG_ERR_TYPE,
              "%s: cannot add %s values into a %s tensor (numpy's same_kind casting)", name,
              tg_dtype_name(yd), tg_dtype_name(xd));
    return -1;
  }
  bool ok = yt->ndim <= region.ndim;
  for (int k = 0; ok && k < yt->ndim; k++) {
    int64_t ys = yt->shape[k], r = region.shape[region.ndim - yt->ndim + k];
    ok = ys == 1 || ys < 0 || r < 0 || ys == r;
  }
  if (!ok) {
    tgi_gfail(g, TG_ERR_SHAPE,
              "%s: y %s does not broadcast to the indexed region %s (only missing leading dims "
              "and dims of static length 1 broadcast)",
              name, tgi_type_str(yt, b1, sizeof b1), tgi_type_str(&region, b2, sizeof b2));
    return -1;
  }
  out->dtype = xd;
  out->ndim = xt->ndim;
  memcpy(out->shape, xt->shape, sizeof(int64_t) * (size_t)xt->ndim);
  return 1;
}

static void sub_describe(const tg_op *op, char *buf, size_t n) {
  tgi_ix_describe(op, "Subtensor", buf, n);
}

static void inc_describe(const tg_op *op, char *buf, size_t n) {
  tgi_ix_describe(op, op->code == TGI_IX_SET ? "SetSubtensor" : "IncSubtensor", buf, n);
}

static bool sub_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  return tgi_ix_region_dims(g, nd, in_dims, out_dims[0]);
}

/* set/inc keep x's shape */
static bool inc_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  (void)g;
  for (int d = 0; d < nd->in[0]->type.ndim; d++) out_dims[0][d] = in_dims[0][d];
  return true;
}

const tg_op_class tgi_subtensor_class = {
    .name = "Subtensor",
    .infer = sub_infer,
    .perform = tgi_subtensor_perform,
    .describe = sub_describe,
    .infer_shape = sub_infer_shape,
    .grad = tgi_subtensor_grad,
};

const tg_op_class tgi_inc_subtensor_class = {
    .name = "IncSubtensor",
    .infer = tgi_ix_inc_infer,
    .perform = tgi_ix_inc_perform,
    .describe = inc_describe,
    .infer_shape = inc_infer_shape,
    .grad = tgi_inc_subtensor_grad,
};

/* Shared with advsubtensor.c through these two. */
int tgi_ix_sub_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  return sub_infer(g, op, n_in, in, out);
}
bool tgi_ix_inc_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims) {
  return inc_infer_shape(g, nd, in_dims, out_dims);
}

/* ---- catalogue ---- */

const tgi_op_info tgi_catalogue_index[] = {
    {"subtensor", "index", -1, "all", "yes", "",
     "basic indexing x[1:-1:2, i, None, ...] (slices, ints, symbolic bounds) as a view"},
    {"advanced_subtensor", "index", -1, "all (int or bool indices)", "yes", "",
     "numpy advanced indexing with int arrays and bool masks (tg_subtensor picks it); a copy"},
    {"set_subtensor", "index", -1, "all", "yes", "",
     "x with x[idx] = y (broadcast), basic indexing; a new tensor"},
    {"inc_subtensor", "index", -1, "all", "yes", "",
     "x with x[idx] += y (broadcast), basic indexing; a new tensor"},
    {"advanced_set_subtensor", "index", -1, "all (int or bool indices)", "yes", "",
     "x with x[idx] = y for advanced indices; repeated indices: the last write wins"},
    {"advanced_inc_subtensor", "index", -1, "all (int or bool indices)", "yes", "",
     "x with y added at x[idx] for advanced indices; repeats accumulate (np.add.at)"},
    {"take", "index", 2, "all (int indices)", "yes", "",
     "numpy.take(x, indices, axis): advanced indexing along one axis"},
};
const int tgi_catalogue_index_n = (int)(sizeof tgi_catalogue_index / sizeof tgi_catalogue_index[0]);
