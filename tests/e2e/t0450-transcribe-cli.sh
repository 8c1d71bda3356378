#!/usr/bin/env bash
# reel transcribe: usage, files without sound, the offline engine on espeak-ng
# speech in a video, and the four output formats.
. "$(dirname "$0")/lib.sh"

test_expect_code 2 'no file is a usage error' '"$REEL" transcribe'
test_expect_code 2 'an unknown option is a usage error' '"$REEL" transcribe --bogus x.wav'
test_expect_code 2 'two files is a usage error' '"$REEL" transcribe a.wav b.wav'
test_expect_code 2 'a bad --threads is a usage error' '"$REEL" transcribe --threads 0 a.wav'
test_expect_code 1 'a missing file is invalid input' '"$REEL" transcribe "$TMP/nope.wav"'

test_expect_success 'a video without sound: exit 1 and a clear message' '
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=1" -c:v libx264 \
        -preset ultrafast -pix_fmt yuv420p "$TMP/silent.mp4"
    set +e; "$REEL" transcribe "$TMP/silent.mp4" 2>"$TMP/err"; rc=$?; set -e
    test $rc -eq 1
    grep -q "no sound" "$TMP/err"
'

if ! command -v espeak-ng >/dev/null; then
    test_skip 'offline transcription of espeak-ng speech' 'espeak-ng is not installed'
    test_done; exit
fi

# A sentence after 1 s of quiet, in an MP4 with a picture and AAC sound at 48 kHz.
espeak-ng -v en-us+klatt -s 175 -w "$TMP/s.wav" "we will go to the park after lunch."
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=5" \
    -f lavfi -i "anullsrc=r=48000:cl=stereo:d=1" -i "$TMP/s.wav" \
    -filter_complex "[1:a][2:a]concat=n=2:v=0:a=1,aresample=48000,apad=whole_dur=5[a]" \
    -map 0:v -map "[a]" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -t 5 "$TMP/speech.mp4"

test_expect_success 'JSON: words with times inside the file, in order, after the quiet start' '
    "$REEL" transcribe --json "$TMP/speech.mp4" >"$TMP/t.json"
    jq -e ".engine == \"pocketsphinx\" and .language == \"en\" and (.duration > 4.9) and (.duration < 5.1)" "$TMP/t.json"
    jq -e "(.words | length) >= 5" "$TMP/t.json"
    jq -e "[.words[] | .start >= 0.9 and .end <= 5.0 and .end >= .start and (.filler | type) == \"boolean\" and .confidence >= 0 and .confidence <= 1] | all" "$TMP/t.json"
    jq -e "[.words as \$w | range(1; \$w | length) | \$w[.].start >= \$w[. - 1].end] | all" "$TMP/t.json"
    jq -e "(.segments | length) >= 1 and (.pauses[0].start == 0) and (.pauses[0].end >= 0.9)" "$TMP/t.json"
    jq -r "[.words[].word] | join(\" \")" "$TMP/t.json" | grep -E "go|park|lunch"
'

test_expect_success 'text: one line per segment with times' '
    "$REEL" transcribe "$TMP/speech.mp4" >"$TMP/t.txt"
    test -s "$TMP/t.txt"
    ! grep -vE "^\[[0-9]{2}:[0-9]{2}\.[0-9]{3} --> [0-9]{2}:[0-9]{2}\.[0-9]{3}\] .+" "$TMP/t.txt"
'

test_expect_success 'SRT: numbered cues, comma milliseconds, blank line after each' '
    "$REEL" transcribe --srt -o "$TMP/t.srt" "$TMP/speech.mp4"
    head -n 1 "$TMP/t.srt" | grep -qx 1
    sed -n 2p "$TMP/t.srt" | grep -qE "^00:00:0[0-9],[0-9]{3} --> 00:00:0[0-9],[0-9]{3}$"
    sed -n 3p "$TMP/t.srt" | grep -qE "[a-z]"
    test -z "$(sed -n 4p "$TMP/t.srt")"
    test "$(grep -cE " --> " "$TMP/t.srt")" -eq "$(jq ".segments | length" "$TMP/t.json")"
'

test_expect_success 'VTT: header, dot milliseconds' '
    "$REEL" transcribe --vtt "$TMP/speech.mp4" >"$TMP/t.vtt"
    head -n 1 "$TMP/t.vtt" | grep -qx WEBVTT
    test -z "$(sed -n 2p "$TMP/t.vtt")"
    sed -n 3p "$TMP/t.vtt" | grep -qE "^00:00:0[0-9]\.[0-9]{3} --> 00:00:0[0-9]\.[0-9]{3}$"
'

test_expect_success 'REEL_POCKETSPHINX_ARGS: settings are used, a flag reel owns is exit 1 naming it' '
    REEL_POCKETSPHINX_ARGS="-lw 8 -beam 1e-60" "$REEL" transcribe --json "$TMP/speech.mp4" >"$TMP/s.json"
    jq -e "(.words | length) >= 5" "$TMP/s.json"
    set +e
    REEL_POCKETSPHINX_ARGS="-lw 8 -hmm /tmp" "$REEL" transcribe "$TMP/speech.mp4" >"$TMP/out" 2>"$TMP/err"
    rc=$?; set -e
    cat "$TMP/err"
    test $rc -eq 1
    grep -q "REEL_POCKETSPHINX_ARGS" "$TMP/err"
    grep -q -- "-hmm" "$TMP/err"
    test ! -s "$TMP/out"
'

test_expect_success 'REEL_TRANSCRIBE_URL with nobody listening: exit 3, the key never shown' '
    port=$(( (RANDOM % 20000) + 30000 ))
    set +e
    REEL_TRANSCRIBE_URL="http://127.0.0.1:$port" REEL_TRANSCRIBE_API_KEY=sk-e2e-secret-42 \
        REEL_TRANSCRIBE_RETRIES=1 REEL_LOG=debug "$REEL" transcribe "$TMP/speech.mp4" >"$TMP/out" 2>"$TMP/err"
    rc=$?; set -e
    cat "$TMP/err"
    test $rc -eq 3
    grep -q "transcription server" "$TMP/err"
    ! grep -q "sk-e2e" "$TMP/err" "$TMP/out"
'

test_done
