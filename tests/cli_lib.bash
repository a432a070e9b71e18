# cli_lib.bash: helpers shared by the shell tests of the `tgraph` program (cli.sh,
# cli_rewrites.sh, native_cache.sh). Source it after setting TG (the program) and tmp (a
# scratch directory); it counts checks in pass and fail. Not a test itself (not *.sh).
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*"
}

# run NAME ARGS...: run tgraph, leaving stdout in $tmp/NAME.out, stderr in $tmp/NAME.err
# and the exit status in $rc. TGRAPH_FLAGS is whatever the caller exported.
run() {
  local name=$1
  shift
  "$TG" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}

# expect_rc NAME WANT: the last run's exit status
expect_rc() {
  if [ "$rc" = "$2" ]; then ok; else bad "$1: exit status $rc, expected $2 (stderr: $(head -3 "$tmp/$1.err"))"; fi
}

# expect_line NAME STREAM REGEX: some line of the stream (out/err) matches the ERE
expect_line() {
  if grep -Eq -- "$3" "$tmp/$1.$2"; then ok; else
    bad "$1: no line of std$2 matches /$3/; it was:"
    sed 's/^/    /' "$tmp/$1.$2" | head -20
  fi
}
