/* op.h: the op class vtable (DESIGN.md section 4) and the op registry used by the
   catalogue. Each op family fills one of these in its own file. Never installed. */
#ifndef TG_OP_H
#define TG_OP_H

#include "../graph/graph_impl.h"

/* The most outputs one Apply node may have (infer writes at most this many types). */
#define TGI_MAX_OUT 32

struct tg_op_class {
  const char *name;   /* "Elemwise", "Sum", ... */
  /* Output types from input types. Returns the number of outputs (written to out[]), or -1
     after recording an error on g naming the op and the operand types. */
  int (*infer)(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out);
  /* Reference kernel. out[i] is NULL (allocate) or a caller array of the inferred dtype
     that must have the right shape (check it). Errors go to err; nothing leaks on failure. */
  tg_status (*perform)(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                       tg_array **out, tgi_err *err);
  /* Short display name for debugprint/DOT ("Elemwise{add}"), written to buf. */
  void (*describe)(const tg_op *op, char *buf, size_t n);
  /* Infix symbol and precedence for tg_pp ("+", 4), or NULL for call form name(args). */
  const char *(*infix)(const tg_op *op, int *prec);
  /* Symbolic shapes: in_dims[i][d] is an int64 0-d variable giving dim d of input i; set
     out_dims[o][d] (arrays already sized by the outputs' ranks) to variables computing the
     outputs' dims from those alone, without computing the node. Returns false after
     recording an error on g. NULL only for ops whose shape depends on values they read. */
  bool (*infer_shape)(tg_graph *g, const tg_node *nd, tg_var **const *in_dims,
                      tg_var **const *out_dims);
  /* Vector-Jacobian rule (src/grad/): given the gradients of the outputs (out_grads[o] is
     NULL when output o gets none), set in_grads[i] to a variable of input i's type and
     static shape, or leave it NULL when no gradient flows there (integer inputs,
     positions, disconnected paths). Returns false after recording an error on g. A NULL
     rule means the op has no gradient: tg_grad through it is an error naming the op. */
  bool (*grad)(tg_graph *g, const tg_node *nd, tg_var *const *out_grads, tg_var **in_grads);
  /* For ops whose params point at objects outside the graph (an inner function): called
     when op is copied into graph dst (compiling clones ops), to take a reference for dst
     (tgi_graph_own). Returns false after recording an error on dst. NULL: nothing to do. */
  bool (*retain)(const tg_op *op, tg_graph *dst);
  /* Flags: TGI_OP_IMPURE (random draws, I/O: never constant-folded or merged),
     TGI_OP_INPLACE_IN0. */
  unsigned flags;
};

enum {
  TGI_OP_IMPURE = 1u,
  /* perform accepts out[0] being in[0] itself and then computes in place (Gemm's c); the
     VM's memory planning (src/compile/plan.c) hands it over when in[0] dies there */
  TGI_OP_INPLACE_IN0 = 2u,
};

/* The gradient gz of a broadcasting op's output, summed back to the type of input x:
   extra leading dims are summed away, dims static 1 in x summed with keepdims, and the
   result cast to x's dtype. Used by every rule of an op that broadcasts. */
tg_var *tgi_grad_unbroadcast(tg_var *gz, const tg_var *x);

/* An int64 0-d constant, used for static dims in shape graphs. */
tg_var *tgi_dim_const(tg_graph *g, int64_t n);

/* Equality and hash of (class, params): what merging uses. */
bool tgi_op_equal(const tg_op *a, const tg_op *b);
uint64_t tgi_op_hash(const tg_op *op);

/* One row of the op catalogue printed by `tgraph ops`. */
typedef struct tgi_op_info {
  const char *name;    /* "add" */
  const char *family;  /* "elemwise" */
  int arity;           /* -1 variadic */
  const char *dtypes;  /* "all", "float", "int, bool", ... */
  const char *grad;    /* "", "yes", "no", "not differentiable" */
  const char *native;  /* "" until a native backend implements it */
  const char *doc;     /* one line */
} tgi_op_info;

/* Each op family's catalogue table (defined in the family's source, listed in
   catalogue.c). */
extern const tgi_op_info tgi_catalogue_grad[];
extern const int tgi_catalogue_grad_n;
extern const tgi_op_info tgi_catalogue_shape_basic[];
extern const int tgi_catalogue_shape_basic_n;
extern const tgi_op_info tgi_catalogue_shape_ops[];
extern const int tgi_catalogue_shape_ops_n;
extern const tgi_op_info tgi_catalogue_reduce[];
extern const int tgi_catalogue_reduce_n;
extern const tgi_op_info tgi_catalogue_linalg[];
extern const int tgi_catalogue_linalg_n;
extern const tgi_op_info tgi_catalogue_extra[];
extern const int tgi_catalogue_extra_n;
extern const tgi_op_info tgi_catalogue_nnet[];
extern const int tgi_catalogue_nnet_n;
extern const tgi_op_info tgi_catalogue_index[];
extern const int tgi_catalogue_index_n;
extern const tgi_op_info tgi_catalogue_fused[]; /* blas_gemm.c: ops only rewrites make */
extern const int tgi_catalogue_fused_n;
extern const tgi_op_info tgi_catalogue_random[];
extern const int tgi_catalogue_random_n;
extern const tgi_op_info tgi_catalogue_scan[];
extern const int tgi_catalogue_scan_n;
extern const tgi_op_info tgi_catalogue_ifelse[];
extern const int tgi_catalogue_ifelse_n;

/* Number of catalogue rows and row i. */
int tgi_op_catalogue_count(void);
const tgi_op_info *tgi_op_catalogue(int i);

#endif
