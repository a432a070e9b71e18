/* test_grad_elemwise2.c: the elementwise gradients beyond first order and at the edges.
   Second order: tg_verify_grad of a function that is itself a gradient, for every
   twice-differentiable scalar op (the table in grad_elemwise.h), float64 and float32,
   same shapes, broadcasting and non-contiguous inputs. The documented values at the
   non-differentiable points (Theano's conventions), hand-computed: abs at 0, minimum and
   maximum ties, clip at its bounds, the rounding ops, floor_div and mod, switch. Third order
   of gammaln through trigamma's gradient polygamma(2, x); and the gradient of a
   piecewise-linear op's gradient, which does not depend on x. */
#include "grad_elemwise.h"

/* sum_i (i + 1) * d sum(op(inputs)) / d input_i, broadcast together: its gradient mixes
   every second derivative of the op, the cross terms included. */
static tg_var *b_grad_of_op(tg_graph *g, int n, tg_var *const *in, void *ud) {
  tg_var *cost = tg_sum(b_op(g, n, in, ud), -1, NULL, false), *gr[3];
  if (tg_grad(cost, n, in, gr) != TG_OK) return NULL;
  tg_var *out = gr[0];
  for (int i = 1; i < n; i++) out = tg_add(out, tg_mul(gr[i], tg_const_f64(g, i + 1.0)));
  return out;
}

static void check_second_order(tg_dtype dt) {
  static const int which[] = {0, 1, 3, 6}; /* same, broadcast, size-1, non-contiguous */
  int n_checked = 0;
  for (int k = 0; k < N_OPS; k++) {
    const opcase *c = &ops[k];
    if (c->order != 2) continue;
    n_checked++;
    for (size_t w = 0; w < sizeof which / sizeof which[0]; w++) {
      const layout *ly = &layouts[which[w]];
      tg_array *in[3] = {NULL, NULL, NULL};
      for (int i = 0; i < c->arity; i++) {
        in[i] = draw(&c->d[i], dt, ly->nd[i], ly->shape[i]);
        if (ly->noncontig[i] >= 0) {
          tg_array *nc = gc_noncontig(in[i], ly->noncontig[i]);
          tg_array_unref(in[i]);
          in[i] = nc;
        }
      }
      char label[160];
      snprintf(label, sizeof label, "second order of %s, %s, %s", c->name, tg_dtype_name(dt),
               ly->what);
      CHECK_VERIFY(label, b_grad_of_op, (void *)c, c->arity, in, NULL);
      for (int i = 0; i < c->arity; i++) tg_array_unref(in[i]);
    }
  }
  CHECK(n_checked == 34); /* mul .. trigamma: every smooth op */
}

TEST(second_order_float64) { check_second_order(TG_FLOAT64); }
TEST(second_order_float32) { check_second_order(TG_FLOAT32); }

/* Hand second derivatives: d2/dx2 tanh = -2 tanh (1 - tanh^2), d2/dx2 x^3 = 6x, and the
   mixed d2/dx dy of x*y^2*exp(x) = 2y (1 + x) e^x, through tg_grad twice. */
TEST(second_derivatives_by_hand) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *y = tg_scalar(g, "y", TG_FLOAT64), *g1[3], *g2[3];
  tg_var *f[3] = {tg_tanh(x), tg_pow(x, tg_const_f64(g, 3)), tg_mul(tg_mul(x, tg_sqr(y)), tg_exp(x))};
  for (int k = 0; k < 3; k++) {
    CHECK_STATUS(tg_grad(f[k], 1, &x, &g1[k]), TG_OK);
    tg_var *wrt = k == 2 ? y : x;
    CHECK_STATUS(tg_grad(g1[k], 1, &wrt, &g2[k]), TG_OK);
  }
  tg_array *xa = tg_array_scalar(TG_FLOAT64, 0.7), *ya = tg_array_scalar(TG_FLOAT64, -1.3);
  tg_array *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(x, y), 3, g2, (tg_array *[]){xa, ya}, out));
  double t = tanh(0.7);
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), -2 * t * (1 - t * t), 1e-14, 0);
  CHECK_CLOSE(tg_array_get_f64(out[1], 0), 6 * 0.7, 1e-14, 0);
  CHECK_CLOSE(tg_array_get_f64(out[2], 0), 2 * -1.3 * 1.7 * exp(0.7), 1e-14, 0);
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_array_unref(xa);
  tg_array_unref(ya);
  tg_graph_free(g);
}

/* ---- non-differentiable points ---- */

/* d sum(f(a, b)) / d a and / d b at the given points, through a compiled function. */
static void grads_at(tg_var *(*f)(tg_var *, tg_var *), int n, const double *av, const double *bv,
                     double *ga, double *gb) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT64), *b = tg_vector(g, "b", TG_FLOAT64), *gr[2];
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  CHECK_STATUS(tg_grad_ex(tg_sum(f(a, b), -1, NULL, false), TG_VARS(a, b), gr, &o), TG_OK);
  tg_array *aa = gc_from(TG_FLOAT64, 1, (int64_t[]){n}, av);
  tg_array *ba = gc_from(TG_FLOAT64, 1, (int64_t[]){n}, bv), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(a, b), 2, gr, (tg_array *[]){aa, ba}, out));
  for (int i = 0; i < n; i++) {
    ga[i] = out[0] ? tg_array_get_f64(out[0], i) : NAN;
    gb[i] = out[1] ? tg_array_get_f64(out[1], i) : NAN;
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(aa);
  tg_array_unref(ba);
  tg_graph_free(g);
}

static tg_var *f_abs(tg_var *a, tg_var *b) { (void)b; return tg_abs(a); }
static tg_var *f_sign(tg_var *a, tg_var *b) { (void)b; return tg_sign(a); }
static tg_var *f_floor(tg_var *a, tg_var *b) { (void)b; return tg_floor(a); }
static tg_var *f_ceil(tg_var *a, tg_var *b) { (void)b; return tg_ceil(a); }
static tg_var *f_round(tg_var *a, tg_var *b) { (void)b; return tg_round(a); }
static tg_var *f_trunc(tg_var *a, tg_var *b) { (void)b; return tg_trunc(a); }

/* abs'(0) = 0 (the sign); the rounding ops and sign have a zero gradient everywhere,
   their jumps included (Theano's convention). */
TEST(abs_and_rounding_at_their_kinks) {
  double a[5] = {-2, -0.5, 0, 0.5, 2.5}, b[5] = {0}, ga[5], gb[5];
  grads_at(f_abs, 5, a, b, ga, gb);
  double want_abs[5] = {-1, -1, 0, 1, 1};
  for (int i = 0; i < 5; i++) CHECK(ga[i] == want_abs[i]);
  tg_var *(*zero_ops[])(tg_var *, tg_var *) = {f_sign, f_floor, f_ceil, f_round, f_trunc};
  for (size_t k = 0; k < sizeof zero_ops / sizeof zero_ops[0]; k++) {
    grads_at(zero_ops[k], 5, a, b, ga, gb);
    for (int i = 0; i < 5; i++) CHECK(ga[i] == 0 && gb[i] == 0);
  }
}

static tg_var *f_max(tg_var *a, tg_var *b) { return tg_maximum(a, b); }
static tg_var *f_min(tg_var *a, tg_var *b) { return tg_minimum(a, b); }

/* minimum/maximum give the gradient to every operand equal to the result: at a tie both
   get it (Theano's rule; the sum of the two is then 2, not 1). */
TEST(minimum_maximum_ties_go_to_both) {
  double a[4] = {1, 2, 3, -0.0}, b[4] = {1, 0, 5, 0.0}, ga[4], gb[4];
  grads_at(f_max, 4, a, b, ga, gb);
  double wa[4] = {1, 1, 0, 1}, wb[4] = {1, 0, 1, 1};
  for (int i = 0; i < 4; i++) CHECK(ga[i] == wa[i] && gb[i] == wb[i]);
  grads_at(f_min, 4, a, b, ga, gb);
  double va[4] = {1, 0, 1, 1}, vb[4] = {1, 1, 0, 1};
  for (int i = 0; i < 4; i++) CHECK(ga[i] == va[i] && gb[i] == vb[i]);
}

/* clip(x, lo, hi): x gets the gradient where lo <= x <= hi (bounds included), lo where
   x < lo, hi where x > hi, as Theano's clip. */
TEST(clip_at_and_beyond_its_bounds) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *lo = tg_scalar(g, "lo", TG_FLOAT64);
  tg_var *hi = tg_scalar(g, "hi", TG_FLOAT64), *gr[3];
  CHECK_STATUS(tg_grad(tg_sum(tg_clip(x, lo, hi), -1, NULL, false), TG_VARS(x, lo, hi), gr), TG_OK);
  double xv[6] = {-3, -1, 0, 1, 2, 4};
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){6}, xv);
  tg_array *la = tg_array_scalar(TG_FLOAT64, -1), *ha = tg_array_scalar(TG_FLOAT64, 1);
  tg_array *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(x, lo, hi), 3, gr, (tg_array *[]){xa, la, ha}, out));
  double wx[6] = {0, 1, 1, 1, 0, 0};
  for (int i = 0; out[0] && i < 6; i++) CHECK(tg_array_get_f64(out[0], i) == wx[i]);
  CHECK(tg_array_get_f64(out[1], 0) == 1); /* x = -3 */
  CHECK(tg_array_get_f64(out[2], 0) == 2); /* x = 2 and 4 */
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_array_unref(xa);
  tg_array_unref(la);
  tg_array_unref(ha);
  tg_graph_free(g);
}

static tg_var *f_floor_div(tg_var *a, tg_var *b) { return tg_floor_div(a, b); }
static tg_var *f_mod(tg_var *a, tg_var *b) { return tg_mod(a, b); }

/* floor_div has a zero gradient; a % b = a - b * floor(a / b) has d/da = 1 and
   d/db = -floor(a / b), also where a / b is an integer (the jump). */
TEST(floor_div_and_mod_at_their_jumps) {
  double a[4] = {6, -6, 7, 5}, b[4] = {3, 3, -2, 2}, ga[4], gb[4];
  grads_at(f_floor_div, 4, a, b, ga, gb);
  for (int i = 0; i < 4; i++) CHECK(ga[i] == 0 && gb[i] == 0);
  grads_at(f_mod, 4, a, b, ga, gb);
  for (int i = 0; i < 4; i++) CHECK(ga[i] == 1 && gb[i] == -floor(a[i] / b[i]));
}

/* switch(cond, a, b): a gets gz where cond holds, b elsewhere; a float condition gets a
   zero gradient (connected, as Theano), a bool one none. */
TEST(switch_routes_the_gradient) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_vector(g, "c", TG_FLOAT64), *a = tg_vector(g, "a", TG_FLOAT64);
  tg_var *b = tg_scalar(g, "b", TG_FLOAT64), *gr[3];
  tg_var *cost = tg_sum(tg_mul(tg_switch(c, a, b), tg_const_f64(g, 3)), -1, NULL, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(c, a, b), gr), TG_OK);
  tg_array *ca = gc_from(TG_FLOAT64, 1, (int64_t[]){4}, (double[]){1, 0, -2, 0});
  tg_array *aa = gc_from(TG_FLOAT64, 1, (int64_t[]){4}, (double[]){5, 6, 7, 8});
  tg_array *ba = tg_array_scalar(TG_FLOAT64, 9), *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(c, a, b), 3, gr, (tg_array *[]){ca, aa, ba}, out));
  double wa[4] = {3, 0, 3, 0};
  for (int i = 0; out[0] && i < 4; i++) {
    CHECK(tg_array_get_f64(out[0], i) == 0);
    CHECK(tg_array_get_f64(out[1], i) == wa[i]);
  }
  CHECK(tg_array_get_f64(out[2], 0) == 6); /* broadcast b summed back: two false lanes */
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_var *cb = tg_vector(g, "cb", TG_BOOL);
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE, .return_disconnected_none = true};
  CHECK_STATUS(tg_grad_ex(tg_sum(tg_switch(cb, a, b), -1, NULL, false), TG_VARS(cb), gr, &o), TG_OK);
  CHECK(gr[0] == NULL);
  tg_array_unref(ca);
  tg_array_unref(aa);
  tg_array_unref(ba);
  tg_graph_free(g);
}

/* pow at a = 0: d/da 0 ** 2 = 2 * 0 = 0; sqrt at 0 has an infinite derivative. */
TEST(pow_and_sqrt_at_zero) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *gr[2];
  CHECK_STATUS(tg_grad(tg_pow(x, tg_const_f64(g, 2)), 1, &x, &gr[0]), TG_OK);
  CHECK_STATUS(tg_grad(tg_sqrt(x), 1, &x, &gr[1]), TG_OK);
  tg_array *xa = tg_array_scalar(TG_FLOAT64, 0), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(x), 2, gr, (tg_array *[]){xa}, out));
  CHECK(tg_array_get_f64(out[0], 0) == 0);
  CHECK(isinf(tg_array_get_f64(out[1], 0)) && tg_array_get_f64(out[1], 0) > 0);
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* ---- what has no gradient ---- */

/* psi's derivative is trigamma and trigamma's is polygamma(2, x): gammaln is
   differentiable three times and more (test_grad_polygamma.c goes further), checked at
   closed forms: psi(1) = -euler, trigamma(1) = pi^2/6, polygamma(2, 1) = -2 zeta(3). */
TEST(trigamma_gradient_is_polygamma_2) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr, *gg, *g3;
  CHECK_STATUS(tg_grad(tg_sum(tg_gammaln(x), -1, NULL, false), 1, &x, &gr), TG_OK);
  CHECK_STATUS(tg_grad(tg_sum(gr, -1, NULL, false), 1, &x, &gg), TG_OK);
  CHECK_STATUS(tg_grad(tg_sum(gg, -1, NULL, false), 1, &x, &g3), TG_OK);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){1, 0.5, 2}), *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(x), 3, (tg_var *[]){gr, gg, g3}, (tg_array *[]){xa}, out));
  const double euler = 0.57721566490153286061, z2 = M_PI * M_PI / 6, z3 = 1.2020569031595942854;
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), -euler, 1e-13, 0);
  CHECK_CLOSE(tg_array_get_f64(out[0], 1), -euler - 2 * log(2.0), 1e-13, 0);
  CHECK_CLOSE(tg_array_get_f64(out[0], 2), 1 - euler, 1e-13, 0);
  CHECK_CLOSE(tg_array_get_f64(out[1], 0), z2, 1e-13, 0);         /* trigamma(1) = pi^2/6 */
  CHECK_CLOSE(tg_array_get_f64(out[1], 1), 3 * z2, 1e-13, 0);     /* trigamma(1/2) = pi^2/2 */
  CHECK_CLOSE(tg_array_get_f64(out[1], 2), z2 - 1, 1e-13, 0);     /* trigamma(2) */
  CHECK_CLOSE(tg_array_get_f64(out[2], 0), -2 * z3, 1e-13, 0);    /* polygamma(2, 1) */
  CHECK_CLOSE(tg_array_get_f64(out[2], 1), -14 * z3, 1e-13, 0);   /* polygamma(2, 1/2) */
  CHECK_CLOSE(tg_array_get_f64(out[2], 2), -2 * (z3 - 1), 1e-13, 0); /* polygamma(2, 2) */
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* The gradient of maximum(x, c) is a mask (a cast of x == z): piecewise constant, its
   own gradient does not depend on x. tg_grad says so; with disconnected inputs ignored it
   is zero, which is also what a hessian of such a cost holds. */
TEST(gradient_of_piecewise_linear_gradient_is_disconnected) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr, *gg;
  CHECK_STATUS(tg_grad(tg_sum(tg_maximum(x, tg_const_f64(g, 0.5)), -1, NULL, false), 1, &x, &gr), TG_OK);
  tg_var *c2 = tg_sum(gr, -1, NULL, false);
  CHECK_STATUS(tg_grad(c2, 1, &x, &gg), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not depend on input 0");
  tg_graph_clear_error(g);
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
  CHECK_STATUS(tg_grad_ex(c2, 1, &x, &gg, &o), TG_OK);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){0, 1, 2}), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x), 1, &gg, (tg_array *[]){xa}, out));
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(out[0], i) == 0);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* Comparisons, logical and bitwise ops have bool or integer results: no gradient flows
   through them (the cost's dependence through them alone is a disconnected input). */
TEST(comparisons_pass_no_gradient) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64), *gr[2];
  tg_var *m = tg_cast(tg_logical_and(tg_lt(x, y), tg_isfinite(x)), TG_FLOAT64);
  CHECK_STATUS(tg_grad(tg_sum(m, -1, NULL, false), TG_VARS(x, y), gr), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not depend on input 0 ('x')");
  tg_graph_free(g);
}
