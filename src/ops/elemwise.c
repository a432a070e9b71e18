/* elemwise.c: the Elemwise op class (type rules, display) and the public builders of every
   elementwise op. The scalar ops themselves are rows of scalar_ops.def. */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "elemwise.h"

const tgi_scalar_info tgi_scalar_ops[TGS_COUNT] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) \
  {#name, ar, rule, infix, prec, doc, #fexpr, #iexpr},
#include "scalar_ops.def"
#undef TG_SCALAR
};

int tgi_scalar_op_find(const char *name) {
  for (int i = 0; i < TGS_COUNT; i++)
    if (strcmp(tgi_scalar_ops[i].name, name) == 0) return i;
  return -1;
}

/* Smallest of our integer dtypes holding v (numpy's min_scalar_type, minus the unsigned
   types we lack beyond uint8). */
static tg_dtype min_int_type(int64_t v) {
  if (v >= 0 && v <= 255) return v <= 127 ? TG_INT8 : TG_UINT8;
  if (v >= -128 && v <= 127) return TG_INT8;
  if (v >= -32768 && v <= 32767) return TG_INT16;
  if (v >= INT32_MIN && v <= INT32_MAX) return TG_INT32;
  return TG_INT64;
}

static bool int_fits(int64_t v, tg_dtype dt) {
  switch (dt) {
    case TG_INT8: return v >= -128 && v <= 127;
    case TG_UINT8: return v >= 0 && v <= 255;
    case TG_INT16: return v >= -32768 && v <= 32767;
    case TG_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
  }
}

/* numpy 1.x value-based promotion: Python-scalar constants (weak) adapt to the tensors
   they meet when their value fits; strong operands promote by tg_dtype_promote. The rules,
   and where they differ from numpy (no uint16/32/64), are in docs/dtypes.md. */
static tg_dtype promote_inputs(int n, tg_var *const *in) {
  tg_dtype s = TG_NDTYPES;
  bool any_weak_float = false;
  for (int i = 0; i < n; i++) {
    if (in[i]->weak) {
      any_weak_float |= in[i]->weak == TGW_FLOAT;
      continue;
    }
    s = s == TG_NDTYPES ? in[i]->type.dtype : tg_dtype_promote(s, in[i]->type.dtype);
  }
  if (s == TG_NDTYPES) return any_weak_float ? TG_FLOAT64 : TG_INT64; /* all weak */
  for (int i = 0; i < n; i++) {
    if (!in[i]->weak) continue;
    const tg_array *v = in[i]->value;
    if (in[i]->weak == TGW_INT) {
      int64_t x = tgi_load_i64(v->data, v->dtype);
      if (s == TG_BOOL) s = TG_INT64;
      else if (tg_dtype_is_int(s) && !int_fits(x, s)) s = tg_dtype_promote(s, min_int_type(x));
      /* numpy: float32 meets the int's minimal type (int16 or uint16 at most keeps float32;
         int32 and wider give float64) */
      else if (s == TG_FLOAT32 && (x < -32768 || x > 65535)) s = TG_FLOAT64;
    } else {
      double x = tgi_load_f64(v->data, v->dtype);
      if (!tg_dtype_is_float(s)) s = TG_FLOAT64;
      else if (s == TG_FLOAT32 && isfinite(x) && fabs(x) > FLT_MAX) s = TG_FLOAT64;
    }
  }
  return s;
}

static tg_dtype upgrade_to_float(tg_dtype p) {
  if (tg_dtype_is_float(p)) return p;
  return tg_dtype_size(p) <= 2 ? TG_FLOAT32 : TG_FLOAT64;
}

/* True when a float-valued op on these inputs gets float32 from numpy although their
   promoted int type is int32: every strong input is at most 16 bits and every weak one an
   int of int16 or uint16 range (arctan2(int8 x, 40000): numpy picks the first float loop
   both int8 and uint16 cast to safely, float32; promotion alone would say int32). */
static bool small_int_operands(int n, tg_var *const *in) {
  bool strong = false;
  for (int i = 0; i < n; i++) {
    if (in[i]->weak == TGW_FLOAT) return false;
    if (in[i]->weak == TGW_INT) {
      int64_t x = tgi_load_i64(in[i]->value->data, in[i]->value->dtype);
      if (x < -32768 || x > 65535) return false;
    } else {
      if (tg_dtype_is_float(in[i]->type.dtype) || tg_dtype_size(in[i]->type.dtype) > 2)
        return false;
      strong = true;
    }
  }
  return strong;
}

/* List operand types for error messages: "float64 matrix, int8 vector". */
static void operand_types(int n, tg_var *const *in, char *buf, size_t size) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < n && k < size; i++) {
    char t[160];
    k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? ", " : "",
                          tgi_type_str(&in[i]->type, t, sizeof t));
  }
}

/* Output and compute dtypes of scalar op `code` on these inputs; false after recording a
   type error on the graph. */
static bool elem_dtypes(int code, tg_dtype cast_to, int n, tg_var *const *in, tg_dtype *out,
                        tg_dtype *compute) {
  const tgi_scalar_info *s = &tgi_scalar_ops[code];
  tg_graph *g = in[0]->g;
  tg_dtype p = s->rule == R_SWITCH ? promote_inputs(n - 1, in + 1) : promote_inputs(n, in);
  char types[512];
  switch (s->rule) {
    case R_SAME: *out = *compute = p; return true;
    case R_NOBOOL:
      if (p == TG_BOOL) {
        operand_types(n, in, types, sizeof types);
        tgi_gfail(g, TG_ERR_TYPE,
                  "%s: not defined for bool operands (%s); use logical_xor or logical_not, "
                  "or cast first",
                  s->name, types);
        return false;
      }
      *out = *compute = p;
      return true;
    case R_INTDIV: *out = *compute = p == TG_BOOL ? TG_INT8 : p; return true;
    case R_FLOAT:
      *out = *compute = p == TG_INT32 && small_int_operands(n, in) ? TG_FLOAT32
                                                                    : upgrade_to_float(p);
      return true;
    case R_TRUEDIV: *out = *compute = tg_dtype_is_float(p) ? p : TG_FLOAT64; return true;
    case R_CMP: *out = TG_BOOL, *compute = p; return true;
    case R_BITWISE:
    case R_SHIFT:
      if (tg_dtype_is_float(p) || (s->rule == R_SHIFT && p == TG_BOOL)) {
        operand_types(n, in, types, sizeof types);
        tgi_gfail(g, TG_ERR_TYPE, "%s: needs integer%s operands, got %s", s->name,
                  s->rule == R_SHIFT ? "" : " or bool", types);
        return false;
      }
      *out = *compute = p;
      return true;
    case R_SWITCH: *out = *compute = p; return true;
    case R_CAST: *out = cast_to, *compute = in[0]->type.dtype; return true;
    case R_XFLOAT: {
      tg_dtype x = in[n - 1]->type.dtype;
      *out = *compute = x == TG_INT32 && small_int_operands(1, in + n - 1) ? TG_FLOAT32
                                                                          : upgrade_to_float(x);
      return true;
    }
  }
  return false;
}

/* Static output shape under Theano's broadcasting: only dims statically 1 broadcast. */
static int elem_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  int nd = 0;
  for (int i = 0; i < n_in; i++)
    if (in[i]->type.ndim > nd) nd = in[i]->type.ndim;
  out->dtype = (tg_dtype)op->params[0];
  out->ndim = nd;
  for (int d = 0; d < nd; d++) {
    int64_t len = 1;
    bool unknown = false;
    for (int i = 0; i < n_in; i++) {
      int k = d - (nd - in[i]->type.ndim);
      int64_t n = k < 0 ? 1 : in[i]->type.shape[k];
      if (n == 1) continue;
      if (n < 0) {
        unknown = true;
        continue;
      }
      if (len != 1 && len != n) {
        char types[512];
        operand_types(n_in, in, types, sizeof types);
        tgi_gfail(g, TG_ERR_SHAPE, "%s: static shapes do not broadcast at dim %d (%lld vs %lld): %s",
                  tgi_scalar_ops[op->code].name, d, (long long)len, (long long)n, types);
        return -1;
      }
      len = n;
    }
    out->shape[d] = len != 1 ? len : unknown ? -1 : 1;
  }
  return 1;
}

static void elem_describe(const tg_op *op, char *buf, size_t n) {
  if (op->code == TGS_cast)
    snprintf(buf, n, "Elemwise{cast{%s}}", tg_dtype_name((tg_dtype)op->params[0]));
  else snprintf(buf, n, "Elemwise{%s}", tgi_scalar_ops[op->code].name);
}

static const char *elem_infix(const tg_op *op, int *prec) {
  *prec = tgi_scalar_ops[op->code].prec;
  return tgi_scalar_ops[op->code].infix;
}

/* Each output dim is that of any input not broadcasting there (they agree at run time). */
static bool elem_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                             tg_var **const *out_dims) {
  int r = nd->out[0]->type.ndim;
  for (int d = 0; d < r; d++) {
    out_dims[0][d] = NULL;
    for (int i = 0; i < nd->n_in && !out_dims[0][d]; i++) {
      int k = d - (r - nd->in[i]->type.ndim);
      if (!(((uint64_t)nd->op->params[1 + i] >> d) & 1)) out_dims[0][d] = in_dims[i][k];
    }
    if (!out_dims[0][d] && !(out_dims[0][d] = tgi_dim_const(g, 1))) return false;
  }
  return true;
}

const tg_op_class tgi_elemwise_class = {
    .grad = tgi_elemwise_grad,
    .infer_shape = elem_infer_shape,
    .name = "Elemwise",
    .infer = elem_infer,
    .perform = tgi_elemwise_perform,
    .describe = elem_describe,
    .infix = elem_infix,
};

static tg_var *build(int code, tg_dtype cast_to, int n, tg_var *const *in) {
  const char *name = tgi_scalar_ops[code].name;
  if (!tgi_check_inputs(name, n, in)) return NULL;
  tg_graph *g = in[0]->g;
  if (g->err.status != TG_OK) return NULL; /* keep building cheap after an error */
  tg_dtype out, compute;
  if (!elem_dtypes(code, cast_to, n, in, &out, &compute)) return NULL;
  int64_t params[4] = {out, 0, 0, 0};
  int nd = 0;
  for (int i = 0; i < n; i++)
    if (in[i]->type.ndim > nd) nd = in[i]->type.ndim;
  for (int i = 0; i < n; i++) {
    int pad = nd - in[i]->type.ndim;
    uint64_t mask = 0;
    for (int d = 0; d < nd; d++)
      if (d < pad || in[i]->type.shape[d - pad] == 1) mask |= 1ull << d;
    params[1 + i] = (int64_t)mask;
  }
  tg_op *op = tgi_op_new(g, &tgi_elemwise_class, code, compute, 1 + n, params);
  if (!op) return NULL;
  tg_node *nd_ = tgi_apply(op, n, in);
  return nd_ ? nd_->out[0] : NULL;
}

tg_var *tg_elemwise(const char *name, int n, tg_var *const *inputs) {
  tg_graph *g = inputs ? tgi_graph_of(n, inputs) : NULL;
  int code = name ? tgi_scalar_op_find(name) : -1;
  if (code < 0 || code == TGS_cast)
    return tgi_gfail(g, TG_ERR_ARG, "tg_elemwise: unknown elementwise op '%s'%s",
                     name ? name : "(null)", code == TGS_cast ? " (use tg_cast)" : "");
  if (n != tgi_scalar_ops[code].arity)
    return tgi_gfail(g, TG_ERR_ARG, "tg_elemwise: %s takes %d inputs, got %d", name,
                     tgi_scalar_ops[code].arity, n);
  if (!inputs) return tgi_fail(TG_ERR_ARG, "tg_elemwise: %s: inputs is NULL", name), NULL;
  return build(code, TG_NDTYPES, n, inputs);
}

tg_var *tg_cast(tg_var *a, tg_dtype dt) {
  if (a && dt == TG_FLOATX) dt = tg_config_floatx();
  if (a && (unsigned)dt >= TG_NDTYPES)
    return tgi_gfail(a->g, TG_ERR_TYPE, "cast: invalid target dtype %d", (int)dt);
  return build(TGS_cast, dt, 1, (tg_var *[]){a});
}

#define B1(name) \
  tg_var *tg_##name(tg_var *a) { return build(TGS_##name, TG_NDTYPES, 1, (tg_var *[]){a}); }
#define B2(name)                                                       \
  tg_var *tg_##name(tg_var *a, tg_var *b) {                            \
    return build(TGS_##name, TG_NDTYPES, 2, (tg_var *[]){a, b});       \
  }
#define B3(name)                                                       \
  tg_var *tg_##name(tg_var *a, tg_var *b, tg_var *c) {                 \
    return build(TGS_##name, TG_NDTYPES, 3, (tg_var *[]){a, b, c});    \
  }
/* one builder per row of scalar_ops.def (cast takes a dtype and is above) */
B1(neg) B1(abs) B1(sign) B1(sqr) B1(reciprocal) B1(exp) B1(exp2) B1(expm1) B1(log) B1(log2)
B1(log10) B1(log1p) B1(sqrt) B1(sin) B1(cos) B1(tan) B1(arcsin) B1(arccos) B1(arctan) B1(sinh)
B1(cosh) B1(tanh) B1(arcsinh) B1(arccosh) B1(arctanh) B1(sigmoid) B1(softplus) B1(erf) B1(erfc)
B1(erfcx) B1(gammaln) B1(psi) B1(trigamma) B1(floor) B1(ceil) B1(round) B1(trunc) B1(isnan) B1(isinf)
B1(isfinite) B1(logical_not) B1(invert)
B2(add) B2(sub) B2(mul) B2(true_div) B2(floor_div) B2(mod) B2(pow) B2(minimum) B2(maximum)
B2(arctan2) B2(lt) B2(gt) B2(le) B2(ge) B2(eq) B2(neq) B2(logical_and) B2(logical_or)
B2(logical_xor) B2(bitwise_and) B2(bitwise_or) B2(bitwise_xor) B2(left_shift) B2(right_shift)
B2(polygamma)
B3(clip) B3(switch)
