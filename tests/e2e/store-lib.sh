# Helpers for the store's e2e tests (sourced after lib.sh).
#   each_backend NAME  -> sets REEL_DATABASE_URL for "sqlite" or a fresh
#                         PostgreSQL database for "pg" (returns 1 if no PG)
#   db_sql SQL         -> run SQL on the current database, print rows (|-separated)
PSQL=
if [ -n "${REEL_TEST_PG_URL:-}" ]; then
    if [ -n "${REEL_TEST_PG_BIN:-}" ] && [ -x "$REEL_TEST_PG_BIN/psql" ]; then
        PSQL="$REEL_TEST_PG_BIN/psql"
    else
        PSQL=$(command -v psql || true)
    fi
fi

use_backend() { # sqlite|pg
    case $1 in
    sqlite)
        export REEL_DATABASE_URL="sqlite:$TMP/db-$RANDOM$RANDOM.db"
        ;;
    pg)
        [ -n "${REEL_TEST_PG_URL:-}" ] && [ -n "$PSQL" ] || return 1
        local db="reel_e2e_$$_$RANDOM"
        "$PSQL" -X -q "$REEL_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null || return 1
        export REEL_DATABASE_URL="${REEL_TEST_PG_URL%/*}/$db"
        ;;
    esac
}

db_sql() {
    case $REEL_DATABASE_URL in
    sqlite:*) sqlite3 -batch -cmd ".timeout 10000" "${REEL_DATABASE_URL#sqlite:}" "$1" ;;
    *) "$PSQL" -X -q -t -A -F '|' "$REEL_DATABASE_URL" -c "$1" ;;
    esac
}
