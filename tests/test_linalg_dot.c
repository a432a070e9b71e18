/* test_linalg_dot.c: dot (Theano's semantics up to rank 2, numpy.dot beyond), matmul with
   batch broadcasting, outer, tensordot and batched_dot: hand cases, random cases against
   naive loops written here over every dtype class, transposed / strided / negative-stride
   operands, caller-provided strided outputs, size 0 and 1, the shape rule of every op, and
   the error messages. */
#include "linalg_check.h"
#include "shape_check.h"

static tg_array *f64(int nd, const int64_t *shape, const double *v) {
  return tg_array_from_f64(nd, shape, v);
}

TEST(dot_hand_cases) {
  tg_graph *g = tg_graph_new();
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *w = tg_vector(g, "w", TG_FLOAT64);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_array *va = f64(1, (int64_t[]){3}, (double[]){1, 2, 3});
  tg_array *wa = f64(1, (int64_t[]){3}, (double[]){4, 5, 6});
  tg_array *ma = f64(2, (int64_t[]){2, 3}, (double[]){1, 0, 2, -1, 3, 1});
  tg_var *vv = tg_dot(v, w), *mv = tg_dot(m, v), *vm = tg_dot(w, tg_dot(v, v));
  CHECK(tg_var_ndim(vv) == 0 && tg_var_ndim(mv) == 1 && tg_var_dtype(vv) == TG_FLOAT64);
  tg_array *r = la_run(g, TG_VARS(v, w), vv, (tg_array *[]){va, wa});
  CHECK(r && tg_array_ndim(r) == 0 && tg_array_get_f64(r, 0) == 32); /* 4 + 10 + 18 */
  tg_array_unref(r);
  r = la_run(g, TG_VARS(m, v), mv, (tg_array *[]){ma, va});
  CHECK(r && tg_array_get_f64(r, 0) == 7 && tg_array_get_f64(r, 1) == 8); /* [1+6, -1+6+3] */
  tg_array_unref(r);
  /* vector . matrix: [1, 2] . m = [1-2, 0+6, 2+2] */
  tg_var *u = tg_vector(g, "u", TG_FLOAT64);
  tg_array *ua = f64(1, (int64_t[]){2}, (double[]){1, 2});
  r = la_run(g, TG_VARS(u, m), tg_dot(u, m), (tg_array *[]){ua, ma});
  CHECK(r && tg_array_get_f64(r, 0) == -1 && tg_array_get_f64(r, 1) == 6 && tg_array_get_f64(r, 2) == 4);
  tg_array_unref(r);
  /* matrix . matrix: m . m^T = [[5, 1], [1, 11]] */
  tg_var *mt = tg_matrix(g, "mt", TG_FLOAT64);
  tg_array *mta = tg_array_transpose(ma);
  r = la_run(g, TG_VARS(m, mt), tg_dot(m, mt), (tg_array *[]){ma, mta});
  CHECK(r && tg_array_get_f64(r, 0) == 5 && tg_array_get_f64(r, 1) == 1 &&
        tg_array_get_f64(r, 2) == 1 && tg_array_get_f64(r, 3) == 11);
  tg_array_unref(r);
  /* a 0-d operand multiplies (Theano and numpy) */
  tg_var *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_array *sa = tg_array_scalar(TG_FLOAT64, 2);
  r = la_run(g, TG_VARS(s, v), tg_dot(s, v), (tg_array *[]){sa, va});
  CHECK(r && tg_array_ndim(r) == 1 && tg_array_get_f64(r, 2) == 6);
  tg_array_unref(r);
  (void)vm;
  tg_array_unref(va), tg_array_unref(wa), tg_array_unref(ma), tg_array_unref(ua);
  tg_array_unref(mta), tg_array_unref(sa);
  tg_graph_free(g);
}

/* Views of a fresh random m x n array: 0 plain, 1 transposed (column-major), 2 every other
   row and column (gaps), 3 both axes reversed (negative strides). */
static tg_array *view_of(int kind, tg_dtype dt, int64_t m, int64_t n) {
  tg_array *base, *v;
  switch (kind) {
    case 1:
      base = la_random(dt, 2, (int64_t[]){n, m});
      v = tg_array_transpose(base);
      break;
    case 2: {
      base = la_random(dt, 2, (int64_t[]){2 * m, 2 * n});
      tg_array *t = tg_array_slice(base, 0, 0, 2 * m, 2);
      v = tg_array_slice(t, 1, 1, 2 * n, 2);
      tg_array_unref(t);
      break;
    }
    case 3: {
      base = la_random(dt, 2, (int64_t[]){m, n});
      tg_array *t = tg_array_slice(base, 0, -1, -m - 1, -1);
      v = tg_array_slice(t, 1, -1, -n - 1, -1);
      tg_array_unref(t);
      break;
    }
    default: return la_random(dt, 2, (int64_t[]){m, n});
  }
  tg_array_unref(base); /* the view keeps it alive */
  return v;
}

TEST(matrix_products_random_layouts_float) {
  static const int64_t sz[] = {1, 7, 33, 65, 130, 0};
  int rot = 0;
  for (int d = 0; d < 2; d++) {
    tg_dtype dt = d ? TG_FLOAT64 : TG_FLOAT32;
    tg_graph *g = tg_graph_new();
    tg_var *A = tg_matrix(g, "A", dt), *B = tg_matrix(g, "B", dt);
    tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_dot(A, B)), NULL);
    CHECK(f != NULL);
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++, rot++) {
        int64_t m = sz[i], k = sz[j], n = sz[(i + j + rot) % 6];
        tg_array *a = view_of(rot % 4, dt, m, k), *b = view_of((rot / 4) % 4, dt, k, n);
        tg_array *c = NULL;
        CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b}, &c), TG_OK);
        CHECK(c && tg_array_dtype(c) == dt && la_matmul_ok(a, b, c, d ? 1e-13 : 2e-6));
        tg_array_unref(c);
        /* into a caller's output: column-major (a transposed view) or with gaps */
        tg_array *o = view_of(1 + rot % 2, dt, m, n);
        CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, b}, &o), TG_OK);
        CHECK(la_matmul_ok(a, b, o, d ? 1e-13 : 2e-6));
        tg_array_unref(o), tg_array_unref(a), tg_array_unref(b);
      }
    tg_function_free(f);
    tg_graph_free(g);
  }
}

TEST(integer_and_bool_dot_wraps_like_numpy) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_vector(g, "a", TG_INT32), *b = tg_vector(g, "b", TG_INT32);
  tg_var *d = tg_dot(a, b);
  CHECK(tg_var_dtype(d) == TG_INT32);
  /* numpy: np.dot(int32 [2**30, 2**30, 3], int32 [4, 4, 5]) == 15 (2**33 wraps to 0) */
  tg_array *aa = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){1 << 30, 1 << 30, 3});
  tg_array *ba = tg_array_from_i32(1, (int64_t[]){3}, (int32_t[]){4, 4, 5});
  tg_array *r = la_run(g, TG_VARS(a, b), d, (tg_array *[]){aa, ba});
  CHECK(r && tg_array_get_i64(r, 0) == 15);
  tg_array_unref(r), tg_array_unref(aa), tg_array_unref(ba);
  /* int8 . uint8 -> int16; bool . bool -> bool (any); int64 . float32 -> float64 */
  struct { tg_dtype x, y, want; } cases[] = {{TG_INT8, TG_UINT8, TG_INT16}, {TG_BOOL, TG_BOOL, TG_BOOL},
                                             {TG_INT64, TG_FLOAT32, TG_FLOAT64}, {TG_INT16, TG_INT64, TG_INT64},
                                             {TG_BOOL, TG_FLOAT32, TG_FLOAT32}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    tg_var *x = tg_matrix(g, "x", cases[c].x), *y = tg_matrix(g, "y", cases[c].y);
    tg_var *z = tg_dot(x, y);
    CHECK(tg_var_dtype(z) == cases[c].want);
    tg_array *xa = view_of((int)c % 4, cases[c].x, 5, 7), *ya = view_of((int)(c + 1) % 4, cases[c].y, 7, 3);
    r = la_run(g, TG_VARS(x, y), z, (tg_array *[]){xa, ya});
    CHECK(r != NULL);
    for (int64_t i = 0; r && i < 5; i++)
      for (int64_t j = 0; j < 3; j++) {
        double s = 0;
        for (int64_t p = 0; p < 7; p++) s += la_at(xa, i, p) * la_at(ya, p, j);
        if (cases[c].want == TG_BOOL) s = s != 0;
        CHECK_CLOSE(la_at(r, i, j), s, 1e-6, 1e-6);
      }
    tg_array_unref(r), tg_array_unref(xa), tg_array_unref(ya);
  }
  tg_graph_free(g);
}

/* Reference for a (.., K) x (.., K, ..) numpy.dot on 3-d x 3-d: out[i,j,k,m] = sum a[i,j,:] b[k,:,m] */
TEST(dot_higher_ranks_is_numpy_dot) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor3(g, "a", TG_FLOAT64), *b = tg_tensor3(g, "b", TG_FLOAT64);
  tg_var *d = tg_dot(a, b);
  CHECK(tg_var_ndim(d) == 4);
  tg_array *aa = la_random(TG_FLOAT64, 3, (int64_t[]){2, 3, 4});
  tg_array *bb = la_random(TG_FLOAT64, 3, (int64_t[]){5, 4, 6});
  tg_array *r = la_run(g, TG_VARS(a, b), d, (tg_array *[]){aa, bb});
  CHECK(r && tg_array_ndim(r) == 4 && tg_array_shape(r)[0] == 2 && tg_array_shape(r)[3] == 6);
  for (int i = 0; r && i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 5; k++)
        for (int m = 0; m < 6; m++) {
          double s = 0;
          for (int p = 0; p < 4; p++)
            s += tg_array_get_f64(aa, (i * 3 + j) * 4 + p) * tg_array_get_f64(bb, (k * 4 + p) * 6 + m);
          CHECK_CLOSE(tg_array_get_f64(r, ((i * 3 + j) * 5 + k) * 6 + m), s, 1e-13, 1e-14);
        }
  CHECK_INFER_SHAPE(g, TG_VARS(a, b), d, ((tg_array *[]){aa, bb}));
  tg_array_unref(r), tg_array_unref(aa), tg_array_unref(bb);
  tg_graph_free(g);
}

TEST(matmul_batches_broadcast_theano_rule) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 3, (int64_t[]){1, -1, -1}); /* static 1: broadcasts */
  tg_var *b = tg_tensor3(g, "b", TG_FLOAT64);
  tg_var *c = tg_matmul(a, b);
  CHECK(tg_var_ndim(c) == 3 && tg_var_dim(c, 0) == -1);
  tg_array *aa = la_random(TG_FLOAT64, 3, (int64_t[]){1, 3, 4});
  tg_array *bb = la_random(TG_FLOAT64, 3, (int64_t[]){5, 4, 2});
  tg_array *r = la_run(g, TG_VARS(a, b), c, (tg_array *[]){aa, bb});
  CHECK(r && tg_array_shape(r)[0] == 5 && tg_array_shape(r)[1] == 3 && tg_array_shape(r)[2] == 2);
  for (int q = 0; r && q < 5; q++)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 2; j++) {
        double s = 0;
        for (int p = 0; p < 4; p++)
          s += tg_array_get_f64(aa, i * 4 + p) * tg_array_get_f64(bb, (q * 4 + p) * 2 + j);
        CHECK_CLOSE(tg_array_get_f64(r, (q * 3 + i) * 2 + j), s, 1e-13, 1e-14);
      }
  CHECK_INFER_SHAPE(g, TG_VARS(a, b), c, ((tg_array *[]){aa, bb}));
  tg_array_unref(r);
  /* a length-1 batch dim that is not static 1 does not broadcast (Theano's rule) */
  tg_var *a2 = tg_tensor3(g, "a2", TG_FLOAT64);
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(a2, b), tg_matmul(a2, b), (tg_array *[]){aa, bb}),
                       "only dims of static length 1 broadcast");
  /* lower rank operands, 1-D on either side, a 4-D stack against a matrix */
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *m = tg_matrix(g, "m", TG_FLOAT64);
  tg_var *t4 = tg_tensor4(g, "t4", TG_FLOAT64);
  tg_array *va = la_random(TG_FLOAT64, 1, (int64_t[]){4});
  tg_array *ma = view_of(3, TG_FLOAT64, 4, 3);
  tg_array *t4a = la_random(TG_FLOAT64, 4, (int64_t[]){2, 3, 2, 4});
  tg_var *bv = tg_matmul(b, v), *vb = tg_matmul(v, m), *t4m = tg_matmul(t4, m);
  CHECK(tg_var_ndim(bv) == 2 && tg_var_ndim(vb) == 1 && tg_var_ndim(t4m) == 4);
  tg_array *bt = la_random(TG_FLOAT64, 3, (int64_t[]){5, 2, 4});
  r = la_run(g, TG_VARS(b, v), bv, (tg_array *[]){bt, va});
  for (int q = 0; r && q < 5; q++)
    for (int i = 0; i < 2; i++) {
      double s = 0;
      for (int p = 0; p < 4; p++) s += tg_array_get_f64(bt, (q * 2 + i) * 4 + p) * tg_array_get_f64(va, p);
      CHECK_CLOSE(tg_array_get_f64(r, q * 2 + i), s, 1e-13, 1e-14);
    }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(t4, m), t4m, (tg_array *[]){t4a, ma});
  for (int q = 0; r && q < 6; q++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int p = 0; p < 4; p++) s += tg_array_get_f64(t4a, (q * 2 + i) * 4 + p) * la_at(ma, p, j);
        CHECK_CLOSE(tg_array_get_f64(r, (q * 2 + i) * 3 + j), s, 1e-13, 1e-14);
      }
  tg_array_unref(r);
  CHECK_INFER_SHAPE(g, TG_VARS(v, m), vb, ((tg_array *[]){va, ma}));
  CHECK_INFER_SHAPE(g, TG_VARS(t4, m), t4m, ((tg_array *[]){t4a, ma}));
  CHECK_INFER_SHAPE(g, TG_VARS(b, v), bv, ((tg_array *[]){bt, va}));
  /* empty batch */
  tg_array *e = la_random(TG_FLOAT64, 3, (int64_t[]){0, 2, 4});
  r = la_run(g, TG_VARS(b, v), bv, (tg_array *[]){e, va});
  CHECK(r && tg_array_shape(r)[0] == 0 && tg_array_shape(r)[1] == 2);
  CHECK_INFER_SHAPE(g, TG_VARS(b, v), bv, ((tg_array *[]){e, va}));
  tg_array_unref(r), tg_array_unref(e), tg_array_unref(bt), tg_array_unref(t4a);
  tg_array_unref(aa), tg_array_unref(bb), tg_array_unref(va), tg_array_unref(ma);
  CHECK(tg_matmul(tg_scalar(g, "s", TG_FLOAT64), m) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "matmul: the first operand is 0-d");
  tg_graph_free(g);
}

TEST(outer_flattens_and_takes_any_layout) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_matrix(g, "x", TG_FLOAT32), *y = tg_vector(g, "y", TG_INT16);
  tg_var *o = tg_outer(x, y);
  CHECK(tg_var_ndim(o) == 2 && tg_var_dtype(o) == TG_FLOAT32);
  for (int kind = 0; kind < 4; kind++) { /* transposed x cannot be flattened in place: copied */
    tg_array *xa = view_of(kind, TG_FLOAT32, 3, 2);
    tg_array *yb = la_random(TG_INT16, 1, (int64_t[]){9});
    tg_array *ya = tg_array_slice(yb, 0, -1, -10, -2); /* 5 elements, negative stride */
    tg_array *r = la_run(g, TG_VARS(x, y), o, (tg_array *[]){xa, ya});
    CHECK(r && tg_array_shape(r)[0] == 6 && tg_array_shape(r)[1] == 5);
    for (int i = 0; r && i < 6; i++)
      for (int j = 0; j < 5; j++)
        CHECK_CLOSE(la_at(r, i, j), tg_array_get_f64(xa, i) * tg_array_get_f64(ya, j), 1e-6, 0);
    CHECK_INFER_SHAPE(g, TG_VARS(x, y), o, ((tg_array *[]){xa, ya}));
    tg_array_unref(r), tg_array_unref(xa), tg_array_unref(ya), tg_array_unref(yb);
  }
  tg_array *e = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){0, 3});
  tg_array *ya = la_random(TG_INT16, 1, (int64_t[]){4});
  CHECK_INFER_SHAPE(g, TG_VARS(x, y), o, ((tg_array *[]){e, ya}));
  tg_array_unref(e), tg_array_unref(ya);
  tg_graph_free(g);
}

TEST(tensordot_axes_forms) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor3(g, "a", TG_FLOAT64), *b = tg_tensor3(g, "b", TG_FLOAT64);
  /* sum a's axes (1, 0) against b's (0, 2): out[k, m] = sum_ij a[j, i, k] b[i, m, j] */
  tg_var *t = tg_tensordot(a, b, 2, (int[]){1, 0}, (int[]){0, -1});
  tg_array *aa = la_random(TG_FLOAT64, 3, (int64_t[]){3, 4, 5});
  tg_array *bb = la_random(TG_FLOAT64, 3, (int64_t[]){4, 2, 3});
  tg_array *r = la_run(g, TG_VARS(a, b), t, (tg_array *[]){aa, bb});
  CHECK(r && tg_array_ndim(r) == 2 && tg_array_shape(r)[0] == 5 && tg_array_shape(r)[1] == 2);
  for (int k = 0; r && k < 5; k++)
    for (int m = 0; m < 2; m++) {
      double s = 0;
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
          s += tg_array_get_f64(aa, (j * 4 + i) * 5 + k) * tg_array_get_f64(bb, (i * 2 + m) * 3 + j);
      CHECK_CLOSE(tg_array_get_f64(r, k * 2 + m), s, 1e-13, 1e-14);
    }
  CHECK_INFER_SHAPE(g, TG_VARS(a, b), t, ((tg_array *[]){aa, bb}));
  tg_array_unref(r);
  /* integer form: a's last 1 against b's first 1; n = 0 is the outer product */
  tg_var *t1 = tg_tensordot(a, b, 1, NULL, NULL), *t0 = tg_tensordot(a, b, 0, NULL, NULL);
  CHECK(tg_var_ndim(t1) == 4 && tg_var_ndim(t0) == 6);
  tg_array *b2 = la_random(TG_FLOAT64, 3, (int64_t[]){5, 2, 3});
  CHECK_INFER_SHAPE(g, TG_VARS(a, b), t1, ((tg_array *[]){aa, b2}));
  r = la_run(g, TG_VARS(a, b), t0, (tg_array *[]){aa, b2});
  CHECK(r && tg_array_size(r) == 60 * 30);
  if (r) CHECK_CLOSE(tg_array_get_f64(r, 59 * 30 + 7), tg_array_get_f64(aa, 59) * tg_array_get_f64(b2, 7), 1e-15, 0);
  tg_array_unref(r), tg_array_unref(b2);
  /* describe */
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  tg_debugprint(1, &t, mem);
  fclose(mem);
  CHECK(text && strstr(text, "Tensordot{axes=((1, 0), (0, 2))}"));
  free(text);
  /* errors */
  CHECK(tg_tensordot(a, b, 1, (int[]){3}, (int[]){0}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "tensordot: axis 3 of the first operand is out of range");
  tg_graph_clear_error(g);
  CHECK(tg_tensordot(a, b, 2, (int[]){0, -3}, (int[]){0, 1}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "repeated");
  tg_graph_clear_error(g);
  CHECK(tg_tensordot(a, b, 4, NULL, NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "4 axis pairs");
  tg_graph_clear_error(g);
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(a, b), t, (tg_array *[]){aa, aa}),
                       "tensordot: shapes (3, 4, 5) and (3, 4, 5) not aligned");
  tg_array_unref(aa), tg_array_unref(bb);
  tg_graph_free(g);
}

TEST(batched_dot_ranks) {
  tg_graph *g = tg_graph_new();
  tg_var *a3 = tg_tensor3(g, "a3", TG_FLOAT64), *b3 = tg_tensor3(g, "b3", TG_FLOAT64);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64);
  tg_array *aa = la_random(TG_FLOAT64, 3, (int64_t[]){4, 2, 3});
  tg_array *bb = la_random(TG_FLOAT64, 3, (int64_t[]){4, 3, 5});
  tg_array *ma = la_random(TG_FLOAT64, 2, (int64_t[]){4, 3});
  tg_array *va = la_random(TG_FLOAT64, 1, (int64_t[]){4});
  tg_var *c33 = tg_batched_dot(a3, b3), *c32 = tg_batched_dot(a3, m), *c22 = tg_batched_dot(m, m);
  tg_var *c13 = tg_batched_dot(v, b3);
  CHECK(tg_var_ndim(c33) == 3 && tg_var_ndim(c32) == 2 && tg_var_ndim(c22) == 1 && tg_var_ndim(c13) == 3);
  tg_array *r = la_run(g, TG_VARS(a3, b3), c33, (tg_array *[]){aa, bb});
  for (int q = 0; r && q < 4; q++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 5; j++) {
        double s = 0;
        for (int p = 0; p < 3; p++)
          s += tg_array_get_f64(aa, (q * 2 + i) * 3 + p) * tg_array_get_f64(bb, (q * 3 + p) * 5 + j);
        CHECK_CLOSE(tg_array_get_f64(r, (q * 2 + i) * 5 + j), s, 1e-13, 1e-14);
      }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(a3, m), c32, (tg_array *[]){aa, ma});
  for (int q = 0; r && q < 4; q++)
    for (int i = 0; i < 2; i++) {
      double s = 0;
      for (int p = 0; p < 3; p++) s += tg_array_get_f64(aa, (q * 2 + i) * 3 + p) * tg_array_get_f64(ma, q * 3 + p);
      CHECK_CLOSE(tg_array_get_f64(r, q * 2 + i), s, 1e-13, 1e-14);
    }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(m), c22, (tg_array *[]){ma});
  for (int q = 0; r && q < 4; q++) {
    double s = 0;
    for (int p = 0; p < 3; p++) s += tg_array_get_f64(ma, q * 3 + p) * tg_array_get_f64(ma, q * 3 + p);
    CHECK_CLOSE(tg_array_get_f64(r, q), s, 1e-13, 1e-14);
  }
  tg_array_unref(r);
  r = la_run(g, TG_VARS(v, b3), c13, (tg_array *[]){va, bb}); /* a[i] * b[i] */
  for (int i = 0; r && i < 60; i++) CHECK_CLOSE(tg_array_get_f64(r, i), tg_array_get_f64(va, i / 15) * tg_array_get_f64(bb, i), 1e-15, 0);
  tg_array_unref(r);
  CHECK_INFER_SHAPE(g, TG_VARS(a3, b3), c33, ((tg_array *[]){aa, bb}));
  CHECK_INFER_SHAPE(g, TG_VARS(a3, m), c32, ((tg_array *[]){aa, ma}));
  CHECK_INFER_SHAPE(g, TG_VARS(v, b3), c13, ((tg_array *[]){va, bb}));
  tg_array *b5 = la_random(TG_FLOAT64, 3, (int64_t[]){5, 3, 5});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(a3, b3), c33, (tg_array *[]){aa, b5}),
                       "batched_dot: shapes (4, 2, 3) and (5, 3, 5) do not match in batch dims");
  CHECK(tg_batched_dot(tg_scalar(g, "s", TG_FLOAT64), m) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "batched_dot: the first operand is 0-d");
  tg_array_unref(aa), tg_array_unref(bb), tg_array_unref(ma), tg_array_unref(va), tg_array_unref(b5);
  tg_graph_free(g);
}

TEST(dot_shape_errors_build_and_run_time) {
  tg_graph *g = tg_graph_new();
  tg_var *a = tg_tensor(g, "a", TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_var *b = tg_tensor(g, "b", TG_FLOAT64, 2, (int64_t[]){4, 5});
  CHECK(tg_dot(a, b) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "dot: TensorType(float64, (2, 3)) and TensorType(float64, (4, 5)) not aligned");
  CHECK(tg_graph_status(g) == TG_ERR_SHAPE);
  tg_graph_clear_error(g);
  tg_var *m = tg_matrix(g, "m", TG_FLOAT64), *v = tg_vector(g, "v", TG_FLOAT64);
  tg_array *ma = la_random(TG_FLOAT64, 2, (int64_t[]){2, 3});
  tg_array *va = la_random(TG_FLOAT64, 1, (int64_t[]){4});
  CHECK_ERROR_CONTAINS(la_run_error(g, TG_VARS(m, v), tg_dot(m, v), (tg_array *[]){ma, va}),
                       "dot: shapes (2, 3) and (4,) not aligned: dim 1 of the first (3) != dim 0 of the second (4)");
  /* a caller output of the wrong shape */
  tg_var *n = tg_matrix(g, "n", TG_FLOAT64);
  tg_var *mn = tg_dot(m, n);
  tg_function *f = tg_function_new(g, TG_VARS(m, n), TG_VARS(mn), NULL);
  tg_array *na = la_random(TG_FLOAT64, 2, (int64_t[]){3, 4});
  tg_array *bad = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 5});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){ma, na}, &bad), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "dot: the given output has shape (2, 5), expected (2, 4)");
  tg_array_unref(na), tg_array_unref(bad);
  tg_function_free(f);
  tg_graph_free(g);
  tg_array_unref(ma), tg_array_unref(va);
  CHECK(tg_dot(NULL, NULL) == NULL);
}

TEST(shape_rule_and_sizes_zero_and_one) {
  tg_graph *g = tg_graph_new();
  tg_var *m = tg_matrix(g, "m", TG_FLOAT32), *n = tg_matrix(g, "n", TG_FLOAT32);
  tg_var *v = tg_vector(g, "v", TG_FLOAT32), *w = tg_vector(g, "w", TG_FLOAT32);
  tg_var *mn = tg_dot(m, n), *mv = tg_dot(m, v), *vn = tg_dot(v, n), *vw = tg_dot(v, w);
  tg_var *mm = tg_matmul(m, n), *ow = tg_outer(v, w);
  static const int64_t dims[][3] = {{0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {1, 1, 1}, {2, 5, 3}};
  for (int c = 0; c < 5; c++) {
    int64_t p = dims[c][0], q = dims[c][1], s = dims[c][2];
    tg_array *ma = la_random(TG_FLOAT32, 2, (int64_t[]){p, q}), *na = la_random(TG_FLOAT32, 2, (int64_t[]){q, s});
    tg_array *va = la_random(TG_FLOAT32, 1, (int64_t[]){q}), *wa = la_random(TG_FLOAT32, 1, (int64_t[]){q});
    tg_array *pa = la_random(TG_FLOAT32, 1, (int64_t[]){p});
    CHECK_INFER_SHAPE(g, TG_VARS(m, n), mn, ((tg_array *[]){ma, na}));
    CHECK_INFER_SHAPE(g, TG_VARS(m, v), mv, ((tg_array *[]){ma, va}));
    CHECK_INFER_SHAPE(g, TG_VARS(v, n), vn, ((tg_array *[]){va, na}));
    CHECK_INFER_SHAPE(g, TG_VARS(v, w), vw, ((tg_array *[]){va, wa}));
    CHECK_INFER_SHAPE(g, TG_VARS(m, n), mm, ((tg_array *[]){ma, na}));
    CHECK_INFER_SHAPE(g, TG_VARS(v, w), ow, ((tg_array *[]){pa, wa}));
    tg_array *r = la_run(g, TG_VARS(m, n), mn, (tg_array *[]){ma, na});
    CHECK(r && la_matmul_ok(ma, na, r, 2e-6)); /* an empty sum gives zeros */
    tg_array_unref(r);
    r = la_run(g, TG_VARS(v, w), vw, (tg_array *[]){va, wa});
    double s0 = 0;
    for (int64_t i = 0; i < q; i++) s0 += tg_array_get_f64(va, i) * tg_array_get_f64(wa, i);
    CHECK(r && tg_array_ndim(r) == 0);
    if (r) CHECK_CLOSE(tg_array_get_f64(r, 0), s0, 1e-5, 1e-6);
    tg_array_unref(r);
    tg_array_unref(ma), tg_array_unref(na), tg_array_unref(va), tg_array_unref(wa), tg_array_unref(pa);
  }
  /* static dims flow through the type rule */
  tg_var *s = tg_tensor(g, "s", TG_FLOAT32, 2, (int64_t[]){2, -1});
  tg_var *t = tg_tensor(g, "t", TG_FLOAT32, 2, (int64_t[]){-1, 7});
  tg_var *st = tg_dot(s, t);
  CHECK(tg_var_dim(st, 0) == 2 && tg_var_dim(st, 1) == 7);
  CHECK(tg_var_dim(tg_outer(s, t), 0) == -1);
  tg_graph_free(g);
}
