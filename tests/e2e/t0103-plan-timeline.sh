#!/usr/bin/env bash
# reel plan timeline: every operation's span, snapped to the output frame
# grid, against spans worked out by hand (tests/data/plan-timeline.tsv).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/data/plan-media.sh"
plan_media "$TMP/m"
cd "$TMP"

test_expect_success 'timelines match the table' '
    bad=0 n=0
    while IFS=$'"'"'\t'"'"' read -r file fps total spans; do
        case $file in "#"*|"") continue;; esac
        n=$((n + 1))
        "$REEL" plan timeline "$ROOT/tests/plans/valid/$file" "${PLAN_ASSETS[@]}" --json >tl.json
        got_fps=$(jq -r ".fps" tl.json)
        got_total=$(jq -r ".total_frames" tl.json)
        got_spans=$(jq -r "[.spans[] | \"\(.start_frame)-\(.end_frame)\"] | join(\" \")" tl.json)
        awk -v a="$got_fps" -v b="$fps" "BEGIN { exit !((a - b) < 0.001 && (b - a) < 0.001) }" ||
            { echo "$file: fps $got_fps, want $fps"; bad=$((bad + 1)); }
        [ "$got_total" = "$total" ] || { echo "$file: total $got_total, want $total"; bad=$((bad + 1)); }
        [ "$got_spans" = "$spans" ] || { echo "$file: spans $got_spans, want $spans"; bad=$((bad + 1)); }
        jq -e "(.duration - .total_frames / .fps) | fabs < 1e-6" tl.json >/dev/null ||
            { echo "$file: duration is not total_frames / fps"; bad=$((bad + 1)); }
    done <"$ROOT/tests/data/plan-timeline.tsv"
    test $n -ge 5 && test $bad -eq 0
'
test_expect_success 'the text timeline shows frames and seconds for each op' '
    "$REEL" plan timeline "$ROOT/tests/plans/valid/every-op.json" "${PLAN_ASSETS[@]}" >tl.txt
    head -n 1 tl.txt | grep -F "timeline: 135 frames, 4.500 s at 30 fps (320x180)"
    grep -E "^3 +cut +c +105 +135 +3\.500 +4\.500 +30\.\.90" tl.txt
    grep -E "^1 +transition +- +45 +60 +1\.500 +2\.000" tl.txt
    test $(grep -cE "^[0-9]+ " tl.txt) -eq 11
'
test_expect_success 'times are snapped to the frame grid' '
    cat >snap.json <<-JSON
	{"output": {"fps": 25}, "operations": [
	  {"op": "cut", "asset": "clip", "in": 0.013, "out": 1.987},
	  {"op": "text", "text": "x", "start": 0.519, "end": 0.9}]}
	JSON
    "$REEL" plan timeline snap.json "${PLAN_ASSETS[@]}" --json >tl.json
    test "$(jq -c "[.spans[0].in_frame, .spans[0].out_frame, .spans[0].end_frame, .spans[1].start_frame, .spans[1].end_frame, .spans[1].start]" tl.json)" = "[0,50,50,13,23,0.52]"
'
test_expect_code 1 'an invalid plan has no timeline' '
    "$REEL" plan timeline "$ROOT/tests/plans/invalid/transition-too-long.json" "${PLAN_ASSETS[@]}"
'
test_expect_code 2 'timeline without a plan is a usage error' '"$REEL" plan timeline'
test_done
