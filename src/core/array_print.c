/* array_print.c: tg_array_print and tg_array_to_string, which reproduce numpy 1.24's
   str(a) byte for byte under the default print options (precision 8, floatmode "maxprec",
   threshold 1000, edgeitems 3, linewidth 75). The structure follows numpy's arrayprint.py:
   a formatter is chosen from the (possibly summarised) data, as FloatingFormat /
   IntegerFormat / BoolFormat do, then a recursive layout emits the nested brackets with
   numpy's wrapping rule. Float digits are the shortest that round-trip (what numpy's
   Dragon4 "unique" mode prints), found with snprintf/strtod. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

#define PRINT_THRESHOLD 1000 /* numpy's threshold: larger arrays are summarised */
#define PRINT_EDGE 3         /* numpy's edgeitems */
#define PRINT_WIDTH 75       /* numpy's linewidth */
#define PRINT_PRECISION 8    /* numpy's precision (most fractional digits shown) */

/* ---- a growable string; the first failed allocation makes it sticky-failed ---- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool oom;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra) {
  if (b->oom || b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = tgi_realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return;
  }
  b->p = p;
  b->cap = cap;
}

static void sb_putn(sbuf *b, const char *s, size_t n) {
  sb_reserve(b, n);
  if (b->oom) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_fill(sbuf *b, char c, int n) {
  if (n <= 0) return;
  sb_reserve(b, (size_t)n);
  if (b->oom) return;
  memset(b->p + b->len, c, (size_t)n);
  b->len += (size_t)n;
  b->p[b->len] = '\0';
}

/* ---- decimal digits of a float ---- */

/* A decimal: |value| = d1.d2d3... x 10^exp10, sign apart. After dec_trim the digits have
   no trailing zeros, and zero is the single digit "0". */
typedef struct dec {
  char digits[48];
  int n;
  int exp10;
  bool neg;
} dec;

/* Parse snprintf's "%.Ne" output of a non-negative number ("1.2345e+06"). */
static void parse_e(const char *s, dec *d) {
  d->n = 0;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9' && d->n < (int)sizeof d->digits - 1) d->digits[d->n++] = *s;
  d->exp10 = *s == 'e' ? atoi(s + 1) : 0;
  d->digits[d->n] = '\0';
}

/* Parse "%.Nf" output of a non-negative number ("12.34000000"). */
static void parse_f(const char *s, dec *d) {
  int intdigits = 0;
  bool seen_point = false;
  d->n = 0;
  d->exp10 = 0;
  bool leading = true;
  int lead_frac_zeros = 0;
  for (; *s; s++) {
    if (*s == '.') {
      seen_point = true;
      continue;
    }
    if (!seen_point) intdigits++;
    if (leading && *s == '0') {
      if (seen_point) lead_frac_zeros++;
      else intdigits--; /* a leading integer zero is no digit of the value */
      continue;
    }
    leading = false;
    if (d->n < (int)sizeof d->digits - 1) d->digits[d->n++] = *s;
  }
  d->digits[d->n] = '\0';
  d->exp10 = intdigits > 0 ? intdigits - 1 : -1 - lead_frac_zeros;
}

static void dec_trim(dec *d) {
  while (d->n > 1 && d->digits[d->n - 1] == '0') d->digits[--d->n] = '\0';
  if (d->n == 0 || (d->n == 1 && d->digits[0] == '0')) {
    strcpy(d->digits, "0");
    d->n = 1;
    d->exp10 = 0;
  }
}

/* Does the decimal d (positive) read back as exactly v (as a float when f32)? */
static bool round_trips(const dec *d, double v, bool f32) {
  char s[80];
  snprintf(s, sizeof s, "%c.%se%d", d->digits[0], d->digits + 1, d->exp10);
  return f32 ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v;
}

/* Add one unit in the last digit (carrying; 9.99 -> 10.0 shifts the exponent). */
static void dec_bump(dec *d) {
  int i = d->n - 1;
  while (i >= 0 && d->digits[i] == '9') d->digits[i--] = '0';
  if (i >= 0) {
    d->digits[i]++;
  } else {
    memmove(d->digits + 1, d->digits, (size_t)d->n + 1);
    d->digits[0] = '1';
    d->digits[d->n] = '\0'; /* keep the digit count: the last digit was a 0 */
    d->exp10++;
  }
}

/* The shortest digits that identify v among doubles (floats when f32), the closest such
   to v: numpy's Dragon4 in "unique" mode. The correctly rounded n-digit candidate can miss
   only at a power of two, where the interval below is half as wide; then the candidate
   one unit higher is the one inside. */
static void shortest(double v, bool f32, dec *d) {
  d->neg = signbit(v) != 0;
  double av = fabs(v);
  if (av == 0) {
    strcpy(d->digits, "0");
    d->n = 1;
    d->exp10 = 0;
    return;
  }
  int maxprec = f32 ? 9 : 17;
  char s[64];
  for (int prec = 0; prec < maxprec; prec++) {
    snprintf(s, sizeof s, "%.*e", prec, av);
    parse_e(s, d);
    if (round_trips(d, av, f32)) break;
    dec up = *d;
    dec_bump(&up);
    if (round_trips(&up, av, f32)) {
      *d = up;
      break;
    }
  }
  bool neg = d->neg;
  dec_trim(d);
  d->neg = neg;
}

/* Fraction digits d shows in positional (sci false) or scientific notation. */
static int frac_digits(const dec *d, bool sci) {
  if (d->n == 1 && d->digits[0] == '0') return 0;
  return sci ? d->n - 1 : d->n - 1 - d->exp10;
}

/* numpy's maxprec mode: d holds v's shortest digits; if they need more than `prec` digits
   after the point (positional) or after the first digit (scientific), Dragon4 stops at that
   digit and rounds the exact value half-to-even, as glibc's printf does. */
static void cap_digits(double v, bool sci, int prec, dec *d) {
  if (frac_digits(d, sci) <= prec) return;
  char s[400];
  bool neg = d->neg;
  snprintf(s, sizeof s, sci ? "%.*e" : "%.*f", prec, fabs(v));
  if (sci) parse_e(s, d);
  else parse_f(s, d);
  dec_trim(d);
  d->neg = neg;
}

/* Positional text of d: the integer part (with its '-') and the fraction digits. Callers
   use it only for magnitudes in [1e-4, 1e16) or zero, which fit POS_MAX comfortably; the
   bounds checks only keep a misuse from writing past the buffers. */
#define POS_MAX 40
static void dec_positional(const dec *d, char *ip, char *fp) {
  int k = 0, m = 0;
  if (d->neg) ip[k++] = '-';
  if (d->exp10 < 0) {
    ip[k++] = '0';
    for (int i = 0; i < -d->exp10 - 1 && m < POS_MAX - 1; i++) fp[m++] = '0';
    for (int i = 0; i < d->n && m < POS_MAX - 1; i++) fp[m++] = d->digits[i];
  } else {
    for (int i = 0; i <= d->exp10 && k < POS_MAX - 1; i++) ip[k++] = i < d->n ? d->digits[i] : '0';
    for (int i = d->exp10 + 1; i < d->n && m < POS_MAX - 1; i++) fp[m++] = d->digits[i];
  }
  if (d->n == 1 && d->digits[0] == '0') m = 0; /* zero has no fraction digits */
  ip[k] = '\0';
  fp[m] = '\0';
}

static int exp_digits(int e) {
  int n = 0;
  for (e = abs(e); e; e /= 10) n++;
  return n < 2 ? 2 : n; /* Dragon4 prints at least two exponent digits */
}

/* ---- formatters (numpy's FloatingFormat, IntegerFormat, BoolFormat) ---- */

typedef struct fmt {
  tg_dtype dt;
  int int_width;                 /* IntegerFormat: the widest of str(max), str(min) */
  bool exp;                      /* FloatingFormat: scientific notation */
  int pad_left, pad_right, prec; /* widths of the integer and fraction parts; digits */
  int exp_size;                  /* exponent digits in scientific mode */
} fmt;

/* Walks the elements numpy's _leading_trailing keeps: each axis longer than 2*edge
   (when the array is summarised) shows only its first and last PRINT_EDGE entries. */
typedef struct shown_iter {
  const tg_array *a;
  int64_t count[TG_MAX_NDIM], j[TG_MAX_NDIM];
  bool cut[TG_MAX_NDIM];
} shown_iter;

static void shown_init(shown_iter *it, const tg_array *a, bool summary) {
  it->a = a;
  for (int i = 0; i < a->ndim; i++) {
    it->cut[i] = summary && a->shape[i] > 2 * PRINT_EDGE;
    it->count[i] = it->cut[i] ? 2 * PRINT_EDGE : a->shape[i];
    it->j[i] = 0;
  }
}

static const char *shown_ptr(const shown_iter *it) {
  const tg_array *a = it->a;
  const char *p = a->data;
  for (int i = 0; i < a->ndim; i++) {
    int64_t k = it->j[i];
    if (it->cut[i] && k >= PRINT_EDGE) k = a->shape[i] - 2 * PRINT_EDGE + k;
    p += k * a->strides[i];
  }
  return p;
}

static void fmt_ints(fmt *f, const tg_array *a, bool summary) {
  shown_iter it;
  shown_init(&it, a, summary);
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  do {
    int64_t v = tgi_load_i64(shown_ptr(&it), a->dtype);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  } while (tgi_next_index(a->ndim, it.count, it.j));
  char s1[32], s2[32];
  int w1 = snprintf(s1, sizeof s1, "%lld", (long long)lo);
  int w2 = snprintf(s2, sizeof s2, "%lld", (long long)hi);
  f->int_width = w1 > w2 ? w1 : w2;
}

/* numpy's FloatingFormat.fillFormat for floatmode "maxprec", sign '-'. */
static void fmt_floats(fmt *f, const tg_array *a, bool summary) {
  bool f32 = a->dtype == TG_FLOAT32;
  shown_iter it;
  double maxv = 0, minv = INFINITY;
  bool any_finite = false, any_nonfinite = false, neg_inf = false, any_nonzero = false;
  shown_init(&it, a, summary);
  do {
    double v = tgi_load_f64(shown_ptr(&it), a->dtype);
    if (!isfinite(v)) {
      any_nonfinite = true;
      if (isinf(v) && v < 0) neg_inf = true;
      continue;
    }
    any_finite = true;
    if (v == 0) continue;
    any_nonzero = true;
    double av = fabs(v);
    if (av > maxv) maxv = av;
    if (av < minv) minv = av;
  } while (tgi_next_index(a->ndim, it.count, it.j));
  f->exp = false;
  if (any_nonzero) {
    /* numpy divides the two float32 scalars in float32 before comparing with 1000. */
    double ratio = f32 ? (double)((float)maxv / (float)minv) : maxv / minv;
    f->exp = maxv >= 1e8 || minv < 0.0001 || ratio > 1000.;
  }
  f->pad_left = f->pad_right = 0;
  f->prec = PRINT_PRECISION;
  f->exp_size = -1;
  if (any_finite) {
    int maxint = 0, maxfrac = 0, maxexp = 0;
    shown_init(&it, a, summary);
    do {
      double v = tgi_load_f64(shown_ptr(&it), a->dtype);
      if (!isfinite(v)) continue;
      dec d;
      shortest(v, f32, &d);
      cap_digits(v, f->exp, PRINT_PRECISION, &d);
      int ilen, flen;
      if (f->exp) {
        ilen = 1 + d.neg;
        flen = d.n - 1;
        int ed = exp_digits(d.digits[0] == '0' ? 0 : d.exp10);
        if (ed > maxexp) maxexp = ed;
      } else {
        char ip[POS_MAX], fp[POS_MAX];
        dec_positional(&d, ip, fp);
        ilen = (int)strlen(ip);
        flen = (int)strlen(fp);
      }
      if (ilen > maxint) maxint = ilen;
      if (flen > maxfrac) maxfrac = flen;
    } while (tgi_next_index(a->ndim, it.count, it.j));
    f->pad_left = maxint;
    if (f->exp) {
      f->exp_size = maxexp;
      f->prec = maxfrac; /* every number then shows this many fraction digits */
      f->pad_right = f->exp_size + 2 + f->prec;
    } else {
      f->pad_right = maxfrac;
    }
  }
  if (any_nonfinite) {
    int offset = f->pad_right + 1;
    int nanw = 3 - offset, infw = 3 + neg_inf - offset;
    if (nanw > f->pad_left) f->pad_left = nanw;
    if (infw > f->pad_left) f->pad_left = infw;
  }
}

/* One element as numpy's format function for the array would print it. */
static void fmt_elem(const fmt *f, const char *p, char *out, size_t n) {
  if (f->dt == TG_BOOL) {
    snprintf(out, n, "%s", *(const uint8_t *)p ? " True" : "False");
    return;
  }
  if (!tg_dtype_is_float(f->dt)) {
    snprintf(out, n, "%*lld", f->int_width, (long long)tgi_load_i64(p, f->dt));
    return;
  }
  double v = tgi_load_f64(p, f->dt);
  if (!isfinite(v)) {
    const char *s = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
    snprintf(out, n, "%*s", f->pad_left + f->pad_right + 1, s);
    return;
  }
  dec d;
  shortest(v, f->dt == TG_FLOAT32, &d);
  bool cut = frac_digits(&d, f->exp) > f->prec;
  cap_digits(v, f->exp, f->prec, &d);
  if (f->exp) {
    /* Every number shows exactly prec fraction digits (numpy passes min_digits = prec).
       Digits past the shortest ones are the exact value's, not zeros (5e-324 prints as
       4.9e-324 beside 1.5), and Dragon4 keeps rounding towards the neighbour that still
       identifies the value, which is the same candidate test shortest() makes. */
    if (!cut && d.n - 1 < f->prec && v != 0) {
      char s[64];
      snprintf(s, sizeof s, "%.*e", f->prec, fabs(v));
      parse_e(s, &d);
      if (!round_trips(&d, fabs(v), f->dt == TG_FLOAT32)) dec_bump(&d);
    }
    char frac[64];
    int m = 0;
    for (int i = 1; i < d.n && m < (int)sizeof frac - 1; i++) frac[m++] = d.digits[i];
    while (m < f->prec && m < (int)sizeof frac - 1) frac[m++] = '0'; /* zero; trimmed 0s */
    frac[m] = '\0';
    bool zero = d.digits[0] == '0';
    int e = zero ? 0 : d.exp10;
    int lpad = f->pad_left - 1 - d.neg;
    snprintf(out, n, "%*s%s%c.%se%c%0*d", lpad > 0 ? lpad : 0, "", d.neg ? "-" : "",
             d.digits[0], frac, e < 0 ? '-' : '+', f->exp_size, abs(e));
  } else {
    char ip[POS_MAX], fp[POS_MAX];
    dec_positional(&d, ip, fp);
    snprintf(out, n, "%*s.%-*s", f->pad_left, ip, f->pad_right, fp);
  }
}

/* ---- 0-d arrays: str() of the numpy scalar ---- */

static void scalar_str(sbuf *b, const tg_array *a) {
  char s[128];
  const char *p = a->data;
  if (a->dtype == TG_BOOL) {
    sb_puts(b, *(const uint8_t *)p ? "True" : "False");
    return;
  }
  if (!tg_dtype_is_float(a->dtype)) {
    snprintf(s, sizeof s, "%lld", (long long)tgi_load_i64(p, a->dtype));
    sb_puts(b, s);
    return;
  }
  double v = tgi_load_f64(p, a->dtype);
  if (!isfinite(v)) {
    sb_puts(b, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
    return;
  }
  dec d;
  shortest(v, a->dtype == TG_FLOAT32, &d);
  double av = fabs(v);
  if (av == 0 || (av >= 1e-4 && av < 1e16)) {
    /* positional, trimmed to one trailing zero: "1.0" */
    char ip[POS_MAX], fp[POS_MAX];
    dec_positional(&d, ip, fp);
    snprintf(s, sizeof s, "%s.%s", ip, fp[0] ? fp : "0");
  } else {
    /* scientific, trimmed including the point: "1e+16", "1.5e-05" */
    snprintf(s, sizeof s, "%s%c%s%se%c%02d", d.neg ? "-" : "", d.digits[0], d.n > 1 ? "." : "",
             d.digits + 1, d.exp10 < 0 ? '-' : '+', abs(d.exp10));
  }
  sb_puts(b, s);
}

/* ---- layout: numpy's _formatArray ---- */

typedef struct layout {
  sbuf *b;
  const tg_array *a;
  fmt f;
  bool summary;
  size_t line_start; /* buffer offset where the current output line starts */
} layout;

static void newline(layout *L) {
  sb_putn(L->b, "\n", 1);
  L->line_start = L->b->len;
}

/* numpy's _extendLine: start a new line (indented by hi) if word would pass width, unless
   the line holds nothing but its indent. line_len is the current line's length. */
static void extend_line(layout *L, int *line_len, const char *word, int hi, int width) {
  int wl = (int)strlen(word);
  if (*line_len + wl > width && *line_len > hi) {
    sbuf *b = L->b;
    while (!b->oom && b->len > L->line_start && b->p[b->len - 1] == ' ') b->len--;
    newline(L);
    sb_fill(b, ' ', hi);
    *line_len = hi;
  }
  sb_puts(L->b, word);
  *line_len += wl;
}

/* Index along an axis of the k-th shown entry, and how many entries are shown. */
static int64_t shown_count(const layout *L, int axis, bool *cut) {
  int64_t n = L->a->shape[axis];
  *cut = L->summary && n > 2 * PRINT_EDGE;
  return *cut ? 2 * PRINT_EDGE : n;
}

static int64_t shown_index(const layout *L, int axis, bool cut, int64_t k) {
  return cut && k >= PRINT_EDGE ? L->a->shape[axis] - 2 * PRINT_EDGE + k : k;
}

/* numpy's recurser: the block at `axis` whose first element is at p. Its hanging indent is
   axis + 1 spaces; the first line's indent is replaced by the brackets already emitted,
   which have the same width, so line lengths here equal printed lengths. */
static void layout_rec(layout *L, int axis, const char *p, int width) {
  const tg_array *a = L->a;
  int hi = axis + 1, axes_left = a->ndim - axis;
  bool cut;
  int64_t m = shown_count(L, axis, &cut);
  sb_putn(L->b, "[", 1);
  if (axes_left == 1) {
    int line_len = hi, elem_width = width - 1; /* room for the ']' */
    char word[128];
    for (int64_t k = 0; k < m && !L->b->oom; k++) {
      if (cut && k == PRINT_EDGE) {
        extend_line(L, &line_len, "...", hi, elem_width);
        sb_putn(L->b, " ", 1), line_len++;
      }
      fmt_elem(&L->f, p + shown_index(L, axis, cut, k) * a->strides[axis], word, sizeof word);
      extend_line(L, &line_len, word, hi, elem_width);
      if (k + 1 < m) sb_putn(L->b, " ", 1), line_len++;
    }
  } else {
    for (int64_t k = 0; k < m && !L->b->oom; k++) {
      if (cut && k == PRINT_EDGE) {
        sb_fill(L->b, ' ', hi);
        sb_puts(L->b, "...");
        for (int i = 0; i < axes_left - 1; i++) newline(L);
      }
      if (k > 0) sb_fill(L->b, ' ', hi);
      layout_rec(L, axis + 1, p + shown_index(L, axis, cut, k) * a->strides[axis], width - 1);
      if (k + 1 < m)
        for (int i = 0; i < axes_left - 1; i++) newline(L);
    }
  }
  sb_putn(L->b, "]", 1);
}

char *tg_array_to_string(const tg_array *a) {
  if (!a) {
    tgi_fail(TG_ERR_ARG, "tg_array_to_string: NULL array");
    return NULL;
  }
  sbuf b = {0};
  sb_reserve(&b, 16);
  if (b.oom) goto nomem;
  b.p[0] = '\0';
  if (a->ndim == 0) {
    scalar_str(&b, a);
  } else if (a->size == 0) {
    sb_puts(&b, "[]"); /* numpy prints any empty array this way, whatever its shape */
  } else {
    layout L = {.b = &b, .a = a, .summary = a->size > PRINT_THRESHOLD, .line_start = 0};
    L.f.dt = a->dtype;
    if (tg_dtype_is_float(a->dtype)) fmt_floats(&L.f, a, L.summary);
    else if (a->dtype != TG_BOOL) fmt_ints(&L.f, a, L.summary);
    layout_rec(&L, 0, a->data, PRINT_WIDTH);
  }
  if (b.oom) goto nomem;
  return b.p;
nomem:
  tgi_free(b.p);
  tgi_fail(TG_ERR_NOMEM, "out of memory formatting a %s array", tg_dtype_name(a->dtype));
  return NULL;
}

tg_status tg_array_print(const tg_array *a, FILE *fp) {
  if (!fp) return tgi_fail(TG_ERR_ARG, "tg_array_print: NULL stream");
  char *s = tg_array_to_string(a);
  if (!s) return tg_errstatus();
  size_t n = strlen(s);
  bool ok = fwrite(s, 1, n, fp) == n && fputc('\n', fp) != EOF;
  tgi_free(s);
  if (!ok) return tgi_fail(TG_ERR_IO, "tg_array_print: writing to the stream failed");
  return TG_OK;
}
