# elemwise_vs_numpy.sh: differential test of every elementwise op against numpy 1.24: result
# dtypes and values over all dtype combinations, Python-scalar operands, broadcasting, size-0
# dims and strided inputs (tests/tools/elemwise_vs_numpy.py says which numpy behaviours are
# deliberately different and how each is accounted for). Fixed seed; set TG_ELEMWISE_SEED to
# try another. Needs /usr/bin/python3 with numpy; without it the test says so loudly and
# exits 77, which ctest reports as skipped.
# usage: bash elemwise_vs_numpy.sh SRC_DIR BUILD_DIR
set -u
src=$1
build=$2
py=/usr/bin/python3
seed=${TG_ELEMWISE_SEED:-20240612}
if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "************************************************************"
  echo "SKIPPED: elemwise_vs_numpy needs numpy in $py, which is missing."
  echo "************************************************************"
  exit 77
fi
driver=$build/tests/elemwise_driver
if [ ! -x "$driver" ]; then
  echo "elemwise_vs_numpy: $driver was not built"
  exit 1
fi
"$py" "$src/tests/tools/elemwise_vs_numpy.py" "$driver" "$seed"
