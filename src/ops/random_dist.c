/* random_dist.c: the generator behind every random op: Philox4x32-10, written from its
   published definition (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as
   1, 2, 3", SC'11; the Random123 library), the per-element stream of blocks, and the
   samplers that turn its words into uniform, normal, gamma, binomial and Poisson variates.
   Every sampler reads only its own element's stream, so a value never depends on how many
   other values are drawn or in what order (see random_impl.h). */
#include <math.h>

#include "random_impl.h"

/* The round multipliers and the Weyl sequence that bumps the key between rounds. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void tgi_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++) {
    if (r > 0) k0 += PHILOX_W0, k1 += PHILOX_W1;
    uint64_t p0 = (uint64_t)PHILOX_M0 * c0, p1 = (uint64_t)PHILOX_M1 * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1;
    c3 = (uint32_t)p0;
    c0 = n0;
    c2 = n2;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

void tgi_rs_init(tgi_rstream *s, uint64_t key, uint64_t stream, uint64_t pos) {
  s->key[0] = (uint32_t)key, s->key[1] = (uint32_t)(key >> 32);
  s->ctr[0] = (uint32_t)pos, s->ctr[1] = (uint32_t)(pos >> 32);
  s->ctr[2] = 0;
  s->ctr[3] = (uint32_t)stream;
  s->used = 4;
}

uint32_t tgi_rs_u32(tgi_rstream *s) {
  if (s->used == 4) {
    tgi_philox4x32_10(s->ctr, s->key, s->buf);
    s->ctr[2]++; /* the element's next block */
    s->used = 0;
  }
  return s->buf[s->used++];
}

uint64_t tgi_rs_u64(tgi_rstream *s) {
  uint64_t lo = tgi_rs_u32(s);
  return lo | (uint64_t)tgi_rs_u32(s) << 32;
}

double tgi_rs_uniform(tgi_rstream *s) { return (double)(tgi_rs_u64(s) >> 11) * 0x1.0p-53; }

double tgi_rs_open(tgi_rstream *s) {
  return ((double)(tgi_rs_u64(s) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t tgi_rs_below(tgi_rstream *s, uint64_t range) {
  /* reject the lowest (2^64 mod range) values so every residue is equally likely */
  uint64_t t = (0 - range) % range, x;
  do x = tgi_rs_u64(s);
  while (x < t);
  return x % range;
}

double tgi_rs_normal(tgi_rstream *s) {
  double u = tgi_rs_open(s), v = tgi_rs_uniform(s);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* log Gamma(k, 1) for k >= 1: Marsaglia and Tsang, ACM TOMS 26(3), 2000. */
static double log_gamma_ge1(tgi_rstream *s, double k) {
  double d = k - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = tgi_rs_normal(s);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = tgi_rs_open(s), x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return log(d) + log(v);
    if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) return log(d) + log(v);
  }
}

double tgi_rs_log_gamma(tgi_rstream *s, double k) {
  if (k >= 1) return log_gamma_ge1(s, k);
  /* Gamma(k) = Gamma(k + 1) * U^(1/k), kept in logs: for tiny k the power underflows */
  double lg = log_gamma_ge1(s, k + 1.0);
  return lg + log(tgi_rs_open(s)) / k;
}

/* Binomial by inversion (BINV) when n*p < 10: walk the pmf from 0, restarting past the
   point where numerical dust could keep the walk going (numpy's bound). */
static int64_t binomial_inversion(tgi_rstream *s, int64_t n, double p) {
  double q = 1.0 - p, r0 = pow(q, (double)n), ratio = p / q, a = ((double)n + 1.0) * ratio;
  double np = (double)n * p, bound = fmin((double)n, np + 10.0 * sqrt(np * q + 1.0));
  for (;;) {
    double u = tgi_rs_uniform(s), r = r0;
    int64_t x = 0;
    while (u > r) {
      u -= r;
      x++;
      if ((double)x > bound) break;
      r *= a / (double)x - ratio;
    }
    if ((double)x <= bound) return x;
  }
}

/* Binomial by transformed rejection with squeeze, BTRS: W. Hormann, "The generation of
   binomial random variates", J. Stat. Comput. Simul. 46, 1993; the acceptance test uses
   the exact log pmf ratio f(k)/f(m) through lgamma. Needs n*p >= 10, p <= 0.5. */
static int64_t binomial_btrs(tgi_rstream *s, int64_t n, double p) {
  double nd = (double)n, q = 1.0 - p, spq = sqrt(nd * p * q);
  double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = nd * p + 0.5;
  double vr = 0.92 - 4.2 / b, alpha = (2.83 + 5.1 / b) * spq, lpq = log(p / q);
  double m = floor((nd + 1.0) * p), h = lgamma(m + 1.0) + lgamma(nd - m + 1.0);
  for (;;) {
    double u = tgi_rs_uniform(s) - 0.5, v = tgi_rs_uniform(s), us = 0.5 - fabs(u);
    if (us <= 0) continue;
    double k = floor((2.0 * a / us + b) * u + c);
    if (k < 0 || k > nd) continue;
    if (us >= 0.07 && v <= vr) return (int64_t)k;
    v = log(v * alpha / (a / (us * us) + b));
    if (v <= h - lgamma(k + 1.0) - lgamma(nd - k + 1.0) + (k - m) * lpq) return (int64_t)k;
  }
}

int64_t tgi_rs_binomial(tgi_rstream *s, int64_t n, double p) {
  if (n == 0 || p == 0) return 0;
  if (p == 1) return n;
  if (p > 0.5) return n - tgi_rs_binomial(s, n, 1.0 - p); /* once: 1 - p < 0.5 */
  if ((double)n * p < 10) return binomial_inversion(s, n, p);
  return binomial_btrs(s, n, p);
}

/* Poisson by transformed rejection with squeeze, PTRS: W. Hormann, "The transformed
   rejection method for generating Poisson random variables", Insurance: Mathematics and
   Economics 12, 1993 (numpy uses the same). lam >= 10. */
static int64_t poisson_ptrs(tgi_rstream *s, double lam) {
  double slam = sqrt(lam), loglam = log(lam);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    double u = tgi_rs_uniform(s) - 0.5, v = tgi_rs_uniform(s), us = 0.5 - fabs(u);
    if (us <= 0) continue;
    double k = floor((2.0 * a / us + b) * u + lam + 0.43);
    if (k < 0 || k > 9.0e18) continue;
    if (us >= 0.07 && v <= vr) return (int64_t)k;
    if (us < 0.013 && v > us) continue;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1.0))
      return (int64_t)k;
  }
}

int64_t tgi_rs_poisson(tgi_rstream *s, double lam) {
  if (lam == 0) return 0;
  if (lam >= 10) return poisson_ptrs(s, lam);
  /* multiply uniforms until the product drops below exp(-lam) (Knuth) */
  double limit = exp(-lam), prod = tgi_rs_open(s);
  int64_t k = 0;
  while (prod > limit) {
    k++;
    prod *= tgi_rs_open(s);
  }
  return k;
}
