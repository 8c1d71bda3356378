#!/usr/bin/env bash
# The same job on PostgreSQL gives the same plan and a byte-identical output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-media.sh"

if [ -z "${REEL_TEST_PG_URL:-}" ]; then
    test_skip 'agent on PostgreSQL' 'REEL_TEST_PG_URL is not set (tests/services.sh found no PostgreSQL)'
    test_done
    exit 0
fi
agent_media
psql=${REEL_TEST_PG_BIN:+$REEL_TEST_PG_BIN/}psql
command -v "$psql" >/dev/null || psql=psql
db=agent_t0703_$$
pg_url="${REEL_TEST_PG_URL%/*}/$db"

edit() { # DB_URL OUT
    REEL_DATABASE_URL=$1 "$REEL" edit --brief "a short teaser of the talk with the logo" \
        --max-revisions 0 --reference "$M/talk.mp4" --logo "$M/logo.png" -o "$2" --json
}

test_expect_success 'a fresh PostgreSQL database for this script' '
    "$psql" -q "$REEL_TEST_PG_URL" -c "CREATE DATABASE $db" &&
    REEL_DATABASE_URL=$pg_url "$REEL" migrate
'

test_expect_success 'the same edit on SQLite and on PostgreSQL' '
    { edit "sqlite:$TMP/a.db" "$TMP/sqlite.mp4" >"$TMP/sqlite.jsonl" || test $? -eq 1; } &&
    { edit "$pg_url" "$TMP/pg.mp4" >"$TMP/pg.jsonl" || test $? -eq 1; } &&
    test "$(jget "$TMP/sqlite.jsonl" .status)" = "$(jget "$TMP/pg.jsonl" .status)"
'

test_expect_success 'PostgreSQL: the same plan' '
    REEL_DATABASE_URL="sqlite:$TMP/a.db" "$REEL" show "$(jget "$TMP/sqlite.jsonl" .job)" --json |
        jq -S ".versions[0].plan" >"$TMP/plan-sqlite.json" &&
    REEL_DATABASE_URL=$pg_url "$REEL" show "$(jget "$TMP/pg.jsonl" .job)" --json |
        jq -S ".versions[0].plan" >"$TMP/plan-pg.json" &&
    test "$(jq ".operations | length" "$TMP/plan-pg.json")" -gt 0 &&
    diff -u "$TMP/plan-sqlite.json" "$TMP/plan-pg.json"
'

test_expect_success 'PostgreSQL: a byte-identical render' '
    a=$(sha256sum <"$(jget "$TMP/sqlite.jsonl" .render)") &&
    b=$(sha256sum <"$(jget "$TMP/pg.jsonl" .render)") &&
    test "$a" = "$b" &&
    REEL_DATABASE_URL=$pg_url "$REEL" replay "$(jget "$TMP/pg.jsonl" .job)" | grep -q identical
'

"$psql" -q "$REEL_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
test_done
