/* zip.c: the read side of the zip container behind .npz: finding the end-of-central-
   directory record (a bounded search back from the end), the ZIP64 records numpy's writer
   (Python's zipfile) emits, the central directory and each member's local header, and
   streaming a member -- stored or deflated -- into the .npy reader with its size and CRC-32
   checked. Every offset and size is checked against the file before it is used. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "io_impl.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_Z64_LOC 0x07064b50u
#define EOCD_LEN 22
#define Z64_LOC_LEN 20
#define Z64_EOCD_LEN 56
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define MAX_COMMENT 65535u
/* deflate cannot expand data by more than about 1032:1; a member claiming more is lying,
   and believing it would let a tiny file demand a huge allocation */
#define MAX_RATIO 1032u

void *tgi_zalloc(void *opaque, unsigned items, unsigned size) {
  (void)opaque;
  size_t n;
  if (!tgi_mul_overflow(items, size, &n)) return NULL;
  return tgi_malloc(n);
}

void tgi_zfree(void *opaque, void *p) {
  (void)opaque;
  tgi_free(p);
}

void tgi_zip_free_entries(tgi_zent *ents, int n) {
  if (!ents) return;
  for (int i = 0; i < n; i++) tgi_free(ents[i].name);
  tgi_free(ents);
}

/* Find a ZIP64 extended-information field (id 1) in an extra block; *len is its size. */
static const unsigned char *find_z64(const unsigned char *x, size_t xlen, size_t *len,
                                     bool *malformed) {
  *malformed = false;
  while (xlen >= 4) {
    uint16_t id = tgi_le16(x), n = tgi_le16(x + 2);
    if ((size_t)n > xlen - 4) break;
    if (id == 1) {
      *len = n;
      return x + 4;
    }
    x += 4 + n, xlen -= 4 + (size_t)n;
  }
  /* a few trailing pad bytes are tolerated; a record overrunning the block is not */
  if (xlen >= 4) *malformed = true;
  return NULL;
}

/* Replace each 32-bit field that says "see ZIP64" by its 64-bit value, in the fixed order
   the format lays them out (uncompressed, compressed, offset). */
static tg_status apply_z64(const char *name, const char *mname, const unsigned char *x,
                           size_t xlen, uint64_t *usize, uint64_t *csize, uint64_t *off) {
  bool need = *usize == TGI_ZIP_LIMIT32 || *csize == TGI_ZIP_LIMIT32 || (off && *off == TGI_ZIP_LIMIT32);
  if (!need) return TG_OK;
  size_t zl;
  bool bad;
  const unsigned char *z = find_z64(x, xlen, &zl, &bad);
  if (bad) return tgi_fail(TG_ERR_IO, "%s: member '%s': malformed extra field", name, mname);
  if (!z) return tgi_fail(TG_ERR_IO, "%s: member '%s': sizes defer to a ZIP64 extra field that is missing", name, mname);
  uint64_t *fields[3] = {usize, csize, off};
  for (int i = 0; i < 3; i++) {
    if (!fields[i] || *fields[i] != TGI_ZIP_LIMIT32) continue;
    if (zl < 8) return tgi_fail(TG_ERR_IO, "%s: member '%s': ZIP64 extra field is too short", name, mname);
    *fields[i] = tgi_le64(z);
    z += 8, zl -= 8;
  }
  return TG_OK;
}

/* Locate the central directory: its offset, size and entry count, and cd_end, the offset the
   directory must not pass (the start of the ZIP64 or plain end record). */
static tg_status find_directory(int fd, uint64_t fsize, const char *name, uint64_t *cd_off,
                                uint64_t *cd_size, uint64_t *count, uint64_t *cd_end) {
  if (fsize < EOCD_LEN)
    return tgi_fail(TG_ERR_IO, "%s: not a zip file (too short: %llu bytes)", name, (unsigned long long)fsize);
  size_t tail = fsize < EOCD_LEN + MAX_COMMENT ? (size_t)fsize : EOCD_LEN + MAX_COMMENT;
  unsigned char *buf = tgi_malloc(tail);
  if (!buf) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", name);
  uint64_t base = fsize - tail;
  tg_status st = tgi_pread_all(fd, buf, tail, base, name);
  if (st) {
    tgi_free(buf);
    return st;
  }
  /* the record whose comment runs exactly to the end of the file, searched backwards */
  long at = -1;
  for (size_t i = tail - EOCD_LEN + 1; i-- > 0;)
    if (tgi_le32(buf + i) == SIG_EOCD && i + EOCD_LEN + tgi_le16(buf + i + 20) == tail) {
      at = (long)i;
      break;
    }
  if (at < 0) {
    tgi_free(buf);
    return tgi_fail(TG_ERR_IO, "%s: not a zip file (no end-of-central-directory record)", name);
  }
  const unsigned char *e = buf + at;
  uint64_t eocd = base + (uint64_t)at;
  uint16_t disk = tgi_le16(e + 4), cd_disk = tgi_le16(e + 6), n_disk = tgi_le16(e + 8);
  *count = tgi_le16(e + 10), *cd_size = tgi_le32(e + 12), *cd_off = tgi_le32(e + 16);
  *cd_end = eocd;
  bool z64 = *count == 0xFFFF || *cd_size == TGI_ZIP_LIMIT32 || *cd_off == TGI_ZIP_LIMIT32;
  bool has_loc = eocd >= Z64_LOC_LEN && (uint64_t)at >= Z64_LOC_LEN &&
                 tgi_le32(e - Z64_LOC_LEN) == SIG_Z64_LOC;
  uint64_t z64_at = has_loc ? tgi_le64(e - Z64_LOC_LEN + 8) : 0;
  tgi_free(buf);
  if ((disk != 0 || cd_disk != 0) && !z64)
    return tgi_fail(TG_ERR_NOTIMPL, "%s: multi-disk zip archives are not supported", name);
  if (!z64 && n_disk != *count)
    return tgi_fail(TG_ERR_NOTIMPL, "%s: multi-disk zip archives are not supported", name);
  if (has_loc) {
    /* Python's zipfile writes the ZIP64 end record when it needs it; believe it whenever
       its locator is present, as zipfile does */
    if (z64_at > eocd - Z64_LOC_LEN || eocd - Z64_LOC_LEN - z64_at < Z64_EOCD_LEN)
      return tgi_fail(TG_ERR_IO, "%s: ZIP64 end record offset %llu is out of range", name,
                      (unsigned long long)z64_at);
    unsigned char z[Z64_EOCD_LEN];
    if ((st = tgi_pread_all(fd, z, sizeof z, z64_at, name))) return st;
    if (tgi_le32(z) != SIG_Z64_EOCD)
      return tgi_fail(TG_ERR_IO, "%s: bad ZIP64 end-of-central-directory signature", name);
    if (tgi_le32(z + 16) != 0 || tgi_le32(z + 20) != 0 || tgi_le64(z + 24) != tgi_le64(z + 32))
      return tgi_fail(TG_ERR_NOTIMPL, "%s: multi-disk zip archives are not supported", name);
    *count = tgi_le64(z + 32), *cd_size = tgi_le64(z + 40), *cd_off = tgi_le64(z + 48);
    *cd_end = z64_at;
  } else if (z64) {
    return tgi_fail(TG_ERR_IO, "%s: end record defers to a ZIP64 record that is missing", name);
  }
  if (*cd_off > *cd_end || *cd_size > *cd_end - *cd_off)
    return tgi_fail(TG_ERR_IO, "%s: central directory (offset %llu, %llu bytes) is out of range",
                    name, (unsigned long long)*cd_off, (unsigned long long)*cd_size);
  if (*count > *cd_size / CENTRAL_LEN || *count > INT32_MAX)
    return tgi_fail(TG_ERR_IO, "%s: %llu entries cannot fit in a %llu-byte central directory",
                    name, (unsigned long long)*count, (unsigned long long)*cd_size);
  return TG_OK;
}

/* Check e's local header (at e->lho, before cd_off) and set e->data. */
static tg_status check_local(int fd, const char *name, tgi_zent *e, uint64_t cd_off) {
  unsigned char h[LOCAL_LEN];
  if (e->lho > cd_off || cd_off - e->lho < LOCAL_LEN)
    return tgi_fail(TG_ERR_IO, "%s: member '%s': local header offset %llu is out of range", name,
                    e->name, (unsigned long long)e->lho);
  tg_status st = tgi_pread_all(fd, h, sizeof h, e->lho, name);
  if (st) return st;
  if (tgi_le32(h) != SIG_LOCAL)
    return tgi_fail(TG_ERR_IO, "%s: member '%s': bad local header signature", name, e->name);
  uint16_t flags = tgi_le16(h + 6), method = tgi_le16(h + 8);
  size_t nlen = tgi_le16(h + 26), xlen = tgi_le16(h + 28), nm = strlen(e->name);
  if (flags & 0x41)
    return tgi_fail(TG_ERR_NOTIMPL, "%s: member '%s' is encrypted", name, e->name);
  if (method != e->method)
    return tgi_fail(TG_ERR_IO, "%s: member '%s': local header disagrees with the directory (method)", name, e->name);
  uint64_t var = (uint64_t)nlen + xlen;
  if (var > cd_off - e->lho - LOCAL_LEN)
    return tgi_fail(TG_ERR_IO, "%s: member '%s': local header runs past the directory", name, e->name);
  unsigned char *v = tgi_malloc(var ? (size_t)var : 1);
  if (!v) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", name);
  if ((st = tgi_pread_all(fd, v, (size_t)var, e->lho + LOCAL_LEN, name))) goto out;
  if (nlen != nm || memcmp(v, e->name, nm) != 0) {
    st = tgi_fail(TG_ERR_IO, "%s: member '%s': local header names a different file", name, e->name);
    goto out;
  }
  if (!(flags & 0x08)) { /* sizes are in the local header too (no data descriptor) */
    uint64_t cs = tgi_le32(h + 18), us = tgi_le32(h + 22);
    if ((st = apply_z64(name, e->name, v + nlen, xlen, &us, &cs, NULL))) goto out;
    if (cs != e->csize || us != e->usize || tgi_le32(h + 14) != e->crc) {
      st = tgi_fail(TG_ERR_IO, "%s: member '%s': local header disagrees with the directory (sizes or CRC)", name, e->name);
      goto out;
    }
  }
  e->data = e->lho + LOCAL_LEN + var;
  if (e->csize > cd_off - e->data)
    st = tgi_fail(TG_ERR_IO, "%s: member '%s': data (%llu bytes at offset %llu) runs past the directory",
                  name, e->name, (unsigned long long)e->csize, (unsigned long long)e->data);
out:
  tgi_free(v);
  return st;
}

static const tgi_zent *sort_ents;
static int by_offset(const void *a, const void *b) {
  uint64_t x = sort_ents[*(const int *)a].lho, y = sort_ents[*(const int *)b].lho;
  return x < y ? -1 : x > y;
}
static int by_key(const void *a, const void *b) {
  return strcmp(sort_ents[*(const int *)a].key, sort_ents[*(const int *)b].key);
}

/* No two members may share a key or overlap; sorting keeps this O(n log n) for big
   directories. qsort has no context argument, hence the file-level pointer: the lock
   makes that safe when several threads open archives at once. */
static tg_status check_set(const char *name, const tgi_zent *ents, int n) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  if (n < 2) return TG_OK;
  int *ix = tgi_malloc((size_t)n * sizeof *ix);
  if (!ix) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", name);
  for (int i = 0; i < n; i++) ix[i] = i;
  tg_status st = TG_OK;
  pthread_mutex_lock(&lock);
  sort_ents = ents;
  qsort(ix, (size_t)n, sizeof *ix, by_key);
  for (int i = 1; i < n && !st; i++)
    if (strcmp(ents[ix[i]].key, ents[ix[i - 1]].key) == 0)
      st = tgi_fail(TG_ERR_IO, "%s: duplicate member names '%s' and '%s'", name, ents[ix[i - 1]].name,
                    ents[ix[i]].name);
  if (!st) qsort(ix, (size_t)n, sizeof *ix, by_offset);
  for (int i = 1; i < n && !st; i++) {
    const tgi_zent *p = &ents[ix[i - 1]], *q = &ents[ix[i]];
    if (p->data + p->csize > q->lho)
      st = tgi_fail(TG_ERR_IO, "%s: members '%s' and '%s' overlap", name, p->name, q->name);
  }
  pthread_mutex_unlock(&lock);
  tgi_free(ix);
  return st;
}

/* Parse one central entry at p (within [p, end)); advances *pp. */
static tg_status parse_entry(const char *name, const unsigned char **pp, const unsigned char *end,
                             tgi_zent *e) {
  const unsigned char *p = *pp;
  if ((size_t)(end - p) < CENTRAL_LEN || tgi_le32(p) != SIG_CENTRAL)
    return tgi_fail(TG_ERR_IO, "%s: malformed central directory entry", name);
  uint16_t flags = tgi_le16(p + 8), method = tgi_le16(p + 10);
  size_t nlen = tgi_le16(p + 28), xlen = tgi_le16(p + 30), clen = tgi_le16(p + 32);
  if (nlen + xlen + clen > (size_t)(end - p) - CENTRAL_LEN)
    return tgi_fail(TG_ERR_IO, "%s: central directory entry runs past the directory", name);
  const unsigned char *nm = p + CENTRAL_LEN;
  if (nlen == 0) return tgi_fail(TG_ERR_IO, "%s: member with an empty name", name);
  if (memchr(nm, 0, nlen)) return tgi_fail(TG_ERR_IO, "%s: member name contains a NUL byte", name);
  /* name and key in one block: "w.npy\0w\0" */
  if (!(e->name = tgi_malloc(2 * nlen + 2))) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", name);
  memcpy(e->name, nm, nlen);
  e->name[nlen] = 0;
  size_t klen = nlen >= 4 && memcmp(nm + nlen - 4, ".npy", 4) == 0 ? nlen - 4 : nlen;
  e->key = e->name + nlen + 1;
  memcpy(e->key, nm, klen);
  e->key[klen] = 0;
  if (flags & 0x41) return tgi_fail(TG_ERR_NOTIMPL, "%s: member '%s' is encrypted", name, e->name);
  if (method != TGI_ZIP_STORED && method != TGI_ZIP_DEFLATED)
    return tgi_fail(TG_ERR_NOTIMPL, "%s: member '%s' uses compression method %u (only stored and deflate are supported)",
                    name, e->name, method);
  e->method = method;
  e->crc = tgi_le32(p + 16);
  e->csize = tgi_le32(p + 20), e->usize = tgi_le32(p + 24), e->lho = tgi_le32(p + 42);
  if (tgi_le16(p + 34) != 0 && tgi_le16(p + 34) != 0xFFFF)
    return tgi_fail(TG_ERR_NOTIMPL, "%s: multi-disk zip archives are not supported", name);
  tg_status st = apply_z64(name, e->name, nm + nlen, xlen, &e->usize, &e->csize, &e->lho);
  if (st) return st;
  if (method == TGI_ZIP_STORED && e->csize != e->usize)
    return tgi_fail(TG_ERR_IO, "%s: member '%s' is stored but its sizes differ (%llu vs %llu)", name,
                    e->name, (unsigned long long)e->csize, (unsigned long long)e->usize);
  if (method == TGI_ZIP_DEFLATED && e->csize < (UINT64_MAX - 64) / MAX_RATIO &&
      e->usize > e->csize * MAX_RATIO + 64)
    return tgi_fail(TG_ERR_IO, "%s: member '%s' claims %llu bytes from %llu compressed bytes, more than deflate can produce",
                    name, e->name, (unsigned long long)e->usize, (unsigned long long)e->csize);
  *pp = p + CENTRAL_LEN + nlen + xlen + clen;
  return TG_OK;
}

tg_status tgi_zip_read_dir(int fd, uint64_t fsize, const char *name, tgi_zent **ents, int *n) {
  uint64_t cd_off = 0, cd_size = 0, count = 0, cd_end = 0;
  *ents = NULL, *n = 0;
  tg_status st = find_directory(fd, fsize, name, &cd_off, &cd_size, &count, &cd_end);
  if (st) return st;
  /* both allocations are bounded by the file's size (count <= cd_size / 46) */
  unsigned char *cd = tgi_malloc(cd_size ? (size_t)cd_size : 1);
  tgi_zent *es = tgi_calloc(count ? (size_t)count : 1, sizeof *es);
  if (!cd || !es) {
    tgi_free(cd), tgi_free(es);
    return tgi_fail(TG_ERR_NOMEM, "%s: out of memory for a %llu-entry directory", name,
                    (unsigned long long)count);
  }
  int got = 0;
  if (!(st = tgi_pread_all(fd, cd, (size_t)cd_size, cd_off, name))) {
    const unsigned char *p = cd, *end = cd + cd_size;
    for (; got < (int)count && !st; got++) st = parse_entry(name, &p, end, &es[got]);
    if (!st && p != end)
      st = tgi_fail(TG_ERR_IO, "%s: central directory has %zu bytes beyond its %d entries", name,
                    (size_t)(end - p), got);
  }
  tgi_free(cd);
  for (int i = 0; i < got && !st; i++) st = check_local(fd, name, &es[i], cd_off);
  if (!st) st = check_set(name, es, got);
  if (st) {
    tgi_zip_free_entries(es, got);
    return st;
  }
  *ents = es, *n = got;
  return TG_OK;
}

/* ------------------------------------------------------------------ member reading */

#define INBUF 65536

typedef struct {
  tgi_rd r;
  int fd;
  const tgi_zent *e;
  uint64_t pos;   /* compressed bytes consumed from the file */
  uint32_t crc;
  z_stream z;
  unsigned char *in;
  bool ended;     /* inflate reported the end of the stream */
} member_rd;

static tg_status stored_read(tgi_rd *r, void *dst, size_t n) {
  member_rd *m = (member_rd *)r;
  tg_status st = tgi_pread_all(m->fd, dst, n, m->e->data + m->pos, r->name);
  if (st) return st;
  m->pos += n;
  for (size_t done = 0; done < n;) { /* crc32 takes a uInt length */
    uInt k = n - done > (1u << 30) ? (1u << 30) : (uInt)(n - done);
    m->crc = (uint32_t)crc32(m->crc, (const Bytef *)dst + done, k);
    done += k;
  }
  return TG_OK;
}

static tg_status inflate_some(member_rd *m, unsigned char *dst, size_t n, size_t *got) {
  m->z.next_out = dst;
  m->z.avail_out = (uInt)n;
  while (m->z.avail_out && !m->ended) {
    if (m->z.avail_in == 0 && m->pos < m->e->csize) {
      size_t k = m->e->csize - m->pos < INBUF ? (size_t)(m->e->csize - m->pos) : INBUF;
      tg_status st = tgi_pread_all(m->fd, m->in, k, m->e->data + m->pos, m->r.name);
      if (st) return st;
      m->pos += k;
      m->z.next_in = m->in;
      m->z.avail_in = (uInt)k;
    }
    int rc = inflate(&m->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) m->ended = true;
    else if (rc == Z_BUF_ERROR && m->z.avail_in == 0 && m->pos == m->e->csize)
      return tgi_fail(TG_ERR_IO, "%s: compressed data ends early", m->r.name);
    else if (rc == Z_MEM_ERROR)
      return tgi_fail(TG_ERR_NOMEM, "%s: out of memory inflating", m->r.name);
    else if (rc != Z_OK)
      return tgi_fail(TG_ERR_IO, "%s: corrupt deflate data (zlib: %s)", m->r.name,
                      m->z.msg ? m->z.msg : "error");
  }
  *got = n - m->z.avail_out;
  return TG_OK;
}

static tg_status deflated_read(tgi_rd *r, void *dst, size_t n) {
  member_rd *m = (member_rd *)r;
  unsigned char *p = dst;
  while (n) {
    size_t want = n > (1u << 30) ? (1u << 30) : n, got;
    tg_status st = inflate_some(m, p, want, &got);
    if (st) return st;
    if (got < want)
      return tgi_fail(TG_ERR_IO, "%s: decompressed data is shorter than its declared %llu bytes",
                      r->name, (unsigned long long)m->e->usize);
    m->crc = (uint32_t)crc32(m->crc, p, (uInt)got);
    p += got, n -= got;
  }
  return TG_OK;
}

tg_array *tgi_zip_load_member(int fd, const char *zipname, const tgi_zent *e) {
  char name[TGI_MSG_MAX / 2];
  snprintf(name, sizeof name, "%s: member '%s'", zipname, e->name);
  member_rd m;
  memset(&m, 0, sizeof m);
  m.r.name = name, m.r.left = e->usize, m.fd = fd, m.e = e;
  m.crc = (uint32_t)crc32(0, Z_NULL, 0);
  if (e->method == TGI_ZIP_STORED) {
    m.r.read = stored_read;
  } else {
    m.r.read = deflated_read;
    m.z.zalloc = tgi_zalloc, m.z.zfree = tgi_zfree;
    if (!(m.in = tgi_malloc(INBUF))) {
      tgi_fail(TG_ERR_NOMEM, "%s: out of memory", name);
      return NULL;
    }
    int rc = inflateInit2(&m.z, -15);
    if (rc != Z_OK) {
      tgi_free(m.in);
      tgi_fail(rc == Z_MEM_ERROR ? TG_ERR_NOMEM : TG_ERR_RUNTIME, "%s: cannot start inflate", name);
      return NULL;
    }
  }
  tg_array *a = tgi_npy_read(&m.r);
  if (a && e->method == TGI_ZIP_DEFLATED) {
    /* the stream must end exactly here, having used every compressed byte */
    unsigned char extra;
    size_t got = 0;
    tg_status st = inflate_some(&m, &extra, 1, &got);
    if (!st && (got || !m.ended))
      st = tgi_fail(TG_ERR_IO, "%s: decompressed data is longer than its declared %llu bytes", name,
                    (unsigned long long)e->usize);
    if (!st && (m.z.avail_in || m.pos != e->csize))
      st = tgi_fail(TG_ERR_IO, "%s: compressed data goes on after the end of the deflate stream", name);
    if (st) tg_array_unref(a), a = NULL;
  }
  if (a && m.crc != e->crc) {
    tgi_fail(TG_ERR_IO, "%s: CRC-32 mismatch (stored %08x, computed %08x): the data is corrupt",
             name, e->crc, m.crc);
    tg_array_unref(a), a = NULL;
  }
  if (e->method == TGI_ZIP_DEFLATED) {
    inflateEnd(&m.z);
    tgi_free(m.in);
  }
  return a;
}
