#!/usr/bin/env bash
# A short libFuzzer run of the plan decoder + validator (make fuzz and CI
# run it longer). Needs clang with libFuzzer.
. "$(dirname "$0")/lib.sh"

if [ "${BUILD}" != build ]; then
    test_skip 'fuzz the plan decoder for 10 s' "runs once, in the normal build (it is built with ASan itself)"
elif ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 &&
        ! clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null | grep -q /; then
    test_skip 'fuzz the plan decoder for 10 s' "clang with libFuzzer is not installed"
else
    test_expect_success 'fuzz the plan decoder for 10 s: no crash, leak or timeout' '
        "$ROOT/tests/fuzz/run.sh" 10 plan >"$TMP/fuzz.out" 2>&1 || { tail -n 40 "$TMP/fuzz.out"; exit 1; }
        grep -q "no crash, leak or timeout" "$TMP/fuzz.out"
        runs=$(sed -n "s/^stat::number_of_executed_units: //p" "$TMP/fuzz.out")
        echo "$runs inputs"
        test "$runs" -gt 100
    '
fi
test_done
