/* tgraph/common.h: status codes, dtypes, the pluggable allocator, configuration and
   the thread-local error message used by calls that have no graph or function. */
#ifndef TGRAPH_COMMON_H
#define TGRAPH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the library's exported functions (everything else is hidden in the shared object). */
#if defined(__GNUC__)
#define TG_API __attribute__((visibility("default")))
#else
#define TG_API
#endif

#define TG_VERSION_MAJOR 0
#define TG_VERSION_MINOR 1
#define TG_VERSION_PATCH 0
#define TG_VERSION_STRING "0.1.0"

/* The largest rank an array or a type may have. */
#define TG_MAX_NDIM 64

/* Result of every runtime call; builders return NULL and keep the status on the graph. */
typedef enum tg_status {
  TG_OK = 0,
  TG_ERR_NOMEM,    /* an allocation failed */
  TG_ERR_ARG,      /* a NULL or out-of-range argument */
  TG_ERR_TYPE,     /* wrong dtype, rank or static shape */
  TG_ERR_SHAPE,    /* runtime shapes do not agree */
  TG_ERR_VALUE,    /* a bad value (negative dim, overflow, bad index) */
  TG_ERR_NOTIMPL,  /* a feature that does not exist yet; the message says which */
  TG_ERR_IO,       /* a file or stream failed */
  TG_ERR_RUNTIME   /* anything else found while running */
} tg_status;

/* Element types. The order is the promotion lattice's listing order, not its ranking. */
typedef enum tg_dtype {
  TG_BOOL = 0,
  TG_INT8,
  TG_INT16,
  TG_INT32,
  TG_INT64,
  TG_UINT8,
  TG_FLOAT32,
  TG_FLOAT64,
  TG_NDTYPES,
  TG_FLOATX = 100 /* resolves to the configured floatX when a variable is made */
} tg_dtype;

/* Name of a status code ("TG_ERR_TYPE"). */
TG_API const char *tg_status_name(tg_status st);
/* numpy name of a dtype ("float64"); "?" for an invalid one. */
TG_API const char *tg_dtype_name(tg_dtype dt);
/* Size in bytes of one element; 0 for an invalid dtype. */
TG_API size_t tg_dtype_size(tg_dtype dt);
/* Parse a numpy dtype name ("float32", "int8", "bool"); returns false if unknown. */
TG_API bool tg_dtype_from_name(const char *name, tg_dtype *out);
/* True for float32/float64. */
TG_API bool tg_dtype_is_float(tg_dtype dt);
/* True for the signed and unsigned integer dtypes (not bool). */
TG_API bool tg_dtype_is_int(tg_dtype dt);
/* numpy's result_type for two dtypes (uint8 with int8 gives int16, int32 with float32 gives float64). */
TG_API tg_dtype tg_dtype_promote(tg_dtype a, tg_dtype b);

/* Allocator in the style of Lua's: nsize == 0 frees ptr and returns NULL; otherwise behaves
   as realloc(ptr, nsize). Returning NULL for nsize > 0 is an out-of-memory failure. */
typedef void *(*tg_alloc_fn)(void *ud, void *ptr, size_t nsize);
/* Install an allocator for every later allocation (NULL restores the libc one). Set it
   before creating objects: memory must be freed by the allocator that made it. */
TG_API void tg_set_allocator(tg_alloc_fn fn, void *ud);
/* The allocator in force and its user data. */
TG_API tg_alloc_fn tg_get_allocator(void **ud);
/* Free memory that tgraph handed to the caller (strings from tg_*_to_string). */
TG_API void tg_free(void *p);

/* Message of the last failed call in this thread that has no graph or function to keep it
   (array creation, file I/O, configuration); "" when there is none. */
TG_API const char *tg_errmsg(void);
/* Status that goes with tg_errmsg(). */
TG_API tg_status tg_errstatus(void);

/* Effective value of a configuration key ("floatX", "mode", ...); NULL if the key is unknown. */
TG_API const char *tg_config_get(const char *key);
/* Where the value came from: "default", "TGRAPH_FLAGS" or "tg_config_set". */
TG_API const char *tg_config_source(const char *key);
/* Set a configuration key for this process; TG_ERR_ARG for an unknown key or bad value. */
TG_API tg_status tg_config_set(const char *key, const char *value);
/* Number of configuration keys, and the name of key i, for listing them. */
TG_API int tg_config_count(void);
/* Name of configuration key i (0 <= i < tg_config_count()); NULL otherwise. */
TG_API const char *tg_config_key(int i);
/* One-line description of a configuration key. */
TG_API const char *tg_config_help(const char *key);
/* The dtype floatX currently names. */
TG_API tg_dtype tg_config_floatx(void);

#ifdef __cplusplus
}
#endif
#endif
