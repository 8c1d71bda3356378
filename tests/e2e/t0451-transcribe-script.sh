#!/usr/bin/env bash
# reel transcribe --script: a script (text, SRT, WebVTT) aligned to the
# speech. Speech with known word times (scripts/speech-truth.py: espeak-ng
# words joined with gaps) and ../shared/media/speech when it is there:
# every script word is placed, each start within 150 ms.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

test_expect_code 2 '--script needs a value' '"$REEL" transcribe x.wav --script'
test_expect_code 1 'a missing script file is named' '"$REEL" transcribe x.wav --script "$TMP/none.txt"'

if ! command -v espeak-ng >/dev/null; then
    test_skip 'script alignment' 'espeak-ng is not installed'
    test_done; exit
fi

text="Welcome to reel, the editing agent. It reads your footage and writes a plan. Cut the long pauses and keep the best takes."
python3 "$ROOT/scripts/speech-truth.py" "$TMP/t.wav" "$text"
# in a video with AAC sound, as a user's file would be
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30" -i "$TMP/t.wav" -shortest \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 128k "$TMP/t.mp4"

test_expect_success 'plain text: the script words as written, every start within 150 ms' '
    "$REEL" transcribe "$TMP/t.mp4" --script "$TMP/t.txt" --json >"$TMP/a.json"
    jq -e ".source == \"script\" and (.heard | length) > 0 and .alignment.words == 23" "$TMP/a.json"
    jq -r "[.words[].word] | join(\" \")" "$TMP/a.json" | grep -qxF "$text"
    python3 "$ROOT/scripts/align-check.py" "$TMP/a.json" --truth "$TMP/t.truth.json" --max-ms 150
'

test_expect_success 'the text output lists each word with how it was placed' '
    "$REEL" transcribe "$TMP/t.mp4" --script "$TMP/t.txt" >"$TMP/a.txt"
    grep -qE "^ +[0-9.]+ +[0-9.]+  reel, +1.00 (forced|matched|interpolated)$" "$TMP/a.txt"
    tail -n 1 "$TMP/a.txt" | grep -q "^# 23 script words"
'

test_expect_success 'SRT script: markup and cue numbers are not words; times within 150 ms' '
    printf "1\r\n00:00:00,000 --> 00:00:05,500\r\n<i>Welcome to reel,</i> the editing agent.\r\n\r\n2\r\n00:00:05,500 --> 00:00:15,000\r\n{\\\\an8}It reads your footage and writes a plan.\r\nCut the long pauses and keep the best takes.\r\n" >"$TMP/s.srt"
    "$REEL" transcribe "$TMP/t.mp4" --script "$TMP/s.srt" --json >"$TMP/b.json"
    jq -r "[.words[].word] | join(\" \")" "$TMP/b.json" | grep -qxF "$text"
    python3 "$ROOT/scripts/align-check.py" "$TMP/b.json" --truth "$TMP/t.truth.json" --max-ms 150 --quiet
'

test_expect_success 'WebVTT script with a NOTE block and short times' '
    printf "WEBVTT\n\nNOTE not spoken\nnor this\n\nintro\n00:00.000 --> 00:05.500 align:start\nWelcome to reel, the editing agent.\n\n00:05.500 --> 00:15.000\nIt reads your footage and writes a plan. Cut the long pauses and keep the best takes.\n" >"$TMP/s.vtt"
    "$REEL" transcribe "$TMP/t.mp4" --script "$TMP/s.vtt" --json >"$TMP/c.json"
    jq -r "[.words[].word] | join(\" \")" "$TMP/c.json" | grep -qxF "$text"
    python3 "$ROOT/scripts/align-check.py" "$TMP/c.json" --truth "$TMP/t.truth.json" --max-ms 150 --quiet
'

test_expect_success 'a malformed cue time is named with its file and line' '
    printf "1\n00:00:01,000 --> 00:0x:02,000\nhello\n" >"$TMP/bad.srt"
    set +e; "$REEL" transcribe "$TMP/t.mp4" --script "$TMP/bad.srt" 2>"$TMP/err"; rc=$?; set -e
    test $rc -eq 1
    grep -q "bad.srt:2" "$TMP/err" && grep -q "not a cue timing" "$TMP/err"
'

test_expect_success 'a script for a file with no speech is refused, not invented' '
    ffmpeg -nostdin -v error -y -f lavfi -i "anoisesrc=d=3:a=0.02:r=16000:seed=7" "$TMP/noise.wav"
    echo "Nobody says this." >"$TMP/n.txt"
    set +e; "$REEL" transcribe "$TMP/noise.wav" --script "$TMP/n.txt" 2>"$TMP/err"; rc=$?; set -e
    test $rc -eq 1 && grep -q "does not fit the sound" "$TMP/err"
'

SPEECH="$ROOT/../shared/media/speech"
if [ -d "$SPEECH" ]; then
    for f in "$SPEECH"/*.wav; do
        b=${f%.wav}; n=$(basename "$b")
        test_expect_success "real speech $n: every script word placed, starts within 150 ms of the words heard" '
            "$REEL" transcribe "$f" --script "$b.txt" --json >"$TMP/r.json"
            test "$(jq ".words | length" "$TMP/r.json")" -eq "$(wc -w <"$b.txt")"
            python3 "$ROOT/scripts/align-check.py" "$TMP/r.json" --heard --max-ms 150 --quiet
        '
    done
else
    test_skip 'real speech alignment' "../shared/media/speech is absent"
fi
test_done
