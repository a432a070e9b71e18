/* reduce_driver.c: helper program for tests/reduce_vs_numpy.sh. It reads reduction cases
   from stdin, builds and runs each one through the public API, and prints the results so
   a numpy script can check them.

   Input, one case per line, whitespace-separated tokens:
     <op> <ddof> <keepdims 0|1> <n_axes> <axes...> <dtype> <layout> <ndim> <dims...> <values...>
   op is a builder name without tg_ ("sum", "variance", "max_and_argmax", ...); n_axes -1
   means all axes. values are the input in C order. layout says how the input is laid out:
   c contiguous, t a transposed view, s every other element of the last dim, r every dim
   reversed (negative strides).
   Output, one line per output (max_and_argmax has two), or one error line:
     ok <dtype> <ndim> <dims...> <values...>     (floats as %.17g, ints exact)
     err <STATUS_NAME> <message> */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgraph/tgraph.h"

static char *tok(char **s) {
  while (**s == ' ' || **s == '\t') (*s)++;
  if (!**s || **s == '\n') return NULL;
  char *b = *s;
  while (**s && **s != ' ' && **s != '\t' && **s != '\n') (*s)++;
  if (**s) *(*s)++ = 0;
  return b;
}

static void print_result(const tg_array *r) {
  tg_dtype dt = tg_array_dtype(r);
  printf("ok %s %d", tg_dtype_name(dt), tg_array_ndim(r));
  for (int d = 0; d < tg_array_ndim(r); d++) printf(" %" PRId64, tg_array_shape(r)[d]);
  for (int64_t i = 0; i < tg_array_size(r); i++) {
    if (tg_dtype_is_float(dt)) printf(" %.17g", tg_array_get_f64(r, i));
    else printf(" %" PRId64, tg_array_get_i64(r, i));
  }
  printf("\n");
}

/* The input laid out as `layout` says, holding the values of src. */
static tg_array *lay_out(tg_array *src, char layout) {
  int nd = tg_array_ndim(src);
  int64_t bs[TG_MAX_NDIM];
  const int64_t *sh = tg_array_shape(src);
  tg_dtype dt = tg_array_dtype(src);
  tg_array *v;
  if (layout == 't') {
    for (int d = 0; d < nd; d++) bs[d] = sh[nd - 1 - d];
    tg_array *b = tg_array_zeros(dt, nd, bs);
    v = tg_array_transpose(b);
    tg_array_unref(b);
  } else if (layout == 's' && nd > 0) {
    memcpy(bs, sh, sizeof(int64_t) * (size_t)nd);
    bs[nd - 1] *= 2;
    tg_array *b = tg_array_zeros(dt, nd, bs);
    v = tg_array_slice(b, nd - 1, 0, INT64_MAX, 2);
    tg_array_unref(b);
  } else if (layout == 'r') {
    v = tg_array_zeros(dt, nd, sh);
    for (int d = 0; d < nd; d++) {
      tg_array *w = tg_array_slice(v, d, INT64_MAX, INT64_MIN, -1);
      tg_array_unref(v);
      v = w;
    }
  } else {
    return tg_array_ref(src);
  }
  if (v && tg_array_copy_into(v, src) != TG_OK) {
    tg_array_unref(v);
    return NULL;
  }
  return v;
}

static tg_var *apply(const char *op, tg_var *x, int na, const int *ax, bool keep, int ddof,
                     tg_var **second) {
  if (!strcmp(op, "sum")) return tg_sum(x, na, ax, keep);
  if (!strcmp(op, "prod")) return tg_prod(x, na, ax, keep);
  if (!strcmp(op, "mean")) return tg_mean(x, na, ax, keep);
  if (!strcmp(op, "variance")) return tg_variance(x, na, ax, ddof, keep);
  if (!strcmp(op, "std")) return tg_std(x, na, ax, ddof, keep);
  if (!strcmp(op, "max")) return tg_max(x, na, ax, keep);
  if (!strcmp(op, "min")) return tg_min(x, na, ax, keep);
  if (!strcmp(op, "argmax")) return tg_argmax(x, na, ax, keep);
  if (!strcmp(op, "argmin")) return tg_argmin(x, na, ax, keep);
  if (!strcmp(op, "all")) return tg_all(x, na, ax, keep);
  if (!strcmp(op, "any")) return tg_any(x, na, ax, keep);
  if (!strcmp(op, "logsumexp")) return tg_logsumexp(x, na, ax, keep);
  if (!strcmp(op, "max_and_argmax")) return tg_max_and_argmax(x, na, ax, keep, second);
  return NULL;
}

static void run_case(char *line) {
  char *s = line, *t[8];
  const char *names[] = {"op", "ddof", "keepdims", "n_axes"};
  for (int i = 0; i < 4; i++)
    if (!(t[i] = tok(&s))) {
      printf("err PARSE missing %s\n", names[i]);
      return;
    }
  int ddof = atoi(t[1]), keep = atoi(t[2]), na = atoi(t[3]), axes[TG_MAX_NDIM];
  for (int i = 0; i < na && i < TG_MAX_NDIM; i++) {
    char *a = tok(&s);
    axes[i] = a ? atoi(a) : 0;
  }
  char *dts = tok(&s), *lay = tok(&s), *nds = tok(&s);
  tg_dtype dt;
  if (!dts || !lay || !nds || !tg_dtype_from_name(dts, &dt)) {
    printf("err PARSE input header\n");
    return;
  }
  int nd = atoi(nds);
  int64_t shape[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) {
    char *a = tok(&s);
    shape[d] = a ? strtoll(a, NULL, 10) : 0;
  }
  tg_array *src = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; src && i < tg_array_size(src); i++) {
    char *a = tok(&s);
    tg_array_set_f64(src, i, a ? strtod(a, NULL) : 0);
  }
  tg_array *in = src ? lay_out(src, lay[0]) : NULL;
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor(g, "x", dt, nd, NULL), *second = NULL;
  tg_var *y = apply(t[0], x, na, axes, keep != 0, ddof, &second);
  tg_function *f = y ? tg_function_new(g, TG_VARS(x), second ? 2 : 1,
                                       (tg_var *[]){y, second}, NULL)
                     : NULL;
  tg_array *out[2] = {NULL, NULL};
  tg_status st;
  if (!in) {
    printf("err PARSE could not make the input: %s\n", tg_errmsg());
  } else if (!f) {
    printf("err %s %s\n", tg_status_name(tg_graph_status(g)), tg_graph_error(g));
  } else if ((st = tg_function_call(f, (tg_array *[]){in}, out)) != TG_OK) {
    printf("err %s %s\n", tg_status_name(st), tg_function_error(f));
  } else {
    print_result(out[0]);
    if (out[1]) print_result(out[1]);
  }
  tg_array_unref(out[0]);
  tg_array_unref(out[1]);
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(in);
  tg_array_unref(src);
}

int main(void) {
  size_t cap = 0;
  char *line = NULL;
  while (getline(&line, &cap, stdin) > 0) {
    run_case(line);
    fflush(stdout);
  }
  free(line);
  return 0;
}
