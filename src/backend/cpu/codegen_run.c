/* codegen_run.c: the library side of a native kernel, run by the VM in place of the op's
   perform (same contract: out[i] NULL = allocate, else a caller array of the right dtype
   and shape, maybe strided). It computes the broadcast shape, allocates the outputs, and
   picks a path:
   - contiguous: every operand C-contiguous with the full shape (one-element inputs aside):
     the flat kernel over [0, size), split over the thread pool in chunks of at least
     TGK_MIN_CHUNK elements (8 times that while OpenBLAS's workers spin after a product:
     they hold the other cores, and a worker woken onto one of them makes the caller
     wait; w5_mlp's 64K-element kernels between its products);
   - strided: per-operand byte strides (0 where broadcast), dims merged where every operand
     allows, and the flat index range split over the pool the same way, each chunk going
     through the same contiguous kernel tile by tile (operands that are not dense along
     the tile are gathered into, or scattered from, a tile buffer on the stack).
   Reductions accumulate in double for floats and means (more accurate than numpy's float32
   pairwise sum and never worse than a sequential double sum) and in int64 otherwise
   (wrapping). When the reduced dims are the trailing ones of contiguous operands, each row
   is cut into blocks of TGK_RBLOCK elements, a fixed size: block partials are computed in
   parallel and added pairwise in a fixed order, so the result does not depend on the
   number of threads. Other layouts are walked serially in C order, as the reference does.
   Unusual cases (shape errors, empty reductions, a caller output of the wrong shape) go to
   the reference perform, which reports them with the reference's messages. */
#include <math.h>
#include <stdio.h>

#include "../../ops/elemwise.h"
#include "../../ops/reduce_impl.h"
#include "codegen.h"
#include "pool.h"

#define TGK_MIN_CHUNK ((int64_t)1 << 15)
#define TGK_RBLOCK ((int64_t)1 << 14)
#define MAXOP (TGI_MAX_OUT + 64)

/* Chunks of elements (of an n-element job) for the pool: one below two minimum chunks,
   without asking the clock (tiny calls). */
static int64_t chunks_of(int64_t n, int64_t unit) {
  if (n < 2 * TGK_MIN_CHUNK / unit) return n > 0 ? 1 : 0;
  return tgi_pool_chunks(n, (tgi_blas_spinning() ? 8 * TGK_MIN_CHUNK : TGK_MIN_CHUNK) / unit);
}

static bool is_contig(const tg_array *a) {
  int64_t s = tg_dtype_size(a->dtype);
  for (int d = a->ndim - 1; d >= 0; d--) {
    if (a->shape[d] == 1) continue;
    if (a->strides[d] != s) return false;
    s *= a->shape[d];
  }
  return true;
}

/* The reference kernel, for what the native path leaves to it. */
static tg_status by_reference(const tg_op *op, int n_in, tg_array *const *in, int n_out,
                              tg_array **out, tgi_err *err) {
  return op->cls->perform(op, n_in, in, n_out, out, err);
}

/* ---- elementwise ---- */

typedef struct {
  const tgi_kctx *c;
  int nop;
  char **base;
  const int64_t *isz;   /* contiguous: per operand item size, 0 for one-element inputs */
  const int64_t *esz;   /* per operand item size */
  int m;                /* strided: merged dims */
  const int64_t *dims;  /* m lengths */
  const int64_t *st;    /* nop * m byte strides, operand-major */
  int64_t total, nchunks;
} elem_task;

static void elem_contig_chunk(void *ctx, int64_t i) {
  const elem_task *t = ctx;
  int64_t b = tgi_pool_chunk_begin(t->total, t->nchunks, i);
  int64_t e = tgi_pool_chunk_begin(t->total, t->nchunks, i + 1);
  char *p[MAXOP];
  for (int j = 0; j < t->nop; j++) p[j] = t->base[j] + b * t->isz[j];
  t->c->fc(e - b, p);
}

/* Copy len elements of operand j, starting at the merged index idx, between the array
   (walked in C order over the merged dims) and the dense tile buf: gather when !out,
   scatter when out. */
static void copy_tile(const elem_task *t, int j, const int64_t *idx, int64_t len, char *buf,
                      bool out) {
  int m = t->m, last = m - 1;
  int64_t id[TG_MAX_NDIM], es = t->esz[j], done = 0;
  const int64_t *st = t->st + (int64_t)j * m;
  memcpy(id, idx, sizeof(int64_t) * (size_t)m);
  while (done < len) {
    int64_t run = t->dims[last] - id[last];
    if (run > len - done) run = len - done;
    char *a = t->base[j], *d = buf + done * es;
    for (int q = 0; q < m; q++) a += id[q] * st[q];
    int64_t s = st[last];
    if (out) {
      switch (es) {
        case 8: for (int64_t i = 0; i < run; i++) memcpy(a + i * s, d + 8 * i, 8); break;
        case 4: for (int64_t i = 0; i < run; i++) memcpy(a + i * s, d + 4 * i, 4); break;
        case 2: for (int64_t i = 0; i < run; i++) memcpy(a + i * s, d + 2 * i, 2); break;
        default: for (int64_t i = 0; i < run; i++) memcpy(a + i * s, d + es * i, (size_t)es);
      }
    } else {
      switch (es) {
        case 8: for (int64_t i = 0; i < run; i++) memcpy(d + 8 * i, a + i * s, 8); break;
        case 4: for (int64_t i = 0; i < run; i++) memcpy(d + 4 * i, a + i * s, 4); break;
        case 2: for (int64_t i = 0; i < run; i++) memcpy(d + 2 * i, a + i * s, 2); break;
        default: for (int64_t i = 0; i < run; i++) memcpy(d + es * i, a + i * s, (size_t)es);
      }
    }
    done += run;
    id[last] += run;
    for (int q = last; q > 0 && id[q] == t->dims[q]; q--) id[q] = 0, id[q - 1]++;
  }
}

/* Elements [b, e) of the merged index space, tile by tile through the contiguous kernel
   (the generated code has only that one loop, which halves its compile time). An operand
   goes to the kernel in place when the tile lies in one run along which it is dense, or
   when it is a one-element input; otherwise it is gathered into (an output: scattered
   from) a dense tile buffer. Long runs are never split across tiles, so dense operands
   are copied only when the layout forces it. Outputs are written after the tile's inputs
   are read, element by element, so an output that is also an input (in place, the same
   layout) gives what a sequential loop gives. */
static void elem_strided_range(const elem_task *t, int64_t b, int64_t e) {
  enum { TILE_BYTES = 1 << 16, TILE_MAX = 1024 };
  _Alignas(64) char buf[TILE_BYTES];
  const tgi_kspec *k = &t->c->k;
  int m = t->m, last = m - 1, nop = t->nop;
  int64_t esum = 0;
  for (int j = 0; j < nop; j++)
    if (!(j < k->n_in && ((k->scalar >> j) & 1))) esum += t->esz[j];
  /* room for every copied operand's tile, each rounded up to 64 bytes */
  int64_t tile = esum ? (TILE_BYTES - 64 * nop) / esum : TILE_MAX;
  if (tile > TILE_MAX) tile = TILE_MAX;
  bool long_runs = t->dims[last] >= tile / 4;
  int64_t idx[TG_MAX_NDIM], rem = b;
  for (int d = last; d >= 0; d--) idx[d] = rem % t->dims[d], rem /= t->dims[d];
  char *p[MAXOP];
  bool copied[MAXOP];
  while (b < e) {
    int64_t len = e - b < tile ? e - b : tile, left = t->dims[last] - idx[last];
    if (long_runs && len > left) len = left;
    bool one_run = len <= left;
    char *slot = buf;
    for (int j = 0; j < nop; j++) {
      copied[j] = false;
      if (j < k->n_in && ((k->scalar >> j) & 1)) {
        p[j] = t->base[j]; /* the kernel reads element 0 */
        continue;
      }
      const int64_t *st = t->st + (int64_t)j * m;
      if (one_run && st[last] == t->esz[j]) {
        p[j] = t->base[j];
        for (int d = 0; d < m; d++) p[j] += idx[d] * st[d];
        continue;
      }
      p[j] = slot, copied[j] = true;
      slot += (len * t->esz[j] + 63) / 64 * 64; /* aligned for every dtype */
      if (j < k->n_in) copy_tile(t, j, idx, len, p[j], false);
    }
    t->c->fc(len, p);
    for (int j = k->n_in; j < nop; j++)
      if (copied[j]) copy_tile(t, j, idx, len, p[j], true);
    b += len;
    idx[last] += len;
    /* carry: len may cross runs (short runs) */
    for (int d = last; d > 0 && idx[d] >= t->dims[d]; d--) {
      idx[d - 1] += idx[d] / t->dims[d];
      idx[d] %= t->dims[d];
    }
  }
}

static void elem_strided_chunk(void *ctx, int64_t i) {
  const elem_task *t = ctx;
  elem_strided_range(t, tgi_pool_chunk_begin(t->total, t->nchunks, i),
                     tgi_pool_chunk_begin(t->total, t->nchunks, i + 1));
}

static void run_pool(int64_t nchunks, void (*fn)(void *, int64_t), void *ctx) {
  if (nchunks <= 1) fn(ctx, 0);
  else tgi_pool_run(nchunks, fn, ctx);
}

/* Check a caller's output or allocate one; false (and *bad) when the caller's is wrong. */
static tg_status get_out(tg_array **o, tg_dtype dt, int nd, const int64_t *shape, bool *made,
                         bool *bad, tgi_err *err) {
  *made = false;
  if (*o) {
    bool ok = (*o)->dtype == dt && (*o)->ndim == nd;
    for (int d = 0; ok && d < nd; d++) ok = (*o)->shape[d] == shape[d];
    *bad = !ok;
    return TG_OK;
  }
  if (!(*o = tgi_array_alloc(dt, nd, shape, true, false)))
    return tgi_err_set(err, TG_ERR_NOMEM, "native kernel: %s", tg_errmsg());
  *made = true;
  return TG_OK;
}

static tg_status run_elem(const tgi_kctx *c, const tg_op *op, int n_in, tg_array *const *in,
                          int n_out, tg_array **out, tgi_err *err) {
  const tgi_kspec *k = &c->k;
  int nd = k->ndim, nop = n_in + n_out;
  int64_t shape[TG_MAX_NDIM];
  tgi_err tmp = {TG_OK, ""};
  if (nop > MAXOP || tgi_elemwise_out_shape("Composite", "", k->in_mask, n_in, in, nd, shape,
                                            &tmp) != TG_OK)
    return by_reference(op, n_in, in, n_out, out, err);
  tg_array *res[TGI_MAX_OUT];
  bool made[TGI_MAX_OUT] = {false}, bad = false;
  tg_status st = TG_OK;
  for (int o = 0; o < n_out; o++) res[o] = out[o];
  for (int o = 0; o < n_out && st == TG_OK && !bad; o++)
    st = get_out(&res[o], k->reg_dt[k->out_reg[o]], nd, shape, &made[o], &bad, err);
  if (st != TG_OK || bad) {
    for (int o = 0; o < n_out; o++)
      if (made[o]) tg_array_unref(res[o]);
    return st != TG_OK ? st : by_reference(op, n_in, in, n_out, out, err);
  }
  int64_t total = 1;
  for (int d = 0; d < nd; d++) total *= shape[d];
  if (total > 0) {
    char *base[MAXOP];
    int64_t isz[MAXOP], esz[MAXOP];
    bool contig = true;
    for (int j = 0; j < nop; j++) {
      const tg_array *a = j < n_in ? in[j] : res[j - n_in];
      base[j] = a->data;
      bool one = j < n_in && ((k->scalar >> j) & 1);
      esz[j] = tg_dtype_size(a->dtype);
      isz[j] = one ? 0 : esz[j];
      if (!one) contig = contig && a->size == total && is_contig(a);
    }
    elem_task t = {.c = c, .nop = nop, .base = base, .isz = isz, .esz = esz, .total = total};
    t.nchunks = chunks_of(total, 1);
    if (contig) {
      run_pool(t.nchunks, elem_contig_chunk, &t);
    } else {
      /* strides over the output's index space, then merge dims as the reference does */
      int64_t st_[MAXOP * TG_MAX_NDIM], dims[TG_MAX_NDIM];
      int m = 0;
      for (int d = 0; d < nd; d++) {
        if (shape[d] == 1) continue;
        bool merge = m > 0;
        for (int j = 0; j < nop; j++) {
          const tg_array *a = j < n_in ? in[j] : res[j - n_in];
          int kd = d - (nd - a->ndim);
          int64_t s = kd < 0 || a->shape[kd] == 1 ? 0 : a->strides[kd];
          if (merge && st_[j * TG_MAX_NDIM + m - 1] != s * shape[d]) merge = false;
          st_[j * TG_MAX_NDIM + m] = s; /* provisional: dim m, kept if not merged */
        }
        if (merge) {
          dims[m - 1] *= shape[d];
          for (int j = 0; j < nop; j++) st_[j * TG_MAX_NDIM + m - 1] = st_[j * TG_MAX_NDIM + m];
        } else {
          dims[m++] = shape[d];
        }
      }
      if (m == 0) {
        dims[0] = 1, m = 1;
        for (int j = 0; j < nop; j++) st_[j * TG_MAX_NDIM] = 0;
      }
      /* pack operand-major with stride m */
      for (int j = 0; j < nop; j++)
        for (int d = 0; d < m; d++) st_[j * m + d] = st_[j * TG_MAX_NDIM + d];
      t.m = m, t.dims = dims, t.st = st_;
      run_pool(t.nchunks, elem_strided_chunk, &t);
    }
  }
  for (int o = 0; o < n_out; o++) out[o] = res[o];
  return TG_OK;
}

/* ---- reductions ---- */

/* The accumulator update, as the kernels do it (for combining partials). */
static void acc_merge(const tgi_kspec *k, void *dst, const void *src) {
  if (k->fdom) {
    double *t = dst, v = *(const double *)src;
    switch (k->rkind) {
      case TGR_PROD: *t *= v; break;
      case TGR_MAX: if (!isnan(*t) && (v > *t || isnan(v))) *t = v; break;
      case TGR_MIN: if (!isnan(*t) && (v < *t || isnan(v))) *t = v; break;
      default: *t += v; break;
    }
    return;
  }
  int64_t *t = dst, v = *(const int64_t *)src;
  switch (k->rkind) {
    case TGR_PROD: *t = (int64_t)((uint64_t)*t * (uint64_t)v); break;
    case TGR_MAX: if (v > *t) *t = v; break;
    case TGR_MIN: if (v < *t) *t = v; break;
    case TGR_ALL: *t = *t & v; break;
    case TGR_ANY: *t = *t | v; break;
    default: *t = (int64_t)((uint64_t)*t + (uint64_t)v); break;
  }
}

static void acc_identity(const tgi_kspec *k, void *a) {
  if (k->fdom) {
    double *t = a;
    *t = k->rkind == TGR_PROD ? 1.0 : k->rkind == TGR_MAX ? -INFINITY : k->rkind == TGR_MIN ? INFINITY : 0.0;
  } else {
    int64_t *t = a;
    *t = k->rkind == TGR_PROD || k->rkind == TGR_ALL ? 1 : k->rkind == TGR_MAX ? INT64_MIN
         : k->rkind == TGR_MIN ? INT64_MAX : 0;
  }
}

/* Fold n partials into *dst: pairwise for float sums (the error grows with log n), in
   order otherwise. part is overwritten. */
static void combine(const tgi_kspec *k, void *dst, int64_t *part, int64_t n) {
  if (k->fdom && (k->rkind == TGR_SUM || k->rkind == TGR_MEAN)) {
    double *v = (double *)part;
    for (int64_t w = 1; w < n; w *= 2)
      for (int64_t i = 0; i + w < n; i += 2 * w) v[i] += v[i + w];
  } else {
    for (int64_t i = 1; i < n; i++) acc_merge(k, &part[0], &part[i]);
  }
  if (n > 0) acc_merge(k, dst, &part[0]);
}

typedef struct {
  const tgi_kctx *c;
  int n_in;
  char **base;
  const int64_t *isz;
  int64_t n_red, nb, nblocks, ngroups;
  int64_t *part;
} red_task;

/* A group of blocks: block q is block q % nb of row q / nb. */
static void red_blocks(void *ctx, int64_t g) {
  const red_task *t = ctx;
  int64_t q0 = tgi_pool_chunk_begin(t->nblocks, t->ngroups, g);
  int64_t q1 = tgi_pool_chunk_begin(t->nblocks, t->ngroups, g + 1);
  char *p[MAXOP];
  for (int64_t q = q0; q < q1; q++) {
    int64_t row = q / t->nb, b = (q % t->nb) * TGK_RBLOCK;
    int64_t len = t->n_red - b < TGK_RBLOCK ? t->n_red - b : TGK_RBLOCK;
    int64_t off = row * t->n_red + b;
    for (int j = 0; j < t->n_in; j++) p[j] = t->base[j] + off * t->isz[j];
    acc_identity(&t->c->k, &t->part[q]);
    t->c->rc(len, p, &t->part[q]);
  }
}

/* General layouts: a C-order walk with one run per innermost (merged) dim. */
static void red_walk(const tgi_kctx *c, int n_in, tg_array *const *in, const int64_t *shape,
                     int64_t *acc) {
  const tgi_kspec *k = &c->k;
  int nd = k->ndim, m = 0;
  int64_t len[TG_MAX_NDIM], ost[TG_MAX_NDIM], st[TG_MAX_NDIM][MAXOP];
  bool red[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    bool r = (k->rmask >> d) & 1, merge = m > 0 && red[m - 1] == r;
    int64_t s[MAXOP];
    for (int j = 0; j < n_in; j++) {
      int kd = d - (nd - in[j]->ndim);
      s[j] = kd < 0 || in[j]->shape[kd] == 1 ? 0 : in[j]->strides[kd];
      if (merge && st[m - 1][j] != s[j] * shape[d]) merge = false;
    }
    if (merge) {
      len[m - 1] *= shape[d];
      for (int j = 0; j < n_in; j++) st[m - 1][j] = s[j];
    } else {
      len[m] = shape[d], red[m] = r;
      for (int j = 0; j < n_in; j++) st[m][j] = s[j];
      m++;
    }
  }
  if (m == 0) {
    len[0] = 1, red[0] = true, m = 1;
    for (int j = 0; j < n_in; j++) st[0][j] = 0;
  }
  int64_t po = 1;
  for (int d = m - 1; d >= 0; d--) {
    ost[d] = red[d] ? 0 : po;
    if (!red[d]) po *= len[d];
  }
  int last = m - 1;
  int64_t idx[TG_MAX_NDIM] = {0};
  char *p[MAXOP];
  for (;;) {
    int64_t o = 0;
    for (int j = 0; j < n_in; j++) p[j] = in[j]->data;
    for (int d = 0; d < last; d++) {
      o += idx[d] * ost[d];
      for (int j = 0; j < n_in; j++) p[j] += idx[d] * st[d][j];
    }
    (red[last] ? c->rs : c->rk)(len[last], p, st[last], &acc[o]);
    if (last == 0 || !tgi_next_index(last, len, idx)) break;
  }
}

static tg_status run_reduce(const tgi_kctx *c, const tg_op *op, int n_in, tg_array *const *in,
                            int n_out, tg_array **out, tgi_err *err) {
  const tgi_kspec *k = &c->k;
  int nd = k->ndim;
  int64_t shape[TG_MAX_NDIM], oshape[TG_MAX_NDIM], n_red = 1, n_outv = 1;
  tgi_err tmp = {TG_OK, ""};
  if (n_in > MAXOP || n_out != 1 ||
      tgi_elemwise_out_shape("Composite", "", k->in_mask, n_in, in, nd, shape, &tmp) != TG_OK)
    return by_reference(op, n_in, in, n_out, out, err);
  int ond = 0;
  for (int d = 0; d < nd; d++) {
    if ((k->rmask >> d) & 1) {
      n_red *= shape[d];
      if (k->keepdims) oshape[ond++] = 1;
    } else {
      n_outv *= shape[d];
      oshape[ond++] = shape[d];
    }
  }
  if (n_red == 0 || n_outv == 0) return by_reference(op, n_in, in, n_out, out, err);
  tg_array *o = out[0];
  bool made = false, bad = false;
  tg_status st = get_out(&o, k->rdt, ond, oshape, &made, &bad, err);
  if (st != TG_OK) return st;
  if (bad) return by_reference(op, n_in, in, n_out, out, err);
  bool contig = true, trailing = true, seen_red = false;
  for (int j = 0; j < n_in; j++)
    if (!((k->scalar >> j) & 1)) contig = contig && in[j]->size == n_red * n_outv && is_contig(in[j]);
  for (int d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    if ((k->rmask >> d) & 1) seen_red = true;
    else if (seen_red) trailing = false;
  }
  int64_t nb = (n_red + TGK_RBLOCK - 1) / TGK_RBLOCK;
  int64_t nacc = contig && trailing ? n_outv * nb : n_outv;
  int64_t *acc = tgi_malloc(sizeof(int64_t) * (size_t)(nacc + n_outv));
  if (!acc) {
    if (made) tg_array_unref(o);
    return tgi_err_set(err, TG_ERR_NOMEM, "native kernel: out of memory for %lld accumulators",
                       (long long)nacc);
  }
  int64_t *res = acc + nacc;
  for (int64_t i = 0; i < n_outv; i++) acc_identity(k, &res[i]);
  if (contig && trailing) {
    char *base[MAXOP];
    int64_t isz[MAXOP];
    for (int j = 0; j < n_in; j++) {
      base[j] = in[j]->data;
      isz[j] = (k->scalar >> j) & 1 ? 0 : tg_dtype_size(in[j]->dtype);
    }
    red_task t = {.c = c, .n_in = n_in, .base = base, .isz = isz, .n_red = n_red, .nb = nb,
                  .nblocks = n_outv * nb, .part = acc};
    t.ngroups = chunks_of(t.nblocks, TGK_RBLOCK);
    run_pool(t.ngroups, red_blocks, &t);
    for (int64_t r = 0; r < n_outv; r++) combine(k, &res[r], acc + r * nb, nb);
  } else {
    red_walk(c, n_in, in, shape, res);
  }
  /* results into the (maybe strided) output, in C order */
  int64_t idx[TG_MAX_NDIM] = {0};
  for (int64_t j = 0; j < n_outv; j++) {
    char *q = o->data;
    for (int d = 0; d < o->ndim; d++) q += idx[d] * o->strides[d];
    if (k->rkind == TGR_ALL || k->rkind == TGR_ANY) *(uint8_t *)q = res[j] != 0;
    else if (k->fdom) {
      double v;
      memcpy(&v, &res[j], sizeof v);
      tgi_store_f64(q, o->dtype, k->rkind == TGR_MEAN ? v / (double)n_red : v);
    } else {
      tgi_store_i64(q, o->dtype, res[j]);
    }
    tgi_next_index(o->ndim, o->shape, idx);
  }
  tgi_free(acc);
  out[0] = o;
  return TG_OK;
}

tg_status tgi_cg_run(void *ctx, const tg_op *op, int n_in, tg_array *const *in, int n_out,
                     tg_array **out, tgi_err *err) {
  const tgi_kctx *c = ctx;
  return c->k.reduce ? run_reduce(c, op, n_in, in, n_out, out, err)
                     : run_elem(c, op, n_in, in, n_out, out, err);
}
