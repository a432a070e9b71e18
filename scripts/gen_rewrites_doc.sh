#!/bin/bash
# gen_rewrites_doc.sh: regenerate docs/rewrites.md, the list of graph rewrites, from the
# built `tgraph` program:
#   scripts/gen_rewrites_doc.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Run it after adding or changing a rewrite; tests/cli_rewrites.sh fails while
# docs/rewrites.md is stale.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
prog=$build/tgraph
if [ ! -x "$prog" ]; then
  echo "gen_rewrites_doc: $prog not found; build first (cmake --build $build)" >&2
  exit 1
fi
tmp=$(mktemp "$root/docs/.rewrites.md.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$prog" rewrites --markdown >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$root/docs/rewrites.md"
trap - EXIT
echo "gen_rewrites_doc: wrote docs/rewrites.md"
