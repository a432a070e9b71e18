/* tgraph/ifelse.h: the lazy conditional, Theano's ifelse. Unlike tg_switch (elementwise,
   both sides computed), ifelse picks whole values on a 0-d condition and the compiled
   function computes only the branch taken: work needed by nothing but the other branch is
   skipped. Both branches of each output must have the same dtype and rank; the result's
   static dims are those the two branches agree on. Gradients flow into the taken branch
   and zeros into the other (a float condition gets a zero gradient, an integer or bool one
   none); as in Theano, backpropagation runs the untaken branch's own gradient rules on
   those zeros, so a branch that cannot run when not taken (an index past the end) can
   still fail in a gradient function. A constant condition is resolved at compile time. */
#ifndef TGRAPH_IFELSE_H
#define TGRAPH_IFELSE_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cond ? then_val : else_val, evaluated lazily; cond is 0-d of any dtype (nonzero = true).
   NULL on error (message on the graph). */
TG_API tg_var *tg_ifelse(tg_var *cond, tg_var *then_val, tg_var *else_val);
/* The same for n values sharing one condition: outputs[i] = cond ? then_vals[i] :
   else_vals[i]. Status; message on the graph. */
TG_API tg_status tg_ifelse_n(tg_var *cond, int n, tg_var *const *then_vals,
                             tg_var *const *else_vals, tg_var **outputs);

#ifdef __cplusplus
}
#endif
#endif
