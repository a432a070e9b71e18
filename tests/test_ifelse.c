/* test_ifelse.c: the lazy conditional. Values for both branches and every kind of
   condition (bool, int, float, NaN), several outputs (more than one node's worth), type
   errors; laziness proven by counting how often a test-local counting op runs (a branch not
   taken is never computed, nested ifelses skip at both levels, work a branch shares with
   the rest of the graph is still done) and by a branch that would fail if run; gradients
   through both branches by finite differences; the shape rule; ifelse inside scan. */
#include "harness.h"
#include "ops/op.h"
#include "rewrite_check.h"

/* ---- a counting identity op: how many times did the VM run it? ---- */

static int n_runs;

static int count_infer(tg_graph *g, const tg_op *op, int n_in, tg_var *const *in, tg_type *out) {
  (void)g, (void)op, (void)n_in;
  out[0] = in[0]->type;
  return 1;
}

static tg_status count_perform(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                               tg_array **out, tgi_err *err) {
  (void)op, (void)n_in, (void)n_out;
  n_runs++;
  tg_array *c = tg_array_copy(in[0]);
  if (!c) return tgi_err_set(err, TG_ERR_NOMEM, "Count: out of memory");
  if (out[0]) {
    tg_status st = tg_array_copy_into(out[0], c);
    tg_array_unref(c);
    return st;
  }
  out[0] = c;
  return TG_OK;
}

static void count_describe(const tg_op *op, char *buf, size_t n) {
  (void)op;
  snprintf(buf, n, "Count");
}

static const tg_op_class count_class = {
    .name = "Count",
    .infer = count_infer,
    .perform = count_perform,
    .describe = count_describe,
    .flags = TGI_OP_IMPURE, /* never folded or merged away */
};

static tg_var *counted(tg_var *x) {
  tg_op *op = tgi_op_new(x->g, &count_class, 0, x->type.dtype, 0, NULL);
  tg_node *nd = op ? tgi_apply(op, 1, &x) : NULL;
  return nd ? nd->out[0] : NULL;
}

/* ---- helpers ---- */

static tg_array *vec(int64_t n, const double *v) { return tg_array_from_f64(1, &n, v); }

/* Call f on args; output 0 as a double at i (NAN on failure, the error printed). */
static double call1(tg_function *f, tg_array *const *args, int64_t i) {
  tg_array *out[4] = {0};
  if (tg_function_call(f, args, out) != TG_OK) {
    fprintf(stderr, "call: %s\n", tg_function_error(f));
    return NAN;
  }
  double v = tg_array_get_f64(out[0], i);
  for (int k = 0; k < tg_function_n_outputs(f); k++) tg_array_unref(out[k]);
  return v;
}

static const char *modes[] = {"FAST_RUN", "FAST_COMPILE"};

static tg_function *compile_mode(tg_graph *g, int n_in, tg_var *const *in, int n_out,
                                 tg_var *const *out, const char *mode) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "on_unused_input", "ignore");
  tg_options_set(o, "mode", mode);
  tg_function *f = tg_function_new(g, n_in, in, n_out, out, o);
  tg_options_free(o);
  if (!f) fprintf(stderr, "compile: %s\n", tg_graph_error(g));
  return f;
}

/* ---- values ---- */

TEST(values_and_conditions) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_dtype cdt[] = {TG_BOOL, TG_INT32, TG_FLOAT64, TG_UINT8};
  for (int c = 0; c < 4; c++) {
    tg_var *cond = tg_scalar(g, "c", cdt[c]);
    tg_var *r = tg_ifelse(cond, tg_mul(x, y), tg_sub(x, y));
    CHECK(r && r->type.ndim == 1 && r->type.dtype == TG_FLOAT64);
    tg_function *f = th_compile(g, 3, (tg_var *[]){cond, x, y}, 1, &r);
    CHECK(f != NULL);
    if (!f) continue;
    tg_array *xa = vec(3, (double[]){1, 2, 3}), *ya = vec(3, (double[]){4, 5, 6});
    double cv[] = {1, 0, -2, NAN};
    for (int k = 0; k < 4; k++) {
      if (cdt[c] != TG_FLOAT64 && k == 3) continue;
      tg_array *ca = tg_array_zeros(cdt[c], 0, NULL);
      tg_array_set_f64(ca, 0, cdt[c] == TG_BOOL ? (cv[k] != 0) : cdt[c] == TG_UINT8 ? fabs(cv[k]) : cv[k]);
      bool t = cv[k] != 0; /* NaN counts as true */
      for (int i = 0; i < 3; i++) {
        double a = i + 1, b = i + 4;
        CHECK_CLOSE(call1(f, (tg_array *[]){ca, xa, ya}, i), t ? a * b : a - b, 0, 0);
      }
      tg_array_unref(ca);
    }
    tg_array_unref(xa);
    tg_array_unref(ya);
    tg_function_free(f);
  }
  tg_graph_free(g);
}

TEST(several_outputs_beyond_one_node) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_scalar(g, "c", TG_BOOL), *x = tg_scalar(g, "x", TG_FLOAT64);
  enum { N = 40 }; /* more than one IfElse node holds */
  tg_var *th[N], *el[N], *out[N];
  for (int i = 0; i < N; i++) {
    th[i] = tg_mul(x, tg_const_f64(g, i));
    el[i] = tg_add(x, tg_const_f64(g, i));
  }
  CHECK_STATUS(tg_ifelse_n(c, N, th, el, out), TG_OK);
  tg_function *f = th_compile(g, 2, (tg_var *[]){c, x}, N, out);
  CHECK(f != NULL);
  if (f) {
    for (int t = 0; t < 2; t++) {
      tg_array *ca = tg_array_scalar(TG_BOOL, t), *xa = tg_array_scalar(TG_FLOAT64, 3);
      tg_array *res[N] = {0};
      CHECK_STATUS(tg_function_call(f, (tg_array *[]){ca, xa}, res), TG_OK);
      for (int i = 0; i < N; i++) {
        CHECK_CLOSE(tg_array_get_f64(res[i], 0), t ? 3.0 * i : 3.0 + i, 0, 0);
        tg_array_unref(res[i]);
      }
      tg_array_unref(ca);
      tg_array_unref(xa);
    }
    tg_function_free(f);
  }
  tg_graph_free(g);
}

TEST(type_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *i = tg_vector(g, "i", TG_INT64), *c = tg_scalar(g, "c", TG_BOOL);
  CHECK(tg_ifelse(v, v, v) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "condition must be 0-d");
  tg_graph_free(g);
  g = tg_graph_new();
  v = tg_vector(g, "v", TG_FLOAT64), m = tg_matrix(g, "m", TG_FLOAT64);
  i = tg_vector(g, "i", TG_INT64), c = tg_scalar(g, "c", TG_BOOL);
  CHECK(tg_ifelse(c, v, m) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "dtype and rank must match");
  tg_graph_free(g);
  g = tg_graph_new();
  v = tg_vector(g, "v", TG_FLOAT64), i = tg_vector(g, "i", TG_INT64), c = tg_scalar(g, "c", TG_BOOL);
  CHECK(tg_ifelse(c, v, i) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "float64");
  tg_graph_free(g);
  g = tg_graph_new();
  c = tg_scalar(g, "c", TG_BOOL), v = tg_vector(g, "v", TG_FLOAT64);
  CHECK(tg_ifelse(c, NULL, v) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "then value 0 is NULL");
  tg_graph *g2 = tg_graph_new();
  tg_var *w = tg_vector(g2, "w", TG_FLOAT64);
  CHECK_STATUS(tg_ifelse_n(c, 1, &v, &w, (tg_var *[1]){0}), TG_ERR_ARG);
  CHECK_STATUS(tg_ifelse_n(c, 0, &v, &w, (tg_var *[1]){0}), TG_ERR_ARG);
  CHECK(tg_ifelse(NULL, v, v) == NULL);
  tg_graph_free(g2);
  tg_graph_free(g);
}

/* Static dims: kept where both branches agree, unknown elsewhere; the shape rule picks the
   taken branch's dims lazily. */
TEST(static_shape_and_shape_rule) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_scalar(g, "c", TG_BOOL);
  tg_var *a = tg_specify_shape(tg_matrix(g, "a", TG_FLOAT64), 2, (int64_t[]){2, 3});
  tg_var *b = tg_specify_shape(tg_matrix(g, "b", TG_FLOAT64), 2, (int64_t[]){2, -1});
  tg_var *r = tg_ifelse(c, a, b);
  CHECK(r && r->type.shape[0] == 2 && r->type.shape[1] == -1);
  tg_var *s = tg_infer_shape(r);
  CHECK(s != NULL);
  tg_var *am = a->owner->in[0], *bm = b->owner->in[0];
  tg_function *f = th_compile(g, 3, (tg_var *[]){c, am, bm}, 1, &s);
  CHECK(f != NULL);
  if (f) {
    tg_array *aa = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
    tg_array *ba = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 5});
    for (int t = 0; t < 2; t++) {
      tg_array *ca = tg_array_scalar(TG_BOOL, t);
      CHECK_CLOSE(call1(f, (tg_array *[]){ca, aa, ba}, 1), t ? 3 : 5, 0, 0);
      tg_array_unref(ca);
    }
    tg_array_unref(aa);
    tg_array_unref(ba);
    tg_function_free(f);
  }
  tg_graph_free(g);
}

/* ---- laziness ---- */

TEST(untaken_branch_is_not_computed) {
  for (int md = 0; md < 2; md++) {
    tg_graph *g = tg_graph_new();
    tg_var *c = tg_scalar(g, "c", TG_BOOL), *x = tg_vector(g, "x", TG_FLOAT64);
    tg_var *shared = counted(tg_exp(x));            /* used by both branches */
    tg_var *t = tg_mul(counted(tg_sin(x)), shared); /* then only */
    tg_var *e = tg_add(counted(counted(tg_cos(x))), shared); /* else only: two runs */
    tg_var *r = tg_ifelse(c, t, e);
    tg_function *f = compile_mode(g, 2, (tg_var *[]){c, x}, 1, &r, modes[md]);
    CHECK(f != NULL);
    if (f) {
      tg_array *xa = vec(2, (double[]){0.5, 1.5});
      for (int tk = 0; tk < 2; tk++) {
        tg_array *ca = tg_array_scalar(TG_BOOL, tk);
        n_runs = 0;
        double got = call1(f, (tg_array *[]){ca, xa}, 1);
        CHECK_CLOSE(got, tk ? sin(1.5) * exp(1.5) : cos(1.5) + exp(1.5), 1e-15, 0);
        CHECK(n_runs == (tk ? 2 : 3)); /* shared once, plus the taken branch's own */
        tg_array_unref(ca);
      }
      tg_array_unref(xa);
      tg_function_free(f);
    }
    tg_graph_free(g);
  }
}

TEST(nested_ifelse_skips_at_both_levels) {
  tg_graph *g = tg_graph_new();
  tg_var *c1 = tg_scalar(g, "c1", TG_BOOL), *c2 = tg_scalar(g, "c2", TG_BOOL);
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64);
  /* c1 ? (c2 ? 2x : 3x) : 5x, each leaf counted once */
  tg_var *inner = tg_ifelse(c2, counted(tg_mul(x, tg_const_f64(g, 2))),
                            counted(tg_mul(x, tg_const_f64(g, 3))));
  tg_var *r = tg_ifelse(c1, inner, counted(tg_mul(x, tg_const_f64(g, 5))));
  tg_function *f = th_compile(g, 3, (tg_var *[]){c1, c2, x}, 1, &r);
  CHECK(f != NULL);
  if (f) {
    tg_array *xa = tg_array_scalar(TG_FLOAT64, 7);
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++) {
        tg_array *ca = tg_array_scalar(TG_BOOL, a), *cb = tg_array_scalar(TG_BOOL, b);
        n_runs = 0;
        CHECK_CLOSE(call1(f, (tg_array *[]){ca, cb, xa}, 0), a ? (b ? 14 : 21) : 35, 0, 0);
        CHECK(n_runs == 1);
        tg_array_unref(ca);
        tg_array_unref(cb);
      }
    tg_array_unref(xa);
    tg_function_free(f);
  }
  tg_graph_free(g);
}

/* A value a branch needs that another output also needs is computed whichever branch
   runs; the condition's own work too. */
TEST(work_needed_elsewhere_still_runs) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64);
  tg_var *sq = counted(tg_mul(x, x));
  tg_var *cond = tg_gt(counted(x), tg_const_f64(g, 0));
  tg_var *r = tg_ifelse(cond, sq, tg_neg(x));
  tg_var *outs[2] = {r, tg_add(sq, tg_const_f64(g, 1))};
  tg_function *f = th_compile(g, 1, &x, 2, outs);
  CHECK(f != NULL);
  if (f) {
    double xs[] = {3, -3};
    for (int k = 0; k < 2; k++) {
      tg_array *xa = tg_array_scalar(TG_FLOAT64, xs[k]), *res[2] = {0};
      n_runs = 0;
      CHECK_STATUS(tg_function_call(f, &xa, res), TG_OK);
      CHECK_CLOSE(tg_array_get_f64(res[0], 0), xs[k] > 0 ? 9 : 3, 0, 0);
      CHECK_CLOSE(tg_array_get_f64(res[1], 0), 10, 0, 0);
      CHECK(n_runs == 2);
      tg_array_unref(res[0]);
      tg_array_unref(res[1]);
      tg_array_unref(xa);
    }
    tg_function_free(f);
  }
  tg_graph_free(g);
}

/* The branch not taken would fail (an index past the end); it is never run. */
TEST(failing_branch_not_taken) {
  for (int md = 0; md < 2; md++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", TG_FLOAT64), *i = tg_scalar(g, "i", TG_INT64);
    tg_var *n = tg_shape_i(x, 0);
    tg_var *ok = tg_lt(i, n);
    tg_var *r = tg_ifelse(ok, tg_take(x, i, 0), tg_const_f64(g, -1));
    tg_function *f = compile_mode(g, 2, (tg_var *[]){x, i}, 1, &r, modes[md]);
    CHECK(f != NULL);
    if (f) {
      tg_array *xa = vec(3, (double[]){10, 20, 30});
      for (int64_t k = 0; k < 6; k++) {
        tg_array *ia = tg_array_scalar(TG_INT64, (double)k);
        CHECK_CLOSE(call1(f, (tg_array *[]){xa, ia}, 0), k < 3 ? 10.0 * (k + 1) : -1, 0, 0);
        tg_array_unref(ia);
      }
      tg_array_unref(xa);
      tg_function_free(f);
    }
    tg_graph_free(g);
  }
}

/* ---- gradients ---- */

static tg_var *build_branchy(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_var *c = tg_const_typed(g, TG_BOOL, *(int *)ud);
  tg_var *x = in[0], *w = in[1];
  /* then: sum(tanh(x * w)); else: sum(x)**2 * 3 + w's broadcast row */
  tg_var *t = tg_sum(tg_tanh(tg_mul(x, w)), TG_ALL_AXES, false);
  tg_var *s = tg_sum(x, TG_ALL_AXES, false);
  tg_var *e = tg_add(tg_mul(tg_mul(s, s), tg_const_f64(g, 3)), tg_sum(w, TG_ALL_AXES, false));
  return tg_ifelse(c, t, e);
}

TEST(gradient_through_both_branches) {
  for (int taken = 0; taken < 2; taken++)
    for (int dt = 0; dt < 2; dt++) {
      tg_dtype d = dt ? TG_FLOAT32 : TG_FLOAT64;
      tg_array *x = tg_array_zeros(d, 2, (int64_t[]){3, 4}), *w = tg_array_zeros(d, 2, (int64_t[]){1, 4});
      for (int k = 0; k < 12; k++) tg_array_set_f64(x, k, 0.1 * k - 0.4);
      for (int k = 0; k < 4; k++) tg_array_set_f64(w, k, 0.3 * k + 0.2);
      char msg[512] = "";
      CHECK_STATUS(tg_verify_grad(build_branchy, &taken, 2, (tg_array *[]){x, w}, NULL, msg, sizeof msg), TG_OK);
      if (msg[0]) fprintf(stderr, "%s\n", msg);
      tg_array_unref(x);
      tg_array_unref(w);
    }
}

/* d/dx of c ? x*x : 3x is exactly 2x or 3, and the condition is disconnected. */
TEST(gradient_values_and_condition_disconnected) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_scalar(g, "c", TG_BOOL), *x = tg_scalar(g, "x", TG_FLOAT64);
  tg_var *y = tg_ifelse(c, tg_mul(x, x), tg_mul(x, tg_const_f64(g, 3)));
  tg_var *gx = NULL;
  CHECK_STATUS(tg_grad(y, 1, &x, &gx), TG_OK);
  tg_function *f = th_compile(g, 2, (tg_var *[]){c, x}, 1, &gx);
  CHECK(f != NULL);
  if (f) {
    tg_array *xa = tg_array_scalar(TG_FLOAT64, 5);
    for (int t = 0; t < 2; t++) {
      tg_array *ca = tg_array_scalar(TG_BOOL, t);
      CHECK_CLOSE(call1(f, (tg_array *[]){ca, xa}, 0), t ? 10 : 3, 0, 0);
      tg_array_unref(ca);
    }
    tg_array_unref(xa);
    tg_function_free(f);
  }
  tg_var *gc = NULL;
  CHECK_STATUS(tg_grad(y, 1, &c, &gc), TG_ERR_VALUE); /* bool input: no gradient, as Theano */
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "integer and bool inputs have no gradient");
  tg_graph_free(g);
  /* a float condition is connected with a zero gradient */
  g = tg_graph_new();
  c = tg_scalar(g, "c", TG_FLOAT64), x = tg_scalar(g, "x", TG_FLOAT64);
  y = tg_ifelse(c, tg_mul(x, x), x);
  CHECK_STATUS(tg_grad(y, 1, &c, &gc), TG_OK);
  f = th_compile(g, 2, (tg_var *[]){c, x}, 1, &gc);
  CHECK(f != NULL);
  if (f) {
    tg_array *ca = tg_array_scalar(TG_FLOAT64, 1), *xa = tg_array_scalar(TG_FLOAT64, 2);
    CHECK_CLOSE(call1(f, (tg_array *[]){ca, xa}, 0), 0, 0, 0);
    tg_array_unref(ca);
    tg_array_unref(xa);
    tg_function_free(f);
  }
  tg_graph_free(g);
}

/* ---- inside scan ---- */

static bool step_relu_like(tg_graph *g, int n, tg_var *const *a, tg_scan_result *r, void *ud) {
  (void)n, (void)ud;
  tg_var *pos = tg_gt(a[0], tg_const_f64(g, 0));
  r->outputs[0] = tg_add(a[1], tg_ifelse(pos, a[0], tg_mul(a[0], tg_const_f64(g, 0.1))));
  return true;
}

TEST(ifelse_inside_scan) {
  tg_graph *g = tg_graph_new();
  tg_var *xs = tg_vector(g, "xs", TG_FLOAT64);
  tg_var *acc = tg_scan_reduce(step_relu_like, NULL, 1, &xs, tg_const_f64(g, 0), 0, NULL);
  CHECK(acc != NULL);
  tg_function *f = acc ? th_compile(g, 1, &xs, 1, &acc) : NULL;
  CHECK(f != NULL);
  if (f) {
    double v[] = {1, -2, 3, -4, 0.5};
    tg_array *xa = vec(5, v);
    double want = 0;
    for (int k = 0; k < 5; k++) want += v[k] > 0 ? v[k] : 0.1 * v[k];
    CHECK_CLOSE(call1(f, &xa, 0), want, 1e-15, 0);
    tg_array_unref(xa);
    tg_function_free(f);
  }
  tg_graph_free(g);
}

/* ---- rewrites ---- */

TEST(constant_condition_and_same_branches_rewrites) {
  for (int t = 0; t < 2; t++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_scalar(g, "x", TG_FLOAT64);
    tg_var *r = tg_ifelse(tg_const_typed(g, TG_BOOL, t), counted(tg_sin(x)), counted(tg_cos(x)));
    tg_function *f = rw_compile(g, 1, &x, 1, &r, "FAST_RUN", NULL);
    CHECK(f != NULL);
    if (f) {
      CHECK(rw_fired(f, "local_ifelse_constant_condition") == 1);
      CHECK(rw_count_op(f, "IfElse*") == 0);
      CHECK(rw_count_op(f, "Count") == 1); /* the other branch is gone */
      tg_array *xa = tg_array_scalar(TG_FLOAT64, 0.25);
      CHECK_CLOSE(call1(f, &xa, 0), t ? sin(0.25) : cos(0.25), 1e-15, 0);
      tg_array_unref(xa);
      tg_function_free(f);
    }
    /* without rewrites the IfElse stays, with its two control instructions */
    f = rw_compile(g, 1, &x, 1, &r, "FAST_COMPILE", NULL);
    CHECK(f && rw_count_op(f, "IfElse") == 1 && f->n_instr == 7);
    tg_function_free(f);
    tg_graph_free(g);
  }
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_scalar(g, "c", TG_BOOL), *x = tg_scalar(g, "x", TG_FLOAT64);
  tg_var *ex = tg_exp(x);
  tg_var *r = tg_ifelse(c, ex, ex);
  tg_function *f = rw_compile(g, 2, (tg_var *[]){c, x}, 1, &r, "FAST_RUN", NULL);
  CHECK(f && rw_fired(f, "local_ifelse_same_branches") == 1 && rw_count_op(f, "IfElse*") == 0);
  tg_function_free(f);
  tg_graph_free(g);
}
