/* test_io_npy.c: the .npy reader and writer. Round trips of every dtype at ranks 0..3
   (empty arrays and strided views included), hand-built files in C and Fortran order and
   in header versions 1.0/2.0/3.0 with numpy's various spellings, the exact bytes of the
   header we write, the table of malformed files (each with its expected error naming the
   file), atomic replacement of the destination, and the allocation-failure sweep.
   numpy itself reads and writes files against us in io_vs_numpy.sh. */
#include "io_check.h"

static const tg_dtype ALL[] = {TG_BOOL,  TG_INT8,  TG_INT16,  TG_INT32,
                               TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
static const char *const DESCR[] = {"|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<f4", "<f8"};
#define NDT 8

static const int64_t SHAPES[][3] = {{0}, {5}, {2, 3}, {2, 3, 4}};
static const int64_t EMPTY[][3] = {{0}, {0}, {3, 0}, {2, 0, 4}};

/* A .npy image: magic, version, the header text (padded with spaces to a multiple of 64
   and ended with '\n' when pad), then n data bytes. Returns a malloc'd buffer. */
static unsigned char *mk(size_t *len, int major, int minor, const char *hdr, bool pad,
                         const void *data, size_t n) {
  size_t pre = major == 1 ? 10 : 12, hl = strlen(hdr);
  size_t padded = pad ? (pre + hl + 1 + 63) / 64 * 64 - pre : hl;
  unsigned char *b = calloc(1, pre + padded + n + 1);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)major, b[7] = (unsigned char)minor;
  if (major == 1)
    b[8] = (unsigned char)padded, b[9] = (unsigned char)(padded >> 8);
  else
    for (int i = 0; i < 4; i++) b[8 + i] = (unsigned char)(padded >> (8 * i));
  memcpy(b + pre, hdr, hl);
  if (pad) {
    memset(b + pre + hl, ' ', padded - hl - 1);
    b[pre + padded - 1] = '\n';
  }
  if (n) memcpy(b + pre + padded, data, n);
  *len = pre + padded + n;
  return b;
}

/* Values of a and element-by-element expectation through the flat C-order accessor. */
static void check_values(const tg_array *a, tg_dtype dt, int64_t n) {
  CHECK(a && tg_array_dtype(a) == dt && tg_array_size(a) == n);
  if (!a) return;
  CHECK(tg_array_is_contiguous(a));
  int bad = 0;
  for (int64_t i = 0; i < n; i++)
    if (tg_array_get_f64(a, i) != io_value(dt, i)) bad++;
  CHECK(bad == 0);
}

TEST(roundtrip_every_dtype_and_rank) {
  for (int d = 0; d < NDT; d++)
    for (int nd = 0; nd <= 3; nd++)
      for (int empty = 0; empty < 2; empty++) {
        if (empty && nd == 0) continue;
        const int64_t *shape = empty ? EMPTY[nd] : SHAPES[nd];
        tg_array *a = io_array(ALL[d], nd, shape);
        const char *p = io_path("rt.npy");
        CHECK_STATUS(tg_npy_save(p, a), TG_OK);
        tg_array *b = tg_npy_load(p);
        CHECK(b && tg_array_equal(a, b));
        if (b) CHECK(tg_array_ndim(b) == nd);
        /* the in-memory forms produce and accept the same bytes */
        size_t fn = 0, mn = 0;
        void *mem = NULL;
        unsigned char *file = io_read(p, &fn);
        CHECK_STATUS(tg_npy_save_mem(a, &mem, &mn), TG_OK);
        CHECK(file && mem && fn == mn && memcmp(file, mem, fn) == 0);
        tg_array *c = tg_npy_load_mem(mem, mn, "mem");
        CHECK(c && tg_array_equal(a, c));
        /* the data starts on a 64-byte boundary, as numpy aligns it */
        CHECK(fn >= 10 && (fn - (size_t)tg_array_size(a) * tg_dtype_size(ALL[d])) % 64 == 0);
        free(file);
        tg_free(mem);
        tg_array_unref(a), tg_array_unref(b), tg_array_unref(c);
      }
  CHECK(io_count_files(".tmp.") == 0);
}

/* The header we write, byte for byte, against numpy's spelling of it. */
TEST(header_bytes_match_numpy) {
  struct {
    tg_dtype dt;
    int nd;
    int64_t shape[3];
    const char *dict;
  } cases[] = {
      {TG_FLOAT64, 2, {2, 3}, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
      {TG_INT8, 1, {7}, "{'descr': '|i1', 'fortran_order': False, 'shape': (7,), }"},
      {TG_BOOL, 0, {0}, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }"},
      {TG_UINT8, 3, {1, 0, 2}, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 0, 2), }"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_array *a = tg_array_zeros(cases[c].dt, cases[c].nd, cases[c].shape);
    void *m = NULL;
    size_t n = 0;
    CHECK_STATUS(tg_npy_save_mem(a, &m, &n), TG_OK);
    const unsigned char *b = m;
    size_t dl = strlen(cases[c].dict), hl = n - (size_t)tg_array_size(a) * tg_dtype_size(cases[c].dt);
    CHECK(hl == 64 || hl == 128);
    CHECK(memcmp(b, "\x93NUMPY\x01\x00", 8) == 0);
    CHECK(b[8] + 256 * b[9] == (int)hl - 10);
    CHECK(memcmp(b + 10, cases[c].dict, dl) == 0);
    int spaces = 1;
    for (size_t i = 10 + dl; i < hl - 1; i++) spaces &= b[i] == ' ';
    CHECK(spaces && b[hl - 1] == '\n');
    tg_free(m);
    tg_array_unref(a);
  }
}

/* Fortran-ordered files, built by hand: item (i0, i1, ...) sits at position
   i0 + n0*(i1 + n1*(i2 ...)), and must come back at its C-order place. */
TEST(fortran_order_read) {
  for (int d = 0; d < NDT; d++)
    for (int nd = 0; nd <= 3; nd++) {
      const int64_t *sh = SHAPES[nd];
      int64_t n = 1;
      for (int k = 0; k < nd; k++) n *= sh[k];
      size_t isz = tg_dtype_size(ALL[d]);
      tg_array *ref = io_array(ALL[d], nd, sh); /* C order: item at flat C index */
      unsigned char *data = malloc((size_t)n * isz);
      for (int64_t c = 0; c < n; c++) {
        int64_t idx[3] = {0}, rem = c, f = 0;
        for (int k = nd - 1; k >= 0; k--) idx[k] = rem % sh[k], rem /= sh[k];
        for (int k = nd - 1; k >= 0; k--) f = f * sh[k] + idx[k];
        memcpy(data + f * (int64_t)isz, (char *)tg_array_data(ref) + c * (int64_t)isz, isz);
      }
      char hdr[128], shp[64] = "";
      for (int k = 0; k < nd; k++)
        snprintf(shp + strlen(shp), sizeof shp - strlen(shp), "%lld,%s", (long long)sh[k],
                 k + 1 < nd ? " " : "");
      snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': True, 'shape': (%s), }", DESCR[d], shp);
      size_t len;
      unsigned char *img = mk(&len, 1, 0, hdr, true, data, (size_t)n * isz);
      const char *p = io_path("f.npy");
      io_write(p, img, len);
      tg_array *a = tg_npy_load(p);
      CHECK(a && tg_array_equal(a, ref));
      check_values(a, ALL[d], n);
      tg_array_unref(a);
      free(img), free(data);
      tg_array_unref(ref);
    }
}

/* Writing any strided view stores its values in C order. */
TEST(strided_views_save_in_c_order) {
  int64_t sh[2] = {4, 5};
  tg_array *base = io_array(TG_FLOAT64, 2, sh);
  tg_array *t = tg_array_transpose(base);
  tg_array *s = tg_array_slice(base, 1, 4, -6, -2); /* columns 4, 2, 0 */
  tg_array *views[2] = {t, s};
  for (int v = 0; v < 2; v++) {
    const char *p = io_path("view.npy");
    CHECK_STATUS(tg_npy_save(p, views[v]), TG_OK);
    tg_array *back = tg_npy_load(p), *want = tg_array_copy(views[v]);
    CHECK(back && tg_array_equal(back, want));
    tg_array_unref(back), tg_array_unref(want);
  }
  /* hand check of the transpose: back[j][i] == base[i][j] */
  CHECK_STATUS(tg_npy_save(io_path("t.npy"), t), TG_OK);
  tg_array *back = tg_npy_load(io_path("t.npy"));
  CHECK(back && tg_array_shape(back)[0] == 5 && tg_array_shape(back)[1] == 4);
  if (back) CHECK(tg_array_get_f64(back, 1 * 4 + 2) == io_value(TG_FLOAT64, 2 * 5 + 1));
  tg_array_unref(back);
  tg_array_unref(s), tg_array_unref(t), tg_array_unref(base);
}

/* numpy's own spellings and the other header versions are all accepted. */
TEST(header_spellings_and_versions) {
  const double v[3] = {1.5, -2.0, 3.25};
  struct {
    int major;
    const char *hdr;
    int nd;
  } ok[] = {
      {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1},
      {1, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3,)}", 1},
      {1, "{'shape':(3,),'fortran_order':False,'descr':'<f8'}", 1},
      {1, "{ 'descr' : '<f8' ,\n 'fortran_order' : True , 'shape' : ( 3 , ) , }", 1},
      {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }", 1},
      {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", 2},
      {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1},
      {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1},
  };
  for (size_t c = 0; c < sizeof ok / sizeof ok[0]; c++) {
    size_t len;
    unsigned char *img = mk(&len, ok[c].major, 0, ok[c].hdr, true, v, sizeof v);
    tg_array *a = tg_npy_load_mem(img, len, "spell");
    CHECK(a != NULL);
    if (!a) fprintf(stderr, "case %zu: %s\n", c, tg_errmsg());
    if (a) {
      CHECK(tg_array_ndim(a) == ok[c].nd && tg_array_size(a) == 3);
      CHECK(tg_array_get_f64(a, 0) == 1.5 && tg_array_get_f64(a, 2) == 3.25);
    }
    tg_array_unref(a);
    free(img);
  }
  /* a 0-d array and '=' (native) byte order for one-byte kinds */
  double x = 42.0;
  size_t len;
  unsigned char *img = mk(&len, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", true, &x, 8);
  tg_array *a = tg_npy_load_mem(img, len, NULL);
  CHECK(a && tg_array_ndim(a) == 0 && tg_array_get_f64(a, 0) == 42.0);
  tg_array_unref(a), free(img);
  /* a bool file holding bytes other than 0/1 reads them as true, as numpy does */
  unsigned char bytes[4] = {0, 1, 2, 255};
  img = mk(&len, 1, 0, "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", true, bytes, 4);
  a = tg_npy_load_mem(img, len, NULL);
  CHECK(a && ((unsigned char *)tg_array_data(a))[2] == 1 && ((unsigned char *)tg_array_data(a))[3] == 1);
  CHECK(a && ((unsigned char *)tg_array_data(a))[0] == 0);
  tg_array_unref(a), free(img);
}

/* ---- the malformed-file table ---- */

typedef struct {
  const char *what;
  unsigned char *img;
  size_t len;
  tg_status st;
  const char *msg;
} bad_case;

static bad_case hdr_case(const char *what, int major, int minor, const char *hdr, bool pad,
                         size_t ndata, tg_status st, const char *msg) {
  static unsigned char zeros[64];
  bad_case c = {what, NULL, 0, st, msg};
  c.img = mk(&c.len, major, minor, hdr, pad, zeros, ndata);
  return c;
}

static bad_case raw_case(const char *what, const void *p, size_t n, tg_status st, const char *msg) {
  bad_case c = {what, malloc(n + 1), n, st, msg};
  memcpy(c.img, p, n);
  return c;
}

#define H(shape, descr) "{'descr': '" descr "', 'fortran_order': False, 'shape': " shape ", }"

TEST(malformed_table) {
  bad_case cs[64];
  int n = 0;
  char big[200];
  snprintf(big, sizeof big, "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }",
           "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
           "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,");
  cs[n++] = raw_case("empty file", "", 0, TG_ERR_IO, "truncated: 0 bytes is too short");
  cs[n++] = raw_case("five bytes", "\x93NUMP", 5, TG_ERR_IO, "too short for a .npy file");
  cs[n++] = raw_case("bad magic", "\x93NUMPX\x01\x00\x10\x00{}              ", 26, TG_ERR_IO, "bad magic");
  cs[n++] = hdr_case("version 4.0", 4, 0, H("(2,)", "<f8"), true, 16, TG_ERR_NOTIMPL, "unsupported .npy format version 4.0");
  cs[n++] = hdr_case("version 1.1", 1, 1, H("(2,)", "<f8"), true, 16, TG_ERR_NOTIMPL, "version 1.1");
  {
    bad_case c = hdr_case("header length past the end", 1, 0, H("(2,)", "<f8"), true, 0, TG_ERR_IO,
                          "the header claims 1000 bytes but only 118 remain");
    c.img[8] = 1000 & 255, c.img[9] = 1000 >> 8;
    cs[n++] = c;
  }
  {
    bad_case c = hdr_case("oversized v2 header", 2, 0, H("(2,)", "<f8"), true, 16, TG_ERR_IO,
                          "header length 2147483647 exceeds the limit");
    c.img[8] = 0xff, c.img[9] = 0xff, c.img[10] = 0xff, c.img[11] = 0x7f;
    cs[n++] = c;
  }
  cs[n++] = hdr_case("no newline", 1, 0, H("(2,)", "<f8"), false, 16, TG_ERR_IO, "does not end with a newline");
  cs[n++] = hdr_case("not a dict", 1, 0, "[1, 2]", true, 0, TG_ERR_IO, "expected '{'");
  cs[n++] = hdr_case("missing shape", 1, 0, "{'descr': '<f8', 'fortran_order': False}", true, 8, TG_ERR_IO, "missing key 'shape'");
  cs[n++] = hdr_case("extra key", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'foo': 1}", true, 8, TG_ERR_IO, "unexpected key 'foo'");
  cs[n++] = hdr_case("duplicate key", 1, 0, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': ()}", true, 8, TG_ERR_IO, "duplicate key 'descr'");
  cs[n++] = hdr_case("fortran_order 1", 1, 0, "{'descr': '<f8', 'fortran_order': 1, 'shape': ()}", true, 8, TG_ERR_IO, "fortran_order must be True or False");
  cs[n++] = hdr_case("shape (3)", 1, 0, H("(3)", "<f8"), true, 24, TG_ERR_IO, "needs a trailing comma");
  cs[n++] = hdr_case("shape a list", 1, 0, H("[3]", "<f8"), true, 24, TG_ERR_IO, "shape must be a tuple");
  cs[n++] = hdr_case("negative dim", 1, 0, H("(-1,)", "<f8"), true, 8, TG_ERR_IO, "negative dimension");
  cs[n++] = hdr_case("dim past int64", 1, 0, H("(99999999999999999999,)", "|u1"), true, 8, TG_ERR_IO, "does not fit in 64 bits");
  cs[n++] = hdr_case("byte size overflows", 1, 0, H("(4611686018427387904, 4)", "<f8"), true, 8, TG_ERR_IO,
                     "is too large (its byte size overflows)");
  cs[n++] = hdr_case("2^60 elements", 1, 0, H("(1152921504606846976,)", "|u1"), true, 8, TG_ERR_IO,
                     "needs 1152921504606846976 data bytes but only 8 remain");
  cs[n++] = hdr_case("data one byte short", 1, 0, H("(2, 3)", "<f8"), true, 47, TG_ERR_IO,
                     "truncated: shape (2, 3) of float64 needs 48 data bytes but only 47 remain");
  cs[n++] = hdr_case("trailing bytes", 1, 0, H("(2,)", "<f8"), true, 17, TG_ERR_IO, "1 unexpected trailing bytes");
  cs[n++] = hdr_case("complex", 1, 0, H("(2,)", "<c16"), true, 32, TG_ERR_NOTIMPL, "unsupported dtype '<c16'");
  cs[n++] = hdr_case("unicode", 1, 0, H("(2,)", "<U5"), true, 40, TG_ERR_NOTIMPL, "unsupported dtype '<U5'");
  cs[n++] = hdr_case("object", 1, 0, H("(2,)", "|O"), true, 16, TG_ERR_NOTIMPL, "unsupported dtype '|O'");
  cs[n++] = hdr_case("uint16", 1, 0, H("(2,)", "<u2"), true, 4, TG_ERR_NOTIMPL, "unsupported dtype '<u2'");
  cs[n++] = hdr_case("half", 1, 0, H("(2,)", "<f2"), true, 4, TG_ERR_NOTIMPL, "unsupported dtype '<f2'");
  cs[n++] = hdr_case("big-endian", 1, 0, H("(2,)", ">f8"), true, 16, TG_ERR_NOTIMPL, "unsupported dtype '>f8' (big-endian byte order)");
  cs[n++] = hdr_case("structured", 1, 0, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", true, 8,
                     TG_ERR_NOTIMPL, "structured");
  cs[n++] = hdr_case("string runs into the newline", 1, 0, "{'descr': '<f8", true, 0, TG_ERR_IO,
                     "non-printable character in a string");
  cs[n++] = hdr_case("escape in string", 1, 0, "{'descr': '<f\\x38', 'fortran_order': False, 'shape': ()}", true, 8,
                     TG_ERR_IO, "escape sequences");
  cs[n++] = hdr_case("65 dimensions", 1, 0, big, true, 8, TG_ERR_IO, "more than 64 dimensions");
  cs[n++] = hdr_case("text after dict", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': ()} x", true, 8,
                     TG_ERR_IO, "unexpected text after the dict");
  cs[n++] = hdr_case("bad separator", 1, 0, "{'descr': '<f8'; 'fortran_order': False, 'shape': ()}", true, 8,
                     TG_ERR_IO, "expected ',' or '}'");
  {
    bad_case c = hdr_case("NUL in header", 1, 0, H("(2,)", "<f8"), true, 16, TG_ERR_IO, "NUL byte in the header");
    c.img[40] = 0;
    cs[n++] = c;
  }
  CHECK(n >= 15);
  for (int i = 0; i < n; i++) {
    char fname[64];
    snprintf(fname, sizeof fname, "bad%02d.npy", i);
    const char *p = io_path(fname);
    io_write(p, cs[i].img, cs[i].len);
    tg_array *a = tg_npy_load(p);
    th_checks++;
    if (a || tg_errstatus() != cs[i].st || !strstr(tg_errmsg(), cs[i].msg) || !strstr(tg_errmsg(), p))
      TH_FAIL("case '%s': got %s \"%s\", expected %s containing \"%s\" and the file name",
              cs[i].what, a ? "an array" : tg_status_name(tg_errstatus()), tg_errmsg(),
              tg_status_name(cs[i].st), cs[i].msg);
    tg_array_unref(a);
    /* the in-memory reader gives the same verdict, naming its buffer */
    a = tg_npy_load_mem(cs[i].img, cs[i].len, "buffer.npy");
    th_checks++;
    if (a || tg_errstatus() != cs[i].st || !strstr(tg_errmsg(), cs[i].msg) ||
        strncmp(tg_errmsg(), "buffer.npy: ", 12) != 0)
      TH_FAIL("case '%s' (memory): got \"%s\"", cs[i].what, tg_errmsg());
    tg_array_unref(a);
    free(cs[i].img);
  }
}

TEST(file_system_errors) {
  const char *p = io_path("does-not-exist.npy");
  CHECK(tg_npy_load(p) == NULL);
  CHECK_STATUS(tg_errstatus(), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "does-not-exist.npy: cannot open: No such file");
  io_path("x");
  CHECK(tg_npy_load(io_dir) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "not a regular file");
  tg_array *a = tg_array_scalar(TG_FLOAT64, 1);
  CHECK_STATUS(tg_npy_save(io_dir, a), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "is a directory");
  CHECK_STATUS(tg_npy_save(io_path("no-such-dir/x.npy"), a), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "cannot create a temporary file");
  tg_array_unref(a);
}

TEST(null_arguments) {
  tg_array *a = tg_array_scalar(TG_INT32, 3);
  void *m;
  size_t n = 0;
  CHECK(tg_npy_load(NULL) == NULL && tg_errstatus() == TG_ERR_ARG);
  CHECK(tg_npy_load_mem(NULL, 10, "x") == NULL && tg_errstatus() == TG_ERR_ARG);
  CHECK_STATUS(tg_npy_save(NULL, a), TG_ERR_ARG);
  CHECK_STATUS(tg_npy_save(io_path("n.npy"), NULL), TG_ERR_ARG);
  CHECK_STATUS(tg_npy_save_mem(NULL, &m, &n), TG_ERR_ARG);
  CHECK_STATUS(tg_npy_save_mem(a, NULL, &n), TG_ERR_ARG);
  CHECK(io_count_files("n.npy") == 0);
  tg_array_unref(a);
}

/* Saving replaces the destination atomically: the old file's mode is kept, a symlink
   is followed (the link survives, its target is replaced), no temporary is left behind. */
TEST(save_replaces_atomically) {
  const char *p = io_path("keep.npy"), *lnk = io_path("link.npy");
  io_write(p, "old", 3);
  chmod(p, 0600);
  tg_array *a = tg_array_scalar(TG_INT64, 7);
  CHECK_STATUS(tg_npy_save(p, a), TG_OK);
  struct stat sb;
  CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600);
  CHECK(symlink("keep.npy", lnk) == 0);
  tg_array *b = tg_array_scalar(TG_INT64, 8);
  CHECK_STATUS(tg_npy_save(lnk, b), TG_OK);
  CHECK(lstat(lnk, &sb) == 0 && S_ISLNK(sb.st_mode));
  tg_array *c = tg_npy_load(p);
  CHECK(c && tg_array_get_i64(c, 0) == 8);
  CHECK(io_count_files(".tmp.") == 0);
  tg_array_unref(a), tg_array_unref(b), tg_array_unref(c);
}

/* A write that fails part way (a full device) reports the file and the OS's reason. */
TEST(write_failure_is_reported) {
  if (access("/dev/full", W_OK) != 0) SKIP("/dev/full is not available");
  int64_t sh[1] = {100000};
  tg_array *a = tg_array_zeros(TG_FLOAT64, 1, sh);
  CHECK_STATUS(tg_npy_save("/dev/full", a), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "/dev/full: write failed: No space left on device");
  tg_array_unref(a);
}

/* ---- allocation-failure sweep ---- */

static tg_array *sweep_src;

/* save (destination must be either untouched or fully replaced) and load back */
static tg_status sc_save_load(void) {
  const char *p = io_path("sweep.npy");
  io_write(p, "OLD", 3);
  io_arm();
  tg_status st = tg_npy_save(p, sweep_src);
  io_disarm();
  size_t n = 0;
  unsigned char *b = io_read(p, &n);
  th_checks++;
  if (st != TG_OK && !(n == 3 && memcmp(b, "OLD", 3) == 0)) TH_FAIL("failed save touched the destination");
  if (io_count_files(".tmp.")) TH_FAIL("a temporary file was left behind");
  free(b);
  if (st) return tg_errstatus();
  io_arm();
  tg_array *a = tg_npy_load(p);
  io_disarm();
  if (!a) return tg_errstatus();
  th_checks++;
  tg_array *want = tg_array_copy(sweep_src);
  if (!tg_array_equal(a, want)) TH_FAIL("sweep: loaded array differs");
  tg_array_unref(want), tg_array_unref(a);
  return TG_OK;
}

static tg_status sc_mem(void) {
  void *m = NULL;
  size_t n = 0;
  io_arm();
  tg_status st = tg_npy_save_mem(sweep_src, &m, &n);
  tg_array *a = st ? NULL : tg_npy_load_mem(m, n, "m");
  io_disarm();
  if (!st && !a) st = tg_errstatus();
  tg_free(m);
  tg_array_unref(a);
  return st;
}

static tg_status sc_fortran(void) {
  double v[6] = {1, 4, 2, 5, 3, 6}; /* [[1,2,3],[4,5,6]] in Fortran order */
  size_t len;
  unsigned char *img = mk(&len, 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", true, v, sizeof v);
  const char *p = io_path("sweepf.npy");
  io_write(p, img, len);
  free(img);
  io_arm();
  tg_array *a = tg_npy_load(p);
  io_disarm();
  if (!a) return tg_errstatus();
  for (int i = 0; i < 6; i++) CHECK(tg_array_get_f64(a, i) == i + 1);
  tg_array_unref(a);
  return TG_OK;
}

TEST(allocation_failure_sweep) {
  int64_t sh[2] = {3, 4};
  tg_array *base = io_array(TG_INT16, 2, sh);
  sweep_src = tg_array_transpose(base); /* strided: the gather path */
  io_sweep("npy save+load (strided)", sc_save_load);
  io_sweep("npy save_mem+load_mem", sc_mem);
  io_sweep("npy load (Fortran order)", sc_fortran);
  tg_array_unref(sweep_src), tg_array_unref(base);
}
