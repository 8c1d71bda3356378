#!/usr/bin/env bash
# make demo: make sample footage, then let reel edit it end to end on the
# embedded defaults (SQLite in the demo's data directory, the rules planner,
# offline transcription), and show what it decided.
#   DEMO_DIR   where the footage, the data directory and the output go (default ./demo-out)
#   DEMO_SIZE  footage size (default 640x360)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
REEL="$PWD/$BUILD/reel"
out=${DEMO_DIR:-$PWD/demo-out}
size=${DEMO_SIZE:-640x360}
[ -x "$REEL" ] || { echo "demo: $REEL is missing: run 'make' first" >&2; exit 3; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
# the demo keeps its own database and media store, away from the user's
export REEL_DATA_DIR="$out/data"
unset REEL_DATABASE_URL REEL_LLM_BASE_URL REEL_LLM_MODEL REEL_TRANSCRIBE_URL

echo "== 1. sample footage in $out/media"
if [ ! -s "$out/media/logo.png" ]; then
    scripts/demo-media.sh "$out/media" "$size"
else
    echo "(already there)"
fi

echo
echo "== 2. reel edit"
brief="A 15 second teaser for reel: open on the talking clip, cut to the b-roll on the beat, captions on, logo in the corner."
aspect=${DEMO_ASPECT:-16:9}
# the script is what the talking clip says: the captions show its words
cmd=("$REEL" edit --brief "$brief" --title "reel demo" --aspect "$aspect" \
    "$out/media/talk.mp4" --broll "$out/media/broll1.mp4" --broll "$out/media/broll2.mp4" \
    --music "$out/media/music.wav" --logo "$out/media/logo.png" --script "$out/media/talk.txt" \
    -o "$out/demo.mp4")
printf '$ reel edit --brief "%s" --aspect %s \\\n    talk.mp4 --broll broll1.mp4 --broll broll2.mp4 --music music.wav --logo logo.png \\\n    --script talk.txt -o demo.mp4\n\n' "$brief" "$aspect"
set +e
"${cmd[@]}" | tee "$out/edit.log"
rc=${PIPESTATUS[0]}
set -e
job=$(sed -nE 's/^details +reel show ([0-9a-f-]{36}).*/\1/p' "$out/edit.log" | tail -n 1)

echo
echo "== 2b. the same edit without the script"
echo "(offline recognition alone: its captions are drafts, so reel asks a person to check them)"
set +e
"$REEL" edit --brief "$brief" --title "reel demo, no script" --aspect "$aspect" \
    "$out/media/talk.mp4" --broll "$out/media/broll1.mp4" --broll "$out/media/broll2.mp4" \
    --music "$out/media/music.wav" --logo "$out/media/logo.png" -o "$out/demo-no-script.mp4" \
    >"$out/edit-no-script.log"
rc2=$?
set -e
grep -E "^(status|why) " "$out/edit-no-script.log" || true
job2=$(sed -nE 's/^details +reel show ([0-9a-f-]{36}).*/\1/p' "$out/edit-no-script.log" | tail -n 1)
[ -n "$job2" ] && "$REEL" show "$job2" | grep -E "uncertain cue" || true
echo "exit status: $rc2 (1: review required)"

echo
echo "== 3. what reel decided"
if [ -n "$job" ]; then
    # everything but the event history (reel show JOB prints that too)
    "$REEL" show "$job" | sed '/^history$/,$d'
fi
echo
echo "== summary"
echo "exit status of reel edit: $rc (0 completed, 1 review required, 3 tool failure)"
[ -s "$out/demo.mp4" ] && echo "output:  $out/demo.mp4" && "$REEL" probe "$out/demo.mp4"
if [ -n "$job" ]; then
    echo "job:     $job"
    echo "trace:   REEL_DATA_DIR=$REEL_DATA_DIR $REEL trace $job"
    echo "replay:  REEL_DATA_DIR=$REEL_DATA_DIR $REEL replay $job"
fi
exit $rc
