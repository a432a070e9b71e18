/* test_grad_mlp.c: the second-order "done when": the Hessian of a small MLP loss
   against finite differences. A 2-layer network (tanh hidden layer, softmax output,
   categorical crossentropy on integer labels) with every parameter packed in one vector
   theta, unpacked with tg_subtensor slices and tg_reshape_to, so that tg_hessian(cost,
   theta) applies; the forward value is checked against a plain C loop, the gradient
   against finite differences of the cost, the Hessian against central differences of the
   compiled gradient, and for symmetry. Also the size of the gradient of a long chain of
   mixed elementwise ops: linear in the forward graph. */
#include "grad_check.h"

enum { NI = 3, NH = 4, NC = 3, NS = 5 };
enum { OW1 = 0, OB1 = OW1 + NI * NH, OW2 = OB1 + NH, OB2 = OW2 + NH * NC, NP = OB2 + NC };

/* theta[lo:hi] reshaped to (r, c), or a vector when c is 0. */
static tg_var *unpack(tg_var *theta, int lo, int r, int c) {
  tg_var *s = tg_subtensor(theta, TG_IDX(TG_SLICE(lo, lo + r * (c ? c : 1), TG_NONE)));
  return c ? tg_reshape_to(s, 2, (int64_t[]){r, c}) : s;
}

/* mean over samples of -log softmax(tanh(X W1 + b1) W2 + b2)[label] */
static tg_var *mlp_cost(tg_var *theta, tg_var *X, tg_var *labels) {
  tg_var *W1 = unpack(theta, OW1, NI, NH), *b1 = unpack(theta, OB1, NH, 0);
  tg_var *W2 = unpack(theta, OW2, NH, NC), *b2 = unpack(theta, OB2, NC, 0);
  tg_var *h = tg_tanh(tg_add(tg_dot(X, W1), b1));
  tg_var *p = tg_softmax(tg_add(tg_dot(h, W2), b2), -1);
  return tg_mean(tg_categorical_crossentropy(p, labels), TG_ALL_AXES, false);
}

/* The same loss in plain C. */
static double mlp_cost_c(const double *th, const double *X, const int64_t *lab) {
  double total = 0;
  for (int s = 0; s < NS; s++) {
    double h[NH], z[NC], m = -INFINITY, se = 0;
    for (int j = 0; j < NH; j++) {
      double a = th[OB1 + j];
      for (int i = 0; i < NI; i++) a += X[s * NI + i] * th[OW1 + i * NH + j];
      h[j] = tanh(a);
    }
    for (int k = 0; k < NC; k++) {
      z[k] = th[OB2 + k];
      for (int j = 0; j < NH; j++) z[k] += h[j] * th[OW2 + j * NC + k];
      m = fmax(m, z[k]);
    }
    for (int k = 0; k < NC; k++) se += exp(z[k] - m);
    total += -(z[lab[s]] - m - log(se));
  }
  return total / NS;
}

static const int64_t labels_v[NS] = {0, 2, 1, 2, 0};

typedef struct mlp_data {
  tg_array *X, *labels;
} mlp_data;

static tg_var *b_mlp(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  return mlp_cost(in[0], tg_constant(g, ((mlp_data *)ud)->X), tg_constant(g, ((mlp_data *)ud)->labels));
}

TEST(mlp_hessian_against_finite_differences) {
  gc_seed = 42;
  tg_array *theta = gc_rand(TG_FLOAT64, 1, (int64_t[]){NP}, -1, 1);
  tg_array *X = gc_rand(TG_FLOAT64, 2, (int64_t[]){NS, NI}, -2, 2);
  tg_array *lab = tg_array_from_i64(1, (int64_t[]){NS}, labels_v);
  double th[NP], xv[NS * NI];
  for (int i = 0; i < NP; i++) th[i] = tg_array_get_f64(theta, i);
  for (int i = 0; i < NS * NI; i++) xv[i] = tg_array_get_f64(X, i);

  tg_graph *g = tg_graph_new();
  tg_var *t = tg_tensor(g, "theta", TG_FLOAT64, 1, (int64_t[]){NP});
  tg_var *x = tg_matrix(g, "X", TG_FLOAT64), *l = tg_vector(g, "labels", TG_INT64);
  tg_var *cost = mlp_cost(t, x, l), *gt;
  CHECK_STATUS(tg_grad(cost, 1, &t, &gt), TG_OK);
  tg_var *H = tg_hessian(cost, t);
  if (!H) fprintf(stderr, "hessian: %s\n", tg_graph_error(g));
  CHECK(H && tg_var_ndim(H) == 2 && tg_var_dim(H, 0) == NP && tg_var_dim(H, 1) == NP);
  tg_function *fg = tg_function_new(g, TG_VARS(t, x, l), 2, (tg_var *[]){cost, gt}, NULL);
  tg_function *fh = H ? tg_function_new(g, TG_VARS(t, x, l), 1, &H, NULL) : NULL;
  CHECK(fg && fh);
  if (!fg || !fh) {
    fprintf(stderr, "compile: %s\n", tg_graph_error(g));
    goto out;
  }
  tg_array *res[2] = {0}, *hres[1] = {0};
  CHECK_STATUS(tg_function_call(fg, (tg_array *[]){theta, X, lab}, res), TG_OK);
  CHECK_STATUS(tg_function_call(fh, (tg_array *[]){theta, X, lab}, hres), TG_OK);
  if (!res[1] || !hres[0]) goto out;
  CHECK_CLOSE(tg_array_get_f64(res[0], 0), mlp_cost_c(th, xv, labels_v), 1e-14, 0);

  /* the gradient against central differences of the C cost */
  for (int j = 0; j < NP; j++) {
    double tp[NP], tm[NP], h = 1e-6;
    memcpy(tp, th, sizeof th);
    memcpy(tm, th, sizeof th);
    tp[j] += h, tm[j] -= h;
    double fd = (mlp_cost_c(tp, xv, labels_v) - mlp_cost_c(tm, xv, labels_v)) / (2 * h);
    CHECK_CLOSE(tg_array_get_f64(res[1], j), fd, 1e-6, 1e-9);
  }

  /* column j of the Hessian against (grad(theta + h e_j) - grad(theta - h e_j)) / 2h */
  double maxerr = 0, maxasym = 0, hn = 0;
  for (int j = 0; j < NP; j++) {
    const double h = 1e-5;
    tg_array *tp = tg_array_copy(theta), *tm = tg_array_copy(theta), *gp[2] = {0}, *gm[2] = {0};
    tg_array_set_f64(tp, j, th[j] + h);
    tg_array_set_f64(tm, j, th[j] - h);
    CHECK_STATUS(tg_function_call(fg, (tg_array *[]){tp, X, lab}, gp), TG_OK);
    CHECK_STATUS(tg_function_call(fg, (tg_array *[]){tm, X, lab}, gm), TG_OK);
    for (int i = 0; gp[1] && gm[1] && i < NP; i++) {
      double fd = (tg_array_get_f64(gp[1], i) - tg_array_get_f64(gm[1], i)) / (2 * h);
      double hij = tg_array_get_f64(hres[0], (int64_t)i * NP + j);
      CHECK_CLOSE(hij, fd, 1e-5, 1e-7);
      maxerr = fmax(maxerr, fabs(hij - fd));
      maxasym = fmax(maxasym, fabs(hij - tg_array_get_f64(hres[0], (int64_t)j * NP + i)));
      hn = fmax(hn, fabs(hij));
    }
    for (int k = 0; k < 2; k++) tg_array_unref(gp[k]), tg_array_unref(gm[k]);
    tg_array_unref(tp);
    tg_array_unref(tm);
  }
  CHECK(maxasym <= 1e-12 * fmax(hn, 1)); /* symmetric up to rounding */
  CHECK(hn > 0.01);                     /* a Hessian with something in it */
  /* the block of W1 with itself is not zero (tanh is curved) and the b2 block is the
     softmax covariance: each of its rows sums to zero (softmax is shift-invariant) */
  for (int i = 0; i < NC; i++) {
    double s = 0;
    for (int j = 0; j < NC; j++) s += tg_array_get_f64(hres[0], (int64_t)(OB2 + i) * NP + OB2 + j);
    CHECK(fabs(s) < 1e-12);
  }
  if (maxerr > 1e-6) fprintf(stderr, "hessian max abs error vs finite differences: %g\n", maxerr);
  tg_array_unref(res[0]);
  tg_array_unref(res[1]);
  tg_array_unref(hres[0]);

  mlp_data d = {X, lab};
  CHECK_VERIFY("mlp cost", b_mlp, &d, 1, &theta, NULL);
out:
  tg_function_free(fg);
  tg_function_free(fh);
  tg_graph_free(g);
  tg_array_unref(theta);
  tg_array_unref(X);
  tg_array_unref(lab);
}

/* y <- y + 0.01 * f_i(y) for f_i cycling through seven unary ops: 3 nodes per step,
   about 10,000 in all. The gradient graph must stay within a constant factor of it (one
   rule per node, no re-walking), and its value must equal the chain rule computed in C. */
TEST(gradient_of_long_mixed_chain_is_linear) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64), *y = x, *c = tg_const_f64(g, 0.01);
  int64_t n0 = tg_graph_n_nodes(g);
  const int steps = 3334;
  for (int i = 0; i < steps && y; i++) {
    tg_var *f;
    switch (i % 7) {
      case 0: f = tg_tanh(y); break;
      case 1: f = tg_sin(y); break;
      case 2: f = tg_cos(y); break;
      case 3: f = tg_sigmoid(y); break;
      case 4: f = tg_arctan(y); break;
      case 5: f = tg_softplus(y); break;
      default: f = tg_erf(y); break;
    }
    y = tg_add(y, tg_mul(f, c));
  }
  CHECK(y != NULL);
  int64_t before = tg_graph_n_nodes(g) - n0, gr_n;
  CHECK(before >= 10000);
  tg_var *gr;
  CHECK_STATUS(tg_grad(y, 1, &x, &gr), TG_OK);
  gr_n = tg_graph_n_nodes(g) - n0 - before;
  /* per step: add's rule passes gz on, mul's is one mul, f's a handful (2 to 5 nodes),
     and one add sums the two paths into y: about 6 new nodes per 3 forward ones today;
     3x leaves room for richer rules but not for anything that grows with the depth */
  CHECK(gr_n <= 3 * before);
  double yv = 0.3, d = 1;
  for (int i = 0; i < steps; i++) {
    double fp, s;
    switch (i % 7) {
      case 0: s = tanh(yv); fp = 1 - s * s; break;
      case 1: s = sin(yv); fp = cos(yv); break;
      case 2: s = cos(yv); fp = -sin(yv); break;
      case 3: s = 1 / (1 + exp(-yv)); fp = s * (1 - s); break;
      case 4: s = atan(yv); fp = 1 / (1 + yv * yv); break;
      case 5: s = log1p(exp(yv)); fp = 1 / (1 + exp(-yv)); break;
      default: s = erf(yv); fp = 2 / sqrt(M_PI) * exp(-yv * yv); break;
    }
    d *= 1 + 0.01 * fp;
    yv += 0.01 * s;
  }
  tg_array *xa = tg_array_scalar(TG_FLOAT64, 0.3), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x), 1, &gr, (tg_array *[]){xa}, out));
  CHECK_CLOSE(tg_array_get_f64(out[0], 0), d, 1e-10, 0);
  CHECK(d > 2); /* the derivative did not vanish: the check has teeth */
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}
