/* infer_shape.c: tg_infer_shape, the shape of a variable as a graph over the shapes of the
   graph's inputs alone. Walks the nodes below x in topological order (iteratively) and
   asks each op class for its symbolic shape rule; static dims become constants. */
#include "../ops/op.h"

tg_var *tgi_dim_const(tg_graph *g, int64_t n) {
  tg_array *a = tgi_array_alloc(TG_INT64, 0, NULL, true, false);
  if (!a) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory making a constant");
  *(int64_t *)a->data = n;
  tg_var *c = tgi_const_new(g, a, TGW_NONE);
  tg_array_unref(a);
  return c;
}

/* Dims of a variable the walk does not go below (inputs, constants). */
static tg_var **root_dims(tg_graph *g, tg_var *v) {
  tg_var **d = tgi_arena_alloc(g, sizeof(tg_var *) * (size_t)(v->type.ndim ? v->type.ndim : 1));
  if (!d) return NULL;
  for (int i = 0; i < v->type.ndim; i++) {
    if (v->kind == TGV_CONSTANT) d[i] = tgi_dim_const(g, v->value->shape[i]);
    else d[i] = tg_shape_i(v, i); /* a constant when the dim is static */
    if (!d[i]) return NULL;
  }
  return d;
}

tg_var *tg_infer_shape(tg_var *x) {
  if (!x) return NULL;
  tg_graph *g = x->g;
  if (g->err.status != TG_OK) return NULL;
  int64_t nv = g->n_vars; /* vars made below get ids >= nv and are never looked up */
  tg_var ***dims = tgi_calloc((size_t)nv, sizeof(tg_var **));
  uint8_t *state = tgi_calloc((size_t)nv, 1);
  int64_t cap = 64, sp = 0;
  tg_var **stack = tgi_malloc(sizeof(tg_var *) * (size_t)cap);
  tg_var *result = NULL;
  if (!dims || !state || !stack) {
    tgi_gfail(g, TG_ERR_NOMEM, "infer_shape: out of memory");
    goto done;
  }
  stack[sp++] = x;
  while (sp > 0) {
    tg_var *v = stack[sp - 1];
    if (dims[v->id]) {
      sp--;
      continue;
    }
    if (v->kind != TGV_RESULT) {
      if (!(dims[v->id] = root_dims(g, v))) goto done;
      sp--;
      continue;
    }
    tg_node *nd = v->owner;
    if (!state[v->id]) { /* first visit: push the inputs still to do */
      state[v->id] = 1;
      for (int i = 0; i < nd->n_in; i++) {
        if (dims[nd->in[i]->id]) continue;
        if (sp == cap) {
          tg_var **ns = tgi_realloc(stack, sizeof(tg_var *) * (size_t)(cap *= 2));
          if (!ns) {
            tgi_gfail(g, TG_ERR_NOMEM, "infer_shape: out of memory");
            goto done;
          }
          stack = ns;
        }
        stack[sp++] = nd->in[i];
      }
      continue;
    }
    sp--;
    if (!nd->op->cls->infer_shape) {
      char name[128];
      nd->op->cls->describe(nd->op, name, sizeof name);
      tgi_gfail(g, TG_ERR_NOTIMPL, "infer_shape: %s has no shape rule (its output shape depends on values)", name);
      goto done;
    }
    tg_var ***in_dims = tgi_arena_alloc(g, sizeof(tg_var **) * (size_t)(nd->n_in ? nd->n_in : 1));
    tg_var ***out_dims = tgi_arena_alloc(g, sizeof(tg_var **) * (size_t)nd->n_out);
    if (!in_dims || !out_dims) goto done;
    for (int i = 0; i < nd->n_in; i++) in_dims[i] = dims[nd->in[i]->id];
    for (int o = 0; o < nd->n_out; o++) {
      int r = nd->out[o]->type.ndim;
      out_dims[o] = tgi_arena_alloc(g, sizeof(tg_var *) * (size_t)(r ? r : 1));
      if (!out_dims[o]) goto done;
    }
    if (!nd->op->cls->infer_shape(g, nd, (tg_var **const *)in_dims, (tg_var **const *)out_dims))
      goto done;
    for (int o = 0; o < nd->n_out; o++) {
      tg_var *ov = nd->out[o];
      for (int d = 0; d < ov->type.ndim; d++) { /* a static dim is a constant, whatever the rule */
        if (ov->type.shape[d] >= 0) out_dims[o][d] = tgi_dim_const(g, ov->type.shape[d]);
        if (!out_dims[o][d]) goto done;
      }
      dims[ov->id] = out_dims[o];
    }
  }
  result = tg_make_vector(g, x->type.ndim, dims[x->id]);
done:
  tgi_free(dims);
  tgi_free(state);
  tgi_free(stack);
  return result;
}
