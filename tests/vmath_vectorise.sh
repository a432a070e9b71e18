#!/bin/bash
# vmath_vectorise.sh: the functions of src/backend/cpu/tg_vmath.h vectorise the way
# generated kernels compile them: a loop `y[i] = tgv_<fn>(x[i])` built with
# `-O3 -march=native -fno-math-errno` (and no -ffast-math) must be reported vectorised by
# gcc's -fopt-info-vec-optimized, for every function and both precisions; and the same
# file must also compile cleanly as strict C11 with all warnings. Then tests/test_vmath.c
# (special values and accuracy, with its Debug-sized sweep) is built and run the way kernels
# are built: -O3 -march=native -fno-math-errno, GNU mode so a*b+c contracts into FMAs.
# Skipped (77) only when there is no gcc. Run by ctest as: bash tests/vmath_vectorise.sh SRC_DIR BUILD_DIR
set -u
SRC=$1
CC=${CC:-gcc}
if ! command -v "$CC" > /dev/null 2>&1; then
  echo "SKIPPED: no C compiler ($CC)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
funcs_f="expf exp2f expm1f logf log2f log10f log1pf tanhf sigmoidf softplusf erff erfcf sinf cosf"
funcs_d="exp exp2 expm1 log log2 log10 log1p tanh sigmoid softplus"
{
  echo '#include "tg_vmath.h"'
  for f in $funcs_f; do
    echo "void k_$f(long n, const float *restrict x, float *restrict y) {"
    echo "  for (long i = 0; i < n; i++) y[i] = tgv_$f(x[i]); /* LOOP $f */"
    echo "}"
  done
  for f in $funcs_d; do
    echo "void k_$f(long n, const double *restrict x, double *restrict y) {"
    echo "  for (long i = 0; i < n; i++) y[i] = tgv_$f(x[i]); /* LOOP $f */"
    echo "}"
  done
  echo "void k_powf(long n, const float *restrict x, const float *restrict e, float *restrict y) {"
  echo "  for (long i = 0; i < n; i++) y[i] = tgv_powf(x[i], e[i]); /* LOOP powf */"
  echo "}"
} > "$tmp/k.c"
if ! "$CC" -std=c11 -O3 -march=native -fno-math-errno -Wall -Wextra -Wshadow -Werror \
    -I "$SRC/src/backend/cpu" -c "$tmp/k.c" -o "$tmp/k.o" -fopt-info-vec-optimized \
    2> "$tmp/info"; then
  cat "$tmp/info"
  echo "FAIL: the kernels do not compile"
  exit 1
fi
fail=0
for f in $funcs_f $funcs_d powf; do
  line=$(grep -n "LOOP $f \*/" "$tmp/k.c" | cut -d: -f1)
  if grep -q "k.c:$line:[0-9]*: optimized: loop vectorized" "$tmp/info"; then
    echo "vectorised: $f"
  else
    echo "FAIL: the loop over tgv_$f was not vectorised"
    fail=1
  fi
done
# -ffast-math must not be needed, and must not be what makes it work: isnan still holds
cat > "$tmp/nan.c" << 'EOC'
#include <stdio.h>
#include "tg_vmath.h"
int main(void) {
  volatile float n = NAN, inf = INFINITY;
  float x[64], y[64];
  for (int i = 0; i < 64; i++) x[i] = i % 2 ? n : -inf;
  for (int i = 0; i < 64; i++) y[i] = tgv_expf(x[i]);
  for (int i = 0; i < 64; i++)
    if (i % 2 ? !isnan(y[i]) : y[i] != 0) return 1;
  return 0;
}
EOC
if "$CC" -std=c11 -O3 -march=native -fno-math-errno -I "$SRC/src/backend/cpu" "$tmp/nan.c" \
    -o "$tmp/nan" -lm && "$tmp/nan"; then
  echo "NaN and -inf behave in a vectorised build"
else
  echo "FAIL: NaN/-inf wrong in a vectorised build"
  fail=1
fi
# test_vmath as a kernel would be compiled (needs the static library for the pool and the
# embedded text; OpenBLAS only if the library was built with it)
BUILD=$2
lib=$BUILD/libtgraph.a
if [ ! -f "$lib" ]; then
  echo "FAIL: $lib was not built"
  exit 1
fi
flags=(-std=gnu11 -O3 -march=native -fno-math-errno -ffp-contract=fast -D_GNU_SOURCE
  "-DTG_SOURCE_DIR=\"$SRC\"" -I "$SRC/include" -I "$SRC/src" -I "$SRC/tests")
# (a sanitizer build's library needs the sanitizer runtimes at link time)
san=(-fsanitize=address,undefined)
if ! "$CC" "${flags[@]}" "$SRC/tests/test_vmath.c" "$lib" -lm -lpthread -o "$tmp/tv" 2> /dev/null &&
  ! "$CC" "${flags[@]}" "$SRC/tests/test_vmath.c" "$lib" -lopenblas -lm -lpthread -o "$tmp/tv" 2> /dev/null &&
  ! "$CC" "${flags[@]}" "${san[@]}" "$SRC/tests/test_vmath.c" "$lib" -lm -lpthread -o "$tmp/tv" 2> /dev/null &&
  ! "$CC" "${flags[@]}" "${san[@]}" "$SRC/tests/test_vmath.c" "$lib" -lopenblas -lm -lpthread -o "$tmp/tv"; then
  echo "FAIL: test_vmath.c does not build with kernel flags"
  exit 1
fi
if "$tmp/tv"; then
  echo "test_vmath passes when built with kernel flags"
else
  echo "FAIL: test_vmath fails when built with kernel flags"
  fail=1
fi
exit $fail
