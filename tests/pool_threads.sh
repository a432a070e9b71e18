#!/bin/bash
# pool_threads.sh: the pool's size comes from TGRAPH_NUM_THREADS, read once at first use.
# Runs the test_pool executable in fresh processes with TGRAPH_NUM_THREADS=1 (no worker
# threads at all), =3 (three threads meet in a rendezvous even on fewer cores), and an
# invalid value (falls back to the number of online cores); TG_POOL_EXPECT tells test_pool
# the size it must see. Run by ctest as: bash tests/pool_threads.sh SRC_DIR BUILD_DIR
set -u
BUILD=$2
BIN=$BUILD/tests/test_pool
if [ ! -x "$BIN" ]; then
  echo "pool_threads.sh: $BIN was not built"
  exit 1
fi
fail=0
run() { # run EXPECTED VALUE
  echo "== TGRAPH_NUM_THREADS=$2 (expect $1 threads)"
  if ! TGRAPH_NUM_THREADS=$2 TG_POOL_EXPECT=$1 "$BIN"; then
    echo "FAIL: test_pool with TGRAPH_NUM_THREADS=$2"
    fail=1
  fi
}
cores=$(getconf _NPROCESSORS_ONLN)
run 1 1
run 3 3
run "$cores" abc
run "$cores" 0
exit $fail
