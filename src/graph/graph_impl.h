/* graph_impl.h: the layout of graphs, variables, Apply nodes and ops, shared by graph/,
   ops/ and compile/. A graph owns everything in it through an arena. Never installed. */
#ifndef TG_GRAPH_IMPL_H
#define TG_GRAPH_IMPL_H

#include <pthread.h>

#include "../core/core.h"

typedef struct tg_node tg_node;
typedef struct tg_op tg_op;
typedef struct tg_op_class tg_op_class;

/* A tensor type: dtype, rank and a static length per dim (-1 unknown, 1 broadcastable). */
typedef struct tg_type {
  tg_dtype dtype;
  int ndim;
  int64_t *shape; /* ndim entries in the owning graph's arena */
} tg_type;

/* An op: its class and small value params; equal (class, params) means the same function. */
struct tg_op {
  const tg_op_class *cls;
  int code;         /* class-specific: the scalar op of an Elemwise, ... */
  tg_dtype dtype;   /* class-specific: the compute dtype of an Elemwise, target of a cast */
  int n_params;
  int64_t params[]; /* class-specific */
};

enum { TGV_INPUT = 0, TGV_CONSTANT = 1, TGV_RESULT = 2, TGV_SHARED = 3 };

/* The storage behind a shared variable: one per tg_shared call, referenced by the graph's
   variable and by every compiled function using it, so a value set through any of them
   is seen by all. The mutex guards `value` (a reference). */
typedef struct tgi_shared tgi_shared;
struct tgi_shared {
  atomic_long refcnt;
  pthread_mutex_t mu;
  tg_array *value;
};
tgi_shared *tgi_shared_ref(tgi_shared *s);
void tgi_shared_unref(tgi_shared *s);
/* Weak constants stand for C/Python scalars and follow numpy's scalar promotion. */
enum { TGW_NONE = 0, TGW_INT = 1, TGW_FLOAT = 2 };

struct tg_var {
  tg_graph *g;
  tg_type type;
  const char *name;    /* arena copy or NULL */
  tg_node *owner;      /* the Apply node computing it (TGV_RESULT) */
  int index;           /* which output of owner */
  uint8_t kind;
  uint8_t weak;
  tg_array *value;     /* TGV_CONSTANT: a reference owned by the graph */
  tgi_shared *shared;  /* TGV_SHARED: a reference owned by the graph */
  tg_var *next_const;  /* the graph's list of constants and shared variables, to drop
                          their values */
  int64_t id;          /* creation order within the graph */
  void *aux;           /* scratch pointer for traversals (clone map, ...) */
  tg_var *default_update; /* TGV_SHARED: the expression a compiled function uses as this
                             variable's update when it is not updated explicitly (random
                             streams' states), or NULL */
};

struct tg_node {
  const tg_op *op;
  int n_in, n_out;
  tg_var **in;
  tg_var **out;
  int64_t id;
};

typedef struct tgi_chunk tgi_chunk;

/* Something outside the arena a graph keeps alive (an op's inner graph or compiled inner
   function): released by `release(p)` when the graph is freed. */
typedef struct tgi_owned {
  struct tgi_owned *next;
  void *p;
  void (*release)(void *p);
} tgi_owned;

struct tg_graph {
  tgi_chunk *chunks;   /* arena */
  tgi_err err;         /* sticky first error */
  int64_t n_nodes, n_vars;
  tg_var *consts;
  tgi_owned *owned;
};

/* Make g call release(p) when it is freed (after its arena's other owners, in reverse
   order of registration). On failure (NOMEM recorded on g) release(p) is called at once
   and false returned, so the caller never leaks p. */
bool tgi_graph_own(tg_graph *g, void *p, void (*release)(void *p));
/* Arena allocation (zeroed, 16-byte aligned); NULL and a NOMEM error on g when it fails. */
void *tgi_arena_alloc(tg_graph *g, size_t n);
/* Record the first error on g and return NULL, for builders' `return tgi_gfail(...)`. */
void *tgi_gfail(tg_graph *g, tg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* New variable with a copy of type t; NULL on failure. */
tg_var *tgi_var_new(tg_graph *g, int kind, const tg_type *t, const char *name);
/* New constant variable holding a new reference to value. */
tg_var *tgi_const_new(tg_graph *g, tg_array *value, int weak);
/* Copy an op (with its params) into g's arena. */
tg_op *tgi_op_new(tg_graph *g, const tg_op_class *cls, int code, tg_dtype dtype, int n_params,
                  const int64_t *params);
/* Build an Apply node: check inputs belong to one graph, ask the class for output types,
   create outputs. Returns the node (its out[] holds the results) or NULL. */
tg_node *tgi_apply(const tg_op *op, int n_in, tg_var *const *in);
/* The graph of the first non-NULL input, or NULL. Builders use it to report errors. */
tg_graph *tgi_graph_of(int n, tg_var *const *in);
/* Check every input is non-NULL and from one graph; sets the error and returns false. */
bool tgi_check_inputs(const char *opname, int n, tg_var *const *in);
/* The nodes computing the roots, in topological order, written to order[] (room for
   g->n_nodes); the walk does not go below variables with stop[id] set (stop may be NULL).
   Returns the count, or -1 when out of memory. Iterative. */
int64_t tgi_topo(tg_graph *g, int n_roots, tg_var *const *roots, const uint8_t *stop,
                 tg_node **order);
/* res[i] = outs[i] with every old[j] replaced by repl[j] (new nodes in g where something
   below changed, shared nodes elsewhere). false after recording an error on g. */
bool tgi_clone_replace(tg_graph *g, int n_out, tg_var *const *outs, int n_repl,
                       tg_var *const *old, tg_var *const *repl, tg_var **res);
/* Type as text "TensorType(float64, (?, 1))" into buf. */
char *tgi_type_str(const tg_type *t, char *buf, size_t n);

#endif
