"""tgraph.tensor.nlinalg: Theano's theano.tensor.nlinalg (numpy.linalg's ops)."""
from .. import _tgraph as _t

matrix_inverse = _t.matrix_inverse
inv = _t.matrix_inverse
det = _t.det
slogdet = _t.slogdet
eigh = _t.eigh
eigvalsh = _t.eigvalsh
svd = _t.svd
qr = _t.qr
pinv = _t.pinv
trace = _t.trace
diag = _t.diag
extract_diag = _t.diag


def alloc_diag(x):
    return _t.diag(x)


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm."""
    return _t.norm(x, ord, axis, keepdims)


def matrix_dot(*args):
    """dot(dot(a, b), c) ... of the arguments."""
    out = args[0]
    for a in args[1:]:
        out = _t.dot(out, a)
    return out


def matrix_power(M, n):
    """M ** n by repeated squaring (n >= 0 a Python int)."""
    if n < 0:
        raise ValueError("matrix_power: n must be >= 0")
    result, base = None, M
    while n:
        if n & 1:
            result = base if result is None else _t.dot(result, base)
        n >>= 1
        if n:
            base = _t.dot(base, base)
    return result if result is not None else _t.eye(_t.shape(M)[0], None, 0, M.dtype)
