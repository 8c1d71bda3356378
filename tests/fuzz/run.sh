#!/usr/bin/env bash
# Fuzz the EditPlan decoder + validator with libFuzzer.
# usage: tests/fuzz/run.sh [SECONDS]   (default 60)
# Builds the plan module and what it needs (core, media/probe) with clang
# -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/, links
# tests/fuzz/fuzz_plan.c with -fsanitize=fuzzer, seeds a working corpus from
# tests/plans/ and tests/fuzz/corpus/, and runs for SECONDS.
# tests/fuzz/corpus/ holds small inputs a fuzz run found (libFuzzer -merge=1,
# named by their SHA-1); the unit test plan_fuzz_corpus_replays replays it. Exits non-zero
# on a crash, leak, timeout or sanitizer report (the input is kept in
# build-fuzz/artifacts/).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
CLANG=${CLANG:-clang}
B=build-fuzz
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG is not installed (scripts/deps.d/plan.txt)"; exit 1; }

pkgs=$(sed -n '/^PKGS :=/,/[^\\]$/p' Makefile | sed -e 's/^PKGS :=//' -e 's/\\//g' | tr '\n' ' ')
cflags="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -O1 -g -fno-omit-frame-pointer"
cflags="$cflags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cflags="$cflags $(pkg-config --cflags $pkgs 2>/dev/null || true)"
libs="$(pkg-config --libs $pkgs 2>/dev/null || true) -lm -lpthread"

mkdir -p "$B/fuzzobj" "$B/gen" "$B/artifacts"
srcs=$(ls src/core/*.c src/media/probe.c src/plan/*.c)
objs=()
for s in $srcs; do
    o="$B/fuzzobj/$(echo "$s" | tr / _).o"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src/core src/media src/plan -name '*.h' -newer "$o" 2>/dev/null | head -n 1)" ]; then
        echo "  CLANG   $s"
        $CLANG $cflags -c "$s" -o "$o"
    fi
    objs+=("$o")
done
embed=$(ls schema/*.json 2>/dev/null || true)
scripts/embed.sh $embed >"$B/gen/fuzz-embedded.c"
$CLANG $cflags -Wno-error -c "$B/gen/fuzz-embedded.c" -o "$B/fuzzobj/embedded.o"
objs+=("$B/fuzzobj/embedded.o")
echo "  LINK    $B/fuzz_plan"
$CLANG $cflags -fsanitize=fuzzer tests/fuzz/fuzz_plan.c "${objs[@]}" $libs -o "$B/fuzz_plan"

corpus="$B/corpus"
mkdir -p "$corpus"
cp tests/plans/valid/*.json tests/plans/invalid/*.json "$corpus/"
[ -d tests/fuzz/corpus ] && cp tests/fuzz/corpus/* "$corpus/" 2>/dev/null || true

echo "== fuzzing the plan decoder + validator for $secs s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$B/fuzz_plan" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict=tests/fuzz/plan.dict -print_final_stats=1 -artifact_prefix="$B/artifacts/" "$corpus" \
    >"$B/fuzz.log" 2>&1 || { tail -n 60 "$B/fuzz.log"; echo "fuzz: FAILED (see $B/fuzz.log, $B/artifacts/)"; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$B/fuzz.log" || true
echo "fuzz: no crash, leak or timeout in $secs s"
