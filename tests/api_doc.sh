#!/bin/bash
# api_doc.sh: docs/api.md must match what scripts/gen_api_doc.py makes from the headers,
# every public function must carry a one-line comment, and every declaration must be
# exported (TG_API), or the shared library would hide it.
set -u
SRC=$1
cd "$SRC" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
if ! "$PY" scripts/gen_api_doc.py . >"$fresh"; then
  echo "FAIL: scripts/gen_api_doc.py failed (a public function lacks its comment?)"
  exit 1
fi
if ! diff -u docs/api.md "$fresh" >/dev/null; then
  diff -u docs/api.md "$fresh" | head -30
  echo "FAIL: docs/api.md is stale: run '$PY scripts/gen_api_doc.py . > docs/api.md'"
  exit 1
fi
bad=$(grep -nE '^(const )?[a-z_0-9]+ \**tg_[a-z_0-9]+\(' include/tgraph/*.h | grep -v 'TG_API' || true)
if [ -n "$bad" ]; then
  echo "FAIL: public declarations without TG_API:"
  echo "$bad"
  exit 1
fi
echo "1 passed, 0 failed"
