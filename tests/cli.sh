#!/bin/bash
# cli.sh: the `tgraph` program: `version`, `config` (values and their sources with and
# without TGRAPH_FLAGS, warnings for bad flags), `ops` (every scalar op of
# src/ops/scalar_ops.def listed, read from that file so the test cannot drift), that
# docs/ops.md is what `tgraph ops --markdown` prints, and the exit statuses (0 ok, 1 failure,
# 2 bad usage). Run by ctest as: bash tests/cli.sh SRC_DIR BUILD_DIR
set -u
SRC=$1
BUILD=$2
TG=$BUILD/tgraph
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/cli_lib.bash"

# expect_empty NAME STREAM
expect_empty() {
  if [ ! -s "$tmp/$1.$2" ]; then ok; else bad "$1: std$2 should be empty, got: $(head -3 "$tmp/$1.$2")"; fi
}

if [ ! -x "$TG" ]; then
  echo "FAIL: $TG was not built"
  exit 1
fi
unset TGRAPH_FLAGS

# ---- version: the version of the public header, then build facts ----
want_version=$(sed -n 's/^#define TG_VERSION_STRING "\(.*\)"$/\1/p' "$SRC/include/tgraph/common.h")
[ -n "$want_version" ] || bad "could not read TG_VERSION_STRING from include/tgraph/common.h"
run version version
expect_rc version 0
if [ "$(head -1 "$tmp/version.out")" = "tgraph $want_version" ]; then ok; else
  bad "version: first line is '$(head -1 "$tmp/version.out")', expected 'tgraph $want_version'"
fi
expect_line version out '^compiler: +[^ ]'
expect_line version out '^C standard: +C(11|17|23)'
expect_line version out '^build: +(debug|release|custom) '
run version_flag --version
expect_rc version_flag 0
expect_line version_flag out "^tgraph $want_version\$"

# ---- config: defaults, TGRAPH_FLAGS, and its warnings ----
run config_default config
expect_rc config_default 0
expect_line config_default out '^key +value +source +description$'
expect_line config_default out '^floatX +float64 +default +dtype of variables'
expect_empty config_default err

export TGRAPH_FLAGS=floatX=float32
run config_env config
expect_rc config_env 0
expect_line config_env out '^floatX +float32 +TGRAPH_FLAGS +dtype of variables'
expect_empty config_env err
run config_key config floatX
expect_rc config_key 0
if [ "$(cat "$tmp/config_key.out")" = float32 ]; then ok; else bad "config floatX printed '$(cat "$tmp/config_key.out")'"; fi

# blanks around keys and values are allowed; bad items are reported and ignored
export TGRAPH_FLAGS=' floatX = float32 , nosuchflag=1,floatx=float64, oops ,floatX=float16'
run config_warn config
expect_rc config_warn 0
expect_line config_warn out '^floatX +float32 +TGRAPH_FLAGS '
expect_line config_warn err "^tgraph: warning: TGRAPH_FLAGS: unknown key 'nosuchflag'; ignored\$"
expect_line config_warn err "unknown key 'floatx'.*did you mean 'floatX'"
expect_line config_warn err "item 'oops' is not key=value"
expect_line config_warn err "bad value 'float16' for floatX; ignored \(expected float64 or float32\)"
if [ "$(wc -l <"$tmp/config_warn.err")" -eq 4 ]; then ok; else
  bad "config_warn: expected 4 warnings, got: $(cat "$tmp/config_warn.err")"
fi

export TGRAPH_FLAGS=floatX=float16
run config_badval config
expect_rc config_badval 0
expect_line config_badval out '^floatX +float64 +default '
expect_line config_badval err "bad value 'float16' for floatX"
unset TGRAPH_FLAGS

run config_unknown config nosuchkey
expect_rc config_unknown 1
expect_line config_unknown err "unknown configuration key 'nosuchkey'"

# ---- ops: every scalar op of scalar_ops.def, in the text table and in markdown ----
names=$(sed -n 's/^TG_SCALAR( *\([a-z_0-9]*\) *,.*/\1/p' "$SRC/src/ops/scalar_ops.def")
n_names=$(echo "$names" | wc -w)
[ "$n_names" -gt 50 ] || bad "read only $n_names op names from src/ops/scalar_ops.def"
run ops ops
expect_rc ops 0
expect_line ops out '^name +family +arity +dtypes +grad +native +doc$'
run ops_md ops --markdown
expect_rc ops_md 0
run ops_elemwise ops --family elemwise
expect_rc ops_elemwise 0
missing=""
for n in $names; do
  grep -Eq "^$n +elemwise +[0-9n] " "$tmp/ops.out" || missing="$missing $n"
  grep -Fq "| \`$n\` | elemwise |" "$tmp/ops_md.out" || missing="$missing $n(markdown)"
  grep -Eq "^$n +elemwise " "$tmp/ops_elemwise.out" || missing="$missing $n(--family)"
done
if [ -z "$missing" ]; then ok; else bad "ops does not list:$missing"; fi
# the text table is aligned: the family column starts at the same place on every line
starts=$(awk '{ print length($1) + index(substr($0, length($1) + 1), $2) }' "$tmp/ops.out" | sort -u | wc -l)
if [ "$starts" -eq 1 ]; then ok; else bad "ops: the family column is not aligned"; fi
# arities agree with the .def file (spot-check: add 2, exp 1, clip 3)
expect_line ops out '^add +elemwise +2 '
expect_line ops out '^exp +elemwise +1 '
expect_line ops out '^clip +elemwise +3 '
# the markdown cells escape what markdown would take as markup
expect_line ops_md out '^\| `abs` \| elemwise \| 1 \| .* \| \\\|a\\\| \|$'
expect_line ops_md out '^\| `pow` \| .* \| a \\\*\\\* b \|$'

# ---- docs/ops.md is what `tgraph ops --markdown` prints ----
if cmp -s "$tmp/ops_md.out" "$SRC/docs/ops.md"; then ok; else
  diff -u "$SRC/docs/ops.md" "$tmp/ops_md.out" | head -20
  bad "docs/ops.md is stale: run scripts/gen_ops_doc.sh build"
fi

# ---- usage errors exit 2 with the usage on stderr; help exits 0 ----
run bad_cmd frobnicate
expect_rc bad_cmd 2
expect_line bad_cmd err "^tgraph: unknown command 'frobnicate'\$"
expect_line bad_cmd err '^usage: tgraph <command>'
expect_empty bad_cmd out
run no_cmd
expect_rc no_cmd 2
expect_line no_cmd err '^usage: tgraph <command>'
run bad_opt ops --frobnicate
expect_rc bad_opt 2
expect_line bad_opt err "unknown argument '--frobnicate'"
run bad_family ops --family nosuchfamily
expect_rc bad_family 2
expect_line bad_family err "unknown family 'nosuchfamily' \(families: elemwise"
run no_family ops --family
expect_rc no_family 2
run version_arg version extra
expect_rc version_arg 2
for h in help --help -h; do
  run "help$h" "$h"
  expect_rc "help$h" 0
  expect_line "help$h" out '^usage: tgraph <command>'
done
run ops_help ops --help
expect_rc ops_help 0
expect_line ops_help out '^usage: tgraph <command>'

# ---- a failed write is a runtime failure (1) ----
if [ -w /dev/full ]; then
  "$TG" ops >/dev/full 2>"$tmp/full.err"
  rc=$?
  expect_rc full 1
  expect_line full err 'writing the output failed'
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
