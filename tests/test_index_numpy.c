/* test_index_numpy.c: differential test of indexing against numpy (/usr/bin/python3).
   A seeded generator makes random index expressions over random shapes (ints, slices with
   any bounds and steps, newaxis, ellipsis, integer arrays of every integer dtype that
   broadcast or not, boolean masks, positions sometimes out of range); tgraph computes
   x[idx], x[idx] = y and np.add.at(x, idx, y); one python run computes the same with
   numpy; results, shapes and the presence of errors must agree, and the symbolic shape
   rule must give every computed shape. Skipped (loudly) when
   numpy is missing. A failing case prints its seed and numpy expression. */
#include <stdint.h>
#include <unistd.h>

#include "shape_check.h"

#define NCASES 1500
#define PY "/usr/bin/python3"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int rnd(int n) { /* 0 .. n-1 */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (int)((rng >> 33) % (uint64_t)n);
}

typedef struct icase {
  int xnd;
  int64_t xshape[8];
  int n;
  tg_idx idx[10];
  int kind[10];          /* 0 basic entry; 1 int array; 2 mask */
  tg_array *arr[10];     /* index arrays (inputs of the function) */
  char expr[2048];       /* numpy's index tuple */
  char defs[4096];       /* python lines defining the arrays */
  tg_array *res;         /* tgraph's x[idx] or NULL on error */
  char err[256];
} icase;

static const tg_dtype idts[] = {TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8};

static void cat(char *buf, size_t n, const char *str) {
  size_t k = strlen(buf);
  snprintf(buf + k, n - k, "%s", str);
}

static void cati(char *buf, size_t n, const char *fmt, long long v) {
  char t[64];
  snprintf(t, sizeof t, fmt, v);
  cat(buf, n, t);
}

static int64_t rpos(int64_t n) { /* a position, out of range now and then */
  if (rnd(20) == 0 || n == 0) return rnd(2) ? n + rnd(2) : -n - 1 - rnd(2);
  return (int64_t)rnd((int)(2 * n)) - n;
}

/* python for an array: aI = np.array([...], dtype=np.T).reshape((s0,s1,)) */
static void def_array(icase *c, int i, const tg_array *a) {
  cati(c->defs, sizeof c->defs, "a%lld = np.array([", i);
  for (int64_t e = 0; e < tg_array_size(a); e++) {
    if (tg_array_dtype(a) == TG_BOOL) cat(c->defs, sizeof c->defs, tg_array_get_i64(a, e) ? "True," : "False,");
    else cati(c->defs, sizeof c->defs, "%lld,", (long long)tg_array_get_i64(a, e));
  }
  cat(c->defs, sizeof c->defs, "], dtype=np.");
  cat(c->defs, sizeof c->defs, tg_array_dtype(a) == TG_BOOL ? "bool_" : tg_dtype_name(tg_array_dtype(a)));
  cat(c->defs, sizeof c->defs, ").reshape((");
  for (int d = 0; d < tg_array_ndim(a); d++)
    cati(c->defs, sizeof c->defs, "%lld,", (long long)tg_array_shape(a)[d]);
  cat(c->defs, sizeof c->defs, "))\n");
  cati(c->expr, sizeof c->expr, "a%lld, ", i);
  c->arr[i] = (tg_array *)a;
}

static void gen(icase *c) {
  memset(c, 0, sizeof *c);
  c->xnd = rnd(5);
  for (int d = 0; d < c->xnd; d++) c->xshape[d] = rnd(7) == 0 ? 0 : 1 + rnd(5);
  bool adv = rnd(3) != 0;
  /* kinds first (0 int, 1 slice, 2 newaxis, 3 ellipsis, 4 array, 5 mask), then values,
     once the ellipsis fixes which axis each entry indexes */
  int kinds[10], cover[10], nk = 0, consumed = 0, ell = -1;
  int want = rnd(c->xnd + 3);
  static const int adv_kinds[] = {0, 1, 2, 3, 4, 4, 4, 5, 5};
  for (int t = 0; t < want && nk < 8; t++) {
    int k = adv ? adv_kinds[rnd(9)] : rnd(4), left = c->xnd - consumed;
    if (k != 2 && k != 3 && left < 1) k = 2;
    if (k == 3 && ell >= 0) k = 2;
    if (k == 2 && rnd(2)) continue;
    cover[nk] = k == 5 ? 1 + rnd(left < 2 ? 1 : 2) : (k == 0 || k == 1 || k == 4);
    if (k == 3) ell = nk;
    consumed += cover[nk];
    kinds[nk++] = k;
  }
  int axis = 0, brank = 1 + rnd(2);
  int64_t bsh[2] = {rnd(4), rnd(4)};
  cat(c->expr, sizeof c->expr, "(");
  for (int i = 0; i < nk; i++) {
    int k = kinds[i];
    int64_t n = axis < c->xnd ? c->xshape[axis] : 0;
    c->kind[i] = k == 4 ? 1 : k == 5 ? 2 : 0;
    if (k == 0) {
      int64_t v = rpos(n);
      c->idx[i] = TG_INT(v);
      cati(c->expr, sizeof c->expr, "%lld, ", (long long)v);
    } else if (k == 1) {
      static const int64_t b[] = {TG_NONE, TG_NONE, -7, -3, -1, 0, 1, 2, 4, 7};
      static const int64_t s[] = {TG_NONE, 1, 2, 3, -1, -2, -3};
      int64_t parts[3] = {b[rnd(10)], b[rnd(10)], s[rnd(7)]};
      c->idx[i] = TG_SLICE(parts[0], parts[1], parts[2]);
      cat(c->expr, sizeof c->expr, "slice(");
      for (int p = 0; p < 3; p++) {
        if (parts[p] == TG_NONE) cat(c->expr, sizeof c->expr, "None, ");
        else cati(c->expr, sizeof c->expr, "%lld, ", (long long)parts[p]);
      }
      cat(c->expr, sizeof c->expr, "), ");
    } else if (k == 2) {
      c->idx[i] = TG_NEWAXIS;
      cat(c->expr, sizeof c->expr, "None, ");
    } else if (k == 3) {
      c->idx[i] = TG_ELLIPSIS;
      cat(c->expr, sizeof c->expr, "Ellipsis, ");
      axis += c->xnd - consumed;
    } else if (k == 4) {
      tg_dtype dt = idts[rnd(5)];
      int nd = brank - rnd(brank); /* fewer leading dims now and then */
      int64_t sh[2];
      for (int d = 0; d < nd; d++) sh[d] = rnd(4) == 0 ? 1 : bsh[brank - nd + d];
      tg_array *a = tg_array_zeros(dt, nd, sh);
      for (int64_t e = 0; e < tg_array_size(a); e++) {
        int64_t v = rpos(n);
        if (dt == TG_UINT8 && v < 0) v = -v;
        tg_array_set_f64(a, e, (double)v);
      }
      def_array(c, i, a);
    } else {
      int64_t sh[2];
      for (int d = 0; d < cover[i]; d++) sh[d] = c->xshape[axis + d];
      tg_array *a = tg_array_zeros(TG_BOOL, cover[i], sh);
      for (int64_t e = 0; e < tg_array_size(a); e++) tg_array_set_f64(a, e, rnd(5) < 2);
      def_array(c, i, a);
    }
    if (k != 3) axis += cover[i];
  }
  cat(c->expr, sizeof c->expr, ")");
  c->n = nk;
}

static tg_array *arange(int nd, const int64_t *shape, double scale, double off) {
  tg_array *a = tg_array_zeros(TG_FLOAT64, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, (double)i * scale + off);
  return a;
}

/* Run op(x, [y,] idx) in tgraph: the result, or NULL with the error in err. */
static tg_array *run_tg(icase *c, int op, tg_array *ya, char *err, size_t nerr) {
  tg_graph *g = tg_graph_new();
  tg_var *ins[12];
  tg_array *arrs[12];
  int nin = 0;
  tg_var *x = tg_tensor(g, "x", TG_FLOAT64, c->xnd, NULL);
  tg_array *xa = arange(c->xnd, c->xshape, 1.0, 0.0);
  ins[nin] = x, arrs[nin++] = xa;
  tg_var *y = NULL;
  if (op) {
    y = tg_tensor(g, "y", TG_FLOAT64, tg_array_ndim(ya), NULL);
    ins[nin] = y, arrs[nin++] = ya;
  }
  tg_idx idx[10];
  for (int i = 0; i < c->n; i++) {
    idx[i] = c->idx[i];
    if (c->kind[i]) {
      tg_var *v = tg_tensor(g, NULL, tg_array_dtype(c->arr[i]), tg_array_ndim(c->arr[i]), NULL);
      idx[i] = TG_VAR(v);
      ins[nin] = v, arrs[nin++] = c->arr[i];
    }
  }
  tg_var *r = op == 0 ? tg_subtensor(x, c->n, idx)
              : op == 1 ? tg_set_subtensor(x, y, c->n, idx)
                        : tg_inc_subtensor(x, y, c->n, idx);
  tg_array *out[1] = {NULL};
  if (!r) {
    snprintf(err, nerr, "%s", tg_graph_error(g));
  } else {
    tg_function *f = tg_function_new(g, nin, ins, 1, &r, NULL);
    if (tg_function_call(f, arrs, out) != TG_OK) snprintf(err, nerr, "%s", tg_function_error(f));
    tg_function_free(f);
    /* the shape rule must agree wherever the op runs */
    if (out[0] && !th_infer_shape_ok(g, nin, ins, r, arrs)) TH_FAIL("shape rule: idx = %s", c->expr);
  }
  tg_array_unref(xa);
  tg_graph_free(g);
  return out[0];
}

/* Compare tgraph's result (or error) with one line of numpy's output. */
static int same(const tg_array *r, const char *err, char *line) {
  char *save = NULL, *tok = strtok_r(line, " \n", &save);
  tok = strtok_r(NULL, " \n", &save);
  if (!tok) return 0;
  if (!strcmp(tok, "E")) return r == NULL;
  if (!r) {
    fprintf(stderr, "tgraph failed where numpy did not: %s\n", err);
    return 0;
  }
  int nd = atoi(tok);
  if (nd != tg_array_ndim(r)) return 0;
  for (int d = 0; d < nd; d++) {
    tok = strtok_r(NULL, " \n", &save);
    if (!tok || atoll(tok) != tg_array_shape(r)[d]) return 0;
  }
  for (int64_t i = 0; i < tg_array_size(r); i++) {
    tok = strtok_r(NULL, " \n", &save);
    if (!tok || strtod(tok, NULL) != tg_array_get_f64(r, i)) return 0;
  }
  return strtok_r(NULL, " \n", &save) == NULL;
}

TEST(random_expressions_match_numpy) {
  if (system(PY " -c 'import numpy' >/dev/null 2>&1") != 0)
    SKIP("/usr/bin/python3 cannot import numpy; the differential indexing test did not run");
  const char *seed = getenv("TG_INDEX_SEED"); /* to explore other seeds by hand */
  if (seed) rng = strtoull(seed, NULL, 0);
  printf("seed %llu\n", (unsigned long long)rng);
  icase *cs = calloc(NCASES, sizeof *cs);
  tg_array **ys = calloc(NCASES, sizeof *ys);
  char path[] = "/tmp/tg_index_numpy_XXXXXX";
  int fd = mkstemp(path);
  FILE *py = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(py != NULL);
  if (!py) return;
  /* numpy 1.24 still ignores out-of-range positions when the result is empty, with a
     DeprecationWarning saying they will become errors; tgraph already raises them. */
  fprintf(py, "import numpy as np, warnings\nwarnings.simplefilter('error')\n"
              "def show(tag, f):\n"
              "    try:\n"
              "        r = np.asarray(f())\n"
              "        print(tag, r.ndim, *r.shape, *[repr(float(v)) for v in r.ravel()])\n"
              "    except Exception as e:\n"
              "        print(tag, 'E')\n");
  for (int k = 0; k < NCASES; k++) {
    icase *c = &cs[k];
    gen(c);
    c->res = run_tg(c, 0, NULL, c->err, sizeof c->err);
    int64_t size = 1;
    for (int d = 0; d < c->xnd; d++) size *= c->xshape[d];
    fprintf(py, "x = np.arange(%lld, dtype=np.float64).reshape((", (long long)size);
    for (int d = 0; d < c->xnd; d++) fprintf(py, "%lld,", (long long)c->xshape[d]);
    fprintf(py, "))\n%sidx = %s\nshow('R', lambda: x[idx])\n", c->defs, c->expr);
    if (c->res) {
      ys[k] = arange(tg_array_ndim(c->res), tg_array_shape(c->res), 0.5, 100);
      fprintf(py, "y = (np.arange(%lld) * 0.5 + 100).reshape(x[idx].shape)\n",
              (long long)tg_array_size(c->res));
      fprintf(py, "def fs():\n    c = x.copy(); c[idx] = y; return c\nshow('S', fs)\n");
      fprintf(py, "def fi():\n    c = x.copy(); np.add.at(c, idx, y); return c\nshow('I', fi)\n");
    }
  }
  fclose(py);
  char cmd[256];
  snprintf(cmd, sizeof cmd, PY " %s", path);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  char *line = NULL;
  size_t cap = 0;
  int failures = 0;
  for (int k = 0; p && k < NCASES; k++) {
    icase *c = &cs[k];
    int nlines = c->res ? 3 : 1;
    for (int t = 0; t < nlines; t++) {
      if (getline(&line, &cap, p) < 0) {
        TH_FAIL("numpy's output ended early at case %d", k);
        k = NCASES;
        break;
      }
      tg_array *r = c->res;
      char err[256] = "";
      if (t > 0) r = run_tg(c, t, ys[k], err, sizeof err);
      const char *tag = t == 0 ? "x[idx]" : t == 1 ? "x[idx] = y" : "np.add.at(x, idx, y)";
      char copy[64];
      snprintf(copy, sizeof copy, "%.60s", line);
      int ok = same(r, t ? err : c->err, line);
      th_checks++;
      if (!ok && failures++ < 10)
        TH_FAIL("case %d: %s differs from numpy; x shape %d-d, idx = %s\n%s# numpy says: %s "
                "tgraph: %s",
                k, tag, c->xnd, c->expr, c->defs, copy, r ? "a result" : (t ? err : c->err));
      else if (!ok) th_failed_checks++;
      if (t > 0) tg_array_unref(r);
    }
  }
  free(line);
  int nres = 0, nadv = 0;
  for (int k = 0; k < NCASES; k++) {
    nres += cs[k].res != NULL;
    for (int i = 0; i < cs[k].n; i++)
      if (cs[k].kind[i]) {
        nadv++;
        break;
      }
  }
  printf("%d cases (%d with index arrays or masks): %d gave results, %d errors\n", NCASES, nadv,
         nres, NCASES - nres);
  if (p) CHECK(pclose(p) == 0);
  unlink(path);
  for (int k = 0; k < NCASES; k++) {
    tg_array_unref(cs[k].res);
    tg_array_unref(ys[k]);
    for (int i = 0; i < 10; i++) tg_array_unref(cs[k].arr[i]);
  }
  free(cs);
  free(ys);
}
