#!/usr/bin/env bash
# Speech or not (issue #17): the recogniser makes words of any sound, so a
# transcript keeps only the words said where the analysis hears speech
# (and no longer than a spoken word); the others are listed under
# not_speech and never reach captions. Generated set of
# scripts/speech-gate.py: espeak-ng speech (also under pink noise) keeps
# every word heard; pink noise, water, traffic, splashes and a music loop
# keep none. The real set is bench/speech-gate.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v espeak-ng >/dev/null; then
    test_skip 'speech or not' 'espeak-ng is not installed'
    test_done; exit
fi

test_expect_success 'speech keeps every word heard, noise and music none' '
    python3 "$ROOT/scripts/speech-gate.py" "$TMP/g" --reel "$REEL" --min-speech-kept 1 \
        --max-noise-words 0 >"$TMP/g.out" 2>&1 || { cat "$TMP/g.out"; false; }
    sed "s/^/# /" "$TMP/g.out"
'

test_expect_success 'the words left out are listed with why; --all-words keeps them' '
    "$REEL" transcribe "$TMP/g/splash.wav" --json >"$TMP/s.json"
    jq -e "(.words | length) == 0 and (.not_speech | length) > 0" "$TMP/s.json" >/dev/null
    jq -e "[.not_speech[].why] | unique | . - [\"no speech there\", \"longer than a spoken word\"] | length == 0" "$TMP/s.json" >/dev/null
    "$REEL" transcribe "$TMP/g/splash.wav" 2>"$TMP/s.err" >"$TMP/s.txt"
    test ! -s "$TMP/s.txt"
    grep -q "heard where there is no speech left out" "$TMP/s.err"
    "$REEL" transcribe "$TMP/g/splash.wav" --all-words --json >"$TMP/a.json"
    jq -e "(.words | length) == ($(jq ".not_speech | length" "$TMP/s.json")) and (has(\"not_speech\") | not)" "$TMP/a.json" >/dev/null
'

test_done; exit
fi

test_expect_success 'speech keeps every word heard, noise and music none' '
    python3 "$ROOT/scripts/speech-gate.py" "$TMP/g" --reel "$REEL" --min-speech-kept 1 \
        --max-noise-words 0 >"$TMP/g.out" 2>&1 || { cat "$TMP/g.out"; false; }
    sed "s/^/# /" "$TMP/g.out"
'

test_expect_success 'the words left out are listed with why; --all-words keeps them' '
    "$REEL" transcribe "$TMP/g/splash.wav" --json >"$TMP/s.json"
    jq -e "(.words | length) == 0 and (.not_speech | length) > 0" "$TMP/s.json" >/dev/null
    jq -e "[.not_speech[].why] | unique | . - [\"no speech there\", \"longer than a spoken word\"] | length == 0" "$TMP/s.json" >/dev/null
    "$REEL" transcribe "$TMP/g/splash.wav" 2>"$TMP/s.err" >"$TMP/s.txt"
    test ! -s "$TMP/s.txt"
    grep -q "heard where there is no speech left out" "$TMP/s.err"
    "$REEL" transcribe "$TMP/g/splash.wav" --all-words --json >"$TMP/a.json"
    jq -e "(.words | length) == ($(jq ".not_speech | length" "$TMP/s.json")) and (has(\"not_speech\") | not)" "$TMP/a.json" >/dev/null
'

test_expect_success 'a stored transcript keeps what was left out (JSON round trip)' '
    "$REEL" transcribe "$TMP/g/espeak0_pink.wav" --json >"$TMP/e.json"
    jq -e ".not_speech | type == \"array\"" "$TMP/e.json" >/dev/null
    jq -e "(.words | length) > 5" "$TMP/e.json" >/dev/null
'
test_done
