#!/usr/bin/env bash
# Every transition kind, checked at its midpoint: ten cuts alternating red
# and blue, nine transitions of 0.4 s (12 frames at 30 fps).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

kinds="crossfade fade_black fade_white wipe_left wipe_right slide_left slide_up circle_open dissolve"
test_expect_success 'a plan with every transition renders to the exact length' '
    clip "$TMP/red.mp4" red 1.2 440
    clip "$TMP/blue.mp4" blue 1.2 880
    {
        echo "{\"schema\":\"reel.editplan/1\",\"assets\":{\"red\":\"red.mp4\",\"blue\":\"blue.mp4\"},"
        echo " \"output\":{\"width\":320,\"height\":180,\"fps\":30,\"audio\":{\"loudness_lufs\":null}},\"operations\":["
        k=0
        for kind in $kinds x; do
            c=red; [ $((k % 2)) = 1 ] && c=blue
            echo "{\"op\":\"cut\",\"id\":\"c$k\",\"asset\":\"$c\",\"in\":0,\"out\":1},"
            [ $kind = x ] && break
            echo "{\"op\":\"transition\",\"after\":\"c$k\",\"kind\":\"$kind\",\"duration\":0.4},"
            k=$((k + 1))
        done | sed "\$ s/,\$//"
        echo "]}"
    } >"$TMP/plan.json"
    render "$TMP/plan.json" "$TMP/t.mp4"
    test "$(frames "$TMP/t.mp4")" = $((10 * 30 - 9 * 12))
'
# midpoint of transition k: frame 18 (k + 1) + 6
mid() { awk -v k=$1 "BEGIN { printf \"%.4f\", (18 * (k + 1) + 6) / 30 }"; }
L=80:180:0:0; R=80:180:240:0; T=320:40:0:0; B=320:40:0:140; C=40:40:140:70; K=30:30:0:0
test_expect_success 'crossfade: half of each picture' '
    set -- $(rgb "$TMP/t.mp4" $(mid 0))
    near $1 128 40 && near $3 128 40 && near $2 0 30
'
# xfade's fadeblack/fadewhite pass through black/white around the middle:
# far darker (lighter) than a crossfade, which is (128, 0, 128)
test_expect_success 'fade_black: dark at the midpoint' '
    set -- $(rgb "$TMP/t.mp4" $(mid 1))
    less $(($1 + $2 + $3)) 130
'
test_expect_success 'fade_white: light at the midpoint' '
    set -- $(rgb "$TMP/t.mp4" $(mid 2))
    less 120 $2 && less 400 $(($1 + $2 + $3))
'
differ() { # FILE T REGION1 REGION2: one region red, the other blue
    local a b
    a=$(rgb "$1" "$2" "$3"); b=$(rgb "$1" "$2" "$4")
    { rgb_is "$a" 255 0 0 60 && rgb_is "$b" 0 0 255 60; } ||
        { rgb_is "$a" 0 0 255 60 && rgb_is "$b" 255 0 0 60; }
}
test_expect_success 'wipe_left: the two sides differ' 'differ "$TMP/t.mp4" $(mid 3) $L $R'
test_expect_success 'wipe_right: the two sides differ' 'differ "$TMP/t.mp4" $(mid 4) $L $R'
test_expect_success 'slide_left: the two sides differ' 'differ "$TMP/t.mp4" $(mid 5) $L $R'
test_expect_success 'slide_up: top and bottom differ' 'differ "$TMP/t.mp4" $(mid 6) $T $B'
test_expect_success 'circle_open: centre and corner differ' 'differ "$TMP/t.mp4" $(mid 7) $C $K'
test_expect_success 'dissolve: a mix of both pictures' '
    set -- $(rgb "$TMP/t.mp4" $(mid 8))
    near $1 128 50 && near $3 128 50
'
test_expect_success 'outside transitions each cut is pure' '
    rgb_is "$(rgb "$TMP/t.mp4" 0.3)" 255 0 0 40 &&
    rgb_is "$(rgb "$TMP/t.mp4" $(awk "BEGIN{print (18+15)/30}"))" 0 0 255 40
'
test_expect_success 'sound crossfades too: the audio lasts exactly as long' '
    near "$(audio_seconds "$TMP/t.mp4")" 6.4 0.03
'
test_expect_success 'each clip is read twice, picture and sound apart (memory stays flat with many clips)' '
    "$REEL" render "$TMP/plan.json" -o "$TMP/dry.mp4" --dry-run --json >"$TMP/dry.json"
    argv=$(jq -c ".commands[-1].argv" "$TMP/dry.json")
    # ten cuts with sound: ten picture-only inputs and ten sound-only inputs
    test "$(jq "[.[] | select(. == \"-an\")] | length" <<<"$argv")" = 10
    test "$(jq "[.[] | select(. == \"-vn\")] | length" <<<"$argv")" = 10
    test "$(jq "[.[] | select(. == \"-i\")] | length" <<<"$argv")" = 20
'
# scale filters FFmpeg inserts to convert the pixel format of a running
# ffmpeg command ("from -> to" per line)
auto_scalers() { # DRY_JSON
    local a=()
    mapfile -t a < <(jq -r ".commands[-1].argv[]" "$1")
    a=("${a[@]/#level+info/level+debug}")
    "${a[@]:0:${#a[@]}-1}" -frames:v 1 "$TMP/auto.mp4" >/dev/null 2>"$TMP/auto.log" || { tail -5 "$TMP/auto.log"; return 1; }
    sed -n "s/.*auto-inserting filter .auto_scale_[0-9]*. between the filter .\([^ ]*\). and the filter .\([^ ]*\)./\1 -> \2/p" "$TMP/auto.log"
}
test_expect_success 'only transitions that need 4:4:4 and the logo convert pixels: the rest stays 4:2:0' '
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white@0.5:s=64x32,format=rgba" -frames:v 1 "$TMP/logo.png"
    jq ".assets.logo = \"logo.png\" | .operations += [
        {op: \"overlay\", asset: \"logo\", position: \"top-right\", width: 0.2},
        {op: \"text\", text: \"Title\", start: 0, end: 1},
        {op: \"captions\", source: \"cues\", cues: [{start: 0.5, end: 2, text: \"Hello there\"}]}]" \
        "$TMP/plan.json" >"$TMP/layers.json"
    "$REEL" render "$TMP/layers.json" -o "$TMP/layers.mp4" --dry-run --json >"$TMP/layers.dry.json"
    (cd "$TMP" && auto_scalers layers.dry.json) >"$TMP/scalers.txt"
    cat "$TMP/scalers.txt"
    # fade_black, fade_white and dissolve: two inputs to 4:4:4 and the result back
    test "$(grep -c -- "-> Parsed_xfade" "$TMP/scalers.txt")" = 6
    test "$(grep -c "^Parsed_xfade" "$TMP/scalers.txt")" = 3
    # the logo (RGBA) is converted where its chain (ending in setpts) meets
    # the overlay; the timeline picture is never converted, not before the
    # overlay, the text or the captions
    test "$(grep -c "^Parsed_setpts_[0-9]* -> Parsed_overlay" "$TMP/scalers.txt")" = 1
    test "$(grep -v -e "xfade" -e "^graph " -e "^Parsed_setpts_[0-9]* -> Parsed_overlay" "$TMP/scalers.txt" | wc -l)" = 0
'
test_expect_success 'reel eval counts each gradual transition as a cut, at its middle' '
    "$REEL" eval "$TMP/t.mp4" --plan "$TMP/plan.json" --json >"$TMP/t.eval.json"
    jq -c ".metrics[1].evidence | {cut_count, cuts}" "$TMP/t.eval.json"
    test "$(jq ".metrics[1].evidence.cut_count" "$TMP/t.eval.json")" = 9
    # transition k is frames 18 (k + 1) .. 18 (k + 1) + 12: its middle at (18 (k + 1) + 6) / 30 s
    jq -e "[.metrics[1].evidence.cuts[] ] as \$c | [range(9)] | all(. as \$k | ((\$c[\$k] - (18 * (\$k + 1) + 6) / 30) | fabs) < 0.05)" "$TMP/t.eval.json" >/dev/null
    # the same clip on both sides: nothing changes, so no cut
    sed "s/\"blue\":\"blue.mp4\"/\"blue\":\"red.mp4\"/" "$TMP/plan.json" >"$TMP/same.json"
    grep -q "\"blue\":\"red.mp4\"" "$TMP/same.json"
    render "$TMP/same.json" "$TMP/same.mp4"
    "$REEL" eval "$TMP/same.mp4" --plan "$TMP/same.json" --json >"$TMP/same.eval.json"
    test "$(jq ".metrics[1].evidence.cut_count" "$TMP/same.eval.json")" = 0
'
test_done
