/* test_rewrite_canon_arith.c: the algebraic canonicalisation rewrites (src/rewrite/
   canon_arith.c, canon_chain.c): x + 0 and friends, x - x, x / x only where safe, double
   negation, negation into sub, pow with small integer exponents, division by a constant,
   and the flattening and sorting of add/mul chains (constants folded, integer wrapping
   kept exact, float32 kept float32, long chains near-linear). Each: the compiled form with
   the rewrite on and off, and values on random inputs (float64, float32, ints where they
   apply, broadcasting) against FAST_COMPILE and against values computed here. */
#include <stdint.h>

#include "harness.h"
#include "rewrite_canon_check.h"

static const int64_t S23[2] = {2, 3};

/* want[i] = fn(a[i]) as an array of dtype dt. */
static tg_array *map1(const tg_array *a, tg_dtype dt, double (*fn)(double)) {
  tg_array *w = tg_array_zeros(dt, tg_array_ndim(a), tg_array_shape(a));
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(w, i, fn(tg_array_get_f64(a, i)));
  return w;
}

static double ident(double x) { return x; }
static double zero(double x) { (void)x; return 0; }
static double one(double x) { (void)x; return 1; }
static double cube(double x) { return pow(x, 3); }
static double pow4(double x) { return pow(x, 4); }
static double inv(double x) { return 1 / x; }
static double powm3(double x) { return pow(x, -3); }
static double third(double x) { return x / 3; }

/* One unary case: build y = mk(x) for x of dtype dt and rank 2, check the form, then
   values against want_fn on random inputs in [lo, hi). */
typedef tg_var *(*mk1)(tg_var *x);

static void unary_case(tg_dtype dt, mk1 mk, const char *name, const char *extra, const char *op,
                       int n_on, int n_off, double (*want_fn)(double), tg_dtype want_dt,
                       double lo, double hi, double rtol) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", dt), *y = mk(x);
  CHECK(y != NULL);
  if (!y) {
    fprintf(stderr, "%s\n", tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  cc_form(g, TG_VARS(x), y, name, extra, op, n_on, n_off);
  unsigned seed = 7;
  tg_array *a = cc_rnd(dt, 2, S23, lo, hi, &seed);
  tg_array *w = want_fn ? map1(a, want_dt, want_fn) : NULL;
  cc_values(g, TG_VARS(x), y, name, &a, rtol, rtol, w);
  tg_array_unref(w);
  tg_array_unref(a);
  tg_graph_free(g);
}

static tg_var *add0(tg_var *x) { return tg_add(x, tg_const_i64(tg_var_graph(x), 0)); }
static tg_var *zadd(tg_var *x) { return tg_add(tg_const_f64(tg_var_graph(x), 0), x); }
static tg_var *mul1(tg_var *x) { return tg_mul(x, tg_const_i64(tg_var_graph(x), 1)); }
static tg_var *sub0(tg_var *x) { return tg_sub(x, tg_const_f64(tg_var_graph(x), 0)); }
static tg_var *div1(tg_var *x) { return tg_true_div(x, tg_const_i64(tg_var_graph(x), 1)); }
static tg_var *fdiv1(tg_var *x) { return tg_floor_div(x, tg_const_i64(tg_var_graph(x), 1)); }
static tg_var *mul1f(tg_var *x) { return tg_mul(x, tg_const_f64(tg_var_graph(x), 1.0)); }

TEST(useless_arith) {
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    double r = k ? 1e-6 : 1e-15;
    unary_case(dt, add0, "local_useless_arith", "local_add_canonize", "Elemwise{add}", 0, 1, ident, dt, -5, 5, r);
    unary_case(dt, zadd, "local_useless_arith", "local_add_canonize", "Elemwise{add}", 0, 1, ident, dt, -5, 5, r);
    unary_case(dt, mul1, "local_useless_arith", "local_mul_canonize", "Elemwise{mul}", 0, 1, ident, dt, -5, 5, r);
    unary_case(dt, sub0, "local_useless_arith", NULL, "Elemwise{sub}", 0, 1, ident, dt, -5, 5, r);
    unary_case(dt, div1, "local_useless_arith", "local_div_const_to_mul", "Elemwise{true_div}", 0, 1, ident, dt, -5, 5, r);
  }
  /* int x // 1 is x; int8 x * 1.0 is x cast to float64 (numpy: a Python float makes
     float64 of an int array) */
  unary_case(TG_INT32, fdiv1, "local_useless_arith", NULL, "Elemwise{floor_div}", 0, 1, ident, TG_INT32, -50, 50, 0);
  unary_case(TG_INT8, mul1f, "local_useless_arith", "local_mul_canonize", "Elemwise{cast{float64}}", 1, 0, ident, TG_FLOAT64, -50, 50, 0);
  /* not where it would be wrong: float x // 1 is floor(x); a 0 that broadcasts x up */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64);
  cc_not_fired(g, TG_VARS(x), fdiv1(x), "local_useless_arith");
  tg_array *z = tg_array_zeros(TG_FLOAT64, 2, S23);
  tg_var *big = tg_add(v, tg_constant(g, z));
  cc_not_fired(g, TG_VARS(v), big, "local_useless_arith");
  unsigned seed = 3;
  tg_array *a = cc_rnd(TG_FLOAT64, 1, (int64_t[]){3}, -1, 1, &seed);
  tg_array *w = tg_array_zeros(TG_FLOAT64, 2, S23);
  for (int i = 0; i < 6; i++) tg_array_set_f64(w, i, tg_array_get_f64(a, i % 3));
  cc_values(g, TG_VARS(v), big, "local_useless_arith", &a, 0, 0, w);
  tg_array_unref(a);
  tg_array_unref(w);
  tg_array_unref(z);
  tg_graph_free(g);
}

static tg_var *sub_self(tg_var *x) { return tg_sub(x, x); }
static tg_var *sub_exp(tg_var *x) { return tg_sub(tg_exp(x), tg_exp(x)); }

TEST(sub_self) {
  unary_case(TG_FLOAT64, sub_self, "local_sub_self", NULL, "Elemwise{sub}", 0, 1, zero, TG_FLOAT64, -5, 5, 0);
  unary_case(TG_FLOAT32, sub_exp, "local_sub_self", NULL, "Elemwise{sub}", 0, 1, zero, TG_FLOAT32, -5, 5, 0);
  unary_case(TG_INT32, sub_self, "local_sub_self", NULL, "Elemwise{sub}", 0, 1, zero, TG_INT32, -50, 50, 0);
  /* a * b - b * a: the mul chains sort to one form, then x - x */
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_row(g, "b", TG_FLOAT64);
  tg_var *y = tg_sub(tg_mul(a, b), tg_mul(b, a));
  cc_form(g, TG_VARS(a, b), y, "local_sub_self", NULL, "Elemwise{sub}", 0, 1);
  tg_function *f = rw_compile(g, TG_VARS(a, b), 1, &y, "FAST_RUN", "local_mul_canonize");
  CHECK(f && rw_fired(f, "local_sub_self") == 0); /* without the sort the terms differ */
  tg_function_free(f);
  unsigned seed = 5;
  tg_array *args[2] = {cc_rnd(TG_FLOAT64, 2, S23, -1, 1, &seed),
                       cc_rnd(TG_FLOAT64, 2, (int64_t[]){1, 3}, -1, 1, &seed)};
  tg_array *w = tg_array_zeros(TG_FLOAT64, 2, S23);
  cc_values(g, TG_VARS(a, b), y, "local_sub_self", args, 0, 0, w);
  /* the documented exception: where x is inf, x - x is 0 (NaN without the rewrite) */
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *d = tg_sub(x, x);
  tg_function *on = rw_compile(g, TG_VARS(x), 1, &d, "FAST_RUN", NULL);
  tg_array *in = tg_array_from_f64(1, (int64_t[]){2}, (double[]){INFINITY, 1}), *r = NULL;
  CHECK(on && tg_function_call(on, &in, &r) == TG_OK);
  CHECK(r && tg_array_get_f64(r, 0) == 0 && tg_array_get_f64(r, 1) == 0);
  tg_array_unref(r);
  tg_array_unref(in);
  tg_function_free(on);
  tg_array_unref(w);
  tg_array_unref(args[0]);
  tg_array_unref(args[1]);
  tg_graph_free(g);
}

static tg_var *fill3(tg_var *x) { return tg_fill(x, tg_const_f64(tg_var_graph(x), 3.0)); }
static tg_var *div_fill(tg_var *x) { return tg_true_div(fill3(x), fill3(x)); }

TEST(div_self_only_where_safe) {
  /* elemwise_alloc would otherwise divide the fills' values (3 / 3, folded) */
  unary_case(TG_FLOAT64, div_fill, "local_div_self", "elemwise_alloc", "Elemwise{true_div}", 0, 1, one, TG_FLOAT64, -5, 5, 0);
  unary_case(TG_FLOAT32, div_fill, "local_div_self", "elemwise_alloc", "Elemwise{true_div}", 0, 1, one, TG_FLOAT32, -5, 5, 0);
  /* x / x for any x stays: 0 / 0 is NaN */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_true_div(x, x);
  cc_not_fired(g, TG_VARS(x), y, "local_div_self");
  tg_function *f = rw_compile(g, TG_VARS(x), 1, &y, "FAST_RUN", NULL);
  tg_array *in = tg_array_from_f64(1, (int64_t[]){2}, (double[]){0, 2}), *r = NULL;
  CHECK(f && tg_function_call(f, &in, &r) == TG_OK);
  CHECK(r && isnan(tg_array_get_f64(r, 0)) && tg_array_get_f64(r, 1) == 1);
  tg_array_unref(r);
  tg_array_unref(in);
  tg_function_free(f);
  tg_graph_free(g);
}

static tg_var *negneg(tg_var *x) { return tg_neg(tg_neg(x)); }

TEST(neg_neg) {
  unary_case(TG_FLOAT64, negneg, "local_neg_neg", NULL, "Elemwise{neg}", 0, 2, ident, TG_FLOAT64, -5, 5, 0);
  unary_case(TG_FLOAT32, negneg, "local_neg_neg", NULL, "Elemwise{neg}", 0, 2, ident, TG_FLOAT32, -5, 5, 0);
  unary_case(TG_INT8, negneg, "local_neg_neg", NULL, "Elemwise{neg}", 0, 2, ident, TG_INT8, -128, 127, 0);
}

TEST(neg_to_sub) {
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *a = tg_matrix(g, "a", dt), *b = tg_row(g, "b", dt);
    tg_var *y1 = tg_add(a, tg_neg(b)), *y2 = tg_add(tg_neg(a), b), *y3 = tg_sub(a, tg_neg(b));
    cc_form(g, TG_VARS(a, b), y1, "local_neg_to_sub", NULL, "Elemwise{neg}", 0, 1);
    cc_form(g, TG_VARS(a, b), y2, "local_neg_to_sub", NULL, "Elemwise{sub}", 1, 0);
    cc_form(g, TG_VARS(a, b), y3, "local_neg_to_sub", NULL, "Elemwise{add}", 1, 0);
    unsigned seed = 11;
    tg_array *args[2] = {cc_rnd(dt, 2, S23, -3, 3, &seed), cc_rnd(dt, 2, (int64_t[]){1, 3}, -3, 3, &seed)};
    tg_array *w[3];
    for (int j = 0; j < 3; j++) w[j] = tg_array_zeros(dt, 2, S23);
    for (int i = 0; i < 6; i++) {
      double p = tg_array_get_f64(args[0], i), q = tg_array_get_f64(args[1], i % 3);
      tg_array_set_f64(w[0], i, p - q);
      tg_array_set_f64(w[1], i, q - p);
      tg_array_set_f64(w[2], i, p + q);
    }
    double r = k ? 1e-6 : 1e-15;
    cc_values(g, TG_VARS(a, b), y1, "local_neg_to_sub", args, r, r, w[0]);
    cc_values(g, TG_VARS(a, b), y2, "local_neg_to_sub", args, r, r, w[1]);
    cc_values(g, TG_VARS(a, b), y3, "local_neg_to_sub", args, r, r, w[2]);
    for (int j = 0; j < 3; j++) tg_array_unref(w[j]);
    tg_array_unref(args[0]);
    tg_array_unref(args[1]);
    tg_graph_free(g);
  }
}

static tg_var *pw(tg_var *x, int64_t k) { return tg_pow(x, tg_const_i64(tg_var_graph(x), k)); }
static tg_var *pow3(tg_var *x) { return pw(x, 3); }
static tg_var *pow4v(tg_var *x) { return pw(x, 4); }
static tg_var *pow0(tg_var *x) { return pw(x, 0); }
static tg_var *pow1(tg_var *x) { return pw(x, 1); }
static tg_var *powm1(tg_var *x) { return pw(x, -1); }
static tg_var *powm3v(tg_var *x) { return pw(x, -3); }
static tg_var *pow2(tg_var *x) { return pw(x, 2); }

TEST(pow_small_int) {
  const char *n = "local_pow_small_int";
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    double r = k ? 1e-5 : 1e-14;
    unary_case(dt, pow3, n, NULL, "Elemwise{pow}", 0, 1, cube, dt, -3, 3, r);
    unary_case(dt, pow3, n, NULL, "Elemwise{mul}", 2, 0, cube, dt, -3, 3, r);
    unary_case(dt, pow4v, n, NULL, "Elemwise{mul}", 2, 0, pow4, dt, -3, 3, r);
    unary_case(dt, pow0, n, NULL, "Elemwise{pow}", 0, 1, one, dt, -3, 3, 0);
    unary_case(dt, pow1, n, NULL, "Elemwise{pow}", 0, 1, ident, dt, -3, 3, 0);
    unary_case(dt, powm1, n, NULL, "Elemwise{reciprocal}", 1, 0, inv, dt, 0.5, 3, r);
    unary_case(dt, powm3v, n, NULL, "Elemwise{pow}", 0, 1, powm3, dt, 0.5, 3, r);
  }
  /* ints: exact, wrapping like pow; a negative power of an int stays pow */
  unary_case(TG_INT32, pow3, n, NULL, "Elemwise{pow}", 0, 1, cube, TG_INT32, -1000, 1000, 0);
  tg_graph *g = tg_graph_new();
  tg_var *i = tg_vector(g, "i", TG_INT32), *x = tg_vector(g, "x", TG_FLOAT64);
  cc_not_fired(g, TG_VARS(i), powm1(i), n);
  cc_not_fired(g, TG_VARS(x), pow2(x), n); /* left to local_pow_specialize */
  cc_not_fired(g, TG_VARS(x), tg_pow(x, tg_const_f64(g, 3.5)), n);
  /* an exponent array that broadcasts x up is left alone */
  tg_array *e = tg_array_from_f64(2, S23, (double[]){3, 3, 3, 3, 3, 3});
  cc_not_fired(g, TG_VARS(x), tg_pow(x, tg_constant(g, e)), n);
  tg_array_unref(e);
  /* int32 wraps: 2000 ** 3 = 8e9 wraps to 8e9 - 2 * 2^32 */
  tg_var *c = pow3(i);
  tg_function *f = rw_compile(g, TG_VARS(i), 1, &c, "FAST_RUN", NULL);
  tg_array *in = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){2000, -7}), *r = NULL;
  CHECK(f && rw_fired(f, n) == 1 && tg_function_call(f, &in, &r) == TG_OK);
  CHECK(r && tg_array_get_i64(r, 0) == 8000000000LL - 2 * 4294967296LL);
  CHECK(r && tg_array_get_i64(r, 1) == -343);
  tg_array_unref(r);
  tg_array_unref(in);
  tg_function_free(f);
  tg_graph_free(g);
}

static tg_var *div4(tg_var *x) { return tg_true_div(x, tg_const_f64(tg_var_graph(x), 4.0)); }
static tg_var *div3(tg_var *x) { return tg_true_div(x, tg_const_i64(tg_var_graph(x), 3)); }
static double quarter(double x) { return x / 4; }

/* Compile y with optimizer_including = inc (rewrites not in FAST_RUN by default). */
static tg_function *compile_including(tg_graph *g, tg_var *x, tg_var *y, const char *inc) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "optimizer_including", inc);
  tg_options_set(o, "optimizer_excluding", CC_EXCL);
  tg_function *f = tg_function_new(g, 1, &x, 1, &y, o);
  tg_options_free(o);
  return f;
}

TEST(div_const_to_mul) {
  const char *n = "local_div_const_to_mul", *na = "local_div_const_to_mul_approx";
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    /* a power of two: the product is bit-identical to the quotient */
    unary_case(dt, div4, n, NULL, "Elemwise{true_div}", 0, 1, quarter, dt, -9, 9, 0);
    unary_case(dt, div4, n, NULL, "Elemwise{mul}", 1, 0, quarter, dt, -9, 9, 0);
    /* 1/3 is not exact: left alone by default, Theano's form on request */
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = div3(x);
    cc_not_fired(g, TG_VARS(x), y, n);
    cc_not_fired(g, TG_VARS(x), y, na);
    tg_function *f = compile_including(g, x, y, na);
    tg_function *ref = rw_compile(g, TG_VARS(x), 1, &y, "FAST_COMPILE", NULL);
    CHECK(f && rw_fired(f, na) == 1 && rw_count_op(f, "Elemwise{true_div}") == 0);
    unsigned seed = 9;
    tg_array *a = cc_rnd(dt, 2, S23, -9, 9, &seed), *r[2] = {NULL, NULL};
    CHECK(f && ref && tg_function_call(f, &a, &r[0]) == TG_OK &&
          tg_function_call(ref, &a, &r[1]) == TG_OK);
    /* within an ulp or so of the quotient */
    CHECK(r[0] && r[1] && tg_array_allclose(r[0], r[1], k ? 2.5e-7 : 4.5e-16, 0, true));
    tg_array *w = map1(a, dt, third);
    CHECK(r[0] && tg_array_allclose(r[0], w, k ? 2.5e-7 : 4.5e-16, 0, true));
    tg_array_unref(w);
    tg_array_unref(r[0]);
    tg_array_unref(r[1]);
    tg_array_unref(a);
    tg_function_free(f);
    tg_function_free(ref);
    tg_graph_free(g);
  }
  /* an int numerator divides as float64 */
  unary_case(TG_INT32, div4, n, NULL, "Elemwise{true_div}", 0, 1, quarter, TG_FLOAT64, -90, 90, 0);
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *s = tg_vector(g, "s", TG_FLOAT32);
  cc_not_fired(g, TG_VARS(x), tg_true_div(x, tg_const_f64(g, 0.0)), n);
  cc_not_fired(g, TG_VARS(x), tg_true_div(x, tg_const_f64(g, 0x1p-1060)), n); /* 1/c is inf */
  cc_not_fired(g, TG_VARS(s), tg_true_div(s, tg_const_f64(g, 0x1p-140)), n);  /* in float32 */
  cc_not_fired(g, TG_VARS(x), tg_true_div(x, x), n);
  tg_graph_free(g);
}

TEST(add_chain_flattened_sorted_folded) {
  const char *n = "local_add_canonize";
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_matrix(g, "x", dt), *y = tg_row(g, "y", dt);
    /* (x + 1) + (y + 2) -> (x + y) + 3: two adds instead of three */
    tg_var *s = tg_add(tg_add(x, tg_const_f64(g, 1.5)), tg_add(y, tg_const_f64(g, 2.5)));
    cc_form(g, TG_VARS(x, y), s, n, NULL, "Elemwise{add}", 2, 3);
    /* y + x and x + y sort to one form, so their difference is x - x */
    tg_var *d = tg_sub(tg_add(y, x), tg_add(x, y));
    cc_form(g, TG_VARS(x, y), d, "local_sub_self", NULL, "Elemwise{add}", 0, 1);
    tg_function *f = rw_compile(g, TG_VARS(x, y), 1, &d, "FAST_RUN", n);
    CHECK(f && rw_fired(f, "local_sub_self") == 0);
    tg_function_free(f);
    unsigned seed = 13;
    tg_array *args[2] = {cc_rnd(dt, 2, S23, -3, 3, &seed), cc_rnd(dt, 2, (int64_t[]){1, 3}, -3, 3, &seed)};
    tg_array *w = tg_array_zeros(dt, 2, S23);
    for (int i = 0; i < 6; i++)
      tg_array_set_f64(w, i, tg_array_get_f64(args[0], i) + tg_array_get_f64(args[1], i % 3) + 4);
    double r = k ? 1e-6 : 1e-15;
    cc_values(g, TG_VARS(x, y), s, n, args, r, r, w); /* also checks float32 stays float32 */
    tg_array_unref(w);
    /* a term used twice is not absorbed: (x + y) * (x + y + 1) keeps both sums */
    tg_var *t = tg_add(x, y), *u = tg_mul(t, tg_add(t, tg_const_f64(g, 1.0)));
    cc_values(g, TG_VARS(x, y), u, n, args, r, r, NULL);
    tg_array_unref(args[0]);
    tg_array_unref(args[1]);
    tg_graph_free(g);
  }
}

TEST(add_chain_int_wraps_exactly) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_INT8);
  tg_var *s = tg_add(tg_add(tg_const_i64(g, 100), x), tg_const_i64(g, 100));
  cc_form(g, TG_VARS(x), s, "local_add_canonize", NULL, "Elemwise{add}", 1, 2);
  int8_t v[4] = {1, -128, 127, 56};
  tg_array *a = tg_array_from_data(TG_INT8, 1, (int64_t[]){4}, v);
  tg_array *w = tg_array_zeros(TG_INT8, 1, (int64_t[]){4});
  for (int i = 0; i < 4; i++) tg_array_set_f64(w, i, (int8_t)(uint8_t)(v[i] + 200));
  cc_values(g, TG_VARS(x), s, "local_add_canonize", &a, 0, 0, w);
  tg_array_unref(a);
  tg_array_unref(w);
  tg_graph_free(g);
}

TEST(mul_chain_flattened_sorted_folded) {
  const char *n = "local_mul_canonize";
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *y = tg_matrix(g, "y", TG_FLOAT32);
  tg_var *p = tg_mul(tg_mul(tg_const_f64(g, 2.0), x), tg_mul(y, tg_const_f64(g, 3.0)));
  cc_form(g, TG_VARS(x, y), p, n, NULL, "Elemwise{mul}", 2, 3);
  unsigned seed = 17;
  tg_array *args[2] = {cc_rnd(TG_FLOAT32, 2, S23, -3, 3, &seed), cc_rnd(TG_FLOAT32, 2, S23, -3, 3, &seed)};
  tg_array *w = tg_array_zeros(TG_FLOAT32, 2, S23);
  for (int i = 0; i < 6; i++)
    tg_array_set_f64(w, i, 6 * tg_array_get_f64(args[0], i) * tg_array_get_f64(args[1], i));
  cc_values(g, TG_VARS(x, y), p, n, args, 1e-6, 1e-6, w);
  /* x * y * 0.5 * 2 folds the constants to 1, an identity dropped */
  tg_var *q = tg_mul(tg_mul(tg_mul(x, y), tg_const_f64(g, 0.5)), tg_const_f64(g, 2.0));
  cc_form(g, TG_VARS(x, y), q, n, "local_useless_arith", "Elemwise{mul}", 1, 3);
  tg_array_unref(w);
  tg_array_unref(args[0]);
  tg_array_unref(args[1]);
  /* int32 products wrap: exact whatever the order */
  tg_var *i = tg_vector(g, "i", TG_INT32), *j = tg_vector(g, "j", TG_INT32);
  tg_var *m = tg_mul(tg_mul(i, tg_const_i64(g, 65536)), tg_mul(tg_const_i64(g, 65536), j));
  int32_t iv[2] = {3, -5}, jv[2] = {7, 1};
  tg_array *ia[2] = {tg_array_from_i32(1, (int64_t[]){2}, iv), tg_array_from_i32(1, (int64_t[]){2}, jv)};
  tg_array *iw = tg_array_zeros(TG_INT32, 1, (int64_t[]){2}); /* 2^32 * anything wraps to 0 */
  cc_values(g, TG_VARS(i, j), m, n, ia, 0, 0, iw);
  tg_array_unref(iw);
  tg_array_unref(ia[0]);
  tg_array_unref(ia[1]);
  tg_graph_free(g);
}

TEST(long_chains_compile_in_near_linear_time) {
  /* 200000 terms: a quadratic rewrite would take hours here */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64);
  tg_var *s = x;
  for (int k = 1; k <= 100000; k++) s = tg_add(s, tg_const_f64(g, 1.0));
  for (int k = 0; k < 100000; k++) s = tg_add(s, k % 2 ? x : y);
  /* the reference linker: this is about rewriting, not about compiling a 100001-op
     kernel to C */
  tg_options *o = tg_options_new();
  tg_options_set(o, "optimizer_excluding", "fusion");
  tg_options_set(o, "linker", "ref");
  tg_function *f = tg_function_new(g, TG_VARS(x, y), 1, &s, o);
  tg_options_free(o);
  CHECK(f != NULL);
  CHECK(f && rw_count_op(f, "Elemwise{add}") == 100001); /* x * 50001 terms, y * 50000, + c */
  tg_array *a[2] = {tg_array_from_f64(1, (int64_t[]){1}, (double[]){0.5}),
                    tg_array_from_f64(1, (int64_t[]){1}, (double[]){-0.25})};
  tg_array *r = NULL;
  CHECK(f && tg_function_call(f, a, &r) == TG_OK);
  CHECK(r && tg_array_get_f64(r, 0) == 0.5 * 50001 - 0.25 * 50000 + 100000);
  tg_array_unref(r);
  tg_array_unref(a[0]);
  tg_array_unref(a[1]);
  tg_function_free(f);
  tg_graph_free(g);
}
