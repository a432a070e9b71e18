/* tgraph/scan.h: loops, Theano's scan. The step is a C callback that builds one step's
   outputs from variables scan hands it (a loop is described by a tg_scan_spec: sequences
   with taps, outputs fed back or not, non-sequences, n_steps, go_backwards,
   truncate_gradient); scan turns that graph into an inner function, compiled once, and a
   Scan op running it n_steps times over preallocated buffers. The step receives its
   arguments in Theano's order: for each sequence its taps (in the order given), for each
   fed-back output its taps, then the non-sequences. Variables of the graph the step uses
   without declaring them (inputs, shared variables, results computed outside the step)
   become implicit non-sequences. A shared variable the step updates is carried from step
   to step, and scan returns its value after the last step as an update for
   tg_options_update; random streams used in the step are carried the same way.
   Gradients (backpropagation through time) and Rop flow through every scan except one
   with an `until` condition. docs/guide.md ("Loops with scan") has an example. */
#ifndef TGRAPH_SCAN_H
#define TGRAPH_SCAN_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most shared-variable updates one step may make. */
#define TG_SCAN_MAX_UPDATES 16

/* What the step function fills in. */
typedef struct tg_scan_result {
  int n_outputs;    /* set by scan: the number of outputs declared with tg_scan_output */
  tg_var **outputs; /* set by scan: room for them; the step sets each one */
  tg_var *until;    /* optional 0-d condition: stop after the first step where it is true */
  int n_updates;    /* optional: shared variables the step updates and their new values */
  tg_var *update_vars[TG_SCAN_MAX_UPDATES];
  tg_var *update_exprs[TG_SCAN_MAX_UPDATES];
} tg_scan_result;

/* Builds one step in g from args (see the order above); returns false on error (the
   message on g, or a generic one is recorded). */
typedef bool (*tg_scan_fn)(tg_graph *g, int n_args, tg_var *const *args, tg_scan_result *res,
                           void *ud);

/* What scan returns besides its outputs: the updates of shared variables made inside. */
typedef struct tg_scan_updates {
  int n;
  tg_var *vars[TG_SCAN_MAX_UPDATES];  /* the shared variables */
  tg_var *exprs[TG_SCAN_MAX_UPDATES]; /* their values after the last step */
} tg_scan_updates;

typedef struct tg_scan_spec tg_scan_spec;

/* A new, empty loop description for graph g; NULL if out of memory (error on g). */
TG_API tg_scan_spec *tg_scan_spec_new(tg_graph *g);
/* Free a spec (NULL ignored). */
TG_API void tg_scan_spec_free(tg_scan_spec *s);
/* Iterate over seq's first axis; the step sees seq[t + tap] for each tap (n_taps 0: [0]). */
TG_API tg_status tg_scan_sequence(tg_scan_spec *s, tg_var *seq, int n_taps, const int *taps);
/* Declare an output. init NULL: not fed back (Theano's None; n_taps must be 0). Otherwise
   the step sees the output's values at the given negative taps (n_taps 0: [-1], init is
   the state before the first step); with a tap below -1, init holds the -min(taps)
   states before the first step along its first axis (taps [-2, -1]: init[0], init[1]). */
TG_API tg_status tg_scan_output(tg_scan_spec *s, tg_var *init, int n_taps, const int *taps);
/* Pass v unchanged to every step, after the taps. */
TG_API tg_status tg_scan_non_sequence(tg_scan_spec *s, tg_var *v);
/* Run n_steps steps (a 0-d integer variable; it must be >= 0 and no sequence may be
   shorter). Without it, the shortest sequence decides. */
TG_API tg_status tg_scan_n_steps(tg_scan_spec *s, tg_var *n_steps);
/* Iterate the sequences from their end (Theano's go_backwards). */
TG_API tg_status tg_scan_go_backwards(tg_scan_spec *s, bool on);
/* Backpropagate through at most `steps` steps, the last ones (-1: all, the default). */
TG_API tg_status tg_scan_truncate_gradient(tg_scan_spec *s, int64_t steps);
/* Return only each output's value after the last step, keeping O(1) states in memory
   (what reduce and fold do); otherwise each output has all steps along a new first axis. */
TG_API tg_status tg_scan_last_only(tg_scan_spec *s, bool on);
/* Optional name shown by debugprint ("Scan{name}"). */
TG_API tg_status tg_scan_name(tg_scan_spec *s, const char *name);

/* Build the loop: outputs[i] receives output i; updates (may be NULL when the step makes
   none) the shared-variable updates. A loop may declare no outputs when its step updates
   shared variables (outputs may then be NULL). Status; message on the spec's graph. */
TG_API tg_status tg_scan(tg_scan_spec *s, tg_scan_fn fn, void *ud, tg_var **outputs,
                         tg_scan_updates *updates);

/* map: fn(seqs[t]..., non_seqs...) for each t; fn sets one output. NULL on error. */
TG_API tg_var *tg_scan_map(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs, int n_ns,
                           tg_var *const *non_seqs);
/* reduce: acc = fn(seqs[t]..., acc, non_seqs...) from init; the last acc. NULL on error. */
TG_API tg_var *tg_scan_reduce(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs,
                              tg_var *init, int n_ns, tg_var *const *non_seqs);
/* foldl: reduce from the first element on. */
TG_API tg_var *tg_scan_foldl(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs,
                             tg_var *init, int n_ns, tg_var *const *non_seqs);
/* foldr: reduce from the last element back. */
TG_API tg_var *tg_scan_foldr(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs,
                             tg_var *init, int n_ns, tg_var *const *non_seqs);

#ifdef __cplusplus
}
#endif
#endif
