/* function_impl.h: the layout of a compiled function and its options, shared by compile/
   and the printers. Never installed. */
#ifndef TG_FUNCTION_IMPL_H
#define TG_FUNCTION_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "../ops/op.h"

/* A native kernel for one instruction (src/backend/cpu/): perform's contract, plus the
   instruction's kernel_ctx. */
typedef tg_status (*tgi_kernel_fn)(void *ctx, const tg_op *op, int n_in, tg_array *const *in,
                                   int n_out, tg_array **out, tgi_err *err);

typedef struct tgi_instr {
  const tg_op *op;
  const tg_node *node;
  tgi_kernel_fn kernel;  /* native code for this node, or NULL: op->cls->perform */
  void *kernel_ctx;      /* its data (owned by the function's graph via tgi_graph_own) */
  int n_in, n_out;
  int *in, *out;     /* slot indices */
  int n_free;
  int *free;         /* slots whose last use is this instruction */
  int jump;          /* -1: run op; else a control instruction of a lazy IfElse (lazy.c):
                        go to instruction `jump`, when br_slot < 0 always, else when the
                        condition in slot br_slot is false */
  int br_slot;
  uint8_t ip_kind;   /* TGI_IP_*: how plan.c may give this instruction an output buffer */
  uint32_t ip_mask;  /* inputs (bit i) it may overwrite: they die here (plan.c) */
  int spare;         /* -1, or the update whose new value is output 0 (plan.c: its
                        shared variable's previous buffer receives it) */
} tgi_instr;

enum { TGI_IP_NONE, TGI_IP_ELEMWISE, TGI_IP_GEMM, TGI_IP_DOT };

enum { TGI_UNUSED_RAISE, TGI_UNUSED_WARN, TGI_UNUSED_IGNORE };

/* A growable list of pairs, for updates (var, expr), givens (var, expr). */
typedef struct tgi_pairs {
  int n, cap;
  tg_var **a, **b;
} tgi_pairs;

struct tg_options {
  char name[64];
  char mode[16];         /* "" = the config's mode */
  char including[256], excluding[256]; /* added to the config's lists */
  int verbose;           /* -1 = the config's optimizer_verbose */
  char linker[8];        /* "" = the config's linker */
  bool no_default_updates;
  int on_unused_input;   /* TGI_UNUSED_* */
  bool allow_input_downcast;
  bool borrow_outputs;
  tgi_pairs updates, givens;
  int n_defaults, cap_defaults;
  int *default_index;
  tg_array **default_value; /* references */
};

struct tg_function {
  tg_graph *g;            /* private clone of the needed subgraph */
  char name[64];
  int n_in, n_out, n_slots, n_instr;
  tg_var **in_vars, **out_vars; /* in g */
  int *in_slots, *out_slots;
  tg_var **slot_var;      /* slot -> variable in g */
  tgi_instr *code;        /* in execution order */
  int n_const;
  int *const_slots;       /* slots holding constants, preloaded into every call's frame */
  int n_shared;
  int *shared_slots;      /* slots of shared variables, read at the start of each call */
  int n_upd;
  int *upd_slots;         /* slot of each update's new value */
  tg_var **upd_vars;      /* the shared variable (in g) each update replaces */
  _Atomic(tg_array *) *spare; /* per update: a buffer its shared variable held before the
                                 last call, kept for the next value (plan.c), or NULL */
  bool *spare_ok;         /* per update: an instruction computing its value takes spares */
  struct tgi_pool *pool;  /* dead intermediates' buffers kept between calls (plan.c) */
  atomic_bool pool_busy;  /* a call is using pool (concurrent calls get one of their own) */
  tg_array **defaults;    /* per input: default value (a reference) or NULL */
  bool allow_input_downcast, borrow_outputs;
  int64_t *fired;         /* per registered rewrite: times it was applied */
  int n_rewrites;         /* entries of fired */
  pthread_mutex_t mu;     /* guards err */
  tgi_err err;            /* last failed call */
};

#endif
