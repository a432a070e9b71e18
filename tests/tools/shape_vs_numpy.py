# shape_vs_numpy.py: case generator of tests/test_shape_ops_numpy.c. Prints random
# shape-op cases (reshape, flatten, transpose, swapaxes, squeeze, expand_dims, concatenate,
# stack, split, alloc) with their inputs and what numpy 1.24 computes for them, one case a
# line, for the C side to rebuild, run through tgraph and compare. Inputs are laid out as
# tests/shape_ops_check.h lays them out (contiguous, every other element of the last dim,
# dim 0 reversed, transposed storage), so whether reshape returns a view can be compared.
#
# usage: shape_vs_numpy.py SEED COUNT
# line:  <op> <n_params> <params...> <n_in> (<dtype> <layout> <ndim> <dims...> <values...>)*
#        then "OK <n_out> (<dtype> <ndim> <dims...> <view> <values...>)*" or "ERR"
# view is 1 when numpy's result shares memory with its (non-empty) first input.
import sys

import numpy as np

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]
CONTIG, STRIDED, REVERSED, TRANSPOSED = range(4)


def layout_array(vals, layout):
    """vals (C-contiguous) copied into storage laid out as the C side lays it out."""
    shape = vals.shape
    if vals.ndim == 0 or layout == CONTIG:
        return vals.copy()
    if layout == STRIDED:
        base = np.zeros(shape[:-1] + (2 * shape[-1],), vals.dtype)
        v = base[..., ::2]
    elif layout == REVERSED:
        base = np.zeros(shape, vals.dtype)
        v = base[::-1]
    else:
        base = np.zeros(shape[::-1], vals.dtype)
        v = base.T
    v[...] = vals
    return v


def rand_values(rng, dtype, shape):
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "bool":
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if dtype.startswith("float"):
        return (rng.standard_normal(n) * 100).astype(dtype).reshape(shape)
    info = np.iinfo(dtype)
    lo, hi = max(info.min, -(2**40)), min(info.max, 2**40)
    return rng.integers(lo, hi, n, endpoint=True).astype(dtype).reshape(shape)


def fmt_values(a):
    flat = a.ravel()
    if a.dtype.kind == "f":
        return " ".join(repr(float(x)) for x in flat)
    return " ".join(str(int(x)) for x in flat)


def fmt_in(a, layout):
    return "%s %d %d %s %s" % (a.dtype.name, layout if a.ndim else CONTIG, a.ndim,
                               " ".join(str(d) for d in a.shape), fmt_values(a))


def rand_shape(rng, nd, zero_ok=True):
    dims = []
    for _ in range(nd):
        r = rng.random()
        dims.append(0 if (zero_ok and r < 0.08) else 1 if r < 0.3 else int(rng.integers(2, 5)))
    return tuple(dims)


def factor(rng, size, nd):
    """Random dims of product size (size > 0)."""
    dims = [1] * nd
    rest = size
    for i in range(nd - 1):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        dims[i] = int(rng.choice(divs))
        rest //= dims[i]
    if nd:
        dims[-1] = rest
    return dims


def gen_case(rng):
    op = rng.choice(["reshape", "reshape", "reshape", "flatten", "transpose", "swapaxes",
                     "squeeze", "expand_dims", "concatenate", "stack", "split", "alloc"])
    dt = str(rng.choice(DTYPES))
    nd = int(rng.integers(0, 5))
    if op in ("concatenate", "split") and nd == 0:
        nd = 1
    shape = rand_shape(rng, nd)
    vals = rand_values(rng, dt, shape)
    layout = int(rng.integers(0, 4))
    ins = [(vals, layout)]
    params = []
    if op == "reshape":
        size = vals.size
        tn = int(rng.integers(0, 5))
        if size == 0:
            t = list(rand_shape(rng, max(tn, 1)))
            if 0 not in t:
                t[0] = 0
        else:
            t = factor(rng, size, tn) if (tn or size == 1) else [size]
        r = rng.random()
        if t and r < 0.3:
            t[int(rng.integers(0, len(t)))] = -1
        elif t and r < 0.38:
            t[0] += 1  # usually a size mismatch
        elif len(t) > 1 and r < 0.42:
            t[0] = t[1] = -1
        params = t
        fn = lambda xs: [xs[0].reshape(tuple(t))]
    elif op == "flatten":
        k = int(rng.integers(1, max(1, nd) + 1))
        params = [k]
        fn = lambda xs: [xs[0].reshape(xs[0].shape[:k - 1] + (int(np.prod(xs[0].shape[k - 1:], dtype=np.int64)),))]
    elif op == "transpose":
        if rng.random() < 0.3:
            params = []
            fn = lambda xs: [xs[0].T]
        else:
            perm = [int(a) - (nd if rng.random() < 0.3 else 0) for a in rng.permutation(nd)]
            params = perm
            fn = lambda xs: [np.transpose(xs[0], perm)]
    elif op == "swapaxes":
        if nd == 0:
            return None
        a, b = (int(rng.integers(-nd, nd)) for _ in range(2))
        params = [a, b]
        fn = lambda xs: [np.swapaxes(xs[0], a, b)]
    elif op == "squeeze":
        ones = [d for d in range(nd) if shape[d] == 1]
        if rng.random() < 0.4:
            params = []
            fn = lambda xs: [np.squeeze(xs[0])]
        else:
            sel = [d - (nd if rng.random() < 0.5 else 0) for d in ones if rng.random() < 0.6]
            params = [len(sel)] + sel
            fn = lambda xs: [np.squeeze(xs[0], axis=tuple(sel))]
    elif op == "expand_dims":
        ax = int(rng.integers(-(nd + 1), nd + 1))
        params = [ax]
        fn = lambda xs: [np.expand_dims(xs[0], ax)]
    elif op in ("concatenate", "stack"):
        n = int(rng.integers(1, 4))
        rank = nd + (op == "stack")
        ax = int(rng.integers(-rank, rank))
        for _ in range(n - 1):
            s = list(shape)
            if op == "concatenate":
                s[ax] = int(rng.integers(0, 4))
            if rng.random() < 0.08 and s:  # a mismatch outside the axis
                s[int(rng.integers(0, len(s)))] += 1
            dti = str(rng.choice(DTYPES)) if rng.random() < 0.5 else dt
            ins.append((rand_values(rng, dti, tuple(s)), int(rng.integers(0, 4))))
        params = [ax]
        fn = (lambda xs: [np.concatenate(xs, ax)]) if op == "concatenate" else (lambda xs: [np.stack(xs, ax)])
    elif op == "split":
        ax = int(rng.integers(-nd, nd))
        length = shape[ax]
        n = int(rng.integers(1, 5))
        cuts = sorted(int(c) for c in rng.integers(0, length + 1, n - 1))
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [length])]
        if rng.random() < 0.1:
            sizes[0] += 1  # sizes that do not add up
        params = [ax] + sizes
        fn = lambda xs: (np.split(xs[0], np.cumsum(sizes)[:-1], ax)
                         if sum(sizes) == xs[0].shape[ax] else 1 / 0)
    else:  # alloc: value broadcast to shape
        out_nd = int(rng.integers(nd, nd + 3))
        out = list(rand_shape(rng, out_nd - nd)) + [
            (int(rng.integers(0, 4)) if shape[i] == 1 else shape[i]) for i in range(nd)]
        if rng.random() < 0.08 and out:
            out[int(rng.integers(0, len(out)))] += 2
        params = out
        fn = lambda xs: [np.broadcast_to(xs[0], tuple(out)).copy()]
    xs = [layout_array(v, l) for v, l in ins]
    x = xs[0]
    try:
        outs = fn(xs)
    except (ValueError, ZeroDivisionError, np.AxisError):
        outs = None
    head = "%s %d %s %d %s" % (op, len(params), " ".join(str(p) for p in params), len(ins),
                               " ".join(fmt_in(v, l) for v, l in ins))
    if outs is None:
        return head + " ERR"
    parts = []
    for o in outs:
        view = int(x.size > 0 and o.size > 0 and np.shares_memory(o, x))
        parts.append("%s %d %s %d %s" % (o.dtype.name, o.ndim, " ".join(str(d) for d in o.shape),
                                         view, fmt_values(o)))
    return head + " OK %d %s" % (len(outs), " ".join(parts))


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(seed)
    done = 0
    while done < count:
        line = gen_case(rng)
        if line is not None:
            print(" ".join(line.split()))
            done += 1


if __name__ == "__main__":
    main()
