/* composite.c: the Composite and FusedReduce op classes (see composite.h). Their reference
   kernels run the program a step at a time over whole arrays with the Elemwise kernel, so
   they give exactly the results of the unfused graph; the native backend compiles the
   program into one loop instead. */
#include <stdio.h>

#include "composite.h"
#include "elemwise.h"
#include "reduce_impl.h"

/* Params: [0] n_in, [1] n_out, [2] n_steps, [3] ndim, then n_in input masks, n_out output
   registers, then TGI_CSTEP_WORDS per step. */
enum { P_NIN, P_NOUT, P_NSTEPS, P_NDIM, P_HEAD };

void tgi_composite_decode(const tg_op *op, tgi_cprog *p) {
  const int64_t *w = op->params;
  if (op->cls == &tgi_fused_reduce_class) w += TGR_NPARAMS;
  p->n_in = (int)w[P_NIN];
  p->n_out = (int)w[P_NOUT];
  p->n_steps = (int)w[P_NSTEPS];
  p->ndim = (int)w[P_NDIM];
  p->in_mask = w + P_HEAD;
  p->out_reg = p->in_mask + p->n_in;
  p->step = p->out_reg + p->n_out;
}

tg_dtype tgi_composite_reg_dtype(const tgi_cprog *p, const tg_dtype *in_dt, int r) {
  return r < p->n_in ? in_dt[r] : (tg_dtype)p->step[TGI_CSTEP_WORDS * (r - p->n_in) + 2];
}

static int comp_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  tgi_cprog p;
  tgi_composite_decode(op, &p);
  if (n_in != p.n_in) return tgi_gfail(g, TG_ERR_ARG, "Composite: %d inputs for a program of %d",
                                       n_in, p.n_in), -1;
  for (int o = 0; o < p.n_out; o++) {
    int r = (int)p.out_reg[o];
    out[o].dtype = r < n_in ? in[r]->type.dtype : (tg_dtype)p.step[TGI_CSTEP_WORDS * (r - n_in) + 2];
    out[o].ndim = p.ndim;
    for (int d = 0; d < p.ndim; d++) {
      int64_t len = 1;
      bool unknown = false;
      for (int i = 0; i < n_in; i++) {
        if (((uint64_t)p.in_mask[i] >> d) & 1) continue;
        int64_t n = in[i]->type.shape[d - (p.ndim - in[i]->type.ndim)];
        if (n < 0) unknown = true;
        else len = n;
      }
      out[o].shape[d] = len != 1 ? len : unknown ? -1 : 1;
    }
  }
  return p.n_out;
}

static void comp_describe_prog(const tgi_cprog *p, const char *cls, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "%s{", cls);
  int shown = 0;
  for (int s = 0; s < p->n_steps && k + 16 < n; s++) {
    int code = (int)p->step[TGI_CSTEP_WORDS * s];
    if (code < 0) continue;
    if (k + strlen(tgi_scalar_ops[code].name) + 12 >= n) {
      k += (size_t)snprintf(buf + k, n - k, ",...%d ops", p->n_steps - s);
      break;
    }
    k += (size_t)snprintf(buf + k, n - k, "%s%s", shown++ ? "," : "", tgi_scalar_ops[code].name);
  }
  if (k + 2 < n) snprintf(buf + k, n - k, "}");
}

static void comp_describe(const tg_op *op, char *buf, size_t n) {
  tgi_cprog p;
  tgi_composite_decode(op, &p);
  comp_describe_prog(&p, "Composite", buf, n);
}

/* A 0-d array holding step s's constant. */
static tg_array *const_array(const int64_t *w) {
  tg_dtype dt = (tg_dtype)w[2];
  tg_array *a = tgi_array_alloc(dt, 0, NULL, true, false);
  if (!a) return NULL;
  if (tg_dtype_is_float(dt)) {
    double v;
    memcpy(&v, &w[4], sizeof v);
    tgi_store_f64(a->data, dt, v);
  } else {
    tgi_store_i64(a->data, dt, w[4]);
  }
  return a;
}

/* Run the program over in[] into out[] (NULL: allocate), writing output shapes to shape. */
static tg_status run_program(const tg_op *op, const tgi_cprog *p, tg_array *const *in,
                             tg_array **out, tgi_err *err) {
  int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  tg_status st = tgi_elemwise_out_shape("Composite", "", p->in_mask, p->n_in, in, p->ndim,
                                        shape, err);
  if (st != TG_OK) return st;
  int n_reg = p->n_in + p->n_steps;
  tg_array **reg = tgi_calloc((size_t)n_reg, sizeof *reg);
  /* the last step reading each register, so temporaries are released early */
  int *last = tgi_malloc(sizeof(int) * (size_t)n_reg);
  tg_op *eop = tgi_malloc(sizeof(tg_op) + 4 * sizeof(int64_t));
  if (!reg || !last || !eop) {
    st = tgi_err_set(err, TG_ERR_NOMEM, "Composite: out of memory");
    goto done;
  }
  for (int r = 0; r < n_reg; r++) last[r] = -1;
  for (int s = 0; s < p->n_steps; s++) {
    const int64_t *w = p->step + TGI_CSTEP_WORDS * s;
    for (int a = 0; w[0] >= 0 && a < w[3]; a++) last[w[4 + a]] = s;
  }
  for (int o = 0; o < p->n_out; o++) last[p->out_reg[o]] = p->n_steps;
  /* inputs as views broadcast to the full shape, so every step is shape-for-shape */
  for (int i = 0; i < p->n_in; i++) {
    int pad = p->ndim - in[i]->ndim;
    for (int d = 0; d < p->ndim; d++)
      strides[d] = d < pad || in[i]->shape[d - pad] != shape[d] ? 0 : in[i]->strides[d - pad];
    if (!(reg[i] = tg_array_view(in[i], p->ndim, shape, strides, 0))) {
      st = tgi_err_set(err, tg_errstatus(), "Composite: %s", tg_errmsg());
      goto done;
    }
  }
  eop->cls = &tgi_elemwise_class;
  eop->n_params = 4;
  for (int s = 0; s < p->n_steps && st == TG_OK; s++) {
    const int64_t *w = p->step + TGI_CSTEP_WORDS * s;
    tg_array **dst = &reg[p->n_in + s];
    if (w[0] < 0) {
      if (!(*dst = const_array(w))) st = tgi_err_set(err, TG_ERR_NOMEM, "Composite: out of memory");
      continue;
    }
    eop->code = (int)w[0];
    eop->dtype = (tg_dtype)w[1];
    eop->params[0] = w[2];
    tg_array *args[3];
    for (int a = 0; a < w[3]; a++) {
      args[a] = reg[w[4 + a]];
      /* a constant (0-d) broadcasts along every dim */
      eop->params[1 + a] = args[a]->ndim == 0 ? (int64_t)((1ull << p->ndim) - 1) : 0;
      if (p->ndim == 64) eop->params[1 + a] = args[a]->ndim == 0 ? -1 : 0;
    }
    st = tgi_elemwise_perform(eop, (int)w[3], args, 1, dst, err);
    for (int a = 0; a < w[3]; a++) {
      int r = (int)w[4 + a];
      if (last[r] == s && reg[r]) {
        tg_array_unref(reg[r]);
        reg[r] = NULL;
      }
    }
  }
  for (int o = 0; o < p->n_out && st == TG_OK; o++) {
    tg_array *v = reg[p->out_reg[o]];
    if (out[o]) {
      st = tg_array_copy_into(out[o], v);
      if (st != TG_OK) st = tgi_err_set(err, st, "Composite: %s", tg_errmsg());
    } else {
      out[o] = tg_array_ref(v);
    }
  }
done:
  for (int r = 0; reg && r < n_reg; r++) tg_array_unref(reg[r]);
  tgi_free(reg);
  tgi_free(last);
  tgi_free(eop);
  (void)op;
  return st;
}

static tg_status comp_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  tgi_cprog p;
  tgi_composite_decode(op, &p);
  (void)n_in;
  tg_array *res[TGI_MAX_OUT] = {0};
  for (int o = 0; o < n_out; o++) res[o] = out[o];
  tg_status st = run_program(op, &p, in, res, err);
  if (st != TG_OK) {
    for (int o = 0; o < n_out; o++)
      if (!out[o]) tg_array_unref(res[o]);
    return st;
  }
  for (int o = 0; o < n_out; o++) out[o] = res[o];
  return TG_OK;
}

static bool comp_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  tgi_cprog p;
  tgi_composite_decode(nd->op, &p);
  for (int o = 0; o < nd->n_out; o++)
    for (int d = 0; d < p.ndim; d++) {
      out_dims[o][d] = NULL;
      for (int i = 0; i < nd->n_in && !out_dims[o][d]; i++)
        if (!(((uint64_t)p.in_mask[i] >> d) & 1))
          out_dims[o][d] = in_dims[i][d - (p.ndim - nd->in[i]->type.ndim)];
      if (!out_dims[o][d] && !(out_dims[o][d] = tgi_dim_const(g, 1))) return false;
    }
  return true;
}

const tg_op_class tgi_composite_class = {
    .name = "Composite",
    .infer = comp_infer,
    .perform = comp_perform,
    .describe = comp_describe,
    .infer_shape = comp_infer_shape,
};

tg_node *tgi_composite_apply(tg_graph *g, int n_in, tg_var *const *in, int ndim,
                             int n_steps, const tgi_cstep *steps, int n_out,
                             const int *out_reg) {
  size_t np = P_HEAD + (size_t)n_in + (size_t)n_out + TGI_CSTEP_WORDS * (size_t)n_steps;
  int64_t *w = tgi_malloc(sizeof(int64_t) * np);
  if (!w) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory fusing elementwise ops");
  w[P_NIN] = n_in;
  w[P_NOUT] = n_out;
  w[P_NSTEPS] = n_steps;
  w[P_NDIM] = ndim;
  for (int i = 0; i < n_in; i++) {
    int pad = ndim - in[i]->type.ndim;
    uint64_t m = 0;
    for (int d = 0; d < ndim; d++)
      if (d < pad || in[i]->type.shape[d - pad] == 1) m |= 1ull << d;
    w[P_HEAD + i] = (int64_t)m;
  }
  for (int o = 0; o < n_out; o++) w[P_HEAD + n_in + o] = out_reg[o];
  int64_t *s = w + P_HEAD + n_in + n_out;
  for (int k = 0; k < n_steps; k++, s += TGI_CSTEP_WORDS) {
    s[0] = steps[k].code;
    s[1] = steps[k].cdt;
    s[2] = steps[k].odt;
    s[3] = steps[k].nargs;
    for (int a = 0; a < 3; a++) s[4 + a] = a < steps[k].nargs ? steps[k].arg[a] : 0;
    if (steps[k].code < 0) s[4] = steps[k].bits;
  }
  tg_op *op = tgi_op_new(g, &tgi_composite_class, 0, TG_FLOAT64, (int)np, w);
  tgi_free(w);
  return op ? tgi_apply(op, n_in, in) : NULL;
}

/* --- FusedReduce: params = the reduce op's TGR_NPARAMS words, then a Composite's --- */

void tgi_fused_reduce_split(const tg_op *op, tg_op *red, tg_op *comp) {
  red->cls = tgi_reduce_class(op->code);
  red->code = op->code;
  red->dtype = op->dtype;
  red->n_params = TGR_NPARAMS;
  memcpy(red->params, op->params, sizeof(int64_t) * TGR_NPARAMS);
  comp->cls = &tgi_composite_class;
  comp->code = 0;
  comp->dtype = TG_FLOAT64;
  comp->n_params = op->n_params - TGR_NPARAMS;
  memcpy(comp->params, op->params + TGR_NPARAMS, sizeof(int64_t) * (size_t)comp->n_params);
}

/* The two ops of a FusedReduce, in one allocation. */
static bool split_alloc(const tg_op *op, tg_op **red, tg_op **comp) {
  *red = tgi_malloc(sizeof(tg_op) + sizeof(int64_t) * TGR_NPARAMS);
  *comp = tgi_malloc(sizeof(tg_op) + sizeof(int64_t) * (size_t)op->n_params);
  if (!*red || !*comp) {
    tgi_free(*red);
    tgi_free(*comp);
    return false;
  }
  tgi_fused_reduce_split(op, *red, *comp);
  return true;
}

static int fr_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  /* the output type is the reduce node's, which apply copies; recompute from the parts */
  tg_op *red, *comp;
  if (!split_alloc(op, &red, &comp)) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory"), -1;
  tg_type mid;
  int64_t mid_shape[TG_MAX_NDIM];
  mid.shape = mid_shape;
  int k = comp_infer(g, comp, n_in, in, &mid);
  if (k >= 1) {
    tg_var tmp = {.g = g, .type = mid, .kind = TGV_INPUT};
    tg_var *tp = &tmp;
    k = red->cls->infer(g, red, 1, &tp, out);
  }
  tgi_free(red);
  tgi_free(comp);
  return k;
}

static void fr_describe(const tg_op *op, char *buf, size_t n) {
  tgi_cprog p;
  tgi_composite_decode(op, &p);
  char cls[64];
  snprintf(cls, sizeof cls, "Fused%s", tgi_reduce_class(op->code)->name);
  comp_describe_prog(&p, cls, buf, n);
}

static tg_status fr_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  tg_op *red, *comp;
  if (!split_alloc(op, &red, &comp)) return tgi_err_set(err, TG_ERR_NOMEM, "FusedReduce: out of memory");
  tg_array *mid = NULL;
  tg_status st = comp_perform(comp, n_in, in, 1, &mid, err);
  if (st == TG_OK) st = red->cls->perform(red, 1, &mid, n_out, out, err);
  tg_array_unref(mid);
  tgi_free(red);
  tgi_free(comp);
  return st;
}

static bool fr_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  tg_op *red, *comp;
  if (!split_alloc(nd->op, &red, &comp)) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory"), false;
  tgi_cprog p;
  tgi_composite_decode(comp, &p);
  tg_var *mid_dims[TG_MAX_NDIM];
  tg_var **md = mid_dims;
  tg_node cn = *nd;
  cn.op = comp;
  bool ok = comp_infer_shape(g, &cn, in_dims, &md);
  if (ok) {
    /* the reduce rule looks at its input's type: give it the composite's output type */
    int64_t shp[TG_MAX_NDIM];
    tg_var mid = {.g = g, .kind = TGV_INPUT};
    mid.type.dtype = TG_FLOAT64;
    mid.type.ndim = p.ndim;
    mid.type.shape = shp;
    for (int d = 0; d < p.ndim; d++) shp[d] = -1;
    tg_var *mp = &mid;
    tg_node rn = {.op = red, .n_in = 1, .n_out = nd->n_out, .in = &mp, .out = nd->out, .id = nd->id};
    ok = red->cls->infer_shape(g, &rn, &md, out_dims);
  }
  tgi_free(red);
  tgi_free(comp);
  return ok;
}

const tg_op_class tgi_fused_reduce_class = {
    .name = "FusedReduce",
    .infer = fr_infer,
    .perform = fr_perform,
    .describe = fr_describe,
    .infer_shape = fr_infer_shape,
};

tg_node *tgi_fused_reduce_apply(tg_graph *g, const tg_node *comp, const tg_node *red) {
  int np = TGR_NPARAMS + comp->op->n_params;
  int64_t *w = tgi_malloc(sizeof(int64_t) * (size_t)np);
  if (!w) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory fusing a reduction");
  memcpy(w, red->op->params, sizeof(int64_t) * TGR_NPARAMS);
  memcpy(w + TGR_NPARAMS, comp->op->params, sizeof(int64_t) * (size_t)comp->op->n_params);
  tg_op *op = tgi_op_new(g, &tgi_fused_reduce_class, red->op->code, red->op->dtype, np, w);
  tgi_free(w);
  return op ? tgi_apply(op, comp->n_in, comp->in) : NULL;
}
