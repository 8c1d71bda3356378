#!/usr/bin/env bash
# The dashboard in headless Chromium (playwright-core): start an edit from
# the form with a `reel worker` running in the background, watch it reach
# completed live, open the trace waterfall, play the render. Screenshots in
# tests/artifacts/http/.
. "$(dirname "$0")/lib.sh"
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
    REEL_NOOP_MARK=1 REEL_NOOP_SLEEP_MS=800 "$REEL" worker --noop --poll-ms 100 >"$TMP/worker.log" 2>&1 &
    WPID=$!
    make_testsrc "$TMP/clip.mp4" 2
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=25:d=3" -c:v libvpx -b:v 300k -deadline realtime "$TMP/render.webm"
    # Stores a render with an evaluation report for the job (the noop worker renders nothing).
    cat >"$TMP/add-render.sh" <<SH
#!/usr/bin/env bash
. "$ROOT/tests/e2e/store-lib.sh"
export REEL_DATABASE_URL="$REEL_DATABASE_URL"
rep='{"schema":"reel.eval/1","overall":0.9,"golden":true,"metrics":[
 {"metric":"clarity","score":0.95,"gate":true,"applicable":true,"evidence":{"width":320}},
 {"metric":"punchiness","score":0.8,"gate":true,"applicable":true,"evidence":{"cuts":3}},
 {"metric":"retention","score":0.9,"gate":true,"applicable":true,"evidence":{"hook_s":1.2}},
 {"metric":"captions","score":null,"gate":true,"applicable":false,"evidence":{}},
 {"metric":"brand","score":0.7,"gate":true,"applicable":true,"evidence":{"palette":0.7}},
 {"metric":"watchability","score":0.92,"gate":true,"applicable":true,"evidence":{"integrated_lufs":-14.2},"advice":["none"]}]}'
db_sql "INSERT INTO renders (id, job_id, plan_version, path, score, report) VALUES ('\$(cat /proc/sys/kernel/random/uuid)', '\$1', 1, '$TMP/render.webm', 0.9, '\$rep')" >/dev/null
SH
    chmod +x "$TMP/add-render.sh"
    export BASE KEY CLIP="$TMP/clip.mp4" ADD_RENDER="$TMP/add-render.sh" PROFILE="$TMP/profile-$backend"
    mkdir -p "$ARTIFACTS/$backend"
    test_expect_success "$B: new edit from the form, live to completed, waterfall, render plays" '
        ARTIFACTS="$ARTIFACTS/$backend" timeout 120 node "$NPM/dashboard.js"
        ls "$ARTIFACTS/$backend/4-render-and-scores.png"
    '
    kill $WPID 2>/dev/null; wait $WPID 2>/dev/null; WPID=
    serve_stop
done
test_done
