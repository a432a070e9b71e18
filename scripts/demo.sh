#!/bin/bash
# demo.sh: run the examples in order, the seed example first.
set -e
BUILD=${1:-build}
echo "== seed example (examples/seed_sum.c): C = A + B"
"$BUILD/examples/seed_sum"
