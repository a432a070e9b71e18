/* test_function.c: compiling and calling functions: the seed, several outputs, outputs
   that are inputs or constants, input checks, preallocated outputs, freeing the graph
   after compiling, and runtime shape errors. */
#include "harness.h"

static tg_array *m22(double a, double b, double c, double d) {
  return tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){a, b, c, d});
}

TEST(seed_values) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_add(A, B);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(C), NULL);
  CHECK(f != NULL);
  tg_graph_free(g);
  tg_array *a = m22(1, 2, 3, 4), *b = m22(5, 6, 7, 8), *out[1] = {NULL};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b}, out), TG_OK);
  tg_array *want = m22(6, 8, 10, 12);
  CHECK(tg_array_equal(out[0], want));
  tg_array_unref(out[0]);
  tg_array_unref(want);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_function_free(f);
}

TEST(input_checks) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_row(g, "B", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_mul(A, B)), NULL);
  CHECK(f != NULL);
  tg_array *a = m22(1, 2, 3, 4), *out[1] = {NULL};
  tg_array *bf = tg_array_from_f32(2, (int64_t[]){1, 2}, (float[]){1, 2});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, bf}, out), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "input 1 ('B')");
  CHECK_ERROR_CONTAINS(tg_function_error(f), "float32");
  tg_array *b22 = m22(1, 2, 3, 4); /* B is a row: its first dim must be 1 */
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b22}, out), TG_ERR_TYPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(1, ?)");
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, NULL}, out), TG_ERR_ARG);
  tg_array *b12 = tg_array_from_f64(2, (int64_t[]){1, 2}, (double[]){10, 100});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b12}, out), TG_OK);
  tg_array *want = m22(10, 200, 30, 400);
  CHECK(tg_array_equal(out[0], want));
  tg_array_unref(out[0]);
  tg_array_unref(want);
  tg_array_unref(a);
  tg_array_unref(bf);
  tg_array_unref(b22);
  tg_array_unref(b12);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(runtime_shape_error_names_op_and_shapes) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(tg_add(A, B)), NULL);
  tg_array *a = m22(1, 2, 3, 4), *out[1] = {NULL};
  tg_array *b = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 2});
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a, b}, out), TG_ERR_SHAPE);
  CHECK_ERROR_CONTAINS(tg_function_error(f), "Elemwise{add}");
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(2, 2)");
  CHECK_ERROR_CONTAINS(tg_function_error(f), "(3, 2)");
  CHECK(out[0] == NULL);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(outputs_inputs_and_constants) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64);
  tg_var *k = tg_const_typed(g, TG_FLOAT64, 3.5);
  tg_var *y = tg_mul(tg_exp(x), tg_const_f64(g, 2.0));
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(y, x, k, y), NULL);
  CHECK(f != NULL);
  tg_graph_free(g);
  tg_array *a = tg_array_from_f64(1, (int64_t[]){3}, (double[]){0, 1, -2});
  tg_array *out[4] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(tg_array_get_f64(out[0], i), 2 * exp(tg_array_get_f64(a, i)), 1e-15, 0);
  CHECK(out[1] == a);
  CHECK(tg_array_ndim(out[2]) == 0 && tg_array_get_f64(out[2], 0) == 3.5);
  CHECK(tg_array_equal(out[0], out[3]));
  for (int i = 0; i < 4; i++) tg_array_unref(out[i]);
  tg_array_unref(a);
  tg_function_free(f);
}

TEST(call_into_preallocated) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT32), *B = tg_matrix(g, "B", TG_FLOAT32);
  tg_var *C = tg_sub(tg_mul(A, B), A);
  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(C), NULL);
  tg_array *a = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4});
  tg_array *b = tg_array_from_f32(2, (int64_t[]){2, 2}, (float[]){2, 2, 2, 2});
  tg_array *o = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){2, 2});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, b}, (tg_array *[]){o}), TG_OK);
  for (int i = 0; i < 4; i++) CHECK(tg_array_get_f64(o, i) == i + 1);
  tg_array *bad = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){2, 3});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, b}, (tg_array *[]){bad}), TG_ERR_SHAPE);
  tg_array *badt = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){2, 2});
  CHECK_STATUS(tg_function_call_into(f, (tg_array *[]){a, b}, (tg_array *[]){badt}), TG_ERR_TYPE);
  tg_array_unref(a);
  tg_array_unref(b);
  tg_array_unref(o);
  tg_array_unref(bad);
  tg_array_unref(badt);
  tg_function_free(f);
  tg_graph_free(g);
}

TEST(missing_input_is_an_error) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64), *B = tg_matrix(g, "Bee", TG_FLOAT64);
  CHECK(tg_function_new(g, TG_VARS(A), TG_VARS(tg_add(A, B)), NULL) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "'Bee'");
  tg_graph_free(g);
}
