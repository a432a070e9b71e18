/* dot.c: Graphviz DOT export of a graph or of a compiled function's graph. Every variable
   is a node: inputs are green ellipses, constants grey dashed ellipses, the requested
   outputs blue ellipses, intermediate results plain ellipses; each Apply node is a box.
   Edges run input variable -> Apply -> output variable, labelled with the input (output)
   position when the node has several. Labels are escaped, so any name is safe. */
#include "../compile/function_impl.h"
#include "print.h"

enum { SEEN = 1, OUTPUT = 2 };

typedef struct dot {
  FILE *fp;
  bool failed;
} dot;

static void put(dot *d, const char *s) {
  if (!d->failed && fputs(s, d->fp) == EOF) d->failed = true;
}

/* s inside a DOT double-quoted string: quotes and backslashes escaped, line breaks as
   the label escape \n, other control characters as spaces. */
static void put_escaped(dot *d, const char *s) {
  char buf[2 * TGI_LABEL_MAX + 8];
  size_t k = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (k + 3 > sizeof buf) {
      buf[k] = 0;
      put(d, buf);
      k = 0;
    }
    if (c == '"' || c == '\\') buf[k++] = '\\', buf[k++] = (char)c;
    else if (c == '\n') buf[k++] = '\\', buf[k++] = 'n';
    else buf[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
  }
  buf[k] = 0;
  put(d, buf);
}

static void put_int(dot *d, const char *fmt, int64_t x) {
  if (!d->failed && fprintf(d->fp, fmt, (long long)x) < 0) d->failed = true;
}

static void declare_var(dot *d, const tg_var *v, uint8_t flags) {
  char text[TGI_LABEL_MAX], type[TGI_LABEL_MAX];
  put_int(d, "  v%lld [label=\"", v->id);
  if (!v->owner) {
    tgi_leaf_str(v, text, sizeof text);
    put_escaped(d, text);
    put(d, "\\n");
  } else if (v->name) {
    put_escaped(d, v->name);
    put(d, "\\n");
  }
  put_escaped(d, tgi_type_str(&v->type, type, sizeof type));
  put(d, "\", shape=ellipse");
  if (flags & OUTPUT) put(d, ", style=filled, fillcolor=lightblue");
  else if (v->kind == TGV_CONSTANT) put(d, ", style=\"filled,dashed\", fillcolor=lightgrey");
  else if (v->kind == TGV_INPUT) put(d, ", style=filled, fillcolor=palegreen");
  put(d, "];\n");
}

static void declare_node(dot *d, const tg_node *nd) {
  char text[TGI_LABEL_MAX];
  tgi_op_describe(nd->op, text, sizeof text);
  put_int(d, "  n%lld [label=\"", nd->id);
  put_escaped(d, text);
  put(d, "\", shape=box];\n");
  for (int i = 0; i < nd->n_in; i++) {
    put_int(d, "  v%lld -> ", nd->in[i]->id);
    put_int(d, "n%lld", nd->id);
    if (nd->n_in > 1) put_int(d, " [label=\"%lld\"]", i);
    put(d, ";\n");
  }
  for (int i = 0; i < nd->n_out; i++) {
    put_int(d, "  n%lld -> ", nd->id);
    put_int(d, "v%lld", nd->out[i]->id);
    if (nd->n_out > 1) put_int(d, " [label=\"%lld\"]", i);
    put(d, ";\n");
  }
}

static tg_status graph_dot(const char *fn, int n, tg_var *const *outputs, FILE *fp) {
  tg_status st = tgi_print_check(fn, n, outputs, fp);
  if (st != TG_OK) return st;
  const tg_graph *g = outputs[0]->g;
  size_t nn = (size_t)(g->n_nodes ? g->n_nodes : 1), nv = (size_t)(g->n_vars ? g->n_vars : 1);
  /* every variable is pushed at most once (marked when pushed), so the stack has room for
     all of them and all memory is taken before anything is written */
  uint8_t *vflag = tgi_calloc(nv, 1), *nseen = tgi_calloc(nn, 1);
  const tg_var **stack = tgi_malloc(nv * sizeof *stack);
  if (!vflag || !nseen || !stack) {
    st = tgi_fail(TG_ERR_NOMEM, "%s: out of memory", fn);
  } else {
    dot d = {.fp = fp};
    size_t sp = 0;
    put(&d, "digraph tgraph {\n");
    for (int i = 0; i < n; i++) vflag[outputs[i]->id] |= OUTPUT;
    for (int i = n - 1; i >= 0; i--)
      if (!(vflag[outputs[i]->id] & SEEN)) {
        vflag[outputs[i]->id] |= SEEN;
        stack[sp++] = outputs[i];
      }
    while (sp > 0 && !d.failed) {
      const tg_var *v = stack[--sp];
      declare_var(&d, v, vflag[v->id]);
      const tg_node *nd = v->owner;
      if (!nd || nseen[nd->id]) continue;
      nseen[nd->id] = 1;
      declare_node(&d, nd);
      /* the node's other outputs are variables too; then its inputs, first one on top */
      for (int i = nd->n_out - 1; i >= 0; i--)
        if (!(vflag[nd->out[i]->id] & SEEN)) {
          vflag[nd->out[i]->id] |= SEEN;
          stack[sp++] = nd->out[i];
        }
      for (int i = nd->n_in - 1; i >= 0; i--)
        if (!(vflag[nd->in[i]->id] & SEEN)) {
          vflag[nd->in[i]->id] |= SEEN;
          stack[sp++] = nd->in[i];
        }
    }
    put(&d, "}\n");
    st = tgi_print_finish(fn, fp, d.failed);
  }
  tgi_free(vflag);
  tgi_free(nseen);
  tgi_free(stack);
  return st;
}

tg_status tg_graph_dot(int n, tg_var *const *outputs, FILE *fp) {
  return graph_dot("tg_graph_dot", n, outputs, fp);
}

tg_status tg_function_dot(const tg_function *f, FILE *fp) {
  if (!f) return tgi_fail(TG_ERR_ARG, "tg_function_dot: function is NULL");
  return graph_dot("tg_function_dot", f->n_out, f->out_vars, fp);
}
