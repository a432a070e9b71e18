/* grad_elemwise.h: the table of differentiable scalar ops shared by test_grad_elemwise.c
   and test_grad_elemwise2.c: each op's input domains (inside its domain, away from its
   non-differentiable points), its order of differentiability, a builder for
   tg_verify_grad, and the input layouts (broadcasting, size-1, non-contiguous). */
#ifndef TG_GRAD_ELEMWISE_H
#define TG_GRAD_ELEMWISE_H

#include "grad_check.h"

/* Where an input's values come from: uniform in [lo, hi) when step is 0, otherwise the
   grid lo, lo + step, ... <= hi with a uniform jitter in [-jit, jit] (grids keep values a
   fixed distance from discontinuities and from each other); sym flips the sign of half
   of them; boolean makes a bool array of random truth values. */
typedef struct dom {
  double lo, hi, step, jit;
  bool sym, boolean;
} dom;

#define U(a, b) {(a), (b), 0, 0, false, false}
#define PM(a, b) {(a), (b), 0, 0, true, false} /* +-[a, b) */
#define GRID(a, b, s, j) {(a), (b), (s), (j), false, false}
#define BOOLS {0, 1, 0, 0, false, true}

/* Integer-rounding ops: k + 0.3 +- 0.1 is away from integers and from halves. */
#define FRAC GRID(-2.7, 2.3, 1, 0.1)
/* minimum/maximum: operands on interleaved grids, never within 0.3 of each other */
#define QLO GRID(-2.75, 2.25, 1, 0.1)
#define QHI GRID(-2.25, 2.75, 1, 0.1)
/* floor_div/mod: a near -3 or 1, b near 2: a / b stays 0.1 away from an integer */
#define DIVA GRID(-3, 1, 4, 0.2)
#define DIVB GRID(2, 2, 1, 0.1)

/* order: 2 when the gradient is differentiable again with a second derivative that is
   not identically zero (checked by test_grad_elemwise2.c), 1 when it is not, 0 for piecewise-linear and piecewise-constant ops, whose
   gradient is piecewise constant (its own gradient is zero or disconnected). */
typedef struct opcase {
  const char *name;
  int arity;
  dom d[3];
  int order;
} opcase;

/* Every scalar op with a float gradient, in scalar_ops.def order. Those whose gradient
   is identically zero (sign, floor, ceil, round, trunc, floor_div) are checked too: the
   finite differences away from their jumps are 0 as well. */
static const opcase ops[] = {
    {"add", 2, {U(-2, 2), U(-2, 2)}, 0},
    {"sub", 2, {U(-2, 2), U(-2, 2)}, 0},
    {"mul", 2, {U(-2, 2), U(-2, 2)}, 2},
    {"true_div", 2, {U(-2, 2), PM(0.5, 2)}, 2},
    {"floor_div", 2, {DIVA, DIVB}, 0},
    {"mod", 2, {DIVA, DIVB}, 0},
    {"pow", 2, {U(0.5, 2), U(-1.5, 1.5)}, 2},
    {"neg", 1, {U(-2, 2)}, 0},
    {"abs", 1, {PM(0.2, 2)}, 0},
    {"sign", 1, {PM(0.2, 2)}, 0},
    {"minimum", 2, {QLO, QHI}, 0},
    {"maximum", 2, {QLO, QHI}, 0},
    /* x on k + 0.25, lo on {-1.25, -0.25}, hi on {0.75, 1.75}: every region, no ties */
    {"clip", 3,
     {GRID(-2.75, 2.25, 1, 0.05), GRID(-1.25, -0.25, 1, 0.05), GRID(0.75, 1.75, 1, 0.05)}, 0},
    {"sqr", 1, {U(-2, 2)}, 2},
    {"reciprocal", 1, {PM(0.5, 2)}, 2},
    {"exp", 1, {U(-2, 2)}, 2},
    {"exp2", 1, {U(-2, 2)}, 2},
    {"expm1", 1, {U(-2, 2)}, 2},
    {"log", 1, {U(0.5, 3)}, 2},
    {"log2", 1, {U(0.5, 3)}, 2},
    {"log10", 1, {U(0.5, 3)}, 2},
    {"log1p", 1, {U(-0.5, 2)}, 2},
    {"sqrt", 1, {U(0.5, 3)}, 2},
    {"sin", 1, {U(-3, 3)}, 2},
    {"cos", 1, {U(-3, 3)}, 2},
    {"tan", 1, {U(-1.2, 1.2)}, 2},
    {"arcsin", 1, {U(-0.8, 0.8)}, 2},
    {"arccos", 1, {U(-0.8, 0.8)}, 2},
    {"arctan", 1, {U(-3, 3)}, 2},
    {"arctan2", 2, {U(-2, 2), U(0.5, 2)}, 2}, /* b > 0: away from the branch cut */
    {"sinh", 1, {U(-2, 2)}, 2},
    {"cosh", 1, {U(-2, 2)}, 2},
    {"tanh", 1, {U(-2, 2)}, 2},
    {"arcsinh", 1, {U(-3, 3)}, 2},
    {"arccosh", 1, {U(1.2, 3)}, 2},
    {"arctanh", 1, {U(-0.8, 0.8)}, 2},
    {"sigmoid", 1, {U(-3, 3)}, 2},
    {"softplus", 1, {U(-3, 3)}, 2},
    {"erf", 1, {U(-2, 2)}, 2},
    {"erfc", 1, {U(-2, 2)}, 2},
    {"erfcx", 1, {U(-1, 2)}, 2},
    {"gammaln", 1, {U(0.5, 4)}, 2},
    {"psi", 1, {U(0.5, 4)}, 2},
    {"trigamma", 1, {U(0.5, 4)}, 2},
    {"floor", 1, {FRAC}, 0},
    {"ceil", 1, {FRAC}, 0},
    {"round", 1, {FRAC}, 0},
    {"trunc", 1, {FRAC}, 0},
    {"switch", 3, {BOOLS, U(-2, 2), U(-2, 2)}, 0},
    {"cast", 1, {U(-2, 2)}, 0}, /* float64 <-> float32 */
};
#define N_OPS ((int)(sizeof ops / sizeof ops[0]))

/* The op applied to the inputs; cast goes to the other float dtype. */
GC_FN tg_var *b_op(tg_graph *g, int n, tg_var *const *in, void *ud) {
  (void)g;
  const opcase *c = ud;
  if (!strcmp(c->name, "cast"))
    return tg_cast(in[0], tg_var_dtype(in[0]) == TG_FLOAT64 ? TG_FLOAT32 : TG_FLOAT64);
  return tg_elemwise(c->name, n, in);
}

/* An array of shape `shape` with values from d (bool arrays for conditions). */
GC_FN tg_array *draw(const dom *d, tg_dtype dt, int nd, const int64_t *shape) {
  tg_array *a = tg_array_empty(d->boolean ? TG_BOOL : dt, nd, shape);
  for (int64_t i = 0; a && i < tg_array_size(a); i++) {
    double v;
    if (d->boolean) {
      v = gc_uniform() < 0.5;
    } else if (d->step > 0) {
      int n = (int)((d->hi - d->lo) / d->step + 1e-9) + 1;
      int k = (int)(gc_uniform() * n);
      v = d->lo + d->step * (k < n ? k : n - 1) + d->jit * (2 * gc_uniform() - 1);
    } else {
      v = d->lo + (d->hi - d->lo) * gc_uniform();
    }
    if (d->sym && gc_uniform() < 0.5) v = -v;
    tg_array_set_f64(a, i, v);
  }
  return a;
}

/* Layouts of the inputs: shapes per input position (arity-1 ops use the first column),
   and whether (and how) the arrays are made non-contiguous. */
typedef struct layout {
  const char *what;
  int nd[3];
  int64_t shape[3][3];
  int noncontig[3]; /* -1 contiguous, else gc_noncontig's kind */
} layout;

static const layout layouts[] = {
    {"same shape", {2, 2, 2}, {{3, 4}, {3, 4}, {3, 4}}, {-1, -1, -1}},
    {"row and column broadcast", {3, 2, 2}, {{2, 3, 4}, {1, 4}, {3, 1}}, {-1, -1, -1}},
    {"lower rank", {2, 1, 1}, {{3, 4}, {4}, {4}}, {-1, -1, -1}},
    {"size-1 dims on both sides", {2, 2, 2}, {{3, 1}, {1, 4}, {1, 1}}, {-1, -1, -1}},
    {"0-d operands", {0, 0, 0}, {{0}, {0}, {0}}, {-1, -1, -1}},
    {"0-d next to a matrix", {2, 0, 0}, {{3, 4}, {0}, {0}}, {-1, -1, -1}},
    {"transposed and negative-stride", {2, 2, 2}, {{3, 4}, {3, 4}, {3, 4}}, {0, 1, 1}},
    {"strided/reversed and transposed", {2, 2, 1}, {{2, 3}, {2, 3}, {3}}, {1, 0, 1}},
};
#define N_LAYOUTS ((int)(sizeof layouts / sizeof layouts[0]))

#endif
