"""Every elementwise op of the library, from Python, against numpy (or Python's math
module for the special functions) on random inputs: float64, float32 and int64 operands,
broadcasting, and Python scalars mixed with tensors."""
import numpy as np
import pytest

import tgraph
import tgraph.tensor as T
from tgraph import _tgraph as _t
from conftest import REF_SPECIAL

ELEM_REF = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "true_div": np.true_divide,
    "floor_div": np.floor_divide, "mod": np.mod, "pow": np.power, "neg": np.negative,
    "abs": np.abs, "sign": np.sign, "minimum": np.minimum, "maximum": np.maximum,
    "clip": lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi), "sqr": lambda a: a * a,
    "reciprocal": lambda a: 1.0 / a, "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1,
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos,
    "arctan": np.arctan, "arctan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "softplus": lambda a: np.logaddexp(0, a),
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "trunc": np.trunc,
    "lt": np.less, "gt": np.greater, "le": np.less_equal, "ge": np.greater_equal,
    "eq": np.equal, "neq": np.not_equal, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor, "logical_not": np.logical_not,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "invert": np.invert, "left_shift": np.left_shift, "right_shift": np.right_shift,
    "switch": np.where,
}
ELEM_REF.update(REF_SPECIAL)

# value ranges inside each op's domain (per operand when a list)
DOMAIN = {
    "log": (0.1, 5), "log2": (0.1, 5), "log10": (0.1, 5), "log1p": (-0.5, 5), "sqrt": (0, 5),
    "arcsin": (-0.95, 0.95), "arccos": (-0.95, 0.95), "arccosh": (1.05, 5),
    "arctanh": (-0.95, 0.95), "gammaln": (0.1, 6), "psi": (0.2, 6), "trigamma": (0.2, 6),
    "pow": [(0.1, 3), (-2, 2)], "reciprocal": (0.5, 3), "true_div": [(-3, 3), (0.5, 3)],
    "floor_div": [(-5, 5), (0.5, 3)], "mod": [(-5, 5), (0.5, 3)], "erfcx": (-2, 4),
}
INT_ONLY = {"bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"}
NO_INT = {"reciprocal", "true_div"} | set(REF_SPECIAL) | {
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "sigmoid", "softplus", "floor", "ceil", "trunc"}
ELEMWISE = sorted(n for n, kind, _ in _t.OPS if kind == "elemwise")
ARITY = {n: a for n, kind, a in _t.OPS}


def test_every_elemwise_op_is_a_function_with_a_reference():
    assert len(ELEMWISE) > 60
    assert set(ELEMWISE) == set(ELEM_REF)
    for name in ELEMWISE:
        assert callable(getattr(T, name))


def _operands(name, rng, dtype, shape=(3, 4)):
    ar = ARITY[name]
    if name == "switch":
        return [rng.rand(*shape) > 0.5, rng.randn(*shape).astype(dtype), rng.randn(*shape).astype(dtype)]
    if name == "clip":
        a = rng.randn(*shape) * 2
        return [a.astype(dtype), np.full(shape, -0.5).astype(dtype), np.full(shape, 0.7).astype(dtype)]
    if name == "polygamma":  # the order: a whole number
        return [rng.randint(0, 4, shape).astype(dtype), (0.3 + 5 * rng.rand(*shape)).astype(dtype)]
    dom = DOMAIN.get(name, (-3, 3))
    doms = dom if isinstance(dom, list) else [dom] * ar
    if np.dtype(dtype).kind == "i":
        if name in ("left_shift", "right_shift"):
            return [rng.randint(-50, 50, shape).astype(dtype), rng.randint(0, 8, shape).astype(dtype)]
        if name == "pow":
            return [rng.randint(-4, 5, shape).astype(dtype), rng.randint(0, 4, shape).astype(dtype)]
        vals = [rng.randint(-20, 20, shape).astype(dtype) for _ in range(ar)]
        if name in ("floor_div", "mod"):
            vals[1][vals[1] == 0] = 3
        return vals
    return [(lo + (hi - lo) * rng.rand(*shape)).astype(dtype) for lo, hi in doms]


def _run(name, vals):
    ins = [T.TensorType(v.dtype, shape=(None,) * v.ndim)() for v in vals]
    f = tgraph.function(ins, getattr(T, name)(*ins))
    return f(*vals)


@pytest.mark.parametrize("name", ELEMWISE)
def test_float64_against_numpy(name, rng):
    if name in INT_ONLY:
        pytest.skip("integer-only op (tested below)")
    vals = _operands(name, rng, "float64")
    got, want = _run(name, vals), np.asarray(ELEM_REF[name](*vals))
    assert got.dtype == want.dtype, name
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", ELEMWISE)
def test_float32_keeps_float32(name, rng):
    if name in INT_ONLY:
        pytest.skip("integer-only op")
    vals = _operands(name, rng, "float32")
    got = _run(name, vals)
    want = np.asarray(ELEM_REF[name](*[v.astype("float64") if v.dtype == np.float32 else v for v in vals]))
    assert got.dtype == (np.bool_ if want.dtype == np.bool_ else np.float32), name
    if want.dtype == np.bool_:
        # comparisons of float32 operands: compare against numpy on the float32 values
        want = np.asarray(ELEM_REF[name](*vals))
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", ELEMWISE)
def test_int64_against_numpy(name, rng):
    if name in NO_INT:
        pytest.skip("float-only op")
    vals = _operands(name, rng, "int64")
    got, want = _run(name, vals), np.asarray(ELEM_REF[name](*vals))
    assert got.dtype == want.dtype, name
    np.testing.assert_array_equal(got, want, err_msg=name)


def test_operators_on_variables(rng):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    a, b = rng.randn(3, 4), rng.rand(3, 4) + 0.5
    exprs = {
        "x + y": (x + y, a + b), "x - y": (x - y, a - b), "x * y": (x * y, a * b),
        "x / y": (x / y, a / b), "x // y": (x // y, a // b), "x % y": (x % y, a % b),
        "y ** x": (y ** x, b ** a), "-x": (-x, -a), "abs(x)": (abs(x), abs(a)),
        "x < y": (x < y, a < b), "x <= y": (x <= y, a <= b), "x > y": (x > y, a > b),
        "x >= y": (x >= y, a >= b), "2 - x": (2 - x, 2 - a), "1 / y": (1 / y, 1 / b),
        "2 ** x": (2 ** x, 2 ** a), "x @ y.T": (x @ y.T, a @ b.T), "+x": (+x, a),
    }
    f = tgraph.function([x, y], [e for e, _ in exprs.values()], on_unused_input="ignore")
    for (label, (_, want)), got in zip(exprs.items(), f(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=label)


def test_bitwise_operators():
    i, j = T.lvector("i"), T.lvector("j")
    a, b = np.array([5, -3, 12]), np.array([3, 6, 10])
    f = tgraph.function([i, j], [i & j, i | j, i ^ j, ~i, i << 2, i >> 1])
    for got, want in zip(f(a, b), [a & b, a | b, a ^ b, ~a, a << 2, a >> 1]):
        np.testing.assert_array_equal(got, want)


def test_equality_is_identity_and_variables_hash():
    x = T.dvector("x")
    y = T.dvector("y")
    assert x == x and x != y
    assert {x: 1, y: 2}[x] == 1
    e = T.eq(x, y)
    np.testing.assert_array_equal(tgraph.function([x, y], e)([1, 2], [1, 3]), [True, False])


def test_truth_value_is_an_error():
    x = T.dscalar()
    with pytest.raises(TypeError, match="truth value"):
        bool(x > 0)


def test_broadcasting_row_col_matrix(rng):
    r, c, m = T.drow("r"), T.dcol("c"), T.dmatrix("m")
    rv, cv, mv = rng.randn(1, 4), rng.randn(3, 1), rng.randn(3, 4)
    f = tgraph.function([r, c, m], [r + m, c * m, r + c])
    for got, want in zip(f(rv, cv, mv), [rv + mv, cv * mv, rv + cv]):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_broadcasting_needs_broadcastable_dims():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = tgraph.function([x, y], x + y)
    with pytest.raises(ValueError):
        f(np.ones((1, 3)), np.ones((2, 3)))  # Theano's rule: dim 0 of x is not broadcastable


def test_python_scalars_are_weak_like_numpy_scalars():
    xf = T.fvector("xf")
    xi = T.ivector("xi")
    assert (xf * 2).dtype == "float32"
    assert (xf + 1.5).dtype == "float32"
    assert (xi + 1).dtype == "int32"
    assert (xi * 1.5).dtype == "float64"
    assert (2.0 * xf).dtype == "float32"
    assert (xi / 2).dtype == "float64"
    f = tgraph.function([xf, xi], [xf * 2 + 1, xi + 1, 3 - xi])
    a, b = np.array([1.5, -2], dtype="float32"), np.array([4, 5], dtype="int32")
    out = f(a, b)
    np.testing.assert_array_equal(out[0], a * 2 + 1)
    assert out[0].dtype == np.float32
    np.testing.assert_array_equal(out[1], b + 1)
    np.testing.assert_array_equal(out[2], 3 - b)


def test_numpy_arrays_mix_with_variables():
    x = T.dvector("x")
    c = np.array([1.0, 2.0, 3.0])
    f = tgraph.function([x], [x + c, c * x, c - x])
    v = np.array([0.5, 0.25, 0.125])
    got = f(v)
    for g, w in zip(got, [v + c, c * v, c - v]):
        np.testing.assert_array_equal(g, w)


def test_cast_and_astype():
    x = T.dvector("x")
    f = tgraph.function([x], [T.cast(x, "int32"), x.astype("float32"), x.astype(np.int8)])
    out = f([1.7, -2.7, 300.0])
    assert [o.dtype for o in out] == [np.int32, np.float32, np.int8]
    np.testing.assert_array_equal(out[0], [1, -2, 300])
    np.testing.assert_array_equal(out[2], np.array([1.7, -2.7, 300.0]).astype(np.int8))


def test_theano_aliases():
    x = T.dvector("x")
    v = np.array([-1.5, 0.0, 2.5])
    f = tgraph.function([x], [T.abs_(x), T.sgn(x), T.inv(x + 3), T.int_div(x, 2),
                              T.round(x, "half_away_from_zero"), T.round(x), T.where(x > 0, x, 0)])
    out = f(v)
    np.testing.assert_array_equal(out[0], np.abs(v))
    np.testing.assert_array_equal(out[1], np.sign(v))
    np.testing.assert_allclose(out[2], 1 / (v + 3))
    np.testing.assert_array_equal(out[3], v // 2)
    np.testing.assert_array_equal(out[4], [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(out[5], np.round(v))
    np.testing.assert_array_equal(out[6], np.where(v > 0, v, 0))
