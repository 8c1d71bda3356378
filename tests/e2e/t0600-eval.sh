#!/usr/bin/env bash
# reel eval: a reference render made here with the ffmpeg CLI (cuts on the
# beat of a click track, white captions with an outline burned in from text
# files, the logo top-right, loudness normalised to -14 LUFS) is golden;
# then one defect at a time fails its own metric's gate and only that one.
# The renders are 640x360 and 9 s long; "360p upscaled to 1080p" is tested
# as 90p sources upscaled to 360p (the same factor of 4). Every score is
# printed as a "# NAME: ..." line.
. "$(dirname "$0")/lib.sh"

export OMP_THREAD_LIMIT=1 # tesseract: no OpenMP spinning on shared cores
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
ff() { ffmpeg -nostdin -v error -y "$@"; }
M="$TMP/m"
mkdir -p "$M"

make_sources() {
    local v="-c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p"
    ff -f lavfi -i "testsrc2=s=640x360:r=30:d=3.5" $v "$M/a.mp4"
    ff -f lavfi -i "testsrc2=s=640x360:r=30:d=2.5,hue=h=120,hflip" $v "$M/b.mp4"
    ff -f lavfi -i "mandelbrot=s=640x360:r=30:end_scale=0.05" -t 2.5 $v "$M/c.mp4"
    ff -f lavfi -i "testsrc2=s=640x360:r=30:d=2.5,hue=h=240,vflip" $v "$M/d.mp4"
    ff -ss 1 -i "$M/a.mp4" -frames:v 1 "$M/still.png"
    ff -loop 1 -framerate 30 -i "$M/still.png" -t 4 $v "$M/e.mp4"
    for s in a b c d; do ff -i "$M/$s.mp4" -vf scale=160:90 $v "$M/${s}_90.mp4"; done
    ff -f lavfi -i "aevalsrc=exprs='0.25*sin(2*PI*110*t)+0.7*sin(2*PI*1500*t)*exp(-60*mod(t\,0.5))':s=48000:d=10" \
        -c:a pcm_s16le "$M/music.wav"
    ff -f lavfi -i "color=c=0x1E3A8A:s=128x64,drawbox=x=0:y=48:w=128:h=16:color=0xF97316:t=fill,drawtext=fontfile=$BOLD:text=REEL:fontcolor=white:fontsize=34:x=(w-text_w)/2:y=6" \
        -frames:v 1 "$M/logo.png"
}

# render NAME: $TMP/NAME.mp4 and the plan that describes it, $TMP/NAME.json.
# Settings (environment, defaults = the reference):
#   CUTS "label:in:out ..."  CUES file of "start|end|text" (what the plan says)
#   BURN file of cues actually burned in (default CUES)  COLOR  OUTLINE (hex or none)
#   CAPBG none|white   LOGO top-right|top-left|none   AUDIO norm|hot   FLASH 0|1   SRC ""|_90
render() {
    local name=$1 cuts=${CUTS:-"a:0:3.0 b:0.5:2.0 c:0:2.5 d:0:2.0"} cues=${CUES:-$M/cues.txt}
    local burn=${BURN:-$cues} color=${COLOR:-#FFFFFF} outline=${OUTLINE:-#000000}
    local logo=${LOGO:-top-right} audio=${AUDIO:-norm} src=${SRC:-}
    local inputs=() fc="" cat="" i=0 dur=0 ops="[]"
    for c in $cuts; do
        IFS=: read -r l a b <<<"$c"
        inputs+=(-i "$M/$l$src.mp4")
        fc+="[$i:v]trim=$a:$b,setpts=PTS-STARTPTS,scale=640:360,setsar=1,fps=30[v$i];"
        cat+="[v$i]"
        ops=$(jq -c --arg l "$l" --argjson a "$a" --argjson b "$b" '. + [{op:"cut",asset:$l,in:$a,out:$b}]' <<<"$ops")
        dur=$(awk "BEGIN { print $dur + $b - $a }")
        i=$((i + 1))
    done
    local n=$i
    inputs+=(-i "$M/music.wav" -i "$M/logo.png")
    fc+="${cat}concat=n=$n:v=1:a=0[base];[base]null"
    [ "${FLASH:-0}" = 1 ] && fc+=",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,2.5,3.49)*lt(mod(t,0.2),0.1)',drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(t,2.5,3.49)*gte(mod(t,0.2),0.1)'"
    [ "${CAPBG:-none}" = white ] && fc+=",drawbox=x=0:y=ih*0.7:w=iw:h=ih*0.3:color=white:t=fill"
    local k=0 border=""
    [ "$outline" != none ] && border=":borderw=2:bordercolor=0x${outline#\#}"
    while IFS='|' read -r s e t; do
        printf '%s' "$t" >"$TMP/$name.cue$k.txt"
        fc+=",drawtext=fontfile=$FONT:textfile=$TMP/$name.cue$k.txt:fontsize=25:fontcolor=0x${color#\#}$border:x=(w-text_w)/2:y=h*0.88-text_h:enable='between(t,$s,$e)'"
        k=$((k + 1))
    done <"$burn"
    fc+="[cap];"
    [ "$logo" != none ] && fc+="[$((n + 1)):v]scale=77:-1[lg];"
    case $logo in
        top-right) fc+="[cap][lg]overlay=x=W-w-19:y=19[out];" ;;
        top-left) fc+="[cap][lg]overlay=x=19:y=19[out];" ;;
        none) fc+="[cap]null[out];" ;;
    esac
    if [ "$audio" = hot ]; then
        fc+="[$n:a]atrim=0:$dur,volume=18dB,aformat=sample_fmts=s16:channel_layouts=stereo[a]"
    else
        fc+="[$n:a]atrim=0:$dur,loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a]"
    fi
    ff "${inputs[@]}" -filter_complex "$fc" -map "[out]" -map "[a]" -c:v libx264 -preset ultrafast \
        -crf 20 -pix_fmt yuv420p -c:a aac -b:a 160k -ar 48000 -t "$dur" "$TMP/$name.mp4"
    # the plan: what the render was meant to be
    local capjson
    capjson=$(jq -R -s -c 'split("\n") | map(select(length > 0) | split("|") | {start: (.[0]|tonumber), end: (.[1]|tonumber), text: .[2]})' <"$cues")
    local ocol=null
    [ "$outline" != none ] && ocol="\"$outline\""
    jq -n --argjson cuts "$ops" --argjson cues "$capjson" --arg color "$color" --argjson outline "$ocol" \
        --arg logo "$logo" --arg m "$M" '{
        schema: "reel.editplan/1", title: "eval test",
        output: {width: 640, height: 360, fps: 30, audio: {loudness_lufs: -14, true_peak_dbtp: -1}},
        assets: {a: "\($m)/a.mp4", b: "\($m)/b.mp4", c: "\($m)/c.mp4", d: "\($m)/d.mp4", e: "\($m)/e.mp4",
                 music: "\($m)/music.wav", logo: "\($m)/logo.png"},
        operations: ($cuts + [
          {op: "captions", source: "cues", cues: $cues, position: "bottom",
           style: {color: $color, outline: $outline, size: 0.07}},
          {op: "overlay", asset: "logo", position: "top-right", width: 0.12, margin: 0.03},
          {op: "audio", asset: "music"}])}' >"$TMP/$name.json"
    if [ -n "$src" ]; then # the plan names the sources it really used
        jq --arg m "$M" '.assets |= with_entries(if (.key|test("^[a-d]$")) then .value = "\($m)/\(.key)_90.mp4" else . end)' \
            "$TMP/$name.json" >"$TMP/$name.j2" && mv "$TMP/$name.j2" "$TMP/$name.json"
    fi
}

evaluate() { # NAME: runs reel eval --json, prints the scores
    "$REEL" eval "$TMP/$1.mp4" --plan "$TMP/$1.json" --json >"$TMP/$1.eval.json" || return 1
    echo "# $1: $(jq -r '[.metrics[] | "\(.metric)=\(.score // "n/a")\(if .gate then "" else "(FAIL)" end)"] | join(" ")' "$TMP/$1.eval.json") overall=$(jq .overall "$TMP/$1.eval.json") golden=$(jq .golden "$TMP/$1.eval.json")" >&3
}
exec 3>&1
[ -n "${EVAL_KEEP:-}" ] && trap "cp -r \"$TMP\"/. \"$EVAL_KEEP\"/; rm -rf \"$TMP\"" EXIT

gates_except() { # NAME METRIC: METRIC's gate fails, every other gate passes
    local m g
    for m in clarity punchiness retention captions brand watchability; do
        g=$(jq -r --arg m "$m" '.metrics[] | select(.metric == $m) | .gate' "$TMP/$1.eval.json")
        if [ "$m" = "$2" ]; then
            [ "$g" = false ] || { echo "$1: the $m gate should fail"; jq '.metrics[] | select(.metric == "'"$m"'")' "$TMP/$1.eval.json"; return 1; }
        else
            [ "$g" = true ] || { echo "$1: the $m gate should pass"; jq '.metrics[] | select(.metric == "'"$m"'")' "$TMP/$1.eval.json"; return 1; }
        fi
    done
    jq -e '.golden == false' "$TMP/$1.eval.json" >/dev/null
}

printf '%s\n' "0.5|2.5|Summer is here" "3.0|5.0|Big waves and warm sand" "5.5|8.5|See you next year" >"$M/cues.txt"

test_expect_success 'make the sources (clips, click track, logo)' 'make_sources'

test_expect_success 'the reference render is golden' '
    render ref
    evaluate ref
    jq -e ".golden == true and .overall > 0.85 and .gates_passed == true" "$TMP/ref.eval.json" >/dev/null
    jq -e "[.metrics[] | select(.applicable)] | length == 6" "$TMP/ref.eval.json" >/dev/null
    jq -e ".metrics[] | select(.metric == \"punchiness\") | .evidence.on_beat_share == 1" "$TMP/ref.eval.json" >/dev/null
'

test_expect_success 'the terminal report has a line per metric and the verdict' '
    "$REEL" eval "$TMP/ref.mp4" --plan "$TMP/ref.json" >"$TMP/ref.txt"
    for m in clarity punchiness retention captions brand watchability; do grep -q "^$m " "$TMP/ref.txt"; done
    grep -q "^overall .* golden" "$TMP/ref.txt"
'

test_expect_success 'defect: 90p sources upscaled 4x fail clarity only' '
    SRC=_90 render up
    evaluate up
    gates_except up clarity
    jq -e ".metrics[0].gate == false and .metrics[0].evidence.best_source.scale_factor == 4 and (.metrics[0].evidence.detail.kept | . == -1 or . > 0.75)" "$TMP/up.eval.json" >/dev/null
'
test_expect_success 'defect: music at -5 LUFS with clipping fails watchability only' '
    AUDIO=hot render hot
    evaluate hot
    gates_except hot watchability
    jq -e ".metrics[5].evidence.integrated_lufs > -8" "$TMP/hot.eval.json" >/dev/null
'
test_expect_success 'defect: a 5 Hz black/white flash fails watchability only' '
    FLASH=1 render flash
    evaluate flash
    gates_except flash watchability
    jq -e ".metrics[5].evidence.max_flashes_per_s > 3" "$TMP/flash.eval.json" >/dev/null
'
test_expect_success 'defect: yellow captions on white fail captions only' '
    COLOR="#FFFF00" OUTLINE=none CAPBG=white render yellow
    evaluate yellow
    gates_except yellow captions
    jq -e ".metrics[3].evidence.min_contrast < 2" "$TMP/yellow.eval.json" >/dev/null
'
test_expect_success 'defect: burned text differs from the plan: captions only' '
    printf "%s\n" "0.5|2.5|Winter is coming" "3.0|5.0|Cold rain and grey skies" "5.5|8.5|Goodbye for now" >"$M/wrong.txt"
    BURN="$M/wrong.txt" render wrong
    evaluate wrong
    gates_except wrong captions
    jq -e ".metrics[3].evidence.mean_cer > 0.4" "$TMP/wrong.eval.json" >/dev/null
'
test_expect_success 'defect: the logo missing fails brand only' '
    LOGO=none render nologo
    evaluate nologo
    gates_except nologo brand
'
test_expect_success 'defect: the logo in the wrong corner fails brand only' '
    LOGO=top-left render corner
    evaluate corner
    gates_except corner brand
    jq -r ".metrics[4].advice[]" "$TMP/corner.eval.json" | grep -q "top-left"
'
test_expect_success 'defect: nothing happens in the first 3 s fails retention only' '
    printf "%s\n" "3.6|4.9|Summer is here" "5.1|7.4|Big waves and warm sand" "7.6|8.9|See you next year" >"$M/late.txt"
    CUTS="e:0:3.5 b:0.5:2.0 c:0:2.5 d:0:1.5" CUES="$M/late.txt" render late
    evaluate late
    gates_except late retention
'
test_expect_success 'defect: cuts half a beat off the music fail punchiness only' '
    CUTS="a:0:3.25 b:0.5:2.0 c:0:2.5 d:0:1.75" render offbeat
    evaluate offbeat
    gates_except offbeat punchiness
'
test_expect_success 'a brand palette: test-card colours fit, browns fail brand; style weights count' '
    echo "{\"name\": \"card\", \"palette\": [\"#FF0000\", \"#00FF00\", \"#FFFF00\", \"#0000FF\", \"#FF00FF\", \"#00FFFF\"]}" >"$TMP/good.json"
    echo "{\"palette\": [\"#8B4513\", \"#556B2F\"], \"weights\": {\"brand\": 3}}" >"$TMP/brown.json"
    "$REEL" eval "$TMP/ref.mp4" --plan "$TMP/ref.json" --style "$TMP/good.json" --json >"$TMP/good.eval.json"
    "$REEL" eval "$TMP/ref.mp4" --plan "$TMP/ref.json" --style "$TMP/brown.json" --json >"$TMP/brown.eval.json"
    jq -e ".metrics[4].gate == true and .metrics[4].evidence.palette.score >= 0.4" "$TMP/good.eval.json" >/dev/null
    jq -e ".metrics[4].gate == false and .weights.brand == 3 and .overall < 0.85" "$TMP/brown.eval.json" >/dev/null
    jq -r ".metrics[4].advice[]" "$TMP/brown.eval.json" | grep -q palette
'
test_expect_success 'transcript captions: reel eval --transcripts reads what reel render burned' '
    words() { jq -n --arg t "$1" "[\$t | split(\" \") | to_entries[] | {start: (0.3 + .key * 0.35), end: (0.6 + .key * 0.35), word: .value}]"; }
    jq -n --argjson w "$(words "Summer waves are here for everyone")" "{a: {words: \$w}}" >"$TMP/tr.json"
    jq -n --argjson w "$(words "Winter snow falls over quiet hills")" "{a: {words: \$w}}" >"$TMP/tr-wrong.json"
    jq -n --arg a "$M/a.mp4" "{schema: \"reel.editplan/1\", title: \"t\",
        output: {width: 640, height: 360, fps: 30}, assets: {a: \$a},
        operations: [{op: \"cut\", asset: \"a\", in: 0, out: 3.5},
          {op: \"captions\", source: \"transcript\", position: \"bottom\",
           style: {color: \"#FFFFFF\", outline: \"#000000\", size: 0.07}}]}" >"$TMP/trc.json"
    "$REEL" render "$TMP/trc.json" --transcripts "$TMP/tr.json" --preset ultrafast -o "$TMP/trc.mp4" >/dev/null
    # (--no-hear: the clip says none of these words; t0602 checks the hearing)
    "$REEL" eval "$TMP/trc.mp4" --plan "$TMP/trc.json" --transcripts "$TMP/tr.json" --no-hear --json >"$TMP/trc.eval.json"
    "$REEL" eval "$TMP/trc.mp4" --plan "$TMP/trc.json" --transcripts "$TMP/tr-wrong.json" --no-hear --json >"$TMP/trw.eval.json"
    "$REEL" eval "$TMP/trc.mp4" --plan "$TMP/trc.json" --json >"$TMP/trn.eval.json"
    echo "# transcript captions: right $(jq -c ".metrics[3] | {score, gate, cer: .evidence.mean_cer}" "$TMP/trc.eval.json") wrong $(jq -c ".metrics[3] | {score, gate, cer: .evidence.mean_cer}" "$TMP/trw.eval.json")"
    jq -e ".metrics[3].applicable == true and .metrics[3].gate == true and .metrics[3].evidence.mean_cer <= 0.2" "$TMP/trc.eval.json" >/dev/null
    jq -e ".metrics[3].gate == false and .metrics[3].evidence.mean_cer > 0.4" "$TMP/trw.eval.json" >/dev/null
    jq -e ".metrics[3].applicable == false and (.metrics[3].evidence.note | test(\"transcript\"))" "$TMP/trn.eval.json" >/dev/null
    # heard: the clip has no speech, so no cue is what its sound says
    "$REEL" eval "$TMP/trc.mp4" --plan "$TMP/trc.json" --transcripts "$TMP/tr.json" --json >"$TMP/trh.eval.json"
    jq -e ".metrics[3].gate == false and .metrics[3].evidence.hearing.contradicted >= 1" "$TMP/trh.eval.json" >/dev/null
'
test_expect_code 2 'eval without --plan is a usage error' '"$REEL" eval "$TMP/ref.mp4"'
test_expect_code 1 'eval of a file that is not a video exits 1' '
    echo hello >"$TMP/x.txt"; "$REEL" eval "$TMP/x.txt" --plan "$TMP/ref.json"
'
test_expect_code 1 'bad weights exit 1 with the metric named' '
    REEL_EVAL_WEIGHTS="sparkle=2" "$REEL" eval "$TMP/ref.mp4" --plan "$TMP/ref.json" 2>"$TMP/e"; rc=$?
    grep -q sparkle "$TMP/e"; (exit $rc)
'
test_expect_success 'A/V sync: flashes with beeps measure the offset; shifted sound fails watchability' '
    B="between(t\,1\,1.05)+between(t\,2.5\,2.55)+between(t\,4\,4.05)+between(t\,5\,5.05)"
    ff -f lavfi -i "testsrc2=s=320x180:r=30:d=6,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable=between(n\,30\,31)+between(n\,75\,76)+between(n\,120\,121)+between(n\,150\,151)" \
        -c:v libx264 -preset ultrafast -crf 20 -pix_fmt yuv420p "$M/sync_v.mp4"
    ff -f lavfi -i "aevalsrc=exprs=0.5*sin(2*PI*1000*t)*($B)+0.01*(2*random(0)-1):s=48000:d=6:c=mono" \
        -af "loudnorm=I=-14:TP=-1.5,aresample=48000,aformat=channel_layouts=stereo" -c:a pcm_s16le "$M/sync_a.wav"
    for x in "0:anull" "80:adelay=80:all=1" "200:adelay=200:all=1" "-120:atrim=start=0.12,asetpts=PTS-STARTPTS"; do
        n=${x%%:*}
        ff -i "$M/sync_v.mp4" -i "$M/sync_a.wav" -map 0:v -map 1:a -c:v copy -af "${x#*:}" -c:a aac -b:a 128k \
            -t 6 "$TMP/sync$n.mp4"
        jq -n --arg c "$TMP/sync$n.mp4" "{schema: \"reel.editplan/1\", output: {width: 320, height: 180, fps: 30},
            assets: {c: \$c}, operations: [{op: \"cut\", asset: \"c\", in: 0, out: 6}]}" >"$TMP/sync$n.json"
        "$REEL" eval "$TMP/sync$n.mp4" --plan "$TMP/sync$n.json" --json >"$TMP/sync$n.eval.json"
        echo "# sync, sound shifted $n ms: $(jq -c ".metrics[5] | {gate, sync: (.evidence.sync | {measurable, offset_ms, mad_ms, events, why})}" "$TMP/sync$n.eval.json")" >&3
        jq -e --argjson n "$n" ".metrics[5] | .evidence.sync.measurable == true and .evidence.sync.events >= 3 and
            (.evidence.sync.offset_ms - \$n | fabs) <= 20 and .gate == (\$n == 0) and
            .threshold.sync_late_ms == 60 and .threshold.sync_early_ms == 40" "$TMP/sync$n.eval.json" >/dev/null
        if [ "$n" != 0 ]; then jq -r ".metrics[5].advice[]" "$TMP/sync$n.eval.json" | grep -q "shift the audio by"; fi
    done
    jq -e ".metrics[5].evidence.sync.measurable == false" "$TMP/ref.eval.json" >/dev/null
'
test_expect_success 'a white wordmark over a white picture: brand says it cannot be seen (not "missing"); over a dark one it is found' '
    ff -f lavfi -i "color=c=white@0:s=160x40,format=rgba,drawtext=fontfile=$BOLD:text=NORTH:fontcolor=white:fontsize=30:x=(w-text_w)/2:y=(h-text_h)/2" \
        -frames:v 1 "$TMP/wm.png"
    for bg in white dark; do
        c=white; [ $bg = dark ] && c=0x303848
        ff -f lavfi -i "color=c=$c:s=640x360:r=30:d=2" -f lavfi -i "anoisesrc=d=2:a=0.05:r=48000:seed=7" -i "$TMP/wm.png" \
            -filter_complex "[2:v]scale=90:-1[l];[0:v][l]overlay=x=W-w-19:y=19[v];[1:a]loudnorm=I=-14:TP=-1.5,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a]" \
            -map "[v]" -map "[a]" -c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p -c:a aac -t 2 "$TMP/wm_$bg.mp4"
        jq -n --arg v "$TMP/wm_$bg.mp4" --arg l "$TMP/wm.png" "{schema: \"reel.editplan/1\", output: {width: 640, height: 360, fps: 30},
          assets: {v: \$v, logo: \$l}, operations: [{op: \"cut\", asset: \"v\", in: 0, out: 2},
          {op: \"overlay\", asset: \"logo\", position: \"top-right\", width: 0.14}]}" >"$TMP/wm_$bg.json"
        "$REEL" eval "$TMP/wm_$bg.mp4" --plan "$TMP/wm_$bg.json" --json >"$TMP/wm_$bg.eval.json"
    done
    jq -e ".metrics[4].gate == false" "$TMP/wm_white.eval.json" >/dev/null
    jq -e "[.metrics[4].advice[] | select(test(\"cannot be told from the footage\"))] | length >= 2" "$TMP/wm_white.eval.json" >/dev/null
    jq -e ".metrics[4].gate == true" "$TMP/wm_dark.eval.json" >/dev/null
'
test_expect_success 'a silent video (silent footage, no sound added) is not a silence gap; with music planned it is' '
    ff -f lavfi -i "testsrc2=s=320x180:r=30:d=4" -f lavfi -i "anullsrc=r=48000:cl=stereo" -t 4 \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$M/quiet.mp4"
    ff -f lavfi -i "anullsrc=r=48000:cl=stereo" -t 4 "$M/quiet.wav"
    jq -n --arg a "$M/quiet.mp4" "{schema: \"reel.editplan/1\", title: \"q\",
        output: {width: 320, height: 180, fps: 30}, assets: {a: \$a},
        operations: [{op: \"cut\", asset: \"a\", in: 0, out: 4}]}" >"$TMP/q.json"
    jq --arg m "$M/quiet.wav" ".assets.m = \$m | .operations += [{op: \"audio\", asset: \"m\", start: 0}]" "$TMP/q.json" >"$TMP/qm.json"
    "$REEL" render "$TMP/q.json" --preset ultrafast -o "$TMP/q.mp4" >/dev/null
    "$REEL" render "$TMP/qm.json" --preset ultrafast -o "$TMP/qm.mp4" >/dev/null
    "$REEL" eval "$TMP/q.mp4" --plan "$TMP/q.json" --json >"$TMP/q.eval.json"
    "$REEL" eval "$TMP/qm.mp4" --plan "$TMP/qm.json" --json >"$TMP/qm.eval.json"
    jq -e ".metrics[5] | .gate == true and (.evidence.audio | test(\"silent video\")) and (.evidence.silence_gaps | length == 0)" "$TMP/q.eval.json" >/dev/null
    jq -e ".metrics[5] | .gate == false and (.evidence.silence_gaps | length >= 1)" "$TMP/qm.eval.json" >/dev/null
'
test_done
