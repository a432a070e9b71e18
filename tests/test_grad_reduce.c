/* test_grad_reduce.c: gradients of the reductions (rules in src/grad/reduce_grad.c):
   tg_verify_grad for sum, prod, mean, variance, std, max, min, logsumexp and
   max_and_argmax on float64 and float32, over one, several, negative and all axes, with
   and without keepdims, size-1 dims and non-contiguous inputs; second order for the
   smooth ones; hand values for variance/std with ddof, prod with zeros (Theano's rule),
   and max/min ties (every tied element gets the whole gradient); argmax, argmin, all and
   any pass no gradient; Rop through a reduction. */
#include "grad_check.h"

enum { R_SUM, R_PROD, R_MEAN, R_VAR, R_STD, R_MAX, R_MIN, R_LSE, R_MAXARG, R_N };
static const char *const rnames[R_N] = {"sum", "prod", "mean", "variance", "std",
                                        "max", "min", "logsumexp", "max_and_argmax"};

typedef struct rcase {
  int kind;
  int n_axes; /* -1: all */
  int axes[3];
  bool keepdims;
  int ddof;
} rcase;

static tg_var *reduce(tg_var *x, const rcase *c) {
  const int *ax = c->n_axes < 0 ? NULL : c->axes;
  switch (c->kind) {
    case R_SUM: return tg_sum(x, c->n_axes, ax, c->keepdims);
    case R_PROD: return tg_prod(x, c->n_axes, ax, c->keepdims);
    case R_MEAN: return tg_mean(x, c->n_axes, ax, c->keepdims);
    case R_VAR: return tg_variance(x, c->n_axes, ax, c->ddof, c->keepdims);
    case R_STD: return tg_std(x, c->n_axes, ax, c->ddof, c->keepdims);
    case R_MAX: return tg_max(x, c->n_axes, ax, c->keepdims);
    case R_MIN: return tg_min(x, c->n_axes, ax, c->keepdims);
    case R_LSE: return tg_logsumexp(x, c->n_axes, ax, c->keepdims);
    default: return tg_max_and_argmax(x, c->n_axes, ax, c->keepdims, NULL);
  }
}

static tg_var *b_reduce(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  return reduce(in[0], ud);
}

/* the axis sets tried on a rank-3 input */
static const struct {
  int n;
  int axes[3];
} axis_sets[] = {{-1, {0}},    {1, {0}},     {1, {1}},        {1, {-1}},
                 {2, {0, 2}}, {2, {-1, -2}}, {3, {0, 1, 2}}, {0, {0}}};
#define N_AXIS_SETS ((int)(sizeof axis_sets / sizeof axis_sets[0]))

/* Values for reduction kind k: prod keeps away from 0 (|x| in [0.5, 1.5]), the others
   take a continuous range, so max/min have no ties. */
static tg_array *input_for(int k, tg_dtype dt, int nd, const int64_t *shape) {
  if (k != R_PROD) return gc_rand(dt, nd, shape, -2, 2);
  tg_array *a = gc_rand(dt, nd, shape, 0.5, 1.5);
  for (int64_t i = 0; i < tg_array_size(a); i++)
    if (gc_uniform() < 0.5) tg_array_set_f64(a, i, -tg_array_get_f64(a, i));
  return a;
}

/* How many elements each output of c reduces over a rank-3 input of this shape. */
static int64_t group_size(const int64_t *shape, const rcase *c) {
  if (c->n_axes < 0) return shape[0] * shape[1] * shape[2];
  int64_t n = 1;
  for (int i = 0; i < c->n_axes; i++) n *= shape[(c->axes[i] + 3) % 3];
  return n;
}

static void check_kind(int k, tg_dtype dt) {
  static const int64_t shapes[3][3] = {{3, 4, 2}, {3, 1, 2}, {1, 4, 1}};
  char label[160];
  for (int s = 0; s < 3; s++) {
    tg_array *x = input_for(k, dt, 3, shapes[s]);
    tg_array *views[3] = {x, gc_noncontig(x, 0), gc_noncontig(x, 1)};
    for (int a = 0; a < N_AXIS_SETS; a++)
      for (int keep = 0; keep < 2; keep++)
        for (int v = 0; v < 3; v++) {
          if (s > 0 && v > 0) continue; /* layouts on the main shape only */
          rcase c = {k, axis_sets[a].n, {0}, keep, 0};
          memcpy(c.axes, axis_sets[a].axes, sizeof c.axes);
          for (int ddof = 0; ddof < (k == R_VAR || k == R_STD ? 2 : 1); ddof++) {
            c.ddof = ddof;
            /* over one element, variance with ddof 1 is 0/0, and std is sqrt at 0 (no
               derivative: its gradient is NaN, as Theano's); nothing to check there */
            if ((ddof || k == R_STD) && group_size(shapes[s], &c) == 1) continue;
            snprintf(label, sizeof label, "%s %s shape %d axes %d keepdims %d view %d ddof %d",
                     rnames[k], tg_dtype_name(dt), s, a, keep, v, ddof);
            CHECK_VERIFY(label, b_reduce, &c, 1, &views[v], NULL);
          }
        }
    for (int v = 0; v < 3; v++) tg_array_unref(views[v]);
  }
}

TEST(every_reduction_float64) {
  for (int k = 0; k < R_N; k++) check_kind(k, TG_FLOAT64);
}

TEST(every_reduction_float32) {
  for (int k = 0; k < R_N; k++) check_kind(k, TG_FLOAT32);
}

/* grad(sum(sqr(reduce(x))), x): checks each rule's graph to second order. */
static tg_var *b_second(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_var *gr, *c = tg_sum(tg_sqr(reduce(in[0], ud)), -1, NULL, false);
  (void)g;
  return tg_grad(c, 1, in, &gr) == TG_OK ? gr : NULL;
}

TEST(second_order) {
  static const int kinds[] = {R_SUM, R_PROD, R_MEAN, R_VAR, R_STD, R_LSE, R_MAX, R_MAXARG};
  for (int dt = 0; dt < 2; dt++)
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
      int k = kinds[i];
      tg_array *x = input_for(k, dt ? TG_FLOAT32 : TG_FLOAT64, 2, (int64_t[]){3, 4});
      tg_array *nc = gc_noncontig(x, 1);
      rcase cs[3] = {{k, 1, {1}, false, 1}, {k, -1, {0}, false, 0}, {k, 1, {0}, true, 0}};
      for (int j = 0; j < 3; j++) {
        char label[96];
        snprintf(label, sizeof label, "second order of %s case %d", rnames[k], j);
        CHECK_VERIFY(label, b_second, &cs[j], 1, j == 2 ? &nc : &x, NULL);
      }
      tg_array_unref(x);
      tg_array_unref(nc);
    }
}

/* d var / dx = 2 (x - mean) / (n - ddof), d std / dx = (x - mean) / ((n - ddof) std),
   d logsumexp / dx = softmax(x), d mean / dx = 1 / n. */
TEST(hand_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr[5];
  tg_var *f[5] = {tg_variance(x, TG_ALL_AXES, 1, false), tg_std(x, TG_ALL_AXES, 0, false),
                  tg_std(x, TG_ALL_AXES, 1, false), tg_logsumexp(x, TG_ALL_AXES, false),
                  tg_mean(x, TG_ALL_AXES, false)};
  for (int k = 0; k < 5; k++) CHECK_STATUS(tg_grad(f[k], 1, &x, &gr[k]), TG_OK);
  double xv[4] = {1, 4, -2, 0.5}, mean = 0.875, ss = 0, se = 0;
  for (int i = 0; i < 4; i++) ss += (xv[i] - mean) * (xv[i] - mean), se += exp(xv[i]);
  tg_array *xa = gc_from(TG_FLOAT64, 1, (int64_t[]){4}, xv), *out[5] = {0};
  CHECK(gc_run(g, TG_VARS(x), 5, gr, (tg_array *[]){xa}, out));
  for (int i = 0; out[4] && i < 4; i++) {
    double c = xv[i] - mean;
    CHECK_CLOSE(tg_array_get_f64(out[0], i), 2 * c / 3, 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[1], i), c / (4 * sqrt(ss / 4)), 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[2], i), c / (3 * sqrt(ss / 3)), 1e-14, 0);
    CHECK_CLOSE(tg_array_get_f64(out[3], i), exp(xv[i]) / se, 1e-14, 0);
    CHECK(tg_array_get_f64(out[4], i) == 0.25);
  }
  for (int k = 0; k < 5; k++) tg_array_unref(out[k]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* prod over rows: no zero -> prod / x; one zero -> the product of the others at the zero
   and 0 elsewhere; two zeros -> 0 everywhere (Theano's Prod gradient). */
TEST(prod_with_zeros) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *gr;
  CHECK_STATUS(tg_grad(tg_sum(tg_prod(x, TG_AXES(1), false), -1, NULL, false), 1, &x, &gr), TG_OK);
  double xv[9] = {2, 3, 4, 2, 0, 5, 0, 3, 0};
  double want[9] = {12, 8, 6, 0, 10, 0, 0, 0, 0};
  tg_array *xa = gc_from(TG_FLOAT64, 2, (int64_t[]){3, 3}, xv), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x), 1, &gr, (tg_array *[]){xa}, out));
  for (int i = 0; out[0] && i < 9; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* max/min: every element equal to the result gets the whole output gradient (Theano:
   eq(x, max) * gz), so tied elements each get it; max_and_argmax's max output does the
   same and its argmax output carries none. */
TEST(max_min_ties) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *am, *gr[3];
  tg_array *wa = gc_from(TG_FLOAT64, 1, (int64_t[]){2}, (double[]){2, 3});
  tg_var *w = tg_constant(g, wa);
  tg_array_unref(wa); /* the constant holds its own reference */
  tg_var *mx = tg_max_and_argmax(x, TG_AXES(1), false, &am);
  tg_var *c[3] = {tg_sum(tg_mul(tg_max(x, TG_AXES(1), false), w), -1, NULL, false),
                  tg_sum(tg_mul(tg_min(x, TG_AXES(1), false), w), -1, NULL, false),
                  tg_sum(tg_mul(mx, w), -1, NULL, false)};
  for (int k = 0; k < 3; k++) CHECK_STATUS(tg_grad(c[k], 1, &x, &gr[k]), TG_OK);
  double xv[6] = {1, 3, 3, -1, -1, 0};
  tg_array *xa = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, xv), *out[3] = {0};
  CHECK(gc_run(g, TG_VARS(x), 3, gr, (tg_array *[]){xa}, out));
  double wmax[6] = {0, 2, 2, 0, 0, 3}, wmin[6] = {2, 0, 0, 3, 3, 0};
  for (int i = 0; out[2] && i < 6; i++) {
    CHECK(tg_array_get_f64(out[0], i) == wmax[i]);
    CHECK(tg_array_get_f64(out[1], i) == wmin[i]);
    CHECK(tg_array_get_f64(out[2], i) == wmax[i]);
  }
  for (int k = 0; k < 3; k++) tg_array_unref(out[k]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* argmax, argmin, all, any: integer or bool results, nothing flows back to x. */
TEST(index_and_logical_reductions_pass_no_gradient) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *gr;
  tg_var *r[4] = {tg_argmax(x, TG_AXES(1), false), tg_argmin(x, TG_AXES(0), false),
                  tg_all(x, TG_ALL_AXES, false), tg_any(x, TG_AXES(1), true)};
  for (int k = 0; k < 4; k++) {
    tg_var *cost = tg_sum(tg_cast(r[k], TG_FLOAT64), -1, NULL, false);
    CHECK_STATUS(tg_grad(cost, 1, &x, &gr), TG_ERR_VALUE);
    CHECK_ERROR_CONTAINS(tg_graph_error(g), "does not depend on input 0 ('x')");
    tg_graph_clear_error(g);
  }
  tg_graph_free(g);
}

/* Rop through a reduction (its rule takes the input's shape): J v of sum(x^2, axis 1) is
   2 sum(x * v, axis 1), and it compiles from x and v alone. */
TEST(rop_through_a_reduction) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64), *v = tg_matrix(g, "v", TG_FLOAT64), *r;
  tg_var *y = tg_sum(tg_sqr(x), TG_AXES(1), false);
  CHECK_STATUS(tg_Rop(TG_VARS(y), TG_VARS(x), (tg_var *[]){v}, &r), TG_OK);
  double xv[6] = {1, 2, 3, -1, 0.5, 2}, vv[6] = {0.5, -1, 2, 3, 1, -2};
  tg_array *xa = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, xv);
  tg_array *va = gc_from(TG_FLOAT64, 2, (int64_t[]){2, 3}, vv), *out[1] = {0};
  CHECK(gc_run(g, TG_VARS(x, v), 1, &r, (tg_array *[]){xa, va}, out));
  for (int i = 0; out[0] && i < 2; i++) {
    double want = 0;
    for (int j = 0; j < 3; j++) want += 2 * xv[3 * i + j] * vv[3 * i + j];
    CHECK_CLOSE(tg_array_get_f64(out[0], i), want, 1e-14, 0);
  }
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(va);
  tg_graph_free(g);
}
