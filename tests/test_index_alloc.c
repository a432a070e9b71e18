/* test_index_alloc.c: the allocation-failure sweep (TESTING.md) over indexing: building
   every indexing op (with the symbolic shape rule, which builds more nodes), and calling a
   function whose indexing ops allocate views, outputs, mask positions and advanced offset
   tables. With allocation k failing, k = 1..N, each run must report TG_ERR_NOMEM, never
   crash and free everything (a counting allocator tracks live blocks). */
#include <stdint.h>

#include "alloc_sweep.h"

static tg_status build_scenario(void) {
  tg_graph *g = tg_graph_new();
  if (!g) return TG_ERR_ARG;
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT64), *i = tg_vector(g, "i", TG_INT8);
  tg_var *m = tg_vector(g, "m", TG_BOOL), *s = tg_scalar(g, "s", TG_INT32);
  tg_var *y = NULL, *z = NULL, *w = NULL, *shp = NULL;
  C.armed = 1;
  for (int k = 0; k < 20 && x; k++) { /* enough that the arena grows */
    y = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(s, NULL, s), TG_NEWAXIS, TG_ELLIPSIS, TG_INT(0)));
    z = tg_subtensor(x, TG_IDX(TG_VAR(i), TG_ALL, TG_VAR(m)));
    w = tg_inc_subtensor(x, tg_const_f64(g, 1.0), TG_IDX(TG_VAR(i), TG_VAR(s)));
    x = tg_set_subtensor(w, z, TG_IDX(TG_INT(0)));
    shp = tg_infer_shape(z);
  }
  C.armed = 0;
  tg_status st = x && y && z && w && shp ? TG_OK : tg_graph_status(g);
  tg_graph_free(g);
  return st;
}

static tg_status call_scenario(void) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *i = tg_vector(g, "i", TG_INT64);
  tg_var *m = tg_matrix(g, "m", TG_BOOL), *v = tg_vector(g, "v", TG_FLOAT32);
  tg_var *a = tg_subtensor(x, TG_IDX(TG_SLICE(1, TG_NONE, 2), TG_INT(-1)));
  tg_var *b = tg_subtensor(x, TG_IDX(TG_VAR(i), TG_VAR(i)));
  tg_var *c = tg_subtensor(x, TG_IDX(TG_VAR(m)));
  tg_var *d = tg_inc_subtensor(x, v, TG_IDX(TG_VAR(m)));
  tg_var *e = tg_set_subtensor(x, tg_const_f64(g, 2.0), TG_IDX(TG_ALL, TG_VAR(i)));
  tg_function *f = tg_function_new(g, TG_VARS(x, i, m, v), TG_VARS(a, b, c, d, e), NULL);
  tg_array *xa = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 4});
  tg_array *ia = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){0, 3, -1});
  tg_array *ma = tg_array_zeros(TG_BOOL, 2, (int64_t[]){4, 4});
  tg_array *va = tg_array_zeros(TG_FLOAT32, 1, (int64_t[]){2});
  if (!f || !xa || !ia || !ma || !va) return TG_ERR_ARG;
  tg_array_set_f64(ma, 3, 1), tg_array_set_f64(ma, 9, 1);
  tg_array *out[5] = {NULL};
  C.armed = 1;
  tg_status st = tg_function_call(f, (tg_array *[]){xa, ia, ma, va}, out);
  C.armed = 0;
  for (int k = 0; k < 5; k++) {
    if (st != TG_OK && out[k]) st = TG_ERR_RUNTIME; /* a failed call hands out nothing */
    tg_array_unref(out[k]);
  }
  tg_array_unref(xa), tg_array_unref(ia), tg_array_unref(ma), tg_array_unref(va);
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

TEST(alloc_fail_building_indexing) { sweep("building indexing ops", build_scenario); }

TEST(alloc_fail_calling_indexing) { sweep("calling indexing ops", call_scenario); }
