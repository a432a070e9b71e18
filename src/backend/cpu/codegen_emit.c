/* codegen_emit.c: the C source of the native backend's kernels. A kernel evaluates a
   scalar program (composite.h) once per element, one C statement per step, with exactly
   the conversions of the reference Elemwise kernel: every argument is converted to the
   step's compute dtype, integer arithmetic wraps through uint64, floating results are
   rounded on store to the step's output dtype. float32 steps compute in float: + - * /
   and sqrt are correctly rounded either way, so they match the reference bit for bit;
   exp, log, tanh, sigmoid... call tg_vmath.h's float versions, which vectorise and stay
   within 4 ulp. float64 steps, and everything else, use the expression text of
   scalar_ops.def (libm), so they match the reference exactly.

   An elementwise kernel is ONE loop (`restrict` pointers indexed by i, one-element inputs
   read in place), which the compiler vectorises; strided and broadcast operands reach it
   through dense tiles (codegen_run.c), so the body is compiled once, not twice.
   Reductions get a contiguous loop, a strided one (byte strides) and a "kept" loop, with
   eight accumulators per run so a sum keeps eight additions in flight. Identifiers are k<n>_*, r<n>, x<n>: never a
   user's name, so no name can reach the source. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "../../ops/composite.h"
#include "../../ops/elemwise.h"
#include "../../ops/reduce_impl.h"
#include "codegen.h"
#include "vmath_text.h"

_Static_assert(TG_BOOL == 0, "the prelude's tgs_invert assumes TG_BOOL is 0");

/* ---- the string builder ---- */

static bool sb_grow(tgi_sbuf *b, size_t need) {
  if (b->bad) return false;
  if (b->n + need + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + need + 1) cap *= 2;
  char *s = tgi_realloc(b->s, cap);
  if (!s) {
    b->bad = true;
    return false;
  }
  b->s = s, b->cap = cap;
  return true;
}

void tgi_sb_puts(tgi_sbuf *b, const char *s) {
  size_t k = strlen(s);
  if (!sb_grow(b, k)) return;
  memcpy(b->s + b->n, s, k + 1);
  b->n += k;
}

void tgi_sb_printf(tgi_sbuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  if ((size_t)k < sizeof small) {
    tgi_sb_puts(b, small);
    return;
  }
  if (!sb_grow(b, (size_t)k)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)k;
}

/* ---- the prelude ---- */

/* The helpers scalar_ops.def's expressions call, as in src/ops/scalar_math.h (the kernels
   cannot include a library header; tests/test_native_codegen*.c compare every op against
   the reference, which keeps the two in step). The special functions that need long
   tables (erfcx, psi, trigamma, gammaln, polygamma) are the library's own, handed over by
   tgk_init, one per translation unit. */
static const char prelude_helpers[] =
    "static inline int64_t tgs_iadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }\n"
    "static inline int64_t tgs_isub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }\n"
    "static inline int64_t tgs_imul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }\n"
    "static inline int64_t tgs_ineg(int64_t a) { return (int64_t)(0 - (uint64_t)a); }\n"
    "static inline int64_t tgs_iabs(int64_t a) { return a < 0 ? tgs_ineg(a) : a; }\n"
    "static inline int64_t tgs_ifloordiv(int64_t a, int64_t b) {\n"
    "  if (b == 0) return 0;\n  if (b == -1) return tgs_ineg(a);\n"
    "  int64_t q = a / b;\n  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;\n  return q;\n}\n"
    "static inline int64_t tgs_imod(int64_t a, int64_t b) {\n"
    "  if (b == 0 || b == -1) return 0;\n  int64_t r = a % b;\n"
    "  if (r != 0 && ((r < 0) != (b < 0))) r += b;\n  return r;\n}\n"
    "static inline int64_t tgs_ipow(int64_t a, int64_t b) {\n"
    "  if (b < 0) { if (a == 1) return 1; if (a == -1) return (b & 1) ? -1 : 1; return 0; }\n"
    "  uint64_t r = 1, x = (uint64_t)a;\n"
    "  while (b) { if (b & 1) r *= x; x *= x; b >>= 1; }\n  return (int64_t)r;\n}\n"
    "static inline int64_t tgs_ishl(int64_t a, int64_t b) {\n"
    "  return (b < 0 || b > 63) ? 0 : (int64_t)((uint64_t)a << b);\n}\n"
    "static inline int64_t tgs_ishr(int64_t a, int64_t b) {\n"
    "  if (b < 0 || b > 63) return a < 0 ? -1 : 0;\n  return a < 0 ? ~(~a >> b) : a >> b;\n}\n"
    "static inline int64_t tgs_iclip(int64_t a, int64_t lo, int64_t hi) {\n"
    "  int64_t m = a < lo ? lo : a;\n  return m > hi ? hi : m;\n}\n"
    "static inline int64_t tgs_invert(int64_t a, int dt) { return dt == 0 ? !a : ~a; }\n"
    "static inline double tgs_mod(double a, double b) {\n"
    "  double m = fmod(a, b);\n  if (b == 0) return m;\n"
    "  if (m != 0) { if ((b < 0) != (m < 0)) m += b; } else { m = copysign(0.0, b); }\n"
    "  return m;\n}\n"
    "static inline double tgs_floordiv(double a, double b) {\n"
    "  if (b == 0) return a / b;\n  double m = fmod(a, b);\n  double d = (a - m) / b;\n"
    "  if (m != 0 && ((b < 0) != (m < 0))) d -= 1.0;\n"
    "  if (d != 0) { double f = floor(d); if (d - f > 0.5) f += 1.0; return f; }\n"
    "  return copysign(0.0, a / b);\n}\n"
    "static inline double tgs_sign(double a) { return a > 0 ? 1.0 : a < 0 ? -1.0 : a == 0 ? 0.0 : a; }\n"
    "static inline double tgs_fmin(double a, double b) { return isnan(a) ? a : (a <= b ? a : b); }\n"
    "static inline double tgs_fmax(double a, double b) { return isnan(a) ? a : (a >= b ? a : b); }\n"
    "static inline double tgs_round_even(double x) {\n"
    "  double r = round(x);\n  if (fabs(x - trunc(x)) == 0.5) r = 2.0 * round(x / 2.0);\n"
    "  return r;\n}\n"
    "static inline int64_t tgk_f2i(double v) {\n"
    "  if (isnan(v)) return 0;\n  if (v >= 9223372036854775807.0) return INT64_MAX;\n"
    "  if (v <= -9223372036854775808.0) return INT64_MIN;\n  return (int64_t)v;\n}\n"
    "static inline double tgk_bits(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }\n"
    "static double (*tgs_erfcx)(double), (*tgs_psi)(double), (*tgs_trigamma)(double),\n"
    "    (*tgs_gammaln)(double), (*tgs_polygamma)(double, double);\n"
    "void tgk_init(double (*const *f)(double)) {\n"
    "  tgs_erfcx = f[0], tgs_psi = f[1], tgs_trigamma = f[2], tgs_gammaln = f[3];\n"
    "  tgs_polygamma = (double (*)(double, double))(void (*)(void))f[4];\n}\n";
/* scalar_ops.def's sigmoid and softplus, for kernels that use them */
static const char prelude_sigmoid[] = "TGV_INLINE double tgs_sigmoid(double x) { return tgv_sigmoid(x); }\n";
static const char prelude_softplus[] = "TGV_INLINE double tgs_softplus(double x) { return tgv_softplus(x); }\n";
static const char prelude_includes[] = "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n";

/* ---- only the parts of tg_vmath.h that a translation unit uses ----

   Parsing and type-checking all of tg_vmath.h costs the C compiler more than a short
   kernel does, so the prelude carries only the definitions the kernels reach. The header
   is cut, line by line, into top-level units: a unit starts at a line that begins (column
   0, outside a comment) with TGV_INLINE, static, typedef or #define and runs to the next
   start; it defines one name (the function, array or macro, or for a typedef the name
   before its last ';'). Any other line at column 0 that begins a construct (#if, #include,
   #endif, an unknown declaration...) starts a unit that is always kept. A unit is kept
   when a kept unit or the kernels mention its name (names are those starting tgv/TGV),
   and kept units are written in the header's order. Comments at column 0 go with the
   unit before them. Should the header ever hold more units than fit, all of it is used. */

enum { VM_MAX_UNITS = 512 };

typedef struct vm_unit {
  size_t start, end;   /* byte range in tgi_vmath_src */
  size_t nstart, nlen; /* its name ("" for an always-kept unit) */
  bool keep, scanned;
} vm_unit;

static bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool starts(const char *s, const char *w) {
  size_t n = strlen(w);
  return strncmp(s, w, n) == 0 && !id_char(s[n]);
}

/* The name a unit defines, found in [s, e). */
static void unit_name(const char *src, vm_unit *u) {
  const char *s = src + u->start, *e = src + u->end, *p, *best = NULL;
  size_t len = 0;
  if (*s == '#') { /* #define NAME */
    p = s + 1;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    p += 6; /* "define" */
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    best = p;
    while (p < e && id_char(*p)) p++, len++;
  } else if (starts(s, "typedef")) { /* the identifier before the last ';' */
    p = e;
    while (p > s && p[-1] != ';') p--;
    if (p > s) p--;
    while (p > s && !id_char(p[-1])) p--;
    const char *q = p;
    while (q > s && id_char(q[-1])) q--;
    best = q, len = (size_t)(p - q);
  } else { /* the identifier before the first '(' , '[' or '=' */
    for (p = s; p < e && *p != '(' && *p != '[' && *p != '='; p++) {}
    while (p > s && (p[-1] == ' ' || p[-1] == '\t')) p--;
    const char *q = p;
    while (q > s && id_char(q[-1])) q--;
    best = q, len = (size_t)(p - q);
  }
  u->nstart = best ? (size_t)(best - src) : 0;
  u->nlen = len;
}

/* Cut the header into units; -1 when there are too many. */
static int vm_split(const char *src, vm_unit *u) {
  int n = 0;
  bool in_comment = false;
  for (size_t i = 0; src[i];) {
    size_t eol = i;
    while (src[eol] && src[eol] != '\n') eol++;
    const char *l = src + i;
    bool named = !in_comment && (starts(l, "TGV_INLINE") || starts(l, "static") ||
                                 starts(l, "typedef") || (l[0] == '#' && starts(l + 1, "define")));
    bool always = !in_comment && !named && l[0] != '}' && l[0] != ' ' && l[0] != '\t' &&
                  l[0] != '\n' && l[0] != '\0' && !(l[0] == '/' && l[1] == '*');
    if (named || always || n == 0) {
      if (n == VM_MAX_UNITS) return -1;
      if (n > 0) u[n - 1].end = i;
      u[n] = (vm_unit){.start = i, .keep = always || n == 0};
      n++;
    }
    /* comment state at the end of the line (no strings or char literals in the header
       hold comment marks) */
    for (size_t j = i; j < eol; j++) {
      if (!in_comment && src[j] == '/' && src[j + 1] == '*') in_comment = true, j++;
      else if (in_comment && src[j] == '*' && src[j + 1] == '/') in_comment = false, j++;
      else if (!in_comment && src[j] == '/' && src[j + 1] == '/') break;
    }
    i = src[eol] ? eol + 1 : eol;
  }
  if (n > 0) u[n - 1].end = strlen(src);
  for (int k = 0; k < n; k++)
    if (!u[k].keep) unit_name(src, &u[k]);
  return n;
}

/* Mark the units named by identifiers starting tgv/TGV in text[0, len), comments aside
   (the header's comments name functions that need not be there). */
static void vm_mark(const char *src, vm_unit *u, int n, const char *text, size_t len) {
  for (size_t i = 0; i < len;) {
    if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
      i += 2;
      while (i + 1 < len && !(text[i] == '*' && text[i + 1] == '/')) i++;
      i += 2;
      continue;
    }
    if (text[i] == '/' && i + 1 < len && text[i + 1] == '/') {
      while (i < len && text[i] != '\n') i++;
      continue;
    }
    if (!id_char(text[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < len && id_char(text[j])) j++;
    if (j - i >= 3 && (strncmp(text + i, "tgv", 3) == 0 || strncmp(text + i, "TGV", 3) == 0) &&
        (i == 0 || !id_char(text[i - 1])))
      for (int k = 0; k < n; k++)
        if (u[k].nlen == j - i && memcmp(src + u[k].nstart, text + i, j - i) == 0) u[k].keep = true;
    i = j;
  }
}

/* Whether text[0, len) contains the identifier w. */
static bool mentions(const char *text, size_t len, const char *w) {
  size_t n = strlen(w);
  for (size_t i = 0; i + n <= len; i++)
    if (text[i] == w[0] && memcmp(text + i, w, n) == 0 && (i == 0 || !id_char(text[i - 1])) &&
        (i + n == len || !id_char(text[i + n])))
      return true;
  return false;
}

/* The units of tg_vmath.h that body[0, len) and the text extra reach, in order. */
static void emit_vmath(tgi_sbuf *b, const char *body, size_t blen, const char *extra) {
  static vm_unit units[VM_MAX_UNITS]; /* the cut, made once; the marks are per call */
  static int nunits;
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&mu);
  if (nunits == 0) nunits = vm_split(tgi_vmath_src, units);
  int n = nunits;
  vm_unit u[VM_MAX_UNITS];
  if (n > 0) memcpy(u, units, sizeof(vm_unit) * (size_t)n);
  pthread_mutex_unlock(&mu);
  if (n <= 0) {
    tgi_sb_puts(b, tgi_vmath_src);
    return;
  }
  vm_mark(tgi_vmath_src, u, n, body, blen);
  vm_mark(tgi_vmath_src, u, n, extra, strlen(extra));
  for (bool more = true; more;) { /* the closure: scan each kept unit once */
    more = false;
    for (int k = 0; k < n; k++)
      if (u[k].keep && !u[k].scanned) {
        u[k].scanned = more = true;
        vm_mark(tgi_vmath_src, u, n, tgi_vmath_src + u[k].start, u[k].end - u[k].start);
      }
  }
  for (int k = 0; k < n; k++)
    if (u[k].keep) tgi_sb_printf(b, "%.*s", (int)(u[k].end - u[k].start), tgi_vmath_src + u[k].start);
}

void tgi_cg_emit_prelude(tgi_sbuf *b, const char *body, size_t blen) {
  tgi_sb_printf(b, "/* tgraph native kernels, ABI %d (generated) */\n", TGI_NATIVE_ABI);
  tgi_sb_puts(b, prelude_includes);
  /* scalar_ops.def's sigmoid and softplus call these helpers, which call vmath */
  bool sig = mentions(body, blen, "tgs_sigmoid"), sp = mentions(body, blen, "tgs_softplus");
  char extra[32];
  snprintf(extra, sizeof extra, "%s %s", sig ? "tgv_sigmoid" : "", sp ? "tgv_softplus" : "");
  emit_vmath(b, body, blen, extra);
  tgi_sb_puts(b, "\n");
  tgi_sb_puts(b, prelude_helpers);
  /* always inlined, like tg_vmath.h's own functions: a call left in a loop stops it
     vectorising (logreg_f64's softplus cost twice glibc's log1p + exp that way) */
  if (sig) tgi_sb_puts(b, prelude_sigmoid);
  if (sp) tgi_sb_puts(b, prelude_softplus);
}

static unsigned char prelude_digest[32];
static void prelude_digest_init(void) {
  static const char *const parts[] = {prelude_includes, tgi_vmath_src, prelude_helpers,
                                      prelude_sigmoid, prelude_softplus};
  tgi_sha256_ctx s;
  tgi_sha256_init(&s);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    tgi_sha256_update(&s, parts[i], strlen(parts[i]) + 1);
  tgi_sha256_final(&s, prelude_digest);
}

void tgi_cg_prelude_digest(unsigned char d[32]) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, prelude_digest_init);
  memcpy(d, prelude_digest, 32);
}

/* ---- one kernel ---- */

static const char *ctype(tg_dtype dt) {
  switch (dt) {
    case TG_BOOL: return "uint8_t";
    case TG_INT8: return "int8_t";
    case TG_INT16: return "int16_t";
    case TG_INT32: return "int32_t";
    case TG_INT64: return "int64_t";
    case TG_UINT8: return "uint8_t";
    case TG_FLOAT32: return "float";
    default: return "double";
  }
}

/* The unsigned type of the same width, for wrapping stores. */
static const char *utype(tg_dtype dt) {
  switch (dt) {
    case TG_INT8: case TG_UINT8: case TG_BOOL: return "uint8_t";
    case TG_INT16: return "uint16_t";
    case TG_INT32: return "uint32_t";
    default: return "uint64_t";
  }
}

/* Ops with tg_vmath.h versions (name of the double function; the float one adds 'f'). */
static const char *vmath_name(int code) {
  switch (code) {
    case TGS_exp: return "tgv_exp";
    case TGS_exp2: return "tgv_exp2";
    case TGS_expm1: return "tgv_expm1";
    case TGS_log: return "tgv_log";
    case TGS_log2: return "tgv_log2";
    case TGS_log10: return "tgv_log10";
    case TGS_log1p: return "tgv_log1p";
    case TGS_tanh: return "tgv_tanh";
    case TGS_sigmoid: return "tgv_sigmoid";
    case TGS_softplus: return "tgv_softplus";
    case TGS_erf: return "tgv_erf";
    case TGS_erfc: return "tgv_erfc";
    case TGS_sin: return "tgv_sin";
    case TGS_cos: return "tgv_cos";
    case TGS_pow: return "tgv_pow";
    default: return NULL;
  }
}

/* Register r converted to the compute domain of a step computing in cdt. */
static void emit_conv(tgi_sbuf *b, int r, tg_dtype src, tg_dtype cdt) {
  bool sf = tg_dtype_is_float(src);
  if (cdt == TG_FLOAT64) tgi_sb_printf(b, "(double)r%d", r);
  else if (cdt == TG_FLOAT32)
    /* via double, as the reference converts: int64 -> float directly could round twice */
    tgi_sb_printf(b, src == TG_FLOAT32 ? "r%d" : "(float)(double)r%d", r);
  else if (sf) tgi_sb_printf(b, "tgk_f2i((double)r%d)", r);
  else tgi_sb_printf(b, "(int64_t)r%d", r);
}

/* `rK = <value of expression e, computed in cdt, stored as odt>;` */
static void emit_store(tgi_sbuf *b, int r, const char *e, tg_dtype cdt, tg_dtype odt) {
  bool fdom = tg_dtype_is_float(cdt);
  tgi_sb_printf(b, "r%d = ", r);
  if (odt == TG_BOOL) tgi_sb_printf(b, "((%s) != 0);", e);
  else if (odt == TG_FLOAT64 || odt == TG_FLOAT32)
    tgi_sb_printf(b, fdom ? "(%s)(%s);" : "(%s)(int64_t)(%s);", ctype(odt), e);
  else if (fdom)
    tgi_sb_printf(b, "(%s)(%s)(uint64_t)tgk_f2i((double)(%s));", ctype(odt), utype(odt), e);
  else tgi_sb_printf(b, "(%s)(%s)(uint64_t)(int64_t)(%s);", ctype(odt), utype(odt), e);
}

/* A constant step's value as a C expression of its dtype. */
static void emit_const(tgi_sbuf *b, int r, tg_dtype odt, int64_t bits) {
  tgi_sb_printf(b, "const %s r%d = ", ctype(odt), r);
  if (tg_dtype_is_float(odt)) {
    double v;
    memcpy(&v, &bits, sizeof v);
    if (isfinite(v)) tgi_sb_printf(b, "(%s)%a;\n", ctype(odt), v);
    else tgi_sb_printf(b, "(%s)tgk_bits(0x%llxULL);\n", ctype(odt), (unsigned long long)bits);
  } else if (odt == TG_BOOL) {
    tgi_sb_printf(b, "%d;\n", bits != 0);
  } else {
    tgi_sb_printf(b, "(%s)(%s)0x%llxULL;\n", ctype(odt), utype(odt), (unsigned long long)bits);
  }
}

/* One step of the program. */
static void emit_step(tgi_sbuf *b, const tgi_kspec *k, int s) {
  const int64_t *w = k->step + TGI_CSTEP_WORDS * s;
  int r = k->n_in + s, code = (int)w[0], nargs = (int)w[3];
  tg_dtype cdt = (tg_dtype)w[1], odt = (tg_dtype)w[2];
  if (code < 0) {
    emit_const(b, r, odt, w[4]);
    return;
  }
  bool fdom = tg_dtype_is_float(cdt);
  const char *ct = cdt == TG_FLOAT32 ? "float" : fdom ? "double" : "int64_t";
  tgi_sb_printf(b, "%s r%d; { ", ctype(odt), r);
  static const char names[3] = {'a', 'b', 'c'};
  for (int a = 0; a < nargs; a++) {
    int src = (int)w[4 + a];
    tgi_sb_printf(b, "const %s %c = ", ct, names[a]);
    if (a == 0 && code == TGS_switch) tgi_sb_printf(b, "(r%d != 0)", src); /* a truth value */
    else emit_conv(b, src, k->reg_dt[src], cdt);
    tgi_sb_puts(b, "; ");
  }
  if (!fdom) tgi_sb_printf(b, "const int cdt = %d; (void)cdt; ", (int)cdt);
  char e[160];
  /* float64 transcendentals call libm (scalar_ops.def's expressions), as the reference
     does, so float64 results are the reference's bit for bit (tg_vmath.h's double versions
     are within 4 ulp, not libm's last bit); float32 keeps the vectorised versions */
  const char *vm = cdt == TG_FLOAT32 ? vmath_name(code) : NULL;
  if (vm) {
    snprintf(e, sizeof e, "%s%s(a%s)", vm, cdt == TG_FLOAT32 ? "f" : "", nargs > 1 ? ", b" : "");
  } else if (cdt == TG_FLOAT32 && code == TGS_reciprocal) {
    snprintf(e, sizeof e, "1.0f / a");
  } else if (cdt == TG_FLOAT32 && code == TGS_sqrt) {
    snprintf(e, sizeof e, "sqrtf(a)");
  } else {
    snprintf(e, sizeof e, "%s", fdom ? tgi_scalar_ops[code].fexpr : tgi_scalar_ops[code].iexpr);
  }
  emit_store(b, r, e, cdt, odt);
  tgi_sb_puts(b, " }\n");
}

/* Load every input at index expression idx and run the program. mode 'c': contiguous
   (x<j> pointers), 's': strided (p[j] + idx * s[j]). */
static void emit_body(tgi_sbuf *b, const tgi_kspec *k, char mode, const char *idx) {
  for (int j = 0; j < k->n_in; j++) {
    const char *t = ctype(k->in_dt[j]);
    bool one = (k->scalar >> j) & 1;
    if (k->in_dt[j] == TG_BOOL) { /* any nonzero byte is true, as the reference reads it */
      if (mode == 'c') tgi_sb_printf(b, "const uint8_t r%d = x%d[%s] != 0;\n", j, j, one ? "0" : idx);
      else tgi_sb_printf(b, "const uint8_t r%d = *(const uint8_t *)(p[%d] + %s * s[%d]) != 0;\n",
                         j, j, idx, j);
    } else if (mode == 'c') {
      tgi_sb_printf(b, "const %s r%d = x%d[%s];\n", t, j, j, one ? "0" : idx);
    } else {
      tgi_sb_printf(b, "const %s r%d = *(const %s *)(p[%d] + %s * s[%d]);\n", t, j, t, j, idx, j);
    }
  }
  for (int s = 0; s < k->n_steps; s++) emit_step(b, k, s);
}

static void emit_in_ptrs(tgi_sbuf *b, const tgi_kspec *k) {
  for (int j = 0; j < k->n_in; j++)
    tgi_sb_printf(b, "  const %s *restrict x%d = (const %s *)p[%d];\n", ctype(k->in_dt[j]), j,
                  ctype(k->in_dt[j]), j);
}

static void emit_elemwise(tgi_sbuf *b, const tgi_kspec *k) {
  tgi_sb_puts(b, "void TGK(c)(int64_t n, char *const *p) {\n");
  emit_in_ptrs(b, k);
  for (int o = 0; o < k->n_out; o++) {
    const char *t = ctype(k->reg_dt[k->out_reg[o]]);
    tgi_sb_printf(b, "  %s *restrict y%d = (%s *)p[%d];\n", t, o, t, k->n_in + o);
  }
  tgi_sb_puts(b, "  for (int64_t i = 0; i < n; i++) {\n");
  emit_body(b, k, 'c', "i");
  for (int o = 0; o < k->n_out; o++) tgi_sb_printf(b, "y%d[i] = r%d;\n", o, (int)k->out_reg[o]);
  tgi_sb_puts(b, "  }\n}\n");
}

/* The update of accumulator t by value v (C expressions), in the kernel's domain. */
static void emit_update(tgi_sbuf *b, const tgi_kspec *k, const char *t, const char *v) {
  bool f = k->fdom;
  switch (k->rkind) {
    case TGR_SUM:
    case TGR_MEAN:
      if (f) tgi_sb_printf(b, "%s = %s + %s;", t, t, v);
      else tgi_sb_printf(b, "%s = (int64_t)((uint64_t)%s + (uint64_t)%s);", t, t, v);
      break;
    case TGR_PROD:
      if (f) tgi_sb_printf(b, "%s = %s * %s;", t, t, v);
      else tgi_sb_printf(b, "%s = (int64_t)((uint64_t)%s * (uint64_t)%s);", t, t, v);
      break;
    case TGR_MAX: /* a NaN wins and stays */
    case TGR_MIN: {
      char op = k->rkind == TGR_MAX ? '>' : '<';
      if (f) tgi_sb_printf(b, "%s = (%s != %s) ? %s : ((%s %c %s || %s != %s) ? %s : %s);", t, t, t,
                           t, v, op, t, v, v, v, t);
      else tgi_sb_printf(b, "%s = %s %c %s ? %s : %s;", t, v, op, t, v, t);
      break;
    }
    case TGR_ALL: tgi_sb_printf(b, "%s = %s & (int64_t)(%s != 0);", t, t, v); break;
    default: tgi_sb_printf(b, "%s = %s | (int64_t)(%s != 0);", t, t, v); break; /* any */
  }
}

/* The reduced value of the program's output 0, in the accumulator's domain. */
static void value_expr(const tgi_kspec *k, char *buf, size_t n) {
  int r = (int)k->out_reg[0];
  if (k->rkind == TGR_ALL || k->rkind == TGR_ANY) snprintf(buf, n, "r%d", r);
  else if (k->fdom) snprintf(buf, n, "(double)r%d", r);
  else snprintf(buf, n, "(int64_t)r%d", r);
}

/* The identity of the reduction, as a C expression of the accumulator's type. */
static void identity(const tgi_kspec *k, char *buf, size_t n) {
  bool f = k->fdom;
  switch (k->rkind) {
    case TGR_PROD: case TGR_ALL: snprintf(buf, n, "%s", f && k->rkind == TGR_PROD ? "1.0" : "1"); break;
    case TGR_MAX: snprintf(buf, n, "%s", f ? "-INFINITY" : "INT64_MIN"); break;
    case TGR_MIN: snprintf(buf, n, "%s", f ? "INFINITY" : "INT64_MAX"); break;
    default: snprintf(buf, n, "%s", f && k->rkind != TGR_ANY ? "0.0" : "0"); break;
  }
}

/* A run of n values (contiguous or strided) folded into acc[0], eight lanes at a time. */
static void emit_reduce_run(tgi_sbuf *b, const tgi_kspec *k, char mode) {
  const char *at = k->fdom && k->rkind != TGR_ALL && k->rkind != TGR_ANY ? "double" : "int64_t";
  char v[32];
  value_expr(k, v, sizeof v);
  if (mode == 'c') tgi_sb_puts(b, "void TGK(rc)(int64_t n, char *const *p, void *accp) {\n");
  else tgi_sb_puts(b, "void TGK(rs)(int64_t n, char *const *p, const int64_t *s, void *accp) {\n");
  tgi_sb_printf(b, "  %s *acc = (%s *)accp;\n", at, at);
  if (mode == 'c') emit_in_ptrs(b, k);
  char id0[32];
  identity(k, id0, sizeof id0);
  tgi_sb_printf(b, "  %s t[8];\n  for (int u = 0; u < 8; u++) t[u] = %s;\n", at, id0);
  tgi_sb_puts(b, "  int64_t i = 0;\n  for (; i + 8 <= n; i += 8) {\n    for (int u = 0; u < 8; u++) {\n"
                 "const int64_t j = i + u;\n");
  emit_body(b, k, mode, "j");
  emit_update(b, k, "t[u]", v);
  tgi_sb_puts(b, "\n    }\n  }\n");
  /* the lanes, then the tail, then the caller's running value: a fixed order */
  tgi_sb_puts(b, "  for (int h = 4; h >= 1; h /= 2)\n    for (int u = 0; u < h; u++) {\n");
  emit_update(b, k, "t[u]", "t[u + h]");
  tgi_sb_puts(b, "\n    }\n");
  tgi_sb_puts(b, "  for (; i < n; i++) {\nconst int64_t j = i;\n");
  emit_body(b, k, mode, "j");
  emit_update(b, k, "t[0]", v);
  tgi_sb_puts(b, "\n  }\n");
  emit_update(b, k, "acc[0]", "t[0]");
  tgi_sb_puts(b, "\n}\n");
}

/* Kept run: value i goes into acc[i]. */
static void emit_reduce_kept(tgi_sbuf *b, const tgi_kspec *k) {
  const char *at = k->fdom && k->rkind != TGR_ALL && k->rkind != TGR_ANY ? "double" : "int64_t";
  char v[32];
  value_expr(k, v, sizeof v);
  tgi_sb_puts(b, "void TGK(rk)(int64_t n, char *const *p, const int64_t *s, void *accp) {\n");
  tgi_sb_printf(b, "  %s *acc = (%s *)accp;\n  for (int64_t i = 0; i < n; i++) {\n", at, at);
  emit_body(b, k, 's', "i");
  emit_update(b, k, "acc[i]", v);
  tgi_sb_puts(b, "\n  }\n}\n");
}

void tgi_cg_emit_kernel(tgi_sbuf *b, const tgi_kspec *k) {
  if (!k->reduce) {
    emit_elemwise(b, k);
    return;
  }
  emit_reduce_run(b, k, 'c');
  emit_reduce_run(b, k, 's');
  emit_reduce_kept(b, k);
}

void tgi_cg_emit_named(tgi_sbuf *out, const char *body, size_t blen, const char *pfx) {
  tgi_sb_printf(out, "#define TGK(x) t%s_##x\n", pfx);
  tgi_sb_printf(out, "%.*s", (int)blen, body);
  tgi_sb_puts(out, "#undef TGK\n");
}

void tgi_cg_prefix(const char *body, size_t blen, char pfx[17]) {
  unsigned char h[32];
  tgi_sha256(body, blen, h);
  tgi_hex(h, 8, pfx);
}
