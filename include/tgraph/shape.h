/* tgraph/shape.h: shapes as symbolic values, and shape-manipulating ops. */
#ifndef TGRAPH_SHAPE_H
#define TGRAPH_SHAPE_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shape of x as an int64 vector of length ndim(x), computed from x's value. */
TG_API tg_var *tg_shape(tg_var *x);
/* Dim i of x as an int64 scalar (negative i counts from the end). */
TG_API tg_var *tg_shape_i(tg_var *x, int i);
/* An int64 vector from n int64 scalars (n >= 0). */
TG_API tg_var *tg_make_vector(tg_graph *g, int n, tg_var *const *scalars);
/* The shape of x as an int64 vector computed from the shapes of the graph's inputs alone,
   through each op's shape rule, without computing x (NULL if an op on the way has no
   shape rule; the error names it). */
TG_API tg_var *tg_infer_shape(tg_var *x);

/* ---- reshaping ----
   Ops whose numpy counterpart returns a view (reshape when the strides allow it,
   dimshuffle, transpose, swapaxes, squeeze, expand_dims, specify_shape, split) give a view
   of their input's storage; values are never written in place, so the aliasing is safe. */

/* x with the shape held by an integer vector whose length is static (one entry may be -1,
   inferred from x's size); constant entries become static dims. A view when x's strides
   allow it (numpy's rule), else a copy; a size mismatch is an error at build time when
   every length is static, else when run. */
TG_API tg_var *tg_reshape(tg_var *x, tg_var *shape);
/* tg_reshape to a constant shape of ndim entries (one may be -1). */
TG_API tg_var *tg_reshape_to(tg_var *x, int ndim, const int64_t *shape);
/* Theano's flatten(outdim): keep the first ndim-1 dims and collapse the rest into one
   (1 <= ndim <= max(1, rank of x); ndim = 1 flattens everything). A reshape. */
TG_API tg_var *tg_flatten(tg_var *x, int ndim);
/* x, asserting at run time that its shape is shape[ndim] (-1 = any, ndim = rank of x);
   the output's type gets those static dims. A view. */
TG_API tg_var *tg_specify_shape(tg_var *x, int ndim, const int64_t *shape);

/* ---- dimshuffle and friends (one DimShuffle op; always a view) ---- */

/* Theano's dimshuffle: output dim i is input dim pattern[i], or a new broadcastable dim
   where pattern[i] is -1 (Theano's 'x'); input dims left out must be statically 1. */
TG_API tg_var *tg_dimshuffle(tg_var *x, int n, const int *pattern);
/* Permute the dims: output dim i is input dim axes[i] (negatives count from the end);
   n = 0 or axes NULL reverses them, as numpy's x.T. */
TG_API tg_var *tg_transpose(tg_var *x, int n, const int *axes);
/* Exchange dims a and b (negatives count from the end). */
TG_API tg_var *tg_swapaxes(tg_var *x, int a, int b);
/* Drop the given dims, each of static length 1; n_axes = -1 drops every dim statically
   1 (Theano squeezes broadcastable dims only, whatever the run-time lengths). */
TG_API tg_var *tg_squeeze(tg_var *x, int n_axes, const int *axes);
/* Insert a broadcastable dim at position axis (-(rank+1) <= axis <= rank), as numpy. */
TG_API tg_var *tg_expand_dims(tg_var *x, int axis);

/* ---- joining and splitting ---- */

/* numpy.concatenate (Theano's join) of n >= 1 tensors of equal rank >= 1 along axis;
   dtypes promote as numpy's; other dims must agree (build error when static). */
TG_API tg_var *tg_concatenate(int n, tg_var *const *xs, int axis);
/* numpy.stack: n >= 1 tensors of equal shape joined along a new dim at axis. */
TG_API tg_var *tg_stack(int n, tg_var *const *xs, int axis);
/* numpy.split into n_splits (1..8) pieces of sizes[i] along axis; one node whose outputs
   (views of x) go to outs[0..n_splits-1] (outs may be NULL). Returns the first piece,
   NULL on error (outs untouched). The sizes must add up to the axis length. */
TG_API tg_var *tg_split(tg_var *x, int n_splits, const int64_t *sizes, int axis, tg_var **outs);
/* tg_split with the sizes in an integer vector variable of static length 1..8. */
TG_API tg_var *tg_split_vec(tg_var *x, tg_var *sizes, int axis, tg_var **outs);

/* ---- allocation ---- */

/* Theano's alloc: a new array of shape dims[ndim] (integer scalars) holding value
   broadcast to it (numpy's rules); dtype of value. */
TG_API tg_var *tg_alloc(tg_var *value, int ndim, tg_var *const *dims);
/* tg_alloc to a constant shape. */
TG_API tg_var *tg_alloc_to(tg_var *value, int ndim, const int64_t *shape);
/* value broadcast to x's shape (numpy.full_like); the dtype is value's, except that a
   Python-scalar constant (tg_const_f64, tg_const_i64) takes x's dtype. */
TG_API tg_var *tg_fill(tg_var *x, tg_var *value);
/* Zeros of dtype dt and shape dims[ndim] (integer scalars). */
TG_API tg_var *tg_zeros(tg_graph *g, int ndim, tg_var *const *dims, tg_dtype dt);
/* Ones of dtype dt and shape dims[ndim]. */
TG_API tg_var *tg_ones(tg_graph *g, int ndim, tg_var *const *dims, tg_dtype dt);
/* value (a tensor broadcastable to the shape) filling shape dims[ndim]; value's dtype. */
TG_API tg_var *tg_full(tg_graph *g, int ndim, tg_var *const *dims, tg_var *value);
/* tg_zeros to a constant shape. */
TG_API tg_var *tg_zeros_to(tg_graph *g, int ndim, const int64_t *shape, tg_dtype dt);
/* tg_ones to a constant shape. */
TG_API tg_var *tg_ones_to(tg_graph *g, int ndim, const int64_t *shape, tg_dtype dt);
/* tg_full to a constant shape. */
TG_API tg_var *tg_full_to(tg_graph *g, int ndim, const int64_t *shape, tg_var *value);
/* Zeros of x's shape and dtype. */
TG_API tg_var *tg_zeros_like(tg_var *x);
/* Ones of x's shape and dtype. */
TG_API tg_var *tg_ones_like(tg_var *x);

#ifdef __cplusplus
}
#endif
#endif
