/* io_impl.h: internals shared by the .npy and .npz code: byte sources and sinks the .npy
   codec reads from and writes to (a file, a memory buffer, a zip member), the atomic
   temp-file-and-rename helper, and the zip directory reader. Never installed. */
#ifndef TG_IO_IMPL_H
#define TG_IO_IMPL_H

#include "../core/core.h"

/* The largest .npy header we accept. numpy's own reader stops at 10000 bytes; ours is
   more lenient but still bounded, so a header length field is never trusted to size an
   allocation by itself. */
#define TGI_NPY_MAX_HEADER (1u << 20)

/* A byte source. `read` must deliver exactly n bytes or set the thread-local error (with
   the source's name) and return its status. `left` is how many bytes the container says
   remain; the .npy reader checks every length it is told against it before allocating, and
   keeps it up to date as it reads. */
typedef struct tgi_rd tgi_rd;
struct tgi_rd {
  tg_status (*read)(tgi_rd *r, void *dst, size_t n);
  uint64_t left;
  const char *name; /* for messages: "x.npy" or "x.npz: member 'w.npy'" */
};

/* A byte sink: `write` takes all n bytes or sets the thread-local error. */
typedef struct tgi_wr tgi_wr;
struct tgi_wr {
  tg_status (*write)(tgi_wr *w, const void *src, size_t n);
  const char *name;
};

/* Parse a whole .npy image from r (which must hold nothing after the data) into a new
   C-contiguous array; NULL with the thread-local error set otherwise. */
tg_array *tgi_npy_read(tgi_rd *r);
/* Bytes the .npy image of a takes (header included); false if a is unusable. */
bool tgi_npy_size(const tg_array *a, uint64_t *total);
/* Write the .npy image of a (C order) to w. */
tg_status tgi_npy_write(tgi_wr *w, const tg_array *a);

/* Whole-buffer I/O on a descriptor, retrying short transfers and EINTR; errors name `name`. */
tg_status tgi_pread_all(int fd, void *dst, size_t n, uint64_t off, const char *name);
tg_status tgi_pwrite_all(int fd, const void *src, size_t n, uint64_t off, const char *name);

/* A file written under a temporary name and renamed over its destination on commit, so a
   reader never sees a half-written file. A destination that exists and is not a regular
   file (a device, a FIFO) is written in place instead. */
typedef struct tgi_afile {
  int fd;
  char *path; /* destination (a symlink resolved to its target) */
  char *tmp;  /* temporary name, NULL when writing in place */
} tgi_afile;
/* Create the temporary file; the thread-local error names path on failure. */
tg_status tgi_afile_open(tgi_afile *f, const char *path);
/* fsync, close and rename over the destination, then fsync the directory. Always releases f. */
tg_status tgi_afile_commit(tgi_afile *f);
/* Close and remove the temporary file; the destination is untouched. */
void tgi_afile_abort(tgi_afile *f);

/* ---- zip (zip.c) ---- */

#define TGI_ZIP_STORED 0
#define TGI_ZIP_DEFLATED 8
#define TGI_ZIP_LIMIT32 0xFFFFFFFFu /* a 32-bit field holding this defers to ZIP64 */

/* One member as the central directory describes it, checked against its local header. */
typedef struct tgi_zent {
  char *name;         /* as stored ("w.npy") */
  char *key;          /* name without ".npy", as numpy's NpzFile.files lists it */
  uint64_t csize;     /* compressed size */
  uint64_t usize;     /* uncompressed size */
  uint64_t lho;       /* offset of the local header */
  uint64_t data;      /* offset of the member's data (after the local header) */
  uint32_t crc;
  uint16_t method;
} tgi_zent;

/* Read and validate the directory of the zip file open on fd (size fsize). On success
   *ents holds *n entries (free with tgi_zip_free_entries). */
tg_status tgi_zip_read_dir(int fd, uint64_t fsize, const char *name, tgi_zent **ents, int *n);
void tgi_zip_free_entries(tgi_zent *ents, int n);
/* Read member e as a .npy array, checking its size and CRC-32. */
tg_array *tgi_zip_load_member(int fd, const char *zipname, const tgi_zent *e);
/* zlib allocation hooks routed through tgi_malloc (so the failure sweep reaches zlib). */
void *tgi_zalloc(void *opaque, unsigned items, unsigned size);
void tgi_zfree(void *opaque, void *p);

/* Little-endian field access for the zip code. */
static inline uint16_t tgi_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t tgi_le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tgi_le64(const unsigned char *p) {
  return (uint64_t)tgi_le32(p) | (uint64_t)tgi_le32(p + 4) << 32;
}
static inline void tgi_put16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
}
static inline void tgi_put32(unsigned char *p, uint32_t v) {
  tgi_put16(p, (uint16_t)v), tgi_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void tgi_put64(unsigned char *p, uint64_t v) {
  tgi_put32(p, (uint32_t)v), tgi_put32(p + 4, (uint32_t)(v >> 32));
}

/* Test hook: make the writer use ZIP64 records everywhere (as it must past 4 GiB), so the
   ZIP64 paths are exercised by small files. */
void tgi_npz_writer_force_zip64(tg_npz_writer *w, bool on);

#endif
