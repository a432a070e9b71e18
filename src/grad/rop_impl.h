/* rop_impl.h: forward-mode differentiation (Rop) shared between its driver (rop.c), its
   per-op rules (rop_rules.c), the scalar partial derivatives it borrows from the reverse
   rules (elemwise_grad.c) and the double-backprop path (derived.c). Never installed. */
#ifndef TG_ROP_IMPL_H
#define TG_ROP_IMPL_H

#include "../ops/op.h"

/* A Jacobian-vector (R_op) rule: given node nd and the tangents t[i] of its inputs (NULL:
   zero, or an integer input), set out_t[o] to the tangent of output o, a variable of its
   rank (NULL: zero). The driver casts results to the output's dtype and broadcasts them
   to its shape. Returns false after recording an error on g. */
typedef bool (*tgi_rop_rule)(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t);

/* The rule of an op class (keyed by its name), or NULL: use tgi_rop_fallback. */
tgi_rop_rule tgi_rop_rule_for(const tg_op_class *cls);

/* Any op with a vector-Jacobian rule: the JVP of the single node is the gradient with
   respect to u of <VJP(u), t>, which is linear in u (u: zeros shaped like the outputs). */
bool tgi_rop_fallback(tg_graph *g, const tg_node *nd, tg_var *const *t, tg_var **out_t);

/* d f / d x_i of Elemwise scalar op `code` times gz, before any summing over broadcast
   dims (elemwise_grad.c): the factor the reverse rule and the forward rule share. NULL
   with no error recorded = no derivative (integer/bool results); *notimpl set when the op
   has none. */
tg_var *tgi_elemwise_partial(tg_graph *g, int code, int i, tg_var *a, tg_var *b, tg_var *c,
                             tg_var *z, tg_var *gz, bool *notimpl);

/* tg_Rop by double backprop: the transpose of a Lop (derived.c). Arguments checked. */
tg_status tgi_rop_transpose(int n_out, tg_var *const *outputs, int n_wrt, tg_var *const *wrt,
                            tg_var *const *eval_points, tg_var **results);

#endif
