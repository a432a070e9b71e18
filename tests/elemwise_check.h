/* elemwise_check.h: helpers shared by the tests/test_elemwise_*.c files: run one
   elementwise op on concrete arrays through the public API (graph, compile, call), and
   make small arrays of any dtype from double or int64 values. Include after harness.h. */
#ifndef TG_ELEMWISE_CHECK_H
#define TG_ELEMWISE_CHECK_H

#include <stdint.h>

/* Static type of an input made for array a: a dim of length 1 is declared broadcastable
   (1), every other dim unknown (-1), so the function accepts a and broadcasts as numpy. */
__attribute__((unused)) static tg_var *ew_input_for(tg_graph *g, const tg_array *a) {
  int64_t st[TG_MAX_NDIM];
  for (int d = 0; d < tg_array_ndim(a); d++) st[d] = tg_array_shape(a)[d] == 1 ? 1 : -1;
  return tg_tensor(g, NULL, tg_array_dtype(a), tg_array_ndim(a), st);
}

/* Last error of ew_run (build or call), for CHECK_ERROR_CONTAINS. */
static char ew_err[1024];
static tg_status ew_status;

/* Run elementwise op `name` on n arrays (a cast when name is "cast" with dtype `to`).
   Returns the result (caller unrefs) or NULL with ew_err/ew_status set. */
__attribute__((unused)) static tg_array *ew_run_to(const char *name, tg_dtype to, int n, tg_array *const *in) {
  tg_graph *g = tg_graph_new();
  tg_var *v[4];
  for (int i = 0; i < n; i++) v[i] = ew_input_for(g, in[i]);
  tg_var *r = strcmp(name, "cast") == 0 ? tg_cast(v[0], to) : tg_elemwise(name, n, v);
  tg_function *f = r ? tg_function_new(g, n, v, 1, &r, NULL) : NULL;
  tg_array *out[1] = {NULL};
  ew_err[0] = 0;
  ew_status = TG_OK;
  if (!f) {
    ew_status = tg_graph_status(g);
    snprintf(ew_err, sizeof ew_err, "%s", tg_graph_error(g));
  } else {
    ew_status = tg_function_call(f, in, out);
    if (ew_status != TG_OK) snprintf(ew_err, sizeof ew_err, "%s", tg_function_error(f));
  }
  tg_function_free(f);
  tg_graph_free(g);
  return out[0];
}

__attribute__((unused)) static tg_array *ew_run(const char *name, int n, tg_array *const *in) {
  return ew_run_to(name, TG_NDTYPES, n, in);
}

/* 1-d array of dtype dt holding v[0..n) converted as tg_cast converts doubles. */
__attribute__((unused)) static tg_array *ew_vec(tg_dtype dt, int n, const double *v) {
  tg_array *a = tg_array_zeros(dt, 1, (int64_t[]){n});
  for (int i = 0; i < n; i++) tg_array_set_f64(a, i, v[i]);
  return a;
}

/* 1-d array of integer dtype dt holding v[0..n) exactly (wrapped to the width). */
__attribute__((unused)) static tg_array *ew_ivec(tg_dtype dt, int n, const int64_t *v) {
  tg_array *w = tg_array_from_i64(1, (int64_t[]){n}, v);
  tg_array *a = tg_array_astype(w, dt);
  tg_array_unref(w);
  return a;
}

/* 0-d array of dtype dt holding v. */
__attribute__((unused)) static tg_array *ew_scalar(tg_dtype dt, double v) { return tg_array_scalar(dt, v); }

/* The dtype the op gives for these input dtypes (TG_NDTYPES on a build error), from the
   type of the built variable. */
__attribute__((unused)) static tg_dtype ew_out_dtype(const char *name, int n, const tg_dtype *dts) {
  tg_graph *g = tg_graph_new();
  tg_var *v[4];
  for (int i = 0; i < n; i++) v[i] = tg_vector(g, NULL, dts[i]);
  tg_var *r = tg_elemwise(name, n, v);
  tg_dtype dt = r ? tg_var_dtype(r) : TG_NDTYPES;
  if (!r) snprintf(ew_err, sizeof ew_err, "%s", tg_graph_error(g));
  tg_graph_free(g);
  return dt;
}

#endif
