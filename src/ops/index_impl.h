/* index_impl.h: the indexing family (Subtensor, AdvancedSubtensor, IncSubtensor,
   AdvancedIncSubtensor) shared between its builders and type rules (subtensor.c), the
   symbolic shape rules (subtensor_shape.c), the run-time plan and the kernels
   (subtensor_kernel.c, advsubtensor.c). Never installed.

   An index expression is stored in the op's params in a normalised form: the ellipsis is
   expanded, trailing ':' entries are dropped (x[1] and x[1, :] are the same op), constant
   scalar tensors are folded into constants, and every symbolic part names the input that
   holds it. Input 0 is x; the inc/set ops take y as input 1; index tensors follow. */
#ifndef TG_INDEX_IMPL_H
#define TG_INDEX_IMPL_H

#include "op.h"

/* Entry kinds. */
enum { TGI_IX_INT = 1, TGI_IX_SLICE, TGI_IX_NEWAXIS, TGI_IX_ADV, TGI_IX_MASK };

/* params layout: [n_entries, y broadcast mask, flags, entries...], each entry 5 int64s:
   kind, flags, a, b, c. INT: a = position; SLICE: a:b:c (TGI_IX_NONE where omitted);
   ADV: a = input; MASK: a = input, b = number of dims it covers. A flag bit set means the
   field holds an input position (a 0-d integer tensor) instead of a constant. */
enum { TGI_IX_P_N = 0, TGI_IX_P_YMASK = 1, TGI_IX_P_FLAGS = 2, TGI_IX_P_HEAD = 3, TGI_IX_P_ENTRY = 5 };
/* TGI_IX_P_FLAGS bit: an ellipsis stood between advanced indices; numpy then puts the
   advanced dims first even when the ellipsis stands for no dim. */
enum { TGI_IX_SPLIT = 1 };
enum { TGI_IX_F_A = 1, TGI_IX_F_B = 2, TGI_IX_F_C = 4 };
#define TGI_IX_NONE INT64_MIN

/* op->code of the inc/set ops. */
enum { TGI_IX_SET = 0, TGI_IX_INC = 1 };

/* At most this many entries after the ellipsis is expanded (each newaxis adds an output
   dim, each other entry consumes an input dim, and both ranks are at most TG_MAX_NDIM). */
#define TGI_IX_MAXE (2 * TG_MAX_NDIM)

typedef struct tgi_ix_entry {
  int kind, flags;
  int64_t a, b, c;
} tgi_ix_entry;

/* Entry i of op's index expression. */
static inline tgi_ix_entry tgi_ix_get(const tg_op *op, int i) {
  const int64_t *p = op->params + TGI_IX_P_HEAD + TGI_IX_P_ENTRY * i;
  tgi_ix_entry e = {(int)p[0], (int)p[1], p[2], p[3], p[4]};
  return e;
}

static inline int tgi_ix_n(const tg_op *op) { return (int)op->params[TGI_IX_P_N]; }

/* Python's slice.indices() for a dim of length n (step != 0; TGI_IX_NONE where omitted):
   the number of positions, and the first in *first. Bounds are clamped, so any values
   give positions inside [0, n); no step, however large, overflows. */
static inline int64_t tgi_ix_slice(int64_t n, int64_t start, int64_t stop, int64_t step,
                                   int64_t *first) {
  if (step == TGI_IX_NONE) step = 1;
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? n - 1 : n;
  if (start == TGI_IX_NONE) start = step < 0 ? hi : lo;
  else if (start < 0) start = start + n < lo ? lo : start + n;
  else if (start > hi) start = hi;
  if (stop == TGI_IX_NONE) stop = step < 0 ? lo : hi;
  else if (stop < 0) stop = stop + n < lo ? lo : stop + n;
  else if (stop > hi) stop = hi;
  int64_t len = 0;
  if (step > 0 && stop > start) len = (stop - start - 1) / step + 1;
  if (step < 0 && start > stop) len = (start - stop - 1) / -step + 1;
  *first = start;
  return len;
}

/* Where each part of x[idx] lands in the result. Non-broadcast ("other") output dims come
   from slices, newaxes and the implicit ':' of the axes left over; the broadcast dims of
   the advanced indices (ints count as 0-d advanced indices) sit at bpos. */
typedef struct tgi_ix_layout {
  int n_entries;
  int entry_axis[TGI_IX_MAXE]; /* first x axis each entry consumes */
  int front;                   /* a slice or newaxis separates advanced indices */
  int n_other;
  int other_entry[2 * TG_MAX_NDIM]; /* the entry making other dim k, -1 for an implicit ':' */
  int other_axis[2 * TG_MAX_NDIM];  /* its x axis, -1 for a newaxis */
  int bpos;                         /* first broadcast dim among the output dims */
} tgi_ix_layout;

/* Fill L from op's entries for an x of rank xndim. */
void tgi_ix_layout_make(const tg_op *op, int xndim, tgi_ix_layout *L);

/* Static type of the indexed region x[idx] (dtype of x); -1 after an error on g naming
   opname. Also checks what can be checked from static shapes and constant indices. */
int tgi_ix_region_type(tg_graph *g, const tg_op *op, tg_var *const *in, const char *opname,
                       tg_type *out);

/* Symbolic dims of the region x[idx] into dims[] (its rank is the region type's). */
bool tgi_ix_region_dims(tg_graph *g, const tg_node *nd, tg_var **const *in_dims, tg_var **dims);

/* "1:-1:2, $1, None, [$2]" for descriptions. */
void tgi_ix_describe(const tg_op *op, const char *name, char *buf, size_t n);

/* ---- run time ---- */

/* The region x[idx] over a target array with x's shape (x itself or a copy of it): the
   byte offset of region element idx is
     base + sum_d idx[d] * stride[d] + advoff[flat index of idx[bpos .. bpos+nb)]. */
typedef struct tgi_ix_plan {
  int ndim;
  int64_t shape[TG_MAX_NDIM];
  int64_t stride[TG_MAX_NDIM]; /* bytes in the target; 0 for broadcast dims */
  int bpos, nb;
  int64_t base;
  int64_t bsize;   /* elements of the broadcast shape (1 when nb == 0) */
  int64_t *advoff; /* bsize byte offsets, checked in bounds */
  int64_t one;     /* storage for advoff when bsize <= 1 */
} tgi_ix_plan;

/* Resolve op's index expression against the input arrays for a target of shape
   in[0]->shape with byte strides tstrides; every position is checked in bounds. */
tg_status tgi_ix_plan_make(const tg_op *op, const char *opname, tg_array *const *in,
                           const int64_t *tstrides, tgi_ix_plan *p, tgi_err *err);
void tgi_ix_plan_free(tgi_ix_plan *p);

/* Byte offset of region element idx. */
static inline int64_t tgi_ix_offset(const tgi_ix_plan *p, const int64_t *idx) {
  int64_t off = p->base, f = 0;
  for (int d = 0; d < p->ndim; d++) off += idx[d] * p->stride[d];
  for (int j = 0; j < p->nb; j++) f = f * p->shape[p->bpos + j] + idx[p->bpos + j];
  return off + p->advoff[f];
}

/* The inc/set kernel shared by IncSubtensor and AdvancedIncSubtensor. */
tg_status tgi_ix_inc_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                             tg_array **out, tgi_err *err);
/* Type rule of the inc/set ops: x's type, after checking y against the region. */
int tgi_ix_inc_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out);

/* Type rule of Subtensor and AdvancedSubtensor: the region's type. */
int tgi_ix_sub_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out);
/* Shape rule of the inc/set ops: x's dims. */
bool tgi_ix_inc_infer_shape(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                            tg_var **const *out_dims);
/* Subtensor's kernel: a view of x. */
tg_status tgi_subtensor_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                                tg_array **out, tgi_err *err);

/* Gradient rules (src/grad/index_grad.c): Subtensor and AdvancedSubtensor share one,
   IncSubtensor and AdvancedIncSubtensor (set and inc) the other. */
bool tgi_subtensor_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_inc_subtensor_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

/* The four classes (the builder picks one). */
extern const tg_op_class tgi_subtensor_class, tgi_inc_subtensor_class;
extern const tg_op_class tgi_adv_subtensor_class, tgi_adv_inc_subtensor_class;

#endif
