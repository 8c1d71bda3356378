#!/usr/bin/env bash
# Run every test: the C unit tests, then each tests/e2e/t*.sh script.
# Prints each result and, last, "N passed, N failed[, N skipped]".
# Environment: BUILD (build dir, default build), TEST_FILTER (substring of
# script names to run), TEST_JOBS (parallel e2e scripts, default 2).
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
export BUILD
passed=0; failed=0; skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# Services the tests use (PostgreSQL) are started here, once, if a hook exists.
if [ -x tests/services.sh ]; then
    eval "$(tests/services.sh start)" || { echo "could not start test services"; echo "0 passed, 1 failed"; exit 1; }
    trap 'tests/services.sh stop >/dev/null 2>&1; rm -rf "$log"' EXIT
fi

# "N passed, N failed[, N skipped]" -> the three numbers
nums() {
    local line=$1
    _p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' | tail -n 1)
    _f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' | tail -n 1)
    _s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' | tail -n 1)
    _p=${_p:-0}; _f=${_f:-0}; _s=${_s:-0}
}
count() { # file -> adds to counters from its last "N passed, N failed, N skipped"
    nums "$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)"
    passed=$((passed + _p)); failed=$((failed + _f)); skipped=$((skipped + _s))
}

echo "== unit tests"
"$BUILD/unit-tests" ${TEST_FILTER:+"$TEST_FILTER"} >"$log/unit.out" 2>&1
rc=$?
cat "$log/unit.out"
if ! grep -qE '[0-9]+ passed, [0-9]+ failed' "$log/unit.out"; then
    echo "unit tests crashed (exit $rc)"; failed=$((failed + 1))
else
    count "$log/unit.out"
    [ $rc -ne 0 ] && ! grep -q 'not ok' "$log/unit.out" && { echo "unit tests exit $rc"; failed=$((failed + 1)); }
fi

scripts=$(ls tests/e2e/t[0-9]*.sh 2>/dev/null | grep -- "${TEST_FILTER:-}" || true)
run_one() {
    local s=$1 out=$2
    local t0=$SECONDS
    bash "$s" >"$out" 2>&1
    local rc=$?
    echo "# exit $rc in $((SECONDS - t0)) s" >>"$out"
}
export -f run_one
if [ -n "$scripts" ]; then
    echo "== end-to-end tests"
    printf '%s\n' $scripts | xargs -P "${TEST_JOBS:-2}" -I{} bash -c 'run_one "$1" "$2/$(basename "$1").out"' _ {} "$log"
    for s in $scripts; do
        out="$log/$(basename "$s").out"
        echo "-- $s"
        cat "$out"
        if grep -qE '^# .*: [0-9]+ passed, [0-9]+ failed' "$out"; then
            count "$out"
            if [ "$_f" -eq 0 ] && ! grep -q '^# exit 0 ' "$out"; then
                echo "$s exited non-zero"; failed=$((failed + 1))
            fi
        else
            echo "$s did not finish"; failed=$((failed + 1))
        fi
    done
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
