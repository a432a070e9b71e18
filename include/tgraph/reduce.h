/* tgraph/reduce.h: reductions over a set of axes or all of them, with keepdims: sum, prod,
   mean, variance, std, max, min, argmax, argmin, all, any, logsumexp, max_and_argmax.

   Axes are given as a count and an int array: TG_AXES(0, -1) for axes 0 and -1,
   TG_ALL_AXES for every axis, TG_NO_AXES for none (the identity, with the dtype change).
   Negative axes count from the end; an out-of-range or repeated axis is a build error.
   keepdims keeps each reduced dim as a dim of length 1 (statically broadcastable).

   Result dtypes follow numpy 1.24 on 64-bit Linux. sum and prod: bool and every integer
   give int64 (numpy gives uint64 for uint8; we have no uint64, so uint8 gives int64 too),
   floats keep theirs; integer sums and products wrap modulo 2^64 as numpy's do. mean,
   variance and std: bool and integers give float64, floats keep theirs. max and min: the
   input's dtype (bool too). argmax and argmin: int64. all and any: bool for every dtype
   (NaN counts as true). logsumexp: the elementwise float rule, float32/float64 keep
   theirs, bool, int8, uint8 and int16 give float32, int32 and int64 give float64.
   Floats are accumulated in double (pairwise over blocks along a contiguous run), so a
   float32 sum of 1e7 terms is as exact as a float64 one rounded to float32.

   Empty reductions follow numpy: sum -> 0, prod -> 1, mean -> NaN, variance/std -> NaN
   (for ddof >= 0), all -> true, any -> false, logsumexp -> -inf; max, min, argmax, argmin
   and max_and_argmax over zero elements are a run-time error naming the op and the shape.
   max/min propagate NaN; argmax/argmin return the index of the first NaN if there is one.
   argmax/argmin over several axes give the index into those axes flattened in C order
   (ascending axis order), as Theano does. */
#ifndef TGRAPH_REDUCE_H
#define TGRAPH_REDUCE_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reduce over every axis: the (n_axes, axes) pair -1, NULL. */
#define TG_ALL_AXES -1, NULL
/* Reduce over no axis (the identity): the pair 0, NULL. */
#define TG_NO_AXES 0, NULL
/* Two arguments, a count and an int array, from a list of axes: TG_AXES(0, -1). */
#define TG_AXES(...) \
  (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int)), (const int[]) { __VA_ARGS__ }

/* Sum over the axes (n_axes = -1: all axes). */
TG_API tg_var *tg_sum(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* Product over the axes. */
TG_API tg_var *tg_prod(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* Arithmetic mean over the axes (NaN over zero elements). */
TG_API tg_var *tg_mean(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* Variance over the axes: sum((x - mean)^2) / max(n - ddof, 0), as numpy.var. */
TG_API tg_var *tg_variance(tg_var *x, int n_axes, const int *axes, int ddof, bool keepdims);
/* Standard deviation over the axes: sqrt(tg_variance(...)). */
TG_API tg_var *tg_std(tg_var *x, int n_axes, const int *axes, int ddof, bool keepdims);
/* Maximum over the axes (NaN propagates; zero elements is a run-time error). */
TG_API tg_var *tg_max(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* Minimum over the axes (NaN propagates; zero elements is a run-time error). */
TG_API tg_var *tg_min(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* int64 index of the first maximum (or first NaN) in the reduced axes flattened in C order. */
TG_API tg_var *tg_argmax(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* int64 index of the first minimum (or first NaN) in the reduced axes flattened in C order. */
TG_API tg_var *tg_argmin(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* True where every element over the axes is nonzero (true over zero elements). */
TG_API tg_var *tg_all(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* True where some element over the axes is nonzero (false over zero elements). */
TG_API tg_var *tg_any(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* log(sum(exp(x))) over the axes, computed stably as m + log(sum(exp(x - m))), m the max. */
TG_API tg_var *tg_logsumexp(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* One node with two outputs: returns max(x) and stores argmax(x) in *argmax (may be NULL). */
TG_API tg_var *tg_max_and_argmax(tg_var *x, int n_axes, const int *axes, bool keepdims,
                                 tg_var **argmax);

#ifdef __cplusplus
}
#endif
#endif
