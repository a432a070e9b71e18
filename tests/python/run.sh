#!/bin/bash
# run.sh SRC_DIR BUILD_DIR [pytest args...]: the pytest suite of the Python binding, run by
# ctest. Uses the interpreter the binding was built for (BUILD_DIR/python/PYTHON); exits 77
# (skipped) when the binding was not built or pytest is missing. In sanitizer builds the
# extension needs the ASan runtime loaded first (LD_PRELOAD); Python's own deliberate
# leaks at exit are not ours, so leak detection is off there.
SRC=${1:?source dir}
BUILD=${2:?build dir}
shift 2
if [ ! -f "$BUILD/python/PYTHON" ]; then
  echo "SKIP: the Python binding was not built (no python3 with numpy and Python.h)"
  exit 77
fi
PY=$(head -n1 "$BUILD/python/PYTHON")
if ! "$PY" -c "import pytest" 2>/dev/null; then
  echo "SKIP: $PY has no pytest (Debian: sudo apt-get install -y python3-pytest)"
  exit 77
fi
export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
export TGRAPH_SRC_DIR="$SRC" TGRAPH_PYTHON="$PY"
ext=$(ls "$BUILD"/python/tgraph/_tgraph*.so 2>/dev/null | head -n1)
if [ -n "$ext" ] && ldd "$ext" 2>/dev/null | grep -q libasan; then
  pre=""
  for lib in libasan.so libubsan.so; do
    p=$(${CC:-cc} -print-file-name=$lib)
    [ -f "$p" ] && pre="$pre $p"
  done
  export LD_PRELOAD="${pre# }"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
cd "$SRC" || exit 1
exec "$PY" -m pytest -q -p no:cacheprovider "$SRC/tests/python" "$@"
