/* test_grad_shape.c: gradients of the shape ops (reshape, flatten, specify_shape,
   dimshuffle and its builders, concatenate, stack, split, alloc and fill) against finite
   differences (tg_verify_grad) on float64 and float32, with size-1 dims, non-contiguous
   and reversed inputs; hand values (Lop with an eval point of unknown static shape, alloc
   of a value whose length-1 dim is only known at run time); second-order checks; and the
   integer-output ops Shape, Shape_i, MakeVector, which pass no gradient and break
   nothing. */
#include "grad_family.h"

/* ---- reshape, flatten, specify_shape ---- */

static tg_var *b_reshape(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_exp(tg_reshape_to(in[0], 3, (int64_t[]){3, -1, 2}));
}

static tg_var *b_reshape_sym(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud; /* the target shape read from another tensor at run time */
  tg_var *dims[2] = {tg_shape_i(in[1], 0), tg_shape_i(in[1], 1)};
  return tg_mul(tg_reshape(in[0], tg_make_vector(g, 2, dims)), in[1]);
}

static tg_var *b_flatten(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_sin(tg_flatten(in[0], *(int *)ud));
}

static tg_var *b_specify(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_sqr(tg_specify_shape(in[0], 2, (int64_t[]){-1, 3}));
}

TEST(reshape_flatten_specify_shape) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){4, 3}, -1, 1), NULL};
  verify_layouts("reshape", b_reshape, NULL, 1, x);
  verify_second("reshape (second order)", b_reshape, NULL, 1, x);
  x[1] = rnd(TG_FLOAT64, 2, (int64_t[]){2, 6}, 0.5, 1.5);
  verify_layouts("reshape to a run-time shape", b_reshape_sym, NULL, 2, x);
  verify_second("reshape to a run-time shape (second order)", b_reshape_sym, NULL, 2, x);
  tg_array_unref(x[1]);
  verify_layouts("specify_shape", b_specify, NULL, 1, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 3, (int64_t[]){2, 1, 3}, -1, 1); /* a static-1 dim */
  for (int nd = 1; nd <= 3; nd++) verify_layouts("flatten", b_flatten, &nd, 1, x);
  int two = 2;
  verify_second("flatten (second order)", b_flatten, &two, 1, x);
  tg_array_unref(x[0]);
}

/* ---- dimshuffle and its builders ---- */

static tg_var *b_dimshuffle(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  /* x is (3, 1, 2): dim 1 is dropped, two broadcastable dims are added, and y broadcasts
     along them, so the gradient arrives summed there */
  tg_var *d = tg_dimshuffle(in[0], 4, (int[]){2, -1, 0, -1});
  return tg_mul(tg_exp(d), in[1]);
}

static tg_var *b_builders(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  tg_var *x = in[0]; /* (2, 1, 3) */
  switch (*(int *)ud) {
    case 0: return tg_cos(tg_transpose(x, 0, NULL));
    case 1: return tg_cos(tg_transpose(x, 3, (int[]){1, 2, 0}));
    case 2: return tg_cos(tg_swapaxes(x, 0, -1));
    case 3: return tg_cos(tg_squeeze(x, -1, NULL));
    case 4: return tg_cos(tg_squeeze(x, 1, (int[]){1}));
    default: return tg_cos(tg_expand_dims(tg_expand_dims(x, 0), -1));
  }
}

TEST(dimshuffle_and_builders) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 3, (int64_t[]){3, 1, 2}, -1, 1),
                    rnd(TG_FLOAT64, 4, (int64_t[]){2, 4, 3, 5}, -1, 1)};
  verify_layouts("dimshuffle", b_dimshuffle, NULL, 2, x);
  verify_second("dimshuffle (second order)", b_dimshuffle, NULL, 2, x);
  unref_all(2, x);
  x[0] = rnd(TG_FLOAT64, 3, (int64_t[]){2, 1, 3}, -1, 1);
  for (int k = 0; k <= 5; k++)
    verify_layouts("transpose/swapaxes/squeeze/expand_dims", b_builders, &k, 1, x);
  int k = 1;
  verify_second("transpose (second order)", b_builders, &k, 1, x);
  tg_array_unref(x[0]);
}

TEST(dimshuffle_lop_with_an_eval_point_of_unknown_shape) {
  /* the eval point u has no static 1s where the pattern added dims: the rule must still
     drop them (summing a length-1 dim) and give x back its dropped dim */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 3, (int64_t[]){3, 1, 2});
  tg_var *y = tg_dimshuffle(x, 4, (int[]){2, -1, 0, -1}); /* (2, 1, 3, 1) */
  tg_var *u = tg_tensor(g, "u", TG_FLOAT64, 4, (int64_t[]){-1, -1, -1, -1}), *gx[1];
  CHECK_STATUS(tg_Lop(TG_VARS(y), (tg_var *[]){u}, TG_VARS(x), gx), TG_OK);
  CHECK(tg_var_ndim(gx[0]) == 3 && tg_var_dim(gx[0], 1) == 1);
  double uv[6] = {1, 2, 3, 4, 5, 6};
  tg_array *xa = rnd(TG_FLOAT64, 3, (int64_t[]){3, 1, 2}, 0, 1);
  tg_array *ua = tg_array_from_f64(4, (int64_t[]){2, 1, 3, 1}, uv), *out[1] = {0};
  CHECK(run(g, TG_VARS(x, u), 1, gx, (tg_array *[]){xa, ua}, out));
  CHECK(tg_array_ndim(out[0]) == 3 && tg_array_shape(out[0])[0] == 3);
  for (int i = 0; i < 3; i++) /* gx[i, 0, k] = u[k, 0, i, 0] */
    for (int k = 0; k < 2; k++) CHECK(tg_array_get_f64(out[0], i * 2 + k) == uv[k * 3 + i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(ua);
  tg_graph_free(g);
}

/* ---- concatenate, stack, split ---- */

static tg_var *b_concat(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g;
  int axis = *(int *)ud;
  return tg_tanh(tg_concatenate(n, in, axis));
}

static tg_var *b_stack(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g;
  return tg_sin(tg_stack(n, in, *(int *)ud));
}

TEST(concatenate_and_stack) {
  /* lengths 2, 1 (static 1) and 3 along axis 1, symbolic in verify_grad's graph */
  tg_array *x[3] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 2}, -1, 1),
                    rnd(TG_FLOAT64, 2, (int64_t[]){3, 1}, -1, 1),
                    rnd(TG_FLOAT64, 2, (int64_t[]){3, 3}, -1, 1)};
  int one = 1, zero = 0, neg = -1;
  verify_layouts("concatenate axis 1", b_concat, &one, 3, x);
  verify_second("concatenate (second order)", b_concat, &one, 3, x);
  unref_all(3, x);
  for (int i = 0; i < 3; i++) x[i] = rnd(TG_FLOAT64, 2, (int64_t[]){i + 1, 2}, -1, 1);
  verify_layouts("concatenate axis 0", b_concat, &zero, 3, x);
  /* an integer input gets no gradient and breaks nothing; a float32 one promotes */
  tg_array *mixed[3] = {tg_array_ref(x[0]),
                        tg_array_from_i32(2, (int64_t[]){1, 2}, (int32_t[]){3, -4}),
                        tg_array_astype(x[2], TG_FLOAT32)};
  char msg[512];
  CHECK_STATUS(tg_verify_grad(b_concat, &zero, 3, mixed, NULL, msg, sizeof msg), TG_OK);
  unref_all(3, mixed);
  unref_all(3, x);
  for (int i = 0; i < 3; i++) x[i] = rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, -1, 1);
  for (int a = -3; a <= 2; a++) verify_layouts("stack", b_stack, &a, 3, x);
  verify_second("stack (second order)", b_stack, &neg, 3, x);
  unref_all(3, x);
}

TEST(concatenate_with_static_lengths_hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 1, (int64_t[]){2});
  tg_var *b = tg_tensor(g, "b", TG_FLOAT64, 1, (int64_t[]){-1});
  tg_var *c = tg_tensor(g, "c", TG_FLOAT64, 1, (int64_t[]){3});
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){7}, (double[]){1, 2, 3, 4, 5, 6, 7});
  tg_var *w = tg_constant(g, wa);
  tg_var *cost = tg_sum(tg_mul(tg_concatenate(3, (tg_var *[]){a, b, c}, 0), w), TG_ALL_AXES, false);
  tg_var *gr[3];
  CHECK_STATUS(tg_grad(cost, TG_VARS(a, b, c), gr), TG_OK);
  CHECK(tg_var_dim(gr[0], 0) == 2 || tg_var_dim(gr[0], 0) == -1);
  tg_array *av = rnd(TG_FLOAT64, 1, (int64_t[]){2}, 0, 1),
           *bv = rnd(TG_FLOAT64, 1, (int64_t[]){2}, 0, 1);
  tg_array *cv = rnd(TG_FLOAT64, 1, (int64_t[]){3}, 0, 1), *out[3] = {0};
  CHECK(run(g, TG_VARS(a, b, c), 3, gr, (tg_array *[]){av, bv, cv}, out));
  for (int i = 0; i < 2; i++) CHECK(tg_array_get_f64(out[0], i) == 1 + i);
  for (int i = 0; i < 2; i++) CHECK(tg_array_get_f64(out[1], i) == 3 + i);
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(out[2], i) == 5 + i);
  unref_all(3, out);
  tg_array_unref(av), tg_array_unref(bv), tg_array_unref(cv);
  tg_array_unref(wa);
  tg_graph_free(g);
}

static tg_var *b_split(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  tg_var *p[3];
  if (!tg_split(in[0], 3, (int64_t[]){1, 2, 2}, 1, p)) return NULL;
  /* the middle piece is unused: its gradient is NULL and becomes zeros */
  return tg_concatenate(2, (tg_var *[]){tg_exp(p[2]), tg_sin(p[0])}, 1);
}

TEST(split_gives_zeros_to_unused_pieces) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){2, 5}, -1, 1)};
  verify_layouts("split", b_split, NULL, 1, x);
  verify_second("split (second order)", b_split, NULL, 1, x);
  tg_array_unref(x[0]);
  /* hand values: d/dx sum(piece0 * 2 + piece2 * 3) */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_vector(g, "x", TG_FLOAT64), *p[3], *gr[1];
  tg_split(xv, 3, (int64_t[]){1, 2, 2}, 0, p);
  tg_var *cost = tg_add(tg_sum(tg_mul(p[0], tg_const_f64(g, 2)), TG_ALL_AXES, false),
                        tg_sum(tg_mul(p[2], tg_const_f64(g, 3)), TG_ALL_AXES, false));
  CHECK_STATUS(tg_grad(cost, TG_VARS(xv), gr), TG_OK);
  tg_array *xa = rnd(TG_FLOAT64, 1, (int64_t[]){5}, 0, 1), *out[1] = {0};
  CHECK(run(g, TG_VARS(xv), 1, gr, (tg_array *[]){xa}, out));
  double want[5] = {2, 0, 0, 3, 3};
  for (int i = 0; i < 5; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* ---- alloc, fill, zeros_like ---- */

static tg_var *b_alloc(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  /* value (1, 3) or (3,): broadcast to (2, 4, 3) along its static-1 and missing dims */
  tg_var *dims[3] = {tg_const_i64(g, 2), tg_const_i64(g, 4), tg_shape_i(in[0], -1)};
  return tg_mul(tg_alloc(tg_sin(in[0]), 3, dims), in[1]);
}

static tg_var *b_fill(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud; /* x only lends its shape; v is a scalar broadcast to it */
  return tg_mul(tg_fill(in[0], tg_exp(in[1])), tg_add(in[0], tg_ones_like(in[0])));
}

TEST(alloc_and_fill) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){1, 3}, -1, 1),
                    rnd(TG_FLOAT64, 3, (int64_t[]){2, 4, 3}, -1, 1)};
  verify_layouts("alloc of a (1, 3) value", b_alloc, NULL, 2, x);
  verify_second("alloc (second order)", b_alloc, NULL, 2, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 1, (int64_t[]){3}, -1, 1);
  verify_layouts("alloc of a (3,) value", b_alloc, NULL, 2, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 2, (int64_t[]){4, 3}, -1, 1);
  verify_layouts("alloc of a (4, 3) value", b_alloc, NULL, 2, x);
  unref_all(2, x);
  x[0] = rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, -1, 1);
  x[1] = tg_array_scalar(TG_FLOAT64, 0.3);
  verify_layouts("fill", b_fill, NULL, 2, x);
  unref_all(2, x);
}

TEST(alloc_of_a_value_whose_length_is_known_at_run_time) {
  /* v's dims are not static: alloc broadcasts a run-time length 1, and the gradient has
     to be summed there, or not, by the same compiled graph */
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_tensor(g, "v", TG_FLOAT64, 2, (int64_t[]){-1, -1}), *gr[1];
  double wv[24];
  for (int i = 0; i < 24; i++) wv[i] = i + 1;
  tg_array *wa = tg_array_from_f64(3, (int64_t[]){2, 4, 3}, wv);
  tg_var *cost = tg_sum(tg_mul(tg_alloc_to(v, 3, (int64_t[]){2, 4, 3}), tg_constant(g, wa)),
                        TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(v), gr), TG_OK);
  tg_function *f = tg_function_new(g, TG_VARS(v), 1, gr, NULL);
  CHECK(f != NULL);
  tg_array *v1 = rnd(TG_FLOAT64, 2, (int64_t[]){1, 3}, 0, 1),
           *v4 = rnd(TG_FLOAT64, 2, (int64_t[]){4, 3}, 0, 1);
  tg_array *out[1] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){v1}, out), TG_OK);
  CHECK(tg_array_ndim(out[0]) == 2 && tg_array_shape(out[0])[0] == 1 &&
        tg_array_shape(out[0])[1] == 3);
  for (int j = 0; j < 3; j++) {
    double s = 0;
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 4; b++) s += wv[(a * 4 + b) * 3 + j];
    CHECK(tg_array_get_f64(out[0], j) == s);
  }
  tg_array_unref(out[0]);
  out[0] = NULL;
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){v4}, out), TG_OK);
  CHECK(tg_array_ndim(out[0]) == 2 && tg_array_shape(out[0])[0] == 4);
  for (int b = 0; b < 4; b++)
    for (int j = 0; j < 3; j++)
      CHECK(tg_array_get_f64(out[0], b * 3 + j) == wv[b * 3 + j] + wv[(4 + b) * 3 + j]);
  tg_array_unref(out[0]);
  tg_array_unref(v1), tg_array_unref(v4), tg_array_unref(wa);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(zeros_like_and_ones_like_pass_nothing_to_x) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr[1];
  tg_var *cost = tg_sum(tg_mul(tg_add(tg_zeros_like(x), tg_ones_like(x)), tg_zeros_like(x)),
                        TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(x), gr),
               TG_ERR_VALUE); /* disconnected: only x's shape is used */
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not depend on input 0 ('x')");
  tg_graph_free(g);
}

/* ---- Shape, Shape_i, MakeVector: integer outputs ---- */

static tg_var *b_shape_used(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud; /* the length as a value: piecewise constant, no gradient through it */
  tg_var *len = tg_cast(tg_shape_i(in[0], 0), TG_FLOAT64);
  tg_var *v = tg_cast(tg_sum(tg_shape(in[0]), TG_ALL_AXES, false), TG_FLOAT64);
  tg_var *mv = tg_make_vector(g, 2, (tg_var *[]){tg_shape_i(in[0], 1), tg_shape_i(in[0], 0)});
  return tg_add(tg_mul(tg_sin(tg_reshape(in[0], mv)), tg_add(len, v)), in[1]);
}

TEST(shape_ops_pass_no_gradient_and_break_nothing) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, -1, 1),
                    rnd(TG_FLOAT64, 2, (int64_t[]){3, 2}, -1, 1)};
  verify_layouts("shape, shape_i and make_vector in the cost", b_shape_used, NULL, 2, x);
  unref_all(2, x);
  /* a known gradient on an integer output: nothing flows back, x is disconnected */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_matrix(g, "x", TG_FLOAT64), *s = tg_shape(xv), *gr[1] = {NULL};
  tg_grad_options o = {.n_known = 1,
                       .known_vars = (tg_var *[]){s},
                       .known_grads = (tg_var *[]){tg_make_vector(
                           g, 2, (tg_var *[]){tg_shape_i(xv, 0), tg_shape_i(xv, 1)})},
                       .disconnected_inputs = TG_DISCONNECTED_IGNORE,
                       .return_disconnected_none = true};
  CHECK_STATUS(tg_grad_ex(NULL, TG_VARS(xv), gr, &o), TG_OK);
  CHECK(gr[0] == NULL);
  tg_graph_free(g);
}
