"""rnn_scan.py: a small recurrent network trained with theano.scan and SGD, in Theano's
spelling (the Python twin of examples/rnn_scan.c).

Each sequence is 20 random inputs x_t in {-1, +1}; the target is an echo with memory,
y_t = 0.5 x_t + 0.3 x_{t-1} - 0.2 x_{t-2}, so the network must remember what it saw.
The model: h_t = tanh(x_t Wx + h_{t-1} Wh + b), y^_t = h_t Wy + c, run over the sequence
with scan; the loss is the mean squared error, its gradient comes from backpropagation
through time (theano.grad of the scan), and one compiled function does a forward pass, a
backward pass and the SGD updates. Dropout on the hidden state uses a RandomStreams
mask, moved on at every call by its default update. Prints the loss of every epoch and
exits non-zero unless the last one is below THRESHOLD.

    PYTHONPATH=build/python /usr/bin/python3 examples/rnn_scan.py
"""
import sys

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams

STEPS, BATCH, HID = 20, 32, 16
EPOCHS, BATCHES, LR = 25, 10, 0.05
KEEP = 0.95          # dropout: keep each hidden unit with this probability
THRESHOLD = 0.01     # the target's variance is 0.38: predicting 0 scores 0.38

rng = np.random.RandomState(1)


def param(shape, scale, name):
    return theano.shared(scale * (2 * rng.rand(*shape) - 1), name=name)


Wx, Wh, b = param((1, HID), 0.5, "Wx"), param((HID, HID), 0.3, "Wh"), param((HID,), 0.0, "b")
Wy, c = param((HID, 1), 0.5, "Wy"), param((1,), 0.0, "c")
params = [Wx, Wh, b, Wy, c]

X, Y = T.tensor3("X"), T.tensor3("Y")   # (steps, batch, 1)
srng = RandomStreams(seed=7)
mask = srng.binomial((BATCH, HID), p=KEEP, dtype="float64") / KEEP


def step(x_t, h_prev, Wx, Wh, b):
    return T.tanh(T.dot(x_t, Wx) + T.dot(h_prev * mask, Wh) + b)


H, updates = theano.scan(step, sequences=X, outputs_info=T.zeros((BATCH, HID)),
                         non_sequences=[Wx, Wh, b], name="rnn")
pred = T.dot(H, Wy) + c
loss = T.mean((pred - Y) ** 2)
grads = theano.grad(loss, params)
updates = list(updates.items()) + [(p, p - LR * g) for p, g in zip(params, grads)]
train = theano.function([X, Y], loss, updates=updates, name="train")


def batch():
    x = rng.choice([-1.0, 1.0], size=(STEPS, BATCH, 1))
    y = 0.5 * x
    y[1:] += 0.3 * x[:-1]
    y[2:] -= 0.2 * x[:-2]
    return x, y


print("RNN with scan: %d steps per sequence, batch %d, %d hidden units, SGD at %.2f"
      % (STEPS, BATCH, HID, LR))
last = np.inf
for epoch in range(1, EPOCHS + 1):
    last = np.mean([train(*batch()) for _ in range(BATCHES)])
    print("  epoch %2d  loss %.5f" % (epoch, last))
ok = last < THRESHOLD
print("final loss %.5f: %s the threshold %.3f" % (last, "below" if ok else "NOT below", THRESHOLD))
sys.exit(0 if ok else 1)
