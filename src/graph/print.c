/* print.c: inspecting graphs as text. tg_debugprint prints Theano's indented tree (one line
   per variable, each Apply node expanded once and named by an id "[id A]"); tg_pp writes
   an expression on one line, "((A + B) * exp(C))". Both walk the graph with explicit stacks,
   never recursion, so a chain of a million nodes prints as well as a small graph. Helpers
   shared with the DOT writer (dot.c) are here too. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "../compile/function_impl.h"
#include "../ops/elemwise.h"
#include "print.h"

/* ---- shared helpers ---- */

/* The shortest text that reads back as v (as Python's repr of a float: "2.0", "0.5",
   "1e-05", "1.5e+16"); float32 values round-trip through float. */
static void float_str(double v, bool f32, char *buf, size_t n) {
  if (isnan(v)) {
    snprintf(buf, n, "nan");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, n, v < 0 ? "-inf" : "inf");
    return;
  }
  char tmp[48];
  int p = 1;
  for (; p < 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    double back = strtod(tmp, NULL);
    if (f32 ? (float)back == (float)v : back == v) break;
  }
  snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
  const char *e = strchr(tmp, 'e');
  int ex = e ? atoi(e + 1) : 0;
  if (ex < -4 || ex >= 16) { /* Python switches to the exponent form outside this range */
    snprintf(buf, n, "%s", tmp);
    return;
  }
  int dec = p - 1 - ex;
  if (dec > 0) snprintf(buf, n, "%.*f", dec, v);
  else snprintf(buf, n, "%.0f.0", v);
}

static void elem_str(const tg_array *a, const char *p, char *buf, size_t n) {
  if (a->dtype == TG_BOOL) snprintf(buf, n, "%s", *(const uint8_t *)p ? "True" : "False");
  else if (tg_dtype_is_float(a->dtype))
    float_str(tgi_load_f64(p, a->dtype), a->dtype == TG_FLOAT32, buf, n);
  else snprintf(buf, n, "%lld", (long long)tgi_load_i64(p, a->dtype));
}

/* Vectors up to this many elements show their values; bigger constants show their shape. */
enum { SMALL_VECTOR = 8 };

void tgi_const_str(const tg_var *v, char *buf, size_t n) {
  const tg_array *a = v->value;
  if (a->ndim == 0) {
    elem_str(a, a->data, buf, n);
    return;
  }
  if (a->ndim == 1 && a->size <= SMALL_VECTOR) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int64_t i = 0; i < a->size && k < n; i++) {
      char e[64];
      elem_str(a, a->data + i * a->strides[0], e, sizeof e);
      k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", e);
    }
    if (k < n) snprintf(buf + k, n - k, "]");
    return;
  }
  char sh[TGI_LABEL_MAX];
  snprintf(buf, n, "shape %s", tgi_shape_str(a->ndim, a->shape, sh, sizeof sh));
}

void tgi_leaf_str(const tg_var *v, char *buf, size_t n) {
  if (v->name) {
    snprintf(buf, n, "%s", v->name);
    return;
  }
  if (v->kind == TGV_CONSTANT) {
    char c[TGI_LABEL_MAX];
    tgi_const_str(v, c, sizeof c);
    /* a long value is cut to the label size, which is fine for display */
    if (snprintf(buf, n, "TensorConstant{%s}", c) >= (int)n) buf[n - 1] = 0;
    return;
  }
  /* an unnamed input: its dtype and the Theano name of its kind of type */
  static const char *const kinds[] = {"scalar", "vector", "matrix", "tensor3", "tensor4"};
  const tg_type *t = &v->type;
  const char *kind = t->ndim < 5 ? kinds[t->ndim] : "tensor";
  if (t->ndim == 2 && t->shape[0] == 1 && t->shape[1] != 1) kind = "row";
  if (t->ndim == 2 && t->shape[0] != 1 && t->shape[1] == 1) kind = "col";
  if (t->ndim < 5) snprintf(buf, n, "<%s %s>", tg_dtype_name(t->dtype), kind);
  else snprintf(buf, n, "<%s tensor%d>", tg_dtype_name(t->dtype), t->ndim);
}

void tgi_op_describe(const tg_op *op, char *buf, size_t n) {
  if (op->cls->describe) op->cls->describe(op, buf, n);
  else snprintf(buf, n, "%s", op->cls->name);
}

void tgi_op_str(const tg_var *v, char *buf, size_t n) {
  const tg_node *nd = v->owner;
  tgi_op_describe(nd->op, buf, n);
  if (nd->n_out > 1) {
    size_t k = strlen(buf);
    if (k < n) snprintf(buf + k, n - k, ".%d", v->index);
  }
}

tg_status tgi_print_check(const char *fn, int n, tg_var *const *outputs, FILE *fp) {
  if (n < 1 || !outputs)
    return tgi_fail(TG_ERR_ARG, "%s: no outputs given (n = %d, outputs %s)", fn, n,
                    outputs ? "given" : "NULL");
  for (int i = 0; i < n; i++) {
    if (!outputs[i]) return tgi_fail(TG_ERR_ARG, "%s: output %d is NULL", fn, i);
    if (outputs[i]->g != outputs[0]->g)
      return tgi_fail(TG_ERR_ARG, "%s: output %d belongs to another graph than output 0", fn,
                      i);
  }
  if (!fp) return tgi_fail(TG_ERR_ARG, "%s: stream is NULL", fn);
  return TG_OK;
}

tg_status tgi_print_finish(const char *fn, FILE *fp, bool failed) {
  int e = failed ? errno : 0;
  if (!failed && fflush(fp) != 0) failed = true, e = errno;
  if (!failed && ferror(fp)) failed = true;
  if (failed)
    return tgi_fail(TG_ERR_IO, "%s: writing to the stream failed%s%s", fn, e ? ": " : "",
                    e ? strerror(e) : "");
  return TG_OK;
}

/* ---- debugprint ---- */

/* Lines are indented by at most this many levels. An Apply node met deeper is shown with
   "(continued below)" and expanded later as a tree of its own, so lines stay short and the
   output stays linear in the size of the graph, however deep the graph is. */
enum { DP_MAX_DEPTH = 100 };

enum { DP_FULL, DP_REF, DP_STUB };
enum { NODE_UNSEEN = 0, NODE_EXPANDED, NODE_DEFERRED };

typedef struct dp {
  FILE *fp;
  bool failed;          /* a write failed */
  int64_t next_id;      /* ids handed out so far */
  int64_t *node_id;     /* per node: its id + 1, 0 before it has one */
  int64_t *var_id;      /* per variable without an owner: its id + 1 */
  uint8_t *state;       /* per node: NODE_* */
  const tg_var **queue; /* nodes deferred past DP_MAX_DEPTH (each at most once) */
  int64_t q_head, q_len;
} dp;

/* Theano's ids: A..Z, then AA, AB, ... (bijective base 26). */
static void id_str(int64_t k, char *buf) {
  char tmp[16];
  int m = 0;
  for (uint64_t x = (uint64_t)k + 1; x > 0; x = (x - 1) / 26) tmp[m++] = (char)('A' + (x - 1) % 26);
  for (int i = 0; i < m; i++) buf[i] = tmp[m - 1 - i];
  buf[m] = 0;
}

static int64_t dp_id(dp *d, const tg_var *v) {
  int64_t *slot = v->owner ? &d->node_id[v->owner->id] : &d->var_id[v->id];
  if (!*slot) *slot = ++d->next_id;
  return *slot - 1;
}

/* One line: prefix, the variable's text, its id and, in full form, its type. */
static void dp_line(dp *d, const char *prefix, int plen, const tg_var *v, int form) {
  char text[TGI_LABEL_MAX], id[16], type[TGI_LABEL_MAX];
  if (v->owner) tgi_op_str(v, text, sizeof text);
  else tgi_leaf_str(v, text, sizeof text);
  id_str(dp_id(d, v), id);
  int r;
  if (form == DP_FULL) {
    tgi_type_str(&v->type, type, sizeof type);
    bool named_result = v->owner && v->name;
    r = fprintf(d->fp, "%.*s%s [id %s] <%s>%s%s%s\n", plen, prefix, text, id, type,
                named_result ? " '" : "", named_result ? v->name : "", named_result ? "'" : "");
  } else {
    r = fprintf(d->fp, "%.*s%s [id %s]%s\n", plen, prefix, text, id,
                form == DP_STUB ? " (continued below)" : "");
  }
  if (r < 0) d->failed = true;
}

/* Print the tree under root. The prefix buffer holds the indentation the children of the
   top frame continue with (" |" per level, "  " below a last child, as Theano does). */
static void dp_tree(dp *d, const tg_var *root) {
  struct {
    const tg_var *v;
    int next;
  } st[DP_MAX_DEPTH];
  char prefix[2 * DP_MAX_DEPTH + 2];
  if (!root->owner || d->state[root->owner->id] == NODE_EXPANDED) {
    dp_line(d, "", 0, root, root->owner ? DP_REF : DP_FULL);
    return;
  }
  d->state[root->owner->id] = NODE_EXPANDED;
  dp_line(d, "", 0, root, DP_FULL);
  int sp = 0, plen = 0;
  st[sp].v = root, st[sp++].next = 0;
  while (sp > 0 && !d->failed) {
    const tg_node *nd = st[sp - 1].v->owner;
    if (st[sp - 1].next == nd->n_in) {
      sp--;
      plen -= 2;
      continue;
    }
    int i = st[sp - 1].next++;
    const tg_var *c = nd->in[i];
    prefix[plen] = ' ', prefix[plen + 1] = '|';
    if (!c->owner) {
      dp_line(d, prefix, plen + 2, c, DP_FULL);
      continue;
    }
    uint8_t *s = &d->state[c->owner->id];
    if (*s != NODE_UNSEEN) {
      dp_line(d, prefix, plen + 2, c, DP_REF);
    } else if (sp == DP_MAX_DEPTH) { /* the child would sit at depth DP_MAX_DEPTH */
      *s = NODE_DEFERRED;
      d->queue[d->q_len++] = c;
      dp_line(d, prefix, plen + 2, c, DP_STUB);
    } else {
      *s = NODE_EXPANDED;
      dp_line(d, prefix, plen + 2, c, DP_FULL);
      prefix[plen + 1] = i == nd->n_in - 1 ? ' ' : '|';
      plen += 2;
      st[sp].v = c, st[sp++].next = 0;
    }
  }
}

static tg_status debugprint(const char *fn, int n, tg_var *const *outputs, FILE *fp) {
  tg_status st = tgi_print_check(fn, n, outputs, fp);
  if (st != TG_OK) return st;
  const tg_graph *g = outputs[0]->g;
  size_t nn = (size_t)(g->n_nodes ? g->n_nodes : 1), nv = (size_t)(g->n_vars ? g->n_vars : 1);
  dp d = {.fp = fp};
  /* everything is allocated before the first line, so running out of memory prints nothing */
  d.node_id = tgi_calloc(nn, sizeof(int64_t));
  d.var_id = tgi_calloc(nv, sizeof(int64_t));
  d.state = tgi_calloc(nn, 1);
  d.queue = tgi_malloc(nn * sizeof(tg_var *));
  if (!d.node_id || !d.var_id || !d.state || !d.queue) {
    st = tgi_fail(TG_ERR_NOMEM, "%s: out of memory", fn);
  } else {
    for (int i = 0; i < n && !d.failed; i++) {
      dp_tree(&d, outputs[i]);
      while (d.q_head < d.q_len && !d.failed) dp_tree(&d, d.queue[d.q_head++]);
    }
    st = tgi_print_finish(fn, fp, d.failed);
  }
  tgi_free(d.node_id);
  tgi_free(d.var_id);
  tgi_free(d.state);
  tgi_free(d.queue);
  return st;
}

tg_status tg_debugprint(int n, tg_var *const *outputs, FILE *fp) {
  return debugprint("tg_debugprint", n, outputs, fp);
}

tg_status tg_function_debugprint(const tg_function *f, FILE *fp) {
  if (!f) return tgi_fail(TG_ERR_ARG, "tg_function_debugprint: function is NULL");
  return debugprint("tg_function_debugprint", f->n_out, f->out_vars, fp);
}

/* ---- pp: one line, each binary infix op in parentheses as Theano's pp does ---- */

/* Refuse to write out more than this: shared subexpressions are repeated in full, so a
   small graph (x = x * x, forty times) can stand for an expression of 2^40 leaves. */
#define PP_MAX_LEN ((size_t)32 << 20)

typedef struct pp {
  char *s;
  size_t len, cap;
  tg_status st;
} pp;

static void pp_put(pp *b, const char *s) {
  size_t n = strlen(s);
  if (b->st != TG_OK) return;
  if (b->len + n + 1 > PP_MAX_LEN) {
    b->st = tgi_fail(TG_ERR_VALUE,
                     "tg_pp: the expression is longer than %zu MiB written out (tg_pp repeats "
                     "shared subexpressions); use tg_debugprint",
                     PP_MAX_LEN >> 20);
    return;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap * 2;
    while (cap < b->len + n + 1) cap *= 2;
    char *ns = tgi_realloc(b->s, cap);
    if (!ns) {
      b->st = tgi_fail(TG_ERR_NOMEM, "tg_pp: out of memory");
      return;
    }
    b->s = ns, b->cap = cap;
  }
  memcpy(b->s + b->len, s, n + 1);
  b->len += n;
}

enum { PP_INFIX, PP_NEG, PP_CALL };

static int pp_kind(const tg_node *nd, const char **sym) {
  int prec;
  *sym = nd->op->cls->infix ? nd->op->cls->infix(nd->op, &prec) : NULL;
  if (*sym && nd->n_in == 2 && nd->n_out == 1) return PP_INFIX;
  if (nd->op->cls == &tgi_elemwise_class && nd->op->code == TGS_neg) return PP_NEG;
  return PP_CALL;
}

/* A leaf as tg_pp writes it: names, placeholders, constants by value. */
static void pp_leaf(const tg_var *v, char *buf, size_t n) {
  const tg_array *a = v->kind == TGV_CONSTANT && !v->name ? v->value : NULL;
  if (a && (a->ndim == 0 || (a->ndim == 1 && a->size <= SMALL_VECTOR)))
    tgi_const_str(v, buf, n);
  else tgi_leaf_str(v, buf, n);
}

/* Whether the text of v starts with '-' (a negation inside a negation needs parentheses). */
static bool pp_starts_minus(const tg_var *v) {
  const char *sym;
  if (v->owner) return pp_kind(v->owner, &sym) == PP_NEG;
  char t[TGI_LABEL_MAX];
  pp_leaf(v, t, sizeof t);
  return t[0] == '-';
}

/* Write the opening text of v's node: "(", "-", "-(" or "name(". */
static void pp_open(pp *b, const tg_var *v) {
  const tg_node *nd = v->owner;
  const char *sym;
  int kind = pp_kind(nd, &sym);
  if (kind == PP_INFIX) {
    pp_put(b, "(");
  } else if (kind == PP_NEG) {
    pp_put(b, pp_starts_minus(nd->in[0]) ? "-(" : "-");
  } else {
    char name[TGI_LABEL_MAX];
    tgi_op_str(v, name, sizeof name);
    /* elementwise ops read as functions of their scalar op: exp(A), cast{float32}(A) */
    const char *show = name;
    size_t pre = strlen(tgi_elemwise_class.name);
    if (nd->op->cls == &tgi_elemwise_class && strncmp(name, tgi_elemwise_class.name, pre) == 0 &&
        name[pre] == '{') {
      char *close = strrchr(name, '}');
      if (close) memmove(close, close + 1, strlen(close + 1) + 1);
      show = name + pre + 1;
    }
    pp_put(b, show);
    pp_put(b, "(");
  }
}

char *tg_pp(const tg_var *v) {
  if (!v) return tgi_fail(TG_ERR_ARG, "tg_pp: variable is NULL"), NULL;
  pp b = {.cap = 256};
  size_t cap = 64, sp = 0;
  struct frame {
    const tg_var *v;
    int next;
  } *st = tgi_malloc(cap * sizeof *st);
  b.s = tgi_malloc(b.cap);
  if (!st || !b.s) {
    b.st = tgi_fail(TG_ERR_NOMEM, "tg_pp: out of memory");
  } else {
    b.s[0] = 0;
    char leaf[TGI_LABEL_MAX];
    if (!v->owner) {
      pp_leaf(v, leaf, sizeof leaf);
      pp_put(&b, leaf);
    } else {
      pp_open(&b, v);
      st[sp].v = v, st[sp++].next = 0;
    }
    while (sp > 0 && b.st == TG_OK) {
      struct frame *fr = &st[sp - 1];
      const tg_node *nd = fr->v->owner;
      const char *sym;
      int kind = pp_kind(nd, &sym);
      if (fr->next == nd->n_in) { /* all arguments written: close */
        if (kind != PP_NEG || pp_starts_minus(nd->in[0])) pp_put(&b, ")");
        sp--;
        continue;
      }
      if (fr->next > 0) {
        if (kind == PP_INFIX) {
          pp_put(&b, " ");
          pp_put(&b, sym);
          pp_put(&b, " ");
        } else {
          pp_put(&b, ", ");
        }
      }
      const tg_var *c = nd->in[fr->next++];
      if (!c->owner) {
        pp_leaf(c, leaf, sizeof leaf);
        pp_put(&b, leaf);
        continue;
      }
      if (sp == cap) {
        struct frame *ns = tgi_realloc(st, (cap *= 2) * sizeof *st);
        if (!ns) {
          b.st = tgi_fail(TG_ERR_NOMEM, "tg_pp: out of memory");
          break;
        }
        st = ns;
      }
      pp_open(&b, c);
      st[sp].v = c, st[sp++].next = 0;
    }
  }
  tgi_free(st);
  if (b.st != TG_OK) {
    tgi_free(b.s);
    return NULL;
  }
  return b.s;
}
