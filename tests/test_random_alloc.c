/* test_random_alloc.c: the allocation-failure sweep (TESTING.md) over random streams:
   building every kind of draw (with its state shared variable and the symbolic shape
   rule), calling a function whose draws allocate outputs, key and cdf buffers, and
   re-seeding. With allocation k failing, k = 1..N, each run must report TG_ERR_NOMEM,
   free everything, and leave the streams' states unchanged. */
#include "alloc_sweep.h"

static tg_var *ivec2(tg_graph *g, int64_t a, int64_t b) {
  tg_array *v = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){a, b});
  tg_var *c = v ? tg_constant(g, v) : NULL;
  tg_array_unref(v);
  return c;
}

static tg_status build_scenario(void) {
  tg_graph *g = tg_graph_new();
  if (!g) return TG_ERR_ARG;
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *n = tg_scalar(g, "n", TG_INT64);
  C.armed = 1;
  tg_rng *r = tg_rng_new(g, 3);
  tg_var *shp = ivec2(g, 2, 3), *last = NULL;
  if (!shp) { /* the constant's array (thread error) or variable (graph error) failed */
    C.armed = 0;
    tg_status st = tg_graph_status(g) != TG_OK ? tg_graph_status(g) : tg_errstatus();
    tg_graph_free(g);
    return st;
  }
  for (int k = 0; k < 10 && r; k++) { /* enough that the arena grows */
    tg_var *d[] = {
        tg_rng_uniform(r, NULL, v, NULL, TG_FLOAT64),
        tg_rng_normal(r, v, NULL, shp, TG_FLOAT32),
        tg_rng_integers(r, NULL, n, shp, TG_INT64),
        tg_rng_binomial(r, n, v, NULL, TG_INT64),
        tg_rng_gamma(r, v, NULL, NULL, TG_FLOAT64),
        tg_rng_multinomial(r, n, v, NULL, TG_INT64),
        tg_rng_choice(r, v, shp, false, v),
        tg_rng_permutation(r, n),
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) last = d[i] ? tg_infer_shape(d[i]) : NULL;
  }
  C.armed = 0;
  tg_status st = last ? TG_OK : tg_graph_status(g);
  tg_graph_free(g);
  return st;
}

/* The state values of the draws, to check a failed call left them alone. */
static bool states_are(tg_var *const *draws, int n, int64_t pos) {
  bool ok = true;
  for (int i = 0; i < n; i++) {
    tg_array *s = tg_shared_get(tg_rng_state(draws[i], NULL), true);
    ok = ok && s && tg_array_get_i64(s, 2) == pos;
    tg_array_unref(s);
  }
  return ok;
}

static tg_status call_scenario(void) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 4);
  tg_array *pa = tg_array_from_f64(1, (int64_t[]){4}, (double[]){0.1, 0.2, 0.3, 0.4});
  tg_var *p = tg_constant(g, pa), *four = tg_const_typed(g, TG_INT64, 4), *shp = ivec2(g, 1, 4);
  tg_var *d[] = {
      tg_rng_uniform(r, NULL, NULL, shp, TG_FLOAT64),
      tg_rng_choice(r, four, shp, false, p),
      tg_rng_choice(r, four, shp, true, p),
      tg_rng_multinomial(r, tg_const_typed(g, TG_INT64, 9), p, NULL, TG_INT64),
  };
  tg_function *f = tg_function_new(g, 0, NULL, 4, d, NULL);
  if (!f) return TG_ERR_ARG;
  tg_array *out[4] = {NULL};
  C.armed = 1;
  tg_status st = tg_function_call(f, NULL, out);
  C.armed = 0;
  for (int k = 0; k < 4; k++) {
    if (st != TG_OK && out[k]) st = TG_ERR_RUNTIME; /* a failed call hands out nothing */
    tg_array_unref(out[k]);
  }
  if (st != TG_OK && !states_are(d, 4, 0)) st = TG_ERR_RUNTIME; /* all or nothing */
  tg_array_unref(pa);
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

static tg_status seed_scenario(void) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 5);
  tg_var *d[3];
  for (int i = 0; i < 3; i++) d[i] = tg_rng_normal(r, NULL, NULL, NULL, TG_FLOAT64);
  tg_function *f = tg_function_new(g, 0, NULL, 3, d, NULL);
  tg_array *out[3] = {NULL};
  if (!f || tg_function_call(f, NULL, out) != TG_OK) return TG_ERR_ARG;
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  C.armed = 1;
  tg_status st = tg_rng_seed(r, 6);
  C.armed = 0;
  if (st != TG_OK && !states_are(d, 3, 1)) st = TG_ERR_RUNTIME; /* nothing re-seeded */
  if (st == TG_OK && !states_are(d, 3, 0)) st = TG_ERR_RUNTIME;
  tg_function_free(f);
  tg_graph_free(g);
  return st;
}

TEST(alloc_fail_building_draws) { sweep("building random draws", build_scenario); }

TEST(alloc_fail_calling_draws) { sweep("calling random draws", call_scenario); }

TEST(alloc_fail_reseeding) { sweep("re-seeding a stream", seed_scenario); }
