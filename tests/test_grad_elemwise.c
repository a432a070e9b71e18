/* test_grad_elemwise.c: the gradient of every differentiable scalar op of Elemwise
   (src/ops/scalar_ops.def, rules in src/grad/elemwise_grad.c) against central differences
   with tg_verify_grad, on float64 and float32, for same shapes, broadcasting (row, column,
   lower rank, 0-d), size-1 dims and non-contiguous (transposed, strided, negative-stride)
   inputs; inputs are drawn inside each op's domain and away from its non-differentiable
   points. Second order, the behaviour at non-differentiable points and the ops without a
   gradient are in test_grad_elemwise2.c. */
#include "grad_elemwise.h"
#include "ops/op.h"

/* verify_grad of op c on float dtype dt for every layout. */
static void check_op(const opcase *c, tg_dtype dt) {
  for (int l = 0; l < N_LAYOUTS; l++) {
    const layout *ly = &layouts[l];
    if (c->arity == 1 && l == 5) continue; /* the same as the 0-d case for one operand */
    tg_array *in[3] = {NULL, NULL, NULL};
    for (int i = 0; i < c->arity; i++) {
      /* a unary op takes the first column's shape: its rank-3, rank-2 and 0-d cases */
      in[i] = draw(&c->d[i], dt, ly->nd[i], ly->shape[i]);
      if (ly->noncontig[i] >= 0) {
        tg_array *nc = gc_noncontig(in[i], ly->noncontig[i]);
        tg_array_unref(in[i]);
        in[i] = nc;
      }
    }
    char label[160];
    snprintf(label, sizeof label, "%s, %s, %s", c->name, tg_dtype_name(dt), ly->what);
    CHECK_VERIFY(label, b_op, (void *)c, c->arity, in, NULL);
    for (int i = 0; i < c->arity; i++) tg_array_unref(in[i]);
  }
}

TEST(every_differentiable_op_float64) {
  for (int k = 0; k < N_OPS; k++) check_op(&ops[k], TG_FLOAT64);
}

TEST(every_differentiable_op_float32) {
  for (int k = 0; k < N_OPS; k++) check_op(&ops[k], TG_FLOAT32);
}

/* The table covers every scalar op whose result can be a float, except polygamma (its
   integer order cannot be perturbed: test_grad_polygamma.c): nothing differentiable is
   left out. */
TEST(table_covers_every_float_op) {
  static const char *const not_float[] = {
      "lt", "gt", "le", "ge", "eq", "neq", "isnan", "isinf", "isfinite", "logical_and",
      "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
      "invert", "left_shift", "right_shift", "polygamma"};
  int n_cat = 0;
  for (int i = 0; i < tgi_op_catalogue_count(); i++) {
    const tgi_op_info *r = tgi_op_catalogue(i);
    if (strcmp(r->family, "elemwise") != 0) continue;
    n_cat++;
    bool listed = false, excluded = false;
    for (int k = 0; k < N_OPS; k++) listed |= !strcmp(ops[k].name, r->name);
    for (size_t k = 0; k < sizeof not_float / sizeof not_float[0]; k++)
      excluded |= !strcmp(not_float[k], r->name);
    if (listed == excluded) TH_FAIL("scalar op %s: in the table %d, excluded %d", r->name, listed, excluded);
    /* the catalogue says "not differentiable" exactly for the bool and integer-only ops */
    bool nd = !strcmp(r->grad, "not differentiable");
    if (nd != (excluded && strcmp(r->name, "polygamma") != 0))
      TH_FAIL("scalar op %s: grad column \"%s\"", r->name, r->grad);
    th_checks++;
  }
  CHECK(n_cat == N_OPS + 20);
}

/* Hand values for a few rules, independent of verify_grad: d/da and d/db of a ** b,
   atan2(a, b), a % b and erfcx(a) at chosen points, from the textbook derivatives. */
TEST(hand_values_of_some_rules) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT64), *b = tg_vector(g, "b", TG_FLOAT64);
  tg_var *f[4] = {tg_pow(a, b), tg_arctan2(a, b), tg_mod(a, b), tg_erfcx(a)};
  tg_var *gr[8];
  for (int k = 0; k < 4; k++) {
    tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE};
    CHECK_STATUS(tg_grad_ex(tg_sum(f[k], -1, NULL, false), TG_VARS(a, b), &gr[2 * k], &o), TG_OK);
  }
  double av[3] = {1.5, 0.5, 7.25}, bv[3] = {2.5, -1.5, 2.0};
  tg_array *aa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, av);
  tg_array *ba = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, bv), *out[8] = {0};
  CHECK(gc_run(g, TG_VARS(a, b), 8, gr, (tg_array *[]){aa, ba}, out));
  for (int i = 0; out[7] && i < 3; i++) {
    double x = av[i], y = bv[i], r2 = x * x + y * y;
    CHECK_CLOSE(tg_array_get_f64(out[0], i), y * pow(x, y - 1), 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[1], i), pow(x, y) * log(x), 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[2], i), y / r2, 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[3], i), -x / r2, 1e-14, 0);
    CHECK(tg_array_get_f64(out[4], i) == 1);
    CHECK(tg_array_get_f64(out[5], i) == -floor(x / y));
    /* d/dx exp(x^2) erfc(x) = 2 x exp(x^2) erfc(x) - 2 / sqrt(pi) */
    CHECK_CLOSE(tg_array_get_f64(out[6], i), 2 * x * exp(x * x) * erfc(x) - 2 / sqrt(M_PI), 1e-12, 1e-14);
    CHECK(tg_array_get_f64(out[7], i) == 0); /* erfcx does not depend on b */
  }
  for (int k = 0; k < 8; k++) tg_array_unref(out[k]);
  tg_array_unref(aa);
  tg_array_unref(ba);
  tg_graph_free(g);
}

/* Integer operands get no gradient; a float result of integer inputs (true_div) is no
   path to them; the float operand of a mixed op gets a gradient of its own dtype. */
TEST(integer_operands_get_none_float_ones_keep_dtype) {
  tg_graph *g = tg_graph_new();
  tg_var *i = tg_vector(g, "i", TG_INT32), *x = tg_vector(g, "x", TG_FLOAT32);
  tg_var *cost = tg_sum(tg_add(tg_mul(x, i), tg_true_div(i, tg_const_i64(g, 2))), -1, NULL, false);
  tg_var *gr[2];
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE, .return_disconnected_none = true};
  CHECK_STATUS(tg_grad_ex(cost, TG_VARS(x, i), gr, &o), TG_OK);
  CHECK(gr[0] && gr[1] == NULL);
  CHECK(tg_var_dtype(gr[0]) == TG_FLOAT32);
  tg_array *xa = gc_from(TG_FLOAT32, 1, (int64_t[]){2}, (double[]){0.5, 2});
  tg_array *ia = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){3, -4}), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x, i), 1, gr, (tg_array *[]){xa, ia}, out));
  CHECK(tg_array_get_f64(out[0], 0) == 3 && tg_array_get_f64(out[0], 1) == -4);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(ia);
  tg_graph_free(g);
}
