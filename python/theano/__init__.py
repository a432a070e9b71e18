"""theano: a compatibility package mapping Theano's names to tgraph, so that Theano
programs run unchanged:

    import theano
    from theano import tensor as T
    A = T.matrix("A"); B = T.matrix("B")
    f = theano.function([A, B], A + B)

theano.tensor, theano.tensor.nnet, theano.gradient, theano.printing, theano.compile ...
are tgraph's own modules under Theano's names (registered in sys.modules), so
`import theano.tensor.nnet` works and both names give the same objects.
"""
import sys as _sys

import tgraph as _tgraph
from tgraph import (config, tensor, function, shared, In, Param, Out, Mode, grad, gradient,
                    printing, pp, compile, scan, scan_module, map, reduce, foldl, foldr, ifelse,
                    sandbox, OrderedUpdates)
from tgraph.printing import debugprint, pydotprint
from tgraph.tensor.var import TensorVariable as Variable
from tgraph.tensor.var import SharedVariable

# every tgraph submodule, also as theano.<same path>
for _name, _mod in list(_sys.modules.items()):
    if _name.startswith("tgraph.") and _mod is not None and _name != "tgraph._tgraph":
        _sys.modules.setdefault("theano." + _name[len("tgraph."):], _mod)

__version__ = "1.0.5+tgraph." + _tgraph.__version__
