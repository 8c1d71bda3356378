#!/usr/bin/env bash
# Install every Debian package reel needs to build, test and run.
# Each module lists its packages in scripts/deps.d/MODULE.txt (one a line,
# '#' comments). Only what is missing is installed, so a second run is quick.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want=$(sed -e 's/#.*//' "$here"/deps.d/*.txt | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
# A machine that already has node and npm (e.g. from NodeSource, whose nodejs
# conflicts with Debian's npm) keeps them.
if command -v node >/dev/null && command -v npm >/dev/null; then
    want=$(grep -vxE 'nodejs|npm' <<<"$want" || true)
fi
missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
