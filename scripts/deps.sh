#!/bin/bash
# deps.sh: make sure the Debian packages tgraph needs are present. As root, install what is
# missing with apt-get; otherwise print the exact command to run and fail.
set -e
PKGS="build-essential cmake pkg-config libopenblas-dev liblapacke-dev zlib1g-dev python3-dev python3-numpy python3-pytest"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: run: sudo apt-get install -y$missing" >&2
  exit 1
fi
