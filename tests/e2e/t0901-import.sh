#!/usr/bin/env bash
# reel import editly: specs in editly's JSON5 become EditPlans that validate
# and render to the spec's total length; what EditPlan cannot express is
# listed by JSON path (refused, or warnings with --lenient); malformed JSON5
# is reported at line:column.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
M="$TMP/media dir"
mkdir -p "$M" specs out
make_testsrc "$M/talk.mp4" 3
make_color "$M/red.mp4" red 3
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=blue:s=320x180" -frames:v 1 "$M/blue.png"
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=yellow:s=64x64" -frames:v 1 "$M/logo.png"
ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=220:r=48000:d=4" "$M/music.wav"
ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=880:r=48000:d=2" "$M/beep.wav"

# frames of the video stream and the container duration
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }

# Every layer type reel maps exactly, in a spec editly would render; paths
# relative to the spec's directory (../media dir/).
cat >specs/exact.json5 <<'JSON5'
// every layer type with an exact EditPlan equivalent
{
  width: 320, height: 180, fps: 30,
  keepSourceAudio: true,
  clipsAudioVolume: 1,
  outputVolume: 1,
  defaults: {
    duration: 2,
    transition: null,
    layer: { zoomDirection: null, }, // no Ken Burns anywhere
  },
  clips: [
    { layers: [{ type: 'video', path: '../media dir/talk.mp4', cutFrom: 0.5, cutTo: 2.5, },],
      transition: { name: 'fade', duration: 0.5 }, },
    { duration: 1.5, layers: [{ type: 'image', path: '../media dir/blue.png' },
                              { type: 'audio', path: '../media dir/beep.wav', mixVolume: 1 }],
      transition: { name: 'wipeLeft', duration: .5 }, },
    { duration: 0x2, layers: { type: 'pause', color: 'black' } },
    { duration: 3, layers: [{ type: 'video', path: '../media dir/red.mp4', resizeMode: 'cover' },
      { type: 'image-overlay', path: '../media dir/logo.png', position: 'top-right', width: 0.2 },
      { type: 'detached-audio', path: '../media dir/beep.wav', start: 0.5, cutTo: 1 }] },
    { duration: 2, layers: [{ type: 'fill-color', color: '#00ff00' },
      { type: "title", text: 'Hello \x41\u00e9 \
two', position: 'bottom', textColor: 'white' }] },
  ],
  audioTracks: [{ path: '../media dir/music.wav', mixVolume: 0.5, start: 1, cutFrom: 0, cutTo: 3 }],
  audioFilePath: '../media dir/music.wav', loopAudio: true, backgroundAudioVolume: 0.25,
}
JSON5
# 2 + 1.5 + 2 + 3 + 2 - 0.5 - 0.5 = 9.5 s; clips start at 0, 1.5, 2.5, 4.5, 7.5

test_expect_success 'an exact spec imports without a warning and validates' '
    "$REEL" import editly specs/exact.json5 -o out/exact.json 2>err
    cat err
    ! grep -q warning err
    grep -F "9.500 s (285 frames at 30 fps; editly: 9.500 s)" err
    "$REEL" plan validate out/exact.json
    test "$(jq "[.operations[] | select(.op == \"cut\")] | length" out/exact.json)" = 5
    jq -e "[.operations[] | select(.op == \"transition\") | .kind] == [\"crossfade\", \"wipe_left\"]" out/exact.json
    jq -e ".operations[] | select(.op == \"text\") | .text == \"Hello A\u00e9 two\" and .start == 7.5 and .end == 9.5" out/exact.json
    jq -e ".operations[] | select(.op == \"overlay\") | .position == \"top-right\" and .width == 0.2 and .start == 4.5 and .end == 7.5" out/exact.json
    jq -e "[.operations[] | select(.op == \"audio\")] | length == 4" out/exact.json
    jq -e ".operations[] | select(.op == \"audio\" and .loop == true) | .start == 0" out/exact.json
    jq -e ".output.audio.loudness_lufs == null" out/exact.json
    case $(jq -r .assets.talk out/exact.json) in /*"/media dir/talk.mp4") ;; *) false ;; esac
    test -f out/color-00ff00.ppm && test -f out/color-000000.ppm
'
test_expect_success 'the exact import renders to the spec total (285 frames, 9.5 s)' '
    "$REEL" render out/exact.json -o out/exact.mp4
    test "$(frames out/exact.mp4)" = 285
    d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 out/exact.mp4)
    awk -v d="$d" "BEGIN { exit !(d > 9.45 && d < 9.6) }"
    set -- $(frame_rgb out/exact.mp4 8.5 40:40:10:70)   # fill-color
    test "$2" -gt 150 && test "$1" -lt 90
    set -- $(frame_rgb out/exact.mp4 3.5)               # pause
    test "$1" -lt 30 && test "$2" -lt 30 && test "$3" -lt 30
    set -- $(frame_rgb out/exact.mp4 6 40:40:10:70)     # red
    test "$1" -gt 150 && test "$2" -lt 90
    set -- $(frame_rgb out/exact.mp4 6 20:20:290:15)    # the logo, top right
    test "$1" -gt 150 && test "$2" -gt 150 && test "$3" -lt 90
'
test_expect_success 'the plan goes to stdout without -o, stills into --stills' '
    mkdir -p stills
    "$REEL" import editly specs/exact.json5 --stills stills >out/stdout.json 2>/dev/null
    jq -e ".operations | length > 5" out/stdout.json
    test -f stills/color-00ff00.ppm
'

# Everything editly has that EditPlan does not: refused by default with every path.
cat >specs/lossy.json5 <<'JSON5'
{
  width: 320, height: 180, fps: 30,
  clips: [
    { duration: 2, layers: [{ type: 'image', path: '../media dir/blue.png' },
                            { type: 'subtitle', text: 'a subtitle' }] },
    { duration: 2, layers: [{ type: 'title-background', text: 'Title', background: { color: '#ff0000' } }],
      transition: { name: 'crosswarp', duration: 0.5 } },
    { duration: 2, layers: [{ type: 'gl', fragmentPath: 'x.frag' }, { type: 'canvas' }, { type: 'fabric' },
                            { type: 'linear-gradient' }, { type: 'radial-gradient' }, { type: 'rainbow-colors' },
                            { type: 'slide-in-text', text: 'x' }, { type: 'news-title', text: 'y' },
                            { type: 'title', text: 'zooms' }],
      transition: null },
    { layers: [{ type: 'video', path: '../media dir/talk.mp4', sparkle: true }] },
  ],
  mystery: 1,
}
JSON5
test_expect_success 'a lossy spec is refused (exit 1), every unsupported path listed' '
    st=0; "$REEL" import editly specs/lossy.json5 -o out/lossy.json 2>err || st=$?
    cat err
    test $st = 1
    grep -F "\$.clips[2].layers[0]: unsupported: layer type '\''gl'\'' (a GLSL shader) has no EditPlan equivalent" err &&
    for t in canvas fabric linear-gradient radial-gradient rainbow-colors slide-in-text news-title; do
        grep -F "layer type '\''$t'\''" err || exit 9
    done &&
    grep -F "\$.clips[0].layers[1]: unsupported: editly slides and fades a subtitle in" err &&
    grep -F "\$.clips[1].transition: unsupported: transition '\''crosswarp'\''" err &&
    grep -F "\$.clips[0].transition: unsupported: transition '\''random'\'' (editly'\''s default)" err &&
    grep -F "\$.clips[2].layers[8].zoomDirection: unsupported" err &&
    grep -F "\$.clips[1].layers[0]: unsupported: editly zooms a title-background" err &&
    grep -F "\$.clips[3].layers[0].sparkle: unsupported: unknown key" err &&
    grep -F "\$.mystery: unsupported: unknown key" err &&
    grep -F "\$.clips[0].layers[0].zoomDirection: unsupported: zoomDirection '\''in'\'', editly'\''s default" err &&
    grep -F "19 parts with no EditPlan equivalent; nothing written (--lenient" err &&
    test ! -e out/lossy.json && test ! -e out/color-ff0000.ppm
'
test_expect_success '--lenient writes it anyway, each dropped path a warning, and it renders' '
    "$REEL" import editly specs/lossy.json5 --lenient -o out/lossy.json 2>err
    cat err
    grep -F "warning: \$.clips[2].layers[0]: left out or replaced: layer type '\''gl'\''" err
    test "$(grep -c "^warning: " err)" -ge 15
    "$REEL" plan validate out/lossy.json
    jq -e "[.operations[] | select(.op == \"transition\") | .kind] == [\"crossfade\", \"crossfade\"]" out/lossy.json
    jq -e "[.operations[] | select(.op == \"text\") | .text] == [\"a subtitle\", \"Title\", \"zooms\"]" out/lossy.json
    # 2 + 2 + 2 + 3 (the video) - 0.5 - 0.5
    grep -F "8.000 s (240 frames at 30 fps; editly: 8.000 s)" err
    "$REEL" render out/lossy.json -o out/lossy.mp4
    test "$(frames out/lossy.mp4)" = 240
'

# Errors: malformed JSON5 with line:col, a missing file named, usage.
printf "{\n  clips: [\n    { duration: 2, layers: [ { type: 'title', text: 'x' } ] }\n    { duration: 1 },\n  ]\n}\n" >specs/bad.json5
test_expect_success 'malformed JSON5 is reported at line:column' '
    st=0; "$REEL" import editly specs/bad.json5 2>err || st=$?
    cat err
    grep -F "specs/bad.json5:4:5: cannot read the editly spec: malformed JSON5: expected '\'','\'' or '\'']'\'', found '\''{'\''" err
    test $st = 1
'
test_expect_success 'Infinity is refused at its position' '
    printf "{ width: 320,\n  fps: -Infinity }\n" >specs/inf.json5
    st=0; "$REEL" import editly specs/inf.json5 2>err || st=$?
    grep -F "specs/inf.json5:2:8:" err && grep -F "Infinity" err
    test $st = 1
'
test_expect_success 'a missing media file is named with its spec path' '
    printf "{clips: [{layers: [{type: \"video\", path: \"nope.mp4\"}]}]}" >specs/missing.json5
    st=0; "$REEL" import editly specs/missing.json5 --lenient -o out/missing.json 2>err || st=$?
    cat err
    grep -F "\$.clips[0].layers[0].path: not_found: no such file: $TMP/specs/nope.mp4" err
    test ! -e out/missing.json
    test $st = 1
'
test_expect_success 'a missing spec is named' '
    st=0; "$REEL" import editly specs/absent.json5 2>err || st=$?
    grep -F "specs/absent.json5: cannot read the editly spec: cannot open" err
    test $st = 1
'
test_expect_success 'usage: an unknown format' '
    st=0; "$REEL" import premiere x.json5 2>err || st=$?
    grep -F "unknown format" err
    test $st = 2
'
test_expect_code 2 'usage: no spec' '"$REEL" import editly'
test_done
