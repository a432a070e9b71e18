"""Theano's symbolic variable classes over the C core's Variable type.

The C type (tgraph._tgraph.Variable) holds the graph node and implements Python's
operators and indexing; these subclasses add Theano's methods and properties. The C core
makes every new variable an instance of TensorVariable (TensorSharedVariable for shared
variables), registered at import.
"""
import numpy as np

from .. import _tgraph as _t


class _Tag:
    """Free-form attributes (Theano's var.tag)."""


class TensorVariable(_t.Variable):
    """A symbolic tensor: a typed node of the graph (holds no data)."""

    # numpy defers to our reflected operators (ndarray + var gives a variable)
    __array_priority__ = 1000
    __array_ufunc__ = None

    # ---- type ----
    @property
    def type(self):
        from .type import TensorType
        return TensorType(self.dtype, shape=self.static_shape)

    @property
    def tag(self):
        t = self.__dict__.get("_tag")
        if t is None:
            t = self.__dict__["_tag"] = _Tag()
        return t

    @property
    def T(self):
        return _t.transpose(self)

    @property
    def shape(self):
        return _t.shape(self)

    @property
    def size(self):
        return _t.prod(_t.shape(self))

    @property
    def value(self):
        return self.data

    def __repr__(self):
        return str(self)

    def __len__(self):
        n = self.static_shape[0] if self.ndim else None
        if n is None:
            raise TypeError("len() of a symbolic tensor needs a static first dim; use x.shape[0]")
        return n

    # ---- reductions ----
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _cast(_t.sum(self, axis, keepdims), dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _cast(_t.prod(self, axis, keepdims), dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _cast(_t.mean(self, axis, keepdims), dtype)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _t.var(self, axis, ddof, keepdims)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _t.std(self, axis, ddof, keepdims)

    def max(self, axis=None, keepdims=False):
        return _t.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _t.min(self, axis, keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _t.argmax(self, axis, keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _t.argmin(self, axis, keepdims)

    def all(self, axis=None, keepdims=False):
        return _t.all(self, axis, keepdims)

    def any(self, axis=None, keepdims=False):
        return _t.any(self, axis, keepdims)

    def norm(self, L, axis=None, keepdims=False):
        return _t.norm(self, L, axis, keepdims)

    # ---- shape ----
    def reshape(self, shape, ndim=None):
        if ndim is not None and not isinstance(shape, _t.Variable) and len(shape) != ndim:
            raise ValueError("reshape: ndim=%d but the shape has %d entries" % (ndim, len(shape)))
        return _t.reshape(self, shape)

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = pattern[0]
        return _t.dimshuffle(self, pattern)

    def flatten(self, ndim=1, outdim=None):
        return _t.flatten(self, outdim if outdim is not None else ndim)

    ravel = flatten

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _t.transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        return _t.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _t.squeeze(self, axis)

    def dimshuffle_pad(self, n=1):
        return _t.dimshuffle(self, ["x"] * n + list(range(self.ndim)))

    # ---- elementwise and friends ----
    def astype(self, dtype):
        return _t.cast(self, dtype)

    def clip(self, a_min, a_max):
        return _t.clip(self, a_min, a_max)

    def round(self, mode="half_to_even"):
        from . import round as _round
        return _round(self, mode)

    def conj(self):
        return self

    def dot(self, other):
        return _t.dot(self, other)

    def __rmatmul__(self, other):
        return _t.matmul(other, self)

    # ---- extra ----
    def sort(self, axis=-1):
        return _t.sort(self, axis)

    def argsort(self, axis=-1):
        return _t.argsort(self, axis)

    def cumsum(self, axis=None):
        return _t.cumsum(self, axis)

    def cumprod(self, axis=None):
        return _t.cumprod(self, axis)

    def repeat(self, repeats, axis=None):
        return _t.repeat(self, repeats, axis)

    def take(self, indices, axis=None):
        return _t.take(self, indices, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _t.diagonal(self, offset, axis1, axis2)

    def trace(self):
        return _t.trace(self)

    def nonzero(self):
        return _t.nonzero(self)

    def copy(self, name=None):
        out = self * 1 if self.dtype != "bool" else self | False
        if name is not None:
            out.name = name
        return out

    # ---- indexed assignment, functionally (PyTensor's x[i].set(y)) ----
    def set(self, y):
        return _t.set_subtensor(self, y)

    def inc(self, y):
        return _t.inc_subtensor(self, y)

    # ---- evaluation ----
    def eval(self, inputs_to_values=None):
        """The value of this expression with the given input values (a dict)."""
        from ..compile import function
        inputs_to_values = dict(inputs_to_values or {})
        keys = list(inputs_to_values)
        fn = function(keys, self, on_unused_input="ignore")
        return fn(*[inputs_to_values[k] for k in keys])


class TensorSharedVariable(TensorVariable):
    """A symbolic variable with a value kept between calls (theano.shared)."""

    def get_value(self, borrow=False, return_internal_type=False):
        return _t.get_value(self, borrow)

    def set_value(self, value, borrow=False):
        _t.set_value(self, value, borrow)

    @property
    def container(self):
        return self

    def __repr__(self):
        return self.name if self.name else "<TensorSharedVariable(%s)>" % self.type_str


SharedVariable = TensorSharedVariable
TensorConstant = TensorVariable


def _cast(x, dtype):
    return x if dtype is None or dtype == x.dtype else _t.cast(x, dtype)


_t._set_classes(TensorVariable, TensorSharedVariable)
