# print_vs_numpy.sh: differential test of tg_array_to_string against numpy 1.24's str().
# Generates a few hundred random arrays (fixed seed; set TG_PRINT_SEED to try another),
# prints each with tgraph (tests/tools/print_arrays) and with numpy, and compares byte for
# byte, naming the seed and case of every mismatch. Needs /usr/bin/python3 with numpy;
# without it the test says so loudly and exits 77, which ctest reports as skipped.
# usage: bash print_vs_numpy.sh SRC_DIR BUILD_DIR
set -u
src=$1
build=$2
py=${TG_PYTHON:-/usr/bin/python3} # the python3 first on PATH may lack numpy
seed=${TG_PRINT_SEED:-20240611}
count=${TG_PRINT_CASES:-800}
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "************************************************************"
  echo "SKIPPED: print_vs_numpy needs numpy in $py, which is missing."
  echo "************************************************************"
  exit 77
fi
tool=$build/tests/print_arrays
if [ ! -x "$tool" ]; then
  echo "print_vs_numpy: $tool was not built"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" "$src/tests/tools/print_vs_numpy.py" gen "$seed" "$count" "$tmp/cases" "$tmp/want" || exit 1
"$tool" "$tmp/cases" > "$tmp/got" || { echo "print_arrays failed (seed $seed)"; exit 1; }
"$py" "$src/tests/tools/print_vs_numpy.py" cmp "$tmp/want" "$tmp/got" "$seed"
