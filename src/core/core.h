/* core.h: internals shared by every part of the library: allocation through the pluggable
   allocator, error records, the tg_array layout, and dtype helpers. Never installed. */
#ifndef TG_CORE_H
#define TG_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

#include "tgraph/tgraph.h"

/* ---- allocation: every byte goes through the installed tg_alloc_fn ---- */
void *tgi_malloc(size_t n);
void *tgi_calloc(size_t count, size_t size);
void *tgi_realloc(void *p, size_t n);
void tgi_free(void *p);
char *tgi_strdup(const char *s);
/* a * b into *out; false on overflow */
bool tgi_mul_overflow(size_t a, size_t b, size_t *out);

/* ---- errors: the first message is kept (sticky) ---- */
#define TGI_MSG_MAX 512
typedef struct tgi_err {
  tg_status status;
  char msg[TGI_MSG_MAX];
} tgi_err;

/* Record an error unless one is already recorded; returns st. */
tg_status tgi_err_set(tgi_err *e, tg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
tg_status tgi_err_vset(tgi_err *e, tg_status st, const char *fmt, va_list ap);
/* The thread-local record behind tg_errmsg(); tgi_err_clear resets it. */
tgi_err *tgi_tls_err(void);
/* Set the thread-local error (overwrites: each top-level call starts afresh). */
tg_status tgi_fail(tg_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- arrays ---- */
struct tg_array {
  atomic_long refcnt;
  tg_dtype dtype;
  int ndim;
  int64_t size;       /* product of shape */
  char *data;         /* first element */
  int64_t *shape;     /* ndim entries, stored after the struct */
  int64_t *strides;   /* ndim entries, bytes */
  tg_array *base;     /* owner of the storage for a view, NULL if this owns it */
  atomic_long nviews; /* number of live views on this owner (for tg_array_is_view) */
  char *buf_lo, *buf_hi; /* extent of the storage, for view bounds checks */
  tg_release_fn release; /* for wrapped buffers */
  void *release_ud;
  void *wrapped;      /* the pointer handed to release */
};

/* Make an array header (refcount 1) with storage for the elements in the same block when
   alloc_data; shape is checked (negative dims, overflow). Sets the thread-local error. */
tg_array *tgi_array_alloc(tg_dtype dt, int ndim, const int64_t *shape, bool alloc_data,
                          bool zero);
/* Compute the number of elements; false (thread error set) on negative dims or overflow
   of the byte size. */
bool tgi_shape_size(tg_dtype dt, int ndim, const int64_t *shape, int64_t *size);

/* Scalar element conversions used by kernels and array accessors. */
double tgi_load_f64(const void *p, tg_dtype dt);
int64_t tgi_load_i64(const void *p, tg_dtype dt);
void tgi_store_f64(void *p, tg_dtype dt, double v);
void tgi_store_i64(void *p, tg_dtype dt, int64_t v);
/* Defined float -> int64 conversion: NaN is 0, out of range saturates before wrapping. */
int64_t tgi_f64_to_i64(double v);

/* Iterate an n-d index in C order: returns false after the last element. */
bool tgi_next_index(int ndim, const int64_t *shape, int64_t *idx);

/* Problems met reading TGRAPH_FLAGS, one per line ("" if none); for `tgraph config`. */
const char *tgi_config_problems(void);

/* Format a shape as "(2, 3)" into buf. */
char *tgi_shape_str(int ndim, const int64_t *shape, char *buf, size_t n);

#endif
