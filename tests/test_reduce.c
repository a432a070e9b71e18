/* test_reduce.c: every reduction over every dtype, against the plain C loop of
   reduce_ref.h: all axes, one axis, several axes (given in any order, negative too), no
   axis, 0-d input, size-1 and size-0 axes, runs longer than the kernel's blocks, each
   with keepdims off and on, on contiguous, transposed, step-2 and reversed (negative
   stride) inputs; and the symbolic shape of every op (CHECK_INFER_SHAPE). */
#include "reduce_ref.h"

typedef struct {
  int nd;
  int64_t shape[4];
  int na;
  int axes[4];
} cfg;

static const cfg cfgs[] = {
    {3, {3, 4, 5}, -1, {0}},   /* all axes */
    {3, {3, 4, 5}, 1, {1}},    /* a middle axis */
    {3, {3, 4, 5}, 2, {2, 0}}, /* two axes, out of order */
    {3, {3, 4, 5}, 1, {-1}},   /* negative axis: the innermost */
    {3, {3, 4, 5}, 2, {0, 1}}, /* two outer axes */
    {2, {3, 4}, 1, {-2}},      /* the outer axis of a matrix */
    {3, {2, 1, 3}, 1, {1}},    /* a size-1 axis */
    {3, {2, 1, 3}, 2, {0, 2}}, /* around a size-1 axis */
    {0, {0}, -1, {0}},         /* a 0-d input */
    {1, {5}, 0, {0}},          /* no axis: the identity with the dtype change */
    {3, {4, 0, 3}, 1, {0}},    /* an empty result */
    {3, {4, 0, 3}, 1, {1}},    /* an empty axis */
    {1, {0}, -1, {0}},         /* nothing at all */
    {2, {2, 700}, 1, {1}},     /* runs longer than the kernel's blocks */
    {2, {700, 3}, 1, {0}},
};
#define NCFG (int)(sizeof cfgs / sizeof cfgs[0])

/* One op, one dtype, one configuration: build with and without keepdims, compile once,
   call on each layout and compare. */
static void check_case(int op, tg_dtype dt, const cfg *c, int ci) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", dt, c->nd, NULL);
  tg_var *i0 = NULL, *i1 = NULL;
  int ddof = op == R_VAR || op == R_STD ? ci % 3 : 0;
  tg_var *y0 = r_apply(op, x, c->na, c->axes, false, ddof, &i0);
  tg_var *y1 = r_apply(op, x, c->na, c->axes, true, ddof, &i1);
  char what[256];
  snprintf(what, sizeof what, "%s %s config %d", r_names[op], tg_dtype_name(dt), ci);
  if (!y0 || !y1 || (op == R_MAA && (!i0 || !i1))) {
    TH_FAIL("%s: build failed: %s", what, tg_graph_error(g));
    tg_graph_free(g);
    return;
  }
  tg_function *f = op == R_MAA ? tg_function_new(g, TG_VARS(x), TG_VARS(y0, y1, i0, i1), NULL)
                               : tg_function_new(g, TG_VARS(x), TG_VARS(y0, y1), NULL);
  CHECK(f != NULL);
  uint64_t mask = r_mask(c->nd, c->na, c->axes);
  for (int L = 0; f && L < L_COUNT; L++) {
    tg_array *a = r_input(dt, c->nd, c->shape, L);
    r_expect e;
    r_reference(a, mask, op, ddof, &e);
    tg_array *out[4] = {NULL, NULL, NULL, NULL};
    tg_status st = tg_function_call(f, (tg_array *[]){a}, out);
    char w2[320];
    snprintf(w2, sizeof w2, "%s %s", what, r_layouts[L]);
    if (r_needs_one(op) && e.n_red == 0) {
      CHECK_STATUS(st, TG_ERR_VALUE);
      CHECK_ERROR_CONTAINS(tg_function_error(f), op == R_ARGMAX || op == R_ARGMIN
                                                     ? "of an empty sequence"
                                                     : "which has no identity");
    } else if (st != TG_OK) {
      TH_FAIL("%s: call failed: %s", w2, tg_function_error(f));
    } else {
      r_compare(out[0], a, mask, false, op, &e, op == R_ARGMAX || op == R_ARGMIN, w2);
      r_compare(out[1], a, mask, true, op, &e, op == R_ARGMAX || op == R_ARGMIN, w2);
      if (op == R_MAA) {
        r_compare(out[2], a, mask, false, op, &e, true, w2);
        r_compare(out[3], a, mask, true, op, &e, true, w2);
      }
    }
    for (int k = 0; k < 4; k++) tg_array_unref(out[k]);
    if (L == L_CONTIG && !(r_needs_one(op) && e.n_red == 0)) {
      CHECK_INFER_SHAPE(g, TG_VARS(x), y0, ((tg_array *[]){a}));
      CHECK_INFER_SHAPE(g, TG_VARS(x), y1, ((tg_array *[]){a}));
      if (op == R_MAA) CHECK_INFER_SHAPE(g, TG_VARS(x), i1, ((tg_array *[]){a}));
    }
    r_expect_free(&e);
    tg_array_unref(a);
  }
  tg_function_free(f);
  tg_graph_free(g);
}

#define SWEEP(op)                                                            \
  TEST(sweep_##op) {                                                         \
    for (int d = 0; d < R_NDT; d++)                                          \
      for (int c = 0; c < NCFG; c++) check_case(R_##op, r_dtypes[d], &cfgs[c], c); \
  }
SWEEP(SUM)
SWEEP(PROD)
SWEEP(MEAN)
SWEEP(VAR)
SWEEP(STD)
SWEEP(MAX)
SWEEP(MIN)
SWEEP(ARGMAX)
SWEEP(ARGMIN)
SWEEP(ALL)
SWEEP(ANY)
SWEEP(LSE)
SWEEP(MAA)

/* Inputs viewed with zero strides (every element the same) and a transposed 4-d input
   reduced over non-adjacent axes. */
TEST(broadcast_view_and_4d) {
  tg_array *one = tg_array_from_f64(1, (int64_t[]){1}, (double[]){2.5});
  tg_array *bc = tg_array_view(one, 2, (int64_t[]){3, 4}, (int64_t[]){0, 0}, 0);
  CHECK(bc != NULL);
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_sum(x, TG_AXES(1), false),
                                                          tg_argmax(x, TG_ALL_AXES, false)),
                                   NULL);
  tg_array *out[2] = {NULL, NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){bc}, out), TG_OK);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(tg_array_get_f64(out[0], i), 10.0, 0, 0);
  CHECK(tg_array_get_i64(out[1], 0) == 0);
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_function_free(f);

  tg_var *t = tg_tensor4(g, "t", TG_INT32);
  int64_t shape[4] = {3, 2, 4, 5};
  for (int L = 0; L < L_COUNT; L++) {
    tg_array *a = r_input(TG_INT32, 4, shape, L);
    const int ax[2] = {3, 1};
    uint64_t mask = r_mask(4, 2, ax);
    tg_var *y = tg_argmin(t, 2, ax, false), *s = tg_prod(t, 2, ax, true);
    f = tg_function_new(g, TG_VARS(t), TG_VARS(y, s), NULL);
    out[0] = out[1] = NULL;
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
    r_expect e;
    r_reference(a, mask, R_ARGMIN, 0, &e);
    r_compare(out[0], a, mask, false, R_ARGMIN, &e, true, "argmin 4-d");
    r_expect_free(&e);
    r_reference(a, mask, R_PROD, 0, &e);
    r_compare(out[1], a, mask, true, R_PROD, &e, false, "prod 4-d");
    r_expect_free(&e);
    tg_array_unref(out[0]);
    tg_array_unref(out[1]);
    tg_function_free(f);
    tg_array_unref(a);
  }
  tg_graph_free(g);
  tg_array_unref(bc);
  tg_array_unref(one);
}
