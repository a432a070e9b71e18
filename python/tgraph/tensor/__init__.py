"""tgraph.tensor: Theano's theano.tensor (usually imported as T) over tgraph's ops.

Every op of the C library is a function here: the elementwise ops come straight from the
C core's op table (add, exp, switch, ...), with Theano's spellings as aliases (abs_, sgn,
inv, int_div, and_, or_, ...); reductions, shape ops, indexing and linalg take Theano's
and numpy's arguments. Submodules: nnet, nlinalg, slinalg, extra_ops.
"""
import builtins as _builtins

import numpy as _np

from .. import _tgraph as _t
from .var import TensorVariable, TensorSharedVariable, TensorConstant, SharedVariable
from .type import *  # noqa: F401,F403  (scalar, dmatrix, fvectors, TensorType, tensor, ...)
from .type import TensorType, tensor

# ---- every elementwise op of the library, by its catalogue name ----
for _name, _kind, _arity in _t.OPS:
    if _kind == "elemwise":
        globals()[_name] = getattr(_t, _name)

# Theano's spellings
abs_ = _t.abs
sgn = _t.sign
inv = _t.reciprocal
int_div = _t.floor_div
intdiv = _t.floor_div
and_ = _t.bitwise_and
or_ = _t.bitwise_or
xor = _t.bitwise_xor
bitwise_not = _t.invert
tri_gamma = _t.trigamma
ultra_fast_sigmoid = _t.sigmoid
round_half_to_even = _t.round
where = _t.switch
true_divide = _t.true_div
floor_divide = _t.floor_div
power = _t.pow
cast = _t.cast
constant = _t.constant
as_tensor_variable = _t.as_tensor_variable
as_tensor = _t.as_tensor_variable
set_subtensor = _t.set_subtensor
inc_subtensor = _t.inc_subtensor
take = _t.take
shape = _t.shape
infer_shape = _t.infer_shape


def round(a, mode=None):
    """Round to the nearest integer: mode 'half_to_even' (numpy's, the default here) or
    'half_away_from_zero' (Theano's default)."""
    if mode in (None, "half_to_even"):
        return _t.round(a)
    if mode == "half_away_from_zero":
        return _t.sign(a) * _t.floor(_t.abs(a) + 0.5)
    raise ValueError("round: mode must be 'half_to_even' or 'half_away_from_zero', not %r" % (mode,))


def round_half_away_from_zero(a):
    return round(a, "half_away_from_zero")


def iround(a, mode=None):
    return _t.cast(round(a, mode), "int64")


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """numpy.isclose, symbolically."""
    close = _t.le(_t.abs(_t.sub(a, b)), atol + rtol * _t.abs(b))
    if equal_nan:
        close = _t.logical_or(close, _t.logical_and(_t.isnan(a), _t.isnan(b)))
    return close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _t.all(isclose(a, b, rtol, atol, equal_nan))


# ---- reductions (Theano's signatures; dtype casts the result) ----
def _cast(x, dtype):
    return x if dtype is None or dtype == x.dtype else _t.cast(x, dtype)


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    return _cast(_t.sum(input, axis, keepdims), dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    return _cast(_t.prod(input, axis, keepdims), dtype)


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    return _cast(_t.mean(input, axis, keepdims), dtype)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    return _t.var(input, axis, ddof, keepdims)


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    return _t.std(input, axis, ddof, keepdims)


def max(x, axis=None, keepdims=False):
    return _t.max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return _t.min(x, axis, keepdims)


def argmax(x, axis=None, keepdims=False):
    return _t.argmax(x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _t.argmin(x, axis, keepdims)


def max_and_argmax(a, axis=None, keepdims=False):
    return _t.max_and_argmax(a, axis, keepdims)


def all(x, axis=None, keepdims=False):
    return _t.all(x, axis, keepdims)


def any(x, axis=None, keepdims=False):
    return _t.any(x, axis, keepdims)


logsumexp = _t.logsumexp

# ---- shapes ----
reshape = _t.reshape
transpose = _t.transpose
swapaxes = _t.swapaxes
squeeze = _t.squeeze
expand_dims = _t.expand_dims
specify_shape = _t.specify_shape
dimshuffle = _t.dimshuffle
split = _t.split
alloc = _t.alloc
fill = _t.fill
second = _t.fill
zeros = _t.zeros
ones = _t.ones
full = _t.full
zeros_like = _t.zeros_like
ones_like = _t.ones_like
arange = _t.arange
linspace = _t.linspace
eye = _t.eye
tri = _t.tri
tril = _t.tril
triu = _t.triu
diag = _t.diag
diagonal = _t.diagonal
trace = _t.trace


def flatten(x, ndim=1, outdim=None):
    return _t.flatten(x, outdim if outdim is not None else ndim)


def concatenate(tensor_list, axis=0):
    return _t.concatenate(list(tensor_list), axis)


def join(axis, *tensors_list):
    """Theano's join(axis, *tensors)."""
    if len(tensors_list) == 1 and isinstance(tensors_list[0], (list, tuple)):
        tensors_list = tensors_list[0]
    return _t.concatenate(list(tensors_list), axis)


def stack(*tensors, axis=0):
    """stack(tensors, axis=0) (numpy's) or Theano's old stack(t1, t2, ...)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return _t.stack(list(tensors), axis)


def shape_padleft(t, n_ones=1):
    return _t.dimshuffle(t, ["x"] * n_ones + list(range(t.ndim)))


def shape_padright(t, n_ones=1):
    return _t.dimshuffle(t, list(range(t.ndim)) + ["x"] * n_ones)


def shape_padaxis(t, axis):
    return _t.expand_dims(t, axis)


def identity_like(x):
    return _t.eye(_t.shape(x)[0], _t.shape(x)[1], 0, x.dtype)


# ---- products ----
dot = _t.dot
matmul = _t.matmul
outer = _t.outer
tensordot = _t.tensordot
batched_dot = _t.batched_dot

# ---- sorting and extra ops most used from theano.tensor ----
sort = _t.sort
argsort = _t.argsort
cumsum = _t.cumsum
cumprod = _t.cumprod
nonzero = _t.nonzero
flatnonzero = _t.flatnonzero
repeat = _t.repeat
tile = _t.tile
roll = _t.roll
flip = _t.flip

from . import nnet, nlinalg, slinalg, extra_ops, random, shared_randomstreams  # noqa: E402
from .nnet import sigmoid, softplus, softmax, log_softmax  # noqa: E402,F401
from .nlinalg import norm  # noqa: E402,F401
from ..gradient import grad, jacobian, hessian, Lop, Rop, zero_grad, disconnected_grad  # noqa: E402,F401,E501
