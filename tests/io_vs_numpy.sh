# io_vs_numpy.sh: .npy/.npz interoperability with numpy, both ways.
#  - numpy writes .npy files (every dtype we have, ranks 0..3, empty arrays, C and Fortran
#    order, header versions 1.0, 2.0 and 3.0, NaN/inf/-0.0, a file large enough to need
#    many read chunks) and .npz archives (np.savez and np.savez_compressed); tgraph reads
#    each one (tests/tools/npy_tool dump) and the values must equal numpy's exactly;
#  - tgraph writes every one of them back (plain, transposed, stored and compressed
#    archives, ZIP64 records forced) and numpy must load exactly the original arrays, while
#    Python's zipfile verifies every member's CRC-32;
#  - numpy's files in dtypes we lack (complex, uint16, float16, big-endian, unicode) must be
#    refused with "unsupported dtype" naming the file.
# Needs /usr/bin/python3 with numpy; without it the test says so loudly and exits 77.
# (Arrays both C- and Fortran-contiguous, like empty ones, numpy itself writes in C order.)
# usage: bash io_vs_numpy.sh SRC_DIR BUILD_DIR
set -u
build=$2
py=${TG_PYTHON:-/usr/bin/python3} # the python3 first on PATH may lack numpy
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "************************************************************"
  echo "SKIPPED: io_vs_numpy needs numpy in $py, which is missing."
  echo "************************************************************"
  exit 77
fi
tool=$build/tests/npy_tool
[ -x "$tool" ] || { echo "io_vs_numpy: $tool was not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" - "$tool" "$tmp" <<'EOF'
import subprocess, sys, zipfile
import numpy as np

tool, tmp = sys.argv[1], sys.argv[2]
fails = []
checks = 0

def run(*args):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout

def parse(line):
    head, _, vals = line.partition(" : ") if " : " in line else (line.rstrip(" :"), "", "")
    name, dt, shape = head.rsplit(" ", 2)
    shape = () if shape == "-" else tuple(int(s) for s in shape.split(","))
    vals = vals.split()
    if dt.startswith("float"):
        data = np.array([float(v) for v in vals], dtype=dt)
    else:
        data = np.array([int(v) for v in vals], dtype=dt)
    return name, data.reshape(shape)

def same(a, b):
    """Exact equality of dtype, shape and values (NaN equals NaN, -0.0 differs from 0.0)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.all((a == b) & (np.signbit(a) == np.signbit(b)) | (np.isnan(a) & np.isnan(b))))
    return bool(np.array_equal(a, b))

def check(ok, what):
    global checks
    checks += 1
    if not ok:
        fails.append(what)
        print("FAIL:", what)

def values(dt, shape, seed):
    n = int(np.prod(shape, dtype=np.int64))
    r = np.random.default_rng(seed)
    if dt == np.bool_:
        v = r.integers(0, 2, n).astype(np.bool_)
    elif np.issubdtype(dt, np.integer):
        info = np.iinfo(dt)
        v = r.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    else:
        v = (r.standard_normal(n) * 10.0 ** r.integers(-30, 30, n)).astype(dt)
    return v.reshape(shape)

dtypes = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.float32, np.float64]
shapes = [(), (5,), (2, 3), (2, 3, 4), (0,), (3, 0), (2, 0, 4), (1, 1, 1)]
arrays = {}
seed = 1
for dt in dtypes:
    for sh in shapes:
        a = values(dt, sh, seed); seed += 1
        base = "%s_%s" % (np.dtype(dt).name, "x".join(map(str, sh)) or "scalar")
        arrays[base + "_c"] = ("C", a)
        if len(sh) >= 2:
            arrays[base + "_f"] = ("F", np.asfortranarray(values(dt, sh, seed))); seed += 1
        if len(sh) >= 1:
            arrays[base + "_v2"] = ((2, 0), a)
            arrays[base + "_v3"] = ((3, 0), a)
special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308, -1.5])
arrays["special_f8_c"] = ("C", special)
with np.errstate(over="ignore"):  # the largest double becomes inf in float32
    arrays["special_f4_c"] = ("C", special.astype(np.float32))
arrays["big_f8_f"] = ("F", np.asfortranarray(values(np.float64, (300, 400), 99)))
arrays["big_i2_c"] = ("C", values(np.int16, (70000,), 98))

# ---- numpy writes, tgraph reads ----
files = []
for name, (kind, a) in arrays.items():
    path = "%s/%s.npy" % (tmp, name)
    if isinstance(kind, tuple):
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=kind)
    else:
        np.save(path, a)
        if kind == "F" and not a.flags.c_contiguous:
            with open(path, "rb") as f:
                check(b"'fortran_order': True" in f.read(128), "numpy wrote %s in Fortran order" % name)
    files.append((name, path, a))

rc, out = run("dump", *[p for _, p, _ in files])
check(rc == 0, "npy_tool dump of numpy's .npy files: " + out[-300:])
got = dict(parse(l) for l in out.splitlines() if l and not l.startswith("ERROR"))
for name, path, a in files:
    check(path in got and same(got[path], a), "tgraph read %s as numpy wrote it" % name)

kw = {n: a for n, (_, a) in list(arrays.items())[::7]}
np.savez(tmp + "/plain.npz", *list(kw.values())[:3], **kw)
np.savez_compressed(tmp + "/comp.npz", *list(kw.values())[:3], **kw)
want_npz = dict(kw, **{"arr_%d" % i: a for i, a in enumerate(list(kw.values())[:3])})
for z in ("plain", "comp"):
    path = "%s/%s.npz" % (tmp, z)
    rc, out = run("dump", path)
    check(rc == 0, "npy_tool dump %s.npz: %s" % (z, out[-300:]))
    got = dict(parse(l) for l in out.splitlines() if l and not l.startswith("ERROR"))
    check(len(got) == len(want_npz), "%s.npz: %d members read, %d written" % (z, len(got), len(want_npz)))
    for n, a in want_npz.items():
        key = "%s:%s" % (path, n)
        check(key in got and same(got[key], a), "tgraph read member %s of %s.npz" % (n, z))

# ---- tgraph writes, numpy reads ----
for name, path, a in files:
    out = "%s/%s.ours.npy" % (tmp, name)
    rc, msg = run("copy", path, out)
    check(rc == 0 and same(np.load(out), a.copy(order="C")), "numpy read tgraph's copy of %s %s" % (name, msg))
    if a.ndim >= 2:
        rc, msg = run("copyT", path, out)
        check(rc == 0 and same(np.load(out), a.T.copy(order="C")), "numpy read tgraph's transpose of %s %s" % (name, msg))
for z in ("plain", "comp"):
    for opts in ([], ["c"], ["z64"], ["c", "z64"]):
        out = "%s/%s.ours%s.npz" % (tmp, z, "".join(opts))
        rc, msg = run("copyz", "%s/%s.npz" % (tmp, z), out, *opts)
        check(rc == 0, "tgraph copied %s.npz with %s: %s" % (z, opts, msg))
        if rc:
            continue
        with zipfile.ZipFile(out) as zf:
            check(zf.testzip() is None, "zipfile verified the CRCs of %s" % out)
            infos = zf.infolist()
            want_method = zipfile.ZIP_DEFLATED if "c" in opts else zipfile.ZIP_STORED
            check(all(i.compress_type == want_method for i in infos), "compression method of %s" % out)
        with np.load(out) as got:
            check(sorted(got.files) == sorted(want_npz), "member names of %s" % out)
            for n, a in want_npz.items():
                check(n in got.files and same(got[n], a), "numpy read member %s of %s" % (n, out))

# an archive with no members, both ways
np.savez(tmp + "/empty.npz")
rc, msg = run("copyz", tmp + "/empty.npz", tmp + "/empty.ours.npz")
check(rc == 0 and np.load(tmp + "/empty.ours.npz").files == [], "empty archive round trip: " + msg)

# ---- dtypes we lack are refused, naming the file ----
for tag, a in [("complex", np.arange(3) * 1j), ("uint16", np.arange(3, dtype=np.uint16)),
               ("half", np.arange(3, dtype=np.float16)), ("bigendian", np.arange(3, dtype=">f8")),
               ("unicode", np.array(["ab", "c"]))]:
    path = "%s/unsupported_%s.npy" % (tmp, tag)
    np.save(path, a)
    rc, out = run("dump", path)
    check(rc == 1 and out.startswith("ERROR %s: unsupported dtype '%s'" % (path, a.dtype.str)),
          "tgraph refused %s: %s" % (tag, out.strip()))

print("%d passed, %d failed (%d checks)" % (checks - len(fails), len(fails), checks))
sys.exit(1 if fails else 0)
EOF
