/* ops_more.c: the ops whose arguments fit no calling convention of ops.c's table: casts,
   shape ops (reshape, dimshuffle, concatenate, split, ...), creation (zeros, arange, eye),
   triangles and diagonals, linalg with options (tensordot, svd, qr, eigh, norm), nnet ops
   with parameters and the extra ops. Each parses numpy/Theano-style arguments and calls
   the C builder; ops with several outputs return tuples. */
#include <math.h>

#include "tgpy.h"

PyObject *tgp_finish(tgp_Graph *G, tg_var *out) {
  PyObject *r = PyErr_Occurred() ? tgp_raise_graph(G) : tgp_var_new(G, out);
  Py_DECREF(G);
  return r;
}

PyObject *tgp_finish_tuple(tgp_Graph *G, int n, tg_var **outs) {
  PyObject *t = NULL;
  if (PyErr_Occurred()) {
    tgp_raise_graph(G);
  } else if ((t = PyTuple_New(n))) {
    for (int i = 0; i < n; i++) {
      PyObject *o = tgp_var_new(G, outs[i]);
      if (!o) {
        Py_CLEAR(t);
        break;
      }
      PyTuple_SET_ITEM(t, i, o);
    }
  }
  Py_DECREF(G);
  return t;
}

int tgp_conv_dtype(PyObject *o, void *out) { return tgp_dtype_from_obj(o, out); }

/* An int64 scalar variable for a shape entry (a Python int or an integer scalar). */
static tg_var *dim_var(tgp_Graph *G, PyObject *o) {
  if (!tgp_Var_Check(o)) {
    long long k = PyLong_AsLongLong(o);
    if (k == -1 && PyErr_Occurred()) return NULL;
    return tg_const_typed(G->g, TG_INT64, (double)k);
  }
  tg_var *v = ((tgp_Var *)o)->v;
  return tg_var_dtype(v) == TG_INT64 ? v : tg_cast(v, TG_INT64);
}

/* A shape: a symbolic int vector (*vec), or an int / sequence of ints and int scalars,
   giving dims[] (and consts[] with *all_const when every entry is a Python int). */
static int parse_shape(tgp_Graph *G, PyObject *o, tg_var **vec, int *n, tg_var **dims,
                       int64_t *consts, int *all_const) {
  *vec = NULL, *all_const = 1;
  if (tgp_Var_Check(o) && tg_var_ndim(((tgp_Var *)o)->v) == 1) {
    *vec = ((tgp_Var *)o)->v;
    return 1;
  }
  PyObject *seq = PyIndex_Check(o) || tgp_Var_Check(o) ? PyTuple_Pack(1, o)
                                                         : PySequence_Fast(o, "shape must be a sequence");
  if (!seq) return 0;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k > TG_MAX_NDIM) {
    Py_DECREF(seq);
    PyErr_SetString(PyExc_ValueError, "too many dims");
    return 0;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    PyObject *d = PySequence_Fast_GET_ITEM(seq, i);
    if (tgp_Var_Check(d)) {
      *all_const = 0;
    } else {
      consts[i] = PyLong_AsLongLong(d);
      if (consts[i] == -1 && PyErr_Occurred()) break;
    }
    if (!(dims[i] = dim_var(G, d))) break;
  }
  Py_DECREF(seq);
  *n = (int)k;
  return !PyErr_Occurred();
}

tg_var *tgp_shape_var(tgp_Graph *G, PyObject *o) {
  tg_var *vec, *dims[TG_MAX_NDIM], *v;
  int64_t consts[TG_MAX_NDIM], n64;
  int n, all_const;
  if (!parse_shape(G, o, &vec, &n, dims, consts, &all_const)) return NULL;
  if (vec) return vec;
  if (all_const) { /* a constant, so the length and the values are known when building */
    n64 = n;
    tg_array *a = tg_array_from_i64(1, &n64, consts);
    v = a ? tg_constant(G->g, a) : NULL;
    tg_array_unref(a);
  } else {
    v = tg_make_vector(G->g, n, dims);
  }
  if (!v) tgp_raise_graph(G);
  return v;
}

int tgp_int_list(PyObject *o, int64_t *vals, const char *what) {
  PyObject *seq = PyIndex_Check(o) ? PyTuple_Pack(1, o) : PySequence_Fast(o, "");
  if (!seq) {
    PyErr_Format(PyExc_TypeError, "%s must be an int or a sequence of ints", what);
    return -1;
  }
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  if (k > TG_MAX_NDIM) PyErr_Format(PyExc_ValueError, "%s: more than %d entries", what, TG_MAX_NDIM);
  for (Py_ssize_t i = 0; !PyErr_Occurred() && i < k; i++) {
    PyObject *e = PySequence_Fast_GET_ITEM(seq, i);
    int any = e == Py_None || (PyUnicode_Check(e) && !PyUnicode_CompareWithASCIIString(e, "x"));
    vals[i] = any ? TGP_ANY_DIM : PyLong_AsLongLong(e);
  }
  Py_DECREF(seq);
  return PyErr_Occurred() ? -1 : (int)k;
}

int tgp_parse_vars(tgp_Graph *G, PyObject *o, tg_var ***vs) {
  PyObject *seq = PySequence_Fast(o, "expected a sequence of tensors");
  if (!seq) return -1;
  Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
  *vs = PyMem_Calloc((size_t)k + 1, sizeof(tg_var *));
  if (!*vs) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++)
    if (!((*vs)[i] = tgp_as_var(G, PySequence_Fast_GET_ITEM(seq, i)))) {
      Py_DECREF(seq);
      return -1;
    }
  Py_DECREF(seq);
  return (int)k;
}

int tgp_axis_or_none(PyObject *o, int *ax) {
  if (!o || o == Py_None) return *ax = TG_AXIS_NONE, 1;
  long a = PyLong_AsLong(o);
  if (a == -1 && PyErr_Occurred()) return 0;
  return *ax = (int)a, 1;
}

/* ---- casts and shapes ---- */

static PyObject *py_cast(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "dtype");
  tg_var *x;
  tg_dtype dt;
  if (PARSE("O&O&", V, &x, tgp_conv_dtype, &dt)) out = tg_cast(x, dt);
  END
}

static PyObject *py_reshape(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "newshape", "ndim");
  tg_var *x, *vec, *dims[TG_MAX_NDIM];
  PyObject *shape, *ndim = Py_None;
  int64_t consts[TG_MAX_NDIM];
  int n, all_const;
  if (PARSE("O&O|O", V, &x, &shape, &ndim) &&
      parse_shape(G, shape, &vec, &n, dims, consts, &all_const))
    out = vec ? tg_reshape(x, vec) : all_const ? tg_reshape_to(x, n, consts)
                                              : tg_reshape(x, tg_make_vector(G->g, n, dims));
  END
}

OP_X1(flatten, "outdim", "O&|i", int, 1, tg_flatten(x, a))

static PyObject *py_dimshuffle(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "pattern");
  tg_var *x;
  PyObject *pat;
  int64_t v[TG_MAX_NDIM];
  int p[TG_MAX_NDIM], k;
  if (PARSE("O&O", V, &x, &pat) && (k = tgp_int_list(pat, v, "dimshuffle: the pattern")) >= 0) {
    for (int i = 0; i < k; i++) {
      if (v[i] == -1) k = -1;
      else p[i] = v[i] == TGP_ANY_DIM ? -1 : (int)v[i];
    }
    if (k < 0) PyErr_SetString(PyExc_ValueError, "dimshuffle: -1 is not a dim (use 'x' for a new one)");
    else out = tg_dimshuffle(x, k, p);
  }
  END
}

PyObject *tgp_x_axes(PyObject *args, PyObject *kw, const char *axis_kw,
                     tg_var *(*fn)(tg_var *, int, const int *)) {
  char *kws[] = {"x", (char *)axis_kw, NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *x, *out = NULL;
  PyObject *axo = Py_None;
  int n, axes[TG_MAX_NDIM];
  if (PARSE("O&|O", V, &x, &axo) && tgp_parse_axes(axo, &n, axes))
    out = fn(x, n, n < 0 ? NULL : axes);
  return tgp_finish(G, out);
}

/* transpose's None (reverse the dims) is n = 0 */
static tg_var *transpose_n(tg_var *x, int n, const int *axes) {
  return tg_transpose(x, n < 0 ? 0 : n, axes);
}
static PyObject *py_transpose(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return tgp_x_axes(args, kw, "axes", transpose_n);
}

static PyObject *py_swapaxes(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "axis1", "axis2");
  tg_var *x;
  int a, b;
  if (PARSE("O&ii", V, &x, &a, &b)) out = tg_swapaxes(x, a, b);
  END
}

static PyObject *py_squeeze(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return tgp_x_axes(args, kw, "axis", tg_squeeze);
}

OP_X1(expand_dims, "axis", "O&i", int, 0, tg_expand_dims(x, a))

static PyObject *py_specify_shape(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "shape");
  tg_var *x;
  PyObject *shape;
  int64_t sh[TG_MAX_NDIM];
  int k;
  if (PARSE("O&O", V, &x, &shape) && (k = tgp_int_list(shape, sh, "specify_shape: shape")) >= 0) {
    for (int i = 0; i < k; i++)
      if (sh[i] == TGP_ANY_DIM) sh[i] = -1;
    out = tg_specify_shape(x, k, sh);
  }
  END
}

static PyObject *join_or_stack(PyObject *args, PyObject *kw, int stack) {
  static char *kws[] = {"tensors", "axis", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  PyObject *seq;
  int axis = 0;
  tg_var **vs = NULL, *out = NULL;
  if (PyArg_ParseTupleAndKeywords(args, kw, "O|i", kws, &seq, &axis)) {
    int n = tgp_parse_vars(G, seq, &vs);
    if (n >= 0) out = stack ? tg_stack(n, vs, axis) : tg_concatenate(n, vs, axis);
  }
  PyMem_Free(vs);
  return tgp_finish(G, out);
}
TRAMPOLINE(concatenate, join_or_stack, 0)
TRAMPOLINE(stack, join_or_stack, 1)

static PyObject *py_split(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(8) KW("x", "splits_size", "n_splits", "axis");
  tg_var *x, **outs = o;
  PyObject *sizes;
  int n = -1, axis = 0;
  if (PARSE("O&O|ii", V, &x, &sizes, &n, &axis)) {
    if (tgp_Var_Check(sizes)) {
      if (tg_split_vec(x, ((tgp_Var *)sizes)->v, axis, outs)) {
        int64_t k = tg_var_dim(((tgp_Var *)sizes)->v, 0);
        n = k < 0 ? 0 : (int)k;
      }
    } else {
      PyObject *seq = PySequence_Fast(sizes, "split: splits_size must be a sequence");
      Py_ssize_t k = seq ? PySequence_Fast_GET_SIZE(seq) : 0;
      int64_t sz[8];
      if (seq && (k < 1 || k > 8)) PyErr_SetString(PyExc_ValueError, "split: 1 to 8 pieces");
      for (Py_ssize_t i = 0; seq && !PyErr_Occurred() && i < k; i++)
        sz[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
      if (seq && !PyErr_Occurred()) {
        if (n >= 0 && n != k) PyErr_SetString(PyExc_ValueError, "split: n_splits differs from "
                                              "len(splits_size)");
        else tg_split(x, (int)k, sz, axis, outs), n = (int)k;
      }
      Py_XDECREF(seq);
    }
  }
  if (!PyErr_Occurred() && !outs[0]) return tgp_finish(G, NULL);
  END_TUPLE(n < 0 ? 0 : n)
}

/* ---- creation ---- */

static PyObject *py_alloc(PyObject *self, PyObject *args) {
  (void)self;
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n < 1) {
    PyErr_SetString(PyExc_TypeError, "alloc(value, *shape) needs a value");
    return NULL;
  }
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *out = NULL, *dims[TG_MAX_NDIM], *val = tgp_as_var(G, PyTuple_GET_ITEM(args, 0));
  if (n - 1 > TG_MAX_NDIM) PyErr_SetString(PyExc_ValueError, "alloc: too many dims");
  for (Py_ssize_t i = 1; val && !PyErr_Occurred() && i < n; i++)
    dims[i - 1] = dim_var(G, PyTuple_GET_ITEM(args, i));
  if (val && !PyErr_Occurred()) out = tg_alloc(val, (int)n - 1, dims);
  return tgp_finish(G, out);
}

/* zeros / ones / full(shape, [value,] dtype=None) */
static PyObject *filled(PyObject *args, PyObject *kw, int which) {
  static char *kw2[] = {"shape", "dtype", NULL}, *kw3[] = {"shape", "fill_value", "dtype", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  PyObject *shape, *value = NULL, *dto = Py_None;
  tg_var *out = NULL, *vec, *dims[TG_MAX_NDIM];
  int64_t consts[TG_MAX_NDIM];
  int n = 0, all_const;
  tg_dtype dt;
  int ok = which == 2 ? PyArg_ParseTupleAndKeywords(args, kw, "OO|O", kw3, &shape, &value, &dto)
                      : PyArg_ParseTupleAndKeywords(args, kw, "O|O", kw2, &shape, &dto);
  if (ok && (which == 2 && dto == Py_None ? 1 : tgp_dtype_from_obj(dto, &dt)) &&
      parse_shape(G, shape, &vec, &n, dims, consts, &all_const)) {
    if (vec) {
      PyErr_SetString(PyExc_TypeError, "the shape must be a tuple of ints or int scalars");
    } else if (which == 2) {
      tg_var *v = tgp_as_var(G, value);
      if (v && dto != Py_None) v = tg_cast(v, dt);
      if (v) out = tg_full(G->g, n, dims, v);
    } else {
      out = which ? tg_ones(G->g, n, dims, dt) : tg_zeros(G->g, n, dims, dt);
    }
  }
  return tgp_finish(G, out);
}
TRAMPOLINE(zeros, filled, 0)
TRAMPOLINE(ones, filled, 1)
TRAMPOLINE(full, filled, 2)

static PyObject *like(PyObject *args, PyObject *kw, int ones) {
  static char *kws[] = {"x", "dtype", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *x, *out = NULL;
  PyObject *dto = Py_None;
  tg_dtype dt;
  if (PARSE("O&|O", V, &x, &dto)) {
    out = ones ? tg_ones_like(x) : tg_zeros_like(x);
    if (dto != Py_None) out = tgp_dtype_from_obj(dto, &dt) ? tg_cast(out, dt) : NULL;
  }
  return tgp_finish(G, out);
}
TRAMPOLINE(zeros_like, like, 0)
TRAMPOLINE(ones_like, like, 1)

static PyObject *py_arange(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("start", "stop", "step", "dtype");
  tg_var *start, *stop = NULL, *step = NULL;
  PyObject *dto = Py_None;
  tg_dtype dt;
  if (PARSE("O&|O&O&O", V, &start, tgp_conv_var_opt, &stop, tgp_conv_var_opt, &step, &dto)) {
    if (!stop) stop = start, start = tg_const_i64(G->g, 0);
    if (!step) step = tg_const_i64(G->g, 1);
    if (dto == Py_None) { /* numpy's: the promoted dtype of the bounds */
      dt = tg_dtype_promote(tg_dtype_promote(tg_var_dtype(start), tg_var_dtype(stop)),
                            tg_var_dtype(step));
      if (dt == TG_BOOL) dt = TG_INT64;
      out = tg_arange(G->g, start, stop, step, dt);
    } else if (tgp_dtype_from_obj(dto, &dt)) {
      out = tg_arange(G->g, start, stop, step, dt);
    }
  }
  END
}

static PyObject *py_linspace(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("start", "stop", "num", "endpoint", "dtype");
  tg_var *start, *stop, *num = NULL;
  int endpoint = 1;
  PyObject *dto = Py_None;
  tg_dtype dt;
  if (PARSE("O&O&|O&pO", V, &start, V, &stop, V, &num, &endpoint, &dto) &&
      tgp_dtype_from_obj(dto, &dt))
    out = tg_linspace(G->g, start, stop, num ? num : tg_const_i64(G->g, 50), endpoint, dt);
  END
}

static PyObject *py_eye_tri(PyObject *args, PyObject *kw, int tri) {
  static char *kws[] = {"n", "m", "k", "dtype", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *n, *m = NULL, *out = NULL;
  int k = 0;
  PyObject *dto = Py_None;
  tg_dtype dt;
  if (PARSE("O&|O&iO", V, &n, tgp_conv_var_opt, &m, &k, &dto) && tgp_dtype_from_obj(dto, &dt))
    out = tri ? tg_tri(G->g, n, m, k, dt) : tg_eye(G->g, n, m, k, dt);
  return tgp_finish(G, out);
}
TRAMPOLINE(eye, py_eye_tri, 0)
TRAMPOLINE(tri, py_eye_tri, 1)

/* (x, k=0) ops: tril, triu, diag */
static PyObject *x_k(PyObject *args, PyObject *kw, tg_var *(*fn)(tg_var *, int)) {
  static char *kws[] = {"x", "k", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *x, *out = NULL;
  int k = 0;
  if (PARSE("O&|i", V, &x, &k)) out = fn(x, k);
  return tgp_finish(G, out);
}
TRAMPOLINE(tril, x_k, tg_tril)
TRAMPOLINE(triu, x_k, tg_triu)
TRAMPOLINE(diag, x_k, tg_diag)

static PyObject *diag_trace(PyObject *args, PyObject *kw, int trace) {
  static char *kws[] = {"x", "offset", "axis1", "axis2", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *x, *out = NULL;
  int off = 0, a1 = 0, a2 = 1;
  if (PARSE("O&|iii", V, &x, &off, &a1, &a2))
    out = trace ? tg_trace(x, off, a1, a2) : tg_diagonal(x, off, a1, a2);
  return tgp_finish(G, out);
}
TRAMPOLINE(diagonal, diag_trace, 0)
TRAMPOLINE(trace, diag_trace, 1)

#define F(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, doc},
PyMethodDef tgp_shape_functions[] = {
    F(cast, "cast(x, dtype): x converted to dtype.")
    F(reshape, "reshape(x, newshape): newshape a tuple of ints/int scalars or an int vector.")
    F(flatten, "flatten(x, outdim=1): keep outdim-1 leading dims, collapse the rest.")
    F(dimshuffle, "dimshuffle(x, pattern): pattern of input dims and 'x' for new ones.")
    F(transpose, "transpose(x, axes=None): permute the dims (None: reverse them).")
    F(swapaxes, "swapaxes(x, axis1, axis2).")
    F(squeeze, "squeeze(x, axis=None): drop broadcastable dims.")
    F(expand_dims, "expand_dims(x, axis): a new broadcastable dim.")
    F(specify_shape, "specify_shape(x, shape): x, asserting its shape (None: any).")
    F(concatenate, "concatenate(tensors, axis=0).")
    F(stack, "stack(tensors, axis=0): join along a new dim.")
    F(split, "split(x, splits_size, n_splits=None, axis=0): a tuple of pieces.")
    {"alloc", py_alloc, METH_VARARGS, "alloc(value, *shape): value broadcast to shape."},
    F(zeros, "zeros(shape, dtype=floatX).")
    F(ones, "ones(shape, dtype=floatX).")
    F(full, "full(shape, fill_value, dtype=None).")
    F(zeros_like, "zeros_like(x, dtype=None).")
    F(ones_like, "ones_like(x, dtype=None).")
    F(arange, "arange([start,] stop[, step], dtype=None), numpy's.")
    F(linspace, "linspace(start, stop, num=50, endpoint=True, dtype=floatX).")
    F(eye, "eye(n, m=None, k=0, dtype=floatX).")
    F(tri, "tri(n, m=None, k=0, dtype=floatX): ones on and below diagonal k.")
    F(tril, "tril(x, k=0): zero above diagonal k.")
    F(triu, "triu(x, k=0): zero below diagonal k.")
    F(diag, "diag(x, k=0): vector to matrix, or a matrix's diagonal k.")
    F(diagonal, "diagonal(x, offset=0, axis1=0, axis2=1).")
    F(trace, "trace(x, offset=0, axis1=0, axis2=1).")
    {NULL, NULL, 0, NULL}};
