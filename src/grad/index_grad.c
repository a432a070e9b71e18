/* index_grad.c: gradients of the indexing family (Theano's rules), built from the same
   index expression as the forward node:
     x[idx]              -> inc_subtensor(zeros_like(x), gz, idx): repeated advanced
                            indices accumulate (np.add.at), a mask scatters to its
                            selected positions;
     inc_subtensor(x,y)  -> x gets gz, y gets gz[idx] summed back to y's type;
     set_subtensor(x,y)  -> x gets gz with the region zeroed, y gets gz[idx] summed back.
   With repeated advanced indices set_subtensor keeps the last write, yet y gets the
   gradient of every occurrence, as in Theano. Index tensors and symbolic bounds are
   integers: no gradient. take is an AdvancedSubtensor and needs nothing more. */
#include "../ops/index_impl.h"

/* Room for a rebuilt expression: every entry, an ellipsis and the trailing ':'s. */
#define MAX_IDX (TGI_IX_MAXE + 1 + TG_MAX_NDIM)

/* nd's index expression as tg_idx entries (into idx[MAX_IDX]), each dim of x consumed
   explicitly. An entry's input positions are the node's own (x, [y,] index inputs), so
   the symbolic parts are nd->in[...]. When an ellipsis once stood between advanced
   indices (numpy then puts the broadcast dims first), one of zero width goes back in. */
static int rebuild(const tg_node *nd, tg_idx *idx) {
  const tg_op *op = nd->op;
  int ne = tgi_ix_n(op), k = 0, consumed = 0, xnd = nd->in[0]->type.ndim;
  bool split = (op->params[TGI_IX_P_FLAGS] & TGI_IX_SPLIT) != 0;
  for (int i = 0; i < ne; i++) {
    tgi_ix_entry e = tgi_ix_get(op, i);
    bool adv = false;
    switch (e.kind) {
      case TGI_IX_INT:
        idx[k++] = e.flags & TGI_IX_F_A ? TG_VAR(nd->in[e.a]) : TG_INT(e.a);
        consumed++;
        adv = true;
        break;
      case TGI_IX_SLICE: {
        tg_idx s = TG_SLICE(e.a, e.b, e.c);
        if (e.flags & TGI_IX_F_A) s.start_var = nd->in[e.a];
        if (e.flags & TGI_IX_F_B) s.stop_var = nd->in[e.b];
        if (e.flags & TGI_IX_F_C) s.step_var = nd->in[e.c];
        idx[k++] = s;
        consumed++;
        break;
      }
      case TGI_IX_NEWAXIS: idx[k++] = TG_NEWAXIS; break;
      default: /* ADV, MASK */
        idx[k++] = TG_VAR(nd->in[e.a]);
        consumed += e.kind == TGI_IX_MASK ? (int)e.b : 1;
        adv = true;
        break;
    }
    if (adv && split) {
      idx[k++] = TG_ELLIPSIS; /* zero width: every dim is consumed explicitly below */
      split = false;
    }
  }
  while (consumed++ < xnd) idx[k++] = TG_ALL;
  return k;
}

/* Subtensor and AdvancedSubtensor: in = (x, index inputs...). */
bool tgi_subtensor_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  (void)g;
  tg_var *x = nd->in[0], *gz = og[0];
  if (!gz || !tg_dtype_is_float(x->type.dtype)) return true;
  tg_idx idx[MAX_IDX];
  int n = rebuild(nd, idx);
  /* zeros shaped from x, not gz, so a Lop never needs its eval point's shape */
  tg_var *r = tg_inc_subtensor(tg_zeros_like(x), gz, n, idx);
  return (ig[0] = r ? tgi_grad_unbroadcast(r, x) : NULL) != NULL;
}

/* IncSubtensor and AdvancedIncSubtensor (set or inc): in = (x, y, index inputs...). */
bool tgi_inc_subtensor_grad(tg_graph *g, const tg_node *nd, tg_var *const *og, tg_var **ig) {
  tg_var *x = nd->in[0], *y = nd->in[1], *gz = og[0];
  if (!gz) return true;
  tg_idx idx[MAX_IDX];
  int n = rebuild(nd, idx);
  if (tg_dtype_is_float(x->type.dtype)) {
    tg_var *gx = gz;
    if (nd->op->code == TGI_IX_SET) /* the region was overwritten: x does not reach it */
      gx = tg_set_subtensor(gz, tg_const_typed(g, gz->type.dtype, 0), n, idx);
    if (!(ig[0] = gx ? tgi_grad_unbroadcast(gx, x) : NULL)) return false;
  }
  if (tg_dtype_is_float(y->type.dtype)) {
    tg_var *gy = tg_subtensor(gz, n, idx);
    /* y was broadcast over its missing leading dims and its static-1 dims */
    if (!(ig[1] = gy ? tgi_grad_unbroadcast(gy, y) : NULL)) return false;
  }
  return true;
}
