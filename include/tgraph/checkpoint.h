/* tgraph/checkpoint.h: saving and restoring the shared variables of a model as one .npz
   file, written atomically (temporary file, fsync, rename). */
#ifndef TGRAPH_CHECKPOINT_H
#define TGRAPH_CHECKPOINT_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Save the values of n shared variables to path as .npz members named after the
   variables (names must be set and distinct). A crash never leaves a partial file. */
TG_API tg_status tg_checkpoint_save(const char *path, int n, tg_var *const *shared);
/* Set n shared variables from the members of path with their names. Every member is read
   and checked (present, dtype, rank) before any variable changes. */
TG_API tg_status tg_checkpoint_load(const char *path, int n, tg_var *const *shared);

#ifdef __cplusplus
}
#endif
#endif
