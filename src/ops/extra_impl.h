/* extra_impl.h: helpers shared by the "extra" op families (cumulative.c, sort.c, create.c,
   extra_reorder.c, extra_diag.c): axis checking, output allocation, the walk over the 1-d
   lines of an array along one axis, gathers, and the NaN-last ordering. Never installed. */
#ifndef TG_EXTRA_IMPL_H
#define TG_EXTRA_IMPL_H

#include <math.h>
#include <stdio.h>

#include "op.h"
#include "tgraph/extra.h"

/* Op params store "no axis" (TG_AXIS_NONE) as this. */
#define TGX_NONE (-1)

/* Normalise *axis for a rank-nd tensor (negatives count from the end); TG_AXIS_NONE becomes
   TGX_NONE when allow_none. Returns false after recording "name: axis ..." on g. */
bool tgx_axis(tg_graph *g, const char *name, int nd, int *axis, bool allow_none);

/* True for the integer dtypes and bool. */
bool tgx_is_intlike(tg_dtype dt);
/* For ops with params[0] = an axis or TGX_NONE (flatten first) and one output shaped like
   the input (or flat): "Name{axis=k}" / "Name{axis=None}", and the matching shape rule. */
void tgx_axis_describe(const tg_op *op, char *buf, size_t n);
bool tgx_axis_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                          tg_var **const *out_dims);

/* The output array: a new one of (dt, ndim, shape) when given is NULL, else given after
   checking its shape. NULL with err set ("name: ...") on failure. */
tg_array *tgx_out(const char *name, tg_array *given, tg_dtype dt, int ndim, const int64_t *shape,
                  tgi_err *err);
/* Drop r if the kernel made it (r != given), for failure paths. */
void tgx_drop(tg_array *r, tg_array *given);

/* A 1-d C-order view of a (a itself viewed when contiguous, else a contiguous copy);
   a new reference, NULL with err set. */
tg_array *tgx_flat(const char *name, tg_array *a, tgi_err *err);

/* Give the kernel's result r to the caller: out[0] when it was provided (r copied into it
   when r is a different array, which is then dropped), else r. */
tg_status tgx_deliver(const char *name, tg_array *r, tg_array **out, tgi_err *err);

/* The 1-d lines of an array a along one axis, and of b (same rank; its dim along axis may
   differ) in step: tgx_lines_next gives the byte offsets of each line's first element in a
   and b, every index of the other dims in C order, then false. No line when a dim other
   than axis is 0. */
typedef struct {
  int nd;
  bool done;
  int64_t shape[TG_MAX_NDIM], idx[TG_MAX_NDIM];
  const int64_t *sa, *sb;
} tgx_lines;
void tgx_lines_begin(tgx_lines *it, const tg_array *a, const tg_array *b, int axis);
bool tgx_lines_next(tgx_lines *it, int64_t *a_off, int64_t *b_off);

/* out[i...] = in[maps[0][i0], maps[1][i1], ...] for every element of out (maps[d] NULL:
   the index itself); in is given by its data pointer and out-rank strides (0 for added
   dims). Same dtype. */
void tgx_gather(tg_array *out, const char *in_data, const int64_t *in_strides,
                int64_t *const *maps);

/* numpy's sort order: a < b, with NaN after every number. */
static inline bool tgx_lt_f(double a, double b) { return a < b || (isnan(b) && !isnan(a)); }

/* Stable sort of the n positions idx[] by keys (kd when fdom, else ki), NaNs last; tmp
   has room for n entries. */
void tgx_merge_sort(bool fdom, const double *kd, const int64_t *ki, int64_t *idx, int64_t *tmp,
                    int64_t n);
/* Load n elements of dtype dt at p with byte stride s into kd (fdom) or ki. */
void tgx_load_keys(bool fdom, double *kd, int64_t *ki, const char *p, int64_t s, int64_t n,
                   tg_dtype dt);

/* An int64 scalar variable from an integer scalar variable (cast when needed). */
tg_var *tgx_as_i64(tg_var *v);
/* The value of an integer 0-d constant in *v; false for anything else. */
bool tgx_const_i64(const tg_var *v, int64_t *out);

/* Gradient rules (src/grad/extra_grad.c), one per op class; tgx_grad_none for the ops
   with integer outputs or integer inputs only. */
bool tgx_grad_none(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_unique_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_cumsum_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_cumprod_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_diff_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_sort_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_repeat_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_tile_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_roll_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_flip_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_tril_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_triu_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_allocdiag_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_diagonal_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_bincount_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_arange_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgx_linspace_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

#endif
