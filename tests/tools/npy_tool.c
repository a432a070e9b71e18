/* npy_tool.c: helper of tests/io_vs_numpy.sh. Reads .npy/.npz files with tgraph and prints
   their contents for numpy to compare, or copies them through tgraph's writers for numpy to
   read back.
     npy_tool dump FILE...          one line per array: NAME DTYPE SHAPE : VALUES (C order)
     npy_tool copy IN.npy OUT.npy   load and save again
     npy_tool copyT IN.npy OUT.npy  save the transpose (a strided view) of IN
     npy_tool copyz IN.npz OUT.npz [c] [z64]  every member, in order; c: compressed,
                                    z64: ZIP64 records everywhere
   Errors print "ERROR <message>" and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_impl.h"
#include "tgraph/tgraph.h"

static int die(void) {
  printf("ERROR %s\n", tg_errmsg());
  return 1;
}

static void dump(const char *name, const tg_array *a) {
  tg_dtype dt = tg_array_dtype(a);
  printf("%s %s ", name, tg_dtype_name(dt));
  int nd = tg_array_ndim(a);
  if (nd == 0) printf("-");
  for (int i = 0; i < nd; i++) printf(i ? ",%lld" : "%lld", (long long)tg_array_shape(a)[i]);
  printf(" :");
  for (int64_t i = 0; i < tg_array_size(a); i++) {
    if (tg_dtype_is_float(dt))
      printf(" %.17g", tg_array_get_f64(a, i));
    else
      printf(" %lld", (long long)tg_array_get_i64(a, i));
  }
  printf("\n");
}

static bool ends_with(const char *s, const char *t) {
  size_t n = strlen(s), m = strlen(t);
  return n >= m && strcmp(s + n - m, t) == 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: npy_tool dump|copy|copyT|copyz ...\n");
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "dump") == 0) {
    for (int f = 2; f < argc; f++) {
      if (ends_with(argv[f], ".npz")) {
        tg_npz *z = tg_npz_open(argv[f]);
        if (!z) return die();
        for (int i = 0; i < tg_npz_count(z); i++) {
          tg_array *a = tg_npz_get(z, tg_npz_name(z, i));
          if (!a) return die();
          char nm[1024];
          snprintf(nm, sizeof nm, "%s:%s", argv[f], tg_npz_name(z, i));
          dump(nm, a);
          tg_array_unref(a);
        }
        tg_npz_close(z);
      } else {
        tg_array *a = tg_npy_load(argv[f]);
        if (!a) return die();
        dump(argv[f], a);
        tg_array_unref(a);
      }
    }
    return 0;
  }
  if (argc < 4) return 2;
  if (strcmp(cmd, "copy") == 0 || strcmp(cmd, "copyT") == 0) {
    tg_array *a = tg_npy_load(argv[2]);
    if (!a) return die();
    tg_array *b = cmd[4] == 'T' ? tg_array_transpose(a) : tg_array_ref(a);
    tg_status st = b ? tg_npy_save(argv[3], b) : tg_errstatus();
    tg_array_unref(b), tg_array_unref(a);
    return st ? die() : 0;
  }
  if (strcmp(cmd, "copyz") == 0) {
    bool c = false, z64 = false;
    for (int i = 4; i < argc; i++) c |= strcmp(argv[i], "c") == 0, z64 |= strcmp(argv[i], "z64") == 0;
    tg_npz *z = tg_npz_open(argv[2]);
    if (!z) return die();
    tg_npz_writer *w = tg_npz_writer_open(argv[3], c);
    if (!w) return die();
    tgi_npz_writer_force_zip64(w, z64);
    for (int i = 0; i < tg_npz_count(z); i++) {
      tg_array *a = tg_npz_get(z, tg_npz_name(z, i));
      if (!a || tg_npz_writer_add(w, tg_npz_name(z, i), a)) {
        tg_npz_writer_abort(w);
        return die();
      }
      tg_array_unref(a);
    }
    tg_npz_close(z);
    return tg_npz_writer_close(w) ? die() : 0;
  }
  fprintf(stderr, "npy_tool: unknown command %s\n", cmd);
  return 2;
}
