"""TensorType and the variable constructors of theano.tensor (scalar, vector, row, col,
matrix, tensor3..tensor7, their typed forms dmatrix, fvector, iscalar, ... and the plural
forms dmatrices('a', 'b'))."""
import numpy as np

from .. import _tgraph as _t

_FLOAT_DTYPES = ("float32", "float64")


class TensorType:
    """A tensor type: a dtype and, per dim, a static length (None: unknown; 1 is Theano's
    broadcastable). Calling it makes a symbolic input of that type."""

    def __init__(self, dtype, broadcastable=None, name=None, shape=None):
        if dtype == "floatX" or dtype is None:
            dtype = _t.config_get("floatX")
        self.dtype = str(np.dtype(dtype))
        if shape is None:
            shape = tuple(1 if b else None for b in (broadcastable or ()))
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self.name = name

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def broadcastable(self):
        return tuple(s == 1 for s in self.shape)

    def __call__(self, name=None):
        return _t.tensor(name, self.dtype, self.shape)

    def make_variable(self, name=None):
        return self(name)

    def filter(self, data, strict=False, allow_downcast=None):
        """data as a numpy array of this type (Theano's rules, via a compiled identity)."""
        x = self()
        from ..compile import function
        return function([x], x * 1 if self.dtype != "bool" else x | False,
                        allow_input_downcast=allow_downcast)(data)

    def __eq__(self, other):
        return isinstance(other, TensorType) and (self.dtype, self.shape) == (other.dtype, other.shape)

    def __hash__(self):
        return hash((self.dtype, self.shape))

    def __repr__(self):
        return "TensorType(%s, (%s))" % (
            self.dtype, ", ".join("?" if s is None else str(s) for s in self.shape)
            + ("," if len(self.shape) == 1 else ""))

    @staticmethod
    def values_eq(a, b, force_same_dtype=True):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or (force_same_dtype and a.dtype != b.dtype):
            return False
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b))

    @staticmethod
    def values_eq_approx(a, b, allow_remove_inf=False, allow_remove_nan=False, rtol=None, atol=None):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol or 1e-5, atol=atol or 1e-8,
                                                       equal_nan=True))


# rank patterns: None an unknown length, 1 a broadcastable dim
_KINDS = {
    "scalar": (),
    "vector": (None,),
    "row": (1, None),
    "col": (None, 1),
    "matrix": (None, None),
    "tensor3": (None,) * 3,
    "tensor4": (None,) * 4,
    "tensor5": (None,) * 5,
    "tensor6": (None,) * 6,
    "tensor7": (None,) * 7,
}
# Theano's one-letter dtype prefixes (complex 'c'/'z' has no tgraph dtype)
_PREFIX = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64"}

__all__ = ["TensorType", "tensor"]


def _make(kind, dtype):
    pattern = _KINDS[kind]

    def ctor(name=None, dtype=dtype, shape=None):
        return _t.tensor(name, dtype, pattern if shape is None else shape)

    ctor.__name__ = kind if dtype is None else dtype_prefix(dtype) + kind
    ctor.__doc__ = "A symbolic %s input of dtype %s." % (kind, dtype or "dtype (default floatX)")
    return ctor


def _make_plural(single):
    def ctor(*names):
        if len(names) == 1 and isinstance(names[0], int):
            return [single() for _ in range(names[0])]
        return [single(n) for n in names]
    return ctor


def dtype_prefix(dtype):
    return {v: k for k, v in _PREFIX.items()}[dtype]


def _export(namespace):
    for kind in _KINDS:
        ctor = _make(kind, None)
        namespace[kind] = ctor
        __all__.append(kind)
        for p, dt in _PREFIX.items():
            c = _make(kind, dt)
            namespace[p + kind] = c
            namespace[p + (kind[:-2] + "ices" if kind == "matrix" else kind + "s")] = _make_plural(c)
            __all__.extend([p + kind, p + (kind[:-2] + "ices" if kind == "matrix" else kind + "s")])
        plural = kind[:-2] + "ices" if kind == "matrix" else kind + "s"
        namespace[plural] = _make_plural(ctor)
        __all__.append(plural)


_export(globals())


def tensor(dtype=None, broadcastable=None, name=None, shape=None):
    """Theano's tensor(dtype, broadcastable, name): a symbolic input of any rank."""
    return TensorType(dtype, broadcastable, shape=shape)(name)
