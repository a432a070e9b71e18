/* native_impl.h: what the files of the native loader share beyond native.h: the probed
   compiler (cc.c), the cache directory and its entries (cache.c), and the counters
   (native.c). */
#ifndef TG_NATIVE_IMPL_H
#define TG_NATIVE_IMPL_H

#include <limits.h>

#include "native.h"

#define TGI_PATH_MAX 4096

#define TGI_CC_SETTING_MAX 1024 /* longest cc setting */
#define TGI_CC_WORDS 64          /* most words in it */

/* A probed compiler, for one value of the cc setting (or $CC). Probes are memoised for
   the life of the process, one per distinct setting, in static storage rather than the
   library's allocator: they are never freed, and a memo that the allocation-failure
   sweep saw as a leak (or whose allocation it failed) would make every scenario that
   compiles look leaky or non-deterministic. */
typedef struct tgi_cc {
  char setting[TGI_CC_SETTING_MAX];    /* the words as configured ("cc", "gcc-12 -m64") */
  char words[TGI_CC_SETTING_MAX];      /* the same, cut into words for argv */
  char *argv[TGI_CC_WORDS + 1];        /* argv[0] is prog, the others point into words */
  int argc;
  bool gcc;                            /* gcc: -O3 is spelt as cc.c's gcc_o3 */
  char prog[TGI_PATH_MAX];             /* the program as found along $PATH */
  char real[TGI_PATH_MAX];             /* its resolved path */
  char version[512];                   /* the first line of its --version */
  char line[TGI_CC_SETTING_MAX + TGI_PATH_MAX + 520]; /* "cc (/usr/bin/gcc-12): cc (...) 12.2.0" */
  unsigned char id[32];                /* hash of everything but the source in a key */
  tgi_err err;                         /* status != TG_OK: no usable compiler; why */
} tgi_cc;

/* The compiler for the current setting; memo_dir (may be NULL) holds on-disk memos of
   `--version` so a new process need not run the compiler to know it. NULL with err set
   (TG_ERR_NOTIMPL, or TG_ERR_NOMEM). */
const tgi_cc *tgi_cc_get(const char *memo_dir, tgi_err *err);
/* Write the on-disk memo of cc's --version into dir if it is not there yet. */
void tgi_cc_remember(const tgi_cc *cc, const char *dir);
/* Compile src at -O<opt> (1..3) into a shared object in a fresh private temporary
   directory, whose path goes into dir (so = dir + "/k.so"). The caller removes it with
   tgi_cc_cleanup. */
tg_status tgi_cc_compile(const tgi_cc *cc, const char *src, size_t len, int opt, char *dir,
                         size_t n, tgi_err *err);
/* Create path (which must not exist; mode 0600) holding data[0, len): true when all of it
   was written and closed. */
bool tgi_write_new_file(const char *path, const char *data, size_t len);
/* Remove a directory made by tgi_cc_compile and the files in it. */
void tgi_cc_cleanup(const char *dir);

/* The directory to cache in now: the configured one when it is safe (made if missing),
   else a private directory of this process (one warning per refused directory). */
tg_status tgi_cache_dir(char *buf, size_t n, tgi_err *err);
/* Look up the entry of key in dir: 1 with its path when it is present and intact (its
   use time is refreshed), 0 when absent, -1 when present but corrupt (path still set).
   It allocates nothing, so nothing else can go wrong (err is unused). */
int tgi_cache_lookup(const char *dir, const unsigned char key[32], char *path, size_t n,
                     tgi_err *err);
/* Look up key's alias (see cache.c): 1 with the path and key of the intact entry it
   names, else 0. Allocates nothing. */
int tgi_cache_lookup_alias(const char *dir, const unsigned char key[32], char *path, size_t n,
                           unsigned char target[32]);
/* Publish an alias of key to the entry of target (atomically, like an entry). */
tg_status tgi_cache_alias(const char *dir, const unsigned char key[32],
                          const unsigned char target[32], tgi_err *err);
/* Publish the object at so_path as the entry of key in dir (atomically; concurrent
   publishers of one key all succeed), then prune dir if it is over the size limit. */
tg_status tgi_cache_publish(const char *dir, const unsigned char key[32], const char *so_path,
                            tgi_err *err);

/* Counter updates (native.c). */
void tgi_native_count_refused(void);
void tgi_native_count_published(void);

#endif
