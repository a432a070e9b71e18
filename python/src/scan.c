/* scan.c: loops (Theano's scan) over tgraph/scan.h. The Python layer (tgraph/scan_module.py)
   turns Theano's arguments into plain lists and hands them to scan_raw here with a step
   callable; the C step callback (tg_scan_fn) calls it with the step's variables wrapped
   as Python variables and reads back (outputs, until, updates). The whole build runs with
   the GIL held (tg_scan calls back synchronously), so no GIL juggling is needed; an
   exception raised in the step is kept aside while tg_scan unwinds and raised again,
   unchanged, once it returns. */
#include "tgpy.h"

/* What the step callback needs, and what it leaves behind. */
typedef struct {
  PyObject *step;     /* the Python callable */
  tgp_Graph *G;       /* the live graph (held by the caller) */
  PyObject *upd_keys; /* list: the Python shared variables the step updated */
  PyObject *etype, *evalue, *etb; /* the step's exception, raised again after tg_scan */
} step_ctx;

/* The step callback: args -> Python variables -> step(args) -> (outputs, until, updates). */
static bool py_step(tg_graph *g, int n_args, tg_var *const *args, tg_scan_result *res, void *ud) {
  (void)g;
  step_ctx *c = ud;
  PyObject *lst = PyList_New(n_args), *r = NULL, *outs = NULL, *upd = NULL;
  for (int i = 0; lst && i < n_args; i++) {
    PyObject *o = tgp_var_new(c->G, args[i]);
    if (!o) Py_CLEAR(lst);
    else PyList_SET_ITEM(lst, i, o);
  }
  if (lst) r = PyObject_CallOneArg(c->step, lst);
  Py_XDECREF(lst);
  PyObject *outo, *until, *upo;
  if (!r || !PyArg_ParseTuple(r, "OOO;the scan step must give (outputs, until, updates)", &outo,
                              &until, &upo))
    goto fail;
  outs = PySequence_Fast(outo, "scan step: outputs must be a list");
  if (!outs) goto fail;
  if (PySequence_Fast_GET_SIZE(outs) != res->n_outputs) {
    PyErr_Format(PyExc_ValueError, "scan: the step gave %zd outputs where %d were declared",
                 PySequence_Fast_GET_SIZE(outs), res->n_outputs);
    goto fail;
  }
  for (int i = 0; i < res->n_outputs; i++)
    if (!(res->outputs[i] = tgp_as_var(c->G, PySequence_Fast_GET_ITEM(outs, i)))) goto fail;
  if (until != Py_None && !(res->until = tgp_as_var(c->G, until))) goto fail;
  if (!(upd = PySequence_Fast(upo, "scan step: updates must be a list of pairs"))) goto fail;
  Py_ssize_t nu = PySequence_Fast_GET_SIZE(upd);
  if (nu > TG_SCAN_MAX_UPDATES) {
    PyErr_Format(PyExc_ValueError, "scan: the step makes %zd updates; at most %d", nu,
                 TG_SCAN_MAX_UPDATES);
    goto fail;
  }
  for (Py_ssize_t u = 0; u < nu; u++) {
    PyObject *key, *val;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(upd, u), "OO", &key, &val)) goto fail;
    if (!tgp_Var_Check(key) || !tg_var_is_shared(((tgp_Var *)key)->v)) {
      PyErr_Format(PyExc_TypeError, "scan: updates must be keyed by shared variables, not %R", key);
      goto fail;
    }
    res->update_vars[u] = ((tgp_Var *)key)->v;
    if (!(res->update_exprs[u] = tgp_as_var(c->G, val)) || PyList_Append(c->upd_keys, key) < 0)
      goto fail;
  }
  res->n_updates = (int)nu;
  Py_DECREF(outs);
  Py_DECREF(upd);
  Py_DECREF(r);
  return true;
fail:
  Py_XDECREF(upd);
  Py_XDECREF(outs);
  Py_XDECREF(r);
  /* keep the exception aside: tg_scan unwinds before Python sees it again */
  if (!c->etype) PyErr_Fetch(&c->etype, &c->evalue, &c->etb);
  else PyErr_Clear();
  return false;
}

/* Taps from a Python sequence of ints into taps[] (at most 64); the count or -1. */
static int parse_taps(PyObject *o, int *taps) {
  PyObject *seq = PySequence_Fast(o, "scan: taps must be a list of ints");
  if (!seq) return -1;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k > 64) {
    Py_DECREF(seq);
    PyErr_SetString(PyExc_ValueError, "scan: too many taps");
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    long t = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (t == -1 && PyErr_Occurred()) {
      Py_DECREF(seq);
      return -1;
    }
    taps[i] = (int)t;
  }
  Py_DECREF(seq);
  return (int)k;
}

/* Declare sequences ((var, taps) pairs) or outputs ((init or None, taps) pairs). */
static int declare(tgp_Graph *G, tg_scan_spec *s, PyObject *items, int outputs) {
  PyObject *seq = PySequence_Fast(items, "scan: expected a list of (variable, taps) pairs");
  if (!seq) return 0;
  int ok = 1;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *vo, *to;
    int taps[64], n = 0;
    tg_var *v = NULL;
    ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OO", &vo, &to) &&
         (n = parse_taps(to, taps)) >= 0 && (vo == Py_None || (v = tgp_as_var(G, vo)));
    if (ok) {
      tg_status st = outputs ? tg_scan_output(s, v, n, taps) : tg_scan_sequence(s, v, n, taps);
      if (st != TG_OK) ok = (tgp_raise_graph(G), 0);
    }
  }
  Py_DECREF(seq);
  return ok;
}

/* The updates as (shared, value) pairs; a shared variable the step named keeps the
   caller's Python object, so updates[W] finds it (variables hash by identity). */
static PyObject *wrap_updates(tgp_Graph *G, const tg_scan_updates *up, PyObject *keys) {
  PyObject *l = PyList_New(up->n);
  for (int u = 0; l && u < up->n; u++) {
    PyObject *key = NULL, *val = tgp_var_new(G, up->exprs[u]);
    for (Py_ssize_t k = 0; !key && k < PyList_GET_SIZE(keys); k++)
      if (((tgp_Var *)PyList_GET_ITEM(keys, k))->v == up->vars[u])
        key = Py_NewRef(PyList_GET_ITEM(keys, k));
    if (!key) key = tgp_var_new(G, up->vars[u]);
    PyObject *pair = key && val ? PyTuple_Pack(2, key, val) : NULL;
    Py_XDECREF(key);
    Py_XDECREF(val);
    if (!pair) Py_CLEAR(l);
    else PyList_SET_ITEM(l, u, pair);
  }
  return l;
}

static PyObject *py_scan_raw(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"step", "sequences", "outputs", "non_sequences", "n_steps",
                        "go_backwards", "truncate_gradient", "last_only", "name", NULL};
  PyObject *step, *seqs, *outs, *ns, *nsteps = Py_None, *name = Py_None;
  int back = 0, last = 0;
  long long trunc = -1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|OpLpO", kws, &step, &seqs, &outs, &ns,
                                   &nsteps, &back, &trunc, &last, &name))
    return NULL;
  if (!PyCallable_Check(step)) {
    PyErr_SetString(PyExc_TypeError, "scan: the step must be callable");
    return NULL;
  }
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  step_ctx c = {.step = step, .G = G, .upd_keys = PyList_New(0)};
  tg_scan_spec *s = c.upd_keys ? tg_scan_spec_new(G->g) : NULL;
  tg_var **vs = NULL, **res = NULL;
  PyObject *r = NULL;
  Py_ssize_t n_out = PySequence_Size(outs);
  if (!s || n_out < 0) {
    if (!PyErr_Occurred()) tgp_raise_graph(G);
    goto done;
  }
  if (!declare(G, s, seqs, 0) || !declare(G, s, outs, 1)) goto done;
  int nns = tgp_parse_vars(G, ns, &vs);
  if (nns < 0) goto done;
  tg_status st = TG_OK;
  for (int i = 0; st == TG_OK && i < nns; i++) st = tg_scan_non_sequence(s, vs[i]);
  tg_var *nv = NULL;
  if (st == TG_OK && nsteps != Py_None) {
    if (!(nv = tgp_as_var(G, nsteps))) goto done;
    st = tg_scan_n_steps(s, nv);
  }
  if (st == TG_OK) st = tg_scan_go_backwards(s, back);
  if (st == TG_OK) st = tg_scan_truncate_gradient(s, trunc);
  if (st == TG_OK) st = tg_scan_last_only(s, last);
  if (st == TG_OK && name != Py_None) {
    const char *nm = PyUnicode_AsUTF8(name);
    if (!nm) goto done;
    st = tg_scan_name(s, nm);
  }
  if (st != TG_OK) {
    tgp_raise_graph(G);
    goto done;
  }
  if (!(res = PyMem_Calloc((size_t)n_out + 1, sizeof *res))) {
    PyErr_NoMemory();
    goto done;
  }
  tg_scan_updates up = {0};
  st = tg_scan(s, py_step, &c, res, &up);
  if (c.etype) { /* the step's own exception, not the generic "step failed" */
    tg_graph_clear_error(G->g);
    PyErr_Restore(c.etype, c.evalue, c.etb);
    c.etype = c.evalue = c.etb = NULL;
    goto done;
  }
  if (st != TG_OK) {
    tgp_raise_graph(G);
    goto done;
  }
  PyObject *ol = tgp_var_list(G, (int)n_out, res), *ul = ol ? wrap_updates(G, &up, c.upd_keys) : NULL;
  if (ul) r = PyTuple_Pack(2, ol, ul);
  Py_XDECREF(ol);
  Py_XDECREF(ul);
done:
  Py_XDECREF(c.etype);
  Py_XDECREF(c.evalue);
  Py_XDECREF(c.etb);
  Py_XDECREF(c.upd_keys);
  tg_scan_spec_free(s);
  PyMem_Free(vs);
  PyMem_Free(res);
  Py_DECREF(G);
  return r;
}

PyMethodDef tgp_scan_functions[] = {
    {"scan_raw", (PyCFunction)(void (*)(void))py_scan_raw, METH_VARARGS | METH_KEYWORDS,
     "scan_raw(step, sequences, outputs, non_sequences, n_steps=None, go_backwards=False, "
     "truncate_gradient=-1, last_only=False, name=None) -> (outputs, updates).\n"
     "sequences: [(var, taps)], outputs: [(init or None, taps)]; step(args) returns "
     "(outputs, until or None, [(shared, value)]). tgraph.scan is the Theano-style front."},
    {NULL, NULL, 0, NULL}};
