/* native_impl.h: what the files of the native loader share beyond native.h: the probed
   compiler (cc.c), the cache directory and its entries (cache.c), and the counters
   (native.c). */
#ifndef TG_NATIVE_IMPL_H
#define TG_NATIVE_IMPL_H

#include <limits.h>

#include "native.h"

#define TGI_PATH_MAX 4096

/* A probed compiler, for one value of the cc setting (or $CC). Never freed: probes are
   memoised for the life of the process, one per distinct setting. */
typedef struct tgi_cc {
  struct tgi_cc *next;
  char *setting;         /* the words as configured ("cc", "gcc-12 -m64") */
  char **argv;           /* the words, argv[0] resolved to an absolute path; NULL-ended */
  int argc;
  char *line;            /* "cc (/usr/bin/gcc-12): cc (Debian 12.2.0) 12.2.0" */
  char *real;            /* the program's resolved path */
  char *version;         /* the first line of its --version */
  unsigned char id[32];  /* hash of everything but the source that goes into a key */
  tgi_err err;           /* status != TG_OK: there is no usable compiler; why */
} tgi_cc;

/* The compiler for the current setting; memo_dir (may be NULL) holds on-disk memos of
   `--version` so a new process need not run the compiler to know it. NULL with err set
   (TG_ERR_NOTIMPL, or TG_ERR_NOMEM). */
const tgi_cc *tgi_cc_get(const char *memo_dir, tgi_err *err);
/* Write the on-disk memo of cc's --version into dir if it is not there yet. */
void tgi_cc_remember(const tgi_cc *cc, const char *dir);
/* Compile src into a shared object in a fresh private temporary directory, whose path
   goes into dir (so = dir + "/k.so"). The caller removes it with tgi_cc_cleanup. */
tg_status tgi_cc_compile(const tgi_cc *cc, const char *src, size_t len, char *dir, size_t n,
                         tgi_err *err);
/* Remove a directory made by tgi_cc_compile and the files in it. */
void tgi_cc_cleanup(const char *dir);

/* The directory to cache in now: the configured one when it is safe (made if missing),
   else a private directory of this process (one warning per refused directory). */
tg_status tgi_cache_dir(char *buf, size_t n, tgi_err *err);
/* Look up the entry of key in dir: 1 with its path when it is present and intact (its
   use time is refreshed), 0 when absent, -1 when present but corrupt (path still set);
   TG_ERR_NOMEM is the only error (-2 with err set). */
int tgi_cache_lookup(const char *dir, const unsigned char key[32], char *path, size_t n,
                     tgi_err *err);
/* Publish the object at so_path as the entry of key in dir (atomically; concurrent
   publishers of one key all succeed), then prune dir if it is over the size limit. */
tg_status tgi_cache_publish(const char *dir, const unsigned char key[32], const char *so_path,
                            tgi_err *err);
/* Read a whole file into a tgi_malloc'd buffer; -1 (errno set; ENOMEM for allocation)
   on failure. */
int tgi_read_file(const char *path, unsigned char **data, size_t *len, size_t max);

/* Counter updates (native.c). */
void tgi_native_count_refused(void);
void tgi_native_count_published(void);

#endif
