/* test_native_codegen_reduce.c: native FusedReduce kernels (an elementwise program feeding
   sum, prod, mean, max, min, all or any in one pass) against the reference backend, over
   several dtypes, axes, keepdims, contiguous and transposed inputs, NaNs, and sizes that
   span several blocks of the parallel path; float sums within a small relative tolerance
   (the summation order differs, both accumulate in double), everything else exactly.
   Also: results that do not depend on the thread count (native_codegen_threads.sh runs the
   `thread_bits` case under two thread counts and compares the files it writes). */
#include <stdint.h>

#include "harness.h"
#include "ops/reduce_impl.h"
#include "test_native_util.h"

typedef tg_var *(*red_fn)(tg_var *x, int n_axes, const int *axes, bool keepdims);

static const struct {
  const char *name;
  red_fn fn;
  int kind;
} kinds[] = {{"sum", tg_sum, TGR_SUM}, {"prod", tg_prod, TGR_PROD}, {"mean", tg_mean, TGR_MEAN},
             {"max", tg_max, TGR_MAX}, {"min", tg_min, TGR_MIN}, {"all", tg_all, TGR_ALL},
             {"any", tg_any, TGR_ANY}};

/* A 3-d array with a deterministic pattern (some NaNs for floats when nan is set). */
static tg_array *pattern(tg_dtype dt, const int64_t *sh, bool nan) {
  tg_array *a = tg_array_empty(dt, 3, sh);
  for (int64_t i = 0; i < a->size; i++) {
    char *p = a->data + i * tg_dtype_size(dt);
    if (tg_dtype_is_float(dt)) {
      double v = (double)((i * 37) % 101) / 50.0 - 1.0 + 1.0 / 64;
      if (nan && i % 97 == 13) v = NAN;
      tgi_store_f64(p, dt, v);
    } else {
      tgi_store_i64(p, dt, (i * 37) % 11 - (dt == TG_BOOL ? 0 : 4));
    }
  }
  return a;
}

/* One function per dtype and layout holds every kind x axes x keepdims (each reduction fed
   by its own elementwise expression, so each fuses), compared output by output. */
TEST(every_kind_axes_dtypes) {
  static const tg_dtype dts[] = {TG_FLOAT32, TG_FLOAT64, TG_INT32, TG_INT64, TG_BOOL, TG_UINT8};
  static const int axes_sets[][3] = {{-1}, {0}, {1}, {2}, {0, 2}, {1, 2}};
  static const int axes_n[] = {-1, 1, 1, 1, 2, 2};
  enum { NK = sizeof kinds / sizeof *kinds, NA = sizeof axes_n / sizeof *axes_n, NO = NK * NA * 2 };
  int64_t sh[3] = {7, 33, 45};
  int native = 0, tried = 0;
  for (size_t d = 0; d < sizeof dts / sizeof *dts; d++)
    for (int layout = 0; layout < 2; layout++) {
      tg_dtype dt = dts[d];
      tg_graph *g = tg_graph_new();
      tg_var *x = tg_tensor(g, "x", dt, 3, NULL), *y = tg_tensor(g, "y", dt, 3, NULL);
      tg_var *r[NO];
      int tols[NO], no = 0;
      static char names[NO][96];
      const char *what[NO];
      for (size_t k = 0; k < NK; k++)
        for (size_t ax = 0; ax < NA; ax++)
          for (int keep = 0; keep < 2; keep++, no++) {
            double c = 0.25 + 0.125 * (double)no; /* a different program per reduction */
            tg_var *e = tg_dtype_is_float(dt) ? tg_sub(tg_mul(x, y), tg_mul(y, tg_const_f64(g, c)))
                        : dt == TG_BOOL ? tg_logical_xor(x, y)
                                        : tg_sub(tg_mul(x, y), tg_mul(y, tg_const_i64(g, no % 5)));
            r[no] = kinds[k].fn(e, axes_n[ax], axes_n[ax] < 0 ? NULL : axes_sets[ax], keep);
            /* float sums and products: the order of additions differs (both in double) */
            tols[no] = tg_dtype_is_float(dt) && kinds[k].kind != TGR_MAX && kinds[k].kind != TGR_MIN ? -12 : 0;
            snprintf(names[no], sizeof names[no], "%s(%s, axes %zu, keep %d, layout %d)",
                     kinds[k].name, tg_dtype_name(dt), ax, keep, layout);
            what[no] = names[no];
          }
      if (!r[NO - 1]) {
        TH_FAIL("%s: %s", what[0], tg_graph_error(g));
        tg_graph_free(g);
        continue;
      }
      tg_array *a = pattern(dt, sh, layout == 1), *b = pattern(dt, sh, false); /* NaNs: layout 1 */
      if (layout) { /* y as a transposed view of a (45, 33, 7) array */
        tg_array_unref(b);
        tg_array *bb = pattern(dt, (int64_t[]){45, 33, 7}, false);
        int64_t z = tg_dtype_size(dt);
        b = tg_array_view(bb, 3, sh, (int64_t[]){z, 7 * z, 7 * 33 * z}, 0);
        tg_array_unref(bb);
      }
      tg_var *v[2] = {x, y};
      tg_array *in[2] = {a, b};
      native += tn_compare_tols(g, 2, v, NO, r, in, tols, 0, what);
      tried++;
      tg_array_unref(a), tg_array_unref(b);
      tg_graph_free(g);
    }
  if (!tn_have_cc()) SKIP("no C compiler: only the reference ran");
  CHECK(native == tried);
}

/* sum((a - b)**2) over 2^20 + 3 float32 values (many blocks, threads): close to a double
   sum, and to the reference. */
TEST(sumsq_large) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT32), *b = tg_vector(g, "b", TG_FLOAT32);
  tg_var *s = tg_sum(tg_sqr(tg_sub(a, b)), TG_ALL_AXES, false);
  int64_t n = (1 << 20) + 3;
  tg_array *x = tg_array_empty(TG_FLOAT32, 1, &n), *y = tg_array_empty(TG_FLOAT32, 1, &n);
  double want = 0;
  for (int64_t i = 0; i < n; i++) {
    float p = (float)sin((double)i), q = (float)cos(0.5 * (double)i);
    ((float *)x->data)[i] = p, ((float *)y->data)[i] = q;
    float d = p - q;
    want += (double)(d * d);
  }
  tg_var *v[2] = {a, b};
  tg_array *in[2] = {x, y};
  tn_compare(g, 2, v, 1, &s, in, 1, "sumsq");
  tg_function *f = tn_compile(g, 2, v, 1, &s, "native");
  tg_array *o = NULL;
  CHECK_STATUS(tg_function_call(f, in, &o), TG_OK);
  CHECK_CLOSE(tg_array_get_f64(o, 0), want, 1e-7, 0);
  if (tn_have_cc()) CHECK(tn_kernels(f) == 1);
  tg_array_unref(o), tg_array_unref(x), tg_array_unref(y);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Row sums and column sums of a large float32 matrix, into a strided caller output. */
TEST(rows_and_columns_into_strided) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *r[2] = {tg_sum(tg_exp(m), TG_AXES(1), false), tg_max(tg_neg(m), TG_AXES(0), false)};
  int64_t sh[2] = {300, 70000};
  tg_array *x = tg_array_empty(TG_FLOAT64, 2, sh);
  for (int64_t i = 0; i < x->size; i++) ((double *)x->data)[i] = (double)(i % 1000) / 1000.0;
  tn_compare(g, 1, &m, 2, r, &x, -12, "rows/cols");
  tg_function *f = tn_compile(g, 1, &m, 2, r, "native");
  tg_array *big = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){600});
  tg_array *view = tg_array_slice(big, 0, 1, 600, 2);
  tg_array *o1 = tg_array_empty(TG_FLOAT64, 1, (int64_t[]){70000});
  CHECK_STATUS(tg_function_call_into(f, &x, (tg_array *[]){view, o1}), TG_OK);
  double want = 0;
  for (int64_t j = 0; j < 70000; j++) want += exp((double)((5 * 70000 + j) % 1000) / 1000.0);
  CHECK_CLOSE(((double *)big->data)[11], want, 1e-12, 0);
  CHECK(((double *)big->data)[10] == 0);
  CHECK(tg_array_get_f64(o1, 3) == -(double)(3 % 1000) / 1000.0);
  tg_array_unref(big), tg_array_unref(view), tg_array_unref(o1), tg_array_unref(x);
  tg_function_free(f);
  tg_graph_free(g);
}

/* Writes the bits of a few large results to $TG_CG_BITS (when set), for the shell test
   that compares them across thread counts; by itself it checks the results against the
   reference. */
TEST(thread_bits) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT32), *b = tg_vector(g, "b", TG_FLOAT32);
  tg_var *out[3] = {tg_sum(tg_mul(a, b), TG_ALL_AXES, false), tg_mean(tg_exp(a), TG_ALL_AXES, false),
                    tg_add(tg_tanh(a), b)};
  int64_t n = 3000017;
  tg_array *x = tg_array_empty(TG_FLOAT32, 1, &n), *y = tg_array_empty(TG_FLOAT32, 1, &n);
  for (int64_t i = 0; i < n; i++)
    ((float *)x->data)[i] = (float)sin(0.37 * (double)i), ((float *)y->data)[i] = (float)(1e-3 * (double)(i % 1777));
  tg_var *v[2] = {a, b};
  tg_array *in[2] = {x, y};
  /* a long float32 sum (double accumulators, another order), a mean of exp, and tanh(a) + b
     whose terms cancel: relative to the terms */
  tn_compare(g, 2, v, 3, out, in, -6, "thread_bits");
  tg_function *f = tn_compile(g, 2, v, 3, out, "native");
  tg_array *o[3] = {0};
  CHECK_STATUS(tg_function_call(f, in, o), TG_OK);
  const char *path = getenv("TG_CG_BITS");
  if (path && o[2]) {
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
      for (int k = 0; k < 3; k++) fwrite(o[k]->data, (size_t)tg_dtype_size(o[k]->dtype), (size_t)o[k]->size, fp);
      fclose(fp);
    }
  }
  for (int k = 0; k < 3; k++) tg_array_unref(o[k]);
  tg_array_unref(x), tg_array_unref(y);
  tg_function_free(f);
  tg_graph_free(g);
}
