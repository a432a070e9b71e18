/* catalogue.c: the op catalogue behind `tgraph ops` and docs/ops.md: one row per op the
   library offers, gathered from each family's table at compile time. */
#include "elemwise.h"

/* dtypes each elementwise type rule accepts, and what it yields */
#define DT_R_SAME "all"
#define DT_R_NOBOOL "int, uint, float"
#define DT_R_INTDIV "all (bool as int8)"
#define DT_R_FLOAT "all -> float"
#define DT_R_TRUEDIV "all -> float"
#define DT_R_CMP "all -> bool"
#define DT_R_BITWISE "int, uint, bool"
#define DT_R_SHIFT "int, uint"
#define DT_R_SWITCH "all"
#define DT_R_CAST "all"

static const tgi_op_info rows[] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) \
  {#name, "elemwise", ar, DT_##rule, "", "", doc},
#include "scalar_ops.def"
#undef TG_SCALAR
};

int tgi_op_catalogue_count(void) { return (int)(sizeof rows / sizeof rows[0]); }

const tgi_op_info *tgi_op_catalogue(int i) {
  return i >= 0 && i < tgi_op_catalogue_count() ? &rows[i] : NULL;
}
