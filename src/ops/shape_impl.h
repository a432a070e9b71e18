/* shape_impl.h: helpers shared by the shape-op files (shape_ops.c, dimshuffle.c, join.c,
   alloc.c): reading static values out of shape vectors at build time, handing a view or a
   copy to a kernel's output slot, and the internal ShapeElem op used by shape rules.
   Never installed. */
#ifndef TG_SHAPE_IMPL_H
#define TG_SHAPE_IMPL_H

#include "op.h"

/* The value of element i of an integer vector variable when it is known at build time
   (a constant, a MakeVector of constants, or the Shape of a tensor whose dim i is
   static); false when it is only known at run time. */
bool tgi_static_vec_elem(const tg_var *v, int i, int64_t *out);
/* The value of an integer 0-d variable when it is a constant. */
bool tgi_static_scalar(const tg_var *v, int64_t *out);

/* Hand a kernel result to its output slot: when *out is NULL it takes v (a view or a
   fresh array, already owned); otherwise v is copied into the caller's array, which must
   have v's shape, and v is dropped. v NULL means making it failed (thread error set). */
tg_status tgi_shape_deliver(const char *opname, tg_array **out, tg_array *v, tgi_err *err);

/* Format a shape as "(2, ?)", entries equal to `unknown` printed as "?". */
char *tgi_dims_str(int n, const int64_t *d, int64_t unknown, char *buf, size_t size);

/* An int64 scalar reading element i of the int64 vector vec; when size is non-NULL a -1
   there is resolved as reshape resolves it against an input of `size` elements. Used by
   shape rules of ops whose output dims are values of a vector input. */
tg_var *tgi_shape_elem(tg_var *vec, int i, tg_var *size);
/* The product of n int64 scalars (1 for n = 0), as a graph. */
tg_var *tgi_dims_product(tg_graph *g, int n, tg_var *const *dims);

/* Resolve a reshape target: dims[n] read from the shape vector (one -1 allowed) against
   an input of `size` elements, written to res. Errors are worded for opname. */
tg_status tgi_reshape_resolve(const char *opname, int64_t size, int n, const int64_t *dims,
                              int64_t *res, tgi_err *err);

/* Gradient rules (src/grad/shape_grad.c), hooked into the classes of the family and of
   shape_basic.c: none for the integer-output ops, Theano's rule for the others. */
bool tgi_shape_grad_none(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_reshape_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_specify_shape_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_dimshuffle_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_join_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_split_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_alloc_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

#endif
