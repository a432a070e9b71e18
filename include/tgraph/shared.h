/* tgraph/shared.h: shared variables, Theano's symbolic variables with persistent storage.
   A shared variable is used in graphs like any input, but compiled functions read its
   current value themselves, and their updates replace it. */
#ifndef TGRAPH_SHARED_H
#define TGRAPH_SHARED_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A shared variable holding value (same dtype and rank; every dim of its type unknown,
   so later values may change shape). borrow: keep a reference to the caller's array
   (later changes to it are seen, as numpy aliasing in Theano); otherwise copy it. */
TG_API tg_var *tg_shared(tg_graph *g, const char *name, tg_array *value, bool borrow);
/* The current value as a new reference (unref it). borrow: the stored array itself, which
   must not be modified (an update replaces it rather than writing into it); otherwise a
   private copy. NULL if v is not shared (message in tg_errmsg()). */
TG_API tg_array *tg_shared_get(const tg_var *v, bool borrow);
/* Replace the value; dtype and rank must match the variable's type (TG_ERR_TYPE otherwise,
   nothing changed). borrow: keep a reference to value; otherwise store a copy. */
TG_API tg_status tg_shared_set(tg_var *v, tg_array *value, bool borrow);
/* True for shared variables. */
TG_API bool tg_var_is_shared(const tg_var *v);
/* Give shared a default update: a compiled function that uses shared and does not update
   it explicitly updates it with expr (same dtype and rank), as Theano's default_update;
   random streams use it to move their state on. expr NULL removes it. */
TG_API tg_status tg_shared_set_default_update(tg_var *shared, tg_var *expr);

#ifdef __cplusplus
}
#endif
#endif
