/* reduce_ref.h: what the reduction tests compare against: random inputs in every dtype
   and layout (contiguous, transposed, every other element, reversed), numpy's result
   dtype of each reduction restated as a table, and a plain C loop computing each
   reduction one output element at a time from the values read in C order. */
#ifndef TG_REDUCE_REF_H
#define TG_REDUCE_REF_H

#include <float.h>
#include <stdint.h>

#include "shape_check.h"

/* not every test file uses every helper */
#define R_HELPER static __attribute__((unused))

enum { R_SUM, R_PROD, R_MEAN, R_VAR, R_STD, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_ALL, R_ANY,
       R_LSE, R_MAA, R_NOPS };
static const char *const r_names[R_NOPS] = {"sum", "prod", "mean", "variance", "std",
                                            "max", "min", "argmax", "argmin", "all",
                                            "any", "logsumexp", "max_and_argmax"};
static const tg_dtype r_dtypes[] = {TG_BOOL,  TG_INT8,  TG_INT16,   TG_INT32,
                                    TG_INT64, TG_UINT8, TG_FLOAT32, TG_FLOAT64};
#define R_NDT 8

R_HELPER tg_var *r_apply(int op, tg_var *x, int na, const int *ax, bool keep, int ddof,
                       tg_var **second) {
  switch (op) {
    case R_SUM: return tg_sum(x, na, ax, keep);
    case R_PROD: return tg_prod(x, na, ax, keep);
    case R_MEAN: return tg_mean(x, na, ax, keep);
    case R_VAR: return tg_variance(x, na, ax, ddof, keep);
    case R_STD: return tg_std(x, na, ax, ddof, keep);
    case R_MAX: return tg_max(x, na, ax, keep);
    case R_MIN: return tg_min(x, na, ax, keep);
    case R_ARGMAX: return tg_argmax(x, na, ax, keep);
    case R_ARGMIN: return tg_argmin(x, na, ax, keep);
    case R_ALL: return tg_all(x, na, ax, keep);
    case R_ANY: return tg_any(x, na, ax, keep);
    case R_LSE: return tg_logsumexp(x, na, ax, keep);
    default: return tg_max_and_argmax(x, na, ax, keep, second);
  }
}

/* numpy 1.24's result dtypes (uint64 for uint8 sums replaced by int64, as documented). */
R_HELPER tg_dtype r_want_dtype(int op, tg_dtype dt) {
  bool fl = dt == TG_FLOAT32 || dt == TG_FLOAT64;
  switch (op) {
    case R_SUM:
    case R_PROD: return fl ? dt : TG_INT64;
    case R_MEAN:
    case R_VAR:
    case R_STD: return fl ? dt : TG_FLOAT64;
    case R_ARGMAX:
    case R_ARGMIN: return TG_INT64;
    case R_ALL:
    case R_ANY: return TG_BOOL;
    case R_LSE:
      if (fl) return dt;
      return dt == TG_INT32 || dt == TG_INT64 ? TG_FLOAT64 : TG_FLOAT32;
    default: return dt;
  }
}

R_HELPER bool r_needs_one(int op) {
  return op == R_MAX || op == R_MIN || op == R_ARGMAX || op == R_ARGMIN || op == R_MAA;
}

R_HELPER uint64_t r_rng = 0x9e3779b97f4a7c15ull;
R_HELPER uint64_t r_next(void) {
  r_rng ^= r_rng << 13;
  r_rng ^= r_rng >> 7;
  r_rng ^= r_rng << 17;
  return r_rng;
}
R_HELPER double r_unif(void) { return (double)(r_next() >> 11) * 0x1p-53; }
R_HELPER int64_t r_int(int64_t lo, int64_t hi) {
  return lo + (int64_t)(r_next() % (uint64_t)(hi - lo + 1));
}

/* A C-contiguous array of random values; small integer ranges make ties, which test that
   argmax keeps the first. */
R_HELPER tg_array *r_random(tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_empty(dt, nd, shape);
  char *p = tg_array_data(a);
  for (int64_t i = 0; i < tg_array_size(a); i++) switch (dt) {
      case TG_BOOL: ((uint8_t *)p)[i] = (uint8_t)r_int(0, 1); break;
      case TG_INT8: ((int8_t *)p)[i] = (int8_t)r_int(-9, 9); break;
      case TG_INT16: ((int16_t *)p)[i] = (int16_t)r_int(-300, 300); break;
      case TG_INT32: ((int32_t *)p)[i] = (int32_t)r_int(-100000, 100000); break;
      case TG_INT64: ((int64_t *)p)[i] = r_int(-1000000000000, 1000000000000); break;
      case TG_UINT8: ((uint8_t *)p)[i] = (uint8_t)r_int(0, 255); break;
      case TG_FLOAT32: ((float *)p)[i] = (float)(4 * r_unif() - 2); break;
      default: ((double *)p)[i] = 4 * r_unif() - 2; break;
    }
  return a;
}

enum { L_CONTIG, L_TRANSPOSED, L_STEP2, L_REVERSED, L_COUNT };
static const char *const r_layouts[L_COUNT] = {"contiguous", "transposed", "step 2", "reversed"};

/* A random array of the given logical shape laid out as `layout` says. */
R_HELPER tg_array *r_input(tg_dtype dt, int nd, const int64_t *shape, int layout) {
  int64_t bs[TG_MAX_NDIM];
  for (int d = 0; d < nd; d++) bs[d] = shape[d];
  tg_array *base, *v;
  switch (layout) {
    case L_TRANSPOSED:
      for (int d = 0; d < nd; d++) bs[d] = shape[nd - 1 - d];
      base = r_random(dt, nd, bs);
      v = tg_array_transpose(base);
      tg_array_unref(base);
      return v;
    case L_STEP2:
      if (nd == 0) return r_random(dt, nd, shape);
      bs[nd - 1] *= 2;
      base = r_random(dt, nd, bs);
      v = tg_array_slice(base, nd - 1, 0, INT64_MAX, 2);
      tg_array_unref(base);
      return v;
    case L_REVERSED:
      v = r_random(dt, nd, shape);
      for (int d = 0; d < nd; d++) {
        tg_array *w = tg_array_slice(v, d, INT64_MAX, INT64_MIN, -1);
        tg_array_unref(v);
        v = w;
      }
      return v;
    default: return r_random(dt, nd, shape);
  }
}

/* Bitmask of the axes (n_axes = -1: all). */
R_HELPER uint64_t r_mask(int nd, int na, const int *ax) {
  if (na < 0) return nd == 64 ? ~0ull : (1ull << nd) - 1;
  uint64_t m = 0;
  for (int i = 0; i < na; i++) m |= 1ull << (ax[i] < 0 ? ax[i] + nd : ax[i]);
  return m;
}

/* Expected results, one per output element: a double (float outputs) or an int64 (the
   rest), and for max_and_argmax the index too. Computed from the values of x read with
   the public accessors in C order, gathered per output element. */
typedef struct {
  int64_t n_out, n_red;
  double *d;
  int64_t *i, *idx;
} r_expect;

R_HELPER void r_reference(const tg_array *x, uint64_t mask, int op, int ddof, r_expect *e) {
  int nd = tg_array_ndim(x);
  const int64_t *sh = tg_array_shape(x);
  int64_t n_out = 1, n_red = 1, size = tg_array_size(x);
  for (int d = 0; d < nd; d++) {
    if ((mask >> d) & 1) n_red *= sh[d];
    else n_out *= sh[d];
  }
  bool fl = tg_array_dtype(x) == TG_FLOAT32 || tg_array_dtype(x) == TG_FLOAT64;
  size_t nv = (size_t)(n_out * n_red) + 1;
  double *v = malloc(nv * sizeof(double));
  int64_t *iv = malloc(nv * sizeof(int64_t)), *cnt = calloc((size_t)n_out + 1, sizeof(int64_t));
  for (int64_t f = 0; f < size; f++) {
    int64_t rem = f, idx[TG_MAX_NDIM], o = 0;
    for (int d = nd - 1; d >= 0; d--) idx[d] = rem % sh[d], rem /= sh[d];
    for (int d = 0; d < nd; d++)
      if (!((mask >> d) & 1)) o = o * sh[d] + idx[d];
    v[o * n_red + cnt[o]] = tg_array_get_f64(x, f);
    iv[o * n_red + cnt[o]] = tg_array_get_i64(x, f);
    cnt[o]++;
  }
  e->n_out = n_out, e->n_red = n_red;
  e->d = malloc(sizeof(double) * (size_t)(n_out + 1));
  e->i = malloc(sizeof(int64_t) * (size_t)(n_out + 1));
  e->idx = malloc(sizeof(int64_t) * (size_t)(n_out + 1));
  for (int64_t o = 0; o < n_out; o++) {
    const double *a = v + o * n_red;
    const int64_t *b = iv + o * n_red;
    long double s = 0, p = 1, m;
    uint64_t us = 0, up = 1;
    int64_t best = 0;
    for (int64_t k = 0; k < n_red; k++) s += a[k], p *= a[k], us += (uint64_t)b[k], up *= (uint64_t)b[k];
    switch (op) {
      case R_SUM: e->d[o] = (double)s, e->i[o] = (int64_t)us; break;
      case R_PROD: e->d[o] = (double)p, e->i[o] = (int64_t)up; break;
      case R_MEAN: e->d[o] = (double)(s / n_red); break;
      case R_VAR:
      case R_STD: {
        long double mu = s / n_red, q = 0;
        for (int64_t k = 0; k < n_red; k++) q += (a[k] - mu) * (a[k] - mu);
        long double dof = n_red - ddof > 0 ? n_red - ddof : 0;
        e->d[o] = (double)(op == R_VAR ? q / dof : sqrtl(q / dof));
        break;
      }
      case R_MAX:
      case R_MIN:
      case R_ARGMAX:
      case R_ARGMIN:
      case R_MAA: {
        bool mx = op != R_MIN && op != R_ARGMIN;
        for (int64_t k = 1; k < n_red; k++) {
          if (fl && isnan(a[best])) break;
          bool better = fl ? (isnan(a[k]) || (mx ? a[k] > a[best] : a[k] < a[best]))
                           : (mx ? b[k] > b[best] : b[k] < b[best]);
          if (better) best = k;
        }
        e->idx[o] = best, e->d[o] = a[best], e->i[o] = b[best];
        if (op == R_ARGMAX || op == R_ARGMIN) e->i[o] = best;
        break;
      }
      case R_ALL:
      case R_ANY:
        e->i[o] = op == R_ALL;
        for (int64_t k = 0; k < n_red; k++)
          if ((a[k] != 0) == (op == R_ANY)) e->i[o] = op == R_ANY;
        break;
      case R_LSE:
        m = 0;
        for (int64_t k = 0; k < n_red; k++) m += expl(a[k]);
        e->d[o] = (double)logl(m);
        break;
    }
  }
  free(v);
  free(iv);
  free(cnt);
}

R_HELPER void r_expect_free(r_expect *e) {
  free(e->d);
  free(e->i);
  free(e->idx);
}

/* Compare a result with the expectation; one failure line at most per call. */
R_HELPER bool r_compare(const tg_array *got, const tg_array *x, uint64_t mask, bool keep, int op,
                      const r_expect *e, bool index_output, const char *what) {
  th_checks++;
  tg_dtype want = index_output ? TG_INT64 : r_want_dtype(op, tg_array_dtype(x));
  int64_t shape[TG_MAX_NDIM];
  int nd = 0;
  for (int d = 0; d < tg_array_ndim(x); d++) {
    if (!((mask >> d) & 1)) shape[nd++] = tg_array_shape(x)[d];
    else if (keep) shape[nd++] = 1;
  }
  if (tg_array_dtype(got) != want || tg_array_ndim(got) != nd ||
      memcmp(tg_array_shape(got), shape, sizeof(int64_t) * (size_t)nd) != 0) {
    TH_FAIL("%s: got a %s array of rank %d, want %s of rank %d", what,
            tg_dtype_name(tg_array_dtype(got)), tg_array_ndim(got), tg_dtype_name(want), nd);
    return false;
  }
  bool fl = want == TG_FLOAT32 || want == TG_FLOAT64;
  double rtol = want == TG_FLOAT32 ? 2e-6 : 1e-12;
  for (int64_t o = 0; o < e->n_out; o++) {
    if (index_output || !fl) {
      int64_t g = tg_array_get_i64(got, o), w = index_output ? e->idx[o] : e->i[o];
      if (g != w) {
        TH_FAIL("%s: element %lld is %lld, want %lld", what, (long long)o, (long long)g,
                (long long)w);
        return false;
      }
    } else {
      double g = tg_array_get_f64(got, o), w = e->d[o];
      if (want == TG_FLOAT32) w = (double)(float)w;
      bool ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= rtol * (1 + fabs(w));
      if (!ok) {
        TH_FAIL("%s: element %lld is %.17g, want %.17g", what, (long long)o, g, w);
        return false;
      }
    }
  }
  return true;
}

#endif
