/* scan_mem.c: the scan_save_mem rewrite (Theano's scan_save_mem). A Scan output whose
   every use takes its last entry (x[-1], or x[k:][-1] for the view tg_scan returns of a
   fed-back output) needs no buffer of all steps: the rewrite rebuilds the node keeping
   only the last state of such outputs, which makes the loop O(1) in memory. Lives with
   the op because it reads the op's params; registered through tgi_rewrites_scan. */
#include "../rewrite/rewrite.h"
#include "index_impl.h"
#include "scan_impl.h"

/* The rewrite (its family table, tgi_rewrites_scan, is declared in rewrite.h). */
bool tgi_scan_save_mem(tgi_fgraph *fg, tg_node *nd, tg_var **repl);

/* True when nd is x[i] with the constant index i (and nothing else). */
static bool is_index(const tg_node *nd, int64_t i) {
  if (nd->op->cls != &tgi_subtensor_class || tgi_ix_n(nd->op) != 1) return false;
  tgi_ix_entry e = tgi_ix_get(nd->op, 0);
  return e.kind == TGI_IX_INT && e.flags == 0 && e.a == i;
}

/* True when nd is x[k:]. */
static bool is_tail(const tg_node *nd, int64_t k) {
  if (nd->op->cls != &tgi_subtensor_class || tgi_ix_n(nd->op) != 1) return false;
  tgi_ix_entry e = tgi_ix_get(nd->op, 0);
  return e.kind == TGI_IX_SLICE && e.flags == 0 && e.a == k && e.b == TGI_IX_NONE &&
         (e.c == TGI_IX_NONE || e.c == 1);
}

/* Every use of v is v[-1] (depth 0), or v[k:] used only as [-1] (depth 1, k > 0). */
static bool only_last(tgi_fgraph *fg, const tg_var *v, int64_t k, int depth) {
  const tgi_clist *cl = tgi_fgraph_clients(fg, v);
  if (!cl || cl->n == 0) return false;
  for (int i = 0; i < cl->n; i++) {
    const tg_node *c = cl->c[i].node;
    if (!c || cl->c[i].index != 0) return false; /* a function output, or an index input */
    if (is_index(c, -1)) continue;
    if (depth == 0 && k > 0 && is_tail(c, k) && only_last(fg, c->out[0], 0, 1)) continue;
    return false;
  }
  return true;
}

bool tgi_scan_save_mem(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tgi_scan_info *s = tgi_scan_info_of(nd->op);
  if (!s) return false;
  int n_o = s->n_rec + s->n_nit;
  int64_t keep[TGI_MAX_OUT];
  bool any = false;
  for (int o = 0; o < n_o; o++) {
    keep[o] = nd->op->params[1 + o];
    if (keep[o] || !only_last(fg, nd->out[o], o < s->n_rec ? s->k[o] : 0, 0)) continue;
    keep[o] = 1;
    any = true;
  }
  if (!any) return false;
  tg_node *w = tgi_scan_apply(fg->g, s, keep, nd->n_in, nd->in);
  if (!w) return false;
  for (int o = 0; o < n_o; o++) {
    /* every output moves to the new node, so the old one is pruned; for a nit output,
       [-1] of the one kept entry is the last one */
    repl[o] = w->out[o];
    if (keep[o] == nd->op->params[1 + o] || o >= s->n_rec) continue;
    /* a fed-back output is also read as x[k:][-1]: put the kept state at index k of a
       buffer of k + 1 entries (the first k never read) */
    tg_var *pad = tg_zeros_like(nd->in[tgi_scan_init0(s) + o]);
    repl[o] = pad ? tg_concatenate(2, (tg_var *[]){pad, w->out[o]}, 0) : NULL;
    if (!repl[o]) return false;
  }
  return true;
}

const tgi_rewrite tgi_rewrites_scan[] = {
    {"scan_save_mem", "fast_run", TGI_PH_SPECIALIZE, "Scan", tgi_scan_save_mem, NULL,
     "scan outputs used only at [-1] keep their last state, not every step"},
};
const int tgi_rewrites_scan_n = (int)(sizeof tgi_rewrites_scan / sizeof tgi_rewrites_scan[0]);
