/* ops.c: the library's ops as module functions, driven by a table. Every elementwise op
   comes from src/ops/scalar_ops.def (the same rows the library is built from, so a new
   row is a new Python function), the others from the table below by calling convention:
   unary, binary, reduction over axes (with keepdims, and ddof for var/std) and
   one-axis ops. Ops with other arguments are written out in ops_more.c. */
#include "tgpy.h"

typedef enum { K_ELEM, K_UNARY, K_BINARY, K_REDUCE, K_REDUCE_DDOF, K_AXIS } kind;

typedef tg_var *(*unary_fn)(tg_var *);
typedef tg_var *(*binary_fn)(tg_var *, tg_var *);
typedef tg_var *(*reduce_fn)(tg_var *, int, const int *, bool);
typedef tg_var *(*ddof_fn)(tg_var *, int, const int *, int, bool);
typedef tg_var *(*axis_fn)(tg_var *, int);

typedef struct {
  const char *name;
  kind k;
  int arity;       /* K_ELEM */
  int def_axis;    /* K_AXIS: the default axis (TG_AXIS_NONE for None) */
  union {
    unary_fn un;
    binary_fn bin;
    reduce_fn red;
    ddof_fn ddof;
    axis_fn ax;
  } fn;
  const char *doc;
} op_entry;

#define ELEM(n, ar, rule, infix, prec, fe, ie, doc) {#n, K_ELEM, ar, 0, {NULL}, doc},
#define UN(n, f, doc) {n, K_UNARY, 1, 0, {.un = f}, doc},
#define BI(n, f, doc) {n, K_BINARY, 2, 0, {.bin = f}, doc},
#define RED(n, f, doc) {n, K_REDUCE, 1, 0, {.red = f}, doc},
#define DDOF(n, f, doc) {n, K_REDUCE_DDOF, 1, 0, {.ddof = f}, doc},
#define AX(n, f, def, doc) {n, K_AXIS, 1, def, {.ax = f}, doc},

static const op_entry table[] = {
#define TG_SCALAR ELEM
#include "ops/scalar_ops.def"
#undef TG_SCALAR
    /* reductions: (x, axis=None, keepdims=False) */
    RED("sum", tg_sum, "Sum over the axes (None: all).")
    RED("prod", tg_prod, "Product over the axes.")
    RED("mean", tg_mean, "Mean over the axes.")
    RED("max", tg_max, "Maximum over the axes (NaN propagates).")
    RED("min", tg_min, "Minimum over the axes.")
    RED("argmax", tg_argmax, "int64 index of the first maximum.")
    RED("argmin", tg_argmin, "int64 index of the first minimum.")
    RED("all", tg_all, "True where every element over the axes is nonzero.")
    RED("any", tg_any, "True where some element over the axes is nonzero.")
    RED("logsumexp", tg_logsumexp, "log(sum(exp(x))) over the axes, computed stably.")
    DDOF("var", tg_variance, "Variance over the axes (x, axis=None, ddof=0, keepdims=False).")
    DDOF("std", tg_std, "Standard deviation over the axes (x, axis=None, ddof=0, keepdims=False).")
    /* one axis: (x, axis=default) */
    AX("softmax", tg_softmax, -1, "exp(x - max) / sum(exp(x - max)) along axis (default -1).")
    AX("log_softmax", tg_log_softmax, -1, "log(softmax(x)) along axis, computed stably.")
    AX("cumsum", tg_cumsum, TG_AXIS_NONE, "Cumulative sum along axis (None: of x flattened).")
    AX("cumprod", tg_cumprod, TG_AXIS_NONE, "Cumulative product along axis (None: flattened).")
    AX("sort", tg_sort, -1, "Sorted copy along axis (None: flattened); stable, NaNs last.")
    AX("argsort", tg_argsort, -1, "Indices that sort x along axis; stable, NaNs last.")
    /* unary */
    UN("shape", tg_shape, "The shape of x as an int64 vector.")
    UN("infer_shape", tg_infer_shape, "x's shape computed from the inputs' shapes alone.")
    UN("matrix_inverse", tg_inv, "Inverse of square matrices.")
    UN("det", tg_det, "Determinant of square matrices.")
    UN("pinv", tg_pinv, "Moore-Penrose pseudo-inverse.")
    UN("flatnonzero", tg_flatnonzero, "int64 positions of the nonzero elements of x flattened.")
    UN("zero_grad", tg_zero_grad, "Identity forward; its gradient is zero.")
    UN("disconnected_grad", tg_disconnected_grad, "Identity forward; no gradient flows back.")
    /* binary */
    BI("dot", tg_dot, "Theano's dot (numpy.dot).")
    BI("matmul", tg_matmul, "numpy.matmul.")
    BI("outer", tg_outer, "numpy.outer.")
    BI("batched_dot", tg_batched_dot, "dot(a[i], b[i]) for each i of the first dim.")
    BI("solve", tg_solve, "x with a x = b.")
    BI("fill", tg_fill, "fill(x, value): value broadcast to x's shape.")
    BI("categorical_crossentropy", tg_categorical_crossentropy,
       "categorical_crossentropy(coding_dist, true_dist), Theano's.")
    BI("binary_crossentropy", tg_binary_crossentropy,
       "-(target*log(output) + (1-target)*log(1-output)).")
    BI("sigmoid_binary_crossentropy", tg_sigmoid_binary_crossentropy,
       "binary_crossentropy(sigmoid(logits), target), computed stably from the logits.")
};

#define N_OPS ((Py_ssize_t)(sizeof table / sizeof *table))

static PyObject *dispatch(PyObject *self, PyObject *args, PyObject *kw) {
  const op_entry *e = &table[PyLong_AsSsize_t(self)];
  static char *kw_red[] = {"x", "axis", "keepdims", NULL};
  static char *kw_ddof[] = {"x", "axis", "ddof", "keepdims", NULL};
  static char *kw_ax[] = {"x", "axis", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *in[3] = {NULL, NULL, NULL}, *out = NULL;
  PyObject *axis = NULL;
  int keep = 0, ddof = 0, n_axes, axes[TG_MAX_NDIM];
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  switch (e->k) {
  case K_ELEM:
  case K_UNARY:
  case K_BINARY:
    if ((kw && PyDict_GET_SIZE(kw)) || n != e->arity) {
      PyErr_Format(PyExc_TypeError, "%s() takes %d positional argument%s (%zd given)", e->name,
                   e->arity, e->arity == 1 ? "" : "s", n);
      break;
    }
    for (int i = 0; i < e->arity; i++)
      if (!(in[i] = tgp_as_var(G, PyTuple_GET_ITEM(args, i)))) goto done;
    out = e->k == K_ELEM    ? tg_elemwise(e->name, e->arity, in)
          : e->k == K_UNARY ? e->fn.un(in[0])
                            : e->fn.bin(in[0], in[1]);
    break;
  case K_REDUCE:
    if (PyArg_ParseTupleAndKeywords(args, kw, "O&|Op", kw_red, tgp_conv_var, &in[0], &axis, &keep)
        && tgp_parse_axes(axis, &n_axes, axes))
      out = e->fn.red(in[0], n_axes, n_axes < 0 ? NULL : axes, keep);
    break;
  case K_REDUCE_DDOF:
    if (PyArg_ParseTupleAndKeywords(args, kw, "O&|Oip", kw_ddof, tgp_conv_var, &in[0], &axis,
                                    &ddof, &keep) &&
        tgp_parse_axes(axis, &n_axes, axes))
      out = e->fn.ddof(in[0], n_axes, n_axes < 0 ? NULL : axes, ddof, keep);
    break;
  case K_AXIS:
    if (PyArg_ParseTupleAndKeywords(args, kw, "O&|O", kw_ax, tgp_conv_var, &in[0], &axis)) {
      int ax = e->def_axis;
      if (axis == Py_None) ax = TG_AXIS_NONE;
      else if (axis && (ax = PyLong_AsLong(axis)) == -1 && PyErr_Occurred()) break;
      out = e->fn.ax(in[0], ax);
    }
    break;
  }
done:;
  PyObject *r = PyErr_Occurred() ? tgp_raise_graph(G) : tgp_var_new(G, out);
  Py_DECREF(G);
  return r;
}

int tgp_add_ops(PyObject *m) {
  /* the method defs must outlive the functions: made once, never freed */
  static PyMethodDef defs[sizeof table / sizeof *table];
  PyObject *names = PyList_New(0);
  if (!names) return -1;
  for (Py_ssize_t i = 0; i < N_OPS; i++) {
    if (!strcmp(table[i].name, "cast")) continue; /* needs a dtype: ops_more.c */
    defs[i] = (PyMethodDef){table[i].name, (PyCFunction)(void (*)(void))dispatch,
                            METH_VARARGS | METH_KEYWORDS, table[i].doc};
    PyObject *idx = PyLong_FromSsize_t(i), *fn = NULL;
    if (idx) fn = PyCFunction_NewEx(&defs[i], idx, NULL);
    Py_XDECREF(idx);
    PyObject *kindname = PyUnicode_FromString(table[i].k == K_ELEM ? "elemwise" : "other");
    PyObject *row = fn && kindname ? Py_BuildValue("(sOi)", table[i].name, kindname,
                                                   table[i].arity) : NULL;
    Py_XDECREF(kindname);
    if (!fn || !row || PyModule_AddObjectRef(m, table[i].name, fn) < 0 ||
        PyList_Append(names, row) < 0) {
      Py_XDECREF(fn);
      Py_XDECREF(row);
      Py_DECREF(names);
      return -1;
    }
    Py_DECREF(fn);
    Py_DECREF(row);
  }
  /* (name, kind, arity) of every table op, for the Python layer and the tests */
  if (PyModule_AddObject(m, "OPS", names) < 0) {
    Py_DECREF(names);
    return -1;
  }
  return 0;
}
