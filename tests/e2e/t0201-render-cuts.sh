#!/usr/bin/env bash
# Cuts: order, exact lengths, speed, volume, mute, fit and focus, images,
# and sources that must be conformed (size, fps, sample rate, rotation,
# no sound, alpha).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

plan() { # FILE OPERATIONS [OUTPUT]
    echo "{\"schema\":\"reel.editplan/1\",\"assets\":{\"red\":\"red.mp4\",\"green\":\"green.mp4\",\"blue\":\"blue.mp4\",\"wide\":\"wide.mp4\",\"odd\":\"odd.mp4\",\"silent\":\"silent.mp4\",\"rot\":\"rot.mp4\",\"still\":\"still.png\",\"glass\":\"glass.png\"},
 \"output\":{\"width\":320,\"height\":180,\"fps\":30,\"audio\":{\"loudness_lufs\":null}${3:+,$3}},\"operations\":[$2]}" >"$1"
}
test_expect_success 'make sources' '
    clip "$TMP/red.mp4" red 2 440 &&
    clip "$TMP/green.mp4" green 2 440 &&
    clip "$TMP/blue.mp4" blue 2 440 &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=red:s=320x180:r=30:d=2" -f lavfi -i "color=blue:s=320x180:r=30:d=2" \
        -f lavfi -i "sine=f=440:r=48000:d=2" -filter_complex "[0][1]hstack" -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p -c:a aac -shortest "$TMP/wide.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=400x300:r=25:d=2" -f lavfi -i "sine=f=440:r=44100:d=2" \
        -ac 1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$TMP/odd.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=green:s=200x100:r=24:d=2" -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p "$TMP/silent.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=red:s=320x180:r=30:d=2" -f lavfi -i "sine=f=440:r=48000:d=2" \
        -vf "drawbox=x=0:y=0:w=160:h=180:c=blue:t=fill" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac \
        -shortest "$TMP/unrot.mp4" &&
    ffmpeg -nostdin -v error -y -i "$TMP/unrot.mp4" -c copy -metadata:s:v:0 rotate=90 "$TMP/rot.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=yellow:s=640x360" -frames:v 1 "$TMP/still.png" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white@0.5:s=320x180,format=rgba" -frames:v 1 "$TMP/glass.png"
'
test_expect_success 'cuts play in order with exact frame counts' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":1},
        {\"op\":\"cut\",\"asset\":\"green\",\"in\":0.5,\"out\":1},
        {\"op\":\"cut\",\"asset\":\"blue\",\"in\":0.2,\"out\":1.2}"
    render "$TMP/p.json" "$TMP/order.mp4"
    test "$(frames "$TMP/order.mp4")" = 75
    rgb_is "$(rgb "$TMP/order.mp4" 0.5)" 255 0 0
    rgb_is "$(rgb "$TMP/order.mp4" 1.2)" 0 128 0
    rgb_is "$(rgb "$TMP/order.mp4" 2.2)" 0 0 255
    near "$(audio_seconds "$TMP/order.mp4")" 2.5 0.03
'
test_expect_success 'speed: 2x halves and 0.5x doubles the length, pitch kept' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":2,\"speed\":2},
        {\"op\":\"cut\",\"asset\":\"blue\",\"in\":0,\"out\":1,\"speed\":0.5}"
    render "$TMP/p.json" "$TMP/speed.mp4"
    test "$(frames "$TMP/speed.mp4")" = 90
    rgb_is "$(rgb "$TMP/speed.mp4" 0.9)" 255 0 0
    rgb_is "$(rgb "$TMP/speed.mp4" 1.1)" 0 0 255
    near "$(audio_seconds "$TMP/speed.mp4")" 3 0.03
    # atempo keeps the 440 Hz tone at 440 Hz in both parts
    near "$(db "$TMP/speed.mp4" 0.2 0.6 440)" "$(db "$TMP/speed.mp4" 0.2 0.6)" 3
    near "$(db "$TMP/speed.mp4" 1.5 1 440)" "$(db "$TMP/speed.mp4" 1.5 1)" 3
'
test_expect_success 'speed at the ends of the range (0.25 and 4)' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":0.5,\"speed\":0.25},
        {\"op\":\"cut\",\"asset\":\"blue\",\"in\":0,\"out\":2,\"speed\":4}"
    render "$TMP/p.json" "$TMP/speed2.mp4"
    test "$(frames "$TMP/speed2.mp4")" = 75
    near "$(audio_seconds "$TMP/speed2.mp4")" 2.5 0.03
'
test_expect_success 'volume_db and mute' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":1},
        {\"op\":\"cut\",\"asset\":\"green\",\"in\":0,\"out\":1,\"volume_db\":-12},
        {\"op\":\"cut\",\"asset\":\"blue\",\"in\":0,\"out\":1,\"mute\":true}"
    render "$TMP/p.json" "$TMP/vol.mp4"
    a=$(db "$TMP/vol.mp4" 0.2 0.6); b=$(db "$TMP/vol.mp4" 1.2 0.6); c=$(db "$TMP/vol.mp4" 2.2 0.6)
    near "$(awk "BEGIN{print $a - $b}")" 12 1.5
    less "$c" -70
'
test_expect_success 'fit cover follows focus; contain pads; stretch squeezes' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"wide\",\"in\":0,\"out\":0.5,\"focus\":{\"x\":0,\"y\":0.5}},
        {\"op\":\"cut\",\"asset\":\"wide\",\"in\":0,\"out\":0.5,\"focus\":{\"x\":1,\"y\":0.5}},
        {\"op\":\"cut\",\"asset\":\"wide\",\"in\":0,\"out\":0.5},
        {\"op\":\"cut\",\"asset\":\"wide\",\"in\":0,\"out\":0.5,\"fit\":\"contain\"},
        {\"op\":\"cut\",\"asset\":\"wide\",\"in\":0,\"out\":0.5,\"fit\":\"stretch\"}" "\"background\":\"#00FF00\""
    render "$TMP/p.json" "$TMP/fit.mp4"
    rgb_is "$(rgb "$TMP/fit.mp4" 0.25)" 255 0 0
    rgb_is "$(rgb "$TMP/fit.mp4" 0.75)" 0 0 255
    rgb_is "$(rgb "$TMP/fit.mp4" 1.25 40:40:40:70)" 255 0 0
    rgb_is "$(rgb "$TMP/fit.mp4" 1.25 40:40:240:70)" 0 0 255
    # contain: 640x180 -> 320x90 in the middle, background above and below
    rgb_is "$(rgb "$TMP/fit.mp4" 1.75 320:30:0:0)" 0 255 0
    rgb_is "$(rgb "$TMP/fit.mp4" 1.75 60:40:40:70)" 255 0 0
    # stretch: the whole height, left half red
    rgb_is "$(rgb "$TMP/fit.mp4" 2.25 100:30:20:0)" 255 0 0
    rgb_is "$(rgb "$TMP/fit.mp4" 2.25 100:30:200:0)" 0 0 255
'
test_expect_success 'an image cut holds for its duration (silent)' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"still\",\"duration\":1.5},{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":0.5}"
    render "$TMP/p.json" "$TMP/still.mp4"
    test "$(frames "$TMP/still.mp4")" = 60
    rgb_is "$(rgb "$TMP/still.mp4" 1.4)" 255 255 0
    less "$(db "$TMP/still.mp4" 0.2 1)" -70
    near "$(audio_seconds "$TMP/still.mp4")" 2 0.03
'
test_expect_success 'other size, fps, sample rate, no sound, rotation are conformed' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"odd\",\"in\":0.3,\"out\":1.3},
        {\"op\":\"cut\",\"asset\":\"silent\",\"in\":0,\"out\":1},
        {\"op\":\"cut\",\"asset\":\"rot\",\"in\":0,\"out\":1,\"fit\":\"stretch\"}"
    render "$TMP/p.json" "$TMP/conform.mp4"
    test "$(frames "$TMP/conform.mp4")" = 90
    ffprobe -v error -show_entries stream=width,height,sample_rate,channels,r_frame_rate -of compact "$TMP/conform.mp4" >"$TMP/s"
    grep -q "width=320|height=180|r_frame_rate=30/1" "$TMP/s"
    grep -q "sample_rate=48000|channels=2" "$TMP/s"
    rgb_is "$(rgb "$TMP/conform.mp4" 1.5)" 0 128 0
    near "$(audio_seconds "$TMP/conform.mp4")" 3 0.03
    less "$(db "$TMP/conform.mp4" 1.2 0.6)" -70
    # the rotated clip: blue left half becomes the top when turned 90 degrees
    t=$(rgb "$TMP/conform.mp4" 2.5 320:40:0:10); b=$(rgb "$TMP/conform.mp4" 2.5 320:40:0:130)
    { rgb_is "$t" 0 0 255 && rgb_is "$b" 255 0 0; } || { rgb_is "$t" 255 0 0 && rgb_is "$b" 0 0 255; }
'
test_expect_success 'a source with alpha is composited on the background' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"glass\",\"duration\":0.5}" "\"background\":\"#000000\""
    render "$TMP/p.json" "$TMP/alpha.mp4"
    set -- $(rgb "$TMP/alpha.mp4" 0.2)
    near $1 128 30 && near $2 128 30 && near $3 128 30
'
test_done
