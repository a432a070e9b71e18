/* topo.c: the one topological walk every pass uses (compile, grad, clone), iterative so
   that a million-node chain cannot overflow the stack. */
#include "graph_impl.h"

int64_t tgi_topo(tg_graph *g, int n_roots, tg_var *const *roots, const uint8_t *stop,
                 tg_node **order) {
  (void)g;
  int64_t cap = 64, sp = 0, n = 0, nv = g->n_vars;
  uint8_t *seen = tgi_calloc((size_t)(nv ? nv : 1), 1); /* 1 visiting, 2 done */
  tg_var **stack = tgi_malloc(sizeof(tg_var *) * (size_t)cap);
  if (!seen || !stack) goto nomem;
  for (int r = 0; r < n_roots; r++) {
    stack[sp++] = roots[r];
    while (sp > 0) {
      tg_var *v = stack[sp - 1];
      uint8_t *s = &seen[v->id];
      if (*s == 2 || v->kind != TGV_RESULT || (stop && stop[v->id])) {
        *s = 2;
        sp--;
        continue;
      }
      tg_node *nd = v->owner;
      if (*s == 0) {
        *s = 1;
        for (int i = 0; i < nd->n_in; i++) {
          if (seen[nd->in[i]->id] == 2) continue;
          if (sp == cap) {
            tg_var **ns = tgi_realloc(stack, sizeof(tg_var *) * (size_t)(cap *= 2));
            if (!ns) goto nomem;
            stack = ns;
          }
          stack[sp++] = nd->in[i];
        }
        continue;
      }
      sp--; /* second visit: every input is done; emit the node once */
      bool emitted = false;
      for (int i = 0; i < nd->n_out; i++) emitted |= seen[nd->out[i]->id] == 2;
      for (int i = 0; i < nd->n_out; i++) seen[nd->out[i]->id] = 2;
      if (!emitted) order[n++] = nd;
    }
  }
  tgi_free(seen);
  tgi_free(stack);
  return n;
nomem:
  tgi_free(seen);
  tgi_free(stack);
  return -1;
}

bool tgi_clone_replace(tg_graph *g, int n_out, tg_var *const *outs, int n_repl,
                       tg_var *const *old, tg_var *const *repl, tg_var **res) {
  int64_t nv = g->n_vars;
  tg_var **map = tgi_calloc((size_t)(nv ? nv : 1), sizeof(tg_var *));
  uint8_t *stop = tgi_calloc((size_t)(nv ? nv : 1), 1);
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  bool ok = map && stop && order;
  int64_t n = 0;
  if (ok) {
    for (int i = 0; i < n_repl; i++) map[old[i]->id] = repl[i], stop[old[i]->id] = 1;
    ok = (n = tgi_topo(g, n_out, outs, stop, order)) >= 0;
  }
  if (!ok) tgi_gfail(g, TG_ERR_NOMEM, "out of memory replacing variables");
  for (int64_t k = 0; ok && k < n; k++) {
    tg_node *nd = order[k];
    bool changed = false;
    for (int i = 0; i < nd->n_in; i++) changed |= map[nd->in[i]->id] != NULL;
    if (!changed) continue;
    tg_var *ins[64], **inp = nd->n_in <= 64 ? ins : tgi_malloc(sizeof(tg_var *) * (size_t)nd->n_in);
    if (!inp) {
      ok = false;
      tgi_gfail(g, TG_ERR_NOMEM, "out of memory replacing variables");
      break;
    }
    for (int i = 0; i < nd->n_in; i++) inp[i] = map[nd->in[i]->id] ? map[nd->in[i]->id] : nd->in[i];
    tg_node *cn = tgi_apply(nd->op, nd->n_in, inp);
    if (inp != ins) tgi_free(inp);
    if (!cn) {
      ok = false;
      break;
    }
    for (int o = 0; o < nd->n_out; o++) map[nd->out[o]->id] = cn->out[o];
  }
  for (int i = 0; ok && i < n_out; i++) res[i] = map[outs[i]->id] ? map[outs[i]->id] : outs[i];
  tgi_free(map);
  tgi_free(stop);
  tgi_free(order);
  return ok;
}
