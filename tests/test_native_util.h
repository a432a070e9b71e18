/* test_native_util.h: helpers of the native backend's tests: compile a graph with a given
   linker, count the instructions that got native kernels, and compare the native result
   of a graph with the reference one (bits, or ulps for approximated float ops). */
#ifndef TG_TEST_NATIVE_UTIL_H
#define TG_TEST_NATIVE_UTIL_H

#include <stdint.h>

#include "backend/cpu/native.h"
#include "compile/function_impl.h"
#include "harness.h"

static tg_function *tn_compile(tg_graph *g, int ni, tg_var **in, int no, tg_var **out,
                               const char *linker) {
  tg_options *o = tg_options_new();
  tg_options_set(o, "linker", linker);
  tg_options_set(o, "on_unused_input", "ignore");
  tg_function *f = tg_function_new(g, ni, in, no, out, o);
  tg_options_free(o);
  if (!f) TH_FAIL("compile (%s): %s", linker, tg_graph_error(g));
  return f;
}

/* Instructions running generated code. */
static int tn_kernels(const tg_function *f) {
  int n = 0;
  for (int i = 0; f && i < f->n_instr; i++) n += f->code[i].kernel != NULL;
  return n;
}

static bool tn_have_cc(void) {
  tgi_err why = {TG_OK, ""};
  return tgi_native_compiler(&why) != NULL;
}

/* Distance in ulps between two floats of dtype dt (both finite or equal). */
static int64_t tn_ulps(double x, double y, tg_dtype dt) {
  if (dt == TG_FLOAT32) {
    float fx = (float)x, fy = (float)y;
    int32_t a, b;
    memcpy(&a, &fx, 4), memcpy(&b, &fy, 4);
    int64_t ia = a < 0 ? (int64_t)INT32_MIN - a : a, ib = b < 0 ? (int64_t)INT32_MIN - b : b;
    return ia > ib ? ia - ib : ib - ia;
  }
  int64_t a, b;
  memcpy(&a, &x, 8), memcpy(&b, &y, 8);
  int64_t ia = a < 0 ? INT64_MIN - a : a, ib = b < 0 ? INT64_MIN - b : b; /* same sign: no overflow */
  return ia > ib ? ia - ib : ib - ia;
}

/* Element i of a as double / int64 (C order over any strides). */
static const char *tn_elem(const tg_array *a, int64_t i) {
  const char *p = a->data;
  for (int d = a->ndim - 1; d >= 0; d--) {
    p += (i % a->shape[d]) * a->strides[d];
    i /= a->shape[d];
  }
  return p;
}

/* Compare x (native) with y (reference): ints exactly, floats within tol ulps (tol < 0:
   within 10^tol relative to 1 + |reference|, for sums whose terms cancel), NaN with NaN,
   infinities and zeros with their sign. Returns the mismatches, reporting the first. */
static int64_t tn_same(const tg_array *x, const tg_array *y, int tol, const char *what) {
  if (x->dtype != y->dtype || x->ndim != y->ndim || x->size != y->size) {
    TH_FAIL("%s: result is %s rank %d size %lld, reference %s rank %d size %lld", what,
            tg_dtype_name(x->dtype), x->ndim, (long long)x->size, tg_dtype_name(y->dtype),
            y->ndim, (long long)y->size);
    return 1;
  }
  int64_t bad = 0;
  for (int64_t i = 0; i < x->size; i++) {
    const char *px = tn_elem(x, i), *py = tn_elem(y, i);
    bool ok;
    double a = 0, b = 0;
    if (tg_dtype_is_float(x->dtype)) {
      a = tgi_load_f64(px, x->dtype), b = tgi_load_f64(py, y->dtype);
      if (isnan(b) || isnan(a)) ok = isnan(a) && isnan(b);
      else if (isinf(b) || isinf(a)) ok = a == b;
      else if (tol < 0) ok = fabs(a - b) <= pow(10, tol) * (1 + fabs(b)); /* sums: 10^tol */
      else if (b == 0 || tol == 0) ok = a == b && signbit(a) == signbit(b);
      else ok = !isinf(a) && signbit(a) == signbit(b) && tn_ulps(a, b, x->dtype) <= tol;
    } else {
      a = (double)tgi_load_i64(px, x->dtype), b = (double)tgi_load_i64(py, y->dtype);
      ok = tgi_load_i64(px, x->dtype) == tgi_load_i64(py, y->dtype);
    }
    if (!ok && bad++ == 0)
      TH_FAIL("%s: element %lld: native %.17g, reference %.17g (%s)", what, (long long)i, a, b,
              tg_dtype_name(x->dtype));
  }
  th_checks++;
  return bad;
}

/* Compile with both linkers, call both, compare output o within tols[o] ulps (tols NULL:
   tol for all). Returns 1 when the native function ran generated code. */
static int tn_compare_tols(tg_graph *g, int ni, tg_var **in, int no, tg_var **out,
                           tg_array **args, const int *tols, int tol, const char *const *what) {
  tg_function *fn = tn_compile(g, ni, in, no, out, "native");
  tg_function *fr = tn_compile(g, ni, in, no, out, "ref");
  int native = 0;
  tg_array **on = calloc((size_t)no, sizeof *on), **orf = calloc((size_t)no, sizeof *orf);
  if (fn && fr && on && orf) {
    tg_status a = tg_function_call(fn, args, on), b = tg_function_call(fr, args, orf);
    if (a != b) TH_FAIL("%s: native status %d (%s), reference %d (%s)", what[0], a,
                        tg_function_error(fn), b, tg_function_error(fr));
    else if (a == TG_OK)
      for (int o = 0; o < no; o++) tn_same(on[o], orf[o], tols ? tols[o] : tol, what[tols ? o : 0]);
    for (int o = 0; o < no; o++) tg_array_unref(on[o]), tg_array_unref(orf[o]);
    native = tn_kernels(fn) > 0;
    CHECK(tn_kernels(fr) == 0);
  }
  free(on), free(orf);
  tg_function_free(fn);
  tg_function_free(fr);
  return native;
}

__attribute__((unused)) static int tn_compare(tg_graph *g, int ni, tg_var **in, int no, tg_var **out, tg_array **args,
                      int tol, const char *what) {
  return tn_compare_tols(g, ni, in, no, out, args, NULL, tol, &what);
}

#endif
