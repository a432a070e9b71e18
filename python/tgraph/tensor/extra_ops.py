"""tgraph.tensor.extra_ops: Theano's theano.tensor.extra_ops."""
from .. import _tgraph as _t

cumsum = _t.cumsum
cumprod = _t.cumprod
diff = _t.diff
bincount = _t.bincount
repeat = _t.repeat
searchsorted = _t.searchsorted
to_one_hot = _t.one_hot
unique = _t.unique
squeeze = _t.squeeze


def fill_diagonal(a, val):
    """a with val on its main diagonal (a matrix)."""
    eye = _t.eye(_t.shape(a)[0], _t.shape(a)[1], 0, "bool")
    return _t.switch(eye, val, a)
