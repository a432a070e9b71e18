/* tgraph/graph.h: graphs, tensor types, symbolic variables and constants, and the
   inspection tools (debugprint, pretty printer, Graphviz DOT). */
#ifndef TGRAPH_GRAPH_H
#define TGRAPH_GRAPH_H

#include <stdio.h>
#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_graph tg_graph;
typedef struct tg_var tg_var;

/* Two arguments, a count and an array, from a list of variables: TG_VARS(A, B). */
#define TG_VARS(...)                                                      \
  (int)(sizeof((tg_var *[]){__VA_ARGS__}) / sizeof(tg_var *)),            \
      (tg_var *[]) { __VA_ARGS__ }

/* A new empty graph; NULL if out of memory. */
TG_API tg_graph *tg_graph_new(void);
/* Free a graph with all its variables and nodes (compiled functions stay valid). */
TG_API void tg_graph_free(tg_graph *g);
/* The first error met while building on g, or "" if none. */
TG_API const char *tg_graph_error(const tg_graph *g);
/* Status of the first error on g (TG_OK if none). */
TG_API tg_status tg_graph_status(const tg_graph *g);
/* Forget the sticky error so building can go on. */
TG_API void tg_graph_clear_error(tg_graph *g);
/* Number of Apply nodes in g. */
TG_API int64_t tg_graph_n_nodes(const tg_graph *g);

/* A symbolic tensor input. shape has ndim entries: -1 for unknown, n >= 0 for a static
   length (1 means broadcastable, as in Theano); shape NULL means all unknown.
   dt may be TG_FLOATX. name may be NULL. */
TG_API tg_var *tg_tensor(tg_graph *g, const char *name, tg_dtype dt, int ndim, const int64_t *shape);
/* A 0-d input. */
TG_API tg_var *tg_scalar(tg_graph *g, const char *name, tg_dtype dt);
/* A 1-d input. */
TG_API tg_var *tg_vector(tg_graph *g, const char *name, tg_dtype dt);
/* A 1 x n input (first dim broadcastable). */
TG_API tg_var *tg_row(tg_graph *g, const char *name, tg_dtype dt);
/* An n x 1 input (second dim broadcastable). */
TG_API tg_var *tg_col(tg_graph *g, const char *name, tg_dtype dt);
/* A 2-d input. */
TG_API tg_var *tg_matrix(tg_graph *g, const char *name, tg_dtype dt);
/* A 3-d input. */
TG_API tg_var *tg_tensor3(tg_graph *g, const char *name, tg_dtype dt);
/* A 4-d input. */
TG_API tg_var *tg_tensor4(tg_graph *g, const char *name, tg_dtype dt);

/* A constant holding a reference to `value` (every static dim known). */
TG_API tg_var *tg_constant(tg_graph *g, tg_array *value);
/* A 0-d constant of an explicit dtype. */
TG_API tg_var *tg_const_typed(tg_graph *g, tg_dtype dt, double v);
/* A "Python float" constant: it takes the float dtype of the tensor it meets
   (x * 2.0 keeps float32 x float32) and is float64 on its own or with ints. */
TG_API tg_var *tg_const_f64(tg_graph *g, double v);
/* A "Python int" constant: it takes the dtype of the tensor it meets (int8, float32, ...)
   and is int64 on its own or with bools. */
TG_API tg_var *tg_const_i64(tg_graph *g, int64_t v);

/* Graph a variable belongs to. */
TG_API tg_graph *tg_var_graph(const tg_var *v);
/* Name (NULL if none). */
TG_API const char *tg_var_name(const tg_var *v);
/* Rename (copies the string); returns v. */
TG_API tg_var *tg_var_set_name(tg_var *v, const char *name);
/* Element type. */
TG_API tg_dtype tg_var_dtype(const tg_var *v);
/* Rank. */
TG_API int tg_var_ndim(const tg_var *v);
/* Static length of dim i, -1 if unknown. */
TG_API int64_t tg_var_dim(const tg_var *v, int i);
/* True for constants. */
TG_API bool tg_var_is_constant(const tg_var *v);
/* The value of a constant (borrowed), NULL for other variables. */
TG_API const tg_array *tg_var_constant_value(const tg_var *v);
/* Type as text, e.g. "TensorType(float64, (?, 1))". Written to buf; returns buf. */
TG_API char *tg_var_type_str(const tg_var *v, char *buf, size_t n);

/* Print an indented tree of the graph computing the outputs, Theano's debugprint style. */
TG_API tg_status tg_debugprint(int n, tg_var *const *outputs, FILE *fp);
/* One-line infix form, e.g. "(A + B)"; a new string to free with tg_free, NULL on error. */
TG_API char *tg_pp(const tg_var *v);
/* Graphviz DOT of the graph computing the outputs. */
TG_API tg_status tg_graph_dot(int n, tg_var *const *outputs, FILE *fp);

#ifdef __cplusplus
}
#endif
#endif
