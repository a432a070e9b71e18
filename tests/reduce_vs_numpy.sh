# reduce_vs_numpy.sh: differential test of every reduction against numpy 1.24: result
# dtypes, shapes and values for random dtypes, shapes (size-0 and size-1 dims included),
# axis sets (all, none, several, negative, unordered), keepdims, ddof and input layouts
# (contiguous, transposed, step 2, reversed), with NaN and infinities mixed into float
# inputs; max/min/argmax over an empty axis must fail as numpy's raise. The cases run
# through tests/tools/reduce_driver. Deliberate differences, accounted for below: numpy
# sums uint8 to uint64 where we give int64 (compared modulo 2^64); numpy has no
# logsumexp (computed here with numpy in float64 the stable way) and no argmax over
# several axes (computed on the reduced axes moved last and flattened, as Theano does).
# Fixed seed; set TG_REDUCE_SEED to try another, TG_REDUCE_CASES for more cases. Needs
# /usr/bin/python3 with numpy; without it the test says so loudly and exits 77 (skipped).
# usage: bash reduce_vs_numpy.sh SRC_DIR BUILD_DIR
set -u
build=$2
py=/usr/bin/python3
seed=${TG_REDUCE_SEED:-20240613}
count=${TG_REDUCE_CASES:-1500}
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "************************************************************"
  echo "SKIPPED: reduce_vs_numpy needs numpy in $py, which is missing."
  echo "************************************************************"
  exit 77
fi
driver=$build/tests/reduce_driver
if [ ! -x "$driver" ]; then
  echo "reduce_vs_numpy: $driver was not built"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/check.py" <<'EOF'
import json, math, sys, warnings
import numpy as np

mode, seed = sys.argv[1], int(sys.argv[2])
OPS = ["sum", "prod", "mean", "variance", "std", "max", "min", "argmax", "argmin", "all",
       "any", "logsumexp", "max_and_argmax"]
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]
INDEXED = ("max", "min", "argmax", "argmin", "max_and_argmax")

def lse_dtype(dt):
    if dt in ("float32", "float64"):
        return dt
    return "float64" if dt in ("int32", "int64") else "float32"

def expect(op, a, axes, keep, ddof):
    """[(dtype, shape, values)] per output, or ('err', status)."""
    nd = a.ndim
    red = list(range(nd)) if axes is None else sorted(x % nd for x in axes)
    ax = tuple(red)
    kept = [d for d in range(nd) if d not in red]
    nred = int(np.prod([a.shape[d] for d in red])) if red else 1
    kshape = tuple(1 if d in red else a.shape[d] for d in range(nd))
    oshape = kshape if keep else tuple(a.shape[d] for d in kept)
    if op in INDEXED and nred == 0:
        return ("err", "TG_ERR_VALUE")  # numpy raises ValueError
    def arg(fn):
        t = np.transpose(a, kept + red).reshape(tuple(a.shape[d] for d in kept) + (nred,))
        return fn(t, axis=-1).reshape(oshape).astype(np.int64)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if op == "sum": r = [np.sum(a, axis=ax, keepdims=keep)]
        elif op == "prod": r = [np.prod(a, axis=ax, keepdims=keep)]
        elif op == "mean": r = [np.mean(a, axis=ax, keepdims=keep)]
        elif op == "variance": r = [np.var(a, axis=ax, ddof=ddof, keepdims=keep)]
        elif op == "std": r = [np.std(a, axis=ax, ddof=ddof, keepdims=keep)]
        elif op == "max": r = [np.max(a, axis=ax, keepdims=keep)]
        elif op == "min": r = [np.min(a, axis=ax, keepdims=keep)]
        elif op == "argmax": r = [arg(np.argmax)]
        elif op == "argmin": r = [arg(np.argmin)]
        elif op == "all": r = [np.all(a, axis=ax, keepdims=keep)]
        elif op == "any": r = [np.any(a, axis=ax, keepdims=keep)]
        elif op == "max_and_argmax": r = [np.max(a, axis=ax, keepdims=keep), arg(np.argmax)]
        else:
            f = a.astype(np.float64)
            if nred == 0:
                v = np.full(kshape, -np.inf)
            else:
                m = np.max(f, axis=ax, keepdims=True)
                m = np.where(np.isfinite(m), m, 0.0)
                v = np.log(np.sum(np.exp(f - m), axis=ax, keepdims=True)) + m
            r = [np.asarray(v.reshape(oshape), dtype=lse_dtype(str(a.dtype)))]
    out = []
    for x in r:
        x = np.asarray(x)
        dt = "int64" if str(x.dtype) == "uint64" else str(x.dtype)
        vals = [float(v) if x.dtype.kind == "f" else int(v) for v in x.ravel()]
        out.append((dt, list(x.shape), vals))
    return out

def gen(count):
    rng = np.random.default_rng(seed)
    cases, want = [], []
    for i in range(count):
        op = OPS[rng.integers(len(OPS))]
        dt = DTYPES[rng.integers(len(DTYPES))]
        nd = int(rng.integers(0, 5))
        shape = [int(rng.choice([0, 1, 2, 3, 4, 5], p=[.05, .15, .2, .25, .2, .15]))
                 for _ in range(nd)]
        if rng.random() < 0.25:
            axes = None
        else:
            k = int(rng.integers(0, nd + 1))
            axes = [int(d) - (nd if rng.random() < 0.4 else 0)
                    for d in rng.permutation(nd)[:k]]
        keep = int(rng.integers(0, 2))
        ddof = int(rng.integers(-1, 3)) if op in ("variance", "std") else 0
        layout = "ctsr"[rng.integers(4)]
        n = int(np.prod(shape)) if shape else 1
        if dt == "bool": v = rng.integers(0, 2, n)
        elif dt == "int8": v = rng.integers(-10, 11, n)
        elif dt == "int16": v = rng.integers(-300, 301, n)
        elif dt == "int32": v = rng.integers(-100000, 100001, n)
        elif dt == "int64": v = rng.integers(-10**12, 10**12 + 1, n)
        elif dt == "uint8": v = rng.integers(0, 256, n)
        else:
            v = rng.uniform(-3, 3, n)
            if n and rng.random() < 0.15:
                v[rng.integers(n)] = [np.nan, np.inf, -np.inf][rng.integers(3)]
        a = np.asarray(v).astype(dt).reshape(shape)
        vals = [repr(float(x)) if dt.startswith("float") else str(int(x)) for x in a.ravel()]
        ax = ["-1"] if axes is None else [str(len(axes))] + [str(x) for x in axes]
        cases.append(" ".join([op, str(ddof), str(keep)] + ax + [dt, layout, str(nd)] +
                              [str(s) for s in shape] + vals))
        want.append(expect(op, a, axes, keep, ddof))
    return cases, want

def close(g, w, dt):
    if math.isnan(w) or math.isnan(g):
        return math.isnan(w) and math.isnan(g)
    if math.isinf(w) or math.isinf(g):
        return g == w
    rtol, atol = (1e-5, 1e-4) if dt == "float32" else (1e-10, 1e-10)
    return abs(g - w) <= atol + rtol * abs(w)

if mode == "gen":
    cases, want = gen(int(sys.argv[3]))
    open(sys.argv[4], "w").write("\n".join(cases) + "\n")
    json.dump(want, open(sys.argv[5], "w"))
    sys.exit(0)

cases = open(sys.argv[3]).read().splitlines()
want = json.load(open(sys.argv[4]))
got = open(sys.argv[5]).read().splitlines()
bad, pos = 0, 0
for i, (case, w) in enumerate(zip(cases, want)):
    nout = 1 if w[0] == "err" else len(w)
    lines, pos = got[pos:pos + nout], pos + nout
    if w[0] == "err":
        ok = len(lines) == 1 and lines[0].startswith("err " + w[1])
        msg = "numpy raises"
    else:
        ok, msg = len(lines) == nout, ""
        for line, (dt, shape, vals) in zip(lines, w):
            t = line.split()
            if t[0] != "ok" or t[1] != dt or int(t[2]) != len(shape):
                ok, msg = False, "want %s %s" % (dt, shape)
                break
            nd = len(shape)
            gshape, gv = [int(x) for x in t[3:3 + nd]], t[3 + nd:]
            if gshape != shape or len(gv) != len(vals):
                ok, msg = False, "want shape %s" % shape
                break
            for g, v in zip(gv, vals):
                if isinstance(v, float):
                    good = close(float(g), v, dt)
                else:
                    good = int(g) % 2**64 == v % 2**64
                if not good:
                    ok, msg = False, "want %s" % vals
                    break
    if not ok:
        bad += 1
        if bad <= 10:
            print("MISMATCH (seed %d, case %d): %s\n  got: %s\n  %s"
                  % (seed, i, case[:300], " / ".join(lines)[:300], msg[:300]))
if pos != len(got):
    print("the driver printed %d lines, expected %d" % (len(got), pos))
    bad += 1
print("%d of %d cases agree with numpy (seed %d)" % (len(cases) - bad, len(cases), seed))
sys.exit(1 if bad else 0)
EOF
"$py" "$tmp/check.py" gen "$seed" "$count" "$tmp/cases" "$tmp/want.json" || exit 1
"$driver" <"$tmp/cases" >"$tmp/got" || { echo "reduce_driver failed (seed $seed)"; exit 1; }
"$py" "$tmp/check.py" cmp "$seed" "$tmp/cases" "$tmp/want.json" "$tmp/got"
