/* ifelse.c: the lazy conditional (Theano's ifelse) over tgraph/ifelse.h: ifelse_raw(cond,
   then_list, else_list) gives a list, one value per pair; the compiled function computes
   only the branch taken. tgraph/ifelse.py is the Theano-style front (single values or
   lists, Python numbers cast to the other branch's dtype). */
#include "tgpy.h"

static PyObject *py_ifelse_raw(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *co, *to, *eo;
  if (!PyArg_ParseTuple(args, "OOO", &co, &to, &eo)) return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var **tv = NULL, **ev = NULL, **outs = NULL, *cond = tgp_as_var(G, co);
  int nt = cond ? tgp_parse_vars(G, to, &tv) : -1, ne = nt < 0 ? -1 : tgp_parse_vars(G, eo, &ev);
  PyObject *r = NULL;
  if (ne < 0) goto done;
  if (nt != ne) {
    PyErr_Format(PyExc_ValueError, "ifelse: %d values in the then branch but %d in the else branch",
                 nt, ne);
    goto done;
  }
  if (!(outs = PyMem_Calloc((size_t)nt + 1, sizeof *outs))) {
    PyErr_NoMemory();
    goto done;
  }
  if (tg_ifelse_n(cond, nt, tv, ev, outs) != TG_OK) {
    tgp_raise_graph(G);
    goto done;
  }
  r = tgp_var_list(G, nt, outs);
done:
  PyMem_Free(tv), PyMem_Free(ev), PyMem_Free(outs);
  Py_DECREF(G);
  return r;
}

PyMethodDef tgp_ifelse_functions[] = {
    {"ifelse_raw", py_ifelse_raw, METH_VARARGS,
     "ifelse_raw(cond, then_values, else_values): a list, cond ? then[i] : else[i], lazily."},
    {NULL, NULL, 0, NULL}};
