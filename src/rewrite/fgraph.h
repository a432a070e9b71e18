/* fgraph.h: the FunctionGraph, a compiled function's private graph seen with client lists,
   which the rewrites edit: replace every use of a variable by another (type-checked),
   import the new nodes a replacement brings, prune nodes nothing uses any more, and tell
   a listener (the rewrite driver) about each change. Never installed. */
#ifndef TG_FGRAPH_H
#define TG_FGRAPH_H

#include "../ops/op.h"

/* A use of a variable: input `index` of `node`, or function output `index` when node is
   NULL. */
typedef struct tgi_client {
  tg_node *node;
  int index;
} tgi_client;

typedef struct tgi_clist {
  int n, cap;
  tgi_client *c;
} tgi_clist;

typedef struct tgi_fgraph tgi_fgraph;

/* Told about changes: a node entered the graph (imported or revived), a node's input
   changed, a node left it. Any member may be NULL. */
typedef struct tgi_listener {
  void (*on_import)(tgi_fgraph *fg, tg_node *nd, void *ud);
  void (*on_change)(tgi_fgraph *fg, tg_node *nd, void *ud);
  void (*on_prune)(tgi_fgraph *fg, tg_node *nd, void *ud);
  void *ud;
} tgi_listener;

struct tgi_fgraph {
  tg_graph *g;           /* the private graph the nodes live in */
  int n_out;
  tg_var **outputs;      /* roots: the function's outputs then its update expressions */
  int n_in;
  tg_var *const *inputs;
  int64_t cap_vars, cap_nodes;
  tgi_clist *clients;    /* by variable id */
  uint8_t *alive;        /* by node id: in the graph now */
  uint8_t *seen;         /* by node id: ever imported (nodes[] holds each once) */
  tg_node **nodes;       /* every node ever imported, in import order */
  int64_t n_nodes, cap_list;
  /* where each use sits in its variable's client list, so removing a use is O(1): input i
     of node nd is at pos[pos_off[nd->id] + i]; function output o at out_pos[o] */
  int64_t *pos_off;      /* by node id */
  int32_t *pos, *out_pos;
  int64_t n_pos, cap_pos;
  tgi_listener listener;
  int64_t n_changes;     /* replacements so far (lets the driver skip a pass with nothing new) */
};

/* Import the nodes computing fg->outputs (stopping at inputs, constants, shared
   variables). false on NOMEM (recorded on fg->g). */
bool tgi_fgraph_init(tgi_fgraph *fg, tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                     tg_var **outputs);
void tgi_fgraph_free(tgi_fgraph *fg);

/* The uses of v (NULL-safe: no uses for a variable the graph has not seen). */
const tgi_clist *tgi_fgraph_clients(const tgi_fgraph *fg, const tg_var *v);
/* Number of uses of v. */
int tgi_fgraph_n_clients(const tgi_fgraph *fg, const tg_var *v);
/* True when nd is part of the graph now. */
bool tgi_fgraph_alive(const tgi_fgraph *fg, const tg_node *nd);

/* Replace every use of old by repl, importing the nodes repl needs and pruning what no
   longer has a use. repl must have old's dtype and rank and a compatible static shape.
   false after recording an error on fg->g (TG_ERR_TYPE naming `why` for a type mismatch,
   NOMEM). */
bool tgi_fgraph_replace(tgi_fgraph *fg, tg_var *old, tg_var *repl, const char *why);

/* The alive nodes in topological order, written to order[] (room for fg->g->n_nodes).
   Returns the count or -1 on NOMEM. Iterative. */
int64_t tgi_fgraph_toposort(tgi_fgraph *fg, tg_node **order);

#endif
