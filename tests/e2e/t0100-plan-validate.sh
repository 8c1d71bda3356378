#!/usr/bin/env bash
# reel plan validate on the plan corpus: every valid plan passes, every
# invalid plan fails with exactly the error the table expects.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/data/plan-media.sh"
plan_media "$TMP/m"
cd "$TMP"

test_expect_success 'every plan in tests/plans/valid/ is valid' '
    n=0
    for f in "$ROOT"/tests/plans/valid/*.json; do
        "$REEL" plan validate "$f" "${PLAN_ASSETS[@]}" >out 2>err || { echo "$f:"; cat out err; exit 1; }
        grep -q ": valid: " out
        n=$((n + 1))
    done
    test $n -ge 10
'

test_expect_success 'every invalid plan gives exactly the expected code at the expected path' '
    mkdir -p inv
    # in parallel: starting the binary is most of the cost
    {
        echo "#!/bin/sh"
        printf "%q plan validate %q/\"\$1\"" "$REEL" "$ROOT/tests/plans/invalid"
        printf " %q" "${PLAN_ASSETS[@]}"
        echo " --json >inv/\"\$1\".out 2>inv/\"\$1\".err; echo \$? >inv/\"\$1\".rc"
    } >one.sh
    chmod +x one.sh
    # Every plan in the normal build; every 5th under the sanitizers (each run of
    # the instrumented binary costs half a second, and the unit test
    # plan_invalid_corpus_matches_table checks every row in-process there).
    stride=1; [ "$BUILD" = build ] || stride=5
    grep -v "^#" "$ROOT/tests/data/plan-invalid.tsv" | cut -f1 | awk -v s=$stride "NR % s == 1 || s == 1" >todo
    xargs -P 4 -n 1 ./one.sh <todo
    bad=0 n=0
    while IFS=$'"'"'\t'"'"' read -r file code path kind; do
        case $file in "#"*|"") continue;; esac
        [ -f inv/$file.rc ] || continue
        n=$((n + 1))
        rc=$(cat inv/$file.rc)
        if [ "$rc" != 1 ]; then echo "$file: exit $rc"; cat inv/$file.err; bad=$((bad + 1)); continue; fi
        got=$(jq -r ".[] | .code + \"@\" + .path" inv/$file.out)
        if [ "$got" != "$code@$path" ]; then echo "$file: want $code@$path, got: $got"; bad=$((bad + 1)); fi
        jq -e "all(.[]; (.message | length) > 10)" inv/$file.out >/dev/null || { echo "$file: empty message"; bad=$((bad + 1)); }
    done <"$ROOT/tests/data/plan-invalid.tsv"
    echo "$n invalid plans, $bad wrong"
    test $n -ge $((40 / stride)) && test $bad -eq 0 && test $n -eq $(wc -l <todo)
'

test_expect_success 'the text output names path, code and a sentence' '
    set +e
    "$REEL" plan validate "$ROOT/tests/plans/invalid/cut-out-past-end.json" "${PLAN_ASSETS[@]}" >out 2>err
    rc=$?
    set -e
    test $rc -eq 1
    grep -F "\$.operations[2].out: out_of_range: out 15.50 is past the end of asset '"'"'clip'"'"' (4.00 s)" out
    grep -q "1 problem" err
'

test_expect_success 'all errors of a plan are reported at once' '
    cat >many.json <<-JSON
	{"output": {"fps": 31, "container": "avi"},
	 "operations": [{"op": "cut", "asset": "clip", "in": 0, "out": 99, "speed": 9},
	                {"op": "text", "text": "", "colour": "red"},
	                {"op": "fade", "kind": "in", "duration": -1}]}
	JSON
    set +e; "$REEL" plan validate many.json "${PLAN_ASSETS[@]}" --json >out.json; rc=$?; set -e
    test $rc -eq 1
    test "$(jq length out.json)" -ge 6
    jq -e "map(.path) | index(\"\$.output.fps\") and index(\"\$.output.container\") and index(\"\$.operations[0].speed\") and index(\"\$.operations[1].text\") and index(\"\$.operations[1].colour\") and index(\"\$.operations[2].duration\")" out.json
'

test_expect_success 'a valid plan gives an empty JSON array with --json' '
    "$REEL" plan validate "$ROOT/tests/plans/valid/minimal.json" "${PLAN_ASSETS[@]}" --json >out.json
    test "$(jq -c . out.json)" = "[]"
'

test_expect_success 'relative paths in the plan resolve against the plan file, --asset wins' '
    mkdir -p sub/media && cp m/clip.mp4 sub/media/c.mp4
    cat >sub/p.json <<-JSON
	{"assets": {"clip": "media/c.mp4", "logo": "media/nope.png"},
	 "operations": [{"op": "cut", "asset": "clip", "in": 0, "out": 1},
	                {"op": "overlay", "asset": "logo"}]}
	JSON
    set +e; "$REEL" plan validate sub/p.json --json >out.json; rc=$?; set -e
    test $rc -eq 1
    test "$(jq -r ".[] | .code + \"@\" + .path" out.json)" = "asset_unreadable@\$.operations[1].asset"
    "$REEL" plan validate sub/p.json --asset logo=m/still.png
    (cd / && "$REEL" plan validate "$TMP/sub/p.json" --asset "logo=$TMP/m/still.png")
'

test_expect_success 'output size and fps default from the first cut (display size after rotation)' '
    ffmpeg -nostdin -v error -y -i m/clip.mp4 -c copy -metadata:s:v:0 rotate=90 rot.mp4
    echo "{\"operations\": [{\"op\": \"cut\", \"asset\": \"r\", \"in\": 0, \"out\": 1}]}" >rot.json
    "$REEL" plan validate rot.json --asset r=rot.mp4 --normalize >n.json
    test "$(jq -c "[.output.width, .output.height, .output.fps]" n.json)" = "[180,320,30]"
'

test_expect_success 'aspect alone sets the size from the first cut' '
    "$REEL" plan validate "$ROOT/tests/plans/valid/vertical-aspect.json" "${PLAN_ASSETS[@]}" --normalize >n.json
    test "$(jq -c "[.output.width, .output.height]" n.json)" = "[180,320]"
'

test_expect_success 'normalize round-trips: the normalized plan normalizes to itself' '
    # (the unit test plan_valid_corpus_round_trips does this for every valid plan)
    "$REEL" plan validate "$ROOT/tests/plans/valid/every-op.json" "${PLAN_ASSETS[@]}" --normalize >n1.json
    "$REEL" plan validate n1.json --normalize >n2.json
    cmp n1.json n2.json
    test "$(jq ".operations | length" n1.json)" = 11
    jq -e ".operations[0].speed == 1 and .operations[2].in == null and .output.video.crf == 23" n1.json
'

test_expect_code 2 'validate without a plan is a usage error' '"$REEL" plan validate'
test_expect_code 2 'a bad --asset flag is a usage error' '"$REEL" plan validate x.json --asset "Bad Label=x"'
test_expect_code 2 'an unknown option is a usage error' '"$REEL" plan validate x.json --frobnicate'
test_done
