/* test_shape_basic.c: Shape, Shape_i, MakeVector and tg_infer_shape over elementwise
   graphs (broadcast rows and columns, lower ranks, static dims, constants). */
#include "shape_check.h"

TEST(shape_and_shape_i_values) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_tensor3(g, "x", TG_FLOAT32);
  tg_var *s = tg_shape(x), *s1 = tg_shape_i(x, 1), *sl = tg_shape_i(x, -1);
  CHECK(tg_var_dtype(s) == TG_INT64 && tg_var_ndim(s) == 1 && tg_var_dim(s, 0) == 3);
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(s, s1, sl), NULL);
  CHECK(f != NULL);
  tg_array *a = tg_array_zeros(TG_FLOAT32, 3, (int64_t[]){4, 0, 7});
  tg_array *out[3] = {0};
  CHECK_STATUS(tg_function_call(f, (tg_array *[]){a}, out), TG_OK);
  CHECK(tg_array_get_i64(out[0], 0) == 4 && tg_array_get_i64(out[0], 1) == 0 &&
        tg_array_get_i64(out[0], 2) == 7);
  CHECK(tg_array_get_i64(out[1], 0) == 0);
  CHECK(tg_array_get_i64(out[2], 0) == 7);
  for (int i = 0; i < 3; i++) tg_array_unref(out[i]);
  tg_array_unref(a);
  tg_function_free(f);
  CHECK(tg_shape_i(x, 3) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "out of range");
  tg_graph_free(g);
}

TEST(static_dim_is_a_constant) {
  tg_graph *g = tg_graph_new();
  tg_var *r = tg_row(g, "r", TG_FLOAT64);
  tg_var *d0 = tg_shape_i(r, 0);
  CHECK(tg_var_is_constant(d0));
  CHECK(tg_array_get_i64(tg_var_constant_value(d0), 0) == 1);
  tg_graph_free(g);
}

TEST(make_vector_checks_types) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_scalar(g, "x", TG_FLOAT64);
  CHECK(tg_make_vector(g, 1, (tg_var *[]){x}) == NULL);
  CHECK_ERROR_CONTAINS(tg_graph_error(g), "int64 scalar");
  tg_graph_clear_error(g);
  tg_var *e = tg_make_vector(g, 0, NULL);
  CHECK(e && tg_var_dim(e, 0) == 0);
  tg_graph_free(g);
}

TEST(infer_shape_elemwise_broadcasting) {
  tg_graph *g = tg_graph_new();
  tg_var *r = tg_row(g, "r", TG_FLOAT64), *c = tg_col(g, "c", TG_FLOAT64);
  tg_var *v = tg_vector(g, "v", TG_FLOAT64), *s = tg_scalar(g, "s", TG_FLOAT64);
  tg_var *y = tg_mul(tg_add(r, c), tg_exp(tg_sub(v, s)));
  tg_array *ra = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){1, 5});
  tg_array *ca = tg_array_zeros(TG_FLOAT64, 2, (int64_t[]){3, 1});
  tg_array *va = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){5});
  tg_array *sa = tg_array_scalar(TG_FLOAT64, 1);
  CHECK_INFER_SHAPE(g, TG_VARS(r, c, v, s), y, ((tg_array *[]){ra, ca, va, sa}));
  /* the inferred shape needs only the inputs' shapes: no Elemwise node in its graph */
  tg_var *shp = tg_infer_shape(y);
  tg_function *f = th_compile(g, TG_VARS(r, c, v, s), TG_VARS(shp));
  CHECK(f != NULL);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  CHECK_STATUS(tg_function_debugprint(f, mem), TG_OK);
  fclose(mem);
  CHECK(text && !strstr(text, "Elemwise"));
  free(text);
  tg_function_free(f);
  tg_array_unref(ra);
  tg_array_unref(ca);
  tg_array_unref(va);
  tg_array_unref(sa);
  tg_graph_free(g);
}

TEST(infer_shape_constants_and_scalars) {
  tg_graph *g = tg_graph_new();
  tg_array *k = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){2, 1});
  tg_var *kc = tg_constant(g, k), *x = tg_matrix(g, "x", TG_FLOAT32);
  tg_var *y = tg_add(tg_mul(x, tg_const_f64(g, 2.0)), kc);
  tg_array *xa = tg_array_zeros(TG_FLOAT32, 2, (int64_t[]){2, 6});
  CHECK_INFER_SHAPE(g, TG_VARS(x), y, ((tg_array *[]){xa}));
  tg_var *z = tg_add(tg_const_f64(g, 1.0), tg_const_i64(g, 2)); /* 0-d */
  CHECK_INFER_SHAPE(g, TG_VARS(x), z, ((tg_array *[]){xa}));
  tg_array_unref(k);
  tg_array_unref(xa);
  tg_graph_free(g);
}

TEST(infer_shape_deep_chain_is_iterative) {
  tg_graph *g = tg_graph_new();
  tg_var *x = tg_vector(g, "x", TG_FLOAT64), *y = x;
  tg_var *one = tg_const_f64(g, 1.0);
  for (int i = 0; i < 100000; i++) y = tg_add(y, one);
  tg_var *s = tg_infer_shape(y);
  CHECK(s != NULL);
  tg_array *xa = tg_array_zeros(TG_FLOAT64, 1, (int64_t[]){9});
  tg_function *f = tg_function_new(g, TG_VARS(x), TG_VARS(s), NULL);
  tg_array *out[1] = {0};
  CHECK(f && tg_function_call(f, (tg_array *[]){xa}, out) == TG_OK);
  CHECK(out[0] && tg_array_get_i64(out[0], 0) == 9);
  CHECK(tg_function_n_nodes(f) <= 2); /* Shape_i and MakeVector only */
  tg_array_unref(out[0]);
  tg_array_unref(xa);
  tg_function_free(f);
  tg_graph_free(g);
}
