/* native.c: loading compiled code: the in-process table of loaded objects (one per key,
   refcounted, so the same source twice is one load), the path from a source to a handle
   (memory, then the disk cache, then the compiler), and the counters.

   Concurrency: the table is guarded by one mutex that is never held while compiling. A
   thread that finds a key being loaded by another waits for it (a condition variable), so
   a process compiles each key once; other keys go ahead in parallel. Between processes
   there is no lock at all: see cache.c. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "native_impl.h"

struct tgi_native_lib {
  struct tgi_native_lib *next;
  unsigned char key[32];
  void *handle; /* from dlopen; NULL while loading */
  long refcnt;
  bool ready;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t loaded = PTHREAD_COND_INITIALIZER;
static tgi_native_lib *libs;

static _Atomic long n_compiles, n_memory, n_disk, n_rebuilt, n_published, n_refused;

void tgi_native_count_refused(void) { atomic_fetch_add(&n_refused, 1); }
void tgi_native_count_published(void) { atomic_fetch_add(&n_published, 1); }

void tgi_native_get_stats(tgi_native_stats *out) {
  out->compiles = atomic_load(&n_compiles);
  out->memory_hits = atomic_load(&n_memory);
  out->disk_hits = atomic_load(&n_disk);
  out->rebuilt = atomic_load(&n_rebuilt);
  out->published = atomic_load(&n_published);
  out->refused_dirs = atomic_load(&n_refused);
}

/* The handle for key, from the cache in dir ("" for none) or compiled now; NULL with err. */
static void *load_handle(const tgi_cc *cc, const char *dir, const unsigned char key[32],
                         const char *src, size_t len, int opt, tgi_err *err) {
  bool corrupt = false;
  if (dir[0]) {
    char path[TGI_PATH_MAX + 80];
    int r = tgi_cache_lookup(dir, key, path, sizeof path, err);
    if (r == -2) return NULL;
    if (r == 1) {
      void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (h) {
        atomic_fetch_add(&n_disk, 1);
        return h;
      }
      /* An intact entry that will not load (a noexec mount, a vanished library it
         needs): compile afresh; the error, if any, comes from that load. */
    }
    corrupt = r == -1;
  }
  char tmp[TGI_PATH_MAX];
  if (tgi_cc_compile(cc, src, len, opt, tmp, sizeof tmp, err) != TG_OK) return NULL;
  atomic_fetch_add(&n_compiles, 1);
  char so[TGI_PATH_MAX + 8];
  snprintf(so, sizeof so, "%s/k.so", tmp);
  /* Loaded from the private directory, under a name no other object ever has, so whoever
     wins the race to publish does not matter to this process. */
  void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *why = dlerror();
    tgi_err_set(err, TG_ERR_RUNTIME, "native: cannot load the compiled object: %s",
                why ? why : "dlopen failed");
  } else if (dir[0]) {
    if (corrupt) atomic_fetch_add(&n_rebuilt, 1);
    tgi_err ignore = {0}; /* a cache that cannot be written only costs later compiles */
    if (tgi_cache_publish(dir, key, so, &ignore) == TG_OK)
      tgi_cc_remember(cc, dir); /* so a new process finds the compiler's identity here */
  }
  tgi_cc_cleanup(tmp);
  return h;
}

/* The cache key of src compiled at -O<opt> by cc. */
static void key_of2(const tgi_cc *cc, int opt, const char *src, size_t len, bool kernel,
                    unsigned char key[32]) {
  tgi_sha256_ctx s;
  tgi_sha256_init(&s);
  tgi_sha256_update(&s, cc->id, sizeof cc->id);
  if (opt != 3) { /* the level is part of the key (-O3's keys stay as they were) */
    char lv[8];
    int lvn = snprintf(lv, sizeof lv, "-O%d", opt);
    tgi_sha256_update(&s, lv, (size_t)lvn + 1);
  }
  if (kernel) { /* a body's object also holds the prelude it was compiled with */
    unsigned char pd[32];
    tgi_cg_prelude_digest(pd);
    tgi_sha256_update(&s, "kernel", 7);
    tgi_sha256_update(&s, pd, sizeof pd);
  }
  tgi_sha256_update(&s, src, len);
  tgi_sha256_final(&s, key);
}

/* The key of a whole translation unit. */
static void key_of(const tgi_cc *cc, int opt, const char *src, size_t len, unsigned char key[32]) {
  key_of2(cc, opt, src, len, false, key);
}

/* The key of one kernel body, whose text leaves out the prelude. */
static void kernel_key_of(const tgi_cc *cc, int opt, const char *body, size_t len,
                          unsigned char key[32]) {
  key_of2(cc, opt, body, len, true, key);
}

tgi_native_lib *tgi_native_load(const char *src, size_t len, tgi_err *err) {
  return tgi_native_load_opt(src, len, 3, err);
}

/* How acquire() gets a handle it does not have: compiling (or finding by its own key)
   a source, or opening the batch entry an alias named. */
typedef struct how {
  const tgi_cc *cc;
  const char *dir, *src, *path; /* path: an entry to open; else compile src */
  size_t len;
  int opt;
} how;

/* The table entry for key, made by loading as h says unless it is loaded already (a
   thread that finds another one loading it waits); NULL with err. */
static tgi_native_lib *acquire(const unsigned char key[32], const how *hw, tgi_err *err) {
  pthread_mutex_lock(&mu);
  tgi_native_lib *lib;
  for (;;) {
    lib = libs;
    while (lib && memcmp(lib->key, key, 32) != 0) lib = lib->next;
    if (!lib || lib->ready) break;
    pthread_cond_wait(&loaded, &mu); /* another thread is loading it */
  }
  if (lib) {
    lib->refcnt++;
    pthread_mutex_unlock(&mu);
    atomic_fetch_add(&n_memory, 1);
    return lib;
  }
  lib = tgi_calloc(1, sizeof *lib);
  if (!lib) {
    pthread_mutex_unlock(&mu);
    tgi_err_set(err, TG_ERR_NOMEM, "native: out of memory loading compiled code");
    return NULL;
  }
  memcpy(lib->key, key, 32);
  lib->next = libs;
  libs = lib; /* not ready: others wait for this thread */
  pthread_mutex_unlock(&mu);

  void *h;
  if (hw->path) {
    /* A batch, shared by many kernels: NODELETE keeps it mapped for the next one
       rather than unloading it with each function. */
    h = dlopen(hw->path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h) atomic_fetch_add(&n_disk, 1);
    else tgi_err_set(err, TG_ERR_RUNTIME, "native: cannot load %s", hw->path);
  } else {
    h = load_handle(hw->cc, hw->dir, key, hw->src, hw->len, hw->opt, err);
  }

  pthread_mutex_lock(&mu);
  if (h) {
    lib->handle = h;
    lib->refcnt = 1;
    lib->ready = true;
  } else {
    tgi_native_lib **p = &libs;
    while (*p != lib) p = &(*p)->next;
    *p = lib->next;
    tgi_free(lib);
    lib = NULL;
  }
  pthread_cond_broadcast(&loaded);
  pthread_mutex_unlock(&mu);
  return lib;
}

/* The cache directory (dir[0] = 0: none, compile uncached) and the compiler. */
static const tgi_cc *setup(char *dir, size_t n, tgi_err *err) {
  tgi_err dir_err = {0};
  if (tgi_cache_dir(dir, n, &dir_err) != TG_OK) dir[0] = 0;
  return tgi_cc_get(dir[0] ? dir : NULL, err);
}

tgi_native_lib *tgi_native_load_opt(const char *src, size_t len, int opt, tgi_err *err) {
  if (opt < 1 || opt > 3) opt = 3;
  if (!src) {
    tgi_err_set(err, TG_ERR_ARG, "native: the C source is NULL");
    return NULL;
  }
  char dir[TGI_PATH_MAX];
  const tgi_cc *cc = setup(dir, sizeof dir, err);
  if (!cc) return NULL;
  unsigned char key[32];
  key_of(cc, opt, src, len, key);
  how hw = {cc, dir, src, NULL, len, opt};
  return acquire(key, &hw, err);
}

tgi_native_lib *tgi_native_find(const char *body, size_t len, int opt, tgi_err *err) {
  if (opt < 1 || opt > 3) opt = 3;
  char dir[TGI_PATH_MAX], path[TGI_PATH_MAX + 80];
  tgi_err e = {0};
  const tgi_cc *cc = setup(dir, sizeof dir, &e);
  if (!cc || !dir[0] || !body) return NULL; /* the compile that follows says why */
  unsigned char key[32], target[32];
  kernel_key_of(cc, opt, body, len, key);
  if (tgi_cache_lookup_alias(dir, key, path, sizeof path, target) != 1) return NULL;
  how hw = {cc, dir, NULL, path, 0, opt};
  tgi_native_lib *lib = acquire(target, &hw, &e);
  if (!lib && e.status == TG_ERR_NOMEM) *err = e;
  return lib;
}

tgi_native_lib *tgi_native_load_bodies(const char *src, size_t len, int opt, int n,
                                       const char *const *bodies, const size_t *blens,
                                       tgi_err *err) {
  tgi_native_lib *lib = tgi_native_load_opt(src, len, opt, err);
  char dir[TGI_PATH_MAX];
  tgi_err ignore = {0};
  const tgi_cc *cc = lib ? setup(dir, sizeof dir, &ignore) : NULL;
  unsigned char key[32];
  for (int i = 0; cc && dir[0] && i < n; i++) { /* a kernel not findable costs a compile */
    kernel_key_of(cc, opt < 1 || opt > 3 ? 3 : opt, bodies[i], blens[i], key);
    tgi_cache_alias(dir, key, lib->key, &ignore);
  }
  return lib;
}

void tgi_native_ref(tgi_native_lib *lib) {
  pthread_mutex_lock(&mu);
  lib->refcnt++;
  pthread_mutex_unlock(&mu);
}

void *tgi_native_sym(tgi_native_lib *lib, const char *name) {
  return lib && name ? dlsym(lib->handle, name) : NULL;
}

void tgi_native_unref(tgi_native_lib *lib) {
  if (!lib) return;
  pthread_mutex_lock(&mu);
  bool last = --lib->refcnt == 0;
  if (last) {
    tgi_native_lib **p = &libs;
    while (*p != lib) p = &(*p)->next;
    *p = lib->next;
  }
  pthread_mutex_unlock(&mu);
  if (last) {
    dlclose(lib->handle);
    tgi_free(lib);
  }
}

/* ---- batches ---- */

/* The compiler and a safe cache directory (not a private fallback: a batch compiled into
   a directory that goes away with this process would be wasted); NULL with err. */
static const tgi_cc *batch_setup(char *dir, size_t n, tgi_err *err) {
  if (!tgi_native_cache_path(dir, n, err) || tgi_native_cache_check(dir, true, err) != TG_OK)
    return NULL;
  return tgi_cc_get(dir, err);
}

int tgi_native_cached(const char *src, size_t len, int opt, tgi_err *err) {
  if (opt < 1 || opt > 3) opt = 3;
  char dir[TGI_PATH_MAX], path[TGI_PATH_MAX + 80];
  const tgi_cc *cc = batch_setup(dir, sizeof dir, err);
  if (!cc) return -1;
  unsigned char key[32];
  kernel_key_of(cc, opt, src, len, key);
  unsigned char target[32]; /* kernels are only ever found through their aliases */
  return tgi_cache_lookup_alias(dir, key, path, sizeof path, target) == 1;
}

tg_status tgi_native_publish_batch(const char *batch, size_t blen, int opt, int n,
                                   const char *const *units, const size_t *lens, tgi_err *err) {
  if (opt < 1 || opt > 3) opt = 3;
  if (!batch || n < 0 || (n > 0 && (!units || !lens)))
    return tgi_err_set(err, TG_ERR_ARG, "native: a batch needs its source and its units");
  char dir[TGI_PATH_MAX], tmp[TGI_PATH_MAX];
  const tgi_cc *cc = batch_setup(dir, sizeof dir, err);
  if (!cc) return err->status != TG_OK ? err->status : TG_ERR_IO;
  unsigned char bkey[32], key[32];
  key_of(cc, opt, batch, blen, bkey);
  if (tgi_cc_compile(cc, batch, blen, opt, tmp, sizeof tmp, err) != TG_OK) return err->status;
  atomic_fetch_add(&n_compiles, 1);
  char so[TGI_PATH_MAX + 8];
  snprintf(so, sizeof so, "%s/k.so", tmp);
  /* Loaded once before anything points at it: an object that will not load here (a
     symbol the compiler left undefined) must not become the answer for its units. */
  void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  tg_status st;
  if (!h) {
    const char *why = dlerror();
    st = tgi_err_set(err, TG_ERR_RUNTIME, "native: cannot load the compiled batch: %s",
                     why ? why : "dlopen failed");
  } else {
    dlclose(h);
    st = tgi_cache_publish(dir, bkey, so, err);
    if (st == TG_OK) tgi_cc_remember(cc, dir);
  }
  tgi_cc_cleanup(tmp);
  if (st != TG_OK) return st;
  for (int i = 0; i < n; i++) {
    kernel_key_of(cc, opt, units[i], lens[i], key);
    if (tgi_cache_alias(dir, key, bkey, err) != TG_OK) return err->status;
  }
  return TG_OK;
}
