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
#define DT_R_XFLOAT "all -> float (of x)"

/* the grad column from the type rule: ops with bool results, and the bitwise and shift
   ops (integers only), have no gradient; the rules are in src/grad/elemwise_grad.c */
#define GR_R_SAME "yes"
#define GR_R_NOBOOL "yes"
#define GR_R_INTDIV "yes"
#define GR_R_FLOAT "yes"
#define GR_R_TRUEDIV "yes"
#define GR_R_CMP "not differentiable"
#define GR_R_BITWISE "not differentiable"
#define GR_R_SHIFT "not differentiable"
#define GR_R_SWITCH "yes"
#define GR_R_CAST "yes"
#define GR_R_XFLOAT "yes"
/* exceptions to the rule's column: piecewise-constant ops (gradient zero, as Theano) and
   polygamma, differentiable in x only (its order n is an integer) */
#define GR_ZERO(c) \
  ((c) == TGS_sign || (c) == TGS_floor || (c) == TGS_ceil || (c) == TGS_round || \
   (c) == TGS_trunc || (c) == TGS_floor_div)
#define GRAD_COL(name, rule)                                                     \
  (TGS_##name == TGS_polygamma ? "yes (in x)"                                  \
   : GR_ZERO(TGS_##name)       ? "yes (zero)"                                   \
                               : GR_##rule)

static const tgi_op_info rows[] = {
#define TG_SCALAR(name, ar, rule, infix, prec, fexpr, iexpr, doc) \
  {#name, "elemwise", ar, DT_##rule, GRAD_COL(name, rule), "", doc},
#include "scalar_ops.def"
#undef TG_SCALAR
};

/* The families in catalogue order; each family source defines its table. */
static const struct {
  const tgi_op_info *rows;
  const int *n;
} families[] = {
    {rows, NULL},
    {tgi_catalogue_shape_basic, &tgi_catalogue_shape_basic_n},
    {tgi_catalogue_shape_ops, &tgi_catalogue_shape_ops_n},
    {tgi_catalogue_index, &tgi_catalogue_index_n},
    {tgi_catalogue_reduce, &tgi_catalogue_reduce_n},
    {tgi_catalogue_extra, &tgi_catalogue_extra_n},
    {tgi_catalogue_linalg, &tgi_catalogue_linalg_n},
    {tgi_catalogue_nnet, &tgi_catalogue_nnet_n},
    {tgi_catalogue_fused, &tgi_catalogue_fused_n},
    {tgi_catalogue_random, &tgi_catalogue_random_n},
    {tgi_catalogue_scan, &tgi_catalogue_scan_n},
    {tgi_catalogue_ifelse, &tgi_catalogue_ifelse_n},
    {tgi_catalogue_grad, &tgi_catalogue_grad_n},
};
#define NFAM ((int)(sizeof families / sizeof families[0]))

static int family_size(int f) {
  return families[f].n ? *families[f].n : (int)(sizeof rows / sizeof rows[0]);
}

int tgi_op_catalogue_count(void) {
  int n = 0;
  for (int f = 0; f < NFAM; f++) n += family_size(f);
  return n;
}

const tgi_op_info *tgi_op_catalogue(int i) {
  if (i < 0) return NULL;
  for (int f = 0; f < NFAM; f++) {
    if (i < family_size(f)) return &families[f].rows[i];
    i -= family_size(f);
  }
  return NULL;
}
