/* test_extra_reorder.c: repeat, tile, roll and flip: hand cases, every dtype in every
   layout against index arithmetic done here, constant and symbolic repeats and shifts,
   axis None, size-0 and size-1, flip's negative-stride views and caller-provided outputs,
   symbolic shapes (value-dependent for repeat), run-time and build errors. */
#include "test_extra_util.h"

TEST(repeat_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT32);
  tg_array *a = tg_array_from_i32(2, (int64_t[]){2, 2}, (int32_t[]){1, 2, 3, 4});
  tg_var *y = tg_repeat_n(x, 2, TG_AXIS_NONE);
  CHECK(tg_var_dim(y, 0) == -1);
  tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
  x_check(r, TG_INT32, 1, (int64_t[]){8}, (double[]){1, 1, 2, 2, 3, 3, 4, 4}, "None");
  CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
  tg_array_unref(r);
  tg_var *rc = x_const_vec(g, 2, (int64_t[]){1, 2});
  y = tg_repeat(x, rc, 0);
  CHECK(tg_var_dim(y, 0) == -1 && tg_var_dim(y, 1) == -1);
  r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
  x_check(r, TG_INT32, 2, (int64_t[]){3, 2}, (double[]){1, 2, 3, 4, 3, 4}, "per element");
  CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
  tg_array_unref(r);
  y = tg_repeat_n(x, 0, 1);
  r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
  x_check(r, TG_INT32, 2, (int64_t[]){2, 0}, NULL, "zero repeats");
  tg_array_unref(r);
  tg_array_unref(a);
  /* static lengths follow constant repeats */
  tg_var *s = tg_tensor(g, "s", TG_FLOAT32, 2, (int64_t[]){3, 2});
  CHECK(tg_var_dim(tg_repeat_n(s, 3, 0), 0) == 9);
  CHECK(tg_var_dim(tg_repeat_n(s, 3, TG_AXIS_NONE), 0) == 18);
  CHECK(tg_var_dim(tg_repeat(s, rc, 1), 1) == 3);
  tg_graph_free(g);
}

TEST(repeat_symbolic_counts) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *k = tg_vector(g, "k", TG_UINT8);
  tg_var *n = tg_scalar(g, "n", TG_INT16);
  tg_var *y = tg_repeat(x, k, 0), *z = tg_repeat(x, n, -1);
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1.5, -2, 7});
  tg_array *ka = tg_array_from_data(TG_UINT8, 1, (int64_t[]){3}, (uint8_t[]){0, 3, 1});
  tg_array *k1 = tg_array_from_data(TG_UINT8, 1, (int64_t[]){1}, (uint8_t[]){2});
  tg_array *na = tg_array_from_data(TG_INT16, 0, NULL, (int16_t[]){2});
  tg_array *r = x_run(g, TG_VARS(x, k), y, (tg_array *[]){a, ka});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){4}, (double[]){-2, -2, -2, 7}, "vector counts");
  CHECK_INFER_SHAPE(g, TG_VARS(x, k), y, ((tg_array *[]){a, ka}));
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x, k), y, (tg_array *[]){a, k1}); /* one count for all */
  x_check(r, TG_FLOAT64, 1, (int64_t[]){6}, (double[]){1.5, 1.5, -2, -2, 7, 7}, "one count");
  CHECK_INFER_SHAPE(g, TG_VARS(x, k), y, ((tg_array *[]){a, k1}));
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x, n), z, (tg_array *[]){a, na});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){6}, (double[]){1.5, 1.5, -2, -2, 7, 7}, "scalar count");
  CHECK_INFER_SHAPE(g, TG_VARS(x, n), z, ((tg_array *[]){a, na}));
  tg_array_unref(r);
  /* run-time errors: a negative count, a count vector of the wrong length */
  tg_array *neg = tg_array_from_data(TG_INT16, 0, NULL, (int16_t[]){-1});
  x_run_fails(g, TG_VARS(x, n), z, (tg_array *[]){a, neg}, TG_ERR_VALUE,
              "Repeat: repeats may not be negative, got -1");
  tg_array *k2 = tg_array_from_data(TG_UINT8, 1, (int64_t[]){2}, (uint8_t[]){1, 1});
  x_run_fails(g, TG_VARS(x, k), y, (tg_array *[]){a, k2}, TG_ERR_SHAPE,
              "repeats has 2 entries but the axis has length 3");
  tg_array_unref(k2);
  tg_array_unref(neg);
  tg_array_unref(a);
  tg_array_unref(ka);
  tg_array_unref(k1);
  tg_array_unref(na);
  tg_graph_free(g);
}

TEST(repeat_every_dtype_and_layout) {
  for (int t = 0; t < X_NDT; t++) {
    tg_dtype dt = x_dtypes[t];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_tensor3(g, "x", dt);
    int64_t cnt[3] = {2, 0, 3};
    tg_var *rc = x_const_vec(g, 3, cnt);
    tg_var *y = tg_repeat(x, rc, 1);
    double v[24], want[48];
    x_values(dt, 24, (unsigned)t, v);
    int k = 0; /* x is (2, 3, 4); y is (2, 5, 4) */
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int c = 0; c < cnt[j]; c++)
          for (int l = 0; l < 4; l++) want[k++] = v[(i * 3 + j) * 4 + l];
    for (int L = 0; L < XL_COUNT; L++) {
      char what[128];
      snprintf(what, sizeof what, "repeat %s %s", tg_dtype_name(dt), x_layouts[L]);
      tg_array *a = x_make(dt, 3, (int64_t[]){2, 3, 4}, v, L);
      tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
      x_check(r, dt, 3, (int64_t[]){2, 5, 4}, want, what);
      if (L == XL_STEP2) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
      tg_array_unref(r);
      tg_array_unref(a);
    }
    tg_graph_free(g);
  }
}

/* ---- tile ---- */

TEST(tile_cases) {
  static const struct {
    int nd;
    int64_t sh[3];
    int nr;
    int64_t reps[4];
  } cs[] = {{1, {3}, 1, {2}},          {1, {3}, 2, {2, 2}},    {2, {2, 3}, 1, {2}},
            {2, {2, 3}, 3, {2, 1, 2}}, {2, {2, 3}, 2, {0, 2}}, {2, {0, 3}, 2, {2, 2}},
            {2, {1, 1}, 2, {3, 1}},    {0, {0}, 2, {2, 3}},    {2, {2, 3}, 0, {0}}};
  int ncs = (int)(sizeof cs / sizeof cs[0]);
  for (int t = 0; t < X_NDT; t++)
    for (int c = 0; c < ncs; c++) {
      tg_dtype dt = x_dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor(g, "x", dt, cs[c].nd, NULL);
      tg_var *y = tg_tile(x, cs[c].nr, cs[c].reps);
      int d = cs[c].nd > cs[c].nr ? cs[c].nd : cs[c].nr;
      int64_t ish[4], rp[4], osh[4], n = 1, on = 1;
      for (int i = 0; i < d; i++) {
        int xi = i - (d - cs[c].nd), ri = i - (d - cs[c].nr);
        ish[i] = xi >= 0 ? cs[c].sh[xi] : 1;
        rp[i] = ri >= 0 ? cs[c].reps[ri] : 1;
        osh[i] = ish[i] * rp[i];
        n *= ish[i], on *= osh[i];
      }
      double v[16], want[128];
      x_values(dt, n, (unsigned)(c + t), v);
      int64_t idx[4] = {0};
      for (int64_t o = 0; o < on; o++) { /* out[idx] = x[idx % ish] */
        int64_t src = 0;
        for (int i = 0; i < d; i++) src = src * ish[i] + idx[i] % ish[i];
        want[o] = v[src];
        for (int i = d - 1; i >= 0; i--) {
          if (++idx[i] < osh[i]) break;
          idx[i] = 0;
        }
      }
      CHECK(tg_var_ndim(y) == d);
      for (int L = 0; L < XL_COUNT; L++) {
        if (cs[c].nd == 0 && L) break;
        char what[128];
        snprintf(what, sizeof what, "tile %s case %d %s", tg_dtype_name(dt), c, x_layouts[L]);
        tg_array *a = x_make(dt, cs[c].nd, cs[c].sh, v, L);
        tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
        x_check(r, dt, d, osh, want, what);
        if (L == XL_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){a}));
        tg_array_unref(r);
        tg_array_unref(a);
      }
      tg_graph_free(g);
    }
}

/* ---- roll ---- */

TEST(roll_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_INT64), *s = tg_scalar(g, "s", TG_INT32);
  tg_array *a = tg_array_from_i64(2, (int64_t[]){2, 3}, (int64_t[]){1, 2, 3, 4, 5, 6});
  tg_array *r = x_run(g, TG_VARS(x), tg_roll_n(x, 1, TG_AXIS_NONE), (tg_array *[]){a});
  x_check(r, TG_INT64, 2, (int64_t[]){2, 3}, (double[]){6, 1, 2, 3, 4, 5}, "None +1");
  tg_array_unref(r);
  r = x_run(g, TG_VARS(x), tg_roll_n(x, -1, 1), (tg_array *[]){a});
  x_check(r, TG_INT64, 2, (int64_t[]){2, 3}, (double[]){2, 3, 1, 5, 6, 4}, "axis 1, -1");
  tg_array_unref(r);
  tg_var *y = tg_roll(x, s, 0);
  for (int sh = -5; sh <= 5; sh++) {
    tg_array *sa = tg_array_from_i32(0, NULL, (int32_t[]){sh});
    r = x_run(g, TG_VARS(x, s), y, (tg_array *[]){a, sa});
    bool odd = sh % 2 != 0;
    double w[6] = {1, 2, 3, 4, 5, 6}, wr[6] = {4, 5, 6, 1, 2, 3};
    x_check(r, TG_INT64, 2, (int64_t[]){2, 3}, odd ? wr : w, "symbolic shift on axis 0");
    CHECK_INFER_SHAPE(g, TG_VARS(x, s), y, ((tg_array *[]){a, sa}));
    tg_array_unref(r);
    tg_array_unref(sa);
  }
  tg_array_unref(a);
  tg_graph_free(g);
}

TEST(roll_every_dtype_and_layout) {
  for (int t = 0; t < X_NDT; t++)
    for (int axis = -1; axis < 3; axis++) { /* -1 stands for None here */
      tg_dtype dt = x_dtypes[t];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor3(g, "x", dt);
      int64_t sh[3] = {2, 3, 4}, shift = 7 - 3 * axis;
      tg_var *y = tg_roll_n(x, shift, axis < 0 ? TG_AXIS_NONE : axis);
      double v[24], want[24];
      x_values(dt, 24, (unsigned)t + 3, v);
      for (int64_t i = 0; i < 24; i++) {
        if (axis < 0) {
          want[i] = v[(((i - shift) % 24) + 24) % 24];
          continue;
        }
        int64_t c[3] = {i / 12, (i / 4) % 3, i % 4};
        c[axis] = (((c[axis] - shift) % sh[axis]) + sh[axis]) % sh[axis];
        want[i] = v[(c[0] * 3 + c[1]) * 4 + c[2]];
      }
      for (int L = 0; L < XL_COUNT; L++) {
        char what[128];
        snprintf(what, sizeof what, "roll %s axis %d %s", tg_dtype_name(dt), axis, x_layouts[L]);
        tg_array *a = x_make(dt, 3, sh, v, L);
        tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){a});
        x_check(r, dt, 3, sh, want, what);
        tg_array_unref(r);
        tg_array_unref(a);
      }
      tg_array *e = x_make(dt, 3, (int64_t[]){2, 0, 4}, NULL, XL_CONTIG);
      tg_array *r = x_run(g, TG_VARS(x), y, (tg_array *[]){e});
      x_check(r, dt, 3, (int64_t[]){2, 0, 4}, NULL, "empty roll");
      tg_array_unref(r);
      tg_array_unref(e);
      tg_graph_free(g);
    }
}

/* ---- flip ---- */

TEST(flip_views_and_values) {
  for (int t = 0; t < X_NDT; t++) {
    tg_dtype dt = x_dtypes[t];
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_tensor3(g, "x", dt);
    tg_var *ys[4] = {tg_flip(x, -1, NULL), tg_flip(x, 1, (int[]){1}),
                     tg_flip(x, 2, (int[]){-1, 0}), tg_flip(x, 0, NULL)};
    uint8_t masks[4] = {7, 2, 5, 0};
    int64_t sh[3] = {2, 3, 4};
    double v[24], want[24];
    x_values(dt, 24, (unsigned)t + 9, v);
    for (int k = 0; k < 4; k++) {
      for (int64_t i = 0; i < 24; i++) {
        int64_t c[3] = {i / 12, (i / 4) % 3, i % 4};
        for (int d = 0; d < 3; d++)
          if ((masks[k] >> d) & 1) c[d] = sh[d] - 1 - c[d];
        want[i] = v[(c[0] * 3 + c[1]) * 4 + c[2]];
      }
      for (int L = 0; L < XL_COUNT; L++) {
        char what[128];
        snprintf(what, sizeof what, "flip %s mask %d %s", tg_dtype_name(dt), masks[k], x_layouts[L]);
        tg_array *a = x_make(dt, 3, sh, v, L);
        tg_array *r = x_run(g, TG_VARS(x), ys[k], (tg_array *[]){a});
        x_check(r, dt, 3, sh, want, what);
        if (r && k == 0 && L == XL_CONTIG) { /* a view of the input with negated strides */
          CHECK(tg_array_is_view(r) && tg_array_strides(r)[0] < 0 && tg_array_strides(r)[2] < 0);
          CHECK(tg_array_is_view(a));
        }
        if (L == XL_CONTIG) CHECK_INFER_SHAPE(g, TG_VARS(x), ys[k], ((tg_array *[]){a}));
        tg_array_unref(r);
        tg_array_unref(a);
      }
    }
    tg_array *e = tg_array_zeros(dt, 3, (int64_t[]){2, 0, 3});
    tg_array *r = x_run(g, TG_VARS(x), ys[0], (tg_array *[]){e});
    x_check(r, dt, 3, (int64_t[]){2, 0, 3}, NULL, "empty flip");
    tg_array_unref(r);
    tg_array_unref(e);
    tg_graph_free(g);
  }
}

TEST(flip_into_given_output_copies) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(tg_flip(x, -1, NULL)), NULL);
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, 3});
  tg_array *o = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){3});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){o}), TG_OK);
  x_check(o, TG_FLOAT64, 1, (int64_t[]){3}, (double[]){3, 2, 1}, "into");
  CHECK(!tg_array_is_view(o));
  tg_array *bad = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){4});
  CHECK(tg_function_call_into(f, (tg_array *[]){a}, (tg_array *[]){bad}) != TG_OK);
  tg_array_unref(bad);
  tg_array_unref(o);
  tg_array_unref(a);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(reorder_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT64);
  CHECK(tg_repeat_n(x, -2, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "repeat: repeats may not be negative, got -2");
  tg_graph_clear_error(g);
  CHECK(tg_repeat(x, tg_scalar(g, "f", TG_FLOAT64), 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "repeat: repeats must be an integer scalar or vector");
  tg_graph_clear_error(g);
  CHECK(tg_repeat_n(x, 1, 2) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "repeat: axis 2 is out of range");
  tg_graph_clear_error(g);
  tg_var *s3 = tg_tensor(g, "s3", TG_INT8, 1, (int64_t[]){3});
  tg_var *rc = x_const_vec(g, 2, (int64_t[]){1, 1});
  CHECK(tg_repeat(s3, rc, 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "repeat: repeats has 2 entries but the axis has length 3");
  tg_graph_clear_error(g);
  CHECK(tg_tile(x, 2, (int64_t[]){1, -1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tile: reps[1] is -1; reps must be non-negative");
  tg_graph_clear_error(g);
  CHECK(tg_tile(x, 1, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tile: bad reps");
  tg_graph_clear_error(g);
  CHECK(tg_roll(x, tg_scalar(g, "f", TG_FLOAT32), 0) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "roll: shift must be an integer scalar");
  tg_graph_clear_error(g);
  CHECK(tg_roll_n(x, 1, -3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "roll: axis -3 is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_flip(x, 2, (int[]){0, -2}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "flip: axis -2 is repeated");
  tg_graph_clear_error(g);
  CHECK(tg_flip(x, 1, (int[]){2}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "flip: axis 2 is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_flip(x, 1, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "flip: bad axes");
  tg_graph_free(g);
}
