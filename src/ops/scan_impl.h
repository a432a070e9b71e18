/* scan_impl.h: the Scan op's shared pieces: the refcounted inner object its params point
   at, the canonical loop description builders hand to tgi_scan_make, and the helpers the
   gradient rule (src/grad/scan_grad.c) uses. Never installed.

   Canonical form (what the op sees; tg_scan's taps, go_backwards and init slicing are
   turned into it with ordinary outer-graph ops, so their gradients come for free):
     inputs  : n_steps (0-d int), sequences (step t reads seq[t]), initial buffers
               (init[0..k-1] = the k states before step 0, k = -min(taps)), non-sequences
     outputs : per fed-back ("rec") output its full buffer [k + n_steps, ...] (the initial
               states then one state per step), per other ("nit") output [n_steps, ...];
               or with keep[o] = m > 0 only the last m entries of that buffer.
   Inner function: inputs = sequence slices, then each rec output's taps, then the
   non-sequences; outputs = rec outputs' new states, nit outputs, then `until`. */
#ifndef TG_SCAN_IMPL_H
#define TG_SCAN_IMPL_H

#include "op.h"
#include "tgraph/scan.h"

typedef struct tgi_scan_info {
  atomic_long refcnt;
  char name[48];
  int n_seq, n_rec, n_nit, n_ns;
  int *n_taps;          /* per rec output */
  int **taps;           /* per rec output: its taps (negative) */
  int *k;               /* per rec output: -min(taps), the states an initial buffer holds */
  bool explicit_steps;  /* n_steps given (else the shortest sequence) */
  bool has_until;
  bool go_backwards;    /* for describe only: the sequences were reversed outside */
  bool reverse;         /* step t reads sequence entry n-1-t and writes nit entry n-1-t
                           (the gradient's loops: no reversed views, outputs in order) */
  int64_t truncate;     /* -1: full backpropagation through time */
  tg_graph *ig;         /* the inner graph */
  int n_in, n_out;      /* inner inputs / outputs */
  tg_var **in_vars, **out_vars;
  tg_function *fn;      /* compiled once */
} tgi_scan_info;

/* The canonical description builders fill (outer variables and step graph in d->g). */
typedef struct tgi_scan_desc {
  tg_graph *g;
  const char *name;
  tg_var *n_steps;           /* 0-d int or NULL: the shortest sequence */
  int n_seq;
  tg_var **seqs, **seq_ph;   /* outer sequence, the step's slice placeholder */
  int n_rec;
  tg_var **inits;            /* [k, ...] initial buffers */
  int *n_taps;
  int **taps;
  tg_var ***rec_ph;          /* per rec output, per tap: the step's placeholder */
  tg_var **rec_out;          /* the step's new state */
  int n_nit;
  tg_var **nit_out;
  tg_var *until;
  bool go_backwards;
  bool reverse;              /* see tgi_scan_info (no until with it) */
  int64_t truncate;
  const int64_t *keep;       /* per output (rec, then nit): 0 all, m > 0 the last m; or NULL */
} tgi_scan_desc;

/* Point d's arrays at the same-named arrays of a builder's work struct w (scan_api.c's and
   scan_grad.c's hold one array per field, sized for the most a scan takes). */
#define TGI_SCAN_DESC_ARRAYS(d, w)                                                          \
  ((d)->seqs = (w)->seqs, (d)->seq_ph = (w)->seq_ph, (d)->inits = (w)->inits,               \
   (d)->n_taps = (w)->n_taps, (d)->taps = (w)->taps, (d)->rec_ph = (w)->rec_ph,             \
   (d)->rec_out = (w)->rec_out, (d)->nit_out = (w)->nit_out, (d)->keep = (w)->keep)

/* A placeholder for a step argument of type t (a free input of g). */
tg_var *tgi_scan_placeholder(tg_graph *g, const tg_type *t, const char *name);
/* Extract the step graph, compile it, and build the Scan node (outputs: rec, then nit).
   NULL after recording an error on d->g. */
tg_node *tgi_scan_make(const tgi_scan_desc *d);
/* Build a Scan node with info's loop (a reference is taken) and the given keep per output
   on the inputs of nd's layout. NULL after an error on g. */
tg_node *tgi_scan_apply(tg_graph *g, tgi_scan_info *info, const int64_t *keep, int n_in,
                        tg_var *const *in);

/* Drop a reference to info (freeing it, its inner graph and function at the last). */
void tgi_scan_info_unref(tgi_scan_info *info);
/* The info behind a Scan op, or NULL for other ops. */
tgi_scan_info *tgi_scan_info_of(const tg_op *op);
/* Clone the nodes computing roots (in src) into dst, with from[i] (in src) becoming
   to[i] (in dst); constants are copied, any other leaf is an error naming `what`.
   res[i] receives root i's image. false after an error on dst. */
bool tgi_scan_clone(tg_graph *dst, int n_roots, tg_var *const *roots, int n_map,
                    tg_var *const *from, tg_var *const *to, tg_var **res, const char *what);
/* Index of the first input of each kind in a Scan node. */
static inline int tgi_scan_seq0(const tgi_scan_info *s) { (void)s; return 1; }
static inline int tgi_scan_init0(const tgi_scan_info *s) { return 1 + s->n_seq; }
static inline int tgi_scan_ns0(const tgi_scan_info *s) { return 1 + s->n_seq + s->n_rec; }

/* The gradient rule (src/grad/scan_grad.c). */
bool tgi_scan_grad(tg_graph *g, const tg_node *nd, tg_var *const *out_grads, tg_var **in_grads);

#endif
