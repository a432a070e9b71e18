/* test_extra_numpy.c: differential test of the extra ops against numpy 1.24. The test runs
   each op on seeded random inputs (every dtype, strided and reversed layouts, NaNs, size-0
   dims), writes a Python script holding the inputs, the numpy expression and tgraph's
   result, and runs it with /usr/bin/python3, which reports every case whose dtype, shape
   or values differ. Deliberate differences, accounted for in the script: numpy's uint64
   results (cumsum/cumprod/trace of uint8) are int64 here, and sorts are compared with
   numpy's stable sort. Without numpy the test says so loudly and is skipped (exit 77).
   TG_EXTRA_SEED picks another seed. */
#include <unistd.h>

#include "test_extra_util.h"

static FILE *py;
static int n_cases;
static unsigned seed0 = 20240615;

static void py_array(const tg_array *a) {
  tg_dtype dt = tg_array_dtype(a);
  fprintf(py, "np.array([");
  for (int64_t i = 0; i < tg_array_size(a); i++) {
    if (tg_dtype_is_float(dt)) fprintf(py, "%.17g,", tg_array_get_f64(a, i));
    else fprintf(py, "%lld,", (long long)tg_array_get_i64(a, i));
  }
  fprintf(py, "], dtype='%s').reshape((", tg_dtype_name(dt));
  for (int d = 0; d < tg_array_ndim(a); d++) fprintf(py, "%lld,", (long long)tg_array_shape(a)[d]);
  fprintf(py, "))");
}

/* Run ins -> y on arrs; emit the inputs as X, Y, Z and a check of `expr` against the result. */
static void emit(tg_graph *g, int n, tg_var *const *ins, tg_array *const *arrs, tg_var *y,
                 const char *label, const char *expr) {
  tg_array *r = x_run(g, n, ins, y, arrs);
  if (!r) {
    fprintf(stderr, "case %s failed in tgraph\n", label);
    return;
  }
  for (int i = 0; i < n; i++) {
    fprintf(py, "%c = ", "XYZ"[i]);
    py_array(arrs[i]);
    fprintf(py, "\n");
  }
  CHECK_INFER_SHAPE(g, n, ins, y, arrs); /* every random case checks the shape rule too */
  fprintf(py, "check('%s', lambda: %s, ", label, expr);
  py_array(r);
  fprintf(py, ")\n");
  n_cases++;
  tg_array_unref(r);
}

/* Random values of dtype dt (NaNs and infinities among floats when nans). */
static tg_array *rnd(tg_dtype dt, int nd, const int64_t *sh, unsigned seed, bool nans, int L) {
  int64_t n = 1;
  for (int d = 0; d < nd; d++) n *= sh[d];
  double v[256];
  x_values(dt, n, seed, v);
  for (int64_t i = 0; i < n && tg_dtype_is_float(dt); i++) {
    if (nans && (i * 7 + seed) % 11 == 3) v[i] = NAN;
    if (nans && (i * 5 + seed) % 17 == 4) v[i] = (i & 1) ? INFINITY : -INFINITY;
    if (!nans) v[i] = floor(v[i] / 4) / 2; /* ties for sorting, exact for sums */
  }
  return x_make(dt, nd, sh, v, L);
}

static const int64_t sh34[2] = {3, 4}, sh234[3] = {2, 3, 4}, sh03[2] = {0, 3};

/* One-input cases: op(x) for each dtype and layout. */
static void unary_cases(void) {
  char label[128], expr[160];
  for (int t = 0; t < X_NDT; t++)
    for (int L = 0; L < XL_COUNT; L++) {
      tg_dtype dt = x_dtypes[t];
      unsigned s = seed0 + (unsigned)(t * 13 + L);
      const char *dn = tg_dtype_name(dt);
      for (int form = 0; form < 3; form++) {
        int nd = form == 0 ? 2 : form == 1 ? 3 : 2;
        const int64_t *sh = form == 0 ? sh34 : form == 1 ? sh234 : sh03;
        bool nans = (L + form) % 2 == 0;
        tg_array *a = rnd(dt, nd, sh, s + (unsigned)form, nans, L);
        for (int op = 0; op < 17; op++) {
          tg_graph *g = tg_graph_new();
          tg_var *x = tg_tensor(g, "x", dt, nd, NULL), *y = NULL;
          int ax = (op + L) % nd;
          switch (op) {
            case 0: y = tg_cumsum(x, ax), snprintf(expr, sizeof expr, "np.cumsum(X, axis=%d)", ax); break;
            case 1: y = tg_cumprod(x, TG_AXIS_NONE), snprintf(expr, sizeof expr, "np.cumprod(X)"); break;
            case 2: y = tg_diff(x, 1 + L % 3, ax), snprintf(expr, sizeof expr, "np.diff(X, %d, axis=%d)", 1 + L % 3, ax); break;
            case 3: y = tg_sort(x, ax), snprintf(expr, sizeof expr, "np.sort(X, axis=%d, kind='stable')", ax); break;
            case 4: y = tg_argsort(x, TG_AXIS_NONE), snprintf(expr, sizeof expr, "np.argsort(X, axis=None, kind='stable')"); break;
            case 5: y = tg_unique(x, NULL), snprintf(expr, sizeof expr, "np.unique(X)"); break;
            case 6: {
              tg_var *cnt;
              tg_unique(x, &cnt);
              y = cnt, snprintf(expr, sizeof expr, "np.unique(X, return_counts=True)[1]");
              break;
            }
            case 7: y = tg_repeat_n(x, 2, ax), snprintf(expr, sizeof expr, "np.repeat(X, 2, axis=%d)", ax); break;
            case 8: y = tg_tile(x, 3, (int64_t[]){2, 1, 3}), snprintf(expr, sizeof expr, "np.tile(X, (2, 1, 3))"); break;
            case 9: y = tg_roll_n(x, 5 - L * 3, ax), snprintf(expr, sizeof expr, "np.roll(X, %d, axis=%d)", 5 - L * 3, ax); break;
            case 10: y = tg_roll_n(x, -7 + L, TG_AXIS_NONE), snprintf(expr, sizeof expr, "np.roll(X, %d)", -7 + L); break;
            case 11: y = tg_flip(x, 1, (int[]){ax}), snprintf(expr, sizeof expr, "np.flip(X, axis=%d)", ax); break;
            case 12: y = tg_tril(x, L - 1), snprintf(expr, sizeof expr, "np.tril(X, %d)", L - 1); break;
            case 13: y = tg_triu(x, 1 - L), snprintf(expr, sizeof expr, "np.triu(X, %d)", 1 - L); break;
            case 14: y = tg_diagonal(x, L - 2, 0, -1), snprintf(expr, sizeof expr, "np.diagonal(X, %d, 0, -1)", L - 2); break;
            case 15: y = tg_trace(x, L - 1, -1, 0), snprintf(expr, sizeof expr, "np.trace(X, %d, -1, 0)", L - 1); break;
            case 16: {
              tg_var *outs[3];
              tg_nonzero(x, outs);
              y = outs[L % nd], snprintf(expr, sizeof expr, "np.nonzero(X)[%d]", L % nd);
              break;
            }
          }
          snprintf(label, sizeof label, "%s %s form %d op %d", dn, x_layouts[L], form, op);
          emit(g, TG_VARS(x), (tg_array *[]){a}, y, label, expr);
          tg_graph_free(g);
        }
        tg_array_unref(a);
      }
    }
}

/* Two-input and creation cases. */
static void other_cases(void) {
  char label[128], expr[200];
  for (int t = 0; t < X_NDT; t++) { /* searchsorted, repeat by counts, bincount */
    tg_dtype dt = x_dtypes[t];
    const char *dn = tg_dtype_name(dt);
    for (int side = 0; side < 2; side++) {
      tg_graph *g = tg_graph_new();
      tg_var *a = tg_vector(g, "a", dt), *v = tg_matrix(g, "v", TG_FLOAT64);
      tg_array *aa0 = rnd(dt, 1, (int64_t[]){15}, seed0 + (unsigned)t, side == 0, XL_CONTIG);
      tg_var *xs = tg_vector(g, "xs", dt);
      tg_array *aa = x_run(g, TG_VARS(xs), tg_sort(xs, 0), (tg_array *[]){aa0});
      tg_array *va = rnd(TG_FLOAT64, 2, sh34, seed0 + 99 + (unsigned)t, true, XL_STEP2);
      snprintf(expr, sizeof expr, "np.searchsorted(X, Y, side='%s')", side ? "right" : "left");
      snprintf(label, sizeof label, "searchsorted %s side %d", dn, side);
      if (aa) emit(g, TG_VARS(a, v), (tg_array *[]){aa, va}, tg_searchsorted(a, v, side), label, expr);
      tg_array_unref(aa0);
      tg_array_unref(aa);
      tg_array_unref(va);
      tg_graph_free(g);
    }
    if (tg_dtype_is_float(dt)) continue;
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", dt), *w = tg_vector(g, "w", TG_FLOAT32);
    double xv[12];
    x_values(dt, 12, seed0 + (unsigned)t, xv);
    for (int i = 0; i < 12; i++) xv[i] = fmod(fabs(xv[i]), 9);
    tg_array *xa = x_make(dt, 1, (int64_t[]){12}, xv, XL_REV);
    tg_array *wa = rnd(TG_FLOAT32, 1, (int64_t[]){12}, seed0 + 5, false, XL_STEP2);
    snprintf(label, sizeof label, "bincount %s", dn);
    emit(g, TG_VARS(x), (tg_array *[]){xa}, tg_bincount(x, NULL, 4), label, "np.bincount(X, minlength=4)");
    emit(g, TG_VARS(x, w), (tg_array *[]){xa, wa}, tg_bincount(x, w, 0), label, "np.bincount(X, Y)");
    tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
    tg_array *ma = rnd(TG_FLOAT64, 2, (int64_t[]){12, 2}, seed0, true, XL_TRANS);
    snprintf(label, sizeof label, "repeat counts %s", dn);
    emit(g, TG_VARS(m, x), (tg_array *[]){ma, xa}, tg_repeat(m, x, 0), label, "np.repeat(X, Y, axis=0)");
    tg_array_unref(xa);
    tg_array_unref(wa);
    tg_array_unref(ma);
    tg_graph_free(g);
  }
  /* arange over random bounds into each numeric dtype, from int and from float bounds */
  for (int k = 0; k < 40; k++) {
    double r[3];
    x_values(TG_FLOAT64, 3, seed0 + (unsigned)k * 3, r);
    bool ints = k % 2 == 0;
    double st = ints ? floor(r[0] / 10) : r[0] / 7, sp = ints ? floor(r[1] / 10) : r[1] / 7;
    double step = ints ? floor(r[2] / 40) : r[2] / 97;
    if (step == 0) step = ints ? 3 : 0.37;
    if ((sp - st) / step > 200 || (sp - st) / step < -5) step = (sp - st) / 37.5;
    if (ints) step = step < 0 ? floor(step) : ceil(step);
    if (step == 0) step = 1;
    for (int t = 1; t < X_NDT; t++) {
      tg_dtype dt = x_dtypes[t];
      if (!tg_dtype_is_float(dt) && dt != TG_INT64 && dt != TG_INT32) continue;
      tg_graph *g = tg_graph_new();
      tg_dtype sdt = ints ? TG_INT64 : TG_FLOAT64;
      tg_var *a = tg_scalar(g, "a", sdt), *b = tg_scalar(g, "b", sdt), *s = tg_scalar(g, "s", sdt);
      tg_array *in[3] = {tg_array_scalar(sdt, st), tg_array_scalar(sdt, sp), tg_array_scalar(sdt, step)};
      snprintf(expr, sizeof expr, "np.arange(%s(X), %s(Y), %s(Z), dtype='%s')", ints ? "int" : "float",
               ints ? "int" : "float", ints ? "int" : "float", tg_dtype_name(dt));
      snprintf(label, sizeof label, "arange %d %s", k, tg_dtype_name(dt));
      emit(g, TG_VARS(a, b, s), in, tg_arange(g, a, b, s, dt), label, expr);
      for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
      tg_graph_free(g);
    }
  }
  /* linspace, eye, tri */
  for (int k = 0; k < 24; k++) {
    double r[2];
    x_values(TG_FLOAT64, 2, seed0 + 7 * (unsigned)k, r);
    int64_t num = k % 9;
    bool ep = k % 3 != 0;
    tg_dtype dt = k % 4 == 0 ? TG_INT64 : k % 4 == 1 ? TG_FLOAT32 : k % 4 == 2 ? TG_INT16 : TG_FLOAT64;
    tg_graph *g = tg_graph_new();
    tg_var *a = tg_scalar(g, "a", TG_FLOAT64), *b = tg_scalar(g, "b", TG_FLOAT64);
    tg_var *n = tg_scalar(g, "n", TG_INT64), *m = tg_scalar(g, "m", TG_INT64);
    tg_array *in[3] = {tg_array_scalar(TG_FLOAT64, r[0] / 9), tg_array_scalar(TG_FLOAT64, r[1] / 3),
                       tg_array_scalar(TG_INT64, (double)num)};
    snprintf(expr, sizeof expr, "np.linspace(float(X), float(Y), int(Z), endpoint=%s, dtype='%s')",
             ep ? "True" : "False", tg_dtype_name(dt));
    snprintf(label, sizeof label, "linspace %d", k);
    emit(g, TG_VARS(a, b, n), in, tg_linspace(g, a, b, n, ep, dt), label, expr);
    tg_array *nm[2] = {tg_array_scalar(TG_INT64, (double)(k % 5)), tg_array_scalar(TG_INT64, (double)(k % 7))};
    int kk = k % 7 - 3;
    snprintf(label, sizeof label, "eye %d", k);
    snprintf(expr, sizeof expr, "np.eye(int(X), int(Y), %d, dtype='%s')", kk, tg_dtype_name(dt));
    emit(g, TG_VARS(n, m), nm, tg_eye(g, n, m, kk, dt), label, expr);
    snprintf(label, sizeof label, "tri %d", k);
    snprintf(expr, sizeof expr, "np.tri(int(X), int(Y), %d, dtype='%s')", kk, tg_dtype_name(dt));
    emit(g, TG_VARS(n, m), nm, tg_tri(g, n, m, kk, dt), label, expr);
    tg_var *v = tg_vector(g, "v", dt);
    tg_array *va = rnd(dt, 1, (int64_t[]){k % 4}, seed0 + (unsigned)k, false, XL_REV);
    snprintf(label, sizeof label, "diag %d", k);
    snprintf(expr, sizeof expr, "np.diag(X, %d)", kk);
    emit(g, TG_VARS(v), (tg_array *[]){va}, tg_diag(v, kk), label, expr);
    tg_array_unref(va);
    for (int i = 0; i < 3; i++) tg_array_unref(in[i]);
    tg_array_unref(nm[0]);
    tg_array_unref(nm[1]);
    tg_graph_free(g);
  }
}

static const char *prologue =
    "import numpy as np\n"
    "nan = np.nan\ninf = np.inf\nfails = 0\nn = 0\n"
    "def check(label, f, got):\n"
    "    global fails, n\n"
    "    n += 1\n"
    "    try:\n"
    "        exp = np.asarray(f())\n"
    "    except Exception as e:\n"
    "        fails += 1\n"
    "        print('FAIL', label, 'numpy raised', repr(e))\n"
    "        return\n"
    "    if exp.dtype == np.uint64:  # we have no uint64: int64 instead\n"
    "        exp = exp.astype(np.int64)\n"
    "    ok = exp.dtype == got.dtype and exp.shape == got.shape and np.array_equal(\n"
    "        exp, got, equal_nan=exp.dtype.kind == 'f')\n"
    "    if not ok:\n"
    "        fails += 1\n"
    "        print('FAIL', label, 'numpy', exp.dtype, exp.shape, exp.ravel()[:12].tolist(),\n"
    "              'tgraph', got.dtype, got.shape, got.ravel()[:12].tolist())\n";

TEST(extra_ops_agree_with_numpy) {
  if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    fprintf(stderr, "************************************************************\n"
                    "test_extra_numpy needs numpy in /usr/bin/python3, which is missing.\n"
                    "************************************************************\n");
    SKIP("no numpy in /usr/bin/python3");
  }
  const char *se = getenv("TG_EXTRA_SEED");
  if (se) seed0 = (unsigned)strtoul(se, NULL, 10);
  char path[] = "/tmp/tg_extra_numpy_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  py = fdopen(fd, "w");
  fputs(prologue, py);
  unary_cases();
  other_cases();
  fprintf(py, "print('DONE', n, fails)\n");
  fclose(py);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s 2>&1", path);
  FILE *p = popen(cmd, "r");
  char line[4096];
  bool done = false;
  while (p && fgets(line, sizeof line, p)) {
    long nn, nf;
    if (sscanf(line, "DONE %ld %ld", &nn, &nf) == 2) {
      done = true;
      CHECK(nn == n_cases && n_cases > 1000);
      CHECK(nf == 0);
      printf("numpy compared %ld cases, %ld differ (seed %u)\n", nn, nf, seed0);
    } else {
      TH_FAIL("%s", line);
    }
  }
  if (p) pclose(p);
  CHECK(done);
  if (th_failed_checks == 0) unlink(path);
  else fprintf(stderr, "script kept at %s\n", path);
}
