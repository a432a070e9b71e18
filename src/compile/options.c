/* options.c: tg_options, the keyword arguments of tg_function_new (Theano's function()
   arguments): a name, updates, givens, input defaults and the call-time policies. */
#include <stdio.h>

#include "function_impl.h"

tg_options *tg_options_new(void) {
  tg_options *o = tgi_calloc(1, sizeof *o);
  if (!o) return tgi_fail(TG_ERR_NOMEM, "out of memory creating options"), NULL;
  o->verbose = -1;
  return o;
}

void tg_options_free(tg_options *o) {
  if (!o) return;
  tgi_free(o->updates.a);
  tgi_free(o->updates.b);
  tgi_free(o->givens.a);
  tgi_free(o->givens.b);
  for (int i = 0; i < o->n_defaults; i++) tg_array_unref(o->default_value[i]);
  tgi_free(o->default_index);
  tgi_free(o->default_value);
  tgi_free(o);
}

static bool parse_bool(const char *v, bool *out) {
  if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "True")) return *out = true, true;
  if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "False")) return *out = false, true;
  return false;
}

tg_status tg_options_set(tg_options *o, const char *key, const char *value) {
  if (!o || !key || !value) return tgi_fail(TG_ERR_ARG, "tg_options_set: NULL argument");
  if (strcmp(key, "name") == 0) {
    if (strlen(value) >= sizeof o->name)
      return tgi_fail(TG_ERR_ARG, "tg_options_set: name longer than %zu bytes",
                      sizeof o->name - 1);
    strcpy(o->name, value);
    return TG_OK;
  }
  if (strcmp(key, "on_unused_input") == 0) {
    static const char *const names[] = {"raise", "warn", "ignore"};
    for (int i = 0; i < 3; i++)
      if (!strcmp(value, names[i])) return o->on_unused_input = i, TG_OK;
    return tgi_fail(TG_ERR_ARG, "tg_options_set: on_unused_input must be raise, warn or ignore, "
                    "not '%s'", value);
  }
  if (strcmp(key, "mode") == 0) {
    if (strcmp(value, "FAST_RUN") && strcmp(value, "FAST_COMPILE"))
      return tgi_fail(TG_ERR_ARG, "tg_options_set: mode must be FAST_RUN or FAST_COMPILE, not "
                      "'%.40s'", value);
    strcpy(o->mode, value);
    return TG_OK;
  }
  if (strcmp(key, "linker") == 0) {
    if (strcmp(value, "native") && strcmp(value, "ref"))
      return tgi_fail(TG_ERR_ARG, "tg_options_set: linker must be native or ref, not '%.40s'",
                      value);
    strcpy(o->linker, value);
    return TG_OK;
  }
  char *list = !strcmp(key, "optimizer_including")   ? o->including
               : !strcmp(key, "optimizer_excluding") ? o->excluding
                                                     : NULL;
  if (list) {
    if (strlen(value) >= sizeof o->including)
      return tgi_fail(TG_ERR_ARG, "tg_options_set: %s longer than %zu bytes", key,
                      sizeof o->including - 1);
    strcpy(list, value);
    return TG_OK;
  }
  bool verbose = false;
  bool *flag = !strcmp(key, "allow_input_downcast") ? &o->allow_input_downcast
               : !strcmp(key, "borrow_outputs")     ? &o->borrow_outputs
               : !strcmp(key, "no_default_updates") ? &o->no_default_updates
               : !strcmp(key, "optimizer_verbose")  ? &verbose
                                                    : NULL;
  if (flag) {
    if (!parse_bool(value, flag))
      return tgi_fail(TG_ERR_ARG, "tg_options_set: %s must be true or false, not '%s'", key, value);
    if (flag == &verbose) o->verbose = verbose;
    return TG_OK;
  }
  return tgi_fail(TG_ERR_ARG, "tg_options_set: unknown option '%s' (known: name, "
                  "on_unused_input, allow_input_downcast, borrow_outputs, mode, linker, "
                  "optimizer_including, optimizer_excluding, optimizer_verbose, "
                  "no_default_updates)", key);
}

static tg_status push(tgi_pairs *p, tg_var *a, tg_var *b) {
  if (p->n == p->cap) {
    int cap = p->cap ? 2 * p->cap : 8;
    tg_var **na = tgi_realloc(p->a, sizeof(tg_var *) * (size_t)cap);
    if (!na) return tgi_fail(TG_ERR_NOMEM, "out of memory adding an option");
    p->a = na;
    tg_var **nb = tgi_realloc(p->b, sizeof(tg_var *) * (size_t)cap);
    if (!nb) return tgi_fail(TG_ERR_NOMEM, "out of memory adding an option");
    p->b = nb;
    p->cap = cap;
  }
  p->a[p->n] = a;
  p->b[p->n++] = b;
  return TG_OK;
}

tg_status tg_options_update(tg_options *o, tg_var *shared, tg_var *expr) {
  if (!o || !shared || !expr) return tgi_fail(TG_ERR_ARG, "tg_options_update: NULL argument");
  return push(&o->updates, shared, expr);
}

tg_status tg_options_given(tg_options *o, tg_var *var, tg_var *replacement) {
  if (!o || !var || !replacement) return tgi_fail(TG_ERR_ARG, "tg_options_given: NULL argument");
  return push(&o->givens, var, replacement);
}

tg_status tg_options_default(tg_options *o, int input_index, tg_array *value) {
  if (!o || !value || input_index < 0)
    return tgi_fail(TG_ERR_ARG, "tg_options_default: bad argument");
  for (int i = 0; i < o->n_defaults; i++)
    if (o->default_index[i] == input_index) {
      tg_array_unref(o->default_value[i]);
      o->default_value[i] = tg_array_ref(value);
      return TG_OK;
    }
  if (o->n_defaults == o->cap_defaults) {
    int cap = o->cap_defaults ? 2 * o->cap_defaults : 4;
    int *ni = tgi_realloc(o->default_index, sizeof(int) * (size_t)cap);
    if (!ni) return tgi_fail(TG_ERR_NOMEM, "out of memory adding a default");
    o->default_index = ni;
    tg_array **nv = tgi_realloc(o->default_value, sizeof(tg_array *) * (size_t)cap);
    if (!nv) return tgi_fail(TG_ERR_NOMEM, "out of memory adding a default");
    o->default_value = nv;
    o->cap_defaults = cap;
  }
  o->default_index[o->n_defaults] = input_index;
  o->default_value[o->n_defaults++] = tg_array_ref(value);
  return TG_OK;
}
