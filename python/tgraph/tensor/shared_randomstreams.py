"""tgraph.tensor.shared_randomstreams: Theano's theano.tensor.shared_randomstreams."""
from .random import RandomStreams  # noqa: F401
