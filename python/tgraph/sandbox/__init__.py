"""tgraph.sandbox: Theano's theano.sandbox names (rng_mrg)."""
from . import rng_mrg  # noqa: F401
