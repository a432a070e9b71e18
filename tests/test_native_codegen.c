/* test_native_codegen.c: the native backend's generated kernels against the reference
   backend. Each case compiles the same graph twice (linker=native and linker=ref) and
   compares the results: integers, bools and correctly rounded float ops bit for bit,
   float transcendentals within 4 ulp (float32; 8 for float64, two approximations of the
   same exact value), NaN where the reference has NaN, and the sign of every zero. Covered:
   every scalar op of scalar_ops.def over every dtype it accepts, special values,
   broadcasting, transposed and negative-stride inputs, sizes 0 and 1, caller outputs that
   are strided views, several outputs, each fused reduction kind over several axes, a
   hostile variable name. Reductions are in test_native_codegen_reduce.c.
   Without a C compiler every function falls back to the reference: the comparisons still
   run (and must agree), and the checks that kernels exist are reported as skipped. */
#include <stdint.h>

#include "backend/cpu/codegen.h"
#include "backend/cpu/native.h"
#include "harness.h"
#include "ops/elemwise.h"
#include "test_native_util.h"

/* The special values every float op meets. */
static const double fvals[] = {0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.25, -100.0, 1e-3,
                               1e-30, 1e30, 88.5, -745.0, 0.75, 2.0, INFINITY, -INFINITY, NAN};
static const int64_t ivals[] = {0, 1, -1, 2, -3, 7, 127, -128, 100, 255, -7, 63, 64, 3};
enum { NF = sizeof fvals / sizeof *fvals, NI = sizeof ivals / sizeof *ivals };

/* An array of n values of dtype dt taken cyclically from the table (j-th pattern). */
static tg_array *values(tg_dtype dt, int64_t n, int pattern) {
  tg_array *a = tg_array_empty(dt, 1, &n);
  for (int64_t i = 0; i < n; i++) {
    char *p = (char *)tg_array_data(a) + i * tg_dtype_size(dt);
    if (tg_dtype_is_float(dt)) {
      int64_t k = pattern == 0 ? i % NF : (i / NF) % NF;
      tgi_store_f64(p, dt, fvals[k]);
    } else {
      int64_t k = pattern == 0 ? i % NI : (i / NI) % NI;
      tgi_store_i64(p, dt, ivals[k]);
    }
  }
  return a;
}

/* Ops whose native version approximates (tg_vmath.h) rather than rounds correctly. */
static bool approximate(int code) {
  switch (code) {
    case TGS_exp: case TGS_exp2: case TGS_expm1: case TGS_log: case TGS_log2: case TGS_log10:
    case TGS_log1p: case TGS_tanh: case TGS_sigmoid: case TGS_softplus: case TGS_erf:
    case TGS_erfc: case TGS_sin: case TGS_cos: case TGS_pow:
      return true;
    default:
      return false;
  }
}

/* Whether op code accepts operands of dtype dt (the type rules of elemwise.c). */
static bool tn_accepts(int code, tg_dtype dt) {
  bool f = tg_dtype_is_float(dt);
  switch (tgi_scalar_ops[code].rule) {
    case R_NOBOOL: return dt != TG_BOOL;
    case R_BITWISE: return !f && !(code == TGS_invert && dt == TG_BOOL);
    case R_SHIFT: return !f && dt != TG_BOOL;
    default: return true;
  }
}

static const tg_dtype all_dt[] = {TG_BOOL, TG_INT8, TG_INT16, TG_INT32, TG_INT64, TG_UINT8,
                                  TG_FLOAT32, TG_FLOAT64};

/* Every scalar op, every input dtype it accepts (all operands the same dtype; switch's
   condition a bool), every pair of special values: native == reference. One function per
   dtype holds every op (so one compile), fused into kernels of many outputs. */
TEST(every_scalar_op_every_dtype) {
  int tried = 0, native = 0, functions = 0;
  for (size_t di = 0; di < sizeof all_dt / sizeof *all_dt; di++) {
    tg_dtype dt = all_dt[di];
    tg_graph *g = tg_graph_new();
    tg_var *v[4] = {tg_vector(g, "x0", dt), tg_vector(g, "x1", dt), tg_vector(g, "x2", dt),
                    tg_vector(g, "cond", TG_BOOL)};
    tg_var *outs[TGS_COUNT];
    int tols[TGS_COUNT], no = 0;
    const char *what[TGS_COUNT];
    static char names[TGS_COUNT][64];
    for (int code = 0; code < TGS_COUNT; code++) {
      const tgi_scalar_info *s = &tgi_scalar_ops[code];
      if (code == TGS_cast || !tn_accepts(code, dt)) continue;
      tg_var *args[3] = {v[0], v[1], v[2]};
      if (code == TGS_switch) args[0] = v[3], args[1] = v[0], args[2] = v[1];
      tg_var *y = tg_elemwise(s->name, s->arity, args);
      if (!y) {
        TH_FAIL("%s(%s): %s", s->name, tg_dtype_name(dt), tg_graph_error(g));
        break;
      }
      outs[no] = y;
      tols[no] = !approximate(code) ? 0 : dt == TG_FLOAT32 || tg_dtype_size(dt) < 4 ? 4 : 8;
      snprintf(names[no], sizeof names[no], "%s(%s)", s->name, tg_dtype_name(dt));
      what[no] = names[no];
      no++;
    }
    int64_t n = (int64_t)(tg_dtype_is_float(dt) ? NF * NF : NI * NI);
    tg_array *in[4] = {values(dt, n, 0), values(dt, n, 1), values(dt, n, 0), values(TG_BOOL, n, 1)};
    native += tn_compare_tols(g, 4, v, no, outs, in, tols, 0, what);
    tried += no;
    functions++;
    for (int a = 0; a < 4; a++) tg_array_unref(in[a]);
    tg_graph_free(g);
  }
  CHECK(tried > 300);
  if (!tn_have_cc()) SKIP("no C compiler: only the reference ran");
  CHECK(native == functions);
}

/* Every conversion between dtypes, including float -> int of NaN, inf and out of range
   values (0, saturation, then wrapping, as the reference defines them). */
TEST(cast_every_pair) {
  enum { ND = sizeof all_dt / sizeof *all_dt };
  for (size_t i = 0; i < ND; i++) {
    tg_graph *g = tg_graph_new();
    tg_var *x = tg_vector(g, "x", all_dt[i]), *y[ND];
    static char names[ND][64];
    const char *what[ND];
    for (size_t j = 0; j < ND; j++) {
      y[j] = tg_cast(all_dt[i] == TG_BOOL ? x : tg_mul(x, x), all_dt[j]);
      snprintf(names[j], sizeof names[j], "cast %s -> %s", tg_dtype_name(all_dt[i]), tg_dtype_name(all_dt[j]));
      what[j] = names[j];
    }
    tg_array *in = values(all_dt[i], tg_dtype_is_float(all_dt[i]) ? NF : NI, 0);
    if (!y[ND - 1]) TH_FAIL("%s: %s", what[0], tg_graph_error(g));
    else tn_compare_tols(g, 1, &x, ND, y, &in, (const int[ND]){0}, 0, what);
    tg_array_unref(in);
    tg_graph_free(g);
  }
}

/* The W2 expression on float32: fused into one kernel, within 4 ulp of the reference. */
TEST(fused_chain_float32) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_FLOAT32), *b = tg_vector(g, "b", TG_FLOAT32),
         *c = tg_vector(g, "c", TG_FLOAT32);
  tg_var *y = tg_sub(tg_add(tg_mul(a, b), tg_exp(c)), tg_mul(tg_tanh(a), tg_const_f64(g, 0.5)));
  int64_t n = 300001; /* several chunks over the pool, and a tail */
  tg_array *in[3];
  for (int k = 0; k < 3; k++) {
    in[k] = tg_array_empty(TG_FLOAT32, 1, &n);
    float *p = tg_array_data(in[k]);
    for (int64_t i = 0; i < n; i++) p[i] = (float)(4.0 * sin(0.001 * (double)i * (k + 1)));
  }
  tg_var *v[3] = {a, b, c};
  /* the sum cancels: each op is within 4 ulp, so the result is within a few ulp of its
     largest term (up to e^4), not of itself: compare relative to 1 + |reference| */
  tn_compare(g, 3, v, 1, &y, in, -4, "a*b + exp(c) - tanh(a)*0.5");
  /* and against a hand computation in double */
  tg_function *f = tn_compile(g, 3, v, 1, &y, "native");
  tg_array *out = NULL;
  CHECK_STATUS(tg_function_call(f, in, &out), TG_OK);
  const float *o = tg_array_data(out), *pa = tg_array_data(in[0]), *pb = tg_array_data(in[1]),
              *pc = tg_array_data(in[2]);
  double worst = 0;
  for (int64_t i = 0; i < n; i++) {
    double r = (double)pa[i] * pb[i] + exp(pc[i]) - tanh(pa[i]) * 0.5;
    double e = fabs(o[i] - r) / (fabs(pa[i] * pb[i]) + exp(pc[i]) + 1);
    if (e > worst) worst = e;
  }
  CHECK(worst < 1e-6);
  if (tn_have_cc()) CHECK(tn_kernels(f) == 1);
  tg_array_unref(out);
  tg_function_free(f);
  for (int k = 0; k < 3; k++) tg_array_unref(in[k]);
  tg_graph_free(g);
}

/* Broadcasting (row, column, scalar), a transposed input and a negative-stride one: the
   strided path. */
TEST(broadcast_transposed_negative_strides) {
  for (int dti = 0; dti < 2; dti++) {
    tg_dtype dt = dti ? TG_FLOAT64 : TG_INT32;
    tg_graph *g = tg_graph_new();
    tg_var *m = tg_matrix(g, "m", dt), *r = tg_tensor(g, "r", dt, 2, (int64_t[]){1, -1}),
           *c = tg_tensor(g, "c", dt, 2, (int64_t[]){-1, 1}), *s = tg_scalar(g, "s", dt);
    tg_var *y = tg_add(tg_mul(tg_sub(m, r), c), tg_mul(s, m));
    tg_var *v[4] = {m, r, c, s};
    int64_t sh[2] = {37, 41};
    tg_array *base = tg_array_empty(dt, 2, (int64_t[]){41, 37});
    for (int64_t i = 0; i < base->size; i++)
      tgi_store_i64(base->data + i * tg_dtype_size(dt), dt, (i * 7919) % 23 - 11);
    tg_array *mt = tg_array_transpose(base); /* 37 x 41, not contiguous */
    tg_array *rr = tg_array_empty(dt, 2, (int64_t[]){1, 82});
    for (int64_t i = 0; i < 82; i++) tgi_store_i64(rr->data + i * tg_dtype_size(dt), dt, i % 5 - 2);
    tg_array *rv = tg_array_slice(rr, 1, 81, -83, -2); /* 41 elements, negative stride */
    tg_array *cc = tg_array_empty(dt, 2, (int64_t[]){sh[0], 1});
    for (int64_t i = 0; i < sh[0]; i++) tgi_store_i64(cc->data + i * tg_dtype_size(dt), dt, i % 3 + 1);
    tg_array *ss = tg_array_empty(dt, 0, NULL);
    tgi_store_i64(ss->data, dt, 3);
    CHECK(rv && rv->shape[1] == 41);
    tg_array *in[4] = {mt, rv, cc, ss};
    tn_compare(g, 4, v, 1, &y, in, 0, "broadcast/strided");
    /* by hand, one element */
    tg_function *f = tn_compile(g, 4, v, 1, &y, "native");
    tg_array *out = NULL;
    CHECK_STATUS(tg_function_call(f, in, &out), TG_OK);
    int64_t i = 5, j = 7;
    double mv = (double)((j * 37 + i) * 7919 % 23 - 11), rvv = (double)((81 - 2 * j) % 5 - 2);
    double want = (mv - rvv) * (double)(i % 3 + 1) + 3 * mv;
    CHECK_CLOSE(tg_array_get_f64(out, i * 41 + j), want, 0, 0);
    tg_array_unref(out);
    tg_function_free(f);
    tg_array_unref(mt), tg_array_unref(base), tg_array_unref(rv), tg_array_unref(rr);
    tg_array_unref(cc), tg_array_unref(ss);
    tg_graph_free(g);
  }
}

/* The strided path goes through the contiguous kernel tile by tile: rows long enough that
   tiles stop at row ends (a broadcast row read in place, a transposed input gathered), and
   rows so short that tiles span many of them, for item sizes 1, 2, 4 and 8. */
TEST(tiles_long_and_short_runs) {
  static const tg_dtype dts[] = {TG_INT8, TG_INT16, TG_FLOAT32, TG_FLOAT64};
  static const int64_t widths[] = {2500, 3};
  for (int di = 0; di < 4; di++)
    for (int wi = 0; wi < 2; wi++) {
      tg_dtype dt = dts[di];
      int64_t w = widths[wi], h = wi ? 3001 : 5;
      tg_graph *g = tg_graph_new();
      tg_var *m = tg_matrix(g, "m", dt), *r = tg_tensor(g, "r", dt, 2, (int64_t[]){1, -1}),
             *t = tg_matrix(g, "t", dt);
      tg_var *y = tg_add(tg_mul(m, r), t);
      tg_var *v[3] = {m, r, t};
      tg_array *ma = tg_array_empty(dt, 2, (int64_t[]){h, w});
      tg_array *ra = tg_array_empty(dt, 2, (int64_t[]){1, w});
      tg_array *tb = tg_array_empty(dt, 2, (int64_t[]){w, h});
      int64_t es = tg_dtype_size(dt);
      for (int64_t i = 0; i < ma->size; i++) tgi_store_i64(ma->data + i * es, dt, (i * 31) % 11 - 5);
      for (int64_t i = 0; i < ra->size; i++) tgi_store_i64(ra->data + i * es, dt, i % 7 - 3);
      for (int64_t i = 0; i < tb->size; i++) tgi_store_i64(tb->data + i * es, dt, (i * 13) % 9 - 4);
      tg_array *ta = tg_array_transpose(tb); /* h x w, strided */
      tg_array *in[3] = {ma, ra, ta};
      tn_compare(g, 3, v, 1, &y, in, 0, "tiles");
      tg_function *f = tn_compile(g, 3, v, 1, &y, "native");
      tg_array *out = NULL;
      CHECK_STATUS(tg_function_call(f, in, &out), TG_OK);
      int64_t i = h - 1, j = w - 1; /* the last element, by hand */
      double want = (double)(((i * w + j) * 31) % 11 - 5) * (double)(j % 7 - 3) +
                    (double)(((j * h + i) * 13) % 9 - 4);
      CHECK(out && tg_array_get_f64(out, i * w + j) == want);
      if (tn_have_cc()) CHECK(tn_kernels(f) >= 1);
      tg_array_unref(out);
      tg_function_free(f);
      tg_array_unref(ma), tg_array_unref(ra), tg_array_unref(tb), tg_array_unref(ta);
      tg_graph_free(g);
    }
}

/* Sizes 0 and 1, and a 0-d computation. */
TEST(sizes_zero_and_one) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT32), *b = tg_matrix(g, "b", TG_FLOAT32);
  tg_var *y = tg_add(tg_exp(a), tg_mul(a, b));
  tg_var *v[2] = {a, b};
  int64_t shapes[3][2] = {{0, 5}, {1, 1}, {3, 0}};
  for (int k = 0; k < 3; k++) {
    tg_array *x = tg_array_zeros(TG_FLOAT32, 2, shapes[k]), *z = tg_array_zeros(TG_FLOAT32, 2, shapes[k]);
    if (x->size) ((float *)x->data)[0] = 1.5f, ((float *)z->data)[0] = 2.0f;
    tg_array *in[2] = {x, z};
    tn_compare(g, 2, v, 1, &y, in, 4, "size 0/1");
    tg_array_unref(x), tg_array_unref(z);
  }
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_var *ys = tg_sqrt(tg_add(tg_mul(s, s), tg_const_f64(g, 1.0)));
  tg_array *sv = tg_array_from_f64(0, NULL, (double[]){3.0});
  tn_compare(g, 1, &s, 1, &ys, &sv, 0, "0-d");
  tg_array_unref(sv);
  tg_graph_free(g);
}

/* tg_function_call_into a strided view (every other column of a bigger array), and two
   outputs from one fused kernel. */
TEST(call_into_strided_two_outputs) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_matrix(g, "a", TG_FLOAT64), *b = tg_matrix(g, "b", TG_FLOAT64);
  tg_var *p = tg_mul(a, b);
  tg_var *y[2] = {tg_add(p, tg_exp(a)), tg_sub(p, b)};
  tg_var *v[2] = {a, b};
  int64_t sh[2] = {20, 30};
  tg_array *x = tg_array_empty(TG_FLOAT64, 2, sh), *z = tg_array_empty(TG_FLOAT64, 2, sh);
  for (int64_t i = 0; i < 600; i++) ((double *)x->data)[i] = 0.01 * (double)i, ((double *)z->data)[i] = 2.0 - 0.003 * (double)i;
  tg_array *in[2] = {x, z};
  tn_compare(g, 2, v, 2, y, in, 8, "two outputs");
  tg_function *f = tn_compile(g, 2, v, 2, y, "native");
  tg_array *big = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){20, 60});
  tg_array *view = tg_array_slice(big, 1, 0, 60, 2);
  tg_array *o2 = tg_array_zeros(TG_FLOAT64, 2, sh);
  CHECK_STATUS(tg_function_call_into(f, in, (tg_array *[]){view, o2}), TG_OK);
  for (int64_t i = 0; i < 20; i++)
    for (int64_t j = 0; j < 30; j++) {
      double av = 0.01 * (double)(i * 30 + j), bv = 2.0 - 0.003 * (double)(i * 30 + j);
      CHECK_CLOSE(((double *)big->data)[i * 60 + 2 * j], av * bv + exp(av), 1e-15, 0);
      CHECK(((double *)big->data)[i * 60 + 2 * j + 1] == 0); /* untouched */
      CHECK(((double *)o2->data)[i * 30 + j] == av * bv - bv);
    }
  if (tn_have_cc()) CHECK(tn_kernels(f) >= 1);
  tg_array_unref(view), tg_array_unref(big), tg_array_unref(o2);
  tg_array_unref(x), tg_array_unref(z);
  tg_function_free(f);
  tg_graph_free(g);
}

/* A variable whose name would end a C comment and call system() if it reached the
   source: it does not (identifiers are generated), and the function computes. */
TEST(hostile_variable_name) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x*/ system(\"rm -rf /\"); /*", TG_FLOAT64);
  tg_var *y = tg_add(tg_mul(x, x), tg_const_f64(g, 1.0));
  tg_function *f = tn_compile(g, 1, &x, 1, &y, "native");
  CHECK(f != NULL);
  tg_array *in = tg_array_from_f64(1, (int64_t[]){3}, (double[]){1, 2, 3}), *out = NULL;
  CHECK_STATUS(tg_function_call(f, &in, &out), TG_OK);
  CHECK(tg_array_get_f64(out, 0) == 2 && tg_array_get_f64(out, 1) == 5 && tg_array_get_f64(out, 2) == 10);
  if (tn_have_cc()) CHECK(tn_kernels(f) == 1);
  tg_array_unref(in), tg_array_unref(out);
  tg_function_free(f);
  tg_graph_free(g);
}
