/* npz.c: numpy's .npz archives (a zip of "name.npy" members): the public reading API over
   zip.c's checked directory, and the writer, which streams each member's .npy image
   (stored, or deflated as np.savez_compressed does) into a temporary file, patches the
   member's local header with its CRC and sizes, and on close writes the central directory
   (with ZIP64 records where sizes or offsets need them) and renames the file into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io_impl.h"

/* ------------------------------------------------------------------ reading */

struct tg_npz {
  int fd;
  char *path;
  tgi_zent *ents;
  int n;
};

tg_npz *tg_npz_open(const char *path) {
  if (!path) {
    tgi_fail(TG_ERR_ARG, "tg_npz_open: path is NULL");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    tgi_fail(TG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    tgi_fail(TG_ERR_IO, "%s: not a regular file", path);
    close(fd);
    return NULL;
  }
  tg_npz *z = tgi_calloc(1, sizeof *z);
  if (!z || !(z->path = tgi_strdup(path))) {
    tgi_free(z);
    close(fd);
    tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  z->fd = fd;
  if (tgi_zip_read_dir(fd, (uint64_t)sb.st_size, path, &z->ents, &z->n)) {
    tg_npz_close(z);
    return NULL;
  }
  return z;
}

int tg_npz_count(const tg_npz *z) {
  if (!z) {
    tgi_fail(TG_ERR_ARG, "tg_npz_count: archive is NULL");
    return 0;
  }
  return z->n;
}

const char *tg_npz_name(const tg_npz *z, int i) {
  if (!z || i < 0 || i >= z->n) {
    tgi_fail(TG_ERR_ARG, "tg_npz_name: %s", z ? "index out of range" : "archive is NULL");
    return NULL;
  }
  return z->ents[i].key;
}

tg_array *tg_npz_get(tg_npz *z, const char *name) {
  if (!z || !name) {
    tgi_fail(TG_ERR_ARG, "tg_npz_get: %s is NULL", z ? "name" : "archive");
    return NULL;
  }
  /* the stored name first, then the name without ".npy", as numpy's NpzFile looks up */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < z->n; i++)
      if (strcmp(pass ? z->ents[i].key : z->ents[i].name, name) == 0)
        return tgi_zip_load_member(z->fd, z->path, &z->ents[i]);
  tgi_fail(TG_ERR_ARG, "%s: no member named '%s'", z->path, name);
  return NULL;
}

void tg_npz_close(tg_npz *z) {
  if (!z) return;
  if (z->fd >= 0) close(z->fd);
  tgi_zip_free_entries(z->ents, z->n);
  tgi_free(z->path);
  tgi_free(z);
}

/* ------------------------------------------------------------------ writing */

typedef struct {
  char *name; /* "w.npy" */
  uint64_t off, end; /* local header .. end of data */
  uint64_t csize, usize;
  uint32_t crc;
  uint16_t flags;
  bool z64; /* the local header carries a ZIP64 extra field */
} went;

struct tg_npz_writer {
  tgi_afile f;
  bool compress, force64;
  bool broken; /* a failed add could not be rolled back: close must fail */
  uint64_t pos;
  went *e;
  int n, cap;
};

#define L32 TGI_ZIP_LIMIT32
#define DOS_DATE 0x0021 /* 1980-01-01: fixed, so equal inputs give byte-identical archives */
#define DOS_TIME 0
#define VERSION(z64) ((z64) ? 45 : 20)

tg_npz_writer *tg_npz_writer_open(const char *path, bool compress) {
  if (!path) {
    tgi_fail(TG_ERR_ARG, "tg_npz_writer_open: path is NULL");
    return NULL;
  }
  tg_npz_writer *w = tgi_calloc(1, sizeof *w);
  if (!w) {
    tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  if (tgi_afile_open(&w->f, path)) {
    tgi_free(w);
    return NULL;
  }
  w->compress = compress;
  return w;
}

void tgi_npz_writer_force_zip64(tg_npz_writer *w, bool on) {
  if (w) w->force64 = on;
}

/* The sink a member's .npy image streams into: straight to the file, or through deflate. */
typedef struct {
  tgi_wr w;
  int fd;
  uint64_t pos;    /* where the next compressed byte goes */
  uint64_t usize;  /* uncompressed bytes taken */
  uint32_t crc;
  bool deflate;
  z_stream z;
  unsigned char *out;
} member_wr;

#define OUTBUF 65536

/* Run deflate over the pending input with `flush`, writing out each full buffer. */
static tg_status pump(member_wr *m, int flush) {
  for (;;) {
    m->z.next_out = m->out;
    m->z.avail_out = OUTBUF;
    int rc = deflate(&m->z, flush);
    if (rc == Z_STREAM_ERROR) return tgi_fail(TG_ERR_RUNTIME, "%s: deflate failed", m->w.name);
    size_t k = OUTBUF - m->z.avail_out;
    if (k) {
      tg_status st = tgi_pwrite_all(m->fd, m->out, k, m->pos, m->w.name);
      if (st) return st;
      m->pos += k;
    }
    if (flush == Z_FINISH ? rc == Z_STREAM_END : (m->z.avail_in == 0 && m->z.avail_out != 0))
      return TG_OK;
  }
}

static tg_status member_write(tgi_wr *w, const void *src, size_t n) {
  member_wr *m = (member_wr *)w;
  const unsigned char *p = src;
  while (n) { /* zlib lengths are uInt */
    uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
    m->crc = (uint32_t)crc32(m->crc, p, k);
    tg_status st;
    if (m->deflate) {
      m->z.next_in = (Bytef *)p;
      m->z.avail_in = k;
      st = pump(m, Z_NO_FLUSH);
    } else {
      st = tgi_pwrite_all(m->fd, p, k, m->pos, w->name);
      m->pos += k;
    }
    if (st) return st;
    m->usize += k, p += k, n -= k;
  }
  return TG_OK;
}

/* Write member image of a at w->pos; fills e's sizes and CRC. */
static tg_status write_member(tg_npz_writer *w, went *e, const tg_array *a, uint64_t usize) {
  size_t nl = strlen(e->name);
  /* the local header must be sized before the data exists: use ZIP64 when the data could
     reach 4 GiB (deflate may expand incompressible data slightly) */
  bool z64 = w->force64 || e->off >= L32 || usize >= L32 - L32 / 8 - 1024;
  e->z64 = z64;
  unsigned char h[30 + 20];
  memset(h, 0, sizeof h);
  tgi_put32(h, 0x04034b50u);
  tgi_put16(h + 4, VERSION(z64));
  tgi_put16(h + 6, e->flags);
  tgi_put16(h + 8, w->compress ? TGI_ZIP_DEFLATED : TGI_ZIP_STORED);
  tgi_put16(h + 10, DOS_TIME);
  tgi_put16(h + 12, DOS_DATE);
  tgi_put16(h + 26, (uint16_t)nl);
  tgi_put16(h + 28, z64 ? 20 : 0);
  const char *path = w->f.path;
  tg_status st = tgi_pwrite_all(w->f.fd, h, 30, e->off, path);
  if (!st) st = tgi_pwrite_all(w->f.fd, e->name, nl, e->off + 30, path);
  uint64_t data = e->off + 30 + nl + (z64 ? 20 : 0);
  char mname[TGI_MSG_MAX / 2];
  snprintf(mname, sizeof mname, "%s: member '%s'", path, e->name);
  member_wr m;
  memset(&m, 0, sizeof m);
  m.w.write = member_write, m.w.name = mname;
  m.fd = w->f.fd, m.pos = data, m.crc = (uint32_t)crc32(0, Z_NULL, 0), m.deflate = w->compress;
  bool zinit = false;
  if (!st && m.deflate) {
    m.z.zalloc = tgi_zalloc, m.z.zfree = tgi_zfree;
    if (!(m.out = tgi_malloc(OUTBUF)))
      st = tgi_fail(TG_ERR_NOMEM, "%s: out of memory", mname);
    else if (deflateInit2(&m.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      st = tgi_fail(TG_ERR_NOMEM, "%s: out of memory starting deflate", mname);
    else
      zinit = true;
  }
  if (!st) st = tgi_npy_write(&m.w, a);
  if (!st && m.deflate) st = pump(&m, Z_FINISH);
  if (zinit) deflateEnd(&m.z);
  tgi_free(m.out);
  if (st) return st;
  e->crc = m.crc, e->usize = m.usize, e->csize = m.pos - data, e->end = m.pos;
  if (m.usize != usize || (!z64 && e->csize >= L32))
    return tgi_fail(TG_ERR_RUNTIME, "%s: member size differs from the size planned", mname);
  /* patch CRC and sizes into the local header */
  tgi_put32(h + 14, e->crc);
  tgi_put32(h + 18, z64 ? L32 : (uint32_t)e->csize);
  tgi_put32(h + 22, z64 ? L32 : (uint32_t)e->usize);
  if ((st = tgi_pwrite_all(w->f.fd, h + 14, 12, e->off + 14, path))) return st;
  if (z64) {
    tgi_put16(h + 30, 1);
    tgi_put16(h + 32, 16);
    tgi_put64(h + 34, e->usize);
    tgi_put64(h + 42, e->csize);
    st = tgi_pwrite_all(w->f.fd, h + 30, 20, e->off + 30 + nl, path);
  }
  return st;
}

tg_status tg_npz_writer_add(tg_npz_writer *w, const char *name, const tg_array *a) {
  if (!w) return tgi_fail(TG_ERR_ARG, "tg_npz_writer_add: writer is NULL");
  const char *path = w->f.path;
  if (!name || !*name) return tgi_fail(TG_ERR_ARG, "%s: member name is NULL or empty", path);
  if (!a) return tgi_fail(TG_ERR_ARG, "%s: member '%s': array is NULL", path, name);
  if (w->broken) return tgi_fail(TG_ERR_IO, "%s: an earlier write failed; abort the writer", path);
  size_t nl = strlen(name);
  if (nl > 65535 - 4) return tgi_fail(TG_ERR_ARG, "%s: member name is too long (%zu bytes)", path, nl);
  for (int i = 0; i < w->n; i++)
    if (strncmp(w->e[i].name, name, nl) == 0 && strcmp(w->e[i].name + nl, ".npy") == 0)
      return tgi_fail(TG_ERR_ARG, "%s: duplicate member name '%s'", path, name);
  if (w->n == INT32_MAX) return tgi_fail(TG_ERR_ARG, "%s: too many members", path);
  uint64_t usize;
  if (!tgi_npy_size(a, &usize)) return tg_errstatus();
  if (w->n == w->cap) {
    int cap = w->cap ? (w->cap > INT32_MAX / 2 ? INT32_MAX : 2 * w->cap) : 8;
    went *e = tgi_realloc(w->e, (size_t)cap * sizeof *e);
    if (!e) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
    w->e = e, w->cap = cap;
  }
  went *e = &w->e[w->n];
  memset(e, 0, sizeof *e);
  if (!(e->name = tgi_malloc(nl + 5))) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
  memcpy(e->name, name, nl);
  memcpy(e->name + nl, ".npy", 5);
  e->off = w->pos;
  for (size_t i = 0; i < nl; i++)
    if ((unsigned char)name[i] >= 0x80) e->flags = 0x800; /* the name is UTF-8 */
  tg_status st = write_member(w, e, a, usize);
  if (st) {
    /* roll back so the archive is as before; if even that fails, refuse to finish it */
    if (ftruncate(w->f.fd, (off_t)w->pos) != 0) w->broken = true;
    tgi_free(e->name);
    return st;
  }
  w->pos = e->end;
  w->n++;
  return TG_OK;
}

static void free_writer(tg_npz_writer *w) {
  for (int i = 0; i < w->n; i++) tgi_free(w->e[i].name);
  tgi_free(w->e);
  tgi_free(w);
}

void tg_npz_writer_abort(tg_npz_writer *w) {
  if (!w) return;
  tgi_afile_abort(&w->f);
  free_writer(w);
}

/* The central directory, the ZIP64 end records when needed, and the end record. Writes
   from fixed buffers: finishing an archive allocates nothing. */
static tg_status write_directory(tg_npz_writer *w) {
  const char *path = w->f.path;
  uint64_t cd_off = w->pos, pos = w->pos;
  tg_status st = TG_OK;
  for (int i = 0; i < w->n && !st; i++) {
    const went *e = &w->e[i];
    size_t nl = strlen(e->name);
    bool bu = w->force64 || e->usize >= L32, bc = w->force64 || e->csize >= L32,
         bo = w->force64 || e->off >= L32;
    int nz = bu + bc + bo;
    unsigned char h[46], x[4 + 24];
    memset(h, 0, sizeof h);
    tgi_put32(h, 0x02014b50u);
    tgi_put16(h + 4, (3 << 8) | VERSION(nz || e->z64)); /* made by: Unix */
    tgi_put16(h + 6, VERSION(nz || e->z64));
    tgi_put16(h + 8, e->flags);
    tgi_put16(h + 10, w->compress ? TGI_ZIP_DEFLATED : TGI_ZIP_STORED);
    tgi_put16(h + 12, DOS_TIME);
    tgi_put16(h + 14, DOS_DATE);
    tgi_put32(h + 16, e->crc);
    tgi_put32(h + 20, bc ? L32 : (uint32_t)e->csize);
    tgi_put32(h + 24, bu ? L32 : (uint32_t)e->usize);
    tgi_put16(h + 28, (uint16_t)nl);
    tgi_put16(h + 30, nz ? (uint16_t)(4 + 8 * nz) : 0);
    tgi_put32(h + 38, 0100644u << 16); /* a regular file, rw-r--r-- */
    tgi_put32(h + 42, bo ? L32 : (uint32_t)e->off);
    unsigned char *q = x + 4;
    tgi_put16(x, 1);
    tgi_put16(x + 2, (uint16_t)(8 * nz));
    if (bu) tgi_put64(q, e->usize), q += 8;
    if (bc) tgi_put64(q, e->csize), q += 8;
    if (bo) tgi_put64(q, e->off), q += 8;
    if (!(st = tgi_pwrite_all(w->f.fd, h, 46, pos, path)) &&
        !(st = tgi_pwrite_all(w->f.fd, e->name, nl, pos + 46, path)) && nz)
      st = tgi_pwrite_all(w->f.fd, x, 4 + 8 * (size_t)nz, pos + 46 + nl, path);
    pos += 46 + nl + (nz ? 4 + 8 * (size_t)nz : 0);
  }
  if (st) return st;
  uint64_t cd_size = pos - cd_off;
  bool z64 = w->force64 || w->n >= 0xFFFF || cd_off >= L32 || cd_size >= L32;
  unsigned char t[56 + 20 + 22];
  memset(t, 0, sizeof t);
  size_t tl = 0;
  if (z64) {
    unsigned char *r = t, *l = t + 56;
    tgi_put32(r, 0x06064b50u);
    tgi_put64(r + 4, 56 - 12); /* size of the rest of the record */
    tgi_put16(r + 12, (3 << 8) | 45);
    tgi_put16(r + 14, 45);
    tgi_put64(r + 24, (uint64_t)w->n);
    tgi_put64(r + 32, (uint64_t)w->n);
    tgi_put64(r + 40, cd_size);
    tgi_put64(r + 48, cd_off);
    tgi_put32(l, 0x07064b50u);
    tgi_put64(l + 8, pos); /* where the ZIP64 end record starts */
    tgi_put32(l + 16, 1);  /* total number of disks */
    tl = 76;
  }
  unsigned char *d = t + tl;
  uint16_t cnt = z64 ? 0xFFFF : (uint16_t)w->n;
  tgi_put32(d, 0x06054b50u);
  tgi_put16(d + 8, cnt);
  tgi_put16(d + 10, cnt);
  tgi_put32(d + 12, z64 ? L32 : (uint32_t)cd_size);
  tgi_put32(d + 16, z64 ? L32 : (uint32_t)cd_off);
  return tgi_pwrite_all(w->f.fd, t, tl + 22, pos, path);
}

tg_status tg_npz_writer_close(tg_npz_writer *w) {
  if (!w) return tgi_fail(TG_ERR_ARG, "tg_npz_writer_close: writer is NULL");
  tg_status st = w->broken ? tgi_fail(TG_ERR_IO, "%s: an earlier write failed; nothing was saved", w->f.path)
                           : write_directory(w);
  if (st)
    tgi_afile_abort(&w->f);
  else
    st = tgi_afile_commit(&w->f);
  free_writer(w);
  return st;
}
