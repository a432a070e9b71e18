"""The lazy conditional from Python: theano.ifelse.ifelse's values on both branches, lists
of outputs, laziness (a branch that would fail at run time, an out-of-bounds index or an
allocation far beyond memory, is not run when not taken), gradients into the branch
taken, Python numbers beside symbolic values, and the errors of mismatched branches."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.ifelse import ifelse


def test_tutorial_values():
    a, b = T.scalars("a", "b")
    x, y = T.matrices("x", "y")
    z_switch = T.switch(T.lt(a, b), T.mean(x), T.mean(y))
    z_lazy = ifelse(T.lt(a, b), T.mean(x), T.mean(y))
    f_switch = theano.function([a, b, x, y], z_switch)
    f_lazy = theano.function([a, b, x, y], z_lazy)
    xv, yv = np.ones((4, 4)), np.full((4, 4), 3.0)
    assert f_lazy(1, 2, xv, yv) == 1.0
    assert f_lazy(2, 1, xv, yv) == 3.0
    assert f_switch(1, 2, xv, yv) == f_lazy(1, 2, xv, yv)


def test_lists_of_outputs_and_number_branches():
    c = T.iscalar("c")
    u, v = T.dvectors("u", "v")
    outs = ifelse(c, [u, v * 2], [v, u * 2])
    assert isinstance(outs, list) and len(outs) == 2
    f = theano.function([c, u, v], outs)
    uv, vv = np.array([1.0, 2.0]), np.array([5.0, 7.0])
    r1, r0 = f(1, uv, vv), f(0, uv, vv)
    np.testing.assert_array_equal(r1[0], uv)
    np.testing.assert_array_equal(r1[1], vv * 2)
    np.testing.assert_array_equal(r0[0], vv)
    np.testing.assert_array_equal(r0[1], uv * 2)
    s = T.dscalar("s")
    g = theano.function([c, s], ifelse(c, s * 3, 0))   # 0 takes s's dtype
    assert g(1, 2.0) == 6.0 and g(0, 2.0) == 0.0
    # a condition of another dtype: nonzero is true
    h = theano.function([s], ifelse(s, T.constant(np.float64(1)), T.constant(np.float64(-1))))
    assert h(0.5) == 1.0 and h(0.0) == -1.0


def test_branch_not_taken_is_not_run():
    x = T.dvector("x")
    c = T.iscalar("c")
    i = T.iscalar("i")
    # the then branch indexes out of bounds whenever i is too large
    f = theano.function([c, x, i], ifelse(c, x[i], x[0]))
    xv = np.array([3.0, 4.0, 5.0])
    assert f(0, xv, 10) == 3.0
    assert f(1, xv, 2) == 5.0
    with pytest.raises((IndexError, ValueError)):
        f(1, xv, 10)
    # an allocation of 8 * 10**14 bytes in the branch not taken
    n = T.lscalar("n")
    big = T.alloc(np.float64(1.0), n, n).sum()
    g = theano.function([c, n, x], ifelse(c, big, x.sum()))
    assert g(0, 10 ** 7, xv) == 12.0
    assert g(1, 3, xv) == 9.0


def test_gradient_flows_into_the_taken_branch():
    x = T.dscalar("x")
    c = T.iscalar("c")
    y = ifelse(c, x ** 2, x ** 3)
    gx = theano.grad(y, x)
    f = theano.function([c, x], gx)
    assert f(1, 3.0) == pytest.approx(6.0)
    assert f(0, 3.0) == pytest.approx(27.0)
    w = T.dvector("w")
    cost = ifelse(c, (w ** 2).sum(), w.sum() * 0)
    gw = theano.function([c, w], theano.grad(cost, w))
    np.testing.assert_allclose(gw(1, np.array([1.0, -2.0])), [2.0, -4.0])
    np.testing.assert_allclose(gw(0, np.array([1.0, -2.0])), [0.0, 0.0])


def test_errors():
    c = T.iscalar("c")
    with pytest.raises(TypeError):
        ifelse(c, T.dvector("a"), T.ivector("b"))       # dtypes differ
    with pytest.raises((TypeError, ValueError)):
        ifelse(c, T.dvector("a"), T.dmatrix("b"))       # ranks differ
    with pytest.raises(ValueError):
        ifelse(c, [T.dscalar("a")], [T.dscalar("b"), T.dscalar("d")])
    with pytest.raises(ValueError):
        ifelse(c, [T.dscalar("a")], T.dscalar("b"))
    with pytest.raises((TypeError, ValueError)):
        ifelse(T.dvector("v"), T.dscalar("a"), T.dscalar("b"))  # condition not 0-d


def test_ifelse_inside_a_scan_step():
    x = T.dvector("x")
    y, _ = theano.scan(lambda v: ifelse(T.gt(v, 0), v * 2, -v), sequences=x)
    f = theano.function([x], [y, theano.grad(y.sum(), x)])
    got = f(np.array([1.0, -2.0, 3.0]))
    np.testing.assert_array_equal(got[0], [2.0, 2.0, 6.0])
    np.testing.assert_array_equal(got[1], [2.0, -1.0, 2.0])
