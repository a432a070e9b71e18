/* ops_linalg.c: op functions with options in linear algebra (tensordot, slogdet, cholesky,
   eigh, svd, qr, norm), nnet (relu with alpha, elu, gelu, one_hot), the extra ops (diff,
   searchsorted, unique, repeat, tile, roll, flip, nonzero, bincount, take) and gradient
   helpers (grad_clip, grad_scale), plus max_and_argmax. */
#include <math.h>

#include "tgpy.h"

static PyObject *py_tensordot(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("a", "b", "axes");
  tg_var *a, *b;
  PyObject *axes = NULL;
  if (PARSE("O&O&|O", V, &a, V, &b, &axes)) {
    if (!axes || PyIndex_Check(axes)) {
      long n = axes ? PyLong_AsLong(axes) : 2;
      if (!PyErr_Occurred()) out = tg_tensordot(a, b, (int)n, NULL, NULL);
    } else {
      PyObject *pair = PySequence_Fast(axes, "tensordot: axes must be an int or a pair of axis lists");
      int na, nb, xa[TG_MAX_NDIM], xb[TG_MAX_NDIM];
      if (!pair)
        ;
      else if (PySequence_Fast_GET_SIZE(pair) != 2)
        PyErr_SetString(PyExc_ValueError, "tensordot: axes must be an int or a pair of axis lists");
      else if (!tgp_parse_axes(PySequence_Fast_GET_ITEM(pair, 0), &na, xa) ||
               !tgp_parse_axes(PySequence_Fast_GET_ITEM(pair, 1), &nb, xb))
        ;
      else if (na != nb || na < 0)
        PyErr_SetString(PyExc_ValueError, "tensordot: the two axis lists differ in length");
      else
        out = tg_tensordot(a, b, na, xa, xb);
      Py_XDECREF(pair);
    }
  }
  END
}

static PyObject *py_slogdet(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(2) KW("x");
  tg_var *x;
  if (PARSE("O&", V, &x)) o[0] = tg_slogdet(x, &o[1]);
  END_TUPLE(2)
}

OP_X1(cholesky, "lower", "O&|p", int, 1, tg_cholesky(x, a))

static int uplo_lower(const char *s, int *lower) {
  if (!strcmp(s, "L") || !strcmp(s, "l")) return *lower = 1, 1;
  if (!strcmp(s, "U") || !strcmp(s, "u")) return *lower = 0, 1;
  PyErr_Format(PyExc_ValueError, "UPLO must be 'L' or 'U', not '%s'", s);
  return 0;
}

static PyObject *py_eigh(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(2) KW("x", "UPLO");
  tg_var *x;
  const char *uplo = "L";
  int lower;
  if (PARSE("O&|s", V, &x, &uplo) && uplo_lower(uplo, &lower)) o[0] = tg_eigh(x, lower, &o[1]);
  END_TUPLE(2)
}

static PyObject *py_eigvalsh(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "UPLO");
  tg_var *x;
  const char *uplo = "L";
  int lower;
  if (PARSE("O&|s", V, &x, &uplo) && uplo_lower(uplo, &lower)) out = tg_eigh(x, lower, NULL);
  END
}

static PyObject *py_svd(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(3) KW("x", "full_matrices", "compute_uv");
  tg_var *x;
  int full = 1, uv = 1;
  if (!PARSE("O&|pp", V, &x, &full, &uv)) return tgp_finish(G, NULL);
  if (!uv) return tgp_finish(G, tg_svd(x, full, NULL, NULL));
  o[1] = tg_svd(x, full, &o[0], &o[2]);
  END_TUPLE(3)
}

static PyObject *py_qr(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(2) KW("x", "mode");
  tg_var *x;
  const char *mode = "reduced";
  if (!PARSE("O&|s", V, &x, &mode)) return tgp_finish(G, NULL);
  tg_qr_mode m = !strcmp(mode, "reduced") ? TG_QR_REDUCED : !strcmp(mode, "complete") ? TG_QR_COMPLETE
                 : !strcmp(mode, "r") ? TG_QR_R : (tg_qr_mode)-1;
  if ((int)m < 0) {
    PyErr_Format(PyExc_ValueError, "qr: mode must be 'reduced', 'complete' or 'r', not '%s'", mode);
    return tgp_finish(G, NULL);
  }
  if (m == TG_QR_R) return tgp_finish(G, tg_qr(x, m, NULL));
  o[1] = tg_qr(x, m, &o[0]);
  END_TUPLE(2)
}

static PyObject *py_norm(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "ord", "axis", "keepdims");
  tg_var *x;
  PyObject *ord = Py_None, *axo = Py_None;
  int keep = 0, n, axes[TG_MAX_NDIM];
  if (PARSE("O&|OOp", V, &x, &ord, &axo, &keep) && tgp_parse_axes(axo, &n, axes)) {
    if (n < 0) n = 0; /* every axis */
    if (ord == Py_None) {
      out = tg_norm_fro(x, n, axes, keep);
    } else if (PyUnicode_Check(ord)) {
      if (!PyUnicode_CompareWithASCIIString(ord, "fro")) out = tg_norm_fro(x, n, axes, keep);
      else if (!PyUnicode_CompareWithASCIIString(ord, "nuc")) out = tg_norm_nuc(x, n, axes, keep);
      else PyErr_Format(PyExc_ValueError, "norm: unknown ord %R", ord);
    } else {
      double o = PyFloat_AsDouble(ord);
      if (!PyErr_Occurred()) out = tg_norm(x, o, n, axes, keep);
    }
  }
  END
}

/* ---- nnet ---- */

OP_X1(relu, "alpha", "O&|d", double, 0, a == 0 ? tg_relu(x) : tg_leaky_relu(x, a))

OP_X1(elu, "alpha", "O&|d", double, 1.0, tg_elu(x, a))

OP_X1(gelu, "approximate", "O&|p", int, 0, tg_gelu(x, a))

static PyObject *py_one_hot(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("y", "nb_class", "dtype");
  tg_var *y;
  long long n;
  PyObject *dto = Py_None;
  tg_dtype dt;
  if (PARSE("O&L|O", V, &y, &n, &dto) && tgp_dtype_from_obj(dto, &dt)) out = tg_one_hot(y, n, dt);
  END
}

/* ---- extra ops ---- */

static PyObject *py_diff(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "n", "axis");
  tg_var *x;
  int n = 1, axis = -1;
  if (PARSE("O&|ii", V, &x, &n, &axis)) out = tg_diff(x, n, axis);
  END
}

static PyObject *py_searchsorted(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("a", "v", "side");
  tg_var *a, *v;
  const char *side = "left";
  if (PARSE("O&O&|s", V, &a, V, &v, &side)) {
    if (strcmp(side, "left") && strcmp(side, "right"))
      PyErr_Format(PyExc_ValueError, "searchsorted: side must be 'left' or 'right', not '%s'", side);
    else
      out = tg_searchsorted(a, v, !strcmp(side, "right"));
  }
  END
}

static PyObject *py_unique(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(2) KW("x", "return_counts");
  tg_var *x;
  int counts = 0;
  if (!PARSE("O&|p", V, &x, &counts)) return tgp_finish(G, NULL);
  if (!counts) return tgp_finish(G, tg_unique(x, NULL));
  o[0] = tg_unique(x, &o[1]);
  END_TUPLE(2)
}

/* (x, v, axis=None) ops: repeat, roll */
static PyObject *x_v_axis(PyObject *args, PyObject *kw, const char *v_kw,
                          tg_var *(*fn)(tg_var *, tg_var *, int)) {
  char *kws[] = {"x", (char *)v_kw, "axis", NULL};
  tgp_Graph *G = tgp_graph_acquire();
  if (!G) return NULL;
  tg_var *x, *v, *out = NULL;
  PyObject *axo = Py_None;
  int axis;
  if (PARSE("O&O&|O", V, &x, V, &v, &axo) && tgp_axis_or_none(axo, &axis)) out = fn(x, v, axis);
  return tgp_finish(G, out);
}

static PyObject *py_repeat(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return x_v_axis(args, kw, "repeats", tg_repeat);
}

static PyObject *py_tile(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "reps");
  tg_var *x;
  PyObject *reps;
  int64_t r[TG_MAX_NDIM];
  int k;
  if (PARSE("O&O", V, &x, &reps) && (k = tgp_int_list(reps, r, "tile: reps")) >= 0) {
    for (int i = 0; i < k; i++)
      if (r[i] == TGP_ANY_DIM) k = -1;
    if (k < 0) PyErr_SetString(PyExc_TypeError, "tile: reps must be ints");
    else out = tg_tile(x, k, r);
  }
  END
}

static PyObject *py_roll(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return x_v_axis(args, kw, "shift", tg_roll);
}

static PyObject *py_flip(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  return tgp_x_axes(args, kw, "axis", tg_flip);
}

static PyObject *py_nonzero(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(TG_MAX_NDIM) KW("x");
  tg_var *x;
  int n = PARSE("O&", V, &x) ? tg_nonzero(x, o) : -1;
  if (n < 0) return tgp_finish(G, NULL);
  END_TUPLE(n)
}

static PyObject *py_bincount(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "weights", "minlength");
  tg_var *x, *w = NULL;
  long long minlength = 0;
  if (PARSE("O&|O&L", V, &x, tgp_conv_var_opt, &w, &minlength)) out = tg_bincount(x, w, minlength);
  END
}

static PyObject *py_take(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("a", "indices", "axis");
  tg_var *a, *idx;
  PyObject *axo = Py_None;
  if (PARSE("O&O&|O", V, &a, V, &idx, &axo)) {
    if (axo == Py_None) {
      out = tg_take(tg_flatten(a, 1), idx, 0);
    } else {
      long ax = PyLong_AsLong(axo);
      if (!PyErr_Occurred()) out = tg_take(a, idx, (int)ax);
    }
  }
  END
}

/* ---- gradient helpers and max_and_argmax ---- */

static PyObject *py_grad_clip(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x", "lower_bound", "upper_bound");
  tg_var *x;
  double lo, hi;
  if (PARSE("O&dd", V, &x, &lo, &hi)) out = tg_grad_clip(x, lo, hi);
  END
}

OP_X1(grad_scale, "multiplier", "O&d", double, 1.0, tg_grad_scale(x, a))

static PyObject *py_max_and_argmax(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN_TUPLE(2) KW("x", "axis", "keepdims");
  tg_var *x;
  PyObject *axo = Py_None;
  int keep = 0, n, axes[TG_MAX_NDIM];
  if (PARSE("O&|Op", V, &x, &axo, &keep) && tgp_parse_axes(axo, &n, axes))
    o[0] = tg_max_and_argmax(x, n, n < 0 ? NULL : axes, keep, &o[1]);
  END_TUPLE(2)
}

#define F(name, doc) {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, doc},
PyMethodDef tgp_linalg_functions[] = {
    F(tensordot, "tensordot(a, b, axes=2): axes an int or a pair of axis lists.")
    F(slogdet, "slogdet(x): (sign, log|det|).")
    F(cholesky, "cholesky(x, lower=True).")
    F(eigh, "eigh(x, UPLO='L'): (eigenvalues ascending, eigenvectors as columns).")
    F(eigvalsh, "eigvalsh(x, UPLO='L'): eigenvalues of symmetric matrices, ascending.")
    F(svd, "svd(x, full_matrices=True, compute_uv=True): (u, s, vt) or s.")
    F(qr, "qr(x, mode='reduced'): (q, r), or r for mode 'r'.")
    F(norm, "norm(x, ord=None, axis=None, keepdims=False), numpy.linalg.norm's.")
    F(relu, "relu(x, alpha=0): maximum(x, 0), or leaky with slope alpha below 0.")
    F(elu, "elu(x, alpha=1.0).")
    F(gelu, "gelu(x, approximate=False).")
    F(one_hot, "one_hot(y, nb_class, dtype=floatX): rows with a 1 at y[i].")
    F(diff, "diff(x, n=1, axis=-1).")
    F(searchsorted, "searchsorted(a, v, side='left').")
    F(unique, "unique(x, return_counts=False).")
    F(repeat, "repeat(x, repeats, axis=None).")
    F(tile, "tile(x, reps).")
    F(roll, "roll(x, shift, axis=None).")
    F(flip, "flip(x, axis=None).")
    F(nonzero, "nonzero(x): a tuple of int64 index vectors, one per dim.")
    F(bincount, "bincount(x, weights=None, minlength=0).")
    F(take, "take(a, indices, axis=None).")
    F(grad_clip, "grad_clip(x, lower_bound, upper_bound): identity; the gradient is clipped.")
    F(grad_scale, "grad_scale(x, multiplier): identity; the gradient is scaled.")
    F(max_and_argmax, "max_and_argmax(x, axis=None, keepdims=False): (max, argmax).")
    {NULL, NULL, 0, NULL}};
