#!/usr/bin/env bash
# 8 worker processes race over 200 jobs: every job runs exactly once and
# none is lost; then again with one worker killed mid-run: its job is run
# again by another worker once its lease expires, and nothing else twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/store-lib.sh"

N=200
W=8

enqueue() { # N jobs straight into the table, as any other client could
    "$REEL" migrate >/dev/null
    case $REEL_DATABASE_URL in
    sqlite:*)
        db_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
                INSERT INTO jobs (user_id, title) SELECT '00000000-0000-0000-0000-000000000000', 'race ' || i FROM n" ;;
    *)
        db_sql "INSERT INTO jobs (user_id, title) SELECT '00000000-0000-0000-0000-000000000000', 'race ' || i FROM generate_series(1, $1) i" ;;
    esac
    test "$(db_sql "SELECT count(*) FROM jobs WHERE status = 'pending'")" = "$1"
}

for backend in ${STORE_E2E_BACKENDS:-sqlite pg}; do
    if ! use_backend $backend; then
        test_skip "$backend: worker race" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
        continue
    fi
    B=$backend
    export B

    test_expect_success "$B: $W workers, $N jobs: each runs exactly once" '
        enqueue $N
        pids=
        for w in $(seq $W); do
            REEL_NOOP_MARK=1 "$REEL" worker --noop --exit-when-empty --poll-ms 50 --worker-id "w$w" &
            pids="$pids $!"
        done
        for p in $pids; do wait $p; done
        db_sql "SELECT status, count(*), max(attempts) FROM jobs GROUP BY status"
        db_sql "SELECT kind, count(*) FROM job_events GROUP BY kind"
        test "$(db_sql "SELECT count(*) FROM jobs WHERE status = '"'"'completed'"'"'")" = $N
        test "$(db_sql "SELECT count(*) FROM job_events WHERE kind = '"'"'noop'"'"'")" = $N
        test "$(db_sql "SELECT count(DISTINCT job_id) FROM job_events WHERE kind = '"'"'noop'"'"'")" = $N
        test "$(db_sql "SELECT count(*) FROM job_events WHERE kind = '"'"'claimed'"'"'")" = $N
        test "$(db_sql "SELECT max(attempts) FROM jobs")" = 1
    '

    use_backend $B
    test_expect_success "$B: a worker killed mid-run loses no job" '
        enqueue $N
        pids=
        for w in $(seq $W); do
            REEL_NOOP_MARK=1 REEL_NOOP_SLEEP_MS=20 "$REEL" worker --noop --exit-when-empty --lease 5 --poll-ms 50 --worker-id "k$w" 2>>"$TMP/k.log" &
            pids="$pids $!"
        done
        set -- $pids; victim=$1
        for i in $(seq 200); do
            test "$(db_sql "SELECT count(*) FROM job_events WHERE kind = '"'"'noop'"'"'")" -ge 20 && break
            sleep 0.05
        done
        kill -9 $victim
        for p in $pids; do wait $p || true; done
        sleep 5.1
        for i in $(seq 20); do
            REEL_NOOP_MARK=1 "$REEL" worker --noop --exit-when-empty
            test "$(db_sql "SELECT count(*) FROM jobs WHERE status = '"'"'completed'"'"'")" = $N && break
            sleep 0.3
        done
        test "$(db_sql "SELECT count(*) FROM jobs WHERE status = '"'"'completed'"'"'")" = $N
        test "$(db_sql "SELECT count(DISTINCT job_id) FROM job_events WHERE kind = '"'"'noop'"'"'")" = $N
        extra=$(( $(db_sql "SELECT count(*) FROM job_events WHERE kind = '"'"'noop'"'"'") - N ))
        echo "runs beyond one per job: $extra"
        test $extra -le 1
    '
done
test_done
