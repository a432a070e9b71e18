/* random_impl.h: the pieces of the random family shared by its files: the Philox4x32-10
   block function and the per-element sample stream built on it (random_dist.c), the
   distribution table, and the RandomVariable op class (random_kernel.c) the builders in
   random.c apply. Never installed.

   Reproducibility comes from counter-based generation: a stream's state is three int64
   words (key, stream id, position). The draw at flat position i of an op's output reads
   only the Philox blocks with counter (position + i, j, stream id) for j = 0, 1, ...
   under the key, so its value depends on nothing else: not on the thread count, the
   backend, or the order in which elements are computed. A draw of n elements moves the
   position on by n (choice without replacement and permutation: by the population size),
   so successive calls never reuse a block. */
#ifndef TG_RANDOM_IMPL_H
#define TG_RANDOM_IMPL_H

#include "op.h"

/* ---- Philox4x32-10 and the per-element stream (random_dist.c) ---- */

/* One Philox4x32-10 block: out = bijection_key(ctr) (Salmon et al., SC'11; Random123). */
void tgi_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The words of blocks (pos, j, stream) for j = 0, 1, 2, ... in turn: the private source of
   randomness of one output element. */
typedef struct tgi_rstream {
  uint32_t key[2];
  uint32_t ctr[4]; /* c0, c1: position (low, high); c2: block j; c3: stream id */
  uint32_t buf[4];
  int used;        /* words of buf already handed out (4: the next word needs a block) */
} tgi_rstream;

/* Start the stream of the element at `pos` of stream `stream` under `key`. */
void tgi_rs_init(tgi_rstream *s, uint64_t key, uint64_t stream, uint64_t pos);
/* The next 32 random bits. */
uint32_t tgi_rs_u32(tgi_rstream *s);
/* The next 64 random bits. */
uint64_t tgi_rs_u64(tgi_rstream *s);
/* Uniform on [0, 1) with 53 random bits. */
double tgi_rs_uniform(tgi_rstream *s);
/* Uniform on the open interval (0, 1), safe under log. */
double tgi_rs_open(tgi_rstream *s);
/* Uniform integer on [0, range) without bias (range > 0). */
uint64_t tgi_rs_below(tgi_rstream *s, uint64_t range);
/* Standard normal (Box-Muller, one value per call). */
double tgi_rs_normal(tgi_rstream *s);
/* log of a Gamma(k, 1) variate, k > 0 (Marsaglia-Tsang; k < 1 boosted by U^(1/k) in log
   space so tiny shapes do not underflow). */
double tgi_rs_log_gamma(tgi_rstream *s, double k);
/* Binomial(n, p), n >= 0, 0 <= p <= 1 (inversion for small means, Hormann's BTRS else). */
int64_t tgi_rs_binomial(tgi_rstream *s, int64_t n, double p);
/* Poisson(lam), 0 <= lam (multiplication for lam < 10, Hormann's PTRS else). */
int64_t tgi_rs_poisson(tgi_rstream *s, double lam);

/* ---- the distributions ---- */

enum {
  TGI_RV_UNIFORM,
  TGI_RV_NORMAL,
  TGI_RV_INTEGERS,
  TGI_RV_BINOMIAL,
  TGI_RV_BERNOULLI,
  TGI_RV_GAMMA,
  TGI_RV_BETA,
  TGI_RV_POISSON,
  TGI_RV_MULTINOMIAL,
  TGI_RV_CHOICE,
  TGI_RV_PERMUTATION,
  TGI_RV_COUNT
};

typedef struct tgi_rv_info {
  const char *name;     /* "normal" */
  int n_par;            /* tensor parameters after the state and the shape */
  const char *par[2];   /* their names, used in messages */
  bool continuous;      /* float draws; otherwise integer values (any numeric dtype) */
} tgi_rv_info;
extern const tgi_rv_info tgi_rv_infos[TGI_RV_COUNT];

/* Op params of RandomVariable (op->code is the distribution, op->dtype the draws' dtype). */
enum { TGI_RVP_HAS_SHAPE, TGI_RVP_REPLACE, TGI_RVP_HAS_P, TGI_RVP_N };

/* The op class: inputs (state, [shape], params...), outputs (new state, draws). */
extern const tg_op_class tgi_random_class;

#endif
