"""tgraph.config: Theano's theano.config over the C library's configuration (floatX,
mode, optimizer_excluding, ...; read once from TGRAPH_FLAGS, and THEANO_FLAGS when that is
unset). Theano flags tgraph has no use for (compute_test_value, ...) are stored and
ignored, so programs that set them still run."""
import os

from . import _tgraph as _t


# Theano's linkers by name: those that run C code map to the native backend, the pure
# Python ones to the reference backend.
_LINKERS = {"py": "ref", "vm": "ref", "vm_nogc": "ref", "c": "native", "c|py": "native",
            "c|py_nogc": "native", "cvm": "native", "cvm_nogc": "native",
            "ref": "ref", "native": "native"}


def linker_name(value):
    """tgraph's linker for a Theano (or tgraph) linker name; ValueError for others."""
    v = _LINKERS.get(str(value).strip())
    if v is None:
        raise ValueError("linker must be native or ref (or Theano's cvm, c, c|py, vm, py), "
                         "not %r" % (value,))
    return v


class _Config:
    def __init__(self):
        object.__setattr__(self, "_other", {})

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        v = _t.config_get(key)
        if v is not None:
            return {"True": True, "False": False}.get(v, v)
        if key in self._other:
            return self._other[key]
        raise AttributeError("tgraph.config has no key %r (keys: %s)"
                             % (key, ", ".join(k for k, *_ in _t.config_keys())))

    def __setattr__(self, key, value):
        if key == "linker":
            value = linker_name(value)
        if _t.config_get(key) is not None:
            _t.config_set(key, str(value))
        else:
            self._other[key] = value

    def __dir__(self):
        return [k for k, *_ in _t.config_keys()] + list(self._other)

    def __str__(self):
        return "\n".join("%s = %s  (%s) -- %s" % row for row in _t.config_keys())


config = _Config()

# Theano programs configure through THEANO_FLAGS: apply the keys tgraph knows when
# TGRAPH_FLAGS does not say otherwise.
if "THEANO_FLAGS" in os.environ and "TGRAPH_FLAGS" not in os.environ:
    for _item in os.environ["THEANO_FLAGS"].split(","):
        _k, _, _v = _item.partition("=")
        _k, _v = _k.strip(), _v.strip()
        if _k and _t.config_get(_k) is not None:
            try:
                _t.config_set(_k, linker_name(_v) if _k == "linker" else _v)
            except ValueError:
                pass
