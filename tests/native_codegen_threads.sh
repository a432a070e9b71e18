# native_codegen_threads.sh: results of native kernels do not depend on the thread count.
# Runs the `thread_bits` case of test_native_codegen_reduce (a large float32 sum, mean and
# elementwise result) with TGRAPH_NUM_THREADS=1 and with 4 threads and compares the bits
# it writes. Usage: bash native_codegen_threads.sh SRC_DIR BUILD_DIR
set -u
build=$2
exe=$build/tests/test_native_codegen_reduce
[ -x "$exe" ] || { echo "missing $exe"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
TG_CG_BITS=$tmp/one TGRAPH_NUM_THREADS=1 "$exe" thread_bits || { echo "FAIL: 1 thread run"; exit 1; }
TG_CG_BITS=$tmp/four TGRAPH_NUM_THREADS=4 "$exe" thread_bits || { echo "FAIL: 4 thread run"; exit 1; }
[ -s "$tmp/one" ] || { echo "FAIL: no results written"; exit 1; }
if cmp -s "$tmp/one" "$tmp/four"; then
  echo "ok: identical bits with 1 and 4 threads ($(wc -c < "$tmp/one") bytes)"
else
  echo "FAIL: results differ between 1 and 4 threads"; exit 1
fi
