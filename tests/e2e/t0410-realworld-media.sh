#!/usr/bin/env bash
# Real-world media (issue #18): the files phones, browsers, screen recorders
# and editors write, made by scripts/realworld-corpus.sh. Each property gets
# one test: reel probe, reel analyze, reel render of a plan that uses the
# file and reel eval of that render succeed with the right facts, or the
# file is refused with exit 1 and a message naming it and what is wrong.
# A property whose encoder this ffmpeg lacks is skipped, saying so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

C="$TMP/corpus"
"$ROOT/scripts/realworld-corpus.sh" "$C" >"$TMP/made" 2>"$TMP/skipped"
cat "$TMP/skipped" | sed 's/^/# /'

# prop NAME DESC BODY: a test when the corpus has NAME, else a skip saying why
prop() {
    if grep -q "^$1 " "$TMP/made"; then
        test_expect_success "$1: $2" "$3"
    else
        test_skip "$1: $2" "$(grep -m1 "^skip $1:" "$TMP/skipped" | cut -d: -f2- || true)"
    fi
}
# pj FILE FILTER: reel probe's JSON of FILE passes the jq FILTER
pj() { "$REEL" probe --json "$1" >"$1.probe" && jq -e ".[0] | $2" "$1.probe" >/dev/null ||
    { cat "$1.probe"; return 1; }; }
# one_cut PLAN FILE IN OUT [W H]: a plan of one cut (fit contain), or of a still for IN seconds when OUT is "still"
one_cut() {
    local op
    if [ "$4" = still ]; then op="\"duration\":$3"; else op="\"in\":$3,\"out\":$4"; fi
    printf '{"schema":"reel.editplan/1","assets":{"a":"%s"},"output":{"width":%d,"height":%d,"fps":30},"operations":[{"op":"cut","asset":"a",%s,"fit":"contain"}]}\n' \
        "$2" "${5:-320}" "${6:-180}" "$op" >"$1"
}
# works FILE IN OUT [W H]: probe, analyze, render a one-cut plan to FILE.out.mp4
# (with the expected number of frames) and eval it, each exiting 0
works() {
    local f=$1 frames
    "$REEL" probe "$f" >/dev/null
    "$REEL" analyze --json --no-thumbs "$f" >"$f.analysis" || { cat "$f.analysis"; return 1; }
    jq -e ".probe.kind != null" "$f.analysis" >/dev/null
    one_cut "$f.plan" "$f" "$2" "$3" "${4:-320}" "${5:-180}"
    render "$f.plan" "$f.out.mp4" --json >"$f.render.jsonl"
    if [ "$3" = still ]; then frames=$(awk -v d="$2" 'BEGIN { printf "%d", d * 30 + 0.5 }')
    else frames=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%d", (b - a) * 30 + 0.5 }'); fi
    test "$(frames "$f.out.mp4")" = "$frames" || { echo "frames $(frames "$f.out.mp4") != $frames"; return 1; }
    "$REEL" eval "$f.out.mp4" --plan "$f.plan" --json >"$f.eval" || { cat "$f.eval"; return 1; }
    jq -e ".overall | type == \"number\"" "$f.eval" >/dev/null
}
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !((a - b) <= t && (b - a) <= t) }' ||
    { echo "$1 is not $2 +- $3"; return 1; }; }
# refused FILE WHAT: probe and analyze exit 1 naming FILE and saying WHAT
refused() {
    local cmd
    for cmd in probe analyze; do
        set +e; "$REEL" $cmd "$1" >/dev/null 2>"$1.err"; local rc=$?; set -e
        cat "$1.err"
        test $rc -eq 1
        grep -q "$(basename "$1")" "$1.err"
        grep -q "$2" "$1.err"
    done
}
# switch_src FILE [ffmpeg output args]: red for 1.5 s, then blue for 1.5 s, with a tone
switch_src() {
    local f=$1; shift
    ffmpeg -nostdin -v error -y -f lavfi -i "color=red:s=320x180:r=30:d=1.5" \
        -f lavfi -i "color=blue:s=320x180:r=30:d=1.5" -f lavfi -i "sine=f=440:r=48000:d=3" \
        -filter_complex "[0][1]concat=n=2:v=1:a=0[v]" -map "[v]" -map 2:a -c:v libx264 \
        -preset ultrafast -pix_fmt yuv420p -c:a aac "$@" "$f"
}
ffv() { ffprobe -v error -select_streams "$2" -show_entries "$3" -of default=nw=1:nk=1 "$1" | head -n 1; }

prop live_webm "a streamed WebM (no duration in its header) is measured and works" '
    f="$C/live.webm"
    test "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")" = N/A
    pj "$f" ".kind == \"video\" and .video_codec == \"vp9\" and .audio_codec == \"opus\""
    near "$(jq ".[0].duration" "$f.probe")" 3.0 0.1
    works "$f" 0.5 2.5
'
prop frag_mp4 "a fragmented MP4 (empty moov) is measured and works" '
    f="$C/frag.mp4"
    pj "$f" ".kind == \"video\""
    near "$(jq ".[0].duration" "$f.probe")" 3.0 0.1
    works "$f" 0.5 2.5
'
prop vfr "variable frame rate renders at a constant rate" '
    f="$C/vfr.mp4"
    pj "$f" ".vfr == true"
    works "$f" 0.5 2.5
    test "$(ffv "$f.out.mp4" v:0 stream=avg_frame_rate)" = 30/1
'
test_expect_success "vfr: no drift: a change at 2.25 s of a 20 fps VFR source lands at 1.25 s of a cut from 1.0 s" '
    # frames last 20, 50 and 80 ms in turn (150 ms per 3): frame 45, the first
    # blue one, is shown at 2.25 s; counting frames at 30 fps would put it at 1.5 s
    ffmpeg -nostdin -v error -y -f lavfi -i "color=red:s=320x180:r=30:d=1.5" \
        -f lavfi -i "color=blue:s=320x180:r=30:d=1.5" -f lavfi -i "sine=f=440:r=48000:d=4.5" \
        -filter_complex "[0][1]concat=n=2:v=1:a=0,setpts='"'"'(floor(N/3)*150+eq(mod(N,3),1)*20+eq(mod(N,3),2)*70)/1000/TB'"'"'[v]" \
        -map "[v]" -map 2:a -fps_mode vfr -video_track_timescale 1000 -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p -c:a aac "$TMP/vfr-switch.mp4"
    one_cut "$TMP/vs.json" "$TMP/vfr-switch.mp4" 1.0 3.0
    render "$TMP/vs.json" "$TMP/vs.mp4"
    test "$(frames "$TMP/vs.mp4")" = 60
    rgb_is "$(rgb "$TMP/vs.mp4" 1.1)" 255 0 0
    rgb_is "$(rgb "$TMP/vs.mp4" 1.4)" 0 0 255
'
for deg in 90 270; do
    prop rot$deg "a rotate=$deg display matrix: portrait stays portrait, turned as ffmpeg turns it" '
        f="$C/rot'$deg'.mp4"
        pj "$f" ".width == 320 and .height == 180 and .display_width == 180 and .display_height == 320 and (.rotation == 90 or .rotation == 270)"
        works "$f" 0.5 2.5 180 320
        jq -e ".probe.display_width == 180 and .probe.display_height == 320" "$f.analysis"
        test "$(ffv "$f.out.mp4" v:0 stream=width)" = 180
        # the render at 1.0 s is the source at 1.5 s as ffmpeg autorotates it
        ffmpeg -nostdin -v error -y -ss 1.5 -i "$f" -frames:v 1 -vf scale=180:320 "$f.ref.png"
        for q in 90:160:0:0 90:160:90:0 90:160:0:160 90:160:90:160; do
            rgb_is "$(frame_rgb "$f.out.mp4" 1.0 $q)" $(frame_rgb "$f.ref.png" 0 $q) 30
        done
    '
done
prop audio_first "sound stored before the picture" '
    f="$C/audio-first.mp4"
    pj "$f" ".has_video and .has_audio and .kind == \"video\""
    works "$f" 0.5 2.5
    test "$(ffv "$f.out.mp4" a:0 stream=codec_type)" = audio
'
prop cover_mp3 "an MP3 with cover art is sound, and plays under a cut" '
    f="$C/cover.mp3"
    pj "$f" ".kind == \"audio\" and .has_video == false and .audio_codec == \"mp3\""
    "$REEL" analyze --json --no-thumbs "$f" | jq -e ".loudness.integrated_lufs < -10"
    make_color "$TMP/grey.mp4" gray 3
    printf "%s" "{\"schema\":\"reel.editplan/1\",\"assets\":{\"v\":\"$TMP/grey.mp4\",\"m\":\"$f\"},\"output\":{\"width\":320,\"height\":180,\"fps\":30},\"operations\":[{\"op\":\"cut\",\"asset\":\"v\",\"in\":0,\"out\":2,\"mute\":true},{\"op\":\"audio\",\"asset\":\"m\"}]}" >"$f.plan"
    render "$f.plan" "$f.out.mp4"
    test "$(frames "$f.out.mp4")" = 60
    db=$(db "$f.out.mp4" 0.5 1 330) && awk -v d="$db" "BEGIN { exit !(d > -40) }"
    "$REEL" eval "$f.out.mp4" --plan "$f.plan" --json | jq -e ".overall | type == \"number\""
'
prop surround51 "5.1 sound is mixed down to stereo" '
    f="$C/surround51.mp4"
    pj "$f" ".channels == 6"
    works "$f" 0.5 2.5
    test "$(ffv "$f.out.mp4" a:0 stream=channels)" = 2
'
prop mono "mono sound plays on both sides" '
    f="$C/mono.mp4"
    pj "$f" ".channels == 1"
    works "$f" 0.5 2.5
    test "$(ffv "$f.out.mp4" a:0 stream=channels)" = 2
'
prop rate8k "8 kHz telephone sound is resampled" '
    f="$C/phone-8k.wav"
    pj "$f" ".kind == \"audio\" and .sample_rate == 8000"
    "$REEL" analyze --json --no-thumbs "$f" | jq -e ".loudness != null"
    make_color "$TMP/grey2.mp4" gray 3
    printf "%s" "{\"schema\":\"reel.editplan/1\",\"assets\":{\"v\":\"$TMP/grey2.mp4\",\"m\":\"$f\"},\"output\":{\"width\":320,\"height\":180,\"fps\":30},\"operations\":[{\"op\":\"cut\",\"asset\":\"v\",\"in\":0,\"out\":2,\"mute\":true},{\"op\":\"audio\",\"asset\":\"m\"}]}" >"$f.plan"
    render "$f.plan" "$f.out.mp4"
    test "$(ffv "$f.out.mp4" a:0 stream=sample_rate)" = 48000
    db=$(db "$f.out.mp4" 0.5 1 300) && awk -v d="$db" "BEGIN { exit !(d > -40) }"
    "$REEL" eval "$f.out.mp4" --plan "$f.plan" --json | jq -e ".overall | type == \"number\""
'
prop hdr10 "10-bit HDR (BT.2020, PQ) is tone-mapped to SDR BT.709, and the render says so" '
    f="$C/hdr10.mp4"
    pj "$f" ".hdr == true and .color_transfer == \"smpte2084\" and .color_primaries == \"bt2020\" and .pix_fmt == \"yuv420p10le\""
    works "$f" 0.5 2.5
    tail -n 1 "$f.render.jsonl" | jq -e ".render.conversions[0] | test(\"hdr10.mp4: HDR .* tone-mapped to SDR BT.709\")"
    "$REEL" render "$f.plan" -o "$TMP/dry.mp4" --dry-run | grep -q "tonemap=tonemap=hable"
    test "$(ffv "$f.out.mp4" v:0 stream=pix_fmt)" = yuv420p
'
for codec in hevc:hevc.mp4 vp9:vp9.webm av1:av1.mp4 prores:prores.mov dnxhr:dnxhr.mov; do
    name=${codec%%:*} file=${codec#*:}
    prop $name "$name footage works" 'works "$C/'$file'" 0.5 2.5'
done
prop odd853 "an odd width (853x480)" '
    f="$C/odd-853x480.mp4"
    pj "$f" ".width == 853 and .height == 480"
    works "$f" 0.2 1.8
'
prop lines1082 "1082 lines (1920x1082)" '
    f="$C/lines-1082.mp4"
    pj "$f" ".height == 1082"
    works "$f" 0.2 1.8
'
prop anamorphic "anamorphic pixels (720x480, SAR 32:27) are shown 16:9" '
    f="$C/anamorphic.mp4"
    pj "$f" ".width == 720 and .sar_num == 32 and .sar_den == 27 and .display_width == 853"
    works "$f" 0.2 1.8
    # a white 720x480 SAR 32:27 picture fills a 16:9 frame edge to edge
    # (read as square pixels it would be 3:2, with 25-pixel bars each side)
    ffmpeg -nostdin -v error -y -f lavfi -i "color=white:s=720x480:r=30:d=2" -vf setsar=32/27 \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$TMP/ana-white.mp4"
    one_cut "$TMP/aw.json" "$TMP/ana-white.mp4" 0 1
    render "$TMP/aw.json" "$TMP/aw.mp4"
    rgb_is "$(rgb "$TMP/aw.mp4" 0.5 10:180:0:0)" 255 255 255 20
    rgb_is "$(rgb "$TMP/aw.mp4" 0.5 10:180:310:0)" 255 255 255 20
'
prop offset "timestamps starting at 10 s: times in a plan count from the file's start" '
    f="$C/offset.mp4"
    pj "$f" "(.start_time > 9.9) and (.duration < 3.2) and (.duration > 2.9)"
    works "$f" 0.5 2.5
    switch_src "$TMP/off-switch.mp4" -output_ts_offset 10
    one_cut "$TMP/os.json" "$TMP/off-switch.mp4" 1.0 2.0
    render "$TMP/os.json" "$TMP/os.mp4"
    rgb_is "$(rgb "$TMP/os.mp4" 0.2)" 255 0 0
    rgb_is "$(rgb "$TMP/os.mp4" 0.8)" 0 0 255
'
prop gap "a 1 s gap in the timestamps holds the last picture" '
    f="$C/gap.mkv"
    pj "$f" "(.duration > 3.9) and (.duration < 4.1)"
    works "$f" 1.0 3.0
'
prop silent "no sound track: the render has silence" '
    f="$C/silent.mp4"
    pj "$f" ".has_audio == false"
    works "$f" 0.5 2.5
    test "$(ffv "$f.out.mp4" a:0 stream=codec_type)" = audio
'
prop exif_jpg "a photo with EXIF orientation 6 is shown upright" '
    f="$C/photo-exif6.jpg"
    pj "$f" ".kind == \"image\" and .exif_orientation == 6 and .rotation == 90 and .display_width == 180 and .display_height == 320"
    works "$f" 1 still 180 320
    jq -e ".probe.display_width == 180" "$f.analysis"
    # turned as ffmpeg turns it: the photo fills the portrait frame
    ffmpeg -nostdin -v error -y -i "$f" -frames:v 1 -vf scale=180:320 "$f.ref.png"
    test "$(ffv "$f.ref.png" v:0 stream=width)" = 180
    for q in 90:160:0:0 90:160:90:0 90:160:0:160 90:160:90:160; do
        rgb_is "$(frame_rgb "$f.out.mp4" 0.5 $q)" $(frame_rgb "$f.ref.png" 0 $q) 30
    done
'
prop gif "an animated GIF is footage" '
    f="$C/anim.gif"
    pj "$f" ".kind == \"video\" and (.duration > 1.9)"
    works "$f" 0.2 1.8
'
prop svg "an SVG logo is a still" '
    f="$C/logo.svg"
    pj "$f" ".kind == \"image\" and .width == 200 and .height == 100"
    works "$f" 1 still
    # the logo (2:1) is shown whole: its blue #1e6fd9 right of the white circle
    rgb_is "$(rgb "$f.out.mp4" 0.5 60:60:220:60)" 30 111 217 30
'
prop truncated "a file cut off at half its length is refused, naming the file and its stated length" '
    refused "$C/truncated.mp4" "of its stated 4.0 s: it is truncated"
    one_cut "$TMP/tr.json" "$C/truncated.mp4" 0 1
    set +e; "$REEL" render "$TMP/tr.json" -o "$TMP/tr.mp4" 2>"$TMP/tr.err"; rc=$?; set -e
    cat "$TMP/tr.err"
    test $rc -eq 1 && grep -q "truncated.mp4" "$TMP/tr.err" && grep -q truncated "$TMP/tr.err"
    test ! -e "$TMP/tr.mp4"
'
prop unfinished "an MP4 whose recording never finished (no moov) is refused, saying so" '
    refused "$C/unfinished.mp4" "no moov atom"
'
prop lying_webm "an MP4 named .webm is read as the MP4 it is" '
    f="$C/really-mp4.webm"
    pj "$f" ".format | startswith(\"mov,mp4\")"
    works "$f" 0.5 2.5
'
prop lying_jpg "a PNG named .jpg is read as the PNG it is" '
    f="$C/really-png.jpg"
    pj "$f" ".kind == \"image\" and .format == \"png_pipe\""
    works "$f" 1 still
'
prop live_webm "edit: reel edit -o on a job that ends review_required still writes the best render there" '
    set +e
    "$REEL" edit --brief "a 60 second video, no looping" --duration 60 --max-revisions 1 \
        "$C/live.webm" -o "$TMP/review/out.mp4" --json >"$TMP/review.jsonl" 2>"$TMP/review.err"
    rc=$?
    set -e
    test $rc -ne 0
    r=$(tail -n 1 "$TMP/review.jsonl")
    echo "$r" | jq -e ".status == \"review_required\" and .golden == false and .output == \"$TMP/review/out.mp4\""
    echo "$r" | jq -e ".reason | test(\"footage holds only\")"
    cmp "$TMP/review/out.mp4" "$(echo "$r" | jq -r .render)"
'
test_done
