"""tgraph.tensor.slinalg: Theano's theano.tensor.slinalg (scipy.linalg's ops)."""
from .. import _tgraph as _t

cholesky = _t.cholesky
solve = _t.solve
eigvalsh = _t.eigvalsh


def solve_triangular(a, b, lower=False):
    """Solve a x = b for a triangular a (through the general solver)."""
    return _t.solve(_t.tril(a) if lower else _t.triu(a), b)
