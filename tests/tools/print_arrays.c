/* print_arrays.c: helper for tests/print_vs_numpy.sh. Reads array cases from a file and
   prints each with tg_array_to_string, so the script can compare them with numpy's str().
   Input, per case: a line "case ID DTYPE BASE_N NDIM SHAPE... STRIDES... OFFSET" (strides
   and offset counted in elements), then BASE_N lines with the base array's values (floats in
   C99 hex or inf/nan, integers in decimal, bools as 0/1). The case is the view of the 1-d
   base with that shape, strides and offset. Output, per case: "=== ID", then the string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgraph/tgraph.h"

static int fail(const char *what, const char *id) {
  fprintf(stderr, "print_arrays: case %s: %s: %s\n", id, what, tg_errmsg());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: print_arrays CASEFILE\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (!in) {
    perror(argv[1]);
    return 2;
  }
  char id[64] = "(none)", dtname[32];
  long long base_n;
  int ndim;
  while (fscanf(in, " case %63s %31s %lld %d", id, dtname, &base_n, &ndim) == 4) {
    tg_dtype dt;
    int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
    long long off, v;
    if (!tg_dtype_from_name(dtname, &dt) || ndim < 0 || ndim > TG_MAX_NDIM)
      return fail("bad header", id);
    for (int i = 0; i < ndim; i++)
      if (fscanf(in, "%lld", &v) != 1) return fail("bad shape", id);
      else shape[i] = v;
    for (int i = 0; i < ndim; i++)
      if (fscanf(in, "%lld", &v) != 1) return fail("bad strides", id);
      else strides[i] = v * (int64_t)tg_dtype_size(dt);
    if (fscanf(in, "%lld", &off) != 1) return fail("bad offset", id);
    tg_array *base = tg_array_empty(dt, 1, (int64_t[]){base_n});
    if (!base) return fail("tg_array_empty", id);
    char tok[128];
    for (long long i = 0; i < base_n; i++) {
      if (fscanf(in, "%127s", tok) != 1) return fail("missing value", id);
      char *p = (char *)tg_array_data(base) + i * (long long)tg_dtype_size(dt);
      switch (dt) {
        case TG_FLOAT64: *(double *)p = strtod(tok, NULL); break;
        case TG_FLOAT32: *(float *)p = (float)strtod(tok, NULL); break;
        case TG_BOOL: *(unsigned char *)p = (unsigned char)atoi(tok); break;
        case TG_INT8: *(int8_t *)p = (int8_t)strtoll(tok, NULL, 10); break;
        case TG_INT16: *(int16_t *)p = (int16_t)strtoll(tok, NULL, 10); break;
        case TG_INT32: *(int32_t *)p = (int32_t)strtoll(tok, NULL, 10); break;
        case TG_INT64: *(int64_t *)p = strtoll(tok, NULL, 10); break;
        case TG_UINT8: *(uint8_t *)p = (uint8_t)strtoll(tok, NULL, 10); break;
        default: return fail("bad dtype", id);
      }
    }
    tg_array *view = tg_array_view(base, ndim, shape, strides, off * (int64_t)tg_dtype_size(dt));
    if (!view) return fail("tg_array_view", id);
    char *s = tg_array_to_string(view);
    if (!s) return fail("tg_array_to_string", id);
    printf("=== %s\n%s\n", id, s);
    tg_free(s);
    tg_array_unref(view);
    tg_array_unref(base);
  }
  if (!feof(in)) {
    fprintf(stderr, "print_arrays: malformed input after case %s\n", id);
    return 2;
  }
  fclose(in);
  return 0;
}
