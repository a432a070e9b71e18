/* fgraph.c: the FunctionGraph (see fgraph.h). Side tables are indexed by the dense ids of
   variables and nodes and grow as rewrites add to the graph; every walk is iterative, so
   graphs of any depth are fine. */
#include "fgraph.h"

/* Make the side tables cover every variable and node of the graph. */
static bool grow(tgi_fgraph *fg) {
  tg_graph *g = fg->g;
  if (g->n_vars > fg->cap_vars) {
    int64_t cap = fg->cap_vars * 2 > g->n_vars + 64 ? fg->cap_vars * 2 : g->n_vars + 64;
    tgi_clist *c = tgi_realloc(fg->clients, sizeof *c * (size_t)cap);
    if (!c) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    memset(c + fg->cap_vars, 0, sizeof *c * (size_t)(cap - fg->cap_vars));
    fg->clients = c;
    fg->cap_vars = cap;
  }
  if (g->n_nodes > fg->cap_nodes) {
    int64_t cap = fg->cap_nodes * 2 > g->n_nodes + 64 ? fg->cap_nodes * 2 : g->n_nodes + 64;
    uint8_t *a = tgi_realloc(fg->alive, (size_t)cap);
    if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    fg->alive = a;
    uint8_t *s = tgi_realloc(fg->seen, (size_t)cap);
    if (!s) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    fg->seen = s;
    int64_t *po = tgi_realloc(fg->pos_off, sizeof *po * (size_t)cap);
    if (!po) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    fg->pos_off = po;
    memset(a + fg->cap_nodes, 0, (size_t)(cap - fg->cap_nodes));
    memset(s + fg->cap_nodes, 0, (size_t)(cap - fg->cap_nodes));
    fg->cap_nodes = cap;
  }
  return true;
}

static int32_t *pos_of(tgi_fgraph *fg, const tg_node *nd, int index) {
  return nd ? &fg->pos[fg->pos_off[nd->id] + index] : &fg->out_pos[index];
}

static bool add_client(tgi_fgraph *fg, const tg_var *v, tg_node *nd, int index) {
  tgi_clist *l = &fg->clients[v->id];
  *pos_of(fg, nd, index) = l->n;
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 2;
    tgi_client *c = tgi_realloc(l->c, sizeof *c * (size_t)cap);
    if (!c) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    l->c = c;
    l->cap = cap;
  }
  l->c[l->n++] = (tgi_client){nd, index};
  return true;
}

static void remove_client(tgi_fgraph *fg, const tg_var *v, const tg_node *nd, int index) {
  tgi_clist *l = &fg->clients[v->id];
  int32_t k = *pos_of(fg, nd, index);
  l->c[k] = l->c[--l->n];
  if (k < l->n) *pos_of(fg, l->c[k].node, l->c[k].index) = k;
}

/* Room in pos[] for the uses of nd's inputs. */
static bool reserve_pos(tgi_fgraph *fg, tg_node *nd) {
  if (fg->n_pos + nd->n_in > fg->cap_pos) {
    int64_t cap = fg->cap_pos * 2 > fg->n_pos + nd->n_in + 256 ? fg->cap_pos * 2
                                                                 : fg->n_pos + nd->n_in + 256;
    int32_t *p = tgi_realloc(fg->pos, sizeof *p * (size_t)cap);
    if (!p) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
    fg->pos = p;
    fg->cap_pos = cap;
  }
  fg->pos_off[nd->id] = fg->n_pos;
  fg->n_pos += nd->n_in;
  return true;
}

const tgi_clist *tgi_fgraph_clients(const tgi_fgraph *fg, const tg_var *v) {
  static const tgi_clist none = {0, 0, NULL};
  return v->id < fg->cap_vars ? &fg->clients[v->id] : &none;
}

int tgi_fgraph_n_clients(const tgi_fgraph *fg, const tg_var *v) {
  return tgi_fgraph_clients(fg, v)->n;
}

bool tgi_fgraph_alive(const tgi_fgraph *fg, const tg_node *nd) {
  return nd->id < fg->cap_nodes && fg->alive[nd->id];
}

static bool node_unused(const tgi_fgraph *fg, const tg_node *nd) {
  for (int o = 0; o < nd->n_out; o++)
    if (fg->clients[nd->out[o]->id].n) return false;
  return true;
}

/* Bring the node computing v (and, first, everything below it) into the graph. Nodes
   enter in topological order, so a listener queueing them sees producers first. */
static bool import_var(tgi_fgraph *fg, tg_var *v) {
  if (!v->owner || fg->alive[v->owner->id]) return true;
  int64_t cap = 64, n = 0;
  struct frame {
    tg_node *nd;
    int next;
  } *st = tgi_malloc(sizeof *st * (size_t)cap);
  if (!st) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
  bool ok = true;
  st[n++] = (struct frame){v->owner, 0};
  fg->alive[v->owner->id] = 2; /* 2: on the stack */
  while (ok && n) {
    struct frame *f = &st[n - 1];
    if (f->next < f->nd->n_in) {
      tg_var *in = f->nd->in[f->next++];
      if (!in->owner || fg->alive[in->owner->id]) continue;
      if (n == cap) {
        void *p = tgi_realloc(st, sizeof *st * (size_t)(cap *= 2));
        if (!p) {
          ok = tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function") != NULL;
          break;
        }
        st = p;
      }
      fg->alive[in->owner->id] = 2;
      st[n++] = (struct frame){in->owner, 0};
      continue;
    }
    tg_node *nd = f->nd;
    n--;
    ok = reserve_pos(fg, nd);
    for (int i = 0; ok && i < nd->n_in; i++) ok = add_client(fg, nd->in[i], nd, i);
    if (!ok) break;
    fg->alive[nd->id] = 1;
    if (!fg->seen[nd->id]) {
      if (fg->n_nodes == fg->cap_list) {
        int64_t c = fg->cap_list ? fg->cap_list * 2 : 256;
        tg_node **l = tgi_realloc(fg->nodes, sizeof *l * (size_t)c);
        if (!l) {
          ok = tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function") != NULL;
          break;
        }
        fg->nodes = l;
        fg->cap_list = c;
      }
      fg->nodes[fg->n_nodes++] = nd;
      fg->seen[nd->id] = 1;
    }
    if (fg->listener.on_import) fg->listener.on_import(fg, nd, fg->listener.ud);
  }
  tgi_free(st);
  return ok;
}

/* Drop nd, then whatever only nd used. */
static bool prune(tgi_fgraph *fg, tg_node *nd) {
  int64_t cap = 32, n = 0;
  tg_node **st = tgi_malloc(sizeof *st * (size_t)cap);
  if (!st) return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
  st[n++] = nd;
  fg->alive[nd->id] = 0;
  while (n) {
    tg_node *x = st[--n];
    if (fg->listener.on_prune) fg->listener.on_prune(fg, x, fg->listener.ud);
    for (int i = 0; i < x->n_in; i++) {
      tg_var *in = x->in[i];
      remove_client(fg, in, x, i);
      tg_node *p = in->owner;
      if (!p || !fg->alive[p->id] || !node_unused(fg, p)) continue;
      if (n == cap) {
        tg_node **q = tgi_realloc(st, sizeof *q * (size_t)(cap *= 2));
        if (!q) {
          tgi_free(st);
          return tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
        }
        st = q;
      }
      fg->alive[p->id] = 0;
      st[n++] = p;
    }
  }
  tgi_free(st);
  return true;
}

bool tgi_fgraph_init(tgi_fgraph *fg, tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                     tg_var **outputs) {
  memset(fg, 0, sizeof *fg);
  fg->g = g;
  fg->n_in = n_in;
  fg->inputs = inputs;
  fg->n_out = n_out;
  fg->outputs = outputs;
  if (!grow(fg)) return false;
  if (!(fg->out_pos = tgi_malloc(sizeof(int32_t) * (size_t)(n_out ? n_out : 1))))
    return tgi_gfail(g, TG_ERR_NOMEM, "out of memory rewriting a function"), false;
  for (int o = 0; o < n_out; o++)
    if (!import_var(fg, outputs[o]) || !add_client(fg, outputs[o], NULL, o)) return false;
  return true;
}

void tgi_fgraph_free(tgi_fgraph *fg) {
  for (int64_t v = 0; v < fg->cap_vars; v++) tgi_free(fg->clients[v].c);
  tgi_free(fg->clients);
  tgi_free(fg->alive);
  tgi_free(fg->seen);
  tgi_free(fg->nodes);
  tgi_free(fg->pos_off);
  tgi_free(fg->pos);
  tgi_free(fg->out_pos);
  memset(fg, 0, sizeof *fg);
}

static bool compatible(const tg_type *a, const tg_type *b) {
  if (a->dtype != b->dtype || a->ndim != b->ndim) return false;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] >= 0 && b->shape[d] >= 0 && a->shape[d] != b->shape[d]) return false;
  return true;
}

bool tgi_fgraph_replace(tgi_fgraph *fg, tg_var *old, tg_var *repl, const char *why) {
  if (old == repl) return true;
  if (!compatible(&old->type, &repl->type)) {
    char t1[160], t2[160];
    return tgi_gfail(fg->g, TG_ERR_TYPE, "rewrite %s: replacement of type %s for a variable of "
                     "type %s", why, tgi_type_str(&repl->type, t1, sizeof t1),
                     tgi_type_str(&old->type, t2, sizeof t2)), false;
  }
  if (!grow(fg) || !import_var(fg, repl)) return false;
  fg->n_changes++;
  tgi_clist *l = &fg->clients[old->id];
  while (l->n) {
    tgi_client c = l->c[--l->n];
    if (c.node) {
      c.node->in[c.index] = repl;
    } else {
      fg->outputs[c.index] = repl;
    }
    if (!add_client(fg, repl, c.node, c.index)) return false;
    if (c.node && fg->listener.on_change) fg->listener.on_change(fg, c.node, fg->listener.ud);
  }
  if (old->owner && fg->alive[old->owner->id] && node_unused(fg, old->owner))
    return prune(fg, old->owner);
  return true;
}

int64_t tgi_fgraph_toposort(tgi_fgraph *fg, tg_node **order) {
  if (!grow(fg)) return -1;
  uint8_t *mark = tgi_calloc((size_t)(fg->cap_nodes ? fg->cap_nodes : 1), 1);
  struct frame {
    tg_node *nd;
    int next;
  } *st = tgi_malloc(sizeof *st * (size_t)(fg->g->n_nodes ? fg->g->n_nodes : 1));
  int64_t k = 0;
  if (!mark || !st) {
    tgi_free(mark);
    tgi_free(st);
    tgi_gfail(fg->g, TG_ERR_NOMEM, "out of memory rewriting a function");
    return -1;
  }
  for (int o = 0; o < fg->n_out; o++) {
    tg_node *r = fg->outputs[o]->owner;
    if (!r || mark[r->id]) continue;
    int64_t n = 0;
    st[n++] = (struct frame){r, 0};
    mark[r->id] = 1;
    while (n) {
      struct frame *f = &st[n - 1];
      if (f->next < f->nd->n_in) {
        tg_node *p = f->nd->in[f->next++]->owner;
        if (p && !mark[p->id]) {
          mark[p->id] = 1;
          st[n++] = (struct frame){p, 0};
        }
        continue;
      }
      order[k++] = f->nd;
      n--;
    }
  }
  tgi_free(mark);
  tgi_free(st);
  return k;
}
