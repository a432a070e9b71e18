/* fusion.c: elementwise fusion. A global pass groups maximal connected sets of Elemwise
   nodes into Composite nodes (one loop instead of one per op); a local rewrite then folds
   a Composite (or a lone Elemwise) that only feeds a reduction into a FusedReduce node,
   so `sum((a - b) ** 2)` makes one pass over its inputs. The groups are built in one walk
   from the outputs up, so the pass is linear in the graph. */
#include <stdio.h>

#include "../ops/composite.h"
#include "../ops/elemwise.h"
#include "../ops/reduce_impl.h"
#include "rewrite.h"

static bool fusable(const tg_node *nd) {
  return nd->op->cls == &tgi_elemwise_class && nd->n_out == 1;
}

static bool same_shape(const tg_type *a, const tg_type *b) {
  if (a->ndim != b->ndim) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

/* A constant that can live inside the program: one element, rank within the loop's. */
static bool inline_const(const tg_var *v, int ndim) {
  return v->kind == TGV_CONSTANT && v->value->size == 1 && v->type.ndim <= ndim;
}

typedef struct {
  tgi_fgraph *fg;
  int32_t *group;   /* by node id: group index or -1 */
  int32_t *reg_of;  /* by var id: register in the group being built, or -1 */
  tg_node **members;
  tgi_cstep *steps;
  tg_var **ins;
  int *out_reg;
  tg_var **outs_old;
} fuse_ctx;

/* Build the Composite for the members m[0..n) (topological order) of group gi, root m[n-1]. */
static bool build_group(fuse_ctx *c, int gi, tg_node **m, int n) {
  tgi_fgraph *fg = c->fg;
  tg_node *root = m[n - 1];
  int ndim = root->out[0]->type.ndim;
  int n_in = 0, n_steps = 0, n_out = 0;
  /* registers: inputs get 0..n_in-1 but are discovered interleaved with steps, so number
     steps first in a temporary space and renumber once the input count is known */
  const int STEP_TAG = 1 << 30;
  for (int k = 0; k < n; k++) {
    tg_node *nd = m[k];
    int args[3] = {0, 0, 0};
    for (int a = 0; a < nd->n_in; a++) {
      tg_var *v = nd->in[a];
      int32_t r = c->reg_of[v->id];
      if (r < 0) {
        if (inline_const(v, ndim)) {
          tgi_cstep *cs = &c->steps[n_steps++];
          memset(cs, 0, sizeof *cs);
          cs->code = -1;
          cs->odt = cs->cdt = v->type.dtype;
          if (tg_dtype_is_float(v->type.dtype)) {
            double x = tgi_load_f64(v->value->data, v->value->dtype);
            memcpy(&cs->bits, &x, sizeof x);
          } else {
            cs->bits = tgi_load_i64(v->value->data, v->value->dtype);
          }
          r = STEP_TAG | (n_steps - 1);
        } else {
          c->ins[n_in] = v;
          r = n_in++;
        }
        c->reg_of[v->id] = r;
      }
      args[a] = r;
    }
    tgi_cstep *st = &c->steps[n_steps];
    st->code = nd->op->code;
    st->cdt = nd->op->dtype;
    st->odt = (tg_dtype)nd->op->params[0];
    st->nargs = nd->n_in;
    st->bits = 0;
    memcpy(st->arg, args, sizeof args);
    c->reg_of[nd->out[0]->id] = STEP_TAG | n_steps++;
  }
  for (int s = 0; s < n_steps; s++)
    for (int a = 0; c->steps[s].code >= 0 && a < c->steps[s].nargs; a++)
      if (c->steps[s].arg[a] & STEP_TAG) c->steps[s].arg[a] = n_in + (c->steps[s].arg[a] & ~STEP_TAG);
  /* outputs: the root, then members the function returns */
  c->outs_old[n_out] = root->out[0];
  c->out_reg[n_out++] = n_in + (c->reg_of[root->out[0]->id] & ~STEP_TAG);
  for (int k = 0; k < n - 1 && n_out < TGI_MAX_OUT; k++) {
    const tgi_clist *cl = tgi_fgraph_clients(fg, m[k]->out[0]);
    bool external = false;
    for (int j = 0; j < cl->n; j++) external |= cl->c[j].node == NULL;
    if (!external) continue;
    c->outs_old[n_out] = m[k]->out[0];
    c->out_reg[n_out++] = n_in + (c->reg_of[m[k]->out[0]->id] & ~STEP_TAG);
  }
  /* reset the registers for the next group */
  for (int k = 0; k < n; k++) {
    for (int a = 0; a < m[k]->n_in; a++) c->reg_of[m[k]->in[a]->id] = -1;
    c->reg_of[m[k]->out[0]->id] = -1;
  }
  (void)gi;
  tg_node *comp = tgi_composite_apply(fg->g, n_in, c->ins, ndim, n_steps, c->steps, n_out,
                                      c->out_reg);
  if (!comp) return false;
  for (int o = 0; o < n_out; o++)
    if (!tgi_fgraph_replace(fg, c->outs_old[o], comp->out[o], "elemwise_fusion")) return false;
  return true;
}

static int64_t elemwise_fusion(tgi_fgraph *fg) {
  tg_graph *g = fg->g;
  int64_t nn = g->n_nodes, nv = g->n_vars, count = 0;
  tg_node **order = tgi_malloc(sizeof *order * (size_t)(nn ? nn : 1));
  int64_t n = order ? tgi_fgraph_toposort(fg, order) : -1;
  fuse_ctx c = {.fg = fg};
  c.group = tgi_malloc(sizeof(int32_t) * (size_t)(nn ? nn : 1));
  c.reg_of = tgi_malloc(sizeof(int32_t) * (size_t)(nv ? nv : 1));
  int32_t *size = tgi_calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
  int32_t *start = tgi_calloc((size_t)(n > 0 ? n : 1) + 1, sizeof(int32_t));
  c.members = tgi_malloc(sizeof(tg_node *) * (size_t)(n > 0 ? n : 1));
  tg_node **root = tgi_malloc(sizeof(tg_node *) * (size_t)(n > 0 ? n : 1));
  /* a group's steps: its members plus at most one constant per member input */
  c.steps = tgi_malloc(sizeof(tgi_cstep) * (size_t)(n > 0 ? 4 * n : 1));
  c.ins = tgi_malloc(sizeof(tg_var *) * (size_t)(n > 0 ? 3 * n : 1));
  c.out_reg = tgi_malloc(sizeof(int) * TGI_MAX_OUT);
  c.outs_old = tgi_malloc(sizeof(tg_var *) * TGI_MAX_OUT);
  bool ok = n >= 0 && c.group && c.reg_of && size && start && c.members && c.steps && c.ins &&
            c.out_reg && c.outs_old && root;
  if (!ok) {
    if (n >= 0) tgi_gfail(g, TG_ERR_NOMEM, "out of memory fusing elementwise ops");
    count = -1;
    goto done;
  }
  memset(c.group, 0xff, sizeof(int32_t) * (size_t)nn);
  memset(c.reg_of, 0xff, sizeof(int32_t) * (size_t)nv);
  int32_t n_groups = 0;
  for (int64_t k = n - 1; k >= 0; k--) {
    tg_node *nd = order[k];
    if (!fusable(nd)) continue;
    const tgi_clist *cl = tgi_fgraph_clients(fg, nd->out[0]);
    int32_t join = -1;
    bool can = true, external = false;
    for (int j = 0; can && j < cl->n; j++) {
      if (!cl->c[j].node) {
        external = true;
        continue;
      }
      int32_t gj = c.group[cl->c[j].node->id];
      if (gj < 0 || (join >= 0 && gj != join)) can = false;
      join = gj;
    }
    /* a member the function returns becomes an extra output: it must have the loop's shape */
    if (can && join >= 0 && external)
      can = same_shape(&nd->out[0]->type, &root[join]->out[0]->type) && size[join] < 64;
    if (can && join >= 0) {
      c.group[nd->id] = join;
      size[join]++;
    } else {
      c.group[nd->id] = n_groups;
      root[n_groups] = nd;
      size[n_groups++] = 1;
    }
  }
  /* members of each group in topological order */
  for (int32_t gi = 0; gi < n_groups; gi++) start[gi + 1] = start[gi] + size[gi];
  memset(size, 0, sizeof(int32_t) * (size_t)n_groups);
  for (int64_t k = 0; k < n; k++) {
    int32_t gi = c.group[order[k]->id];
    if (gi >= 0) c.members[start[gi] + size[gi]++] = order[k];
  }
  for (int32_t gi = 0; ok && gi < n_groups; gi++) {
    if (size[gi] < 2) continue;
    ok = build_group(&c, gi, c.members + start[gi], size[gi]);
    count++;
  }
  if (!ok) count = -1;
done:
  tgi_free(order);
  tgi_free(c.group);
  tgi_free(c.reg_of);
  tgi_free(size);
  tgi_free(start);
  tgi_free(c.members);
  tgi_free(root);
  tgi_free(c.steps);
  tgi_free(c.ins);
  tgi_free(c.out_reg);
  tgi_free(c.outs_old);
  return count;
}

/* A Composite (or a single Elemwise) that only feeds a reduction, fused into it. */
static bool reduce_fusion(tgi_fgraph *fg, tg_node *nd, tg_var **repl) {
  const tg_op *op = nd->op;
  if (op->cls != tgi_reduce_class(op->code) || nd->n_in != 1 || op->n_params != TGR_NPARAMS)
    return false;
  switch (op->code) {
    case TGR_SUM: case TGR_PROD: case TGR_MEAN: case TGR_MAX: case TGR_MIN: case TGR_ALL:
    case TGR_ANY: break;
    default: return false;
  }
  tg_node *p = nd->in[0]->owner;
  if (!p || tgi_fgraph_n_clients(fg, nd->in[0]) != 1) return false;
  tg_node *comp = p;
  if (p->op->cls == &tgi_elemwise_class) {
    /* a one-step program */
    tgi_cstep st = {p->op->code, p->op->dtype, (tg_dtype)p->op->params[0], p->n_in, {0, 1, 2}, 0};
    int out_reg = p->n_in;
    for (int a = p->n_in; a < 3; a++) st.arg[a] = 0;
    comp = tgi_composite_apply(fg->g, p->n_in, p->in, p->out[0]->type.ndim, 1, &st, 1, &out_reg);
    if (!comp) return false;
  } else if (p->op->cls != &tgi_composite_class || p->n_out != 1) {
    return false;
  }
  tg_node *fr = tgi_fused_reduce_apply(fg->g, comp, nd);
  if (!fr) return false;
  for (int o = 0; o < nd->n_out; o++) repl[o] = fr->out[o];
  return true;
}

const tgi_rewrite tgi_rewrites_fusion[] = {
    {"elemwise_fusion", "fast_run fusion", TGI_PH_FUSION, NULL, NULL, elemwise_fusion,
     "maximal groups of elementwise ops into one Composite loop (several outputs allowed)"},
    {"reduce_fusion", "fast_run fusion", TGI_PH_FUSION, NULL, reduce_fusion, NULL,
     "an elementwise producer fused into the reduction it feeds (sum((a-b)**2): one pass)"},
};
const int tgi_rewrites_fusion_n = (int)(sizeof tgi_rewrites_fusion / sizeof tgi_rewrites_fusion[0]);
