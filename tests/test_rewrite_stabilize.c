/* test_rewrite_stabilize.c: every stabilising rewrite (src/rewrite/stabilize.c), each
   on float64 and float32: the compiled graph before and after (it fired, the stable op is
   there and the unstable one gone; excluded by name, it did not fire and the old form
   stays), numeric agreement with FAST_COMPILE on random inputs where the naive form is
   accurate, and the cases where it must not fire (a constant that is not 1, a constant
   that broadcasts the result, integer arithmetic). Also the SoftmaxCrossentropyInt op
   itself: values against libm, out-of-range labels, shapes, and tg_verify_grad. */
#include "harness.h"
#include "ops/blas_gemm.h"
#include "rewrite/rewrite.h"
#include "rewrite_check.h"

static uint64_t seed = 0x853c49e6748fea9bull;

/* Random array in [lo, hi). */
static tg_array *rnd(tg_dtype dt, int nd, const int64_t *shape, double lo, double hi) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    tg_array_set_f64(a, i, lo + (hi - lo) * (double)(seed >> 11) * 0x1.0p-53);
  }
  return a;
}

/* A constant holding a 0-d value of dtype dt (a typed, not weak, constant). */
static tg_var *typed(tg_graph *g, tg_dtype dt, double v) { return tg_const_typed(g, dt, v); }

/* An integer label constant [0, 2, 1, ...] for n rows of k classes. */
static tg_var *labels(tg_graph *g, int n, int k) {
  int64_t v[16];
  for (int i = 0; i < n; i++) v[i] = (i * 2) % k;
  tg_array *a = tg_array_from_i64(1, (int64_t[]){n}, v);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

typedef tg_var *(*build_fn)(tg_graph *g, tg_var *x);

typedef struct {
  const char *what;
  build_fn build;
  int rank;           /* of x: 1 vector (5,), 2 matrix (3, 4) */
  double lo, hi;      /* input range, where the naive form is accurate */
  const char *rw;     /* the rewrite that must fire */
  const char *after;  /* an op there after it (rw_count_op pattern) */
  const char *before; /* an op gone after it, there when it is excluded */
} rw_case;

static tg_var *b_log_1_plus(tg_graph *g, tg_var *x) { return tg_log(tg_add(tg_const_f64(g, 1), x)); }
static tg_var *b_log_plus_1_typed(tg_graph *g, tg_var *x) {
  return tg_log(tg_add(x, typed(g, tg_var_dtype(x), 1)));
}
static tg_var *b_log_1_minus(tg_graph *g, tg_var *x) { return tg_log(tg_sub(tg_const_i64(g, 1), x)); }
static tg_var *b_exp_minus_1(tg_graph *g, tg_var *x) { return tg_sub(tg_exp(x), tg_const_f64(g, 1)); }
static tg_var *b_exp_plus_m1(tg_graph *g, tg_var *x) {
  return tg_add(tg_const_f64(g, -1), tg_exp(x));
}
static tg_var *b_softplus(tg_graph *g, tg_var *x) {
  return tg_log(tg_add(tg_const_f64(g, 1), tg_exp(x)));
}
static tg_var *b_sigmoid_form(tg_graph *g, tg_var *x) {
  return tg_true_div(tg_const_f64(g, 1), tg_add(tg_const_f64(g, 1), tg_exp(tg_neg(x))));
}
static tg_var *b_sigmoid_recip(tg_graph *g, tg_var *x) {
  return tg_reciprocal(tg_add(tg_exp(x), tg_const_f64(g, 1))); /* sigmoid(-x) */
}
static tg_var *b_log_sigmoid(tg_graph *g, tg_var *x) { (void)g; return tg_log(tg_sigmoid(x)); }
static tg_var *b_log1m_sigmoid(tg_graph *g, tg_var *x) {
  return tg_log(tg_sub(tg_const_f64(g, 1), tg_sigmoid(x)));
}
static tg_var *b_bce_sigmoid(tg_graph *g, tg_var *x) { /* log(s) and log1p(-s) both */
  return tg_binary_crossentropy(tg_sigmoid(x), tg_const_f64(g, 0.25));
}
static tg_var *b_log_softmax(tg_graph *g, tg_var *x) { (void)g; return tg_log(tg_softmax(x, 1)); }
static tg_var *b_log_softmax0(tg_graph *g, tg_var *x) { (void)g; return tg_log(tg_softmax(x, 0)); }
static tg_var *b_logsumexp(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_log(tg_sum(tg_exp(x), TG_AXES(1), true));
}
static tg_var *b_logsumexp_all(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_log(tg_sum(tg_exp(x), TG_ALL_AXES, false));
}
static tg_var *b_sqrt_sqr(tg_graph *g, tg_var *x) { (void)g; return tg_sqrt(tg_sqr(x)); }
static tg_var *b_sqrt_mul(tg_graph *g, tg_var *x) { (void)g; return tg_sqrt(tg_mul(x, x)); }
static tg_var *b_sqrt_pow(tg_graph *g, tg_var *x) { return tg_sqrt(tg_pow(x, tg_const_i64(g, 2))); }
static tg_var *b_xent(tg_graph *g, tg_var *x) {
  return tg_categorical_crossentropy(tg_softmax(x, 1), labels(g, 3, 4));
}
static tg_var *b_xent_grad(tg_graph *g, tg_var *x) {
  tg_var *c = tg_sum(tg_categorical_crossentropy(tg_softmax(x, -1), labels(g, 3, 4)),
                     TG_ALL_AXES, false), *gx = NULL;
  return tg_grad(tg_mul(c, tg_const_f64(g, 0.5)), 1, &x, &gx) == TG_OK ? gx : NULL;
}

static const rw_case cases[] = {
    {"log(1 + x)", b_log_1_plus, 1, -0.5, 3, "local_log1p", "Elemwise{log1p}", "Elemwise{log}"},
    {"log(x + 1) typed 1", b_log_plus_1_typed, 2, -0.5, 3, "local_log1p", "Elemwise{log1p}",
     "Elemwise{log}"},
    {"log(1 - x)", b_log_1_minus, 1, -3, 0.5, "local_log1p", "Elemwise{log1p}", "Elemwise{log}"},
    {"exp(x) - 1", b_exp_minus_1, 1, -2, 2, "local_expm1", "Elemwise{expm1}", "Elemwise{exp}"},
    {"-1 + exp(x)", b_exp_plus_m1, 2, -2, 2, "local_expm1", "Elemwise{expm1}", "Elemwise{exp}"},
    {"log(1 + exp(x))", b_softplus, 1, -5, 5, "local_log1p_exp", "Elemwise{softplus}",
     "Elemwise{exp}"},
    {"1 / (1 + exp(-x))", b_sigmoid_form, 2, -5, 5, "local_sigmoid_form", "Elemwise{sigmoid}",
     "Elemwise{exp}"},
    {"reciprocal(exp(x) + 1)", b_sigmoid_recip, 1, -5, 5, "local_sigmoid_form",
     "Elemwise{sigmoid}", "Elemwise{exp}"},
    {"log(sigmoid(x))", b_log_sigmoid, 1, -5, 5, "local_log_sigmoid", "Elemwise{softplus}",
     "Elemwise{sigmoid}"},
    {"log(1 - sigmoid(x))", b_log1m_sigmoid, 2, -5, 5, "local_log1m_sigmoid",
     "Elemwise{softplus}", "Elemwise{sigmoid}"},
    {"binary_crossentropy(sigmoid(x))", b_bce_sigmoid, 1, -5, 5, "local_log1m_sigmoid",
     "Elemwise{softplus}", "Elemwise{log1p}"},
    {"log(softmax(x, 1))", b_log_softmax, 2, -3, 3, "local_log_softmax", "LogSoftmax{axis=1}",
     "Softmax{axis=1}"},
    {"log(softmax(x, 0))", b_log_softmax0, 2, -3, 3, "local_log_softmax", "LogSoftmax{axis=0}",
     "Softmax{axis=0}"},
    {"log(sum(exp(x), 1, keepdims))", b_logsumexp, 2, -3, 3, "local_logsumexp",
     "LogSumExp{axes=(1,), keepdims}", "Elemwise{exp}"},
    {"log(sum(exp(x)))", b_logsumexp_all, 1, -3, 3, "local_logsumexp", "LogSumExp{axes=(0,)}",
     "Elemwise{exp}"},
    {"sqrt(sqr(x))", b_sqrt_sqr, 1, -3, 3, "local_sqrt_sqr", "Elemwise{abs}", "Elemwise{sqrt}"},
    {"sqrt(x * x)", b_sqrt_mul, 2, -3, 3, "local_sqrt_sqr", "Elemwise{abs}", "Elemwise{sqrt}"},
    {"sqrt(x ** 2)", b_sqrt_pow, 1, -3, 3, "local_sqrt_sqr", "Elemwise{abs}", "Elemwise{sqrt}"},
    {"xent(softmax(x), labels)", b_xent, 2, -3, 3, "local_softmax_xent_int",
     "SoftmaxCrossentropyInt", "CrossentropyCategorical1Hot"},
    {"grad of xent(softmax(x), labels)", b_xent_grad, 2, -3, 3, "local_xent_softmax_grad",
     "Softmax{axis=1}", "Elemwise{true_div}"},
};

/* Fusion off, so that the single ops stay visible by name. */
static void check_case(const rw_case *c, tg_dtype dt) {
  tg_graph *g = tg_graph_new();
  int64_t shape[2] = {c->rank == 1 ? 5 : 3, 4};
  tg_var *x = tg_tensor(g, "x", dt, c->rank, (int64_t[]){-1, -1});
  tg_var *y = c->build(g, x);
  CHECK(y != NULL);
  if (!y) {
    fprintf(stderr, "%s: %s\n", c->what, tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  char excl[160];
  snprintf(excl, sizeof excl, "fusion:%s", c->rw);
  tg_function *f = rw_compile(g, 1, &x, 1, &y, "FAST_RUN", "fusion");
  tg_function *u = rw_compile(g, 1, &x, 1, &y, "FAST_RUN", excl);
  CHECK(f && u);
  if (f && u) {
    bool ok = rw_fired(f, c->rw) >= 1 && rw_count_op(f, c->after) >= 1 &&
              rw_count_op(f, c->before) == 0 && rw_fired(u, c->rw) == 0 &&
              rw_count_op(u, c->before) >= 1;
    if (!ok) {
      char *t1 = rw_graph_text(f), *t2 = rw_graph_text(u);
      TH_FAIL("%s (%s): rewrite %s: fired %lld/%lld; after:\n%sexcluded:\n%s", c->what,
              tg_dtype_name(dt), c->rw, (long long)rw_fired(f, c->rw),
              (long long)rw_fired(u, c->rw), t1 ? t1 : "", t2 ? t2 : "");
      free(t1);
      free(t2);
    }
    th_checks++;
  }
  tg_function_free(f);
  tg_function_free(u);
  tg_array *a = rnd(dt, c->rank, shape, c->lo, c->hi);
  double tol = dt == TG_FLOAT32 ? 1e-5 : 1e-12;
  CHECK(rw_check_modes(g, 1, &x, 1, &y, &a, tol, tol) == 0);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(each_rewrite_fires_and_agrees_float64) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT64);
}

TEST(each_rewrite_fires_and_agrees_float32) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], TG_FLOAT32);
}

/* Compiles y of x in FAST_RUN and returns how often rewrite rw fired (-1: no compile). */
static int64_t fired(tg_graph *g, tg_var *x, tg_var *y, const char *rw) {
  tg_function *f = rw_compile(g, 1, &x, 1, &y, "FAST_RUN", NULL);
  int64_t n = f ? rw_fired(f, rw) : -1;
  tg_function_free(f);
  return n;
}

TEST(does_not_fire_where_it_must_not) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  /* a constant other than 1 */
  CHECK(fired(g, x, tg_log(tg_add(tg_const_f64(g, 2), x)), "local_log1p") == 0);
  CHECK(fired(g, x, tg_sub(tg_exp(x), tg_const_f64(g, 2)), "local_expm1") == 0);
  CHECK(fired(g, x, tg_log(tg_sub(x, tg_const_f64(g, 1))), "local_log1p") == 0);
  /* a constant 1 of shape (2, 3): log1p(x) would have the wrong shape */
  tg_array *ones = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  for (int i = 0; i < 6; i++) tg_array_set_f64(ones, i, 1);
  tg_var *c = tg_constant(g, ones);
  tg_var *v3 = tg_tensor(g, "v3", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *y = tg_log(tg_add(c, v3));
  CHECK(fired(g, v3, y, "local_log1p") == 0);
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){0.5, 1, 2});
  CHECK(rw_check_modes(g, 1, &v3, 1, &y, &a, 1e-15, 0) == 0);
  /* integer arithmetic: 1 + x wraps in int8, log1p(x) would not */
  tg_var *xi = tg_vector(g, "xi", TG_INT8);
  tg_var *yi = tg_log(tg_add(xi, tg_const_i64(g, 1)));
  CHECK(fired(g, xi, yi, "local_log1p") == 0);
  int8_t iv[2] = {127, 3};
  tg_array *ai = tg_array_from_data(TG_INT8, 1, (int64_t[]){2}, iv);
  CHECK(rw_check_modes(g, 1, &xi, 1, &yi, &ai, 1e-6, 0) == 0);
  /* an integer negation may wrap (-(-128) is -128 in int8): 1 / (1 + exp(-x)) is then
     sigmoid(-(float)(-x)), not sigmoid(x) */
  tg_var *yw = tg_true_div(tg_const_f64(g, 1), tg_add(tg_const_f64(g, 1), tg_exp(tg_neg(xi))));
  int8_t wv[3] = {-128, 5, -3};
  tg_array *aw = tg_array_from_data(TG_INT8, 1, (int64_t[]){3}, wv);
  CHECK(fired(g, xi, yw, "local_sigmoid_form") == 1);
  CHECK(rw_check_modes(g, 1, &xi, 1, &yw, &aw, 1e-6, 0) == 0);
  tg_array_unref(aw);
  /* log(softmax) over a softmax of another dtype than the log's result is impossible;
     log of a softmax used elsewhere still fires (the softmax stays for its other use) */
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *s = tg_softmax(m, 1);
  tg_var *two[2] = {tg_log(s), s};
  tg_function *f = rw_compile(g, 1, &m, 2, two, "FAST_RUN", "fusion");
  CHECK(f && rw_fired(f, "local_log_softmax") == 1 && rw_count_op(f, "Softmax{axis=1}") == 1);
  tg_function_free(f);
  tg_array_unref(ones);
  tg_array_unref(a);
  tg_array_unref(ai);
  tg_graph_free(g);
}

/* ---- SoftmaxCrossentropyInt ---- */

TEST(softmax_xent_int_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *l = tg_vector(g, "l", TG_INT32);
  tg_var *sm = NULL, *nll = tgi_softmax_xent_int(x, l, &sm);
  CHECK(nll && sm);
  tg_var *outs[2] = {nll, sm};
  tg_function *f = rw_compile(g, TG_VARS(x, l), 2, outs, "FAST_COMPILE", NULL);
  CHECK(f != NULL);
  double xv[6] = {1, 2, 3, -1000, 0, 1000};
  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 3}, xv);
  tg_array *b = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){0, 1});
  tg_array *r[2] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b}, r), TG_OK);
  if (r[0] && r[1]) {
    /* row 0: log(e + e^2 + e^3) - 1; row 1: 1000 + log1p(e^-1000 + e^-2000) - 0 = 1000 */
    double lse = 3 + log(1 + exp(-1.0) + exp(-2.0));
    CHECK_CLOSE(tg_array_get_f64(r[0], 0), lse - 1, 1e-15, 0);
    CHECK_CLOSE(tg_array_get_f64(r[0], 1), 1000, 1e-15, 0);
    for (int j = 0; j < 3; j++) CHECK_CLOSE(tg_array_get_f64(r[1], j), exp(xv[j] - lse), 1e-15, 0);
    CHECK(tg_array_get_f64(r[1], 5) == 1 && tg_array_get_f64(r[1], 3) == 0);
  }
  tg_array_unref(r[0]);
  tg_array_unref(r[1]);
  /* a label out of range is a run-time error naming it */
  tg_array *bad = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){0, 3});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, bad}, r), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "label 3 of row 1 is out of range for 3 classes");
  /* one label per row */
  tg_array *short_l = tg_array_from_i32(1, (int64_t[]){1}, (int32_t[]){0});
  CHECK(tg_function_call(f, (tg_array *[]){a, short_l}, r) != TG_OK);
  tg_function_free(f);
  /* static checks: float logits, integer labels */
  tg_var *fl = tg_vector(g, "fl", TG_FLOAT64);
  CHECK(tgi_softmax_xent_int(x, fl, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "SoftmaxCrossentropyInt: needs a float64 matrix");
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(bad);
  tg_array_unref(short_l);
  tg_graph_free(g);
}

TEST(softmax_xent_int_infer_shape) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *l = tg_vector(g, "l", TG_INT64);
  tg_var *sm = NULL, *nll = tgi_softmax_xent_int(x, l, &sm);
  tg_var *outs[2] = {tg_infer_shape(nll), tg_infer_shape(sm)};
  tg_function *f = rw_compile(g, TG_VARS(x, l), 2, outs, "FAST_RUN", NULL);
  CHECK(f != NULL);
  tg_array *a = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){4, 7});
  tg_array *b = tg_array_zeros(TG_INT64, 1, (int64_t[]){4});
  tg_array *r[2] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b}, r), TG_OK);
  if (r[0] && r[1]) {
    CHECK(tg_array_size(r[0]) == 1 && tg_array_get_i64(r[0], 0) == 4);
    CHECK(tg_array_size(r[1]) == 2 && tg_array_get_i64(r[1], 0) == 4 &&
          tg_array_get_i64(r[1], 1) == 7);
  }
  tg_array_unref(r[0]);
  tg_array_unref(r[1]);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_function_free(f);
  tg_graph_free(g);
}

/* nll plus a weighted sum of the softmax output, so both outputs' gradients count */
static tg_var *b_fused(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  tg_var *sm = NULL, *nll = tgi_softmax_xent_int(in[0], labels(g, 3, 4), &sm);
  tg_var *w = tg_arange(g, tg_const_i64(g, 0), tg_const_i64(g, 4), tg_const_i64(g, 1),
                        tg_var_dtype(in[0]));
  return tg_add(tg_sum(nll, TG_ALL_AXES, false), tg_sum(tg_mul(sm, w), TG_ALL_AXES, false));
}
static tg_var *b_fused_nll(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  return tgi_softmax_xent_int(in[0], labels(g, 3, 4), NULL);
}

TEST(softmax_xent_int_verify_grad) {
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *a = rnd(dt, 2, (int64_t[]){3, 4}, -2, 2);
    char msg[512] = "";
    CHECK_STATUS(tg_verify_grad(b_fused, NULL, 1, &a, NULL, msg, sizeof msg), TG_OK);
    CHECK_STATUS(tg_verify_grad(b_fused_nll, NULL, 1, &a, NULL, msg, sizeof msg), TG_OK);
    if (msg[0]) fprintf(stderr, "%s\n", msg);
    tg_array_unref(a);
  }
}

TEST(rewrites_are_listed_with_docs) {
  const char *names[] = {"local_sigmoid_form", "local_log_sigmoid", "local_log1m_sigmoid",
                         "local_log1p", "local_expm1", "local_log1p_exp", "local_log_softmax",
                         "local_logsumexp", "local_sqrt_sqr", "local_softmax_xent_int",
                         "local_xent_softmax_grad"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int k = tgi_rewrite_find(names[i]);
    CHECK(k >= 0);
    if (k < 0) continue;
    const tgi_rewrite *r = tgi_rewrite_get(k);
    CHECK(r->phase == TGI_PH_STABILIZE && strstr(r->tags, "fast_run") &&
          strstr(r->tags, "stabilize") && !strstr(r->tags, "fast_compile") && r->doc[0]);
  }
  /* the whole tag can be switched off */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_log(tg_add(x, tg_const_f64(g, 1)));
  tg_function *f = rw_compile(g, 1, &x, 1, &y, "FAST_RUN", "stabilize:fusion");
  CHECK(f && rw_count_op(f, "Elemwise{log1p}") == 0 && rw_count_op(f, "Elemwise{log}") == 1);
  tg_function_free(f);
  tg_graph_free(g);
}
