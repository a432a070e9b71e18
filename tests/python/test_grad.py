"""Gradients from Python: tgraph.grad on hand-derived cases, verify_grad (central
differences) over the differentiable ops, jacobian, hessian, Lop/Rop, the gradient
identities, and Theano's logistic-regression tutorial trained with T.grad."""
import numpy as np
import pytest

import tgraph
import tgraph.tensor as T
from tgraph import function, shared
from tgraph.gradient import verify_grad, GradientError
from tgraph.tensor import nnet, nlinalg


def test_grad_of_square():
    x = T.dscalar("x")
    y = x ** 2
    gy = T.grad(y, x)
    f = function([x], gy)
    assert f(4) == 8.0
    assert np.isclose(f(94.2), 188.4)


def test_grad_of_logistic_sum():
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    gs = T.grad(s, x)
    v = np.array([[0, 1], [-1, -2]], dtype=float)
    sig = 1 / (1 + np.exp(-v))
    np.testing.assert_allclose(function([x], gs)(v), sig * (1 - sig), rtol=1e-12)


def test_grad_lists_names_and_disconnected():
    x, y = T.dscalars("x", "y")
    cost = x * y + x
    cost.name = "cost"
    gx, gy = tgraph.grad(cost, [x, y])
    assert gx.name == "(dcost/dx)"
    np.testing.assert_array_equal(function([x, y], [gx, gy])(2.0, 3.0), [4.0, 2.0])
    z = T.dscalar("z")
    with pytest.raises(ValueError, match="z"):
        tgraph.grad(cost, z)
    gz = tgraph.grad(cost, z, disconnected_inputs="ignore")
    assert function([z], gz, on_unused_input="ignore")(1.0) == 0.0
    assert tgraph.grad(cost, [z], disconnected_inputs="ignore", return_disconnected="None") == [None]
    gc = tgraph.grad(x * T.disconnected_grad(y * x), x)
    assert function([x, y], gc)(2.0, 3.0) == 6.0
    gcc = tgraph.grad(x * (y * x), x, consider_constant=[y * x])
    assert function([x, y], gcc, on_unused_input="ignore")(2.0, 3.0) == 12.0  # y*x is a new node
    g0 = tgraph.grad(T.zero_grad(x) * 3, x)
    assert function([x], g0, on_unused_input="ignore")(1.0) == 0.0


def test_known_grads():
    x = T.dvector("x")
    y = x * 2
    g = tgraph.grad(None, x, known_grads={y: T.ones_like(y)})
    np.testing.assert_array_equal(function([x], g)([1.0, 2.0]), [2.0, 2.0])


UNARY_FLOAT = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "log1p",
               "arctan", "erf", "gammaln", "sqr", "expm1", "arcsinh", "reciprocal"]


@pytest.mark.parametrize("name", UNARY_FLOAT)
def test_verify_grad_elemwise(name, rng):
    verify_grad(getattr(T, name), [rng.rand(3, 4) + 0.5], rng=rng)


@pytest.mark.parametrize("fn", [
    lambda a, b: a * b + a / b, lambda a, b: a ** b, lambda a, b: T.maximum(a, b),
    lambda a, b: T.dot(a, b.T), lambda a, b: T.arctan2(a, b), lambda a, b: T.switch(a > b, a, b * 2),
])
def test_verify_grad_binary(fn, rng):
    verify_grad(fn, [rng.rand(3, 4) + 0.5, rng.rand(3, 4) + 0.5], rng=rng)


@pytest.mark.parametrize("fn", [
    lambda x: x.sum(axis=0), lambda x: x.mean(axis=1), lambda x: x.prod(), lambda x: x.max(axis=1),
    lambda x: T.logsumexp(x, axis=1), lambda x: x.var(axis=0), lambda x: x.std(),
    lambda x: nnet.softmax(x), lambda x: nnet.log_softmax(x), lambda x: nnet.relu(x - 0.9),
    lambda x: x.reshape((4, 3)), lambda x: x.T, lambda x: x[1:, ::2], lambda x: x[[0, 2, 2]],
    lambda x: T.concatenate([x, x * 2], axis=1), lambda x: T.set_subtensor(x[0], 1.0),
    lambda x: T.inc_subtensor(x[:, 1], x[:, 2]), lambda x: T.cumsum(x, axis=1),
    lambda x: T.sort(x, axis=1), lambda x: x.dimshuffle(1, "x", 0),
    lambda x: nlinalg.matrix_inverse(T.dot(x, x.T) + T.eye(3)),
    lambda x: nlinalg.det(T.dot(x, x.T) + T.eye(3)),
])
def test_verify_grad_ops(fn, rng):
    verify_grad(fn, [rng.rand(3, 4) + 0.1], rng=rng)


def test_verify_grad_float32(rng):
    verify_grad(lambda x: T.tanh(x) * 2, [rng.rand(3).astype("float32")], rng=rng)


def test_verify_grad_catches_a_wrong_gradient(rng):
    # grad_scale keeps the value but doubles the gradient: verify_grad must object
    with pytest.raises(GradientError):
        verify_grad(lambda x: tgraph.gradient.grad_scale(x, 2.0) ** 2, [rng.rand(3)], rng=rng)
    assert verify_grad.E_grad is GradientError
    with pytest.raises(TypeError):
        verify_grad(lambda x: x, [np.arange(3)])


def test_jacobian_and_hessian():
    x = T.TensorType("float64", shape=(3,))("x")
    y = x ** 2
    J = tgraph.gradient.jacobian(y, x)
    np.testing.assert_allclose(function([x], J)([1.0, 2.0, 3.0]), np.diag([2.0, 4.0, 6.0]))
    cost = (x ** 3).sum()
    H = tgraph.gradient.hessian(cost, x)
    np.testing.assert_allclose(function([x], H)([1.0, 2.0, 3.0]), np.diag([6.0, 12.0, 18.0]))


def test_lop_rop(rng):
    W = T.dmatrix("W")
    v = T.dvector("v")
    y = T.dot(W, v)
    ev = T.dvector("ev")
    u = T.dvector("u")
    lop = tgraph.gradient.Lop(y, v, u)   # u^T d(Wv)/dv = W^T u
    rop = tgraph.gradient.Rop(y, v, ev)  # d(Wv)/dv ev = W ev
    Wv, vv, uv, evv = rng.randn(3, 4), rng.randn(4), rng.randn(3), rng.randn(4)
    gl, gr = function([W, v, u, ev], [lop, rop], on_unused_input="ignore")(Wv, vv, uv, evv)
    np.testing.assert_allclose(gl, Wv.T @ uv, rtol=1e-12)
    np.testing.assert_allclose(gr, Wv @ evv, rtol=1e-12)


def test_grad_clip():
    x = T.dscalar("x")
    g = tgraph.grad(tgraph.gradient.grad_clip(x, -1.0, 1.0) * 5, x)
    assert function([x], g, on_unused_input="ignore")(0.0) == 1.0


def test_logistic_regression_tutorial():
    rng = np.random.RandomState(22)
    N, feats = 400, 20
    data = rng.randn(N, feats)
    D = (data, (data @ rng.randn(feats) > 0).astype("int64"))  # separable labels
    training_steps = 500
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = shared(rng.randn(feats), name="w")
    b = shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = function(inputs=[x, y], outputs=[prediction, xent],
                     updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
    predict = function(inputs=[x], outputs=prediction)
    # the same training in numpy, step by step
    wn, bn = w.get_value(), float(b.get_value())
    for _ in range(training_steps):
        pred, err = train(D[0], D[1])
        p = 1 / (1 + np.exp(-(D[0] @ wn) - bn))
        gwn = D[0].T @ (p - D[1]) / N + 0.02 * wn
        gbn = np.mean(p - D[1])
        wn, bn = wn - 0.1 * gwn, bn - 0.1 * gbn
    np.testing.assert_allclose(w.get_value(), wn, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.get_value(), bn, rtol=1e-9, atol=1e-12)
    accuracy = np.mean(predict(D[0]) == D[1])
    assert accuracy > 0.9
    assert pred.dtype == np.bool_ and err.shape == (N,)


def test_mlp_example_learns_the_spirals():
    import os
    import sys
    from conftest import SRC_DIR
    sys.path.insert(0, os.path.join(SRC_DIR, "examples"))
    try:
        import mlp
    finally:
        sys.path.pop(0)
    assert mlp.main(500) > 0.9
