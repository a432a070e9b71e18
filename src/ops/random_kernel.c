/* random_kernel.c: the RandomVariable op class: inputs (state, [shape], params...),
   outputs (new state, draws). Type and shape rules, the reference kernel that fills the
   draws element by element from each element's own Philox stream (random_dist.c), the
   runtime checks of the parameters (each error names the op and the parameter), and the
   gradient rule that refuses, as Theano does: no gradient flows through a random draw. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "random_impl.h"
#include "shape_impl.h"

const tgi_rv_info tgi_rv_infos[TGI_RV_COUNT] = {
    [TGI_RV_UNIFORM] = {"uniform", 2, {"low", "high"}, true},
    [TGI_RV_NORMAL] = {"normal", 2, {"mean", "std"}, true},
    [TGI_RV_INTEGERS] = {"integers", 2, {"low", "high"}, false},
    [TGI_RV_BINOMIAL] = {"binomial", 2, {"n", "p"}, false},
    [TGI_RV_BERNOULLI] = {"bernoulli", 1, {"p", NULL}, false},
    [TGI_RV_GAMMA] = {"gamma", 2, {"shape", "scale"}, true},
    [TGI_RV_BETA] = {"beta", 2, {"a", "b"}, true},
    [TGI_RV_POISSON] = {"poisson", 1, {"lam", NULL}, false},
    [TGI_RV_MULTINOMIAL] = {"multinomial", 2, {"n", "pvals"}, false},
    [TGI_RV_CHOICE] = {"choice", 2, {"a", "p"}, false},
    [TGI_RV_PERMUTATION] = {"permutation", 1, {"x", NULL}, false},
};

/* Index of the first tensor parameter among the inputs. */
static int par0(const tg_op *op) { return 1 + (int)op->params[TGI_RVP_HAS_SHAPE]; }

/* Parameters that take part in broadcasting, and how many trailing dims of each are not
   batch dims (multinomial's pvals keep their last dim); choice and permutation: none. */
static int bcast_params(const tg_op *op, int *trail) {
  switch (op->code) {
  case TGI_RV_MULTINOMIAL: trail[0] = 0, trail[1] = 1; return 2;
  case TGI_RV_CHOICE:
  case TGI_RV_PERMUTATION: return 0;
  default:
    for (int i = 0; i < tgi_rv_infos[op->code].n_par; i++) trail[i] = 0;
    return tgi_rv_infos[op->code].n_par;
  }
}

static void rv_describe(const tg_op *op, char *buf, size_t n) {
  if (op->code == TGI_RV_CHOICE)
    snprintf(buf, n, "RandomVariable{choice%s}", op->params[TGI_RVP_REPLACE] ? "" : ",no_replace");
  else snprintf(buf, n, "RandomVariable{%s}", tgi_rv_infos[op->code].name);
}

/* ---- type rule ---- */

static int rv_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)n_in;
  char name[64], tb[160];
  rv_describe(op, name, sizeof name);
  out[0].dtype = TG_INT64;
  out[0].ndim = 1;
  out[0].shape[0] = 3;
  out[1].dtype = op->dtype;
  int p0 = par0(op), trail[2], np = bcast_params(op, trail), nd = 0;
  int64_t *sh = out[1].shape;
  if (op->params[TGI_RVP_HAS_SHAPE]) {
    nd = (int)in[1]->type.shape[0];
    for (int d = 0; d < nd; d++)
      if (!tgi_static_vec_elem(in[1], d, &sh[d])) sh[d] = -1;
  } else if (np > 0) {
    for (int i = 0; i < np; i++)
      if (in[p0 + i]->type.ndim - trail[i] > nd) nd = in[p0 + i]->type.ndim - trail[i];
    for (int d = 0; d < nd; d++) sh[d] = 1;
  }
  /* parameters against the draw shape, numpy's rules on what is known statically */
  for (int i = 0; i < np; i++) {
    const tg_type *t = &in[p0 + i]->type;
    int nb = t->ndim - trail[i];
    if (nb > nd) {
      tgi_gfail(g, TG_ERR_SHAPE, "%s: parameter '%s' %s has more dims than the %d-d draw shape",
                name, tgi_rv_infos[op->code].par[i], tgi_type_str(t, tb, sizeof tb), nd);
      return -1;
    }
    for (int k = 0; k < nb; k++) {
      int d = nd - nb + k;
      int64_t a = t->shape[k];
      bool clash;
      if (a == 1) continue;
      if (op->params[TGI_RVP_HAS_SHAPE]) {
        clash = a >= 0 && sh[d] >= 0 && sh[d] != a;
      } else if (a < 0) { /* unknown: the draw's dim is unknown unless another fixes it */
        if (sh[d] == 1) sh[d] = -2;
        clash = false;
      } else {
        clash = sh[d] >= 0 && sh[d] != 1 && sh[d] != a;
        if (!clash) sh[d] = a;
      }
      if (clash) {
        tgi_gfail(g, TG_ERR_SHAPE, "%s: parameter '%s' %s does not broadcast to the draw shape "
                  "(dim %d is %lld)", name, tgi_rv_infos[op->code].par[i],
                  tgi_type_str(t, tb, sizeof tb), d, (long long)sh[d]);
        return -1;
      }
    }
  }
  for (int d = 0; d < nd; d++)
    if (sh[d] == -2) sh[d] = -1;
  if (op->code == TGI_RV_MULTINOMIAL) { /* one count per category */
    const tg_type *pv = &in[p0 + 1]->type;
    sh[nd++] = pv->shape[pv->ndim - 1];
  } else if (op->code == TGI_RV_PERMUTATION) {
    const tg_var *x = in[p0];
    nd = 1;
    if (x->type.ndim == 1) sh[0] = x->type.shape[0];
    else if (!tgi_static_scalar(x, &sh[0]) || sh[0] < 0) sh[0] = -1;
  }
  out[1].ndim = nd;
  return 2;
}

/* ---- shape rule ---- */

/* numpy's broadcast of two dims known to agree or be 1: a == 1 ? b : a. */
static tg_var *bdim(tg_graph *g, tg_var *a, tg_var *b) {
  if (!a) return b;
  int64_t c;
  if (tgi_static_scalar(a, &c) && c == 1) return b;
  if (tgi_static_scalar(b, &c) && c == 1) return a;
  return tg_switch(tg_eq(a, tgi_dim_const(g, 1)), b, a);
}

static bool rv_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                           tg_var **const *out_dims) {
  const tg_op *op = nd->op;
  int p0 = par0(op), trail[2], np = bcast_params(op, trail);
  int r = nd->out[1]->type.ndim;
  if (!(out_dims[0][0] = tgi_dim_const(g, 3))) return false;
  if (op->code == TGI_RV_PERMUTATION) {
    tg_var *x = nd->in[p0];
    out_dims[1][0] = x->type.ndim == 1 ? in_dims[p0][0]
                     : x->type.dtype == TG_INT64 ? x : tg_cast(x, TG_INT64);
    return out_dims[1][0] != NULL;
  }
  int nb = op->code == TGI_RV_MULTINOMIAL ? r - 1 : r;
  for (int d = 0; d < nb; d++) {
    tg_var *v = NULL;
    if (op->params[TGI_RVP_HAS_SHAPE]) {
      v = tgi_shape_elem(nd->in[1], d, NULL);
    } else {
      for (int i = 0; i < np; i++) {
        int pn = nd->in[p0 + i]->type.ndim - trail[i], k = d - (nb - pn);
        if (k >= 0 && !(v = bdim(g, v, in_dims[p0 + i][k]))) return false;
      }
      if (!v) v = tgi_dim_const(g, 1);
    }
    if (!(out_dims[1][d] = v)) return false;
  }
  if (op->code == TGI_RV_MULTINOMIAL) {
    const tg_var *pv = nd->in[p0 + 1];
    out_dims[1][r - 1] = in_dims[p0 + 1][pv->type.ndim - 1];
  }
  return true;
}

/* ---- gradient: none, as Theano's grad_undefined for raw random numbers ---- */

static bool rv_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)og, (void)ig;
  char name[64];
  rv_describe(nd->op, name, sizeof name);
  tgi_gfail(g, TG_ERR_ARG, "grad: %s is not differentiable: no gradient flows through a "
            "random draw to its parameters (treat them as constants with consider_constant)",
            name);
  return false;
}

/* ---- the kernel ---- */

/* Walks an output shape in C order keeping a byte offset into each tracked array, whose
   leading `nb` dims are aligned right against the shape (numpy broadcasting). */
typedef struct bc_it {
  int nd;
  const int64_t *shape;
  int64_t idx[TG_MAX_NDIM];
  int n;
  int64_t st[4][TG_MAX_NDIM], off[4];
} bc_it;

static void bc_begin(bc_it *it, int nd, const int64_t *shape) {
  it->nd = nd, it->shape = shape, it->n = 0;
  memset(it->idx, 0, sizeof(int64_t) * (size_t)nd);
}

/* Track a; false if its batch dims do not broadcast to the shape. */
static bool bc_add(bc_it *it, const tg_array *a, int nb) {
  if (nb > it->nd) return false;
  int k = it->n++;
  it->off[k] = 0;
  for (int d = 0; d < it->nd; d++) {
    int ad = d - (it->nd - nb);
    if (ad < 0) it->st[k][d] = 0;
    else if (a->shape[ad] == it->shape[d]) it->st[k][d] = a->strides[ad];
    else if (a->shape[ad] == 1) it->st[k][d] = 0;
    else return false;
  }
  return true;
}

static void bc_next(bc_it *it) {
  for (int d = it->nd - 1; d >= 0; d--) {
    for (int k = 0; k < it->n; k++) it->off[k] += it->st[k][d];
    if (++it->idx[d] < it->shape[d]) return;
    for (int k = 0; k < it->n; k++) it->off[k] -= it->st[k][d] * it->shape[d];
    it->idx[d] = 0;
  }
}

/* Everything one perform call needs to report and store. */
typedef struct rv_ctx {
  const tg_op *op;
  char name[64];
  uint64_t key, stream, pos;
  tgi_err *err;
} rv_ctx;

static tg_status bad_par(rv_ctx *c, int i, const char *what, double v) {
  return tgi_err_set(c->err, TG_ERR_VALUE, "%s: parameter '%s' %s, got %.17g", c->name,
                     tgi_rv_infos[c->op->code].par[i], what, v);
}

/* Store an integer value into a draw of dtype dt, refusing values the dtype cannot hold. */
static tg_status store_int(rv_ctx *c, char *p, int64_t v) {
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  switch (c->op->dtype) {
  case TG_BOOL: lo = 0, hi = 1; break;
  case TG_INT8: lo = INT8_MIN, hi = INT8_MAX; break;
  case TG_INT16: lo = INT16_MIN, hi = INT16_MAX; break;
  case TG_INT32: lo = INT32_MIN, hi = INT32_MAX; break;
  case TG_UINT8: lo = 0, hi = UINT8_MAX; break;
  default: break;
  }
  if (v < lo || v > hi)
    return tgi_err_set(c->err, TG_ERR_VALUE, "%s: the draw %lld does not fit the dtype %s",
                       c->name, (long long)v, tg_dtype_name(c->op->dtype));
  if (tg_dtype_is_float(c->op->dtype)) tgi_store_f64(p, c->op->dtype, (double)v);
  else tgi_store_i64(p, c->op->dtype, v);
  return TG_OK;
}

/* uniform on [low, high), kept below high after rounding to the draw's dtype */
static void store_uniform(char *p, tg_dtype dt, double low, double high, double u) {
  double v = low + (high - low) * u;
  if (dt == TG_FLOAT32) {
    float f = (float)v, fh = (float)high;
    if (high > low && f >= fh) f = nextafterf(fh, -INFINITY);
    if (f < (float)low) f = (float)low;
    *(float *)p = f;
  } else {
    if (high > low && v >= high) v = nextafter(high, -INFINITY);
    *(double *)p = v;
  }
}

/* One element of an elementwise distribution, parameters at a and b. */
static tg_status draw_one(rv_ctx *c, tgi_rstream *s, const tg_array *pa, const char *a,
                          const tg_array *pb, const char *b, char *o) {
  tg_dtype dt = c->op->dtype;
  double x, y;
  int64_t n, m;
  switch (c->op->code) {
  case TGI_RV_UNIFORM:
    x = tgi_load_f64(a, pa->dtype), y = tgi_load_f64(b, pb->dtype);
    if (!isfinite(x)) return bad_par(c, 0, "must be finite", x);
    if (!isfinite(y)) return bad_par(c, 1, "must be finite", y);
    if (!isfinite(y - x)) return bad_par(c, 1, "minus 'low' must be finite", y);
    store_uniform(o, dt, x, y, tgi_rs_uniform(s));
    return TG_OK;
  case TGI_RV_NORMAL:
    x = tgi_load_f64(a, pa->dtype), y = tgi_load_f64(b, pb->dtype);
    if (!isfinite(x)) return bad_par(c, 0, "must be finite", x);
    if (!(y >= 0) || isinf(y)) return bad_par(c, 1, "must be finite and >= 0", y);
    tgi_store_f64(o, dt, x + y * tgi_rs_normal(s));
    return TG_OK;
  case TGI_RV_INTEGERS:
    n = tgi_load_i64(a, pa->dtype), m = tgi_load_i64(b, pb->dtype);
    if (n >= m)
      return tgi_err_set(c->err, TG_ERR_VALUE, "%s: parameter 'low' (%lld) must be less than "
                         "'high' (%lld)", c->name, (long long)n, (long long)m);
    return store_int(c, o, (int64_t)((uint64_t)n + tgi_rs_below(s, (uint64_t)m - (uint64_t)n)));
  case TGI_RV_BINOMIAL:
    n = tgi_load_i64(a, pa->dtype), y = tgi_load_f64(b, pb->dtype);
    if (n < 0) return bad_par(c, 0, "must be >= 0", (double)n);
    if (!(y >= 0 && y <= 1)) return bad_par(c, 1, "must be in [0, 1]", y);
    return store_int(c, o, tgi_rs_binomial(s, n, y));
  case TGI_RV_BERNOULLI:
    x = tgi_load_f64(a, pa->dtype);
    if (!(x >= 0 && x <= 1)) return bad_par(c, 0, "must be in [0, 1]", x);
    return store_int(c, o, tgi_rs_uniform(s) < x);
  case TGI_RV_GAMMA:
    x = tgi_load_f64(a, pa->dtype), y = tgi_load_f64(b, pb->dtype);
    if (!(x >= 0) || isinf(x)) return bad_par(c, 0, "must be finite and >= 0", x);
    if (!(y >= 0) || isinf(y)) return bad_par(c, 1, "must be finite and >= 0", y);
    tgi_store_f64(o, dt, x == 0 ? 0.0 : y * exp(tgi_rs_log_gamma(s, x)));
    return TG_OK;
  case TGI_RV_BETA: {
    x = tgi_load_f64(a, pa->dtype), y = tgi_load_f64(b, pb->dtype);
    if (!(x > 0) || isinf(x)) return bad_par(c, 0, "must be finite and > 0", x);
    if (!(y > 0) || isinf(y)) return bad_par(c, 1, "must be finite and > 0", y);
    double lx = tgi_rs_log_gamma(s, x), ly = tgi_rs_log_gamma(s, y);
    tgi_store_f64(o, dt, 1.0 / (1.0 + exp(ly - lx))); /* X / (X + Y) without underflow */
    return TG_OK;
  }
  case TGI_RV_POISSON:
    x = tgi_load_f64(a, pa->dtype);
    if (!(x >= 0 && x <= 1e15)) return bad_par(c, 0, "must be in [0, 1e15]", x);
    return store_int(c, o, tgi_rs_poisson(s, x));
  }
  return tgi_err_set(c->err, TG_ERR_RUNTIME, "%s: unknown distribution", c->name);
}

/* The elementwise distributions and multinomial: one stream per (batch) element. */
static tg_status draw_broadcast(rv_ctx *c, tg_array *const *par, const int *trail, int np,
                                tg_array *o, int nb, uint64_t *used) {
  bc_it it;
  char sb[128], pb[128];
  bc_begin(&it, nb, o->shape);
  for (int i = 0; i < np; i++)
    if (!bc_add(&it, par[i], par[i]->ndim - trail[i]))
      return tgi_err_set(c->err, TG_ERR_SHAPE, "%s: parameter '%s' of shape %s does not "
                         "broadcast to the draw shape %s", c->name,
                         tgi_rv_infos[c->op->code].par[i],
                         tgi_shape_str(par[i]->ndim, par[i]->shape, pb, sizeof pb),
                         tgi_shape_str(nb, o->shape, sb, sizeof sb));
  bc_add(&it, o, nb);
  int64_t n = 1;
  for (int d = 0; d < nb; d++) n *= o->shape[d];
  *used = (uint64_t)n;
  if (o->size == 0) return TG_OK;
  const tg_array *pa = par[0], *pb2 = np > 1 ? par[1] : par[0];
  for (int64_t i = 0; i < n; i++, bc_next(&it)) {
    tgi_rstream s;
    tgi_rs_init(&s, c->key, c->stream, c->pos + (uint64_t)i);
    const char *a = pa->data + it.off[0], *b = pb2->data + it.off[np > 1 ? 1 : 0];
    char *q = o->data + it.off[np];
    tg_status st;
    if (c->op->code != TGI_RV_MULTINOMIAL) {
      if ((st = draw_one(c, &s, pa, a, pb2, b, q)) != TG_OK) return st;
      continue;
    }
    /* multinomial: a binomial per category on what the earlier ones left (numpy's way) */
    int64_t cnt = tgi_load_i64(a, pa->dtype), k = pb2->shape[pb2->ndim - 1];
    int64_t ps = pb2->strides[pb2->ndim - 1], os = o->strides[o->ndim - 1];
    if (cnt < 0) return bad_par(c, 0, "must be >= 0", (double)cnt);
    double sum = 0;
    for (int64_t j = 0; j < k; j++) {
      double pj = tgi_load_f64(b + j * ps, pb2->dtype);
      if (!(pj >= 0 && pj <= 1)) return bad_par(c, 1, "entries must be in [0, 1]", pj);
      if (j < k - 1) sum += pj;
    }
    if (sum > 1.0 + 1e-12) return bad_par(c, 1, "entries but the last must sum to <= 1", sum);
    double rem_p = 1.0;
    for (int64_t j = 0; j < k; j++) {
      double pj = tgi_load_f64(b + j * ps, pb2->dtype);
      int64_t x = cnt;
      if (j < k - 1) {
        double q_ = rem_p > 0 ? pj / rem_p : 0;
        x = cnt > 0 && q_ > 0 ? tgi_rs_binomial(&s, cnt, q_ < 1 ? q_ : 1) : 0;
      }
      if ((st = store_int(c, q + j * os, x)) != TG_OK) return st;
      cnt -= x;
      rem_p -= pj;
    }
  }
  return TG_OK;
}

typedef struct keyed {
  double key;
  int64_t idx;
} keyed;

/* Larger keys first; equal keys (practically never) by position, so the order is total. */
static int keyed_cmp(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  if (a->key != b->key) return a->key > b->key ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Element idx of the population into q: a position of arange(N) or an element of a. */
static tg_status put_elem(rv_ctx *c, const tg_array *a, int64_t idx, char *q) {
  if (a->ndim == 0) return store_int(c, q, idx);
  memcpy(q, a->data + idx * a->strides[0], tg_dtype_size(a->dtype));
  return TG_OK;
}

/* choice and permutation. With replacement each draw reads its own stream (inversion of
   the cumulative p); without, every member j of the population gets a key from stream j
   (uniform, or log(u)/p_j: Efraimidis and Spirakis' weighted keys) and the draws are the
   members with the largest keys in key order, which is sequential sampling without
   replacement in distribution. */
static tg_status draw_choice(rv_ctx *c, const tg_array *a, const tg_array *p, bool replace,
                             tg_array *o, uint64_t *used) {
  int64_t pop = a->ndim == 0 ? tgi_load_i64(a->data, a->dtype) : a->shape[0], m = o->size;
  if (pop < 0) return bad_par(c, 0, "must be >= 0", (double)pop);
  double total = 0;
  int64_t nonzero = 0;
  if (p) {
    if (p->shape[0] != pop)
      return tgi_err_set(c->err, TG_ERR_SHAPE, "%s: parameter 'p' has %lld entries, the "
                         "population 'a' %lld", c->name, (long long)p->shape[0], (long long)pop);
    for (int64_t j = 0; j < pop; j++) {
      double pj = tgi_load_f64(p->data + j * p->strides[0], p->dtype);
      if (!(pj >= 0) || isinf(pj)) return bad_par(c, 1, "entries must be finite and >= 0", pj);
      total += pj;
      nonzero += pj > 0;
    }
    if (fabs(total - 1.0) > 1e-8) return bad_par(c, 1, "entries must sum to 1", total);
  }
  if (m > 0 && pop == 0)
    return tgi_err_set(c->err, TG_ERR_VALUE, "%s: cannot draw %lld values from an empty "
                       "population ('a' is empty)", c->name, (long long)m);
  if (!replace && m > (p ? nonzero : pop))
    return tgi_err_set(c->err, TG_ERR_VALUE, "%s: cannot draw %lld values without replacement "
                       "from %lld %s", c->name, (long long)m, (long long)(p ? nonzero : pop),
                       p ? "members of nonzero probability in 'p'" : "members of 'a'");
  *used = replace ? (uint64_t)m : (uint64_t)pop;
  if (m == 0) return TG_OK;
  size_t bytes;
  int64_t n_buf = replace ? (p ? pop : 0) : pop;
  if (!tgi_mul_overflow((size_t)n_buf, replace ? sizeof(double) : sizeof(keyed), &bytes))
    return tgi_err_set(c->err, TG_ERR_NOMEM, "%s: a population of %lld is too large", c->name,
                       (long long)pop);
  void *buf = n_buf ? tgi_malloc(bytes) : NULL;
  if (n_buf && !buf) return tgi_err_set(c->err, TG_ERR_NOMEM, "%s: out of memory", c->name);
  tg_status st = TG_OK;
  bc_it it;
  bc_begin(&it, o->ndim, o->shape);
  bc_add(&it, o, o->ndim);
  if (replace) {
    double *cdf = buf;
    for (int64_t j = 0; p && j < pop; j++)
      cdf[j] = (j ? cdf[j - 1] : 0) + tgi_load_f64(p->data + j * p->strides[0], p->dtype);
    for (int64_t i = 0; i < m && st == TG_OK; i++, bc_next(&it)) {
      tgi_rstream s;
      tgi_rs_init(&s, c->key, c->stream, c->pos + (uint64_t)i);
      int64_t idx;
      if (!p) {
        idx = (int64_t)tgi_rs_below(&s, (uint64_t)pop);
      } else { /* first j with u * total < cdf[j], skipping zero-probability members */
        double u = tgi_rs_uniform(&s) * cdf[pop - 1];
        int64_t lo = 0, hi = pop - 1;
        while (lo < hi) {
          int64_t mid = lo + (hi - lo) / 2;
          if (u < cdf[mid]) hi = mid;
          else lo = mid + 1;
        }
        idx = lo;
      }
      st = put_elem(c, a, idx, o->data + it.off[0]);
    }
  } else {
    keyed *k = buf;
    for (int64_t j = 0; j < pop; j++) {
      tgi_rstream s;
      tgi_rs_init(&s, c->key, c->stream, c->pos + (uint64_t)j);
      double pj = p ? tgi_load_f64(p->data + j * p->strides[0], p->dtype) : 1;
      k[j].key = !p ? tgi_rs_uniform(&s) : pj > 0 ? log(tgi_rs_open(&s)) / pj : -INFINITY;
      k[j].idx = j;
    }
    qsort(k, (size_t)pop, sizeof *k, keyed_cmp);
    for (int64_t i = 0; i < m && st == TG_OK; i++, bc_next(&it))
      st = put_elem(c, a, k[i].idx, o->data + it.off[0]);
  }
  tgi_free(buf);
  return st;
}

/* An output array: the caller's (checked) or a new one. */
static tg_array *out_array(rv_ctx *c, tg_array *given, tg_dtype dt, int nd,
                           const int64_t *shape) {
  char b1[128], b2[128];
  if (!given) {
    tg_array *a = tgi_array_alloc(dt, nd, shape, true, false);
    if (!a) tgi_err_set(c->err, tg_errstatus(), "%s: %s", c->name, tg_errmsg());
    return a;
  }
  if (given->dtype != dt || given->ndim != nd ||
      memcmp(given->shape, shape, sizeof(int64_t) * (size_t)nd) != 0) {
    tgi_err_set(c->err, TG_ERR_SHAPE, "%s: the given output is a %s array of shape %s, "
                "expected %s %s", c->name, tg_dtype_name(given->dtype),
                tgi_shape_str(given->ndim, given->shape, b1, sizeof b1), tg_dtype_name(dt),
                tgi_shape_str(nd, shape, b2, sizeof b2));
    return NULL;
  }
  return given;
}

/* The draw shape: the shape input's values, or the parameters' broadcast shape. */
static tg_status draw_shape(rv_ctx *c, int n_in, tg_array *const *in, int *nd,
                            int64_t *shape) {
  const tg_op *op = c->op;
  int p0 = par0(op), trail[2], np = bcast_params(op, trail);
  char b1[128], b2[128];
  (void)n_in;
  *nd = 0;
  if (op->code == TGI_RV_PERMUTATION) {
    const tg_array *x = in[p0];
    *nd = 1;
    shape[0] = x->ndim == 1 ? x->shape[0] : tgi_load_i64(x->data, x->dtype);
    if (shape[0] < 0) return bad_par(c, 0, "must be >= 0", (double)shape[0]);
  } else if (op->params[TGI_RVP_HAS_SHAPE]) {
    const tg_array *s = in[1];
    *nd = (int)s->shape[0];
    for (int d = 0; d < *nd; d++) {
      shape[d] = tgi_load_i64(s->data + d * s->strides[0], s->dtype);
      if (shape[d] < 0)
        return tgi_err_set(c->err, TG_ERR_VALUE, "%s: negative dimension %lld in the shape",
                           c->name, (long long)shape[d]);
    }
  } else {
    for (int i = 0; i < np; i++) {
      const tg_array *a = in[p0 + i];
      int nb = a->ndim - trail[i];
      if (nb > *nd) { /* pad the shape so far on the left */
        memmove(shape + (nb - *nd), shape, sizeof(int64_t) * (size_t)*nd);
        for (int d = 0; d < nb - *nd; d++) shape[d] = 1;
        *nd = nb;
      }
      for (int k = 0; k < nb; k++) {
        int64_t *s = &shape[*nd - nb + k], v = a->shape[k];
        if (v == 1 || *s == v) continue;
        if (*s != 1)
          return tgi_err_set(c->err, TG_ERR_SHAPE, "%s: parameter '%s' of shape %s does not "
                             "broadcast with the others (shape so far %s)", c->name,
                             tgi_rv_infos[op->code].par[i],
                             tgi_shape_str(a->ndim, a->shape, b1, sizeof b1),
                             tgi_shape_str(*nd, shape, b2, sizeof b2));
        *s = v;
      }
    }
  }
  if (op->code == TGI_RV_MULTINOMIAL) {
    const tg_array *pv = in[p0 + 1];
    shape[(*nd)++] = pv->shape[pv->ndim - 1];
  }
  int64_t size;
  if (!tgi_shape_size(op->dtype, *nd, shape, &size))
    return tgi_err_set(c->err, tg_errstatus(), "%s: %s", c->name, tg_errmsg());
  return TG_OK;
}

static tg_status rv_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                            tg_array **out, tgi_err *err) {
  (void)n_out;
  rv_ctx c = {.op = op, .err = err};
  rv_describe(op, c.name, sizeof c.name);
  const tg_array *st = in[0];
  char b[128];
  if (st->dtype != TG_INT64 || st->ndim != 1 || st->shape[0] != 3)
    return tgi_err_set(err, TG_ERR_VALUE, "%s: the stream state must be an int64 vector of 3 "
                       "(seed, stream, position), got a %s array of shape %s", c.name,
                       tg_dtype_name(st->dtype), tgi_shape_str(st->ndim, st->shape, b, sizeof b));
  c.key = (uint64_t)tgi_load_i64(st->data, TG_INT64);
  c.stream = (uint64_t)tgi_load_i64(st->data + st->strides[0], TG_INT64);
  c.pos = (uint64_t)tgi_load_i64(st->data + 2 * st->strides[0], TG_INT64);
  int nd;
  int64_t shape[TG_MAX_NDIM + 1];
  tg_status s = draw_shape(&c, n_in, in, &nd, shape);
  if (s != TG_OK) return s;
  tg_array *ns = out_array(&c, out[0], TG_INT64, 1, (int64_t[]){3});
  tg_array *o = ns ? out_array(&c, out[1], op->dtype, nd, shape) : NULL;
  uint64_t used = 0;
  int p0 = par0(op), trail[2], np = bcast_params(op, trail);
  if (!o) s = err->status;
  else if (op->code == TGI_RV_CHOICE)
    s = draw_choice(&c, in[p0], op->params[TGI_RVP_HAS_P] ? in[p0 + 1] : NULL,
                    op->params[TGI_RVP_REPLACE] != 0, o, &used);
  else if (op->code == TGI_RV_PERMUTATION)
    s = draw_choice(&c, in[p0], NULL, false, o, &used);
  else
    s = draw_broadcast(&c, in + p0, trail, np, o, op->code == TGI_RV_MULTINOMIAL ? nd - 1 : nd,
                       &used);
  if (s != TG_OK) {
    if (ns && ns != out[0]) tg_array_unref(ns);
    if (o && o != out[1]) tg_array_unref(o);
    return s;
  }
  int64_t w[3] = {(int64_t)c.key, (int64_t)c.stream, (int64_t)(c.pos + used)};
  for (int i = 0; i < 3; i++) tgi_store_i64(ns->data + i * ns->strides[0], TG_INT64, w[i]);
  out[0] = ns;
  out[1] = o;
  return TG_OK;
}

const tg_op_class tgi_random_class = {
    .name = "RandomVariable",
    .infer = rv_infer,
    .perform = rv_perform,
    .describe = rv_describe,
    .infer_shape = rv_infer_shape,
    .grad = rv_grad,
    .flags = TGI_OP_IMPURE,
};
