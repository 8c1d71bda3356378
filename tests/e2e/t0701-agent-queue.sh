#!/usr/bin/env bash
# The lifecycle through the queue: submit, worker, wait; and durable stages:
# a worker killed with SIGKILL in the middle of a render, another worker
# finishes the job without redoing the finished stages, with the same output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-media.sh"
agent_media

brief="a short teaser of the talk with the logo"
submit() {
    "$REEL" submit --brief "$brief" --max-revisions 0 "$M/talk.mp4" --logo "$M/logo.png" "$@"
}

test_expect_success 'submit returns a job id at once, the job is pending' '
    t0=$(date +%s) &&
    job=$(submit) && echo "$job" >"$TMP/job1" &&
    test $(( $(date +%s) - t0 )) -lt 30 &&
    echo "$job" | grep -Eqx "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}" &&
    "$REEL" show "$job" --json | jq -e ".job.status == \"pending\""
'

test_expect_success 'a worker runs it and wait follows it to the end' '
    job=$(cat "$TMP/job1")
    "$REEL" worker --once >"$TMP/worker.out" 2>&1 &
    wpid=$!
    { "$REEL" wait "$job" --json >"$TMP/wait.jsonl" || test $? -eq 1; } &&
    wait $wpid &&
    jq -r "select(.event == \"stage_end\") | .stage" "$TMP/wait.jsonl" | grep -qx render &&
    tail -n 1 "$TMP/wait.jsonl" | jq -r .status >"$TMP/status1" &&
    grep -Eqx "completed|review_required" "$TMP/status1" &&
    "$REEL" show "$job" --json >"$TMP/show1.json" &&
    jq -r "[.versions[] | select(.render.ok)] | last | .render.sha256" "$TMP/show1.json" >"$TMP/ref.sha" &&
    test "$(wc -c <"$TMP/ref.sha")" -eq 65
'

# ffmpeg that waits before working: the render stage lasts long enough to be killed in
cat >"$TMP/slow-ffmpeg" <<EOF
#!/bin/sh
touch "$TMP/ffmpeg-started"
sleep 60
exec ffmpeg "\$@"
EOF
chmod +x "$TMP/slow-ffmpeg"

test_expect_success 'kill -9 during the render: another worker resumes and finishes the job' '
    job=$(submit)
    echo "$job" >"$TMP/job2"
    REEL_FFMPEG="$TMP/slow-ffmpeg" "$REEL" worker --once --lease 2 >"$TMP/wa.out" 2>&1 &
    wpid=$!
    for i in $(seq 1 600); do [ -e "$TMP/ffmpeg-started" ] && break; sleep 0.1; done &&
    test -e "$TMP/ffmpeg-started" &&
    kids=$(pgrep -P $wpid || true) &&
    kill -9 $wpid $kids &&
    { wait $wpid 2>/dev/null || true; } &&
    "$REEL" show "$job" --json | jq -e ".job.status == \"processing\"" &&
    sleep 3 &&
    "$REEL" worker --once --lease 2 >"$TMP/wb.out" 2>&1 &&
    "$REEL" show "$job" --json >"$TMP/show2.json" &&
    jq -r .job.status "$TMP/show2.json" >"$TMP/status2" && diff "$TMP/status1" "$TMP/status2" &&
    jq -e ".job.attempts == 2" "$TMP/show2.json"
'

# how many spans of the job's trace have this step name
span_count() { # JOB STEP
    if "$REEL" trace "$1" --json >"$TMP/trace.json" 2>/dev/null; then
        jq --arg s "$2" '[.. | objects | select(.step_name? == $s)] | length' "$TMP/trace.json"
    else
        sqlite3 "$REEL_DATA_DIR/reel.db" \
            "select count(*) from traces where job_id = '$1' and step_name = '$2'"
    fi
}

test_expect_success 'kill -9 resume: the finished stages were not redone' '
    job=$(cat "$TMP/job2") &&
    test "$(span_count "$job" ingest)" -eq 1 &&
    test "$(span_count "$job" "plan v1")" -eq 1 &&
    test "$(span_count "$job" "validate v1")" -eq 1 &&
    test "$(span_count "$job" "render v1")" -eq 2 &&
    test "$(span_count "$job" "evaluate v1")" -eq 1 &&
    { "$REEL" wait "$job" --json >"$TMP/wait2.jsonl" || test $? -eq 1; } &&
    jq -r "select(.event == \"stage_skip\") | .stage" "$TMP/wait2.jsonl" | sort >"$TMP/skipped" &&
    printf "ingest\nplan\nvalidate\n" >"$TMP/want" && diff -u "$TMP/want" "$TMP/skipped"
'

test_expect_success 'kill -9 resume: the output equals the uninterrupted run' '
    jq -r "[.versions[] | select(.render.ok)] | last | .render.sha256" "$TMP/show2.json" >"$TMP/got.sha" &&
    diff "$TMP/ref.sha" "$TMP/got.sha"
'

test_done
