"""The lazy conditional, Theano's theano.ifelse.ifelse.

    from tgraph.ifelse import ifelse
    z = ifelse(T.lt(a, b), T.mean(x), T.mean(y))

Unlike switch (elementwise, both sides computed), ifelse picks whole values on a 0-d
condition, and the compiled function computes only the branch taken. Gradients flow into
the branch taken (the condition gets none).
"""
import numpy as _np

from . import _tgraph as _t

__all__ = ["ifelse", "IfElse"]


def _pair(a, b):
    """Python numbers and arrays take the dtype of the symbolic value on the other side
    (Theano would insist on identical types; a literal 0 is meant as the other's zero)."""
    a_sym, b_sym = isinstance(a, _t.Variable), isinstance(b, _t.Variable)
    if a_sym and not b_sym:
        b = _t.constant(_np.asarray(b, dtype=a.dtype))
    elif b_sym and not a_sym:
        a = _t.constant(_np.asarray(a, dtype=b.dtype))
    return a, b


def ifelse(condition, then_branch, else_branch, name=None):
    """condition ? then_branch : else_branch, evaluating only the branch taken.
    condition: a 0-d value (nonzero is true). The branches: two values, or two lists of
    the same length (then a list of results). Each pair must share dtype and rank."""
    single = not isinstance(then_branch, (list, tuple))
    if single != (not isinstance(else_branch, (list, tuple))):
        raise ValueError("ifelse: then_branch and else_branch must both be lists or both single values")
    thens = [then_branch] if single else list(then_branch)
    elses = [else_branch] if single else list(else_branch)
    if len(thens) != len(elses):
        raise ValueError("ifelse: %d values in then_branch but %d in else_branch" % (len(thens), len(elses)))
    pairs = [_pair(a, b) for a, b in zip(thens, elses)]
    outs = _t.ifelse_raw(condition, [p[0] for p in pairs], [p[1] for p in pairs])
    if name is not None:
        for o in outs:
            o.name = name
    return outs[0] if single else outs


class IfElse:
    """Theano's op class, for code that only imports it."""

    def __init__(self, n_outs, as_view=False, gpu=False, name=None):
        self.n_outs, self.name = n_outs, name
