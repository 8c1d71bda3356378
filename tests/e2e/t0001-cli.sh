#!/usr/bin/env bash
# The binary, its help and exit codes, and reel probe on media made here.
. "$(dirname "$0")/lib.sh"

test_expect_success 'reel --version prints the version' '
    "$REEL" --version | grep -E "^reel [0-9]+\.[0-9]+\.[0-9]+$"
'
test_expect_success 'reel help lists every subcommand' '
    out=$("$REEL" help)
    for c in edit plan render probe analyze transcribe eval submit worker wait jobs show trace replay migrate serve; do
        grep -q "^  $c " <<<"$out" || { echo "missing $c"; exit 1; }
    done
'
test_expect_success 'reel help probe shows usage' '"$REEL" help probe | grep -q "reel probe FILE"'
test_expect_code 2 'unknown command is a usage error' '"$REEL" frobnicate'
test_expect_code 2 'probe without files is a usage error' '"$REEL" probe'
test_expect_code 2 'probe with unknown option is a usage error' '"$REEL" probe --bogus x'

test_expect_success 'probe a video with sound' '
    make_testsrc "$TMP/a.mp4" 2
    "$REEL" probe --json "$TMP/a.mp4" >"$TMP/p.json"
    grep -q "\"kind\": \"video\"" "$TMP/p.json"
    grep -q "\"width\": 320" "$TMP/p.json"
    grep -q "\"height\": 180" "$TMP/p.json"
    grep -q "\"video_codec\": \"h264\"" "$TMP/p.json"
    grep -q "\"sample_rate\": 48000" "$TMP/p.json"
    "$REEL" probe "$TMP/a.mp4" | grep -q "video, 2.0"
'
test_expect_success 'probe an image with alpha, an audio file and a LUT' '
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=red@0.5:s=64x32,format=rgba" -frames:v 1 "$TMP/logo.png"
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=440:d=1.5" "$TMP/tone.wav"
    { echo "LUT_3D_SIZE 2"; for i in 1 2 3 4 5 6 7 8; do echo "0.1 0.2 0.3"; done; } >"$TMP/look.cube"
    "$REEL" probe --json "$TMP/logo.png" "$TMP/tone.wav" "$TMP/look.cube" >"$TMP/p.json"
    grep -q "\"kind\": \"image\"" "$TMP/p.json"
    grep -q "\"has_alpha\": true" "$TMP/p.json"
    grep -q "\"kind\": \"audio\"" "$TMP/p.json"
    grep -q "\"kind\": \"lut\"" "$TMP/p.json"
'
test_expect_success 'probe a rotated phone clip' '
    make_testsrc "$TMP/u.mp4" 1
    ffmpeg -nostdin -v error -y -i "$TMP/u.mp4" -c copy -metadata:s:v:0 rotate=90 "$TMP/r.mp4"
    "$REEL" probe --json "$TMP/r.mp4" | grep -qE "\"rotation\": (90|270)"
'
test_expect_code 1 'probe a missing file exits 1' '"$REEL" probe "$TMP/nope.mp4"'
test_expect_code 1 'probe a text file exits 1 with a reason' '
    echo hello >"$TMP/x.txt"; "$REEL" probe "$TMP/x.txt" 2>"$TMP/e"; rc=$?
    grep -q "not a media file" "$TMP/e"; (exit $rc)
'
test_expect_code 1 'probe a truncated .cube exits 1' '
    echo "LUT_3D_SIZE 4" >"$TMP/bad.cube"; "$REEL" probe "$TMP/bad.cube"
'
if [ -d "$SHARED_MEDIA/video" ]; then
    test_expect_success 'probe real footage: 5.1 AAC and VP8/Vorbis' '
        "$REEL" probe --json "$SHARED_MEDIA/video/bbb_480p_30s_h264_aac51.mp4" | grep -q "\"channels\": 6"
        "$REEL" probe --json "$SHARED_MEDIA/video/bbb_720p_30s_vp8_vorbis.webm" | grep -q "\"video_codec\": \"vp8\""
    '
else
    test_skip 'probe real footage' "../shared/media is absent"
fi
test_done
