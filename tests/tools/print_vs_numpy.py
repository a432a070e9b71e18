"""print_vs_numpy.py: helper for tests/print_vs_numpy.sh.

  gen SEED N CASEFILE EXPECTFILE   write N random array cases (see print_arrays.c for the
                                   format) and numpy's str() of each
  cmp EXPECTFILE ACTUALFILE SEED   compare per case; print every mismatch; exit 1 if any

The cases mix every dtype tgraph prints, ranks 0..5, empty and size-1 dimensions, arrays
big enough to be summarised, wide rows that wrap, float magnitudes from 1e-310 to 1e300
with nan/inf/-0, and non-contiguous views (transposes, steps, negative steps)."""
import sys

import numpy as np

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]


def rand_shape(rng):
    kind = rng.integers(0, 10)
    if kind == 0:
        return ()
    if kind == 1:  # summarised
        return [(2000,), (1001,), (40, 40), (3, 400), (11, 11, 11), (2, 3, 200), (7, 1, 150)][
            rng.integers(0, 7)]
    if kind == 2:  # empty or size-1 dims
        nd = int(rng.integers(1, 4))
        return tuple(int(rng.choice([0, 1, 2, 3])) for _ in range(nd))
    if kind == 3:  # long rows that wrap
        lead = [int(rng.integers(1, 3))] * int(rng.integers(0, 2))
        return tuple(lead + [int(rng.integers(10, 60))])
    if kind == 4:  # high rank, small dims
        return tuple(int(rng.integers(1, 3)) for _ in range(int(rng.integers(5, 10))))
    nd = int(rng.integers(1, 6))
    dims = [int(rng.integers(1, 6)) for _ in range(nd)]
    while np.prod(dims) > 400:
        dims[int(rng.integers(0, nd))] = 1
    return tuple(dims)


def rand_floats(rng, n, dt):
    style = rng.integers(0, 10)
    if style == 0:  # integral values
        x = rng.integers(-1000, 1000, n).astype(np.float64)
    elif style == 1:  # one magnitude
        x = rng.standard_normal(n) * 10.0 ** int(rng.integers(-12, 20))
    elif style == 2:  # wildly mixed magnitudes
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 12, n).astype(np.float64)
    elif style == 3:  # short decimals
        x = np.round(rng.uniform(-100, 100, n), int(rng.integers(0, 4)))
    elif style == 4:  # extremes
        x = rng.choice([1e-310, 5e-324, 1e300, -1e300, 1e-300, 1.7e308, 0.0, -0.0, 1.0], n)
    elif style == 5:  # near the fixed/scientific thresholds
        x = rng.choice([1e-4, 9.99999e-5, 1e8, 99999999.9, 99999999.99999, 1000.0, 1.0,
                        0.001, 1000.5, 123456.789, 0.1, 0.2, 0.3], n)
    elif style == 6:  # many digits, rounding at the 8th fractional digit
        x = rng.uniform(0, 10, n) / 3.0
    elif style == 7:  # powers of two (unequal rounding margins) beside long mantissas
        x = 2.0 ** rng.integers(-150, 130, n).astype(np.float64)
        if n > 1:
            x[0] = rng.uniform(1, 2) * 10.0 ** int(rng.integers(-10, 10))
    else:
        x = rng.uniform(-1, 1, n) * 10.0 ** int(rng.integers(-3, 8))
    if rng.integers(0, 3) == 0 and n:
        k = int(rng.integers(1, min(n, 4) + 1))
        x[rng.integers(0, n, k)] = rng.choice([np.nan, np.inf, -np.inf, -0.0], k)
    with np.errstate(over="ignore"):
        return x.astype(dt)


def rand_data(rng, dt, n):
    if dt == "bool":
        return rng.integers(0, 2, n).astype(bool)
    if dt.startswith("float"):
        return rand_floats(rng, n, dt)
    info = np.iinfo(dt)
    if rng.integers(0, 2) == 0:
        return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    lim = int(min(info.max, 10 ** int(rng.integers(1, 6))))
    lo = 0 if info.min == 0 else -lim
    return rng.integers(lo, lim, n, endpoint=True).astype(dt)


def rand_view(rng, base):
    """A view of base: as is, transposed, axes swapped, or stepped slices."""
    op = rng.integers(0, 4)
    if base.ndim == 0 or op == 0:
        return base
    if op == 1:
        return base.T
    if op == 2 and base.ndim >= 2:
        return np.swapaxes(base, 0, base.ndim - 1)
    idx = []
    for n in base.shape:
        step = int(rng.choice([1, 2, -1, -2, 3]))
        start = int(rng.integers(-n, n)) if n and rng.integers(0, 2) else None
        idx.append(slice(start, None, step))
    return base[tuple(idx)]


def fmt_value(dt, v):
    if dt.startswith("float"):
        return float(v).hex()
    return str(int(v))


def gen(seed, count, casefile, expectfile):
    rng = np.random.default_rng(seed)
    with open(casefile, "w") as cf, open(expectfile, "w") as ef:
        for i in range(count):
            dt = DTYPES[int(rng.integers(0, len(DTYPES)))]
            shape = rand_shape(rng)
            n = int(np.prod(shape, dtype=np.int64))
            base = rand_data(rng, dt, n).reshape(shape)
            view = rand_view(rng, base)
            isz = base.itemsize
            start = base.__array_interface__["data"][0]
            off = (view.__array_interface__["data"][0] - start) // isz if view.size else 0
            strides = [s // isz for s in view.strides]
            cid = "%d:%d" % (seed, i)
            cf.write("case %s %s %d %d %s %s %d\n" % (
                cid, dt, n, view.ndim, " ".join(map(str, view.shape)),
                " ".join(map(str, strides)), off))
            cf.write("\n".join(fmt_value(dt, v) for v in base.reshape(-1)) + "\n")
            ef.write("=== %s\n%s\n" % (cid, str(view)))


def split(path):
    cases, cur = {}, None
    order = []
    with open(path) as f:
        for line in f.read().split("\n"):
            if line.startswith("=== "):
                cur = line[4:]
                cases[cur] = []
                order.append(cur)
            elif cur is not None:
                cases[cur].append(line)
    return order, {k: "\n".join(v).rstrip("\n") for k, v in cases.items()}


def cmp(expectfile, actualfile, seed):
    order, want = split(expectfile)
    _, got = split(actualfile)
    bad = 0
    for cid in order:
        if got.get(cid) != want[cid]:
            bad += 1
            if bad <= 10:
                print("MISMATCH case %s (seed %s)\n--- numpy ---\n%s\n--- tgraph ---\n%s\n" % (
                    cid, seed, want[cid], got.get(cid, "(missing)")))
    print("%d cases, %d mismatches (seed %s)" % (len(order), bad, seed))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(cmp(sys.argv[2], sys.argv[3], sys.argv[4]))
