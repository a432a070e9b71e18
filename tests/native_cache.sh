#!/bin/bash
# native_cache.sh: `tgraph cache info|clear|prune|build` on a cache directory of hand-made
# entries (files named <64 hex digits>.so, sizes and use times set here): the counts and
# sizes info reports, the compiler line (what `cc --version` prints first), pruning to
# cache_max_mb least recently used first (by use time, not size), clear leaving files that
# are not the cache's, refusal of a directory others can write, usage errors, and what
# `cache build` does with logs it cannot use.
# Entries made by the real compiler are covered by test_native_cache.c.
# Run by ctest as: bash tests/native_cache.sh SRC_DIR BUILD_DIR
set -u
BUILD=$2
TG=$BUILD/tgraph
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/cli_lib.bash"
exists() { if [ -e "$1" ]; then ok; else bad "$2: $1 should exist"; fi; }
gone() { if [ ! -e "$1" ]; then ok; else bad "$2: $1 should be gone"; fi; }

if [ ! -x "$TG" ]; then
  echo "FAIL: $TG was not built"
  exit 1
fi

C=$tmp/cache
export TGRAPH_FLAGS="compiledir=$C"
unset XDG_CACHE_HOME

# ---- info before anything is cached: nothing is created ----
run info0 cache info
expect_rc info0 0
expect_line info0 out "^directory: +$C\$"
expect_line info0 out '^status: +not created yet'
expect_line info0 out '^entries: +0$'
expect_line info0 out '^limit: +256 MiB \(cache_max_mb\)'
gone "$C" info0
cc_cmd=${CC:-cc}
first=$($cc_cmd --version 2>/dev/null | head -1)
if [ -n "$first" ] && grep -Fq "compiler:  $cc_cmd (" "$tmp/info0.out" && grep -Fq "): $first" "$tmp/info0.out"; then ok; else
  bad "info0: compiler line should name '$cc_cmd' and end with '$first'; got: $(grep compiler "$tmp/info0.out")"
fi
run limit_key config cache_max_mb
if [ "$(cat "$tmp/limit_key.out")" = 256 ]; then ok; else bad "config cache_max_mb printed '$(cat "$tmp/limit_key.out")'"; fi

# ---- hand-made entries: A newest and smallest, C oldest and largest ----
mkdir -m 0700 "$C"
hexname() { printf '%064d.so' "$1"; }
A=$C/$(hexname 1)
B=$C/$(hexname 2)
D=$C/$(hexname 3)
head -c 300000 /dev/zero >"$A"
head -c 400000 /dev/zero >"$B"
head -c 500000 /dev/zero >"$D"
now=$(date +%s)
touch -d "@$((now - 100))" "$A"
touch -d "@$((now - 200))" "$B"
touch -d "@$((now - 300))" "$D"
echo keep >"$C/notes.txt"                      # not the cache's: never removed
head -c 10 /dev/zero >"$C/tmp-00ff-1-1.part"    # an interrupted publication, 2 hours old
touch -d "@$((now - 7200))" "$C/tmp-00ff-1-1.part"
head -c 10 /dev/zero >"$C/tmp-00ff-2-1.part"    # one in progress right now
head -c 10 /dev/zero >"$C/abc.so"              # not an entry name: ignored

run info1 cache info
expect_rc info1 0
expect_line info1 out '^status: +ok$'
expect_line info1 out '^entries: +3$'
expect_line info1 out '^size: +1200000 bytes \(1\.1 MiB\)$'
expect_line info1 out '^partial: +2 temporary files \(20 bytes\)'

# ---- prune to 1 MiB = 1048576 bytes: the oldest (D, 500000) goes, 700000 remain ----
TGRAPH_FLAGS="compiledir=$C,cache_max_mb=1" run prune1 cache prune
expect_rc prune1 0
expect_line prune1 out '^removed 1 entries \(488\.3 KiB\) and 1 temporary files from '
expect_line prune1 out '^2 entries \(683\.6 KiB\) remain; limit 1 MiB$'
gone "$D" prune1
exists "$A" prune1
exists "$B" prune1
gone "$C/tmp-00ff-1-1.part" prune1
exists "$C/tmp-00ff-2-1.part" prune1

# B used just now, a new D 50 s ago: A, the least recently used, goes (1.3 MB -> 1.0 MB)
touch "$B"
head -c 600000 /dev/zero >"$D"
touch -d "@$((now - 50))" "$D"
TGRAPH_FLAGS="compiledir=$C,cache_max_mb=1" run prune2 cache prune
expect_rc prune2 0
expect_line prune2 out '^removed 1 entries '
gone "$A" prune2
exists "$B" prune2
exists "$D" prune2

# no limit: nothing goes
TGRAPH_FLAGS="compiledir=$C,cache_max_mb=0" run prune0 cache prune
expect_rc prune0 0
expect_line prune0 out '^removed 0 entries \(0 bytes\) from '
expect_line prune0 out 'no limit \(cache_max_mb=0\)$'
exists "$B" prune0

# ---- a directory others can write is refused, and never cleared ----
chmod 0777 "$C"
run info_bad cache info
expect_rc info_bad 0
expect_line info_bad out '^status: +refused: it is writable by group or others \(mode 0777\)'
run clear_bad cache clear
expect_rc clear_bad 1
expect_line clear_bad err "^tgraph: refusing to clear '$C': it is writable by group or others"
run prune_bad cache prune
expect_rc prune_bad 1
exists "$B" clear_bad
chmod 0700 "$C"

# ---- clear: every entry and temporary, nothing else ----
run clear cache clear
expect_rc clear 0
expect_line clear out "^removed 2 entries \(976\.6 KiB\) and 1 temporary files from $C\$"
gone "$B" clear
gone "$D" clear
exists "$C/notes.txt" clear
exists "$C/abc.so" clear
run info2 cache info
expect_line info2 out '^entries: +0$'

# ---- usage errors ----
run no_sub cache
expect_rc no_sub 2
expect_line no_sub err 'cache needs a subcommand: info, clear, prune or build'
run bad_sub cache bogus
expect_rc bad_sub 2
expect_line bad_sub err "unknown cache subcommand 'bogus'"
run extra cache info now
expect_rc extra 2

# ---- cache build: usage errors and logs it refuses (batches themselves are covered by
# test_native_batch.c) ----
run build_nodir cache build
expect_rc build_nodir 2
expect_line build_nodir err 'cache build needs the kernel log directory'
run build_badj cache build "$tmp" -j 0
expect_rc build_badj 2
expect_line build_badj err "cache build: -j needs a number of jobs from 1 to 64 \(got '0'\)"
run build_extra cache build "$tmp" other
expect_rc build_extra 2
expect_line build_extra err "cache build: unexpected argument 'other'"
L=$tmp/log
mkdir -m 0777 "$L"
chmod 0777 "$L"
run build_unsafe cache build "$L"
expect_rc build_unsafe 1
expect_line build_unsafe err "not using the kernel log '$L': it is writable by group or others"
chmod 0700 "$L"
printf 'not what its name says' >"$L/$(printf '%064d' 7)-O3.k"
run build_cut cache build "$L" -j 1
expect_rc build_cut 0
expect_line build_cut out "^1 kernels logged in $L: 0 cached already, 0 compiled now in 0 batches .*; 1 unreadable files left alone\$"

echo "native_cache.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
