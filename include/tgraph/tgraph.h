/* tgraph/tgraph.h: the whole public API. */
#ifndef TGRAPH_TGRAPH_H
#define TGRAPH_TGRAPH_H

#include "common.h"
#include "array.h"
#include "graph.h"
#include "ops.h"
#include "function.h"
#include "shape.h"
#include "grad.h"
#include "shared.h"
#include "checkpoint.h"
#include "reduce.h"
#include "linalg.h"
#include "nnet.h"
#include "index.h"
#include "extra.h"
#include "io.h"
#include "random.h"
#include "scan.h"
#include "ifelse.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Library version string, e.g. "0.1.0". */
TG_API const char *tg_version(void);
#ifdef __cplusplus
}
#endif
#endif
