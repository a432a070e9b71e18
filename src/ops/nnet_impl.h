/* nnet_impl.h: what the neural-network family's sources share with its gradient rules
   (src/grad/nnet_grad.c). Never installed. */
#ifndef TG_NNET_IMPL_H
#define TG_NNET_IMPL_H

#include "op.h"

/* Softmax/LogSoftmax op->code; op->params[0] is the (normalised) axis. */
enum { TGI_SM_SOFTMAX, TGI_SM_LOG_SOFTMAX };

/* Vector-Jacobian rules (src/grad/nnet_grad.c). */
bool tgi_softmax_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_xent1hot_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_onehot_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

#endif
