/* index.c: numpy indexing of symbolic variables (x[1:-1, None, idx]) turned into tgraph's
   index expressions: ints, slices (with int or symbolic bounds), None, Ellipsis, integer
   arrays and boolean masks (lists, numpy arrays or symbolic tensors); and Theano's
   set_subtensor / inc_subtensor, which take the indexed variable x[key] itself. */
#include "tgpy.h"

#define MAX_ENTRIES (2 * TG_MAX_NDIM)

/* One slice bound: None, an int, or a symbolic integer scalar. */
static int slice_bound(tgp_Graph *G, PyObject *o, int64_t *val, tg_var **var) {
  *val = TG_NONE, *var = NULL;
  if (o == Py_None) return 1;
  if (tgp_Var_Check(o)) return (*var = ((tgp_Var *)o)->v) != NULL;
  if (PyIndex_Check(o)) {
    Py_ssize_t k = PyNumber_AsSsize_t(o, PyExc_IndexError);
    if (k == -1 && PyErr_Occurred()) return 0;
    *val = k;
    return 1;
  }
  (void)G;
  PyErr_Format(PyExc_TypeError, "slice bounds must be ints, None or symbolic integer scalars, "
               "not %.80s", Py_TYPE(o)->tp_name);
  return 0;
}

static int parse_entry(tgp_Graph *G, PyObject *o, tg_idx *e) {
  memset(e, 0, sizeof *e);
  if (o == Py_None) {
    e->kind = TG_IDX_NEWAXIS;
  } else if (o == Py_Ellipsis) {
    e->kind = TG_IDX_ELLIPSIS;
  } else if (PySlice_Check(o)) {
    PySliceObject *s = (PySliceObject *)o;
    e->kind = TG_IDX_SLICE;
    if (!slice_bound(G, s->start, &e->start, &e->start_var) ||
        !slice_bound(G, s->stop, &e->stop, &e->stop_var) ||
        !slice_bound(G, s->step, &e->step, &e->step_var))
      return 0;
  } else if (PyBool_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "a Python bool is not a valid index (use a mask array)");
    return 0;
  } else if (tgp_Var_Check(o)) {
    e->kind = TG_IDX_VAR;
    e->var = ((tgp_Var *)o)->v;
  } else if (PyIndex_Check(o) && !PyArray_Check(o)) {
    Py_ssize_t k = PyNumber_AsSsize_t(o, PyExc_IndexError);
    if (k == -1 && PyErr_Occurred()) return 0;
    e->kind = TG_IDX_INT;
    e->start = k;
  } else { /* a list or numpy array: an index array or a mask, as a constant */
    e->kind = TG_IDX_VAR;
    if (!(e->var = tgp_as_var(G, o))) return 0;
  }
  return 1;
}

static int parse_key(tgp_Graph *G, PyObject *key, tg_idx *idx, int *n) {
  if (!PyTuple_Check(key)) {
    *n = 1;
    return parse_entry(G, key, &idx[0]);
  }
  Py_ssize_t k = PyTuple_GET_SIZE(key);
  if (k > MAX_ENTRIES) {
    PyErr_SetString(PyExc_IndexError, "too many indices");
    return 0;
  }
  for (Py_ssize_t i = 0; i < k; i++)
    if (!parse_entry(G, PyTuple_GET_ITEM(key, i), &idx[i])) return 0;
  *n = (int)k;
  return 1;
}

PyObject *tgp_getitem(PyObject *xo, PyObject *key) {
  tgp_Var *x = (tgp_Var *)xo;
  tg_idx idx[MAX_ENTRIES];
  int n;
  if (!parse_key(x->graph, key, idx, &n)) return NULL;
  PyObject *r = tgp_var_new(x->graph, tg_subtensor(x->v, n, idx));
  if (r) {
    tgp_Var *rv = (tgp_Var *)r;
    rv->idx_base = Py_NewRef(xo);
    rv->idx_key = Py_NewRef(key);
  }
  return r;
}

PyObject *tgp_setinc(PyObject *subo, PyObject *y, int inc) {
  tgp_Var *sub = (tgp_Var *)subo;
  const char *what = inc ? "inc_subtensor" : "set_subtensor";
  if (!sub->idx_base) {
    PyErr_Format(PyExc_TypeError, "%s: the first argument must be an indexed variable such as "
                 "x[1:3] or x[idx], not a variable made otherwise", what);
    return NULL;
  }
  tgp_Var *x = (tgp_Var *)sub->idx_base;
  tg_idx idx[MAX_ENTRIES];
  int n;
  if (!parse_key(x->graph, sub->idx_key, idx, &n)) return NULL;
  tg_var *yv = tgp_as_var(x->graph, y);
  if (!yv) return NULL;
  return tgp_var_new(x->graph, inc ? tg_inc_subtensor(x->v, yv, n, idx)
                                   : tg_set_subtensor(x->v, yv, n, idx));
}
