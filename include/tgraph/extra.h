/* tgraph/extra.h: cumulative and extra ops with numpy 1.24 semantics: cumsum, cumprod,
   diff, sort, argsort, repeat, tile, roll, flip, arange, linspace, eye, tri, tril, triu,
   diag, diagonal, trace, nonzero (numpy.where with one argument), flatnonzero, bincount,
   searchsorted and unique.

   Axes: a negative axis counts from the end; TG_AXIS_NONE works on x flattened in C order
   (numpy's axis=None). An out-of-range axis is a build error.

   Dtypes: cumsum and cumprod give int64 for bool and every integer (numpy gives uint64 for
   uint8; we have no uint64) and keep float32/float64; integer results wrap as numpy's do.
   Float32 cumulative sums and diffs are rounded to float32 at every step, as numpy's are.
   diff of bools is "not equal", as numpy's. sort, repeat, tile, roll, flip, tril, triu,
   diag, diagonal and unique keep x's dtype; argsort, nonzero, searchsorted and unique's
   counts are int64; bincount is int64 (float64 with weights); trace follows tg_sum.

   Sorting is stable (a merge sort; numpy's default quicksort is not, so equal keys may be
   in another order there) and puts NaNs last, as numpy does; searchsorted and unique use
   the same order, and unique treats every NaN as one value (numpy 1.24's equal_nan=True).

   Value-dependent lengths (arange, linspace, eye, tri with symbolic sizes; repeat with
   symbolic repeats; nonzero, bincount, unique) have a static length of -1 unless the values
   are constants; tg_infer_shape still computes them, from the input values.

   flip and diagonal give views of their input (negative strides for flip), as numpy does;
   a caller-provided output receives a copy. */
#ifndef TGRAPH_EXTRA_H
#define TGRAPH_EXTRA_H

#include <limits.h>

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The axis argument meaning "x flattened in C order" (numpy's axis=None). */
#define TG_AXIS_NONE INT_MIN

/* ---- cumulative ---- */
/* Cumulative sum along axis (TG_AXIS_NONE: of x flattened, a vector). */
TG_API tg_var *tg_cumsum(tg_var *x, int axis);
/* Cumulative product along axis (TG_AXIS_NONE: of x flattened, a vector). */
TG_API tg_var *tg_cumprod(tg_var *x, int axis);
/* n-th discrete difference along axis (x[1:] - x[:-1], n times); n >= 0, x not 0-d. */
TG_API tg_var *tg_diff(tg_var *x, int n, int axis);

/* ---- sorting and searching ---- */
/* Sorted copy along axis (TG_AXIS_NONE: of x flattened); stable, NaNs last. */
TG_API tg_var *tg_sort(tg_var *x, int axis);
/* int64 indices that sort x along axis (TG_AXIS_NONE: x flattened); stable, NaNs last. */
TG_API tg_var *tg_argsort(tg_var *x, int axis);
/* int64 insertion points of v's values into the sorted vector a (right: after equal keys). */
TG_API tg_var *tg_searchsorted(tg_var *a, tg_var *v, bool right);
/* Sorted distinct values of x flattened; *counts (if not NULL) gets their int64 counts. */
TG_API tg_var *tg_unique(tg_var *x, tg_var **counts);

/* ---- rearranging ---- */
/* Each element repeated along axis (TG_AXIS_NONE: of x flattened): repeats is an integer
   scalar, or a vector with one count per element (or of length 1); negatives are errors. */
TG_API tg_var *tg_repeat(tg_var *x, tg_var *repeats, int axis);
/* tg_repeat with a constant count (repeats >= 0). */
TG_API tg_var *tg_repeat_n(tg_var *x, int64_t repeats, int axis);
/* x tiled reps[i] times along each dim, as numpy.tile (shorter side padded with ones). */
TG_API tg_var *tg_tile(tg_var *x, int n, const int64_t *reps);
/* Elements shifted by the integer scalar shift along axis, wrapping around
   (TG_AXIS_NONE: over x flattened, the shape kept). */
TG_API tg_var *tg_roll(tg_var *x, tg_var *shift, int axis);
/* tg_roll with a constant shift. */
TG_API tg_var *tg_roll_n(tg_var *x, int64_t shift, int axis);
/* x reversed along the given axes (n_axes = -1: all), a view with negative strides. */
TG_API tg_var *tg_flip(tg_var *x, int n_axes, const int *axes);

/* ---- creation (sizes are symbolic integer scalars; tg_const_i64 makes constant ones) ---- */
/* Values start, start + step, ... below stop (above it for step < 0), as numpy.arange:
   start/stop/step numeric scalars, dt the result dtype (not bool); length
   ceil((stop - start) / step) (0 if negative); step 0 is a run-time error. */
TG_API tg_var *tg_arange(tg_graph *g, tg_var *start, tg_var *stop, tg_var *step, tg_dtype dt);
/* num evenly spaced values from start to stop (stop excluded unless endpoint), computed in
   float64 as numpy.linspace, converted to dt (integer dtypes floor first). */
TG_API tg_var *tg_linspace(tg_graph *g, tg_var *start, tg_var *stop, tg_var *num, bool endpoint,
                           tg_dtype dt);
/* n x m matrix (m NULL: n x n) with ones on diagonal k (k > 0 above the main one). */
TG_API tg_var *tg_eye(tg_graph *g, tg_var *n, tg_var *m, int k, tg_dtype dt);
/* n x m matrix (m NULL: n x n) with ones on and below diagonal k. */
TG_API tg_var *tg_tri(tg_graph *g, tg_var *n, tg_var *m, int k, tg_dtype dt);

/* ---- triangles and diagonals ---- */
/* x with the elements above diagonal k of its last two dims zeroed (rank >= 2). */
TG_API tg_var *tg_tril(tg_var *x, int k);
/* x with the elements below diagonal k of its last two dims zeroed (rank >= 2). */
TG_API tg_var *tg_triu(tg_var *x, int k);
/* numpy.diag: a vector becomes a square matrix with it on diagonal k; a matrix gives its
   diagonal k. */
TG_API tg_var *tg_diag(tg_var *x, int k);
/* numpy.diagonal: the diagonal at offset of the (axis1, axis2) planes, as a last dim; a view. */
TG_API tg_var *tg_diagonal(tg_var *x, int offset, int axis1, int axis2);
/* Sum of tg_diagonal(x, offset, axis1, axis2) along its last dim (dtype as tg_sum). */
TG_API tg_var *tg_trace(tg_var *x, int offset, int axis1, int axis2);

/* ---- indices from values ---- */
/* numpy.nonzero (numpy.where with one argument): writes ndim(x) int64 vectors, the indices
   of the nonzero (NaN counts) elements along each dim, to outs[0..ndim-1]; returns ndim(x),
   or -1 on error (x must not be 0-d). */
TG_API int tg_nonzero(tg_var *x, tg_var **outs);
/* int64 positions of the nonzero elements of x flattened (numpy.flatnonzero). */
TG_API tg_var *tg_flatnonzero(tg_var *x);
/* Occurrences of each value 0..max(x) of the non-negative integer vector x (at least
   minlength entries); with weights (a vector like x, or NULL) their float64 sums. */
TG_API tg_var *tg_bincount(tg_var *x, tg_var *weights, int64_t minlength);

#ifdef __cplusplus
}
#endif
#endif
