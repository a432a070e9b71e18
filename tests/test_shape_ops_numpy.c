/* test_shape_ops_numpy.c: differential test of the shape ops against numpy 1.24.
   tests/tools/shape_vs_numpy.py generates random cases (reshape, flatten, transpose,
   swapaxes, squeeze, expand_dims, concatenate, stack, split, alloc) over every dtype, size
   0 and 1 dims, strided/reversed/transposed inputs and mixed dtypes, with what numpy gives;
   each is rebuilt here, run, and compared exactly: dtype, shape, every value, whether the
   result is a view of the input (reshape views must match numpy's choice), that the shape
   rule gives the computed shape, and that numpy errors are errors here too. Fixed seed;
   TG_SHAPE_SEED picks another. Without numpy in /usr/bin/python3 the case says so loudly
   and is skipped. */
#include <inttypes.h>

#include "shape_ops_check.h"

#define MAX_IN 4
#define MAX_OUT 8

static char *tok(char **save) { return strtok_r(NULL, " \n", save); }

static int64_t tok_i64(char **save, int *ok) {
  char *t = tok(save);
  if (!t) {
    *ok = 0;
    return 0;
  }
  return strtoll(t, NULL, 10);
}

/* Store a textual value into an element of dtype dt. */
static void store_text(tg_dtype dt, char *p, const char *t) {
  if (tg_dtype_is_float(dt)) {
    double v = strtod(t, NULL);
    if (dt == TG_FLOAT32) *(float *)p = (float)v;
    else *(double *)p = v;
    return;
  }
  int64_t v = strtoll(t, NULL, 10);
  switch (dt) {
    case TG_BOOL: *(uint8_t *)p = v != 0; break;
    case TG_INT8: *(int8_t *)p = (int8_t)v; break;
    case TG_UINT8: *(uint8_t *)p = (uint8_t)v; break;
    case TG_INT16: *(int16_t *)p = (int16_t)v; break;
    case TG_INT32: *(int32_t *)p = (int32_t)v; break;
    default: *(int64_t *)p = v; break;
  }
}

/* Does the element equal the textual value exactly? */
static int equals_text(tg_dtype dt, const char *p, const char *t) {
  if (tg_dtype_is_float(dt)) return sx_load(dt, p) == strtod(t, NULL);
  int64_t v = strtoll(t, NULL, 10), got;
  switch (dt) {
    case TG_BOOL: got = *(const uint8_t *)p; break;
    case TG_INT8: got = *(const int8_t *)p; break;
    case TG_UINT8: got = *(const uint8_t *)p; break;
    case TG_INT16: got = *(const int16_t *)p; break;
    case TG_INT32: got = *(const int32_t *)p; break;
    default: got = *(const int64_t *)p; break;
  }
  return got == v;
}

/* Read "<dtype> <layout> <ndim> <dims> <values>" into a new array laid out as sx_make does. */
static tg_array *read_input(char **save) {
  char *dn = tok(save);
  int ok = 1;
  tg_dtype dt;
  if (!dn || !tg_dtype_from_name(dn, &dt)) return NULL;
  int layout = (int)tok_i64(save, &ok), nd = (int)tok_i64(save, &ok);
  int64_t shape[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) shape[d] = tok_i64(save, &ok);
  if (!ok) return NULL;
  tg_array *a = sx_make(dt, nd, shape, layout);
  int64_t idx[TG_MAX_NDIM] = {0};
  if (a && tg_array_size(a) > 0) do {
      char *t = tok(save);
      if (!t) {
        tg_array_unref(a);
        return NULL;
      }
      store_text(dt, sx_at(a, idx), t);
    } while (sx_next(nd, shape, idx));
  return a;
}

/* Compare result r against "<dtype> <ndim> <dims> <view> <values>"; x is the first input. */
static int check_output(char **save, const tg_array *r, const tg_array *x, const char *op) {
  char *dn = tok(save);
  int ok = 1;
  tg_dtype dt;
  if (!dn || !tg_dtype_from_name(dn, &dt)) return 0;
  int nd = (int)tok_i64(save, &ok);
  int64_t shape[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) shape[d] = tok_i64(save, &ok);
  int view = (int)tok_i64(save, &ok);
  if (!ok || !r) return 0;
  if (tg_array_dtype(r) != dt || !sx_shape_is(r, nd, shape)) {
    fprintf(stderr, "  %s: got dtype %s ndim %d, numpy says %s ndim %d\n", op,
            tg_dtype_name(tg_array_dtype(r)), tg_array_ndim(r), dn, nd);
    return 0;
  }
  int shares = tg_array_size(x) > 0 && tg_array_size(r) > 0 && sx_shares(r, x);
  if (shares != view) {
    fprintf(stderr, "  %s: view %d, numpy's view %d\n", op, shares, view);
    return 0;
  }
  int64_t idx[TG_MAX_NDIM] = {0};
  if (tg_array_size(r) > 0) do {
      char *t = tok(save);
      if (!t || !equals_text(dt, sx_at(r, idx), t)) {
        fprintf(stderr, "  %s: value differs from numpy's %s\n", op, t ? t : "(missing)");
        return 0;
      }
    } while (sx_next(nd, shape, idx));
  return 1;
}

/* Build and run one case line; 1 when tgraph agrees with numpy. */
static int run_case(char *line, int id) {
  char *save = NULL, *op = strtok_r(line, " \n", &save);
  int ok = 1, n_params;
  if (!op) return 0;
  n_params = (int)tok_i64(&save, &ok);
  int64_t p[TG_MAX_NDIM + 2];
  for (int i = 0; i < n_params; i++) p[i] = tok_i64(&save, &ok);
  int n_in = (int)tok_i64(&save, &ok);
  if (!ok || n_in < 1 || n_in > MAX_IN || n_params > TG_MAX_NDIM + 1) return 0;
  tg_graph *g = tg_graph_new();
  tg_array *arr[MAX_IN + TG_MAX_NDIM] = {0};
  tg_var *vin[MAX_IN + TG_MAX_NDIM], *outs[MAX_OUT] = {0};
  int n_vars = n_in, n_out = 1, res = 0;
  for (int i = 0; i < n_in; i++) {
    if (!(arr[i] = read_input(&save))) goto done;
    int64_t st[TG_MAX_NDIM]; /* length-1 dims are broadcastable, as Theano's types say */
    for (int d = 0; d < tg_array_ndim(arr[i]); d++) st[d] = tg_array_shape(arr[i])[d] == 1 ? 1 : -1;
    vin[i] = tg_tensor(g, NULL, tg_array_dtype(arr[i]), tg_array_ndim(arr[i]), st);
  }
  tg_var *x = vin[0];
  int odd = id % 2; /* odd cases give reshape and alloc their shape as runtime values */
  int ax[TG_MAX_NDIM];
  for (int i = 0; i < n_params && i < TG_MAX_NDIM; i++) ax[i] = (int)p[i];
  if (!strcmp(op, "reshape") && !odd) {
    outs[0] = tg_reshape_to(x, n_params, p);
  } else if (!strcmp(op, "reshape")) {
    tg_var *sv = tg_vector(g, "shape", TG_INT64);
    arr[n_vars] = tg_array_from_i64(1, (int64_t[]){n_params}, p);
    vin[n_vars++] = sv;
    outs[0] = tg_reshape(x, tg_specify_shape(sv, 1, (int64_t[]){n_params}));
  } else if (!strcmp(op, "flatten")) {
    outs[0] = tg_flatten(x, ax[0]);
  } else if (!strcmp(op, "transpose")) {
    outs[0] = tg_transpose(x, n_params, n_params ? ax : NULL);
  } else if (!strcmp(op, "swapaxes")) {
    outs[0] = tg_swapaxes(x, ax[0], ax[1]);
  } else if (!strcmp(op, "squeeze")) {
    outs[0] = n_params ? tg_squeeze(x, ax[0], ax + 1) : tg_squeeze(x, -1, NULL);
  } else if (!strcmp(op, "expand_dims")) {
    outs[0] = tg_expand_dims(x, ax[0]);
  } else if (!strcmp(op, "concatenate")) {
    outs[0] = tg_concatenate(n_in, vin, ax[0]);
  } else if (!strcmp(op, "stack")) {
    outs[0] = tg_stack(n_in, vin, ax[0]);
  } else if (!strcmp(op, "split")) {
    n_out = n_params - 1;
    tg_split(x, n_out, p + 1, ax[0], outs);
  } else if (!strcmp(op, "alloc") && !odd) {
    outs[0] = tg_alloc_to(x, n_params, p);
  } else if (!strcmp(op, "alloc")) {
    tg_var *dims[TG_MAX_NDIM];
    for (int d = 0; d < n_params; d++) {
      dims[d] = vin[n_vars] = tg_scalar(g, NULL, TG_INT64);
      arr[n_vars++] = tg_array_from_i64(0, NULL, &p[d]);
    }
    outs[0] = tg_alloc(x, n_params, dims);
  } else {
    fprintf(stderr, "  unknown op %s\n", op);
    goto done;
  }
  char *verdict = tok(&save);
  if (!verdict) goto done;
  int built = outs[0] != NULL;
  tg_function *f = built ? tg_function_new(g, n_vars, vin, n_out, outs, NULL) : NULL;
  tg_array *r[MAX_OUT] = {0};
  int ran = f && tg_function_call(f, arr, r) == TG_OK;
  if (!strcmp(verdict, "ERR")) {
    res = !ran;
    if (!res) fprintf(stderr, "  %s: numpy fails, tgraph does not\n", op);
  } else {
    int want_out = (int)tok_i64(&save, &ok);
    res = ran && want_out == n_out;
    if (!ran)
      fprintf(stderr, "  %s: numpy succeeds, tgraph fails: %s\n", op,
              f ? tg_function_error(f) : tg_graph_error(g));
    for (int i = 0; res && i < n_out; i++) res = check_output(&save, r[i], arr[0], op);
    /* and the shape rule agrees with the computed shape */
    for (int i = 0; res && i < n_out; i++) res = th_infer_shape_ok(g, n_vars, vin, outs[i], arr);
  }
  for (int i = 0; i < n_out; i++) tg_array_unref(r[i]);
  tg_function_free(f);
done:
  for (int i = 0; i < MAX_IN + TG_MAX_NDIM; i++) tg_array_unref(arr[i]);
  tg_graph_free(g);
  return res;
}

TEST(shape_ops_vs_numpy) {
  if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    SKIP(
        "*** needs numpy in /usr/bin/python3, which is missing: shape ops NOT compared with numpy "
        "***");
  const char *seed = getenv("TG_SHAPE_SEED");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/tools/shape_vs_numpy.py %s 2500",
           TG_SOURCE_DIR, seed ? seed : "20240613");
  FILE *fp = popen(cmd, "r");
  CHECK(fp != NULL);
  if (!fp) return;
  char *line = NULL, *copy = NULL;
  size_t cap = 0;
  int n = 0, bad = 0;
  while (getline(&line, &cap, fp) > 0) {
    free(copy);
    copy = strdup(line);
    if (!run_case(line, n)) {
      if (bad++ < 10)
        fprintf(stderr, "case %d (seed %s) differs from numpy: %.300s\n", n,
                seed ? seed : "20240613", copy);
    }
    n++;
  }
  free(copy);
  free(line);
  CHECK(pclose(fp) == 0);
  CHECK(n == 2500);
  CHECK(bad == 0);
  if (bad) fprintf(stderr, "%d of %d cases differ from numpy\n", bad, n);
}
