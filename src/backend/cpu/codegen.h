/* codegen.h: the native backend's code generator, shared by its three files:
   codegen.c (the compile hook: which instructions get kernels, one translation unit per
   function, loading it, the fallback warning), codegen_emit.c (the C source of each
   kernel) and codegen_run.c (the library-side wrapper that checks shapes, allocates
   outputs, picks the contiguous or strided kernel and splits work over the thread pool).
   Never installed. */
#ifndef TG_CODEGEN_H
#define TG_CODEGEN_H

#include "../../compile/function_impl.h"
#include "native.h"

/* What one kernel computes: a scalar program (the words of a Composite, see composite.h)
   over n_in broadcasting inputs of rank <= ndim, and either n_out elementwise outputs or,
   for a reduction, the reduction `rkind` of the program's output 0 over the axes rmask. */
typedef struct tgi_kspec {
  bool reduce;
  int n_in, n_out, ndim, n_steps;
  const tg_dtype *in_dt;    /* n_in input dtypes */
  const int64_t *in_mask;   /* per input: bit d = broadcasts along dim d (padded dims set) */
  const int64_t *out_reg;   /* per output: its register */
  const int64_t *step;      /* TGI_CSTEP_WORDS per step */
  tg_dtype *reg_dt;         /* per register (n_in + n_steps) */
  uint64_t scalar;          /* bit j: input j broadcasts along every dim (one element) */
  /* reductions */
  int rkind;                /* TGR_SUM ... TGR_ANY */
  uint64_t rmask;
  bool keepdims;
  bool fdom;                /* accumulate in double (else int64) */
  tg_dtype rdt;             /* the reduction's output dtype */
} tgi_kspec;

typedef void (*tgi_kc_fn)(int64_t n, char *const *p);
typedef void (*tgi_rc_fn)(int64_t n, char *const *p, void *acc);
typedef void (*tgi_rs_fn)(int64_t n, char *const *p, const int64_t *s, void *acc);

/* One instruction's kernel: its spec and the loaded entry points. */
typedef struct tgi_kctx {
  tgi_kspec k;
  int id;                   /* the instruction index: names k<id>_* in the source */
  tgi_native_lib *lib;      /* a reference, released with the function */
  tgi_kc_fn fc;             /* elementwise over dense operands (strided ones are tiled) */
  tgi_rc_fn rc;             /* reduce a contiguous run into *acc */
  tgi_rs_fn rs;             /* reduce a strided run into *acc */
  tgi_rs_fn rk;             /* a strided run into the consecutive accumulators acc[0..n) */
} tgi_kctx;

/* A growable string; `bad` once an allocation failed (appends then do nothing). */
typedef struct tgi_sbuf {
  char *s;
  size_t n, cap;
  bool bad;
} tgi_sbuf;
void tgi_sb_printf(tgi_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tgi_sb_puts(tgi_sbuf *b, const char *s);

/* The code shared by the kernels body[0, blen) of a translation unit (includes, the parts
   of tg_vmath.h they use, scalar helpers, the tgk_init entry point that hands over the
   library's special functions); it goes before them. */
void tgi_cg_emit_prelude(tgi_sbuf *b, const char *body, size_t blen);
/* The functions of one kernel, named k<id>_c (elementwise) or k<id>_rc/_rs/_rk. */
void tgi_cg_emit_kernel(tgi_sbuf *b, const tgi_kspec *k, int id);

/* The wrapper run by the VM in place of the op's perform (ctx is a tgi_kctx). */
tg_status tgi_cg_run(void *ctx, const tg_op *op, int n_in, tg_array *const *in, int n_out,
                     tg_array **out, tgi_err *err);

/* The compile hook: give f's Composite, FusedReduce and Elemwise instructions native
   kernels when the linker (opts, else the config) is "native". When code cannot be had
   (no compiler, a compile error) one warning is printed and f runs on the reference
   backend. False only when out of memory (an error is then recorded on f's graph). */
bool tgi_native_prepare(tg_function *f, const tg_options *opts);

#endif
