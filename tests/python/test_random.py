"""Random streams from Python: Theano's RandomStreams (the tutorial's fresh numbers on every
call, no_default_updates, re-seeding), every distribution's sample mean and variance
against the distribution's own (within several standard errors, at a fixed seed),
support and invariants (integer ranges, multinomial sums, permutations, choice without
replacement), symbolic sizes, dtypes, MRG_RandomStreams and the pytensor-style
RandomStream."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams
from theano.sandbox.rng_mrg import MRG_RandomStreams
from tgraph.tensor.random import RandomStream

N = 200000


def check_moments(x, mean, var, k=5.0):
    """Sample mean within k standard errors of mean, sample variance within 5%."""
    x = np.asarray(x, dtype=np.float64)
    se = np.sqrt(var / x.size)
    assert abs(x.mean() - mean) < k * se, (x.mean(), mean, se)
    assert x.var() == pytest.approx(var, rel=0.05)


def test_tutorial_fresh_numbers_and_no_default_updates():
    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    rv_n = srng.normal((2, 2))
    f = theano.function([], rv_u)
    g = theano.function([], rv_n, no_default_updates=True)
    nearly_zeros = theano.function([], rv_u + rv_u - 2 * rv_u)
    f1, f2 = f(), f()
    assert f1.shape == (2, 2) and not np.array_equal(f1, f2)
    np.testing.assert_array_equal(g(), g())      # the state is not moved on
    np.testing.assert_allclose(nearly_zeros(), 0, atol=1e-15)  # one draw per call
    # the draw's state: a shared variable and its default update
    assert rv_u.rng.get_value().size > 0
    assert rv_u.update[0] is rv_u.rng
    assert [u[0] for u in srng.updates()] == [rv_u.rng, rv_n.rng]


def test_reseed_reproduces():
    srng = RandomStreams(seed=7)
    u = srng.uniform((5,))
    n = srng.normal((3,))
    f = theano.function([], [u, n])
    a1, a2 = f(), f()
    srng.seed(7)
    b1, b2 = f(), f()
    for x, y in zip(a1 + a2, b1 + b2):
        np.testing.assert_array_equal(x, y)
    srng.seed(8)
    c1 = f()
    assert not np.array_equal(c1[0], a1[0])
    srng.seed()  # back to the seed it was made with
    np.testing.assert_array_equal(f()[0], a1[0])
    # two streams with one seed give the same numbers
    other = RandomStreams(seed=7)
    np.testing.assert_array_equal(theano.function([], other.uniform((5,)))(), a1[0])


def test_no_default_updates_list():
    srng = RandomStreams(seed=3)
    a = srng.uniform((4,))
    b = srng.uniform((4,))
    f = theano.function([], [a, b], no_default_updates=[a.rng])
    x1, y1 = f()
    x2, y2 = f()
    np.testing.assert_array_equal(x1, x2)   # a's state kept
    assert not np.array_equal(y1, y2)       # b's moved on


def test_uniform_normal_moments():
    srng = RandomStreams(seed=1234)
    f = theano.function([], [srng.uniform((N,), low=2.0, high=5.0), srng.normal((N,), avg=1.0, std=2.0)])
    u, n = f()
    assert u.dtype == np.float64 and u.min() >= 2.0 and u.max() < 5.0
    check_moments(u, 3.5, 0.75)
    check_moments(n, 1.0, 4.0)
    # float32 draws stay in range
    u32 = theano.function([], srng.uniform((1000,), low=-1, high=1, dtype="float32"))()
    assert u32.dtype == np.float32 and u32.min() >= -1 and u32.max() < 1


def test_discrete_moments_and_support():
    srng = RandomStreams(seed=99)
    draws = theano.function([], [
        srng.binomial((N,), n=10, p=0.3),
        srng.random_integers((N,), low=1, high=6),
        srng.integers((N,), low=-2, high=3),
        srng.poisson((N,), lam=4.0),
        srng.bernoulli((N,), p=0.25),
    ])()
    b, ri, it, po, be = draws
    assert b.dtype == np.int64 and b.min() >= 0 and b.max() <= 10
    check_moments(b, 3.0, 2.1)
    assert set(np.unique(ri)) == {1, 2, 3, 4, 5, 6}  # both ends included
    check_moments(ri, 3.5, 35 / 12)
    assert set(np.unique(it)) == {-2, -1, 0, 1, 2}    # high excluded
    check_moments(it, 0.0, 2.0)
    check_moments(po, 4.0, 4.0)
    assert set(np.unique(be)) == {0, 1}
    check_moments(be, 0.25, 0.1875)


def test_gamma_beta_moments():
    srng = RandomStreams(seed=5)
    g, bt = theano.function([], [srng.gamma((N,), shape=2.0, scale=1.5), srng.beta((N,), a=2.0, b=3.0)])()
    assert g.min() > 0
    check_moments(g, 3.0, 4.5)
    assert bt.min() > 0 and bt.max() < 1
    check_moments(bt, 0.4, 0.04)


def test_multinomial_choice_permutation():
    srng = RandomStreams(seed=11)
    m = theano.function([], srng.multinomial((20000,), n=10, pvals=[0.2, 0.3, 0.5]))()
    assert m.shape == (20000, 3)
    np.testing.assert_array_equal(m.sum(axis=1), 10)
    np.testing.assert_allclose(m.mean(axis=0), [2, 3, 5], atol=0.05)
    perm = theano.function([], srng.permutation(n=8))
    p1, p2 = perm(), perm()
    np.testing.assert_array_equal(np.sort(p1), np.arange(8))
    assert not np.array_equal(p1, p2)
    c = theano.function([], srng.choice((6,), a=6, replace=False))()
    np.testing.assert_array_equal(np.sort(c), np.arange(6))
    cp = theano.function([], srng.choice((N,), a=3, p=[0.1, 0.2, 0.7]))()
    np.testing.assert_allclose(np.bincount(cp) / N, [0.1, 0.2, 0.7], atol=0.005)
    cv = theano.function([], srng.choice((10,), a=np.array([1.5, 2.5])))()
    assert cv.dtype == np.float64 and set(np.unique(cv)) <= {1.5, 2.5}
    rows = T.dmatrix("rows")
    shuffled = theano.function([rows], srng.shuffle_row_elements(rows))
    r = np.arange(12.0).reshape(6, 2)
    out = shuffled(r)
    np.testing.assert_array_equal(out[np.argsort(out[:, 0])], r)


def test_symbolic_and_broadcast_sizes():
    srng = RandomStreams(seed=2)
    k = T.iscalar("k")
    m = T.dmatrix("m")
    f = theano.function([k, m], [srng.uniform((k, 2)), srng.normal(m.shape), srng.uniform(3)])
    a, b, c = f(4, np.zeros((2, 5)))
    assert a.shape == (4, 2) and b.shape == (2, 5) and c.shape == (3,)
    # size None: the parameters' broadcast shape; per-element parameters
    lo = T.dvector("lo")
    u = srng.uniform(low=lo, high=lo + 1)
    got = theano.function([lo], u)(np.array([0.0, 10.0, 100.0]))
    assert got.shape == (3,) and (got >= [0, 10, 100]).all() and (got < [1, 11, 101]).all()
    assert theano.function([], srng.normal(()))().shape == ()
    with pytest.raises(ValueError):
        theano.function([], srng.binomial((3,), n=5, p=1.5))()


def test_mrg_random_streams():
    srng = MRG_RandomStreams(seed=12345)
    u = srng.uniform((N,))
    n = srng.normal((N,), avg=-1.0, std=0.5)
    bi = srng.binomial((N,), p=0.4)
    pv = np.array([[0.1, 0.9], [0.6, 0.4]] * 5000)
    mu = srng.multinomial(pvals=pv)
    f = theano.function([], [u, n, bi, mu])
    uu, nn, bb, mm = f()
    check_moments(uu, 0.5, 1 / 12)
    check_moments(nn, -1.0, 0.25)
    assert set(np.unique(bb)) == {0, 1}
    check_moments(bb, 0.4, 0.24)
    assert mm.shape == pv.shape
    np.testing.assert_array_equal(mm.sum(axis=1), 1)
    np.testing.assert_allclose(mm[0::2].mean(axis=0), [0.1, 0.9], atol=0.02)
    np.testing.assert_allclose(mm[1::2].mean(axis=0), [0.6, 0.4], atol=0.03)
    again = f()
    assert not np.array_equal(again[0], uu)
    srng.seed(12345)
    np.testing.assert_array_equal(f()[0], uu)


def test_pytensor_style_random_stream():
    rs = RandomStream(seed=42)
    x = rs.normal(2.0, 3.0, size=(N,))
    i = rs.integers(10, size=(1000,))
    j = rs.integers(5, 8, size=(1000,))
    g = rs.gamma(3.0, 2.0, size=(N,))
    p = rs.permutation(np.array([5.0, 6.0, 7.0]))
    f = theano.function([], [x, i, j, g, p])
    xx, ii, jj, gg, pp = f()
    check_moments(xx, 2.0, 9.0)
    assert set(np.unique(ii)) == set(range(10))
    assert set(np.unique(jj)) == {5, 6, 7}
    check_moments(gg, 6.0, 12.0)
    np.testing.assert_array_equal(np.sort(pp), [5.0, 6.0, 7.0])
