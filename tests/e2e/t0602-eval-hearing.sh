#!/usr/bin/env bash
# The evaluation hears (issue #17): captions from speech are checked
# against a second hearing of the render's own sound. espeak-ng speech in a
# clip, its own transcript burned as captions: every cue agrees; the
# transcript of other speech burned over it: contradicted, the gate fails
# and the advice quotes what the sound says. --heard takes that hearing
# from a file; a bad one is named.
. "$(dirname "$0")/lib.sh"

if ! command -v espeak-ng >/dev/null; then
    test_skip 'the evaluation hears' 'espeak-ng is not installed'
    test_done; exit
fi
say() { espeak-ng -v en-us -s 150 -w "$TMP/$1.wav" "$2"; }
say a "please call me when you get home tonight. the children are playing in the garden with their dog."
say b "our team finished the project before the deadline. she bought fresh bread and cheese at the market."
for x in a b; do
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=640x360:r=30" -i "$TMP/$x.wav" -shortest \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 128k "$TMP/$x.mp4"
done
mk() { # plan of clip $1 with transcript captions
    jq -n --arg a "$TMP/$1.mp4" "{schema: \"reel.editplan/1\", title: \"t\",
        output: {width: 640, height: 360, fps: 30}, assets: {a: \$a},
        operations: [{op: \"cut\", asset: \"a\", in: 0, out: 5},
          {op: \"captions\", source: \"transcript\", position: \"bottom\",
           style: {color: \"#FFFFFF\", outline: \"#000000\", size: 0.07}}]}"
}

test_expect_success 'its own transcript burned in: every cue agrees with the second hearing' '
    "$REEL" transcribe "$TMP/a.mp4" --json >"$TMP/a.tr.json"
    "$REEL" transcribe "$TMP/b.mp4" --json >"$TMP/b.tr.json"
    jq "{a: .}" "$TMP/a.tr.json" >"$TMP/ta.json"
    mk a >"$TMP/pa.json"
    "$REEL" render "$TMP/pa.json" --transcripts "$TMP/ta.json" --preset ultrafast -o "$TMP/ra.mp4" >/dev/null
    "$REEL" eval "$TMP/ra.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/ta.json" --json >"$TMP/ea.json"
    jq -c ".metrics[3].evidence.hearing.cues[] | {text, heard, wer, verdict}" "$TMP/ea.json" | sed "s/^/# right: /"
    jq -e ".metrics[3].evidence.hearing | .contradicted == 0 and (.cues | length) >= 1 and ([.cues[].verdict] | all(. == \"agrees\"))" "$TMP/ea.json" >/dev/null
'

test_expect_success 'another clip s words over this sound: contradicted, the gate fails, the advice quotes the sound' '
    jq "{a: .}" "$TMP/b.tr.json" >"$TMP/tb.json"
    "$REEL" render "$TMP/pa.json" --transcripts "$TMP/tb.json" --preset ultrafast -o "$TMP/rb.mp4" >/dev/null
    "$REEL" eval "$TMP/rb.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tb.json" --json >"$TMP/eb.json"
    jq -c ".metrics[3].evidence.hearing.cues[] | {text, heard, wer, verdict}" "$TMP/eb.json" | sed "s/^/# wrong: /"
    jq -e ".metrics[3].gate == false and .metrics[3].evidence.hearing.contradicted >= 1" "$TMP/eb.json" >/dev/null
    jq -e "[.metrics[3].advice[] | select(test(\"not what the render.s sound says\"))] | length == 1" "$TMP/eb.json" >/dev/null
'

for x in a b; do
    [ -s "$TMP/e$x.json" ] && jq -r --arg x "$x" ".metrics[3].evidence.hearing.cues[] | \"# \(\$x): \(.verdict) WER \(.wer): \(.text) | heard: \(.heard)\"" "$TMP/e$x.json"
done

test_expect_success '--heard: the hearing from a file gives the same verdicts; --no-hear notes nothing' '
    "$REEL" transcribe "$TMP/rb.mp4" --json --all-words >"$TMP/hb.json"
    "$REEL" eval "$TMP/rb.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tb.json" --heard "$TMP/hb.json" --json >"$TMP/eh.json"
    test "$(jq -c "[.metrics[3].evidence.hearing.cues[].verdict]" "$TMP/eh.json")" = "$(jq -c "[.metrics[3].evidence.hearing.cues[].verdict]" "$TMP/eb.json")"
    "$REEL" eval "$TMP/rb.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tb.json" --no-hear --json >"$TMP/en.json"
    jq -e ".metrics[3].evidence.hearing.note | test(\"not transcribed\")" "$TMP/en.json" >/dev/null
'

test_expect_code 1 'a --heard file that is not a transcript is named' '
    echo "{}" >"$TMP/bad.json"
    "$REEL" eval "$TMP/rb.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tb.json" --heard "$TMP/bad.json" 2>"$TMP/err"; rc=$?
    grep -q "bad.json" "$TMP/err"; (exit $rc)
'
test_done
