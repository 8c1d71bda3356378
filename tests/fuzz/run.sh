#!/usr/bin/env bash
# Fuzz reel's parsers of outside input with libFuzzer.
# usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 60 s each, every target)
# Targets: plan (the EditPlan decoder + validator, tests/fuzz/fuzz_plan.c),
# json5 (the JSON5 reader, tests/fuzz/fuzz_json5.c).
# Builds the plan module and what it needs (core, media/probe) with clang
# -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/, links each
# tests/fuzz/fuzz_TARGET.c with -fsanitize=fuzzer, seeds a working corpus
# (plan: tests/plans/ and tests/fuzz/corpus/; json5: tests/fuzz/corpus-json5/
# and tests/plans/valid/), and runs each target for SECONDS.
# tests/fuzz/corpus/ holds small inputs a fuzz run found (libFuzzer -merge=1,
# named by their SHA-1); the unit test plan_fuzz_corpus_replays replays it. Exits non-zero
# on a crash, leak, timeout or sanitizer report (the input is kept in
# build-fuzz/artifacts/).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
targets=${*:-plan json5}
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
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in $targets; do
    case $t in
    plan) seeds="tests/plans/valid/*.json tests/plans/invalid/*.json tests/fuzz/corpus/*"
          what="the plan decoder + validator"; dict=tests/fuzz/plan.dict ;;
    json5) seeds="tests/fuzz/corpus-json5/* tests/plans/valid/*.json"
           what="the JSON5 reader"; dict=tests/fuzz/json5.dict ;;
    *) echo "fuzz: no target '$t' (plan, json5)"; exit 2 ;;
    esac
    echo "  LINK    $B/fuzz_$t"
    $CLANG $cflags -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" "${objs[@]}" $libs -o "$B/fuzz_$t"
    corpus="$B/corpus-$t"
    [ "$t" = plan ] && corpus="$B/corpus"
    mkdir -p "$corpus"
    # shellcheck disable=SC2086
    cp $seeds "$corpus/" 2>/dev/null || true
    echo "== fuzzing $what for $secs s"
    "$B/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -dict="$dict" -print_final_stats=1 -artifact_prefix="$B/artifacts/" "$corpus" \
        >"$B/fuzz-$t.log" 2>&1 || { tail -n 60 "$B/fuzz-$t.log"; echo "fuzz: $t FAILED (see $B/fuzz-$t.log, $B/artifacts/)"; exit 1; }
    grep -E "^stat::number_of_executed_units|^Done" "$B/fuzz-$t.log" || true
    echo "fuzz: $t: no crash, leak or timeout in $secs s"
done
