/* driver.c: runs the selected rewrites over a FunctionGraph, phase by phase. In each
   phase the global rewrites run first, then the local ones to equilibrium: a FIFO
   worklist starts with every node in topological order and receives only the nodes a
   replacement brings in or whose inputs it changes, so the work is proportional to the
   graph plus the changes. The merge rewrite also runs between phases. */
#include <stdio.h>

#include "rewrite.h"

typedef struct {
  tgi_fgraph *fg;
  tg_node **q;        /* ring buffer */
  int64_t head, n, cap;
  uint8_t *queued;    /* by node id */
  int64_t cap_queued;
  bool nomem;
} worklist;

static void push(tgi_fgraph *fg, tg_node *nd, void *ud) {
  worklist *w = ud;
  (void)fg;
  if (w->nomem) return;
  if (nd->id >= w->cap_queued) {
    int64_t cap = nd->id * 2 + 64;
    uint8_t *p = tgi_realloc(w->queued, (size_t)cap);
    if (!p) {
      w->nomem = true;
      return;
    }
    memset(p + w->cap_queued, 0, (size_t)(cap - w->cap_queued));
    w->queued = p;
    w->cap_queued = cap;
  }
  if (w->queued[nd->id]) return;
  if (w->n == w->cap) {
    int64_t cap = w->cap ? w->cap * 2 : 256;
    tg_node **q = tgi_malloc(sizeof *q * (size_t)cap);
    if (!q) {
      w->nomem = true;
      return;
    }
    for (int64_t k = 0; k < w->n; k++) q[k] = w->q[(w->head + k) % w->cap];
    tgi_free(w->q);
    w->q = q;
    w->head = 0;
    w->cap = cap;
  }
  w->q[(w->head + w->n++) % w->cap] = nd;
  w->queued[nd->id] = 1;
}

static tg_node *pop(worklist *w) {
  tg_node *nd = w->q[w->head];
  w->head = (w->head + 1) % w->cap;
  w->n--;
  w->queued[nd->id] = 0;
  return nd;
}

/* "log(add(1, x))" into buf, for the trace. */
static void expr_str(const tg_var *v, char *buf, size_t n) {
  char *s = tg_pp(v);
  snprintf(buf, n, "%s", s ? s : "?");
  tg_free(s);
}

/* Apply rewrite i's replacements for nd. */
static bool apply(tgi_fgraph *fg, const tgi_rewrite *r, tg_node *nd, tg_var **repl,
                  bool trace) {
  char before[512], after[512];
  for (int o = 0; o < nd->n_out; o++) {
    if (!repl[o] || repl[o] == nd->out[o]) continue;
    if (trace) {
      expr_str(nd->out[o], before, sizeof before);
      expr_str(repl[o], after, sizeof after);
      fprintf(stderr, "tgraph: rewrite %s: %s -> %s\n", r->name, before, after);
    }
    if (!tgi_fgraph_replace(fg, nd->out[o], repl[o], r->name)) return false;
  }
  return true;
}

/* The rewrite's error message: a graph error recorded by a rewrite is a bug in it. */
static bool rewrite_failed(tgi_fgraph *fg, const tgi_rewrite *r) {
  if (fg->g->err.status == TG_OK) return false;
  if (fg->g->err.status != TG_ERR_NOMEM) {
    char msg[TGI_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", fg->g->err.msg);
    fg->g->err.status = TG_OK;
    tgi_gfail(fg->g, TG_ERR_RUNTIME, "rewrite %s failed (a bug in tgraph; exclude it with "
              "TGRAPH_FLAGS=optimizer_excluding=%s): %s", r->name, r->name, msg);
  }
  return true;
}

static bool run_locals(tgi_fgraph *fg, int phase, const uint8_t *on, int64_t *fired,
                       bool trace) {
  int nr = tgi_rewrite_count();
  int *idx = tgi_malloc(sizeof(int) * (size_t)(nr ? nr : 1));
  if (!idx) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
  int n = 0;
  for (int i = 0; i < nr; i++) {
    const tgi_rewrite *r = tgi_rewrite_get(i);
    if (on[i] && r->phase == phase && r->local) idx[n++] = i;
  }
  if (n == 0) {
    tgi_free(idx);
    return true;
  }
  worklist w = {.fg = fg};
  tgi_listener saved = fg->listener;
  fg->listener = (tgi_listener){push, push, NULL, &w};
  tg_node **order = tgi_malloc(sizeof *order * (size_t)(fg->g->n_nodes ? fg->g->n_nodes : 1));
  int64_t n_order = order ? tgi_fgraph_toposort(fg, order) : -1;
  bool ok = n_order >= 0;
  for (int64_t k = 0; ok && k < n_order; k++) push(fg, order[k], &w);
  tgi_free(order);
  /* A guard against rewrites undoing each other forever. */
  int64_t budget = 16 * (fg->g->n_nodes + 1024);
  tg_var *repl[TGI_MAX_OUT];
  while (ok && w.n && !w.nomem && budget-- > 0) {
    tg_node *nd = pop(&w);
    if (!tgi_fgraph_alive(fg, nd)) continue;
    for (int k = 0; k < n && tgi_fgraph_alive(fg, nd); k++) {
      const tgi_rewrite *r = tgi_rewrite_get(idx[k]);
      if (r->op && strcmp(r->op, nd->op->cls->name) != 0) continue;
      memset(repl, 0, sizeof repl);
      bool hit = r->local(fg, nd, repl);
      if (rewrite_failed(fg, r)) {
        ok = false;
        break;
      }
      if (!hit) continue;
      if (!(ok = apply(fg, r, nd, repl, trace))) break;
      fired[idx[k]]++;
      if (tgi_fgraph_alive(fg, nd)) push(fg, nd, &w); /* some outputs kept: look again */
      break;
    }
  }
  if (ok && budget < 0)
    fprintf(stderr, "tgraph: warning: rewrites did not reach equilibrium in phase %d; "
            "stopping there\n", phase);
  if (w.nomem) ok = tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function") != NULL;
  fg->listener = saved;
  tgi_free(w.q);
  tgi_free(w.queued);
  tgi_free(idx);
  return ok;
}

static bool run_global(tgi_fgraph *fg, int i, int64_t *fired) {
  const tgi_rewrite *r = tgi_rewrite_get(i);
  int64_t k = r->global(fg);
  if (rewrite_failed(fg, r) || k < 0) return false;
  fired[i] += k;
  return true;
}

bool tgi_rewrite_run(tgi_fgraph *fg, const uint8_t *on, int64_t *fired, bool trace) {
  int nr = tgi_rewrite_count(), merge = tgi_rewrite_find("merge");
  int64_t merged_at = -1; /* fg->n_changes after the last merge */
  for (int ph = 0; ph < TGI_PH_COUNT; ph++) {
    if (merge >= 0 && on[merge] && merged_at != fg->n_changes) {
      if (!run_global(fg, merge, fired)) return false;
      merged_at = fg->n_changes;
    }
    for (int i = 0; i < nr; i++) {
      const tgi_rewrite *r = tgi_rewrite_get(i);
      if (i != merge && on[i] && r->phase == ph && r->global && !run_global(fg, i, fired))
        return false;
    }
    if (!run_locals(fg, ph, on, fired, trace)) return false;
  }
  return true;
}
