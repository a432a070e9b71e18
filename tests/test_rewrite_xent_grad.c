/* test_rewrite_xent_grad.c: local_softplus_grad_sigmoid (src/rewrite/stabilize_grad.c),
   the gradient of max(l, 0) + log1p(exp(-|l|)) (a stable softplus, as
   sigmoid_binary_crossentropy writes it) back to sigmoid(l). Checked: the logistic
   regression step of bench/logreg.c compiles to (sigmoid(l) - y) / n (no sign, exp,
   maximum or Alloc left in the gradient) with the rewrite, and keeps the old chain
   without it; the gradients equal a hand computation (libm) and the graph without the
   rewrite, in float64 and float32; l = +-800 (float64) and +-100 (float32) stay finite
   and equal to the original's; at l = 0 the result is the true derivative 1/2 - y
   (the original's 1 - y comes from the subgradients of max and abs); hand-written sums
   in other orders and signs, the softplus(-|l|) form, and sums where it must not fire;
   the allocation-failure sweep over building, differentiating, compiling and calling. */
#include <math.h>

#include "alloc_sweep.h"
#include "rewrite/rewrite.h"
#include "rewrite_check.h"

#define RW "local_softplus_grad_sigmoid"

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static double uni(void) {
  seed = seed * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(seed >> 11) * 0x1.0p-53;
}

static double sigm(double l) { return l >= 0 ? 1 / (1 + exp(-l)) : exp(l) / (1 + exp(l)); }

/* Outputs of f on args into out (n of them); status. */
static tg_status run(tg_function *f, tg_array *const *args, tg_array **out) {
  return f ? tg_function_call(f, args, out) : TG_ERR_ARG;
}

/* The logistic regression of bench/logreg.c: x (n, k), y (n,), w (k,), b () as inputs;
   outputs gw, gb of mean(sbce(x.w + b, y)) + 0.01 * sum(w^2). */
typedef struct {
  tg_graph *g;
  tg_var *in[4], *out[2];
} lr_graph;

static lr_graph lr_build(tg_dtype dt) {
  lr_graph r;
  tg_graph *g = r.g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", dt), *y = tg_vector(g, "y", dt);
  tg_var *w = tg_vector(g, "w", dt), *b = tg_scalar(g, "b", dt);
  tg_var *l = tg_add(tg_dot(x, w), b);
  tg_var *cost = tg_add(tg_mean(tg_sigmoid_binary_crossentropy(l, y), TG_ALL_AXES, false),
                        tg_mul(tg_const_f64(g, 0.01), tg_sum(tg_sqr(w), TG_ALL_AXES, false)));
  r.in[0] = x, r.in[1] = y, r.in[2] = w, r.in[3] = b;
  CHECK_STATUS(tg_grad(cost, 2, (tg_var *[]){w, b}, r.out), TG_OK);
  return r;
}

/* The compiled step's gradient is (sigmoid(l) - y) / n: one sigmoid, no sign, exp,
   maximum (the cost's own maximum is not asked for here) or Alloc. Excluded, the old
   chain is there. */
TEST(logreg_gradient_graph) {
  for (int k = 0; k < 2; k++) {
    lr_graph r = lr_build(k ? TG_FLOAT32 : TG_FLOAT64);
    tg_function *f = rw_compile(r.g, 4, r.in, 2, r.out, "FAST_RUN", "fusion");
    tg_function *u = rw_compile(r.g, 4, r.in, 2, r.out, "FAST_RUN", RW ":fusion");
    CHECK(f && u);
    if (f && u) {
      bool ok = rw_fired(f, RW) == 1 && rw_count_op(f, "Elemwise{sigmoid}") == 1 &&
                rw_count_op(f, "Elemwise{sign}") == 0 && rw_count_op(f, "Elemwise{exp}") == 0 &&
                rw_count_op(f, "Elemwise{maximum}") == 0 && rw_count_op(f, "Alloc") == 0 &&
                rw_count_op(f, "Elemwise{true_div}") == 1 && rw_fired(u, RW) == 0 &&
                rw_count_op(u, "Elemwise{sign}") == 1 && rw_count_op(u, "Elemwise{exp}") == 1;
      if (!ok) {
        char *t = rw_graph_text(f);
        TH_FAIL("%s fired %lld times; graph:\n%s", RW, (long long)rw_fired(f, RW), t ? t : "");
        free(t);
      }
      th_checks++;
    }
    tg_function_free(f);
    tg_function_free(u);
    tg_graph_free(r.g);
  }
}

/* Gradients on random data (n = 7, k = 5; and an empty batch n = 0, where gw = 0.02 w
   and gb = 0) against libm, with fusion (the native step) and without, and without the
   rewrite. */
TEST(logreg_gradient_values) {
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    for (int n = 7; n >= 0; n -= 7) {
      enum { F = 5 };
      lr_graph r = lr_build(dt);
      tg_array *a[4] = {tg_array_zeros(dt, 2, (int64_t[]){n, F}), tg_array_zeros(dt, 1, (int64_t[]){n}),
                        tg_array_zeros(dt, 1, (int64_t[]){F}), tg_array_scalar(dt, 0.3)};
      for (int i = 0; i < n * F; i++) tg_array_set_f64(a[0], i, 4 * uni() - 2);
      for (int i = 0; i < n; i++) tg_array_set_f64(a[1], i, uni() < 0.5);
      for (int i = 0; i < F; i++) tg_array_set_f64(a[2], i, 2 * uni() - 1);
      /* by hand, from the arrays as stored (float32 values widened) */
      double gw[F] = {0}, gb = 0;
      for (int i = 0; i < n; i++) {
        double l = tg_array_get_f64(a[3], 0);
        for (int j = 0; j < F; j++) l += tg_array_get_f64(a[0], i * F + j) * tg_array_get_f64(a[2], j);
        double d = (sigm(l) - tg_array_get_f64(a[1], i)) / n;
        gb += d;
        for (int j = 0; j < F; j++) gw[j] += tg_array_get_f64(a[0], i * F + j) * d;
      }
      for (int j = 0; j < F; j++) gw[j] += 0.02 * tg_array_get_f64(a[2], j);
      double tol = k ? 2e-6 : 1e-13;
      const char *excl[3] = {NULL, "fusion", RW};
      for (int e = 0; e < 3; e++) {
        tg_function *f = rw_compile(r.g, 4, r.in, 2, r.out, "FAST_RUN", excl[e]);
        tg_array *out[2] = {NULL, NULL};
        CHECK_STATUS(run(f, a, out), TG_OK);
        CHECK(!f || rw_fired(f, RW) == (e < 2));
        for (int j = 0; out[0] && j < F; j++) CHECK_CLOSE(tg_array_get_f64(out[0], j), gw[j], tol, tol);
        if (out[1]) CHECK_CLOSE(tg_array_get_f64(out[1], 0), gb, tol, tol);
        CHECK(out[0] && tg_array_dtype(out[0]) == dt && out[1] && tg_array_dtype(out[1]) == dt);
        tg_array_unref(out[0]);
        tg_array_unref(out[1]);
        tg_function_free(f);
      }
      for (int i = 0; i < 4; i++) tg_array_unref(a[i]);
      tg_graph_free(r.g);
    }
  }
}

/* d/dl of sum(c * sbce(l, y)) at given l: FAST_RUN and the graph without the rewrite. */
static void grad_at(tg_dtype dt, double c, int n, const double *lv, const double *yv,
                    tg_array **with, tg_array **without, int64_t *fired) {
  tg_graph *g = tg_graph_new();
  tg_var *l = tg_vector(g, "l", dt), *y = tg_vector(g, "y", dt), *gl = NULL;
  tg_var *cost = tg_sum(tg_mul(tg_const_f64(g, c), tg_sigmoid_binary_crossentropy(l, y)),
                        TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, 1, &l, &gl), TG_OK);
  tg_array *la = tg_array_zeros(dt, 1, (int64_t[]){n}), *ya = tg_array_zeros(dt, 1, (int64_t[]){n});
  for (int i = 0; i < n; i++) tg_array_set_f64(la, i, lv[i]), tg_array_set_f64(ya, i, yv[i]);
  tg_function *f = rw_compile(g, 2, (tg_var *[]){l, y}, 1, &gl, "FAST_RUN", NULL);
  tg_function *u = rw_compile(g, 2, (tg_var *[]){l, y}, 1, &gl, "FAST_RUN", RW);
  *with = *without = NULL;
  CHECK_STATUS(run(f, (tg_array *[]){la, ya}, with), TG_OK);
  CHECK_STATUS(run(u, (tg_array *[]){la, ya}, without), TG_OK);
  *fired = f ? rw_fired(f, RW) : -1;
  tg_function_free(f);
  tg_function_free(u);
  tg_array_unref(la);
  tg_array_unref(ya);
  tg_graph_free(g);
}

/* Large |l|: finite, and equal to the original's: c * (1 - y) for l >> 0, -c * y for
   l << 0; also a negative scale c (the rewritten sum's sign flips). */
TEST(large_logits_stay_finite) {
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    double big = k ? 100 : 800;
    double lv[6] = {big, -big, big, -big, 0.75 * big, -0.75 * big}, yv[6] = {1, 1, 0, 0, 0.25, 0.5};
    for (int s = 0; s < 2; s++) {
      double c = s ? -0.5 : 1;
      tg_array *w, *o;
      int64_t fired;
      grad_at(dt, c, 6, lv, yv, &w, &o, &fired);
      CHECK(fired >= 1);
      for (int i = 0; w && o && i < 6; i++) {
        double want = c * ((lv[i] > 0) - yv[i]);
        CHECK(isfinite(tg_array_get_f64(w, i)) && isfinite(tg_array_get_f64(o, i)));
        CHECK_CLOSE(tg_array_get_f64(w, i), want, 0, 1e-12);
        CHECK_CLOSE(tg_array_get_f64(o, i), want, 0, 1e-12);
      }
      tg_array_unref(w);
      tg_array_unref(o);
    }
  }
}

/* Moderate l (where the original's chain is accurate) and l = 0 exactly. */
TEST(moderate_logits_and_zero) {
  double lv[7] = {-6, -1.5, -0.25, 0, 0.25, 2, 9}, yv[7] = {0, 1, 0.5, 1, 0, 1, 0};
  for (int k = 0; k < 2; k++) {
    tg_dtype dt = k ? TG_FLOAT32 : TG_FLOAT64;
    double tol = k ? 1e-6 : 1e-15;
    tg_array *w, *o;
    int64_t fired;
    grad_at(dt, 0.5, 7, lv, yv, &w, &o, &fired);
    CHECK(fired == 1);
    for (int i = 0; w && o && i < 7; i++) {
      double lf = k ? (double)(float)lv[i] : lv[i];
      CHECK_CLOSE(tg_array_get_f64(w, i), 0.5 * (sigm(lf) - yv[i]), tol, tol);
      if (lv[i] != 0) CHECK_CLOSE(tg_array_get_f64(o, i), tg_array_get_f64(w, i), 4 * tol, tol);
      else CHECK(tg_array_get_f64(o, i) == 0.5 * (1 - yv[i])); /* the subgradients' value */
    }
    tg_array_unref(w);
    tg_array_unref(o);
  }
}

/* Hand-written sums: the mask term and the softplus term in either order, under a
   common factor g given as a product or a quotient, or with sigmoid(-|l|) or
   exp(-|l|) * sigmoid(|l|) for the exp form; with a third term g * e that joins. Each fires and agrees with the graph
   without the rewrite (l away from 0). */
TEST(hand_written_forms) {
  tg_graph *g = tg_graph_new();
  tg_var *l = tg_vector(g, "l", TG_FLOAT64), *a = tg_vector(g, "a", TG_FLOAT64);
  tg_var *e = tg_vector(g, "e", TG_FLOAT64);
  tg_var *zero = tg_const_i64(g, 0), *one = tg_const_f64(g, 1);
  tg_var *mask = tg_cast(tg_eq(l, tg_maximum(zero, l)), TG_FLOAT64);
  tg_var *t = tg_neg(tg_abs(l)), *ex = tg_exp(t);
  tg_var *ratio = tg_true_div(ex, tg_add(one, ex));
  tg_var *ga = tg_true_div(a, tg_const_f64(g, 3));
  tg_var *ys[6] = {
      /* -(g sign ratio) + g mask, g = a / 3 */
      tg_add(tg_neg(tg_mul(tg_mul(ga, tg_sign(l)), ratio)), tg_mul(mask, ga)),
      /* g mask - sign sigmoid(-|l|) g, g = a */
      tg_sub(tg_mul(a, mask), tg_mul(tg_sign(l), tg_mul(tg_sigmoid(t), a))),
      /* the whole negated: -(g mask) + g sign ratio */
      tg_sub(tg_mul(tg_sign(l), tg_mul(ratio, a)), tg_mul(a, mask)),
      /* with a third term g * e and a fourth that stays: g mask - g sign ratio - g e + e */
      tg_add(tg_sub(tg_sub(tg_mul(a, mask), tg_mul(a, tg_mul(tg_sign(l), ratio))), tg_mul(e, a)), e),
      /* a g * sigmoid(l) term made earlier, joined by g * e: a * sigmoid(l) + a * e */
      tg_add(tg_mul(a, tg_sigmoid(l)), tg_mul(e, a)),
      /* exp(-|l|) * sigmoid(|l|) for the ratio (1 / (1 + exp(-|l|)) made a sigmoid) */
      tg_sub(tg_mul(mask, a), tg_mul(tg_mul(tg_sigmoid(tg_abs(l)), a), tg_mul(ex, tg_sign(l))))};
  tg_array *la = tg_array_from_f64(1, (int64_t[]){5}, (double[]){-3, -0.5, 0.25, 1.5, 30});
  tg_array *aa = tg_array_from_f64(1, (int64_t[]){5}, (double[]){1, -2, 0.5, 3, 1.25});
  tg_array *ea = tg_array_from_f64(1, (int64_t[]){5}, (double[]){0.5, 0.25, -1, 2, 0});
  for (int i = 0; i < 6; i++) {
    tg_var *ins[3] = {l, a, e};
    tg_function *f = rw_compile(g, 3, ins, 1, &ys[i], "FAST_RUN", "fusion");
    tg_function *u = rw_compile(g, 3, ins, 1, &ys[i], "FAST_RUN", RW ":fusion");
    tg_array *r1 = NULL, *r2 = NULL;
    CHECK_STATUS(run(f, (tg_array *[]){la, aa, ea}, &r1), TG_OK);
    CHECK_STATUS(run(u, (tg_array *[]){la, aa, ea}, &r2), TG_OK);
    if (!f || rw_fired(f, RW) < 1) TH_FAIL("form %d: fired %lld", i, f ? (long long)rw_fired(f, RW) : -1LL);
    if (f && i != 4) CHECK(rw_count_op(f, "Elemwise{sign}") == 0 && rw_count_op(f, "Elemwise{exp}") == 0);
    CHECK(r1 && r2 && tg_array_allclose(r1, r2, 1e-14, 1e-15, false));
    for (int j = 0; r1 && j < 5; j++) { /* by hand */
      double lj = tg_array_get_f64(la, j), aj = tg_array_get_f64(aa, j), ej = tg_array_get_f64(ea, j);
      double want = i == 0 ? aj / 3 * sigm(lj) : i == 1 || i == 5 ? aj * sigm(lj) : i == 2 ? -aj * sigm(lj)
                  : i == 3 ? aj * (sigm(lj) - ej) + ej : aj * (sigm(lj) + ej);
      CHECK_CLOSE(tg_array_get_f64(r1, j), want, 1e-14, 1e-15);
    }
    tg_array_unref(r1);
    tg_array_unref(r2);
    tg_function_free(f);
    tg_function_free(u);
  }
  tg_array_unref(la);
  tg_array_unref(aa);
  tg_array_unref(ea);
  tg_graph_free(g);
}

/* It must not fire: different factors on the two terms; the mask of another variable;
   the same signs (not a softplus gradient); maximum against a constant other than 0;
   a float32 factor in a float64 sum (regrouping would change where it is widened); and
   g * sigmoid(x) + e with no common factor. */
TEST(does_not_fire_where_it_must_not) {
  tg_graph *g = tg_graph_new();
  tg_var *l = tg_vector(g, "l", TG_FLOAT64), *m = tg_vector(g, "m", TG_FLOAT64);
  tg_var *a = tg_vector(g, "a", TG_FLOAT64), *b = tg_vector(g, "b", TG_FLOAT64);
  tg_var *a32 = tg_vector(g, "a32", TG_FLOAT32);
  tg_var *one = tg_const_f64(g, 1);
  tg_var *t = tg_neg(tg_abs(l)), *ex = tg_exp(t);
  tg_var *tail = tg_mul(tg_sign(l), tg_true_div(ex, tg_add(ex, one)));
  tg_var *mask_l = tg_cast(tg_eq(tg_maximum(l, tg_const_i64(g, 0)), l), TG_FLOAT64);
  tg_var *mask_m = tg_cast(tg_eq(tg_maximum(m, tg_const_i64(g, 0)), m), TG_FLOAT64);
  tg_var *mask_1 = tg_cast(tg_eq(tg_maximum(l, tg_const_i64(g, 1)), l), TG_FLOAT64);
  tg_var *ys[6] = {tg_sub(tg_mul(a, mask_l), tg_mul(b, tail)),
                   tg_sub(tg_mul(a, mask_m), tg_mul(a, tail)),
                   tg_add(tg_mul(a, mask_l), tg_mul(a, tail)),
                   tg_sub(tg_mul(a, mask_1), tg_mul(a, tail)),
                   tg_sub(tg_mul(a32, mask_l), tg_mul(a32, tail)),
                   tg_add(tg_sigmoid(l), b)};
  tg_var *ins[5] = {l, m, a, b, a32};
  tg_array *v[5];
  for (int i = 0; i < 5; i++) {
    v[i] = tg_array_zeros(i == 4 ? TG_FLOAT32 : TG_FLOAT64, 1, (int64_t[]){4});
    for (int j = 0; j < 4; j++) tg_array_set_f64(v[i], j, 3 * uni() - 1.5);
  }
  for (int i = 0; i < 6; i++) {
    tg_function *f = rw_compile(g, 5, ins, 1, &ys[i], "FAST_RUN", NULL);
    CHECK(f && rw_fired(f, RW) == 0);
    tg_function_free(f);
    CHECK(rw_check_modes(g, 5, ins, 1, &ys[i], v, 1e-14, 1e-15) == 0);
  }
  for (int i = 0; i < 5; i++) tg_array_unref(v[i]);
  tg_graph_free(g);
}

TEST(registered_with_doc) {
  int k = tgi_rewrite_find(RW);
  CHECK(k >= 0);
  if (k >= 0) {
    const tgi_rewrite *r = tgi_rewrite_get(k);
    CHECK(r->phase == TGI_PH_STABILIZE && strstr(r->tags, "fast_run") &&
          strstr(r->tags, "stabilize") && !strstr(r->tags, "fast_compile") && r->doc[0]);
  }
}

/* Under the sweep: d/dl of sum(0.5 * sbce(l, y)), compiled (the rewrite firing, its
   alloc proofs allocating) and called; checked against 0.5 * (sigmoid(l) - y). */
static tg_status grad_scenario(void) {
  C.armed = 1;
  tg_status st = TG_ERR_NOMEM;
  tg_graph *g = tg_graph_new();
  tg_function *f = NULL;
  tg_array *la = tg_array_from_f64(1, (int64_t[]){2}, (double[]){-1, 2});
  tg_array *ya = tg_array_from_f64(1, (int64_t[]){2}, (double[]){1, 0}), *out[1] = {NULL};
  tg_var *l = g ? tg_vector(g, "l", TG_FLOAT64) : NULL, *y = g ? tg_vector(g, "y", TG_FLOAT64) : NULL;
  tg_var *cost = l && y ? tg_sum(tg_mul(tg_const_f64(g, 0.5), tg_sigmoid_binary_crossentropy(l, y)),
                                 TG_ALL_AXES, false)
                        : NULL, *gl = NULL;
  if (cost && la && ya && tg_grad(cost, 1, &l, &gl) == TG_OK) {
    f = tg_function_new(g, 2, (tg_var *[]){l, y}, 1, &gl, NULL);
    if (!f && tg_graph_status(g) != TG_OK) st = tg_graph_status(g);
  } else if (g && tg_graph_status(g) != TG_OK) {
    st = tg_graph_status(g);
  }
  if (f) st = tg_function_call(f, (tg_array *[]){la, ya}, out);
  if (st == TG_OK && (rw_fired(f, RW) < 1 ||
                      fabs(tg_array_get_f64(out[0], 0) - 0.5 * (sigm(-1) - 1)) > 1e-15 ||
                      fabs(tg_array_get_f64(out[0], 1) - 0.5 * sigm(2)) > 1e-15))
    st = TG_ERR_RUNTIME;
  tg_array_unref(out[0]);
  tg_array_unref(la);
  tg_array_unref(ya);
  tg_function_free(f);
  tg_graph_free(g);
  C.armed = 0;
  return st;
}

TEST(allocation_failures) { sweep("the gradient of sigmoid_binary_crossentropy", grad_scenario); }
