/* tgraph/random.h: random streams (Theano's RandomStreams). Draws are reproducible for a
   seed whatever the thread count or backend: the generator is counter-based
   (Philox4x32-10). Each builder makes a random variable with its own state, a shared
   variable whose default update is the state after the draw, so a compiled function
   gives fresh numbers on every call, and re-seeding reproduces them. Parameters are
   tensors broadcast against each other and the requested shape (numpy's rules); shape is
   an integer vector of static length (tg_make_vector, a constant) or NULL for the
   parameters' broadcast shape. Bad parameter values are runtime errors naming the op and
   the parameter. Random draws have no gradient. */
#ifndef TGRAPH_RANDOM_H
#define TGRAPH_RANDOM_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_rng tg_rng;

/* A random stream on g seeded with seed; it lives (and is freed) with g. NULL on error. */
TG_API tg_rng *tg_rng_new(tg_graph *g, uint64_t seed);
/* Re-seed: every state made by r restarts from seed (draws then repeat those of a fresh stream
   with that seed). */
TG_API tg_status tg_rng_seed(tg_rng *r, uint64_t seed);
/* The state shared variable behind a draw; *new_state (may be NULL) gets its updated value. NULL
   if draw is not a random draw. */
TG_API tg_var *tg_rng_state(const tg_var *draw, tg_var **new_state);

/* Uniform on [low, high) (NULL: 0 and 1); dt a float dtype or TG_FLOATX. */
TG_API tg_var *tg_rng_uniform(tg_rng *r, tg_var *low, tg_var *high, tg_var *shape, tg_dtype dt);
/* Normal with mean and standard deviation std (NULL: 0 and 1); dt a float dtype or TG_FLOATX. */
TG_API tg_var *tg_rng_normal(tg_rng *r, tg_var *mean, tg_var *std, tg_var *shape, tg_dtype dt);
/* Integers uniform on [low, high) (low NULL: 0); integer parameters; dt an integer dtype
   (TG_INT64 usual). */
TG_API tg_var *tg_rng_integers(tg_rng *r, tg_var *low, tg_var *high, tg_var *shape, tg_dtype dt);
/* Binomial(n, p): n an integer tensor, 0 <= p <= 1; dt any numeric dtype (TG_INT64 usual). */
TG_API tg_var *tg_rng_binomial(tg_rng *r, tg_var *n, tg_var *p, tg_var *shape, tg_dtype dt);
/* 1 with probability p, else 0; dt any dtype (a float dtype gives masks ready to multiply). */
TG_API tg_var *tg_rng_bernoulli(tg_rng *r, tg_var *p, tg_var *shape, tg_dtype dt);
/* Gamma with shape k and scale (NULL: 1), both >= 0; dt a float dtype or TG_FLOATX. */
TG_API tg_var *tg_rng_gamma(tg_rng *r, tg_var *k, tg_var *scale, tg_var *shape, tg_dtype dt);
/* Beta(a, b), a, b > 0; dt a float dtype or TG_FLOATX. */
TG_API tg_var *tg_rng_beta(tg_rng *r, tg_var *a, tg_var *b, tg_var *shape, tg_dtype dt);
/* Poisson with mean lam (NULL: 1), 0 <= lam <= 1e15; dt any numeric dtype (TG_INT64 usual). */
TG_API tg_var *tg_rng_poisson(tg_rng *r, tg_var *lam, tg_var *shape, tg_dtype dt);
/* Multinomial counts of n trials over the categories of pvals (last dim; the last category takes
   what is left); result shape + (k,). */
TG_API tg_var *tg_rng_multinomial(tg_rng *r, tg_var *n, tg_var *pvals, tg_var *shape, tg_dtype dt);
/* Samples of a (an integer scalar N: arange(N); or a vector) of the given shape (NULL: one 0-d
   draw), with or without replacement, with probabilities p (NULL: uniform). */
TG_API tg_var *tg_rng_choice(tg_rng *r, tg_var *a, tg_var *shape, bool replace, tg_var *p);
/* A random permutation of arange(x) (x an integer scalar) or of the elements of vector x. */
TG_API tg_var *tg_rng_permutation(tg_rng *r, tg_var *x);

#ifdef __cplusplus
}
#endif
#endif
