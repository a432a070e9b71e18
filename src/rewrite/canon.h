/* canon.h: what the canonicalisation rewrites (canon_arith.c, canon_chain.c,
   canon_shape.c, canon_subtensor.c) share: small predicates over
   variables (the family tables are declared in rewrite.h). Never installed. */
#ifndef TG_CANON_H
#define TG_CANON_H

#include "rewrite.h"

/* True when x, an operand of a broadcasting op with output out, already has out's runtime
   shape: the same rank and no dim statically 1 in x where out's is not (so x cannot have
   been enlarged by broadcasting). */
bool tgi_canon_fits(const tg_var *x, const tg_var *out);
/* True when a and b are known to hold the same value: the same variable, 0-d constants of
   equal value and dtype, or outputs of equal pure ops applied to the same inputs (one
   level deep, so the check is O(inputs)). */
bool tgi_canon_same(const tg_var *a, const tg_var *b);
/* True when the int64 scalar e is known to equal dim d of x at run time (static dims,
   Shape_i(x, d), or both followed through shape rules to one expression; canon_shape.c). */
bool tgi_canon_dim_is(tgi_fgraph *fg, tg_var *x, int d, tg_var *e);
/* True when repl can stand for out: non-NULL, same dtype and rank, compatible static
   shape. Rewrites build a candidate, then keep it only when this holds. */
bool tgi_canon_ok(const tg_var *repl, const tg_var *out);

/* True when replacing out by repl would turn a view the function returns into a copy:
   out is a function output and repl a graph input, constant or shared variable (which a
   function returns as a copy). Rewrites removing a view op (dimshuffle, reshape) then
   keep it, so that the returned array still shares the input's storage as numpy's would. */
bool tgi_canon_keeps_view(const tgi_fgraph *fg, const tg_var *out, const tg_var *repl);

#endif
