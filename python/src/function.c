/* function.c: compiled functions (tgraph._tgraph.Function). Construction takes the lists
   the Python layer has normalised (inputs, outputs, updates, givens, defaults, options) and
   calls tg_function_new. A call is a vectorcall with a fast path: a numpy array of the
   input's exact dtype is wrapped without copying or converting, the GIL is released while
   the function runs, and outputs become numpy arrays over the results' memory. Anything
   else (lists, scalars, other dtypes, keyword arguments, defaults) goes through Theano's
   conversion rules in convert.c. */
#include "tgpy.h"

#include <structmember.h>

#define STACK_ARGS 16

typedef struct {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  tg_function *f;
  tgp_Graph *graph;   /* keeps shared variables and the inputs' graph alive */
  int n_in, n_out;
  int single;         /* return the one output itself, not a list */
  int downcast;       /* allow_input_downcast: 1 True, 0 False, -1 None (Theano's default) */
  tg_dtype *in_dt;
  int *in_npy;        /* numpy type number of each input's dtype: the fast-path test */
  char *has_default;
  PyObject *inputs;   /* tuple of the input Variables */
  PyObject *outputs;  /* tuple of the output Variables */
  PyObject *names;    /* tuple of the inputs' names (str or None), for keyword calls */
  PyObject *fname;    /* str or None */
} tgp_Fn;

/* ---- calling ---- */

/* Input i from a Python value; NULL with an exception. */
static tg_array *input_array(tgp_Fn *fn, int i, PyObject *o) {
  if (PyArray_CheckExact(o)) {
    PyArrayObject *arr = (PyArrayObject *)o;
    if (PyArray_DESCR(arr)->type_num == fn->in_npy[i]) {
      tg_array *t = tgp_wrap_numpy(arr, fn->in_dt[i]);
      if (t) return t;
      if (PyErr_Occurred()) return NULL;
    }
  }
  char what[160];
  PyObject *nm = PyTuple_GET_ITEM(fn->names, i);
  snprintf(what, sizeof what, "input %d%s%s%s of function %s", i, nm != Py_None ? " ('" : "",
           nm != Py_None ? PyUnicode_AsUTF8(nm) : "", nm != Py_None ? "')" : "",
           fn->fname != Py_None ? PyUnicode_AsUTF8(fn->fname) : "<unnamed>");
  return tgp_filter(o, fn->in_dt[i], fn->downcast, what);
}

/* Arrange positional and keyword arguments by input; NULL entries use defaults. */
static int arrange(tgp_Fn *fn, PyObject *const *args, Py_ssize_t n, PyObject *kwnames,
                   PyObject **vals) {
  if (n > fn->n_in) {
    PyErr_Format(PyExc_TypeError, "function takes %d input%s, got %zd", fn->n_in,
                 fn->n_in == 1 ? "" : "s", n);
    return 0;
  }
  for (int i = 0; i < fn->n_in; i++) vals[i] = i < n ? args[i] : NULL;
  Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nk; k++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, k);
    int found = -1;
    for (int i = 0; i < fn->n_in && found < 0; i++) {
      PyObject *nm = PyTuple_GET_ITEM(fn->names, i);
      if (nm != Py_None && PyUnicode_Compare(nm, key) == 0) found = i;
    }
    if (found < 0) {
      PyErr_Format(PyExc_TypeError, "function has no input named %R", key);
      return 0;
    }
    if (vals[found]) {
      PyErr_Format(PyExc_TypeError, "input %R given twice", key);
      return 0;
    }
    vals[found] = args[n + k];
  }
  for (int i = 0; i < fn->n_in; i++)
    if (!vals[i] && !fn->has_default[i]) {
      PyObject *nm = PyTuple_GET_ITEM(fn->names, i);
      PyErr_Format(PyExc_TypeError, "missing input %d (%S), which has no default value", i, nm);
      return 0;
    }
  return 1;
}

static PyObject *fn_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                               PyObject *kwnames) {
  tgp_Fn *fn = (tgp_Fn *)self;
  Py_ssize_t n = PyVectorcall_NARGS(nargsf);
  int n_in = fn->n_in, n_out = fn->n_out;
  tg_array *in_stack[STACK_ARGS], *out_stack[STACK_ARGS], **in = in_stack, **out = out_stack;
  PyObject *val_stack[STACK_ARGS], **vals = val_stack, *result = NULL;
  if (n_in > STACK_ARGS || n_out > STACK_ARGS) {
    in = PyMem_Calloc((size_t)n_in + 1, sizeof *in);
    out = PyMem_Calloc((size_t)n_out + 1, sizeof *out);
    vals = PyMem_Calloc((size_t)n_in + 1, sizeof *vals);
    if (!in || !out || !vals) {
      PyErr_NoMemory();
      goto cleanup;
    }
  }
  if (kwnames || n != n_in) {
    if (!arrange(fn, args, n, kwnames, vals)) goto cleanup;
  } else {
    for (int i = 0; i < n_in; i++) vals[i] = args[i];
  }
  int made = 0;
  for (; made < n_in; made++) {
    in[made] = vals[made] ? input_array(fn, made, vals[made]) : NULL;
    if (vals[made] && !in[made]) break;
  }
  tg_status st = TG_ERR_ARG;
  if (made == n_in) {
    Py_BEGIN_ALLOW_THREADS
    st = tg_function_call(fn->f, in, out);
    Py_END_ALLOW_THREADS
  }
  for (int i = 0; i < made; i++) tg_array_unref(in[i]);
  if (made < n_in) goto cleanup;
  if (st != TG_OK) {
    tgp_raise(st, tg_function_error(fn->f));
    goto cleanup;
  }
  if (fn->single) {
    result = tgp_to_numpy(out[0]);
    goto cleanup;
  }
  if (!(result = PyList_New(n_out))) {
    for (int i = 0; i < n_out; i++) tg_array_unref(out[i]);
    goto cleanup;
  }
  for (int i = 0; i < n_out; i++) {
    PyObject *o = result ? tgp_to_numpy(out[i]) : NULL;
    if (!o) {
      if (result) Py_CLEAR(result);
      else tg_array_unref(out[i]);
      continue;
    }
    PyList_SET_ITEM(result, i, o);
  }
cleanup:
  if (in != in_stack) PyMem_Free(in);
  if (out != out_stack) PyMem_Free(out);
  if (vals != val_stack) PyMem_Free(vals);
  return result;
}

/* ---- construction ---- */

/* A tuple of the tg_vars of a sequence of Variables (values become constants). */
static PyObject *var_tuple(tgp_Graph *G, PyObject *seq_in, const char *what, int inputs) {
  PyObject *seq = PySequence_Fast(seq_in, what);
  if (!seq) return NULL;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject *t = PyTuple_New(n);
  for (Py_ssize_t i = 0; t && i < n; i++) {
    PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
    if (!tgp_Var_Check(o)) {
      if (inputs) {
        PyErr_Format(PyExc_TypeError, "function inputs must be symbolic variables, not %.80s",
                     Py_TYPE(o)->tp_name);
        Py_CLEAR(t);
        break;
      }
      tg_var *v = tgp_as_var(G, o);
      o = v ? tgp_var_new(G, v) : NULL;
      if (!o) {
        Py_CLEAR(t);
        break;
      }
    } else {
      Py_INCREF(o);
    }
    PyTuple_SET_ITEM(t, i, o);
  }
  Py_DECREF(seq);
  return t;
}

/* Pairs (a, b) of a sequence into options through add(o, a, b). */
static int add_pairs(tgp_Graph *G, tg_options *o, PyObject *pairs, const char *what,
                     tg_status (*add)(tg_options *, tg_var *, tg_var *)) {
  PyObject *seq = PySequence_Fast(pairs, what);
  if (!seq) return 0;
  int ok = 1;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *p = PySequence_Fast_GET_ITEM(seq, i), *a, *b;
    if (!PyArg_ParseTuple(p, "OO", &a, &b)) {
      PyErr_Format(PyExc_TypeError, "%s: each entry must be a (variable, value) pair", what);
      ok = 0;
      break;
    }
    if (!tgp_Var_Check(a)) {
      PyErr_Format(PyExc_TypeError, "%s: %R is not a symbolic variable", what, a);
      ok = 0;
      break;
    }
    tg_var *bv = tgp_as_var(G, b);
    if (!bv || add(o, ((tgp_Var *)a)->v, bv) != TG_OK) {
      if (!PyErr_Occurred()) tgp_raise_tls();
      ok = 0;
    }
  }
  Py_DECREF(seq);
  return ok;
}

static int set_opt(tg_options *o, const char *key, PyObject *val) {
  if (!val || val == Py_None) return 1;
  const char *s = PyUnicode_AsUTF8(val);
  if (!s) return 0;
  if (tg_options_set(o, key, s) != TG_OK) {
    tgp_raise_tls();
    return 0;
  }
  return 1;
}

static void fn_dealloc(PyObject *self) {
  tgp_Fn *fn = (tgp_Fn *)self;
  tg_function_free(fn->f);
  PyMem_Free(fn->in_dt);
  PyMem_Free(fn->in_npy);
  PyMem_Free(fn->has_default);
  Py_XDECREF(fn->inputs);
  Py_XDECREF(fn->outputs);
  Py_XDECREF(fn->names);
  Py_XDECREF(fn->fname);
  Py_XDECREF(fn->graph);
  Py_TYPE(self)->tp_free(self);
}

static PyObject *fn_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kws[] = {"inputs", "outputs", "single", "updates", "givens", "defaults",
                        "name", "on_unused_input", "mode", "allow_input_downcast", "names",
                        "no_default_updates", "linker", NULL};
  PyObject *ins, *outs, *updates = Py_None, *givens = Py_None, *defaults = Py_None;
  PyObject *name = Py_None, *unused = Py_None, *mode = Py_None, *down = Py_None;
  PyObject *names = Py_None, *linker = Py_None;
  int single = 0, no_default = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|pOOOOOOOOpO", kws, &ins, &outs, &single,
                                   &updates, &givens, &defaults, &name, &unused, &mode, &down,
                                   &names, &no_default, &linker))
    return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tgp_Fn *fn = (tgp_Fn *)type->tp_alloc(type, 0);
  tg_options *o = tg_options_new();
  if (!fn || !o) {
    if (!o) PyErr_NoMemory();
    goto fail;
  }
  fn->vectorcall = fn_vectorcall;
  fn->graph = G;
  Py_INCREF(G);
  fn->single = single;
  fn->downcast = down == Py_None ? -1 : PyObject_IsTrue(down);
  fn->fname = Py_NewRef(name);
  if (!(fn->inputs = var_tuple(G, ins, "inputs must be a list", 1)) ||
      !(fn->outputs = var_tuple(G, outs, "outputs must be a list", 0)))
    goto fail;
  fn->n_in = (int)PyTuple_GET_SIZE(fn->inputs);
  fn->n_out = (int)PyTuple_GET_SIZE(fn->outputs);
  if (single && fn->n_out != 1) {
    PyErr_SetString(PyExc_ValueError, "single: there must be exactly one output");
    goto fail;
  }
  fn->in_dt = PyMem_Calloc((size_t)fn->n_in + 1, sizeof *fn->in_dt);
  fn->in_npy = PyMem_Calloc((size_t)fn->n_in + 1, sizeof *fn->in_npy);
  fn->has_default = PyMem_Calloc((size_t)fn->n_in + 1, 1);
  fn->names = PyTuple_New(fn->n_in);
  if (!fn->in_dt || !fn->in_npy || !fn->has_default || !fn->names) {
    PyErr_NoMemory();
    goto fail;
  }
  tg_var *vin_stack[STACK_ARGS], *vout_stack[STACK_ARGS];
  tg_var **vin = fn->n_in > STACK_ARGS ? PyMem_Calloc((size_t)fn->n_in, sizeof *vin) : vin_stack;
  tg_var **vout = fn->n_out > STACK_ARGS ? PyMem_Calloc((size_t)fn->n_out, sizeof *vout) : vout_stack;
  for (int i = 0; vin && i < fn->n_in; i++) {
    tg_var *v = ((tgp_Var *)PyTuple_GET_ITEM(fn->inputs, i))->v;
    vin[i] = v;
    fn->in_dt[i] = tg_var_dtype(v);
    fn->in_npy[i] = tgp_npy_type(fn->in_dt[i]);
    /* keyword names: the given ones (In(name=...)), else the variables' */
    PyObject *given = names != Py_None && PySequence_Check(names) && PySequence_Size(names) > i
                          ? PySequence_GetItem(names, i) : NULL;
    const char *nm = tg_var_name(v);
    if (given && PyUnicode_Check(given)) PyTuple_SET_ITEM(fn->names, i, given);
    else {
      Py_XDECREF(given);
      PyTuple_SET_ITEM(fn->names, i, nm ? PyUnicode_FromString(nm) : Py_NewRef(Py_None));
    }
  }
  for (int i = 0; vout && i < fn->n_out; i++)
    vout[i] = ((tgp_Var *)PyTuple_GET_ITEM(fn->outputs, i))->v;
  int ok = vin && vout;
  if (!ok) PyErr_NoMemory();
  if (ok && name != Py_None) ok = set_opt(o, "name", name);
  if (ok) ok = set_opt(o, "on_unused_input", unused);
  if (ok) ok = set_opt(o, "mode", mode);
  if (ok) ok = set_opt(o, "linker", linker);
  if (ok && no_default && tg_options_set(o, "no_default_updates", "true") != TG_OK)
    ok = (tgp_raise_tls(), 0);
  if (ok && updates != Py_None)
    ok = add_pairs(G, o, updates, "updates", tg_options_update);
  if (ok && givens != Py_None) ok = add_pairs(G, o, givens, "givens", tg_options_given);
  /* defaults: (index, value) pairs, converted with the input's rules */
  PyObject *dseq = ok && defaults != Py_None ? PySequence_Fast(defaults, "defaults") : NULL;
  if (ok && defaults != Py_None && !dseq) ok = 0;
  for (Py_ssize_t k = 0; ok && dseq && k < PySequence_Fast_GET_SIZE(dseq); k++) {
    int idx;
    PyObject *val;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(dseq, k), "iO", &idx, &val) || idx < 0 ||
        idx >= fn->n_in) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "defaults: bad input index");
      ok = 0;
      break;
    }
    tg_array *a = tgp_filter(val, fn->in_dt[idx], fn->downcast, "default value");
    tg_array *c = a ? tg_array_copy(a) : NULL; /* the function keeps its own copy */
    tg_array_unref(a);
    if (!c || tg_options_default(o, idx, c) != TG_OK) {
      if (!PyErr_Occurred()) tgp_raise_tls();
      ok = 0;
    }
    tg_array_unref(c);
    if (ok) fn->has_default[idx] = 1;
  }
  Py_XDECREF(dseq);
  if (ok && !(fn->f = tg_function_new(G->g, fn->n_in, vin, fn->n_out, vout, o))) {
    tgp_raise_graph(G);
    ok = 0;
  }
  if (vin != vin_stack) PyMem_Free(vin);
  if (vout != vout_stack) PyMem_Free(vout);
  if (!ok) goto fail;
  tg_options_free(o);
  Py_DECREF(G);
  return (PyObject *)fn;
fail:
  tg_options_free(o);
  Py_XDECREF(fn);
  Py_DECREF(G);
  return NULL;
}

/* ---- methods and properties ---- */

static PyObject *fn_n_nodes(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyLong_FromLongLong(tg_function_n_nodes(((tgp_Fn *)self)->f));
}

/* Text written by a printer to a memory stream. */
static PyObject *fn_print(PyObject *self, tg_status (*pr)(const tg_function *, FILE *)) {
  char *buf = NULL;
  size_t n = 0;
  FILE *fp = open_memstream(&buf, &n);
  if (!fp) return PyErr_NoMemory();
  tg_status st = pr(((tgp_Fn *)self)->f, fp);
  fclose(fp);
  PyObject *r = st == TG_OK ? PyUnicode_FromStringAndSize(buf, (Py_ssize_t)n) : tgp_raise_tls();
  free(buf); /* open_memstream's buffer comes from libc malloc */
  return r;
}
static PyObject *fn_debugprint(PyObject *self, PyObject *unused) {
  (void)unused;
  return fn_print(self, tg_function_debugprint);
}
static PyObject *fn_dot(PyObject *self, PyObject *unused) {
  (void)unused;
  return fn_print(self, tg_function_dot);
}

static PyMethodDef fn_methods[] = {
    {"n_nodes", fn_n_nodes, METH_NOARGS, "Number of Apply nodes the function runs."},
    {"debugprint_str", fn_debugprint, METH_NOARGS, "debugprint of the compiled graph, as text."},
    {"dot_str", fn_dot, METH_NOARGS, "Graphviz DOT of the compiled graph, as text."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef fn_members[] = {
    {"inputs", T_OBJECT, offsetof(tgp_Fn, inputs), READONLY, "The input variables."},
    {"outputs", T_OBJECT, offsetof(tgp_Fn, outputs), READONLY, "The output variables."},
    {"name", T_OBJECT, offsetof(tgp_Fn, fname), READONLY, "The function's name."},
    {NULL, 0, 0, 0, NULL}};

PyTypeObject tgp_FunctionType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tgraph._tgraph.Function",
    .tp_basicsize = sizeof(tgp_Fn),
    .tp_dealloc = fn_dealloc,
    .tp_vectorcall_offset = offsetof(tgp_Fn, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A compiled function: call it with numpy arrays (or lists, scalars).",
    .tp_methods = fn_methods,
    .tp_members = fn_members,
    .tp_new = fn_new,
};
