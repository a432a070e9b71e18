/* native.h: the layer of the native CPU backend that turns a C translation unit (a string)
   into loaded machine code: the compiler driver (cc.c), the disk cache of compiled shared
   objects (cache.c), the in-process table of loaded objects (native.c) and SHA-256
   (hash.c), which keys the cache. The code generator writes the source; this layer never
   looks inside it. docs/native.md describes the cache for users. */
#ifndef TG_NATIVE_H
#define TG_NATIVE_H

#include <stdint.h>

#include "../../core/core.h"

/* Bump when anything a cached object relies on changes (the calling convention of
   generated kernels, the entry format): old entries then simply stop matching. */
#define TGI_NATIVE_ABI 1

typedef struct tgi_native_lib tgi_native_lib;

/* Loaded shared object for this C translation unit: from the disk cache, or compiled now
   and published there. Thread-safe; the same source twice in one process gives the same
   handle (refcounted). NULL with err set (TG_ERR_NOTIMPL "no C compiler: ..." or
   TG_ERR_RUNTIME with the compiler's first error lines) when it cannot. */
tgi_native_lib *tgi_native_load(const char *src, size_t len, tgi_err *err);
/* tgi_native_load at optimisation level opt (1..3; tgi_native_load is 3): long sources
   compile far faster at 1, whose time grows linearly with the source, unlike 3's. */
tgi_native_lib *tgi_native_load_opt(const char *src, size_t len, int opt, tgi_err *err);
/* Code compiled earlier for the kernel body (a part of some translation unit that
   defines it, see codegen.h) at level opt, found through the body's alias in the cache;
   NULL when there is none (the caller compiles), or with err set (TG_ERR_NOMEM) when out
   of memory. */
tgi_native_lib *tgi_native_find(const char *body, size_t len, int opt, tgi_err *err);
/* tgi_native_load_opt of src, a translation unit that defines the n bodies, which are
   then findable one by one (an alias each) by tgi_native_find. */
tgi_native_lib *tgi_native_load_bodies(const char *src, size_t len, int opt, int n,
                                       const char *const *bodies, const size_t *blens,
                                       tgi_err *err);
/* One more reference to lib (each is dropped by tgi_native_unref). */
void tgi_native_ref(tgi_native_lib *lib);
/* 1 when the kernel body src at level opt is in the cache (through its alias), 0 when
   not, -1 with err when there is no usable cache directory or compiler. */
int tgi_native_cached(const char *src, size_t len, int opt, tgi_err *err);
/* Compile batch, a translation unit defining the n kernel bodies units, at level opt, and
   publish it in the configured cache: the object under the batch's key, an alias under
   each body's key, so that tgi_native_find finds them. The bodies are only hashed; the
   caller vouches that batch defines them. */
tg_status tgi_native_publish_batch(const char *batch, size_t blen, int opt, int n,
                                   const char *const *units, const size_t *lens, tgi_err *err);
/* The address of symbol name in lib, or NULL when it has none. */
void *tgi_native_sym(tgi_native_lib *lib, const char *name);
/* The digest of every text a kernel's prelude can hold (codegen_emit.c), part of each
   kernel body's key: a body's object holds the prelude it was compiled with. */
void tgi_cg_prelude_digest(unsigned char d[32]);
/* Drop one reference; the last one unloads the object (NULL is ignored). */
void tgi_native_unref(tgi_native_lib *lib);
/* The compiler command and version line (probed once, cached), or NULL with why. */
const char *tgi_native_compiler(tgi_err *why);
/* Escape arbitrary user text (a variable name) for use inside a C comment or string
   literal in generated code, so that no text can end the comment or string. */
void tgi_c_escape(const char *text, char *buf, size_t n);

/* Counters since the process started, for tests and benchmarks. */
typedef struct tgi_native_stats {
  long compiles;     /* runs of the C compiler that produced an object */
  long memory_hits;  /* loads answered by an object already loaded in this process */
  long disk_hits;    /* loads answered by a verified cache entry */
  long rebuilt;      /* cache entries found corrupt or truncated, compiled again */
  long published;    /* entries written to the cache */
  long refused_dirs; /* cache directories refused as unsafe (a warning each) */
} tgi_native_stats;
/* A snapshot of the counters. */
void tgi_native_get_stats(tgi_native_stats *out);

/* ---- the cache directory, for `tgraph cache` and tests (cache.c) ---- */

/* Usage of a cache directory: entries are compiled objects; partial files are temporaries
   of publications in progress (or left by a crash). */
typedef struct tgi_native_usage {
  long entries;
  long aliases;      /* alias files: units whose code is in a batch entry */
  int64_t bytes;
  long partial;
  int64_t partial_bytes;
} tgi_native_usage;

/* The configured cache directory (compiledir, else $XDG_CACHE_HOME/tgraph, else
   $HOME/.cache/tgraph) into buf; false with why when none can be named. */
bool tgi_native_cache_path(char *buf, size_t n, tgi_err *why);
/* TG_OK when dir is a directory of this user that group and others cannot write; with
   create, missing directories are made first (mode 0700). Otherwise why says what is
   wrong (TG_ERR_IO). */
tg_status tgi_native_cache_check(const char *dir, bool create, tgi_err *why);
/* Count the entries and partial files of dir (a missing dir is empty). */
tg_status tgi_native_cache_usage(const char *dir, tgi_native_usage *u, tgi_err *err);
/* Remove every entry, partial file and compiler memo from dir; other files stay. */
tg_status tgi_native_cache_clear(const char *dir, tgi_native_usage *removed, tgi_err *err);
/* Remove least recently used entries until the entries total at most limit bytes (no
   limit when limit <= 0), and partial files older than an hour. */
tg_status tgi_native_cache_prune(const char *dir, int64_t limit, tgi_native_usage *removed,
                                 tgi_err *err);
/* The size limit from the cache_max_mb setting, in bytes (0: no limit). */
int64_t tgi_native_cache_limit(void);

/* ---- SHA-256 (hash.c) ---- */

typedef struct tgi_sha256_ctx {
  uint32_t h[8];
  uint64_t nbytes;
  unsigned char buf[64];
  size_t nbuf;
} tgi_sha256_ctx;

/* Start a hash. */
void tgi_sha256_init(tgi_sha256_ctx *s);
/* Feed n bytes. */
void tgi_sha256_update(tgi_sha256_ctx *s, const void *p, size_t n);
/* Finish: the 32-byte digest into out (s is spent). */
void tgi_sha256_final(tgi_sha256_ctx *s, unsigned char out[32]);
/* Digest of n bytes in one call. */
void tgi_sha256(const void *p, size_t n, unsigned char out[32]);
/* n bytes as lowercase hex (2n + 1 bytes with the NUL) into hex. */
void tgi_hex(const unsigned char *p, size_t n, char *hex);

#endif
