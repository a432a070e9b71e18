/* tgraph/grad.h: automatic differentiation. Gradients are graphs: tg_grad adds nodes to
   the cost's graph, which are then printed, rewritten and compiled like any other. */
#ifndef TGRAPH_GRAD_H
#define TGRAPH_GRAD_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What tg_grad does with an input the cost does not depend on. */
typedef enum tg_disconnected {
  TG_DISCONNECTED_RAISE = 0, /* an error naming the input (the default, as Theano) */
  TG_DISCONNECTED_WARN,      /* a warning on stderr, then as IGNORE */
  TG_DISCONNECTED_IGNORE     /* no message */
} tg_disconnected;

/* Options of tg_grad_ex, Theano's keyword arguments. Zero-initialise, then set fields. */
typedef struct tg_grad_options {
  int n_known;                       /* known_grads: start from these output gradients */
  tg_var *const *known_vars;
  tg_var *const *known_grads;
  int n_consider_constant;           /* treat these variables as constants */
  tg_var *const *consider_constant;
  tg_disconnected disconnected_inputs;
  bool return_disconnected_none;     /* disconnected inputs get NULL instead of zeros */
} tg_grad_options;

/* Gradients of the 0-d cost with respect to wrt[0..n_wrt-1], written to grads[]. Integer
   and bool inputs get no gradient (disconnected, as in Theano). Status; message on the
   graph; grads untouched on error. */
TG_API tg_status tg_grad(tg_var *cost, int n_wrt, tg_var *const *wrt, tg_var **grads);
/* tg_grad with options; cost may be NULL when opts->known_grads seed the gradients. */
TG_API tg_status tg_grad_ex(tg_var *cost, int n_wrt, tg_var *const *wrt, tg_var **grads,
                            const tg_grad_options *opts);

/* Lop: the vector-Jacobian product sum_o eval_points[o] . d outputs[o] / d wrt[i]. */
TG_API tg_status tg_Lop(int n_out, tg_var *const *outputs, tg_var *const *eval_points,
                        int n_wrt, tg_var *const *wrt, tg_var **results);
/* How tg_Rop_ex builds the Jacobian-vector product (both are exact). */
typedef enum tg_rop_mode {
  TG_ROP_FORWARD = 0,    /* forward mode: tangents pushed through each op's R_op rule (default) */
  TG_ROP_DOUBLE_BACKPROP /* the transpose of a Lop (PyTensor's use_op_rop_implementation=False) */
} tg_rop_mode;

/* Rop: the Jacobian-vector product sum_i d outputs[o] / d wrt[i] . eval_points[i], built in
   forward mode; an output that does not depend on wrt gets zeros. Status; message on the graph. */
TG_API tg_status tg_Rop(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                        tg_var *const *eval_points, tg_var **results);
/* tg_Rop with the construction chosen by mode. */
TG_API tg_status tg_Rop_ex(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                           tg_var *const *eval_points, tg_var **results, tg_rop_mode mode);
/* Jacobian of y (0-d or 1-d) with respect to x: shape y.shape + x.shape. A vector of symbolic
   length is a scan over its rows (Theano's construction). NULL on error. */
TG_API tg_var *tg_jacobian(tg_var *y, tg_var *x);
/* Jacobians of y with respect to each of wrt[0..n_wrt-1] (1 to 64), one loop for all. */
TG_API tg_status tg_jacobian_n(tg_var *y, int n_wrt, tg_var *const *wrt, tg_var **results);
/* Hessian of the 0-d cost with respect to x: jacobian(grad(cost, x), x). */
TG_API tg_var *tg_hessian(tg_var *cost, tg_var *x);

/* Identity forward; its gradient is zero (Theano's zero_grad). */
TG_API tg_var *tg_zero_grad(tg_var *x);
/* Identity forward; no gradient flows through it (disconnected_grad). */
TG_API tg_var *tg_disconnected_grad(tg_var *x);
/* Identity forward; the gradient is clipped to [lo, hi] (grad_clip). */
TG_API tg_var *tg_grad_clip(tg_var *x, double lo, double hi);
/* Identity forward; the gradient is multiplied by scale (grad_scale). */
TG_API tg_var *tg_grad_scale(tg_var *x, double scale);

/* Builds the expression to check from symbolic inputs made like the given arrays. */
typedef tg_var *(*tg_build_fn)(tg_graph *g, int n, tg_var *const *inputs, void *ud);

/* Options of tg_verify_grad; zero means the default for the dtype. */
typedef struct tg_verify_options {
  uint64_t seed;      /* random projection and direction */
  int n_tests;        /* directions tried (default 2) */
  double eps;         /* finite-difference step (default 1e-6 float64, 1e-3 float32) */
  double abs_tol;     /* default 1e-6 float64, 1e-2 float32 */
  double rel_tol;     /* default 1e-5 float64, 1e-2 float32 */
} tg_verify_options;

/* Check the symbolic gradient of build(inputs) against central differences along random
   directions (theano.gradient.verify_grad). Returns TG_OK, or TG_ERR_VALUE with a message
   in msg (may be NULL) naming the op, the input and the max abs/rel error. */
TG_API tg_status tg_verify_grad(tg_build_fn build, void *ud, int n, tg_array *const *inputs,
                                const tg_verify_options *opts, char *msg, size_t msg_size);

#ifdef __cplusplus
}
#endif
#endif
