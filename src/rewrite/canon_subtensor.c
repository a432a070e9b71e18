/* canon_subtensor.c: lifting basic indexing through elementwise ops, so that only the
   selected elements are computed: (x + y)[idx] -> x[idx'] + y[idx'] when the sum has no
   other use (otherwise both forms would be computed). idx' is idx, except where an input
   broadcasts along a dim the output does not (its dim is statically 1): there a position
   becomes 0 and a slice becomes ':', so the input keeps broadcasting. The bounds check of
   such a position is kept by an input that does not broadcast there (the output's length
   comes from one). Inputs of lower rank get leading broadcast dims first (a dimshuffle, a
   view); 0-d inputs are left as they are. O(inputs x entries) per node. */
#include "../ops/elemwise.h"
#include "../ops/index_impl.h"
#include "canon.h"

/* Entry e of a Subtensor node as a builder entry: constants as they are, symbolic parts
   read from the node's inputs. */
static tg_idx entry_idx(const tg_node *nd, const tgi_ix_entry *e) {
  tg_idx r = {0};
  switch (e->kind) {
    case TGI_IX_INT:
      if (e->flags & TGI_IX_F_A) return (tg_idx){.kind = TG_IDX_VAR, .var = nd->in[e->a]};
      return (tg_idx){.kind = TG_IDX_INT, .start = e->a};
    case TGI_IX_SLICE:
      r.kind = TG_IDX_SLICE;
      r.start = (e->flags & TGI_IX_F_A) ? TG_NONE : e->a;
      r.stop = (e->flags & TGI_IX_F_B) ? TG_NONE : e->b;
      r.step = (e->flags & TGI_IX_F_C) ? TG_NONE : e->c;
      if (e->flags & TGI_IX_F_A) r.start_var = nd->in[e->a];
      if (e->flags & TGI_IX_F_B) r.stop_var = nd->in[e->b];
      if (e->flags & TGI_IX_F_C) r.step_var = nd->in[e->c];
      return r;
    default: return (tg_idx){.kind = TG_IDX_NEWAXIS};
  }
}

static bool local_subtensor_lift(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  tg_var *y = nd->in[0];
  if (nd->op->cls != &tgi_subtensor_class || y->kind != TGV_RESULT) return false;
  tg_node *el = y->owner;
  int code = tgi_rw_elemwise_code(el);
  if (code < 0 || el->n_out != 1 || tgi_ix_n(nd->op) == 0 || tgi_fgraph_n_clients(fg, y) != 1 || el->n_in > 8)
    return false;
  int R = y->type.ndim, ne = tgi_ix_n(nd->op);
  tgi_ix_entry ent[TGI_IX_MAXE];
  int axis_of[TGI_IX_MAXE];
  for (int i = 0, axis = 0; i < ne; i++) {
    ent[i] = tgi_ix_get(nd->op, i);
    if (ent[i].kind != TGI_IX_INT && ent[i].kind != TGI_IX_SLICE && ent[i].kind != TGI_IX_NEWAXIS)
      return false;
    axis_of[i] = ent[i].kind == TGI_IX_NEWAXIS ? -1 : axis++;
  }
  tg_var *ins[8];
  for (int j = 0; j < el->n_in; j++) {
    tg_var *x = el->in[j];
    int r = x->type.ndim;
    if (r == 0) { /* a scalar broadcasts to any result */
      ins[j] = x;
      continue;
    }
    if (r < R) { /* leading broadcast dims, as the op's broadcasting adds them */
      int pat[TG_MAX_NDIM];
      for (int d = 0; d < R; d++) pat[d] = d < R - r ? -1 : d - (R - r);
      if (!(x = tg_dimshuffle(x, R, pat))) return false;
    }
    tg_idx idx[TGI_IX_MAXE];
    for (int i = 0; i < ne; i++) {
      idx[i] = entry_idx(nd, &ent[i]);
      int a = axis_of[i];
      if (a >= 0 && x->type.shape[a] == 1 && y->type.shape[a] != 1)
        idx[i] = ent[i].kind == TGI_IX_INT ? (tg_idx){.kind = TG_IDX_INT, .start = 0}
                                           : (tg_idx)TG_ALL;
    }
    if (!(ins[j] = tg_subtensor(x, ne, idx))) return false;
  }
  tg_var *r = code == TGS_cast ? tg_cast(ins[0], (tg_dtype)el->op->params[0])
                               : tg_elemwise(tgi_scalar_ops[code].name, el->n_in, ins);
  if (!tgi_canon_ok(r, nd->out[0])) return false;
  repl[0] = r;
  return true;
}

const tgi_rewrite tgi_rewrites_canon_subtensor[] = {
    {"local_subtensor_lift", "fast_run canonicalize", TGI_PH_CANONICALIZE, "Subtensor",
     local_subtensor_lift, NULL,
     "f(x, y)[idx] -> f(x[idx], y[idx]) for an elementwise f used only there (basic indexing)"},
};
const int tgi_rewrites_canon_subtensor_n =
    (int)(sizeof tgi_rewrites_canon_subtensor / sizeof tgi_rewrites_canon_subtensor[0]);
