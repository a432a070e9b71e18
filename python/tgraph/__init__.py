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

Variable = TensorVariable
__version__ = _tgraph.version()

__all__ = ["config", "tensor", "function", "shared", "In", "Param", "Out", "Mode", "grad",
           "gradient", "printing", "pp", "debugprint", "pydotprint", "Variable"]
