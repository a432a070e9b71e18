/* cache.c: the disk cache of compiled objects. One file per entry, named by its key (the
   SHA-256 of the source, the compiler's identity and version, the flags, the CPU and the
   ABI version: see cc.c) as <64 hex digits>.so. Each entry is the shared object followed
   by an 80-byte trailer:

       "TGNATIV1"  u64 little-endian: the object's length  SHA-256 of the object  the key

   so a truncated, cut, overwritten or misnamed entry is found before anything is loaded
   from it. An entry is written under a unique temporary name in the same directory and
   renamed to its final name: rename(2) is atomic, so a reader sees a whole entry or none,
   and any number of processes publishing one key at once all succeed (the last rename
   wins; every version is valid) with no lock. Corrupt entries are replaced the same way,
   never unlinked, so a valid entry once there never disappears under a reader except by
   `tgraph cache clear|prune`.

   The directory must belong to this user and be writable by nobody else: anyone who can
   write there can make this process run their code. Missing directories are made with
   mode 0700. A directory that fails the check is refused with one warning, and this
   process caches in a private directory of its own, removed at exit. Use time for LRU
   pruning is the entry's mtime, refreshed on every hit.

   Aliases: the cache finds code kernel by kernel (codegen.h), and one object holds many
   kernels: those compiled for one function, or a batch (`tgraph cache build`, see
   codegen_batch.c). The object is an entry under its own key, and each kernel's key gets
   a 104-byte alias file <64 hex digits>.ln naming it:

       "TGALIAS1"  the kernel's key  the object's key  SHA-256 of the 72 bytes before

   written and replaced the same way as entries. An alias whose object is gone (pruned)
   or damaged is a miss, and prune removes the ones that name nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "native_impl.h"

#define TRAILER 80
static const char magic[8] = {'T', 'G', 'N', 'A', 'T', 'I', 'V', '1'};
#define MAX_ENTRY ((size_t)1 << 30) /* a larger file is not one of ours */
#define PARTIAL_AGE 3600            /* seconds before prune takes a temporary for debris */
#define TOUCH_AGE 60                /* seconds between refreshes of an entry's use time */

/* ---- where ---- */

bool tgi_native_cache_path(char *buf, size_t n, tgi_err *why) {
  const char *dir = tg_config_get("compiledir");
  int w;
  if (dir && *dir) {
    w = snprintf(buf, n, "%s", dir);
  } else if ((dir = getenv("XDG_CACHE_HOME")) != NULL && dir[0] == '/') {
    w = snprintf(buf, n, "%s/tgraph", dir); /* the XDG spec ignores a relative value */
  } else if ((dir = getenv("HOME")) != NULL && dir[0] == '/') {
    w = snprintf(buf, n, "%s/.cache/tgraph", dir);
  } else {
    tgi_err_set(why, TG_ERR_IO, "no cache directory: compiledir, XDG_CACHE_HOME and HOME "
                "are all unset");
    return false;
  }
  if (w < 0 || (size_t)w >= n || (size_t)w > TGI_PATH_MAX - 100) {
    tgi_err_set(why, TG_ERR_IO, "the cache directory name is too long (%d bytes)", w);
    return false;
  }
  while (w > 1 && buf[w - 1] == '/') buf[--w] = 0; /* "dir/" names dir */
  return true;
}

/* mkdir -p with mode 0700 for every directory made; existing ones are left alone. */
static void make_dirs(const char *dir) {
  char p[TGI_PATH_MAX];
  snprintf(p, sizeof p, "%s", dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    mkdir(p, 0700);
    *s = '/';
  }
  mkdir(p, 0700);
}

tg_status tgi_native_cache_check(const char *dir, bool create, tgi_err *why) {
  struct stat st;
  int r = stat(dir, &st);
  if (r != 0 && errno == ENOENT && create) {
    make_dirs(dir);
    r = stat(dir, &st);
  }
  if (r != 0) return tgi_err_set(why, TG_ERR_IO, "%s", strerror(errno));
  if (!S_ISDIR(st.st_mode)) return tgi_err_set(why, TG_ERR_IO, "it is not a directory");
  if (st.st_uid != geteuid())
    return tgi_err_set(why, TG_ERR_IO, "it is owned by uid %ld, not by this user (uid %ld)",
                       (long)st.st_uid, (long)geteuid());
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return tgi_err_set(why, TG_ERR_IO, "it is writable by group or others (mode %04o)",
                       (unsigned)(st.st_mode & 07777));
  return TG_OK;
}

/* The private directory of this process, made on first need and removed at exit. */
static pthread_mutex_t fb_mu = PTHREAD_MUTEX_INITIALIZER;
static char fb_dir[TGI_PATH_MAX];
static pid_t fb_pid;

static void remove_fallback(void) {
  if (!fb_dir[0] || getpid() != fb_pid) return; /* a forked child leaves it to its parent */
  tgi_native_usage u;
  tgi_err e = {0};
  tgi_native_cache_clear(fb_dir, &u, &e);
  rmdir(fb_dir);
}

static tg_status fallback_dir(char *buf, size_t n, tgi_err *err) {
  pthread_mutex_lock(&fb_mu);
  if (!fb_dir[0] || fb_pid != getpid()) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen(tmp) > TGI_PATH_MAX - 200) tmp = "/tmp";
    char d[TGI_PATH_MAX];
    snprintf(d, sizeof d, "%s/tgraph-cache-XXXXXX", tmp);
    if (!mkdtemp(d)) {
      int e = errno;
      pthread_mutex_unlock(&fb_mu);
      return tgi_err_set(err, TG_ERR_IO, "native: cannot make a private cache directory in "
                         "%s: %s", tmp, strerror(e));
    }
    if (!fb_dir[0]) atexit(remove_fallback);
    memcpy(fb_dir, d, sizeof d);
    fb_pid = getpid();
  }
  snprintf(buf, n, "%s", fb_dir);
  pthread_mutex_unlock(&fb_mu);
  return TG_OK;
}

/* Directories already warned about (a hash of the name), so each is reported once. */
static pthread_mutex_t warn_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t warned[32];
static int nwarned;

static bool first_warning(const char *dir) {
  unsigned char h[32];
  uint64_t v = 0;
  tgi_sha256(dir, strlen(dir), h);
  memcpy(&v, h, sizeof v);
  pthread_mutex_lock(&warn_mu);
  bool first = true;
  for (int i = 0; i < nwarned && first; i++) first = warned[i] != v;
  if (first && nwarned < (int)(sizeof warned / sizeof *warned)) warned[nwarned++] = v;
  pthread_mutex_unlock(&warn_mu);
  return first;
}

tg_status tgi_cache_dir(char *buf, size_t n, tgi_err *err) {
  char dir[TGI_PATH_MAX];
  tgi_err why = {0};
  bool named = tgi_native_cache_path(dir, sizeof dir, &why);
  if (named && tgi_native_cache_check(dir, true, &why) == TG_OK) {
    snprintf(buf, n, "%s", dir);
    return TG_OK;
  }
  if (first_warning(named ? dir : "")) {
    tgi_native_count_refused();
    if (named)
      fprintf(stderr, "tgraph: warning: native cache: not using '%s': %s; compiled code goes "
              "to a private temporary directory for this process\n", dir, why.msg);
    else
      fprintf(stderr, "tgraph: warning: native cache: %s; compiled code goes to a private "
              "temporary directory for this process\n", why.msg);
  }
  return fallback_dir(buf, n, err);
}

/* ---- entries ---- */

/* Read exactly n bytes at the file offset; false on error or a short file. */
static bool read_exact(int fd, unsigned char *p, size_t n) {
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, n -= (size_t)r;
  }
  return true;
}

/* Stream the first len bytes of fd into the hash (and, with out >= 0, copy them to out),
   through a buffer on the stack: no file is ever held whole in memory, and the path from
   a source to loaded code allocates nothing beyond its table entry, so it is the same
   whether the object is compiled or found. */
static bool stream(int fd, size_t len, tgi_sha256_ctx *h, int out) {
  unsigned char buf[16384];
  while (len) {
    size_t k = len < sizeof buf ? len : sizeof buf;
    if (!read_exact(fd, buf, k)) return false;
    tgi_sha256_update(h, buf, k);
    for (size_t w = 0; out >= 0 && w < k;) {
      ssize_t r = write(out, buf + w, k - w);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      w += (size_t)r;
    }
    len -= k;
  }
  return true;
}

static bool named_path(const char *dir, const unsigned char key[32], const char *ext,
                       char *path, size_t n) {
  char hex[65];
  tgi_hex(key, 32, hex);
  int w = snprintf(path, n, "%s/%s%s", dir, hex, ext);
  return w > 0 && (size_t)w < n;
}

static bool entry_path(const char *dir, const unsigned char key[32], char *path, size_t n) {
  return named_path(dir, key, ".so", path, n);
}

static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Read the trailer of the open file fd (size len) into t: true when it names key and len. */
static bool read_trailer(int fd, size_t len, const unsigned char key[32], unsigned char *t) {
  return len >= TRAILER + 64 && /* no ELF object is that small */
         lseek(fd, (off_t)(len - TRAILER), SEEK_SET) >= 0 && read_exact(fd, t, TRAILER) &&
         memcmp(t, magic, 8) == 0 && get_u64(t + 8) == len - TRAILER &&
         memcmp(t + 48, key, 32) == 0;
}

/* Is the open file fd (size len) the intact entry of key? */
static bool entry_ok(int fd, size_t len, const unsigned char key[32]) {
  unsigned char t[TRAILER], h[32];
  if (!read_trailer(fd, len, key, t)) return false;
  tgi_sha256_ctx s;
  tgi_sha256_init(&s);
  if (lseek(fd, 0, SEEK_SET) != 0 || !stream(fd, len - TRAILER, &s, -1)) return false;
  tgi_sha256_final(&s, h);
  return memcmp(h, t + 16, 32) == 0;
}

/* Files this process has verified whole, by device, inode, size and change times: a
   batch entry is looked up once per unit it holds, and hashing it every time would cost
   more than the units' loads. Any write to a file changes its times, and a replaced entry
   is a new inode, so a file that still matches is the one that was hashed; its trailer
   is still checked every time. */
enum { NVERIFIED = 64 };
typedef struct seen {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec m, c;
} seen;
static pthread_mutex_t ver_mu = PTHREAD_MUTEX_INITIALIZER;
static seen verified[NVERIFIED];
static int nverified, ver_next;

static bool same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool seen_whole(const struct stat *st) {
  bool hit = false;
  pthread_mutex_lock(&ver_mu);
  for (int i = 0; i < nverified && !hit; i++)
    hit = verified[i].dev == st->st_dev && verified[i].ino == st->st_ino &&
          verified[i].size == st->st_size && same_time(verified[i].m, st->st_mtim) &&
          same_time(verified[i].c, st->st_ctim);
  pthread_mutex_unlock(&ver_mu);
  return hit;
}

static void remember_whole(const struct stat *st) {
  pthread_mutex_lock(&ver_mu);
  int i = 0;
  while (i < nverified && !(verified[i].dev == st->st_dev && verified[i].ino == st->st_ino)) i++;
  if (i == nverified) i = nverified < NVERIFIED ? nverified++ : ver_next++ % NVERIFIED;
  verified[i] = (seen){st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim};
  pthread_mutex_unlock(&ver_mu);
}

int tgi_cache_lookup(const char *dir, const unsigned char key[32], char *path, size_t n,
                     tgi_err *err) {
  (void)err; /* nothing here allocates */
  if (!entry_path(dir, key, path, n)) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1; /* unreadable: replace it */
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= MAX_ENTRY;
  if (ok) {
    unsigned char t[TRAILER];
    ok = seen_whole(&st) ? read_trailer(fd, (size_t)st.st_size, key, t)
                         : entry_ok(fd, (size_t)st.st_size, key);
  }
  if (ok) {
    /* Used now: last in line for pruning. At most once a minute, so that processes
       sharing an entry do not keep changing its times under each other's memo. */
    if (time(NULL) - st.st_mtim.tv_sec > TOUCH_AGE) futimens(fd, NULL), fstat(fd, &st);
    remember_whole(&st);
  }
  close(fd);
  return ok ? 1 : -1;
}

static _Atomic long publish_seq;

tg_status tgi_cache_publish(const char *dir, const unsigned char key[32], const char *so_path,
                            tgi_err *err) {
  int in = open(so_path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode) ||
      (uint64_t)st.st_size > MAX_ENTRY - TRAILER) {
    int e = in < 0 ? errno : EINVAL;
    if (in >= 0) close(in);
    return tgi_err_set(err, TG_ERR_IO, "native: cannot read the compiled object: %s",
                       strerror(e));
  }
  size_t len = (size_t)st.st_size;
  char hex[17], tmp[TGI_PATH_MAX + 128], final[TGI_PATH_MAX + 80];
  tgi_hex(key, 8, hex);
  /* Unique among processes (pid) and threads (sequence number) on this host; O_EXCL
     catches anything else. */
  snprintf(tmp, sizeof tmp, "%s/tmp-%s-%ld-%ld.part", dir, hex, (long)getpid(),
           atomic_fetch_add(&publish_seq, 1));
  entry_path(dir, key, final, sizeof final);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    close(in);
    return tgi_err_set(err, TG_ERR_IO, "native: cannot write to the cache %s: %s", dir,
                       strerror(e));
  }
  /* the object, hashed on the way, then the trailer */
  unsigned char t[TRAILER];
  memcpy(t, magic, 8);
  put_u64(t + 8, len);
  memcpy(t + 48, key, 32);
  tgi_sha256_ctx h;
  tgi_sha256_init(&h);
  bool ok = stream(in, len, &h, fd);
  int e = errno;
  close(in);
  tgi_sha256_final(&h, t + 16);
  for (size_t k = 0; k < TRAILER && ok;) {
    ssize_t w = write(fd, t + k, TRAILER - k);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) k += (size_t)w;
    else e = errno;
  }
  /* No fsync: a crash may leave a cut entry, and the trailer check catches that. */
  if (close(fd) != 0 && ok) ok = false, e = errno;
  if (ok && rename(tmp, final) != 0) ok = false, e = errno;
  if (!ok) {
    unlink(tmp);
    return tgi_err_set(err, TG_ERR_IO, "native: cannot publish %s: %s", final, strerror(e));
  }
  tgi_native_count_published();
  int64_t limit = tgi_native_cache_limit();
  tgi_native_usage u, removed;
  tgi_err ignore = {0};
  if (limit > 0 && tgi_native_cache_usage(dir, &u, &ignore) == TG_OK && u.bytes > limit)
    tgi_native_cache_prune(dir, limit, &removed, &ignore);
  return TG_OK;
}

/* ---- aliases ---- */

static const char alias_magic[8] = {'T', 'G', 'A', 'L', 'I', 'A', 'S', '1'};
enum { ALIAS_LEN = 104 };

int tgi_cache_lookup_alias(const char *dir, const unsigned char key[32], char *path, size_t n,
                           unsigned char target[32]) {
  char lp[TGI_PATH_MAX + 80];
  if (!named_path(dir, key, ".ln", lp, sizeof lp)) return 0;
  int fd = open(lp, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  unsigned char a[ALIAS_LEN + 1], h[32];
  ssize_t r = read(fd, a, sizeof a); /* one more than an alias: a longer file is not one */
  close(fd);
  if (r != ALIAS_LEN || memcmp(a, alias_magic, 8) != 0 || memcmp(a + 8, key, 32) != 0) return 0;
  tgi_sha256(a, 72, h);
  if (memcmp(h, a + 72, 32) != 0) return 0;
  tgi_err ignore = {0};
  memcpy(target, a + 40, 32);
  return tgi_cache_lookup(dir, a + 40, path, n, &ignore) == 1;
}

tg_status tgi_cache_alias(const char *dir, const unsigned char key[32],
                          const unsigned char target[32], tgi_err *err) {
  unsigned char a[ALIAS_LEN];
  memcpy(a, alias_magic, 8);
  memcpy(a + 8, key, 32);
  memcpy(a + 40, target, 32);
  tgi_sha256(a, 72, a + 72);
  char hex[17], tmp[TGI_PATH_MAX + 128], final[TGI_PATH_MAX + 80];
  tgi_hex(key, 8, hex);
  snprintf(tmp, sizeof tmp, "%s/tmp-%s-%ld-%ld.part", dir, hex, (long)getpid(),
           atomic_fetch_add(&publish_seq, 1));
  named_path(dir, key, ".ln", final, sizeof final);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  int e = errno;
  for (size_t k = 0; ok && k < ALIAS_LEN;) {
    ssize_t w = write(fd, a + k, ALIAS_LEN - k);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) k += (size_t)w;
    else e = errno;
  }
  if (fd >= 0 && close(fd) != 0 && ok) ok = false, e = errno;
  if (ok && rename(tmp, final) != 0) ok = false, e = errno;
  if (!ok) {
    if (fd >= 0) unlink(tmp);
    return tgi_err_set(err, TG_ERR_IO, "native: cannot publish %s: %s", final, strerror(e));
  }
  return TG_OK;
}

/* ---- management: info, clear, prune ---- */

int64_t tgi_native_cache_limit(void) {
  const char *v = tg_config_get("cache_max_mb");
  char *end;
  errno = 0;
  long long mb = v ? strtoll(v, &end, 10) : -1;
  if (!v || end == v || *end || errno || mb < 0 || mb > ((int64_t)1 << 40))
    mb = 256; /* not a count of MiB: the default */
  return (int64_t)mb << 20;
}

enum { K_OTHER, K_ENTRY, K_PARTIAL, K_MEMO, K_ALIAS };

static bool all_hex(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

/* What a file name in a cache directory is; anything not ours is K_OTHER and left alone. */
static int kind_of(const char *nm) {
  size_t n = strlen(nm);
  if (n == 67 && all_hex(nm, 64) && strcmp(nm + 64, ".so") == 0) return K_ENTRY;
  if (n == 67 && all_hex(nm, 64) && strcmp(nm + 64, ".ln") == 0) return K_ALIAS;
  if (n > 9 && (strncmp(nm, "tmp-", 4) == 0 || strncmp(nm, "cc-", 3) == 0) &&
      strcmp(nm + n - 5, ".part") == 0)
    return K_PARTIAL;
  if (n == 38 && strncmp(nm, "cc-", 3) == 0 && all_hex(nm + 3, 32) &&
      strcmp(nm + 35, ".id") == 0)
    return K_MEMO;
  return K_OTHER;
}

typedef struct {
  char name[68];
  int64_t size;
  struct timespec used;
} item;

static int cmp_used(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  if (x->used.tv_nsec != y->used.tv_nsec) return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Whether the alias file nm in dfd names an entry that is still there. */
static bool alias_live(int dfd, const char *nm) {
  int fd = openat(dfd, nm, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char a[ALIAS_LEN];
  bool ok = read(fd, a, sizeof a) == ALIAS_LEN;
  close(fd);
  char hex[65], so[72];
  tgi_hex(a + 40, 32, hex);
  snprintf(so, sizeof so, "%s.so", hex);
  struct stat sb;
  return ok && fstatat(dfd, so, &sb, 0) == 0;
}

/* Walk dir. mode 0: count; 1: clear; 2: collect entries into *items (for prune) and
   remove old partial files; 3: remove aliases whose batch entry is gone. Counts (or
   removals) go to u. */
static tg_status walk(const char *dir, int mode, tgi_native_usage *u, item **items,
                      long *nitems, tgi_err *err) {
  memset(u, 0, sizeof *u);
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT) return TG_OK; /* nothing cached yet */
    return tgi_err_set(err, TG_ERR_IO, "cannot read the cache directory %s: %s", dir,
                       strerror(errno));
  }
  int dfd = dirfd(d);
  long cap = 0;
  time_t now = time(NULL);
  tg_status st = TG_OK;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    int kind = kind_of(de->d_name);
    struct stat sb;
    if (kind == K_OTHER || fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(sb.st_mode))
      continue;
    bool old = now - sb.st_mtim.tv_sec > PARTIAL_AGE;
    bool rm = mode == 1 || (mode == 2 && kind == K_PARTIAL && old) ||
              (mode == 3 && kind == K_ALIAS && !alias_live(dfd, de->d_name));
    if (rm && unlinkat(dfd, de->d_name, 0) != 0) continue;
    if (mode == 0 || rm) {
      if (kind == K_ENTRY) u->entries++, u->bytes += sb.st_size;
      if (kind == K_ALIAS) u->aliases++;
      if (kind == K_PARTIAL) u->partial++, u->partial_bytes += sb.st_size;
    }
    if (mode == 2 && kind == K_ENTRY) {
      if (*nitems == cap) {
        long nc = cap ? 2 * cap : 64;
        item *ni = tgi_realloc(*items, (size_t)nc * sizeof *ni);
        if (!ni) {
          st = tgi_err_set(err, TG_ERR_NOMEM, "out of memory listing the cache");
          break;
        }
        *items = ni, cap = nc;
      }
      item *it = &(*items)[(*nitems)++];
      memcpy(it->name, de->d_name, 68);
      it->size = sb.st_size;
      it->used = sb.st_mtim;
    }
  }
  closedir(d);
  return st;
}

tg_status tgi_native_cache_usage(const char *dir, tgi_native_usage *u, tgi_err *err) {
  return walk(dir, 0, u, NULL, NULL, err);
}

tg_status tgi_native_cache_clear(const char *dir, tgi_native_usage *removed, tgi_err *err) {
  return walk(dir, 1, removed, NULL, NULL, err);
}

tg_status tgi_native_cache_prune(const char *dir, int64_t limit, tgi_native_usage *removed,
                                 tgi_err *err) {
  item *items = NULL;
  long n = 0;
  tg_status st = walk(dir, 2, removed, &items, &n, err);
  if (st == TG_OK && limit > 0) {
    int64_t total = 0;
    for (long i = 0; i < n; i++) total += items[i].size;
    qsort(items, (size_t)n, sizeof *items, cmp_used); /* least recently used first */
    char p[TGI_PATH_MAX + 80];
    for (long i = 0; i < n && total > limit; i++) {
      snprintf(p, sizeof p, "%s/%s", dir, items[i].name);
      if (unlink(p) != 0) continue; /* another process pruned it: fine */
      total -= items[i].size;
      removed->entries++, removed->bytes += items[i].size;
    }
  }
  tgi_free(items);
  tgi_native_usage gone;
  if (st == TG_OK) st = walk(dir, 3, &gone, NULL, NULL, err); /* aliases of pruned batches */
  removed->aliases += gone.aliases;
  return st;
}
