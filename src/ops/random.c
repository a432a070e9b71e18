/* random.c: random streams, Theano's RandomStreams: tg_rng and its builders. A stream
   lives in its graph's arena and keeps the list of the states it made: every random
   variable gets its own state, an int64 shared variable (seed, stream id, position) whose
   default update is the op's new-state output, so draws from one stream never share
   Philox blocks (they differ in the stream id) and re-seeding resets them all. The op
   class is in random_kernel.c, the generator in random_dist.c. */
#include <stdio.h>

#include "random_impl.h"

typedef struct rng_state {
  tg_var *state;
  int64_t id;
  struct rng_state *next;
} rng_state;

struct tg_rng {
  tg_graph *g;
  uint64_t seed;
  int64_t n;
  rng_state *head, *tail;
};

const tgi_op_info tgi_catalogue_random[] = {
    {"uniform", "random", 2, "int, float -> float", "not differentiable", "",
     "RandomVariable{uniform}: uniform on [low, high) (tg_rng_uniform)"},
    {"normal", "random", 2, "int, float -> float", "not differentiable", "",
     "RandomVariable{normal}: mean + std * N(0, 1), Box-Muller (tg_rng_normal)"},
    {"integers", "random", 2, "int -> int", "not differentiable", "",
     "RandomVariable{integers}: integers uniform on [low, high), unbiased"},
    {"binomial", "random", 2, "int (n), float (p) -> any", "not differentiable", "",
     "RandomVariable{binomial}: inversion for n*p < 10, Hormann's BTRS beyond"},
    {"bernoulli", "random", 1, "int, float -> any", "not differentiable", "",
     "RandomVariable{bernoulli}: 1 with probability p (dropout masks)"},
    {"gamma", "random", 2, "int, float -> float", "not differentiable", "",
     "RandomVariable{gamma}: shape k, scale; Marsaglia-Tsang"},
    {"beta", "random", 2, "int, float -> float", "not differentiable", "",
     "RandomVariable{beta}: X/(X+Y) of two gammas, in log space"},
    {"poisson", "random", 1, "int, float -> any", "not differentiable", "",
     "RandomVariable{poisson}: multiplication for lam < 10, Hormann's PTRS beyond"},
    {"multinomial", "random", 2, "int (n), float (pvals) -> any", "not differentiable", "",
     "RandomVariable{multinomial}: counts over pvals' last dim, by conditional binomials"},
    {"choice", "random", 2, "all (a), float (p)", "not differentiable", "",
     "RandomVariable{choice}: samples of a, with or without replacement, weights p"},
    {"permutation", "random", 1, "all", "not differentiable", "",
     "RandomVariable{permutation}: a shuffled arange(n) or vector"},
};
const int tgi_catalogue_random_n = (int)(sizeof tgi_catalogue_random /
                                         sizeof tgi_catalogue_random[0]);

tg_rng *tg_rng_new(tg_graph *g, uint64_t seed) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_rng_new: graph is NULL"), NULL;
  tg_rng *r = tgi_arena_alloc(g, sizeof *r);
  if (!r) return NULL;
  r->g = g;
  r->seed = seed;
  return r;
}

/* The state of stream `id` at the start: (seed, id, position 0). */
static tg_array *start_state(uint64_t seed, int64_t id) {
  return tg_array_from_i64(1, (int64_t[]){3}, (int64_t[]){(int64_t)seed, id, 0});
}

tg_status tg_rng_seed(tg_rng *r, uint64_t seed) {
  if (!r) return tgi_fail(TG_ERR_ARG, "tg_rng_seed: the stream is NULL");
  /* make every new value first, so that running out of memory changes nothing */
  tg_array **v = tgi_calloc((size_t)(r->n ? r->n : 1), sizeof *v);
  bool ok = v != NULL;
  int64_t i = 0;
  for (rng_state *s = r->head; ok && s; s = s->next, i++) ok = (v[i] = start_state(seed, s->id)) != NULL;
  if (ok) {
    i = 0;
    for (rng_state *s = r->head; s; s = s->next, i++)
      tg_shared_set(s->state, v[i], true); /* same type, borrowed: cannot fail */
    r->seed = seed;
  }
  for (i = 0; v && i < r->n; i++) tg_array_unref(v[i]);
  tgi_free(v);
  return ok ? TG_OK : tgi_fail(TG_ERR_NOMEM, "tg_rng_seed: out of memory");
}

tg_var *tg_rng_state(const tg_var *draw, tg_var **new_state) {
  if (new_state) *new_state = NULL;
  if (!draw || draw->kind != TGV_RESULT || draw->owner->op->cls != &tgi_random_class ||
      draw->index != 1)
    return tgi_fail(TG_ERR_ARG, "tg_rng_state: not a random draw"), NULL;
  if (new_state) *new_state = draw->owner->out[0];
  return draw->owner->in[0];
}

/* ---- builders ---- */

static bool check_par(tg_graph *g, const char *fn, const char *what, tg_var *v, bool int_only) {
  char t[160];
  if (!v) return tgi_gfail(g, TG_ERR_ARG, "%s: parameter '%s' is NULL", fn, what), false;
  if (v->g != g)
    return tgi_gfail(g, TG_ERR_ARG, "%s: parameter '%s' belongs to another graph", fn, what),
           false;
  bool ok = int_only ? tg_dtype_is_int(v->type.dtype)
                     : tg_dtype_is_int(v->type.dtype) || tg_dtype_is_float(v->type.dtype);
  if (!ok)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: parameter '%s' must be %s tensor, got %s", fn, what,
                     int_only ? "an integer" : "a number", tgi_type_str(&v->type, t, sizeof t)),
           false;
  return true;
}

/* dt resolved (TG_FLOATX) and checked: "float", "int" or "any" dtypes accepted. */
static bool check_dtype(tg_graph *g, const char *fn, tg_dtype *dt, char kind) {
  if (*dt == TG_FLOATX) *dt = tg_config_floatx();
  bool ok = (unsigned)*dt < TG_NDTYPES && (kind == 'a' ||
            (kind == 'f' ? tg_dtype_is_float(*dt) : tg_dtype_is_int(*dt)));
  if (!ok)
    tgi_gfail(g, TG_ERR_TYPE, "%s: the draws' dtype must be %s, got %s", fn,
              kind == 'f' ? "a float dtype" : kind == 'i' ? "an integer dtype" : "a valid dtype",
              (unsigned)*dt < TG_NDTYPES ? tg_dtype_name(*dt) : "an invalid dtype");
  return ok;
}

/* The shape input: an integer vector of static length, as int64. */
static tg_var *check_shape(tg_graph *g, const char *fn, tg_var *shape) {
  char t[160];
  if (shape->g != g)
    return tgi_gfail(g, TG_ERR_ARG, "%s: the shape belongs to another graph", fn);
  const tg_type *st = &shape->type;
  if (!tg_dtype_is_int(st->dtype) || st->ndim != 1 || st->shape[0] < 0 ||
      st->shape[0] > TG_MAX_NDIM - 1)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: the shape must be an integer vector of static "
                     "length (tg_make_vector or a constant), got %s", fn,
                     tgi_type_str(st, t, sizeof t));
  return st->dtype == TG_INT64 ? shape : tg_cast(shape, TG_INT64);
}

/* Apply RandomVariable{code} to a fresh state of r and the given inputs. */
static tg_var *rv_apply(tg_rng *r, const char *fn, int code, tg_var *shape, int n_par,
                        tg_var *const *par, tg_dtype dt, bool replace) {
  tg_graph *g = r->g;
  tg_var *in[5];
  int n_in = 1;
  if (shape && !(in[n_in++] = check_shape(g, fn, shape))) return NULL;
  for (int i = 0; i < n_par; i++) in[n_in++] = par[i];
  tg_array *v = start_state(r->seed, r->n);
  if (!v) return tgi_gfail(g, TG_ERR_NOMEM, "%s: out of memory", fn);
  char name[32];
  snprintf(name, sizeof name, "rng_state_%lld", (long long)r->n);
  in[0] = tg_shared(g, name, v, false);
  tg_array_unref(v);
  int64_t params[TGI_RVP_N] = {shape != NULL, replace, code == TGI_RV_CHOICE && n_par > 1};
  tg_op *op = in[0] ? tgi_op_new(g, &tgi_random_class, code, dt, TGI_RVP_N, params) : NULL;
  tg_node *nd = op ? tgi_apply(op, n_in, in) : NULL;
  rng_state *s = nd ? tgi_arena_alloc(g, sizeof *s) : NULL;
  if (!s) return NULL;
  tg_shared_set_default_update(in[0], nd->out[0]); /* same graph and type: cannot fail */
  s->state = in[0];
  s->id = r->n++;
  if (r->tail) r->tail->next = s;
  else r->head = s;
  r->tail = s;
  return nd->out[1];
}

/* The common path of the elementwise distributions: defaults, checks, apply. */
static tg_var *build(tg_rng *r, int code, tg_var *a, tg_var *b, tg_var *shape, tg_dtype dt,
                     bool int_a, bool int_b) {
  const tgi_rv_info *info = &tgi_rv_infos[code];
  char fn[32];
  snprintf(fn, sizeof fn, "tg_rng_%s", info->name);
  if (!r) return tgi_fail(TG_ERR_ARG, "%s: the stream is NULL", fn), NULL;
  tg_graph *g = r->g;
  if (g->err.status != TG_OK) return NULL;
  tg_var *par[2] = {a, b};
  for (int i = 0; i < info->n_par; i++)
    if (!check_par(g, fn, info->par[i], par[i], i ? int_b : int_a)) return NULL;
  char kind = code == TGI_RV_INTEGERS ? 'i' : info->continuous ? 'f' : 'a';
  if (!check_dtype(g, fn, &dt, kind)) return NULL;
  return rv_apply(r, fn, code, shape, info->n_par, par, dt, false);
}

/* A default parameter: the Python float v (takes the other parameters' float dtype). */
static tg_var *dflt(tg_rng *r, tg_var *v, double x) {
  return v ? v : r ? tg_const_f64(r->g, x) : NULL;
}

tg_var *tg_rng_uniform(tg_rng *r, tg_var *low, tg_var *high, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_UNIFORM, dflt(r, low, 0), dflt(r, high, 1), shape, dt, false, false);
}

tg_var *tg_rng_normal(tg_rng *r, tg_var *mean, tg_var *std, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_NORMAL, dflt(r, mean, 0), dflt(r, std, 1), shape, dt, false, false);
}

tg_var *tg_rng_integers(tg_rng *r, tg_var *low, tg_var *high, tg_var *shape, tg_dtype dt) {
  tg_var *lo = low ? low : r ? tg_const_typed(r->g, TG_INT64, 0) : NULL;
  return build(r, TGI_RV_INTEGERS, lo, high, shape, dt, true, true);
}

tg_var *tg_rng_binomial(tg_rng *r, tg_var *n, tg_var *p, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_BINOMIAL, n, p, shape, dt, true, false);
}

tg_var *tg_rng_bernoulli(tg_rng *r, tg_var *p, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_BERNOULLI, p, NULL, shape, dt, false, false);
}

tg_var *tg_rng_gamma(tg_rng *r, tg_var *k, tg_var *scale, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_GAMMA, k, dflt(r, scale, 1), shape, dt, false, false);
}

tg_var *tg_rng_beta(tg_rng *r, tg_var *a, tg_var *b, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_BETA, a, b, shape, dt, false, false);
}

tg_var *tg_rng_poisson(tg_rng *r, tg_var *lam, tg_var *shape, tg_dtype dt) {
  return build(r, TGI_RV_POISSON, dflt(r, lam, 1), NULL, shape, dt, false, false);
}

tg_var *tg_rng_multinomial(tg_rng *r, tg_var *n, tg_var *pvals, tg_var *shape, tg_dtype dt) {
  const char *fn = "tg_rng_multinomial";
  if (!r) return tgi_fail(TG_ERR_ARG, "%s: the stream is NULL", fn), NULL;
  tg_graph *g = r->g;
  char t[160];
  if (g->err.status != TG_OK || !check_par(g, fn, "n", n, true) ||
      !check_par(g, fn, "pvals", pvals, false) || !check_dtype(g, fn, &dt, 'a'))
    return NULL;
  if (pvals->type.ndim < 1)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: parameter 'pvals' must have a dim of categories, "
                     "got %s", fn, tgi_type_str(&pvals->type, t, sizeof t));
  return rv_apply(r, fn, TGI_RV_MULTINOMIAL, shape, 2, (tg_var *[]){n, pvals}, dt, false);
}

/* a: an integer scalar or a vector; the draws take a vector's dtype, int64 otherwise. */
static bool check_population(tg_graph *g, const char *fn, tg_var *a) {
  char t[160];
  if (!a) return tgi_gfail(g, TG_ERR_ARG, "%s: parameter '%s' is NULL", fn,
                           strcmp(fn, "tg_rng_choice") ? "x" : "a"), false;
  if (a->g != g) return tgi_gfail(g, TG_ERR_ARG, "%s: the population belongs to another graph", fn), false;
  if (a->type.ndim == 1 || (a->type.ndim == 0 && tg_dtype_is_int(a->type.dtype))) return true;
  return tgi_gfail(g, TG_ERR_TYPE, "%s: the population must be an integer scalar or a vector, "
                   "got %s", fn, tgi_type_str(&a->type, t, sizeof t)), false;
}

tg_var *tg_rng_choice(tg_rng *r, tg_var *a, tg_var *shape, bool replace, tg_var *p) {
  const char *fn = "tg_rng_choice";
  if (!r) return tgi_fail(TG_ERR_ARG, "%s: the stream is NULL", fn), NULL;
  tg_graph *g = r->g;
  char t[160];
  if (g->err.status != TG_OK || !check_population(g, fn, a)) return NULL;
  if (p && !check_par(g, fn, "p", p, false)) return NULL;
  if (p && p->type.ndim != 1)
    return tgi_gfail(g, TG_ERR_TYPE, "%s: parameter 'p' must be a vector, got %s", fn,
                     tgi_type_str(&p->type, t, sizeof t));
  tg_dtype dt = a->type.ndim == 1 ? a->type.dtype : TG_INT64;
  return rv_apply(r, fn, TGI_RV_CHOICE, shape, p ? 2 : 1, (tg_var *[]){a, p}, dt, replace);
}

tg_var *tg_rng_permutation(tg_rng *r, tg_var *x) {
  const char *fn = "tg_rng_permutation";
  if (!r) return tgi_fail(TG_ERR_ARG, "%s: the stream is NULL", fn), NULL;
  tg_graph *g = r->g;
  if (g->err.status != TG_OK || !check_population(g, fn, x)) return NULL;
  tg_dtype dt = x->type.ndim == 1 ? x->type.dtype : TG_INT64;
  return rv_apply(r, fn, TGI_RV_PERMUTATION, NULL, 1, &x, dt, false);
}
