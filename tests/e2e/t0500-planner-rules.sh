#!/usr/bin/env bash
# reel plan with the rules planner over footage made here: talking footage
# (espeak-ng phrases with silences between), b-roll, a click-track music bed
# with known beats, a logo. Each plan must validate, meet its brief and
# (once the renderer is in) render.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { test_skip 'rules planner' 'jq is not installed'; test_done; exit 0; }

# --- media ---
say() { espeak-ng -s 160 -w "$TMP/$1.wav" "$2"; }
if command -v espeak-ng >/dev/null; then
    say a "Hello and welcome to the show about editing"
    say b "today we cut the silences out of this talk"
    say c "and we keep every word that matters"
    have_speech=1
else
    have_speech=0
fi
make_talk() { # talk.mp4: phrase, 2 s silence, phrase, 1.5 s silence, phrase, 1 s silence
    ffmpeg -nostdin -v error -y -i "$TMP/a.wav" -i "$TMP/b.wav" -i "$TMP/c.wav" \
        -f lavfi -i "anullsrc=r=48000:cl=mono:d=2" -f lavfi -i "anullsrc=r=48000:cl=mono:d=1.5" \
        -f lavfi -i "anullsrc=r=48000:cl=mono:d=1" \
        -filter_complex "[0]aresample=48000[a];[1]aresample=48000[b];[2]aresample=48000[c];[a][3][b][4][c][5]concat=n=6:v=0:a=1[out]" \
        -map "[out]" -c:a pcm_s16le "$TMP/talk.wav"
    local d; d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$TMP/talk.wav")
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=$d" -i "$TMP/talk.wav" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$TMP/talk.mp4"
}
# silences of a file as [{"start","end"}] (ffmpeg silencedetect), and speech as what is between
silence_facts() { # FILE OUT.json
    local dur
    dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1")
    ffmpeg -nostdin -v info -i "$1" -af silencedetect=noise=-40dB:d=0.3 -f null - 2>&1 |
        awk -v dur="$dur" '
            /silence_start/ { s = $NF }
            /silence_end/ { for (i = 1; i <= NF; i++) if ($i == "silence_end:") e = $(i + 1); print s, e; s = "" }
            END { if (s != "") print s, dur }' |
        jq -R -s --argjson dur "$dur" '
            [split("\n")[] | select(length > 0) | split(" ") | {start: (.[0] | tonumber | if . < 0 then 0 else . end), end: (.[1] | tonumber)}] as $sil
            | {silence: $sil,
               speech: ([0] + [$sil[] | .start, .end] + [$dur] | [range(0; length; 2) as $i | {start: .[$i], end: .[$i + 1]}] | map(select(.end - .start > 0.05)))}' >"$2"
}
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=20" -f lavfi -i "sine=f=300:r=48000:d=20" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$TMP/broll.mp4"
# click track: a click every 0.5 s from t = 0.25
ffmpeg -nostdin -v error -y -f lavfi \
    -i "aevalsrc=if(lt(mod(t-0.25\,0.5)\,0.03)*gte(t\,0.25)\,0.8*sin(2*PI*1500*t)\,0):s=48000:d=16" \
    -c:a pcm_s16le "$TMP/music.wav"
jq -n '{beats: {bpm: 120, confidence: 1, times: [range(0; 32) | 0.25 + . * 0.5]}}' >"$TMP/music.analysis.json"
jq -n '{shots: [range(0; 5) | {start: (. * 4), end: (. * 4 + 4), score: 0.7}],
        motion: [range(0; 20) | (. % 5) / 5]}' >"$TMP/broll.analysis.json"
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=red:s=64x64" -frames:v 1 "$TMP/logo.png"

# helpers over plan JSON
cuts_duration() { jq '[.operations[] | select(.op == "cut") | (if .duration then .duration else .out - .in end)] | add' "$1"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# Longest silence left on the timeline: each cut's source silences mapped to
# timeline time, touching ones joined across cut boundaries.
longest_silence() { # PLAN ANALYSIS
    { jq -r '.operations[] | select(.op == "cut") | "C \(.in) \(.out)"' "$1"
      jq -r '.silence[] | "S \(.start) \(.end)"' "$2"; } |
    awk '$1 == "S" { ns++; ss[ns] = $2; se[ns] = $3; next }
         $1 == "C" { nc++; ci[nc] = $2; co[nc] = $3 }
         END {
             t = 0; n = 0
             for (c = 1; c <= nc; c++) {
                 for (k = 1; k <= ns; k++) {
                     s = ss[k] > ci[c] ? ss[k] : ci[c]; e = se[k] < co[c] ? se[k] : co[c]
                     if (e > s) { n++; a[n] = t + s - ci[c]; b[n] = t + e - ci[c] }
                 }
                 t += co[c] - ci[c]
             }
             # intervals come in timeline order per cut; join touching ones
             best = 0; cs = -1; ce = -1
             for (i = 1; i <= n; i++) {
                 if (cs >= 0 && a[i] - ce < 0.002) ce = b[i]
                 else { if (cs >= 0 && ce - cs > best) best = ce - cs; cs = a[i]; ce = b[i] }
             }
             if (cs >= 0 && ce - cs > best) best = ce - cs
             printf "%.3f\n", best
         }'
}

# Validation and rendering, by whichever modules are in this build.
can_validate() {
    local rc=0
    "$REEL" plan validate "$1" >/dev/null 2>"$TMP/v.err" || rc=$?
    if grep -q "not implemented" "$TMP/v.err"; then echo skip; else echo $rc; fi
}
check_valid() { # PLAN
    local r; r=$(can_validate "$1")
    [ "$r" = skip ] && { echo "(plan validate not in this build)"; return 0; }
    [ "$r" = 0 ] || { cat "$TMP/v.err"; return 1; }
}
check_render() { # PLAN TARGET_SECONDS
    local rc=0
    "$REEL" render "$1" -o "$TMP/out.mp4" >/dev/null 2>"$TMP/r.err" || rc=$?
    grep -q "not implemented" "$TMP/r.err" && { echo "(render not in this build)"; return 0; }
    [ $rc -eq 0 ] || { cat "$TMP/r.err"; return 1; }
    local d; d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$TMP/out.mp4")
    near "$d" "$2" 1.0 || { echo "rendered $d s, wanted $2"; return 1; }
}

if [ $have_speech = 1 ]; then
    make_talk
    silence_facts "$TMP/talk.mp4" "$TMP/talk.analysis.json"
    test_expect_success 'talking footage: 8 s with captions, no silence over 0.5 s left' '
        "$REEL" plan --brief "an 8 s edit of the talk with captions" "$TMP/talk.mp4" \
            --analysis talk="$TMP/talk.analysis.json" -o "$TMP/p1.json"
        near "$(cuts_duration "$TMP/p1.json")" 8 1.0
        jq -e "[.operations[] | select(.op == \"captions\" and .source == \"transcript\")] | length == 1" "$TMP/p1.json"
        longest=$(longest_silence "$TMP/p1.json" "$TMP/talk.analysis.json")
        echo "longest silence left: $longest s"
        awk -v l="$longest" "BEGIN { exit !(l <= 0.5) }"
        check_valid "$TMP/p1.json"
        check_render "$TMP/p1.json" "$(cuts_duration "$TMP/p1.json")"
    '
fi

test_expect_success 'b-roll, music, logo: vertical 10 s, cuts on the beats' '
    "$REEL" plan --brief "fast vertical 10 s teaser on the beat, logo top-right" \
        "$TMP/broll.mp4" "$TMP/music.wav" "$TMP/logo.png" \
        --analysis broll="$TMP/broll.analysis.json" --analysis music="$TMP/music.analysis.json" \
        -o "$TMP/p2.json"
    near "$(cuts_duration "$TMP/p2.json")" 10 1.0
    jq -e ".output.aspect == \"9:16\" and .output.width * 16 == .output.height * 9" "$TMP/p2.json"
    jq -e "[.operations[] | select(.op == \"overlay\" and .asset == \"logo\" and .position == \"top-right\")] | length == 1" "$TMP/p2.json"
    jq -e "[.operations[] | select(.op == \"audio\" and .asset == \"music\")] | length == 1" "$TMP/p2.json"
    # every boundary between cuts within one frame of a beat (0.25 + k * 0.5)
    jq -r ".output.fps as \$f | [.operations[] | select(.op == \"cut\") | .out - .in]
           | reduce .[0:-1][] as \$d ({t: 0, b: []}; .t += \$d | .b += [.t]) | .b[]
           | \"\(.) \(\$f)\"" "$TMP/p2.json" >"$TMP/bounds"
    test -s "$TMP/bounds"
    test "$(wc -l <"$TMP/bounds")" -ge 3
    awk "{ k = int((\$1 - 0.25) / 0.5 + 0.5); d = \$1 - (0.25 + k * 0.5); if (d < 0) d = -d;
           if (d > 1 / \$2 + 1e-6) { print \"boundary \" \$1 \" is \" d \" s off the beat\"; bad = 1 } }
         END { exit bad }" "$TMP/bounds"
    check_valid "$TMP/p2.json"
    check_render "$TMP/p2.json" 10
'

test_expect_success 'probe only (no facts): square 6 s, brand style' '
    cat >"$TMP/brand.json" <<-EOF
	{"palette": ["#FFCC00"], "font": "DejaVu Sans", "logo": {"position": "bottom-left", "width": 0.2},
	 "loudness_lufs": -16, "captions": {"box": "#000000AA"}}
	EOF
    "$REEL" plan --brief "square 6 seconds, captions" clip="$TMP/broll.mp4" brandmark="$TMP/logo.png" \
        --logo brandmark --style "$TMP/brand.json" --title "Hello" --no-analyze -o "$TMP/p3.json"
    near "$(cuts_duration "$TMP/p3.json")" 6 1.0
    jq -e ".output.width == .output.height and .output.aspect == \"1:1\"" "$TMP/p3.json"
    jq -e ".output.audio.loudness_lufs == -16" "$TMP/p3.json"
    jq -e "[.operations[] | select(.op == \"overlay\" and .asset == \"brandmark\" and .position == \"bottom-left\")] | length == 1" "$TMP/p3.json"
    jq -e "[.operations[] | select(.op == \"text\" and .text == \"Hello\")] | length == 1" "$TMP/p3.json"
    jq -e "[.operations[] | select(.op == \"captions\") | .style.box] == [\"#000000AA\"]" "$TMP/p3.json"
    jq -e ".assets.clip and .assets.brandmark" "$TMP/p3.json"
    check_valid "$TMP/p3.json"
    check_render "$TMP/p3.json" 6
'

test_expect_success 'revise: a failing loudness metric changes the loudness target' '
    echo "{\"evaluation\": {\"metrics\": {\"watchability\": {\"score\": 0.3, \"gate\": false,
          \"evidence\": {\"integrated_lufs\": -20, \"target_lufs\": -16}}}}}" >"$TMP/fb.json"
    "$REEL" plan --revise "$TMP/p3.json" --feedback "$TMP/fb.json" --brief "square 6 seconds" \
        clip="$TMP/broll.mp4" brandmark="$TMP/logo.png" --no-analyze -o "$TMP/p4.json"
    jq -e ".output.audio.loudness_lufs == -12" "$TMP/p4.json"
    ! cmp -s "$TMP/p3.json" "$TMP/p4.json"
'

test_expect_success 'replay: a plan from recorded model calls, no network' '
    plan=$(jq -c . "$TMP/p3.json")
    jq -n --arg content "$plan" "[{attempt: 1, request: {body: {model: \"recorded-model\"}}, error: null,
        response: {status: 200, body: {choices: [{message: {role: \"assistant\", content: \$content},
                                                  finish_reason: \"stop\"}],
                                       usage: {prompt_tokens: 10, completion_tokens: 5}}}}]" >"$TMP/calls.json"
    env -u REEL_LLM_BASE_URL "$REEL" plan --brief "square 6 seconds" clip="$TMP/broll.mp4" \
        brandmark="$TMP/logo.png" --replay "$TMP/calls.json" --no-images --no-analyze --json -o "$TMP/p5.json" >"$TMP/report.json"
    jq -e ".strategy == \"llm\" and .model == \"recorded-model\" and .valid and .prompt_tokens == 10" "$TMP/report.json"
    jq -e --slurpfile a "$TMP/p3.json" ". == \$a[0]" "$TMP/p5.json"
'

test_expect_success 'facts from reel itself: analysis and activity when no facts are given' '
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=6" -f lavfi -i "sine=f=300:r=48000:d=6" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$TMP/short.mp4"
    "$REEL" plan --brief "vertical 4 s" "$TMP/short.mp4" -o "$TMP/p6.json"
    near "$(cuts_duration "$TMP/p6.json")" 4 1.0
    jq -e "[.operations[] | select(.op == \"cut\") | .focus.x] | all(. != null)" "$TMP/p6.json"
    check_valid "$TMP/p6.json"
'

test_expect_code 1 'an unknown --music label is invalid input' '
    "$REEL" plan --brief "x" "$TMP/broll.mp4" --music nosuch --no-analyze -o "$TMP/x.json"
'
test_expect_code 1 'a missing asset file is invalid input' '
    "$REEL" plan --brief "x" "$TMP/nosuch.mp4"
'
test_expect_code 2 'no --brief is a usage error' '"$REEL" plan "$TMP/broll.mp4"'
test_expect_code 2 'a bad --aspect is a usage error' '"$REEL" plan --brief x --aspect 3:2 "$TMP/broll.mp4"'
test_expect_code 1 'a bad style file is invalid input' '
    echo "{\"logo\": {\"position\": \"middle\"}}" >"$TMP/bad.json"
    "$REEL" plan --brief x --style "$TMP/bad.json" --no-analyze "$TMP/broll.mp4"
'
test_expect_code 2 'the llm planner without an endpoint is a usage error' '
    env -u REEL_LLM_BASE_URL "$REEL" plan --planner llm --brief x --no-analyze "$TMP/broll.mp4"
'

test_done
