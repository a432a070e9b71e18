/* convert.c: values between numpy and tgraph. Inputs are wrapped without copying when their
   dtype and layout allow it (strided views included; the tg_array keeps the numpy array
   alive); other values are converted with Theano's rules (TensorType.filter). Outputs
   become numpy arrays over the tg_array's memory, kept alive by a small owner object. */
#include "tgpy.h"

/* ---- the owner object: base of every numpy array made from a tg_array ---- */

typedef struct {
  PyObject_HEAD
  tg_array *a;
} Owner;

static void owner_dealloc(PyObject *o) {
  tg_array_unref(((Owner *)o)->a);
  Py_TYPE(o)->tp_free(o);
}

PyTypeObject tgp_OwnerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tgraph._tgraph.ArrayOwner",
    .tp_basicsize = sizeof(Owner),
    .tp_dealloc = owner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keeps a tgraph array alive while numpy arrays use its memory (internal).",
};

PyObject *tgp_view_numpy(tg_array *a, int writeable) {
  int nd = tg_array_ndim(a);
  npy_intp dims[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  const int64_t *sh = tg_array_shape(a), *st = tg_array_strides(a);
  for (int i = 0; i < nd; i++) dims[i] = (npy_intp)sh[i], strides[i] = (npy_intp)st[i];
  PyArray_Descr *d = PyArray_DescrFromType(tgp_npy_type(tg_array_dtype(a)));
  if (!d) return NULL;
  void *data = tg_array_data(a);
  if (!data) /* an empty array may have no storage; numpy then allocates its own */
    return PyArray_NewFromDescr(&PyArray_Type, d, nd, dims, NULL, NULL, 0, NULL);
  PyObject *arr = PyArray_NewFromDescr(&PyArray_Type, d, nd, dims, strides, data,
                                       writeable ? NPY_ARRAY_WRITEABLE : 0, NULL);
  if (!arr) return NULL;
  Owner *ow = PyObject_New(Owner, &tgp_OwnerType);
  if (!ow) {
    Py_DECREF(arr);
    return NULL;
  }
  ow->a = tg_array_ref(a);
  if (PyArray_SetBaseObject((PyArrayObject *)arr, (PyObject *)ow) < 0) { /* steals ow */
    Py_DECREF(arr);
    return NULL;
  }
  return arr;
}

PyObject *tgp_to_numpy(tg_array *a) {
  if (!tg_array_is_exclusive(a)) {
    /* reachable from elsewhere (an input, a constant, a shared value): hand over a copy,
       as Theano's functions do, so writing into the result changes nothing else */
    tg_array *c = tg_array_copy(a);
    tg_array_unref(a);
    if (!c) return tgp_raise_tls();
    a = c;
  }
  PyObject *r = tgp_view_numpy(a, 1);
  tg_array_unref(a);
  return r;
}

/* ---- numpy -> tg_array ---- */

/* Runs when the last reference to a wrapping tg_array goes, perhaps in a thread that does
   not hold the GIL (a compiled function may drop it while running). */
static void release_pyobj(void *ud, void *data) {
  (void)data;
  if (PyGILState_Check()) {
    Py_DECREF((PyObject *)ud);
    return;
  }
  PyGILState_STATE s = PyGILState_Ensure();
  Py_DECREF((PyObject *)ud);
  PyGILState_Release(s);
}

tg_array *tgp_wrap_numpy(PyArrayObject *arr, tg_dtype dt) {
  int nd = PyArray_NDIM(arr);
  if (!PyArray_ISALIGNED(arr) || !PyArray_ISNOTSWAPPED(arr) || nd > TG_MAX_NDIM) return NULL;
  int64_t shape[TG_MAX_NDIM], strides[TG_MAX_NDIM];
  const npy_intp *dims = PyArray_DIMS(arr), *st = PyArray_STRIDES(arr);
  for (int i = 0; i < nd; i++) shape[i] = dims[i], strides[i] = st[i];
  tg_array *t = tg_array_wrap(dt, nd, shape, strides, PyArray_DATA(arr), release_pyobj, arr);
  if (t) Py_INCREF(arr);
  return t;
}

/* A C-contiguous copy of any value converted to dt (numpy's forced cast). */
static tg_array *copy_as(PyObject *o, tg_dtype dt) {
  PyArray_Descr *d = PyArray_DescrFromType(tgp_npy_type(dt));
  if (!d) return NULL;
  PyObject *arr = PyArray_FromAny(o, d, 0, 0, NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
  if (!arr) return NULL;
  tg_array *t = tgp_wrap_numpy((PyArrayObject *)arr, dt);
  Py_DECREF(arr);
  if (!t) tgp_raise_tls();
  return t;
}

/* numpy's asarray(o), refusing what tgraph cannot hold (objects, strings, complex, ...). */
static PyArrayObject *as_numpy(PyObject *o, tg_dtype *dt, const char *what) {
  PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_O(o);
  if (!arr) return NULL;
  if (!tgp_dtype_from_descr(PyArray_DESCR(arr), dt)) {
    PyErr_Format(PyExc_TypeError, "%s: cannot use a value of dtype %R (%.80R); tgraph has "
                 "bool, int8, int16, int32, int64, uint8, float32 and float64",
                 what, (PyObject *)PyArray_DESCR(arr), o);
    Py_DECREF(arr);
    return NULL;
  }
  return arr;
}

tg_array *tgp_as_array(PyObject *o) {
  tg_dtype dt;
  PyArrayObject *arr = as_numpy(o, &dt, "tgraph");
  if (!arr) return NULL;
  tg_array *t = tgp_wrap_numpy(arr, dt);
  if (!t) t = copy_as((PyObject *)arr, dt);
  Py_DECREF(arr);
  return t;
}

/* True when converting arr to dt and back gives the same bytes (nothing was lost). */
static int lossless(PyArrayObject *arr, tg_dtype dt, tg_array **out) {
  *out = copy_as((PyObject *)arr, dt);
  if (!*out) return -1;
  PyObject *view = tgp_view_numpy(*out, 0);
  if (!view) return -1;
  PyArray_Descr *d = PyArray_DESCR(arr);
  Py_INCREF(d);
  PyObject *back = PyArray_FromAny(view, d, 0, 0, NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST, NULL);
  Py_DECREF(view);
  if (!back) return -1;
  PyObject *orig = PyArray_FromAny((PyObject *)arr, NULL, 0, 0, NPY_ARRAY_CARRAY, NULL);
  if (!orig) {
    Py_DECREF(back);
    return -1;
  }
  int same = PyArray_NBYTES((PyArrayObject *)back) == PyArray_NBYTES((PyArrayObject *)orig) &&
             memcmp(PyArray_DATA((PyArrayObject *)back), PyArray_DATA((PyArrayObject *)orig),
                    (size_t)PyArray_NBYTES((PyArrayObject *)orig)) == 0;
  Py_DECREF(back);
  Py_DECREF(orig);
  return same;
}

tg_array *tgp_filter(PyObject *o, tg_dtype dt, int downcast, const char *what) {
  tg_dtype have;
  if (PyArray_Check(o)) {
    PyArrayObject *arr = (PyArrayObject *)o;
    if (tgp_dtype_from_descr(PyArray_DESCR(arr), &have) && have == dt) {
      tg_array *t = tgp_wrap_numpy(arr, dt);
      return t ? t : copy_as(o, dt); /* unaligned or byte-swapped: a native copy */
    }
    PyArray_Descr *want = PyArray_DescrFromType(tgp_npy_type(dt));
    int safe = PyArray_CanCastTypeTo(PyArray_DESCR(arr), want, NPY_SAFE_CASTING);
    Py_DECREF(want);
    if (downcast == 1 || safe) return copy_as(o, dt);
    PyErr_Format(PyExc_TypeError,
                 "%s cannot store a value of dtype %R without risking loss of precision "
                 "(it holds %s); convert the value to %s explicitly or compile the function "
                 "with allow_input_downcast=True",
                 what, (PyObject *)PyArray_DESCR(arr), tg_dtype_name(dt), tg_dtype_name(dt));
    return NULL;
  }
  if (downcast == 1 || (downcast < 0 && PyFloat_Check(o) && dt == tg_config_floatx()))
    return copy_as(o, dt);
  PyArrayObject *arr = as_numpy(o, &have, what);
  if (!arr) return NULL;
  tg_array *t = NULL;
  if (have == dt) {
    t = tgp_wrap_numpy(arr, dt);
    if (!t) t = copy_as((PyObject *)arr, dt);
    Py_DECREF(arr);
    return t;
  }
  int same = lossless(arr, dt, &t);
  if (same == 0) {
    PyObject *s = PyObject_Str(o);
    PyErr_Format(PyExc_TypeError,
                 "%s (%s) cannot store accurately the value %.80S; convert it to a numpy "
                 "array of dtype %s explicitly or compile the function with "
                 "allow_input_downcast=True", what, tg_dtype_name(dt), s ? s : o,
                 tg_dtype_name(dt));
    Py_XDECREF(s);
  }
  Py_DECREF(arr);
  if (same != 1) {
    tg_array_unref(t);
    return NULL;
  }
  return t;
}
