/* scan_api.c: the public scan (include/tgraph/scan.h): the spec builders, tg_scan, which
   turns Theano's arguments into the canonical form of scan_impl.h with ordinary outer ops
   (each sequence tap is a slice, go_backwards reverses the slices, an initial state with
   one tap gets a leading axis of length 1), and the map/reduce/foldl/foldr helpers. */
#include <stdio.h>

#include "scan_impl.h"

#define MAX_TAPS 16

typedef struct spec_seq {
  tg_var *v;
  int n_taps, taps[MAX_TAPS];
} spec_seq;

typedef struct spec_out {
  tg_var *init; /* NULL: not fed back */
  int n_taps, taps[MAX_TAPS];
} spec_out;

struct tg_scan_spec {
  tg_graph *g;
  int n_seq, n_out, n_ns;
  spec_seq seqs[TGI_MAX_OUT * 4];
  spec_out outs[TGI_MAX_OUT];
  tg_var *ns[64];
  tg_var *n_steps;
  bool go_backwards, last_only;
  int64_t truncate;
  char name[40];
};

#define NSEQ_MAX ((int)(sizeof(((tg_scan_spec *)0)->seqs) / sizeof(spec_seq)))
#define NNS_MAX ((int)(sizeof(((tg_scan_spec *)0)->ns) / sizeof(tg_var *)))

tg_scan_spec *tg_scan_spec_new(tg_graph *g) {
  if (!g) return tgi_fail(TG_ERR_ARG, "tg_scan_spec_new: graph is NULL"), NULL;
  tg_scan_spec *s = tgi_calloc(1, sizeof *s);
  if (!s) return tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory");
  s->g = g;
  s->truncate = -1;
  snprintf(s->name, sizeof s->name, "scan");
  return s;
}

void tg_scan_spec_free(tg_scan_spec *s) { tgi_free(s); }

static tg_status bad(tg_scan_spec *s, tg_status st, const char *msg) {
  if (!s) return tgi_fail(TG_ERR_ARG, "scan: the spec is NULL");
  return tgi_err_set(&s->g->err, st, "%s", msg);
}

/* Copy taps (n 0: the default), checking count, range and repeats. */
static tg_status copy_taps(tg_scan_spec *s, const char *what, int idx, int n, const int *taps,
                           int dflt, bool negative, int *nout, int *out) {
  if (n == 0) {
    *nout = 1;
    out[0] = dflt;
    return TG_OK;
  }
  if (n < 0 || n > MAX_TAPS || !taps)
    return tgi_err_set(&s->g->err, TG_ERR_ARG, "scan: %s %d: %d taps (1 to %d allowed)", what,
                       idx, n, MAX_TAPS);
  for (int i = 0; i < n; i++) {
    if (negative && taps[i] >= 0)
      return tgi_err_set(&s->g->err, TG_ERR_VALUE, "scan: %s %d: tap %d must be negative (a "
                         "step sees only earlier values of its outputs)", what, idx, taps[i]);
    if (taps[i] < -100000 || taps[i] > 100000)
      return tgi_err_set(&s->g->err, TG_ERR_VALUE, "scan: %s %d: tap %d is out of range", what,
                         idx, taps[i]);
    for (int j = 0; j < i; j++)
      if (taps[j] == taps[i])
        return tgi_err_set(&s->g->err, TG_ERR_VALUE, "scan: %s %d: tap %d is given twice", what,
                           idx, taps[i]);
    out[i] = taps[i];
  }
  *nout = n;
  return TG_OK;
}

static bool check_var(tg_scan_spec *s, tg_var *v, const char *what) {
  if (!v) return bad(s, TG_ERR_ARG, "scan: a NULL variable was given"), false;
  if (v->g != s->g)
    return tgi_err_set(&s->g->err, TG_ERR_ARG, "scan: the %s belongs to another graph", what), false;
  return s->g->err.status == TG_OK;
}

tg_status tg_scan_sequence(tg_scan_spec *s, tg_var *seq, int n_taps, const int *taps) {
  if (!s || !check_var(s, seq, "sequence")) return s ? tg_graph_status(s->g) : bad(s, 0, "");
  if (s->n_seq == NSEQ_MAX) return bad(s, TG_ERR_ARG, "scan: too many sequences");
  if (seq->type.ndim < 1)
    return tgi_err_set(&s->g->err, TG_ERR_TYPE, "scan: sequence %d is 0-d; a sequence needs an "
                       "axis to iterate over", s->n_seq);
  spec_seq *q = &s->seqs[s->n_seq];
  tg_status st = copy_taps(s, "sequence", s->n_seq, n_taps, taps, 0, false, &q->n_taps, q->taps);
  if (st != TG_OK) return st;
  q->v = seq;
  s->n_seq++;
  return TG_OK;
}

tg_status tg_scan_output(tg_scan_spec *s, tg_var *init, int n_taps, const int *taps) {
  if (!s) return bad(s, 0, "");
  if (init && !check_var(s, init, "initial state")) return tg_graph_status(s->g);
  if (s->n_out == TGI_MAX_OUT) return bad(s, TG_ERR_ARG, "scan: too many outputs");
  spec_out *o = &s->outs[s->n_out];
  if (!init) {
    if (n_taps)
      return tgi_err_set(&s->g->err, TG_ERR_ARG, "scan: output %d has taps but no initial "
                         "state", s->n_out);
    o->init = NULL;
    o->n_taps = 0;
    s->n_out++;
    return TG_OK;
  }
  tg_status st = copy_taps(s, "output", s->n_out, n_taps, taps, -1, true, &o->n_taps, o->taps);
  if (st != TG_OK) return st;
  bool single = o->n_taps == 1 && o->taps[0] == -1;
  if (!single && init->type.ndim < 1)
    return tgi_err_set(&s->g->err, TG_ERR_TYPE, "scan: output %d has taps below -1, so its initial "
                       "value must hold the earlier states along a first axis; it is 0-d", s->n_out);
  int k = 0;
  for (int i = 0; i < o->n_taps; i++) k = -o->taps[i] > k ? -o->taps[i] : k;
  if (!single && init->type.shape[0] >= 0 && init->type.shape[0] < k)
    return tgi_err_set(&s->g->err, TG_ERR_SHAPE, "scan: output %d: the initial value holds %lld "
                       "states; its taps need %d", s->n_out, (long long)init->type.shape[0], k);
  o->init = init;
  s->n_out++;
  return TG_OK;
}

tg_status tg_scan_non_sequence(tg_scan_spec *s, tg_var *v) {
  if (!s || !check_var(s, v, "non-sequence")) return s ? tg_graph_status(s->g) : bad(s, 0, "");
  if (s->n_ns == NNS_MAX) return bad(s, TG_ERR_ARG, "scan: too many non-sequences");
  s->ns[s->n_ns++] = v;
  return TG_OK;
}

tg_status tg_scan_n_steps(tg_scan_spec *s, tg_var *n) {
  if (!s || !check_var(s, n, "n_steps")) return s ? tg_graph_status(s->g) : bad(s, 0, "");
  char t[160];
  if (n->type.ndim != 0 || !tg_dtype_is_int(n->type.dtype))
    return tgi_err_set(&s->g->err, TG_ERR_TYPE, "scan: n_steps must be a 0-d integer, got %s",
                       tgi_type_str(&n->type, t, sizeof t));
  if (n->kind == TGV_CONSTANT && tgi_load_i64(n->value->data, n->value->dtype) < 0)
    return tgi_err_set(&s->g->err, TG_ERR_VALUE, "scan: n_steps is %lld; it must be >= 0",
                       (long long)tgi_load_i64(n->value->data, n->value->dtype));
  s->n_steps = n;
  return TG_OK;
}

tg_status tg_scan_go_backwards(tg_scan_spec *s, bool on) {
  if (!s) return bad(s, 0, "");
  s->go_backwards = on;
  return TG_OK;
}

tg_status tg_scan_truncate_gradient(tg_scan_spec *s, int64_t steps) {
  if (!s) return bad(s, 0, "");
  if (steps < -1)
    return tgi_err_set(&s->g->err, TG_ERR_VALUE, "scan: truncate_gradient is %lld; use -1 (no "
                       "truncation) or a number of steps >= 0", (long long)steps);
  s->truncate = steps;
  return TG_OK;
}

tg_status tg_scan_last_only(tg_scan_spec *s, bool on) {
  if (!s) return bad(s, 0, "");
  s->last_only = on;
  return TG_OK;
}

tg_status tg_scan_name(tg_scan_spec *s, const char *name) {
  if (!s) return bad(s, 0, "");
  snprintf(s->name, sizeof s->name, "%s", name ? name : "scan");
  return TG_OK;
}

/* The state type of an output: init's, or init's without its first axis. */
static tg_type state_type(const spec_out *o) {
  tg_type t = o->init->type;
  if (!(o->n_taps == 1 && o->taps[0] == -1)) {
    t.ndim--;
    t.shape++;
  }
  return t;
}

/* Everything tg_scan builds, so one exit frees it. */
typedef struct work {
  tgi_scan_desc d;
  tg_var *seqs[NSEQ_MAX * MAX_TAPS], *seq_ph[NSEQ_MAX * MAX_TAPS];
  tg_var *inits[TGI_MAX_OUT], *rec_out[TGI_MAX_OUT], *nit_out[TGI_MAX_OUT];
  int n_taps[TGI_MAX_OUT], *taps[TGI_MAX_OUT], one_tap;
  tg_var **rec_ph[TGI_MAX_OUT], *ph_store[TGI_MAX_OUT * MAX_TAPS];
  int64_t keep[TGI_MAX_OUT];
  tg_var *args[NSEQ_MAX * MAX_TAPS + TGI_MAX_OUT * MAX_TAPS + NNS_MAX];
  tg_var *user_out[TGI_MAX_OUT];
  int where[TGI_MAX_OUT]; /* user output -> op output */
} work;

/* Sequences: one canonical sequence per tap (Theano's slicing, then go_backwards). */
static bool make_sequences(tg_scan_spec *s, work *w, int *n_args) {
  for (int j = 0; j < s->n_seq; j++) {
    spec_seq *q = &s->seqs[j];
    int lo = 0, hi = 0;
    for (int i = 0; i < q->n_taps; i++) {
      lo = q->taps[i] < lo ? q->taps[i] : lo;
      hi = q->taps[i] > hi ? q->taps[i] : hi;
    }
    int64_t len = q->v->type.shape[0];
    if (len >= 0 && len < hi - lo + 1 && !s->n_steps)
      return tgi_gfail(s->g, TG_ERR_SHAPE, "scan: sequence %d has %lld steps; its taps need at "
                       "least %d", j, (long long)len, hi - lo + 1), false;
    for (int i = 0; i < q->n_taps; i++) {
      int k = q->taps[i];
      int64_t stop = hi - k ? -(int64_t)(hi - k) : TG_NONE;
      tg_var *sl = k - lo == 0 && stop == TG_NONE /* the whole sequence: no slice */
                       ? q->v : tg_subtensor(q->v, TG_IDX(TG_SLICE(k - lo, stop, TG_NONE)));
      if (sl && s->go_backwards) sl = tg_subtensor(sl, TG_IDX(TG_SLICE(TG_NONE, TG_NONE, -1)));
      if (!sl) return false;
      tg_type t = q->v->type;
      t.ndim--;
      t.shape++;
      char nm[64];
      snprintf(nm, sizeof nm, "%s[t%+d]", q->v->name ? q->v->name : "seq", k);
      tg_var *ph = tgi_scan_placeholder(s->g, &t, nm);
      if (!ph) return false;
      w->seqs[w->d.n_seq] = sl;
      w->seq_ph[w->d.n_seq++] = ph;
      w->args[(*n_args)++] = ph;
    }
  }
  return true;
}

/* Fed-back outputs: the initial buffer [k, ...] and a placeholder per tap. */
static bool make_states(tg_scan_spec *s, work *w, int *n_args) {
  int n_ph = 0;
  for (int o = 0; o < s->n_out; o++) {
    spec_out *so = &s->outs[o];
    if (!so->init) continue;
    int r = w->d.n_rec++, k = 0;
    for (int i = 0; i < so->n_taps; i++) k = -so->taps[i] > k ? -so->taps[i] : k;
    bool single = so->n_taps == 1 && so->taps[0] == -1;
    w->inits[r] = single ? tg_expand_dims(so->init, 0)
                         : tg_subtensor(so->init, TG_IDX(TG_SLICE(0, k, TG_NONE)));
    if (!w->inits[r]) return false;
    w->n_taps[r] = so->n_taps;
    w->taps[r] = so->taps;
    w->rec_ph[r] = &w->ph_store[n_ph];
    tg_type t = state_type(so);
    for (int i = 0; i < so->n_taps; i++) {
      char nm[64];
      snprintf(nm, sizeof nm, "%s[t%+d]", so->init->name ? so->init->name : "out", so->taps[i]);
      tg_var *ph = tgi_scan_placeholder(s->g, &t, nm);
      if (!ph) return false;
      w->ph_store[n_ph++] = ph;
      w->args[(*n_args)++] = ph;
    }
    w->where[o] = r;
    w->keep[r] = s->last_only ? 1 : 0;
  }
  return true;
}

/* Shared variables with a default update (random states) that the step reads become
   updates of the loop too, as in Theano, so each step draws new numbers. Returns false
   after an error on g. */
static bool add_default_updates(tg_graph *g, const tgi_scan_desc *d, work *w, tg_scan_result *r,
                                int n_out) {
  size_t nv = (size_t)(g->n_vars ? g->n_vars : 1);
  uint8_t *stop = tgi_calloc(nv, 1);
  tg_node **order = tgi_malloc(sizeof(tg_node *) * (size_t)(g->n_nodes ? g->n_nodes : 1));
  tg_var *roots[TGI_MAX_OUT + TG_SCAN_MAX_UPDATES + 1];
  int n_roots = 0;
  int64_t n = -1;
  bool ok = stop && order;
  for (int i = 0; i < n_out; i++) roots[n_roots++] = w->user_out[i];
  for (int i = 0; i < r->n_updates; i++) roots[n_roots++] = r->update_exprs[i];
  if (r->until) roots[n_roots++] = r->until;
  if (ok) {
    for (int j = 0; j < d->n_seq; j++) stop[d->seq_ph[j]->id] = 1;
    for (int o = 0; o < d->n_rec; o++)
      for (int i = 0; i < d->n_taps[o]; i++) stop[d->rec_ph[o][i]->id] = 1;
    ok = (n = tgi_topo(g, n_roots, roots, stop, order)) >= 0;
  }
  if (!ok) tgi_gfail(g, TG_ERR_NOMEM, "scan: out of memory");
  for (int64_t k = 0; ok && k < n; k++)
    for (int i = 0; ok && i < order[k]->n_in; i++) {
      tg_var *v = order[k]->in[i];
      if (v->kind != TGV_SHARED || !v->default_update) continue;
      bool seen = false;
      for (int u = 0; u < r->n_updates && !seen; u++) seen = r->update_vars[u] == v;
      if (seen) continue;
      if (r->n_updates == TG_SCAN_MAX_UPDATES) {
        ok = tgi_gfail(g, TG_ERR_ARG, "scan: more than %d updates", TG_SCAN_MAX_UPDATES) != NULL;
        break;
      }
      r->update_vars[r->n_updates] = v;
      r->update_exprs[r->n_updates++] = v->default_update;
    }
  tgi_free(stop);
  tgi_free(order);
  return ok;
}

tg_status tg_scan(tg_scan_spec *s, tg_scan_fn fn, void *ud, tg_var **outputs,
                  tg_scan_updates *updates) {
  if (!s) return bad(s, 0, "");
  tg_graph *g = s->g;
  if (g->err.status != TG_OK) return g->err.status;
  if (!fn || (s->n_out && !outputs))
    return tgi_err_set(&g->err, TG_ERR_ARG, "scan: the step function or the outputs array is NULL");
  work *w = tgi_calloc(1, sizeof *w);
  if (!w) return tgi_err_set(&g->err, TG_ERR_NOMEM, "scan: out of memory");
  tgi_scan_desc *d = &w->d;
  d->g = g;
  d->name = s->name;
  d->n_steps = s->n_steps;
  d->go_backwards = s->go_backwards;
  d->truncate = s->truncate;
  TGI_SCAN_DESC_ARRAYS(d, w);
  int n_args = 0;
  tg_status st = TG_OK;
  if (!make_sequences(s, w, &n_args) || !make_states(s, w, &n_args)) goto fail;
  for (int p = 0; p < s->n_ns; p++) w->args[n_args++] = s->ns[p];
  tg_scan_result res = {.n_outputs = s->n_out, .outputs = w->user_out};
  if (!fn(g, n_args, w->args, &res, ud)) {
    if (g->err.status == TG_OK) tgi_gfail(g, TG_ERR_RUNTIME, "scan '%s': the step function failed", s->name);
    goto fail;
  }
  if (g->err.status != TG_OK) goto fail;
  for (int o = 0; o < s->n_out; o++) {
    if (!w->user_out[o] || w->user_out[o]->g != g) {
      tgi_gfail(g, TG_ERR_ARG, "scan '%s': the step did not set output %d (or set one of another "
                "graph)", s->name, o);
      goto fail;
    }
    if (s->outs[o].init) {
      w->rec_out[w->where[o]] = w->user_out[o];
    } else {
      w->where[o] = -1 - d->n_nit;
      w->nit_out[d->n_nit++] = w->user_out[o];
    }
  }
  if (res.n_updates < 0 || res.n_updates > TG_SCAN_MAX_UPDATES) {
    tgi_gfail(g, TG_ERR_ARG, "scan '%s': %d updates; at most %d", s->name, res.n_updates,
              TG_SCAN_MAX_UPDATES);
    goto fail;
  }
  int n_explicit = res.n_updates;
  if (!add_default_updates(g, d, w, &res, s->n_out)) goto fail;
  if (s->n_out == 0 && res.n_updates == 0) { /* a loop with no effect at all */
    tgi_gfail(g, TG_ERR_ARG, "scan '%s': no outputs declared (tg_scan_output) and the step "
              "updates nothing", s->name);
    goto fail;
  }
  if (d->n_rec + d->n_nit + res.n_updates > TGI_MAX_OUT) {
    tgi_gfail(g, TG_ERR_ARG, "scan '%s': %d outputs and %d updates; at most %d in all", s->name,
              s->n_out, res.n_updates, TGI_MAX_OUT);
    goto fail;
  }
  if (n_explicit && !updates) {
    tgi_gfail(g, TG_ERR_ARG, "scan '%s': the step updates shared variables; pass a "
              "tg_scan_updates to receive the updates", s->name);
    goto fail;
  }
  int n_user_rec = d->n_rec;
  for (int u = 0; u < res.n_updates; u++) { /* a carried state starting at the stored value */
    tg_var *v = res.update_vars[u], *e = res.update_exprs[u];
    if (!v || !e || v->g != g || e->g != g || v->kind != TGV_SHARED) {
      tgi_gfail(g, TG_ERR_ARG, "scan '%s': update %d must pair a shared variable of this graph "
                "with an expression", s->name, u);
      goto fail;
    }
    int r = d->n_rec++;
    w->inits[r] = tg_expand_dims(v, 0);
    if (!w->inits[r]) goto fail;
    w->one_tap = -1;
    w->n_taps[r] = 1;
    w->taps[r] = &w->one_tap;
    w->rec_ph[r] = &w->ph_store[TGI_MAX_OUT * MAX_TAPS - 1 - u];
    w->rec_ph[r][0] = v;
    w->rec_out[r] = e;
    w->keep[r] = 1;
  }
  for (int q = 0; q < d->n_nit; q++) w->keep[d->n_rec + q] = s->last_only ? 1 : 0;
  if (res.until) d->until = res.until;
  tg_node *nd = tgi_scan_make(d);
  if (!nd) goto fail;
  for (int o = 0; o < s->n_out; o++) {
    int idx = w->where[o] >= 0 ? w->where[o] : d->n_rec + (-1 - w->where[o]);
    tg_var *v = nd->out[idx];
    if (s->last_only) v = tg_subtensor(v, TG_IDX(TG_INT(0)));
    else if (idx < d->n_rec) {
      int k = 0;
      for (int i = 0; i < d->n_taps[idx]; i++) k = -d->taps[idx][i] > k ? -d->taps[idx][i] : k;
      v = tg_subtensor(v, TG_IDX(TG_SLICE(k, TG_NONE, TG_NONE)));
    }
    if (!v) goto fail;
    w->user_out[o] = v;
  }
  tg_scan_updates up = {.n = res.n_updates};
  for (int u = 0; u < res.n_updates; u++) {
    up.vars[u] = res.update_vars[u];
    if (!(up.exprs[u] = tg_subtensor(nd->out[n_user_rec + u], TG_IDX(TG_INT(0))))) goto fail;
  }
  for (int o = 0; o < s->n_out; o++) outputs[o] = w->user_out[o];
  if (updates) *updates = up;
  tgi_free(w);
  return TG_OK;
fail:
  st = g->err.status != TG_OK ? g->err.status : TG_ERR_NOMEM;
  tgi_free(w);
  return st;
}

/* ---- helpers ---- */

static tg_var *run_spec(tg_scan_spec *s, tg_scan_fn fn, void *ud) {
  tg_var *out = NULL;
  if (s && tg_scan(s, fn, ud, &out, NULL) != TG_OK) out = NULL;
  tg_scan_spec_free(s);
  return out;
}

static tg_scan_spec *helper_spec(const char *name, int n_seq, tg_var *const *seqs, tg_var *init,
                                 int n_ns, tg_var *const *ns, tg_var *first) {
  if (!first) return NULL;
  tg_scan_spec *s = tg_scan_spec_new(first->g);
  if (!s) return NULL;
  tg_scan_name(s, name);
  bool ok = n_seq >= 0 && n_ns >= 0 && (!n_seq || seqs) && (!n_ns || ns);
  if (!ok) tgi_gfail(first->g, TG_ERR_ARG, "%s: bad sequence or non-sequence list", name);
  for (int j = 0; ok && j < n_seq; j++) ok = tg_scan_sequence(s, seqs[j], 0, NULL) == TG_OK;
  ok = ok && tg_scan_output(s, init, 0, NULL) == TG_OK;
  for (int p = 0; ok && p < n_ns; p++) ok = tg_scan_non_sequence(s, ns[p]) == TG_OK;
  if (!ok) {
    tg_scan_spec_free(s);
    return NULL;
  }
  return s;
}

tg_var *tg_scan_map(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs, int n_ns,
                    tg_var *const *non_seqs) {
  tg_var *first = n_seq > 0 && seqs ? seqs[0] : NULL;
  if (!first) return tgi_fail(TG_ERR_ARG, "map: at least one sequence is needed"), NULL;
  return run_spec(helper_spec("map", n_seq, seqs, NULL, n_ns, non_seqs, first), fn, ud);
}

static tg_var *fold(const char *name, bool backwards, tg_scan_fn fn, void *ud, int n_seq,
                    tg_var *const *seqs, tg_var *init, int n_ns, tg_var *const *ns) {
  if (!init) return tgi_fail(TG_ERR_ARG, "%s: the initial value is NULL", name), NULL;
  tg_scan_spec *s = helper_spec(name, n_seq, seqs, init, n_ns, ns, init);
  if (s) {
    tg_scan_last_only(s, true);
    tg_scan_go_backwards(s, backwards);
  }
  return run_spec(s, fn, ud);
}

tg_var *tg_scan_reduce(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs, tg_var *init,
                       int n_ns, tg_var *const *non_seqs) {
  return fold("reduce", false, fn, ud, n_seq, seqs, init, n_ns, non_seqs);
}

tg_var *tg_scan_foldl(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs, tg_var *init,
                      int n_ns, tg_var *const *non_seqs) {
  return fold("foldl", false, fn, ud, n_seq, seqs, init, n_ns, non_seqs);
}

tg_var *tg_scan_foldr(tg_scan_fn fn, void *ud, int n_seq, tg_var *const *seqs, tg_var *init,
                      int n_ns, tg_var *const *non_seqs) {
  return fold("foldr", true, fn, ud, n_seq, seqs, init, n_ns, non_seqs);
}
