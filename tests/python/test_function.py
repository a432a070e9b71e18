"""tgraph.function: Theano's basic tutorial programs, calling conventions (lists, keyword
arguments, defaults, several outputs), Theano's input-conversion rules, updates and
givens, shared variables, modes and options."""
import numpy as np
import pytest

import tgraph
import tgraph.tensor as T
from tgraph import In, function, shared


def test_adding_two_scalars():
    x = T.dscalar("x")
    y = T.dscalar("y")
    z = x + y
    f = function([x, y], z)
    out = f(2, 3)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    assert out == 5.0
    assert np.allclose(f(16.3, 12.1), 28.4)
    assert tgraph.pp(z) == "(x + y)"


def test_adding_two_matrices():
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    f = function([x, y], x + y)
    np.testing.assert_array_equal(f([[1, 2], [3, 4]], [[10, 20], [30, 40]]), [[11, 22], [33, 44]])
    np.testing.assert_array_equal(f(np.array([[1, 2], [3, 4]]), np.array([[10, 20], [30, 40]])),
                                  [[11, 22], [33, 44]])


def test_logistic_function():
    x = T.dmatrix("x")
    s = 1 / (1 + T.exp(-x))
    logistic = function([x], s)
    v = np.array([[0, 1], [-1, -2]], dtype=float)
    np.testing.assert_allclose(logistic(v), 1 / (1 + np.exp(-v)), rtol=1e-15)
    s2 = (1 + T.tanh(x / 2)) / 2
    np.testing.assert_allclose(function([x], s2)(v), logistic(v), rtol=1e-12)


def test_several_outputs_return_a_list():
    a, b = T.dmatrices("a", "b")
    diff = a - b
    f = function([a, b], [diff, abs(diff), diff ** 2])
    out = f([[1, 1], [1, 1]], [[0, 1], [2, 3]])
    assert isinstance(out, list) and len(out) == 3
    np.testing.assert_array_equal(out[0], [[1, 0], [-1, -2]])
    np.testing.assert_array_equal(out[1], [[1, 0], [1, 2]])
    np.testing.assert_array_equal(out[2], [[1, 0], [1, 4]])
    assert function([a, b], [diff])([[1.0]], [[2.0]])[0][0, 0] == -1.0


def test_default_values_and_keyword_arguments():
    x, y, w = T.dscalars("x", "y", "w")
    z = (x + y) * w
    f = function([x, In(y, value=1), In(w, value=2, name="w_by_name")], z)
    assert f(33) == 68
    assert f(33, 2) == 70
    assert f(33, 0, 1) == 33
    assert f(33, w_by_name=1) == 34
    assert f(33, w_by_name=1, y=0) == 33
    assert f(x=1, y=2, w_by_name=3) == 9
    with pytest.raises(TypeError, match="no input named"):
        f(33, nope=1)
    with pytest.raises(TypeError, match="missing input"):
        f()
    with pytest.raises(TypeError, match="takes 3 inputs"):
        f(1, 2, 3, 4)
    with pytest.raises(TypeError, match="given twice"):
        f(1, x=2)


def test_shared_accumulator_with_updates_and_givens():
    state = shared(0)
    inc = T.iscalar("inc")
    accumulator = function([inc], state, updates=[(state, state + inc)])
    assert state.get_value() == 0
    assert accumulator(1) == 0
    assert state.get_value() == 1
    assert accumulator(300) == 1
    assert state.get_value() == 301
    state.set_value(-1)
    assert accumulator(3) == -1
    assert state.get_value() == 2
    decrementor = function([inc], state, updates={state: state - inc})
    assert decrementor(2) == 2
    assert state.get_value() == 0
    fn_of_state = state * 2 + inc
    foo = T.scalar(dtype=state.dtype)
    skip_shared = function([inc, foo], fn_of_state, givens=[(state, foo)])
    assert skip_shared(1, 3) == 7
    assert state.get_value() == 0


def test_shared_values_borrow_and_types(rng):
    v = rng.randn(3)
    s = shared(v, name="s")
    assert s.name == "s" and s.dtype == "float64" and s.ndim == 1 and s.is_shared
    v[0] = 100.0  # not borrowed: a private copy
    assert s.get_value()[0] != 100.0
    got = s.get_value()
    got[1] = 55.0  # a copy too
    assert s.get_value()[1] != 55.0
    b = np.zeros(2)
    sb = shared(b, borrow=True)
    b[0] = 3.0  # borrowed: Theano's aliasing
    assert sb.get_value()[0] == 3.0
    sb.get_value(borrow=True)[1] = 4.0
    np.testing.assert_array_equal(sb.get_value(), [3.0, 4.0])
    s.set_value([1, 2, 3, 4])  # a list of ints fits a float64 vector; the shape may change
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(TypeError):
        s.set_value(np.zeros((2, 2)))
    f32 = shared(np.zeros(2, dtype="float32"))
    with pytest.raises(TypeError, match="loss of precision"):
        f32.set_value(np.zeros(2))
    assert shared(1.5).dtype == "float64" and shared(2).dtype == "int64"
    with pytest.raises(TypeError):
        shared(T.dvector())


def test_updates_apply_only_when_the_call_succeeds():
    w = shared(np.ones(2), name="w")
    x = T.dvector("x")
    f = function([x], T.dot(w, x), updates=[(w, w * 2)])
    assert f([1.0, 2.0]) == 3.0
    np.testing.assert_array_equal(w.get_value(), [2.0, 2.0])
    with pytest.raises(ValueError):
        f([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(w.get_value(), [2.0, 2.0])


def test_theano_input_conversion_rules():
    xd = T.dmatrix("xd")
    xf = T.fmatrix("xf")
    xi = T.ivector("xi")
    fd = function([xd], xd * 2)
    ff = function([xf], xf * 2)
    fi = function([xi], xi * 2)
    # nested lists and safe upcasts are accepted
    np.testing.assert_array_equal(fd([[1, 2], [3, 4]]), [[2, 4], [6, 8]])
    np.testing.assert_array_equal(fd(np.array([[1, 2]], dtype="int32")), [[2, 4]])
    np.testing.assert_array_equal(ff(np.array([[1, 2]], dtype="int8")), [[2, 4]])
    # a float64 array for a float32 input is a TypeError unless allow_input_downcast
    with pytest.raises(TypeError, match="allow_input_downcast"):
        ff(np.ones((2, 2)))
    ff_down = function([xf], xf * 2, allow_input_downcast=True)
    out = ff_down(np.full((1, 2), 0.1))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.float32(0.1) * 2)
    # lists must convert without loss
    np.testing.assert_array_equal(ff([[0.5, 1.0]]), [[1.0, 2.0]])
    with pytest.raises(TypeError, match="cannot store accurately"):
        ff([[0.1, 1.0]])
    np.testing.assert_array_equal(fi([1, 2]), [2, 4])
    with pytest.raises(TypeError, match="cannot store accurately"):
        fi([1.5, 2])
    with pytest.raises(TypeError):
        fi(np.array([1, 2], dtype="int64"))
    # Theano's special case: a Python float fits a floatX scalar input
    s = T.fscalar("s")
    with tgraph_floatx("float32"):
        assert function([s], s * 2)(0.1) == np.float32(0.1) * 2
    # wrong rank
    with pytest.raises(TypeError, match="expects"):
        fd([1.0, 2.0])
    # unsupported values
    with pytest.raises(TypeError):
        fd([["a", "b"]])
    with pytest.raises(TypeError):
        fd(np.ones((2, 2), dtype=complex))


class tgraph_floatx:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self.old = tgraph.config.floatX
        tgraph.config.floatX = self.value

    def __exit__(self, *exc):
        tgraph.config.floatX = self.old


def test_floatx_decides_untyped_constructors():
    assert T.matrix().dtype == "float64"
    with tgraph_floatx("float32"):
        assert tgraph.config.floatX == "float32"
        x = T.matrix("x")
        assert x.dtype == "float32"
        assert (x * 0.5).dtype == "float32"
    assert T.vector().dtype == "float64"


def test_constructors_and_types():
    assert T.dmatrix().type == T.TensorType("float64", (False, False))
    assert T.frow().broadcastable == (True, False)
    assert T.icol().broadcastable == (False, True)
    assert T.ltensor3().ndim == 3 and T.ltensor3().dtype == "int64"
    assert T.btensor4().dtype == "int8" and T.wvector().dtype == "int16"
    assert [v.name for v in T.fvectors("a", "b")] == ["a", "b"]
    t = T.tensor("float32", (False, True, False), name="t")
    assert t.broadcastable == (False, True, False) and t.name == "t"
    assert T.TensorType("int32", shape=(None, 3))("q").static_shape == (None, 3)
    assert str(T.dmatrix().type) == "TensorType(float64, (?, ?))"
    x = T.dvector("x")
    x.name = "renamed"
    assert str(x) == "renamed"
    x.tag.test_value = 1  # Theano programs set tags; they are kept
    assert x.tag.test_value == 1


def test_modes_and_options():
    x = T.dvector("x")
    for mode in ("FAST_RUN", "FAST_COMPILE", tgraph.Mode(optimizer="fast_compile"), None):
        np.testing.assert_array_equal(function([x], x * 2, mode=mode)([1.0]), [2.0])
    with pytest.raises(ValueError):
        function([x], x * 2, mode="NO_SUCH_MODE")
    y = T.dvector("y")
    with pytest.raises(ValueError, match="y"):
        function([x, y], x * 2)
    assert function([x, y], x * 2, on_unused_input="ignore")([1.0], [2.0])[0] == 2.0
    f = function([x], x + 1, name="plus_one")
    assert f.name == "plus_one" and f.n_nodes() >= 1
    with pytest.raises(TypeError):
        function(x, x)
    with pytest.raises(ValueError, match="not among the function's inputs"):
        function([x + 1], x)


def test_eval():
    x = T.dvector("x")
    np.testing.assert_array_equal((x * 2).eval({x: [1.0, 2.0]}), [2.0, 4.0])
    assert T.constant(3.0).eval() == 3.0


def test_constants():
    c = T.constant(np.arange(3.0), name="c")
    assert c.is_constant and c.name == "c"
    np.testing.assert_array_equal(c.data, [0.0, 1.0, 2.0])
    arr = np.ones(2)
    k = T.constant(arr)
    arr[0] = 5  # constants hold a private copy
    np.testing.assert_array_equal(k.data, [1.0, 1.0])
    assert T.constant(1, dtype="int8").dtype == "int8"
    assert T.as_tensor_variable([1, 2]).dtype == "int64"
