# native_fallback.sh: with no usable C compiler (cc=/nonexistent) every function runs on
# the reference backend, correctly, and ONE warning saying why is printed per process;
# linker=ref prints nothing. Usage: bash native_fallback.sh SRC_DIR BUILD_DIR
set -u
build=$2
exe=$build/tests/test_native_codegen
[ -x "$exe" ] || { echo "missing $exe"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# several cases, many functions: results still agree with the reference (the harness
# checks values computed by hand too); the kernel-count checks report a skip (exit 77)
TGRAPH_FLAGS="compiledir=$tmp/cache,cc=/nonexistent/cc" "$exe" _ 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || { echo "FAIL: exit $rc"; cat "$tmp/err"; exit 1; }
n=$(grep -c "native backend unavailable" "$tmp/err")
[ "$n" -eq 1 ] || { echo "FAIL: $n warnings (want 1)"; cat "$tmp/err"; exit 1; }
grep -q "nonexistent" "$tmp/err" || { echo "FAIL: the warning does not say why"; cat "$tmp/err"; exit 1; }
# test_function compiles with the configured linker: linker=ref never looks for a compiler
TGRAPH_FLAGS="compiledir=$tmp/cache,cc=/nonexistent/cc,linker=ref" "$build/tests/test_function" > /dev/null 2> "$tmp/err2"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || { echo "FAIL: linker=ref exit $rc"; exit 1; }
if grep -q "native backend" "$tmp/err2"; then echo "FAIL: linker=ref warned"; exit 1; fi
echo "ok: one warning ($(head -c 200 "$tmp/err" | tr '\n' ' ')), results correct"
