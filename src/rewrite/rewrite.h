/* rewrite.h: graph rewrites. A local rewrite looks at one node and returns replacements
   for its outputs; a global one walks the whole graph. Each is registered once, in a
   family table listed in registry.c, with a name, tags and the phase it runs in. The
   driver (driver.c) runs the phases in order, each to equilibrium over a worklist that
   only revisits nodes whose inputs changed. Never installed. */
#ifndef TG_REWRITE_H
#define TG_REWRITE_H

#include "fgraph.h"

/* Phases, in the order they run. */
enum tgi_phase {
  TGI_PH_CANONICALIZE, /* constant folding, algebraic normal forms, useless-op removal */
  TGI_PH_STABILIZE,    /* numerically stable forms: log1p, softplus, log_softmax, ... */
  TGI_PH_SPECIALIZE,   /* faster forms: sqr, gemm, ... */
  TGI_PH_FUSION,       /* elementwise chains into Composite nodes, into reductions */
  TGI_PH_CLEANUP,      /* the last merge, before memory planning */
  TGI_PH_COUNT
};

/* Examine nd (alive in fg). Return true after setting repl[o] for each output o to
   replace (NULL: keep it), each built in fg->g with nd->out[o]'s dtype and rank; return
   false to leave nd alone. On an error (a builder failing) return false: the driver
   reports a graph error recorded by a rewrite as a compile error. */
typedef bool (*tgi_local_fn)(tgi_fgraph *fg, tg_node *nd, tg_var **repl);
/* A global rewrite: edit fg with tgi_fgraph_replace; return the number of replacements
   made (0: nothing changed) or -1 after recording an error on fg->g. */
typedef int64_t (*tgi_global_fn)(tgi_fgraph *fg);

typedef struct tgi_rewrite {
  const char *name;   /* "local_log1p" */
  const char *tags;   /* space-separated: "fast_run stabilize" ("fast_compile" joins FAST_COMPILE) */
  int phase;          /* enum tgi_phase */
  const char *op;     /* op class name the rewrite looks at ("Elemwise"), NULL for any */
  tgi_local_fn local; /* exactly one of local and global */
  tgi_global_fn global;
  const char *doc;    /* one line: "log(1 + x) -> log1p(x)" */
} tgi_rewrite;

/* Every registered rewrite, across the families' tables. */
int tgi_rewrite_count(void);
const tgi_rewrite *tgi_rewrite_get(int i);
/* Index of the rewrite named name, or -1. */
int tgi_rewrite_find(const char *name);

/* Which rewrites run, from a mode and include/exclude lists (names or tags separated by
   ':'), as a flag per registered rewrite. Returns false (message in err) for an unknown
   mode or name. */
bool tgi_rewrite_select(const char *mode, const char *including, const char *excluding,
                        uint8_t *on, tgi_err *err);

/* Run the selected rewrites over fg. fired[i] counts applications of rewrite i (room for
   tgi_rewrite_count() entries). trace: print each applied rewrite to stderr. false after
   recording an error on fg->g. */
bool tgi_rewrite_run(tgi_fgraph *fg, const uint8_t *on, int64_t *fired, bool trace);

/* Family tables, listed in registry.c. */
extern const tgi_rewrite tgi_rewrites_basic[]; /* merge, constant folding */
extern const int tgi_rewrites_basic_n;
extern const tgi_rewrite tgi_rewrites_stabilize[]; /* log1p, softplus, log_softmax, ... */
extern const int tgi_rewrites_stabilize_n;
extern const tgi_rewrite tgi_rewrites_specialize[]; /* sqr, sqrt, sum forms */
extern const int tgi_rewrites_specialize_n;
extern const tgi_rewrite tgi_rewrites_gemm[]; /* alpha * dot + beta * C -> Gemm/Gemv */
extern const int tgi_rewrites_gemm_n;
extern const tgi_rewrite tgi_rewrites_canon_arith[]; /* canonicalize: x*1, x-x, --x, pow, x/c */
extern const int tgi_rewrites_canon_arith_n;
extern const tgi_rewrite tgi_rewrites_canon_chain[]; /* canonicalize: sorted add/mul chains */
extern const int tgi_rewrites_canon_chain_n;
extern const tgi_rewrite tgi_rewrites_canon_shape[]; /* canonicalize: shape lifting, useless ops */
extern const int tgi_rewrites_canon_shape_n;
extern const tgi_rewrite tgi_rewrites_canon_alloc[]; /* canonicalize: alloc inputs of elemwise */
extern const int tgi_rewrites_canon_alloc_n;
extern const tgi_rewrite tgi_rewrites_stabilize_grad[]; /* stabilize: softplus gradient */
extern const int tgi_rewrites_stabilize_grad_n;
extern const tgi_rewrite tgi_rewrites_canon_subtensor[]; /* canonicalize: subtensor lifting */
extern const int tgi_rewrites_canon_subtensor_n;
extern const tgi_rewrite tgi_rewrites_scan[]; /* scan_save_mem (src/ops/scan_mem.c) */
extern const int tgi_rewrites_scan_n;
extern const tgi_rewrite tgi_rewrites_ifelse[]; /* constant condition, same branches */
extern const int tgi_rewrites_ifelse_n;
extern const tgi_rewrite tgi_rewrites_fusion[]; /* elementwise and reduce fusion */
extern const int tgi_rewrites_fusion_n;

/* Helpers for rewrites. */
/* The scalar op code of an Elemwise node (enum tgi_scalar_op), or -1 for other ops. */
int tgi_rw_elemwise_code(const tg_node *nd);
/* The value of a 0-d constant, or of a constant whose elements are all equal (any
   shape), as a double in *v. false for non-constants. */
bool tgi_rw_const_value(const tg_var *v, double *val);
/* True when v is a constant all of whose elements equal val. */
bool tgi_rw_is_const(const tg_var *v, double val);

#endif
