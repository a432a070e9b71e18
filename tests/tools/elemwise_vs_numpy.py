"""elemwise_vs_numpy.py: helper of tests/elemwise_vs_numpy.sh.

usage: elemwise_vs_numpy.py DRIVER SEED

Builds thousands of elementwise cases (every scalar op over every dtype combination, on
small random arrays with broadcasting, size-0 dims, 0-d operands, non-contiguous inputs
and Python-scalar operands), runs them all through DRIVER (tests/tools/elemwise_driver.c)
in one process, and checks the result dtype, shape and values of each against numpy 1.24.

Where tgraph differs from numpy on purpose (docs/dtypes.md, "Differences from numpy") the
expected result is adjusted here, each exception in one named place:
  * no float16: where numpy gives float16 we expect float32, and the reference values are
    recomputed by numpy in float32;
  * reciprocal of ints/bools is a float (Theano's inv), numpy keeps the int;
  * round of bool gives int8 (numpy: float16);
  * shifts of two bools are refused (numpy computes them in int8);
  * a Python int too big for uint8 meeting uint8 gives the smallest *signed* type holding
    it (numpy: uint16/uint32/uint64, which tgraph lacks);
  * float -> int casts of NaN or values beyond int32 are left out (numpy's result there is
    whatever the C compiler's conversion gives; ours is defined, see docs/dtypes.md);
  * integer pow with a negative exponent is left out (numpy raises; ours is defined);
  * functions numpy lacks (sigmoid, softplus, erf, erfc, erfcx, gammaln, psi) take their
    dtype from numpy's exp and their values from Python's math module in float64 (psi is
    checked for dtype only; test_elemwise_special.c checks its values).
Exit status 0 if every case agrees, 1 otherwise (every mismatch is printed with its case)."""
import math
import subprocess
import sys
import warnings

import numpy as np

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]
INTS = {"int8", "int16", "int32", "int64", "uint8"}
FLOATS = {"float32", "float64"}


def sigmoid(x):
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def vec(f):
    def g(x):
        return np.vectorize(f, otypes=[np.float64])(np.asarray(x, np.float64))
    return g


def lgamma(v):
    try:
        return math.lgamma(v)
    except ValueError:
        return math.inf


def erfcx(v):
    if math.isnan(v):
        return v
    if v < -26.7:
        return math.inf
    if v > 26:
        return None  # erfc underflows: no float64 reference (the C tests check this range)
    return math.exp(v * v) * math.erfc(v)


# name -> (arity, numpy function or None, exact?)  exact: correctly rounded in both, so
# compared bit for bit (NaN equal to NaN, -0 equal to 0).
NP_OPS = {
    "add": (2, np.add, True), "sub": (2, np.subtract, True), "mul": (2, np.multiply, True),
    "true_div": (2, np.true_divide, True), "floor_div": (2, np.floor_divide, False),
    "mod": (2, np.remainder, False), "pow": (2, np.power, False), "neg": (1, np.negative, True),
    "abs": (1, np.absolute, True), "sign": (1, np.sign, True), "minimum": (2, np.minimum, True),
    "maximum": (2, np.maximum, True), "clip": (3, np.clip, True), "sqr": (1, np.square, True),
    "reciprocal": (1, np.reciprocal, True), "exp": (1, np.exp, False), "exp2": (1, np.exp2, False),
    "expm1": (1, np.expm1, False), "log": (1, np.log, False), "log2": (1, np.log2, False),
    "log10": (1, np.log10, False), "log1p": (1, np.log1p, False), "sqrt": (1, np.sqrt, True),
    "sin": (1, np.sin, False), "cos": (1, np.cos, False), "tan": (1, np.tan, False),
    "arcsin": (1, np.arcsin, False), "arccos": (1, np.arccos, False),
    "arctan": (1, np.arctan, False), "arctan2": (2, np.arctan2, False),
    "sinh": (1, np.sinh, False), "cosh": (1, np.cosh, False), "tanh": (1, np.tanh, False),
    "arcsinh": (1, np.arcsinh, False), "arccosh": (1, np.arccosh, False),
    "arctanh": (1, np.arctanh, False), "floor": (1, np.floor, True), "ceil": (1, np.ceil, True),
    "round": (1, np.round, True), "trunc": (1, np.trunc, True), "lt": (2, np.less, True),
    "gt": (2, np.greater, True), "le": (2, np.less_equal, True), "ge": (2, np.greater_equal, True),
    "eq": (2, np.equal, True), "neq": (2, np.not_equal, True), "isnan": (1, np.isnan, True),
    "isinf": (1, np.isinf, True), "isfinite": (1, np.isfinite, True),
    "logical_and": (2, np.logical_and, True), "logical_or": (2, np.logical_or, True),
    "logical_xor": (2, np.logical_xor, True), "logical_not": (1, np.logical_not, True),
    "bitwise_and": (2, np.bitwise_and, True), "bitwise_or": (2, np.bitwise_or, True),
    "bitwise_xor": (2, np.bitwise_xor, True), "invert": (1, np.invert, True),
    "left_shift": (2, np.left_shift, True), "right_shift": (2, np.right_shift, True),
    "switch": (3, np.where, True),
}
# ops numpy lacks: float64 reference functions (None: dtype checked only)
FLOAT_FUNCS = {
    "sigmoid": sigmoid, "softplus": lambda x: np.logaddexp(0, np.asarray(x, np.float64)),
    "erf": vec(math.erf), "erfc": vec(math.erfc), "gammaln": vec(lgamma),
    "erfcx": lambda x: np.array([erfcx(v) for v in np.ravel(np.asarray(x, np.float64))],
                                dtype=object).reshape(np.shape(x)),
    "psi": None, "trigamma": None,
}

# Broadcasting patterns: per operand (static dims for tg_tensor, runtime shape).
M23 = ((-1, -1), (2, 3))
ROW = ((1, -1), (1, 3))
COL = ((-1, 1), (2, 1))
VEC3 = ((-1,), (3,))
SCAL = ((), ())
EMPTY = ((-1, -1), (0, 3))
T3 = ((-1, 1, -1), (2, 1, 3))
T3F = ((-1, -1, -1), (2, 2, 3))
UNARY_PATTERNS = [[M23], [((-1,), (5,))], [SCAL], [((-1, -1), (0, 2))], [((1, 1, -1), (1, 1, 3))]]
BINARY_PATTERNS = [[M23, M23], [ROW, M23], [ROW, COL], [VEC3, M23], [M23, VEC3], [SCAL, M23],
                   [M23, SCAL], [EMPTY, ROW], [T3, T3F], [COL, T3F], [SCAL, SCAL]]
TERNARY_PATTERNS = [[M23, M23, M23], [M23, ROW, SCAL], [COL, ROW, M23], [VEC3, SCAL, M23],
                    [EMPTY, ROW, SCAL], [SCAL, SCAL, SCAL]]
WEAK_INTS = [0, 1, 3, -2, 100, 200, -129, 300, 40000, -40000, 3000000000, 2**40]
WEAK_FLOATS = [2.0, -0.5, 1e300, 3.5, 0.1, 1 / 3, 1e-40]

INT_RANGE = {"bool": (0, 1), "int8": (-128, 127), "int16": (-32768, 32767),
             "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "uint8": (0, 255)}
FLOAT_SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -2.5, 1e30, 7.0]


def rand_values(rng, dt, shape, op):
    n = int(np.prod(shape)) if shape else 1
    if dt in INT_RANGE:
        lo, hi = INT_RANGE[dt]
        small = rng.integers(max(lo, -6), min(hi, 6) + 1, size=n)
        wide = rng.integers(lo, hi, size=n, endpoint=True)
        v = np.where(rng.random(n) < 0.6, small, wide)
        if op in ("left_shift", "right_shift", "pow"):
            v = np.where(rng.random(n) < 0.8, small, wide)
    else:
        v = rng.normal(0, 3, size=n)
        sp = rng.random(n) < 0.25
        v[sp] = rng.choice(FLOAT_SPECIAL, size=int(sp.sum()))
        if op in ("arcsin", "arccos", "arctanh"):
            v = np.where(rng.random(n) < 0.7, rng.uniform(-1, 1, size=n), v)
    return np.array(v, dtype=dt).reshape(shape)


def fmt(a, dt):
    flat = np.ravel(a)
    if dt in FLOATS:
        return " ".join(repr(float(x)) for x in flat)
    return " ".join(str(int(x)) for x in flat)


def np_dtype_map(dt):
    return "float32" if dt == "float16" else dt


def min_signed(v):
    for t in ("int8", "int16", "int32", "int64"):
        i = np.iinfo(t)
        if i.min <= v <= i.max:
            return t
    return "int64"


class Case:
    def __init__(self, op, operands, cast_to=None):
        self.op, self.operands, self.cast_to = op, operands, cast_to  # operands: list of
        # ("T", dtype, static, array, strided) or ("W", int) or ("F", float)

    def line(self):
        parts = [self.op, str(len(self.operands)), self.cast_to or "-"]
        for o in self.operands:
            if o[0] in "WF":
                parts += [o[0], repr(o[1]) if o[0] == "F" else str(o[1])]
            else:
                _, dt, static, arr, strided = o
                parts += ["T", ("~" if strided else "") + dt, str(arr.ndim)]
                parts += [str(s) for s in static] + [str(s) for s in arr.shape]
                if arr.size:
                    parts.append(fmt(arr, dt))
        return " ".join(parts)

    def describe(self):
        out = []
        for o in self.operands:
            if o[0] in "WF":
                out.append(f"{'int' if o[0] == 'W' else 'float'} scalar {o[1]!r}")
            else:
                out.append(f"{o[1]}{list(o[3].shape)}{' strided' if o[4] else ''}="
                           f"{np.ravel(o[3]).tolist()}")
        return f"{self.op}{'->' + self.cast_to if self.cast_to else ''}({', '.join(out)})"


def np_args(case):
    """numpy arguments: arrays for tensors (0-d ones given rank 1 or the rank of the others,
    so numpy does not apply its value-based rule to them: ours are strong; an all-0-d case
    is reshaped back by the caller), Python scalars for weak constants."""
    nd = max([o[3].ndim for o in case.operands if o[0] == "T"] + [1])
    args = []
    for o in case.operands:
        if o[0] == "W":
            args.append(int(o[1]))
        elif o[0] == "F":
            args.append(float(o[1]))
        else:
            a = o[3]
            args.append(a.reshape((1,) * nd) if a.ndim == 0 and nd > 0 else a)
    return args


def expected(case):
    """(dtype name or 'error', values array or None, exact, mask of elements to check)"""
    dt, r, exact, mask = expected_nd(case)
    if all(o[0] != "T" or o[3].ndim == 0 for o in case.operands) and r is not None:
        r, mask = r.reshape(()), mask.reshape(())
    return dt, r, exact, mask


def expected_nd(case):
    op = case.op
    args = np_args(case)
    tdts = [o[1] for o in case.operands if o[0] == "T"]
    if op == "cast":
        a = args[0]
        want = a.astype(case.cast_to)
        mask = np.ones(a.shape, bool)
        if a.dtype.kind == "f" and case.cast_to in INTS:
            mask = np.isfinite(a) & (np.abs(a) < 2**31)
        return case.cast_to, want, True, mask
    if op in FLOAT_FUNCS:
        dt = np_dtype_map(np.exp(args[0]).dtype.name)
        f = FLOAT_FUNCS[op]
        if f is None:
            return dt, None, False, None
        ref = f(args[0])
        mask = np.array([v is not None for v in np.ravel(ref)], bool).reshape(np.shape(ref))
        ref = np.array([0.0 if v is None else float(v) for v in np.ravel(ref)]).reshape(
            np.shape(ref)).astype(dt)
        return dt, ref, False, mask
    arity, fn, exact = NP_OPS[op]
    if op in ("left_shift", "right_shift") and tdts and all(t == "bool" for t in tdts) and \
            all(o[0] == "T" for o in case.operands):
        return "error", None, True, None
    try:
        with np.errstate(all="ignore"):
            r = np.asarray(fn(*args))
    except TypeError:
        return "error", None, True, None
    dt = r.dtype.name
    if dt == "float16":
        with np.errstate(all="ignore"):
            r = np.asarray(fn(*[a.astype(np.float32) if isinstance(a, np.ndarray) else a
                                for a in args]))
        dt = "float32"
    if op == "reciprocal" and args[0].dtype.kind in "bui":
        dt = np_dtype_map(np.exp(args[0]).dtype.name)
        with np.errstate(all="ignore"):
            r = np.reciprocal(args[0].astype(dt))
    if op == "round" and args[0].dtype == np.bool_:
        dt = "int8"
        r = args[0].astype(np.int8)
    if dt in ("uint16", "uint32", "uint64"):  # a big Python int met uint8: we compute in
        # the smallest signed type holding both, so numpy's reference is recomputed there
        w = [o[1] for o in case.operands if o[0] == "W"][0]
        dt = np.promote_types("uint8", min_signed(w)).name
        with np.errstate(all="ignore"):
            r = np.asarray(fn(*[a.astype(dt) if isinstance(a, np.ndarray) else a
                                for a in args]))
    return dt, r, exact, np.ones(r.shape, bool)


def close(got, want, dt, exact, op):
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want) or exact:
        return got == want
    if dt == "float32":
        rtol, atol = 8e-7, 1e-6
    else:
        rtol, atol = 1e-14, 1e-15
    if op in ("pow", "erfcx", "gammaln", "exp", "exp2", "sinh", "cosh", "tan", "expm1"):
        rtol *= 8  # large results carry the input's rounding amplified
    if op == "floor_div" or op == "mod":
        rtol, atol = (1e-6, 1e-6) if dt == "float32" else (1e-15, 1e-12)
    return abs(got - want) <= atol + rtol * abs(want)


def gen_cases(rng):
    cases = []
    ops = list(NP_OPS) + list(FLOAT_FUNCS)

    def tensor(dt, pat, op):
        static, shape = pat
        return ("T", dt, static, rand_values(rng, dt, shape, op), bool(rng.random() < 0.3))

    for op in ops:
        ar = NP_OPS[op][0] if op in NP_OPS else 1
        if ar == 1:
            for dt in DTYPES:
                for pat in (UNARY_PATTERNS[0], UNARY_PATTERNS[rng.integers(1, len(UNARY_PATTERNS))]):
                    cases.append(Case(op, [tensor(dt, pat[0], op)]))
        elif ar == 2:
            for da in DTYPES:
                for db in DTYPES:
                    pat = BINARY_PATTERNS[rng.integers(0, len(BINARY_PATTERNS))]
                    a, b = tensor(da, pat[0], op), tensor(db, pat[1], op)
                    if op == "pow" and db in INTS:
                        b = b[:3] + ((np.abs(b[3].astype(np.int64)) % 70).astype(db),) + b[4:]
                    cases.append(Case(op, [a, b]))
            for dt in DTYPES:  # Python scalars on either side
                for w in WEAK_INTS + WEAK_FLOATS:
                    if op == "pow" and isinstance(w, int) and w < 0:
                        continue
                    kind = "W" if isinstance(w, int) else "F"
                    t = tensor(dt, [M23, VEC3][rng.integers(0, 2)], op)
                    cases.append(Case(op, [t, (kind, w)]))
                    if op != "pow":
                        cases.append(Case(op, [(kind, w), t]))
        else:
            for da in DTYPES:
                for db in DTYPES:
                    for dc in DTYPES:
                        pat = TERNARY_PATTERNS[rng.integers(0, len(TERNARY_PATTERNS))]
                        cases.append(Case(op, [tensor(d, p, op) for d, p in
                                               zip((da, db, dc), pat)]))
    for da in DTYPES:
        for db in DTYPES:
            for pat in (UNARY_PATTERNS[0], UNARY_PATTERNS[rng.integers(1, len(UNARY_PATTERNS))]):
                t = tensor(da, pat[0], "cast")
                if da in FLOATS and db in INTS:  # in-range values mostly, with the odd 300.7
                    t = t[:3] + (np.where(rng.random(t[3].shape) < 0.8,
                                          np.round(t[3] * 10, 1), 300.7).astype(da),) + t[4:]
                cases.append(Case("cast", [t], cast_to=db))
    return cases


def check(case, line):
    toks = line.split()
    want_dt, want, exact, mask = expected(case)
    if want_dt == "error":
        if toks[0] != "err" or toks[1] != "TG_ERR_TYPE":
            return f"expected a type error, got: {line[:200]}"
        return None
    if toks[0] != "ok":
        return f"expected {want_dt}, got: {line[:300]}"
    dt, nd = toks[1], int(toks[2])
    shape = tuple(int(t) for t in toks[3:3 + nd])
    vals = toks[3 + nd:]
    if dt != want_dt:
        return f"dtype {dt}, numpy rule gives {want_dt}"
    if want is None:
        return None
    if shape != want.shape:
        return f"shape {shape}, numpy gives {want.shape}"
    flat_w, flat_m = np.ravel(want), np.ravel(mask)
    for i, (g, w, m) in enumerate(zip(vals, flat_w, flat_m)):
        if not m:
            continue
        if dt in FLOATS:
            if not close(float(g), float(w), dt, exact, case.op):
                return f"element {i}: got {g}, numpy {float(w)!r}"
        elif int(g) != int(w):
            return f"element {i}: got {g}, numpy {int(w)}"
    return None


def main():
    driver, seed = sys.argv[1], int(sys.argv[2])
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(seed)
    cases = gen_cases(rng)
    text = "\n".join(c.line() for c in cases) + "\n"
    p = subprocess.run([driver], input=text, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"driver failed with status {p.returncode}:\n{p.stderr[-3000:]}")
        return 1
    lines = p.stdout.splitlines()
    if len(lines) != len(cases):
        print(f"driver printed {len(lines)} results for {len(cases)} cases\n{p.stderr[-3000:]}")
        return 1
    bad = 0
    for c, line in zip(cases, lines):
        why = check(c, line)
        if why:
            bad += 1
            if bad <= 60:
                print(f"MISMATCH (seed {seed}) {c.describe()}: {why}")
    print(f"elemwise_vs_numpy: {len(cases)} cases, {bad} mismatches (seed {seed})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
