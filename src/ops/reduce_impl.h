/* reduce_impl.h: the reduction op family shared between its type rules and builders
   (reduce.c) and its reference kernel (reduce_kernel.c). Never installed. */
#ifndef TG_REDUCE_IMPL_H
#define TG_REDUCE_IMPL_H

#include "op.h"

/* One op class per kind; op->code is the kind. */
enum tgi_reduce_kind {
  TGR_SUM,
  TGR_PROD,
  TGR_MEAN,
  TGR_VAR,
  TGR_STD,
  TGR_MAX,
  TGR_MIN,
  TGR_ARGMAX,
  TGR_ARGMIN,
  TGR_ALL,
  TGR_ANY,
  TGR_LOGSUMEXP,
  TGR_MAX_AND_ARGMAX, /* two outputs: the max (input dtype) and its index (int64) */
  TGR_COUNT
};

/* Reduce op params: params[0] = bitmask of the reduced axes of the input (bit d for axis
   d; TG_MAX_NDIM is 64 so it fits), params[1] = keepdims (0/1), params[2] = ddof (variance
   and std; 0 for the others). op->dtype = dtype of the first output. */
enum { TGR_P_MASK, TGR_P_KEEPDIMS, TGR_P_DDOF, TGR_NPARAMS };

/* The op class of a reduction kind (op->code of its ops), NULL for a bad kind. */
const tg_op_class *tgi_reduce_class(int kind);

/* Reference kernel of every reduction (any strides, empty axes as numpy). */
tg_status tgi_reduce_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err);

/* Vector-Jacobian rule of every reduction (src/grad/reduce_grad.c). */
bool tgi_reduce_grad(tg_graph *g, const tg_node *nd, tg_var *const *out_grads,
                     tg_var **in_grads);

#endif
