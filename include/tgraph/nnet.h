/* tgraph/nnet.h: neural-network ops: activations (relu, leaky_relu, elu, gelu), softmax and
   log_softmax over an axis, the cross-entropy losses and one_hot.

   Activations and the binary losses are built from elementwise ops (tg_maximum, tg_switch,
   tg_expm1, tg_erfc, ...), as Theano builds them, so later rewrites can fuse them; they
   broadcast and promote as those ops do. Where a formula is given below, that is what the
   graph computes (a mathematically equal but numerically safer form where one is named).

   Dtypes. relu keeps x's dtype (every dtype, bool included). The other ops give floats:
   an integer or bool input is first converted by the elementwise float rule (bool, int8,
   uint8, int16 -> float32; int32, int64 -> float64), as tg_exp does; float32 and float64
   stay what they are. The losses compute in the prediction's float dtype (output,
   coding_dist, logits), promoted with the target's if that is a float: an integer or bool
   target (0/1 labels, converted exactly) keeps a float32 prediction float32, a float64
   target makes it float64. Both operands are converted before the formula is applied.

   softmax and log_softmax are ops of their own (Softmax, LogSoftmax), computed stably per
   lane along the axis: m = max(x) (NaN propagates), then exp(x - m) / sum(exp(x - m)) and
   (x - m) - log(sum(exp(x - m))) in double precision, rounded once to the output dtype.
   A lane that is all -inf gives NaN, a lane holding +inf or NaN gives NaN, as numpy and
   scipy.special.softmax compute them; an empty axis gives an empty result. */
#ifndef TGRAPH_NNET_H
#define TGRAPH_NNET_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- activations ---- */
/* maximum(x, 0) in x's dtype (NaN propagates). */
TG_API tg_var *tg_relu(tg_var *x);
/* switch(x > 0, x, alpha * x); alpha finite (a build error otherwise). */
TG_API tg_var *tg_leaky_relu(tg_var *x, double alpha);
/* switch(x > 0, x, alpha * expm1(x)); alpha finite. */
TG_API tg_var *tg_elu(tg_var *x, double alpha);
/* approximate false: 0.5*x*(1 + erf(x/sqrt(2))), computed as 0.5*x*erfc(-x/sqrt(2)) (no
   cancellation for negative x); approximate true: 0.5*x*(1 + tanh(sqrt(2/pi)*(x +
   0.044715*x^3))), computed as x*sigmoid(2*sqrt(2/pi)*x*(1 + 0.044715*x^2)). Both give
   NaN at x = -inf, as the formulas do in IEEE arithmetic, and +inf at +inf. */
TG_API tg_var *tg_gelu(tg_var *x, bool approximate);

/* ---- softmax ---- */
/* exp(x - max) / sum(exp(x - max)) along axis (negative counts from the end); rank >= 1. */
TG_API tg_var *tg_softmax(tg_var *x, int axis);
/* (x - max) - log(sum(exp(x - max))) along axis; rank >= 1. */
TG_API tg_var *tg_log_softmax(tg_var *x, int axis);

/* ---- losses ---- */
/* Theano's categorical_crossentropy. true_dist an integer vector of labels (coding_dist a
   matrix): -log(coding_dist[i, true_dist[i]]) per row, an op of its own whose out-of-range
   labels are a run-time error naming the row, the label and the number of classes.
   true_dist of coding_dist's rank (one-hot rows or probabilities; broadcasting as the
   elementwise ops): -sum(true_dist * log(coding_dist), axis=-1). */
TG_API tg_var *tg_categorical_crossentropy(tg_var *coding_dist, tg_var *true_dist);
/* -(target*log(output) + (1 - target)*log1p(-output)), elementwise; an output of exactly 0
   or 1 gives NaN where the target equals it (0 * log 0) and +inf where it is the other,
   as the formula does. */
TG_API tg_var *tg_binary_crossentropy(tg_var *output, tg_var *target);
/* Binary cross-entropy of sigmoid(logits) and target, stably from the logits:
   maximum(x, 0) - x*target + log1p(exp(-|x|)), elementwise. */
TG_API tg_var *tg_sigmoid_binary_crossentropy(tg_var *logits, tg_var *target);
/* An (n, n_classes) matrix of dtype dt (TG_FLOATX allowed) with a 1 at [i, labels[i]] and
   0 elsewhere; labels an integer vector, n_classes >= 0; a label outside [0, n_classes) is
   a run-time error naming its position and value. */
TG_API tg_var *tg_one_hot(tg_var *labels, int64_t n_classes, tg_dtype dt);

#ifdef __cplusplus
}
#endif
#endif
