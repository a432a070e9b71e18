/* scan_op.c: the Scan op class: type and shape rules, the reference kernel that runs the
   compiled inner function once per step, and the lifetime of the inner object its params
   point at. The loop writes every step's outputs straight into preallocated buffers (views
   moved from step to step, so no per-step allocation here); an output whose full sequence
   is not wanted keeps a ring of k + 1 states only, which makes a long reduce O(1) in
   memory. The canonical layout is described in scan_impl.h. */
#include <stdio.h>

#include "scan_impl.h"

static const tg_op_class scan_class;

tgi_scan_info *tgi_scan_info_of(const tg_op *op) {
  return op && op->cls == &scan_class ? (tgi_scan_info *)(intptr_t)op->params[0] : NULL;
}

static void info_release(void *p) {
  tgi_scan_info *s = p;
  if (!s || atomic_fetch_sub(&s->refcnt, 1) != 1) return;
  tg_function_free(s->fn);
  tg_graph_free(s->ig);
  for (int o = 0; s->taps && o < s->n_rec; o++) tgi_free(s->taps[o]);
  tgi_free(s->taps);
  tgi_free(s->n_taps);
  tgi_free(s->k);
  tgi_free(s->in_vars);
  tgi_free(s->out_vars);
  tgi_free(s);
}

void tgi_scan_info_unref(tgi_scan_info *info) { info_release(info); }

static bool scan_retain(const tg_op *op, tg_graph *dst) {
  tgi_scan_info *s = tgi_scan_info_of(op);
  atomic_fetch_add(&s->refcnt, 1);
  return tgi_graph_own(dst, s, info_release);
}

tg_node *tgi_scan_apply(tg_graph *g, tgi_scan_info *info, const int64_t *keep, int n_in,
                        tg_var *const *in) {
  int n_out = info->n_rec + info->n_nit;
  int64_t params[1 + TGI_MAX_OUT];
  if (n_out > TGI_MAX_OUT)
    return tgi_gfail(g, TG_ERR_NOTIMPL, "scan '%s': %d outputs (with updates); at most %d are "
                     "supported", info->name, n_out, TGI_MAX_OUT);
  params[0] = (int64_t)(intptr_t)info;
  for (int o = 0; o < n_out; o++) params[1 + o] = keep ? keep[o] : 0;
  tg_op *op = tgi_op_new(g, &scan_class, 0, TG_INT64, 1 + n_out, params);
  if (!op || !scan_retain(op, g)) return NULL;
  return tgi_apply(op, n_in, in);
}

/* ---- types and shapes ---- */

static int scan_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  tgi_scan_info *s = tgi_scan_info_of(op);
  if (n_in != 1 + s->n_seq + s->n_rec + s->n_ns)
    return tgi_gfail(g, TG_ERR_ARG, "scan '%s': %d inputs, expected %d", s->name, n_in,
                     1 + s->n_seq + s->n_rec + s->n_ns), -1;
  for (int o = 0; o < s->n_rec; o++) {
    const tg_type *t = &in[tgi_scan_init0(s) + o]->type;
    int64_t keep = op->params[1 + o];
    out[o].dtype = t->dtype;
    out[o].ndim = t->ndim;
    memcpy(out[o].shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    out[o].shape[0] = keep ? keep : -1;
  }
  for (int q = 0; q < s->n_nit; q++) {
    const tg_type *t = &s->out_vars[s->n_rec + q]->type;
    tg_type *r = &out[s->n_rec + q];
    if (t->ndim + 1 > TG_MAX_NDIM)
      return tgi_gfail(g, TG_ERR_TYPE, "scan '%s': output rank too large", s->name), -1;
    r->dtype = t->dtype;
    r->ndim = t->ndim + 1;
    r->shape[0] = op->params[1 + s->n_rec + q] ? op->params[1 + s->n_rec + q] : -1;
    memcpy(r->shape + 1, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  }
  return s->n_rec + s->n_nit;
}

static bool scan_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  tgi_scan_info *s = tgi_scan_info_of(nd->op);
  if (s->has_until)
    return tgi_gfail(g, TG_ERR_NOTIMPL, "infer_shape: scan '%s' stops on an until condition, so "
                     "its length depends on values", s->name), false;
  tg_var *n = NULL;
  if (s->explicit_steps) {
    n = nd->in[0]->type.dtype == TG_INT64 ? nd->in[0] : tg_cast(nd->in[0], TG_INT64);
  } else {
    for (int j = 0; j < s->n_seq; j++) {
      tg_var *l = in_dims[tgi_scan_seq0(s) + j][0];
      n = n ? tg_minimum(n, l) : l;
    }
  }
  if (!n) return false;
  for (int o = 0; o < s->n_rec + s->n_nit; o++) {
    int64_t keep = nd->op->params[1 + o];
    tg_var *d0 = keep ? tgi_dim_const(g, keep)
                 : o < s->n_rec ? tg_add(n, tgi_dim_const(g, s->k[o])) : n;
    if (!(out_dims[o][0] = d0)) return false;
    int r = nd->out[o]->type.ndim;
    for (int d = 1; d < r; d++) {
      if (o < s->n_rec) {
        out_dims[o][d] = in_dims[tgi_scan_init0(s) + o][d];
      } else {
        int64_t st = s->out_vars[o]->type.shape[d - 1];
        if (st < 0)
          return tgi_gfail(g, TG_ERR_NOTIMPL, "infer_shape: the per-step shape of scan '%s' "
                           "output %d is not static", s->name, o), false;
        if (!(out_dims[o][d] = tgi_dim_const(g, st))) return false;
      }
    }
  }
  return true;
}

static void scan_describe(const tg_op *op, char *buf, size_t n) {
  tgi_scan_info *s = tgi_scan_info_of(op);
  bool win = false;
  for (int o = 0; o < s->n_rec + s->n_nit; o++) win |= op->params[1 + o] != 0;
  snprintf(buf, n, "Scan{%s%s%s%s}", s->name,
           s->go_backwards ? ", backwards" : s->reverse ? ", reverse" : "",
           s->has_until ? ", until" : "", win ? ", last" : "");
}

/* ---- the loop ---- */

/* A view of a's element 0 along axis 0, to be moved along it. */
static tg_array *step_view(tg_array *a, tgi_err *err, const char *nm) {
  tg_array *v = tg_array_view(a, a->ndim - 1, a->shape + 1, a->strides + 1, 0);
  if (!v) tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", nm);
  return v;
}

static void move_view(tg_array *v, const tg_array *a, int64_t i) {
  v->data = a->data + i * a->strides[0];
}

/* Hand r to the caller as out[i] (copied into a given array). Consumes r. */
static tg_status give(tg_array **out, int i, tg_array *r, tgi_err *err, const char *nm) {
  if (!out[i]) {
    out[i] = r;
    return TG_OK;
  }
  tg_status st = tg_array_copy_into(out[i], r);
  tg_array_unref(r);
  if (st != TG_OK) return tgi_err_set(err, st, "scan '%s': output %d: %s", nm, i, tg_errmsg());
  return TG_OK;
}

typedef struct loop {
  tgi_scan_info *s;
  const tg_op *op;
  int64_t n, ran;
  tg_array **buf;   /* per output: its buffer (rec: ring or full; nit: after step 0) */
  int64_t *ring;    /* per rec output: the buffer's length (positions wrap modulo it) */
  tg_array **ins;   /* inner inputs: views (moved each step) or non-sequences */
  tg_array **outs;  /* inner outputs: views into the buffers, and the until flag */
  bool *own_in;     /* ins[i] is a view this loop made */
} loop;

static void loop_free(loop *L) {
  tgi_scan_info *s = L->s;
  for (int i = 0; L->ins && L->own_in && i < s->n_in; i++)
    if (L->own_in[i]) tg_array_unref(L->ins[i]);
  for (int o = 0; L->outs && o < s->n_out; o++) tg_array_unref(L->outs[o]);
  for (int o = 0; L->buf && o < s->n_rec + s->n_nit; o++) tg_array_unref(L->buf[o]);
  tgi_free(L->buf);
  tgi_free(L->ring);
  tgi_free(L->ins);
  tgi_free(L->outs);
  tgi_free(L->own_in);
}

/* Point the inner inputs and outputs at step t. */
static void loop_aim(loop *L, tg_array *const *in, int64_t t) {
  tgi_scan_info *s = L->s;
  int a = 0;
  int64_t ts = s->reverse ? L->n - 1 - t : t; /* the entry of sequences and nit outputs */
  for (int j = 0; j < s->n_seq; j++) move_view(L->ins[a++], in[tgi_scan_seq0(s) + j], ts);
  for (int o = 0; o < s->n_rec; o++) {
    int64_t pos = s->k[o] + t;
    for (int i = 0; i < s->n_taps[o]; i++)
      move_view(L->ins[a++], L->buf[o], (pos + s->taps[o][i]) % L->ring[o]);
    if (L->outs[o]) move_view(L->outs[o], L->buf[o], pos % L->ring[o]);
  }
  for (int q = 0; q < s->n_nit; q++)
    if (L->outs[s->n_rec + q])
      move_view(L->outs[s->n_rec + q], L->buf[s->n_rec + q], L->op->params[1 + s->n_rec + q] ? 0 : ts);
}

/* Step 0 through an allocating call: it tells the nit outputs' shapes; then the buffers
   and the output views are made. */
static tg_status first_step(loop *L, tg_array *const *in, bool *stop, tgi_err *err) {
  tgi_scan_info *s = L->s;
  const char *nm = s->name;
  tg_array *res[TGI_MAX_OUT + 1] = {0};
  loop_aim(L, in, 0);
  tg_status cs = tg_function_call(s->fn, L->ins, res);
  if (cs != TG_OK) return tgi_err_set(err, cs, "scan '%s': step 0: %s", nm, tg_function_error(s->fn));
  tg_status st = TG_OK;
  char b1[128], b2[128];
  for (int o = 0; st == TG_OK && o < s->n_rec + s->n_nit; o++) {
    tg_array *r = res[o];
    if (o < s->n_rec) {
      tg_array *b = L->buf[o];
      bool same = r->ndim == b->ndim - 1;
      for (int d = 0; same && d < r->ndim; d++) same = r->shape[d] == b->shape[d + 1];
      if (!same) {
        st = tgi_err_set(err, TG_ERR_SHAPE, "scan '%s': the step's output %d has shape %s, but its "
                         "initial state has shape %s; they must match", nm, o,
                         tgi_shape_str(r->ndim, r->shape, b1, sizeof b1),
                         tgi_shape_str(b->ndim - 1, b->shape + 1, b2, sizeof b2));
        break;
      }
    } else {
      int64_t shape[TG_MAX_NDIM];
      shape[0] = L->op->params[1 + o] ? 1 : L->n;
      memcpy(shape + 1, r->shape, sizeof(int64_t) * (size_t)r->ndim);
      if (!(L->buf[o] = tgi_array_alloc(r->dtype, r->ndim + 1, shape, true, false))) {
        st = tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': %s", nm, tg_errmsg());
        break;
      }
    }
    if (!(L->outs[o] = step_view(L->buf[o], err, nm))) st = err->status;
  }
  if (st == TG_OK && s->has_until) {
    tg_array *c = res[s->n_out - 1];
    *stop = tgi_load_f64(c->data, c->dtype) != 0;
    if (!(L->outs[s->n_out - 1] = tgi_array_alloc(c->dtype, 0, NULL, true, true)))
      st = tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", nm);
  }
  if (st == TG_OK) {
    loop_aim(L, in, 0);
    for (int o = 0; st == TG_OK && o < s->n_rec + s->n_nit; o++)
      if (tg_array_copy_into(L->outs[o], res[o]) != TG_OK)
        st = tgi_err_set(err, TG_ERR_SHAPE, "scan '%s': output %d: %s", nm, o, tg_errmsg());
  }
  for (int o = 0; o < s->n_out; o++) tg_array_unref(res[o]);
  return st;
}

/* The output of a rec output after `ran` steps. */
static tg_array *rec_result(loop *L, int o, tgi_err *err) {
  tgi_scan_info *s = L->s;
  tg_array *b = L->buf[o];
  int64_t keep = L->op->params[1 + o], k = s->k[o], len = k + L->ran;
  if (!keep) {
    if (len == b->shape[0]) return tg_array_ref(b);
    tg_array *v = tg_array_slice(b, 0, 0, len, 1);
    if (!v) tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", s->name);
    return v;
  }
  int64_t shape[TG_MAX_NDIM];
  memcpy(shape, b->shape, sizeof(int64_t) * (size_t)b->ndim);
  shape[0] = keep;
  tg_array *r = tgi_array_alloc(b->dtype, b->ndim, shape, true, false);
  tg_array *src = r ? step_view(b, err, s->name) : NULL, *dst = src ? step_view(r, err, s->name) : NULL;
  bool ok = dst != NULL;
  for (int64_t i = 0; ok && i < keep; i++) {
    move_view(src, b, (len - keep + i) % L->ring[o]);
    move_view(dst, r, i);
    ok = tg_array_copy_into(dst, src) == TG_OK;
  }
  tg_array_unref(src);
  tg_array_unref(dst);
  if (!ok) {
    tg_array_unref(r);
    tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", s->name);
    return NULL;
  }
  return r;
}

static tg_array *nit_result(loop *L, int o, tgi_err *err) {
  tgi_scan_info *s = L->s;
  tg_array *b = L->buf[o];
  if (L->op->params[1 + o]) {
    if (!b)
      return tgi_err_set(err, TG_ERR_VALUE, "scan '%s': output %d has no last value: no step "
                         "ran", s->name, o), NULL;
    return tg_array_ref(b);
  }
  if (!b) { /* no step ran: (0, static dims of the step's output, unknown ones 0) */
    const tg_type *t = &s->out_vars[o]->type;
    int64_t shape[TG_MAX_NDIM];
    shape[0] = 0;
    for (int d = 0; d < t->ndim; d++) shape[d + 1] = t->shape[d] < 0 ? 0 : t->shape[d];
    b = tgi_array_alloc(t->dtype, t->ndim + 1, shape, true, true);
    if (!b) tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", s->name);
    return b;
  }
  if (L->ran == b->shape[0]) return tg_array_ref(b);
  tg_array *v = tg_array_slice(b, 0, 0, L->ran, 1);
  if (!v) tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", s->name);
  return v;
}

static tg_status loop_setup(loop *L, tg_array *const *in, tgi_err *err) {
  tgi_scan_info *s = L->s;
  const char *nm = s->name;
  int n_o = s->n_rec + s->n_nit;
  L->buf = tgi_calloc((size_t)n_o + 1, sizeof(tg_array *));
  L->ring = tgi_calloc((size_t)s->n_rec + 1, sizeof(int64_t));
  L->ins = tgi_calloc((size_t)s->n_in + 1, sizeof(tg_array *));
  L->outs = tgi_calloc((size_t)s->n_out + 1, sizeof(tg_array *));
  L->own_in = tgi_calloc((size_t)s->n_in + 1, sizeof(bool));
  if (!L->buf || !L->ring || !L->ins || !L->outs || !L->own_in)
    return tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': out of memory", nm);
  for (int o = 0; o < s->n_rec; o++) {
    tg_array *init = in[tgi_scan_init0(s) + o];
    int64_t k = s->k[o], keep = L->op->params[1 + o];
    int64_t shape[TG_MAX_NDIM];
    memcpy(shape, init->shape, sizeof(int64_t) * (size_t)init->ndim);
    if (keep) {
      L->ring[o] = k + 1;
    } else if (__builtin_add_overflow(k, L->n, &L->ring[o])) {
      return tgi_err_set(err, TG_ERR_VALUE, "scan '%s': n_steps is too large", nm);
    }
    shape[0] = L->ring[o];
    if (!(L->buf[o] = tgi_array_alloc(init->dtype, init->ndim, shape, true, false)))
      return tgi_err_set(err, TG_ERR_NOMEM, "scan '%s': %s", nm, tg_errmsg());
    tg_array *head = tg_array_slice(L->buf[o], 0, 0, k, 1);
    tg_status st = head ? tg_array_copy_into(head, init) : TG_ERR_NOMEM;
    tg_array_unref(head);
    if (st != TG_OK) return tgi_err_set(err, st, "scan '%s': out of memory", nm);
  }
  if (L->n == 0) return TG_OK;
  int a = 0;
  for (int j = 0; j < s->n_seq; j++, a++) {
    if (!(L->ins[a] = step_view(in[tgi_scan_seq0(s) + j], err, nm))) return err->status;
    L->own_in[a] = true;
  }
  for (int o = 0; o < s->n_rec; o++)
    for (int i = 0; i < s->n_taps[o]; i++, a++) {
      if (!(L->ins[a] = step_view(L->buf[o], err, nm))) return err->status;
      L->own_in[a] = true;
    }
  for (int p = 0; p < s->n_ns; p++, a++) L->ins[a] = in[tgi_scan_ns0(s) + p];
  return TG_OK;
}

static tg_status scan_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  (void)n_in, (void)n_out;
  tgi_scan_info *s = tgi_scan_info_of(op);
  const char *nm = s->name;
  loop L = {.s = s, .op = op};
  if (s->explicit_steps) {
    L.n = tgi_load_i64(in[0]->data, in[0]->dtype);
    if (L.n < 0)
      return tgi_err_set(err, TG_ERR_VALUE, "scan '%s': n_steps is %lld; it must be >= 0", nm,
                         (long long)L.n);
  } else {
    L.n = s->n_seq ? INT64_MAX : 0;
    for (int j = 0; j < s->n_seq; j++)
      if (in[tgi_scan_seq0(s) + j]->shape[0] < L.n) L.n = in[tgi_scan_seq0(s) + j]->shape[0];
  }
  for (int j = 0; j < s->n_seq; j++) {
    int64_t len = in[tgi_scan_seq0(s) + j]->shape[0];
    if (len < L.n)
      return tgi_err_set(err, TG_ERR_SHAPE, "scan '%s': sequence %d has %lld steps (after its "
                         "taps), but n_steps is %lld", nm, j, (long long)len, (long long)L.n);
  }
  for (int o = 0; o < s->n_rec; o++) {
    const tg_array *init = in[tgi_scan_init0(s) + o];
    if (init->shape[0] != s->k[o])
      return tgi_err_set(err, TG_ERR_SHAPE, "scan '%s': the initial value of output %d holds %lld "
                         "states along its first axis; its taps need %d", nm, o,
                         (long long)init->shape[0], s->k[o]);
  }
  tg_status st = loop_setup(&L, in, err);
  bool stop = false;
  if (st == TG_OK && L.n > 0) {
    st = first_step(&L, in, &stop, err);
    L.ran = 1;
  }
  for (int64_t t = 1; st == TG_OK && !stop && t < L.n; t++) {
    loop_aim(&L, in, t);
    tg_status cs = tg_function_call_into(s->fn, L.ins, L.outs);
    if (cs != TG_OK) {
      st = tgi_err_set(err, cs, "scan '%s': step %lld: %s", nm, (long long)t,
                       tg_function_error(s->fn));
      break;
    }
    L.ran = t + 1;
    if (s->has_until) {
      const tg_array *c = L.outs[s->n_out - 1];
      stop = tgi_load_f64(c->data, c->dtype) != 0;
    }
  }
  int made = 0;
  tg_array *res[TGI_MAX_OUT];
  for (int o = 0; st == TG_OK && o < s->n_rec + s->n_nit; o++, made++)
    if (!(res[o] = o < s->n_rec ? rec_result(&L, o, err) : nit_result(&L, o, err))) st = err->status;
  loop_free(&L);
  if (st != TG_OK) {
    for (int o = 0; o < made; o++) tg_array_unref(res[o]);
    return st;
  }
  for (int o = 0; o < made; o++) {
    if (st == TG_OK) st = give(out, o, res[o], err, nm);
    else tg_array_unref(res[o]);
  }
  return st;
}

static const tg_op_class scan_class = {
    .name = "Scan",
    .infer = scan_infer,
    .perform = scan_perform,
    .describe = scan_describe,
    .infer_shape = scan_infer_shape,
    .grad = tgi_scan_grad,
    .retain = scan_retain,
};

const tgi_op_info tgi_catalogue_scan[] = {
    {"scan", "control", -1, "all", "yes (not through until)", "",
     "Theano's scan: a loop running an inner graph compiled once (sequences with taps, "
     "fed-back outputs, until); map, reduce, foldl and foldr are built on it"},
};
const int tgi_catalogue_scan_n = (int)(sizeof tgi_catalogue_scan / sizeof tgi_catalogue_scan[0]);
