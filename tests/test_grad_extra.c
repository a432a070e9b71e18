/* test_grad_extra.c: gradients of the extra ops against finite differences
   (tg_verify_grad) on float64 and float32 with non-contiguous and reversed inputs:
   cumsum, cumprod (away from zero), diff (n beyond the length too), sort, repeat (scalar,
   per-element and symbolic counts), tile (with padding and zero reps), roll, flip, tril,
   triu, diag both ways, diagonal (any axes and offsets), trace, bincount's weights,
   arange's start and step, linspace's start and stop; hand-computed values for a few;
   second-order checks; the integer-output ops (argsort, searchsorted, nonzero, eye, tri)
   in a cost without breaking it, and unique's error. */
#include "grad_family.h"

/* ---- cumsum, cumprod, diff ---- */

static const int axes_cases[] = {0, 1, -1, TG_AXIS_NONE};

static tg_var *b_cumsum(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_sin(tg_cumsum(in[0], *(int *)ud));
}

static tg_var *b_cumprod(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_cumprod(tg_sqr(in[0]), *(int *)ud);
}

TEST(cumsum_and_cumprod) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, 0.5, 1.2)}; /* no zeros for cumprod */
  for (int i = 0; i < 4; i++) {
    int a = axes_cases[i];
    verify_layouts("cumsum", b_cumsum, &a, 1, x);
    verify_layouts("cumprod", b_cumprod, &a, 1, x);
  }
  int a = 1, none = TG_AXIS_NONE;
  verify_second("cumsum (second order)", b_cumsum, &a, 1, x);
  verify_second("cumprod (second order)", b_cumprod, &a, 1, x);
  verify_second("cumprod flattened (second order)", b_cumprod, &none, 1, x);
  tg_array_unref(x[0]);
  /* hand values: d/dx sum(cumsum(x) * w) = reversed cumsum of w */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_vector(g, "x", TG_FLOAT64), *gr[1];
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){4}, (double[]){1, 10, 100, 1000});
  tg_var *cost = tg_sum(tg_mul(tg_cumsum(xv, 0), tg_constant(g, wa)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(xv), gr), TG_OK);
  tg_array *xa = rnd(TG_FLOAT64, 1, (int64_t[]){4}, 0, 1), *out[1] = {0};
  CHECK(run(g, TG_VARS(xv), 1, gr, (tg_array *[]){xa}, out));
  double want[4] = {1111, 1110, 1100, 1000};
  for (int i = 0; i < 4; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

static tg_var *b_diff(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  const int *p = ud;
  return tg_exp(tg_diff(in[0], p[0], p[1]));
}

TEST(diff) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1)};
  int cases[][2] = {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {3, -1}, {4, 1}, {6, 1}, {2, 0}, {5, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    verify_layouts("diff", b_diff, cases[i], 1, x);
  verify_second("diff (second order)", b_diff, cases[3], 1, x);
  tg_array_unref(x[0]);
  /* hand values: diff(x, 2) of a vector of 4, weights w: -> w0 x0 - 2 w0 x1 + ... */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_tensor(g, "x", TG_FLOAT64, 1, (int64_t[]){4}), *gr[1];
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){2}, (double[]){1, 10});
  tg_var *cost = tg_sum(tg_mul(tg_diff(xv, 2, 0), tg_constant(g, wa)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(xv), gr), TG_OK);
  CHECK(tg_var_dim(gr[0], 0) == 4 || tg_var_dim(gr[0], 0) == -1);
  tg_array *xa = rnd(TG_FLOAT64, 1, (int64_t[]){4}, 0, 1), *out[1] = {0};
  CHECK(run(g, TG_VARS(xv), 1, gr, (tg_array *[]){xa}, out));
  /* d0 = x2 - 2 x1 + x0, d1 = x3 - 2 x2 + x1 */
  double want[4] = {1, -2 + 10, 1 - 20, 10};
  CHECK(tg_array_size(out[0]) == 4);
  for (int i = 0; i < 4; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

/* ---- sort ---- */

static tg_var *b_sort(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_mul(tg_sort(tg_sin(in[0]), *(int *)ud), tg_sort(in[0], *(int *)ud));
}

TEST(sort) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 5}, -1.5, 1.5)}; /* distinct values */
  for (int i = 0; i < 4; i++) verify_layouts("sort", b_sort, (void *)&axes_cases[i], 1, x);
  int a = 0, none = TG_AXIS_NONE;
  verify_second("sort (second order)", b_sort, &a, 1, x);
  verify_second("sort flattened (second order)", b_sort, &none, 1, x);
  tg_array_unref(x[0]);
  /* hand values: sort([3, 1, 2]) = [1, 2, 3]; d/dx sum(sorted * w) = [w2, w0, w1] */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_vector(g, "x", TG_FLOAT64), *gr[1];
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 10, 100});
  tg_var *cost = tg_sum(tg_mul(tg_sort(xv, 0), tg_constant(g, wa)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(xv), gr), TG_OK);
  tg_array *xa = tg_array_from_f64(1, (int64_t[]){3}, (double[]){3, 1, 2}), *out[1] = {0};
  CHECK(run(g, TG_VARS(xv), 1, gr, (tg_array *[]){xa}, out));
  double want[3] = {100, 1, 10};
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

/* ---- repeat, tile, roll, flip ---- */

static tg_var *b_repeat(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_var *x = tg_sin(in[0]); /* (2, 3) */
  switch (*(int *)ud) {
    case 0: return tg_repeat_n(x, 2, 0);
    case 1: return tg_repeat_n(x, 3, TG_AXIS_NONE);
    case 2: return tg_repeat(x, ci64(g, 1, (int64_t[]){3}, (int64_t[]){1, 0, 2}), 1);
    case 3: return tg_repeat(x, ci64(g, 1, (int64_t[]){1}, (int64_t[]){2}), -1);
    case 4:
      return tg_repeat(x, ci64(g, 1, (int64_t[]){6}, (int64_t[]){2, 1, 0, 1, 3, 1}), TG_AXIS_NONE);
    case 5: return tg_repeat(x, in[1], 1); /* a symbolic count */
    default: return tg_repeat_n(x, 0, 0);  /* nothing left */
  }
}

TEST(repeat) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, -1, 1), tg_array_scalar(TG_INT32, 2)};
  for (int k = 0; k <= 6; k++) verify_layouts("repeat", b_repeat, &k, k == 5 ? 2 : 1, x);
  for (int k = 1; k <= 2; k++) verify_second("repeat (second order)", b_repeat, &k, 1, x);
  unref_all(2, x);
}

static tg_var *b_tile(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  const int64_t *r = ud; /* r[0] = count, then reps */
  return tg_exp(tg_tile(in[0], (int)r[0], r + 1));
}

TEST(tile) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, -1, 1)};
  int64_t cases[][4] = {{2, 2, 3}, {3, 2, 1, 2}, {1, 3}, {2, 1, 1}, {2, 0, 2}, {0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    verify_layouts("tile", b_tile, cases[i], 1, x);
  verify_second("tile (second order)", b_tile, cases[1], 1, x);
  tg_array_unref(x[0]);
}

static tg_var *b_roll(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  switch (*(int *)ud) {
    case 0: return tg_cos(tg_roll_n(in[0], 1, 0));
    case 1: return tg_cos(tg_roll_n(in[0], -2, TG_AXIS_NONE));
    case 2: return tg_cos(tg_roll_n(in[0], 7, -1));
    default: return tg_cos(tg_roll(in[0], in[1], 1)); /* a symbolic shift (int16) */
  }
}

static tg_var *b_flip(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  int k = *(int *)ud;
  return tg_cos(k ? tg_flip(in[0], 1, (int[]){k}) : tg_flip(in[0], -1, NULL));
}

TEST(roll_and_flip) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1), tg_array_scalar(TG_INT16, -3)};
  for (int k = 0; k <= 3; k++) verify_layouts("roll", b_roll, &k, k == 3 ? 2 : 1, x);
  for (int k = -1; k <= 1; k++) verify_layouts("flip", b_flip, &k, 1, x);
  int k = 3;
  verify_second("roll (second order)", b_roll, &k, 2, x);
  k = 0;
  verify_second("flip (second order)", b_flip, &k, 1, x);
  unref_all(2, x);
}

/* ---- triangles and diagonals ---- */

static tg_var *b_tri(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  int k = *(int *)ud;
  return tg_add(tg_exp(tg_tril(in[0], k)), tg_sin(tg_triu(in[0], -k)));
}

TEST(tril_and_triu) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1)};
  for (int k = -2; k <= 2; k++) verify_layouts("tril/triu", b_tri, &k, 1, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 3, (int64_t[]){2, 3, 3}, -1, 1); /* a stack of matrices */
  int k = 1;
  verify_layouts("tril/triu batched", b_tri, &k, 1, x);
  verify_second("tril/triu (second order)", b_tri, &k, 1, x);
  tg_array_unref(x[0]);
}

static tg_var *b_diag(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return tg_exp(tg_diag(in[0], *(int *)ud));
}

static tg_var *b_diagonal(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  const int *p = ud; /* offset, axis1, axis2, trace? */
  if (p[3]) return tg_sin(tg_trace(tg_exp(in[0]), p[0], p[1], p[2]));
  return tg_exp(tg_diagonal(in[0], p[0], p[1], p[2]));
}

TEST(diag_diagonal_and_trace) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 1, (int64_t[]){3}, -1, 1)};
  for (int k = -2; k <= 1; k++) verify_layouts("diag of a vector", b_diag, &k, 1, x);
  int k = 1;
  verify_second("diag of a vector (second order)", b_diag, &k, 1, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1);
  for (int k2 = -1; k2 <= 2; k2++) verify_layouts("diag of a matrix", b_diag, &k2, 1, x);
  verify_second("diag of a matrix (second order)", b_diag, &k, 1, x);
  tg_array_unref(x[0]);
  x[0] = rnd(TG_FLOAT64, 3, (int64_t[]){2, 3, 4}, -1, 1);
  int cases[][4] = {{0, 0, 1, 0}, {1, 0, 2, 0}, {-1, 2, 1, 0}, {2, -1, 0, 0},
                    {5, 1, 2, 0}, {0, 1, 2, 1}, {-1, 2, 0, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    verify_layouts("diagonal/trace", b_diagonal, cases[i], 1, x);
  verify_second("diagonal (second order)", b_diagonal, cases[2], 1, x);
  verify_second("trace (second order)", b_diagonal, cases[6], 1, x);
  tg_array_unref(x[0]);
}

/* ---- bincount, arange, linspace ---- */

static tg_var *b_bincount(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  tg_var *pos = ci64(g, 1, (int64_t[]){5}, (int64_t[]){0, 2, 2, 5, 0});
  return tg_exp(tg_bincount(pos, tg_sin(in[0]), 8));
}

TEST(bincount_weights) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 1, (int64_t[]){5}, -1, 1)};
  verify_layouts("bincount weights", b_bincount, NULL, 1, x);
  verify_second("bincount weights (second order)", b_bincount, NULL, 1, x);
  tg_array_unref(x[0]);
  /* hand values, with bool positions (0/1, not a mask) and float32 weights */
  tg_graph *g = tg_graph_new();
  tg_var *w = tg_vector(g, "w", TG_FLOAT32), *gr[1];
  tg_array *pa = tg_array_empty(TG_BOOL, 1, (int64_t[]){3});
  for (int i = 0; i < 3; i++) tg_array_set_f64(pa, i, i != 1);
  tg_array *ca = tg_array_from_f64(1, (int64_t[]){2}, (double[]){10, 100});
  tg_var *cost =
      tg_sum(tg_mul(tg_bincount(tg_constant(g, pa), w, 0), tg_constant(g, ca)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(w), gr), TG_OK);
  CHECK(tg_var_dtype(gr[0]) == TG_FLOAT32);
  tg_array *wa = tg_array_from_f32(1, (int64_t[]){3}, (float[]){1, 2, 3}), *out[1] = {0};
  CHECK(run(g, TG_VARS(w), 1, gr, (tg_array *[]){wa}, out));
  double want[3] = {100, 10, 100};
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(wa), tg_array_unref(pa), tg_array_unref(ca);
  tg_graph_free(g);
}

static tg_var *b_arange(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud; /* arange(start, 2.0, step): 7 values for start ~ 0.1, step ~ 0.3 */
  return tg_sin(tg_arange(g, in[0], tg_const_f64(g, 2.0), in[1], tg_var_dtype(in[0])));
}

static tg_var *b_linspace(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  const int *p = ud; /* num, endpoint */
  return tg_sin(tg_linspace(g, in[0], in[1], tg_const_i64(g, p[0]), p[1], tg_var_dtype(in[0])));
}

TEST(arange_and_linspace) {
  tg_array *x[2] = {tg_array_scalar(TG_FLOAT64, 0.1), tg_array_scalar(TG_FLOAT64, 0.3)};
  verify("arange start and step", b_arange, NULL, 2, x);
  unref_all(2, x);
  x[0] = tg_array_scalar(TG_FLOAT64, -0.4), x[1] = tg_array_scalar(TG_FLOAT64, 1.3);
  int cases[][2] = {{5, 1}, {5, 0}, {1, 1}, {1, 0}, {0, 1}, {2, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    verify("linspace start and stop", b_linspace, cases[i], 2, x);
  verify_second("linspace (second order)", b_linspace, cases[0], 2, x);
  unref_all(2, x);
}

/* ---- ops with integer outputs, and unique ---- */

static tg_var *b_int_outputs(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud;
  tg_var *x = in[0], *nz[1]; /* a vector of 4 */
  tg_var *rank = tg_cast(tg_argsort(x, 0), TG_FLOAT64);
  tg_var *pos = tg_cast(tg_searchsorted(tg_sort(x, 0), x, false), TG_FLOAT64);
  tg_nonzero(tg_gt(x, tg_const_f64(g, 0)), nz);
  tg_var *cnt = tg_cast(tg_sum(nz[0], TG_ALL_AXES, false), TG_FLOAT64);
  tg_var *four = tg_shape_i(x, 0);
  tg_var *e =
      tg_sum(tg_mul(tg_eye(g, four, NULL, 1, TG_FLOAT64), tg_tri(g, four, NULL, 0, TG_FLOAT64)), 1,
             (int[]){0}, false);
  return tg_mul(tg_exp(x), tg_add(tg_add(rank, pos), tg_add(cnt, e)));
}

TEST(integer_output_ops_pass_no_gradient) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 1, (int64_t[]){4}, -1, 1)};
  verify_layouts("argsort, searchsorted, nonzero, eye and tri in the cost", b_int_outputs, NULL, 1,
                 x);
  tg_array_unref(x[0]);
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_vector(g, "x", TG_FLOAT64), *gr[1];
  CHECK_STATUS(tg_grad(tg_sum(tg_unique(xv, NULL), TG_ALL_AXES, false), TG_VARS(xv), gr),
               TG_ERR_NOTIMPL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "Unique is not differentiable");
  tg_graph_free(g);
}
