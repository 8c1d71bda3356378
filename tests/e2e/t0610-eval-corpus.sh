#!/usr/bin/env bash
# The evaluation's gates against the labelled corpus of generated footage
# (scripts/eval-corpus.py --set generated: clean renders and one render per
# defect, each labelled with the gates it must fail), through
# scripts/eval-calibrate.py: every gate's precision and recall >= 0.95 and
# every clean render golden with a score >= 0.9 (issue #16). The real-media
# corpus is bench/eval-calibration (on demand: it takes most of an hour).
. "$(dirname "$0")/lib.sh"
export OMP_THREAD_LIMIT=1
JOBS=${TEST_CORPUS_JOBS:-2}
# Under the sanitizers (make asan: BUILD=build-san) every render and
# evaluation is several times slower: one of the two generated clips.
CLIPS=""; MIN_RENDERS=60; MIN_CLEAN=10
if [ "$BUILD" != build ]; then CLIPS=gen_testsrc; MIN_RENDERS=30; MIN_CLEAN=5; fi

test_expect_success 'the generated corpus is made: clean renders and labelled defects' '
    python3 scripts/eval-corpus.py --out "$TMP/c" --set generated --reel "$REEL" --jobs "$JOBS" \
        --clips "$CLIPS" 2>"$TMP/make.err" ||
        { tail -20 "$TMP/make.err" >&2; false; }
    jq -e --argjson n $MIN_RENDERS "length >= \$n" "$TMP/c/corpus.json" >/dev/null
    jq -e --argjson n $MIN_CLEAN "[.[] | select(.group == \"clean\")] | length >= \$n" "$TMP/c/corpus.json" >/dev/null
    # every gate has renders that must fail it
    for g in clarity punchiness retention captions brand watchability; do
        jq -e --arg g "$g" "[.[] | select(.fail | index(\$g))] | length >= 2" "$TMP/c/corpus.json" >/dev/null ||
            { echo "no defect for $g" >&2; false; } || return 1
    done
'
test_expect_success 'every gate: precision and recall >= 0.95; every clean render golden and >= 0.9' '
    python3 scripts/eval-calibrate.py "$TMP/c" --reel "$REEL" --jobs "$JOBS" --report "$TMP/report.json" \
        --min-precision 0.95 --min-recall 0.95 --min-clean-score 0.9 >"$TMP/cal.out" 2>&1 ||
        { cat "$TMP/cal.out"; false; }
'
[ -s "$TMP/cal.out" ] && sed -n "/^gate/,/^clean:/p;/^worst gate/p" "$TMP/cal.out" | sed "s/^/# /"
test_expect_success 'the calibration report says what it measured' '
    jq -e ".gates | length == 6" "$TMP/report.json" >/dev/null &&
    jq -e "[.gates[] | .tp + .fn] | min >= 2" "$TMP/report.json" >/dev/null
'
test_done
