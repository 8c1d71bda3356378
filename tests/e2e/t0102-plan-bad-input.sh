#!/usr/bin/env bash
# Bad input to reel plan validate: each gets a clear error and a non-zero
# exit, never a crash.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
make_testsrc clip.mp4 2

# run_validate FILE [args]: sets rc, out (stdout+stderr)
run_validate() {
    set +e
    out=$("$REEL" plan validate "$@" 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out"
    [ $rc -lt 128 ] || { echo "crashed with exit $rc"; return 1; }
}
cut='{"op": "cut", "asset": "clip", "in": 0, "out": 1}'

test_expect_success 'malformed JSON reports line and column' '
    printf "{\n  \"operations\": [\n    {\"op\": \"cut\",, }\n  ]\n}\n" >bad.json
    run_validate bad.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -E "^bad.json:3:[0-9]+: bad_json: malformed JSON" <<<"$out"
'
test_expect_success 'truncated JSON reports where it ended' '
    printf "{\"operations\": [" >trunc.json
    run_validate trunc.json
    test $rc -eq 1
    grep -E "^trunc.json:1:[0-9]+: bad_json" <<<"$out"
'
test_expect_success 'wrong types name the field and the type' '
    echo "{\"operations\": [{\"op\": \"cut\", \"asset\": \"clip\", \"in\": \"zero\", \"out\": true}]}" >t.json
    run_validate t.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -F "\$.operations[0].in: wrong_type: '"'"'in'"'"' must be a number, not a string" <<<"$out"
    grep -F "\$.operations[0].out: wrong_type" <<<"$out"
'
test_expect_success 'unknown keys are errors with the allowed keys listed' '
    echo "{\"operations\": [$cut], \"output\": {\"widht\": 640}}" >k.json
    run_validate k.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -F "\$.output.widht: unknown_key" <<<"$out"
    grep -F "did you mean '"'"'width'"'"'" <<<"$out"
'
test_expect_success 'NaN, Infinity and 1e400 are rejected' '
    for v in NaN Infinity -Infinity 1e400 -1e400; do
        echo "{\"operations\": [{\"op\": \"cut\", \"asset\": \"clip\", \"in\": $v, \"out\": 1}]}" >n.json
        run_validate n.json --asset clip=clip.mp4
        test $rc -eq 1
        grep -q "bad_json" <<<"$out"
    done
'
test_expect_success 'huge but finite numbers are out of range' '
    echo "{\"operations\": [{\"op\": \"cut\", \"asset\": \"clip\", \"in\": 0, \"out\": 1e308}], \"output\": {\"width\": 1e18}}" >h.json
    run_validate h.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -F "\$.operations[0].out: out_of_range" <<<"$out"
    grep -F "\$.output.width: out_of_range" <<<"$out"
'
test_expect_success 'a 50 MB plan is refused with a clear error' '
    { printf "{\"notes\": \""; head -c 50000000 /dev/zero | tr "\0" x; printf "\", \"operations\": [$cut]}"; } >big.json
    run_validate big.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -F "big.json: too_large: the plan file is over the limit" <<<"$out"
'
test_expect_success 'deeply nested arrays are refused, not a stack overflow' '
    { printf "{\"operations\": "; head -c 200000 /dev/zero | tr "\0" "["; head -c 200000 /dev/zero | tr "\0" "]"; printf "}"; } >deep.json
    run_validate deep.json
    test $rc -eq 1
    grep -q "bad_json" <<<"$out"
    # nested inside a value that is otherwise fine
    { printf "{\"operations\": [$cut], \"title\": "; head -c 5000 /dev/zero | tr "\0" "["; head -c 5000 /dev/zero | tr "\0" "]"; printf "}"; } >deep2.json
    run_validate deep2.json --asset clip=clip.mp4
    test $rc -eq 1
'
test_expect_success 'non-UTF-8 text is refused' '
    printf "{\"operations\": [{\"op\": \"text\", \"text\": \"caf\xe9\"}, $cut]}" >latin1.json
    run_validate latin1.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -qi "bad_json.*utf" <<<"$out"
'
test_expect_success 'a NUL byte and an escaped \u0000 are refused' '
    printf "{\"title\": \"a\0b\", \"operations\": [$cut]}" >nul.json
    run_validate nul.json --asset clip=clip.mp4
    test $rc -eq 1
    grep -q "bad_json" <<<"$out"
    printf "{\"title\": \"a\\\\u0000b\", \"operations\": [$cut]}" >nul2.json
    run_validate nul2.json --asset clip=clip.mp4
    test $rc -eq 1
'
test_expect_success 'an empty file and a binary file are refused' '
    : >empty.json
    run_validate empty.json; test $rc -eq 1; grep -q "bad_json" <<<"$out"
    head -c 4096 /dev/urandom >rand.json
    run_validate rand.json; test $rc -eq 1
'
test_expect_success 'a missing plan file is a clear error' '
    run_validate nope.json
    test $rc -eq 1
    grep -qi "nope.json" <<<"$out"
    grep -qi "no such file\|not found\|does not exist" <<<"$out"
'
test_expect_success 'a directory as the plan is a clear error' '
    mkdir -p adir
    run_validate adir
    test $rc -ne 0
    grep -q "adir" <<<"$out"
'
test_expect_success 'a missing asset file is reported with its label and path' '
    echo "{\"operations\": [$cut]}" >p.json
    run_validate p.json --asset clip=missing.mp4
    test $rc -eq 1
    grep -F "\$.operations[0].asset: asset_unreadable: asset '"'"'clip'"'"' (missing.mp4) cannot be used" <<<"$out"
'
test_expect_success 'a text file given as a video is reported, not probed forever' '
    echo "hello, not a video" >notes.txt
    run_validate p.json --asset clip=notes.txt
    test $rc -eq 1
    grep -F "asset_unreadable" <<<"$out"
    grep -qi "not a media file" <<<"$out"
'
test_expect_success 'a truncated video is reported' '
    head -c 3000 clip.mp4 >trunc.mp4
    run_validate p.json --asset clip=trunc.mp4
    test $rc -eq 1
'
if [ "$(id -u)" -ne 0 ]; then
    test_expect_success 'an unreadable asset is reported' '
        cp clip.mp4 locked.mp4; chmod 000 locked.mp4
        run_validate p.json --asset clip=locked.mp4
        chmod 644 locked.mp4
        test $rc -eq 1
        grep -F "asset_unreadable" <<<"$out"
    '
else
    test_skip 'an unreadable asset is reported' 'running as root: chmod 000 does not stop root'
fi
test_expect_success 'the same asset failing in many places is reported once' '
    echo "{\"operations\": [$cut, $cut, $cut]}" >three.json
    run_validate three.json --asset clip=notes.txt --json
    test $rc -eq 1
    test "$(jq length <<<"$(sed -n "/^\[/,/^\]/p" <<<"$out")")" = 1
'
test_done
