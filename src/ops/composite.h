/* composite.h: the Composite op, several elementwise ops fused into one loop (made by the
   fusion rewrite, src/rewrite/fusion.c), and FusedReduce, a Composite feeding a reduction
   in the same pass. Both exist only in compiled graphs. The program is stored in the op's
   int64 params, so equal programs compare and hash equal. Never installed. */
#ifndef TG_COMPOSITE_H
#define TG_COMPOSITE_H

#include "op.h"

/* One step of a scalar program. Registers 0..n_in-1 are the inputs, register n_in + k the
   result of step k. code is an Elemwise scalar op (enum tgi_scalar_op) computed in cdt
   (every argument converted to cdt first, as Elemwise does) and stored as odt; code -1 is
   a constant of dtype odt whose value is `bits` (a double's bits for float dtypes, the
   int64 value otherwise). */
typedef struct tgi_cstep {
  int code;
  tg_dtype cdt, odt;
  int nargs;
  int arg[3];
  int64_t bits;
} tgi_cstep;

/* A decoded program (pointers into the op's params). */
typedef struct tgi_cprog {
  int n_in, n_out, n_steps, ndim;
  const int64_t *in_mask;  /* per input: bit d set when it broadcasts along output dim d
                              (inputs left-padded to ndim, padded dims set) */
  const int64_t *out_reg;  /* per output: its register */
  const int64_t *step;     /* 7 per step: code, cdt, odt, nargs, arg0..2 (bits for a const) */
} tgi_cprog;
enum { TGI_CSTEP_WORDS = 7 };

extern const tg_op_class tgi_composite_class;
extern const tg_op_class tgi_fused_reduce_class;

/* Decode a Composite op's params (or the Composite part of a FusedReduce). */
void tgi_composite_decode(const tg_op *op, tgi_cprog *p);
/* The dtype register r holds in the program (inputs: in_dt[r]). */
tg_dtype tgi_composite_reg_dtype(const tgi_cprog *p, const tg_dtype *in_dt, int r);

/* A Composite node over inputs in[] (each broadcasting to rank ndim by its static type)
   running steps[] and producing the registers out_reg[]. NULL after recording an error. */
tg_node *tgi_composite_apply(tg_graph *g, int n_in, tg_var *const *in, int ndim,
                             int n_steps, const tgi_cstep *steps, int n_out,
                             const int *out_reg);
/* FusedReduce: the reduction `red` (a node of a reduce class with one input) applied to
   output 0 of the Composite node comp, in one node with comp's inputs. */
tg_node *tgi_fused_reduce_apply(tg_graph *g, const tg_node *comp, const tg_node *red);
/* The reduce op inside a FusedReduce op (a copy in scratch, at least 64 int64 words), and
   the Composite op (in scratch2). */
void tgi_fused_reduce_split(const tg_op *op, tg_op *red, tg_op *comp);

#endif
