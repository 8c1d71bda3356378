#!/usr/bin/env bash
# make demo: make sample footage with FFmpeg's lavfi sources and run reel on it.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
REEL="$PWD/$BUILD/reel"
out=${DEMO_DIR:-$PWD/demo-out}
mkdir -p "$out"
echo "== making sample footage in $out"
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=640x360:r=30:d=6" -f lavfi -i "sine=f=440:d=6" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest "$out/clip.mp4"
echo "== reel probe"
"$REEL" probe "$out/clip.mp4"
