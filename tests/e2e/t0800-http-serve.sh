#!/usr/bin/env bash
# reel serve + reel keys from the outside on both backends: keys, 401/404,
# a job created over HTTP run by a `reel worker` in the background while
# its event stream shows it live, and the stream of a job on another server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/store-lib.sh"
. "$(dirname "$0")/http-lib.sh"
trap 'serve_stop; [ -n "${WPID:-}" ] && kill $WPID 2>/dev/null; rm -rf "$TMP"' EXIT

command -v curl >/dev/null || { test_skip "reel serve" "curl is not installed"; test_done; exit; }
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222

for backend in sqlite pg; do
    if ! use_backend $backend; then
        test_skip "$backend: reel serve" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
        continue
    fi
    B=$backend
    export B U1 U2

    test_expect_success "$B: reel keys create/list/revoke" '
        "$REEL" keys create --user $U1 >"$TMP/k1" 2>"$TMP/k1.err"
        grep -Eq "^reel_[0-9a-f]{12}_[0-9a-f]{32}$" "$TMP/k1"
        grep -q "shown only once" "$TMP/k1.err"
        "$REEL" keys create --user $U2 --json >"$TMP/k2.json" 2>/dev/null
        jq -r .key "$TMP/k2.json" >"$TMP/k2"
        "$REEL" keys create --user $U1 --admin >"$TMP/kadm" 2>/dev/null
        "$REEL" keys list | jq -e "length == 3 and (map(select(.admin)) | length) == 1" >/dev/null
        ! "$REEL" keys list | grep -q "$(cat "$TMP/k1")"
        test "$(db_sql "SELECT count(*) FROM api_keys WHERE hash LIKE '"'"'%'"'"'" )" = 3
    '
    test_expect_code 2 "$B: reel keys create needs --user" '"$REEL" keys create'
    test_expect_code 1 "$B: reel keys create rejects a non-UUID user" '"$REEL" keys create --user bob'

    serve_start || echo "# reel serve did not start"
    export BASE
    test_expect_success "$B: serve answers 401 without a key, 200 with one" '
        test "$(curl -s -o /dev/null -w "%{http_code}" $BASE/api/jobs)" = 401
        test "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $(cat $TMP/k1)" $BASE/api/jobs)" = 200
        curl -sf $BASE/openapi.json | jq -e ".openapi == \"3.1.0\"" >/dev/null
        curl -sf $BASE/ | grep -q "<title>reel</title>"
    '

    test_expect_success "$B: a job over HTTP runs on a worker, live on the event stream" '
        K1=$(cat $TMP/k1); K2=$(cat $TMP/k2)
        make_color "$TMP/in.mp4" blue 1
        id=$(curl -sf -H "Authorization: Bearer $K1" -F brief="a short blue edit" -F files=@$TMP/in.mp4 $BASE/api/jobs | jq -r .id)
        test "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $K2" $BASE/api/jobs/$id)" = 404
        curl -sN --max-time 20 "$BASE/api/jobs/$id/events?key=$K1" >"$TMP/events" &
        cpid=$!
        sleep 0.3
        REEL_NOOP_MARK=1 REEL_NOOP_SLEEP_MS=300 "$REEL" worker --noop --once >/dev/null 2>&1
        for i in $(seq 50); do grep -q "\"to\":\"completed\"" "$TMP/events" && break; sleep 0.1; done
        kill $cpid 2>/dev/null || true
        grep -q "\"kind\":\"created\"" "$TMP/events"
        grep -q "\"kind\":\"claimed\"" "$TMP/events"
        grep -q "\"to\":\"completed\"" "$TMP/events"
        curl -sf -H "Authorization: Bearer $K1" $BASE/api/jobs/$id | jq -e ".status == \"completed\"" >/dev/null
        curl -sf -H "Authorization: Bearer $K1" $BASE/api/jobs/$id/trace | jq -e ".spans | length > 0" >/dev/null
        echo $id >"$TMP/job"
    '

    test_expect_success "$B: a second server streams what the first one stored" '
        K1=$(cat $TMP/k1); first=$BASE
        id=$(curl -sf -H "Authorization: Bearer $K1" -H "Content-Type: application/json" -d "{\"brief\":\"second\"}" $first/api/jobs | jq -r .id)
        serve_start
        test "$BASE" != "$first"
        curl -sN --max-time 10 "$BASE/api/jobs/$id/events?key=$K1" >"$TMP/ev2" &
        cpid=$!
        sleep 0.3
        curl -sf -X POST -H "Authorization: Bearer $K1" $first/api/jobs/$id/cancel >/dev/null
        for i in $(seq 50); do grep -q "cancelled via the API" "$TMP/ev2" && break; sleep 0.1; done
        kill $cpid 2>/dev/null || true
        serve_stop
        grep -q "\"kind\":\"created\"" "$TMP/ev2"
        grep -q "cancelled via the API" "$TMP/ev2"
    '
    serve_stop
done
test_done
