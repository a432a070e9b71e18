"""Random streams over the C library's counter-based generator (Philox4x32-10).

Three front ends share one mechanism: Theano's RandomStreams
(theano.tensor.shared_randomstreams), Theano's MRG_RandomStreams
(theano.sandbox.rng_mrg) and a pytensor-style RandomStream (numpy Generator spellings).

    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    f = tgraph.function([], rv_u)
    f(), f()                      # different numbers on every call

Each draw has its own state, a shared variable whose default update is the state after
the draw, so a compiled function moves it on at every call (unless compiled with
no_default_updates); the draw's .rng is that state and .update the (state, new state)
pair. seed(s) restarts every state of the stream, so the same calls repeat the same
numbers. size: None (the parameters' broadcast shape), an int, a tuple of ints and 0-d
int variables, or an int vector variable such as x.shape. Draws have no gradient.
"""
import os as _os

from .. import _tgraph as _t

__all__ = ["RandomStreams", "MRG_RandomStreams", "RandomStream"]


def _seed_int(seed):
    if seed is None:
        return int.from_bytes(_os.urandom(8), "little")
    return int(seed) & 0xFFFFFFFFFFFFFFFF


class _Base:
    def __init__(self, seed):
        self.default_instance_seed = seed
        self.state_updates = []
        self._rng = _t.Rng(_seed_int(seed))

    def seed(self, seed=None):
        """Restart every state of the stream from seed (None: the seed it was made with)."""
        self._rng.seed(_seed_int(self.default_instance_seed if seed is None else seed))

    def updates(self):
        """The (state, new state) pairs of every draw made so far."""
        return list(self.state_updates)

    def _keep(self, x):
        st = _t.rng_state(x)
        if st is not None:
            x.rng, x.update = st[0], st
            self.state_updates.append(st)
        return x

    def _draw(self, dist, params, size, dtype):
        return self._keep(self._rng.draw(dist, tuple(params), size, dtype))

    def _choice(self, a, size, replace, p):
        return self._keep(self._rng.choice(a, size, replace, p))

    def _permutation(self, x):
        return self._keep(self._rng.permutation(x))


def _cast(x, dtype):
    """Theano's integer dtype for draws of integers (choice from a vector keeps its dtype)."""
    if dtype is None or x.dtype == str(dtype) or not x.dtype.startswith(("int", "uint")):
        return x
    return _t.cast(x, dtype)


def _no_size(size, what):
    if size not in (None, (), []):
        raise NotImplementedError("%s: only size=None is supported (one draw)" % what)


class RandomStreams(_Base):
    """Theano's theano.tensor.shared_randomstreams.RandomStreams(seed=None)."""

    def __init__(self, seed=None):
        _Base.__init__(self, seed)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniform on [low, high); dtype floatX unless given."""
        return self._draw("uniform", (low, high), size, dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        return self._draw("normal", (avg, std), size, dtype)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        return self._draw("binomial", (n, p if prob is None else prob), size, dtype)

    def bernoulli(self, size=None, p=0.5, ndim=None, dtype="int64"):
        return self._draw("bernoulli", (p,), size, dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Integers uniform on [low, high], both ends included (Theano's)."""
        return self._draw("integers", (low, high + 1), size, dtype)

    def integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Integers uniform on [low, high) (numpy's)."""
        return self._draw("integers", (low, high), size, dtype)

    def poisson(self, size=None, lam=None, ndim=None, dtype="int64"):
        return self._draw("poisson", (lam,), size, dtype)

    def gamma(self, size=None, shape=1.0, scale=1.0, ndim=None, dtype=None):
        return self._draw("gamma", (shape, scale), size, dtype)

    def beta(self, size=None, a=1.0, b=1.0, ndim=None, dtype=None):
        return self._draw("beta", (a, b), size, dtype)

    def multinomial(self, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
        """Counts of n trials over the categories of pvals (last dim): shape size + (k,)."""
        return self._draw("multinomial", (n, pvals), size, dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
        """Samples of arange(a) (an int) or of vector a."""
        return _cast(self._choice(a, size, replace, p), dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype="int64"):
        """A random permutation of arange(n)."""
        _no_size(size, "permutation")
        return _cast(self._permutation(n), dtype)

    def shuffle_row_elements(self, input):
        """input with its rows (first axis) in random order."""
        return input[self._permutation(_t.shape(input)[0])]


class MRG_RandomStreams(_Base):
    """Theano's theano.sandbox.rng_mrg.MRG_RandomStreams(seed=12345) (the draws come from
    the same Philox generator; nstreams is accepted and ignored)."""

    def __init__(self, seed=12345):
        _Base.__init__(self, seed)

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        return self._draw("uniform", (low, high), size, dtype)

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None, truncate=False):
        if truncate:
            return self.truncated_normal(size, avg, std, ndim, dtype, nstreams)
        return self._draw("normal", (avg, std), size, dtype)

    def truncated_normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None):
        raise NotImplementedError("truncated_normal is not supported")

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None):
        """1 with probability p, else 0 (MRG's binomial is a Bernoulli draw); n > 1 sums."""
        if isinstance(n, int) and n == 1:
            return self._draw("bernoulli", (p,), size, dtype)
        return self._draw("binomial", (n, p), size, dtype)

    def multinomial(self, size=None, n=1, pvals=None, ndim=None, dtype="int64", nstreams=None):
        """One row of counts per row of pvals (n trials each): shape pvals.shape."""
        if pvals is None:
            raise TypeError("multinomial: pvals is needed")
        return self._draw("multinomial", (n, pvals), size, dtype)

    def choice(self, size=1, a=None, replace=True, p=None, ndim=None, dtype="int64", nstreams=None):
        """size samples of arange(len(p)) with probabilities p (a vector); a, when given,
        the values to sample."""
        if p is None and a is None:
            raise TypeError("choice: p is needed")
        src = a if a is not None else _t.shape(p)[0]
        return _cast(self._choice(src, size, replace, p), dtype)

    def seed(self, seed=None):
        _Base.seed(self, seed)


class RandomStream(_Base):
    """A pytensor-style stream (numpy Generator spellings: parameters first, then size)."""

    def __init__(self, seed=None):
        _Base.__init__(self, seed)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None):
        return self._draw("uniform", (low, high), size, dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None):
        return self._draw("normal", (loc, scale), size, dtype)

    def standard_normal(self, size=None, dtype=None):
        return self._draw("normal", (0.0, 1.0), size, dtype)

    def random(self, size=None, dtype=None):
        return self._draw("uniform", (0.0, 1.0), size, dtype)

    def integers(self, low, high=None, size=None, dtype="int64"):
        """Integers on [low, high), or [0, low) without high (numpy's)."""
        if high is None:
            low, high = 0, low
        return self._draw("integers", (low, high), size, dtype)

    def binomial(self, n, p, size=None, dtype="int64"):
        return self._draw("binomial", (n, p), size, dtype)

    def bernoulli(self, p, size=None, dtype="int64"):
        return self._draw("bernoulli", (p,), size, dtype)

    def poisson(self, lam=1.0, size=None, dtype="int64"):
        return self._draw("poisson", (lam,), size, dtype)

    def gamma(self, shape, scale=1.0, size=None, dtype=None):
        return self._draw("gamma", (shape, scale), size, dtype)

    def beta(self, a, b, size=None, dtype=None):
        return self._draw("beta", (a, b), size, dtype)

    def multinomial(self, n, pvals, size=None, dtype="int64"):
        return self._draw("multinomial", (n, pvals), size, dtype)

    def choice(self, a, size=None, replace=True, p=None):
        return self._choice(a, size, replace, p)

    def permutation(self, x):
        return self._permutation(x)
