"""Loops from Python: Theano's scan tutorial examples (power A**k, polynomial evaluation,
tanh(x.dot(W) + b) over rows, a sum by reduce, Fibonacci with taps [-2, -1], an until
loop), map/reduce/foldl/foldr, the forms a step may return, shared-variable updates made
inside a step, random draws inside a step, exceptions raised by the step, gradients
(against hand derivatives and verify_grad's central differences for an RNN), and the
Theano module names. References are numpy loops written out here."""
import numpy as np
import pytest

import theano
import theano.tensor as T
import tgraph
from tgraph import function, shared
from tgraph.gradient import verify_grad


def test_power_of_vector_tutorial():
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = theano.scan(fn=lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                                  non_sequences=A, n_steps=k)
    assert isinstance(updates, dict) and len(updates) == 0
    power = theano.function([A, k], result[-1], updates=updates)
    a = np.arange(10, dtype=float)
    np.testing.assert_allclose(power(a, 2), a ** 2)
    np.testing.assert_allclose(power(a, 5), a ** 5)
    allsteps = theano.function([A, k], result)(a, 3)
    np.testing.assert_allclose(allsteps, np.stack([a, a ** 2, a ** 3]))


def test_polynomial_coefficients_tutorial():
    coefficients = T.vector("coefficients")
    x = T.scalar("x")
    max_coefficients_supported = 10000
    components, updates = theano.scan(
        fn=lambda coefficient, power, free_variable: coefficient * (free_variable ** power),
        outputs_info=None,
        sequences=[coefficients, T.arange(max_coefficients_supported)],
        non_sequences=x)
    polynomial = components.sum()
    f = theano.function([coefficients, x], polynomial)
    c = np.asarray([1, 0, 2], dtype=float)
    assert f(c, 3.0) == pytest.approx(1 + 2 * 9)
    c = np.array([0.5, -1.5, 2.0, 0.25])
    assert f(c, -1.3) == pytest.approx(sum(ci * (-1.3) ** i for i, ci in enumerate(c)))


def test_elementwise_tanh_map_tutorial(rng):
    X = T.matrix("X")
    W = T.matrix("W")
    b_sym = T.vector("b_sym")
    results, updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym), sequences=X)
    f = theano.function([X, W, b_sym], results)
    x, w, b = rng.randn(5, 3), rng.randn(3, 4), rng.randn(4)
    np.testing.assert_allclose(f(x, w, b), np.tanh(x.dot(w) + b), rtol=1e-12)
    # the same with theano.map
    m, _ = theano.map(lambda v, W, b: T.tanh(T.dot(v, W) + b), sequences=X, non_sequences=[W, b_sym])
    np.testing.assert_allclose(theano.function([X, W, b_sym], m)(x, w, b), np.tanh(x.dot(w) + b),
                               rtol=1e-12)


def test_sum_by_reduce_and_folds():
    v = T.dvector("v")
    z = T.dscalar("z")
    zero = T.constant(np.float64(0))
    s, upd = theano.reduce(lambda x, acc: acc + x, sequences=v, outputs_info=zero)
    assert s.ndim == 0 and len(upd) == 0
    horner = lambda c, acc, z: acc * z + c
    fl, _ = theano.foldl(horner, sequences=v, outputs_info=zero, non_sequences=z)
    fr, _ = theano.foldr(horner, sequences=v, outputs_info=zero, non_sequences=z)
    f = function([v, z], [s, fl, fr])
    c = np.array([2.0, -1.0, 0.5, 3.0])
    want_l = want_r = 0.0
    for i in range(4):
        want_l = want_l * 1.5 + c[i]
        want_r = want_r * 1.5 + c[3 - i]
    got = f(c, 1.5)
    assert got[0] == pytest.approx(c.sum())
    assert got[1] == pytest.approx(want_l)
    assert got[2] == pytest.approx(want_r)


def test_fibonacci_taps_minus2_minus1():
    n = T.iscalar("n")
    x0 = T.ivector("x0")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info=[{"initial": x0, "taps": [-2, -1]}],
                         n_steps=n)
    f = theano.function([x0, n], fib)
    want = [1, 1]
    for _ in range(10):
        want.append(want[-1] + want[-2])
    got = f(np.array([1, 1], dtype="int32"), 10)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want[2:])


def test_sequence_taps_and_go_backwards():
    x = T.dvector("x")
    # y_t = x[t-1] - 2 x[t] + x[t+1] (a discrete second difference)
    y, _ = theano.scan(lambda a, b, c: a - 2 * b + c, sequences=[{"input": x, "taps": [-1, 0, 1]}])
    r, _ = theano.scan(lambda v: v * 10, sequences=x, go_backwards=True)
    f = function([x], [y, r])
    xv = np.array([1.0, 4.0, 9.0, 16.0, 25.0, 30.0])
    got = f(xv)
    np.testing.assert_allclose(got[0], xv[:-2] - 2 * xv[1:-1] + xv[2:])
    np.testing.assert_allclose(got[1], xv[::-1] * 10)


def test_until_stops_early():
    # powers of two until the value exceeds a limit (Theano's scan_module.until example)
    limit = T.dscalar("limit")
    vals, _ = theano.scan(lambda prev, lim: (prev * 2, theano.scan_module.until(prev * 2 > lim)),
                          outputs_info=T.constant(np.float64(1)), non_sequences=limit, n_steps=1024)
    f = function([limit], vals)
    np.testing.assert_array_equal(f(40.0), [2, 4, 8, 16, 32, 64])
    np.testing.assert_array_equal(f(1.0), [2])
    # the other spellings of until, and until alone with the updates form
    from theano.scan.utils import until
    assert until is theano.scan_module.until is tgraph.until
    with pytest.raises(NotImplementedError, match="until"):
        tgraph.grad(vals.sum(), limit)


def test_several_outputs_none_and_return_list():
    x = T.dvector("x")
    (sq, cum), _ = theano.scan(lambda v, acc: (v * v, acc + v), sequences=x,
                               outputs_info=[None, T.constant(np.float64(0))])
    # outputs_info not given: the number of outputs comes from the step
    (a, b), _ = theano.scan(lambda v: [v + 1, v - 1], sequences=x)
    one, _ = theano.scan(lambda v: v + 1, sequences=x, return_list=True)
    assert isinstance(one, list) and len(one) == 1
    f = function([x], [sq, cum, a, b, one[0]])
    xv = np.array([1.0, 2.0, 3.0])
    got = f(xv)
    np.testing.assert_allclose(got[0], xv ** 2)
    np.testing.assert_allclose(got[1], np.cumsum(xv))
    np.testing.assert_allclose(got[2], xv + 1)
    np.testing.assert_allclose(got[3], xv - 1)
    np.testing.assert_allclose(got[4], xv + 1)
    with pytest.raises(ValueError, match="outputs_info"):
        theano.scan(lambda v, acc: (v * v, acc + v), sequences=x,
                    outputs_info=[T.constant(np.float64(0))])


def test_shared_updates_inside_the_step():
    counter = shared(np.float64(10), name="counter")
    x = T.dvector("x")
    # (outputs, updates) pair: y_t = x_t + counter, counter += 1 each step
    y, updates = theano.scan(lambda v: (v + counter, {counter: counter + 1}), sequences=x)
    assert list(updates.keys()) == [counter] and updates[counter] is not None
    f = function([x], y, updates=updates)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0]), [11, 13, 15])
    assert counter.get_value() == 13
    np.testing.assert_allclose(f([0.0]), [13])
    assert counter.get_value() == 14
    # updates alone: no outputs (None), the loop only moves the shared variable on
    acc = shared(np.float64(0), name="acc")
    out, upd = theano.scan(lambda v: [(acc, acc + v)], sequences=x)
    assert out is None
    g = function([x], [], updates=upd)
    g([1.0, 2.0, 4.0])
    assert acc.get_value() == 7.0
    # compiled without scan's updates, the loop still runs and the counter stays put
    h = function([x], y)
    h([1.0])
    assert counter.get_value() == 14


def test_step_return_forms():
    x = T.dvector("x")
    c = shared(np.float64(0), name="c")
    stop = lambda v: theano.scan_module.until(v > 2)
    forms = [
        lambda v: (v * 2, stop(v)),
        lambda v: ([v * 2], {c: c + 1}, stop(v)),
        lambda v: ({c: c + 1}, stop(v)),
        lambda v: (stop(v), [v * 2]),
    ]
    xv = np.array([1.0, 2.0, 3.0, 4.0])
    for i, form in enumerate(forms):
        c.set_value(0.0)
        out, upd = theano.scan(form, sequences=x)
        f = function([x], out if out is not None else [], updates=upd)
        res = f(xv)
        if out is not None:
            np.testing.assert_allclose(res, [2.0, 4.0, 6.0], err_msg="form %d" % i)
        if upd:
            assert c.get_value() == 3.0, "form %d" % i
    with pytest.raises(ValueError, match="scan step must return"):
        theano.scan(lambda v: (v, "text"), sequences=x)


def test_step_exception_propagates_unchanged():
    x = T.dvector("x")

    class Boom(Exception):
        pass

    def bad(v):
        raise Boom("inside the step")

    with pytest.raises(Boom, match="inside the step"):
        theano.scan(bad, sequences=x)
    with pytest.raises(TypeError):
        theano.scan(lambda v: v + "text", sequences=x)
    # a step calling scan itself (nested loops) and the graph still usable afterwards
    M = T.dmatrix("M")
    rows, _ = theano.scan(lambda r: theano.reduce(lambda e, a: a + e, sequences=r,
                                                  outputs_info=T.constant(np.float64(0)))[0],
                          sequences=M)
    m = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(function([M], rows)(m), m.sum(axis=1))


def test_shapes_dtypes_and_bad_arguments():
    x = T.fmatrix("x")
    y, _ = theano.scan(lambda r: r * 2, sequences=x)
    assert y.dtype == "float32" and y.ndim == 2
    with pytest.raises(ValueError):
        theano.scan(lambda r: r, sequences=[{"taps": [0]}])
    with pytest.raises(TypeError):
        theano.scan(42, sequences=x)
    # n_steps longer than the sequence is a run-time error naming scan
    n = T.iscalar("n")
    z, _ = theano.scan(lambda r: r, sequences=x, n_steps=n)
    f = function([x, n], z)
    assert f(np.ones((3, 2), "float32"), 2).shape == (2, 2)
    with pytest.raises(ValueError, match="(?i)scan"):
        f(np.ones((3, 2), "float32"), 5)


def test_grad_through_scan_matches_hand_derivative():
    # h_t = h_{t-1} * w + x_t; d(sum h)/dw by hand
    x = T.dvector("x")
    w = T.dscalar("w")
    h, _ = theano.scan(lambda xt, hp, w: hp * w + xt, sequences=x,
                       outputs_info=T.constant(np.float64(0)), non_sequences=w)
    gw, gx = theano.grad(h.sum(), [w, x])
    f = function([x, w], [h, gw, gx])
    xv, wv = np.array([0.5, -1.0, 2.0, 0.3]), 0.7
    hs, dh = [], []
    hp, dhp = 0.0, 0.0
    for xt in xv:
        dhp = dhp * wv + hp   # dh_t/dw
        hp = hp * wv + xt
        hs.append(hp)
        dh.append(dhp)
    got = f(xv, wv)
    np.testing.assert_allclose(got[0], hs)
    assert got[1] == pytest.approx(sum(dh))
    # d(sum h)/dx_t = sum_{s>=t} w^(s-t)
    want_gx = [sum(wv ** (s - t) for s in range(t, 4)) for t in range(4)]
    np.testing.assert_allclose(got[2], want_gx)


def test_rnn_gradient_verify_grad(rng):
    T_, B, I, H = 5, 2, 3, 4

    def rnn(X, Wx, Wh, b):
        hs, _ = theano.scan(lambda x_t, h, Wx, Wh, b: T.tanh(T.dot(x_t, Wx) + T.dot(h, Wh) + b),
                            sequences=X, outputs_info=T.zeros((B, H), "float64"),
                            non_sequences=[Wx, Wh, b])
        return (hs ** 2).sum()

    pts = [rng.randn(T_, B, I), rng.randn(I, H) * 0.5, rng.randn(H, H) * 0.5, rng.randn(H) * 0.1]
    verify_grad(rnn, pts, rng=np.random.RandomState(7))
    # a wrong gradient is caught: a hand-broken step (gradient stopped through h)
    def broken(X, Wx, Wh, b):
        hs, _ = theano.scan(lambda x_t, h, Wx, Wh, b: T.tanh(T.dot(x_t, Wx) + T.dot(
            theano.gradient.disconnected_grad(h), Wh) + b), sequences=X,
            outputs_info=T.zeros((B, H), "float64"), non_sequences=[Wx, Wh, b])
        return (hs ** 2).sum()
    with pytest.raises(verify_grad.E_grad):
        verify_grad(broken, pts, rng=np.random.RandomState(7))


def test_truncate_gradient():
    x = T.dvector("x")
    w = T.dscalar("w")
    h, _ = theano.scan(lambda xt, hp, w: hp * w + xt, sequences=x,
                       outputs_info=T.constant(np.float64(0)), non_sequences=w,
                       truncate_gradient=1)
    gx = theano.grad(h[-1], x)
    # with one step of backpropagation only the last input is reached
    np.testing.assert_allclose(function([x, w], gx)(np.ones(4), 0.5), [0, 0, 0, 1])


def test_random_draws_inside_a_step():
    srng = T.shared_randomstreams.RandomStreams(seed=42)
    n = T.iscalar("n")
    draws, updates = theano.scan(lambda: srng.uniform((3,)), n_steps=n)
    assert len(updates) == 1
    f = function([n], draws, updates=updates)
    a, b = f(4), f(4)
    assert a.shape == (4, 3)
    assert len({tuple(r) for r in a}) == 4          # new numbers every step
    assert not np.array_equal(a, b)                  # and every call
    assert (a >= 0).all() and (a < 1).all()


def test_module_names():
    import theano.scan_module
    from theano.scan_module import scan, until  # noqa: F401
    import tgraph.scan
    assert theano.scan is tgraph.scan
    assert theano.scan_module.scan is tgraph.scan.scan
    assert callable(theano.scan) and theano.map is tgraph.map
    assert theano.foldl is tgraph.foldl and theano.foldr is tgraph.foldr


def test_reference_counts_around_scan():
    import sys
    x = T.dvector("x")

    def step(v):
        return v * 2

    def failing(v):
        raise KeyError("no")

    for _ in range(3):  # warm-up
        theano.scan(step, sequences=x)
    before = (sys.getrefcount(step), sys.getrefcount(failing), sys.getrefcount(x))
    for _ in range(50):
        out, upd = theano.scan(step, sequences=x)
        with pytest.raises(KeyError):
            theano.scan(failing, sequences=x)
    del out, upd
    assert (sys.getrefcount(step), sys.getrefcount(failing), sys.getrefcount(x)) == before


def test_rnn_example_trains():
    import os
    import subprocess
    import sys
    from conftest import SRC_DIR
    out = subprocess.run([sys.executable, os.path.join(SRC_DIR, "examples", "rnn_scan.py")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert out.returncode == 0 and "below the threshold" in out.stdout, out.stdout[-2000:]


def test_values_shared_sequences_and_implicit_shared_gradient():
    W = shared(np.arange(6.0).reshape(3, 2), name="W")
    rows, _ = theano.scan(lambda row, acc: acc + row, sequences=W, outputs_info=np.zeros(2))
    np.testing.assert_array_equal(function([], rows)(), np.cumsum(np.arange(6.0).reshape(3, 2), axis=0))
    prods, _ = theano.scan(lambda r, acc: acc * r, sequences=np.array([1.0, 2.0, 3.0]),
                           outputs_info=1.0)
    np.testing.assert_array_equal(function([], prods)(), [1, 2, 6])
    # W used inside the step without being declared: an implicit non-sequence, with a gradient
    x = T.dvector("x")
    y, _ = theano.scan(lambda v: v * (W ** 2).sum(), sequences=x)
    gW = theano.grad(y.sum(), W)
    f = function([x], [y, gW])
    got = f(np.array([1.0, 2.0]))
    np.testing.assert_allclose(got[0], [55.0, 110.0])
    np.testing.assert_allclose(got[1], 2 * 3.0 * np.arange(6.0).reshape(3, 2))
