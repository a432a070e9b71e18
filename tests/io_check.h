/* io_check.h: helpers shared by the .npy/.npz tests: a scratch directory, raw file
   access, deterministic array contents, and a counting allocator for the allocation-failure
   sweep (installed before main, passing through until armed). */
#ifndef TG_IO_CHECK_H
#define TG_IO_CHECK_H

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* ---- scratch directory, removed at exit ---- */

static char io_dir[64];

static void io_cleanup(void) {
  if (!io_dir[0]) return;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", io_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", io_dir);
}

/* A path inside the scratch directory (a static buffer per call slot). */
static const char *io_path(const char *name) {
  static char bufs[8][256];
  static int slot;
  if (!io_dir[0]) {
    strcpy(io_dir, "/tmp/tgraph-io.XXXXXX");
    if (!mkdtemp(io_dir)) {
      perror("mkdtemp");
      exit(1);
    }
    atexit(io_cleanup);
  }
  char *b = bufs[slot++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", io_dir, name);
  return b;
}

static void io_write(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* The whole file into a malloc'd buffer (NULL if it does not exist). */
static unsigned char *io_read(const char *path, size_t *n) {
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc((size_t)len + 1);
  if (fread(p, 1, (size_t)len, f) != (size_t)len) len = 0;
  fclose(f);
  *n = (size_t)len;
  return p;
}

/* Entries of the scratch directory whose name contains `part` (temp files: ".tmp."). */
static int io_count_files(const char *part) {
  DIR *d = opendir(io_dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (strstr(e->d_name, part)) n++;
  if (d) closedir(d);
  return n;
}

/* ---- deterministic contents: element i of a fresh array, by dtype ---- */

static double io_value(tg_dtype dt, int64_t i) {
  switch (dt) {
    case TG_BOOL: return i % 3 == 0;
    case TG_INT8: return (double)((i * 37) % 251 - 125);
    case TG_UINT8: return (double)((i * 37 + 3) % 256);
    case TG_INT16: return (double)((i * 7919) % 65521 - 32760);
    case TG_INT32: return (double)((i * 104729) % 2147483629 - 1073741800);
    case TG_INT64: return (double)((i * 1299709) % 1000003 - 500001) * 4096.0;
    case TG_FLOAT32: return (double)(float)((i * 7 % 23) - 11 + 0.25 * (i % 4));
    default: return (i * 7 % 23) - 11 + 1.0 / (double)(i + 3);
  }
}

static tg_array *io_array(tg_dtype dt, int ndim, const int64_t *shape) {
  tg_array *a = tg_array_empty(dt, ndim, shape);
  if (!a) return NULL;
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, io_value(dt, i));
  return a;
}

/* ---- counting allocator (TESTING.md's sweep) ---- */

typedef struct {
  uint64_t magic, size;
} io_hdr;
#define IO_LIVE 0x696f6c6976656e21ull

static struct {
  long count, fail_at, live;
  int armed;
} IOA;

static void *io_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  io_hdr *h = ptr ? (io_hdr *)ptr - 1 : NULL;
  if (h && h->magic != IO_LIVE) {
    fprintf(stderr, "io_check: bad free\n");
    abort();
  }
  if (nsize == 0) {
    if (h) h->magic = 0, IOA.live--, free(h);
    return NULL;
  }
  if (IOA.armed && ++IOA.count == IOA.fail_at) return NULL;
  io_hdr *n = realloc(h, sizeof(io_hdr) + nsize);
  if (!n) return NULL;
  if (!h) IOA.live++;
  n->magic = IO_LIVE, n->size = nsize;
  return n + 1;
}

__attribute__((constructor)) static void io_install(void) { tg_set_allocator(io_alloc, NULL); }

/* Run sc once counting allocations (it must succeed), then once per allocation with that
   one failing: each run must report TG_ERR_NOMEM and leave no block allocated. sc arms and
   disarms around the calls under test (io_arm/io_disarm) and cleans up after itself. */
typedef tg_status (*io_scenario)(void);
static void io_arm(void) { IOA.armed = 1; }
static void io_disarm(void) { IOA.armed = 0; }

static void io_sweep(const char *what, io_scenario sc) {
  memset(&IOA, 0, sizeof IOA);
  tg_status st = sc();
  th_checks++;
  if (st != TG_OK) TH_FAIL("%s: counting run failed: %s (%s)", what, tg_status_name(st), tg_errmsg());
  if (IOA.live) TH_FAIL("%s: counting run leaked %ld blocks", what, IOA.live);
  long n = IOA.count;
  if (n == 0) TH_FAIL("%s: made no allocation", what);
  for (long k = 1; k <= n; k++) {
    memset(&IOA, 0, sizeof IOA);
    IOA.fail_at = k;
    st = sc();
    th_checks++;
    if (st != TG_ERR_NOMEM)
      TH_FAIL("%s: failing allocation %ld of %ld gave %s (%s)", what, k, n, tg_status_name(st),
              tg_errmsg());
    if (IOA.live) TH_FAIL("%s: failing allocation %ld leaked %ld blocks", what, k, IOA.live);
  }
  memset(&IOA, 0, sizeof IOA);
}

#endif
