"""The non-elementwise ops from Python against numpy: reductions, shape ops, creation,
indexing (basic, advanced, masks, set/inc_subtensor), linear algebra, nnet and the extra
ops; and that build-time errors come back as Python exceptions with tgraph's message."""
import math

import numpy as np
import pytest

import tgraph
import tgraph.tensor as T
from tgraph.tensor import nnet, nlinalg, slinalg, extra_ops
from conftest import REF_SPECIAL


def run(inputs, outputs, *values):
    return tgraph.function(inputs, outputs)(*values)


# ---- reductions ----

RED = {
    "sum": np.sum, "prod": np.prod, "mean": np.mean, "max": np.max, "min": np.min,
    "argmax": None, "argmin": None, "all": np.all, "any": np.any,
    "var": np.var, "std": np.std,
    "logsumexp": lambda a, axis=None, keepdims=False: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
}


@pytest.mark.parametrize("name", sorted(RED))
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(name, axis, keepdims, rng):
    a = rng.randn(3, 4)
    if name in ("all", "any"):
        a = (a > 0.3).astype("float64")
    x = T.dmatrix("x")
    if name in ("argmax", "argmin"):
        if isinstance(axis, tuple):
            pytest.skip("numpy's argmax takes one axis")
        want = getattr(np, name)(a, axis=axis, keepdims=keepdims) if keepdims or axis is not None \
            else getattr(np, name)(a)
    else:
        want = RED[name](a, axis=axis, keepdims=keepdims)
    got = run([x], getattr(T, name)(x, axis=axis, keepdims=keepdims), a)
    want = np.asarray(want)
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reduction_methods_and_dtypes(rng):
    a = rng.randint(-5, 5, (2, 3)).astype("int32")
    x = T.imatrix("x")
    out = run([x], [x.sum(), x.sum(axis=0), x.mean(axis=1), x.max(), x.prod(axis=1), x.argmax(axis=1),
                    x.var(ddof=1), x.std(axis=0), x.sum(dtype="float32")], a)
    want = [a.sum(), a.sum(axis=0), a.mean(axis=1), a.max(), a.prod(axis=1), a.argmax(axis=1),
            a.var(ddof=1), a.std(axis=0), np.float32(a.sum())]
    for g, w in zip(out, want):
        assert g.dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_max_and_argmax(rng):
    a = rng.randn(3, 5)
    x = T.dmatrix()
    m, i = T.max_and_argmax(x, axis=1)
    gm, gi = run([x], [m, i], a)
    np.testing.assert_array_equal(gm, a.max(axis=1))
    np.testing.assert_array_equal(gi, a.argmax(axis=1))


# ---- shapes ----

def test_shape_ops(rng):
    a = rng.randn(2, 3, 4)
    x = T.dtensor3("x")
    outs = {
        "reshape": (x.reshape((6, 4)), a.reshape(6, 4)),
        "reshape -1": (x.reshape((-1, 2)), a.reshape(-1, 2)),
        "reshape symbolic": (x.reshape((x.shape[0], -1)), a.reshape(2, -1)),
        "flatten": (x.flatten(), a.flatten()),
        "flatten 2": (x.flatten(2), a.reshape(2, -1)),
        "dimshuffle": (x.dimshuffle(2, "x", 0, 1), a.transpose(2, 0, 1)[:, None]),
        "dimshuffle tuple": (x.dimshuffle((1, 0, 2)), a.transpose(1, 0, 2)),
        "T": (x.T, a.T),
        "transpose axes": (x.transpose(1, 2, 0), a.transpose(1, 2, 0)),
        "swapaxes": (T.swapaxes(x, 0, 2), a.swapaxes(0, 2)),
        "expand_dims": (T.expand_dims(x, 1), a[:, None]),
        "shape": (x.shape, np.array(a.shape)),
        "concatenate": (T.concatenate([x, x * 2], axis=1), np.concatenate([a, a * 2], axis=1)),
        "join": (T.join(0, x, x), np.concatenate([a, a])),
        "stack": (T.stack([x, x + 1], axis=1), np.stack([a, a + 1], axis=1)),
        "stack old form": (T.stack(x, x), np.stack([a, a])),
        "shape_padleft": (T.shape_padleft(x), a[None]),
        "shape_padright": (T.shape_padright(x, 2), a[..., None, None]),
    }
    got = run([x], [e for e, _ in outs.values()], a)
    for (label, (_, want)), g in zip(outs.items(), got):
        assert g.shape == want.shape, label
        np.testing.assert_array_equal(g, want, err_msg=label)


def test_squeeze_split_and_shape_values(rng):
    c = T.dcol("c")
    a = rng.randn(4, 1)
    np.testing.assert_array_equal(run([c], T.squeeze(c), a), a[:, 0])
    v = T.dvector("v")
    p = T.split(v, [1, 3], 2)
    got = run([v], list(p), np.arange(4.0))
    np.testing.assert_array_equal(got[0], [0.0])
    np.testing.assert_array_equal(got[1], [1.0, 2.0, 3.0])
    assert tuple(T.specify_shape(v, (4,)).static_shape) == (4,)
    with pytest.raises(ValueError):
        run([v], T.specify_shape(v, (3,)), np.zeros(4))


def test_creation_ops():
    n = T.lscalar("n")
    outs = run([n], [T.zeros((n, 2)), T.ones((2, n), dtype="int32"), T.full((2, 2), 7.0),
                     T.arange(n), T.arange(1, n, 2), T.arange(0.0, 1.0, 0.25),
                     T.linspace(0, 1, 5), T.eye(n), T.eye(n, 4, 1, dtype="int8"), T.tri(n),
                     T.alloc(3.0, n, 2)], 3)
    want = [np.zeros((3, 2)), np.ones((2, 3), dtype="int32"), np.full((2, 2), 7.0), np.arange(3),
            np.arange(1, 3, 2), np.arange(0.0, 1.0, 0.25), np.linspace(0, 1, 5), np.eye(3),
            np.eye(3, 4, 1, dtype="int8"), np.tri(3), np.full((3, 2), 3.0)]
    for g, w in zip(outs, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_like_ops_and_triangles(rng):
    a = rng.randn(4, 4)
    x = T.dmatrix("x")
    outs = run([x], [T.zeros_like(x), T.ones_like(x), T.fill(x, 2.0), T.tril(x), T.triu(x, 1),
                     T.diag(x), T.diag(T.diag(x)), T.diagonal(x, 1), T.trace(x)], a)
    want = [np.zeros_like(a), np.ones_like(a), np.full_like(a, 2.0), np.tril(a), np.triu(a, 1),
            np.diag(a), np.diag(np.diag(a)), np.diagonal(a, 1), np.trace(a)]
    for g, w in zip(outs, want):
        np.testing.assert_allclose(g, w, rtol=1e-15)


# ---- indexing ----

def test_basic_and_advanced_indexing(rng):
    a = rng.randn(5, 6)
    x = T.dmatrix("x")
    i = T.lscalar("i")
    iv = T.lvector("iv")
    cases = {
        "x[1:3]": (x[1:3], a[1:3]),
        "x[::-1, 1]": (x[::-1, 1], a[::-1, 1]),
        "x[None, :, 0]": (x[None, :, 0], a[None, :, 0]),
        "x[..., -1]": (x[..., -1], a[..., -1]),
        "x[1, 2]": (x[1, 2], a[1, 2]),
        "x[i]": (x[i], a[2]),
        "x[i:]": (x[i:, i], a[2:, 2]),
        "x[[0, 2, 2]]": (x[[0, 2, 2]], a[[0, 2, 2]]),
        "x[:, [1, -1]]": (x[:, [1, -1]], a[:, [1, -1]]),
        "x[iv]": (x[iv], a[[4, 0]]),
        "x[x > 0]": (x[x > 0], a[a > 0]),
        "x[np mask]": (x[np.array([True, False, True, False, False])], a[[0, 2]]),
        "x[[0, 1], [2, 3]]": (x[[0, 1], [2, 3]], a[[0, 1], [2, 3]]),
        "take": (T.take(x, [1, 3], axis=1), np.take(a, [1, 3], axis=1)),
        "take flat": (T.take(x, [1, 7]), np.take(a, [1, 7])),
    }
    f = tgraph.function([x, i, iv], [e for e, _ in cases.values()], on_unused_input="ignore")
    for (label, (_, want)), g in zip(cases.items(), f(a, 2, [4, 0])):
        assert g.shape == want.shape, label
        np.testing.assert_array_equal(g, want, err_msg=label)


def test_iterating_over_a_static_length():
    x = T.dmatrix("x")
    rows, cols = x.shape
    np.testing.assert_array_equal(run([x], [rows, cols], np.zeros((2, 5))), [2, 5])
    with pytest.raises(TypeError):
        iter(T.dvector("v"))


def test_set_and_inc_subtensor(rng):
    a = rng.randn(4, 3)
    x = T.dmatrix("x")
    y = T.dvector("y")
    s1 = T.set_subtensor(x[1:3, 0], y[:2])
    s2 = T.inc_subtensor(x[[0, 0, 3]], 1.0)
    s3 = x[:, 1].set(0)
    s4 = x[x < 0].inc(10)
    g1, g2, g3, g4 = run([x, y], [s1, s2, s3, s4], a, np.array([7.0, 8.0, 9.0]))
    w1 = a.copy(); w1[1:3, 0] = [7, 8]
    w2 = a.copy(); np.add.at(w2, [0, 0, 3], 1.0)
    w3 = a.copy(); w3[:, 1] = 0
    w4 = a.copy(); w4[a < 0] += 10
    for g, w in zip([g1, g2, g3, g4], [w1, w2, w3, w4]):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(TypeError, match="indexed variable"):
        T.set_subtensor(x, 1.0)


def test_index_errors():
    x = T.dmatrix("x")
    f = tgraph.function([x], x[:, 7])
    with pytest.raises(ValueError, match="out of bounds"):
        f(np.zeros((2, 3)))
    with pytest.raises(TypeError):
        x[1.5]


# ---- linear algebra ----

def test_products(rng):
    a, b, v, w = rng.randn(3, 4), rng.randn(4, 2), rng.randn(4), rng.randn(4)
    t1, t2 = rng.randn(2, 3, 4), rng.randn(2, 4, 5)
    A, B, V, W = T.dmatrix(), T.dmatrix(), T.dvector(), T.dvector()
    X, Y = T.dtensor3(), T.dtensor3()
    outs = run([A, B, V, W, X, Y],
               [T.dot(A, B), T.dot(A, V), T.dot(V, W), A @ B, T.outer(V, W),
                T.tensordot(X, Y, [[2], [1]]), T.tensordot(A, B, 1), T.batched_dot(X, Y),
                X @ Y, A.dot(B)], a, b, v, w, t1, t2)
    want = [a @ b, a @ v, v @ w, a @ b, np.outer(v, w), np.tensordot(t1, t2, [[2], [1]]),
            np.tensordot(a, b, 1), np.einsum("bij,bjk->bik", t1, t2), t1 @ t2, a @ b]
    for g, wv in zip(outs, want):
        np.testing.assert_allclose(g, wv, rtol=1e-12, atol=1e-12)


def test_lapack_ops(rng):
    m = rng.randn(4, 4)
    spd = m @ m.T + 4 * np.eye(4)
    bv = rng.randn(4)
    M, S, Bv = T.dmatrix("M"), T.dmatrix("S"), T.dvector("b")
    sign, logdet = nlinalg.slogdet(M)
    w, vecs = nlinalg.eigh(S)
    u, s, vt = nlinalg.svd(M)
    q, r = nlinalg.qr(M)
    outs = run([M, S, Bv], [nlinalg.matrix_inverse(M), nlinalg.det(M), sign, logdet,
                            slinalg.solve(M, Bv), slinalg.cholesky(S), w, vecs, s,
                            nlinalg.svd(M, compute_uv=False), u @ T.diag(s) @ vt, q @ r,
                            nlinalg.pinv(M), nlinalg.norm(M), nlinalg.norm(Bv, 1),
                            nlinalg.norm(M, "nuc"), nlinalg.norm(M, np.inf),
                            nlinalg.matrix_power(M, 3)], m, spd, bv)
    s_np, l_np = np.linalg.slogdet(m)
    want = [np.linalg.inv(m), np.linalg.det(m), s_np, l_np, np.linalg.solve(m, bv),
            np.linalg.cholesky(spd), np.linalg.eigh(spd)[0], None,
            np.linalg.svd(m, compute_uv=False), np.linalg.svd(m, compute_uv=False), m, m,
            np.linalg.pinv(m), np.linalg.norm(m), np.linalg.norm(bv, 1), np.linalg.norm(m, "nuc"),
            np.linalg.norm(m, np.inf), m @ m @ m]
    for k, (g, wv) in enumerate(zip(outs, want)):
        if wv is None:  # eigenvectors: S v = v diag(w)
            np.testing.assert_allclose(spd @ g, g * outs[6], rtol=1e-9, atol=1e-9)
        else:
            np.testing.assert_allclose(g, wv, rtol=1e-9, atol=1e-9, err_msg=str(k))


def test_singular_matrix_is_a_value_error():
    M = T.dmatrix("M")
    f = tgraph.function([M], nlinalg.matrix_inverse(M))
    with pytest.raises(ValueError, match="singular"):
        f(np.zeros((2, 2)))


# ---- nnet ----

def test_nnet_ops(rng):
    a = rng.randn(3, 5)
    p = rng.rand(3, 5) * 0.8 + 0.1
    t = (rng.rand(3, 5) > 0.5).astype("float64")
    labels = np.array([0, 4, 2])
    X, P, Tt, L = T.dmatrix(), T.dmatrix(), T.dmatrix(), T.lvector()
    sm = np.exp(a - a.max(axis=1, keepdims=True))
    sm /= sm.sum(axis=1, keepdims=True)
    erf = REF_SPECIAL["erf"]
    outs = run([X, P, Tt, L], [nnet.sigmoid(X), nnet.softplus(X), nnet.softmax(X),
                               nnet.log_softmax(X), nnet.relu(X), nnet.relu(X, 0.1), nnet.elu(X),
                               nnet.gelu(X), nnet.categorical_crossentropy(P, L),
                               nnet.categorical_crossentropy(P, Tt),
                               nnet.binary_crossentropy(P, Tt),
                               nnet.sigmoid_binary_crossentropy(X, Tt), nnet.to_one_hot(L, 5),
                               nnet.hard_sigmoid(X), T.nnet.softmax(X, axis=0)], a, p, t, labels)
    want = [1 / (1 + np.exp(-a)), np.logaddexp(0, a), sm, np.log(sm), np.maximum(a, 0),
            np.where(a > 0, a, 0.1 * a), np.where(a > 0, a, np.expm1(a)),
            0.5 * a * (1 + erf(a / math.sqrt(2))), -np.log(p[np.arange(3), labels]),
            -np.sum(t * np.log(p), axis=-1), -(t * np.log(p) + (1 - t) * np.log(1 - p)),
            -(t * np.log(1 / (1 + np.exp(-a))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-a)))),
            np.eye(5)[labels], np.clip(0.2 * a + 0.5, 0, 1),
            np.exp(a) / np.exp(a).sum(axis=0)]
    for k, (g, w) in enumerate(zip(outs, want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=str(k))


# ---- extra ops ----

def test_extra_ops(rng):
    a = rng.randn(3, 4)
    v = np.array([3.0, 1.0, 2.0, 1.0, 5.0])
    iv = np.array([0, 2, 2, 5, 1])
    X, V, I = T.dmatrix(), T.dvector(), T.lvector()
    u, cnt = extra_ops.unique(V, return_counts=True)
    outs = run([X, V, I], [extra_ops.cumsum(X, axis=1), extra_ops.cumsum(X), T.cumprod(X, axis=0),
                           extra_ops.diff(X), extra_ops.diff(V, n=2), T.sort(X), T.sort(X, axis=0),
                           T.argsort(V), extra_ops.searchsorted(T.sort(V), V),
                           extra_ops.searchsorted(T.sort(V), V, side="right"), u, cnt,
                           extra_ops.repeat(V, 2), T.repeat(X, I[:3], axis=0), T.tile(X, (2, 1)),
                           T.roll(V, 2), T.roll(X, -1, axis=1), T.flip(X), T.flip(X, 0),
                           T.nonzero(X > 0)[1], T.flatnonzero(V > 1.5), extra_ops.bincount(I),
                           extra_ops.bincount(I, V, minlength=8)], a, v, iv)
    want = [np.cumsum(a, axis=1), np.cumsum(a), np.cumprod(a, axis=0), np.diff(a),
            np.diff(v, n=2), np.sort(a), np.sort(a, axis=0), np.argsort(v, kind="stable"),
            np.searchsorted(np.sort(v), v), np.searchsorted(np.sort(v), v, side="right"),
            np.unique(v), np.unique(v, return_counts=True)[1], np.repeat(v, 2),
            np.repeat(a, iv[:3], axis=0), np.tile(a, (2, 1)), np.roll(v, 2), np.roll(a, -1, axis=1),
            np.flip(a), np.flip(a, 0), np.nonzero(a > 0)[1], np.flatnonzero(v > 1.5),
            np.bincount(iv), np.bincount(iv, v, minlength=8)]
    for k, (g, w) in enumerate(zip(outs, want)):
        assert g.shape == w.shape, k
        np.testing.assert_allclose(g, w, rtol=1e-12, err_msg=str(k))


# ---- errors ----

def test_build_errors_are_python_exceptions_with_the_message():
    a, b = T.dmatrix("a"), T.dvector("b")
    with pytest.raises(TypeError, match="concatenate: input 1 has rank 1 but input 0 has rank 2"):
        T.concatenate([a, b])
    with pytest.raises(TypeError):
        T.sin(T.bvector() > 0) & 1.5
    c = T.TensorType("float64", shape=(2, 3))("c")
    d = T.TensorType("float64", shape=(4, 5))("d")
    with pytest.raises((TypeError, ValueError), match="dot"):
        T.dot(c, d)
    with pytest.raises(ValueError, match="axis"):
        T.sum(a, axis=5)
    # the graph goes on working after an error
    np.testing.assert_array_equal(run([a], a + 1, [[1.0]]), [[2.0]])


def test_run_time_errors(rng):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    f = tgraph.function([a, b], T.dot(a, b))
    with pytest.raises(ValueError, match="dot"):
        f(np.zeros((2, 3)), np.zeros((4, 2)))
    g = tgraph.function([a], a.max())
    with pytest.raises(ValueError):
        g(np.zeros((0, 3)))
