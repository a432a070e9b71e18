"""tgraph.tensor.nnet: Theano's theano.tensor.nnet (activations, softmax, losses)."""
from .. import _tgraph as _t

sigmoid = _t.sigmoid
ultra_fast_sigmoid = _t.sigmoid
softplus = _t.softplus
relu = _t.relu
elu = _t.elu
gelu = _t.gelu
categorical_crossentropy = _t.categorical_crossentropy
binary_crossentropy = _t.binary_crossentropy
sigmoid_binary_crossentropy = _t.sigmoid_binary_crossentropy
to_one_hot = _t.one_hot
one_hot = _t.one_hot


def softmax(c, axis=-1):
    """softmax along axis (Theano's softmax works on rows: the last axis)."""
    return _t.softmax(c, axis)


def log_softmax(c, axis=-1):
    return _t.log_softmax(c, axis)


logsoftmax = log_softmax


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1), Theano's piecewise-linear sigmoid."""
    return _t.clip(x * 0.2 + 0.5, 0, 1)


def softsign(x):
    return x / (1 + _t.abs(x))


def selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * _t.elu(x, alpha)


def leaky_relu(x, alpha=0.01):
    return _t.relu(x, alpha)
