/* codegen_batch.c: kernels compiled in batches. A C compiler costs about 0.1 s per run
   however small the source (its start-up, the assembler and the linker), so a program
   that makes thousands of small functions (a test suite, a sweep over shapes and dtypes)
   spends its time starting compilers. Instead it can run once with the reference linker
   and TGRAPH_KERNEL_LOG=DIR, which writes there the body of every kernel the native
   linker would compile (each distinct kernel once, whatever number of functions use
   it); `tgraph cache build DIR` then compiles them into a few large objects (a batch:
   one prelude, then many bodies, each between its own TGK lines) and publishes them in
   the cache with an alias per kernel (see cache.c). A later native run finds each
   kernel there as if it had compiled it itself: the names are the same (codegen.h).

   The log directory is held to the rules of the cache directory (this user's, writable
   by nobody else): whatever is logged there ends up loaded into processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen.h"
#include "native_impl.h"

/* A batch holds at most this many kernels or bytes of bodies: small enough that a batch
   compiles in a few seconds and two compilers run side by side, large enough that the
   compiler's fixed cost is spread over many kernels. */
enum { BATCH_UNITS = 256, BATCH_BYTES = 512 << 10, MAX_BODY = 16 << 20 };

const char *tgi_cg_log_dir(void) {
  const char *d = getenv("TGRAPH_KERNEL_LOG");
  return d && *d ? d : NULL;
}

static _Atomic long log_seq;

void tgi_cg_log(const char *dir, const char *body, size_t blen, int opt) {
  unsigned char h[32];
  char hex[65], path[TGI_PATH_MAX + 96], tmp[TGI_PATH_MAX + 128];
  tgi_sha256(body, blen, h);
  tgi_hex(h, 32, hex);
  int w = snprintf(path, sizeof path, "%s/%s-O%d.k", dir, hex, opt);
  if (w < 0 || (size_t)w >= sizeof path) return;
  struct stat st;
  if (stat(path, &st) == 0) return; /* logged already (by this or another process) */
  tgi_err ignore = {0};
  if (tgi_native_cache_check(dir, true, &ignore) != TG_OK) return;
  snprintf(tmp, sizeof tmp, "%s/tmp-%.16s-%ld-%ld.part", dir, hex, (long)getpid(),
           atomic_fetch_add(&log_seq, 1));
  if (!tgi_write_new_file(tmp, body, blen) || rename(tmp, path) != 0) unlink(tmp);
}

/* ---- reading the log ---- */

typedef struct logged {
  char name[72]; /* <64 hex>-O<n>.k */
  int opt;
} logged;

/* Is nm a log file name? Its level into *opt. */
static bool log_name(const char *nm, int *opt) {
  if (strlen(nm) != 69 || strncmp(nm + 64, "-O", 2) != 0 || nm[66] < '1' || nm[66] > '3' ||
      strcmp(nm + 67, ".k") != 0)
    return false;
  for (int i = 0; i < 64; i++)
    if (!((nm[i] >= '0' && nm[i] <= '9') || (nm[i] >= 'a' && nm[i] <= 'f'))) return false;
  *opt = nm[66] - '0';
  return true;
}

/* The body logged as nm in dir, checked against its name, into *out: TG_OK, TG_ERR_NOMEM,
   or TG_ERR_IO when the file cannot be read or is not what its name says (cut short). */
static tg_status read_body(const char *dir, const char *nm, char **out, size_t *len) {
  char path[TGI_PATH_MAX + 96];
  snprintf(path, sizeof path, "%s/%s", dir, nm);
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return TG_ERR_IO;
  struct stat st;
  tg_status s = TG_ERR_IO;
  char *buf = NULL;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= MAX_BODY) {
    buf = tgi_malloc((size_t)st.st_size + 1);
    s = buf ? TG_OK : TG_ERR_NOMEM;
  }
  size_t got = 0, want = s == TG_OK ? (size_t)st.st_size : 0;
  while (got < want) {
    ssize_t r = read(fd, buf + got, want - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (s != TG_OK) return s;
  unsigned char h[32];
  char hex[65];
  tgi_sha256(buf, got, h);
  tgi_hex(h, 32, hex);
  if (got != want || memcmp(hex, nm, 64) != 0) {
    tgi_free(buf);
    return TG_ERR_IO;
  }
  buf[got] = 0;
  *out = buf, *len = got;
  return TG_OK;
}

static int cmp_logged(const void *a, const void *b) {
  const logged *x = a, *y = b;
  if (x->opt != y->opt) return x->opt - y->opt;
  return strcmp(x->name, y->name);
}

/* The log's kernels that are not cached yet, sorted by level then name, into *out. */
static tg_status list_missing(const char *dir, logged **out, long *n,
                              tgi_cg_build_stats *bs, tgi_err *err) {
  DIR *d = opendir(dir);
  if (!d)
    return tgi_err_set(err, TG_ERR_IO, "cannot read the kernel log %s: %s", dir, strerror(errno));
  long cap = 0;
  tg_status st = TG_OK;
  struct dirent *de;
  while (st == TG_OK && (de = readdir(d)) != NULL) {
    int opt;
    if (!log_name(de->d_name, &opt)) continue;
    bs->kernels++;
    size_t blen = 0;
    char *body;
    tg_status r = read_body(dir, de->d_name, &body, &blen);
    if (r == TG_ERR_NOMEM) {
      st = tgi_err_set(err, TG_ERR_NOMEM, "out of memory reading the kernel log");
      break;
    }
    if (r != TG_OK) {
      bs->unreadable++;
      continue;
    }
    int c = tgi_native_cached(body, blen, opt, err);
    tgi_free(body);
    if (c < 0) {
      st = err->status;
      break;
    }
    if (c == 1) {
      bs->cached++;
      continue;
    }
    if (*n == cap) {
      long nc = cap ? 2 * cap : 256;
      logged *nl = tgi_realloc(*out, (size_t)nc * sizeof *nl);
      if (!nl) {
        st = tgi_err_set(err, TG_ERR_NOMEM, "out of memory reading the kernel log");
        break;
      }
      *out = nl, cap = nc;
    }
    memcpy((*out)[*n].name, de->d_name, 70); /* 69 characters and the NUL (log_name) */
    (*out)[(*n)++].opt = opt;
  }
  closedir(d);
  if (st == TG_OK && *n > 1) qsort(*out, (size_t)*n, sizeof **out, cmp_logged);
  return st;
}

/* ---- compiling batches ---- */

typedef struct job {
  const char *dir;
  const logged *units;
  long *starts; /* batch b holds units [starts[b], starts[b + 1]) */
  long nbatches;
  _Atomic long next, compiled, failed, done_units;
  pthread_mutex_t mu;
  tgi_err first; /* the first failure, for the report */
} job;

/* Compile batch [lo, hi) of j->units and publish it. A kernel whose log file cannot be
   read now (removed since it was listed) is left out: it compiles when needed. */
static void one_batch(job *j, long lo, long hi) {
  long n = hi - lo, m = 0;
  char **units = tgi_calloc((size_t)n, sizeof *units);
  size_t *ulens = tgi_calloc((size_t)n, sizeof *ulens);
  tgi_sbuf named = {NULL, 0, 0, false}, all = {NULL, 0, 0, false};
  bool mem = units && ulens;
  for (long i = 0; mem && i < n; i++) {
    size_t blen = 0;
    char *body;
    tg_status r = read_body(j->dir, j->units[lo + i].name, &body, &blen);
    if (r != TG_OK) {
      mem = r != TG_ERR_NOMEM;
      continue;
    }
    char pfx[17];
    tgi_cg_prefix(body, blen, pfx);
    tgi_cg_emit_named(&named, body, blen, pfx);
    units[m] = body, ulens[m++] = blen;
    mem = !named.bad;
  }
  if (mem && m) {
    tgi_sb_puts(&all, "/* tgraph native kernels: a batch (tgraph cache build) */\n");
    tgi_cg_emit_prelude(&all, named.s, named.n);
    tgi_sb_printf(&all, "%.*s", (int)named.n, named.s);
    mem = !all.bad;
  }
  tgi_err e = {TG_OK, ""};
  tg_status st = !mem ? tgi_err_set(&e, TG_ERR_NOMEM, "out of memory assembling a batch")
                 : m == 0 ? TG_OK
                          : tgi_native_publish_batch(all.s, all.n, j->units[lo].opt, (int)m,
                                                     (const char *const *)units, ulens, &e);
  if (st == TG_OK) {
    atomic_fetch_add(&j->compiled, m ? 1 : 0);
    atomic_fetch_add(&j->done_units, m);
  } else {
    atomic_fetch_add(&j->failed, 1);
    pthread_mutex_lock(&j->mu);
    if (j->first.status == TG_OK || st == TG_ERR_NOMEM) j->first = e;
    pthread_mutex_unlock(&j->mu);
  }
  for (long i = 0; i < m; i++) tgi_free(units[i]);
  tgi_free(units), tgi_free(ulens);
  tgi_free(named.s), tgi_free(all.s);
}

static void *worker(void *p) {
  job *j = p;
  for (long b; (b = atomic_fetch_add(&j->next, 1)) < j->nbatches;)
    one_batch(j, j->starts[b], j->starts[b + 1]);
  return NULL;
}

/* Cut the sorted kernels into batches: one level each, within the size limits. */
static long cut(const char *dir, const logged *u, long n, long *starts) {
  long nb = 0, count = 0;
  int64_t bytes = 0;
  for (long i = 0; i < n; i++) {
    char path[TGI_PATH_MAX + 96];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, u[i].name);
    int64_t sz = stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
    if (i == 0 || u[i].opt != u[i - 1].opt || count == BATCH_UNITS || bytes + sz > BATCH_BYTES) {
      starts[nb++] = i;
      count = 0, bytes = 0;
    }
    count++, bytes += sz;
  }
  starts[nb] = n;
  return nb;
}

tg_status tgi_cg_build(const char *dir, int jobs, tgi_cg_build_stats *bs, tgi_err *err) {
  memset(bs, 0, sizeof *bs);
  if (!dir || !*dir) return tgi_err_set(err, TG_ERR_ARG, "cache build: no kernel log directory");
  tgi_err why = {0};
  if (tgi_native_cache_check(dir, false, &why) != TG_OK)
    return tgi_err_set(err, TG_ERR_IO, "cache build: not using the kernel log '%s': %s", dir,
                       why.msg);
  logged *units = NULL;
  long n = 0;
  tg_status st = list_missing(dir, &units, &n, bs, err);
  long *starts = st == TG_OK ? tgi_malloc(sizeof(long) * ((size_t)n + 1)) : NULL;
  if (st == TG_OK && !starts)
    st = tgi_err_set(err, TG_ERR_NOMEM, "out of memory planning the batches");
  if (st != TG_OK) {
    tgi_free(units);
    return st;
  }
  job j = {.dir = dir, .units = units, .starts = starts};
  j.nbatches = n ? cut(dir, units, n, starts) : 0;
  pthread_mutex_init(&j.mu, NULL);
  if (jobs > 64) jobs = 64;
  if (jobs > j.nbatches) jobs = (int)j.nbatches;
  pthread_t th[64];
  int started = 0;
  for (int t = 1; t < jobs; t++, started++)
    if (pthread_create(&th[started], NULL, worker, &j) != 0) break; /* fewer threads: fine */
  worker(&j);
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  pthread_mutex_destroy(&j.mu);
  bs->batches = atomic_load(&j.compiled);
  bs->failed_batches = atomic_load(&j.failed);
  bs->compiled = atomic_load(&j.done_units);
  tgi_free(units);
  tgi_free(starts);
  if (bs->failed_batches) {
    *err = j.first;
    return err->status;
  }
  return TG_OK;
}
