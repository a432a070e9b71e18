/* elemwise_kernel.c: the reference kernel of Elemwise: runtime broadcasting checks, an
   n-d strided iterator with dimension coalescing, and inner loops. Same-dtype float64,
   float32 and int64 operands get a typed loop per scalar op; everything else goes through
   a generic loop that loads each element into the compute domain (double or int64). */
#include <stdio.h>

#include "elemwise.h"
#include "scalar_math.h"

#define MAXOP 4 /* up to 3 inputs and the output */

typedef void (*loop_fn)(int64_t n, char **p, const int64_t *s);

/* Typed loops: operands and result all of type T, computed as the row's expression. */
#define TYPED_LOOP(T, suffix, name, ar, expr, CT)                                    \
  static void loop_##suffix##_##name(int64_t n, char **p, const int64_t *s) {       \
    const tg_dtype cdt = TG_INT64;                                                   \
    (void)cdt;                                                                       \
    for (int64_t i = 0; i < n; i++) {                                                \
      CT a = (CT) * (const T *)(p[0] + i * s[0]);                                    \
      CT b = ar > 1 ? (CT) * (const T *)(p[1] + i * s[1]) : 0;                       \
      CT c = ar > 2 ? (CT) * (const T *)(p[2] + i * s[2]) : 0;                       \
      (void)a, (void)b, (void)c;                                                     \
      *(T *)(p[ar] + i * s[ar]) = (T)(expr);                                         \
    }                                                                                \
  }
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) \
  TYPED_LOOP(double, f64, name, ar, fexpr, double)                \
  TYPED_LOOP(float, f32, name, ar, fexpr, double)                 \
  TYPED_LOOP(int64_t, i64, name, ar, iexpr, int64_t)
#include "scalar_ops.def"
#undef TG_SCALAR

static const loop_fn loops_f64[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) loop_f64_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
};
static const loop_fn loops_f32[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) loop_f32_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
};
static const loop_fn loops_i64[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) loop_i64_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
};

/* Scalar functions for the generic loop. */
typedef double (*sf_fn)(double, double, double);
typedef int64_t (*si_fn)(int64_t, int64_t, int64_t, tg_dtype);
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc)          \
  static double sf_##name(double a, double b, double c) {                  \
    (void)a, (void)b, (void)c;                                             \
    return (double)(fexpr);                                                \
  }                                                                        \
  static int64_t si_##name(int64_t a, int64_t b, int64_t c, tg_dtype cdt) { \
    (void)a, (void)b, (void)c, (void)cdt;                                  \
    return (int64_t)(iexpr);                                               \
  }
#include "scalar_ops.def"
#undef TG_SCALAR
static const sf_fn sfs[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) sf_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
};
static const si_fn sis[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) si_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
};

typedef struct {
  int code, n_in;
  tg_dtype dt[MAXOP]; /* operand dtypes, output last */
  tg_dtype cdt;       /* compute dtype */
  loop_fn typed;      /* NULL: generic */
} kernel;

static void generic_loop(const kernel *k, int64_t n, char **p, const int64_t *s) {
  int ar = k->n_in;
  bool cond = k->code == TGS_switch; /* input 0 is a truth value, not a number */
  if (tg_dtype_is_float(k->cdt)) {
    sf_fn f = sfs[k->code];
    /* Operands are first converted to the compute dtype, as numpy converts them before the
       loop. For float32 this matters only for a Python-scalar (weak) float64 constant:
       float32 x * 0.1 multiplies by float32(0.1); every other operand a float32 op meets
       is exact in float32. A switch's condition is a truth value and is not converted. */
    bool f32 = k->cdt == TG_FLOAT32;
    for (int64_t i = 0; i < n; i++) {
      double v[3] = {0, 0, 0};
      for (int j = 0; j < ar; j++) {
        v[j] = tgi_load_f64(p[j] + i * s[j], k->dt[j]);
        if (f32 && !(cond && j == 0)) v[j] = (float)v[j];
      }
      if (cond) v[0] = v[0] != 0 || isnan(v[0]);
      tgi_store_f64(p[ar] + i * s[ar], k->dt[ar], f(v[0], v[1], v[2]));
    }
  } else {
    si_fn f = sis[k->code];
    for (int64_t i = 0; i < n; i++) {
      int64_t v[3] = {0, 0, 0};
      for (int j = 0; j < ar; j++) {
        if (j == 0 && cond) {
          double t = tgi_load_f64(p[0] + i * s[0], k->dt[0]);
          v[0] = t != 0 || isnan(t);
        } else {
          v[j] = tgi_load_i64(p[j] + i * s[j], k->dt[j]);
        }
      }
      tgi_store_i64(p[ar] + i * s[ar], k->dt[ar], f(v[0], v[1], v[2], k->cdt));
    }
  }
}

tg_status tgi_elemwise_out_shape(const char *cls, const char *name, const int64_t *masks,
                                 int n_in, tg_array *const *in, int nd, int64_t *shape,
                                 tgi_err *err) {
  for (int d = 0; d < nd; d++) {
    int64_t len = -1;
    int who = -1;
    for (int i = 0; i < n_in; i++) {
      int k = d - (nd - in[i]->ndim);
      int64_t n = k < 0 ? 1 : in[i]->shape[k];
      char b1[256], b2[256];
      if (((uint64_t)masks[i] >> d) & 1) {
        if (n != 1)
          return tgi_err_set(err, TG_ERR_SHAPE,
                             "%s{%s}: input %d has shape %s but its dim %d is declared "
                             "broadcastable (length 1)",
                             cls, name, i, tgi_shape_str(in[i]->ndim, in[i]->shape, b1, sizeof b1), k);
        continue;
      }
      if (len < 0) {
        len = n, who = i;
      } else if (n != len) {
        return tgi_err_set(
            err, TG_ERR_SHAPE,
            "%s{%s}: shapes do not match: input %d has shape %s, input %d has shape %s "
            "(output dim %d: %lld vs %lld; only dims declared of length 1 broadcast)",
            cls, name, who, tgi_shape_str(in[who]->ndim, in[who]->shape, b1, sizeof b1), i,
            tgi_shape_str(in[i]->ndim, in[i]->shape, b2, sizeof b2), d, (long long)len,
            (long long)n);
      }
    }
    shape[d] = len < 0 ? 1 : len;
  }
  return TG_OK;
}

tg_status tgi_elemwise_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)n_out;
  int nd = 0;
  for (int i = 0; i < n_in; i++)
    if (in[i]->ndim > nd) nd = in[i]->ndim;
  int64_t shape[TG_MAX_NDIM];
  tg_status st = tgi_elemwise_out_shape("Elemwise", tgi_scalar_ops[op->code].name,
                                        op->params + 1, n_in, in, nd, shape, err);
  if (st != TG_OK) return st;
  tg_dtype odt = (tg_dtype)op->params[0];
  tg_array *o = out[0];
  if (o) {
    bool same = o->dtype == odt && o->ndim == nd;
    for (int d = 0; same && d < nd; d++) same = o->shape[d] == shape[d]; /* cheaper than memcmp */
    if (!same) {
      char b1[256], b2[256];
      return tgi_err_set(err, TG_ERR_SHAPE,
                         "Elemwise{%s}: the given output is %s %s, the result is %s %s",
                         tgi_scalar_ops[op->code].name, tg_dtype_name(o->dtype),
                         tgi_shape_str(o->ndim, o->shape, b1, sizeof b1), tg_dtype_name(odt),
                         tgi_shape_str(nd, shape, b2, sizeof b2));
    }
  } else {
    o = tgi_array_alloc(odt, nd, shape, true, false);
    if (!o)
      return tgi_err_set(err, TG_ERR_NOMEM, "Elemwise{%s}: %s", tgi_scalar_ops[op->code].name,
                         tg_errmsg());
  }
  kernel k = {.code = op->code, .n_in = n_in, .cdt = op->dtype};
  bool same = odt == op->dtype;
  for (int i = 0; i < n_in; i++) {
    k.dt[i] = in[i]->dtype;
    same = same && in[i]->dtype == odt;
  }
  k.dt[n_in] = odt;
  if (same && op->code != TGS_switch) {
    if (odt == TG_FLOAT64) k.typed = loops_f64[op->code];
    else if (odt == TG_FLOAT32) k.typed = loops_f32[op->code];
    else if (odt == TG_INT64) k.typed = loops_i64[op->code];
  }
  /* Operand strides over the output's index space (0 where broadcast), then merge dims
     that are contiguous for every operand so the inner loop runs as long as possible. */
  int nop = n_in + 1;
  int64_t st_[MAXOP][TG_MAX_NDIM], dims[TG_MAX_NDIM];
  char *base[MAXOP];
  for (int j = 0; j < nop; j++) {
    const tg_array *a = j < n_in ? in[j] : o;
    base[j] = a->data;
    for (int d = 0; d < nd; d++) {
      int kd = d - (nd - a->ndim);
      st_[j][d] = kd < 0 || a->shape[kd] == 1 ? 0 : a->strides[kd];
    }
  }
  int m = 0;
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 0) {
      if (!out[0]) out[0] = o;
      return TG_OK; /* empty result */
    }
    if (shape[d] == 1) continue;
    bool merge = m > 0;
    for (int j = 0; j < nop && merge; j++) merge = st_[j][m - 1] == st_[j][d] * shape[d];
    if (merge) {
      dims[m - 1] *= shape[d];
      for (int j = 0; j < nop; j++) st_[j][m - 1] = st_[j][d];
    } else {
      dims[m] = shape[d];
      for (int j = 0; j < nop; j++) st_[j][m] = st_[j][d];
      m++;
    }
  }
  int64_t inner = m ? dims[m - 1] : 1, istr[MAXOP];
  for (int j = 0; j < nop; j++) istr[j] = m ? st_[j][m - 1] : 0;
  int64_t idx[TG_MAX_NDIM]; /* only the first m entries: a full memset costs a tiny call */
  for (int d = 0; d < m; d++) idx[d] = 0;
  for (;;) {
    char *p[MAXOP];
    for (int j = 0; j < nop; j++) {
      p[j] = base[j];
      for (int d = 0; d < m - 1; d++) p[j] += idx[d] * st_[j][d];
    }
    if (k.typed) k.typed(inner, p, istr);
    else generic_loop(&k, inner, p, istr);
    if (m <= 1 || !tgi_next_index(m - 1, dims, idx)) break;
  }
  out[0] = o;
  return TG_OK;
}
