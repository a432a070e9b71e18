/* module.c: the _tgraph extension module: its setup, the one live graph of the process,
   dtypes between numpy and tgraph, and tgraph errors turned into Python exceptions. */
#define TGP_IMPORT_NUMPY
#include "tgpy.h"

/* ---- the live graph ---- */

/* Borrowed: the graph object clears it when it dies, so a later call makes a new one. */
static tgp_Graph *live_graph;

static void graph_dealloc(PyObject *o) {
  tgp_Graph *G = (tgp_Graph *)o;
  if (live_graph == G) live_graph = NULL;
  tg_graph_free(G->g);
  Py_TYPE(o)->tp_free(o);
}

static PyObject *graph_n_nodes(PyObject *o, PyObject *unused) {
  (void)unused;
  return PyLong_FromLongLong(tg_graph_n_nodes(((tgp_Graph *)o)->g));
}

static PyMethodDef graph_methods[] = {
    {"n_nodes", graph_n_nodes, METH_NOARGS, "Number of Apply nodes in the graph."},
    {NULL, NULL, 0, NULL}};

PyTypeObject tgp_GraphType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tgraph._tgraph.Graph",
    .tp_basicsize = sizeof(tgp_Graph),
    .tp_dealloc = graph_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The graph holding every symbolic variable of the process (internal).",
    .tp_methods = graph_methods,
};

tgp_Graph *tgp_graph_acquire(void) {
  if (live_graph) {
    Py_INCREF(live_graph);
    return live_graph;
  }
  tgp_Graph *G = PyObject_New(tgp_Graph, &tgp_GraphType);
  if (!G) return NULL;
  if (!(G->g = tg_graph_new())) {
    Py_TYPE(G)->tp_free((PyObject *)G);
    PyErr_NoMemory();
    return NULL;
  }
  live_graph = G;
  return G;
}

tgp_Graph *tgp_graph_current(void) { return live_graph; }

/* ---- errors ---- */

PyObject *tgp_raise(tg_status st, const char *msg) {
  PyObject *exc;
  switch (st) {
  case TG_ERR_NOMEM: exc = PyExc_MemoryError; break;
  case TG_ERR_TYPE: exc = PyExc_TypeError; break;
  case TG_ERR_NOTIMPL: exc = PyExc_NotImplementedError; break;
  case TG_ERR_IO: exc = PyExc_OSError; break;
  case TG_ERR_RUNTIME: exc = PyExc_RuntimeError; break;
  default: exc = PyExc_ValueError; break; /* ARG, SHAPE, VALUE */
  }
  PyErr_SetString(exc, msg && *msg ? msg : tg_status_name(st));
  return NULL;
}

PyObject *tgp_raise_graph(tgp_Graph *G) {
  tg_status st = tg_graph_status(G->g);
  if (PyErr_Occurred()) { /* a conversion already said what was wrong */
    if (st != TG_OK) tg_graph_clear_error(G->g);
    return NULL;
  }
  if (st == TG_OK) return tgp_raise_tls();
  tgp_raise(st, tg_graph_error(G->g));
  tg_graph_clear_error(G->g);
  return NULL;
}

PyObject *tgp_raise_tls(void) {
  tg_status st = tg_errstatus();
  return tgp_raise(st == TG_OK ? TG_ERR_RUNTIME : st, tg_errmsg());
}

/* ---- dtypes ---- */

int tgp_npy_type(tg_dtype dt) {
  switch (dt) {
  case TG_BOOL: return NPY_BOOL;
  case TG_INT8: return NPY_INT8;
  case TG_INT16: return NPY_INT16;
  case TG_INT32: return NPY_INT32;
  case TG_INT64: return NPY_INT64;
  case TG_UINT8: return NPY_UINT8;
  case TG_FLOAT32: return NPY_FLOAT32;
  default: return NPY_FLOAT64;
  }
}

int tgp_dtype_from_descr(const PyArray_Descr *d, tg_dtype *out) {
  /* by kind and size, so that numpy's int64 spelled 'q' (NPY_LONGLONG) counts too */
  switch (d->kind) {
  case 'b': *out = TG_BOOL; return 1;
  case 'u':
    if (d->elsize != 1) return 0;
    *out = TG_UINT8;
    return 1;
  case 'i':
    switch (d->elsize) {
    case 1: *out = TG_INT8; return 1;
    case 2: *out = TG_INT16; return 1;
    case 4: *out = TG_INT32; return 1;
    case 8: *out = TG_INT64; return 1;
    default: return 0;
    }
  case 'f':
    if (d->elsize == 4) *out = TG_FLOAT32;
    else if (d->elsize == 8) *out = TG_FLOAT64;
    else return 0;
    return 1;
  default: return 0;
  }
}

int tgp_dtype_from_obj(PyObject *o, tg_dtype *out) {
  if (!o || o == Py_None) {
    *out = tg_config_floatx();
    return 1;
  }
  if (PyUnicode_Check(o)) {
    const char *s = PyUnicode_AsUTF8(o);
    if (!s) return 0;
    if (!strcmp(s, "floatX")) {
      *out = tg_config_floatx();
      return 1;
    }
    if (tg_dtype_from_name(s, out)) return 1;
  }
  PyArray_Descr *d = NULL;
  if (!PyArray_DescrConverter2(o, &d) || !d) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "unknown dtype %R", o);
    return 0;
  }
  int ok = tgp_dtype_from_descr(d, out);
  if (!ok)
    PyErr_Format(PyExc_TypeError, "dtype %R is not supported by tgraph (supported: bool, int8, "
                 "int16, int32, int64, uint8, float32, float64)", (PyObject *)d);
  Py_DECREF(d);
  return ok;
}

/* ---- module ---- */

static PyObject *py_version(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  return PyUnicode_FromString(tg_version());
}

static PyObject *py_graph(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  return (PyObject *)tgp_graph_acquire();
}

static PyMethodDef module_functions[] = {
    {"version", py_version, METH_NOARGS, "The C library's version string."},
    {"graph", py_graph, METH_NOARGS, "The live graph (made if there is none)."},
    {"_set_classes", tgp_set_classes, METH_VARARGS,
     "_set_classes(variable_class, shared_class): the classes of new variables."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, .m_name = "tgraph._tgraph",
    .m_doc = "tgraph's symbolic tensor graphs (the C core of the tgraph package).",
    .m_size = -1, .m_methods = module_functions,
};

static int add_functions(PyObject *m, PyMethodDef *defs) {
  return PyModule_AddFunctions(m, defs);
}

PyMODINIT_FUNC PyInit__tgraph(void);
PyMODINIT_FUNC PyInit__tgraph(void) {
  import_array();
  PyTypeObject *types[] = {&tgp_GraphType, &tgp_VarType, &tgp_FunctionType, &tgp_OwnerType,
                           &tgp_RngType};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (PyType_Ready(types[i]) < 0) return NULL;
  PyObject *m = PyModule_Create(&module_def);
  if (!m) return NULL;
  if (add_functions(m, tgp_var_functions) < 0 || add_functions(m, tgp_misc_functions) < 0 ||
      add_functions(m, tgp_shape_functions) < 0 ||
      add_functions(m, tgp_linalg_functions) < 0 || add_functions(m, tgp_scan_functions) < 0 ||
      add_functions(m, tgp_random_functions) < 0 || add_functions(m, tgp_ifelse_functions) < 0 ||
      tgp_add_ops(m) < 0 ||
      PyModule_AddObjectRef(m, "Rng", (PyObject *)&tgp_RngType) < 0 ||
      PyModule_AddObjectRef(m, "Variable", (PyObject *)&tgp_VarType) < 0 ||
      PyModule_AddObjectRef(m, "Function", (PyObject *)&tgp_FunctionType) < 0 ||
      PyModule_AddObjectRef(m, "Graph", (PyObject *)&tgp_GraphType) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
