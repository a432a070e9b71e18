/* test_grad_linalg.c: gradients of the products (dot in every rank combination, matmul
   with broadcast batch dims, outer, tensordot, batched_dot) and of inv, det, slogdet and
   solve: tg_verify_grad on float64 and float32, on non-contiguous inputs, against
   hand-computed values, and second order (a hessian, and verify_grad of gradients).
   The factorisations and norms are in test_grad_linalg2.c. */
#include "grad_check.h"

/* ---- shared helpers ---- */

/* verify_grad of build on the float64 inputs, then on float32 copies of them. */
static void verify_both(const char *label, tg_build_fn build, void *ud, int n, tg_array **in) {
  char l[160];
  snprintf(l, sizeof l, "%s (float64)", label);
  CHECK_VERIFY(l, build, ud, n, in, NULL);
  tg_array *f[8];
  for (int i = 0; i < n; i++)
    f[i] = tg_dtype_is_float(tg_array_dtype(in[i])) ? tg_array_astype(in[i], TG_FLOAT32)
                                                     : tg_array_ref(in[i]);
  snprintf(l, sizeof l, "%s (float32)", label);
  CHECK_VERIFY(l, build, ud, n, f, NULL);
  for (int i = 0; i < n; i++) tg_array_unref(f[i]);
}

/* verify_grad with every input laid out non-contiguously (transposed, then strided and
   reversed). */
static void verify_noncontig(const char *label, tg_build_fn build, void *ud, int n, tg_array **in) {
  for (int kind = 0; kind < 2; kind++) {
    tg_array *v[8];
    char l[160];
    for (int i = 0; i < n; i++) v[i] = gc_noncontig(in[i], kind);
    snprintf(l, sizeof l, "%s (non-contiguous %d)", label, kind);
    CHECK_VERIFY(l, build, ud, n, v, NULL);
    for (int i = 0; i < n; i++) tg_array_unref(v[i]);
  }
}

static void unref_all(int n, tg_array **a) {
  for (int i = 0; i < n; i++) tg_array_unref(a[i]);
}

#define SHAPE(...) (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}

static tg_array *rnd(int nd, const int64_t *shape) { return gc_rand(TG_FLOAT64, nd, shape, -1, 1); }

/* A random n x n matrix (stack of nb of them when nb > 0) plus 3 n I: well conditioned. */
static tg_array *well_conditioned(int nb, int n) {
  int64_t shape[3] = {nb, n, n};
  int nd = nb ? 3 : 2;
  tg_array *a = rnd(nd, nb ? shape : shape + 1);
  for (int b = 0; b < (nb ? nb : 1); b++)
    for (int i = 0; i < n; i++) {
      int64_t k = (int64_t)b * n * n + i * n + i;
      tg_array_set_f64(a, k, tg_array_get_f64(a, k) + 3 * n);
    }
  return a;
}

/* ---- products ---- */

static tg_var *build_dot(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_dot(in[0], in[1]);
}

TEST(dot_every_rank_combination) {
  static const struct { const char *label; int na; int64_t sa[3]; int nb; int64_t sb[3]; } cases[] = {
      {"vector.vector", 1, {3}, 1, {3}},          {"matrix.vector", 2, {2, 3}, 1, {3}},
      {"vector.matrix", 1, {3}, 2, {3, 4}},       {"matrix.matrix", 2, {2, 3}, 2, {3, 4}},
      {"tensor3.matrix", 3, {2, 3, 4}, 2, {4, 2}}, {"matrix.tensor3", 2, {2, 3}, 3, {4, 3, 2}},
      {"tensor3.tensor3", 3, {2, 3, 4}, 3, {3, 4, 2}}, {"vector.tensor3", 1, {3}, 3, {2, 3, 4}},
      {"tensor3.vector", 3, {2, 3, 4}, 1, {4}},   {"size-1 dims", 2, {1, 3}, 2, {3, 1}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *in[2] = {rnd(cases[c].na, cases[c].sa), rnd(cases[c].nb, cases[c].sb)};
    verify_both(cases[c].label, build_dot, NULL, 2, in);
    unref_all(2, in);
  }
  tg_array *in[2] = {rnd(SHAPE(3, 4)), rnd(SHAPE(4, 2))};
  verify_noncontig("dot matrix.matrix", build_dot, NULL, 2, in);
  unref_all(2, in);
}

TEST(dot_mixed_dtypes_and_integer_operand) {
  /* float32 . float64 -> float64: the float32 operand's gradient is cast back */
  tg_array *in[2] = {gc_rand(TG_FLOAT32, SHAPE(2, 3), -1, 1), rnd(SHAPE(3, 2))};
  CHECK_VERIFY("float32.float64", build_dot, NULL, 2, in, NULL);
  unref_all(2, in);
  /* an integer operand gets no gradient; the float one does */
  tg_array *k = tg_array_from_i64(2, (int64_t[]){3, 2}, (int64_t[]){1, -2, 3, 0, 2, 1});
  tg_array *in2[2] = {rnd(SHAPE(2, 3)), k};
  CHECK_VERIFY("float64.int64", build_dot, NULL, 2, in2, NULL);
  unref_all(2, in2);
}

TEST(dot_hand_values) {
  /* cost = sum(W * dot(A, B)): gA = W B^T, gB = A^T W */
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *W = tg_matrix(g, "W", TG_FLOAT64);
  tg_var *cost = tg_sum(tg_mul(W, tg_dot(A, B)), TG_ALL_AXES, false), *gr[2];
  CHECK_STATUS(tg_grad(cost, TG_VARS(A, B), gr), TG_OK);
  double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, -1, 2, 3, 1}, w[4] = {1, -1, 2, 0.5};
  /* A (2x3), B (3x2), W (2x2); gA = W B^T (2x3), gB = A^T W (3x2), by hand: */
  double ga[6] = {1 * 1 + -1 * 0, 1 * -1 + -1 * 2, 1 * 3 + -1 * 1,
                  2 * 1 + 0.5 * 0, 2 * -1 + 0.5 * 2, 2 * 3 + 0.5 * 1};
  double gb[6] = {1 * 1 + 4 * 2, 1 * -1 + 4 * 0.5, 2 * 1 + 5 * 2,
                  2 * -1 + 5 * 0.5, 3 * 1 + 6 * 2, 3 * -1 + 6 * 0.5};
  tg_array *args[3] = {gc_from(TG_FLOAT64, SHAPE(2, 3), a), gc_from(TG_FLOAT64, SHAPE(3, 2), b),
                       gc_from(TG_FLOAT64, SHAPE(2, 2), w)};
  tg_array *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(A, B, W), 2, gr, args, out));
  for (int i = 0; out[0] && i < 6; i++) CHECK_CLOSE(tg_array_get_f64(out[0], i), ga[i], 1e-15, 0);
  for (int i = 0; out[1] && i < 6; i++) CHECK_CLOSE(tg_array_get_f64(out[1], i), gb[i], 1e-15, 0);
  unref_all(2, out);
  unref_all(3, args);
  tg_graph_free(g);
}

static tg_var *build_matmul(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_matmul(in[0], in[1]);
}

TEST(matmul_batch_broadcasting) {
  static const struct { const char *label; int na; int64_t sa[4]; int nb; int64_t sb[4]; } cases[] = {
      {"matrix@matrix", 2, {2, 3}, 2, {3, 4}},
      {"stack@matrix (b lacks the batch)", 3, {5, 2, 3}, 2, {3, 4}},
      {"matrix@stack (a lacks the batch)", 2, {2, 3}, 3, {5, 3, 4}},
      {"static 1 batch dim broadcasts", 3, {1, 2, 3}, 3, {4, 3, 2}},
      {"4-d against 3-d with 1s", 4, {2, 1, 2, 3}, 3, {3, 3, 2}},
      {"vector@stack", 1, {3}, 3, {2, 3, 4}},
      {"stack@vector", 3, {2, 4, 3}, 1, {3}},
      {"vector@matrix", 1, {3}, 2, {3, 2}},
      {"matrix@vector", 2, {2, 3}, 1, {3}},
      {"vector@vector", 1, {3}, 1, {3}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *in[2] = {rnd(cases[c].na, cases[c].sa), rnd(cases[c].nb, cases[c].sb)};
    verify_both(cases[c].label, build_matmul, NULL, 2, in);
    unref_all(2, in);
  }
  tg_array *in[2] = {rnd(SHAPE(3, 2, 3)), rnd(SHAPE(3, 3, 2))};
  verify_noncontig("matmul stacks", build_matmul, NULL, 2, in);
  unref_all(2, in);
}

TEST(matmul_broadcast_gradient_is_summed) {
  /* a (1, 2, 2) against b (3, 2, 2): ga = sum_i gz[i] b[i]^T with gz = ones */
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 3, (int64_t[]){1, -1, -1});
  tg_var *b = tg_tensor3(g, "b", TG_FLOAT64), *gr[2];
  CHECK_STATUS(tg_grad(tg_sum(tg_matmul(a, b), TG_ALL_AXES, false), TG_VARS(a, b), gr), TG_OK);
  CHECK(tg_var_ndim(gr[0]) == 3 && tg_var_dim(gr[0], 0) == 1);
  double bv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, av[4] = {1, 2, 3, 4};
  tg_array *args[2] = {gc_from(TG_FLOAT64, SHAPE(1, 2, 2), av), gc_from(TG_FLOAT64, SHAPE(3, 2, 2), bv)};
  tg_array *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(a, b), 2, gr, args, out));
  /* ga[i][k] = sum over batches and columns j of b[batch][k][j] */
  for (int i = 0; out[0] && i < 2; i++)
    for (int k = 0; k < 2; k++) {
      double want = 0;
      for (int s = 0; s < 3; s++) want += bv[s * 4 + k * 2] + bv[s * 4 + k * 2 + 1];
      CHECK_CLOSE(tg_array_get_f64(out[0], i * 2 + k), want, 1e-15, 0);
    }
  /* gb[s][k][j] = sum_i a[0][i][k] */
  for (int s = 0; out[1] && s < 3; s++)
    for (int k = 0; k < 2; k++)
      for (int j = 0; j < 2; j++)
        CHECK_CLOSE(tg_array_get_f64(out[1], s * 4 + k * 2 + j), av[k] + av[2 + k], 1e-15, 0);
  unref_all(2, out);
  unref_all(2, args);
  tg_graph_free(g);
}

static tg_var *build_outer(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_outer(in[0], in[1]);
}

TEST(outer_of_flattened_operands) {
  tg_array *in[2] = {rnd(SHAPE(3)), rnd(SHAPE(4))};
  verify_both("outer vectors", build_outer, NULL, 2, in);
  verify_noncontig("outer vectors", build_outer, NULL, 2, in);
  unref_all(2, in);
  tg_array *in2[2] = {rnd(SHAPE(2, 3)), rnd(SHAPE(2, 1, 2))};
  verify_both("outer of a matrix and a 3-d", build_outer, NULL, 2, in2);
  verify_noncontig("outer of a matrix and a 3-d", build_outer, NULL, 2, in2);
  unref_all(2, in2);
}

typedef struct { int n; int axa[3], axb[3]; bool ints; } td_case;

static tg_var *build_tensordot(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  const td_case *c = ud;
  return tg_tensordot(in[0], in[1], c->n, c->ints ? NULL : c->axa, c->ints ? NULL : c->axb);
}

TEST(tensordot_transposed_contraction) {
  static const struct { const char *label; td_case c; int na; int64_t sa[3]; int nb; int64_t sb[3]; } cases[] = {
      {"integer form, 2 pairs", {2, {0}, {0}, true}, 3, {2, 3, 4}, 3, {3, 4, 5}},
      {"explicit out-of-order axes", {2, {2, 0}, {0, 1}, false}, 3, {2, 3, 4}, 2, {4, 2}},
      {"b's axes reversed", {2, {0, 2}, {1, 0}, false}, 3, {3, 4, 5}, 2, {5, 3}},
      {"negative axes", {1, {-2}, {-1}, false}, 3, {2, 3, 4}, 2, {2, 3}},
      {"no pairs (outer)", {0, {0}, {0}, true}, 2, {2, 3}, 1, {4}},
      {"every axis (scalar result)", {2, {0, 1}, {1, 0}, false}, 2, {2, 3}, 2, {3, 2}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *in[2] = {rnd(cases[c].na, cases[c].sa), rnd(cases[c].nb, cases[c].sb)};
    verify_both(cases[c].label, build_tensordot, (void *)&cases[c].c, 2, in);
    if (c < 2) verify_noncontig(cases[c].label, build_tensordot, (void *)&cases[c].c, 2, in);
    unref_all(2, in);
  }
}

static tg_var *build_batched(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_batched_dot(in[0], in[1]);
}

TEST(batched_dot_every_rank_combination) {
  static const struct { const char *label; int na; int64_t sa[4]; int nb; int64_t sb[4]; } cases[] = {
      {"3-d.3-d", 3, {4, 2, 3}, 3, {4, 3, 5}}, {"3-d.2-d", 3, {4, 2, 3}, 2, {4, 3}},
      {"2-d.3-d", 2, {4, 3}, 3, {4, 3, 5}},    {"2-d.2-d", 2, {4, 3}, 2, {4, 3}},
      {"1-d.3-d", 1, {4}, 3, {4, 3, 2}},       {"3-d.1-d", 3, {4, 3, 2}, 1, {4}},
      {"1-d.1-d", 1, {4}, 1, {4}},             {"4-d.3-d", 4, {3, 2, 3, 5}, 3, {3, 5, 2}},
      {"2-d.4-d", 2, {3, 4}, 4, {3, 2, 4, 2}}, {"batch of 1", 3, {1, 2, 3}, 3, {1, 3, 2}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *in[2] = {rnd(cases[c].na, cases[c].sa), rnd(cases[c].nb, cases[c].sb)};
    verify_both(cases[c].label, build_batched, NULL, 2, in);
    unref_all(2, in);
  }
  tg_array *in[2] = {rnd(SHAPE(3, 2, 3)), rnd(SHAPE(3, 3, 2))};
  verify_noncontig("batched_dot 3-d", build_batched, NULL, 2, in);
  unref_all(2, in);
}

/* ---- inv, det, slogdet, solve ---- */

static tg_var *build_inv(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_inv(in[0]);
}
static tg_var *build_det(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_det(in[0]);
}
static tg_var *build_logabsdet(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  tg_var *l = NULL, *s = tg_slogdet(in[0], &l);
  return s ? tg_add(l, s) : NULL; /* the sign contributes nothing */
}

TEST(inv_det_slogdet_gradients) {
  tg_array *m = well_conditioned(0, 3), *st = well_conditioned(2, 3);
  tg_array *neg = tg_array_copy(m); /* a negative determinant for slogdet */
  for (int j = 0; j < 3; j++) tg_array_set_f64(neg, j, -tg_array_get_f64(neg, j));
  tg_build_fn fns[3] = {build_inv, build_det, build_logabsdet};
  const char *names[3] = {"inv", "det", "slogdet"};
  for (int f = 0; f < 3; f++) {
    char l[64];
    snprintf(l, sizeof l, "%s matrix", names[f]);
    verify_both(l, fns[f], NULL, 1, &m);
    verify_noncontig(l, fns[f], NULL, 1, &m);
    snprintf(l, sizeof l, "%s stack", names[f]);
    verify_both(l, fns[f], NULL, 1, &st);
    snprintf(l, sizeof l, "%s negative det", names[f]);
    verify_both(l, fns[f], NULL, 1, &neg);
  }
  tg_array_unref(m);
  tg_array_unref(st);
  tg_array_unref(neg);
}

TEST(inv_and_det_hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *gr[3], *l = NULL;
  /* inv([[2, 1], [1, 1]]) = [[1, -1], [-1, 2]]; d sum(inv(A)) / dA = -inv^T 1 1^T inv^T =
     -[0, 1]^T [0, 1] = [[0, 0], [0, -1]] */
  CHECK_STATUS(tg_grad(tg_sum(tg_inv(A), TG_ALL_AXES, false), TG_VARS(A), gr), TG_OK);
  /* d det / dA = det A^-T = the cofactor matrix [[d, -c], [-b, a]] */
  CHECK_STATUS(tg_grad(tg_det(A), TG_VARS(A), gr + 1), TG_OK);
  /* d log|det| / dA = A^-T */
  CHECK(tg_slogdet(A, &l) != NULL);
  CHECK_STATUS(tg_grad(l, TG_VARS(A), gr + 2), TG_OK);
  double a[4] = {2, 1, 1, 1}, want_inv[4] = {0, 0, 0, -1};
  double b[4] = {1, 2, 3, 4}, want_det[4] = {4, -3, -2, 1}, want_log[4] = {-2, 1.5, 1, -0.5};
  tg_array *x1 = gc_from(TG_FLOAT64, SHAPE(2, 2), a), *x2 = gc_from(TG_FLOAT64, SHAPE(2, 2), b);
  tg_array *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(A), 1, gr, &x1, out));
  CHECK(gc_run(g, TG_VARS(A), 2, gr + 1, &x2, out + 1));
  for (int i = 0; i < 4; i++) {
    if (out[0]) CHECK_CLOSE(tg_array_get_f64(out[0], i), want_inv[i], 1e-14, 1e-14);
    if (out[1]) CHECK_CLOSE(tg_array_get_f64(out[1], i), want_det[i], 1e-14, 1e-14);
    if (out[2]) CHECK_CLOSE(tg_array_get_f64(out[2], i), want_log[i], 1e-14, 1e-14);
  }
  unref_all(3, out);
  tg_array_unref(x1);
  tg_array_unref(x2);
  tg_graph_free(g);
}

TEST(slogdet_sign_alone_has_zero_gradient) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *l = NULL, *gr[1];
  tg_var *s = tg_slogdet(A, &l);
  CHECK_STATUS(tg_grad(s, TG_VARS(A), gr), TG_OK);
  tg_array *x = well_conditioned(0, 3), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(A), 1, gr, &x, out));
  for (int i = 0; out[0] && i < 9; i++) CHECK(tg_array_get_f64(out[0], i) == 0);
  unref_all(1, out);
  tg_array_unref(x);
  tg_graph_free(g);
}

static tg_var *build_solve(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_solve(in[0], in[1]);
}

TEST(solve_wrt_a_and_b) {
  static const struct { const char *label; int nba; int nb; int64_t sb[3]; } cases[] = {
      {"vector b", 0, 1, {3}},
      {"matrix b", 0, 2, {3, 2}},
      {"stack of vectors", 2, 2, {2, 3}},
      {"stack of matrices", 2, 3, {2, 3, 2}},
      {"static-1 matrix batch broadcast", 2, 3, {1, 3, 4}},
      {"a broadcast over b's stack", 0, 3, {4, 3, 2}},
      {"static-1 vector batch broadcast", 2, 2, {1, 3}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *in[2] = {well_conditioned(cases[c].nba, 3), rnd(cases[c].nb, cases[c].sb)};
    verify_both(cases[c].label, build_solve, NULL, 2, in);
    unref_all(2, in);
  }
  tg_array *in[2] = {well_conditioned(0, 3), rnd(SHAPE(3, 2))};
  verify_noncontig("solve", build_solve, NULL, 2, in);
  unref_all(2, in);
  /* a of static batch 1 against a stack of b: a's gradient sums the stack */
  int64_t s1[3] = {1, 3, 3};
  tg_array *a1 = tg_array_empty(TG_FLOAT64, 3, s1), *a0 = well_conditioned(0, 3);
  for (int i = 0; i < 9; i++) tg_array_set_f64(a1, i, tg_array_get_f64(a0, i));
  tg_array *in2[2] = {a1, rnd(SHAPE(4, 3, 2))};
  verify_both("static-1 batch of a", build_solve, NULL, 2, in2);
  unref_all(2, in2);
  tg_array_unref(a0);
}

/* ---- second order ---- */

TEST(hessian_of_quadratic_form) {
  /* cost = x . (A x) + sum(x^3): the hessian is A + A^T + diag(6 x) */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *A = tg_tensor(g, "A", TG_FLOAT64, 2, (int64_t[]){3, 3});
  tg_var *cube = tg_sum(tg_pow(x, tg_const_f64(g, 3.0)), TG_ALL_AXES, false);
  tg_var *H = tg_hessian(tg_add(tg_dot(x, tg_dot(A, x)), cube), x);
  CHECK(H != NULL);
  double a[9] = {1, 2, 3, -1, 0, 4, 2, 5, -3}, xv[3] = {0.5, -1, 2};
  tg_array *args[2] = {gc_from(TG_FLOAT64, SHAPE(3), xv), gc_from(TG_FLOAT64, SHAPE(3, 3), a)};
  tg_array *out[1] = {0};
  if (H) CHECK(gc_run(g, TG_VARS(x, A), 1, &H, args, out));
  for (int i = 0; out[0] && i < 3; i++)
    for (int j = 0; j < 3; j++)
      CHECK_CLOSE(tg_array_get_f64(out[0], i * 3 + j),
                  a[i * 3 + j] + a[j * 3 + i] + (i == j ? 6 * xv[i] : 0), 1e-14, 0);
  unref_all(1, out);
  unref_all(2, args);
  tg_graph_free(g);
}

/* The gradient of sum(sin(f(X))) with respect to X, f chosen by ud: checking it with
   verify_grad checks f's second derivatives. */
typedef tg_var *(*unary_fn)(tg_var *);
static tg_var *matmul_self(tg_var *x) { return tg_matmul(x, tg_matmul(x, x)); }
static tg_var *dot_t(tg_var *x) { return tg_dot(tg_transpose(x, 0, NULL), tg_dot(x, x)); }
static tg_var *outer_self(tg_var *x) { return tg_outer(x, tg_sqr(x)); }
static tg_var *batched_self(tg_var *x) { return tg_batched_dot(x, x); }
static tg_var *tensordot_self(tg_var *x) { return tg_tensordot(x, tg_sqr(x), 1, NULL, NULL); }
static tg_var *solve_self(tg_var *x) { return tg_solve(x, tg_sqr(x)); }
static tg_var *logdet(tg_var *x) {
  tg_var *l = NULL;
  return tg_slogdet(x, &l) ? l : NULL;
}

static tg_var *build_grad_of(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  unary_fn f = *(unary_fn *)ud;
  (void)g;
  tg_var *cost = tg_sum(tg_sin(f(in[0])), TG_ALL_AXES, false), *gr[1];
  if (!cost || tg_grad(cost, 1, in, gr) != TG_OK) return NULL;
  return gr[0];
}

TEST(second_order_through_products_and_lapack_ops) {
  static const struct { const char *label; unary_fn f; } cases[] = {
      {"dot", dot_t}, {"matmul", matmul_self}, {"outer", outer_self},
      {"batched_dot", batched_self}, {"tensordot", tensordot_self}, {"inv", tg_inv},
      {"det", tg_det}, {"slogdet", logdet}, {"solve", solve_self},
  };
  tg_array *x = well_conditioned(0, 3);
  for (int i = 0; i < 9; i++) tg_array_set_f64(x, i, tg_array_get_f64(x, i) / 9); /* near I */
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char l[64];
    snprintf(l, sizeof l, "gradient of %s", cases[c].label);
    verify_both(l, build_grad_of, (void *)&cases[c].f, 1, &x);
  }
  tg_array_unref(x);
}
