/* checkpoint.c: a model's shared variables to and from one .npz file. Saving goes through
   the npz writer, which publishes the file by atomic rename; loading reads and checks
   every member before setting anything, so a bad file changes no variable. */
#include "../graph/graph_impl.h"

static tg_status check_vars(const char *what, int n, tg_var *const *shared) {
  if (n < 0 || (n && !shared)) return tgi_fail(TG_ERR_ARG, "%s: bad variable list", what);
  for (int i = 0; i < n; i++) {
    if (!tg_var_is_shared(shared[i]))
      return tgi_fail(TG_ERR_ARG, "%s: variable %d is not a shared variable", what, i);
    if (!shared[i]->name || !shared[i]->name[0])
      return tgi_fail(TG_ERR_ARG, "%s: shared variable %d has no name", what, i);
    for (int j = 0; j < i; j++)
      if (!strcmp(shared[i]->name, shared[j]->name))
        return tgi_fail(TG_ERR_ARG, "%s: two variables are named '%s'", what, shared[i]->name);
  }
  return TG_OK;
}

tg_status tg_checkpoint_save(const char *path, int n, tg_var *const *shared) {
  if (!path) return tgi_fail(TG_ERR_ARG, "tg_checkpoint_save: path is NULL");
  tg_status st = check_vars("tg_checkpoint_save", n, shared);
  if (st != TG_OK) return st;
  tg_npz_writer *w = tg_npz_writer_open(path, true);
  if (!w) return tg_errstatus();
  for (int i = 0; i < n; i++) {
    tg_array *v = tg_shared_get(shared[i], true);
    st = v ? tg_npz_writer_add(w, shared[i]->name, v) : tg_errstatus();
    tg_array_unref(v);
    if (st != TG_OK) {
      char msg[TGI_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", tg_errmsg());
      tg_npz_writer_abort(w);
      return tgi_fail(st, "%s", msg);
    }
  }
  return tg_npz_writer_close(w);
}

tg_status tg_checkpoint_load(const char *path, int n, tg_var *const *shared) {
  if (!path) return tgi_fail(TG_ERR_ARG, "tg_checkpoint_load: path is NULL");
  tg_status st = check_vars("tg_checkpoint_load", n, shared);
  if (st != TG_OK) return st;
  tg_array **vals = tgi_calloc((size_t)(n ? n : 1), sizeof(tg_array *));
  if (!vals) return tgi_fail(TG_ERR_NOMEM, "tg_checkpoint_load: out of memory");
  tg_npz *z = tg_npz_open(path);
  st = z ? TG_OK : tg_errstatus();
  for (int i = 0; st == TG_OK && i < n; i++) {
    const tg_var *v = shared[i];
    if (!(vals[i] = tg_npz_get(z, v->name))) {
      st = tgi_fail(tg_errstatus() == TG_OK ? TG_ERR_VALUE : tg_errstatus(),
                    "tg_checkpoint_load: %s: no usable member '%s' (%s)", path, v->name,
                    tg_errmsg());
    } else if (vals[i]->dtype != v->type.dtype || vals[i]->ndim != v->type.ndim) {
      char t[160];
      st = tgi_fail(TG_ERR_TYPE, "tg_checkpoint_load: %s: member '%s' is a %s array of rank %d; "
                    "the variable is %s", path, v->name, tg_dtype_name(vals[i]->dtype),
                    vals[i]->ndim, tgi_type_str(&v->type, t, sizeof t));
    }
  }
  tg_npz_close(z);
  /* everything is read and checked: now set, which can no longer fail on type */
  for (int i = 0; st == TG_OK && i < n; i++) st = tg_shared_set(shared[i], vals[i], true);
  for (int i = 0; i < n; i++) tg_array_unref(vals[i]);
  tgi_free(vals);
  return st;
}
