/* seed_sum.c: the seed example. Build C = A + B from two symbolic float64 matrices,
   compile it, call it on [[1,2],[3,4]] and [[5,6],[7,8]] and print the result as numpy
   prints it. */
#include <stdio.h>
#include <tgraph/tgraph.h>

int main(void) {
  tg_graph *g = tg_graph_new();
  tg_var *A = tg_matrix(g, "A", TG_FLOAT64);   /* symbolic inputs: a type, no data */
  tg_var *B = tg_matrix(g, "B", TG_FLOAT64);
  tg_var *C = tg_add(A, B);                    /* an Apply node; C is its output */

  tg_function *f = tg_function_new(g, TG_VARS(A, B), TG_VARS(C), NULL);
  if (!f) {
    fprintf(stderr, "compile failed: %s\n", tg_graph_error(g));
    tg_graph_free(g);
    return 1;
  }
  tg_graph_free(g); /* the function keeps its own copy of the graph */

  tg_array *a = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){1, 2, 3, 4});
  tg_array *b = tg_array_from_f64(2, (int64_t[]){2, 2}, (double[]){5, 6, 7, 8});
  tg_array *out[1];
  int rc = 0;
  if (tg_function_call(f, (tg_array *[]){a, b}, out) != TG_OK) {
    fprintf(stderr, "call failed: %s\n", tg_function_error(f));
    rc = 1;
  } else {
    tg_array_print(out[0], stdout); /* [[ 6.  8.]\n [10. 12.]] */
    tg_array_unref(out[0]);
  }
  tg_array_unref(a);
  tg_array_unref(b);
  tg_function_free(f);
  return rc;
}
