/* tgraph/array.h: tg_array, the runtime value: a refcounted, strided n-d array.
   Views share their base's storage; strides are in bytes and may be negative or zero. */
#ifndef TGRAPH_ARRAY_H
#define TGRAPH_ARRAY_H

#include <stdio.h>
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_array tg_array;

/* Called when a wrapped buffer is no longer referenced. */
typedef void (*tg_release_fn)(void *ud, void *data);

/* A new C-contiguous array filled with zeros; NULL on error (see tg_errmsg). */
TG_API tg_array *tg_array_zeros(tg_dtype dt, int ndim, const int64_t *shape);
/* A new C-contiguous array with uninitialised contents. */
TG_API tg_array *tg_array_empty(tg_dtype dt, int ndim, const int64_t *shape);
/* A new C-contiguous array holding a copy of `data` (C order, dtype dt). */
TG_API tg_array *tg_array_from_data(tg_dtype dt, int ndim, const int64_t *shape, const void *data);
/* tg_array_from_data for float64 data. */
TG_API tg_array *tg_array_from_f64(int ndim, const int64_t *shape, const double *data);
/* tg_array_from_data for float32 data. */
TG_API tg_array *tg_array_from_f32(int ndim, const int64_t *shape, const float *data);
/* tg_array_from_data for int64 data. */
TG_API tg_array *tg_array_from_i64(int ndim, const int64_t *shape, const int64_t *data);
/* tg_array_from_data for int32 data. */
TG_API tg_array *tg_array_from_i32(int ndim, const int64_t *shape, const int32_t *data);
/* A 0-d array of dtype dt holding v converted as tg_cast converts (see docs/guide.md). */
TG_API tg_array *tg_array_scalar(tg_dtype dt, double v);
/* Wrap a caller's buffer without copying; `release(ud, data)` runs when the last reference
   goes (release may be NULL). strides are in bytes (NULL: C-contiguous). */
TG_API tg_array *tg_array_wrap(tg_dtype dt, int ndim, const int64_t *shape, const int64_t *strides,
                        void *data, tg_release_fn release, void *ud);

/* Take a reference; returns a. */
TG_API tg_array *tg_array_ref(tg_array *a);
/* Drop a reference (NULL is ignored); storage is freed with the last one. */
TG_API void tg_array_unref(tg_array *a);

/* Element type. */
TG_API tg_dtype tg_array_dtype(const tg_array *a);
/* Rank. */
TG_API int tg_array_ndim(const tg_array *a);
/* Shape (ndim entries). */
TG_API const int64_t *tg_array_shape(const tg_array *a);
/* Strides in bytes (ndim entries). */
TG_API const int64_t *tg_array_strides(const tg_array *a);
/* Number of elements. */
TG_API int64_t tg_array_size(const tg_array *a);
/* Pointer to the first element. */
TG_API void *tg_array_data(const tg_array *a);
/* True if the elements are laid out in C order with no gaps. */
TG_API bool tg_array_is_contiguous(const tg_array *a);
/* True if a shares storage with another array (it is a view or has views). */
TG_API bool tg_array_is_view(const tg_array *a);
/* True if a is the only way to reach its storage: one reference, no other view of it, and
   memory the library allocated (not a wrapped caller buffer). */
TG_API bool tg_array_is_exclusive(const tg_array *a);

/* A view of a with a new shape/strides starting `offset` bytes past a's first element;
   NULL if any element would fall outside a's storage. */
TG_API tg_array *tg_array_view(tg_array *a, int ndim, const int64_t *shape, const int64_t *strides,
                        int64_t offset);
/* A view of a[start:stop:step] along axis (Python slice semantics, negatives allowed). */
TG_API tg_array *tg_array_slice(tg_array *a, int axis, int64_t start, int64_t stop, int64_t step);
/* A view with the axes reversed (numpy's a.T). */
TG_API tg_array *tg_array_transpose(tg_array *a);
/* A C-contiguous copy (same dtype). */
TG_API tg_array *tg_array_copy(const tg_array *a);
/* A C-contiguous copy converted to dtype dt (conversion as tg_cast). */
TG_API tg_array *tg_array_astype(const tg_array *a, tg_dtype dt);
/* Copy src into dst (same shape; dtypes converted); TG_ERR_SHAPE if shapes differ. */
TG_API tg_status tg_array_copy_into(tg_array *dst, const tg_array *src);

/* Element at flat C-order position i (0 <= i < size), converted to double; NaN with
   tg_errmsg set when a is NULL or i is out of range. */
TG_API double tg_array_get_f64(const tg_array *a, int64_t i);
/* Element at flat C-order position i converted to int64 (floats truncated); 0 with
   tg_errmsg set when a is NULL or i is out of range. */
TG_API int64_t tg_array_get_i64(const tg_array *a, int64_t i);
/* Store v (converted as tg_cast converts) at flat C-order position i; an out-of-range i
   stores nothing and sets tg_errmsg. */
TG_API void tg_array_set_f64(tg_array *a, int64_t i, double v);

/* True if shapes match (numpy broadcasting allowed) and |a-b| <= atol + rtol*|b| everywhere;
   NaNs compare equal when equal_nan. */
TG_API bool tg_array_allclose(const tg_array *a, const tg_array *b, double rtol, double atol,
                       bool equal_nan);
/* True if same shape and dtype and bit-identical element values. */
TG_API bool tg_array_equal(const tg_array *a, const tg_array *b);

/* Print as numpy's print(a) does, followed by a newline. */
TG_API tg_status tg_array_print(const tg_array *a, FILE *fp);
/* numpy's str(a) as a new string (free with tg_free); NULL on error. */
TG_API char *tg_array_to_string(const tg_array *a);

#ifdef __cplusplus
}
#endif
#endif
