#!/usr/bin/env bash
# The brief corpus (tests/briefs/): every brief of gen/ (footage made here)
# and, when ../shared/media is present, of real/, goes through
# `reel plan --explain --json`, and tests/briefs/check.py checks each
# expected constraint against the explanation and the plan. The briefs
# marked "edit" also go through `reel edit`, and every constraint the agent
# checked against the render must be met (or the job must name it).
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { test_skip 'briefs' 'jq is not installed'; test_done; exit 0; }
command -v python3 >/dev/null || { test_skip 'briefs' 'python3 is not installed'; test_done; exit 0; }
BRIEFS="$ROOT/tests/briefs"
G="$TMP/media"
mkdir -p "$G"
clip() { # NAME SECONDS HUE: testsrc2 tinted, with a tone, 320x180
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=$2,hue=h=$3" \
        -f lavfi -i "sine=f=$((200 + $3)):r=48000:d=$2" -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p -c:a aac -shortest "$G/$1.mp4"
}
clip city 8 0
clip beach 6 90
clip flower 4 180
clip crowd 6 270
# a click every 0.5 s from t = 0.25 (120 BPM), 16 s
ffmpeg -nostdin -v error -y -f lavfi \
    -i "aevalsrc=if(lt(mod(t-0.25\,0.5)\,0.03)*gte(t\,0.25)\,0.8*sin(2*PI*1500*t)\,0):s=48000:d=16" \
    -c:a pcm_s16le "$G/music.wav"
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=red:s=64x64" -frames:v 1 "$G/logo.png"

# run_plan BRIEF.json MEDIA_DIR OUT.json: reel plan on the brief's args and flags
run_plan() {
    local -a args flags
    mapfile -t args < <(jq -r --arg m "$2" '.args[] | gsub("\\$MEDIA"; $m)' "$1")
    mapfile -t flags < <(jq -r '(.flags // [])[]' "$1")
    "$REEL" plan --explain --json --no-transcribe --brief "$(jq -r .brief "$1")" \
        "${flags[@]}" "${args[@]}" >"$3" 2>"$3.err"
}

check_set() { # DIR MEDIA
    local n=0 bad=0 f
    for f in "$1"/*.json; do
        n=$((n + 1))
        if ! run_plan "$f" "$2" "$TMP/rep.json"; then
            echo "$(basename "$f"): reel plan failed: $(tail -n 3 "$TMP/rep.json.err")"
            bad=$((bad + 1))
            continue
        fi
        python3 "$BRIEFS/check.py" "$f" "$TMP/rep.json" "$2" || bad=$((bad + 1))
    done
    echo "$n briefs, $bad with a missed constraint"
    [ "$n" -ge 1 ] && [ "$bad" -eq 0 ]
}

test_expect_success 'briefs/gen: at least 20 briefs' '
    test "$(ls "$BRIEFS"/gen/*.json | wc -l)" -ge 20
'
test_expect_success 'briefs/gen: every expected constraint is in the explanation and the plan' '
    check_set "$BRIEFS/gen" "$G"
'
test_expect_success 'briefs: the checker fails a plan that misses a constraint' '
    f="$BRIEFS/gen/01-example.json"
    run_plan "$f" "$G" "$TMP/rep.json"
    # the same report, its last cut moved to the front: "end on the flower" is missed
    jq "(.plan.operations | map(select(.op == \"cut\"))) as \$c
        | .plan.operations = ([\$c[-1]] + \$c[:-1] + (.plan.operations | map(select(.op != \"cut\"))))" \
        "$TMP/rep.json" >"$TMP/bad.json"
    ! python3 "$BRIEFS/check.py" "$f" "$TMP/bad.json" "$G" >"$TMP/out" &&
    grep -q "last_asset" "$TMP/out"
'
test_expect_success 'briefs: a flag wins over the brief and the explanation says so' '
    "$REEL" plan --explain --no-transcribe --duration 6 --brief "a 30 second cut" "$G/city.mp4" \
        >"$TMP/p.json" 2>"$TMP/err"
    grep -q "\"30 second\" -> duration: not used, the flag wins" "$TMP/err" &&
    test "$(jq "[.operations[] | select(.op == \"cut\") | .out - .in] | add | . * 30 | round" "$TMP/p.json")" = 180
'

# reel edit on the briefs marked "edit": every constraint checked against the render is met
edit_one() { # BRIEF.json MEDIA
    local -a args flags
    mapfile -t args < <(jq -r --arg m "$2" '.args[] | gsub("\\$MEDIA"; $m)' "$1")
    mapfile -t flags < <(jq -r '(.flags // [])[]' "$1")
    "$REEL" edit --max-revisions 1 --brief "$(jq -r .brief "$1")" "${flags[@]}" "${args[@]}" \
        -o "$TMP/edit.mp4" >"$TMP/edit.out" 2>&1 || true
    local id; id=$(grep -oE "job [0-9a-f-]{36}" "$TMP/edit.out" | head -n 1 | cut -d" " -f2)
    test -n "$id" || { cat "$TMP/edit.out"; return 1; }
    "$REEL" show "$id" --json >"$TMP/show.json"
    # the last version's checks: all met, or the reason names the missed ones
    jq -e "(.versions[-1].evaluate.brief_check.constraints | length > 0) and
           (.versions[-1].evaluate.brief_check.constraints | all(.met))" "$TMP/show.json" >/dev/null ||
    { jq ".versions[-1].evaluate.brief_check" "$TMP/show.json"; return 1; }
}
for f in "$BRIEFS"/gen/*.json; do
    [ "$(jq -r '.edit // false' "$f")" = true ] || continue
    test_expect_success "briefs/gen: reel edit meets $(basename "$f" .json)" "edit_one '$f' '$G'"
done

if [ -d "$SHARED_MEDIA" ] && ls "$BRIEFS"/real/*.json >/dev/null 2>&1; then
    test_expect_success 'briefs/real: every expected constraint is in the explanation and the plan' '
        check_set "$BRIEFS/real" "$SHARED_MEDIA"
    '
else
    test_skip 'briefs/real' "no $SHARED_MEDIA or no tests/briefs/real briefs"
fi
test_done
