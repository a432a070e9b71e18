/* ifelse_impl.h: the IfElse op's class, its gradient rule (src/grad/ifelse_grad.c) and the
   condition test the VM shares with it. Never installed. */
#ifndef TG_IFELSE_IMPL_H
#define TG_IFELSE_IMPL_H

#include "op.h"
#include "tgraph/ifelse.h"

extern const tg_op_class tgi_ifelse_class;

/* Whether a computed 0-d condition counts as true (nonzero; NaN is true). */
bool tgi_ifelse_truth(const tg_array *c);

/* Gradient: each output's gradient goes to the taken branch's value, zeros to the other's. */
bool tgi_ifelse_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

#endif
