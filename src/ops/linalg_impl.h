/* linalg_impl.h: what the linear algebra files share: the contraction engine behind dot,
   matmul, tensordot, batched_dot and outer (linalg_contract.c), and small helpers for the
   kernels over stacks of matrices (outputs, batch offsets, message text). Never installed. */
#ifndef TG_LINALG_IMPL_H
#define TG_LINALG_IMPL_H

#include "blas.h"
#include "op.h"

/* A contraction of a and b: out[batch..., fa..., fb...] = sum over k... of
   a[..fa.., ..k..] * b[..k.., ..fb..]. Axes are given per operand; a batch axis of -1 means
   that operand broadcasts there (it lacks the dim or has it statically 1). The k axes of a
   and b pair up in order. Every axis of each operand appears exactly once. */
typedef struct tgi_contraction {
  int nb, nfa, nk, nfb;
  int ba[TG_MAX_NDIM], bb[TG_MAX_NDIM];
  int fa[TG_MAX_NDIM], ka[TG_MAX_NDIM], kb[TG_MAX_NDIM], fb[TG_MAX_NDIM];
} tgi_contraction;

/* Run a contraction with output dtype dt: floats through tgi_gemm (operands of another
   dtype are converted first), integers and bools by plain loops with int64 wrap-around
   (stored modulo the output width, as numpy). Checks the runtime shapes (errors name op
   and both shapes), allocates *out when NULL or checks the caller's array. */
tg_status tgi_contract(const tgi_contraction *p, const tg_array *a, const tg_array *b,
                       tg_dtype dt, tg_array **out, tgi_err *err, const char *op);

/* Give *out the shape wanted: allocate it when NULL, else check the caller's array. */
tg_status tgi_la_output(tg_array **out, tg_dtype dt, int nd, const int64_t *shape, tgi_err *err,
                        const char *op);
/* Byte offset of batch index idx[0..nb) in a (its leading nb dims). */
int64_t tgi_batch_offset(const tg_array *a, int nb, const int64_t *idx);
/* The dtype LAPACK-backed ops compute in and return: float32 stays, the rest is float64. */
tg_dtype tgi_la_dtype(tg_dtype in);
/* Record an out-of-memory error for op, keeping the thread-local message if there is one. */
tg_status tgi_la_nomem(tgi_err *err, const char *op);
/* "(2, 3) and (3, 4)": the shapes of two arrays, for messages. */
char *tgi_two_shapes(const tg_array *a, const tg_array *b, char *buf, size_t n);


/* ---- LAPACK helpers (linalg_lapack.c); matrices are a stack's last two dims ---- */
/* Load rows x cols of x at byte offset off into the column-major float64 buffer w. */
void tgi_la_load(double *w, int64_t ld, const tg_array *x, int64_t off, int64_t rows,
                 int64_t cols);
/* Store the column-major buffer w into the last two dims of o at byte offset off. */
void tgi_la_store(tg_array *o, int64_t off, const double *w, int64_t ld, int64_t rows,
                  int64_t cols);
/* Store n values into the last dim of o at byte offset off. */
void tgi_la_store_vec(tg_array *o, int64_t off, const double *w, int64_t n);
/* True if a batch of these leading dims has no element. */
bool tgi_la_batch_empty(int nb, const int64_t *shape);
/* " (matrix (1, 0) of the stack)" for error messages, "" when nb is 0. */
char *tgi_la_where(int nb, const int64_t *idx, char *buf, size_t n);
/* Build-time check that t is a (stack of) matrices, square if asked; records the error. */
bool tgi_la_infer_matrix(tg_graph *g, const char *name, const tg_type *t, bool square);
/* Run-time check of the same, and that LAPACK's 32-bit sizes can hold the dims. */
tg_status tgi_la_check_matrix(const tg_array *x, bool square, tgi_err *err, const char *op);
/* Singular values (descending) of the column-major m x n matrix a (destroyed) into s
   (min(m, n) entries), through gesdd (linalg_svd.c). */
tg_status tgi_la_svals(double *a, int64_t m, int64_t n, double *s, tgi_err *err, const char *op);

/* ---- gradient rules (src/grad/linalg_grad.c, linalg_grad2.c) ---- */
/* The kinds of the Norm op (its params[0]; linalg_norm.c documents the other params). */
enum { TGI_NORM_VEC, TGI_NORM_MAT, TGI_NORM_FRO, TGI_NORM_NUC };
/* x with its last two dims swapped. */
tg_var *tgi_la_mT(tg_var *x);
/* x with n broadcastable dims appended. */
tg_var *tgi_la_append_dims(tg_var *x, int n);
/* One rule per op class (the class macros hook tgi_<class var>_grad). */
bool tgi_dot_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_matmul_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_tensordot_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_batched_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_outer_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_inv_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_det_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_slogdet_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_chol_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_eigh_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_svd_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_qr_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_pinv_class_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_solve_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);
bool tgi_norm_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig);

#endif
