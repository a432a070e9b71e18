/* test_grad_nnet.c: gradients of the neural-network family. Softmax, LogSoftmax and
   CrossentropyCategorical1Hot (rules in src/grad/nnet_grad.c) against finite differences
   (tg_verify_grad) on float64 and float32, over several axes and ranks, size-1 dims and
   non-contiguous inputs, against hand-derived formulas, and to second order; OneHot and
   the labels get no gradient; the activations and losses built from elementwise ops
   differentiate through Elemwise. */
#include "grad_check.h"

/* ---- builders for tg_verify_grad (ud points to an int parameter where one is needed) ---- */

static tg_var *b_softmax(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_softmax(in[0], *(int *)ud);
}
static tg_var *b_log_softmax(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_log_softmax(in[0], *(int *)ud);
}
/* in[0] coding_dist (positive), in[1] integer labels */
static tg_var *b_xent1hot(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_categorical_crossentropy(in[0], in[1]);
}
/* the usual classifier head: crossentropy of softmax(logits) with integer labels */
static tg_var *b_softmax_xent(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_categorical_crossentropy(tg_softmax(in[0], -1), in[1]);
}

static const int axes2[] = {0, 1, -1};

TEST(softmax_and_log_softmax_verify_grad_float64_float32) {
  for (int dt = 0; dt < 2; dt++) {
    tg_dtype t = dt ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *m = gc_rand(t, 2, (int64_t[]){3, 4}, -2, 2);
    for (int k = 0; k < 3; k++) {
      int axis = axes2[k];
      CHECK_VERIFY("softmax matrix", b_softmax, &axis, 1, &m, NULL);
      CHECK_VERIFY("log_softmax matrix", b_log_softmax, &axis, 1, &m, NULL);
    }
    tg_array *t3 = gc_rand(t, 3, (int64_t[]){2, 3, 4}, -2, 2);
    for (int axis = 0; axis < 3; axis++) {
      CHECK_VERIFY("softmax 3-d", b_softmax, &axis, 1, &t3, NULL);
      CHECK_VERIFY("log_softmax 3-d", b_log_softmax, &axis, 1, &t3, NULL);
    }
    tg_array *v = gc_rand(t, 1, (int64_t[]){5}, -3, 3);
    int axis = 0;
    CHECK_VERIFY("softmax vector", b_softmax, &axis, 1, &v, NULL);
    CHECK_VERIFY("log_softmax vector", b_log_softmax, &axis, 1, &v, NULL);
    tg_array_unref(m);
    tg_array_unref(t3);
    tg_array_unref(v);
  }
}

TEST(softmax_size1_dims_and_noncontiguous_inputs) {
  for (int dt = 0; dt < 2; dt++) {
    tg_dtype t = dt ? TG_FLOAT32 : TG_FLOAT64;
    /* a size-1 axis: softmax is 1 whatever x is, its gradient 0; log_softmax is 0 */
    tg_array *col = gc_rand(t, 2, (int64_t[]){3, 1}, -1, 1);
    tg_array *row = gc_rand(t, 2, (int64_t[]){1, 4}, -1, 1);
    for (int axis = 0; axis < 2; axis++) {
      CHECK_VERIFY("softmax (3,1)", b_softmax, &axis, 1, &col, NULL);
      CHECK_VERIFY("log_softmax (3,1)", b_log_softmax, &axis, 1, &col, NULL);
      CHECK_VERIFY("softmax (1,4)", b_softmax, &axis, 1, &row, NULL);
      CHECK_VERIFY("log_softmax (1,4)", b_log_softmax, &axis, 1, &row, NULL);
    }
    tg_array *m = gc_rand(t, 2, (int64_t[]){3, 4}, -2, 2);
    for (int kind = 0; kind < 2; kind++) {
      tg_array *nc = gc_noncontig(m, kind);
      CHECK(nc && !tg_array_is_contiguous(nc));
      for (int axis = 0; axis < 2; axis++) {
        CHECK_VERIFY("softmax non-contiguous", b_softmax, &axis, 1, &nc, NULL);
        CHECK_VERIFY("log_softmax non-contiguous", b_log_softmax, &axis, 1, &nc, NULL);
      }
      tg_array_unref(nc);
    }
    tg_array_unref(col);
    tg_array_unref(row);
    tg_array_unref(m);
  }
}

/* cost = sum(w * f(x)) for a vector x: d/dx_j of sum(w * softmax(x)) is
   y_j (w_j - sum_k w_k y_k), of sum(w * log_softmax(x)) is w_j - y_j sum_k w_k. */
TEST(softmax_gradients_match_hand_formulas) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *w = tg_vector(g, "w", TG_FLOAT64);
  tg_var *c1 = tg_sum(tg_mul(w, tg_softmax(x, 0)), -1, NULL, false);
  tg_var *c2 = tg_sum(tg_mul(w, tg_log_softmax(x, 0)), -1, NULL, false);
  tg_var *g1, *g2;
  CHECK_STATUS(tg_grad(c1, 1, &x, &g1), TG_OK);
  CHECK_STATUS(tg_grad(c2, 1, &x, &g2), TG_OK);
  double xv[4] = {0.5, -1.0, 2.0, 0.25}, wv[4] = {1.0, -2.0, 0.5, 3.0}, y[4], s = 0, wy = 0, sw = 0;
  for (int j = 0; j < 4; j++) s += exp(xv[j]);
  for (int j = 0; j < 4; j++) y[j] = exp(xv[j]) / s, wy += wv[j] * y[j], sw += wv[j];
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){4}, xv);
  tg_array *wa = gc_from(TG_FLOAT64, 1, (int64_t[]){4}, wv), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(x, w), 2, (tg_var *[]){g1, g2}, (tg_array *[]){xa, wa}, out));
  for (int j = 0; j < 4; j++) {
    CHECK_CLOSE(tg_array_get_f64(out[0], j), y[j] * (wv[j] - wy), 1e-14, 1e-15);
    CHECK_CLOSE(tg_array_get_f64(out[1], j), wv[j] - y[j] * sw, 1e-14, 1e-15);
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

TEST(crossentropy_1hot_verify_grad_labels_disconnected) {
  int64_t lv[5] = {2, 0, 1, 2, 2};
  tg_array *labels = tg_array_from_i64(1, (int64_t[]){5}, lv);
  tg_array *l32 = tg_array_astype(labels, TG_INT32);
  for (int dt = 0; dt < 2; dt++) {
    tg_dtype t = dt ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *c = gc_rand(t, 2, (int64_t[]){5, 3}, 0.2, 1.0);
    CHECK_VERIFY("xent1hot", b_xent1hot, NULL, 2, ((tg_array *[]){c, labels}), NULL);
    CHECK_VERIFY("xent1hot int32 labels", b_xent1hot, NULL, 2, ((tg_array *[]){c, l32}), NULL);
    for (int kind = 0; kind < 2; kind++) {
      tg_array *nc = gc_noncontig(c, kind);
      CHECK_VERIFY("xent1hot non-contiguous", b_xent1hot, NULL, 2, ((tg_array *[]){nc, labels}), NULL);
      tg_array_unref(nc);
    }
    tg_array *logits = gc_rand(t, 2, (int64_t[]){5, 3}, -2, 2);
    CHECK_VERIFY("xent(softmax)", b_softmax_xent, NULL, 2, ((tg_array *[]){logits, labels}), NULL);
    /* one class, one sample: size-1 dims */
    tg_array *c11 = gc_rand(t, 2, (int64_t[]){1, 1}, 0.3, 0.9);
    tg_array *l0 = tg_array_from_i64(1, (int64_t[]){1}, (int64_t[]){0});
    CHECK_VERIFY("xent1hot (1,1)", b_xent1hot, NULL, 2, ((tg_array *[]){c11, l0}), NULL);
    tg_array_unref(c11);
    tg_array_unref(l0);
    tg_array_unref(c);
    tg_array_unref(logits);
  }
  /* the labels are integers: no gradient (Theano's disconnected integer inputs) */
  tg_graph *g = tg_graph_new();
  tg_var *cd = tg_matrix(g, "coding", TG_FLOAT64), *lab = tg_vector(g, "labels", TG_INT64);
  tg_var *cost = tg_sum(tg_categorical_crossentropy(cd, lab), -1, NULL, false), *gr[2];
  CHECK_STATUS(tg_grad(cost, TG_VARS(lab), gr), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "integer and bool inputs have no gradient");
  tg_graph_clear_error(g);
  tg_grad_options o = {.disconnected_inputs = TG_DISCONNECTED_IGNORE, .return_disconnected_none = true};
  CHECK_STATUS(tg_grad_ex(cost, TG_VARS(cd, lab), gr, &o), TG_OK);
  CHECK(gr[0] != NULL && gr[1] == NULL);
  tg_graph_free(g);
  tg_array_unref(labels);
  tg_array_unref(l32);
}

/* d sum(xent)/d c[i, j] = -1/c[i, j] at j = label_i, 0 elsewhere, even where c is 0 off
   the labels (no 0 * inf); d mean(xent(softmax(x)))/dx = (softmax(x) - onehot) / n. */
TEST(crossentropy_1hot_gradient_by_hand) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_matrix(g, "c", TG_FLOAT64), *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *l = tg_vector(g, "l", TG_INT64);
  tg_var *cost = tg_sum(tg_categorical_crossentropy(c, l), -1, NULL, false);
  tg_var *cost2 = tg_mean(tg_categorical_crossentropy(tg_softmax(x, 1), l), -1, NULL, false);
  tg_var *gc, *gx;
  CHECK_STATUS(tg_grad(cost, 1, &c, &gc), TG_OK);
  CHECK_STATUS(tg_grad(cost2, 1, &x, &gx), TG_OK);
  CHECK(gc && tg_var_dtype(gc) == TG_FLOAT64 && tg_var_ndim(gc) == 2);
  double cv[6] = {0.25, 0.0, 0.75, 0.0, 0.5, 0.0}, xv[6] = {1, 2, 3, -1, 0, 1};
  int64_t lv[2] = {2, 1};
  tg_array *ca = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, cv);
  tg_array *xa = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, xv);
  tg_array *la = tg_array_from_i64(1, (int64_t[]){2}, lv), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(c, x, l), 2, (tg_var *[]){gc, gx}, (tg_array *[]){ca, xa, la}, out));
  for (int i = 0; i < 2; i++) {
    double s = 0;
    for (int j = 0; j < 3; j++) s += exp(xv[3 * i + j]);
    for (int j = 0; j < 3; j++) {
      double want = j == lv[i] ? -1.0 / cv[3 * i + j] : 0.0;
      CHECK(tg_array_get_f64(out[0], 3 * i + j) == want);
      double p = exp(xv[3 * i + j]) / s - (j == lv[i]);
      CHECK_CLOSE(tg_array_get_f64(out[1], 3 * i + j), p / 2, 1e-14, 1e-16);
    }
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(ca);
  tg_array_unref(xa);
  tg_array_unref(la);
  tg_graph_free(g);
}

TEST(one_hot_is_not_differentiable_but_its_product_is) {
  tg_graph *g = tg_graph_new();
  tg_var *l = tg_vector(g, "labels", TG_INT32), *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_var *oh = tg_one_hot(l, 3, TG_FLOAT64);
  tg_var *cost = tg_sum(tg_mul(oh, tg_sqr(x)), -1, NULL, false), *gr[2];
  CHECK_STATUS(tg_grad(cost, TG_VARS(l), gr), TG_ERR_VALUE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'labels'");
  tg_graph_clear_error(g);
  CHECK_STATUS(tg_grad(cost, TG_VARS(x), gr), TG_OK); /* 2 x where the one-hot is 1 */
  double xv[6] = {1, 2, 3, 4, 5, 6};
  tg_array *xa = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, xv);
  tg_array *la = tg_array_from_i32(1, (int64_t[]){2}, (int32_t[]){1, 0}), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(l, x), 1, gr, (tg_array *[]){la, xa}, out));
  double want[6] = {0, 4, 0, 8, 0, 0};
  for (int i = 0; i < 6; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(la);
  tg_graph_free(g);
}

/* ---- the elementwise activations and losses ---- */

enum { A_RELU, A_LEAKY, A_ELU, A_GELU, A_GELU_TANH, A_BCE, A_SBCE, A_CCE_DIST, A_N };
static const char *const act_names[A_N] = {"relu", "leaky_relu", "elu", "gelu", "gelu tanh",
                                           "binary_crossentropy", "sigmoid_binary_crossentropy",
                                           "categorical_crossentropy (distribution)"};

static tg_var *b_act(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  switch (*(int *)ud) {
    case A_RELU: return tg_relu(in[0]);
    case A_LEAKY: return tg_leaky_relu(in[0], 0.1);
    case A_ELU: return tg_elu(in[0], 1.5);
    case A_GELU: return tg_gelu(in[0], false);
    case A_GELU_TANH: return tg_gelu(in[0], true);
    case A_BCE: return tg_binary_crossentropy(in[0], in[1]);
    case A_SBCE: return tg_sigmoid_binary_crossentropy(in[0], in[1]);
    default: return tg_categorical_crossentropy(in[0], in[1]);
  }
}

/* Values in [0.2, 2] with random signs: away from the kinks at 0 of relu and friends. */
static tg_array *away_from_zero(tg_dtype t, int nd, const int64_t *shape) {
  tg_array *a = gc_rand(t, nd, shape, 0.2, 2);
  for (int64_t i = 0; i < tg_array_size(a); i++)
    if (gc_uniform() < 0.5) tg_array_set_f64(a, i, -tg_array_get_f64(a, i));
  return a;
}

TEST(activations_and_losses_verify_grad) {
  for (int dt = 0; dt < 2; dt++) {
    tg_dtype t = dt ? TG_FLOAT32 : TG_FLOAT64;
    int64_t sh[2] = {3, 4};
    tg_array *x = away_from_zero(t, 2, sh);
    tg_array *p = gc_rand(t, 2, sh, 0.1, 0.9), *tgt = gc_rand(t, 2, sh, 0, 1);
    tg_array *trow = gc_rand(t, 2, (int64_t[]){1, 4}, 0, 1); /* broadcast target */
    char label[96];
    for (int k = 0; k < A_N; k++) {
      snprintf(label, sizeof label, "%s %s", act_names[k], tg_dtype_name(t));
      tg_array *first = k == A_BCE || k == A_CCE_DIST ? p : x;
      CHECK_VERIFY(label, b_act, &k, k >= A_BCE ? 2 : 1, ((tg_array *[]){first, tgt}), NULL);
      if (k >= A_BCE)
        CHECK_VERIFY(label, b_act, &k, 2, ((tg_array *[]){first, trow}), NULL);
      tg_array *nc = gc_noncontig(first, 1);
      CHECK_VERIFY(label, b_act, &k, k >= A_BCE ? 2 : 1, ((tg_array *[]){nc, tgt}), NULL);
      tg_array_unref(nc);
    }
    tg_array_unref(x);
    tg_array_unref(p);
    tg_array_unref(tgt);
    tg_array_unref(trow);
  }
}

/* relu at exactly 0 follows maximum's tie rule: the gradient goes to both operands, so x
   gets gz there (Theano's maximum gives ties to both as well). */
TEST(relu_at_zero_passes_the_gradient) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr;
  CHECK_STATUS(tg_grad(tg_sum(tg_relu(x), -1, NULL, false), 1, &x, &gr), TG_OK);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, (double[]){-1, 0, 2}), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x), 1, &gr, (tg_array *[]){xa}, out));
  CHECK(tg_array_get_f64(out[0], 0) == 0);
  CHECK(tg_array_get_f64(out[0], 1) == 1);
  CHECK(tg_array_get_f64(out[0], 2) == 1);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* ---- second order: verify_grad of a function that is itself a gradient ---- */

enum { S_SOFTMAX, S_LOG_SOFTMAX, S_XENT, S_XENT_SOFTMAX };

/* grad(sum(sqr(f(x))) or sum(f(x)), x): the result depends on x through the rule, so its
   own gradient exercises the rule's graph to second order. */
static tg_var *b_second(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  tg_var *c;
  switch (*(int *)ud) {
    case S_SOFTMAX: c = tg_sum(tg_sqr(tg_softmax(in[0], 1)), -1, NULL, false); break;
    case S_LOG_SOFTMAX: c = tg_sum(tg_sqr(tg_log_softmax(in[0], 0)), -1, NULL, false); break;
    case S_XENT: c = tg_sum(tg_categorical_crossentropy(in[0], in[1]), -1, NULL, false); break;
    default: c = tg_mean(tg_categorical_crossentropy(tg_softmax(in[0], 1), in[1]), -1, NULL, false);
  }
  tg_var *gr;
  return tg_grad(c, 1, (tg_var *[]){in[0]}, &gr) == TG_OK ? gr : NULL;
}

TEST(second_order) {
  tg_array *labels = tg_array_from_i64(1, (int64_t[]){4}, (int64_t[]){1, 0, 2, 1});
  for (int dt = 0; dt < 2; dt++) {
    tg_dtype t = dt ? TG_FLOAT32 : TG_FLOAT64;
    tg_array *x = gc_rand(t, 2, (int64_t[]){4, 3}, -1.5, 1.5);
    tg_array *c = gc_rand(t, 2, (int64_t[]){4, 3}, 0.3, 1.0);
    int k = S_SOFTMAX;
    CHECK_VERIFY("softmax second order", b_second, &k, 1, &x, NULL);
    k = S_LOG_SOFTMAX;
    CHECK_VERIFY("log_softmax second order", b_second, &k, 1, &x, NULL);
    k = S_XENT;
    CHECK_VERIFY("xent1hot second order", b_second, &k, 2, ((tg_array *[]){c, labels}), NULL);
    k = S_XENT_SOFTMAX;
    CHECK_VERIFY("xent(softmax) second order", b_second, &k, 2, ((tg_array *[]){x, labels}), NULL);
    tg_array_unref(x);
    tg_array_unref(c);
  }
  tg_array_unref(labels);
}

/* The second derivative by hand: d^2/dc^2 of -log c at the label is 1/c^2, and the
   Hessian is diagonal, zero off the labels. */
TEST(crossentropy_1hot_hessian_by_hand) {
  tg_graph *g = tg_graph_new();
  tg_var *c = tg_tensor(g, "c", TG_FLOAT64, 1, (int64_t[]){6});
  tg_var *l = tg_vector(g, "l", TG_INT64);
  tg_var *cost = tg_sum(tg_categorical_crossentropy(tg_reshape_to(c, 2, (int64_t[]){2, 3}), l),
                        -1, NULL, false);
  tg_var *H = tg_hessian(cost, c);
  CHECK(H != NULL);
  if (!H) {
    fprintf(stderr, "hessian: %s\n", tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  double cv[6] = {0.25, 0.5, 0.125, 0.5, 0.25, 0.75};
  tg_array *ca = gc_from(TG_FLOAT64, 1, (int64_t[]){6}, cv);
  tg_array *la = tg_array_from_i64(1, (int64_t[]){2}, (int64_t[]){1, 2}), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(c, l), 1, &H, (tg_array *[]){ca, la}, out));
  for (int i = 0; out[0] && i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double want = i == j && (i == 1 || i == 5) ? 1 / (cv[i] * cv[i]) : 0;
      CHECK_CLOSE(tg_array_get_f64(out[0], 6 * i + j), want, 1e-14, 0);
    }
  tg_array_unref(out[0]);
  tg_array_unref(ca);
  tg_array_unref(la);
  tg_graph_free(g);
}

/* Rop (forward mode, the transpose of the Lop built from these rules): for softmax the
   Jacobian is diag(y) - y y^T, so J v = y * (v - y.v); for log_softmax it is
   I - 1 y^T, so J v = v - y.v. */
TEST(softmax_rop_matches_the_jacobian) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64), *r[2];
  CHECK_STATUS(tg_Rop(TG_VARS(tg_softmax(x, 0)), TG_VARS(x), (tg_var *[]){v}, &r[0]), TG_OK);
  CHECK_STATUS(tg_Rop(TG_VARS(tg_log_softmax(x, 0)), TG_VARS(x), (tg_var *[]){v}, &r[1]), TG_OK);
  double xv[3] = {0.1, -0.7, 1.2}, vv[3] = {2, -1, 0.5}, y[3], s = 0, yv = 0;
  for (int j = 0; j < 3; j++) s += exp(xv[j]);
  for (int j = 0; j < 3; j++) y[j] = exp(xv[j]) / s, yv += y[j] * vv[j];
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, xv);
  tg_array *va = gc_from(TG_FLOAT64, 1, (int64_t[]){3}, vv), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(x, v), 2, r, (tg_array *[]){xa, va}, out));
  for (int j = 0; out[1] && j < 3; j++) {
    CHECK_CLOSE(tg_array_get_f64(out[0], j), y[j] * (vv[j] - yv), 1e-14, 1e-16);
    CHECK_CLOSE(tg_array_get_f64(out[1], j), vv[j] - yv, 1e-14, 1e-16);
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(xa);
  tg_array_unref(va);
  tg_graph_free(g);
}
