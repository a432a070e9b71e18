#!/bin/bash
# demo.sh: run the examples in order, the seed example first.
set -e
BUILD=${1:-build}
mkdir -p "$BUILD/demo"
echo "== seed example (examples/seed_sum.c): C = A + B"
"$BUILD/examples/seed_sum"
echo
if [ -f "$BUILD/python/PYTHON" ]; then
  echo "== the same seed in Python, verbatim Theano (examples/seed.py)"
  PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$BUILD/python" "$(head -n1 "$BUILD/python/PYTHON")" examples/seed.py
  echo
fi
echo "== logistic regression, Theano's tutorial (examples/logreg.c)"
"$BUILD/examples/logreg" "$BUILD/demo/logreg_train.dot"
if command -v dot >/dev/null; then
  dot -Tsvg "$BUILD/demo/logreg_train.dot" -o "$BUILD/demo/logreg_train.svg"
  echo "rendered $BUILD/demo/logreg_train.svg"
fi
for ex in mlp_spirals rnn_scan; do
  if [ -x "$BUILD/examples/$ex" ]; then
    echo
    echo "== $ex (examples/$ex.c)"
    "$BUILD/examples/$ex" "$BUILD/demo"
  fi
done
