"""Printing (debugprint, pp, pydotprint), configuration, and the theano compatibility
package: the seed program verbatim, and Theano's tutorial spellings (from theano import
function, T.dmatrix, theano.tensor.dscalar, theano.pp, theano.printing.debugprint)."""
import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tgraph
import tgraph.tensor as T
from conftest import SRC_DIR


def test_pp_and_debugprint(capsys):
    x, y = T.dscalars("x", "y")
    z = x + y * 2
    assert tgraph.pp(z) == "(x + (y * 2))"
    text = tgraph.printing.debugprint(z, file="str")
    lines = text.splitlines()
    assert lines[0].startswith("Elemwise{add}")
    assert any(line.strip().startswith("|x") for line in lines)
    tgraph.printing.debugprint([z, x])
    assert "Elemwise{mul}" in capsys.readouterr().out
    buf = io.StringIO()
    tgraph.printing.debugprint(z, file=buf)
    assert buf.getvalue() == text
    f = tgraph.function([x, y], z)
    compiled = tgraph.printing.debugprint(f, file="str")  # the rewritten graph (may be fused)
    assert "[id A]" in compiled and "|x" in compiled and "|y" in compiled
    assert str(z) == "(x + (y * 2))"
    z.name = "z"
    assert repr(z) == "z"


def test_pydotprint(tmp_path):
    x = T.dmatrix("x")
    f = tgraph.function([x], T.exp(x).sum())
    out = tgraph.printing.pydotprint(f, outfile=str(tmp_path / "g.dot"), format="dot",
                                     print_output_file=False)
    text = open(out).read()
    assert text.startswith("digraph") and "x" in text
    dot_of_var = tgraph.printing.pydotprint(T.exp(x), return_image=True, format="dot")
    assert dot_of_var.startswith(b"digraph")
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="Graphviz"):
            tgraph.printing.pydotprint(f, outfile=str(tmp_path / "g.svg"), format="svg")
    else:
        svg = tgraph.printing.pydotprint(f, outfile=str(tmp_path / "g.svg"), format="svg",
                                         print_output_file=False)
        assert "<svg" in open(svg).read()


def test_config():
    assert tgraph.config.floatX == "float64"
    assert tgraph.config.mode in ("FAST_RUN", "FAST_COMPILE")
    with pytest.raises(ValueError):
        tgraph.config.floatX = "float16"
    tgraph.config.compute_test_value = "off"  # a Theano-only flag is kept, not an error
    assert tgraph.config.compute_test_value == "off"
    with pytest.raises(AttributeError):
        tgraph.config.no_such_key
    assert "floatX" in dir(tgraph.config)


def _run_py(code_or_file, cwd=None, env_extra=None, env_drop=()):
    env = dict(os.environ)
    env.update(env_extra or {})
    for k in env_drop:
        env.pop(k, None)
    args = [sys.executable, code_or_file] if code_or_file.endswith(".py") else [sys.executable, "-c", code_or_file]
    return subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_seed_program_prints_numpy_output():
    r = _run_py(os.path.join(SRC_DIR, "examples", "seed.py"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "[[ 6.  8.]\n [10. 12.]]\n"


def test_theano_flags_floatx():
    code = ("import theano, theano.tensor as T\n"
            "print(theano.config.floatX, T.matrix().dtype)\n")
    r = _run_py(code, env_extra={"THEANO_FLAGS": "floatX=float32"}, env_drop=["TGRAPH_FLAGS"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["float32", "float32"]


def test_theano_tutorial_spellings():
    import theano
    import theano.tensor
    from theano import function, In, shared, pp
    from theano import tensor as TT
    import theano.tensor.nnet
    from theano.tensor.nnet import sigmoid
    assert theano.tensor is tgraph.tensor and theano.tensor.nnet is tgraph.tensor.nnet
    x = theano.tensor.dscalar("x")
    y = theano.tensor.dscalar("y")
    z = x + y
    f = function([x, y], z)
    assert f(2, 3) == 5.0
    assert theano.pp(z) == "(x + y)"
    m = TT.dmatrix("m")
    g = theano.function([m], sigmoid(m))
    np.testing.assert_allclose(g([[0.0]]), [[0.5]])
    text = theano.printing.debugprint(z, file="str")
    assert "x" in text and "y" in text
    gy = theano.grad(x ** 2, x)
    assert theano.function([x], gy)(3.0) == 6.0
    assert theano.config.floatX == "float64"
    s = shared(np.zeros(2), name="s")
    assert isinstance(s, theano.compile.SharedVariable if hasattr(theano.compile, "SharedVariable")
                      else tgraph.SharedVariable)
    assert theano.gradient.verify_grad is tgraph.gradient.verify_grad


def test_theano_linker_names():
    # Theano's linkers: those running C code pick the native backend, the Python ones the
    # reference backend. With no compiler the native backend says so on stderr, which is
    # how the child shows which backend each function asked for.
    code = ("import sys, numpy as np, theano, theano.tensor as T\n"
            "x = T.dvector('x')\n"
            "mode = theano.Mode(linker=sys.argv[1])\n"
            "f = theano.function([x], T.exp(x) * 2 + 1, mode=mode)\n"
            "print(theano.config.linker, f([0.0, 1.0]).tolist())\n")
    for name, warns in (("py", False), ("vm", False), ("cvm", True), ("c|py", True),
                        ("native", True), ("ref", False)):
        env = dict(os.environ, TGRAPH_FLAGS="linker=ref,cc=/nonexistent/tgraph-cc")
        r = subprocess.run([sys.executable, "-c", code, name], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split()[0] == "ref"  # the configured linker is untouched
        vals = [float(v.strip("[],")) for v in r.stdout.split()[1:]]
        np.testing.assert_allclose(vals, [3.0, 2 * np.e + 1])
        assert ("native backend unavailable" in r.stderr) == warns, (name, r.stderr)
    # THEANO_FLAGS and tgraph.config take Theano's names too; bad names are refused
    r = _run_py("import theano; print(theano.config.linker); theano.config.linker = 'py';"
                " print(theano.config.linker)\n"
                "try:\n  theano.config.linker = 'nosuch'\nexcept ValueError as e:\n  print(e)\n"
                "try:\n  theano.Mode(linker='nosuch')\nexcept ValueError as e:\n  print(e)\n",
                env_extra={"THEANO_FLAGS": "linker=cvm"}, env_drop=["TGRAPH_FLAGS"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["native", "ref"], r.stdout
    assert len(lines) == 4 and all("linker must be native or ref" in s and "nosuch" in s
                                   for s in lines[2:]), r.stdout
