/* test_io_npz.c: .npz archives. Round trips of every dtype at ranks 0..3 (empty arrays
   included) through stored and deflate-compressed archives, with and without ZIP64 records;
   the zip layout we write checked field by field; a table of malformed archives made by
   corrupting a good one at known offsets, each with its expected error; the writer's
   atomicity (abort, failed writes, failed allocations leave the destination untouched and
   roll a failed member back); and the allocation-failure sweep. numpy reads and writes
   archives against us in io_vs_numpy.sh. */
#include <zlib.h>

#include "io/io_impl.h"
#include "io_check.h"

static const tg_dtype ALL[] = {TG_BOOL,  TG_INT8,  TG_INT16,  TG_INT32,
                               TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
static const int64_t SHAPES[][3] = {{0}, {5}, {2, 3}, {2, 3, 4}};
static const int64_t EMPTY[][3] = {{0}, {0}, {3, 0}, {2, 0, 4}};

static uint32_t rd32(const unsigned char *p) { return tgi_le32(p); }
static void wr16(unsigned char *p, uint16_t v) { tgi_put16(p, v); }
static void wr32(unsigned char *p, uint32_t v) { tgi_put32(p, v); }

/* Write an archive of every dtype x rank (x empty) and read it back member by member. */
static void roundtrip(bool compress, bool z64) {
  const char *p = io_path(compress ? "all_c.npz" : "all_s.npz");
  tg_npz_writer *w = tg_npz_writer_open(p, compress);
  CHECK(w != NULL);
  if (!w) return;
  tgi_npz_writer_force_zip64(w, z64);
  char names[64][32];
  tg_array *arrs[64];
  int n = 0;
  for (int d = 0; d < 8; d++)
    for (int nd = 0; nd <= 3; nd++)
      for (int e = 0; e < 2; e++) {
        if (e && nd == 0) continue;
        snprintf(names[n], sizeof names[n], "%s_r%d%s", tg_dtype_name(ALL[d]), nd, e ? "_empty" : "");
        arrs[n] = io_array(ALL[d], nd, e ? EMPTY[nd] : SHAPES[nd]);
        CHECK_STATUS(tg_npz_writer_add(w, names[n], arrs[n]), TG_OK);
        n++;
      }
  CHECK_STATUS(tg_npz_writer_close(w), TG_OK);
  CHECK(io_count_files(".tmp.") == 0);
  tg_npz *z = tg_npz_open(p);
  CHECK(z != NULL);
  if (!z) {
    fprintf(stderr, "%s\n", tg_errmsg());
  } else {
    CHECK(tg_npz_count(z) == n);
    for (int i = 0; i < n && i < tg_npz_count(z); i++) {
      CHECK_STR(tg_npz_name(z, i), names[i]);
      tg_array *a = tg_npz_get(z, names[i]);
      CHECK(a && tg_array_equal(a, arrs[i]));
      tg_array_unref(a);
      char full[40];
      snprintf(full, sizeof full, "%s.npy", names[i]);
      a = tg_npz_get(z, full); /* the stored name works too, as in numpy */
      CHECK(a && tg_array_equal(a, arrs[i]));
      tg_array_unref(a);
    }
    CHECK(tg_npz_get(z, "nope") == NULL && tg_errstatus() == TG_ERR_ARG);
    CHECK_ERROR_CONTAINS(tg_errmsg(), "no member named 'nope'");
    CHECK(tg_npz_name(z, n) == NULL && tg_npz_name(z, -1) == NULL);
    tg_npz_close(z);
  }
  for (int i = 0; i < n; i++) tg_array_unref(arrs[i]);
}

TEST(roundtrip_stored) { roundtrip(false, false); }
TEST(roundtrip_compressed) { roundtrip(true, false); }
TEST(roundtrip_stored_zip64) { roundtrip(false, true); }
TEST(roundtrip_compressed_zip64) { roundtrip(true, true); }

/* A two-member archive ("a" = 0..9 as float64, "b" = int32 [7, 8, 9]); returns its bytes. */
static unsigned char *two_members(const char *file, bool compress, bool z64, size_t *len) {
  const char *p = io_path(file);
  int64_t s10[1] = {10}, s3[1] = {3};
  tg_array *a = tg_array_empty(TG_FLOAT64, 1, s10), *b = tg_array_from_i32(1, s3, (int32_t[]){7, 8, 9});
  for (int i = 0; i < 10; i++) tg_array_set_f64(a, i, i);
  tg_npz_writer *w = tg_npz_writer_open(p, compress);
  tgi_npz_writer_force_zip64(w, z64);
  CHECK_STATUS(tg_npz_writer_add(w, "a", a), TG_OK);
  CHECK_STATUS(tg_npz_writer_add(w, "b", b), TG_OK);
  CHECK_STATUS(tg_npz_writer_close(w), TG_OK);
  tg_array_unref(a), tg_array_unref(b);
  return io_read(p, len);
}

/* The layout we write, read field by field against the zip specification. */
TEST(zip_layout) {
  for (int c = 0; c < 2; c++) {
    size_t n;
    unsigned char *z = two_members("layout.npz", c, false, &n);
    const unsigned char *eocd = z + n - 22;
    CHECK(rd32(eocd) == 0x06054b50u && tgi_le16(eocd + 8) == 2 && tgi_le16(eocd + 10) == 2);
    uint32_t cd = rd32(eocd + 16), cds = rd32(eocd + 12);
    CHECK(cd + cds == n - 22 && cds == 2 * (46 + 5));
    CHECK(rd32(z) == 0x04034b50u && memcmp(z + 30, "a.npy", 5) == 0);
    CHECK(tgi_le16(z + 8) == (c ? 8 : 0));             /* method */
    CHECK(rd32(z + 14) == rd32(z + cd + 16));          /* CRC in both headers */
    uint32_t csize = rd32(z + 18), usize = rd32(z + 22);
    CHECK(usize == 128 + 80);                          /* .npy header + 10 doubles */
    CHECK(c ? csize < usize : csize == usize);
    if (!c) CHECK(memcmp(z + 35, "\x93NUMPY\x01\x00", 8) == 0);
    /* the CRC is zlib's crc32 of the member's uncompressed bytes */
    if (!c) {
      unsigned long crc = crc32(0, z + 35, usize);
      CHECK(rd32(z + 14) == (uint32_t)crc);
    }
    CHECK(rd32(z + cd) == 0x02014b50u && rd32(z + cd + 42) == 0 && memcmp(z + cd + 46, "a.npy", 5) == 0);
    CHECK(rd32(z + cd + 51 + 42) == 35 + csize);       /* b's local header follows a's data */
    free(z);
  }
}

/* ---- the malformed-archive table ---- */

typedef struct {
  const char *what;
  int base;          /* 0 stored, 1 compressed, 2 stored+ZIP64 */
  bool at_get;       /* the error shows when reading member "a", not when opening */
  tg_status st;
  const char *msg;
} bad_zip;

/* Apply case i's corruption to a copy of the base archive; returns its new length. */
static size_t corrupt(int i, unsigned char *z, size_t n) {
  uint64_t cd = rd32(z + n - 22 + 16);
  if (cd == 0xFFFFFFFFu) cd = tgi_le64(z + tgi_le64(z + n - 22 - 20 + 8) + 48); /* ZIP64 */
  unsigned char *ca = z + cd, *cb = z + cd + 46 + 5, *eocd = z + n - 22;
  uint32_t csize = rd32(z + 18);
  unsigned char *lb = z + 35 + csize;
  switch (i) {
    case 0: return 0;
    case 1: memset(z, 'x', 100); return 100;
    case 2: return n - 10;
    case 3: wr32(eocd + 16, 0xFFFFFF00u); break;
    case 4: wr16(eocd + 8, 1000), wr16(eocd + 10, 1000); break;
    case 5: ca[0] = 'X'; break;
    case 6: wr16(ca + 8, 1); break;
    case 7: wr16(ca + 10, 12); break;
    case 8: ca[47] = 0; break;
    case 9: cb[46] = 'a', lb[30] = 'a'; break;
    case 10: wr32(ca + 42, 0x7FFFFFFF); break;
    case 11: z[0] = 'X'; break;
    case 12: wr16(z + 8, 8); break;
    case 13: wr32(ca + 20, csize + 1); break;
    case 14: /* a claims 40 more bytes: its data would run into b's local header */
      wr32(ca + 20, csize + 40), wr32(ca + 24, csize + 40);
      wr32(z + 18, csize + 40), wr32(z + 22, csize + 40);
      break;
    case 15: z[35 + csize - 1] ^= 1; break; /* last data byte: the CRC no longer matches */
    case 16: wr32(ca + 20, 0xFFFFFFFFu); break;
    case 17: wr16(ca + 34, 1); break;
    case 18: wr16(eocd + 8, 1), wr16(eocd + 10, 1); break;
    case 19: z[35] = 'X'; break; /* the member is no .npy */
    case 20: z[30] = 'c'; break;
    case 21: wr32(ca + 24, 0x7FFFFFFF), wr32(z + 22, 0x7FFFFFFF); break; /* deflate bomb */
    case 22: z[35] = 0xFF; break; /* invalid deflate block type */
    case 23: wr32(z + 14, rd32(z + 14) ^ 1); break;
    case 24: wr16(z + cd + 46 + 5 + 2, 8); break; /* ZIP64 extra (3 fields) says 8 bytes */
    case 25: wr32(eocd - 20 + 8, 0x7FFFFFF0u); break; /* ZIP64 end record offset */
    case 26: wr32(ca + 24, rd32(ca + 24) + 1), wr32(z + 22, rd32(z + 22) + 1); break;
  }
  return n;
}

static const bad_zip CASES[] = {
    {"empty file", 0, false, TG_ERR_IO, "not a zip file (too short: 0 bytes)"},
    {"no end record", 0, false, TG_ERR_IO, "not a zip file (no end-of-central-directory record)"},
    {"truncated archive", 0, false, TG_ERR_IO, "no end-of-central-directory record"},
    {"directory offset out of range", 0, false, TG_ERR_IO, "central directory (offset 4294967040"},
    {"entry count too large", 0, false, TG_ERR_IO, "1000 entries cannot fit in a 102-byte central directory"},
    {"bad central signature", 0, false, TG_ERR_IO, "malformed central directory entry"},
    {"encrypted", 0, false, TG_ERR_NOTIMPL, "member 'a.npy' is encrypted"},
    {"bzip2 method", 0, false, TG_ERR_NOTIMPL, "compression method 12 (only stored and deflate"},
    {"NUL in a name", 0, false, TG_ERR_IO, "member name contains a NUL byte"},
    {"duplicate names", 0, false, TG_ERR_IO, "duplicate member names 'a.npy' and 'a.npy'"},
    {"local offset out of range", 0, false, TG_ERR_IO, "local header offset 2147483647 is out of range"},
    {"bad local signature", 0, false, TG_ERR_IO, "bad local header signature"},
    {"local method differs", 0, false, TG_ERR_IO, "local header disagrees with the directory (method)"},
    {"stored sizes differ", 0, false, TG_ERR_IO, "is stored but its sizes differ"},
    {"overlapping members", 0, false, TG_ERR_IO, "members 'a.npy' and 'b.npy' overlap"},
    {"CRC mismatch", 0, true, TG_ERR_IO, "member 'a.npy': CRC-32 mismatch"},
    {"ZIP64 field missing", 0, false, TG_ERR_IO, "sizes defer to a ZIP64 extra field that is missing"},
    {"multi-disk", 0, false, TG_ERR_NOTIMPL, "multi-disk zip archives are not supported"},
    {"directory longer than its entries", 0, false, TG_ERR_IO, "central directory has 51 bytes beyond its 1 entries"},
    {"member is not .npy", 0, true, TG_ERR_IO, "member 'a.npy': not a .npy file (bad magic bytes)"},
    {"local name differs", 0, false, TG_ERR_IO, "local header names a different file"},
    {"deflate bomb", 1, false, TG_ERR_IO, "claims 2147483647 bytes from"},
    {"corrupt deflate stream", 1, true, TG_ERR_IO, "member 'a.npy': corrupt deflate data (zlib: invalid block type)"},
    {"local CRC differs", 0, false, TG_ERR_IO, "local header disagrees with the directory (sizes or CRC)"},
    {"ZIP64 extra too short", 2, false, TG_ERR_IO, "ZIP64 extra field is too short"},
    {"ZIP64 end record out of range", 2, false, TG_ERR_IO, "ZIP64 end record offset 2147483632 is out of range"},
    {"deflated size one too many", 1, true, TG_ERR_IO, "member 'a.npy': 1 unexpected trailing bytes"},
};

TEST(malformed_table) {
  size_t bn[3];
  unsigned char *base[3] = {two_members("base0.npz", false, false, &bn[0]),
                            two_members("base1.npz", true, false, &bn[1]),
                            two_members("base2.npz", false, true, &bn[2])};
  int n = (int)(sizeof CASES / sizeof CASES[0]);
  CHECK(n >= 10);
  for (int i = 0; i < n; i++) {
    const bad_zip *c = &CASES[i];
    unsigned char *z = malloc(bn[c->base] + 1);
    memcpy(z, base[c->base], bn[c->base]);
    size_t len = corrupt(i, z, bn[c->base]);
    char fname[32];
    snprintf(fname, sizeof fname, "bad%02d.npz", i);
    const char *p = io_path(fname);
    io_write(p, z, len);
    free(z);
    tg_npz *a = tg_npz_open(p);
    tg_array *arr = NULL;
    if (a && c->at_get) arr = tg_npz_get(a, "a");
    bool failed = c->at_get ? (a && !arr) : !a;
    th_checks++;
    if (!failed || tg_errstatus() != c->st || !strstr(tg_errmsg(), c->msg) || !strstr(tg_errmsg(), p))
      TH_FAIL("case %d '%s': got %s \"%s\", expected %s containing \"%s\" and the file name", i, c->what,
              failed ? tg_status_name(tg_errstatus()) : "success", tg_errmsg(),
              tg_status_name(c->st), c->msg);
    if (a && c->at_get) { /* the other member is still readable */
      tg_array *b = tg_npz_get(a, "b");
      CHECK(b && tg_array_get_i64(b, 2) == 9);
      tg_array_unref(b);
    }
    tg_array_unref(arr);
    tg_npz_close(a);
  }
  for (int i = 0; i < 3; i++) free(base[i]);
  CHECK(tg_npz_open(io_path("missing.npz")) == NULL);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "missing.npz: cannot open: No such file");
}

TEST(writer_argument_errors) {
  const char *p = io_path("args.npz");
  tg_array *a = tg_array_scalar(TG_FLOAT32, 2.5f);
  tg_npz_writer *w = tg_npz_writer_open(p, false);
  CHECK_STATUS(tg_npz_writer_add(w, "x", a), TG_OK);
  CHECK_STATUS(tg_npz_writer_add(w, "x", a), TG_ERR_ARG);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "duplicate member name 'x'");
  CHECK_STATUS(tg_npz_writer_add(w, "", a), TG_ERR_ARG);
  CHECK_STATUS(tg_npz_writer_add(w, NULL, a), TG_ERR_ARG);
  CHECK_STATUS(tg_npz_writer_add(w, "y", NULL), TG_ERR_ARG);
  CHECK_STATUS(tg_npz_writer_add(NULL, "y", a), TG_ERR_ARG);
  CHECK_STATUS(tg_npz_writer_add(w, "x.npy", a), TG_OK); /* stored as "x.npy.npy", as numpy would */
  CHECK_STATUS(tg_npz_writer_close(w), TG_OK);
  CHECK_STATUS(tg_npz_writer_close(NULL), TG_ERR_ARG);
  tg_npz_writer_abort(NULL);
  CHECK(tg_npz_writer_open(NULL, false) == NULL && tg_errstatus() == TG_ERR_ARG);
  tg_npz *z = tg_npz_open(p);
  CHECK(z && tg_npz_count(z) == 2);
  if (z) {
    CHECK_STR(tg_npz_name(z, 1), "x.npy");
    tg_array *b = tg_npz_get(z, "x.npy.npy");
    CHECK(b && tg_array_get_f64(b, 0) == 2.5);
    tg_array_unref(b);
  }
  tg_npz_close(z);
  CHECK(tg_npz_open(NULL) == NULL && tg_errstatus() == TG_ERR_ARG);
  CHECK(tg_npz_count(NULL) == 0 && tg_npz_get(NULL, "x") == NULL);
  tg_npz_close(NULL);
  tg_array_unref(a);
}

/* ---- atomicity ---- */

static bool holds_old(const char *p) {
  size_t n = 0;
  unsigned char *b = io_read(p, &n);
  bool ok = b && n == 3 && memcmp(b, "OLD", 3) == 0;
  free(b);
  return ok;
}

TEST(abort_leaves_destination) {
  const char *p = io_path("atomic.npz");
  io_write(p, "OLD", 3);
  tg_array *a = tg_array_scalar(TG_INT8, 5);
  tg_npz_writer *w = tg_npz_writer_open(p, true);
  CHECK_STATUS(tg_npz_writer_add(w, "a", a), TG_OK);
  CHECK(io_count_files(".tmp.") == 1); /* the work goes to a temporary beside it */
  CHECK(holds_old(p));
  tg_npz_writer_abort(w);
  CHECK(holds_old(p));
  CHECK(io_count_files(".tmp.") == 0);
  tg_array_unref(a);
}

TEST(write_failure_is_reported) {
  if (access("/dev/full", W_OK) != 0) SKIP("/dev/full is not available");
  int64_t sh[1] = {100000};
  tg_array *a = tg_array_zeros(TG_FLOAT64, 1, sh);
  tg_npz_writer *w = tg_npz_writer_open("/dev/full", false);
  CHECK(w != NULL);
  CHECK_STATUS(tg_npz_writer_add(w, "a", a), TG_ERR_IO);
  CHECK_ERROR_CONTAINS(tg_errmsg(), "/dev/full: write failed: No space left on device");
  CHECK_STATUS(tg_npz_writer_close(w), TG_ERR_IO);
  tg_array_unref(a);
}

/* ---- allocation-failure sweep ---- */

/* Writing: a failed add must roll back (the archive then holds only "a"); a failed open or
   close must leave the destination untouched; nothing temporary may remain. */
static bool sweep_compress;
static tg_status sc_write(void) {
  const char *p = io_path("sweep.npz");
  io_write(p, "OLD", 3);
  int64_t sh[2] = {30, 40};
  tg_array *a = io_array(TG_FLOAT32, 2, sh), *b = io_array(TG_INT64, 1, sh);
  tg_array *bt = tg_array_transpose(a);
  io_arm();
  tg_npz_writer *w = tg_npz_writer_open(p, sweep_compress);
  tg_status st = w ? TG_OK : tg_errstatus(), add = TG_OK;
  if (w) {
    io_disarm();
    CHECK_STATUS(tg_npz_writer_add(w, "a", a), TG_OK);
    io_arm();
    add = tg_npz_writer_add(w, "b", bt);
    if (add) st = add;
    tg_status cl = tg_npz_writer_close(w);
    io_disarm();
    if (cl) { /* a failed close publishes nothing */
      CHECK(holds_old(p));
      CHECK(io_count_files(".tmp.") == 0);
      tg_array_unref(bt), tg_array_unref(a), tg_array_unref(b);
      return cl;
    }
    tg_npz *z = tg_npz_open(p);
    CHECK(z && tg_npz_count(z) == (add ? 1 : 2));
    tg_array *x = z ? tg_npz_get(z, "a") : NULL, *y = z && !add ? tg_npz_get(z, "b") : NULL;
    CHECK(x && tg_array_equal(x, a));
    if (!add) {
      tg_array *want = tg_array_copy(bt);
      CHECK(y && tg_array_equal(y, want));
      tg_array_unref(want);
    }
    tg_array_unref(x), tg_array_unref(y);
    tg_npz_close(z);
  } else {
    io_disarm();
    CHECK(holds_old(p));
  }
  CHECK(io_count_files(".tmp.") == 0);
  tg_array_unref(bt), tg_array_unref(a), tg_array_unref(b);
  return st;
}

static tg_status sc_read(void) {
  io_arm();
  tg_npz *z = tg_npz_open(io_path(sweep_compress ? "rd_c.npz" : "rd_s.npz"));
  tg_array *x = z ? tg_npz_get(z, "a") : NULL, *y = x ? tg_npz_get(z, "b") : NULL;
  io_disarm();
  tg_status st = y ? TG_OK : tg_errstatus();
  if (y) CHECK(tg_array_get_f64(x, 9) == 9 && tg_array_get_i64(y, 0) == 7);
  tg_array_unref(x), tg_array_unref(y);
  tg_npz_close(z);
  return st;
}

TEST(allocation_failure_sweep) {
  size_t n = 0;
  free(two_members("rd_s.npz", false, false, &n));
  free(two_members("rd_c.npz", true, false, &n));
  for (int c = 0; c < 2; c++) {
    sweep_compress = c;
    io_sweep(c ? "npz write (compressed)" : "npz write (stored)", sc_write);
    io_sweep(c ? "npz read (compressed)" : "npz read (stored)", sc_read);
  }
}
