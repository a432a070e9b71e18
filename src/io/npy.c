/* npy.c: numpy's .npy format (versions 1.0, 2.0 and 3.0): the strict header parser, the
   reader and writer over the byte sources/sinks of io_impl.h, the file and memory entry
   points, and the atomic temp-file-and-rename helper that .npz writing shares.

   A .npy image is: "\x93NUMPY", major, minor, a little-endian header length (2 bytes for
   1.0, 4 for 2.0/3.0), a Python dict literal {'descr': '<f8', 'fortran_order': False,
   'shape': (2, 3), } padded with spaces and ended by '\n', then the raw elements. Every
   length read from the file is checked against the bytes that really remain before any
   allocation is sized by it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_impl.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LE 0
#else
#define HOST_LE 1
#endif

static const char MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* descr codes (without the byte-order character) of the dtypes we have */
static const char *const DESCR[TG_NDTYPES] = {
    [TG_BOOL] = "b1", [TG_INT8] = "i1",  [TG_INT16] = "i2",   [TG_INT32] = "i4",
    [TG_INT64] = "i8", [TG_UINT8] = "u1", [TG_FLOAT32] = "f4", [TG_FLOAT64] = "f8",
};

/* ------------------------------------------------------------------ header parsing */

typedef struct {
  const char *p, *end, *start;
  const char *name;
} lexer;

static void skip_ws(lexer *L) {
  while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' || *L->p == '\n' || *L->p == '\r'))
    L->p++;
}

/* A malformed-header error: says what was expected and where. */
static tg_status bad_header(lexer *L, const char *what) {
  return tgi_fail(TG_ERR_IO, "%s: malformed .npy header: %s at header offset %ld", L->name, what,
                  (long)(L->p - L->start));
}

static bool eat(lexer *L, char c) {
  skip_ws(L);
  if (L->p < L->end && *L->p == c) {
    L->p++;
    return true;
  }
  return false;
}

/* A Python string literal in single or double quotes, without escapes (no valid key or
   descr needs one). Copies at most cap-1 characters into out. */
static tg_status lex_string(lexer *L, char *out, size_t cap) {
  skip_ws(L);
  if (L->p >= L->end || (*L->p != '\'' && *L->p != '"')) return bad_header(L, "expected a string");
  char q = *L->p++;
  size_t n = 0;
  while (L->p < L->end && *L->p != q) {
    unsigned char c = (unsigned char)*L->p;
    if (c == '\\') return bad_header(L, "escape sequences are not supported in strings");
    if (c < 0x20 || c >= 0x7f) return bad_header(L, "non-printable character in a string");
    if (n + 1 >= cap) return bad_header(L, "string too long");
    out[n++] = *L->p++;
  }
  if (L->p >= L->end) return bad_header(L, "unterminated string");
  L->p++;
  out[n] = 0;
  return TG_OK;
}

static bool lex_word(lexer *L, const char *w) {
  skip_ws(L);
  size_t n = strlen(w);
  if ((size_t)(L->end - L->p) < n || memcmp(L->p, w, n) != 0) return false;
  const char *q = L->p + n;
  if (q < L->end && (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                     (*q >= '0' && *q <= '9')))
    return false;
  L->p = q;
  return true;
}

/* A non-negative decimal int (Python 2's "3L" suffix accepted, as numpy does). */
static tg_status lex_dim(lexer *L, int64_t *out) {
  skip_ws(L);
  if (L->p < L->end && *L->p == '-') return bad_header(L, "negative dimension in shape");
  if (L->p >= L->end || *L->p < '0' || *L->p > '9') return bad_header(L, "expected an integer");
  uint64_t v = 0;
  while (L->p < L->end && *L->p >= '0' && *L->p <= '9') {
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, (unsigned)(*L->p - '0'), &v) ||
        v > (uint64_t)INT64_MAX)
      return bad_header(L, "dimension does not fit in 64 bits");
    L->p++;
  }
  if (L->p < L->end && *L->p == 'L') L->p++;
  *out = (int64_t)v;
  return TG_OK;
}

typedef struct {
  tg_dtype dt;
  bool fortran;
  int ndim;
  int64_t shape[TG_MAX_NDIM];
} npy_meta;

/* Map a descr string to a dtype: byte order '<' (or '|'/'='/'>' for one-byte types, where
   order means nothing) followed by one of our codes. */
static tg_status parse_descr(lexer *L, const char *d, npy_meta *m) {
  char order = d[0];
  if (order == '<' || order == '>' || order == '|' || order == '=') {
    for (int i = 0; i < TG_NDTYPES; i++) {
      if (strcmp(d + 1, DESCR[i]) != 0) continue;
      bool one = tg_dtype_size((tg_dtype)i) == 1;
      bool little = order == '<' || (order == '=' && HOST_LE);
      if (one || little) {
        m->dt = (tg_dtype)i;
        return TG_OK;
      }
      if (order == '>' || order == '=')
        return tgi_fail(TG_ERR_NOTIMPL, "%s: unsupported dtype '%s' (big-endian byte order)",
                        L->name, d);
      break;
    }
  }
  return tgi_fail(TG_ERR_NOTIMPL,
                  "%s: unsupported dtype '%s' (supported: |b1 |i1 <i2 <i4 <i8 |u1 <f4 <f8)",
                  L->name, d);
}

static tg_status parse_shape(lexer *L, npy_meta *m) {
  if (!eat(L, '(')) return bad_header(L, "shape must be a tuple such as (2, 3)");
  m->ndim = 0;
  if (eat(L, ')')) return TG_OK;
  for (;;) {
    if (m->ndim == TG_MAX_NDIM)
      return tgi_fail(TG_ERR_IO, "%s: shape has more than %d dimensions", L->name, TG_MAX_NDIM);
    tg_status st = lex_dim(L, &m->shape[m->ndim++]);
    if (st) return st;
    bool comma = eat(L, ',');
    if (eat(L, ')')) {
      /* (3) is an int in Python, not a tuple */
      if (m->ndim == 1 && !comma) return bad_header(L, "a 1-d shape needs a trailing comma, as (3,)");
      return TG_OK;
    }
    if (!comma) return bad_header(L, "expected ',' or ')' in shape");
  }
}

/* Parse the dict literal h[0..n); exactly the keys descr, fortran_order and shape. */
static tg_status parse_dict(const char *h, size_t n, const char *name, npy_meta *m) {
  lexer L = {h, h + n, h, name};
  if (n == 0 || h[n - 1] != '\n') {
    L.p = h + n;
    return bad_header(&L, "header does not end with a newline");
  }
  if (!eat(&L, '{')) return bad_header(&L, "expected '{'");
  bool seen[3] = {false, false, false};
  static const char *const keys[3] = {"descr", "fortran_order", "shape"};
  while (!eat(&L, '}')) {
    char key[32], val[64];
    tg_status st = lex_string(&L, key, sizeof key);
    if (st) return st;
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0) k++;
    if (k == 3) return tgi_fail(TG_ERR_IO, "%s: malformed .npy header: unexpected key '%s'", name, key);
    if (seen[k]) return tgi_fail(TG_ERR_IO, "%s: malformed .npy header: duplicate key '%s'", name, key);
    seen[k] = true;
    if (!eat(&L, ':')) return bad_header(&L, "expected ':' after a key");
    if (k == 0) {
      skip_ws(&L);
      if (L.p < L.end && *L.p == '[')
        return tgi_fail(TG_ERR_NOTIMPL, "%s: unsupported dtype: structured (record) dtypes", name);
      if ((st = lex_string(&L, val, sizeof val))) return st;
      if ((st = parse_descr(&L, val, m))) return st;
    } else if (k == 1) {
      if (lex_word(&L, "True"))
        m->fortran = true;
      else if (lex_word(&L, "False"))
        m->fortran = false;
      else
        return bad_header(&L, "fortran_order must be True or False");
    } else if ((st = parse_shape(&L, m))) {
      return st;
    }
    if (!eat(&L, ',')) {
      if (eat(&L, '}')) break;
      return bad_header(&L, "expected ',' or '}' after a value");
    }
  }
  skip_ws(&L);
  if (L.p != L.end) return bad_header(&L, "unexpected text after the dict");
  for (int k = 0; k < 3; k++)
    if (!seen[k]) return tgi_fail(TG_ERR_IO, "%s: malformed .npy header: missing key '%s'", name, keys[k]);
  return TG_OK;
}

/* ------------------------------------------------------------------ element order */

/* Walks an array's elements in C order (or Fortran order), tracking the byte offset. */
typedef struct {
  int ndim;
  bool fortran;
  const int64_t *shape, *strides;
  int64_t idx[TG_MAX_NDIM];
  int64_t off;
} walker;

static void walk_next(walker *w) {
  for (int k = 0; k < w->ndim; k++) {
    int d = w->fortran ? k : w->ndim - 1 - k;
    if (++w->idx[d] < w->shape[d]) {
      w->off += w->strides[d];
      return;
    }
    w->off -= (w->shape[d] - 1) * w->strides[d];
    w->idx[d] = 0;
  }
}

/* Reverse the bytes of each item (only on big-endian hosts: files are little-endian). */
static void swap_items(unsigned char *p, size_t count, size_t isz) {
  for (size_t i = 0; i < count; i++, p += isz)
    for (size_t a = 0, b = isz - 1; a < b; a++, b--) {
      unsigned char t = p[a];
      p[a] = p[b], p[b] = t;
    }
}

#define BOUNCE 65536

/* Fill the fresh C-contiguous array a from r, whose elements come in file order. */
static tg_status read_elements(tgi_rd *r, tg_array *a, bool fortran) {
  size_t isz = tg_dtype_size(a->dtype), nbytes = (size_t)a->size * isz;
  tg_status st = TG_OK;
  if (!fortran || a->ndim < 2) {
    if (nbytes && (st = r->read(r, a->data, nbytes))) return st;
    if (!HOST_LE && isz > 1) swap_items((unsigned char *)a->data, (size_t)a->size, isz);
  } else {
    /* scatter Fortran-ordered items into C order through a small bounce buffer */
    unsigned char *buf = tgi_malloc(BOUNCE);
    if (!buf) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory for a read buffer", r->name);
    walker w = {.ndim = a->ndim, .fortran = true, .shape = a->shape, .strides = a->strides};
    size_t per = BOUNCE / isz;
    for (int64_t done = 0; done < a->size && !st;) {
      size_t k = (size_t)(a->size - done) < per ? (size_t)(a->size - done) : per;
      if ((st = r->read(r, buf, k * isz))) break;
      if (!HOST_LE && isz > 1) swap_items(buf, k, isz);
      for (size_t i = 0; i < k; i++) {
        memcpy(a->data + w.off, buf + i * isz, isz);
        if (++done < a->size) walk_next(&w);
      }
    }
    tgi_free(buf);
    if (st) return st;
  }
  r->left -= nbytes;
  if (a->dtype == TG_BOOL) /* numpy reads any nonzero byte as True; keep ours 0/1 */
    for (size_t i = 0; i < nbytes; i++) a->data[i] = a->data[i] != 0;
  return TG_OK;
}

/* ------------------------------------------------------------------ reading */

static tg_status take(tgi_rd *r, void *dst, size_t n, const char *what) {
  if (r->left < n)
    return tgi_fail(TG_ERR_IO, "%s: truncated: %s needs %zu bytes but only %llu remain", r->name,
                    what, n, (unsigned long long)r->left);
  tg_status st = r->read(r, dst, n);
  if (!st) r->left -= n;
  return st;
}

tg_array *tgi_npy_read(tgi_rd *r) {
  unsigned char pre[12];
  const char *name = r->name;
  if (r->left < 10) {
    tgi_fail(TG_ERR_IO, "%s: truncated: %llu bytes is too short for a .npy file", name,
             (unsigned long long)r->left);
    return NULL;
  }
  if (take(r, pre, 8, "the magic")) return NULL;
  if (memcmp(pre, MAGIC, 6) != 0) {
    tgi_fail(TG_ERR_IO, "%s: not a .npy file (bad magic bytes)", name);
    return NULL;
  }
  int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) {
    tgi_fail(TG_ERR_NOTIMPL, "%s: unsupported .npy format version %d.%d (known: 1.0, 2.0, 3.0)",
             name, major, minor);
    return NULL;
  }
  size_t lenw = major == 1 ? 2 : 4;
  if (take(r, pre + 8, lenw, "the header length")) return NULL;
  uint32_t hlen = major == 1 ? tgi_le16(pre + 8) : tgi_le32(pre + 8);
  if (hlen > TGI_NPY_MAX_HEADER) {
    tgi_fail(TG_ERR_IO, "%s: header length %u exceeds the limit of %u bytes", name, hlen,
             TGI_NPY_MAX_HEADER);
    return NULL;
  }
  if (hlen > r->left) {
    tgi_fail(TG_ERR_IO, "%s: truncated: the header claims %u bytes but only %llu remain", name,
             hlen, (unsigned long long)r->left);
    return NULL;
  }
  char *h = tgi_malloc(hlen + 1u);
  if (!h) {
    tgi_fail(TG_ERR_NOMEM, "%s: out of memory for a %u-byte header", name, hlen);
    return NULL;
  }
  npy_meta m = {0};
  tg_status st = take(r, h, hlen, "the header");
  if (!st) {
    h[hlen] = 0;
    if (memchr(h, 0, hlen)) {
      lexer L = {h + strlen(h), h + hlen, h, name};
      st = bad_header(&L, "NUL byte in the header");
    } else {
      st = parse_dict(h, hlen, name, &m);
    }
  }
  tgi_free(h);
  if (st) return NULL;

  /* element count and byte size, overflow-checked, then against what the file holds */
  size_t isz = tg_dtype_size(m.dt);
  uint64_t count = 1, bytes;
  bool zero = false, over = false;
  for (int i = 0; i < m.ndim; i++) {
    if (m.shape[i] == 0) zero = true;
    if (__builtin_mul_overflow(count, (uint64_t)m.shape[i], &count)) over = true;
  }
  if (zero) count = 0, over = false;
  char sbuf[256];
  if (over || __builtin_mul_overflow(count, (uint64_t)isz, &bytes) || bytes > (uint64_t)INT64_MAX / 2 ||
      bytes > SIZE_MAX / 2) {
    tgi_fail(TG_ERR_IO, "%s: shape %s of %s is too large (its byte size overflows)", name,
             tgi_shape_str(m.ndim, m.shape, sbuf, sizeof sbuf), tg_dtype_name(m.dt));
    return NULL;
  }
  if (bytes > r->left) {
    tgi_fail(TG_ERR_IO, "%s: truncated: shape %s of %s needs %llu data bytes but only %llu remain",
             name, tgi_shape_str(m.ndim, m.shape, sbuf, sizeof sbuf), tg_dtype_name(m.dt),
             (unsigned long long)bytes, (unsigned long long)r->left);
    return NULL;
  }
  if (bytes < r->left) {
    tgi_fail(TG_ERR_IO, "%s: %llu unexpected trailing bytes after the %llu data bytes of shape %s",
             name, (unsigned long long)(r->left - bytes), (unsigned long long)bytes,
             tgi_shape_str(m.ndim, m.shape, sbuf, sizeof sbuf));
    return NULL;
  }
  tg_array *a = tgi_array_alloc(m.dt, m.ndim, m.shape, true, false);
  if (!a) {
    if (tg_errstatus() == TG_ERR_NOMEM)
      tgi_fail(TG_ERR_NOMEM, "%s: out of memory for a %s array of shape %s", name,
               tg_dtype_name(m.dt), tgi_shape_str(m.ndim, m.shape, sbuf, sizeof sbuf));
    return NULL;
  }
  if (read_elements(r, a, m.fortran)) {
    tg_array_unref(a);
    return NULL;
  }
  return a;
}

/* ------------------------------------------------------------------ writing */

/* The header (magic through '\n'), padded so the data starts on a 64-byte boundary as
   numpy's writer does. Returns its length, 0 if it does not fit cap. */
static size_t format_header(const tg_array *a, char *out, size_t cap) {
  char dict[2048];
  int n = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                   tg_dtype_size(a->dtype) == 1 ? '|' : '<', DESCR[a->dtype]);
  for (int i = 0; i < a->ndim && n > 0 && (size_t)n < sizeof dict; i++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, i ? ", %lld" : "%lld", (long long)a->shape[i]);
  if (n > 0 && (size_t)n < sizeof dict)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", a->ndim == 1 ? "," : "");
  if (n <= 0 || (size_t)n >= sizeof dict) return 0;
  size_t hl = (size_t)n + 1; /* with the '\n' */
  /* version 1.0 unless its 2-byte length field cannot hold the padded header */
  int major = (10 + hl + 63) / 64 * 64 - 10 <= 65535 ? 1 : 2;
  size_t pre = major == 1 ? 10 : 12;
  size_t total = (pre + hl + 63) / 64 * 64;
  if (total > cap || total - pre > 0xFFFFFFFFu) return 0;
  memcpy(out, MAGIC, 6);
  out[6] = (char)major, out[7] = 0;
  if (major == 1)
    tgi_put16((unsigned char *)out + 8, (uint16_t)(total - pre));
  else
    tgi_put32((unsigned char *)out + 8, (uint32_t)(total - pre));
  memcpy(out + pre, dict, (size_t)n);
  memset(out + pre + n, ' ', total - pre - (size_t)n - 1);
  out[total - 1] = '\n';
  return total;
}

#define HEADER_CAP 4096

static bool check_array(const tg_array *a, const char *name) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "%s: array is NULL", name);
    return false;
  }
  if ((unsigned)a->dtype >= TG_NDTYPES) {
    tgi_fail(TG_ERR_TYPE, "%s: array has an invalid dtype %d", name, (int)a->dtype);
    return false;
  }
  return true;
}

bool tgi_npy_size(const tg_array *a, uint64_t *total) {
  char h[HEADER_CAP];
  if (!check_array(a, "npy")) return false;
  size_t hl = format_header(a, h, sizeof h);
  *total = hl + (uint64_t)a->size * tg_dtype_size(a->dtype);
  return hl != 0;
}

tg_status tgi_npy_write(tgi_wr *w, const tg_array *a) {
  if (!check_array(a, w->name)) return tg_errstatus();
  char *h = tgi_malloc(HEADER_CAP);
  if (!h) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory for the header", w->name);
  size_t hl = format_header(a, h, HEADER_CAP);
  tg_status st = hl ? w->write(w, h, hl)
                    : tgi_fail(TG_ERR_VALUE, "%s: the .npy header does not fit", w->name);
  tgi_free(h);
  if (st) return st;
  size_t isz = tg_dtype_size(a->dtype);
  if (a->size == 0) return TG_OK;
  if (tg_array_is_contiguous(a) && (HOST_LE || isz == 1))
    return w->write(w, a->data, (size_t)a->size * isz);
  /* gather in C order through a bounce buffer */
  unsigned char *buf = tgi_malloc(BOUNCE);
  if (!buf) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory for a write buffer", w->name);
  walker wk = {.ndim = a->ndim, .fortran = false, .shape = a->shape, .strides = a->strides};
  size_t per = BOUNCE / isz;
  for (int64_t done = 0; done < a->size && !st;) {
    size_t k = (size_t)(a->size - done) < per ? (size_t)(a->size - done) : per;
    for (size_t i = 0; i < k; i++) {
      memcpy(buf + i * isz, a->data + wk.off, isz);
      if (++done < a->size) walk_next(&wk);
    }
    if (!HOST_LE && isz > 1) swap_items(buf, k, isz);
    st = w->write(w, buf, k * isz);
  }
  tgi_free(buf);
  return st;
}

/* ------------------------------------------------------------------ descriptors */

tg_status tgi_pread_all(int fd, void *dst, size_t n, uint64_t off, const char *name) {
  char *p = dst;
  while (n) {
    ssize_t k = pread(fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return tgi_fail(TG_ERR_IO, "%s: read failed: %s", name, strerror(errno));
    if (k == 0) return tgi_fail(TG_ERR_IO, "%s: truncated: the file ended early", name);
    p += k, n -= (size_t)k, off += (uint64_t)k;
  }
  return TG_OK;
}

tg_status tgi_pwrite_all(int fd, const void *src, size_t n, uint64_t off, const char *name) {
  const char *p = src;
  while (n) {
    ssize_t k = pwrite(fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return tgi_fail(TG_ERR_IO, "%s: write failed: %s", name, k < 0 ? strerror(errno) : "no progress");
    p += k, n -= (size_t)k, off += (uint64_t)k;
  }
  return TG_OK;
}

typedef struct {
  tgi_rd r;
  int fd;
  uint64_t off;
} fd_rd;

static tg_status fd_read(tgi_rd *r, void *dst, size_t n) {
  fd_rd *f = (fd_rd *)r;
  tg_status st = tgi_pread_all(f->fd, dst, n, f->off, r->name);
  f->off += n;
  return st;
}

tg_array *tg_npy_load(const char *path) {
  if (!path) {
    tgi_fail(TG_ERR_ARG, "tg_npy_load: path is NULL");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    tgi_fail(TG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat sb;
  tg_array *a = NULL;
  if (fstat(fd, &sb) != 0)
    tgi_fail(TG_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(sb.st_mode))
    tgi_fail(TG_ERR_IO, "%s: not a regular file", path);
  else {
    fd_rd f = {{fd_read, (uint64_t)sb.st_size, path}, fd, 0};
    a = tgi_npy_read(&f.r);
  }
  close(fd);
  return a;
}

typedef struct {
  tgi_rd r;
  const unsigned char *p;
} mem_rd;

static tg_status mem_read(tgi_rd *r, void *dst, size_t n) {
  mem_rd *m = (mem_rd *)r;
  memcpy(dst, m->p, n); /* take() checked n against left */
  m->p += n;
  return TG_OK;
}

tg_array *tg_npy_load_mem(const void *buf, size_t n, const char *name_for_errors) {
  const char *name = name_for_errors ? name_for_errors : "<memory>";
  if (!buf && n) {
    tgi_fail(TG_ERR_ARG, "%s: tg_npy_load_mem: buffer is NULL", name);
    return NULL;
  }
  mem_rd m = {{mem_read, n, name}, buf};
  return tgi_npy_read(&m.r);
}

typedef struct {
  tgi_wr w;
  unsigned char *p;
  size_t n, cap;
} mem_wr;

static tg_status mem_write(tgi_wr *w, const void *src, size_t n) {
  mem_wr *m = (mem_wr *)w;
  if (n > m->cap - m->n) return tgi_fail(TG_ERR_RUNTIME, "%s: image larger than computed", w->name);
  memcpy(m->p + m->n, src, n);
  m->n += n;
  return TG_OK;
}

tg_status tg_npy_save_mem(const tg_array *a, void **out, size_t *n) {
  if (!out || !n) return tgi_fail(TG_ERR_ARG, "tg_npy_save_mem: out or n is NULL");
  *out = NULL, *n = 0;
  uint64_t total;
  if (!tgi_npy_size(a, &total)) return tg_errstatus() ? tg_errstatus() : TG_ERR_VALUE;
  if (total > SIZE_MAX) return tgi_fail(TG_ERR_VALUE, "tg_npy_save_mem: image too large");
  mem_wr m = {{mem_write, "<memory>"}, tgi_malloc((size_t)total), 0, (size_t)total};
  if (!m.p) return tgi_fail(TG_ERR_NOMEM, "tg_npy_save_mem: out of memory for %llu bytes",
                            (unsigned long long)total);
  tg_status st = tgi_npy_write(&m.w, a);
  if (st) {
    tgi_free(m.p);
    return st;
  }
  *out = m.p, *n = m.n;
  return TG_OK;
}

typedef struct {
  tgi_wr w;
  int fd;
  uint64_t off;
} fd_wr;

static tg_status fd_write(tgi_wr *w, const void *src, size_t n) {
  fd_wr *f = (fd_wr *)w;
  tg_status st;
  if (f->off == UINT64_MAX) { /* not seekable (a pipe or device): plain writes */
    const char *p = src;
    for (st = TG_OK; n && !st;) {
      ssize_t k = write(f->fd, p, n > (1u << 30) ? (1u << 30) : n);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) st = tgi_fail(TG_ERR_IO, "%s: write failed: %s", w->name, k < 0 ? strerror(errno) : "no progress");
      else p += k, n -= (size_t)k;
    }
    return st;
  }
  st = tgi_pwrite_all(f->fd, src, n, f->off, w->name);
  f->off += n;
  return st;
}

tg_status tg_npy_save(const char *path, const tg_array *a) {
  if (!path) return tgi_fail(TG_ERR_ARG, "tg_npy_save: path is NULL");
  if (!check_array(a, path)) return tg_errstatus();
  tgi_afile f;
  tg_status st = tgi_afile_open(&f, path);
  if (st) return st;
  struct stat sb;
  bool seekable = fstat(f.fd, &sb) == 0 && S_ISREG(sb.st_mode);
  fd_wr w = {{fd_write, path}, f.fd, seekable ? 0 : UINT64_MAX};
  st = tgi_npy_write(&w.w, a);
  if (st) {
    tgi_afile_abort(&f);
    return st;
  }
  return tgi_afile_commit(&f);
}

/* ------------------------------------------------------------------ atomic files */

tg_status tgi_afile_open(tgi_afile *f, const char *path) {
  f->fd = -1, f->path = NULL, f->tmp = NULL;
  if (!*path) return tgi_fail(TG_ERR_ARG, "the destination path is empty");
  char real[PATH_MAX];
  const char *dest = path;
  struct stat sb;
  /* a symlink is followed, so the file it names is replaced rather than the link */
  if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) && realpath(path, real)) dest = real;
  bool exists = stat(dest, &sb) == 0;
  if (!(f->path = tgi_strdup(dest))) return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
  if (exists && S_ISDIR(sb.st_mode)) {
    tgi_afile_abort(f);
    return tgi_fail(TG_ERR_IO, "%s: is a directory", path);
  }
  if (exists && !S_ISREG(sb.st_mode)) { /* a device or FIFO: renaming over it would be wrong */
    f->fd = open(dest, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (f->fd < 0) {
      tg_status st = tgi_fail(TG_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
      tgi_afile_abort(f);
      return st;
    }
    return TG_OK;
  }
  size_t n = strlen(dest);
  if (!(f->tmp = tgi_malloc(n + sizeof ".tmp.XXXXXX"))) {
    tgi_afile_abort(f);
    return tgi_fail(TG_ERR_NOMEM, "%s: out of memory", path);
  }
  memcpy(f->tmp, dest, n);
  memcpy(f->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
  f->fd = mkostemp(f->tmp, O_CLOEXEC);
  if (f->fd < 0) {
    tg_status st = tgi_fail(TG_ERR_IO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    tgi_free(f->tmp), f->tmp = NULL; /* nothing was created */
    tgi_afile_abort(f);
    return st;
  }
  /* mkstemp makes the file 0600; keep the mode of the file being replaced, else 0644 */
  (void)fchmod(f->fd, exists ? (sb.st_mode & 07777) : 0644);
  return TG_OK;
}

void tgi_afile_abort(tgi_afile *f) {
  if (f->fd >= 0) close(f->fd);
  if (f->tmp) unlink(f->tmp);
  tgi_free(f->tmp);
  tgi_free(f->path);
  f->fd = -1, f->tmp = f->path = NULL;
}

tg_status tgi_afile_commit(tgi_afile *f) {
  tg_status st = TG_OK;
  if (!f->tmp) { /* written in place */
    if (close(f->fd) != 0) st = tgi_fail(TG_ERR_IO, "%s: close failed: %s", f->path, strerror(errno));
    f->fd = -1;
    tgi_afile_abort(f);
    return st;
  }
  if (fsync(f->fd) != 0)
    st = tgi_fail(TG_ERR_IO, "%s: fsync failed: %s", f->path, strerror(errno));
  int rc = close(f->fd);
  f->fd = -1;
  if (!st && rc != 0) st = tgi_fail(TG_ERR_IO, "%s: close failed: %s", f->path, strerror(errno));
  if (!st && rename(f->tmp, f->path) != 0)
    st = tgi_fail(TG_ERR_IO, "%s: cannot rename the temporary file over it: %s", f->path,
                  strerror(errno));
  if (st) {
    tgi_afile_abort(f);
    return st;
  }
  /* make the rename itself durable; best effort, as some file systems refuse to fsync a
     directory and the data is already safely in place */
  char *slash = strrchr(f->path, '/');
  if (slash) *(slash == f->path ? slash + 1 : slash) = 0;
  int dfd = open(slash ? f->path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  tgi_free(f->tmp), f->tmp = NULL;
  tgi_afile_abort(f);
  return TG_OK;
}
