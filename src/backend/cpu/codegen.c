/* codegen.c: the native backend's compile hook (tgi_native_prepare, called at the end of
   tg_function_new). It picks the instructions that get generated code (Composite,
   FusedReduce of sum/prod/mean/max/min/all/any, plain Elemwise), writes ONE C translation
   unit for the whole function (a shared prelude, then the kernels of instruction n named
   t<P>_k<n>_*, see codegen.h), loads it through tgi_native_load (compiled once, cached on
   disk by the hash of the source) and points each instruction at tgi_cg_run with its
   kernel context. With the reference linker and TGRAPH_KERNEL_LOG set it only logs the
   kernels for `tgraph cache build` (codegen_batch.c). The
   contexts and the loaded library are owned by the function's private graph, so freeing
   the function unloads the code.

   Fallback: when there is no C compiler or the source does not compile, ONE warning per
   process says why on stderr and the function runs on the reference backend (its
   instructions keep kernel = NULL); results are the same, only slower. linker=ref skips
   all of this. */
#include <stdatomic.h>
#include <stdio.h>

#include "../../ops/composite.h"
#include "../../ops/elemwise.h"
#include "../../ops/reduce_impl.h"
#include "../../ops/scalar_math.h"
#include "codegen.h"

enum { CG_MAXOP = TGI_MAX_OUT + 64 }; /* operands a kernel may have (codegen_run.c's MAXOP) */

/* What compiling costs decides what gets compiled and how (gcc 12, measured with chains
   of cheap float64 steps, see bench/w6_compile.c): about 1 ms a step at -O3 for a few
   hundred steps, but -O3's time grows faster than the body (2,000 steps took minutes),
   while -O1's stays linear at a fraction of a millisecond a step. So a function whose
   kernels total at most CG_O3_STEPS steps is compiled at -O3 (vectorised), a longer one
   at -O1; a kernel longer than CG_MAX_STEPS, or beyond CG_MAX_TOTAL steps in one
   function, is not compiled at all: its instruction runs on the reference kernel, whose
   per-step loops are already compiled, so a long program costs no compile time. */
enum { CG_O3_STEPS = 300, CG_MAX_STEPS = 1500, CG_MAX_TOTAL = 3000 };

/* Everything one function's kernels own, released with its graph. */
typedef struct bundle {
  int n;
  tgi_kctx *ctx;       /* n contexts */
  void *mem;           /* one block: dtypes, step words of plain Elemwise ops */
} bundle;

static void bundle_release(void *p) {
  bundle *b = p;
  for (int i = 0; b->ctx && i < b->n; i++) tgi_native_unref(b->ctx[i].lib);
  tgi_free(b->ctx);
  tgi_free(b->mem);
  tgi_free(b);
}

static atomic_bool warned;

static void warn_once(const char *why) {
  if (atomic_exchange(&warned, true)) return;
  fprintf(stderr, "tgraph: warning: native backend unavailable, using the reference backend "
                  "(this warning is printed once per process): %s\n", why);
}

/* Words of the program and dtypes of one instruction, or false when it gets no kernel. */
static bool describe(const tgi_instr *ins, tgi_kspec *k, int64_t *ew, int64_t *eout) {
  const tg_op *op = ins->op;
  const tg_node *nd = ins->node;
  memset(k, 0, sizeof *k);
  if (op->cls == &tgi_composite_class || op->cls == &tgi_fused_reduce_class) {
    tgi_cprog p;
    tgi_composite_decode(op, &p);
    k->n_in = p.n_in, k->ndim = p.ndim, k->n_steps = p.n_steps;
    k->in_mask = p.in_mask, k->out_reg = p.out_reg, k->step = p.step;
    k->n_out = p.n_out;
    if (op->cls == &tgi_fused_reduce_class) {
      switch (op->code) {
        case TGR_SUM: case TGR_PROD: case TGR_MEAN: case TGR_MAX: case TGR_MIN: case TGR_ALL:
        case TGR_ANY: break;
        default: return false;
      }
      if (nd->n_out != 1 || op->n_params < TGR_NPARAMS) return false;
      k->reduce = true;
      k->rkind = op->code;
      k->rmask = (uint64_t)op->params[TGR_P_MASK];
      k->keepdims = op->params[TGR_P_KEEPDIMS] != 0;
      k->rdt = nd->out[0]->type.dtype;
    } else if (p.n_out != nd->n_out) {
      return false;
    }
  } else if (op->cls == &tgi_elemwise_class) {
    if (nd->n_in > 3 || op->code < 0 || op->code >= TGS_COUNT) return false;
    k->n_in = nd->n_in, k->n_out = 1, k->n_steps = 1;
    k->ndim = nd->out[0]->type.ndim;
    k->in_mask = op->params + 1;
    ew[0] = op->code, ew[1] = op->dtype, ew[2] = op->params[0], ew[3] = nd->n_in;
    for (int a = 0; a < 3; a++) ew[4 + a] = a < nd->n_in ? a : 0;
    eout[0] = nd->n_in;
    k->step = ew, k->out_reg = eout;
  } else {
    return false;
  }
  return k->n_in + k->n_out <= CG_MAXOP && k->ndim <= TG_MAX_NDIM && k->n_steps <= CG_MAX_STEPS;
}

/* describe(), and within the function's budget of steps (*total counts them). */
static bool worth(const tgi_instr *ins, tgi_kspec *k, int64_t *ew, int64_t *eout, int *total) {
  if (!describe(ins, k, ew, eout) || *total + k->n_steps > CG_MAX_TOTAL) return false;
  *total += k->n_steps;
  return true;
}

/* Finish a spec: dtypes of inputs and registers, one-element inputs, the domain. */
static void fill_types(tgi_kspec *k, const tg_node *nd, tg_dtype *in_dt, tg_dtype *reg_dt) {
  for (int i = 0; i < k->n_in; i++) reg_dt[i] = in_dt[i] = nd->in[i]->type.dtype;
  for (int s = 0; s < k->n_steps; s++) reg_dt[k->n_in + s] = (tg_dtype)k->step[TGI_CSTEP_WORDS * s + 2];
  k->in_dt = in_dt, k->reg_dt = reg_dt;
  uint64_t all = k->ndim >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << k->ndim) - 1;
  for (int i = 0; i < k->n_in && i < 64; i++)
    if (((uint64_t)k->in_mask[i] & all) == all) k->scalar |= (uint64_t)1 << i;
  if (k->reduce) {
    tg_dtype vdt = reg_dt[k->out_reg[0]];
    k->fdom = k->rkind != TGR_ALL && k->rkind != TGR_ANY &&
              (tg_dtype_is_float(vdt) || k->rkind == TGR_MEAN);
  }
}

/* The entry points of c's kernel in its object, and the object's special functions. */
static bool resolve(tgi_kctx *c) {
  /* polygamma takes two doubles: passed as void (*)(void) (no -Wcast-function-type), the
     kernel casts it back to its true type before calling it */
  static double (*const special[5])(double) = {
      tgs_erfcx, tgs_psi, tgs_trigamma, tgs_gammaln,
      (double (*)(double))(void (*)(void))tgs_polygamma};
  void (*init)(double (*const *)(double));
  *(void **)&init = tgi_native_sym(c->lib, "tgk_init");
  if (!init) return false;
  init(special); /* once per object would do; it only stores pointers */
  char name[48];
  const char *sfx[3] = {"rc", "rs", "rk"};
  if (!c->k.reduce) {
    snprintf(name, sizeof name, "t%s_c", c->pfx);
    *(void **)&c->fc = tgi_native_sym(c->lib, name);
    return c->fc != NULL;
  }
  void *f[3];
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "t%s_%s", c->pfx, sfx[i]);
    f[i] = tgi_native_sym(c->lib, name);
  }
  *(void **)&c->rc = f[0];
  *(void **)&c->rs = f[1];
  *(void **)&c->rk = f[2];
  return f[0] && f[1] && f[2];
}

bool tgi_native_prepare(tg_function *f, const tg_options *opts) {
  const char *linker = opts && opts->linker[0] ? opts->linker : tg_config_get("linker");
  bool native = linker && strcmp(linker, "native") == 0;
  const char *log = native ? NULL : tgi_cg_log_dir(); /* the reference linker may log */
  if ((!native && !log) || f->n_instr == 0) return true;
  /* count the candidates and the memory their dtypes need */
  size_t words = 0;
  int n = 0, total = 0;
  tgi_kspec k;
  int64_t ew[TGI_CSTEP_WORDS], eout[1];
  for (int i = 0; i < f->n_instr; i++)
    if (worth(&f->code[i], &k, ew, eout, &total)) {
      n++;
      words += (size_t)(2 * k.n_in + k.n_steps) + TGI_CSTEP_WORDS + 1;
    }
  if (n == 0) return true;
  bundle *b = tgi_calloc(1, sizeof *b);
  tgi_sbuf src = {NULL, 0, 0, false}, named = src, all = src;
  /* per kernel: its body's offset and length in src; a missing body's pointer and length */
  size_t *off = tgi_malloc(sizeof(size_t) * 3 * (size_t)n), *len = off ? off + n : NULL;
  const char **miss = tgi_malloc(sizeof(char *) * (size_t)n);
  /* n + 1: the loop below lets describe() fill ctx[b->n] before it rejects an instruction */
  if (!b || !off || !miss || !(b->ctx = tgi_calloc((size_t)n + 1, sizeof *b->ctx)) ||
      !(b->mem = tgi_malloc(sizeof(int64_t) * words)))
    goto nomem;
  int64_t *mem = b->mem;
  int opt = total <= CG_O3_STEPS ? 3 : 1;
  total = 0;
  for (int i = 0; i < f->n_instr; i++) {
    if (!worth(&f->code[i], &k, ew, eout, &total)) continue;
    tgi_kctx *c = &b->ctx[b->n];
    c->k = k;
    if (c->k.step == ew) { /* a plain Elemwise: keep its one-step program */
      memcpy(mem, ew, sizeof ew);
      mem[TGI_CSTEP_WORDS] = eout[0];
      c->k.step = mem, c->k.out_reg = mem + TGI_CSTEP_WORDS;
      mem += TGI_CSTEP_WORDS + 1;
    }
    /* dtypes stored in int64 words (tg_dtype is an int-sized enum, so this is room enough) */
    tg_dtype *in_dt = (tg_dtype *)mem, *reg_dt = in_dt + c->k.n_in;
    mem += 2 * c->k.n_in + c->k.n_steps;
    fill_types(&c->k, f->code[i].node, in_dt, reg_dt);
    c->id = i;
    off[b->n] = src.n;
    tgi_cg_emit_kernel(&src, &c->k);
    len[b->n] = src.n - off[b->n];
    b->n++;
  }
  if (src.bad) goto nomem;
  for (int i = 0; i < b->n; i++) tgi_cg_prefix(src.s + off[i], len[i], b->ctx[i].pfx);
  if (!native) { /* logging for a batch: the reference kernels run */
    for (int i = 0; i < b->n; i++) tgi_cg_log(log, src.s + off[i], len[i], opt);
    goto done;
  }
  /* kernels compiled before (for another function, or in a batch), then one unit for
     the others, each once */
  size_t *mlen = len + n;
  int m = 0;
  for (int i = 0; i < b->n; i++) {
    tgi_kctx *c = &b->ctx[i];
    tgi_err fe = {TG_OK, ""};
    if ((c->lib = tgi_native_find(src.s + off[i], len[i], opt, &fe)) != NULL) continue;
    if (fe.status == TG_ERR_NOMEM) goto nomem;
    bool dup = false;
    for (int j = 0; j < i && !dup; j++) dup = !b->ctx[j].lib && !strcmp(b->ctx[j].pfx, c->pfx);
    if (dup) continue;
    tgi_cg_emit_named(&named, src.s + off[i], len[i], c->pfx);
    miss[m] = src.s + off[i], mlen[m++] = len[i];
  }
  if (m > 0) {
    /* the prelude depends on what the kernels use, so it is written after them */
    tgi_cg_emit_prelude(&all, named.s, named.n);
    tgi_sb_printf(&all, "%.*s", (int)named.n, named.s);
    if (named.bad || all.bad) goto nomem;
    tgi_err e = {TG_OK, ""};
    tgi_native_lib *lib = tgi_native_load_bodies(all.s, all.n, opt, m, miss, mlen, &e);
    if (!lib) {
      if (e.status == TG_ERR_NOMEM) goto nomem;
      warn_once(e.msg);
      goto done;
    }
    bool first = true;
    for (int i = 0; i < b->n; i++)
      if (!b->ctx[i].lib) {
        if (!first) tgi_native_ref(lib);
        b->ctx[i].lib = lib, first = false;
      }
  }
  bool ok = true;
  for (int i = 0; ok && i < b->n; i++) ok = resolve(&b->ctx[i]);
  if (!ok) {
    warn_once("a generated kernel is missing from the compiled object");
    goto done;
  }
  tgi_free(src.s), tgi_free(named.s), tgi_free(all.s), tgi_free(off), tgi_free(miss);
  if (!tgi_graph_own(f->g, b, bundle_release)) /* released it */
    return tgi_err_set(&f->g->err, TG_ERR_NOMEM, "out of memory compiling a function"), false;
  for (int i = 0; i < b->n; i++) {
    f->code[b->ctx[i].id].kernel = tgi_cg_run;
    f->code[b->ctx[i].id].kernel_ctx = &b->ctx[i];
  }
  return true;
done: /* no kernels after all: the reference ones run */
  tgi_free(src.s), tgi_free(named.s), tgi_free(all.s), tgi_free(off), tgi_free(miss);
  bundle_release(b);
  return true;
nomem:
  tgi_free(src.s), tgi_free(named.s), tgi_free(all.s), tgi_free(off), tgi_free(miss);
  if (b) bundle_release(b);
  tgi_err_set(&f->g->err, TG_ERR_NOMEM, "out of memory compiling a function");
  return false;
}
