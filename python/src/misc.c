/* misc.c: shared variables (shared, get_value, set_value), gradients (grad, Lop, Rop,
   jacobian, hessian), the printers (debugprint, pp, DOT) as text, and the configuration
   (floatX, mode, ...). */
#include <stdlib.h>

#include "tgpy.h"

/* ---- shared variables ---- */

static PyObject *py_shared(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"value", "name", "borrow", NULL};
  PyObject *val, *name = Py_None;
  int borrow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|Op", kws, &val, &name, &borrow)) return NULL;
  const char *nm = NULL;
  if (name != Py_None && !(nm = PyUnicode_AsUTF8(name))) return NULL;
  if (tgp_Var_Check(val)) {
    PyErr_SetString(PyExc_TypeError, "shared() takes a value (a numpy array or a number), not "
                    "a symbolic variable");
    return NULL;
  }
  tg_array *a = tgp_as_array(val);
  if (!a) return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) {
    tg_array_unref(a);
    return NULL;
  }
  /* borrow keeps the caller's numpy memory (changes to it are seen, as in Theano) */
  PyObject *r = tgp_var_new(G, tg_shared(G->g, nm, a, borrow));
  tg_array_unref(a);
  Py_DECREF(G);
  return r;
}

static int shared_arg(PyObject *o, void *out) {
  if (!tgp_Var_Check(o) || !tg_var_is_shared(((tgp_Var *)o)->v)) {
    PyErr_SetString(PyExc_TypeError, "expected a shared variable");
    return 0;
  }
  *(tgp_Var **)out = (tgp_Var *)o;
  return 1;
}

static PyObject *py_get_value(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"var", "borrow", NULL};
  tgp_Var *x;
  int borrow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|p", kws, shared_arg, &x, &borrow)) return NULL;
  tg_array *a = tg_shared_get(x->v, borrow);
  if (!a) return tgp_raise_tls();
  if (!borrow) return tgp_to_numpy(a);
  PyObject *r = tgp_view_numpy(a, 1);
  tg_array_unref(a);
  return r;
}

static PyObject *py_set_value(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"var", "value", "borrow", NULL};
  tgp_Var *x;
  PyObject *val;
  int borrow = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O|p", kws, shared_arg, &x, &val, &borrow))
    return NULL;
  char what[160];
  const char *nm = tg_var_name(x->v);
  snprintf(what, sizeof what, "shared variable %s", nm ? nm : "<unnamed>");
  tg_array *a = tgp_filter(val, tg_var_dtype(x->v), -1, what);
  if (!a) return NULL;
  tg_status st = tg_shared_set(x->v, a, borrow);
  tg_array_unref(a);
  if (st != TG_OK) return tgp_raise_tls();
  Py_RETURN_NONE;
}

/* ---- gradients ---- */

/* The tg_vars of a list of variables (or values) into a new PyMem array; count or -1. */
static int var_list(tgp_Graph *G, PyObject *o, tg_var ***vs) { return tgp_parse_vars(G, o, vs); }

PyObject *tgp_var_list(tgp_Graph *G, int n, tg_var *const *vs) {
  PyObject *l = PyList_New(n);
  for (int i = 0; l && i < n; i++) {
    PyObject *o = vs[i] ? tgp_var_new(G, vs[i]) : Py_NewRef(Py_None);
    if (!o) Py_CLEAR(l);
    else PyList_SET_ITEM(l, i, o);
  }
  return l;
}

static PyObject *py_grad(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kws[] = {"cost", "wrt", "consider_constant", "disconnected_inputs", "known_vars",
                        "known_grads", "return_disconnected_none", NULL};
  PyObject *costo, *wrto, *cc = Py_None, *kv = Py_None, *kg = Py_None;
  const char *disc = "raise";
  int ret_none = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OsOOp", kws, &costo, &wrto, &cc, &disc, &kv, &kg,
                                   &ret_none))
    return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var **wrt = NULL, **ccv = NULL, **kvv = NULL, **kgv = NULL, **grads = NULL, *cost = NULL;
  PyObject *r = NULL;
  tg_grad_options opt;
  memset(&opt, 0, sizeof opt);
  int n = var_list(G, wrto, &wrt);
  if (n < 0) goto done;
  if (costo != Py_None && !(cost = tgp_as_var(G, costo))) goto done;
  if (cc != Py_None && (opt.n_consider_constant = var_list(G, cc, &ccv)) < 0) goto done;
  if (kv != Py_None) {
    int a = var_list(G, kv, &kvv), b = a < 0 ? -1 : var_list(G, kg, &kgv);
    if (b < 0) goto done;
    if (a != b) {
      PyErr_SetString(PyExc_ValueError, "known_grads: as many gradients as variables");
      goto done;
    }
    opt.n_known = a, opt.known_vars = kvv, opt.known_grads = kgv;
  }
  opt.consider_constant = ccv;
  if (!strcmp(disc, "raise")) opt.disconnected_inputs = TG_DISCONNECTED_RAISE;
  else if (!strcmp(disc, "warn")) opt.disconnected_inputs = TG_DISCONNECTED_WARN;
  else if (!strcmp(disc, "ignore")) opt.disconnected_inputs = TG_DISCONNECTED_IGNORE;
  else {
    PyErr_Format(PyExc_ValueError, "disconnected_inputs must be raise, warn or ignore, not '%s'",
                 disc);
    goto done;
  }
  opt.return_disconnected_none = ret_none;
  if (!(grads = PyMem_Calloc((size_t)n + 1, sizeof *grads))) {
    PyErr_NoMemory();
    goto done;
  }
  if (tg_grad_ex(cost, n, wrt, grads, &opt) != TG_OK) {
    tgp_raise_graph(G);
    goto done;
  }
  r = tgp_var_list(G, n, grads);
done:
  PyMem_Free(wrt), PyMem_Free(ccv), PyMem_Free(kvv), PyMem_Free(kgv), PyMem_Free(grads);
  Py_DECREF(G);
  return r;
}

/* Lop(outputs, wrt, eval_points) and Rop(outputs, wrt, eval_points), lists in and out. */
static PyObject *lop_rop(PyObject *args, int rop) {
  PyObject *fo, *wo, *eo;
  if (!PyArg_ParseTuple(args, "OOO", &fo, &wo, &eo)) return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var **f = NULL, **w = NULL, **e = NULL, **res = NULL;
  PyObject *r = NULL;
  int nf = var_list(G, fo, &f), nw = nf < 0 ? -1 : var_list(G, wo, &w);
  int ne = nw < 0 ? -1 : var_list(G, eo, &e);
  if (ne < 0) goto done;
  if (ne != (rop ? nw : nf)) {
    PyErr_Format(PyExc_ValueError, "%s: one eval point per %s", rop ? "Rop" : "Lop",
                 rop ? "wrt variable" : "output");
    goto done;
  }
  int nres = rop ? nf : nw;
  if (!(res = PyMem_Calloc((size_t)nres + 1, sizeof *res))) {
    PyErr_NoMemory();
    goto done;
  }
  tg_status st = rop ? tg_Rop(nf, f, nw, w, e, res) : tg_Lop(nf, f, e, nw, w, res);
  if (st != TG_OK) tgp_raise_graph(G);
  else r = tgp_var_list(G, nres, res);
done:
  PyMem_Free(f), PyMem_Free(w), PyMem_Free(e), PyMem_Free(res);
  Py_DECREF(G);
  return r;
}
static PyObject *py_Lop(PyObject *self, PyObject *args) {
  (void)self;
  return lop_rop(args, 0);
}
static PyObject *py_Rop(PyObject *self, PyObject *args) {
  (void)self;
  return lop_rop(args, 1);
}

static PyObject *py_jacobian(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("expression", "wrt");
  tg_var *y, *x;
  if (PARSE("O&O&", V, &y, V, &x)) out = tg_jacobian(y, x);
  END
}

static PyObject *py_hessian(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("cost", "wrt");
  tg_var *c, *x;
  if (PARSE("O&O&", V, &c, V, &x)) out = tg_hessian(c, x);
  END
}

/* ---- printing ---- */

/* Text a printer writes about a list of variables. */
static PyObject *print_vars(PyObject *args, tg_status (*pr)(int, tg_var *const *, FILE *)) {
  PyObject *lo;
  if (!PyArg_ParseTuple(args, "O", &lo)) return NULL;
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var **vs = NULL;
  PyObject *r = NULL;
  int n = var_list(G, lo, &vs);
  if (n >= 0) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) {
      PyErr_NoMemory();
    } else {
      tg_status st = pr(n, vs, fp);
      fclose(fp);
      r = st == TG_OK ? PyUnicode_FromStringAndSize(buf, (Py_ssize_t)len) : tgp_raise_tls();
      free(buf); /* open_memstream's buffer comes from libc malloc */
    }
  }
  PyMem_Free(vs);
  Py_DECREF(G);
  return r;
}
static PyObject *py_debugprint(PyObject *self, PyObject *args) {
  (void)self;
  return print_vars(args, tg_debugprint);
}
static PyObject *py_dot_graph(PyObject *self, PyObject *args) {
  (void)self;
  return print_vars(args, tg_graph_dot);
}
static PyObject *py_pp(PyObject *self, PyObject *x) {
  (void)self;
  if (!tgp_Var_Check(x)) {
    PyErr_SetString(PyExc_TypeError, "pp() takes a symbolic variable");
    return NULL;
  }
  char *s = tg_pp(((tgp_Var *)x)->v);
  if (!s) return tgp_raise_tls();
  PyObject *r = PyUnicode_FromString(s);
  tg_free(s);
  return r;
}

/* ---- configuration ---- */

static PyObject *py_config_get(PyObject *self, PyObject *key) {
  (void)self;
  const char *k = PyUnicode_AsUTF8(key);
  if (!k) return NULL;
  const char *v = tg_config_get(k);
  if (!v) Py_RETURN_NONE;
  return PyUnicode_FromString(v);
}

static PyObject *py_config_set(PyObject *self, PyObject *args) {
  (void)self;
  const char *k, *v;
  if (!PyArg_ParseTuple(args, "ss", &k, &v)) return NULL;
  if (tg_config_set(k, v) != TG_OK) return tgp_raise_tls();
  Py_RETURN_NONE;
}

static PyObject *py_config_keys(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  int n = tg_config_count();
  PyObject *l = PyList_New(n);
  for (int i = 0; l && i < n; i++) {
    const char *k = tg_config_key(i);
    PyObject *row = Py_BuildValue("(ssss)", k, tg_config_get(k), tg_config_source(k),
                                  tg_config_help(k));
    if (!row) Py_CLEAR(l);
    else PyList_SET_ITEM(l, i, row);
  }
  return l;
}

#define FK(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, doc},
PyMethodDef tgp_misc_functions[] = {
    FK(shared, "shared(value, name=None, borrow=False): a shared variable holding value.")
    FK(get_value, "get_value(var, borrow=False): a shared variable's value.")
    FK(set_value, "set_value(var, value, borrow=False): replace a shared variable's value.")
    FK(grad, "grad(cost, wrt, consider_constant=None, disconnected_inputs='raise', "
             "known_vars=None, known_grads=None, return_disconnected_none=False): a list.")
    {"Lop", py_Lop, METH_VARARGS, "Lop(outputs, wrt, eval_points): vector-Jacobian products."},
    {"Rop", py_Rop, METH_VARARGS, "Rop(outputs, wrt, eval_points): Jacobian-vector products."},
    FK(jacobian, "jacobian(expression, wrt).")
    FK(hessian, "hessian(cost, wrt).")
    {"debugprint_str", py_debugprint, METH_VARARGS, "debugprint of a list of variables, as text."},
    {"dot_str", py_dot_graph, METH_VARARGS, "Graphviz DOT of a list of variables, as text."},
    {"pp", py_pp, METH_O, "One-line infix form of a variable's graph."},
    {"config_get", py_config_get, METH_O, "Value of a configuration key (None if unknown)."},
    {"config_set", py_config_set, METH_VARARGS, "config_set(key, value)."},
    {"config_keys", py_config_keys, METH_NOARGS, "[(key, value, source, help)] of every key."},
    {NULL, NULL, 0, NULL}};
