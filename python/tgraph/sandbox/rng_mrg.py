"""tgraph.sandbox.rng_mrg: Theano's theano.sandbox.rng_mrg (MRG_RandomStreams)."""
from ..tensor.random import MRG_RandomStreams  # noqa: F401
