/* elemwise_driver.c: helper program for tests/elemwise_vs_numpy.sh. It reads elementwise
   cases from stdin, builds and runs each one through the public API, and prints the result
   dtype, shape and values, so a numpy script can check them.

   Input, one case per line, whitespace-separated tokens:
     <op> <n_in> <cast dtype or -> then n_in operands, each one of
       T <dtype> <ndim> <static dims...> <runtime dims...> <values...>   a tensor input
       W <int>                                                          tg_const_i64 (weak)
       F <float>                                                        tg_const_f64 (weak)
   Static dims are -1 (unknown) or a length (1 = broadcastable), as tg_tensor takes them.
   A tensor input may be given non-contiguous: dtype prefixed with '~' makes the driver
   store the values in a buffer of twice the length and pass a strided view of it.
   Output, one line per case:
     ok <dtype> <ndim> <dims...> <values...>     (floats as %.17g, ints exact)
     err <STATUS_NAME> <message>                  (build or call error) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgraph/tgraph.h"

#define MAXIN 3

static char *tok(char **s) {
  while (**s == ' ' || **s == '\t') (*s)++;
  if (!**s || **s == '\n') return NULL;
  char *b = *s;
  while (**s && **s != ' ' && **s != '\t' && **s != '\n') (*s)++;
  if (**s) *(*s)++ = 0;
  return b;
}

static int bad(const char *what) {
  printf("err PARSE %s\n", what);
  return 0;
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

/* Parse and run one case; returns 0 after printing an error line, 1 on success. */
static int run_case(char *line) {
  char *s = line, *t;
  char *op = tok(&s), *nin_s = tok(&s), *cast_s = tok(&s);
  if (!op || !nin_s || !cast_s) return bad("header");
  int n = atoi(nin_s);
  if (n < 1 || n > MAXIN) return bad("n_in");
  tg_graph *g = tg_graph_new();
  tg_var *vars[MAXIN], *tin[MAXIN];
  tg_array *arrs[MAXIN], *bases[MAXIN];
  int nt = 0, ok = 1;
  for (int i = 0; i < n && ok; i++) {
    char *kind = tok(&s);
    if (!kind) {
      ok = bad("operand");
      break;
    }
    if (kind[0] == 'W' || kind[0] == 'F') {
      if (!(t = tok(&s))) {
        ok = bad("weak value");
        break;
      }
      vars[i] = kind[0] == 'W' ? tg_const_i64(g, strtoll(t, NULL, 10))
                               : tg_const_f64(g, strtod(t, NULL));
      continue;
    }
    char *dts = tok(&s), *nds = tok(&s);
    bool strided = dts && dts[0] == '~';
    tg_dtype dt;
    if (!dts || !nds || !tg_dtype_from_name(dts + strided, &dt)) {
      ok = bad("dtype");
      break;
    }
    int nd = atoi(nds);
    int64_t st[8], sh[8], size = 1;
    for (int d = 0; d < nd; d++) st[d] = (t = tok(&s)) ? strtoll(t, NULL, 10) : -2;
    for (int d = 0; d < nd; d++) {
      sh[d] = (t = tok(&s)) ? strtoll(t, NULL, 10) : 0;
      size *= sh[d];
    }
    /* values are placed at even positions of a buffer of 2*size so the view has strides
       twice the contiguous ones (the last dim's stride is 2 elements) */
    int64_t esz = (int64_t)tg_dtype_size(dt), cap = strided ? 2 * size : size;
    tg_array *base = tg_array_zeros(dt, 1, (int64_t[]){cap > 0 ? cap : 1});
    for (int64_t k = 0; k < size; k++) {
      if (!(t = tok(&s))) break;
      int64_t pos = strided ? 2 * k : k;
      if (tg_dtype_is_float(dt)) tg_array_set_f64(base, pos, strtod(t, NULL));
      else {
        long long v = strtoll(t, NULL, 10);
        /* store ints exactly: set_f64 would round int64 values above 2^53 */
        memcpy((char *)tg_array_data(base) + pos * esz,
               dt == TG_INT64 ? (void *)&(int64_t){v}
               : dt == TG_INT32 ? (void *)&(int32_t){(int32_t)v}
               : dt == TG_INT16 ? (void *)&(int16_t){(int16_t)v}
               : dt == TG_INT8 ? (void *)&(int8_t){(int8_t)v}
                               : (void *)&(uint8_t){(uint8_t)v},
               (size_t)esz);
      }
    }
    int64_t strides[8], acc = (strided ? 2 : 1) * esz;
    for (int d = nd - 1; d >= 0; d--) {
      strides[d] = acc;
      acc *= sh[d] > 0 ? sh[d] : 1;
    }
    tg_array *a = tg_array_view(base, nd, sh, strides, 0);
    bases[nt] = base;
    arrs[nt] = a;
    vars[i] = tin[nt] = tg_tensor(g, NULL, dt, nd, st);
    nt++;
    if (!a) ok = bad("view");
  }
  if (ok) {
    tg_var *r;
    if (strcmp(op, "cast") == 0) {
      tg_dtype to;
      r = tg_dtype_from_name(cast_s, &to) ? tg_cast(vars[0], to) : NULL;
    } else {
      r = tg_elemwise(op, n, vars);
    }
    tg_function *f = r ? tg_function_new(g, nt, tin, 1, &r, NULL) : NULL;
    if (!f) {
      printf("err %s %s\n", tg_status_name(tg_graph_status(g)), tg_graph_error(g));
    } else {
      tg_array *out[1] = {NULL};
      tg_status stt = tg_function_call(f, arrs, out);
      if (stt != TG_OK) printf("err %s %s\n", tg_status_name(stt), tg_function_error(f));
      else print_result(out[0]);
      tg_array_unref(out[0]);
      tg_function_free(f);
    }
  }
  for (int i = 0; i < nt; i++) {
    tg_array_unref(arrs[i]);
    tg_array_unref(bases[i]);
  }
  tg_graph_free(g);
  return ok;
}

int main(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == '\n' || line[0] == '#') continue;
    run_case(line);
  }
  return 0;
}
