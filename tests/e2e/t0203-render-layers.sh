#!/usr/bin/env bash
# Layers on the picture: overlays (position, width, margin, opacity, start,
# video with `in`), text (hostile strings render literally), captions
# (cues, line breaks, title-safe position, karaoke from a transcript),
# colour grades over a span (eq, .cube LUT), fades.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

plan() { # FILE OPERATIONS
    echo "{\"schema\":\"reel.editplan/1\",\"assets\":{\"gray\":\"gray.mp4\",\"red\":\"red.mp4\",\"black\":\"black.mp4\",\"logo\":\"logo.png\",\"two\":\"two.mp4\",\"green\":\"green.cube\"},
 \"output\":{\"width\":320,\"height\":180,\"fps\":30,\"audio\":{\"loudness_lufs\":null}},\"operations\":[$2]}" >"$1"
}
test_expect_success 'make sources' '
    clip "$TMP/gray.mp4" gray 3 &&
    clip "$TMP/red.mp4" red 4 &&
    clip "$TMP/black.mp4" black 4 &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=red:s=64x32" -frames:v 1 "$TMP/logo.png" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=blue:s=160x90:r=30:d=1" -f lavfi -i "color=yellow:s=160x90:r=30:d=1" \
        -filter_complex "[0][1]concat=n=2" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$TMP/two.mp4" &&
    { echo "LUT_3D_SIZE 2"; for i in 1 2 3 4 5 6 7 8; do echo "0 1 0"; done; } >"$TMP/green.cube"
'
test_expect_success 'overlays: position, width, margin, opacity, start, video in' '
    plan "$TMP/p.json" "{\"op\":\"cut\",\"asset\":\"gray\",\"in\":0,\"out\":3},
        {\"op\":\"overlay\",\"asset\":\"logo\",\"position\":\"top-left\",\"width\":0.2,\"start\":1},
        {\"op\":\"overlay\",\"asset\":\"logo\",\"position\":\"bottom-right\",\"width\":0.2,\"opacity\":0.5},
        {\"op\":\"overlay\",\"asset\":\"two\",\"in\":1,\"position\":{\"x\":0.5,\"y\":0.5},\"width\":0.25,\"start\":2,\"end\":3}"
    render "$TMP/p.json" "$TMP/ov.mp4"
    rgb_is "$(rgb "$TMP/ov.mp4" 0.5 40:20:20:20)" 128 128 128
    rgb_is "$(rgb "$TMP/ov.mp4" 1.5 40:20:20:20)" 255 0 0
    # just outside the margin: still the background
    rgb_is "$(rgb "$TMP/ov.mp4" 1.5 10:10:0:0)" 128 128 128 20
    rgb_is "$(rgb "$TMP/ov.mp4" 1.5 40:20:260:140)" 191 64 64 25
    rgb_is "$(rgb "$TMP/ov.mp4" 1.5 40:20:140:80)" 128 128 128 20
    rgb_is "$(rgb "$TMP/ov.mp4" 2.5 40:20:140:80)" 255 255 0 40
'
# a title with every character that means something to a filtergraph,
# drawtext's expansion, a shell or JSON, plus RTL text and an emoji
cat >"$TMP/hostile.in" <<'EOT'
It's "q" : ; , \ % {x} [y] = $HOME %{pts} \n
second line עברית 😀
EOT
printf "%s" "$(cat "$TMP/hostile.in")" >"$TMP/hostile.txt"
cat >"$TMP/hostile.json" <<'EOT'
"It's \"q\" : ; , \\ % {x} [y] = $HOME %{pts} \\n\nsecond line עברית 😀"
EOT
test_expect_success 'text from the plan is written to a file byte for byte' '
    plan "$TMP/t.json" "{\"op\":\"cut\",\"asset\":\"black\",\"in\":0,\"out\":1},
        {\"op\":\"text\",\"text\":$(cat "$TMP/hostile.json"),\"position\":\"top-left\",\"style\":{\"size\":0.1,\"outline\":null}}"
    "$REEL" render "$TMP/t.json" -o "$TMP/t.mp4" --dry-run >"$TMP/dry"
    dir=$(sed -n "s/.*files kept in //p" "$TMP/dry")
    cmp "$dir/text-0.txt" "$TMP/hostile.txt"
    grep -q "expansion=none" "$dir/graph.txt"
'
test_expect_success 'hostile text renders exactly like a reference drawtext of the same file' '
    render "$TMP/t.json" "$TMP/t.mp4"
    ref() { ffmpeg -nostdin -v error -y -f lavfi -i color=black:s=320x180:r=30:d=1 \
        -vf "drawtext=textfile=$1:expansion=none:font=DejaVu Sans:fontsize=18:fontcolor=white:line_spacing=3:x=16:y=9" \
        -frames:v 1 -c:v png "$2"; }
    ref "$TMP/hostile.txt" "$TMP/ref.png"
    sed "s/HOME/HOMF/" "$TMP/hostile.txt" >"$TMP/other.txt"
    ref "$TMP/other.txt" "$TMP/other.png"
    psnr() { ffmpeg -nostdin -hide_banner -ss 0.5 -i "$TMP/t.mp4" -i "$1" -frames:v 1 -lavfi "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr" -f null - 2>&1 | sed -n "s/.* average:\([0-9.inf]*\).*/\1/p"; }
    same=$(psnr "$TMP/ref.png"); diff=$(psnr "$TMP/other.png")
    echo "psnr same $same other $diff"
    less 30 "$same"
    less "$diff" "$same"
    less 3 "$(awk "BEGIN{print $same - $diff}")"
'
test_expect_success 'captions: cues at the bottom inside the title-safe area, wrapped, top position' '
    plan "$TMP/c.json" "{\"op\":\"cut\",\"asset\":\"black\",\"in\":0,\"out\":4},
        {\"op\":\"captions\",\"source\":\"cues\",\"style\":{\"size\":0.1,\"max_chars_per_line\":24,\"outline\":null},
         \"cues\":[{\"start\":0.5,\"end\":1.5,\"text\":\"Hello world\"},
                   {\"start\":2,\"end\":3,\"text\":\"A much longer caption that has to wrap\"}]},
        {\"op\":\"captions\",\"source\":\"cues\",\"position\":\"top\",\"style\":{\"size\":0.1,\"outline\":null},
         \"cues\":[{\"start\":3.2,\"end\":3.8,\"text\":\"Up here\"}]}"
    render "$TMP/c.json" "$TMP/c.mp4"
    lit() { set -- $(rgb "$TMP/c.mp4" $1 $2); less 8 $(( ($1 + $2 + $3) / 3 )); }
    dark() { set -- $(rgb "$TMP/c.mp4" $1 $2); less $(( ($1 + $2 + $3) / 3 )) 3; }
    dark 0.3 160:20:80:150
    lit 1.0 160:20:80:150
    dark 1.0 160:10:80:140 && dark 1.0 320:60:0:60
    dark 1.7 160:20:80:150
    # two lines: the upper one sits above the single-line position
    lit 2.5 160:20:80:150 && lit 2.5 160:10:80:140
    # nothing in the outer 5% (title-safe)
    dark 2.5 320:10:0:170 && dark 2.5 10:180:0:0 && dark 2.5 10:180:310:0
    lit 3.5 160:20:80:10 && dark 3.5 160:20:80:150
'
test_expect_success 'karaoke captions from a transcript mapped through the cut' '
    plan "$TMP/k.json" "{\"op\":\"cut\",\"asset\":\"black\",\"in\":1,\"out\":3,\"speed\":2},
        {\"op\":\"captions\",\"source\":\"transcript\",\"style\":{\"size\":0.15,\"outline\":null,\"highlight\":\"#FFFF00\"}}"
    echo "{\"black\":{\"words\":[{\"start\":0.5,\"end\":0.8,\"word\":\"gone\"},{\"start\":1.2,\"end\":1.6,\"word\":\"alpha\"},
        {\"start\":2.2,\"end\":2.8,\"word\":\"beta\"}]}}" >"$TMP/words.json"
    render "$TMP/k.json" "$TMP/k.mp4" --transcripts "$TMP/words.json"
    yellow() { set -- $(rgb "$TMP/k.mp4" $1 $2); echo $(( ($1 + $2) / 2 - $3 )); }
    # alpha (left of the line) is highlighted first, then beta (right)
    less 4 $(yellow 0.2 80:40:80:130) && less $(yellow 0.2 80:40:160:130) 2
    less 4 $(yellow 0.8 80:40:160:130) && less $(yellow 0.8 80:40:80:130) 2
'
test_expect_success 'colour grades over spans: saturation, LUT, brightness' '
    plan "$TMP/g.json" "{\"op\":\"cut\",\"asset\":\"red\",\"in\":0,\"out\":4},
        {\"op\":\"color\",\"start\":1,\"end\":2,\"saturation\":0},
        {\"op\":\"color\",\"start\":2,\"end\":3,\"lut\":\"green\"},
        {\"op\":\"color\",\"start\":3,\"brightness\":0.3}"
    render "$TMP/g.json" "$TMP/g.mp4"
    rgb_is "$(rgb "$TMP/g.mp4" 0.5)" 255 0 0
    set -- $(rgb "$TMP/g.mp4" 1.5); near $1 $2 12 && near $2 $3 12 && less $1 150
    rgb_is "$(rgb "$TMP/g.mp4" 2.5)" 0 255 0
    set -- $(rgb "$TMP/g.mp4" 3.5); less 60 $2 && less 200 $1
    # the span ends on its frame: the frame before 1 s is untouched
    rgb_is "$(rgb "$TMP/g.mp4" 0.9667)" 255 0 0
'
test_expect_success 'fade in and out: picture and sound' '
    plan "$TMP/f.json" "{\"op\":\"cut\",\"asset\":\"gray\",\"in\":0,\"out\":3},
        {\"op\":\"fade\",\"kind\":\"in\",\"duration\":0.5},{\"op\":\"fade\",\"kind\":\"out\",\"duration\":1}"
    render "$TMP/f.json" "$TMP/f.mp4"
    rgb_is "$(rgb "$TMP/f.mp4" 0)" 0 0 0 10
    rgb_is "$(rgb "$TMP/f.mp4" 1.5)" 128 128 128 10
    rgb_is "$(rgb "$TMP/f.mp4" 2.5)" 64 64 64 15
    rgb_is "$(rgb "$TMP/f.mp4" 2.9667)" 0 0 0 10
    less "$(db "$TMP/f.mp4" 0 0.1)" "$(($(db "$TMP/f.mp4" 1 1 | cut -d. -f1) - 10))"
    less "$(db "$TMP/f.mp4" 2.8 0.2)" "$(($(db "$TMP/f.mp4" 1 1 | cut -d. -f1) - 10))"
'
test_done
