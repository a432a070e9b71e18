"""Shared fixtures of the binding's pytest suite: a seeded random generator, and
independent reference implementations (numpy, Python's math module) of the special
functions numpy lacks (no scipy on the test machine)."""
import math
import os
import sys

import numpy as np
import pytest

SRC_DIR = os.environ.get("TGRAPH_SRC_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


@pytest.fixture
def rng():
    return np.random.RandomState(1234)


def _vec(fn):
    return np.vectorize(fn, otypes=[np.float64])


def ref_psi(x):
    """Digamma: shift x above 10 with psi(x) = psi(x+1) - 1/x, then the asymptotic series."""
    acc = 0.0
    while x < 10:
        acc -= 1.0 / x
        x += 1
    x2 = 1.0 / (x * x)
    series = x2 * (1 / 12 - x2 * (1 / 120 - x2 * (1 / 252 - x2 * (1 / 240 - x2 / 132))))
    return acc + math.log(x) - 0.5 / x - series


def ref_trigamma(x):
    acc = 0.0
    while x < 10:
        acc += 1.0 / (x * x)
        x += 1
    x2 = 1.0 / (x * x)
    return acc + 1 / x + x2 / 2 + (1 / x) * x2 * (1 / 6 - x2 * (1 / 30 - x2 * (1 / 42 - x2 / 30)))


def ref_polygamma(n, x):
    """psi for n = 0; else (-1)^(n+1) n! zeta(n+1, x), the Hurwitz zeta summed directly for
    30 terms, then its Euler-Maclaurin tail (four Bernoulli terms)."""
    n = int(n)
    if n == 0:
        return ref_psi(x)
    s, terms = n + 1, 30
    acc = sum((x + k) ** -s for k in range(terms))
    a = x + terms
    acc += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    for j, b in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30), 1):
        rising = math.prod(s + i for i in range(2 * j - 1))
        acc += b / math.factorial(2 * j) * rising * a ** (-s - 2 * j + 1)
    return (-1) ** (n + 1) * math.factorial(n) * acc


REF_SPECIAL = {
    "erf": _vec(math.erf),
    "erfc": _vec(math.erfc),
    "erfcx": _vec(lambda v: math.exp(v * v) * math.erfc(v)),
    "gammaln": _vec(math.lgamma),
    "psi": _vec(ref_psi),
    "trigamma": _vec(ref_trigamma),
    "polygamma": _vec(ref_polygamma),
}
