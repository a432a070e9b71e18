/* test_grad_index.c: gradients of indexing against finite differences (tg_verify_grad) on
   float64 and float32 with non-contiguous and reversed inputs: basic subtensors (slices
   with negative steps, ints, newaxis, ellipsis, symbolic bounds and positions), advanced
   ones (repeated indices that accumulate, 2-d index arrays, arrays separated by a slice,
   an ellipsis between arrays, boolean masks), take, set_subtensor and inc_subtensor of
   every form with y broadcast; hand-computed gradients for repeated indices, masks and
   set/inc; second-order checks and a hessian through a subtensor. Index inputs are
   integers and get no gradient. */
#include "grad_family.h"

static tg_var *cmask(tg_graph *g, int nd, const int64_t *shape, const int *v) {
  tg_array *a = tg_array_empty(TG_BOOL, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, v[i]);
  tg_var *c = tg_constant(g, a);
  tg_array_unref(a);
  return c;
}

/* ---- basic subtensor ---- */

static tg_var *b_basic(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g, (void)n;
  tg_var *x = in[0]; /* (5, 4) */
  switch (*(int *)ud) {
    case 0: return tg_exp(tg_subtensor(x, TG_IDX(TG_SLICE(1, -1, 2), TG_INT(2))));
    case 1:
      return tg_exp(tg_subtensor(
          x, TG_IDX(TG_SLICE(TG_NONE, TG_NONE, -1), TG_NEWAXIS, TG_SLICE(1, TG_NONE, TG_NONE))));
    case 2: return tg_exp(tg_subtensor(x, TG_IDX(TG_ELLIPSIS, TG_INT(-1))));
    case 3: return tg_exp(tg_subtensor(x, TG_IDX(TG_INT(-2))));
    case 4: return tg_exp(tg_subtensor(x, TG_IDX(TG_SLICE(4, 0, -2), TG_SLICE(-3, TG_NONE, 2))));
    /* symbolic bounds and position: in[1], in[2] are int64 scalars */
    case 5:
      return tg_exp(tg_subtensor(x, TG_IDX(TG_SLICE_VARS(in[1], in[2], NULL), TG_VAR(in[1]))));
    default: return tg_exp(tg_subtensor(x, TG_IDX(TG_ALL, TG_SLICE_VARS(NULL, NULL, in[2]))));
  }
}

TEST(basic_subtensor) {
  tg_array *x[3] = {rnd(TG_FLOAT64, 2, (int64_t[]){5, 4}, -1, 1), tg_array_scalar(TG_INT64, 1),
                    tg_array_scalar(TG_INT64, -1)};
  for (int k = 0; k <= 6; k++) verify_layouts("basic subtensor", b_basic, &k, k >= 5 ? 3 : 1, x);
  int k = 1;
  verify_second("basic subtensor (second order)", b_basic, &k, 1, x);
  k = 5;
  verify_second("symbolic subtensor (second order)", b_basic, &k, 3, x);
  unref_all(3, x);
}

/* ---- advanced subtensor and take ---- */

static tg_var *b_adv(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_var *x = in[0]; /* (4, 3) */
  tg_var *rep = ci64(g, 1, (int64_t[]){5}, (int64_t[]){0, 2, 0, 0, -1});
  switch (*(int *)ud) {
    case 0: return tg_sin(tg_subtensor(x, TG_IDX(TG_VAR(rep))));
    case 1: return tg_sin(tg_take(x, ci64(g, 2, (int64_t[]){2, 2}, (int64_t[]){1, 1, 0, 1}), 1));
    case 2: /* two arrays broadcast together, then a slice */
      return tg_sin(
          tg_subtensor(x, TG_IDX(TG_VAR(ci64(g, 2, (int64_t[]){2, 1}, (int64_t[]){3, 3})),
                                 TG_VAR(ci64(g, 1, (int64_t[]){3}, (int64_t[]){0, 2, 0})))));
    case 3: /* int and array separated by an ellipsis of zero width: broadcast dims first */
      return tg_sin(tg_subtensor(x, TG_IDX(TG_VAR(rep), TG_ELLIPSIS, TG_INT(1))));
    case 6: /* the same after a newaxis: numpy puts the broadcast dim first, (5, 1) */
      return tg_sin(tg_subtensor(x, TG_IDX(TG_NEWAXIS, TG_VAR(rep), TG_ELLIPSIS, TG_INT(1))));
    case 4: /* index array given as an input (an integer input: no gradient) */
      return tg_sin(tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(in[1]))));
    default: /* newaxis beside an array */
      return tg_sin(tg_subtensor(x, TG_IDX(TG_NEWAXIS, TG_VAR(rep), TG_SLICE(0, 2, 1))));
  }
}

static tg_var *b_adv3(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n, (void)ud; /* x (3, 2, 4): arrays separated by a slice put their dims first */
  tg_var *i = ci64(g, 1, (int64_t[]){3}, (int64_t[]){2, 0, 2});
  tg_var *j = ci64(g, 1, (int64_t[]){3}, (int64_t[]){3, 3, -4});
  return tg_exp(tg_subtensor(in[0], TG_IDX(TG_VAR(i), TG_ALL, TG_VAR(j))));
}

TEST(advanced_subtensor_and_take) {
  tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){4, 3}, -1, 1),
                    tg_array_from_i32(1, (int64_t[]){4}, (int32_t[]){2, 0, 2, 2})};
  for (int k = 0; k <= 6; k++) verify_layouts("advanced subtensor", b_adv, &k, k == 4 ? 2 : 1, x);
  for (int k = 0; k <= 4; k += 4)
    verify_second("advanced subtensor (second order)", b_adv, &k, k == 4 ? 2 : 1, x);
  unref_all(2, x);
  x[0] = rnd(TG_FLOAT64, 3, (int64_t[]){3, 2, 4}, -1, 1);
  verify_layouts("arrays separated by a slice", b_adv3, NULL, 1, x);
  verify_second("arrays separated by a slice (second order)", b_adv3, NULL, 1, x);
  tg_array_unref(x[0]);
}

TEST(repeated_indices_accumulate) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *gr[1];
  tg_var *idx = ci64(g, 1, (int64_t[]){6}, (int64_t[]){0, 2, 0, 0, -1, 1});
  double wv[6] = {1, 10, 100, 1000, 10000, 100000};
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){6}, wv);
  tg_var *cost =
      tg_sum(tg_mul(tg_subtensor(x, TG_IDX(TG_VAR(idx))), tg_constant(g, wa)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(x), gr), TG_OK);
  tg_array *xa = rnd(TG_FLOAT64, 1, (int64_t[]){4}, 0, 1), *out[1] = {0};
  CHECK(run(g, TG_VARS(x), 1, gr, (tg_array *[]){xa}, out));
  double want[4] = {1 + 100 + 1000, 100000, 10, 10000}; /* np.add.at(zeros, idx, w) */
  for (int i = 0; i < 4; i++) CHECK(tg_array_get_f64(out[0], i) == want[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_array_unref(wa);
  tg_graph_free(g);
}

/* ---- boolean masks ---- */

static tg_var *b_mask(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  tg_var *x = in[0]; /* (3, 4) */
  if (*(int *)ud == 0)
    return tg_exp(
        tg_subtensor(x, TG_IDX(TG_VAR(cmask(g, 2, (int64_t[]){3, 4},
                                            (int[]){1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1})))));
  return tg_exp(
      tg_subtensor(x, TG_IDX(TG_ALL, TG_VAR(cmask(g, 1, (int64_t[]){4}, (int[]){0, 1, 1, 0})))));
}

TEST(boolean_masks) {
  tg_array *x[1] = {rnd(TG_FLOAT64, 2, (int64_t[]){3, 4}, -1, 1)};
  for (int k = 0; k <= 1; k++) verify_layouts("mask", b_mask, &k, 1, x);
  int k = 0;
  verify_second("mask (second order)", b_mask, &k, 1, x);
  tg_array_unref(x[0]);
  /* hand values: d/dx sum(x[m] * 2) = 2 m */
  tg_graph *g = tg_graph_new();
  tg_var *xv = tg_matrix(g, "x", TG_FLOAT64), *gr[1];
  int mv[6] = {0, 1, 1, 1, 0, 0};
  tg_var *m = cmask(g, 2, (int64_t[]){2, 3}, mv);
  tg_var *cost =
      tg_sum(tg_mul(tg_subtensor(xv, TG_IDX(TG_VAR(m))), tg_const_f64(g, 2)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(xv), gr), TG_OK);
  tg_array *xa = rnd(TG_FLOAT64, 2, (int64_t[]){2, 3}, 0, 1), *out[1] = {0};
  CHECK(run(g, TG_VARS(xv), 1, gr, (tg_array *[]){xa}, out));
  for (int i = 0; i < 6; i++) CHECK(tg_array_get_f64(out[0], i) == 2.0 * mv[i]);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}

/* ---- set_subtensor and inc_subtensor ---- */

/* ud: {set?, form}; x (4, 3), y shaped for the form */
static tg_var *b_setinc(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)n;
  const int *p = ud;
  tg_var *x = tg_sin(in[0]), *y = tg_exp(in[1]), *r;
  tg_var *(*f)(tg_var *, tg_var *, int, const tg_idx *) =
      p[0] ? tg_set_subtensor : tg_inc_subtensor;
  tg_var *rep = ci64(g, 1, (int64_t[]){4}, (int64_t[]){2, 0, 2, 2});
  switch (p[1]) {
    case 0: r = f(x, y, TG_IDX(TG_SLICE(1, 3, 1))); break; /* y (2, 3), (1, 3) or (3,) */
    case 1: r = f(x, y, TG_IDX(TG_SLICE(TG_NONE, TG_NONE, -2), TG_INT(1))); break; /* y (2,) */
    case 2: r = f(x, y, TG_IDX(TG_VAR(rep))); break; /* y (4, 3): repeats */
    default:
      r = f(x, y,
            TG_IDX(TG_VAR(
                cmask(g, 2, (int64_t[]){4, 3}, (int[]){1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0}))));
      break; /* y (4,) */
  }
  return tg_mul(r, r);
}

TEST(set_and_inc_subtensor) {
  struct {
    int form, ynd;
    int64_t yshape[2];
  } cases[] = {{0, 2, {2, 3}}, {0, 2, {1, 3}}, {0, 1, {3}}, {1, 1, {2}},
               {1, 1, {1}},    {2, 2, {4, 3}}, {2, 1, {3}}, {3, 1, {4}}};
  for (int set = 0; set <= 1; set++)
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      if (set && cases[c].form == 2) continue; /* set with repeats: the last write wins, below */
      int p[2] = {set, cases[c].form};
      const char *what = set ? "set_subtensor" : "inc_subtensor";
      tg_array *x[2] = {rnd(TG_FLOAT64, 2, (int64_t[]){4, 3}, -1, 1),
                        rnd(TG_FLOAT64, cases[c].ynd, cases[c].yshape, -1, 1)};
      verify_layouts(what, b_setinc, p, 2, x);
      tg_array *y = x[1];
      x[1] = strided(y, -1); /* y reversed too */
      verify(what, b_setinc, p, 2, x);
      tg_array_unref(x[1]);
      x[1] = y;
      if (c == 0 || c == 5 || c == 7) verify_second(what, b_setinc, p, 2, x);
      unref_all(2, x);
    }
}

/* cost = sum(f(x, y, [2, 0, 2]) * w) for x (4,), y (3,) */
static void setinc_repeats(bool set, const double *want_x, const double *want_y) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = tg_vector(g, "y", TG_FLOAT64), *gr[2];
  tg_var *idx = ci64(g, 1, (int64_t[]){3}, (int64_t[]){2, 0, 2});
  tg_array *wa = tg_array_from_f64(1, (int64_t[]){4}, (double[]){1, 2, 3, 4});
  tg_var *r = set ? tg_set_subtensor(x, y, TG_IDX(TG_VAR(idx)))
                  : tg_inc_subtensor(x, y, TG_IDX(TG_VAR(idx)));
  tg_var *cost = tg_sum(tg_mul(r, tg_constant(g, wa)), TG_ALL_AXES, false);
  CHECK_STATUS(tg_grad(cost, TG_VARS(x, y), gr), TG_OK);
  tg_array *xa = rnd(TG_FLOAT64, 1, (int64_t[]){4}, 0, 1),
           *ya = rnd(TG_FLOAT64, 1, (int64_t[]){3}, 0, 1);
  tg_array *out[2] = {0};
  CHECK(run(g, TG_VARS(x, y), 2, gr, (tg_array *[]){xa, ya}, out));
  for (int i = 0; i < 4; i++) CHECK(tg_array_get_f64(out[0], i) == want_x[i]);
  for (int i = 0; i < 3; i++) CHECK(tg_array_get_f64(out[1], i) == want_y[i]);
  unref_all(2, out);
  tg_array_unref(xa), tg_array_unref(ya), tg_array_unref(wa);
  tg_graph_free(g);
}

TEST(set_and_inc_with_repeated_indices_hand_values) {
  /* inc: every occurrence adds, so y gets w[idx] and x gets w */
  setinc_repeats(false, (double[]){1, 2, 3, 4}, (double[]){3, 1, 3});
  /* set: x's overwritten positions get nothing; y gets w[idx] for every occurrence, as
     Theano gives (only the last write of a repeated position is really kept) */
  setinc_repeats(true, (double[]){0, 2, 0, 4}, (double[]){3, 1, 3});
}

TEST(hessian_through_subtensor) {
  /* cost = sum(x[[0, 2, 0]]^3) = 2 x0^3 + x2^3: H = diag(12 x0, 0, 6 x2) */
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, 1, (int64_t[]){3});
  tg_var *idx = ci64(g, 1, (int64_t[]){3}, (int64_t[]){0, 2, 0});
  tg_var *cost =
      tg_sum(tg_pow(tg_subtensor(x, TG_IDX(TG_VAR(idx))), tg_const_f64(g, 3)), TG_ALL_AXES, false);
  tg_var *H = tg_hessian(cost, x);
  CHECK(H != NULL);
  double xv[3] = {0.5, -1.5, 2};
  tg_array *xa = tg_array_from_f64(1, (int64_t[]){3}, xv), *out[1] = {0};
  CHECK(run(g, TG_VARS(x), 1, &H, (tg_array *[]){xa}, out));
  double d[3] = {12 * xv[0], 0, 6 * xv[2]};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      CHECK_CLOSE(tg_array_get_f64(out[0], i * 3 + j), i == j ? d[i] : 0, 1e-14, 0);
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_graph_free(g);
}
