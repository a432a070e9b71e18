/* lazy.c: scheduling for lazy evaluation. An IfElse's branch values are ordinary results
   of the graph; what makes ifelse lazy is where their work goes. A node is *guarded* by
   branch b of IfElse X when every path from it to the function's roots enters X through a
   branch-b value: then only X needs it, and only when b is taken. Each IfElse becomes
       BRANCH(X) [then-block] JUMP(X) [else-block] X
   where BRANCH jumps to the else-block when the condition is false and JUMP skips the
   else-block; the VM (call.c) follows the jumps. Guarded sets of different IfElses are
   nested or disjoint (paths in a DAG cannot pass two nodes in both orders), and an inner
   IfElse precedes every outer one in topological order, so visiting IfElses in that order
   and keeping the first guard a node gets yields the innermost; emitting each block where
   its IfElse stood keeps every dependency ahead of its use. Cost: two reverse sweeps per
   IfElse branch. */
#include "lazy.h"

#include <string.h>

#include "../ops/ifelse_impl.h"

/* Reverse sweep over order[]: mark in `mark` (by node id) every node that `seed` nodes
   need, seeds included. When skip is set, node skip's inputs [lo, hi) are not followed. */
static void sweep(tg_node **order, int64_t n, uint8_t *mark, const tg_node *skip, int lo,
                  int hi) {
  for (int64_t k = n - 1; k >= 0; k--) {
    const tg_node *nd = order[k];
    if (!mark[nd->id]) continue;
    for (int i = 0; i < nd->n_in; i++) {
      if (nd == skip && i >= lo && i < hi) continue;
      tg_node *o = nd->in[i]->owner;
      if (nd->in[i]->kind == TGV_RESULT && o) mark[o->id] |= 1;
    }
  }
}

typedef struct frame {
  int scope;  /* -1: the top level; 2x: then-block of IfElse x; 2x+1: its else-block */
  int64_t i;  /* next entry of the scope's list */
} frame;

int64_t tgi_lazy_schedule(tg_graph *g, tg_node **order, int64_t n, int n_roots,
                          tg_var *const *roots, tgi_sched **out) {
  int64_t nn = g->n_nodes, k_if = 0, n_ent;
  for (int64_t k = 0; k < n; k++) k_if += order[k]->op->cls == &tgi_ifelse_class;
  n_ent = n + 2 * k_if;
  tgi_sched *ent = tgi_malloc(sizeof(tgi_sched) * (size_t)(n_ent ? n_ent : 1));
  *out = ent;
  if (!ent) return -1;
  if (k_if == 0) {
    for (int64_t k = 0; k < n; k++) ent[k] = (tgi_sched){order[k], TGI_SCHED_NODE, -1};
    return n;
  }
  int *scope = tgi_malloc(sizeof(int) * (size_t)nn);        /* by node id */
  int *xidx = tgi_malloc(sizeof(int) * (size_t)nn);         /* IfElse number or -1 */
  uint8_t *need = tgi_malloc((size_t)nn), *br = tgi_malloc((size_t)nn);
  int64_t *count = tgi_calloc((size_t)(2 * k_if + 2), sizeof(int64_t));
  tg_node **lists = tgi_malloc(sizeof(tg_node *) * (size_t)n);
  int64_t *br_pos = tgi_malloc(sizeof(int64_t) * (size_t)(2 * k_if));
  frame *st = tgi_malloc(sizeof(frame) * (size_t)(k_if + 2));
  tg_node **xs = tgi_malloc(sizeof(tg_node *) * (size_t)k_if); /* the IfElses in order */
  if (!scope || !xidx || !need || !br || !count || !lists || !br_pos || !st || !xs) {
    n_ent = -1;
    goto done;
  }
  int64_t *jmp_pos = br_pos + k_if;
  for (int64_t k = 0, x = 0; k < n; k++) {
    scope[order[k]->id] = -1;
    xidx[order[k]->id] = -1;
    if (order[k]->op->cls == &tgi_ifelse_class) xidx[order[k]->id] = (int)x, xs[x++] = order[k];
  }
  for (int64_t x = 0; x < k_if; x++) {
    const tg_node *X = xs[x];
    int m = (int)X->op->params[0];
    for (int b = 0; b < 2; b++) {
      int lo = 1 + b * m, hi = lo + m;
      memset(need, 0, (size_t)nn);
      memset(br, 0, (size_t)nn);
      for (int r = 0; r < n_roots; r++)
        if (roots[r]->kind == TGV_RESULT && roots[r]->owner) need[roots[r]->owner->id] = 1;
      sweep(order, n, need, X, lo, hi);
      for (int i = lo; i < hi; i++)
        if (X->in[i]->kind == TGV_RESULT && X->in[i]->owner) br[X->in[i]->owner->id] = 1;
      sweep(order, n, br, NULL, 0, 0);
      for (int64_t k = 0; k < n; k++) {
        int64_t id = order[k]->id;
        /* only nodes of this function's order carry marks that matter: need/br were
           cleared, and sweep marks only owners reached from order's nodes */
        if (br[id] && !need[id] && scope[id] < 0) scope[id] = (int)(2 * x + b);
      }
    }
  }
  /* bucket the nodes by scope, keeping topological order inside each bucket */
  for (int64_t k = 0; k < n; k++) count[scope[order[k]->id] + 2]++;
  for (int64_t j = 1; j < 2 * k_if + 2; j++) count[j] += count[j - 1];
  /* scope s's bucket is now lists[count[s+1] .. count[s+2]); filling moves each start to
     its end, so shift them back afterwards */
  for (int64_t k = 0; k < n; k++) lists[count[scope[order[k]->id] + 1]++] = order[k];
  for (int64_t j = 2 * k_if; j > 0; j--) count[j] = count[j - 1];
  count[0] = 0;
  int64_t e = 0;
  int sp = 0;
  st[sp++] = (frame){-1, 0};
  while (sp > 0) {
    frame *fr = &st[sp - 1];
    int64_t lo = count[fr->scope + 1], hi = count[fr->scope + 2];
    if (lo + fr->i < hi) {
      tg_node *nd = lists[lo + fr->i];
      int x = xidx[nd->id];
      if (x >= 0) { /* open its then-block; this frame resumes at X afterwards */
        br_pos[x] = e;
        ent[e++] = (tgi_sched){nd, TGI_SCHED_BRANCH, -1};
        st[sp++] = (frame){2 * x, 0};
        continue;
      }
      ent[e++] = (tgi_sched){nd, TGI_SCHED_NODE, -1};
      fr->i++;
      continue;
    }
    int s = fr->scope;
    sp--;
    if (s < 0) break;
    int x = s / 2;
    if (s % 2 == 0) { /* then-block done: skip the else-block, which starts here */
      jmp_pos[x] = e;
      ent[e++] = (tgi_sched){xs[x], TGI_SCHED_JUMP, -1};
      ent[br_pos[x]].target = e;
      st[sp++] = (frame){2 * x + 1, 0};
    } else { /* else-block done: the IfElse itself */
      ent[jmp_pos[x]].target = e;
      ent[e++] = (tgi_sched){xs[x], TGI_SCHED_NODE, -1};
      st[sp - 1].i++;
    }
  }
done:
  tgi_free(scope);
  tgi_free(xidx);
  tgi_free(need);
  tgi_free(br);
  tgi_free(count);
  tgi_free(lists);
  tgi_free(br_pos);
  tgi_free(st);
  tgi_free(xs);
  return n_ent;
}
