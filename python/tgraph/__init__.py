"""tgraph: Theano's symbolic tensor expression graphs, in C, on numpy arrays.

    import tgraph
    import tgraph.tensor as T
    A, B = T.matrix("A"), T.matrix("B")
    f = tgraph.function([A, B], A + B)
    f([[1, 2], [3, 4]], [[5, 6], [7, 8]])      # array([[ 6.,  8.], [10., 12.]])

The `theano` package beside this one maps Theano's names here, so Theano programs run
unchanged. See docs/python.md.
"""
from . import _tgraph
from .configparser import config
from . import tensor
from .compile import function, shared, In, Param, Out, Mode, FAST_RUN, FAST_COMPILE
from . import gradient
from .gradient import grad
from . import printing
from .printing import pp, debugprint, pydotprint
from .tensor.var import TensorVariable, TensorSharedVariable, SharedVariable, TensorConstant
from . import compile
from . import scan_module
from .scan_module import map, reduce, foldl, foldr, until, OrderedUpdates
from . import ifelse
from . import sandbox


class _ScanModule(type(compile)):
    """tgraph.scan is both the function (tgraph.scan(fn, ...)) and a module with Theano's
    submodule names (tgraph.scan.utils.until, from tgraph.scan import scan, until)."""

    def __call__(self, *args, **kwargs):
        return scan_module.scan(*args, **kwargs)


def _make_scan_module():
    import sys
    scan = _ScanModule(__name__ + ".scan", scan_module.__doc__)
    utils = type(compile)(__name__ + ".scan.utils", "until and OrderedUpdates.")
    utils.until, utils.OrderedUpdates = until, OrderedUpdates
    for k in scan_module.__all__:
        setattr(scan, k, getattr(scan_module, k))
    scan.utils = scan.scan_utils = scan.basic = utils
    utils.scan = scan_module.scan
    scan_module.scan_utils = utils
    sys.modules[scan.__name__] = scan
    for sub in ("utils", "basic", "scan_utils"):
        sys.modules[scan.__name__ + "." + sub] = utils
    return scan


scan = _make_scan_module()
Variable = TensorVariable
__version__ = _tgraph.version()

__all__ = ["config", "tensor", "function", "shared", "In", "Param", "Out", "Mode", "grad",
           "gradient", "printing", "pp", "debugprint", "pydotprint", "Variable", "scan", "map",
           "reduce", "foldl", "foldr", "until", "ifelse", "scan_module"]
