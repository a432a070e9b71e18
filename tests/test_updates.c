/* test_updates.c: shared variables (get/set with borrow, type checks), updates (applied
   after the call, simultaneous, all-or-nothing on runtime errors and out of memory),
   givens, input defaults, on_unused_input, allow_input_downcast and borrowed outputs. */
#include "harness.h"

static tg_array *vec(int n, const double *v) { return tg_array_from_f64(1, (int64_t[]){n}, v); }

/* a counting allocator that fails allocation number fail_at (0: never) */
static long n_allocs, fail_at, live;
static void *counting(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    if (p) live--;
    free(p);
    return NULL;
  }
  if (++n_allocs == fail_at) return NULL;
  void *q = realloc(p, n);
  if (q && !p) live++;
  return q;
}

TEST(shared_get_set_and_borrow) {
  tg_graph *g = tg_graph_new();
  double v0[2] = {1, 2};
  tg_array *a = vec(2, v0);
  tg_var *w = tg_shared(g, "w", a, false);
  CHECK(tg_var_is_shared(w) && tg_var_dtype(w) == TG_FLOAT64 && tg_var_dim(w, 0) == -1);
  tg_array_set_f64(a, 0, 100); /* copied: the shared value does not change */
  tg_array *got = tg_shared_get(w, false);
  CHECK(tg_array_get_f64(got, 0) == 1);
  tg_array *b1 = tg_shared_get(w, true), *b2 = tg_shared_get(w, true);
  CHECK(b1 == b2 && b1 != got); /* borrow gives the stored array itself */
  tg_array_unref(b1);
  tg_array_unref(b2);
  tg_array_unref(got);
  CHECK_STATUS(tg_shared_set(w, a, true), TG_OK); /* borrowed: aliasing the caller's array */
  tg_array_set_f64(a, 1, 7);
  got = tg_shared_get(w, false);
  CHECK(tg_array_get_f64(got, 0) == 100 && tg_array_get_f64(got, 1) == 7);
  tg_array_unref(got);
  tg_array *bad = tg_array_zeros(TG_FLOAT32, 1, (int64_t[]){2});
  CHECK_STATUS(tg_shared_set(w, bad, false), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "'w'");
  tg_array *m = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){1, 2});
  CHECK_STATUS(tg_shared_set(w, m, false), TG_ERR_TYPE);
  tg_array *x3 = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3}); /* a new length is fine */
  CHECK_STATUS(tg_shared_set(w, x3, false), TG_OK);
  CHECK(tg_shared_get(g ? (tg_var *)NULL : w, false) == NULL);
  tg_array_unref(bad);
  tg_array_unref(m);
  tg_array_unref(x3);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(accumulator_with_updates) {
  /* Theano's tutorial: state = shared(0); accumulator = function([inc], state,
     updates=[(state, state + inc)]) */
  tg_graph *g = tg_graph_new();
  tg_array *zero = tg_array_scalar(TG_INT64, 0);
  tg_var *state = tg_shared(g, "state", zero, false);
  tg_var *inc = tg_scalar(g, "inc", TG_INT64);
  tg_options *o = tg_options_new();
  CHECK_STATUS(tg_options_update(o, state, tg_add(state, inc)), TG_OK);
  tg_function *acc = tg_function_new(g, TG_VARS(inc), TG_VARS(state), o);
  tg_options_free(o);
  CHECK(acc != NULL);
  int64_t seen[3], incs[3] = {1, 300, -5};
  for (int i = 0; i < 3; i++) {
    tg_array *in = tg_array_scalar(TG_INT64, (double)incs[i]), *out[1] = {0};
    CHECK_STATUS(tg_function_call(acc, (tg_array *[]){in}, out), TG_OK);
    seen[i] = tg_array_get_i64(out[0], 0);
    tg_array_unref(out[0]);
    tg_array_unref(in);
  }
  CHECK(seen[0] == 0 && seen[1] == 1 && seen[2] == 301); /* outputs see the old value */
  tg_array *now = tg_shared_get(state, false);
  CHECK(tg_array_get_i64(now, 0) == 296);
  tg_array_unref(now);
  tg_function_free(acc);
  tg_array_unref(zero);
  tg_graph_free(g);
}

TEST(updates_are_simultaneous_swap) {
  tg_graph *g = tg_graph_new();
  tg_array *a = tg_array_scalar(TG_FLOAT64, 1), *b = tg_array_scalar(TG_FLOAT64, 2);
  tg_var *x = tg_shared(g, "x", a, false), *y = tg_shared(g, "y", b, false);
  tg_options *o = tg_options_new();
  tg_options_update(o, x, y);
  tg_options_update(o, y, x);
  tg_function *f = tg_function_new(g, 0, NULL, 0, NULL, o);
  tg_options_free(o);
  CHECK(f != NULL);
  CHECK_STATUS(tg_function_call(f, NULL, NULL), TG_OK);
  tg_array *xv = tg_shared_get(x, true), *yv = tg_shared_get(y, true);
  CHECK(tg_array_get_f64(xv, 0) == 2 && tg_array_get_f64(yv, 0) == 1);
  tg_array_unref(xv);
  tg_array_unref(yv);
  tg_function_free(f);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_graph_free(g);
}

/* A training-like step whose last node fails at run time for a bad input: no update. */
TEST(no_update_when_the_call_fails) {
  tg_graph *g = tg_graph_new();
  double w0[3] = {1, 2, 3};
  tg_array *wa = vec(3, w0), *ca = tg_array_scalar(TG_FLOAT64, 0);
  tg_var *w = tg_shared(g, "w", wa, false), *count = tg_shared(g, "count", ca, false);
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *loss = tg_sum(tg_mul(w, x), -1, NULL, false);
  tg_options *o = tg_options_new();
  tg_options_update(o, count, tg_add(count, tg_const_f64(g, 1.0)));
  tg_options_update(o, w, tg_sub(w, tg_mul(x, tg_const_f64(g, 0.1))));
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(loss), o);
  tg_options_free(o);
  CHECK(f != NULL);
  double bad[2] = {1, 1};
  tg_array *xb = vec(2, bad), *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xb}, out), TG_ERR_SHAPE);
  CHECK(out[0] == NULL);
  tg_array *cv = tg_shared_get(count, true), *wv = tg_shared_get(w, true);
  CHECK(tg_array_get_f64(cv, 0) == 0 && tg_array_get_f64(wv, 2) == 3);
  tg_array_unref(cv);
  tg_array_unref(wv);
  /* the allocation-failure sweep over a good call: every failure leaves both unchanged */
  double good[3] = {1, 1, 1};
  tg_array *xg = vec(3, good);
  n_allocs = 0, fail_at = 0;
  tg_set_allocator(counting, NULL);
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xg}, out), TG_OK);
  tg_set_allocator(NULL, NULL);
  long total = n_allocs;
  CHECK(total > 0);
  tg_array_unref(out[0]);
  tg_array *reset_w = vec(3, w0), *reset_c = tg_array_scalar(TG_FLOAT64, 0);
  for (long k = 1; k <= total; k++) {
    tg_shared_set(w, reset_w, false);
    tg_shared_set(count, reset_c, false);
    n_allocs = 0, fail_at = k;
    out[0] = NULL;
    tg_set_allocator(counting, NULL);
    tg_status st = tg_function_call(f, (tg_array *[]){xg}, out);
    tg_set_allocator(NULL, NULL);
    CHECK_STATUS(st, TG_ERR_NOMEM);
    CHECK(out[0] == NULL);
    cv = tg_shared_get(count, true);
    wv = tg_shared_get(w, true);
    CHECK(tg_array_get_f64(cv, 0) == 0 && tg_array_get_f64(wv, 0) == 1);
    tg_array_unref(cv);
    tg_array_unref(wv);
  }
  fail_at = 0;
  tg_array_unref(reset_w);
  tg_array_unref(reset_c);
  tg_array_unref(xb);
  tg_array_unref(xg);
  tg_array_unref(wa);
  tg_array_unref(ca);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(type_errors_of_updates) {
  tg_graph *g = tg_graph_new();
  tg_array *a = tg_array_zeros(TG_FLOAT32, 1, (int64_t[]){2});
  tg_var *w = tg_shared(g, "w", a, false), *x = tg_vector(g, "x", TG_FLOAT64);
  tg_options *o = tg_options_new();
  tg_options_update(o, w, tg_add(w, x)); /* float64: must be cast */
  CHECK(tg_function_new(g, TG_VARS(x), TG_VARS(x), o) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "the update of 'w'");
  tg_graph_clear_error(g);
  tg_options_free(o);
  o = tg_options_new();
  tg_options_update(o, x, x);
  CHECK(tg_function_new(g, TG_VARS(x), TG_VARS(x), o) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "not a shared variable");
  tg_graph_clear_error(g);
  tg_options_free(o);
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(givens_defaults_unused_and_downcast) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_var *z = tg_scalar(g, "z", TG_FLOAT64);
  tg_var *out = tg_mul(tg_add(x, y), z);
  tg_options *o = tg_options_new();
  tg_options_given(o, y, tg_exp(x)); /* out = (x + exp(x)) * z */
  tg_array *two = tg_array_scalar(TG_FLOAT64, 2);
  tg_options_default(o, 1, two);
  tg_function *f = tg_function_new(g, TG_VARS(x, z), TG_VARS(out), o);
  CHECK(f != NULL);
  double xv[2] = {0, 1};
  tg_array *xa = vec(2, xv), *r[1] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){xa, NULL}, r), TG_OK);
  for (int i = 0; i < 2; i++) CHECK_CLOSE(tg_array_get_f64(r[0], i), (xv[i] + exp(xv[i])) * 2, 1e-15, 0);
  tg_array_unref(r[0]);
  tg_function_free(f);
  /* unused input: raise by default, naming it; ignore on request */
  CHECK(tg_function_new(g, TG_VARS(x, y), TG_VARS(tg_exp(x)), NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "input 1 ('y') is not used");
  tg_graph_clear_error(g);
  tg_options *oi = tg_options_new();
  tg_options_set(oi, "on_unused_input", "ignore");
  tg_function *f2 = tg_function_new(g, TG_VARS(x, y, z), TG_VARS(tg_exp(x)), oi);
  tg_options_free(oi);
  CHECK(f2 != NULL);
  tg_function_free(f2);
  /* downcast: a float32 array into a float64 input only when allowed */
  tg_function *f3 = tg_function_new(g, TG_VARS(x), TG_VARS(tg_neg(x)), NULL);
  tg_array *xf = tg_array_astype(xa, TG_FLOAT32);
  CHECK_STATUS(tg_function_call(f3, (tg_array *[]){xf}, r), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f3), "allow_input_downcast");
  tg_function_free(f3);
  tg_options *od = tg_options_new();
  CHECK_STATUS(tg_options_set(od, "allow_input_downcast", "true"), TG_OK);
  CHECK_STATUS(tg_options_set(od, "allow_input_downcast", "maybe"), TG_ERR_ARG);
  f3 = tg_function_new(g, TG_VARS(x), TG_VARS(tg_neg(x)), od);
  CHECK_STATUS(tg_function_call(f3, (tg_array *[]){xf}, r), TG_OK);
  CHECK(tg_array_dtype(r[0]) == TG_FLOAT64 && tg_array_get_f64(r[0], 1) == -1);
  tg_array_unref(r[0]);
  tg_function_free(f3);
  tg_options_free(od);
  tg_options_free(o);
  tg_array_unref(xf);
  tg_array_unref(xa);
  tg_array_unref(two);
  tg_graph_free(g);
}

TEST(shared_outputs_copy_unless_borrowed) {
  tg_graph *g = tg_graph_new();
  tg_array *a = tg_array_scalar(TG_FLOAT64, 5);
  tg_var *s = tg_shared(g, "s", a, false);
  tg_function *f = tg_function_new(g, 0, NULL, TG_VARS(s), NULL);
  tg_options *o = tg_options_new();
  tg_options_set(o, "borrow_outputs", "true");
  tg_function *fb = tg_function_new(g, 0, NULL, TG_VARS(s), o);
  tg_options_free(o);
  tg_array *r1[1], *r2[1];
  CHECK_STATUS(tg_function_call(f, NULL, r1), TG_OK);
  CHECK_STATUS(tg_function_call(fb, NULL, r2), TG_OK);
  tg_array *stored = tg_shared_get(s, true);
  CHECK(r1[0] != stored && r2[0] == stored && tg_array_get_f64(r1[0], 0) == 5);
  tg_array_unref(stored);
  tg_array_unref(r1[0]);
  tg_array_unref(r2[0]);
  tg_function_free(f);
  tg_function_free(fb);
  tg_array_unref(a);
  tg_graph_free(g);
}
