/* test_rewrite_engine.c: the rewrite machinery: the FunctionGraph (clients, replace,
   pruning, type checks), modes and include/exclude by name and tag, the trace, the list
   of rewrites a function reports, merge (CSE) and constant folding, elementwise fusion
   (several outputs, broadcasting, dtypes) and fusion into reductions, each checked for
   form and against FAST_COMPILE values; and scale: long chains and big random graphs
   compile on a small stack. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <tgraph/tgraph.h>

#include "harness.h"
#include "rewrite/rewrite.h"
#include "rewrite_check.h"

/* Random array of the given type with values in [lo, hi). */
static tg_array *rnd(tg_dtype dt, int ndim, const int64_t *shape, double lo, double hi,
                     unsigned *seed) {
  tg_array *a = tg_array_zeros(dt, ndim, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++)
    tg_array_set_f64(a, i, lo + (hi - lo) * (rand_r(seed) / (RAND_MAX + 1.0)));
  return a;
}

TEST(fgraph_clients_replace_prune) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_var *e = tg_exp(x), *s = tg_add(e, y), *t = tg_mul(e, e);
  tg_var *outs[2] = {s, t};
  tgi_fgraph fg;
  CHECK(tgi_fgraph_init(&fg, g, TG_VARS(x, y), 2, outs));
  CHECK(tgi_fgraph_n_clients(&fg, e) == 3); /* add, and mul twice */
  CHECK(tgi_fgraph_n_clients(&fg, x) == 1);
  CHECK(tgi_fgraph_n_clients(&fg, s) == 1); /* output 0 */
  /* replace exp(x) by log(x): exp leaves, its clients move */
  tg_var *l = tg_log(x);
  CHECK(tgi_fgraph_replace(&fg, e, l, "test"));
  CHECK(!tgi_fgraph_alive(&fg, e->owner));
  CHECK(tgi_fgraph_alive(&fg, l->owner));
  CHECK(tgi_fgraph_n_clients(&fg, e) == 0);
  CHECK(tgi_fgraph_n_clients(&fg, l) == 3);
  CHECK(tgi_fgraph_n_clients(&fg, x) == 1); /* only log now */
  CHECK(s->owner->in[0] == l);
  /* replacing an output moves the output slot */
  CHECK(tgi_fgraph_replace(&fg, t, y, "test"));
  CHECK(outs[1] == y);
  CHECK(!tgi_fgraph_alive(&fg, t->owner));
  CHECK(tgi_fgraph_n_clients(&fg, l) == 1); /* the mul left with its uses */
  tg_node *order[64];
  CHECK(tgi_fgraph_toposort(&fg, order) == 2); /* log, add */
  CHECK(order[0] == l->owner && order[1] == s->owner);
  /* type mismatch: an error naming the rewrite, nothing changed */
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  CHECK(!tgi_fgraph_replace(&fg, s, m, "local_bad"));
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "rewrite local_bad: replacement of type TensorType(float64, (?, ?))");
  CHECK(outs[0] == s);
  tgi_fgraph_free(&fg);
  tg_graph_free(g);
}

TEST(merge_cse_and_constants) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_add(tg_mul(tg_exp(x), tg_const_f64(g, 2.0)), tg_mul(tg_exp(x), tg_const_f64(g, 2.0)));
  tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), "FAST_RUN", "fusion");
  CHECK(f && rw_count_op(f, "Elemwise{exp}") == 1 && rw_count_op(f, "Elemwise{mul}") == 1);
  CHECK(rw_fired(f, "merge") >= 2); /* the constant 2.0, then exp, then mul */
  tg_function *u = rw_compile(g, TG_VARS(x), TG_VARS(y), "FAST_RUN", "fusion:merge");
  CHECK(u && rw_count_op(u, "Elemwise{exp}") == 2 && rw_fired(u, "merge") == 0);
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){0, 1, -2}), *r[2];
  CHECK_STATUS(tg_function_call(f, &a, &r[0]), TG_OK);
  CHECK_STATUS(tg_function_call(u, &a, &r[1]), TG_OK);
  for (int i = 0; i < 3; i++) {
    double want = 4 * exp(tg_array_get_f64(a, i));
    CHECK_CLOSE(tg_array_get_f64(r[0], i), want, 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(r[1], i), want, 1e-15, 0);
  }
  tg_array_unref(r[0]);
  tg_array_unref(r[1]);
  tg_array_unref(a);
  tg_function_free(f);
  tg_function_free(u);
  tg_graph_free(g);
}

TEST(constant_folding_in_both_modes) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32);
  tg_array *k = tg_array_from_f32(1, (int64_t[]){3}, (float[]){1, 2, 3});
  tg_var *c = tg_mul(tg_constant(g, k), tg_const_f64(g, 3.0));
  tg_array_unref(k); /* the graph holds its own reference */
  tg_var *y = tg_add(x, tg_exp(c));
  for (int m = 0; m < 2; m++) {
    tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), m ? "FAST_COMPILE" : "FAST_RUN", NULL);
    CHECK(f != NULL);
    CHECK(rw_fired(f, "constant_folding") == 2);
    CHECK(rw_count_op(f, "Elemwise{exp}") == 0 && rw_count_op(f, "Elemwise{mul}") == 0);
    CHECK(tg_function_n_nodes(f) == 1); /* the add (or a one-op loop) */
    tg_array *a = tg_array_from_f32(1, (int64_t[]){3}, (float[]){1, 1, 1}), *r;
    CHECK_STATUS(tg_function_call(f, &a, &r), TG_OK);
    for (int i = 0; i < 3; i++) {
      float want = 1.0f + (float)exp((double)(float)(3.0f * (float)(i + 1)));
      CHECK(((float *)tg_array_data(r))[i] == want);
    }
    tg_array_unref(a);
    tg_array_unref(r);
    tg_function_free(f);
  }
  tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), "FAST_RUN", "constant_folding:fusion");
  CHECK(f && rw_count_op(f, "Elemwise{exp}") == 1 && rw_count_op(f, "Elemwise{mul}") == 1);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(modes_flags_and_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_mul(tg_exp(x), x);
  tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), NULL, NULL);
  CHECK(f && rw_count_op(f, "Composite*") == 1 && rw_fired(f, "elemwise_fusion") == 1);
  tg_function_free(f);
  /* the configuration's mode and exclusions, as TGRAPH_FLAGS would set them */
  CHECK_STATUS(tg_config_set("mode", "FAST_COMPILE"), TG_OK);
  f = rw_compile(g, TG_VARS(x), TG_VARS(y), NULL, NULL);
  CHECK(f && rw_count_op(f, "Composite*") == 0 && rw_count_op(f, "Elemwise*") == 2);
  tg_function_free(f);
  CHECK_STATUS(tg_config_set("mode", "FAST_RUN"), TG_OK);
  CHECK_STATUS(tg_config_set("optimizer_excluding", "fusion"), TG_OK); /* a tag */
  f = rw_compile(g, TG_VARS(x), TG_VARS(y), NULL, NULL);
  CHECK(f && rw_count_op(f, "Composite*") == 0);
  tg_function_free(f);
  CHECK_STATUS(tg_config_set("optimizer_excluding", ""), TG_OK);
  /* FAST_COMPILE plus one rewrite switched on by name */
  tg_options *o = tg_options_new();
  CHECK_STATUS(tg_options_set(o, "mode", "FAST_COMPILE"), TG_OK);
  CHECK_STATUS(tg_options_set(o, "optimizer_including", "elemwise_fusion"), TG_OK);
  f = tg_function_new(g, TG_VARS(x), TG_VARS(y), o);
  CHECK(f && rw_count_op(f, "Composite*") == 1);
  tg_function_free(f);
  /* an unknown name is an error naming it */
  CHECK_STATUS(tg_options_set(o, "optimizer_excluding", "fusion:no_such_rewrite"), TG_OK);
  CHECK(tg_function_new(g, TG_VARS(x), TG_VARS(y), o) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "no rewrite or tag is called 'no_such_rewrite'");
  CHECK_STATUS(tg_options_set(o, "mode", "FASTEST"), TG_ERR_ARG);
  CHECK_STATUS(tg_config_set("mode", "FASTEST"), TG_ERR_ARG);
  tg_options_free(o);
  tg_graph_free(g);
}

TEST(trace_prints_each_rewrite) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_add(x, tg_mul(tg_const_f64(g, 2.0), tg_const_f64(g, 3.0)));
  char path[] = "/tmp/tg_trace_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  tg_options *o = tg_options_new();
  tg_options_set(o, "optimizer_verbose", "true");
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y), o);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char buf[4096] = "";
  FILE *fp = fopen(path, "r");
  size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
  buf[n] = 0;
  if (fp) fclose(fp);
  close(fd);
  unlink(path);
  CHECK(f != NULL);
  CHECK_ERROR_CONTAINS(buf, "tgraph: rewrite constant_folding: (2.0 * 3.0) -> 6.0");
  tg_options_free(o);
  tg_function_free(f);
  tg_graph_free(g);
}

/* W2's expression: one loop, with a broadcasting row, in both float dtypes. */
TEST(elemwise_fusion_values) {
  unsigned seed = 7;
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *a = tg_matrix(g, "a", dt), *b = tg_matrix(g, "b", dt);
    tg_var *c = tg_tensor(g, "c", dt, 2, (int64_t[]){1, -1});
    tg_var *y = tg_sub(tg_add(tg_mul(a, b), tg_exp(c)), tg_mul(tg_tanh(a), tg_const_f64(g, 0.5)));
    tg_function *f = rw_compile(g, TG_VARS(a, b, c), TG_VARS(y), "FAST_RUN", NULL);
    CHECK(f && rw_count_op(f, "Composite*") == 1 && tg_function_n_nodes(f) == 1);
    tg_function_free(f);
    int64_t s[2] = {5, 7}, s1[2] = {1, 7};
    tg_array *args[3] = {rnd(dt, 2, s, -2, 2, &seed), rnd(dt, 2, s, -2, 2, &seed),
                         rnd(dt, 2, s1, -2, 2, &seed)};
    CHECK(rw_check_modes(g, TG_VARS(a, b, c), TG_VARS(y), args, 0, 0) == 0); /* exact */
    /* a transposed (non-contiguous) input */
    tg_array *t = rnd(dt, 2, (int64_t[]){7, 5}, -2, 2, &seed);
    tg_array *tt = tg_array_transpose(t);
    tg_array *args2[3] = {tt, args[1], args[2]};
    CHECK(rw_check_modes(g, TG_VARS(a, b, c), TG_VARS(y), args2, 0, 0) == 0);
    /* shape errors name the fused loop */
    tg_array *bad = rnd(dt, 2, (int64_t[]){4, 7}, 0, 1, &seed), *r = NULL;
    tg_array *args3[3] = {args[0], bad, args[2]};
    f = rw_compile(g, TG_VARS(a, b, c), TG_VARS(y), "FAST_RUN", NULL);
    CHECK_STATUS(tg_function_call(f, args3, &r), TG_ERR_SHAPE);
    CHECK_ERROR_CONTAINS(tg_function_error(f), "shapes do not match");
    tg_function_free(f);
    for (int i = 0; i < 3; i++) tg_array_unref(args[i]);
    tg_array_unref(t);
    tg_array_unref(tt);
    tg_array_unref(bad);
    tg_graph_free(g);
  }
}

/* A member the function also returns becomes a second output of the loop; mixed dtypes
   and integer ops stay exact. */
TEST(elemwise_fusion_several_outputs_and_dtypes) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT32), *i = tg_vector(g, "i", TG_INT32);
  tg_var *e = tg_exp(x);
  tg_var *y = tg_add(tg_mul(e, tg_const_f64(g, 2.0)), tg_cast(tg_mul(i, i), TG_FLOAT32));
  tg_var *z = tg_floor_div(tg_add(i, tg_const_i64(g, 7)), tg_const_i64(g, 2));
  tg_function *f = rw_compile(g, TG_VARS(x, i), TG_VARS(y, e, z), "FAST_RUN", NULL);
  CHECK(f != NULL);
  CHECK(rw_count_op(f, "Composite*") == 2); /* y with e as a second output; z */
  CHECK(tg_function_n_nodes(f) == 2);
  tg_function_free(f);
  unsigned seed = 3;
  tg_array *ai = tg_array_from_i32(1, (int64_t[]){4}, (int32_t[]){-5, 0, 3, 46340});
  tg_array *args[2] = {rnd(TG_FLOAT32, 1, (int64_t[]){4}, -3, 3, &seed), ai};
  CHECK(rw_check_modes(g, TG_VARS(x, i), TG_VARS(y, e, z), args, 0, 0) == 0);
  tg_array_unref(args[0]);
  tg_array_unref(ai);
  tg_graph_free(g);
}

TEST(reduce_fusion) {
  unsigned seed = 11;
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT32), *b = tg_matrix(g, "b", TG_FLOAT32);
  tg_var *d = tg_sub(a, b);
  tg_var *ss = tg_sum(tg_pow(d, tg_const_f64(g, 2.0)), TG_ALL_AXES, false);
  tg_var *mx = tg_max(tg_abs(d), TG_AXES(1), true);
  tg_var *mn = tg_mean(tg_exp(a), TG_AXES(0), false);
  tg_function *f = rw_compile(g, TG_VARS(a, b), TG_VARS(ss, mx, mn), "FAST_RUN", NULL);
  CHECK(f != NULL);
  CHECK(rw_count_op(f, "FusedSum*") == 1 && rw_count_op(f, "FusedMax*") == 1 &&
        rw_count_op(f, "FusedMean*") == 1);
  CHECK(rw_fired(f, "reduce_fusion") == 3);
  tg_function_free(f);
  /* d feeds two reductions: it stays a node of its own */
  tg_array *args[2] = {rnd(TG_FLOAT32, 2, (int64_t[]){33, 17}, -1, 1, &seed),
                       rnd(TG_FLOAT32, 2, (int64_t[]){33, 17}, -1, 1, &seed)};
  CHECK(rw_check_modes(g, TG_VARS(a, b), TG_VARS(ss, mx, mn), args, 1e-6, 1e-6) == 0);
  /* empty inputs */
  tg_array *e0[2] = {tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){0, 4}),
                     tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){0, 4})};
  tg_var *s0 = tg_sum(tg_mul(a, b), TG_AXES(0), false);
  CHECK(rw_check_modes(g, TG_VARS(a, b), TG_VARS(s0), e0, 0, 0) == 0);
  for (int i = 0; i < 2; i++) {
    tg_array_unref(args[i]);
    tg_array_unref(e0[i]);
  }
  tg_graph_free(g);
}

TEST(function_reports_rewrites) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_sum(tg_mul(tg_exp(x), tg_add(tg_const_f64(g, 1.0), tg_const_f64(g, 1.0))),
                     TG_ALL_AXES, false);
  tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), "FAST_RUN", NULL);
  CHECK(f != NULL);
  int n = tg_function_n_rewrites(f);
  CHECK(n >= 3);
  bool saw_fold = false;
  for (int i = 0; i < n; i++) {
    int64_t c = 0;
    const char *name = tg_function_rewrite(f, i, &c);
    CHECK(name && c >= 1 && tgi_rewrite_find(name) >= 0);
    saw_fold |= strcmp(name, "constant_folding") == 0;
  }
  CHECK(saw_fold);
  CHECK(tg_function_rewrite(f, n, NULL) == NULL && tg_function_rewrite(f, -1, NULL) == NULL);
  tg_function_free(f);
  tg_graph_free(g);
}

/* ---- scale: deep chains and big graphs, compiled on a 256 KiB stack ---- */

typedef struct {
  int n;
  bool ok;
  double got, want;
} chain_job;

static void *chain_thread(void *p) {
  chain_job *j = p;
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *y = x;
  double v = 0.5, want = v;
  for (int i = 0; i < j->n; i++) {
    switch (i % 4) {
      case 0: y = tg_mul(y, tg_const_f64(g, 0.999)); want *= 0.999; break;
      case 1: y = tg_add(y, tg_const_f64(g, 0.001)); want += 0.001; break;
      case 2: y = tg_sin(y); want = sin(want); break;
      default: y = tg_abs(y); want = fabs(want); break;
    }
  }
  tg_function *f = rw_compile(g, TG_VARS(x), TG_VARS(y), "FAST_RUN", NULL);
  tg_array *a = tg_array_scalar(TG_FLOAT64, v), *r = NULL;
  j->ok = f && tg_function_n_nodes(f) == 1 && rw_count_op(f, "Composite*") == 1 &&
          tg_function_call(f, &a, &r) == TG_OK;
  j->got = r ? tg_array_get_f64(r, 0) : NAN;
  j->want = want;
  tg_array_unref(a);
  tg_array_unref(r);
  tg_function_free(f);
  tg_graph_free(g);
  return NULL;
}

/* A random DAG of n elementwise/reduce/shape nodes over 4 inputs, compiled in FAST_RUN. */
static void *random_thread(void *p) {
  chain_job *j = p;
  tg_graph *g = tg_graph_new();
  tg_var *in[4];
  for (int i = 0; i < 4; i++) in[i] = tg_vector(g, NULL, TG_FLOAT64);
  tg_var **pool = malloc(sizeof(tg_var *) * (size_t)(j->n + 4));
  int np = 4;
  memcpy(pool, in, sizeof in);
  unsigned seed = 5;
  for (int i = 0; i < j->n; i++) {
    tg_var *a = pool[np - 1 - rand_r(&seed) % (np < 50 ? np : 50)];
    tg_var *b = pool[rand_r(&seed) % np];
    tg_var *r;
    switch (rand_r(&seed) % 5) {
      case 0: r = tg_add(a, b); break;
      case 1: r = tg_mul(a, tg_const_f64(g, 0.5)); break;
      case 2: r = tg_tanh(a); break;
      case 3: r = tg_sub(a, tg_mean(b, TG_ALL_AXES, true)); break;
      default: r = tg_maximum(a, b); break;
    }
    pool[np++] = r;
  }
  tg_var *outs[3] = {pool[np - 1], pool[np - 2], pool[np / 2]};
  tg_function *f = rw_compile(g, 4, in, 3, outs, "FAST_RUN", NULL);
  j->ok = f != NULL && tg_function_n_nodes(f) < j->n;
  if (!f) fprintf(stderr, "random graph: %s\n", tg_graph_error(g));
  tg_function_free(f);
  tg_graph_free(g);
  free(pool);
  return NULL;
}

static void run_small_stack(void *(*fn)(void *), chain_job *j) {
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstacksize(&at, 256 * 1024);
  pthread_t t;
  CHECK(pthread_create(&t, &at, fn, j) == 0);
  pthread_join(t, NULL);
  pthread_attr_destroy(&at);
}

TEST(chain_of_10000_ops_fuses_into_one_loop) {
  chain_job j = {.n = 10000};
  run_small_stack(chain_thread, &j);
  CHECK(j.ok);
  CHECK_CLOSE(j.got, j.want, 1e-12, 1e-12);
}

TEST(random_graph_of_100000_nodes_compiles) {
#ifdef __SANITIZE_ADDRESS__
  chain_job j = {.n = 20000};
#else
  chain_job j = {.n = 100000};
#endif
  run_small_stack(random_thread, &j);
  CHECK(j.ok);
}

/* A default update (a random stream's state) reached through givens keeps one draw: the
   output and the state update come from the same node. */
TEST(default_update_through_givens) {
  tg_graph *g = tg_graph_new();
  tg_array *z = tg_array_from_f64(1, (int64_t[]){1}, (double[]){0});
  tg_var *s = tg_shared(g, "s", z, false);
  tg_var *step = tg_add(s, tg_const_f64(g, 1.0));
  CHECK_STATUS(tg_shared_set_default_update(s, step), TG_OK);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *y = tg_add(x, step); /* x + (s + 1); the update writes s + 1 */
  tg_var *xs = tg_shared(g, "xs", z, false);
  tg_options *o = tg_options_new();
  CHECK_STATUS(tg_options_given(o, x, xs), TG_OK);
  tg_function *f = tg_function_new(g, 0, NULL, TG_VARS(y), o);
  CHECK(f != NULL);
  tg_array *r = NULL;
  for (int k = 1; k <= 3 && f; k++) {
    CHECK_STATUS(tg_function_call(f, NULL, &r), TG_OK);
    CHECK(tg_array_get_f64(r, 0) == k);
    tg_array_unref(r);
  }
  tg_array *v = tg_shared_get(s, false);
  CHECK(v && tg_array_get_f64(v, 0) == 3);
  tg_array_unref(v);
  /* no_default_updates: s stays */
  CHECK_STATUS(tg_options_set(o, "no_default_updates", "true"), TG_OK);
  tg_function *f2 = tg_function_new(g, 0, NULL, TG_VARS(y), o);
  CHECK_STATUS(tg_function_call(f2, NULL, &r), TG_OK);
  CHECK(tg_array_get_f64(r, 0) == 4);
  tg_array_unref(r);
  v = tg_shared_get(s, false);
  CHECK(v && tg_array_get_f64(v, 0) == 3);
  tg_array_unref(v);
  tg_function_free(f);
  tg_function_free(f2);
  tg_options_free(o);
  tg_array_unref(z);
  tg_graph_free(g);
}
