#!/bin/bash
# seed_python.sh SRC_DIR BUILD_DIR: the seed program (examples/seed.py, verbatim Theano)
# run through the theano compatibility package must print exactly numpy's
# "[[ 6.  8.]\n [10. 12.]]". Skipped (77) when the Python binding was not built.
SRC=${1:?source dir}
BUILD=${2:?build dir}
if [ ! -f "$BUILD/python/PYTHON" ]; then
  echo "SKIP: the Python binding was not built"
  exit 77
fi
PY=$(head -n1 "$BUILD/python/PYTHON")
ext=$(ls "$BUILD"/python/tgraph/_tgraph*.so 2>/dev/null | head -n1)
if [ -n "$ext" ] && ldd "$ext" 2>/dev/null | grep -q libasan; then
  export LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libubsan.so)"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
expected=$'[[ 6.  8.]\n [10. 12.]]'
got=$(cd "$SRC/examples" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$BUILD/python" "$PY" seed.py)
rc=$?
if [ $rc -ne 0 ] || [ "$got" != "$expected" ]; then
  echo "FAIL: seed.py exited $rc and printed:"
  echo "$got"
  echo "expected:"
  echo "$expected"
  exit 1
fi
echo "seed.py printed the expected matrix"
