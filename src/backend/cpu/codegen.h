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
  int id;                   /* the instruction index */
  char pfx[17];             /* the kernel's name prefix: its functions are t<pfx>_* */
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

/* Generated source. A kernel's body names its functions through the macro TGK: TGK(c)
   (elementwise), TGK(rc), TGK(rs), TGK(rk) (reductions). A translation unit is a prelude
   (includes, the parts of tg_vmath.h its kernels use, scalar helpers, all static, and
   tgk_init, which hands over the library's special functions), then each kernel between
   "#define TGK(x) t<P>_##x" and "#undef TGK", where P is 16 hex digits of the body's
   SHA-256. So a kernel exports the same names whichever unit holds it: the one compiled
   for a function, or a batch of many (codegen_batch.c); the cache finds kernels one by
   one (an alias per kernel, cache.c), so a kernel shared by many functions is compiled
   once. */

/* The prelude for the kernels in body[0, blen) (named bodies, one or several). */
void tgi_cg_emit_prelude(tgi_sbuf *b, const char *body, size_t blen);
/* The body of one kernel: functions TGK(c) or TGK(rc), TGK(rs), TGK(rk). */
void tgi_cg_emit_kernel(tgi_sbuf *b, const tgi_kspec *k);
/* A body between its TGK lines, named with prefix pfx. */
void tgi_cg_emit_named(tgi_sbuf *out, const char *body, size_t blen, const char *pfx);
/* The prefix P of a body (16 hex digits of its SHA-256). */
void tgi_cg_prefix(const char *body, size_t blen, char pfx[17]);

/* Kernel logging and batches (codegen_batch.c). When the environment names a directory
   in TGRAPH_KERNEL_LOG, functions compiled by the reference linker write there the body
   the native linker would compile (one file per distinct kernel and level: <64 hex>-O<n>.k),
   so that `tgraph cache build DIR` can compile them all in a few compiler runs. */
/* The log directory, or NULL when logging is off. */
const char *tgi_cg_log_dir(void);
/* Write body at level opt into dir (nothing when it is there already). A directory or a
   file that cannot be written is ignored: a log is an optimisation, never a reason for a
   function not to compile. (Running out of memory while making the body is an error of
   tg_function_new, as it is with the native linker.) */
void tgi_cg_log(const char *dir, const char *body, size_t blen, int opt);

/* What tgi_cg_build did. */
typedef struct tgi_cg_build_stats {
  long kernels;        /* log files */
  long unreadable;     /* of them, files that are not what their name says (left alone) */
  long cached;         /* of them, kernels in the cache already */
  long compiled;       /* kernels compiled now */
  long batches;        /* compiler runs that succeeded */
  long failed_batches; /* compiler runs that failed (their kernels compile when needed) */
} tgi_cg_build_stats;
/* Compile every kernel logged in dir that the cache lacks, in batches on up to jobs
   threads, into the configured cache. TG_OK, or the first failure (a compiler error
   names the batch's first lines; the other batches are still published). */
tg_status tgi_cg_build(const char *dir, int jobs, tgi_cg_build_stats *bs, tgi_err *err);

/* The wrapper run by the VM in place of the op's perform (ctx is a tgi_kctx). */
tg_status tgi_cg_run(void *ctx, const tg_op *op, int n_in, tg_array *const *in, int n_out,
                     tg_array **out, tgi_err *err);

/* The compile hook: give f's Composite, FusedReduce and Elemwise instructions native
   kernels when the linker (opts, else the config) is "native". When code cannot be had
   (no compiler, a compile error) one warning is printed and f runs on the reference
   backend. False only when out of memory (an error is then recorded on f's graph). */
bool tgi_native_prepare(tg_function *f, const tg_options *opts);

#endif
