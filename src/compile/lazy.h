/* lazy.h: the schedule that makes ifelse lazy (lazy.c). Never installed. */
#ifndef TG_LAZY_H
#define TG_LAZY_H

#include "../graph/graph_impl.h"

enum { TGI_SCHED_NODE, TGI_SCHED_BRANCH, TGI_SCHED_JUMP };

/* One entry: run node nd; or (BRANCH) go to entry `target` when IfElse nd's condition is
   false; or (JUMP) go to entry `target`. */
typedef struct tgi_sched {
  tg_node *nd;
  int kind;
  int64_t target;
} tgi_sched;

/* The nodes order[0..n) (topological, computing roots[]) as entries with every IfElse's
   branch-only work in skippable blocks; *out is tgi_malloc'd (caller frees, also on
   failure). Returns the number of entries (n + 2 per IfElse), -1 when out of memory. */
int64_t tgi_lazy_schedule(tg_graph *g, tg_node **order, int64_t n, int n_roots,
                          tg_var *const *roots, tgi_sched **out);

#endif
