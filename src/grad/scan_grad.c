/* scan_grad.c: the gradient of Scan, backpropagation through time, as another Scan.
   The backward loop runs over the forward steps in reverse (the last min(n, truncate)
   of them). Its step is the vector-Jacobian product (tg_Lop) of a clone of the forward
   step, with the forward states read back as sequences instead of recomputed. It carries,
   per fed-back output with k = -min(taps), the adjoints S of the k states the next steps
   read (S[i] for position t+1+i when step t is processed), and per float non-sequence the
   sum G of its per-step gradients; both keep only their last value. Per-step gradients
   of the sequences are its plain outputs. A Scan keeping only its last states (keep) is
   differentiated through the full loop, rebuilt from the same inputs. */
#include <stdio.h>

#include "../ops/index_impl.h"
#include "../ops/scan_impl.h"

#define MAXV 256

typedef struct bw {
  tgi_scan_desc d;
  tg_var *seqs[MAXV], *seq_ph[MAXV];
  tg_var *inits[TGI_MAX_OUT], *rec_out[TGI_MAX_OUT], *nit_out[TGI_MAX_OUT];
  int n_taps[TGI_MAX_OUT], one, *taps[TGI_MAX_OUT];
  tg_var **rec_ph[TGI_MAX_OUT], *rph[TGI_MAX_OUT];
  int64_t keep[TGI_MAX_OUT];
  /* the forward step's inner inputs mapped to the backward step's placeholders */
  tg_var *fmap[MAXV];
  /* Lop: outputs with eval points, wrt */
  tg_var *lo_out[TGI_MAX_OUT], *lo_eval[TGI_MAX_OUT], *wrt[MAXV], *wres[MAXV];
  tg_var *old[TGI_MAX_OUT], *repl[TGI_MAX_OUT];
} bw;

static bool is_float(const tg_var *v) { return tg_dtype_is_float(v->type.dtype); }

/* The backward loop is a reversed Scan: its step s handles forward step t = n-1-s and
   reads its sequences at entry nT-1-s. So what the forward loop indexes by state position
   (its fed-back buffers, their gradients) is x[lo + off : n + off] in natural order; what
   it indexes by sequence entry (sequences, nit outputs) is the same for a forward loop
   and, for a reversed one (whose step t read entry n-1-t), x[0 : nT] read backwards. */
static tg_var *state_part(tg_var *x, tg_var *lo, tg_var *n, int64_t off) {
  tg_graph *g = x->g;
  tg_var *a = off ? tg_add(lo, tgi_dim_const(g, off)) : lo;
  tg_var *b = off ? tg_add(n, tgi_dim_const(g, off)) : n;
  return tg_subtensor(x, TG_IDX(TG_SLICE_VARS(a, b, NULL)));
}

static tg_var *seq_part(tg_var *x, tg_var *lo, tg_var *n, tg_var *nT, bool rev) {
  if (!rev) return tg_subtensor(x, TG_IDX(TG_SLICE_VARS(lo, n, NULL)));
  tg_var *s = tg_subtensor(x, TG_IDX(TG_SLICE_VARS(NULL, nT, NULL)));
  return tg_subtensor(s, TG_IDX(TG_SLICE(TG_NONE, TG_NONE, -1)));
}

/* x's gradient: part at [start, start + len(part)), zeros elsewhere (a Join: one copy). */
static tg_var *place(tg_var *x, tg_var *part, tg_var *start, tg_var *cnt) {
  tg_graph *g = x->g;
  int nd = x->type.ndim;
  tg_var *d0[TG_MAX_NDIM], *d1[TG_MAX_NDIM];
  tg_var *rest = tg_sub(tg_sub(tg_shape_i(x, 0), start), cnt);
  d0[0] = start;
  d1[0] = rest;
  for (int d = 1; d < nd; d++) d0[d] = d1[d] = tg_shape_i(x, d);
  tg_var *z0 = rest ? tg_zeros(g, nd, d0, x->type.dtype) : NULL;
  tg_var *z1 = z0 ? tg_zeros(g, nd, d1, x->type.dtype) : NULL;
  return z1 ? tg_concatenate(3, (tg_var *[]){z0, part, z1}, 0) : NULL;
}

/* When g = inc_subtensor(zeros, y, [k:]) (the gradient of tg_scan's view H = Hfull[k:]),
   y itself: reading y instead spares building g, a buffer of every step. NULL otherwise. */
static tg_var *tail_of_zeros(tg_var *g, int64_t k) {
  const tg_node *nd = g ? g->owner : NULL;
  if (!nd || nd->op->cls != &tgi_inc_subtensor_class || nd->op->code != TGI_IX_INC ||
      nd->n_in != 2 || tgi_ix_n(nd->op) != 1)
    return NULL;
  tgi_ix_entry e = tgi_ix_get(nd->op, 0);
  if (e.kind != TGI_IX_SLICE || e.flags || e.a != k || e.b != TGI_IX_NONE ||
      (e.c != TGI_IX_NONE && e.c != 1))
    return NULL;
  const tg_var *z = nd->in[0], *y = nd->in[1];
  if (!z->owner || strcmp(z->owner->op->cls->name, "Alloc") != 0) return NULL;
  const tg_var *v = z->owner->in[0];
  if (v->kind != TGV_CONSTANT || v->value->size != 1 || tgi_load_f64(v->value->data, v->value->dtype) != 0)
    return NULL;
  if (y->type.ndim != g->type.ndim || y->type.dtype != g->type.dtype) return NULL;
  for (int d = 0; d < y->type.ndim; d++) /* y must not broadcast */
    if (y->type.shape[d] == 1 && g->type.shape[d] != 1) return NULL;
  return nd->in[1];
}

static tg_var *add_seq(bw *w, tg_var *outer, const char *name) {
  tg_graph *g = w->d.g;
  if (!outer || w->d.n_seq >= MAXV) return tgi_gfail(g, TG_ERR_NOMEM, "grad: scan: too many sequences");
  tg_type t = outer->type;
  t.ndim--;
  t.shape++;
  tg_var *ph = tgi_scan_placeholder(g, &t, name);
  if (!ph) return NULL;
  w->seqs[w->d.n_seq] = outer;
  w->seq_ph[w->d.n_seq++] = ph;
  return ph;
}

/* A carried value with one tap, starting at zeros like `like`; returns its placeholder. */
static tg_var *add_carry(bw *w, tg_var *like, const char *name) {
  tg_graph *g = w->d.g;
  int r = w->d.n_rec;
  if (r >= TGI_MAX_OUT)
    return tgi_gfail(g, TG_ERR_NOTIMPL, "grad: scan: the backward loop would need more than %d "
                     "carried values", TGI_MAX_OUT);
  tg_var *z = tg_zeros_like(like);
  if (!(w->inits[r] = z ? tg_expand_dims(z, 0) : NULL)) return NULL;
  if (!(w->rph[r] = tgi_scan_placeholder(g, &like->type, name))) return NULL;
  w->one = -1;
  w->n_taps[r] = 1;
  w->taps[r] = &w->one;
  w->rec_ph[r] = &w->rph[r];
  w->keep[r] = 1;
  w->d.n_rec++;
  return w->rph[r];
}

static bool full_grad(tg_graph *g, tgi_scan_info *s, const tg_node *nd, tg_var *const *og,
                      tg_var **ig) {
  bw *w = tgi_calloc(1, sizeof *w);
  if (!w) return tgi_gfail(g, TG_ERR_NOMEM, "grad: out of memory"), false;
  bool ok = false;
  tgi_scan_desc *d = &w->d;
  d->g = g;
  TGI_SCAN_DESC_ARRAYS(d, w);
  d->truncate = -1;
  d->reverse = true;
  bool rev = s->reverse;
  char name[64];
  snprintf(name, sizeof name, "grad_of_%s", s->name);
  d->name = name;
  int ns0 = tgi_scan_ns0(s), init0 = tgi_scan_init0(s);
  /* forward steps n, processed steps nT, first processed step lo */
  tg_var *n = s->n_rec ? tg_sub(tg_shape_i(nd->out[0], 0), tgi_dim_const(g, s->k[0]))
                       : tg_shape_i(nd->out[0], 0);
  tg_var *nT = s->truncate >= 0 && n ? tg_minimum(n, tgi_dim_const(g, s->truncate)) : n;
  tg_var *lo = nT ? tg_sub(n, nT) : NULL;
  if (!lo) goto out;
  d->n_steps = nT;

  /* sequences: the forward step's inputs, outputs and output gradients, reversed */
  int a = 0, S_of[TGI_MAX_OUT], G_of[MAXV], gx_of[MAXV];
  bool zero_head[TGI_MAX_OUT] = {0};
  tg_var *gH_ph[TGI_MAX_OUT] = {0}, *gY_ph[TGI_MAX_OUT] = {0}, *S_ph[TGI_MAX_OUT] = {0};
  for (int j = 0; j < s->n_seq; j++, a++)
    if (!(w->fmap[a] = add_seq(w, seq_part(nd->in[1 + j], lo, n, nT, rev), "x_t"))) goto out;
  for (int o = 0; o < s->n_rec; o++)
    for (int i = 0; i < s->n_taps[o]; i++, a++)
      if (!(w->fmap[a] = add_seq(w, state_part(nd->out[o], lo, n, s->k[o] + s->taps[o][i]), "h_tap")))
        goto out;
  for (int p = 0; p < s->n_ns; p++, a++) w->fmap[a] = nd->in[ns0 + p];
  int n_old = 0;
  for (int o = 0; o < s->n_rec + s->n_nit; o++) {
    if (!is_float(nd->out[o])) continue;
    tg_var *now = add_seq(w, o < s->n_rec ? state_part(nd->out[o], lo, n, s->k[o])
                                          : seq_part(nd->out[o], lo, n, nT, rev), "out_t");
    if (!now) goto out;
    w->repl[n_old++] = now; /* paired with the cloned output below */
    tg_var *tail = o < s->n_rec ? tail_of_zeros(og[o], s->k[o]) : NULL;
    if (tail) {
      zero_head[o] = true;
      if (!(gH_ph[o] = add_seq(w, state_part(tail, lo, n, 0), "gh_t"))) goto out;
    } else if (og[o] && !(o < s->n_rec ? (gH_ph[o] = add_seq(w, state_part(og[o], lo, n, s->k[o]), "gh_t"))
                                : (gY_ph[o] = add_seq(w, seq_part(og[o], lo, n, nT, rev), "gy_t"))))
      goto out;
  }
  /* carried adjoints of the float states, and gradient sums of float non-sequences */
  for (int o = 0; o < s->n_rec; o++) {
    S_of[o] = -1;
    if (!is_float(nd->out[o])) continue;
    S_of[o] = d->n_rec;
    if (!(S_ph[o] = add_carry(w, nd->in[init0 + o], "adj"))) goto out;
  }
  for (int p = 0; p < s->n_ns; p++) {
    G_of[p] = -1;
    if (!is_float(nd->in[ns0 + p])) continue;
    G_of[p] = d->n_rec;
    if (!add_carry(w, nd->in[ns0 + p], "gsum")) goto out;
  }

  /* the step: Lop of a clone of the forward step */
  tg_var *fo[TGI_MAX_OUT + 1];
  if (!tgi_scan_clone(g, s->n_out, s->out_vars, s->n_in, s->in_vars, w->fmap, fo,
                      "grad: scan: the forward step"))
    goto out;
  int n_lo = 0, n_wrt = 0, o_old = 0;
  for (int o = 0; o < s->n_rec + s->n_nit; o++) {
    if (!is_float(nd->out[o])) continue;
    tg_var *e = NULL;
    if (o < s->n_rec) {
      e = tg_subtensor(S_ph[o], TG_IDX(TG_INT(s->k[o] - 1)));
      if (e && gH_ph[o]) e = tg_add(e, gH_ph[o]);
    } else {
      e = gY_ph[o];
    }
    w->old[o_old++] = fo[o];
    if (!e) {
      if (o < s->n_rec) goto out;
      continue;
    }
    w->lo_out[n_lo] = fo[o];
    w->lo_eval[n_lo++] = e;
  }
  for (int i = 0; i < s->n_in - s->n_ns; i++) w->wrt[n_wrt++] = w->fmap[i];
  for (int p = 0; p < s->n_ns; p++)
    if (G_of[p] >= 0) w->wrt[n_wrt++] = nd->in[ns0 + p];
  for (int i = 0; i < n_wrt; i++) w->wres[i] = NULL;
  if (n_lo && tg_Lop(n_lo, w->lo_out, w->lo_eval, n_wrt, w->wrt, w->wres) != TG_OK) goto out;
  /* read the forward outputs back instead of recomputing them (only nodes' results, once) */
  int n_r = 0;
  for (int i = 0; i < o_old; i++) {
    bool dup = w->old[i]->kind != TGV_RESULT;
    for (int j = 0; j < n_r && !dup; j++) dup = w->old[j] == w->old[i];
    if (!dup) {
      w->old[n_r] = w->old[i];
      w->repl[n_r++] = w->repl[i];
    }
  }
  for (int i = 0; i < n_wrt; i++)
    if (!w->wres[i] && !(w->wres[i] = tg_zeros_like(w->wrt[i]))) goto out;
  if (n_r && !tgi_clone_replace(g, n_wrt, w->wres, n_r, w->old, w->repl, w->wres)) goto out;
  /* new carried values and per-step sequence gradients */
  int wi = s->n_seq;
  for (int o = 0; o < s->n_rec; o++) {
    if (S_of[o] < 0) {
      wi += s->n_taps[o];
      continue;
    }
    int k = s->k[o];
    tg_var *terms[64] = {0};
    if (k > 64) {
      tgi_gfail(g, TG_ERR_NOTIMPL, "grad: scan: taps below -64");
      goto out;
    }
    for (int i = 0; i < s->n_taps[o]; i++) terms[k + s->taps[o][i]] = w->wres[wi + i];
    wi += s->n_taps[o];
    for (int i = 1; i < k; i++) {
      tg_var *prev = tg_subtensor(S_ph[o], TG_IDX(TG_INT(i - 1)));
      terms[i] = terms[i] ? tg_add(terms[i], prev) : prev;
      if (!terms[i]) goto out;
    }
    if (!(w->rec_out[S_of[o]] = tg_stack(k, terms, 0))) goto out;
  }
  for (int p = 0, gi = s->n_in - s->n_ns; p < s->n_ns; p++) {
    if (G_of[p] < 0) continue;
    if (!(w->rec_out[G_of[p]] = tg_add(w->rph[G_of[p]], w->wres[gi++]))) goto out;
  }
  for (int j = 0; j < s->n_seq; j++) {
    gx_of[j] = -1;
    if (!is_float(nd->in[1 + j])) continue;
    gx_of[j] = d->n_nit;
    w->nit_out[d->n_nit++] = w->wres[j];
  }
  if (d->n_rec + d->n_nit > TGI_MAX_OUT) {
    tgi_gfail(g, TG_ERR_NOTIMPL, "grad: scan '%s': the backward loop would have %d outputs; at "
              "most %d are supported", s->name, d->n_rec + d->n_nit, TGI_MAX_OUT);
    goto out;
  }
  for (int q = 0; q < d->n_nit; q++) w->keep[d->n_rec + q] = 0;
  tg_node *b = tgi_scan_make(d);
  if (!b) goto out;

  /* the gradients of the forward inputs */
  for (int j = 0; j < s->n_seq; j++) {
    if (gx_of[j] < 0) continue;
    tg_var *x = nd->in[1 + j], *gx = b->out[d->n_rec + gx_of[j]];
    if (rev) gx = tg_subtensor(gx, TG_IDX(TG_SLICE(TG_NONE, TG_NONE, -1)));
    if (!gx || !(ig[1 + j] = place(x, gx, rev ? tgi_dim_const(g, 0) : lo, nT))) goto out;
  }
  for (int o = 0; o < s->n_rec; o++) {
    if (S_of[o] < 0) continue;
    tg_var *r = tg_subtensor(b->out[S_of[o]], TG_IDX(TG_INT(0)));
    if (r && s->truncate >= 0) /* the initial states are reached only when nothing is cut */
      r = tg_switch(tg_eq(nT, n), r, tg_zeros_like(r));
    if (r && og[o] && !zero_head[o]) r = tg_add(r, tg_subtensor(og[o], TG_IDX(TG_SLICE(0, s->k[o], TG_NONE))));
    if (!(ig[init0 + o] = r)) goto out;
  }
  for (int p = 0; p < s->n_ns; p++)
    if (G_of[p] >= 0 && !(ig[ns0 + p] = tg_subtensor(b->out[G_of[p]], TG_IDX(TG_INT(0))))) goto out;
  ok = true;
out:
  tgi_free(w);
  return ok;
}

bool tgi_scan_grad(tg_graph *g, const tg_node *nd, tg_var *const *out_grads, tg_var **in_grads) {
  tgi_scan_info *s = tgi_scan_info_of(nd->op);
  if (s->has_until)
    return tgi_gfail(g, TG_ERR_NOTIMPL, "grad: scan '%s' stops on an until condition; gradients "
                     "through scan's until are not implemented (the number of steps depends on "
                     "values)", s->name), false;
  int n_o = s->n_rec + s->n_nit;
  bool win = false;
  for (int o = 0; o < n_o; o++) win |= nd->op->params[1 + o] != 0;
  if (!win) return full_grad(g, s, nd, out_grads, in_grads);
  /* differentiate the full loop over the same inputs; the kept entries are its last ones */
  tg_node *full = tgi_scan_apply(g, s, NULL, nd->n_in, nd->in);
  if (!full) return false;
  tg_var *og[TGI_MAX_OUT];
  for (int o = 0; o < n_o; o++) {
    og[o] = NULL;
    if (!out_grads[o]) continue;
    int64_t keep = nd->op->params[1 + o];
    tg_var *z = tg_zeros_like(full->out[o]);
    og[o] = z ? tg_inc_subtensor(z, out_grads[o], TG_IDX(TG_SLICE(-keep, TG_NONE, TG_NONE))) : NULL;
    if (!og[o]) return false;
  }
  return full_grad(g, s, full, og, in_grads);
}
