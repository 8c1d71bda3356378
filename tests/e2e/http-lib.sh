# Helpers for the http e2e tests (sourced after lib.sh and store-lib.sh).
#   serve_start   starts `reel serve` on a free loopback port: $BASE, $SERVE_PID
#   serve_stop
serve_start() {
    : >"$TMP/serve.out"
    "$REEL" serve --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
    SERVE_PID=$!
    local i
    for i in $(seq 100); do
        BASE=$(sed -n 's/^reel serve: listening on \(http:[^ ]*\)\/$/\1/p' "$TMP/serve.out")
        [ -n "$BASE" ] && return 0
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$TMP/serve.err" >&2
    return 1
}
serve_stop() {
    [ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
