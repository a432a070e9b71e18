/* graph.c: graphs (arena + sticky error), variables, constants and Apply nodes. */
#include <stdio.h>

#include "../ops/op.h"

#define CHUNK 65536

struct tgi_chunk {
  tgi_chunk *next;
  size_t used, cap;
  _Alignas(16) char mem[];
};

void *tgi_arena_alloc(tg_graph *g, size_t n) {
  n = (n + 15) & ~(size_t)15;
  tgi_chunk *c = g->chunks;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > CHUNK / 4 ? n : CHUNK;
    tgi_chunk *nc = tgi_malloc(sizeof(tgi_chunk) + cap);
    if (!nc) {
      tgi_err_set(&g->err, TG_ERR_NOMEM, "out of memory building the graph");
      return NULL;
    }
    nc->cap = cap;
    nc->used = 0;
    if (cap == n && c) { /* a big block: keep the current chunk in front for small ones */
      nc->next = c->next;
      c->next = nc;
    } else {
      nc->next = c;
      g->chunks = nc;
    }
    c = nc;
  }
  void *p = c->mem + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

void *tgi_gfail(tg_graph *g, tg_status st, const char *fmt, ...) {
  if (!g) return NULL;
  va_list ap;
  va_start(ap, fmt);
  tgi_err_vset(&g->err, st, fmt, ap);
  va_end(ap);
  return NULL;
}

tg_graph *tg_graph_new(void) {
  tg_graph *g = tgi_calloc(1, sizeof *g);
  if (!g) tgi_fail(TG_ERR_NOMEM, "out of memory creating a graph");
  return g;
}

bool tgi_graph_own(tg_graph *g, void *p, void (*release)(void *p)) {
  tgi_owned *o = tgi_arena_alloc(g, sizeof *o);
  if (!o) {
    release(p);
    return false;
  }
  o->p = p;
  o->release = release;
  o->next = g->owned;
  g->owned = o;
  return true;
}

void tg_graph_free(tg_graph *g) {
  if (!g) return;
  for (tgi_owned *o = g->owned; o; o = o->next) o->release(o->p);
  for (tg_var *v = g->consts; v; v = v->next_const) {
    tg_array_unref(v->value);
    tgi_shared_unref(v->shared);
  }
  for (tgi_chunk *c = g->chunks, *n; c; c = n) {
    n = c->next;
    tgi_free(c);
  }
  tgi_free(g);
}

const char *tg_graph_error(const tg_graph *g) {
  if (!g) return "graph is NULL";
  return g->err.status == TG_OK ? "" : g->err.msg;
}

tg_status tg_graph_status(const tg_graph *g) { return g ? g->err.status : TG_ERR_ARG; }

void tg_graph_clear_error(tg_graph *g) {
  if (g) g->err.status = TG_OK, g->err.msg[0] = 0;
}

int64_t tg_graph_n_nodes(const tg_graph *g) { return g ? g->n_nodes : 0; }

tg_var *tgi_var_new(tg_graph *g, int kind, const tg_type *t, const char *name) {
  tg_var *v = tgi_arena_alloc(g, sizeof *v);
  int64_t *shape = tgi_arena_alloc(g, sizeof(int64_t) * (size_t)(t->ndim ? t->ndim : 1));
  char *nm = NULL;
  if (name) {
    nm = tgi_arena_alloc(g, strlen(name) + 1);
    if (nm) strcpy(nm, name);
  }
  if (!v || !shape || (name && !nm)) return NULL;
  v->g = g;
  v->kind = (uint8_t)kind;
  v->type.dtype = t->dtype;
  v->type.ndim = t->ndim;
  v->type.shape = shape;
  if (t->ndim) memcpy(shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  v->name = nm;
  v->id = g->n_vars++;
  return v;
}

tg_var *tgi_const_new(tg_graph *g, tg_array *value, int weak) {
  tg_type t = {value->dtype, value->ndim, value->shape};
  tg_var *v = tgi_var_new(g, TGV_CONSTANT, &t, NULL);
  if (!v) return NULL;
  v->value = tg_array_ref(value);
  v->weak = (uint8_t)weak;
  v->next_const = g->consts;
  g->consts = v;
  return v;
}

tg_op *tgi_op_new(tg_graph *g, const tg_op_class *cls, int code, tg_dtype dtype, int n_params,
                  const int64_t *params) {
  tg_op *op = tgi_arena_alloc(g, sizeof *op + sizeof(int64_t) * (size_t)n_params);
  if (!op) return NULL;
  op->cls = cls;
  op->code = code;
  op->dtype = dtype;
  op->n_params = n_params;
  if (n_params) memcpy(op->params, params, sizeof(int64_t) * (size_t)n_params);
  return op;
}

bool tgi_op_equal(const tg_op *a, const tg_op *b) {
  return a->cls == b->cls && a->code == b->code && a->dtype == b->dtype &&
         a->n_params == b->n_params &&
         memcmp(a->params, b->params, sizeof(int64_t) * (size_t)a->n_params) == 0;
}

uint64_t tgi_op_hash(const tg_op *op) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)op->cls;
  h = (h ^ (uint64_t)op->code) * 1099511628211ull;
  h = (h ^ (uint64_t)op->dtype) * 1099511628211ull;
  for (int i = 0; i < op->n_params; i++) h = (h ^ (uint64_t)op->params[i]) * 1099511628211ull;
  return h;
}

tg_graph *tgi_graph_of(int n, tg_var *const *in) {
  for (int i = 0; i < n; i++)
    if (in && in[i]) return in[i]->g;
  return NULL;
}

bool tgi_check_inputs(const char *opname, int n, tg_var *const *in) {
  tg_graph *g = tgi_graph_of(n, in);
  for (int i = 0; i < n; i++) {
    if (!in[i]) {
      /* an earlier builder failed (its error is kept) or the caller passed NULL */
      tgi_gfail(g, TG_ERR_ARG, "%s: input %d is NULL", opname, i);
      return false;
    }
    if (in[i]->g != g) {
      tgi_gfail(g, TG_ERR_ARG, "%s: input %d belongs to another graph", opname, i);
      return false;
    }
  }
  return g != NULL;
}

tg_node *tgi_apply(const tg_op *op, int n_in, tg_var *const *in) {
  tg_graph *g = in[0]->g;
  tg_type out_t[TGI_MAX_OUT];
  int64_t shapes[TGI_MAX_OUT][TG_MAX_NDIM];
  for (int i = 0; i < TGI_MAX_OUT; i++) out_t[i].shape = shapes[i];
  int n_out = op->cls->infer(g, op, n_in, in, out_t);
  if (n_out < 0) return NULL;
  tg_node *nd = tgi_arena_alloc(g, sizeof *nd);
  tg_var **ins = tgi_arena_alloc(g, sizeof(tg_var *) * (size_t)(n_in ? n_in : 1));
  tg_var **outs = tgi_arena_alloc(g, sizeof(tg_var *) * (size_t)n_out);
  if (!nd || !ins || !outs) return NULL;
  memcpy(ins, in, sizeof(tg_var *) * (size_t)n_in);
  nd->op = op;
  nd->n_in = n_in;
  nd->n_out = n_out;
  nd->in = ins;
  nd->out = outs;
  for (int i = 0; i < n_out; i++) {
    outs[i] = tgi_var_new(g, TGV_RESULT, &out_t[i], NULL);
    if (!outs[i]) return NULL;
    outs[i]->owner = nd;
    outs[i]->index = i;
  }
  nd->id = g->n_nodes++;
  return nd;
}

char *tgi_type_str(const tg_type *t, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "TensorType(%s, (", tg_dtype_name(t->dtype));
  for (int i = 0; i < t->ndim && k < n; i++) {
    if (t->shape[i] < 0) k += (size_t)snprintf(buf + k, n - k, i ? ", ?" : "?");
    else k += (size_t)snprintf(buf + k, n - k, i ? ", %lld" : "%lld", (long long)t->shape[i]);
  }
  if (k < n) snprintf(buf + k, n - k, t->ndim == 1 ? ",))" : "))");
  return buf;
}

/* ---- public variable constructors ---- */

tg_var *tg_tensor(tg_graph *g, const char *name, tg_dtype dt, int ndim, const int64_t *shape) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_tensor: graph is NULL"), NULL;
  if (dt == TG_FLOATX) dt = tg_config_floatx();
  if ((unsigned)dt >= TG_NDTYPES)
    return tgi_gfail(g, TG_ERR_TYPE, "tensor '%s': invalid dtype %d", name ? name : "", (int)dt);
  if (ndim < 0 || ndim > TG_MAX_NDIM)
    return tgi_gfail(g, TG_ERR_VALUE, "tensor '%s': rank %d out of range (0..%d)",
                     name ? name : "", ndim, TG_MAX_NDIM);
  int64_t sh[TG_MAX_NDIM];
  for (int i = 0; i < ndim; i++) {
    sh[i] = shape ? shape[i] : -1;
    if (sh[i] < -1)
      return tgi_gfail(g, TG_ERR_VALUE, "tensor '%s': static length %lld of dim %d is invalid",
                       name ? name : "", (long long)sh[i], i);
  }
  tg_type t = {dt, ndim, sh};
  return tgi_var_new(g, TGV_INPUT, &t, name);
}

tg_var *tg_scalar(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 0, NULL);
}
tg_var *tg_vector(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 1, NULL);
}
tg_var *tg_row(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 2, (int64_t[]){1, -1});
}
tg_var *tg_col(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 2, (int64_t[]){-1, 1});
}
tg_var *tg_matrix(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 2, NULL);
}
tg_var *tg_tensor3(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 3, NULL);
}
tg_var *tg_tensor4(tg_graph *g, const char *name, tg_dtype dt) {
  return tg_tensor(g, name, dt, 4, NULL);
}

tg_var *tg_constant(tg_graph *g, tg_array *value) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_constant: graph is NULL"), NULL;
  if (!value) return tgi_gfail(g, TG_ERR_ARG, "tg_constant: value is NULL");
  return tgi_const_new(g, value, TGW_NONE);
}

static tg_var *scalar_const(tg_graph *g, tg_dtype dt, double v, int64_t iv, int weak) {
  if (!g) return tgi_fail(TG_ERR_ARG, "constant: graph is NULL"), NULL;
  if ((unsigned)dt >= TG_NDTYPES) return tgi_gfail(g, TG_ERR_TYPE, "constant: invalid dtype");
  tg_array *a = tgi_array_alloc(dt, 0, NULL, true, false);
  if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory making a constant");
  if (weak == TGW_INT) tgi_store_i64(a->data, dt, iv);
  else tgi_store_f64(a->data, dt, v);
  tg_var *c = tgi_const_new(g, a, weak);
  tg_array_unref(a);
  return c;
}

tg_var *tg_const_typed(tg_graph *g, tg_dtype dt, double v) {
  if (dt == TG_FLOATX) dt = tg_config_floatx();
  return scalar_const(g, dt, v, 0, TGW_NONE);
}
tg_var *tg_const_f64(tg_graph *g, double v) { return scalar_const(g, TG_FLOAT64, v, 0, TGW_FLOAT); }
tg_var *tg_const_i64(tg_graph *g, int64_t v) { return scalar_const(g, TG_INT64, 0, v, TGW_INT); }

/* ---- accessors ---- */

tg_graph *tg_var_graph(const tg_var *v) { return v ? v->g : NULL; }
const char *tg_var_name(const tg_var *v) { return v ? v->name : NULL; }
tg_dtype tg_var_dtype(const tg_var *v) { return v ? v->type.dtype : TG_NDTYPES; }
int tg_var_ndim(const tg_var *v) { return v ? v->type.ndim : -1; }
int64_t tg_var_dim(const tg_var *v, int i) {
  return v && i >= 0 && i < v->type.ndim ? v->type.shape[i] : -1;
}
bool tg_var_is_constant(const tg_var *v) { return v && v->kind == TGV_CONSTANT; }
const tg_array *tg_var_constant_value(const tg_var *v) {
  return v && v->kind == TGV_CONSTANT ? v->value : NULL;
}
char *tg_var_type_str(const tg_var *v, char *buf, size_t n) {
  if (!v) {
    snprintf(buf, n, "(null)");
    return buf;
  }
  return tgi_type_str(&v->type, buf, n);
}

tg_var *tg_var_set_name(tg_var *v, const char *name) {
  if (!v) return NULL;
  char *nm = NULL;
  if (name) {
    nm = tgi_arena_alloc(v->g, strlen(name) + 1);
    if (!nm) return NULL;
    strcpy(nm, name);
  }
  v->name = nm;
  return v;
}
