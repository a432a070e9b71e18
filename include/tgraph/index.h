/* tgraph/index.h: indexing with numpy's semantics: basic slicing as views, integer-array
   and boolean-mask (advanced) indexing as copies, and the functional set_subtensor and
   inc_subtensor for every form. */

/* C has no slice syntax, so an index expression is an array of tg_idx entries made with
   small macros; numpy's x[1:-1:2, 3, None, ...] is written

     tg_subtensor(x, TG_IDX(TG_SLICE(1, -1, 2), TG_INT(3), TG_NEWAXIS, TG_ELLIPSIS))

   Entries:
     TG_SLICE(start, stop, step)   a slice; TG_NONE for an omitted bound (TG_ALL is ':')
     TG_SLICE_VARS(v0, v1, v2)     a slice with symbolic bounds (int scalars; NULL omitted)
     TG_INT(i)                     one position (negative counts from the end), drops the dim
     TG_NEWAXIS                    a new dim of length 1 (numpy's None)
     TG_ELLIPSIS                   as many ':' as needed (at most one per expression)
     TG_VAR(v)                     v a 0-d integer tensor: a symbolic TG_INT; v an integer
                                   array: advanced (integer-array) indexing; v a bool array:
                                   a boolean mask over as many dims as it has.
   Index tensors may have any integer dtype (int8..int64, uint8); bool only for masks; a
   float index is a build-time type error.

   Basic indexing (slices, ints, newaxis, ellipsis, symbolic scalars) is the Subtensor op:
   its result is a view of x (no copy). An expression with an integer array or a bool mask
   is AdvancedSubtensor, which copies and follows numpy exactly: index arrays broadcast
   together; an integer scalar next to them counts as an advanced index; the broadcast
   dims replace the indexed dims where those are adjacent, and go first when a slice or
   newaxis separates them. A mask selects its nonzero positions in C order, so its static
   length is unknown unless the mask is a constant.

   Out-of-range positions are run-time errors ("index 7 is out of bounds for axis 1 with
   size 5"), or build-time ones when the dim is static and the index constant; negative
   positions wrap once, as in numpy. Nothing out of range is ever read or written.

   tg_set_subtensor and tg_inc_subtensor are functional (as in Theano): they return a new
   tensor equal to x with the indexed region set to, or incremented by, y. y broadcasts to
   the region as in Theano: missing leading dims and dims statically of length 1 broadcast,
   every other dim must match. With repeated advanced indices, inc accumulates every
   occurrence (numpy's np.add.at) and set keeps the last write (numpy's x[i] = y). */
#ifndef TGRAPH_INDEX_H
#define TGRAPH_INDEX_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of one index entry. */
typedef enum tg_idx_kind {
  TG_IDX_INT = 1,  /* one position: start */
  TG_IDX_SLICE,    /* start:stop:step, each TG_NONE or a *_var when symbolic */
  TG_IDX_NEWAXIS,  /* None */
  TG_IDX_ELLIPSIS, /* ... */
  TG_IDX_VAR       /* var: a 0-d int, an int array or a bool mask */
} tg_idx_kind;

/* One entry of an index expression; build it with the TG_* macros below. A non-NULL
   start_var/stop_var/step_var replaces the constant bound of a slice. */
typedef struct tg_idx {
  tg_idx_kind kind;
  int64_t start, stop, step;
  tg_var *var;
  tg_var *start_var, *stop_var, *step_var;
} tg_idx;

/* An omitted slice bound (Python's None in 1::2). */
#define TG_NONE INT64_MIN
/* start:stop:step with constant bounds (TG_NONE where omitted). */
#define TG_SLICE(a, b, c) ((tg_idx){.kind = TG_IDX_SLICE, .start = (a), .stop = (b), .step = (c)})
/* ':' (the whole dim). */
#define TG_ALL TG_SLICE(TG_NONE, TG_NONE, TG_NONE)
/* start:stop:step with symbolic integer-scalar bounds (NULL where omitted). */
#define TG_SLICE_VARS(a, b, c)                                                          \
  ((tg_idx){.kind = TG_IDX_SLICE, .start = TG_NONE, .stop = TG_NONE, .step = TG_NONE, \
            .start_var = (a), .stop_var = (b), .step_var = (c)})
/* One constant position. */
#define TG_INT(i) ((tg_idx){.kind = TG_IDX_INT, .start = (i)})
/* numpy's None / np.newaxis. */
#define TG_NEWAXIS ((tg_idx){.kind = TG_IDX_NEWAXIS})
/* numpy's '...'. */
#define TG_ELLIPSIS ((tg_idx){.kind = TG_IDX_ELLIPSIS})
/* A tensor index: a 0-d int (symbolic position), an int array or a bool mask. */
#define TG_VAR(v) ((tg_idx){.kind = TG_IDX_VAR, .var = (v)})
/* Two arguments, a count and an array, from a list of entries: TG_IDX(TG_INT(0), TG_ALL). */
#define TG_IDX(...) \
  (int)(sizeof((tg_idx[]){__VA_ARGS__}) / sizeof(tg_idx)), (tg_idx[]) { __VA_ARGS__ }

/* x[idx]: a view (Subtensor) for basic indexing, a copy (AdvancedSubtensor) otherwise. */
TG_API tg_var *tg_subtensor(tg_var *x, int n, const tg_idx *idx);
/* A copy of x with x[idx] replaced by y (broadcast); the last write wins on repeats. */
TG_API tg_var *tg_set_subtensor(tg_var *x, tg_var *y, int n, const tg_idx *idx);
/* A copy of x with y (broadcast) added to x[idx]; repeated indices accumulate (np.add.at). */
TG_API tg_var *tg_inc_subtensor(tg_var *x, tg_var *y, int n, const tg_idx *idx);
/* numpy.take(x, indices, axis): x indexed by an integer tensor along one axis. */
TG_API tg_var *tg_take(tg_var *x, tg_var *indices, int axis);

#ifdef __cplusplus
}
#endif
#endif
