/* elemwise.h: the Elemwise op family shared between its type rules (elemwise.c) and its
   reference kernel (elemwise_kernel.c). Never installed. */
#ifndef TG_ELEMWISE_H
#define TG_ELEMWISE_H

#include "op.h"

enum tgi_scalar_op {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) TGS_##name,
#include "scalar_ops.def"
#undef TG_SCALAR
  TGS_COUNT
};

/* Type rules: how the output dtype follows from the promoted input dtype P. */
enum tgi_rule {
  R_SAME,    /* P */
  R_NOBOOL,  /* P, bools refused (numpy refuses bool subtract/negative/sign) */
  R_INTDIV,  /* P, bools computed as int8 */
  R_FLOAT,   /* P if float; bool/int8/uint8/int16 -> float32; int32/int64 -> float64 */
  R_TRUEDIV, /* P if float; any int or bool -> float64 (numpy's true_divide) */
  R_CMP,     /* bool, computed in P */
  R_BITWISE, /* P; ints and bools only */
  R_SHIFT,   /* P; ints only */
  R_SWITCH,  /* promote(a, b) of where(cond, a, b) */
  R_CAST,    /* the op's target dtype, computed in the input's dtype */
  R_XFLOAT   /* R_FLOAT of the last operand alone (polygamma's order does not promote) */
};

typedef struct tgi_scalar_info {
  const char *name;
  int arity;
  enum tgi_rule rule;
  const char *infix;
  int prec;
  const char *doc;
  const char *fexpr, *iexpr; /* C source of the expressions, for code generators */
} tgi_scalar_info;

extern const tgi_scalar_info tgi_scalar_ops[TGS_COUNT];
extern const tg_op_class tgi_elemwise_class;

/* Elemwise op params: params[0] = output dtype, params[1 + i] = bitmask of the dims of
   input i (left-padded to the output rank) that are broadcastable in its type.
   op->code = scalar op, op->dtype = compute dtype (float domain iff it is a float). Every
   operand is converted to the compute dtype before the scalar op runs (a weak float64
   constant meeting float32 is rounded to float32 first, as numpy converts a Python float);
   a code generator must do the same. Results are defined for every input: see
   docs/dtypes.md for integer division by zero, shifts, pow and casts. */
tg_status tgi_elemwise_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err);
/* The output shape of a broadcasting elementwise computation under Theano's rule: dim d
   broadcasts only for the inputs whose masks[i] has bit d (inputs left-padded to rank nd);
   other lengths must agree exactly (TG_ERR_SHAPE naming "cls{name}" otherwise). */
tg_status tgi_elemwise_out_shape(const char *cls, const char *name, const int64_t *masks, int n_in,
                                 tg_array *const *in, int nd, int64_t *shape, tgi_err *err);
/* The vector-Jacobian rule of Elemwise (src/grad/elemwise_grad.c). */
bool tgi_elemwise_grad(tg_graph *g, const tg_node *nd, tg_var *const *out_grads,
                       tg_var **in_grads);
/* Look up a scalar op by name; -1 if unknown. */
int tgi_scalar_op_find(const char *name);

#endif
