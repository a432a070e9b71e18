/* variable.c: the symbolic variable type (tgraph._tgraph.Variable): its properties,
   Python's operators building graph nodes (+ - * / // % ** @, unary -, abs, ~, & | ^,
   < <= > >=, indexing), and turning Python values into constants. == and != stay
   identity tests, as in Theano, so variables can be dict keys (updates, givens); eq()
   and neq() compare symbolically. The Python layer subclasses this type to add Theano's
   methods (sum, mean, reshape, ...) and registers its classes with _set_classes. */
#include "tgpy.h"

/* Classes of new variables (Python subclasses registered by tgraph.tensor). */
static PyTypeObject *var_class = &tgp_VarType, *shared_class = &tgp_VarType;

PyObject *tgp_set_classes(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *a, *b;
  if (!PyArg_ParseTuple(args, "O!O!", &PyType_Type, &a, &PyType_Type, &b)) return NULL;
  if (!PyType_IsSubtype((PyTypeObject *)a, &tgp_VarType) ||
      !PyType_IsSubtype((PyTypeObject *)b, &tgp_VarType)) {
    PyErr_SetString(PyExc_TypeError, "_set_classes: both classes must derive from Variable");
    return NULL;
  }
  Py_INCREF(a), Py_INCREF(b);
  var_class = (PyTypeObject *)a, shared_class = (PyTypeObject *)b;
  Py_RETURN_NONE;
}

PyObject *tgp_var_new(tgp_Graph *G, tg_var *v) {
  if (!v) return tgp_raise_graph(G);
  PyTypeObject *cls = tg_var_is_shared(v) ? shared_class : var_class;
  tgp_Var *o = (tgp_Var *)cls->tp_alloc(cls, 0);
  if (!o) return NULL;
  o->v = v;
  Py_INCREF(G);
  o->graph = G;
  o->idx_base = o->idx_key = NULL;
  return (PyObject *)o;
}

static void var_dealloc(PyObject *o) {
  tgp_Var *x = (tgp_Var *)o;
  Py_CLEAR(x->idx_base);
  Py_CLEAR(x->idx_key);
  Py_CLEAR(x->graph);
  Py_TYPE(o)->tp_free(o);
}

/* ---- Python values as variables ---- */

tg_var *tgp_as_var(tgp_Graph *G, PyObject *o) {
  if (tgp_Var_Check(o)) return ((tgp_Var *)o)->v;
  tg_var *v = NULL;
  if (PyBool_Check(o)) {
    v = tg_const_typed(G->g, TG_BOOL, o == Py_True);
  } else if (PyLong_CheckExact(o)) {
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
      PyErr_Format(PyExc_OverflowError, "Python int %R does not fit in int64", o);
      return NULL;
    }
    if (x == -1 && PyErr_Occurred()) return NULL;
    v = tg_const_i64(G->g, x);
  } else if (PyFloat_CheckExact(o)) {
    v = tg_const_f64(G->g, PyFloat_AS_DOUBLE(o));
  } else {
    /* numpy scalars keep their dtype; arrays and nested lists become constants (a
       private copy, so later changes to the caller's array do not leak in) */
    tg_array *a = tgp_as_array(o);
    if (!a) return NULL;
    tg_array *c = tg_array_copy(a);
    tg_array_unref(a);
    if (!c) {
      tgp_raise_tls();
      return NULL;
    }
    v = tg_constant(G->g, c);
    tg_array_unref(c);
  }
  if (!v) tgp_raise_graph(G);
  return v;
}

int tgp_conv_var(PyObject *o, void *out) {
  tgp_Graph *G = tgp_graph_current();
  if (!G) {
    PyErr_SetString(PyExc_SystemError, "tgraph: no live graph");
    return 0;
  }
  return (*(tg_var **)out = tgp_as_var(G, o)) != NULL;
}

int tgp_conv_var_opt(PyObject *o, void *out) {
  if (o == Py_None) {
    *(tg_var **)out = NULL;
    return 1;
  }
  return tgp_conv_var(o, out);
}

int tgp_parse_axes(PyObject *o, int *n, int *axes) {
  if (!o || o == Py_None) {
    *n = -1;
    return 1;
  }
  if (PyIndex_Check(o)) {
    long a = PyLong_AsLong(o);
    if (a == -1 && PyErr_Occurred()) return 0;
    *n = 1, axes[0] = (int)a;
    return 1;
  }
  PyObject *seq = PySequence_Fast(o, "axis must be None, an int or a sequence of ints");
  if (!seq) return 0;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k > TG_MAX_NDIM) {
    Py_DECREF(seq);
    PyErr_SetString(PyExc_ValueError, "too many axes");
    return 0;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    long a = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    if (a == -1 && PyErr_Occurred()) {
      Py_DECREF(seq);
      return 0;
    }
    axes[i] = (int)a;
  }
  *n = (int)k;
  Py_DECREF(seq);
  return 1;
}

/* ---- operators ---- */

typedef tg_var *(*binfn)(tg_var *, tg_var *);
typedef tg_var *(*unfn)(tg_var *);

static PyObject *binop(PyObject *a, PyObject *b, binfn fn) {
  if (!tgp_Var_Check(a) && !tgp_Var_Check(b)) Py_RETURN_NOTIMPLEMENTED;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  PyObject *r = NULL;
  tg_var *va = tgp_as_var(G, a), *vb = va ? tgp_as_var(G, b) : NULL;
  if (vb) r = tgp_var_new(G, fn(va, vb));
  Py_DECREF(G);
  return r;
}

static PyObject *unop(PyObject *a, unfn fn) {
  tgp_Var *x = (tgp_Var *)a;
  return tgp_var_new(x->graph, fn(x->v));
}

#define BIN(name, fn) \
  static PyObject *name(PyObject *a, PyObject *b) { return binop(a, b, fn); }
BIN(nb_add, tg_add)
BIN(nb_sub, tg_sub)
BIN(nb_mul, tg_mul)
BIN(nb_truediv, tg_true_div)
BIN(nb_floordiv, tg_floor_div)
BIN(nb_mod, tg_mod)
BIN(nb_matmul, tg_matmul)
BIN(nb_and, tg_bitwise_and)
BIN(nb_or, tg_bitwise_or)
BIN(nb_xor, tg_bitwise_xor)
BIN(nb_lshift, tg_left_shift)
BIN(nb_rshift, tg_right_shift)

static PyObject *nb_pow(PyObject *a, PyObject *b, PyObject *mod) {
  if (mod != Py_None) {
    PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported on tensors");
    return NULL;
  }
  return binop(a, b, tg_pow);
}
static PyObject *nb_neg(PyObject *a) { return unop(a, tg_neg); }
static PyObject *nb_abs(PyObject *a) { return unop(a, tg_abs); }
static PyObject *nb_invert(PyObject *a) { return unop(a, tg_invert); }
static PyObject *nb_pos(PyObject *a) { return Py_NewRef(a); }
static int nb_bool(PyObject *a) {
  (void)a;
  PyErr_SetString(PyExc_TypeError,
                  "a symbolic variable has no truth value (it holds no data); use "
                  "tgraph.tensor.switch for conditions and & | ~ for logic");
  return -1;
}

static PyNumberMethods var_as_number = {
    .nb_add = nb_add, .nb_subtract = nb_sub, .nb_multiply = nb_mul,
    .nb_remainder = nb_mod, .nb_power = nb_pow, .nb_negative = nb_neg,
    .nb_positive = nb_pos, .nb_absolute = nb_abs, .nb_bool = nb_bool,
    .nb_invert = nb_invert, .nb_lshift = nb_lshift, .nb_rshift = nb_rshift,
    .nb_and = nb_and, .nb_xor = nb_xor, .nb_or = nb_or,
    .nb_floor_divide = nb_floordiv, .nb_true_divide = nb_truediv,
    .nb_matrix_multiply = nb_matmul,
};

static PyObject *var_richcompare(PyObject *a, PyObject *b, int op) {
  switch (op) {
  case Py_LT: return binop(a, b, tg_lt);
  case Py_LE: return binop(a, b, tg_le);
  case Py_GT: return binop(a, b, tg_gt);
  case Py_GE: return binop(a, b, tg_ge);
  default: Py_RETURN_NOTIMPLEMENTED; /* == and != compare identities */
  }
}

static Py_hash_t var_hash(PyObject *o) {
  Py_hash_t h = (Py_hash_t)((uintptr_t)o >> 4);
  return h == -1 ? -2 : h;
}

static PyMappingMethods var_as_mapping = {.mp_subscript = tgp_getitem};

/* Iterating needs a static length (x.shape of a matrix, a vector of known size). */
static PyObject *var_iter(PyObject *o) {
  tgp_Var *x = (tgp_Var *)o;
  int64_t n = tg_var_ndim(x->v) > 0 ? tg_var_dim(x->v, 0) : -1;
  if (n < 0) {
    PyErr_SetString(PyExc_TypeError, "a symbolic variable can only be iterated when its first "
                    "dim has a static length");
    return NULL;
  }
  PyObject *list = PyList_New((Py_ssize_t)n);
  if (!list) return NULL;
  for (int64_t i = 0; i < n; i++) {
    PyObject *k = PyLong_FromLongLong(i), *item = k ? tgp_getitem(o, k) : NULL;
    Py_XDECREF(k);
    if (!item) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, (Py_ssize_t)i, item);
  }
  PyObject *it = PyObject_GetIter(list);
  Py_DECREF(list);
  return it;
}

static PyObject *var_str(PyObject *o) {
  tgp_Var *x = (tgp_Var *)o;
  const char *nm = tg_var_name(x->v);
  if (nm) return PyUnicode_FromString(nm);
  char *s = tg_pp(x->v);
  if (!s) return tgp_raise_tls();
  PyObject *r = PyUnicode_FromString(s);
  tg_free(s);
  return r;
}

/* ---- properties ---- */

static PyObject *get_name(PyObject *o, void *c) {
  (void)c;
  const char *nm = tg_var_name(((tgp_Var *)o)->v);
  if (!nm) Py_RETURN_NONE;
  return PyUnicode_FromString(nm);
}
static int set_name(PyObject *o, PyObject *val, void *c) {
  (void)c;
  const char *nm = NULL;
  if (val && val != Py_None && !(nm = PyUnicode_AsUTF8(val))) return -1;
  if (!tg_var_set_name(((tgp_Var *)o)->v, nm)) {
    PyErr_NoMemory();
    return -1;
  }
  return 0;
}
static PyObject *get_ndim(PyObject *o, void *c) {
  (void)c;
  return PyLong_FromLong(tg_var_ndim(((tgp_Var *)o)->v));
}
static PyObject *get_dtype(PyObject *o, void *c) {
  (void)c;
  return PyUnicode_FromString(tg_dtype_name(tg_var_dtype(((tgp_Var *)o)->v)));
}
static PyObject *get_static_shape(PyObject *o, void *c) {
  (void)c;
  tg_var *v = ((tgp_Var *)o)->v;
  int nd = tg_var_ndim(v);
  PyObject *t = PyTuple_New(nd);
  for (int i = 0; t && i < nd; i++) {
    int64_t d = tg_var_dim(v, i);
    PyTuple_SET_ITEM(t, i, d < 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(d));
  }
  return t;
}
static PyObject *get_broadcastable(PyObject *o, void *c) {
  (void)c;
  tg_var *v = ((tgp_Var *)o)->v;
  int nd = tg_var_ndim(v);
  PyObject *t = PyTuple_New(nd);
  for (int i = 0; t && i < nd; i++) PyTuple_SET_ITEM(t, i, PyBool_FromLong(tg_var_dim(v, i) == 1));
  return t;
}
static PyObject *get_is_shared(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(tg_var_is_shared(((tgp_Var *)o)->v));
}
static PyObject *get_is_constant(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(tg_var_is_constant(((tgp_Var *)o)->v));
}
static PyObject *get_data(PyObject *o, void *c) {
  (void)c;
  const tg_array *a = tg_var_constant_value(((tgp_Var *)o)->v);
  if (!a) {
    PyErr_SetString(PyExc_AttributeError, "only constants have .data");
    return NULL;
  }
  tg_array *copy = tg_array_copy(a);
  if (!copy) return tgp_raise_tls();
  return tgp_to_numpy(copy);
}
static PyObject *get_type_str(PyObject *o, void *c) {
  (void)c;
  char buf[512];
  return PyUnicode_FromString(tg_var_type_str(((tgp_Var *)o)->v, buf, sizeof buf));
}
static PyObject *get_idx(PyObject *o, void *c) {
  (void)c;
  tgp_Var *x = (tgp_Var *)o;
  if (!x->idx_base) Py_RETURN_NONE;
  return PyTuple_Pack(2, x->idx_base, x->idx_key);
}

static PyGetSetDef var_getset[] = {
    {"name", get_name, set_name, "The variable's name (None if unnamed).", NULL},
    {"ndim", get_ndim, NULL, "Rank.", NULL},
    {"dtype", get_dtype, NULL, "Element type, as numpy names it.", NULL},
    {"static_shape", get_static_shape, NULL, "Static length of each dim (None: unknown).", NULL},
    {"broadcastable", get_broadcastable, NULL, "Per dim, True where the length is 1.", NULL},
    {"is_shared", get_is_shared, NULL, "True for shared variables.", NULL},
    {"is_constant", get_is_constant, NULL, "True for constants.", NULL},
    {"data", get_data, NULL, "A constant's value (a copy).", NULL},
    {"type_str", get_type_str, NULL, "The type as text, e.g. TensorType(float64, (?, ?)).", NULL},
    {"_indexed", get_idx, NULL, "(base, key) for a variable made by base[key], else None.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject tgp_VarType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tgraph._tgraph.Variable",
    .tp_basicsize = sizeof(tgp_Var),
    .tp_dealloc = var_dealloc,
    .tp_as_number = &var_as_number,
    .tp_as_mapping = &var_as_mapping,
    .tp_hash = var_hash,
    .tp_str = var_str,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A symbolic tensor: a typed node of the graph, holding no data.",
    .tp_richcompare = var_richcompare,
    .tp_iter = var_iter,
    .tp_getset = var_getset,
};

/* ---- module functions: making variables ---- */

/* tensor(name, dtype, shape): a symbolic input; shape entries None (unknown) or lengths. */
static PyObject *py_tensor(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *name, *dto, *shape;
  if (!PyArg_ParseTuple(args, "OOO", &name, &dto, &shape)) return NULL;
  tg_dtype dt;
  if (!tgp_dtype_from_obj(dto, &dt)) return NULL;
  const char *nm = NULL;
  if (name != Py_None && !(nm = PyUnicode_AsUTF8(name))) return NULL;
  PyObject *seq = PySequence_Fast(shape, "shape must be a sequence");
  if (!seq) return NULL;
  Py_ssize_t nd = PySequence_Fast_GET_SIZE(seq);
  int64_t sh[TG_MAX_NDIM];
  if (nd > TG_MAX_NDIM) {
    Py_DECREF(seq);
    PyErr_Format(PyExc_ValueError, "a tensor has at most %d dims", TG_MAX_NDIM);
    return NULL;
  }
  for (Py_ssize_t i = 0; i < nd; i++) {
    PyObject *d = PySequence_Fast_GET_ITEM(seq, i);
    sh[i] = d == Py_None ? -1 : PyLong_AsLongLong(d);
    if (sh[i] == -1 && PyErr_Occurred()) {
      Py_DECREF(seq);
      return NULL;
    }
  }
  Py_DECREF(seq);
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  PyObject *r = tgp_var_new(G, tg_tensor(G->g, nm, dt, (int)nd, sh));
  Py_DECREF(G);
  return r;
}

/* constant(value, name=None, dtype=None): a constant (a private copy of value). */
static PyObject *py_constant(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"value", "name", "dtype", NULL};
  PyObject *val, *name = Py_None, *dto = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kws, &val, &name, &dto)) return NULL;
  const char *nm = NULL;
  if (name != Py_None && !(nm = PyUnicode_AsUTF8(name))) return NULL;
  tg_array *a;
  if (dto != Py_None) {
    tg_dtype dt;
    if (!tgp_dtype_from_obj(dto, &dt) || !(a = tgp_filter(val, dt, 1, "constant"))) return NULL;
  } else if (!(a = tgp_as_array(val))) {
    return NULL;
  }
  tg_array *c = tg_array_copy(a);
  tg_array_unref(a);
  if (!c) return tgp_raise_tls();
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) {
    tg_array_unref(c);
    return NULL;
  }
  tg_var *v = tg_constant(G->g, c);
  tg_array_unref(c);
  if (v && nm) tg_var_set_name(v, nm);
  PyObject *r = tgp_var_new(G, v);
  Py_DECREF(G);
  return r;
}

/* as_tensor_variable(x): x itself for a variable, else a constant (Python scalars weak). */
static PyObject *py_as_tensor(PyObject *self, PyObject *x) {
  (void)self;
  if (tgp_Var_Check(x)) return Py_NewRef(x);
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *v = tgp_as_var(G, x);
  PyObject *r = v ? tgp_var_new(G, v) : NULL;
  Py_DECREF(G);
  return r;
}

static PyObject *py_set_subtensor(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x, *y;
  if (!PyArg_ParseTuple(args, "O!O", &tgp_VarType, &x, &y)) return NULL;
  return tgp_setinc(x, y, 0);
}
static PyObject *py_inc_subtensor(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *x, *y;
  if (!PyArg_ParseTuple(args, "O!O", &tgp_VarType, &x, &y)) return NULL;
  return tgp_setinc(x, y, 1);
}

PyMethodDef tgp_var_functions[] = {
    {"tensor", py_tensor, METH_VARARGS,
     "tensor(name, dtype, shape): a symbolic input; shape entries None or static lengths."},
    {"constant", (PyCFunction)(void (*)(void))py_constant, METH_VARARGS | METH_KEYWORDS,
     "constant(value, name=None, dtype=None): a constant holding a copy of value."},
    {"as_tensor_variable", py_as_tensor, METH_O,
     "x itself if it is a variable, else a constant holding it."},
    {"set_subtensor", py_set_subtensor, METH_VARARGS,
     "set_subtensor(x[idx], y): a copy of x with x[idx] replaced by y."},
    {"inc_subtensor", py_inc_subtensor, METH_VARARGS,
     "inc_subtensor(x[idx], y): a copy of x with y added to x[idx]."},
    {NULL, NULL, 0, NULL}};
