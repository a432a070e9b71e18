/* tgraph/linalg.h: linear algebra ops. Products (dot, matmul, outer, tensordot,
   batched_dot) accept every dtype: the result has the promoted dtype (numpy's result_type);
   floats go through BLAS (OpenBLAS's sgemm/dgemm/gemv/ger/dot, or the built-in blocked
   kernel when built with -DTGRAPH_BLAS=OFF); integers and bools are summed exactly in int64
   and stored modulo the result's width, as numpy does (bool results are "any product true").
   The LAPACK ops (inv ... pinv, and the 2/-2/nuc matrix norms) take float32 and float64 and
   return the same dtype; integer and bool inputs are computed in and returned as float64
   (as numpy). float32 inputs are computed in float64 and rounded, a little more accurate
   than numpy's float32 LAPACK calls. Every LAPACK op takes a stack of matrices: the last two
   dims are the matrix, leading dims are a batch (numpy's stacked linalg).
   Failures, as numpy: inv and solve of a singular matrix and cholesky of a matrix that is
   not positive definite fail at run time (TG_ERR_VALUE, "singular matrix" / "not positive
   definite", naming which matrix of a stack); det of a singular matrix is 0 and slogdet gives
   sign 0 and logabsdet -inf; eigh and svd fail (TG_ERR_RUNTIME) if LAPACK does not converge.
   NaN inputs are not checked: they give NaN results (or one of the errors above, where
   LAPACK's pivoting meets them), as numpy. Shape mismatches name the op and both shapes, at
   build time when the static dims already disagree, else at run time. */
#ifndef TGRAPH_LINALG_H
#define TGRAPH_LINALG_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- products ---- */
/* Theano's dot: vector.vector -> scalar, matrix.vector, vector.matrix, matrix.matrix;
   higher ranks as numpy.dot (a's last axis with b's second-to-last); 0-d operands multiply. */
TG_API tg_var *tg_dot(tg_var *a, tg_var *b);
/* numpy.matmul: stacks of matrices with batch dims broadcast under Theano's rule (only dims
   of static length 1 broadcast); 1-D operands are a row (a) or a column (b), dropped after. */
TG_API tg_var *tg_matmul(tg_var *a, tg_var *b);
/* numpy.outer: (a.size, b.size) products of the flattened operands. */
TG_API tg_var *tg_outer(tg_var *a, tg_var *b);
/* numpy.tensordot: sums a's axes_a[i] against b's axes_b[i] (n_axes pairs, negative axes
   count from the end); the result has a's other axes then b's. axes_a = axes_b = NULL means
   numpy's integer form: a's last n_axes against b's first n_axes. */
TG_API tg_var *tg_tensordot(tg_var *a, tg_var *b, int n_axes, const int *axes_a, const int *axes_b);
/* Theano's batched_dot: dot(a[i], b[i]) for each i of the first (batch) dim, which must
   agree; a 1-D operand scales the other's batch entries (a[i] * b[i]). */
TG_API tg_var *tg_batched_dot(tg_var *a, tg_var *b);

/* ---- LAPACK ---- */
/* Inverse of square matrices; a singular matrix is a run-time error. */
TG_API tg_var *tg_inv(tg_var *x);
/* Determinant of square matrices (0 for a singular one). */
TG_API tg_var *tg_det(tg_var *x);
/* Sign of the determinant (0 if singular), with log|det| (-inf if singular) in *logabsdet;
   both are outputs of one node. logabsdet must not be NULL. */
TG_API tg_var *tg_slogdet(tg_var *x, tg_var **logabsdet);
/* x with a x = b: b is a stack of vectors (rank a - 1) or of matrices (rank of a); batch dims
   broadcast as in matmul. A singular a is a run-time error. */
TG_API tg_var *tg_solve(tg_var *a, tg_var *b);
/* Cholesky factor: L with x = L L^T (lower) or U with x = U^T U (upper); only that triangle
   of x is read. A matrix that is not positive definite is a run-time error. */
TG_API tg_var *tg_cholesky(tg_var *x, bool lower);
/* Eigenvalues of symmetric matrices, ascending (reads the lower or upper triangle); when
   eigenvectors is not NULL it receives them as columns (x v = w v), from the same node. */
TG_API tg_var *tg_eigh(tg_var *x, bool lower, tg_var **eigenvectors);
/* Singular values s (descending, length min(M, N)); when u or vt is not NULL both factors
   are computed with x = u diag(s) vt: u is M x M and vt N x N with full_matrices, else
   M x K and K x N. */
TG_API tg_var *tg_svd(tg_var *x, bool full_matrices, tg_var **u, tg_var **vt);

/* Which factors tg_qr computes (numpy.linalg.qr's modes). */
typedef enum tg_qr_mode {
  TG_QR_REDUCED = 0, /* Q: M x K, R: K x N (K = min(M, N)) */
  TG_QR_COMPLETE,    /* Q: M x M, R: M x N */
  TG_QR_R            /* R only, K x N */
} tg_qr_mode;
/* QR factorisation: returns R (upper triangular); *q receives Q (orthonormal columns) unless
   mode is TG_QR_R, when q may be NULL. */
TG_API tg_var *tg_qr(tg_var *x, tg_qr_mode mode, tg_var **q);
/* Moore-Penrose pseudo-inverse through the SVD; singular values <= 1e-15 * max(s) count as
   zero (numpy's rcond). */
TG_API tg_var *tg_pinv(tg_var *x);

/* ---- norms (float results; integer inputs give float64) ---- */
/* numpy.linalg.norm with a numeric ord over 1 axis (vector norm: ord = INFINITY max|x|,
   -INFINITY min|x|, 0 count of nonzeros, other p (sum |x|^p)^(1/p)) or 2 axes (matrix norm:
   ord 1/-1 max/min column sum of |x|, INFINITY/-INFINITY max/min row sum, 2/-2 largest and
   smallest singular value). axes NULL with n_axes 0 means every axis of a 1-D or 2-D x.
   keepdims keeps the reduced axes with length 1. The max/min orders fail at run time on
   empty inputs, as numpy. */
TG_API tg_var *tg_norm(tg_var *x, double ord, int n_axes, const int *axes, bool keepdims);
/* Frobenius norm sqrt(sum |x|^2) over the given axes (any number; n_axes 0 means all),
   which is also numpy's norm(x) with no ord. */
TG_API tg_var *tg_norm_fro(tg_var *x, int n_axes, const int *axes, bool keepdims);
/* Nuclear norm (sum of singular values) over 2 axes (n_axes 0: those of a 2-D x). */
TG_API tg_var *tg_norm_nuc(tg_var *x, int n_axes, const int *axes, bool keepdims);

#ifdef __cplusplus
}
#endif
#endif
