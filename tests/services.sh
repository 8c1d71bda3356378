#!/usr/bin/env bash
# Throwaway services for the tests: a PostgreSQL 15 cluster in a temp dir,
# owned by an unprivileged user, listening on a free port on 127.0.0.1.
#
#   eval "$(tests/services.sh start)"   prints export lines:
#       REEL_TEST_PG_URL   postgres://reel@127.0.0.1:PORT/postgres (superuser, trust)
#       REEL_TEST_PG_DIR   the cluster's directory (for stop)
#       REEL_TEST_PG_BIN   the PostgreSQL binaries (psql, createdb)
#   tests/services.sh stop              stops it and removes the directory
#
# When PostgreSQL is not installed, start prints a note on stderr and nothing
# on stdout: the PostgreSQL tests then skip. A REEL_TEST_PG_URL that is
# already set (an outside server) is kept as it is.
set -u

pg_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Run a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$OWNER" -- "$@"
    else
        "$@"
    fi
}

start() {
    if [ -n "${REEL_TEST_PG_URL:-}" ]; then
        echo "export REEL_TEST_PG_URL='$REEL_TEST_PG_URL'"
        return 0
    fi
    local bin
    bin=$(pg_bin) || { echo "services: PostgreSQL is not installed; its tests will skip" >&2; return 0; }
    OWNER=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        # initdb refuses to run as root: use the Debian package's user, or make one.
        if id postgres >/dev/null 2>&1; then
            OWNER=postgres
        else
            id reel-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin reel-pg
            OWNER=reel-pg
        fi
    fi
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/reel-pg-XXXXXX") || return 1
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$OWNER" "$dir"
    cd "$dir" || return 1 # the owner may not be allowed into the caller's directory
    if ! as_owner "$bin/initdb" -D "$dir/data" -U reel -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1; then
        echo "services: initdb failed:" >&2; cat "$dir/initdb.log" >&2
        rm -rf "$dir"; return 1
    fi
    local port tries=0
    while :; do
        port=$((20000 + RANDOM % 40000))
        if port_free "$port" && as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
            -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c timezone=UTC -c max_connections=200" \
            start >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ $tries -ge 5 ]; then
            echo "services: PostgreSQL did not start:" >&2; tail -n 20 "$dir/log" >&2
            rm -rf "$dir"; return 1
        fi
    done
    echo "export REEL_TEST_PG_URL='postgres://reel@127.0.0.1:$port/postgres'"
    echo "export REEL_TEST_PG_DIR='$dir'"
    echo "export REEL_TEST_PG_BIN='$bin'"
}

stop() {
    local dir=${REEL_TEST_PG_DIR:-}
    [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
    local bin
    bin=$(pg_bin) || return 0
    OWNER=$(stat -c %U "$dir/data")
    cd "$dir" || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: tests/services.sh start|stop" >&2; exit 2 ;;
esac
