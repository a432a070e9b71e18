/* random.c: random streams over tgraph/random.h. An Rng object is one tg_rng of the live
   graph (the object holds the graph, so the stream lives as long as it); its draw methods
   take the C builder's parameters (None for a builder's default), a size (None, ints,
   symbolic scalars or an int vector) and a dtype. Theano's RandomStreams and
   MRG_RandomStreams and the pytensor-style RandomStream are Python classes over it
   (tgraph/tensor/random.py). */
#include "tgpy.h"

typedef struct {
  PyObject_HEAD
  tgp_Graph *graph;
  tg_rng *r;
} tgp_Rng;

static PyObject *rng_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kws[] = {"seed", NULL};
  unsigned long long seed = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|K", kws, &seed)) return NULL;
  tgp_Rng *o = (tgp_Rng *)type->tp_alloc(type, 0);
  if (!o) return NULL;
  if (!(o->graph = tgp_graph_acquire())) {
    Py_DECREF(o);
    return NULL;
  }
  if (!(o->r = tg_rng_new(o->graph->g, seed))) {
    tgp_raise_graph(o->graph);
    Py_DECREF(o);
    return NULL;
  }
  return (PyObject *)o;
}

static void rng_dealloc(PyObject *self) {
  Py_CLEAR(((tgp_Rng *)self)->graph); /* the tg_rng is the graph's */
  Py_TYPE(self)->tp_free(self);
}

static PyObject *rng_seed(PyObject *self, PyObject *arg) {
  unsigned long long seed = PyLong_AsUnsignedLongLongMask(arg);
  if (PyErr_Occurred()) return NULL;
  if (tg_rng_seed(((tgp_Rng *)self)->r, seed) != TG_OK) return tgp_raise_tls();
  Py_RETURN_NONE;
}

/* Distributions with two parameters, with one, and what builds them. */
typedef tg_var *(*draw2_fn)(tg_rng *, tg_var *, tg_var *, tg_var *, tg_dtype);
typedef tg_var *(*draw1_fn)(tg_rng *, tg_var *, tg_var *, tg_dtype);
static const struct {
  const char *name;
  draw2_fn f2;
  draw1_fn f1;
} dists[] = {
    {"uniform", tg_rng_uniform, NULL},   {"normal", tg_rng_normal, NULL},
    {"integers", tg_rng_integers, NULL}, {"binomial", tg_rng_binomial, NULL},
    {"gamma", tg_rng_gamma, NULL},       {"beta", tg_rng_beta, NULL},
    {"multinomial", tg_rng_multinomial, NULL},
    {"bernoulli", NULL, tg_rng_bernoulli}, {"poisson", NULL, tg_rng_poisson},
};

/* draw(dist, params, size=None, dtype=None): params a tuple of 1 or 2 values or None. */
static PyObject *rng_draw(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("dist", "params", "size", "dtype");
  tgp_Rng *R = (tgp_Rng *)self;
  const char *dist;
  PyObject *params, *size = Py_None, *dto = Py_None;
  tg_dtype dt;
  tg_var *p[2] = {NULL, NULL}, *shape = NULL;
  if (!PARSE("sO!|OO", &dist, &PyTuple_Type, &params, &size, &dto) ||
      !tgp_dtype_from_obj(dto, &dt))
    return tgp_finish(G, NULL);
  size_t k = 0;
  while (k < sizeof dists / sizeof *dists && strcmp(dists[k].name, dist)) k++;
  Py_ssize_t np = PyTuple_GET_SIZE(params);
  if (k == sizeof dists / sizeof *dists) {
    PyErr_Format(PyExc_ValueError, "unknown distribution '%s'", dist);
  } else if (np != (dists[k].f2 ? 2 : 1)) {
    PyErr_Format(PyExc_TypeError, "%s takes %d parameters, not %zd", dist, dists[k].f2 ? 2 : 1, np);
  } else {
    for (Py_ssize_t i = 0; i < np && !PyErr_Occurred(); i++)
      tgp_conv_var_opt(PyTuple_GET_ITEM(params, i), &p[i]);
    if (!PyErr_Occurred() && (size == Py_None || (shape = tgp_shape_var(G, size))))
      out = dists[k].f2 ? dists[k].f2(R->r, p[0], p[1], shape, dt) : dists[k].f1(R->r, p[0], shape, dt);
  }
  END
}

static PyObject *rng_choice(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("a", "size", "replace", "p");
  tg_var *a, *p, *shape = NULL;
  PyObject *size = Py_None;
  int replace = 1;
  if (PARSE("O&|OpO&", V, &a, &size, &replace, tgp_conv_var_opt, &p) &&
      (size == Py_None || (shape = tgp_shape_var(G, size))))
    out = tg_rng_choice(((tgp_Rng *)self)->r, a, shape, replace, p);
  END
}

static PyObject *rng_permutation(PyObject *self, PyObject *args, PyObject *kw) {
  BEGIN KW("x");
  tg_var *x;
  if (PARSE("O&", V, &x)) out = tg_rng_permutation(((tgp_Rng *)self)->r, x);
  END
}

#define M(name, doc) {#name, (PyCFunction)(void (*)(void))rng_##name, METH_VARARGS | METH_KEYWORDS, doc},
static PyMethodDef rng_methods[] = {
    {"seed", rng_seed, METH_O, "seed(s): every state of the stream restarts from seed s."},
    M(draw, "draw(dist, params, size=None, dtype=None): a random variable. dist: uniform, "
            "normal, integers, binomial, gamma, beta, multinomial (two parameters), bernoulli, "
            "poisson (one); a None parameter takes the C builder's default.")
    M(choice, "choice(a, size=None, replace=True, p=None).")
    M(permutation, "permutation(x): of arange(x), or of the elements of vector x.")
    {NULL, NULL, 0, NULL}};

PyTypeObject tgp_RngType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tgraph._tgraph.Rng",
    .tp_basicsize = sizeof(tgp_Rng),
    .tp_dealloc = rng_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Rng(seed=0): a random stream (Philox) of the live graph.",
    .tp_methods = rng_methods,
    .tp_new = rng_new,
};

/* rng_state(draw) -> (state, new_state), or None when draw is no random draw. */
static PyObject *py_rng_state(PyObject *self, PyObject *x) {
  (void)self;
  if (!tgp_Var_Check(x)) {
    PyErr_SetString(PyExc_TypeError, "rng_state() takes a symbolic variable");
    return NULL;
  }
  tg_var *ns = NULL, *st = tg_rng_state(((tgp_Var *)x)->v, &ns);
  if (!st) {
    PyErr_Clear();
    Py_RETURN_NONE;
  }
  tgp_Graph *G = ((tgp_Var *)x)->graph;
  PyObject *a = tgp_var_new(G, st), *b = a ? tgp_var_new(G, ns) : NULL;
  PyObject *r = b ? PyTuple_Pack(2, a, b) : NULL;
  Py_XDECREF(a);
  Py_XDECREF(b);
  return r;
}

PyMethodDef tgp_random_functions[] = {
    {"rng_state", py_rng_state, METH_O,
     "rng_state(draw): (state shared variable, its updated value), None if not a draw."},
    {NULL, NULL, 0, NULL}};
