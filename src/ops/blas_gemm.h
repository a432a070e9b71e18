/* blas_gemm.h: the fused ops the specialising rewrites introduce (Gemm/Gemv in
   blas_gemm.c, SoftmaxCrossentropyInt in nnet_xent_fused.c), for the rewrites and the
   tests. Users never build these: the rewrites make them from dot/add/scale and from
   categorical_crossentropy(softmax(x), labels). Never installed. */
#ifndef TG_BLAS_GEMM_H
#define TG_BLAS_GEMM_H

#include "op.h"

/* alpha * dot(a, b) + beta * c as one node: a (M, K) or (K,), b (K, N) or (K,) (not both
   vectors), c broadcastable to the product's shape without enlarging it; a, b and c all
   of one float dtype. Displays as Gemm{alpha, beta} (two matrices) or Gemv{alpha, beta}
   (one vector). NULL after recording an error on the graph. */
tg_var *tgi_gemm_build(double alpha, tg_var *a, tg_var *b, double beta, tg_var *c);

/* The nll vector -log_softmax(x)[i, labels[i]] and softmax(x) (*sm, may be NULL) of a
   float matrix x of logits and an integer label vector, computed stably in one pass. */
tg_var *tgi_softmax_xent_int(tg_var *x, tg_var *labels, tg_var **sm);

#endif
