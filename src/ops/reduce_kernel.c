/* reduce_kernel.c: the reference kernel of every reduction. The input's dims are split
   into kept and reduced ones; size-1 dims are dropped and neighbours of the same kind that
   are laid out contiguously are merged, so a C-contiguous sum over all axes is one long
   run. The walk follows the input's logical C order (any strides, negative ones too) and
   updates one accumulator per output element: float values and every mean/variance/
   logsumexp are accumulated in double, integer sums and products in uint64 (wrapping as
   numpy's int64 does, without signed-overflow UB). Sums along a run are blocked (8
   accumulators over blocks of CHUNK) and the block sums are added pairwise, which keeps a
   float32 sum of 1e7 terms exact to float32 rounding. Results are then converted to the
   output dtype and stored into the (possibly strided) output array. */
#include <math.h>
#include <stdio.h>

#include "reduce_impl.h"

#define CHUNK 256 /* elements converted to the accumulation domain at a time */

/* The passes the kinds are made of (variance and logsumexp take two). */
enum { P_SUM, P_PROD, P_MAX, P_MIN, P_ARGMAX, P_ARGMIN, P_ALL, P_ANY, P_SQDEV, P_EXPDEV };

/* The input's dims after dropping size-1 dims and merging contiguous neighbours. */
typedef struct {
  int nd;
  int64_t len[TG_MAX_NDIM], st[TG_MAX_NDIM]; /* length and input stride in bytes */
  int64_t ost[TG_MAX_NDIM]; /* stride in accumulator slots (kept dims; 0 for reduced) */
  int64_t rst[TG_MAX_NDIM]; /* stride in the reduced C-order flat index (reduced dims) */
  bool red[TG_MAX_NDIM];
} plan;

/* One pass: what to do with each value and where the accumulators are. */
typedef struct {
  int pass;
  bool fdom;            /* values are read as double (else as int64) */
  tg_dtype dt;          /* input dtype */
  double *ad;           /* double accumulators */
  int64_t *ai;          /* int64 accumulators (int domain; all/any in both domains) */
  int64_t *ax;          /* argmax/argmin indices */
  const double *center; /* per-output value subtracted in P_SQDEV / P_EXPDEV */
} pass_t;

static void make_plan(plan *pl, const tg_array *x, uint64_t mask) {
  int k = 0;
  for (int d = 0; d < x->ndim; d++) {
    int64_t n = x->shape[d], s = x->strides[d];
    bool r = (mask >> d) & 1;
    if (n == 1) continue;
    if (k > 0 && pl->red[k - 1] == r && pl->st[k - 1] == s * n) {
      pl->len[k - 1] *= n; /* C order over the pair = C order over the merged dim */
      pl->st[k - 1] = s;
      continue;
    }
    pl->len[k] = n, pl->st[k] = s, pl->red[k] = r;
    k++;
  }
  if (k == 0) pl->len[0] = 1, pl->st[0] = 0, pl->red[0] = true, k = 1; /* one element */
  pl->nd = k;
  int64_t po = 1, pr = 1;
  for (int i = k - 1; i >= 0; i--) {
    if (pl->red[i]) pl->rst[i] = pr, pr *= pl->len[i], pl->ost[i] = 0;
    else pl->ost[i] = po, po *= pl->len[i], pl->rst[i] = 0;
  }
}

/* ---- loading a strided run into the accumulation domain ---- */

#define LOAD_CASES(DST)                                                         \
  case TG_BOOL:                                                                 \
    for (int64_t i = 0; i < n; i++) b[i] = *(const uint8_t *)(p + i * s) != 0;  \
    break;                                                                      \
  case TG_INT8: LOAD(int8_t, DST); break;                                       \
  case TG_INT16: LOAD(int16_t, DST); break;                                     \
  case TG_INT32: LOAD(int32_t, DST); break;                                     \
  case TG_INT64: LOAD(int64_t, DST); break;                                     \
  case TG_UINT8: LOAD(uint8_t, DST); break;                                     \
  case TG_FLOAT32: LOAD(float, DST); break;                                     \
  case TG_FLOAT64: LOAD(double, DST); break;                                    \
  default: break;
#define LOAD(T, DST) \
  for (int64_t i = 0; i < n; i++) b[i] = (DST) * (const T *)(p + i * s)

static void load_d(double *b, const char *p, int64_t n, int64_t s, tg_dtype dt) {
  switch (dt) { LOAD_CASES(double) }
}

/* Only integer and bool inputs are read as int64. */
static void load_i(int64_t *b, const char *p, int64_t n, int64_t s, tg_dtype dt) {
  switch (dt) { LOAD_CASES(int64_t) }
}
#undef LOAD

/* ---- blocked pairwise summation ---- */

/* Sum of n contiguous values with 8 independent accumulators (also what lets the compiler
   keep several additions in flight), added as a small tree. */
#define SUM8(T, name)                                                                   \
  static double name(const T *b, int64_t n) {                                          \
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;              \
    int64_t i = 0;                                                                      \
    for (; i + 8 <= n; i += 8) {                                                        \
      s0 += b[i], s1 += b[i + 1], s2 += b[i + 2], s3 += b[i + 3];                       \
      s4 += b[i + 4], s5 += b[i + 5], s6 += b[i + 6], s7 += b[i + 7];                   \
    }                                                                                   \
    double t = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));                       \
    for (; i < n; i++) t += b[i];                                                       \
    return t;                                                                           \
  }
SUM8(double, sum8_f64)
SUM8(float, sum8_f32)

/* Pairwise addition of block sums without recursion: a binary counter whose carries
   merge equal-sized partial sums, so the error grows with log2(blocks). */
typedef struct {
  double v[66];
  int sp;
  uint64_t cnt;
} cascade;

static void cascade_push(cascade *c, double x) {
  c->v[c->sp++] = x;
  for (uint64_t k = ++c->cnt; !(k & 1); k >>= 1) {
    c->v[c->sp - 2] += c->v[c->sp - 1];
    c->sp--;
  }
}

static double cascade_total(const cascade *c) {
  double t = 0;
  for (int i = c->sp - 1; i >= 0; i--) t += c->v[i];
  return t;
}

/* ---- one value into one accumulator ---- */

static inline void upd_d(const pass_t *a, int64_t o, double v, int64_t flat) {
  double m;
  switch (a->pass) {
    case P_SUM: a->ad[o] += v; break;
    case P_PROD: a->ad[o] *= v; break;
    case P_MAX: /* NaN wins and stays */
      m = a->ad[o];
      if (!isnan(m) && (v > m || isnan(v))) a->ad[o] = v;
      break;
    case P_MIN:
      m = a->ad[o];
      if (!isnan(m) && (v < m || isnan(v))) a->ad[o] = v;
      break;
    case P_ARGMAX: /* the walk is in C order, so strict comparisons keep the first */
      m = a->ad[o];
      if (a->ax[o] < 0 || (!isnan(m) && (v > m || isnan(v)))) a->ad[o] = v, a->ax[o] = flat;
      break;
    case P_ARGMIN:
      m = a->ad[o];
      if (a->ax[o] < 0 || (!isnan(m) && (v < m || isnan(v)))) a->ad[o] = v, a->ax[o] = flat;
      break;
    case P_ALL: if (v == 0) a->ai[o] = 0; break; /* NaN != 0: true, as numpy */
    case P_ANY: if (v != 0) a->ai[o] = 1; break;
    case P_SQDEV: m = v - a->center[o], a->ad[o] += m * m; break;
    case P_EXPDEV: a->ad[o] += exp(v - a->center[o]); break;
  }
}

static inline void upd_i(const pass_t *a, int64_t o, int64_t v, int64_t flat) {
  switch (a->pass) {
    case P_SUM: a->ai[o] = (int64_t)((uint64_t)a->ai[o] + (uint64_t)v); break;
    case P_PROD: a->ai[o] = (int64_t)((uint64_t)a->ai[o] * (uint64_t)v); break;
    case P_MAX: if (v > a->ai[o]) a->ai[o] = v; break;
    case P_MIN: if (v < a->ai[o]) a->ai[o] = v; break;
    case P_ARGMAX: if (a->ax[o] < 0 || v > a->ai[o]) a->ai[o] = v, a->ax[o] = flat; break;
    case P_ARGMIN: if (a->ax[o] < 0 || v < a->ai[o]) a->ai[o] = v, a->ax[o] = flat; break;
    case P_ALL: if (v == 0) a->ai[o] = 0; break;
    case P_ANY: if (v != 0) a->ai[o] = 1; break;
    default: break; /* P_SQDEV / P_EXPDEV always run in the double domain */
  }
}

/* ---- runs along the innermost dim ---- */

/* n values at stride s, all reduced into accumulator o; value j has flat index r + j*rs. */
static void run_reduced(const pass_t *a, const char *p, int64_t n, int64_t s, int64_t o,
                        int64_t r, int64_t rs) {
  double bd[CHUNK];
  int64_t bi[CHUNK];
  bool sum_like = a->pass == P_SUM || a->pass == P_SQDEV || a->pass == P_EXPDEV;
  if (a->fdom && sum_like) {
    cascade c = {.sp = 0, .cnt = 0};
    for (int64_t i = 0; i < n; i += CHUNK) {
      int64_t m = n - i < CHUNK ? n - i : CHUNK;
      const char *q = p + i * s;
      if (a->pass == P_SUM && a->dt == TG_FLOAT32 && s == 4) {
        cascade_push(&c, sum8_f32((const float *)q, m));
      } else if (a->pass == P_SUM && a->dt == TG_FLOAT64 && s == 8) {
        cascade_push(&c, sum8_f64((const double *)q, m));
      } else {
        load_d(bd, q, m, s, a->dt);
        double ctr = a->pass == P_SUM ? 0 : a->center[o];
        if (a->pass == P_SQDEV)
          for (int64_t j = 0; j < m; j++) bd[j] = (bd[j] - ctr) * (bd[j] - ctr);
        else if (a->pass == P_EXPDEV)
          for (int64_t j = 0; j < m; j++) bd[j] = exp(bd[j] - ctr);
        cascade_push(&c, sum8_f64(bd, m));
      }
    }
    a->ad[o] += cascade_total(&c);
    return;
  }
  for (int64_t i = 0; i < n; i += CHUNK) {
    int64_t m = n - i < CHUNK ? n - i : CHUNK;
    if (a->fdom) {
      load_d(bd, p + i * s, m, s, a->dt);
      for (int64_t j = 0; j < m; j++) upd_d(a, o, bd[j], r + (i + j) * rs);
    } else {
      load_i(bi, p + i * s, m, s, a->dt);
      for (int64_t j = 0; j < m; j++) upd_i(a, o, bi[j], r + (i + j) * rs);
    }
  }
}

/* n values at stride s into n consecutive accumulators from o; all have flat index r. */
static void run_kept(const pass_t *a, const char *p, int64_t n, int64_t s, int64_t o,
                     int64_t r) {
  double bd[CHUNK];
  int64_t bi[CHUNK];
  for (int64_t i = 0; i < n; i += CHUNK) {
    int64_t m = n - i < CHUNK ? n - i : CHUNK;
    if (a->fdom) {
      load_d(bd, p + i * s, m, s, a->dt);
      if (a->pass == P_SUM) {
        double *acc = a->ad + o + i; /* the common case gets a loop the compiler vectorises */
        for (int64_t j = 0; j < m; j++) acc[j] += bd[j];
      } else {
        for (int64_t j = 0; j < m; j++) upd_d(a, o + i + j, bd[j], r);
      }
    } else {
      load_i(bi, p + i * s, m, s, a->dt);
      for (int64_t j = 0; j < m; j++) upd_i(a, o + i + j, bi[j], r);
    }
  }
}

/* Walk the input in C order: every run along the innermost (merged) dim. */
static void traverse(const plan *pl, const char *base, const pass_t *a) {
  int last = pl->nd - 1;
  int64_t idx[TG_MAX_NDIM] = {0};
  for (;;) {
    const char *p = base;
    int64_t o = 0, r = 0;
    for (int k = 0; k < last; k++) {
      p += idx[k] * pl->st[k];
      o += idx[k] * pl->ost[k];
      r += idx[k] * pl->rst[k];
    }
    if (pl->red[last]) run_reduced(a, p, pl->len[last], pl->st[last], o, r, pl->rst[last]);
    else run_kept(a, p, pl->len[last], pl->st[last], o, r);
    if (last == 0 || !tgi_next_index(last, pl->len, idx)) break;
  }
}

/* ---- the op ---- */

static void fill_d(double *a, int64_t n, double v) {
  for (int64_t i = 0; i < n; i++) a[i] = v;
}
static void fill_i(int64_t *a, int64_t n, int64_t v) {
  for (int64_t i = 0; i < n; i++) a[i] = v;
}

/* Get output k: check a caller's array or allocate one. *made says we allocated it. */
static tg_status get_out(const tg_op *op, tg_array **out, int k, tg_dtype dt, int nd,
                         const int64_t *shape, bool *made, tgi_err *err) {
  char name[160];
  op->cls->describe(op, name, sizeof name);
  tg_array *o = out[k];
  if (o) {
    if (o->dtype != dt || o->ndim != nd || memcmp(o->shape, shape, sizeof(int64_t) * (size_t)nd)) {
      char b1[256], b2[256];
      return tgi_err_set(err, TG_ERR_SHAPE, "%s: the given output %d is %s %s, the result is %s %s",
                         name, k, tg_dtype_name(o->dtype),
                         tgi_shape_str(o->ndim, o->shape, b1, sizeof b1), tg_dtype_name(dt),
                         tgi_shape_str(nd, shape, b2, sizeof b2));
    }
    return TG_OK;
  }
  if (!(out[k] = tgi_array_alloc(dt, nd, shape, true, false)))
    return tgi_err_set(err, TG_ERR_NOMEM, "%s: %s", name, tg_errmsg());
  *made = true;
  return TG_OK;
}

/* Byte offset of the element at C-order index idx of a. */
static int64_t offset_of(const tg_array *a, const int64_t *idx) {
  int64_t off = 0;
  for (int d = 0; d < a->ndim; d++) off += idx[d] * a->strides[d];
  return off;
}

/* Accumulators to output values: element j of the output is slot j. */
static void store(const tg_op *op, const pass_t *a, const double *center, int64_t n_red,
                  tg_array *o0, tg_array *o1) {
  int kind = op->code;
  double div = (double)n_red;
  if (kind == TGR_VAR || kind == TGR_STD) {
    double dof = (double)n_red - (double)op->params[TGR_P_DDOF];
    div = dof > 0 ? dof : 0; /* numpy: max(n - ddof, 0), giving inf or NaN */
  }
  int64_t idx[TG_MAX_NDIM] = {0};
  for (int64_t j = 0; j < o0->size; j++) {
    char *q = o0->data + offset_of(o0, idx);
    switch (kind) {
      case TGR_MEAN:
      case TGR_VAR: tgi_store_f64(q, o0->dtype, a->ad[j] / div); break;
      case TGR_STD: tgi_store_f64(q, o0->dtype, sqrt(a->ad[j] / div)); break;
      case TGR_LOGSUMEXP: tgi_store_f64(q, o0->dtype, log(a->ad[j]) + center[j]); break;
      case TGR_ALL:
      case TGR_ANY: *(uint8_t *)q = a->ai[j] != 0; break;
      case TGR_ARGMAX:
      case TGR_ARGMIN: *(int64_t *)q = a->ax[j]; break;
      default: /* sum, prod, max, min, and the max of max_and_argmax */
        if (a->fdom) tgi_store_f64(q, o0->dtype, a->ad[j]);
        else tgi_store_i64(q, o0->dtype, a->ai[j]);
        if (o1) *(int64_t *)(o1->data + offset_of(o1, idx)) = a->ax[j];
        break;
    }
    tgi_next_index(o0->ndim, o0->shape, idx);
  }
}

tg_status tgi_reduce_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err) {
  (void)n_in;
  const tg_array *x = in[0];
  int kind = op->code;
  uint64_t mask = (uint64_t)op->params[TGR_P_MASK];
  bool keep = op->params[TGR_P_KEEPDIMS] != 0;
  char name[160], sb[256];
  op->cls->describe(op, name, sizeof name);
  for (int d = x->ndim; d < TG_MAX_NDIM; d++)
    if ((mask >> d) & 1)
      return tgi_err_set(err, TG_ERR_SHAPE, "%s: input has rank %d", name, x->ndim);
  int64_t shape[TG_MAX_NDIM], n_red = 1, n_outv = 1;
  int nd = 0;
  for (int d = 0; d < x->ndim; d++) {
    if ((mask >> d) & 1) {
      n_red *= x->shape[d];
      if (keep) shape[nd++] = 1;
    } else {
      n_outv *= x->shape[d];
      shape[nd++] = x->shape[d];
    }
  }
  bool needs_one = kind == TGR_MAX || kind == TGR_MIN || kind == TGR_ARGMAX ||
                   kind == TGR_ARGMIN || kind == TGR_MAX_AND_ARGMAX;
  if (n_red == 0 && needs_one) { /* numpy's messages, plus the op and the shape */
    tgi_shape_str(x->ndim, x->shape, sb, sizeof sb);
    if (kind == TGR_ARGMAX || kind == TGR_ARGMIN)
      return tgi_err_set(err, TG_ERR_VALUE,
                         "%s: attempt to get %s of an empty sequence (input shape %s)", name,
                         kind == TGR_ARGMAX ? "argmax" : "argmin", sb);
    return tgi_err_set(err, TG_ERR_VALUE,
                       "%s: zero-size array to reduction operation %s which has no identity "
                       "(input shape %s)",
                       name, kind == TGR_MIN ? "minimum" : "maximum", sb);
  }

  bool made0 = false, made1 = false;
  tg_status st = get_out(op, out, 0, op->dtype, nd, shape, &made0, err);
  if (st == TG_OK && n_out > 1) st = get_out(op, out, 1, TG_INT64, nd, shape, &made1, err);
  bool fdom = tg_dtype_is_float(x->dtype) || kind == TGR_MEAN || kind == TGR_VAR ||
              kind == TGR_STD || kind == TGR_LOGSUMEXP;
  size_t nb = 0;
  if (st == TG_OK && !tgi_mul_overflow((size_t)n_outv, 3 * sizeof(double), &nb))
    st = tgi_err_set(err, TG_ERR_NOMEM, "%s: %lld outputs are too many", name, (long long)n_outv);
  /* three arrays of n_outv slots: values (double or int64), indices or centres, spare */
  char *mem = st == TG_OK ? tgi_malloc(nb ? nb : 1) : NULL;
  if (st == TG_OK && !mem) st = tgi_err_set(err, TG_ERR_NOMEM, "%s: out of memory", name);
  if (st != TG_OK) {
    if (made0) tg_array_unref(out[0]), out[0] = NULL;
    if (made1) tg_array_unref(out[1]), out[1] = NULL;
    return st;
  }

  pass_t a = {.fdom = fdom, .dt = x->dtype};
  a.ad = (double *)mem;
  a.ai = (int64_t *)mem;
  a.ax = (int64_t *)(mem + (size_t)n_outv * sizeof(double));
  double *center = (double *)(mem + 2 * (size_t)n_outv * sizeof(double));
  plan pl;
  make_plan(&pl, x, mask);
  bool walk = n_red > 0 && n_outv > 0;
  fill_i(a.ax, n_outv, -1);
  switch (kind) {
    case TGR_SUM:
    case TGR_MEAN: a.pass = P_SUM; fdom ? fill_d(a.ad, n_outv, 0) : fill_i(a.ai, n_outv, 0); break;
    case TGR_PROD: a.pass = P_PROD; fdom ? fill_d(a.ad, n_outv, 1) : fill_i(a.ai, n_outv, 1); break;
    case TGR_MAX:
    case TGR_MAX_AND_ARGMAX:
    case TGR_ARGMAX:
      a.pass = kind == TGR_MAX ? P_MAX : P_ARGMAX;
      fdom ? fill_d(a.ad, n_outv, -INFINITY) : fill_i(a.ai, n_outv, INT64_MIN);
      break;
    case TGR_MIN:
    case TGR_ARGMIN:
      a.pass = kind == TGR_MIN ? P_MIN : P_ARGMIN;
      fdom ? fill_d(a.ad, n_outv, INFINITY) : fill_i(a.ai, n_outv, INT64_MAX);
      break;
    case TGR_ALL: a.pass = P_ALL; fill_i(a.ai, n_outv, 1); break;
    case TGR_ANY: a.pass = P_ANY; fill_i(a.ai, n_outv, 0); break;
    case TGR_VAR:
    case TGR_STD: /* two passes: the mean, then the sum of squared deviations from it */
      a.pass = P_SUM;
      fill_d(a.ad, n_outv, 0);
      if (walk) traverse(&pl, x->data, &a);
      for (int64_t j = 0; j < n_outv; j++) center[j] = a.ad[j] / (double)n_red;
      a.pass = P_SQDEV;
      a.center = center;
      fill_d(a.ad, n_outv, 0);
      break;
    case TGR_LOGSUMEXP: /* two passes: the max m, then sum(exp(x - m)); m = 0 if not finite */
      a.pass = P_MAX;
      fill_d(a.ad, n_outv, -INFINITY);
      if (walk) traverse(&pl, x->data, &a);
      for (int64_t j = 0; j < n_outv; j++) center[j] = isfinite(a.ad[j]) ? a.ad[j] : 0;
      a.pass = P_EXPDEV;
      a.center = center;
      fill_d(a.ad, n_outv, 0);
      break;
  }
  if (walk) traverse(&pl, x->data, &a);
  store(op, &a, center, n_red, out[0], kind == TGR_MAX_AND_ARGMAX ? out[1] : NULL);
  tgi_free(mem);
  return TG_OK;
}
