/* function_impl.h: the layout of a compiled function, shared by compile/ and the printers.
   Never installed. */
#ifndef TG_FUNCTION_IMPL_H
#define TG_FUNCTION_IMPL_H

#include <pthread.h>

#include "../ops/op.h"

typedef struct tgi_instr {
  const tg_op *op;
  const tg_node *node;
  int n_in, n_out;
  int *in, *out;     /* slot indices */
  int n_free;
  int *free;         /* slots whose last use is this instruction */
} tgi_instr;

struct tg_options {
  char name[64];
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
  pthread_mutex_t mu;     /* guards err */
  tgi_err err;            /* last failed call */
};

#endif
