/* test_grad_linalg2.c: gradients of the factorisations and norms: cholesky (lower and
   upper, on a matrix built SPD inside the checked function, and on an SPD input whose
   other triangle the op never reads), eigh (values and vectors, symmetrised inside the
   function or read from one triangle), svd (values, and vectors through functions
   unchanged by the sign of each singular pair), qr, pinv and every norm order, on float64
   and float32, plus hand values, the documented behaviour at non-differentiable points,
   the rules that are missing (with their errors), and second-order checks. */
#include "grad_check.h"

#define SHAPE(...) (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}

static tg_array *rnd(int nd, const int64_t *shape) { return gc_rand(TG_FLOAT64, nd, shape, -1, 1); }

/* verify_grad of build on x (float64), on a float32 copy, and (when nc) on x laid out
   non-contiguously. */
static void verify_all(const char *label, tg_build_fn build, void *ud, tg_array *x, bool nc) {
  char l[160];
  snprintf(l, sizeof l, "%s (float64)", label);
  CHECK_VERIFY(l, build, ud, 1, &x, NULL);
  tg_array *f = tg_array_astype(x, TG_FLOAT32);
  snprintf(l, sizeof l, "%s (float32)", label);
  CHECK_VERIFY(l, build, ud, 1, &f, NULL);
  tg_array_unref(f);
  for (int kind = 0; nc && kind < 2; kind++) {
    tg_array *v = gc_noncontig(x, kind);
    snprintf(l, sizeof l, "%s (non-contiguous %d)", label, kind);
    CHECK_VERIFY(l, build, ud, 1, &v, NULL);
    tg_array_unref(v);
  }
}

/* x^T x + n I over the last two dims: symmetric positive definite for every x. */
static tg_var *spd(tg_graph *g, tg_var *x) {
  tg_var *n = tg_shape_i(x, -1);
  tg_var *I = tg_eye(g, n, NULL, 0, tg_var_dtype(x));
  return tg_add(tg_matmul(tg_swapaxes(x, -1, -2), x), tg_mul(I, tg_cast(n, tg_var_dtype(x))));
}

/* (x + x^T) / 2: a symmetric matrix whose perturbations stay symmetric. */
static tg_var *sym(tg_graph *g, tg_var *x) {
  return tg_mul(tg_add(x, tg_swapaxes(x, -1, -2)), tg_const_f64(g, 0.5));
}

/* A symmetric matrix (stack of nb when nb > 0) with well separated eigenvalues
   1, 3, 5, ... perturbed by small random symmetric noise. */
static tg_array *separated_sym(int nb, int n) {
  int64_t shape[3] = {nb, n, n};
  tg_array *a = nb ? rnd(3, shape) : rnd(2, shape + 1);
  for (int b = 0; b < (nb ? nb : 1); b++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j <= i; j++) {
        int64_t k = (int64_t)b * n * n, ij = k + i * n + j, ji = k + j * n + i;
        double v = 0.2 * tg_array_get_f64(a, ij) + (i == j ? 2 * i + 1 : 0);
        tg_array_set_f64(a, ij, v);
        tg_array_set_f64(a, ji, v);
      }
  return a;
}

/* ---- cholesky ---- */

static tg_var *build_chol_spd(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  return tg_cholesky(spd(g, in[0]), *(bool *)ud);
}
static tg_var *build_chol_direct(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_cholesky(in[0], *(bool *)ud);
}

TEST(cholesky_lower_and_upper) {
  static bool lower[2] = {true, false};
  tg_array *x = rnd(SHAPE(3, 3)), *st = rnd(SHAPE(2, 3, 3));
  tg_graph *g = tg_graph_new(); /* an SPD input, for the op read on one triangle */
  tg_var *X = tg_matrix(g, "X", TG_FLOAT64), *S = spd(g, X);
  tg_array *s = NULL;
  CHECK(gc_run(g, TG_VARS(X), 1, &S, &x, &s));
  tg_graph_free(g);
  for (int k = 0; k < 2; k++) {
    verify_all(lower[k] ? "cholesky(x^T x + nI) lower" : "cholesky(x^T x + nI) upper",
               build_chol_spd, &lower[k], x, true);
    verify_all(lower[k] ? "cholesky stack lower" : "cholesky stack upper", build_chol_spd,
               &lower[k], st, false);
    if (s)
      verify_all(lower[k] ? "cholesky of an SPD input, lower" : "cholesky of an SPD input, upper",
                 build_chol_direct, &lower[k], s, true);
  }
  tg_array_unref(s);
  tg_array_unref(x);
  tg_array_unref(st);
}

TEST(cholesky_hand_values) {
  /* A = [[4, 2], [2, 5]], L = [[2, 0], [1, 2]]; cost = sum(L) = sqrt(a11) + a21/sqrt(a11)
     + sqrt(a22 - a21^2/a11): d/da11 = 0.1875, d/da21 = 0.25, d/da22 = 0.25, and the
     triangle the op does not read gets 0. */
  for (int lower = 1; lower >= 0; lower--) {
    tg_graph *g = tg_graph_new();
    tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *gr[1];
    CHECK_STATUS(tg_grad(tg_sum(tg_cholesky(A, lower), TG_ALL_AXES, false), TG_VARS(A), gr), TG_OK);
    double a[4] = {4, 2, 2, 5}, lw[4] = {0.1875, 0, 0.25, 0.25}, up[4] = {0.1875, 0.25, 0, 0.25};
    tg_array *x = gc_from(TG_FLOAT64, SHAPE(2, 2), a), *out[1] = {0};
    CHECK(gc_run(g, TG_VARS(A), 1, gr, &x, out));
    for (int i = 0; out[0] && i < 4; i++)
      CHECK_CLOSE(tg_array_get_f64(out[0], i), lower ? lw[i] : up[i], 1e-14, 1e-15);
    tg_array_unref(out[0]);
    tg_array_unref(x);
    tg_graph_free(g);
  }
}

/* ---- eigh ---- */

enum { EIG_VALUES, EIG_VECTORS, EIG_BOTH };
typedef struct { int what; bool lower, symmetrise; } eig_case;

static tg_var *build_eigh(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  const eig_case *c = ud;
  tg_var *x = c->symmetrise ? sym(g, in[0]) : in[0], *V = NULL;
  tg_var *w = tg_eigh(x, c->lower, c->what == EIG_VALUES ? NULL : &V);
  if (c->what == EIG_VALUES) return w;
  tg_var *vv = tg_mul(V, V); /* the same for either sign of each eigenvector */
  return c->what == EIG_VECTORS ? vv : tg_add(vv, tg_expand_dims(w, -2));
}

TEST(eigh_values_and_vectors) {
  tg_array *x = separated_sym(0, 3), *st = separated_sym(2, 3);
  static const char *what[3] = {"values", "vectors", "values and vectors"};
  for (int w = 0; w < 3; w++)
    for (int k = 0; k < 4; k++) {
      eig_case c = {w, k & 1, k >> 1};
      char l[120];
      snprintf(l, sizeof l, "eigh %s, %s, %s", what[w], c.lower ? "lower" : "upper",
               c.symmetrise ? "(x + x^T)/2" : "one triangle read");
      verify_all(l, build_eigh, &c, x, w == 2);
      if (k == 3) {
        strcat(l, ", stack");
        verify_all(l, build_eigh, &c, st, false);
      }
    }
  tg_array_unref(x);
  tg_array_unref(st);
}

TEST(eigh_hand_values) {
  /* A = [[2, 1], [1, 2]]: eigenvalues 1 and 3, the larger with vector (1, 1)/sqrt(2):
     d w_max / dA = v v^T = 0.5 everywhere, which the lower-triangle op folds to
     [[0.5, 0], [1, 0.5]]; d sum(w) / dA = I */
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *w = tg_eigh(A, true, NULL), *gr[2];
  double e1[2] = {0, 1};
  tg_array *e1a = gc_from(TG_FLOAT64, SHAPE(2), e1);
  tg_var *pick = tg_constant(g, e1a);
  tg_array_unref(e1a);
  CHECK_STATUS(tg_grad(tg_dot(w, pick), TG_VARS(A), gr), TG_OK);
  CHECK_STATUS(tg_grad(tg_sum(w, TG_ALL_AXES, false), TG_VARS(A), gr + 1), TG_OK);
  double a[4] = {2, 1, 1, 2}, want0[4] = {0.5, 0, 1, 0.5}, want1[4] = {1, 0, 0, 1};
  tg_array *x = gc_from(TG_FLOAT64, SHAPE(2, 2), a), *out[2] = {0};
  CHECK(gc_run(g, TG_VARS(A), 2, gr, &x, out));
  for (int i = 0; out[0] && i < 4; i++) {
    CHECK_CLOSE(tg_array_get_f64(out[0], i), want0[i], 1e-14, 1e-15);
    CHECK_CLOSE(tg_array_get_f64(out[1], i), want1[i], 1e-14, 1e-15);
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_array_unref(x);
  tg_graph_free(g);
}

/* ---- svd ---- */

enum { SV_VALUES, SV_U, SV_VT, SV_PAIRS };
typedef struct { int what; bool full; } svd_case;

static tg_var *build_svd(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  const svd_case *c = ud;
  tg_var *U = NULL, *Vt = NULL;
  tg_var *s = tg_svd(in[0], c->full, c->what == SV_VALUES ? NULL : &U, c->what == SV_VALUES ? NULL : &Vt);
  switch (c->what) {
    case SV_VALUES: return s;
    case SV_U: return tg_mul(U, U); /* unchanged by the sign of a singular pair */
    case SV_VT: return tg_mul(Vt, Vt);
    default: /* U diag(s^2) V^T: sign-free, and every factor's gradient takes part */
      (void)g;
      return tg_matmul(tg_mul(U, tg_expand_dims(tg_sqr(s), -2)), Vt);
  }
}

TEST(svd_values_and_vectors) {
  static const struct { const char *label; int nd; int64_t s[3]; } shapes[] = {
      {"square", 2, {3, 3}}, {"tall", 2, {4, 2}}, {"wide", 2, {2, 4}}, {"stack", 3, {2, 3, 2}},
  };
  static const char *what[4] = {"values", "U", "Vt", "U diag(s^2) Vt"};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    tg_array *x = rnd(shapes[k].nd, shapes[k].s);
    for (int w = 0; w < 4; w++) {
      svd_case c = {w, false};
      char l[120];
      snprintf(l, sizeof l, "svd %s of a %s matrix", what[w], shapes[k].label);
      verify_all(l, build_svd, &c, x, k == 1);
    }
    tg_array_unref(x);
  }
  tg_array *x = rnd(SHAPE(3, 3));
  svd_case full = {SV_PAIRS, true}, fullv = {SV_VALUES, true};
  verify_all("svd full_matrices of a square matrix", build_svd, &full, x, false);
  tg_array_unref(x);
  x = rnd(SHAPE(4, 2));
  verify_all("svd values through a full_matrices node", build_svd, &fullv, x, false);
  tg_array_unref(x);
  /* vectors of a full SVD of a (statically) non-square matrix: no rule, a clear error */
  tg_graph *g = tg_graph_new();
  tg_var *X = tg_tensor(g, "X", TG_FLOAT64, 2, (int64_t[]){4, 2}), *U = NULL, *Vt = NULL, *gr[1];
  CHECK(tg_svd(X, true, &U, &Vt) != NULL);
  CHECK_STATUS(tg_grad(tg_sum(U, TG_ALL_AXES, false), TG_VARS(X), gr), TG_ERR_NOTIMPL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "full_matrices");
  tg_graph_free(g);
}

/* ---- qr ---- */

static tg_var *build_qr(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  int which = *(int *)ud; /* 0: R (mode r), 1: R (reduced), 2: Q (reduced), 3: Q + R (complete) */
  tg_var *Q = NULL;
  if (which == 0) return tg_qr(in[0], TG_QR_R, NULL);
  tg_var *R = tg_qr(in[0], which == 3 ? TG_QR_COMPLETE : TG_QR_REDUCED, &Q);
  if (!R) return NULL;
  return which == 1 ? R : which == 2 ? Q : tg_add(Q, R);
}

TEST(qr_tall_and_square) {
  static const char *names[4] = {"R (mode r)", "R (reduced)", "Q (reduced)", "Q + R (complete)"};
  tg_array *tall = rnd(SHAPE(4, 3)), *sq = rnd(SHAPE(3, 3)), *st = rnd(SHAPE(2, 3, 2));
  static int which[4] = {0, 1, 2, 3};
  for (int k = 0; k < 4; k++) {
    char l[80];
    snprintf(l, sizeof l, "qr %s, square", names[k]);
    verify_all(l, build_qr, &which[k], sq, k == 2);
    if (k == 3) continue;
    snprintf(l, sizeof l, "qr %s, tall", names[k]);
    verify_all(l, build_qr, &which[k], tall, false);
    snprintf(l, sizeof l, "qr %s, stack", names[k]);
    verify_all(l, build_qr, &which[k], st, false);
  }
  /* a wide matrix (M < N): refused when the static dims show it */
  tg_graph *g = tg_graph_new();
  tg_var *W = tg_tensor(g, "W", TG_FLOAT64, 2, (int64_t[]){2, 3}), *Q = NULL, *gr[1];
  tg_var *R = tg_qr(W, TG_QR_REDUCED, &Q);
  CHECK_STATUS(tg_grad(tg_sum(R, TG_ALL_AXES, false), TG_VARS(W), gr), TG_ERR_NOTIMPL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "M >= N");
  tg_graph_free(g);
  tg_array_unref(tall);
  tg_array_unref(sq);
  tg_array_unref(st);
}

/* ---- pinv ---- */

static tg_var *build_pinv(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n, (void)ud;
  return tg_pinv(in[0]);
}

TEST(pinv_full_rank) {
  static const struct { const char *label; int nd; int64_t s[3]; } shapes[] = {
      {"pinv tall", 2, {4, 3}}, {"pinv wide", 2, {2, 4}}, {"pinv square", 2, {3, 3}},
      {"pinv stack", 3, {2, 3, 2}},
  };
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    tg_array *x = rnd(shapes[k].nd, shapes[k].s);
    verify_all(shapes[k].label, build_pinv, NULL, x, k == 0);
    tg_array_unref(x);
  }
}

/* ---- norms ---- */

typedef struct { int kind; double ord; int n; int axes[2]; bool keep; } norm_case;
enum { N_ORD, N_FRO, N_NUC };

static tg_var *build_norm(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  const norm_case *c = ud;
  const int *ax = c->n ? c->axes : NULL;
  if (c->kind == N_FRO) return tg_norm_fro(in[0], c->n, ax, c->keep);
  if (c->kind == N_NUC) return tg_norm_nuc(in[0], c->n, ax, c->keep);
  return tg_norm(in[0], c->ord, c->n, ax, c->keep);
}

TEST(norm_every_order) {
  static const struct { const char *label; norm_case c; int nd; int64_t s[3]; } cases[] = {
      {"vector 2", {N_ORD, 2, 0, {0}, false}, 1, {5}},
      {"vector 1", {N_ORD, 1, 0, {0}, false}, 1, {5}},
      {"vector inf", {N_ORD, INFINITY, 0, {0}, false}, 1, {5}},
      {"vector -inf", {N_ORD, -INFINITY, 0, {0}, false}, 1, {5}},
      {"vector 3", {N_ORD, 3, 0, {0}, false}, 1, {5}},
      {"vector 0.5", {N_ORD, 0.5, 0, {0}, false}, 1, {5}},
      {"vector -1.5", {N_ORD, -1.5, 0, {0}, false}, 1, {5}},
      {"vector 0 (count)", {N_ORD, 0, 0, {0}, false}, 1, {5}},
      {"vector 2 along axis 1, keepdims", {N_ORD, 2, 1, {1}, true}, 2, {3, 4}},
      {"vector 3 along axis 0", {N_ORD, 3, 1, {0}, false}, 3, {3, 2, 2}},
      {"fro", {N_FRO, 0, 0, {0}, false}, 2, {3, 4}},
      {"fro over axes (0, 2)", {N_FRO, 0, 2, {0, 2}, true}, 3, {3, 2, 4}},
      {"matrix 1", {N_ORD, 1, 0, {0}, false}, 2, {3, 4}},
      {"matrix -1", {N_ORD, -1, 0, {0}, false}, 2, {3, 4}},
      {"matrix inf", {N_ORD, INFINITY, 0, {0}, false}, 2, {3, 4}},
      {"matrix -inf over axes (1, 0)", {N_ORD, -INFINITY, 2, {1, 0}, false}, 2, {3, 4}},
      {"matrix 1 over axes (2, 0), keepdims", {N_ORD, 1, 2, {2, 0}, true}, 3, {3, 2, 4}},
      {"matrix 2", {N_ORD, 2, 0, {0}, false}, 2, {3, 4}},
      {"matrix -2", {N_ORD, -2, 0, {0}, false}, 2, {4, 3}},
      {"matrix 2 over axes (2, 0)", {N_ORD, 2, 2, {2, 0}, false}, 3, {3, 2, 4}},
      {"nuc", {N_NUC, 0, 0, {0}, false}, 2, {3, 4}},
      {"nuc over axes (0, 2), keepdims", {N_NUC, 0, 2, {0, 2}, true}, 3, {3, 2, 4}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    tg_array *x = rnd(cases[k].nd, cases[k].s);
    for (int64_t i = 0; i < tg_array_size(x); i++) { /* keep |x| away from 0 */
      double v = tg_array_get_f64(x, i);
      tg_array_set_f64(x, i, v + (v < 0 ? -0.3 : 0.3));
    }
    verify_all(cases[k].label, build_norm, (void *)&cases[k].c, x, k % 4 == 0);
    tg_array_unref(x);
  }
}

TEST(norm_at_non_differentiable_points) {
  /* inf: the elements at max |x| share the gradient (ties, as max), signed; 1 at 0: 0
     (abs'(0) = 0, as Theano); 2 at the zero vector: NaN (x / |x|) */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr[3];
  CHECK_STATUS(tg_grad(tg_norm(x, INFINITY, 0, NULL, false), TG_VARS(x), gr), TG_OK);
  CHECK_STATUS(tg_grad(tg_norm(x, 1, 0, NULL, false), TG_VARS(x), gr + 1), TG_OK);
  CHECK_STATUS(tg_grad(tg_norm(x, 2, 0, NULL, false), TG_VARS(x), gr + 2), TG_OK);
  double v[3] = {1, -3, 3}, z[3] = {0, 0, 0};
  tg_array *a = gc_from(TG_FLOAT64, SHAPE(3), v), *b = gc_from(TG_FLOAT64, SHAPE(3), z);
  tg_array *out[3] = {0}, *out2[3] = {0};
  CHECK(gc_run(g, TG_VARS(x), 3, gr, &a, out));
  CHECK(gc_run(g, TG_VARS(x), 3, gr, &b, out2));
  double want_inf[3] = {0, -1, 1}, want_1[3] = {1, -1, 1};
  for (int i = 0; out[0] && out2[0] && i < 3; i++) {
    CHECK(tg_array_get_f64(out[0], i) == want_inf[i]);
    CHECK(tg_array_get_f64(out[1], i) == want_1[i]);
    CHECK(tg_array_get_f64(out2[1], i) == 0);
    CHECK(isnan(tg_array_get_f64(out2[2], i)));
  }
  for (int i = 0; i < 3; i++) tg_array_unref(out[i]), tg_array_unref(out2[i]);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_graph_free(g);
}

/* ---- second order ---- */

typedef tg_var *(*unary_fn)(tg_graph *, tg_var *);
static tg_var *chol_of_spd(tg_graph *g, tg_var *x) { return tg_cholesky(spd(g, x), true); }
static tg_var *eigvals_sym(tg_graph *g, tg_var *x) { return tg_eigh(sym(g, x), true, NULL); }
static tg_var *svals(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_svd(x, false, NULL, NULL);
}
static tg_var *pinv_of(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_pinv(x);
}
static tg_var *norm2_rows(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_norm(x, 2, 1, (const int[]){1}, false);
}
static tg_var *norm3_rows(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_norm(x, 3, 1, (const int[]){1}, false);
}

static tg_var *eigvecs_sq(tg_graph *g, tg_var *x) {
  tg_var *V = NULL;
  return tg_eigh(sym(g, x), true, &V) ? tg_mul(V, V) : NULL;
}
static tg_var *qr_r(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_qr(x, TG_QR_R, NULL);
}
static tg_var *nuc(tg_graph *g, tg_var *x) {
  (void)g;
  return tg_norm_nuc(x, 0, NULL, false);
}

static tg_var *build_grad_of(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  unary_fn f = *(unary_fn *)ud;
  tg_var *cost = tg_sum(tg_sin(f(g, in[0])), TG_ALL_AXES, false), *gr[1];
  if (!cost || tg_grad(cost, 1, in, gr) != TG_OK) return NULL;
  return gr[0];
}

TEST(second_order_through_factorisations_and_norms) {
  static const struct { const char *label; unary_fn f; } cases[] = {
      {"cholesky", chol_of_spd}, {"eigh values", eigvals_sym}, {"svd values", svals},
      {"pinv", pinv_of},         {"norm 2", norm2_rows},       {"norm 3", norm3_rows},
      {"eigh vectors", eigvecs_sq}, {"qr", qr_r},              {"nuclear norm", nuc},
  };
  tg_array *x = separated_sym(0, 3);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char l[64];
    snprintf(l, sizeof l, "gradient of %s", cases[c].label);
    verify_all(l, build_grad_of, (void *)&cases[c].f, x, false);
  }
  tg_array_unref(x);
}
