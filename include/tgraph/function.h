/* tgraph/function.h: compiling a graph into a callable function, and calling it. */
#ifndef TGRAPH_FUNCTION_H
#define TGRAPH_FUNCTION_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_function tg_function;
typedef struct tg_options tg_options;

/* Options for tg_function_new; NULL everywhere means the defaults. */
TG_API tg_options *tg_options_new(void);
/* Free options (NULL ignored). */
TG_API void tg_options_free(tg_options *o);
/* Set an option by name: "name" (used in messages), "on_unused_input" (raise | warn |
   ignore: an input no output needs), "allow_input_downcast" (true: convert inputs of any
   dtype; false, the default: the dtype must match exactly), "borrow_outputs" (true: a shared
   variable returned as an output is its stored array, not a copy). TG_ERR_ARG otherwise. */
TG_API tg_status tg_options_set(tg_options *o, const char *key, const char *value);
/* Add an update: after each successful call, shared takes the value of expr (computed
   from the values before the call; all updates apply together or none does). */
TG_API tg_status tg_options_update(tg_options *o, tg_var *shared, tg_var *expr);
/* Add a given: var is replaced by replacement (same dtype and rank) when compiling. */
TG_API tg_status tg_options_given(tg_options *o, tg_var *var, tg_var *replacement);
/* Give input number input_index a default value, used when the call passes NULL for it. */
TG_API tg_status tg_options_default(tg_options *o, int input_index, tg_array *value);

/* Compile a function from inputs to outputs. The function owns a private copy of the
   graph it needs, so g may be freed afterwards. NULL on error, message on g. */
TG_API tg_function *tg_function_new(tg_graph *g, int n_in, tg_var *const *inputs, int n_out,
                             tg_var *const *outputs, const tg_options *opts);
/* Free a function (NULL ignored). Must not race with calls of it. */
TG_API void tg_function_free(tg_function *f);
/* Run f: inputs[n_in] are borrowed (NULL for an input with a default); outputs[n_out]
   receive new references the caller unrefs. Updates of shared variables apply only if
   the whole call succeeds. Safe to call from several threads at once. */
TG_API tg_status tg_function_call(tg_function *f, tg_array *const *inputs, tg_array **outputs);
/* Run f writing into caller-made outputs of the right dtype and shape (no allocation of
   outputs; intermediates may still be allocated). */
TG_API tg_status tg_function_call_into(tg_function *f, tg_array *const *inputs,
                                tg_array *const *outputs);
/* Message of the last failed call of f (in any thread); "" if none. */
TG_API const char *tg_function_error(const tg_function *f);
/* Number of inputs. */
TG_API int tg_function_n_inputs(const tg_function *f);
/* Number of outputs. */
TG_API int tg_function_n_outputs(const tg_function *f);
/* Number of Apply nodes the function runs. */
TG_API int64_t tg_function_n_nodes(const tg_function *f);
/* Number of distinct rewrites applied while compiling f (see tg_function_rewrite). */
TG_API int tg_function_n_rewrites(const tg_function *f);
/* Name of the i-th rewrite applied while compiling f, and in *count (may be NULL) how many
   times it was applied; NULL when i is out of range. */
TG_API const char *tg_function_rewrite(const tg_function *f, int i, int64_t *count);
/* debugprint of the compiled graph. */
TG_API tg_status tg_function_debugprint(const tg_function *f, FILE *fp);
/* Graphviz DOT of the compiled graph. */
TG_API tg_status tg_function_dot(const tg_function *f, FILE *fp);

#ifdef __cplusplus
}
#endif
#endif
