#!/usr/bin/env bash
# The agent revises: a first plan that fails its evaluation goes back to the
# planner with the report, and the next version scores higher.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-media.sh"
agent_media

# a brand style that puts the logo flush against the frame's edge: the brand
# metric's safe-area gate fails, and its advice says to increase the margin
echo '{"logo": {"position": "top-right", "margin": 0}}' >"$TMP/edge.json"

test_expect_success 'revise: version 1 fails evaluation, version 2 scores higher' '
    { "$REEL" edit --brief "a short teaser of the talk with the logo" --style "$TMP/edge.json" \
        "$M/talk.mp4" --logo "$M/logo.png" --json >"$TMP/edit.jsonl" || test $? -eq 1; } &&
    job=$(jget "$TMP/edit.jsonl" .job) &&
    "$REEL" show "$job" --json >"$TMP/show.json" &&
    jq -e "(.versions | length) >= 2" "$TMP/show.json" &&
    jq -e ".versions[0].evaluate.golden == false" "$TMP/show.json" &&
    jq -e ".versions[1].evaluate.score > .versions[0].evaluate.score" "$TMP/show.json"
'

test_expect_success 'revise: version 2 was written from version 1'"'"'s evaluation' '
    jq -e ".versions[1].feedback.evaluation.overall == .versions[0].evaluate.score" "$TMP/show.json" &&
    jq -e ".versions[1].diff | length > 0" "$TMP/show.json" &&
    jq -e ".versions[0].plan != .versions[1].plan" "$TMP/show.json" &&
    job=$(jget "$TMP/edit.jsonl" .job) &&
    "$REEL" show "$job" | grep -q "changes from v1"
'

test_expect_success 'revise: the evaluation events carry each version'"'"'s score' '
    jq -r "select(.event == \"stage_end\" and .stage == \"evaluate\") | .score" "$TMP/edit.jsonl" >"$TMP/scores" &&
    test "$(wc -l <"$TMP/scores")" -ge 2 &&
    test "$(head -n 1 "$TMP/scores" | cut -c1-5)" != "$(sed -n 2p "$TMP/scores" | cut -c1-5)"
'

test_done
