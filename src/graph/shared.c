/* shared.c: shared variables. The value lives in a refcounted store that the graph's
   variable and every compiled function using it share; get and set take its mutex. A
   shared variable may carry a default update (random streams' states). */
#include "graph_impl.h"

tgi_shared *tgi_shared_ref(tgi_shared *s) {
  if (s) atomic_fetch_add(&s->refcnt, 1);
  return s;
}

void tgi_shared_unref(tgi_shared *s) {
  if (!s || atomic_fetch_sub(&s->refcnt, 1) != 1) return;
  pthread_mutex_destroy(&s->mu);
  tg_array_unref(s->value);
  tgi_free(s);
}

static tg_array *own(tg_array *value, bool borrow) {
  return borrow ? tg_array_ref(value) : tg_array_copy(value);
}

tg_var *tg_shared(tg_graph *g, const char *name, tg_array *value, bool borrow) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_shared: graph is NULL"), NULL;
  if (!value) return tgi_gfail(g, TG_ERR_ARG, "tg_shared '%s': value is NULL", name ? name : "");
  tgi_shared *s = tgi_calloc(1, sizeof *s);
  if (!s) return tgi_gfail(g, TG_ERR_NOMEM, "out of memory making shared variable '%s'", name ? name : "");
  atomic_init(&s->refcnt, 1);
  if (pthread_mutex_init(&s->mu, NULL) != 0) {
    tgi_free(s);
    return tgi_gfail(g, TG_ERR_RUNTIME, "tg_shared: cannot create a mutex");
  }
  if (!(s->value = own(value, borrow))) {
    tgi_shared_unref(s);
    return tgi_gfail(g, TG_ERR_NOMEM, "out of memory copying the value of '%s'", name ? name : "");
  }
  int64_t shape[TG_MAX_NDIM];
  for (int d = 0; d < value->ndim; d++) shape[d] = -1;
  tg_type t = {value->dtype, value->ndim, shape};
  tg_var *v = tgi_var_new(g, TGV_SHARED, &t, name);
  if (!v) {
    tgi_shared_unref(s);
    return NULL;
  }
  v->shared = s;
  v->next_const = g->consts;
  g->consts = v;
  return v;
}

bool tg_var_is_shared(const tg_var *v) { return v && v->kind == TGV_SHARED; }

tg_array *tg_shared_get(const tg_var *v, bool borrow) {
  if (!tg_var_is_shared(v)) {
    tgi_fail(TG_ERR_ARG, "tg_shared_get: not a shared variable");
    return NULL;
  }
  pthread_mutex_lock(&v->shared->mu);
  tg_array *a = tg_array_ref(v->shared->value);
  pthread_mutex_unlock(&v->shared->mu);
  if (borrow) return a;
  tg_array *c = tg_array_copy(a); /* sets the thread error when it fails */
  tg_array_unref(a);
  return c;
}

tg_status tg_shared_set(tg_var *v, tg_array *value, bool borrow) {
  if (!tg_var_is_shared(v)) return tgi_fail(TG_ERR_ARG, "tg_shared_set: not a shared variable");
  if (!value) return tgi_fail(TG_ERR_ARG, "tg_shared_set '%s': value is NULL", v->name ? v->name : "");
  if (value->dtype != v->type.dtype || value->ndim != v->type.ndim) {
    char t[160], b[160];
    return tgi_fail(TG_ERR_TYPE, "tg_shared_set '%s': expects %s, got a %s array of shape %s",
                    v->name ? v->name : "", tgi_type_str(&v->type, t, sizeof t),
                    tg_dtype_name(value->dtype), tgi_shape_str(value->ndim, value->shape, b, sizeof b));
  }
  for (int d = 0; d < v->type.ndim; d++)
    if (v->type.shape[d] >= 0 && v->type.shape[d] != value->shape[d])
      return tgi_fail(TG_ERR_TYPE, "tg_shared_set '%s': dim %d must be %lld, got %lld",
                      v->name ? v->name : "", d, (long long)v->type.shape[d],
                      (long long)value->shape[d]);
  tg_array *nv = own(value, borrow);
  if (!nv) return tgi_fail(TG_ERR_NOMEM, "tg_shared_set '%s': out of memory", v->name ? v->name : "");
  pthread_mutex_lock(&v->shared->mu);
  tg_array *old = v->shared->value;
  v->shared->value = nv;
  pthread_mutex_unlock(&v->shared->mu);
  tg_array_unref(old);
  return TG_OK;
}

tg_status tg_shared_set_default_update(tg_var *v, tg_var *expr) {
  if (!tg_var_is_shared(v))
    return tgi_fail(TG_ERR_ARG, "tg_shared_set_default_update: not a shared variable");
  const char *name = v->name ? v->name : "";
  if (expr && expr->g != v->g)
    return tgi_fail(TG_ERR_ARG, "tg_shared_set_default_update '%s': the update belongs to "
                    "another graph", name);
  if (expr && (expr->type.dtype != v->type.dtype || expr->type.ndim != v->type.ndim)) {
    char t[160], u[160];
    return tgi_fail(TG_ERR_TYPE, "tg_shared_set_default_update '%s': the update has type %s; "
                    "it must have the shared variable's type %s (cast it)", name,
                    tgi_type_str(&expr->type, u, sizeof u), tgi_type_str(&v->type, t, sizeof t));
  }
  v->default_update = expr;
  return TG_OK;
}
