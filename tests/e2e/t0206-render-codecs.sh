#!/usr/bin/env bash
# Output settings: codecs, containers, size, fps, sample rate, bitrate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

plan() { # FILE OUTPUT-SETTINGS
    echo "{\"schema\":\"reel.editplan/1\",\"assets\":{\"src\":\"src.mp4\"},
 \"output\":{$2},\"operations\":[{\"op\":\"cut\",\"asset\":\"src\",\"in\":0,\"out\":1}]}" >"$1"
}
streams() { ffprobe -v error -show_entries stream=codec_name,width,height,r_frame_rate,sample_rate -show_entries format=format_name -of compact "$1"; }
test_expect_success 'make a source' 'make_testsrc "$TMP/src.mp4" 2'
test_expect_success 'defaults: the first cut sets size and fps; h264 + aac in mp4' '
    plan "$TMP/a.json" "\"audio\":{\"loudness_lufs\":null}"
    render "$TMP/a.json" "$TMP/a.mp4"
    streams "$TMP/a.mp4" | tee "$TMP/s"
    grep -q "codec_name=h264|width=320|height=180|r_frame_rate=30/1" "$TMP/s"
    grep -q "codec_name=aac|sample_rate=48000" "$TMP/s"
    grep -q "format_name=mov,mp4" "$TMP/s"
'
test_expect_success 'hevc in mkv at another size and fps, 44.1 kHz' '
    plan "$TMP/b.json" "\"width\":256,\"height\":144,\"fps\":25,\"container\":\"mkv\",\"video\":{\"codec\":\"hevc\",\"crf\":30},\"audio\":{\"sample_rate\":44100,\"loudness_lufs\":null}"
    render "$TMP/b.json" "$TMP/b.mkv"
    streams "$TMP/b.mkv" | tee "$TMP/s"
    grep -q "codec_name=hevc|width=256|height=144|r_frame_rate=25/1" "$TMP/s"
    grep -q "sample_rate=44100" "$TMP/s"
    test "$(frames "$TMP/b.mkv")" = 25
'
test_expect_success 'vp9 + opus in webm, 29.97 fps' '
    plan "$TMP/c.json" "\"fps\":29.97,\"container\":\"webm\",\"video\":{\"codec\":\"vp9\",\"crf\":40},\"audio\":{\"codec\":\"opus\",\"bitrate_kbps\":64,\"loudness_lufs\":null}"
    render "$TMP/c.json" "$TMP/c.webm"
    streams "$TMP/c.webm" | tee "$TMP/s"
    grep -q "codec_name=vp9|width=320|height=180|r_frame_rate=30000/1001" "$TMP/s"
    grep -q "codec_name=opus" "$TMP/s"
    test "$(frames "$TMP/c.webm")" = 30
'
test_expect_success 'av1 in mkv' '
    plan "$TMP/d.json" "\"container\":\"mkv\",\"video\":{\"codec\":\"av1\",\"crf\":45},\"audio\":{\"loudness_lufs\":null}"
    render "$TMP/d.json" "$TMP/d.mkv"
    streams "$TMP/d.mkv" | grep -q "codec_name=av1"
'
test_expect_success 'h264 in mov with a vertical 9:16 frame' '
    plan "$TMP/e.json" "\"width\":180,\"height\":320,\"container\":\"mov\",\"audio\":{\"loudness_lufs\":null}"
    render "$TMP/e.json" "$TMP/e.mov"
    streams "$TMP/e.mov" | grep -q "codec_name=h264|width=180|height=320"
'
test_done
