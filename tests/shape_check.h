/* shape_check.h: the check every op's tests run on its shape rule: compile the op's output
   and tg_infer_shape(output) together, call on real inputs, and require the inferred
   shape to equal the computed one. Use: CHECK_INFER_SHAPE(g, TG_VARS(ins), out, arrays). */
#ifndef TG_SHAPE_CHECK_H
#define TG_SHAPE_CHECK_H

#include "harness.h"

/* Returns 1 if the inferred shape equals the shape of the computed output. */
static int th_infer_shape_ok(tg_graph *g, int n_in, tg_var *const *ins, tg_var *out,
                             tg_array *const *arrays) {
  tg_var *shp = tg_infer_shape(out);
  if (!shp) {
    fprintf(stderr, "tg_infer_shape failed: %s\n", tg_graph_error(g));
    return 0;
  }
  /* the shape may not need every input */
  tg_function *f = th_compile(g, n_in, ins, 2, (tg_var *[]){out, shp});
  if (!f) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    return 0;
  }
  tg_array *res[2] = {NULL, NULL};
  int ok = tg_function_call(f, arrays, res) == TG_OK;
  if (!ok) fprintf(stderr, "call failed: %s\n", tg_function_error(f));
  if (ok) {
    ok = tg_array_ndim(res[1]) == 1 && tg_array_shape(res[1])[0] == tg_array_ndim(res[0]);
    for (int d = 0; ok && d < tg_array_ndim(res[0]); d++)
      ok = tg_array_get_i64(res[1], d) == tg_array_shape(res[0])[d];
    if (!ok) fprintf(stderr, "inferred shape differs from the computed one\n");
  }
  tg_array_unref(res[0]);
  tg_array_unref(res[1]);
  tg_function_free(f);
  return ok;
}

/* variadic so that TG_VARS(...) can stand for the (count, array) pair */
#define CHECK_INFER_SHAPE(g, ...) CHECK(th_infer_shape_ok((g), __VA_ARGS__))

#endif
