#!/bin/bash
# install.sh: the installed library works for a consumer. Installs BUILD_DIR into a temporary
# prefix, then builds the seed example (examples/seed_sum.c) against the INSTALLED headers
# and libraries three ways -- pkg-config with the shared library, pkg-config --static with
# the static one, and a CMake project using find_package(tgraph) -- runs each and compares
# its output with what numpy prints. Also runs the installed `tgraph version` if the program
# was installed. Usage: bash tests/install.sh SRC_DIR BUILD_DIR. Exit 77 means skipped.
set -euo pipefail

SRC=${1:?usage: install.sh SRC_DIR BUILD_DIR}
BUILD=${2:?usage: install.sh SRC_DIR BUILD_DIR}
SRC=$(cd "$SRC" && pwd)
BUILD=$(cd "$BUILD" && pwd)

skip() { echo "SKIPPED install test: $*" >&2; exit 77; }
fail() { echo "FAIL install test: $*" >&2; exit 1; }

command -v pkg-config >/dev/null || skip "pkg-config is not installed"
[ -f "$BUILD/CMakeCache.txt" ] || fail "$BUILD is not a configured build directory"

cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" | head -n1; }
CC=$(cache CMAKE_C_COMPILER)
[ -n "$CC" ] || CC=cc
# A sanitizer build installs instrumented code: consumers must link the same runtime, so
# the programs below are built with the build's sanitizer flags.
SANFLAGS=""
if [ "$(cache TGRAPH_SANITIZE)" = ON ]; then
  SANFLAGS="-fsanitize=address,undefined"
fi
for f in $(cache CMAKE_C_FLAGS); do
  case $f in -fsanitize=*) SANFLAGS="$SANFLAGS $f" ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tgraph-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }

[ -f "$prefix/include/tgraph/tgraph.h" ] || fail "tgraph.h was not installed"
libdir=$(dirname "$(find "$prefix" -name tgraph.pc -print -quit)")/..
[ -f "$libdir/pkgconfig/tgraph.pc" ] || fail "tgraph.pc was not installed"
libdir=$(cd "$libdir" && pwd)
[ -f "$libdir/libtgraph.a" ] || fail "libtgraph.a was not installed"
ls "$libdir"/libtgraph.so* >/dev/null 2>&1 || fail "libtgraph.so was not installed"

export PKG_CONFIG_PATH=$libdir/pkgconfig
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
# The .pc file must point into the prefix it was installed to, not the configured one.
cflags=$(pkg-config --cflags tgraph)
case "$cflags" in *"$tmp"*) ;; *)
  fail "pkg-config --cflags gives '$cflags', outside the install prefix $prefix" ;;
esac
pkg_libs=$(pkg-config --libs tgraph)
case "$pkg_libs" in *"$tmp"*) ;; *)
  fail "pkg-config --libs gives '$pkg_libs', outside the install prefix $prefix" ;;
esac

expected=$(printf '[[ 6.  8.]\n [10. 12.]]')
check_output() { # name, program
  local got
  got=$("$2") || fail "$1: the program failed"
  [ "$got" = "$expected" ] || fail "$1: printed
$got
expected
$expected"
  echo "ok: $1"
}

seed=$SRC/examples/seed_sum.c
[ -f "$seed" ] || fail "$seed is missing"

# 1. shared library through pkg-config
# shellcheck disable=SC2086
"$CC" -std=c11 $SANFLAGS -o "$tmp/seed_shared" "$seed" $cflags $pkg_libs ||
  fail "building the seed with pkg-config (shared) failed"
readelf -d "$tmp/seed_shared" | grep -q 'NEEDED.*libtgraph\.so' ||
  fail "the pkg-config build did not link libtgraph.so"
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} check_output "pkg-config, shared" "$tmp/seed_shared"

# 2. static library through pkg-config --static: -ltgraph alone would pick the .so, so ask
#    the linker for the archive; the rest (-lm -lpthread) must come from Libs.private.
static_libs=$(pkg-config --static --libs tgraph)
case " $static_libs " in *" -lm "*) ;; *) fail "pkg-config --static --libs lacks -lm: $static_libs" ;; esac
static_libs=${static_libs/-ltgraph/-Wl,-Bstatic -ltgraph -Wl,-Bdynamic}
# shellcheck disable=SC2086
"$CC" -std=c11 $SANFLAGS -o "$tmp/seed_static" "$seed" $(pkg-config --static --cflags tgraph) $static_libs ||
  fail "building the seed with pkg-config --static failed"
if readelf -d "$tmp/seed_static" | grep -q 'NEEDED.*libtgraph'; then
  fail "the static build still needs libtgraph.so"
fi
check_output "pkg-config --static" "$tmp/seed_static"

# 3. a CMake project using find_package(tgraph), once per exported library
mkdir -p "$tmp/consumer"
cp "$seed" "$tmp/consumer/seed_sum.c"
cat >"$tmp/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(consumer LANGUAGES C)
find_package(tgraph REQUIRED)
add_executable(seed_default seed_sum.c)
target_link_libraries(seed_default PRIVATE tgraph::tgraph)
add_executable(seed_static seed_sum.c)
target_link_libraries(seed_static PRIVATE tgraph::tgraph_static)
EOF
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$SANFLAGS" >"$tmp/consumer.log" 2>&1 ||
  { cat "$tmp/consumer.log" >&2; fail "configuring a find_package(tgraph) project failed"; }
cmake --build "$tmp/consumer/build" >>"$tmp/consumer.log" 2>&1 ||
  { cat "$tmp/consumer.log" >&2; fail "building a find_package(tgraph) project failed"; }
check_output "find_package, tgraph::tgraph" "$tmp/consumer/build/seed_default"
check_output "find_package, tgraph::tgraph_static" "$tmp/consumer/build/seed_static"

# 4. the installed command-line program, if this build has one
if [ -x "$prefix/bin/tgraph" ]; then
  version=$(pkg-config --modversion tgraph)
  out=$("$prefix/bin/tgraph" version) || fail "tgraph version failed"
  case "$out" in *"$version"*) echo "ok: tgraph version ($out)" ;;
    *) fail "tgraph version printed '$out', expected it to name $version" ;; esac
else
  echo "note: no tgraph program in this build; 'tgraph version' not checked"
fi
echo "install test passed"
