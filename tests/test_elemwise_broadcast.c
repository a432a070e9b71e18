/* test_elemwise_broadcast.c: shapes of the elementwise ops under Theano's broadcasting
   (only dims whose static length is 1 broadcast; lower ranks are left-padded with such
   dims): static output types, row + col, lower-rank operands, size-0 and size-1 dims,
   non-contiguous and negative-stride inputs, strided caller outputs, 3-input ops, the
   build-time and run-time shape errors with their messages, and the builder's argument
   errors (bitwise on floats, bool subtract, NULL inputs, mixed graphs, unknown names). */
#include "harness.h"
#include "elemwise_check.h"
#include "ops/elemwise.h"

/* Element of a (read in C order) that broadcasting maps output index idx (rank nd) to. */
static double bget(const tg_array *a, int nd, const int64_t *idx) {
  int an = tg_array_ndim(a);
  int64_t flat = 0;
  for (int d = 0; d < an; d++) {
    int64_t len = tg_array_shape(a)[d], i = idx[nd - an + d];
    flat = flat * len + (len == 1 ? 0 : i);
  }
  return tg_array_get_f64(a, flat);
}

/* Check r == a + b elementwise with broadcasting, over r's shape. */
static void check_add(const tg_array *r, const tg_array *a, const tg_array *b) {
  int nd = tg_array_ndim(r);
  int64_t idx[TG_MAX_NDIM] = {0};
  for (int64_t f = 0; f < tg_array_size(r); f++) {
    int64_t rem = f;
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = rem % tg_array_shape(r)[d];
      rem /= tg_array_shape(r)[d];
    }
    double want = bget(a, nd, idx) + bget(b, nd, idx);
    if (tg_array_get_f64(r, f) != want)
      TH_FAIL("element %lld: %g, want %g", (long long)f, tg_array_get_f64(r, f), want);
    th_checks++;
  }
}

static tg_array *iota(tg_dtype dt, int nd, const int64_t *shape, double start) {
  tg_array *a = tg_array_zeros(dt, nd, shape);
  for (int64_t i = 0; i < tg_array_size(a); i++) tg_array_set_f64(a, i, start + (double)i);
  return a;
}

/* Compile out = a + b for inputs of static shapes sa, sb; run on arrays x, y. */
static tg_array *add_static(int na, const int64_t *sa, int nb, const int64_t *sb, tg_array *x,
                            tg_array *y, tg_status want) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_tensor(g, "A", tg_array_dtype(x), na, sa);
  tg_var *B = tg_tensor(g, "B", tg_array_dtype(y), nb, sb);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_add(A, B)), NULL);
  CHECK(f != NULL);
  tg_array *out[1] = {NULL};
  if (f) {
    CHECK_STATUS(tg_function_call(f, (tg_array *[]){x, y}, out), want);
    snprintf(ew_err, sizeof ew_err, "%s", tg_function_error(f));
  }
  tg_function_free(f);
  tg_graph_free(g);
  return out[0];
}

TEST(static_output_types) {
  tg_graph *g = tg_graph_new();
  tg_var *row = tg_row(g, "r", TG_FLOAT64), *col = tg_col(g, "c", TG_FLOAT64);
  tg_var *rc = tg_add(row, col);
  CHECK(tg_var_ndim(rc) == 2 && tg_var_dim(rc, 0) == -1 && tg_var_dim(rc, 1) == -1);
  tg_var *rr = tg_mul(row, row);
  CHECK(tg_var_dim(rr, 0) == 1 && tg_var_dim(rr, 1) == -1); /* still a row */
  tg_var *k = tg_tensor(g, "k", TG_FLOAT64, 2, (int64_t[]){2, -1});
  tg_var *l = tg_tensor(g, "l", TG_FLOAT64, 2, (int64_t[]){-1, 3});
  tg_var *kl = tg_add(k, l);
  CHECK(tg_var_dim(kl, 0) == 2 && tg_var_dim(kl, 1) == 3);
  tg_var *t3 = tg_tensor3(g, "t", TG_FLOAT32), *s = tg_scalar(g, "s", TG_FLOAT32);
  tg_var *ts = tg_sub(s, t3);
  CHECK(tg_var_ndim(ts) == 3 && tg_var_dim(ts, 2) == -1);
  tg_var *v = tg_vector(g, "v", TG_FLOAT64);
  tg_var *vr = tg_add(v, row); /* (?,) padded to (1, ?) */
  CHECK(tg_var_ndim(vr) == 2 && tg_var_dim(vr, 0) == 1 && tg_var_dim(vr, 1) == -1);
  tg_array *z15 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){1, 5});
  tg_var *c5 = tg_constant(g, z15); /* constants know every dim: (1, 5) */
  tg_array_unref(z15);
  tg_var *cc = tg_add(c5, tg_tensor(g, "o", TG_FLOAT64, 2, (int64_t[]){1, 1}));
  CHECK(tg_var_dim(cc, 0) == 1 && tg_var_dim(cc, 1) == 5);
  tg_var *sw = tg_switch(tg_gt(col, tg_const_f64(g, 0)), row, tg_const_f64(g, 1));
  CHECK(tg_var_ndim(sw) == 2 && tg_var_dim(sw, 0) == -1 && tg_var_dim(sw, 1) == -1);
  CHECK(tg_graph_status(g) == TG_OK);
  tg_graph_free(g);
}

TEST(row_plus_col_and_lower_ranks) {
  tg_array *r = iota(TG_FLOAT64, 2, (int64_t[]){1, 3}, 1), *c = iota(TG_FLOAT64, 2, (int64_t[]){2, 1}, 10);
  tg_array *in[2] = {r, c};
  tg_array *o = ew_run("add", 2, in);
  CHECK(o && tg_array_ndim(o) == 2 && tg_array_shape(o)[0] == 2 && tg_array_shape(o)[1] == 3);
  if (o) check_add(o, r, c);
  tg_array_unref(o);
  /* vector + matrix, scalar + tensor3, tensor3 with a broadcast middle dim */
  tg_array *v = iota(TG_FLOAT64, 1, (int64_t[]){3}, 0.5), *m = iota(TG_FLOAT64, 2, (int64_t[]){4, 3}, 100);
  tg_array *s = ew_scalar(TG_FLOAT64, 7), *t = iota(TG_FLOAT64, 3, (int64_t[]){2, 3, 4}, 0);
  tg_array *mid = iota(TG_FLOAT64, 3, (int64_t[]){2, 1, 4}, -50);
  tg_array *pairs[][2] = {{v, m}, {m, v}, {s, t}, {t, s}, {mid, t}, {s, s}};
  for (int i = 0; i < 6; i++) {
    o = ew_run("add", 2, pairs[i]);
    CHECK(o != NULL);
    if (o) check_add(o, pairs[i][0], pairs[i][1]);
    tg_array_unref(o);
  }
  tg_array *all[] = {r, c, v, m, s, t, mid};
  for (int i = 0; i < 7; i++) tg_array_unref(all[i]);
}

TEST(size_zero_and_size_one) {
  tg_array *e = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){0, 3});
  tg_array *row = iota(TG_FLOAT64, 2, (int64_t[]){1, 3}, 1);
  tg_array *o = ew_run("add", 2, (tg_array *[]){e, row});
  CHECK(o && tg_array_ndim(o) == 2 && tg_array_shape(o)[0] == 0 && tg_array_shape(o)[1] == 3 &&
        tg_array_size(o) == 0);
  tg_array_unref(o);
  tg_array *e2 = tg_array_zeros(TG_INT32, 3, (int64_t[]){2, 0, 4});
  o = ew_run("exp", 1, &e2);
  CHECK(o && tg_array_dtype(o) == TG_FLOAT64 && tg_array_size(o) == 0 && tg_array_shape(o)[1] == 0);
  tg_array_unref(o);
  /* a size-0 dim meets a broadcast dim of 1: the result is empty */
  tg_array *col = iota(TG_FLOAT64, 2, (int64_t[]){2, 1}, 0), *z = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 0});
  o = ew_run("mul", 2, (tg_array *[]){col, z});
  CHECK(o && tg_array_shape(o)[0] == 2 && tg_array_shape(o)[1] == 0);
  tg_array_unref(o);
  /* a size-0 dim meeting a static length-3 dim is a shape error */
  tg_array *z3 = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 3});
  o = ew_run("mul", 2, (tg_array *[]){z, z3});
  CHECK(o == NULL && ew_status == TG_ERR_SHAPE);
  /* all size 1 */
  tg_array *one = iota(TG_FLOAT64, 3, (int64_t[]){1, 1, 1}, 4);
  o = ew_run("mul", 2, (tg_array *[]){one, one});
  CHECK(o && tg_array_ndim(o) == 3 && tg_array_size(o) == 1 && tg_array_get_f64(o, 0) == 16);
  tg_array_unref(o);
  tg_array *all[] = {e, row, e2, col, z, z3, one};
  for (int i = 0; i < 7; i++) tg_array_unref(all[i]);
}

TEST(non_contiguous_inputs) {
  tg_array *base = iota(TG_FLOAT64, 2, (int64_t[]){4, 6}, 0);
  tg_array *tr = tg_array_transpose(base);                        /* (6, 4), strides swapped */
  tg_array *sl = tg_array_slice(base, 1, 0, 6, 2);                /* (4, 3), step 2 */
  tg_array *rev = tg_array_slice(base, 0, -1, -5, -1);            /* (4, 6) reversed rows */
  tg_array *rev2 = tg_array_slice(rev, 1, 5, -7, -2);             /* (4, 3) negative both */
  tg_array *zs = tg_array_view(base, 2, (int64_t[]){4, 3}, (int64_t[]){0, 8}, 8); /* stride 0 */
  CHECK(tr && sl && rev && rev2 && zs && !tg_array_is_contiguous(sl));
  tg_array *m43 = iota(TG_FLOAT64, 2, (int64_t[]){4, 3}, 1000);
  tg_array *m64 = iota(TG_FLOAT64, 2, (int64_t[]){6, 4}, 1000);
  tg_array *m46 = iota(TG_FLOAT64, 2, (int64_t[]){4, 6}, 1000);
  tg_array *pairs[][2] = {{tr, m64}, {sl, m43}, {m43, sl}, {rev, m46}, {rev2, sl}, {zs, rev2},
                          {tr, tr}};
  for (int i = 0; i < 7; i++) {
    tg_array *o = ew_run("add", 2, pairs[i]);
    CHECK(o != NULL);
    if (o) check_add(o, pairs[i][0], pairs[i][1]);
    tg_array_unref(o);
  }
  /* mixed dtypes through the generic loop, strided: int8 slice + float32 reversed */
  tg_array *i8 = tg_array_astype(base, TG_INT8), *f32 = tg_array_astype(base, TG_FLOAT32);
  tg_array *i8s = tg_array_slice(i8, 1, 1, 6, 2), *f32r = tg_array_slice(f32, 1, 5, 0, -2);
  tg_array *o = ew_run("add", 2, (tg_array *[]){i8s, f32r});
  CHECK(o && tg_array_dtype(o) == TG_FLOAT32);
  if (o) check_add(o, i8s, f32r);
  tg_array_unref(o);
  tg_array *all[] = {base, tr, sl, rev, rev2, zs, m43, m64, m46, i8, f32, i8s, f32r};
  for (int i = 0; i < 13; i++) tg_array_unref(all[i]);
}

/* tg_function_call_into writes through the caller's strides (a transposed or stepped view)
   and leaves the storage between its elements alone. */
TEST(strided_caller_output) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *r = tg_row(g, "r", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(A, r), TG_VARS(tg_mul(A, r)), NULL);
  CHECK(f != NULL);
  tg_array *a = iota(TG_FLOAT64, 2, (int64_t[]){2, 3}, 1), *rw = iota(TG_FLOAT64, 2, (int64_t[]){1, 3}, 10);
  tg_array *big = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 2});
  tg_array *outT = tg_array_transpose(big); /* (2, 3) view with strides (8, 16) */
  tg_array *wide = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 6});
  for (int64_t i = 0; i < 12; i++) tg_array_set_f64(wide, i, -1);
  tg_array *outS = tg_array_slice(wide, 1, 5, -7, -2); /* (2, 3), negative step 2 */
  tg_array *outs[] = {outT, outS};
  for (int k = 0; k < 2; k++) {
    CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, rw}, (tg_array *[]){outs[k]}), TG_OK);
    for (int64_t i = 0; i < 6; i++)
      CHECK(tg_array_get_f64(outs[k], i) == tg_array_get_f64(a, i) * (10 + (double)(i % 3)));
  }
  for (int64_t i = 0; i < 12; i += 2) CHECK(tg_array_get_f64(wide, i) == -1); /* gaps kept */
  /* wrong shape or dtype for the caller output */
  tg_array *bad = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 2});
  CHECK(tg_function_call_into(f, (tg_array *[]){a, rw}, (tg_array *[]){bad}) != TG_OK);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(3, 2)");
  tg_array *all[] = {a, rw, big, outT, wide, outS, bad};
  for (int i = 0; i < 7; i++) tg_array_unref(all[i]);
  tg_function_free(f);
  tg_graph_free(g);
}

/* clip and switch broadcast all three operands. */
TEST(three_input_broadcasting) {
  tg_array *x = iota(TG_FLOAT64, 2, (int64_t[]){2, 3}, -2);      /* -2 -1 0 / 1 2 3 */
  tg_array *lo = ew_vec(TG_FLOAT64, 3, (double[]){-1, 0, 1});    /* a vector: (1, 3) */
  tg_array *hi = ew_scalar(TG_FLOAT64, 2);
  tg_array *o = ew_run("clip", 3, (tg_array *[]){x, lo, hi});
  static const double wc[] = {-1, 0, 1, 1, 2, 2};
  CHECK(o && tg_array_size(o) == 6);
  for (int i = 0; o && i < 6; i++) CHECK(tg_array_get_f64(o, i) == wc[i]);
  tg_array_unref(o);
  tg_array *cond = tg_array_zeros(TG_BOOL, 2, (int64_t[]){2, 1});
  tg_array_set_f64(cond, 1, 1);
  tg_array *a = iota(TG_INT16, 2, (int64_t[]){1, 3}, 10);
  tg_array *b = ew_scalar(TG_FLOAT32, NAN);
  o = ew_run("switch", 3, (tg_array *[]){cond, a, b});
  CHECK(o && tg_array_dtype(o) == TG_FLOAT32 && tg_array_shape(o)[0] == 2 && tg_array_shape(o)[1] == 3);
  for (int i = 0; o && i < 3; i++) CHECK(isnan(tg_array_get_f64(o, i)));
  for (int i = 3; o && i < 6; i++) CHECK(tg_array_get_f64(o, i) == 10 + i - 3);
  tg_array_unref(o);
  tg_array *all[] = {x, lo, hi, cond, a, b};
  for (int i = 0; i < 6; i++) tg_array_unref(all[i]);
}

TEST(static_shape_mismatch_at_build) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_var *b = tg_tensor(g, "b", TG_INT8, 2, (int64_t[]){4, 3});
  CHECK(tg_add(a, b) == NULL);
  CHECK_STATUS(tg_graph_status(g), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "add");
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "TensorType(float64, (2, 3))");
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "TensorType(int8, (4, 3))");
  /* sticky: later builders return NULL and keep the first message */
  CHECK(tg_exp(tg_mul(a, a)) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "TensorType(int8, (4, 3))");
  tg_graph_free(g);
}

TEST(runtime_shape_errors) {
  tg_array *x = iota(TG_FLOAT64, 2, (int64_t[]){2, 3}, 0), *y = iota(TG_FLOAT64, 2, (int64_t[]){2, 4}, 0);
  tg_array *o = add_static(2, NULL, 2, NULL, x, y, TG_ERR_SHAPE);
  CHECK(o == NULL);
  CHECK_ERROR_CONTAINS(ew_err, "Elemwise{add}");
  CHECK_ERROR_CONTAINS(ew_err, "(2, 3)");
  CHECK_ERROR_CONTAINS(ew_err, "(2, 4)");
  /* a runtime length 1 in a dim not declared broadcastable does not broadcast (Theano) */
  tg_array *r = iota(TG_FLOAT64, 2, (int64_t[]){1, 3}, 0);
  o = add_static(2, NULL, 2, NULL, x, r, TG_ERR_SHAPE);
  CHECK(o == NULL);
  CHECK_ERROR_CONTAINS(ew_err, "(1, 3)");
  CHECK_ERROR_CONTAINS(ew_err, "only dims declared of length 1 broadcast");
  /* declared broadcastable, given length 2: refused at the function's input check */
  o = add_static(2, (int64_t[]){1, -1}, 2, NULL, x, x, TG_ERR_TYPE);
  CHECK(o == NULL);
  CHECK_ERROR_CONTAINS(ew_err, "(1, ?)");
  CHECK_ERROR_CONTAINS(ew_err, "(2, 3)");
  tg_array_unref(x);
  tg_array_unref(y);
  tg_array_unref(r);
}

/* The kernel's own check of declared-broadcastable dims (reached when an intermediate's
   runtime shape disagrees with its type), called directly. */
TEST(kernel_checks_broadcastable_dims) {
  tg_graph *g = tg_graph_new();
  tg_var *row = tg_row(g, "r", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *s = tg_add(row, m);
  CHECK(s != NULL);
  tg_array *a = iota(TG_FLOAT64, 2, (int64_t[]){2, 3}, 0);
  tg_array *out[1] = {NULL};
  tgi_err e = {TG_OK, ""};
  CHECK_STATUS(tgi_elemwise_perform(s->owner->op, 2, (tg_array *[]){a, a}, 1, out, &e), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(e.msg, "Elemwise{add}");
  CHECK_ERROR_CONTAINS(e.msg, "declared broadcastable");
  CHECK_ERROR_CONTAINS(e.msg, "(2, 3)");
  CHECK(out[0] == NULL);
  /* and a caller output of the wrong shape */
  tg_array *r1 = iota(TG_FLOAT64, 2, (int64_t[]){1, 3}, 0), *bad = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){6});
  e = (tgi_err){TG_OK, ""};
  out[0] = bad;
  CHECK_STATUS(tgi_elemwise_perform(s->owner->op, 2, (tg_array *[]){r1, a}, 1, out, &e), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(e.msg, "the given output is float64 (6,)");
  tg_array_unref(a);
  tg_array_unref(r1);
  tg_array_unref(bad);
  tg_graph_free(g);
}

TEST(builder_errors) {
  tg_graph *g = tg_graph_new(), *h = tg_graph_new();
  tg_var *f = tg_matrix(g, "f", TG_FLOAT32), *i = tg_matrix(g, "i", TG_INT32);
  tg_var *b = tg_vector(g, "b", TG_BOOL), *other = tg_vector(h, "o", TG_INT32);
  static const struct {
    int which;
    const char *text[3];
  } cases[] = {
      {0, {"bitwise_and: needs integer or bool operands", "TensorType(float32, (?, ?))", "int32"}},
      {1, {"invert: needs integer or bool operands", "float32", ""}},
      {2, {"left_shift: needs integer operands", "bool", ""}},
      {3, {"sub: not defined for bool operands", "TensorType(bool, (?,))", "logical_xor"}},
      {4, {"neg: not defined for bool operands", "", ""}},
      {5, {"sign: not defined for bool operands", "", ""}},
      {6, {"add: input 1 is NULL", "", ""}},
      {7, {"mul: input 1 belongs to another graph", "", ""}},
      {8, {"tg_elemwise: unknown elementwise op 'frobnicate'", "", ""}},
      {9, {"tg_elemwise: add takes 2 inputs, got 3", "", ""}},
      {10, {"tg_elemwise: clip takes 3 inputs, got 1", "", ""}},
      {11, {"unknown elementwise op '(null)'", "", ""}},
      {12, {"right_shift: needs integer operands", "float32", ""}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    tg_graph_clear_error(g);
    tg_var *r = NULL;
    switch (cases[k].which) {
      case 0: r = tg_bitwise_and(f, i); break;
      case 1: r = tg_invert(f); break;
      case 2: r = tg_left_shift(b, b); break;
      case 3: r = tg_sub(b, b); break;
      case 4: r = tg_neg(b); break;
      case 5: r = tg_sign(b); break;
      case 6: r = tg_add(f, NULL); break;
      case 7: r = tg_mul(i, other); break;
      case 8: r = tg_elemwise("frobnicate", 1, &f); break;
      case 9: r = tg_elemwise("add", 3, (tg_var *[]){f, f, f}); break;
      case 10: r = tg_elemwise("clip", 1, &f); break;
      case 11: r = tg_elemwise(NULL, 1, &f); break;
      case 12: r = tg_right_shift(i, f); break;
    }
    CHECK(r == NULL);
    for (int t = 0; t < 3; t++)
      if (cases[k].text[t][0]) CHECK_ERROR_CONTAINS(tg_graph_error(g), cases[k].text[t]);
    CHECK(tg_graph_status(g) != TG_OK);
  }
  /* all NULL: nothing to report on, no crash */
  CHECK(tg_add(NULL, NULL) == NULL);
  CHECK(tg_exp(NULL) == NULL);
  CHECK(tg_elemwise("add", 2, NULL) == NULL);
  CHECK(tg_cast(NULL, TG_INT8) == NULL);
  /* what is allowed: bitwise on bools and mixed ints, logical on floats, bool - int */
  tg_graph_clear_error(g);
  CHECK(tg_bitwise_xor(b, b) && tg_bitwise_or(i, b) && tg_logical_and(f, f) && tg_sub(b, i));
  CHECK(tg_graph_status(g) == TG_OK);
  tg_graph_free(g);
  tg_graph_free(h);
}

/* Dimension coalescing in the kernel must not mix up operands: a 4-d case where some dims
   merge for one operand and not for another, with a broadcast dim in between. */
TEST(coalescing_4d) {
  tg_array *a = iota(TG_FLOAT64, 4, (int64_t[]){2, 3, 4, 5}, 0);
  tg_array *b = iota(TG_FLOAT64, 4, (int64_t[]){2, 1, 4, 5}, 1000);
  tg_array *c = iota(TG_FLOAT64, 2, (int64_t[]){4, 1}, -7);
  tg_array *bt = tg_array_slice(a, 3, 4, -6, -1);
  tg_array *pairs[][2] = {{a, b}, {b, a}, {a, c}, {c, b}, {bt, b}, {bt, a}};
  for (int k = 0; k < 6; k++) {
    tg_array *o = ew_run("add", 2, pairs[k]);
    CHECK(o != NULL);
    if (o) check_add(o, pairs[k][0], pairs[k][1]);
    tg_array_unref(o);
  }
  tg_array *all[] = {a, b, c, bt};
  for (int i = 0; i < 4; i++) tg_array_unref(all[i]);
}
