#!/bin/bash
# gen_ops_doc.sh: regenerate docs/ops.md, the op catalogue, from the built `tgraph` program:
#   scripts/gen_ops_doc.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Run it after adding or changing an op; tests/cli.sh fails while docs/ops.md is stale.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
prog=$build/tgraph
if [ ! -x "$prog" ]; then
  echo "gen_ops_doc: $prog not found; build first (cmake --build $build)" >&2
  exit 1
fi
tmp=$(mktemp "$root/docs/.ops.md.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$prog" ops --markdown >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$root/docs/ops.md"
trap - EXIT
echo "gen_ops_doc: wrote docs/ops.md"
