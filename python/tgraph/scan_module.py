"""Loops: Theano's scan, map, reduce, foldl, foldr and until, over the C library's scan.

    import tgraph, tgraph.tensor as T
    k, A = T.iscalar("k"), T.vector("A")
    result, updates = tgraph.scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                                  non_sequences=A, n_steps=k)
    power = tgraph.function([A, k], result[-1], updates=updates)

The step function is called once, while building, with symbolic variables in Theano's
order (each sequence's taps, each fed-back output's taps, the non-sequences); the graph
it returns becomes the loop body, compiled once and run n_steps times by the C core.
Shared variables and other outer variables the step uses become implicit
non-sequences. Gradients (backpropagation through time) come from tgraph.grad.
"""
from collections import OrderedDict

import numpy as _np

from . import _tgraph as _t

__all__ = ["scan", "map", "reduce", "foldl", "foldr", "until", "OrderedUpdates"]


class OrderedUpdates(OrderedDict):
    """Updates of shared variables, shared -> new value (what scan returns beside its
    outputs; theano.function(updates=...) takes it as it is)."""

    def __add__(self, other):
        r = OrderedUpdates(self)
        r.update(other)
        return r

    def __radd__(self, other):
        r = OrderedUpdates(other)
        r.update(self)
        return r


class until:
    """until(condition): returned by a scan step (alone, or after its outputs and updates),
    stops the loop after the first step where the 0-d condition is true."""

    def __init__(self, condition):
        self.condition = _t.as_tensor_variable(condition)
        if self.condition.ndim != 0:
            raise TypeError("until: the condition must be a 0-d value, not %d-d" % self.condition.ndim)


def _is_var(x):
    return isinstance(x, (_t.Variable, int, float, _np.ndarray, _np.generic))


def _is_outputs(x):
    return _is_var(x) or (isinstance(x, (list, tuple)) and all(_is_var(v) for v in x))


def _is_updates(x):
    return isinstance(x, dict) or (
        isinstance(x, (list, tuple)) and len(x) > 0
        and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in x))


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _get_updates_and_outputs(ls):
    """(condition, outputs, updates) from what a step returned, with Theano's accepted
    forms: outputs; updates; until; (outputs, updates); (outputs, until);
    (updates, until); (outputs, updates, until), each pair in either order."""
    if _is_outputs(ls):
        return None, _as_list(ls), OrderedDict()
    if _is_updates(ls):
        return None, [], OrderedDict(ls)
    if isinstance(ls, until):
        return ls.condition, [], OrderedDict()
    msg = ("the scan step must return outputs (a variable or a list of them), updates (a dict "
           "or a list of (shared, value) pairs), an until(condition), or a tuple of those in "
           "the order (outputs, updates, until); got %r" % (ls,))
    if not isinstance(ls, (list, tuple)) or len(ls) not in (2, 3):
        raise ValueError(msg)
    outs, upd, cond, seen = [], OrderedDict(), None, set()
    for part in ls:
        if isinstance(part, until) and "c" not in seen:
            cond, kind = part.condition, "c"
        elif _is_outputs(part) and "o" not in seen:
            outs, kind = _as_list(part), "o"
        elif _is_updates(part) and "u" not in seen:
            upd, kind = OrderedDict(part), "u"
        else:
            raise ValueError(msg)
        seen.add(kind)
    return cond, outs, upd


def _seq_spec(s):
    if isinstance(s, dict):
        if "input" not in s:
            raise ValueError("scan: a sequence given as a dict needs an 'input' entry")
        taps = s.get("taps", [0])
        return s["input"], [0] if taps is None else _as_list(taps)
    return s, [0]


def _out_spec(o):
    if isinstance(o, dict):
        init = o.get("initial")
        if init is None:
            return None, []
        taps = o.get("taps", [-1])
        return init, [] if taps is None else _as_list(taps)
    if o is None:
        return None, []
    return o, [-1]


class _Recount(Exception):
    """The step gave another number of outputs than guessed (outputs_info not given)."""

    def __init__(self, n):
        Exception.__init__(self, n)
        self.n = n


def _scan(fn, sequences, outputs_info, non_sequences, n_steps, truncate_gradient,
          go_backwards, name, last_only, return_list):
    seqs = [] if sequences is None else _as_list(sequences)
    given = outputs_info is not None and not (isinstance(outputs_info, (list, tuple))
                                              and len(outputs_info) == 0)
    outs = _as_list(outputs_info) if given else []
    ns = [] if non_sequences is None else _as_list(non_sequences)
    seq_specs = [_seq_spec(s) for s in seqs]
    out_specs = [_out_spec(o) for o in outs] if given else [(None, [])]
    n_user = len(out_specs) if given else None

    def step(args):
        cond, res, upd = _get_updates_and_outputs(fn(*args))
        if n_user is None:
            if len(res) != len(out_specs):
                raise _Recount(len(res))
        elif len(res) != n_user:
            raise ValueError("scan: the step returned %d outputs but outputs_info has %d entries; "
                             "give None in outputs_info for each output that is not fed back"
                             % (len(res), n_user))
        return res, cond, list(upd.items())

    for _ in range(2):
        try:
            res, upd = _t.scan_raw(step, seq_specs, out_specs, ns, n_steps, bool(go_backwards),
                                   -1 if truncate_gradient is None else int(truncate_gradient),
                                   last_only, name)
            break
        except _Recount as e:
            out_specs = [(None, [])] * e.n  # no outputs: a loop kept for its updates
    updates = OrderedUpdates(upd)
    if not return_list and len(res) == 1:
        return res[0], updates
    if len(res) == 0:
        return None, updates
    return res, updates


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient=-1, go_backwards=False, mode=None, name=None, profile=False,
         allow_gc=None, strict=False, return_list=False):
    """Theano's scan: (outputs, updates). outputs: one variable (or a list with several
    outputs, or always with return_list=True; None when the step returns only updates),
    each with the values of every step along a new first axis; updates: an
    OrderedUpdates of the shared variables the step updates (pass it to function()).

    sequences: variables iterated along their first axis, or dicts {'input': x, 'taps':
    [-1, 0, 1]}; outputs_info: per output its initial value (fed back at tap -1), a dict
    {'initial': x0, 'taps': [-2, -1]} (x0 holds the 2 states before the first step), or None
    for an output not fed back; non_sequences: passed unchanged to every step; n_steps: an
    int or a 0-d int variable. mode, profile, allow_gc and strict are accepted and ignored.
    """
    return _scan(fn, sequences, outputs_info, non_sequences, n_steps, truncate_gradient,
                 go_backwards, name, False, return_list)


def map(fn, sequences, non_sequences=None, truncate_gradient=-1, go_backwards=False,
        mode=None, name=None):
    """fn applied to each element (Theano's map): (outputs, updates)."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, name=name)


def reduce(fn, sequences, outputs_info, non_sequences=None, go_backwards=False, mode=None,
           name=None):
    """Theano's reduce: scan keeping only each output's last value (in O(1) memory)."""
    return _scan(fn, sequences, outputs_info, non_sequences, None, -1, go_backwards, name,
                 True, False)


def foldl(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """reduce from the first element on."""
    return reduce(fn, sequences, outputs_info, non_sequences, False, mode, name)


def foldr(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """reduce from the last element back."""
    return reduce(fn, sequences, outputs_info, non_sequences, True, mode, name)
