#!/usr/bin/env bash
# Load, bounded in time: 200 concurrent event streams held open while wrk
# reads a job at >= 500 requests/s for a few seconds with no errors; then
# an event reaches all 200 streams. LOAD_SECONDS (default 5) sets the span.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/store-lib.sh"
. "$(dirname "$0")/http-lib.sh"
trap 'serve_stop; [ -n "${SPID:-}" ] && kill $SPID 2>/dev/null; rm -rf "$TMP"' EXIT

if ! command -v wrk >/dev/null || ! command -v node >/dev/null; then
    test_skip "load" "wrk or node is not installed (scripts/deps.d/http.txt)"
    test_done
    exit
fi
export SECS=${LOAD_SECONDS:-5}
# Sanitizer builds run several times slower: there the bar is lower (the
# streams and the absence of errors are checked the same).
case $BUILD in *san*) export MIN_RPS=${LOAD_MIN_RPS:-100} ;; *) export MIN_RPS=${LOAD_MIN_RPS:-500} ;; esac
ulimit -n 4096 2>/dev/null || true

for backend in sqlite pg; do
    if ! use_backend $backend; then
        test_skip "$backend: load" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
        continue
    fi
    export B=$backend
    export KEY=$("$REEL" keys create --user 44444444-4444-4444-8444-444444444444 2>/dev/null)
    REEL_HTTP_RATE=1000000 serve_start || echo "# reel serve did not start"
    export BASE
    export JOB=$(curl -sf -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -d '{"brief":"load"}' $BASE/api/jobs | jq -r .id)
    test_expect_success "$B: 200 event streams + job reads at >= $MIN_RPS/s for ${SECS}s, no errors" '
        N=200 WANT="cancelled via the API" READY="$TMP/ready" TIMEOUT_MS=$(( (SECS + 20) * 1000 )) \
            node "$ROOT/tests/npm-http/streams.js" >"$TMP/streams.out" 2>&1 &
        spid=$!
        for i in $(seq 200); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
        test -f "$TMP/ready"
        wrk -t2 -c16 -d${SECS}s --latency -H "Authorization: Bearer $KEY" "$BASE/api/jobs/$JOB" >"$TMP/wrk.out" 2>&1
        cat "$TMP/wrk.out"
        if [ $B = pg ]; then
            # the server opens at most REEL_HTTP_DB_CONNS (16) connections,
            # for requests, however many clients it serves, +1 its event poller,
            # +1 this psql
            conns=$(db_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            echo "connections to the job database: $conns"
            test "$conns" -le 18
        fi
        ! grep -q "Non-2xx\|Socket errors" "$TMP/wrk.out"
        rps=$(sed -n "s/^Requests\/sec: *\([0-9.]*\).*/\1/p" "$TMP/wrk.out")
        echo "requests/s: $rps"
        awk -v r="$rps" -v min="$MIN_RPS" "BEGIN { exit !(r >= min) }"
        curl -sf -X POST -H "Authorization: Bearer $KEY" $BASE/api/jobs/$JOB/cancel >/dev/null
        wait $spid
        cat "$TMP/streams.out"
        grep -q "opened 200, received 200, errors 0" "$TMP/streams.out"
    '
    echo "# $B: $(grep -h "Requests/sec\|99%" "$TMP/wrk.out" | tr -s " " | tr "\n" " ")$(cat "$TMP/streams.out" 2>/dev/null)"
    serve_stop
done
test_done
