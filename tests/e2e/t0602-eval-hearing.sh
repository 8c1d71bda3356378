#!/usr/bin/env bash
# The evaluation hears (issue #17): captions from speech are checked
# against a second hearing of the render's own sound. espeak-ng speech in a
# clip, its own transcript burned as captions: every cue agrees; the
# transcript of other speech burned over it: contradicted, the gate fails
# and the advice quotes what the sound says. --heard takes that hearing
# from a file; a bad one is named. With a script, each cue must sit over
# its words' speech: a script aligned 0.4 s late is caught.
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

# With a script, the cues must sit over their words' speech: the script
# aligned to this sound is timed right; the same words 0.4 s late are not.
echo "Please call me when you get home tonight. The children are playing in the garden with their dog." >"$TMP/a.txt"
test_expect_success 'script cues aligned to the sound: timed to their words (offset within 0.3 s)' '
    "$REEL" transcribe "$TMP/a.mp4" --script "$TMP/a.txt" --json >"$TMP/as.json"
    jq "{a: .}" "$TMP/as.json" >"$TMP/tas.json"
    "$REEL" render "$TMP/pa.json" --transcripts "$TMP/tas.json" --preset ultrafast -o "$TMP/rs.mp4" >/dev/null
    "$REEL" eval "$TMP/rs.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tas.json" --json >"$TMP/es.json"
    jq -e ".metrics[3].evidence.hearing | .script_words_heard >= 3 and .mistimed == 0 and (.offset_s | fabs) < 0.3 and ([.cues[].source] | all(. == \"script\"))" "$TMP/es.json" >/dev/null
'
test_expect_success 'the script s words 0.4 s late: cues late, the gate fails, the advice says re-align' '
    jq "{a: (.words |= map(.start += 0.4 | .end += 0.4))}" "$TMP/as.json" >"$TMP/tlate.json"
    "$REEL" render "$TMP/pa.json" --transcripts "$TMP/tlate.json" --preset ultrafast -o "$TMP/rl.mp4" >/dev/null
    "$REEL" eval "$TMP/rl.mp4" --plan "$TMP/pa.json" --transcripts "$TMP/tlate.json" --json >"$TMP/el.json"
    jq -e ".metrics[3].gate == false and .metrics[3].evidence.hearing.mistimed >= 1 and .metrics[3].evidence.hearing.offset_s > 0.25" "$TMP/el.json" >/dev/null
    jq -e "[.metrics[3].evidence.hearing.cues[] | select(.verdict == \"late\")] | length >= 1" "$TMP/el.json" >/dev/null
    jq -e "[.metrics[3].advice[] | select(test(\"not timed to their words\"))] | length == 1" "$TMP/el.json" >/dev/null
'
for x in s l; do
    [ -s "$TMP/e$x.json" ] && jq -r --arg x "$x" ".metrics[3].evidence.hearing | \"# script \(\$x): offset \(.offset_s) s over \(.script_words_heard) words; cues \([.cues[] | \"\(.offset_s) \(.verdict)\"] | join(\", \"))\"" "$TMP/e$x.json"
done

# Real speech (LibriVox, with its text): every cue timed within 0.3 s.
MEDIA="${SHARED_MEDIA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/media}"
if [ -d "$MEDIA/speech" ]; then
    test_expect_success 'real speech with its script: every cue timed to its words (../shared/media/speech)' '
        for f in "$MEDIA"/speech/librivox_*.wav; do
            b=$(basename "$f" .wav)
            ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=640x360:r=30" -i "$f" -shortest \
                -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 128k "$TMP/$b.mp4" || return 1
            "$REEL" transcribe "$TMP/$b.mp4" --script "${f%.wav}.txt" --json >"$TMP/$b.s.json" || return 1
            jq "{a: .}" "$TMP/$b.s.json" >"$TMP/$b.t.json"
            jq --arg a "$TMP/$b.mp4" ".assets.a = \$a | .operations[0].out = 3" "$TMP/pa.json" >"$TMP/$b.p.json"
            "$REEL" render "$TMP/$b.p.json" --transcripts "$TMP/$b.t.json" --preset ultrafast -o "$TMP/$b.r.mp4" >/dev/null || return 1
            "$REEL" eval "$TMP/$b.r.mp4" --plan "$TMP/$b.p.json" --transcripts "$TMP/$b.t.json" --json >"$TMP/$b.e.json" || return 1
            jq -e ".metrics[3].evidence.hearing | .mistimed == 0 and .script_words_heard >= 2" "$TMP/$b.e.json" >/dev/null || return 1
        done
    '
    for e in "$TMP"/librivox_*.e.json; do
        [ -s "$e" ] && jq -r --arg b "$(basename "$e" .e.json)" ".metrics[3].evidence.hearing | \"# \(\$b): offset \(.offset_s) s, worst cue \(.worst_offset_s) s\"" "$e"
    done
else
    test_skip 'real speech with its script' "$MEDIA/speech is absent"
fi

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
