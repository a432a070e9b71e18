/* tgraph/io.h: reading and writing arrays in numpy's .npy and .npz formats. Loaders check
   every byte they are given against the file's real size before allocating, and report a
   malformed or unsupported file through tg_errmsg() with the file's name and the problem. */
#ifndef TGRAPH_IO_H
#define TGRAPH_IO_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An opened .npz archive (read side). */
typedef struct tg_npz tg_npz;
/* A .npz archive being written; it appears at its path only when closed successfully. */
typedef struct tg_npz_writer tg_npz_writer;

/* Read a .npy file (format 1.0, 2.0 or 3.0) into a new C-contiguous array; NULL on error. */
TG_API tg_array *tg_npy_load(const char *path);
/* Read a .npy image held in memory; name_for_errors (may be NULL) prefixes error messages. */
TG_API tg_array *tg_npy_load_mem(const void *buf, size_t n, const char *name_for_errors);
/* Write a (possibly strided) array as .npy in C order, atomically (temp file + rename). */
TG_API tg_status tg_npy_save(const char *path, const tg_array *a);
/* Write a .npy image to a new buffer *out of *n bytes (free it with tg_free). */
TG_API tg_status tg_npy_save_mem(const tg_array *a, void **out, size_t *n);

/* Open a .npz archive and read its directory; NULL on error (see tg_errmsg). */
TG_API tg_npz *tg_npz_open(const char *path);
/* Number of members. */
TG_API int tg_npz_count(const tg_npz *z);
/* Name of member i without its ".npy" suffix, as numpy's NpzFile.files lists it; NULL if out of range. */
TG_API const char *tg_npz_name(const tg_npz *z, int i);
/* Read member `name` ("w" or "w.npy") as a new array; NULL on error. */
TG_API tg_array *tg_npz_get(tg_npz *z, const char *name);
/* Close the archive (NULL is ignored); arrays already read stay valid. */
TG_API void tg_npz_close(tg_npz *z);

/* Start writing a .npz at path (deflate-compressed members when compress, as np.savez_compressed). */
TG_API tg_npz_writer *tg_npz_writer_open(const char *path, bool compress);
/* Add array a as member "name.npy"; on failure the archive is left as it was before the call. */
TG_API tg_status tg_npz_writer_add(tg_npz_writer *w, const char *name, const tg_array *a);
/* Finish the archive, fsync it and rename it over path; frees w whatever the result. */
TG_API tg_status tg_npz_writer_close(tg_npz_writer *w);
/* Discard the archive: the temporary file is removed, path is untouched; frees w (NULL is ignored). */
TG_API void tg_npz_writer_abort(tg_npz_writer *w);

#ifdef __cplusplus
}
#endif
#endif
