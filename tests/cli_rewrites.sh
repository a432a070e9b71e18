#!/bin/bash
# cli_rewrites.sh: `tgraph rewrites`: every rewrite registered in a family table (under
# src/) is listed once (names read from those files, so the test cannot drift),
# with its kind and phase; --phase keeps one phase; --markdown prints docs/rewrites.md,
# which must be current (scripts/gen_rewrites_doc.sh regenerates it); bad arguments exit 2.
# Run by ctest as: bash tests/cli_rewrites.sh SRC_DIR BUILD_DIR
set -u
SRC=$1
BUILD=$2
TG=$BUILD/tgraph
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/cli_lib.bash"

if [ ! -x "$TG" ]; then
  echo "FAIL: $TG was not built"
  exit 1
fi
unset TGRAPH_FLAGS

# The rows of the family tables, wherever they live under src/: {"name", "tags",
# TGI_PH_..., ... (the phase on that line or the next)
names=$(find "$SRC/src" -name '*.c' -exec awk '
  function name(l) { sub(/^ *\{"/, "", l); sub(/".*/, "", l); return l }
  pend != "" { if ($0 ~ /^ *TGI_PH_/) print pend; pend = "" }
  /^ *\{"[a-z0-9_]+", "[a-z_ ]*",/ {
    if ($0 ~ /TGI_PH_/) print name($0); else pend = name($0)
  }' {} +)
n_names=$(echo "$names" | wc -w)
[ "$n_names" -ge 20 ] || bad "read only $n_names rewrite names from src/rewrite/*.c"
dups=$(echo "$names" | sort | uniq -d)
[ -z "$dups" ] && ok || bad "rewrite names defined twice: $dups"

run list rewrites
expect_rc list 0
expect_line list out '^name +kind +phase +op +tags +doc$'
rows=$(($(wc -l <"$tmp/list.out") - 1))
if [ "$rows" -eq "$n_names" ]; then ok; else bad "rewrites lists $rows rows, the tables hold $n_names"; fi
run md rewrites --markdown
expect_rc md 0
missing=""
for n in $names; do
  grep -Eq "^$n +(local|global) +(canonicalize|stabilize|specialize|fusion|cleanup) " "$tmp/list.out" || missing="$missing $n"
  grep -Fq "| \`$n\` | " "$tmp/md.out" || missing="$missing $n(markdown)"
done
if [ -z "$missing" ]; then ok; else bad "rewrites does not list:$missing"; fi
# spot checks of kind, phase and op
expect_line list out '^merge +global +canonicalize +any '
expect_line list out '^local_add_canonize +local +canonicalize +Elemwise +fast_run canonicalize '
expect_line list out '^local_shape_lift +local +canonicalize +Shape '
# the text table is aligned: the kind column starts at the same place on every line
starts=$(awk '{ print length($1) + index(substr($0, length($1) + 1), $2) }' "$tmp/list.out" | sort -u | wc -l)
if [ "$starts" -eq 1 ]; then ok; else bad "rewrites: the kind column is not aligned"; fi

# --phase: only that phase's rows, and all of them
run canon rewrites --phase canonicalize
expect_rc canon 0
others=$(awk 'NR > 1 && $3 != "canonicalize"' "$tmp/canon.out")
[ -z "$others" ] && ok || bad "--phase canonicalize lists other phases: $others"
want=$(awk 'NR > 1 && $3 == "canonicalize"' "$tmp/list.out" | wc -l)
got=$(($(wc -l <"$tmp/canon.out") - 1))
[ "$got" -eq "$want" ] && [ "$got" -gt 0 ] && ok || bad "--phase canonicalize: $got rows, expected $want"

# ---- docs/rewrites.md is what `tgraph rewrites --markdown` prints ----
if cmp -s "$tmp/md.out" "$SRC/docs/rewrites.md"; then ok; else
  diff -u "$SRC/docs/rewrites.md" "$tmp/md.out" | head -20
  bad "docs/rewrites.md is stale: run scripts/gen_rewrites_doc.sh BUILD_DIR"
fi

# ---- usage errors exit 2 ----
run bad_arg rewrites --frobnicate
expect_rc bad_arg 2
expect_line bad_arg err "unknown argument '--frobnicate'"
run bad_phase rewrites --phase nosuch
expect_rc bad_phase 2
expect_line bad_phase err "unknown phase 'nosuch' \(phases: canonicalize, stabilize"
run no_phase rewrites --phase
expect_rc no_phase 2
run help rewrites --help
expect_rc help 0
expect_line help out '^  rewrites '

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
