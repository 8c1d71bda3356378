#!/usr/bin/env bash
# Drizzle compatibility: a client built on the seed's schema.ts (drizzle-orm
# + pg) inserts and reads a job, an asset, a plan and a trace in a database
# reel created, reads what reel wrote, and reel reads what Drizzle wrote.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/store-lib.sh"

SEED_SCHEMA="$ROOT/../shared/seed/schema.ts"
NPM_DIR="$ROOT/tests/npm-store"

if [ ! -f "$SEED_SCHEMA" ]; then
    test_skip "drizzle compatibility" "the seed's schema.ts is not at $SEED_SCHEMA"
elif ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    test_skip "drizzle compatibility" "node/npm are not installed"
elif ! use_backend pg; then
    test_skip "drizzle compatibility" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
else
    test_expect_success 'npm ci installs drizzle-orm, pg and tsx' '
        # Reinstall only when the lock file changed since the last install.
        if [ ! -f "$NPM_DIR/node_modules/.package-lock.json" ] ||
           [ "$NPM_DIR/package-lock.json" -nt "$NPM_DIR/node_modules/.package-lock.json" ]; then
            npm ci --prefix "$NPM_DIR" --no-audit --no-fund >"$TMP/npm.log" 2>&1 || { cat "$TMP/npm.log"; exit 1; }
        fi
        test -x "$NPM_DIR/node_modules/.bin/tsx"
    '

    test_expect_success 'Drizzle reads and writes the database reel created' '
        "$REEL" migrate >/dev/null
        id=$("$REEL" submit --brief "compat" --title "made by reel" "$ROOT/Makefile")
        REEL_NOOP_MARK=1 "$REEL" worker --noop --once
        REEL_JOB_ID=$id SEED_SCHEMA="$SEED_SCHEMA" DATABASE_URL="$REEL_DATABASE_URL" \
            NODE_PATH="$NPM_DIR/node_modules" "$NPM_DIR/node_modules/.bin/tsx" "$NPM_DIR/compat.ts" >"$TMP/ids.json"
        cat "$TMP/ids.json"
        grep -q "\"job\":\"" "$TMP/ids.json"
    '

    test_expect_success 'reel reads what Drizzle wrote' '
        job=$(sed -E "s/.*\"job\":\"([^\"]+)\".*/\1/" "$TMP/ids.json")
        plan=$(sed -E "s/.*\"plan\":\"([^\"]+)\".*/\1/" "$TMP/ids.json")
        "$REEL" jobs | grep "$job" | grep -q "from drizzle"
        "$REEL" show "$job" --json >"$TMP/show.json"
        grep -q "\"storage_url\": \"/media/drizzle.mp4\"" "$TMP/show.json"
        grep -q "\"width\": 1920" "$TMP/show.json"
        grep -q "\"llm_model\": \"drizzle-test\"" "$TMP/show.json"
        grep -q "\"prompt_tokens\": 11" "$TMP/show.json"
        grep -q "\"edit_plan_id\": \"$plan\"" "$TMP/show.json"
        "$REEL" show "$job" | grep -q "v1 .*drizzle-test .*(current)"
        "$REEL" trace "$job" >"$TMP/trace.txt"
        cat "$TMP/trace.txt"
        grep -qE "^drizzle-step +[0-9]+ ms " "$TMP/trace.txt"
        ! grep -q unfinished "$TMP/trace.txt"
        "$REEL" trace "$job" --json | grep -q "\"render_time_ms\": 1500"
    '

    test_expect_success 'a job inserted by Drizzle is claimed and run by a reel worker' '
        job=$(sed -E "s/.*\"job\":\"([^\"]+)\".*/\1/" "$TMP/ids.json")
        "$REEL" worker --noop --once
        "$REEL" show "$job" | grep -q "status   completed (attempt 1 of 3)"
    '
fi
test_done
