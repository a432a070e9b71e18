"""mlp.py: a two-layer perceptron trained on two interleaved spirals, written as a Theano
program (it runs unchanged on Theano) and run here on tgraph through the theano package.

Run: PYTHONPATH=build/python /usr/bin/python3 examples/mlp.py [steps]
"""
import sys

import numpy as np

import theano
import theano.tensor as T


def spirals(n, rng):
    """n points per class on two interleaved spirals, with a little noise."""
    t = np.sqrt(rng.rand(n)) * 2 * np.pi
    a = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (2 * np.pi)
    X = np.concatenate([a, -a]) + rng.randn(2 * n, 2) * 0.02
    y = np.concatenate([np.zeros(n), np.ones(n)]).astype("int64")
    return X, y


def layer(rng, n_in, n_out, name):
    bound = np.sqrt(6.0 / (n_in + n_out))
    W = theano.shared(rng.uniform(-bound, bound, (n_in, n_out)), name="W" + name)
    b = theano.shared(np.zeros(n_out), name="b" + name)
    return W, b


def main(steps=2000):
    rng = np.random.RandomState(0)
    X_train, y_train = spirals(200, rng)

    x = T.dmatrix("x")
    y = T.lvector("y")
    W1, b1 = layer(rng, 2, 32, "1")
    W2, b2 = layer(rng, 32, 32, "2")
    W3, b3 = layer(rng, 32, 2, "3")
    params = [W1, b1, W2, b2, W3, b3]

    h1 = T.tanh(T.dot(x, W1) + b1)
    h2 = T.tanh(T.dot(h1, W2) + b2)
    p_y = T.nnet.softmax(T.dot(h2, W3) + b3)
    cost = T.nnet.categorical_crossentropy(p_y, y).mean() + 1e-4 * sum((W ** 2).sum() for W in params[::2])
    grads = T.grad(cost, params)
    lr = 0.5
    train = theano.function([x, y], cost, updates=[(p, p - lr * g) for p, g in zip(params, grads)])
    predict = theano.function([x], T.argmax(p_y, axis=1))

    for step in range(steps + 1):
        c = train(X_train, y_train)
        if step % (steps // 5) == 0:
            acc = np.mean(predict(X_train) == y_train)
            print("step %5d  cost %.4f  accuracy %.3f" % (step, c, acc))
    return np.mean(predict(X_train) == y_train)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
