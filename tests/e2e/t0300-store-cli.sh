#!/usr/bin/env bash
# reel migrate / submit / worker / jobs / show / trace on both backends;
# leases that expire, SIGTERM hand-back, malformed and newer databases.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/store-lib.sh"

for backend in ${STORE_E2E_BACKENDS:-sqlite pg}; do
    if ! use_backend $backend; then
        test_skip "$backend: CLI round trip" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
        continue
    fi
    B=$backend
    export B

    test_expect_success "$B: migrate applies once, then is a no-op" '
        "$REEL" migrate | grep -q "applied 2 migrations"
        "$REEL" migrate | grep -q "up to date"
        "$REEL" migrate --status | grep -q "schema version: 2"
    '

    test_expect_success "$B: submit, worker --noop, jobs, show, trace" '
        ffmpeg -nostdin -v error -y -f lavfi -i "color=c=red:s=64x36:d=1" "$TMP/in.mp4"
        id=$("$REEL" submit --brief "a punchy edit" --title "first" "$TMP/in.mp4")
        "$REEL" jobs | grep "$id" | grep -q pending
        "$REEL" jobs --status pending --json | grep -q "\"id\": \"$id\""
        REEL_NOOP_MARK=1 REEL_NOOP_SLEEP_MS=200 "$REEL" worker --noop --once
        "$REEL" jobs --status completed | grep -q "$id"
        "$REEL" show "${id:0:8}" >"$TMP/show.txt"
        grep -q "status   completed (attempt 1 of 3)" "$TMP/show.txt"
        grep -q "raw_footage  *$TMP/in.mp4" "$TMP/show.txt"
        grep -q "claimed" "$TMP/show.txt"
        grep -q "to=completed" "$TMP/show.txt"
        "$REEL" show "$id" --json | grep -q "\"storage_url\": \"$TMP/in.mp4\""
        "$REEL" trace "$id" >"$TMP/trace.txt"
        grep -qE "^job +[0-9.]+ (ms|s) " "$TMP/trace.txt"
        grep -qE "^  work +[0-9.]+ (ms|s) " "$TMP/trace.txt"
        grep -q "3 spans" "$TMP/trace.txt"
        "$REEL" trace "$id" --json | grep -q "\"step_name\": \"work\""
    '

    test_expect_success "$B: a failing step shows in red on a terminal, FAILED otherwise" '
        use_backend $B
        id=$("$REEL" submit --brief "fails")
        REEL_NOOP_MARK=1 REEL_NOOP_RESULT=failed "$REEL" worker --noop --once
        "$REEL" trace "$id" | grep -E "^  noop .*FAILED"
        "$REEL" show "$id" | grep -q "error    noop: asked to fail"
    '

    test_expect_success "$B: a killed worker leaves an unfinished span; the lease expires and another worker finishes the job" '
        use_backend $B
        id=$("$REEL" submit --brief "killed" --max-attempts 3)
        REEL_NOOP_MARK=1 REEL_NOOP_SLEEP_MS=30000 "$REEL" worker --noop --once --lease 1 &
        pid=$!
        for i in $(seq 100); do db_sql "SELECT count(*) FROM traces WHERE step_name = '"'"'work'"'"'" | grep -q 1 && break; sleep 0.1; done
        kill -9 $pid; wait $pid || true
        "$REEL" jobs --status processing | grep -q "$id"
        sleep 1
        for i in $(seq 20); do
            REEL_NOOP_MARK=1 "$REEL" worker --noop --once
            "$REEL" show "$id" | grep -q "status   completed" && break
            sleep 0.3
        done
        "$REEL" show "$id" | grep -q "status   completed (attempt 2 of 3)"
        "$REEL" trace "$id" | grep -E "^  work .*unfinished"
        test "$(db_sql "SELECT count(*) FROM job_events WHERE kind = '"'"'claimed'"'"' AND job_id = '"'"'$id'"'"'")" = 2
    '

    test_expect_success "$B: after max attempts a dead job is failed with the reason" '
        use_backend $B
        id=$("$REEL" submit --brief "doomed" --max-attempts 1)
        REEL_NOOP_SLEEP_MS=30000 "$REEL" worker --noop --once --lease 1 &
        pid=$!
        for i in $(seq 100); do "$REEL" jobs --status processing | grep -q "$id" && break; sleep 0.1; done
        kill -9 $pid; wait $pid || true
        sleep 1
        for i in $(seq 20); do
            "$REEL" worker --noop --once
            "$REEL" show "$id" | grep -q "status   failed" && break
            sleep 0.3
        done
        "$REEL" show "$id" | grep -q "status   failed"
        "$REEL" show "$id" | grep -q "lease expired after 1 attempts"
    '

    test_expect_success "$B: SIGTERM hands the running job back, not counted" '
        use_backend $B
        id=$("$REEL" submit --brief "interrupted")
        REEL_NOOP_SLEEP_MS=30000 "$REEL" worker --noop &
        pid=$!
        for i in $(seq 100); do "$REEL" jobs --status processing | grep -q "$id" && break; sleep 0.1; done
        kill -TERM $pid
        wait $pid
        "$REEL" show "$id" | grep -q "status   pending (attempt 0 of 3)"
        "$REEL" show "$id" | grep -q "released"
    '

    test_expect_code 1 "$B: a database newer than reel is refused" '
        use_backend $B
        "$REEL" migrate >/dev/null
        db_sql "INSERT INTO schema_migrations (version, name) VALUES (999, '"'"'future'"'"')"
        "$REEL" jobs 2>"$TMP/err"; rc=$?
        grep -q "newer than this reel" "$TMP/err" || rc=99
        (exit $rc)
    '
done

test_expect_code 1 'a malformed REEL_DATABASE_URL is rejected with the reason' '
    REEL_DATABASE_URL="mysql://u@h/db" "$REEL" jobs 2>"$TMP/err"; rc=$?
    grep -q "unsupported database URL scheme" "$TMP/err" || rc=99
    (exit $rc)
'
test_expect_code 1 'a bad port is rejected with the reason' '
    REEL_DATABASE_URL="postgres://u@h:0x99/db" "$REEL" jobs 2>"$TMP/err"; rc=$?
    grep -q "port" "$TMP/err" || rc=99
    (exit $rc)
'
test_expect_code 3 'an unreachable PostgreSQL is a clear system error' '
    REEL_DATABASE_URL="postgres://reel@127.0.0.1:1/x" "$REEL" jobs 2>"$TMP/err"; rc=$?
    grep -q "cannot connect to PostgreSQL" "$TMP/err" || rc=99
    (exit $rc)
'
test_expect_code 2 'unknown status is a usage error' '"$REEL" jobs --status bogus'
test_expect_code 1 'unknown job is an error' '
    export REEL_DATABASE_URL="sqlite:$TMP/other.db"
    "$REEL" show 0123abcd
'
test_done
