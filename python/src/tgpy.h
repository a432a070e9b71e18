/* tgpy.h: what the files of the _tgraph extension share: the object layouts (the process's
   graph, symbolic variables, compiled functions), numpy <-> tg_array conversion, turning
   tgraph errors into Python exceptions, and each file's entry points for module setup.
   Cross-file names start with tgp_. Only the public C API (tgraph/tgraph.h) is used. */
#ifndef TGPY_H
#define TGPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* One numpy C-API table for the whole extension (module.c imports it). */
#define PY_ARRAY_UNIQUE_SYMBOL tgp_numpy_api
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#ifndef TGP_IMPORT_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <tgraph/tgraph.h>

/* Theano has no graph object: every symbolic variable of the process lives in one graph,
   made on first use and freed when the last variable, function or op call holding it
   goes (so at most one graph is alive at any time). */
typedef struct {
  PyObject_HEAD
  tg_graph *g;
} tgp_Graph;

/* A symbolic variable: a tg_var of the live graph, plus a reference to that graph.
   A variable made by indexing remembers what it indexes (base[key]) so that
   set_subtensor(x[key], y) can rebuild the index against x. */
typedef struct {
  PyObject_HEAD
  tg_var *v;
  tgp_Graph *graph;
  PyObject *idx_base; /* the indexed Variable, or NULL */
  PyObject *idx_key;  /* the Python index, or NULL */
} tgp_Var;

extern PyTypeObject tgp_GraphType;
extern PyTypeObject tgp_VarType;
extern PyTypeObject tgp_FunctionType;
extern PyTypeObject tgp_OwnerType;

/* ---- module.c ---- */
/* A new reference to the live graph, made if there is none; NULL with MemoryError. */
tgp_Graph *tgp_graph_acquire(void);
/* The live graph (borrowed), NULL if there is none. */
tgp_Graph *tgp_graph_current(void);
/* Raise the exception that matches st with msg; returns NULL. */
PyObject *tgp_raise(tg_status st, const char *msg);
/* Raise from the graph's sticky error (then clear it, so building can go on); returns NULL. */
PyObject *tgp_raise_graph(tgp_Graph *G);
/* Raise from tg_errmsg(); returns NULL. */
PyObject *tgp_raise_tls(void);
/* The dtype named by a Python object (str, numpy dtype or type, None for floatX);
   false with TypeError when it names none tgraph has. */
int tgp_dtype_from_obj(PyObject *o, tg_dtype *out);
/* numpy type number of a tgraph dtype. */
int tgp_npy_type(tg_dtype dt);
/* The tgraph dtype of a numpy dtype, false when tgraph has no such dtype. */
int tgp_dtype_from_descr(const PyArray_Descr *d, tg_dtype *out);

/* ---- variable.c ---- */
/* Wrap v (a variable of G) in a new Python object of the registered class; v NULL raises
   the graph's error. */
PyObject *tgp_var_new(tgp_Graph *G, tg_var *v);
/* True for symbolic variables. */
#define tgp_Var_Check(o) PyObject_TypeCheck((o), &tgp_VarType)
/* The tg_var a Python value stands for in the live graph G: a Variable, or a constant made
   from a Python or numpy scalar, a numpy array or a nested list. NULL with an exception. */
tg_var *tgp_as_var(tgp_Graph *G, PyObject *o);
/* A PyArg "O&" converter into a tg_var * (uses the live graph, which the caller holds). */
int tgp_conv_var(PyObject *o, void *out);
/* A PyArg "O&" converter for an optional variable: None gives NULL. */
int tgp_conv_var_opt(PyObject *o, void *out);
/* Axes from None (all: *n = -1), an int or a sequence of ints, into axes[TG_MAX_NDIM]. */
int tgp_parse_axes(PyObject *o, int *n, int *axes);
/* Register the Python classes the extension makes instances of (plain, shared). */
PyObject *tgp_set_classes(PyObject *self, PyObject *args);
/* Module functions of variable.c (set_subtensor, constant, tensor, ...). */
extern PyMethodDef tgp_var_functions[];

/* ---- index.c ---- */
/* x[key] with numpy's indexing rules. */
PyObject *tgp_getitem(PyObject *x, PyObject *key);
/* set_subtensor / inc_subtensor(x[key], y): inc 0 sets, 1 increments. */
PyObject *tgp_setinc(PyObject *sub, PyObject *y, int inc);

/* ---- convert.c ---- */
/* numpy array from a tg_array (steals the reference): zero-copy when the result is the
   only way to reach its storage, else a copy; read-only when writeable is false. */
PyObject *tgp_to_numpy(tg_array *a);
/* A zero-copy numpy view of a (a new reference to a is taken). */
PyObject *tgp_view_numpy(tg_array *a, int writeable);
/* A tg_array viewing a numpy array's memory (aligned, native byte order, a dtype tgraph
   has); the array is kept alive until the tg_array's last reference goes. NULL (no
   exception) when the array is not like that. */
tg_array *tgp_wrap_numpy(PyArrayObject *arr, tg_dtype dt);
/* A tg_array for any Python value following Theano's rules for a value of type dt:
   exact dtype arrays are wrapped without copying; downcast (1: always convert; 0: only
   conversions that lose nothing; -1: also a Python float into floatX) decides others. */
tg_array *tgp_filter(PyObject *o, tg_dtype dt, int downcast, const char *what);
/* A tg_array of the value's own dtype (numpy's asarray), wrapped without copying when
   possible. */
tg_array *tgp_as_array(PyObject *o);

/* ---- ops.c, ops_more.c, ops_linalg.c ---- */
/* Add the table-driven op functions (and the OPS list) to the module. */
int tgp_add_ops(PyObject *m);
extern PyMethodDef tgp_shape_functions[];
extern PyMethodDef tgp_linalg_functions[];
/* The result of a builder: a new variable, or the pending/graph error; drops G. */
PyObject *tgp_finish(tgp_Graph *G, tg_var *out);
/* A tuple of n new variables (all or none); drops G. */
PyObject *tgp_finish_tuple(tgp_Graph *G, int n, tg_var **outs);
/* PyArg "O&" converter of a dtype (tgp_dtype_from_obj). */
int tgp_conv_dtype(PyObject *o, void *out);
/* A sequence of variables or values into a new array *vs (PyMem_Free it); the count, or
   -1 with an exception. */
int tgp_parse_vars(tgp_Graph *G, PyObject *o, tg_var ***vs);
/* A shape as one int64 vector variable: a symbolic int vector as it is, an int or a
   sequence of ints and int scalars as a constant or a make_vector. NULL with an exception. */
tg_var *tgp_shape_var(tgp_Graph *G, PyObject *o);
/* The (x, axis=None) ops, the axis argument named axis_kw: fn(x, n, axes) with n -1 and
   axes NULL for None. */
PyObject *tgp_x_axes(PyObject *args, PyObject *kw, const char *axis_kw,
                     tg_var *(*fn)(tg_var *, int, const int *));
/* One int or a sequence of ints (at most TG_MAX_NDIM) into vals; None and 'x' give
   TGP_ANY_DIM, for the caller to accept or refuse. The count, or -1 with an exception
   naming what. */
#define TGP_ANY_DIM INT64_MIN
int tgp_int_list(PyObject *o, int64_t *vals, const char *what);
/* An axis: None gives TG_AXIS_NONE. */
int tgp_axis_or_none(PyObject *o, int *ax);

/* Op functions share this shape: hold the graph, parse, build, wrap. */
#define BEGIN                            \
  tgp_Graph *G = tgp_graph_acquire();    \
  if (!G) return NULL;                   \
  tg_var *out = NULL;                    \
  (void)self;
#define END return tgp_finish(G, out);
/* The same for ops with several outputs: o[] receives them, END_TUPLE(n) wraps n of them
   (a NULL among them raises the graph's error). */
#define BEGIN_TUPLE(N)                   \
  tgp_Graph *G = tgp_graph_acquire();    \
  if (!G) return NULL;                   \
  tg_var *o[N] = {NULL};                 \
  (void)self;
#define END_TUPLE(n) return tgp_finish_tuple(G, (n), o);
/* An op of x and one option: fmt the PyArg format ("O&|d": x, an optional double),
   ctype and init the option's C type and default, expr the builder call (of x and a). */
#define OP_X1(name, kwname, fmt, ctype, init, expr)                             \
  static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kw) { \
    BEGIN KW("x", kwname);                                                    \
    tg_var *x;                                                                \
    ctype a = init;                                                           \
    if (PARSE(fmt, V, &x, &a)) out = (expr);                                  \
    END                                                                       \
  }
/* A module function handing its arguments to a parser shared by several ops (fn(args, kw,
   which) tells them apart). */
#define TRAMPOLINE(name, fn, which)                                             \
  static PyObject *py_##name(PyObject *self, PyObject *args, PyObject *kw) { \
    (void)self;                                                               \
    return fn(args, kw, which);                                               \
  }
#define KW(...) static char *kws[] = {__VA_ARGS__, NULL}
#define PARSE(fmt, ...) PyArg_ParseTupleAndKeywords(args, kw, fmt, kws, __VA_ARGS__)
#define V tgp_conv_var

/* ---- scan.c, random.c, ifelse.c ---- */
extern PyMethodDef tgp_scan_functions[];
extern PyMethodDef tgp_random_functions[];
extern PyTypeObject tgp_RngType;
extern PyMethodDef tgp_ifelse_functions[];

/* ---- function.c ---- */
/* ---- misc.c (grad, shared variables, printing, config) ---- */
/* A list of n new variables; NULL entries (a disconnected gradient) give None. */
PyObject *tgp_var_list(tgp_Graph *G, int n, tg_var *const *vs);
extern PyMethodDef tgp_misc_functions[];

#endif
