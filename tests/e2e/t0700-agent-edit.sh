#!/usr/bin/env bash
# reel edit end to end: completed with a golden render, replay, show,
# review_required when the brief cannot be met, failed on a corrupt asset.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-media.sh"
agent_media

test_expect_success 'edit: a brief over generated footage ends completed with a golden render' '
    "$REEL" edit --brief "a short teaser of the talk with captions and the logo" \
        "$M/talk.mp4" --broll "$M/broll1.mp4" --music "$M/music.wav" --logo "$M/logo.png" \
        --script "$M/talk.txt" -o "$TMP/out.mp4" --json >"$TMP/edit.jsonl" &&
    test "$(jget "$TMP/edit.jsonl" .status)" = completed &&
    test "$(jget "$TMP/edit.jsonl" .golden)" = true &&
    jget "$TMP/edit.jsonl" ".score > 0.85" | grep -qx true &&
    job=$(jget "$TMP/edit.jsonl" .job) && echo "$job" >"$TMP/job" &&
    test -s "$TMP/out.mp4" &&
    cmp "$TMP/out.mp4" "$REEL_DATA_DIR"/golden/"$job"-v*.mp4 &&
    "$REEL" probe "$TMP/out.mp4" | grep -q video
'

test_expect_success 'edit: every stage reported as JSON events, in lifecycle order' '
    jq -r "select(.event == \"stage_end\") | .stage" "$TMP/edit.jsonl" >"$TMP/stages" &&
    printf "ingest\nplan\nvalidate\nrender\nevaluate\n" >"$TMP/want" &&
    head -n 5 "$TMP/stages" >"$TMP/first" && test_cmp() { diff -u "$1" "$2"; } &&
    test_cmp "$TMP/want" "$TMP/first" &&
    jq -r "select(.event == \"job_end\") | .status" "$TMP/edit.jsonl" | grep -qx completed
'

test_expect_success 'edit: the assets were copied into the media store and kept in the job' '
    job=$(cat "$TMP/job") &&
    test -s "$REEL_DATA_DIR/media/$job/talk.mp4" &&
    cmp "$M/talk.mp4" "$REEL_DATA_DIR/media/$job/talk.mp4" &&
    "$REEL" show "$job" --json >"$TMP/show.json" &&
    jq -e ".assets | map(.asset_type) | sort == [\"audio\", \"b-roll\", \"logo\", \"raw_footage\"]" "$TMP/show.json"
'

test_expect_success 'show: plan versions, the evaluation and the decision' '
    job=$(cat "$TMP/job") &&
    jq -e ".versions[0].version == 1 and .versions[0].evaluate.golden == true" "$TMP/show.json" &&
    jq -e ".decision.status == \"completed\" and .job.status == \"completed\"" "$TMP/show.json" &&
    "$REEL" show "$job" >"$TMP/show.txt" &&
    grep -q "plan v1" "$TMP/show.txt" && grep -q "golden" "$TMP/show.txt" &&
    grep -q "decision" "$TMP/show.txt"
'

test_expect_success 'replay: the stored plan re-renders to the same bytes' '
    job=$(cat "$TMP/job") &&
    "$REEL" replay "$job" >"$TMP/replay.out" &&
    grep -q identical "$TMP/replay.out" &&
    "$REEL" replay "$job" --version 1 --json | jq -e ".identical == true and .version == 1"
'

test_expect_success 'edit: a brief that cannot be met (60 s from 10 s of footage) ends review_required' '
    make_testsrc "$TMP/ten.mp4" 10 &&
    set +e
    "$REEL" edit --brief "a 60 second video, no looping" --duration 60 --max-revisions 1 \
        "$TMP/ten.mp4" --json >"$TMP/long.jsonl"
    rc=$?
    set -e
    test $rc -eq 1 &&
    test "$(jget "$TMP/long.jsonl" .status)" = review_required &&
    jget "$TMP/long.jsonl" .reason | grep -q "60.0 s" &&
    jget "$TMP/long.jsonl" .reason | grep -q "footage holds only 10.0 s" &&
    # no revision can lengthen the footage: it stops instead of rendering the same plan again
    jget "$TMP/long.jsonl" .reason | grep -q "revising stopped: revision 2 repeated version 1" &&
    test "$(jget "$TMP/long.jsonl" .versions)" = 1 &&
    test -s "$(jget "$TMP/long.jsonl" .render)" &&
    job=$(jget "$TMP/long.jsonl" .job) &&
    "$REEL" show "$job" --json | jq -e ".job.status == \"review_required\" and (.versions | length) == 2 and .versions[1].evaluate == null"
'

test_expect_success 'edit: a corrupt asset ends failed with a clear error' '
    head -c 20000 "$M/talk.mp4" | tail -c 12000 >"$TMP/damaged.mp4" &&
    set +e
    "$REEL" edit --brief "anything" "$TMP/damaged.mp4" >"$TMP/bad.out" 2>"$TMP/bad.err"
    rc=$?
    set -e
    test $rc -eq 1 &&
    grep -q "status   failed" "$TMP/bad.out" &&
    grep -q "damaged.mp4.*not a media file" "$TMP/bad.err" &&
    job=$(sed -nE "s/^details +reel show ([0-9a-f-]+).*/\1/p" "$TMP/bad.out") &&
    "$REEL" show "$job" --json >"$TMP/bad.json" &&
    jq -e ".job.status == \"failed\" and (.job.last_error | test(\"damaged.mp4.*not a media file\"))" "$TMP/bad.json"
'

test_expect_code 2 'edit: no brief is a usage error' '"$REEL" edit "$M/talk.mp4"'
test_expect_success 'edit: a missing asset is named, exit 1' '
    set +e
    "$REEL" edit --brief x "$TMP/nope.mp4" 2>"$TMP/nope.err"
    rc=$?
    set -e
    test $rc -eq 1 && grep -q "nope.mp4" "$TMP/nope.err"
'

test_done
