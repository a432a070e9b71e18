"""python_call.py: the per-call time of a compiled 2x2 float64 `A + B` called from Python,
next to numpy's `A + B` on the same arrays in the same run (the reference). Prints one
BENCH line (medians of several repetitions after a warm-up).

Run: PYTHONPATH=build/python /usr/bin/python3 bench/python_call.py
"""
import statistics
import time

import numpy as np

import tgraph
import tgraph.tensor as T

ITERS = 200000
REPS = 7


def per_call_us(fn, a, b):
    t0 = time.perf_counter()
    for _ in range(ITERS):
        fn(a, b)
    return (time.perf_counter() - t0) / ITERS * 1e6


def main():
    A, B = T.dmatrix("A"), T.dmatrix("B")
    f = tgraph.function([A, B], A + B)
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[0.5, 0.25], [0.125, 0.0625]])
    assert np.array_equal(f(a, b), a + b)
    add = np.add
    per_call_us(f, a, b), per_call_us(add, a, b)  # warm-up
    tg, ref = [], []
    for _ in range(REPS):  # interleaved, so drift affects both alike
        tg.append(per_call_us(f, a, b))
        ref.append(per_call_us(add, a, b))
    t, r = statistics.median(tg), statistics.median(ref)
    print("BENCH name=python_call tgraph=%.3f ref=%.3f unit=us ratio=%.2f threads=1" % (t, r, t / r))


if __name__ == "__main__":
    main()
