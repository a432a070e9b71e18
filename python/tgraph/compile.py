"""theano.function and its helpers (In, Out, Mode), and theano.shared.

function() normalises Theano's arguments (In objects, dict or list updates and givens,
modes) and hands them to the C core's Function, whose call is the fast path: numpy arrays
of the input's dtype go in without a copy and the GIL is released while it runs.
"""
from . import _tgraph as _t
from .configparser import linker_name
from .tensor.var import TensorVariable


class In:
    """An input with options: a default value and a keyword name (Theano's In)."""

    def __init__(self, variable, name=None, value=None, update=None, mutable=None,
                 strict=False, allow_downcast=None, autoname=True, implicit=None,
                 borrow=None, shared=False):
        if not isinstance(variable, TensorVariable):
            raise TypeError("In: expected a symbolic variable, got %r" % (variable,))
        if update is not None:
            raise NotImplementedError("In(update=...) is not supported; use function(updates=...)")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.allow_downcast = allow_downcast


Param = In


class Out:
    """An output with options (borrow is accepted; outputs are never aliased anyway)."""

    def __init__(self, variable, borrow=False):
        self.variable = variable
        self.borrow = borrow


class Mode:
    """A compilation mode: FAST_RUN (every rewrite) or FAST_COMPILE (few), and a linker:
    None (the configured one), native or ref, or Theano's names (cvm, c, c|py: native;
    vm, py: ref)."""

    def __init__(self, linker=None, optimizer="default"):
        if linker is not None:
            linker_name(linker)  # a bad name fails here, not at compile time
        if isinstance(optimizer, str) and optimizer.lower() in ("fast_compile", "merge", "none", "None"):
            self.name = "FAST_COMPILE"
        else:
            self.name = "FAST_RUN"
        self.linker = linker
        self.optimizer = optimizer

    def including(self, *tags):
        return self

    def excluding(self, *tags):
        return self

    def __str__(self):
        return self.name


FAST_RUN = Mode(optimizer="fast_run")
FAST_COMPILE = Mode(optimizer="fast_compile")


def _mode_name(mode):
    if mode is None:
        return None
    if isinstance(mode, Mode):
        return mode.name
    if isinstance(mode, str):
        return mode
    raise TypeError("mode must be a string such as 'FAST_RUN' or a Mode, not %r" % (mode,))


def _mode_linker(mode):
    linker = getattr(mode, "linker", None)
    return None if linker is None else linker_name(linker)


def _pairs(x, what):
    if x is None:
        return None
    if hasattr(x, "items"):
        return list(x.items())
    out = []
    for p in x:
        if not isinstance(p, (tuple, list)) or len(p) != 2:
            raise TypeError("%s: each entry must be a (variable, expression) pair, got %r" % (what, p))
        out.append(tuple(p))
    return out


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
             allow_input_downcast=None, profile=None, on_unused_input=None):
    """Compile a callable from symbolic inputs to outputs (theano.function).

    outputs: a variable (the call returns an array) or a list (the call returns a list).
    updates: (shared, expression) pairs or a dict, applied after each successful call.
    givens: (variable, replacement) pairs or a dict, substituted when compiling.
    no_default_updates: True leaves every shared variable's default update out (random
    streams then repeat their numbers); a list of shared variables leaves out theirs.
    allow_input_downcast: True converts any input dtype; None (Theano's default) also
    lets a Python float into a floatX input; False only lossless conversions.
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("function: inputs must be a list of variables, got %r" % (inputs,))
    ins, names, defaults = [], [], []
    for i, x in enumerate(inputs):
        if isinstance(x, In):
            ins.append(x.variable)
            names.append(x.name)
            if x.value is not None:
                defaults.append((i, x.value))
        else:
            ins.append(x)
            names.append(getattr(x, "name", None))
    single = outputs is not None and not isinstance(outputs, (list, tuple))
    outs = [] if outputs is None else [outputs] if single else list(outputs)
    outs = [o.variable if isinstance(o, Out) else o for o in outs]
    upd = _pairs(updates, "updates")
    no_default = no_default_updates is True
    if no_default_updates not in (None, False, True):
        # a list of shared variables keeps just those: an explicit update to themselves
        # stands in for their default updates
        upd = list(upd or [])
        named = {id(p[0]) for p in upd}
        upd += [(v, v) for v in no_default_updates if id(v) not in named]
    return _t.Function(ins, outs, single, upd, _pairs(givens, "givens"),
                       defaults, name, on_unused_input, _mode_name(mode), allow_input_downcast,
                       names, no_default, _mode_linker(mode))


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False,
           broadcastable=None, **kwargs):
    """A shared variable holding value: numpy arrays and numbers (theano.shared).
    borrow=True keeps the caller's array itself (changes to it are seen)."""
    return _t.shared(value, name, borrow)
