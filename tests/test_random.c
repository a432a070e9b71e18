/* test_random.c: random streams other than their distributions (test_random_dist.c):
   Philox4x32-10 against the Random123 known-answer vectors, the documented layout of the
   per-element streams, reproducibility (same seed, re-seeding, positions independent of
   the draw's shape), default updates (fresh numbers per call), build-time and runtime
   errors naming the op and the parameter, symbolic shapes and broadcasting, infer_shape
   for every distribution, gradients, choice/permutation invariants, and draws never
   merged by rewrites. */
#include "harness.h"
#include "shape_check.h"
#include "ops/random_impl.h"

/* An int64 constant vector. */
static tg_var *ivec(tg_graph *g, int n, const int64_t *v) {
  tg_array *a = tg_array_from_i64(1, (int64_t[]){n}, v);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}
#define IVEC(g, ...) \
  ivec((g), (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})

static tg_var *fvec(tg_graph *g, int n, const double *v) {
  tg_array *a = tg_array_from_f64(1, (int64_t[]){n}, v);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

/* Compile outs with no inputs and call once; returns the first output (others dropped). */
static tg_array *eval1(tg_graph *g, tg_var *out) {
  tg_function *f = tg_function_new(g, 0, NULL, 1, &out, NULL);
  if (!f) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    return NULL;
  }
  tg_array *r[1] = {NULL};
  if (tg_function_call(f, NULL, r) != TG_OK) fprintf(stderr, "call: %s\n", tg_function_error(f));
  tg_function_free(f);
  return r[0];
}

/* Call a compiled function expecting failure; returns its status (error text on f). */
static tg_status call_fail(tg_function *f, tg_array *const *in) {
  tg_array *r[1] = {NULL};
  tg_status st = tg_function_call(f, in, r);
  tg_array_unref(r[0]);
  return st;
}

TEST(philox_known_answers) {
  /* Random123 tests/kat_vectors, philox4x32 10: counter words, key words -> output */
  static const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
       0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
       0x94fdcceb, 0x5001e420, 0x24126ea1},
  };
  for (int t = 0; t < 3; t++) {
    uint32_t out[4];
    tgi_philox4x32_10(kat[t], kat[t] + 4, out);
    for (int i = 0; i < 4; i++) CHECK(out[i] == kat[t][6 + i]);
  }
}

/* The documented layout: uniform element i of stream s under seed k is the first two words
   of Philox block (counter (pos + i, 0, s), key k) as a 64-bit integer, top 53 bits. */
TEST(stream_layout) {
  tg_graph *g = tg_graph_new();
  uint64_t seed = 0x0123456789abcdefull;
  tg_rng *r = tg_rng_new(g, seed);
  tg_var *u0 = tg_rng_uniform(r, NULL, NULL, IVEC(g, 5), TG_FLOAT64);
  tg_var *u1 = tg_rng_uniform(r, NULL, NULL, IVEC(g, 5), TG_FLOAT64); /* stream 1 */
  tg_array *a0 = eval1(g, u0), *a1 = eval1(g, u1);
  CHECK(a0 && a1);
  for (int s = 0; s < 2 && a0 && a1; s++)
    for (uint32_t i = 0; i < 5; i++) {
      uint32_t ctr[4] = {i, 0, 0, (uint32_t)s}, key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
      uint32_t w[4];
      tgi_philox4x32_10(ctr, key, w);
      uint64_t x = (uint64_t)w[0] | (uint64_t)w[1] << 32;
      CHECK(tg_array_get_f64(s ? a1 : a0, i) == (double)(x >> 11) * 0x1.0p-53);
    }
  tg_array_unref(a0);
  tg_array_unref(a1);
  tg_graph_free(g);
}

/* Two graphs, two functions, one seed: the same numbers; another seed: others. */
TEST(same_seed_same_numbers) {
  tg_array *res[3];
  uint64_t seeds[3] = {42, 42, 43};
  for (int k = 0; k < 3; k++) {
    tg_graph *g = tg_graph_new();
    tg_rng *r = tg_rng_new(g, seeds[k]);
    res[k] = eval1(g, tg_rng_normal(r, NULL, NULL, IVEC(g, 3, 4), TG_FLOAT64));
    tg_graph_free(g);
  }
  CHECK(res[0] && res[1] && res[2]);
  if (res[0] && res[1] && res[2]) {
    CHECK(tg_array_equal(res[0], res[1]));
    CHECK(!tg_array_allclose(res[0], res[2], 0, 0, false));
  }
  for (int k = 0; k < 3; k++) tg_array_unref(res[k]);
}

/* A value depends on its flat position only: a (4, 5) draw is the first 20 of a (30,) one. */
TEST(values_depend_on_position_only) {
  tg_graph *g = tg_graph_new(), *g2 = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 7), *r2 = tg_rng_new(g2, 7);
  tg_array *a = eval1(g, tg_rng_gamma(r, tg_const_f64(g, 2.5), NULL, IVEC(g, 4, 5), TG_FLOAT64));
  tg_array *b = eval1(g2, tg_rng_gamma(r2, tg_const_f64(g2, 2.5), NULL, IVEC(g2, 30), TG_FLOAT64));
  CHECK(a && b);
  for (int i = 0; a && b && i < 20; i++) CHECK(tg_array_get_f64(a, i) == tg_array_get_f64(b, i));
  tg_array_unref(a);
  tg_array_unref(b);
  tg_graph_free(g);
  tg_graph_free(g2);
}

/* The default update moves the state on: two calls differ, the state advances by the
   number of draws, and re-seeding gives the first call's numbers again. Needs
   tg_function_new to apply default updates (src/compile/function.c). */
TEST(default_update_fresh_numbers_and_reseed) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1234);
  tg_var *u = tg_rng_uniform(r, NULL, NULL, IVEC(g, 6), TG_FLOAT64), *ns = NULL;
  tg_var *st = tg_rng_state(u, &ns);
  CHECK(st && ns && tg_var_is_shared(st));
  CHECK(st && st->default_update == ns);
  tg_function *f = tg_function_new(g, 0, NULL, 1, &u, NULL);
  CHECK(f != NULL);
  tg_array *x1[1] = {NULL}, *x2[1] = {NULL}, *x3[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, NULL, x1), TG_OK);
  CHECK_STATUS(tg_function_call(f, NULL, x2), TG_OK);
  tg_array *s = tg_shared_get(st, false);
  CHECK(s && tg_array_get_i64(s, 0) == 1234 && tg_array_get_i64(s, 1) == 0 &&
        tg_array_get_i64(s, 2) == 12);
  tg_array_unref(s);
  CHECK(x1[0] && x2[0] && !tg_array_allclose(x1[0], x2[0], 0, 0, false));
  CHECK_STATUS(tg_rng_seed(r, 1234), TG_OK);
  CHECK_STATUS(tg_function_call(f, NULL, x3), TG_OK);
  CHECK(x1[0] && x3[0] && tg_array_equal(x1[0], x3[0]));
  /* another seed: other numbers; the state records it */
  CHECK_STATUS(tg_rng_seed(r, 99), TG_OK);
  tg_array_unref(x3[0]);
  CHECK_STATUS(tg_function_call(f, NULL, x3), TG_OK);
  CHECK(x1[0] && x3[0] && !tg_array_allclose(x1[0], x3[0], 0, 0, false));
  s = tg_shared_get(st, false);
  CHECK(s && tg_array_get_i64(s, 0) == 99 && tg_array_get_i64(s, 2) == 6);
  tg_array_unref(s);
  tg_array_unref(x1[0]);
  tg_array_unref(x2[0]);
  tg_array_unref(x3[0]);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Updating the state explicitly (as with default updates off) gives the same sequence. */
TEST(explicit_state_update) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 5);
  tg_var *u = tg_rng_integers(r, NULL, tg_const_typed(g, TG_INT64, 1000), IVEC(g, 4), TG_INT64);
  tg_var *ns, *st = tg_rng_state(u, &ns);
  tg_options *o = tg_options_new();
  tg_options_update(o, st, ns);
  tg_function *f = tg_function_new(g, 0, NULL, 1, &u, o);
  tg_options_free(o);
  CHECK(f != NULL);
  tg_array *x[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, NULL, x), TG_OK);
  CHECK_STATUS(tg_function_call(f, NULL, x + 1), TG_OK);
  /* the second call's numbers are positions 4..7: a fresh stream's (8,) draw ends with them */
  tg_graph *g2 = tg_graph_new();
  tg_rng *r2 = tg_rng_new(g2, 5);
  tg_array *y = eval1(g2, tg_rng_integers(r2, NULL, tg_const_typed(g2, TG_INT64, 1000),
                                          IVEC(g2, 8), TG_INT64));
  CHECK(x[0] && x[1] && y);
  for (int i = 0; x[0] && x[1] && y && i < 4; i++) {
    CHECK(tg_array_get_i64(x[0], i) == tg_array_get_i64(y, i));
    CHECK(tg_array_get_i64(x[1], i) == tg_array_get_i64(y, 4 + i));
  }
  tg_array_unref(x[0]);
  tg_array_unref(x[1]);
  tg_array_unref(y);
  tg_function_free(f);
  tg_graph_free(g);
  tg_graph_free(g2);
}

TEST(default_update_setter_checks) {
  tg_graph *g = tg_graph_new();
  tg_array *v = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *s = tg_shared(g, "s", v, false), *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *xi = tg_vector(g, "xi", TG_INT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  CHECK_STATUS(tg_shared_set_default_update(x, s), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "not a shared variable");
  CHECK_STATUS(tg_shared_set_default_update(s, xi), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "int64");
  CHECK_STATUS(tg_shared_set_default_update(s, m), TG_ERR_TYPE);
  tg_graph *g2 = tg_graph_new();
  CHECK_STATUS(tg_shared_set_default_update(s, tg_vector(g2, "y", TG_FLOAT64)), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "another graph");
  CHECK(s->default_update == NULL);
  CHECK_STATUS(tg_shared_set_default_update(s, tg_add(s, x)), TG_OK);
  CHECK(s->default_update != NULL);
  CHECK_STATUS(tg_shared_set_default_update(s, NULL), TG_OK);
  CHECK(s->default_update == NULL);
  CHECK_STATUS(tg_shared_set_default_update(NULL, x), TG_ERR_ARG);
  tg_array_unref(v);
  tg_graph_free(g);
  tg_graph_free(g2);
}

/* A vector of means against a matrix shape (numpy broadcasting), symbolic shapes. */
TEST(broadcasting_and_symbolic_shape) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 3);
  double mv[4] = {-100, 0, 100, 1000};
  tg_var *mean = fvec(g, 4, mv);
  tg_var *x = tg_rng_normal(r, mean, tg_const_f64(g, 0.001), IVEC(g, 3, 4), TG_FLOAT64);
  CHECK(x && tg_var_ndim(x) == 2 && tg_var_dim(x, 0) == 3 && tg_var_dim(x, 1) == 4);
  tg_array *a = eval1(g, x);
  CHECK(a && tg_array_shape(a)[0] == 3 && tg_array_shape(a)[1] == 4);
  for (int i = 0; a && i < 12; i++) CHECK_CLOSE(tg_array_get_f64(a, i), mv[i % 4], 0, 0.01);
  tg_array_unref(a);
  /* no shape: the parameters' broadcast shape, (3, 1) with (4,) gives (3, 4) */
  tg_var *lo = tg_tensor(g, "lo", TG_FLOAT64, 2, (int64_t[]){-1, 1});
  tg_var *hi = tg_vector(g, "hi", TG_FLOAT64);
  tg_var *u = tg_rng_uniform(r, lo, hi, NULL, TG_FLOAT64);
  CHECK(u && tg_var_ndim(u) == 2 && tg_var_dim(u, 1) == -1);
  tg_function *f = tg_function_new(g, TG_VARS(lo, hi), TG_VARS(u), NULL);
  tg_array *la = tg_array_from_f64(2, (int64_t[]){3, 1}, (double[]){0, 10, 20});
  tg_array *ha = tg_array_from_f64(1, (int64_t[]){4}, (double[]){30, 31, 32, 33});
  tg_array *o[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){la, ha}, o), TG_OK);
  CHECK(o[0] && tg_array_ndim(o[0]) == 2 && tg_array_shape(o[0])[0] == 3 &&
        tg_array_shape(o[0])[1] == 4);
  for (int i = 0; o[0] && i < 12; i++) {
    double v = tg_array_get_f64(o[0], i);
    CHECK(v >= 10.0 * (i / 4) && v < 30 + i % 4);
  }
  tg_array_unref(o[0]);
  /* a symbolic shape from scalars */
  tg_var *n = tg_scalar(g, "n", TG_INT64), *k = tg_scalar(g, "k", TG_INT32);
  tg_var *shp = tg_make_vector(g, 2, (tg_var *[]){n, tg_cast(k, TG_INT64)});
  tg_var *b = tg_rng_bernoulli(r, tg_const_f64(g, 0.5), shp, TG_FLOAT32);
  CHECK(b && tg_var_dtype(b) == TG_FLOAT32 && tg_var_ndim(b) == 2);
  tg_function *f2 = tg_function_new(g, TG_VARS(n, k), TG_VARS(b), NULL);
  tg_array *na = tg_array_scalar(TG_INT64, 5), *ka = tg_array_scalar(TG_INT32, 7);
  CHECK_STATUS(tg_function_call(f2, (tg_array *[]){na, ka}, o), TG_OK);
  CHECK(o[0] && tg_array_size(o[0]) == 35 && tg_array_shape(o[0])[1] == 7);
  for (int i = 0; o[0] && i < 35; i++) {
    double v = tg_array_get_f64(o[0], i);
    CHECK(v == 0 || v == 1);
  }
  tg_array_unref(o[0]);
  tg_array_unref(na);
  tg_array_unref(ka);
  tg_array_unref(la);
  tg_array_unref(ha);
  tg_function_free(f);
  tg_function_free(f2);
  tg_graph_free(g);
}

TEST(build_errors) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1);
  /* a static mean of 3 against a shape (2, 4) */
  tg_var *m3 = fvec(g, 3, (double[]){1, 2, 3});
  CHECK(tg_rng_normal(r, m3, NULL, IVEC(g, 2, 4), TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "RandomVariable{normal}");
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'mean'");
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not broadcast");
  tg_graph_clear_error(g);
  /* parameters that do not broadcast with each other */
  CHECK(tg_rng_uniform(r, m3, fvec(g, 2, (double[]){5, 6}), NULL, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'high'");
  tg_graph_clear_error(g);
  CHECK(tg_rng_normal(r, NULL, NULL, tg_matrix(g, "s", TG_INT64), TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "static length");
  tg_graph_clear_error(g);
  CHECK(tg_rng_normal(r, NULL, NULL, tg_vector(g, "s", TG_INT64), TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "static length");
  tg_graph_clear_error(g);
  CHECK(tg_rng_normal(r, NULL, NULL, NULL, TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "float dtype");
  tg_graph_clear_error(g);
  CHECK(tg_rng_integers(r, NULL, tg_const_f64(g, 3), NULL, TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'high' must be an integer tensor");
  tg_graph_clear_error(g);
  CHECK(tg_rng_binomial(r, NULL, tg_const_f64(g, 0.5), NULL, TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'n' is NULL");
  tg_graph_clear_error(g);
  CHECK(tg_rng_bernoulli(r, tg_scalar(g, "b", TG_BOOL), NULL, TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "must be a number tensor");
  tg_graph_clear_error(g);
  CHECK(tg_rng_choice(r, tg_matrix(g, "a", TG_FLOAT64), NULL, true, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "integer scalar or a vector");
  tg_graph_clear_error(g);
  CHECK(tg_rng_multinomial(r, tg_const_typed(g, TG_INT64, 3), tg_const_f64(g, 1), NULL,
                           TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'pvals'");
  tg_graph_clear_error(g);
  tg_graph *g2 = tg_graph_new();
  CHECK(tg_rng_normal(r, tg_scalar(g2, "m", TG_FLOAT64), NULL, NULL, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "another graph");
  tg_graph_clear_error(g);
  CHECK(tg_rng_uniform(NULL, NULL, NULL, NULL, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "stream is NULL");
  CHECK(tg_rng_new(NULL, 1) == NULL);
  CHECK_STATUS(tg_rng_seed(NULL, 1), TG_ERR_ARG);
  CHECK(tg_rng_state(m3, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "not a random draw");
  tg_graph_free(g);
  tg_graph_free(g2);
}

/* A runtime check failing: message names the op and the parameter, the state is kept. */
static void check_runtime_error(tg_graph *g, tg_var *in, tg_array *val, tg_var *draw,
                                const char *op, const char *text) {
  tg_var *st = tg_rng_state(draw, NULL);
  tg_array *before = tg_shared_get(st, false);
  tg_function *f = in ? tg_function_new(g, 1, &in, 1, &draw, NULL)
                      : tg_function_new(g, 0, NULL, 1, &draw, NULL);
  CHECK(f != NULL);
  if (!f) return;
  CHECK(call_fail(f, in ? &val : NULL) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), op);
  CHECK_ERROR_CONTAINS(tg_function_error(f), text);
  tg_array *after = tg_shared_get(st, false);
  CHECK(before && after && tg_array_equal(before, after));
  tg_array_unref(before);
  tg_array_unref(after);
  tg_function_free(f);
}

TEST(runtime_errors) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 1);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *sh = IVEC(g, 3);
  tg_array *neg = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, -1, 2});
  tg_array *big = tg_array_from_f64(1, (int64_t[]){3}, (double[]){0.5, 1.5, 0.2});
  tg_array *four = tg_array_from_f64(1, (int64_t[]){4}, (double[]){1, 1, 1, 1});
  check_runtime_error(g, x, neg, tg_rng_normal(r, NULL, x, sh, TG_FLOAT64),
                      "RandomVariable{normal}", "parameter 'std' must be finite and >= 0, got -1");
  check_runtime_error(g, x, big, tg_rng_bernoulli(r, x, sh, TG_INT64),
                      "RandomVariable{bernoulli}", "parameter 'p' must be in [0, 1], got 1.5");
  check_runtime_error(g, x, big, tg_rng_binomial(r, tg_const_typed(g, TG_INT64, 5), x, sh, TG_INT64),
                      "RandomVariable{binomial}", "parameter 'p' must be in [0, 1]");
  check_runtime_error(g, x, neg, tg_rng_gamma(r, x, NULL, sh, TG_FLOAT64),
                      "RandomVariable{gamma}", "parameter 'shape' must be finite and >= 0");
  check_runtime_error(g, x, neg, tg_rng_beta(r, tg_const_f64(g, 1), x, sh, TG_FLOAT64),
                      "RandomVariable{beta}", "parameter 'b' must be finite and > 0");
  check_runtime_error(g, x, neg, tg_rng_poisson(r, x, sh, TG_INT64),
                      "RandomVariable{poisson}", "parameter 'lam'");
  /* a vector of 4 means against the shape (3,) */
  check_runtime_error(g, x, four, tg_rng_normal(r, x, NULL, sh, TG_FLOAT64),
                      "RandomVariable{normal}", "'mean' of shape (4,) does not broadcast to the draw shape (3,)");
  tg_var *hi = tg_scalar(g, "hi", TG_INT64);
  tg_array *zero = tg_array_scalar(TG_INT64, 0);
  check_runtime_error(g, hi, zero, tg_rng_integers(r, NULL, hi, sh, TG_INT64),
                      "RandomVariable{integers}", "'low' (0) must be less than 'high' (0)");
  tg_array *h300 = tg_array_scalar(TG_INT64, 300);
  check_runtime_error(g, hi, h300, tg_rng_integers(r, NULL, hi, IVEC(g, 200), TG_INT8),
                      "RandomVariable{integers}", "does not fit the dtype int8");
  /* choice without replacement of more than there is */
  tg_var *na = tg_scalar(g, "na", TG_INT64);
  tg_array *three = tg_array_scalar(TG_INT64, 3);
  check_runtime_error(g, na, three, tg_rng_choice(r, na, IVEC(g, 5), false, NULL),
                      "RandomVariable{choice,no_replace}", "cannot draw 5 values without replacement from 3");
  check_runtime_error(g, na, three,
                      tg_rng_choice(r, na, IVEC(g, 2), false, fvec(g, 3, (double[]){0, 1, 0})),
                      "RandomVariable{choice,no_replace}", "from 1 members of nonzero probability");
  check_runtime_error(g, na, three,
                      tg_rng_choice(r, na, IVEC(g, 2), true, fvec(g, 3, (double[]){0.5, 0.6, 0})),
                      "RandomVariable{choice}", "parameter 'p' entries must sum to 1");
  check_runtime_error(g, na, three,
                      tg_rng_choice(r, na, IVEC(g, 2), true, fvec(g, 2, (double[]){0.5, 0.5})),
                      "RandomVariable{choice}", "'p' has 2 entries, the population 'a' 3");
  check_runtime_error(g, x, big,
                      tg_rng_multinomial(r, tg_const_typed(g, TG_INT64, 4), x, NULL, TG_INT64),
                      "RandomVariable{multinomial}", "parameter 'pvals' entries must be in [0, 1]");
  /* a negative dim in a symbolic shape */
  tg_var *n = tg_scalar(g, "n", TG_INT64);
  tg_array *m1 = tg_array_scalar(TG_INT64, -1);
  check_runtime_error(g, n, m1, tg_rng_uniform(r, NULL, NULL, tg_make_vector(g, 1, &n), TG_FLOAT64),
                      "RandomVariable{uniform}", "negative dimension -1");
  CHECK(tg_graph_status(g) == TG_OK);
  tg_array_unref(neg);
  tg_array_unref(big);
  tg_array_unref(four);
  tg_array_unref(zero);
  tg_array_unref(h300);
  tg_array_unref(three);
  tg_array_unref(m1);
  tg_graph_free(g);
}

/* infer_shape of every distribution equals the computed shape. */
TEST(infer_shape_every_distribution) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 11);
  tg_var *n = tg_scalar(g, "n", TG_INT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *iv = tg_vector(g, "iv", TG_INT64);
  tg_var *shp = tg_make_vector(g, 2, (tg_var *[]){n, tg_const_i64(g, 3)});
  tg_var *one = tg_const_f64(g, 1), *half = tg_const_f64(g, 0.5);
  tg_var *ten = tg_const_typed(g, TG_INT64, 10);
  tg_var *draws[] = {
      tg_rng_uniform(r, NULL, NULL, shp, TG_FLOAT64),
      tg_rng_uniform(r, m, v, NULL, TG_FLOAT64), /* (2, 1) with (3,) */
      tg_rng_normal(r, v, one, shp, TG_FLOAT32),
      tg_rng_normal(r, m, NULL, NULL, TG_FLOAT64),
      tg_rng_integers(r, iv, ten, NULL, TG_INT64),
      tg_rng_integers(r, NULL, ten, shp, TG_INT32),
      tg_rng_binomial(r, ten, half, shp, TG_INT64),
      tg_rng_binomial(r, iv, v, NULL, TG_INT64),
      tg_rng_bernoulli(r, m, NULL, TG_FLOAT64),
      tg_rng_gamma(r, v, m, NULL, TG_FLOAT64),
      tg_rng_gamma(r, one, NULL, shp, TG_FLOAT64),
      tg_rng_beta(r, one, v, shp, TG_FLOAT64),
      tg_rng_poisson(r, v, NULL, TG_INT64),
      tg_rng_poisson(r, NULL, shp, TG_INT64),
      tg_rng_multinomial(r, ten, m, NULL, TG_INT64), /* pvals (2, 1): counts (2, 1) */
      tg_rng_multinomial(r, ten, v, shp, TG_INT64),
      tg_rng_choice(r, n, shp, true, NULL),
      tg_rng_choice(r, v, NULL, true, NULL),
      tg_rng_choice(r, iv, tg_make_vector(g, 1, (tg_var *[]){tg_const_i64(g, 2)}), false, NULL),
      tg_rng_permutation(r, n),
      tg_rng_permutation(r, iv),
  };
  tg_array *na = tg_array_scalar(TG_INT64, 4);
  tg_array *ma = tg_array_from_f64(2, (int64_t[]){2, 1}, (double[]){0.25, 0.5});
  tg_array *va = tg_array_from_f64(1, (int64_t[]){3}, (double[]){0.2, 0.3, 0.5});
  tg_array *iva = tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){1, 2, 3});
  for (size_t i = 0; i < sizeof draws / sizeof draws[0]; i++) {
    CHECK(draws[i] != NULL);
    if (!draws[i]) {
      fprintf(stderr, "draw %zu: %s\n", i, tg_graph_error(g));
      tg_graph_clear_error(g);
      continue;
    }
    CHECK_INFER_SHAPE(g, TG_VARS(n, m, v, iv), draws[i], (tg_array *[]){na, ma, va, iva});
  }
  tg_array_unref(na);
  tg_array_unref(ma);
  tg_array_unref(va);
  tg_array_unref(iva);
  tg_graph_free(g);
}

/* No gradient through a draw to its parameters; gradients around a draw (dropout) work. */
TEST(gradients) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 2);
  tg_var *mu = tg_vector(g, "mu", TG_FLOAT64), *gr[1];
  tg_var *z = tg_rng_normal(r, mu, NULL, NULL, TG_FLOAT64);
  CHECK(tg_grad(tg_sum(z, -1, NULL, false), 1, &mu, gr) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "RandomVariable{normal} is not differentiable");
  tg_graph_clear_error(g);
  /* dropout: d sum(x * mask) / dx = mask, the mask drawn with x's symbolic shape */
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *mask = tg_rng_bernoulli(r, tg_const_f64(g, 0.5), tg_shape(x), TG_FLOAT64);
  CHECK_STATUS(tg_grad(tg_sum(tg_mul(x, mask), -1, NULL, false), 1, &x, gr), TG_OK);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(mask, gr[0]), NULL);
  CHECK(f != NULL);
  tg_array *xa = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){50}), *o[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, &xa, o), TG_OK);
  CHECK(o[0] && o[1] && tg_array_equal(o[0], o[1]));
  double ones = 0;
  for (int i = 0; o[0] && i < 50; i++) ones += tg_array_get_f64(o[0], i);
  CHECK(ones > 10 && ones < 40); /* Binomial(50, 0.5): 10..40 is beyond 4 sigma */
  tg_array_unref(o[0]);
  tg_array_unref(o[1]);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
}

/* choice without replacement gives distinct members; permutation is a permutation;
   choice of a vector returns its elements with its dtype. */
TEST(choice_and_permutation_invariants) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 77);
  tg_array *c = eval1(g, tg_rng_choice(r, tg_const_typed(g, TG_INT64, 50), IVEC(g, 5, 8), false, NULL));
  CHECK(c && tg_array_size(c) == 40 && tg_array_ndim(c) == 2);
  int seen[50] = {0};
  for (int i = 0; c && i < 40; i++) {
    int64_t v = tg_array_get_i64(c, i);
    CHECK(v >= 0 && v < 50);
    if (v >= 0 && v < 50) CHECK(seen[v]++ == 0);
  }
  tg_array_unref(c);
  tg_array *p = eval1(g, tg_rng_permutation(r, tg_const_typed(g, TG_INT32, 1000)));
  CHECK(p && tg_array_size(p) == 1000 && tg_array_dtype(p) == TG_INT64);
  static int hit[1000];
  int moved = 0;
  for (int i = 0; p && i < 1000; i++) {
    int64_t v = tg_array_get_i64(p, i);
    CHECK(v >= 0 && v < 1000);
    if (v >= 0 && v < 1000) CHECK(hit[v]++ == 0);
    moved += v != i;
  }
  CHECK(moved > 900); /* a uniform permutation has about 1 fixed point */
  tg_array_unref(p);
  /* weighted without replacement: all members of nonzero weight, each once */
  tg_var *w = fvec(g, 5, (double[]){0.1, 0, 0.6, 0, 0.3});
  tg_array *cw = eval1(g, tg_rng_choice(r, tg_const_typed(g, TG_INT64, 5), IVEC(g, 3), false, w));
  CHECK(cw && tg_array_size(cw) == 3);
  int got[5] = {0};
  for (int i = 0; cw && i < 3; i++) got[tg_array_get_i64(cw, i)]++;
  CHECK(got[0] == 1 && got[2] == 1 && got[4] == 1);
  tg_array_unref(cw);
  /* elements of a float32 vector */
  tg_array *av = tg_array_from_f32(1, (int64_t[]){4}, (float[]){1.5f, 2.5f, 3.5f, 4.5f});
  tg_var *a = tg_constant(g, av);
  tg_array *ce = eval1(g, tg_rng_choice(r, a, IVEC(g, 10), true, NULL));
  CHECK(ce && tg_array_dtype(ce) == TG_FLOAT32 && tg_array_size(ce) == 10);
  for (int i = 0; ce && i < 10; i++) {
    double v = tg_array_get_f64(ce, i);
    CHECK(v == 1.5 || v == 2.5 || v == 3.5 || v == 4.5);
  }
  tg_array_unref(ce);
  tg_array *pe = eval1(g, tg_rng_permutation(r, a));
  double sum = 0;
  for (int i = 0; pe && i < 4; i++) sum += tg_array_get_f64(pe, i) * tg_array_get_f64(pe, i);
  CHECK(pe && sum == 1.5 * 1.5 + 2.5 * 2.5 + 3.5 * 3.5 + 4.5 * 4.5);
  tg_array_unref(pe);
  /* a 0-d choice, and empty draws */
  tg_array *c0 = eval1(g, tg_rng_choice(r, tg_const_typed(g, TG_INT64, 3), NULL, true, NULL));
  CHECK(c0 && tg_array_ndim(c0) == 0 && tg_array_get_i64(c0, 0) >= 0 && tg_array_get_i64(c0, 0) < 3);
  tg_array_unref(c0);
  tg_array *e = eval1(g, tg_rng_normal(r, NULL, NULL, IVEC(g, 0, 3), TG_FLOAT64));
  CHECK(e && tg_array_size(e) == 0 && tg_array_ndim(e) == 2);
  tg_array_unref(e);
  tg_array_unref(av);
  tg_graph_free(g);
}

/* float32 uniform draws stay in [low, high) even where rounding would reach high. */
TEST(uniform_float32_bounds) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 8);
  tg_array *a = eval1(g, tg_rng_uniform(r, tg_const_f64(g, 1.0), tg_const_f64(g, 1.0000001),
                                        IVEC(g, 2000), TG_FLOAT32));
  CHECK(a && tg_array_dtype(a) == TG_FLOAT32);
  for (int i = 0; a && i < 2000; i++) {
    float v = ((float *)tg_array_data(a))[i];
    CHECK(v >= 1.0f && v < 1.0000001f);
  }
  tg_array_unref(a);
  tg_graph_free(g);
}

/* debugprint names the op; tgraph ops rows exist (one per distribution). */
TEST(describe_and_catalogue) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 8);
  tg_var *x = tg_rng_choice(r, tg_const_typed(g, TG_INT64, 4), NULL, false, NULL);
  char *s = tg_pp(x);
  CHECK(s && strstr(s, "RandomVariable{choice,no_replace}"));
  tg_free(s);
  int found = 0;
  for (int i = 0; i < tgi_op_catalogue_count(); i++) {
    const tgi_op_info *row = tgi_op_catalogue(i);
    if (strcmp(row->family, "random") != 0) continue;
    found++;
    CHECK_STR(row->grad, "not differentiable");
  }
  CHECK(found == TGI_RV_COUNT);
  tg_graph_free(g);
}

/* Two draws with equal parameters in one function are two draws: never merged (the op is
   impure and each has its own state); one draw used twice is one value. */
TEST(draws_not_merged) {
  tg_graph *g = tg_graph_new();
  tg_rng *r = tg_rng_new(g, 21);
  tg_var *a = tg_rng_normal(r, NULL, NULL, IVEC(g, 8), TG_FLOAT64);
  tg_var *b = tg_rng_normal(r, NULL, NULL, IVEC(g, 8), TG_FLOAT64);
  tg_function *f = tg_function_new(g, 0, NULL, 3, (tg_var *[]){a, b, tg_sub(a, a)}, NULL);
  CHECK(f != NULL);
  tg_array *o[3] = {NULL, NULL, NULL};
  CHECK_STATUS(tg_function_call(f, NULL, o), TG_OK);
  CHECK(o[0] && o[1] && !tg_array_allclose(o[0], o[1], 0, 0, false));
  for (int i = 0; o[2] && i < 8; i++) CHECK(tg_array_get_f64(o[2], i) == 0);
  for (int i = 0; i < 3; i++) tg_array_unref(o[i]);
  tg_function_free(f);
  tg_graph_free(g);
}
