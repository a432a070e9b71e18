/* tgraph/ops.h: op constructors. Each takes variables of one graph, checks and infers the
   output type, appends an Apply node and returns its output; NULL (with the graph's sticky
   error set) on a type error or when given NULL. Elementwise ops broadcast as numpy does
   along dims that are statically 1 and promote dtypes as numpy does; docs/dtypes.md has the
   exact result dtype and integer/float semantics of every elementwise op. */
#ifndef TGRAPH_OPS_H
#define TGRAPH_OPS_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- arithmetic ---- */
/* a + b */
TG_API tg_var *tg_add(tg_var *a, tg_var *b);
/* a - b */
TG_API tg_var *tg_sub(tg_var *a, tg_var *b);
/* a * b */
TG_API tg_var *tg_mul(tg_var *a, tg_var *b);
/* a / b, always a float result (ints give float64, as numpy) */
TG_API tg_var *tg_true_div(tg_var *a, tg_var *b);
/* floor(a / b), Python semantics; integer x // 0 is 0 */
TG_API tg_var *tg_floor_div(tg_var *a, tg_var *b);
/* a - floor(a / b) * b, sign of b as Python; integer x % 0 is 0 */
TG_API tg_var *tg_mod(tg_var *a, tg_var *b);
/* a ** b; ints wrap, and a negative int exponent gives 0 unless |a| == 1 */
TG_API tg_var *tg_pow(tg_var *a, tg_var *b);
/* -a */
TG_API tg_var *tg_neg(tg_var *a);
/* |a| */
TG_API tg_var *tg_abs(tg_var *a);
/* -1, 0 or 1 (NaN for NaN) */
TG_API tg_var *tg_sign(tg_var *a);
/* elementwise minimum (NaN propagates, as numpy.minimum) */
TG_API tg_var *tg_minimum(tg_var *a, tg_var *b);
/* elementwise maximum (NaN propagates) */
TG_API tg_var *tg_maximum(tg_var *a, tg_var *b);
/* minimum(maximum(x, lo), hi) */
TG_API tg_var *tg_clip(tg_var *x, tg_var *lo, tg_var *hi);
/* a * a */
TG_API tg_var *tg_sqr(tg_var *a);
/* 1 / a, a float result for ints (Theano's inv) */
TG_API tg_var *tg_reciprocal(tg_var *a);

/* ---- exponentials and logarithms ---- */
/* e ** a */
TG_API tg_var *tg_exp(tg_var *a);
/* 2 ** a */
TG_API tg_var *tg_exp2(tg_var *a);
/* e ** a - 1, accurate near 0 */
TG_API tg_var *tg_expm1(tg_var *a);
/* natural log */
TG_API tg_var *tg_log(tg_var *a);
/* base-2 log */
TG_API tg_var *tg_log2(tg_var *a);
/* base-10 log */
TG_API tg_var *tg_log10(tg_var *a);
/* log(1 + a), accurate near 0 */
TG_API tg_var *tg_log1p(tg_var *a);
/* square root */
TG_API tg_var *tg_sqrt(tg_var *a);

/* ---- trigonometric and hyperbolic ---- */
/* sine */
TG_API tg_var *tg_sin(tg_var *a);
/* cosine */
TG_API tg_var *tg_cos(tg_var *a);
/* tangent */
TG_API tg_var *tg_tan(tg_var *a);
/* inverse sine */
TG_API tg_var *tg_arcsin(tg_var *a);
/* inverse cosine */
TG_API tg_var *tg_arccos(tg_var *a);
/* inverse tangent */
TG_API tg_var *tg_arctan(tg_var *a);
/* atan2(a, b) */
TG_API tg_var *tg_arctan2(tg_var *a, tg_var *b);
/* hyperbolic sine */
TG_API tg_var *tg_sinh(tg_var *a);
/* hyperbolic cosine */
TG_API tg_var *tg_cosh(tg_var *a);
/* hyperbolic tangent */
TG_API tg_var *tg_tanh(tg_var *a);
/* inverse hyperbolic sine */
TG_API tg_var *tg_arcsinh(tg_var *a);
/* inverse hyperbolic cosine */
TG_API tg_var *tg_arccosh(tg_var *a);
/* inverse hyperbolic tangent */
TG_API tg_var *tg_arctanh(tg_var *a);

/* ---- special functions ---- */
/* 1 / (1 + exp(-a)), stable for large |a| */
TG_API tg_var *tg_sigmoid(tg_var *a);
/* log(1 + exp(a)), stable for large |a| */
TG_API tg_var *tg_softplus(tg_var *a);
/* error function */
TG_API tg_var *tg_erf(tg_var *a);
/* complementary error function */
TG_API tg_var *tg_erfc(tg_var *a);
/* scaled complementary error function exp(a*a) * erfc(a) */
TG_API tg_var *tg_erfcx(tg_var *a);
/* log|gamma(a)| */
TG_API tg_var *tg_gammaln(tg_var *a);
/* digamma, the derivative of gammaln (-inf at +0, NaN at negative integers) */
TG_API tg_var *tg_psi(tg_var *a);
/* trigamma, the derivative of psi (+inf at 0 and the negative integers) */
TG_API tg_var *tg_trigamma(tg_var *a);
/* polygamma(n, x): the n-th derivative of psi (n an integer tensor, >= 0; result float as x). */
TG_API tg_var *tg_polygamma(tg_var *n, tg_var *x);

/* ---- rounding ---- */
/* largest integer <= a */
TG_API tg_var *tg_floor(tg_var *a);
/* smallest integer >= a */
TG_API tg_var *tg_ceil(tg_var *a);
/* nearest integer, halves to even (numpy.round); ints unchanged, bools give int8 */
TG_API tg_var *tg_round(tg_var *a);
/* integer part, toward zero */
TG_API tg_var *tg_trunc(tg_var *a);

/* ---- comparisons (bool results) ---- */
/* a < b */
TG_API tg_var *tg_lt(tg_var *a, tg_var *b);
/* a > b */
TG_API tg_var *tg_gt(tg_var *a, tg_var *b);
/* a <= b */
TG_API tg_var *tg_le(tg_var *a, tg_var *b);
/* a >= b */
TG_API tg_var *tg_ge(tg_var *a, tg_var *b);
/* a == b */
TG_API tg_var *tg_eq(tg_var *a, tg_var *b);
/* a != b */
TG_API tg_var *tg_neq(tg_var *a, tg_var *b);
/* isnan(a) (false for ints) */
TG_API tg_var *tg_isnan(tg_var *a);
/* isinf(a) */
TG_API tg_var *tg_isinf(tg_var *a);
/* isfinite(a) */
TG_API tg_var *tg_isfinite(tg_var *a);

/* ---- logical (any dtype, nonzero is true; bool results) ---- */
/* a && b */
TG_API tg_var *tg_logical_and(tg_var *a, tg_var *b);
/* a || b */
TG_API tg_var *tg_logical_or(tg_var *a, tg_var *b);
/* a != b as truth values */
TG_API tg_var *tg_logical_xor(tg_var *a, tg_var *b);
/* !a */
TG_API tg_var *tg_logical_not(tg_var *a);

/* ---- bitwise (ints and bools only) ---- */
/* a & b */
TG_API tg_var *tg_bitwise_and(tg_var *a, tg_var *b);
/* a | b */
TG_API tg_var *tg_bitwise_or(tg_var *a, tg_var *b);
/* a ^ b */
TG_API tg_var *tg_bitwise_xor(tg_var *a, tg_var *b);
/* ~a (logical not for bools) */
TG_API tg_var *tg_invert(tg_var *a);
/* a << b (0 once b reaches the width or is negative) */
TG_API tg_var *tg_left_shift(tg_var *a, tg_var *b);
/* a >> b, arithmetic for signed types */
TG_API tg_var *tg_right_shift(tg_var *a, tg_var *b);

/* ---- selection and conversion ---- */
/* cond ? a : b elementwise (numpy.where with three arguments) */
TG_API tg_var *tg_switch(tg_var *cond, tg_var *a, tg_var *b);
/* a converted to dtype dt (ints wrap; floats truncate toward 0, NaN gives 0; docs/dtypes.md) */
TG_API tg_var *tg_cast(tg_var *a, tg_dtype dt);
/* An elementwise op by its catalogue name ("add", "exp", ...) over n inputs. */
TG_API tg_var *tg_elemwise(const char *name, int n, tg_var *const *inputs);

#ifdef __cplusplus
}
#endif
#endif
