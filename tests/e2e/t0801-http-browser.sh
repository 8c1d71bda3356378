#!/usr/bin/env bash
# The dashboard in headless Chromium (playwright-core): start an edit from
# the form with a real `reel worker` running in the background (the agent
# ingests, plans, renders and scores the uploaded footage), watch it reach
# completed live, open the trace waterfall, play the golden render with its
# scores. Screenshots in tests/artifacts/http/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent-media.sh"
. "$(dirname "$0")/store-lib.sh"
. "$(dirname "$0")/http-lib.sh"
trap 'serve_stop; [ -n "${WPID:-}" ] && kill $WPID 2>/dev/null; rm -rf "$TMP"' EXIT

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    test_skip "dashboard in chromium" "chromium, node or npm is not installed (scripts/deps.d/http.txt)"
    test_done
    exit
fi
NPM="$ROOT/tests/npm-http"
if [ ! -d "$NPM/node_modules/playwright-core" ]; then
    if ! npm ci --prefix "$NPM" --no-audit --no-fund >"$TMP/npm.log" 2>&1; then
        test_skip "dashboard in chromium" "npm ci failed (no registry?): $(tail -1 "$TMP/npm.log")"
        test_done
        exit
    fi
fi
agent_media
export ARTIFACTS="$ROOT/tests/artifacts/http"
mkdir -p "$ARTIFACTS"

for backend in sqlite pg; do
    if ! use_backend $backend; then
        test_skip "$backend: dashboard" "REEL_TEST_PG_URL is not set (no PostgreSQL)"
        continue
    fi
    export B=$backend
    KEY=$("$REEL" keys create --user 33333333-3333-4333-8333-333333333333 2>/dev/null)
    serve_start || echo "# reel serve did not start"
    "$REEL" worker --poll-ms 100 >"$TMP/worker.log" 2>&1 &
    WPID=$!
    export BASE KEY PROFILE="$TMP/profile-$backend" WAIT_MS=240000 \
        BRIEF="a short teaser of the talk with captions and the logo" SCRIPT="$M/talk.txt" \
        FILES="$M/talk.mp4:$M/broll1.mp4:$M/music.wav:$M/logo.png"
    mkdir -p "$ARTIFACTS/$backend"
    test_expect_success "$B: new edit from the form, live to completed, waterfall, render plays" '
        ARTIFACTS="$ARTIFACTS/$backend" timeout 300 node "$NPM/dashboard.js" ||
            { tail -n 20 "$TMP/worker.log"; false; }
        ls "$ARTIFACTS/$backend/4-render-and-scores.png"
    '
    kill $WPID 2>/dev/null; wait $WPID 2>/dev/null; WPID=
    serve_stop
done
test_done
