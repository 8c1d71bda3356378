#!/usr/bin/env bash
# The rules planner on real footage and music (../shared/media): plans that
# validate, meet the asked length and aspect, and cut on the beats the
# analysis found in a real track.
. "$(dirname "$0")/lib.sh"

M="$SHARED_MEDIA"
if [ ! -d "$M/video" ] || [ ! -d "$M/music" ]; then
    test_skip 'rules planner on real media' "no real media in $M"
    test_done; exit 0
fi
command -v jq >/dev/null || { test_skip 'rules planner on real media' 'jq is not installed'; test_done; exit 0; }
if "$REEL" analyze --json "$M/music/sonicpi_loop_amen_full.flac" >"$TMP/amen.json" 2>"$TMP/an.err"; then :; else
    if grep -q "not implemented" "$TMP/an.err"; then
        test_skip 'rules planner on real media' 'reel analyze is not in this build'
        test_done; exit 0
    fi
fi

cuts_duration() { jq '[.operations[] | select(.op == "cut") | (if .duration then .duration else .out - .in end)] | add' "$1"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

test_expect_success 'three clips, a real track and a logo: 15 s vertical on the beat' '
    "$REEL" analyze --json "$M/music/kevin_macleod_outfoxing_the_fox_160bpm.mp3" >"$TMP/fox.json"
    "$REEL" plan --brief "fast 15 s vertical teaser on the beat, logo top right" \
        "$M/video/bbb_480p_30s_h264_aac51.mp4" "$M/video/crystal_480p_h264_aac.mp4" \
        "$M/video/elf_480p_h264_aac.mp4" music="$M/music/kevin_macleod_outfoxing_the_fox_160bpm.mp3" \
        logo="$M/logos/lmms_icon_512_rgba.png" --analysis music="$TMP/fox.json" -o "$TMP/p.json"
    "$REEL" plan validate "$TMP/p.json"
    near "$(cuts_duration "$TMP/p.json")" 15 1.0
    jq -e ".output.aspect == \"9:16\" and .output.height <= 480" "$TMP/p.json"
    jq -e "[.operations[] | select(.op == \"cut\")] | length >= 4" "$TMP/p.json"
    # each boundary within one frame of a beat the analysis found
    jq -r --slurpfile an "$TMP/fox.json" ".output.fps as \$f
        | [.operations[] | select(.op == \"cut\") | .out - .in]
        | reduce .[0:-1][] as \$d ({t: 0, b: []}; .t += \$d | .b += [.t]) | .b[]
        | . as \$t | [\$an[0].beats.times[] | . - \$t | fabs] | min | \"\(.) \(\$f)\"" "$TMP/p.json" >"$TMP/off"
    test -s "$TMP/off"
    awk "\$1 > 1 / \$2 + 1e-6 { print \"boundary \" NR \" is \" \$1 \" s off the nearest beat\"; bad = 1 } END { exit bad }" "$TMP/off"
'

test_expect_success 'a quiet camera clip, square, longer than the footage allows' '
    "$REEL" plan --brief "square 30 s" "$M/video/elf_480p_h264_aac.mp4" -o "$TMP/q.json"
    "$REEL" plan validate "$TMP/q.json"
    d=$(cuts_duration "$TMP/q.json")
    near "$d" 8 0.5    # all it has
    jq -e ".output.width == .output.height and .output.width <= 480" "$TMP/q.json"
'

test_done
