import theano
from theano import tensor as T

A = T.matrix("A")
B = T.matrix("B")
C = A + B
f = theano.function([A, B], C)
print(f([[1, 2], [3, 4]], [[5, 6], [7, 8]]))
