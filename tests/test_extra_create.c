/* test_extra_create.c: arange, linspace, eye and tri: hand cases in every result dtype,
   numpy's fill arithmetic (start and start + step stored, then start + i * delta in the
   result dtype, float32 in float), lengths from symbolic scalars (static when constant,
   inferred from values otherwise), empty results, run-time and build errors. */
#include "test_extra_util.h"

/* Compile a creation op of no inputs other than the scalars in ins; call with vals. */
static tg_array *run_scalars(tg_graph *g, int n, tg_var *const *ins, tg_var *out,
                             tg_array *const *vals) {
  tg_array *r = x_run(g, n, ins, out, vals);
  if (r) CHECK_INFER_SHAPE(g, n, ins, out, vals);
  return r;
}

TEST(arange_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_scalar(g, "a", TG_INT64), *b = tg_scalar(g, "b", TG_INT64);
  tg_var *s = tg_scalar(g, "s", TG_INT64);
  tg_var *y = tg_arange(g, a, b, s, TG_INT64);
  CHECK(tg_var_dim(y, 0) == -1);
  static const struct {
    int64_t a, b, s, n;
    int64_t v[6];
  } cs[] = {{0, 5, 1, 5, {0, 1, 2, 3, 4}}, {1, 10, 3, 3, {1, 4, 7}},
            {5, 0, -2, 3, {5, 3, 1}},      {0, 0, 1, 0, {0}},
            {3, 1, 1, 0, {0}},             {-7, -1, 4, 2, {-7, -3}},
            {-7, -10, -1, 3, {-7, -8, -9}}};
  for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
    tg_array *va = tg_array_from_i64(0, NULL, &cs[c].a), *vb = tg_array_from_i64(0, NULL, &cs[c].b);
    tg_array *vs = tg_array_from_i64(0, NULL, &cs[c].s);
    tg_array *r = run_scalars(g, TG_VARS(a, b, s), y, (tg_array *[]){va, vb, vs});
    x_check_i64(r, 1, &cs[c].n, cs[c].v, "int arange");
    tg_array_unref(r);
    tg_array_unref(va);
    tg_array_unref(vb);
    tg_array_unref(vs);
  }
  /* step 0 at run time */
  tg_array *z = tg_array_from_i64(0, NULL, (int64_t[]){0});
  x_run_fails(g, TG_VARS(a, b, s), y, (tg_array *[]){z, z, z}, TG_ERR_VALUE, "Arange: step is 0");
  tg_array_unref(z);
  tg_graph_free(g);
}

TEST(arange_constant_and_float_cases) {
  tg_graph *g = tg_graph_new();
  /* constants: the length is static */
  tg_var *y = tg_arange(g, tg_const_i64(g, 2), tg_const_i64(g, 11), tg_const_i64(g, 3), TG_INT32);
  CHECK(y && tg_var_dim(y, 0) == 3);
  tg_array *r = x_run(g, 0, NULL, y, NULL);
  x_check(r, TG_INT32, 1, (int64_t[]){3}, (double[]){2, 5, 8}, "constant");
  tg_array_unref(r);
  /* float bounds into an integer dtype: numpy stores int(0.5) = 0 and int(2.0) = 2, then
     fills 0 + 2 i: [0, 2, 4], not [0, 1, 3] */
  y = tg_arange(g, tg_const_f64(g, 0.5), tg_const_f64(g, 5), tg_const_f64(g, 1.5), TG_INT64);
  CHECK(tg_var_dim(y, 0) == 3);
  r = x_run(g, 0, NULL, y, NULL);
  x_check(r, TG_INT64, 1, (int64_t[]){3}, (double[]){0, 2, 4}, "float bounds, int dtype");
  tg_array_unref(r);
  /* float64: start + i * ((start + step) - start) */
  tg_var *a = tg_scalar(g, "a", TG_FLOAT64), *b = tg_scalar(g, "b", TG_FLOAT64);
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_var *y64 = tg_arange(g, a, b, s, TG_FLOAT64), *y32 = tg_arange(g, a, b, s, TG_FLOAT32);
  double c3[][3] = {{0.1, 3.3, 0.1}, {1, 100, 0.37}, {-3.3, 10, 0.77}, {2, -2, -0.3}, {0, 1, 2},
                    {1, 0, 0.5}};
  for (size_t c = 0; c < sizeof c3 / sizeof c3[0]; c++) {
    double st = c3[c][0], sp = c3[c][1], step = c3[c][2];
    int64_t n = (int64_t)ceil((sp - st) / step);
    if (n < 0) n = 0;
    double w64[400], w32[400];
    double d64 = (st + step) - st;
    float v0 = (float)st, v1 = (float)(st + step), d32 = v1 - v0;
    for (int64_t i = 0; i < n; i++) {
      w64[i] = i == 0 ? st : i == 1 ? st + step : st + (double)i * d64;
      w32[i] = i == 0 ? v0 : i == 1 ? v1 : (float)(v0 + (float)i * d32);
    }
    tg_array *in[3] = {tg_array_scalar(TG_FLOAT64, st), tg_array_scalar(TG_FLOAT64, sp),
                       tg_array_scalar(TG_FLOAT64, step)};
    r = run_scalars(g, TG_VARS(a, b, s), y64, in);
    x_check(r, TG_FLOAT64, 1, &n, w64, "float64 arange");
    tg_array_unref(r);
    r = run_scalars(g, TG_VARS(a, b, s), y32, in);
    x_check(r, TG_FLOAT32, 1, &n, w32, "float32 arange (float fill)");
    tg_array_unref(r);
    for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
  }
  /* mixed: int start and stop, float step */
  tg_var *ia = tg_scalar(g, "ia", TG_INT16);
  tg_var *ym = tg_arange(g, ia, tg_const_i64(g, 2), tg_const_f64(g, 0.5), TG_FLOAT64);
  tg_array *iv = tg_array_scalar(TG_INT16, 0);
  r = run_scalars(g, TG_VARS(ia), ym, (tg_array *[]){iv});
  x_check(r, TG_FLOAT64, 1, (int64_t[]){4}, (double[]){0, 0.5, 1, 1.5}, "mixed");
  tg_array_unref(r);
  tg_array_unref(iv);
  /* NaN bounds and a zero float step at run time */
  tg_array *nan = tg_array_scalar(TG_FLOAT64, NAN), *one = tg_array_scalar(TG_FLOAT64, 1);
  tg_array *zero = tg_array_scalar(TG_FLOAT64, 0);
  x_run_fails(g, TG_VARS(a, b, s), y64, (tg_array *[]){nan, one, one}, TG_ERR_VALUE,
              "is not a number");
  x_run_fails(g, TG_VARS(a, b, s), y64, (tg_array *[]){one, one, zero}, TG_ERR_VALUE, "step is 0");
  tg_array_unref(nan);
  tg_array_unref(one);
  tg_array_unref(zero);
  tg_graph_free(g);
}

TEST(arange_every_dtype) {
  for (int t = 1; t < X_NDT; t++) { /* bool has no arange */
    tg_dtype dt = x_dtypes[t];
    tg_graph *g = tg_graph_new();
    tg_var *y = tg_arange(g, tg_const_i64(g, 3), tg_const_i64(g, 40), tg_const_i64(g, 4), dt);
    double w[10];
    for (int i = 0; i < 10; i++) w[i] = 3 + 4 * i;
    tg_array *r = x_run(g, 0, NULL, y, NULL);
    x_check(r, dt, 1, (int64_t[]){10}, w, tg_dtype_name(dt));
    tg_array_unref(r);
    tg_graph_free(g);
  }
}

TEST(linspace_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_scalar(g, "a", TG_FLOAT64), *b = tg_scalar(g, "b", TG_INT32);
  tg_var *n = tg_scalar(g, "n", TG_INT64);
  for (int ep = 0; ep < 2; ep++)
    for (int t = 0; t < X_NDT; t++) {
      tg_dtype dt = x_dtypes[t];
      tg_var *y = tg_linspace(g, a, b, n, ep, dt);
      double cases[][3] = {{0, 1, 5}, {-10, 0, 4}, {2, 3, 1}, {2, 3, 0}, {1, 1, 3}, {-2.5, 7, 7}};
      for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double st = cases[c][0], sp = cases[c][1];
        int64_t num = (int64_t)cases[c][2];
        double w[16], div = (double)(ep ? num - 1 : num), delta = sp - st, step = delta / div;
        for (int64_t i = 0; i < num; i++) {
          double y0 = div > 0 ? (step == 0 ? i / div * delta : i * step) : i * delta;
          y0 += st;
          if (ep && num > 1 && i == num - 1) y0 = sp;
          if (tg_dtype_is_int(dt)) y0 = floor(y0);
          w[i] = x_as(dt, y0);
        }
        tg_array *in[3] = {tg_array_scalar(TG_FLOAT64, st), tg_array_scalar(TG_INT32, sp),
                           tg_array_scalar(TG_INT64, (double)num)};
        char what[96];
        snprintf(what, sizeof what, "linspace %s endpoint %d case %zu", tg_dtype_name(dt), ep, c);
        tg_array *r = run_scalars(g, TG_VARS(a, b, n), y, in);
        x_check(r, dt, 1, &num, w, what);
        tg_array_unref(r);
        for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
      }
    }
  /* hand values: numpy.linspace(2, 3, 5, endpoint=False), linspace(-10, 0, 4, dtype=int) */
  tg_var *y = tg_linspace(g, tg_const_f64(g, 2), tg_const_f64(g, 3), tg_const_i64(g, 5), false,
                          TG_FLOAT64);
  CHECK(tg_var_dim(y, 0) == 5);
  tg_array *r = x_run(g, 0, NULL, y, NULL);
  x_check(r, TG_FLOAT64, 1, (int64_t[]){5}, (double[]){2, 2.2, 2.4, 2.6, 2.8}, "endpoint=False");
  tg_array_unref(r);
  y = tg_linspace(g, tg_const_f64(g, -10), tg_const_f64(g, 0), tg_const_i64(g, 4), true, TG_INT64);
  r = x_run(g, 0, NULL, y, NULL);
  x_check(r, TG_INT64, 1, (int64_t[]){4}, (double[]){-10, -7, -4, 0}, "int floors");
  tg_array_unref(r);
  tg_array *m1 = tg_array_scalar(TG_INT64, -1), *z = tg_array_scalar(TG_FLOAT64, 0);
  tg_array *zi = tg_array_scalar(TG_INT32, 0);
  x_run_fails(g, TG_VARS(a, b, n), tg_linspace(g, a, b, n, true, TG_FLOAT64),
              (tg_array *[]){z, zi, m1}, TG_ERR_VALUE, "the number of samples, -1, must be non-negative");
  tg_array_unref(m1);
  tg_array_unref(z);
  tg_array_unref(zi);
  tg_graph_free(g);
}

TEST(eye_and_tri) {
  tg_graph *g = tg_graph_new();
  tg_var *n = tg_scalar(g, "n", TG_INT32), *m = tg_scalar(g, "m", TG_UINT8);
  for (int t = 0; t < X_NDT; t++)
    for (int k = -4; k <= 4; k++)
      for (int tri = 0; tri < 2; tri++) {
        tg_dtype dt = x_dtypes[t];
        tg_var *y = tri ? tg_tri(g, n, m, k, dt) : tg_eye(g, n, m, k, dt);
        int64_t sizes[][2] = {{3, 3}, {2, 4}, {4, 2}, {0, 3}, {1, 1}};
        for (int c = 0; c < 5; c++) {
          double w[16];
          for (int64_t i = 0; i < sizes[c][0]; i++)
            for (int64_t j = 0; j < sizes[c][1]; j++)
              w[i * sizes[c][1] + j] = tri ? (j <= i + k) : (j == i + k);
          tg_array *in[2] = {tg_array_scalar(TG_INT32, (double)sizes[c][0]),
                             tg_array_scalar(TG_UINT8, (double)sizes[c][1])};
          char what[96];
          snprintf(what, sizeof what, "%s %s k=%d size %d", tri ? "tri" : "eye", tg_dtype_name(dt),
                   k, c);
          tg_array *r = x_run(g, TG_VARS(n, m), y, in);
          x_check(r, dt, 2, sizes[c], w, what);
          if (k == 1 && t == 7) CHECK_INFER_SHAPE(g, TG_VARS(n, m), y, in);
          tg_array_unref(r);
          tg_array_unref(in[0]);
          tg_array_unref(in[1]);
        }
      }
  /* m omitted: square; constants: static shape */
  tg_var *e = tg_eye(g, tg_const_i64(g, 3), NULL, 0, TG_FLOAT64);
  CHECK(tg_var_dim(e, 0) == 3 && tg_var_dim(e, 1) == 3);
  tg_array *r = x_run(g, 0, NULL, e, NULL);
  x_check(r, TG_FLOAT64, 2, (int64_t[]){3, 3}, (double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}, "eye(3)");
  tg_array_unref(r);
  tg_array *neg = tg_array_scalar(TG_INT32, -1), *two = tg_array_scalar(TG_UINT8, 2);
  x_run_fails(g, TG_VARS(n, m), tg_eye(g, n, m, 0, TG_INT8), (tg_array *[]){neg, two},
              TG_ERR_VALUE, "Eye: n is -1; sizes must be non-negative");
  tg_array_unref(neg);
  tg_array_unref(two);
  tg_graph_free(g);
}

TEST(create_errors) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_INT64), *i = tg_scalar(g, "i", TG_INT64);
  tg_var *f = tg_scalar(g, "f", TG_FLOAT64);
  CHECK(tg_arange(g, v, i, i, TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "arange: start must be a scalar");
  tg_graph_clear_error(g);
  CHECK(tg_arange(g, i, i, i, TG_BOOL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "arange: bool results are not supported");
  tg_graph_clear_error(g);
  CHECK(tg_arange(g, tg_const_i64(g, 0), tg_const_i64(g, 3), tg_const_i64(g, 0), TG_INT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "arange: step is 0");
  tg_graph_clear_error(g);
  CHECK(tg_arange(g, i, i, i, (tg_dtype)42) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "arange: invalid dtype 42");
  tg_graph_clear_error(g);
  CHECK(tg_linspace(g, f, f, f, true, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "linspace: num must be an integer scalar");
  tg_graph_clear_error(g);
  CHECK(tg_linspace(g, f, f, tg_const_i64(g, -3), true, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "linspace: the number of samples, -3");
  tg_graph_clear_error(g);
  CHECK(tg_eye(g, f, NULL, 0, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "eye: n must be an integer scalar");
  tg_graph_clear_error(g);
  CHECK(tg_tri(g, i, tg_const_i64(g, -2), 0, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tri: m is -2; sizes must be non-negative");
  tg_graph_clear_error(g);
  CHECK(tg_eye(NULL, i, i, 0, TG_FLOAT64) == NULL);
  CHECK(tg_eye(g, NULL, NULL, 0, TG_FLOAT64) == NULL);
  tg_graph *g2 = tg_graph_new();
  CHECK(tg_eye(g2, i, NULL, 0, TG_FLOAT64) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g2), "eye: n belongs to another graph");
  tg_graph_free(g2);
  tg_graph_free(g);
}
