#!/usr/bin/env bash
# reel analyze: the command line, the JSON document, thumbnails, the cache, errors.
. "$(dirname "$0")/lib.sh"

make_testsrc "$TMP/clip.mp4" 2
printf 'not a video\n' >"$TMP/junk.mp4"

test_expect_code 2 "no files is a usage error" '$REEL analyze'
test_expect_code 2 "an unknown option is a usage error" '$REEL analyze --bogus "$TMP/clip.mp4"'
test_expect_code 2 "--only checks its names" '$REEL analyze --only shots,nonsense "$TMP/clip.mp4"'
test_expect_code 1 "a missing file exits 1" '$REEL analyze "$TMP/nope.mp4"'

test_expect_success "a file that is not media exits 1 with the reason" '
    set +e; $REEL analyze "$TMP/junk.mp4" 2>"$TMP/err"; rc=$?; set -e
    test $rc -eq 1
    grep -q "junk.mp4" "$TMP/err"
    grep -qi "not a media file" "$TMP/err"
'

test_expect_success "--json gives the documented fields" '
    $REEL analyze --json "$TMP/clip.mp4" >"$TMP/a.json"
    jq -e ".version >= 1 and (.sha256 | length) == 64 and .probe.kind == \"video\"" "$TMP/a.json"
    jq -e ".cached == false and .file != null" "$TMP/a.json"
    for k in shots cuts speech silence music motion black frozen; do
        jq -e --arg k $k ".[\$k] | type == \"array\"" "$TMP/a.json"
    done
    jq -e ".loudness | has(\"integrated_lufs\") and has(\"range_lu\") and has(\"true_peak_dbtp\") and (.short_term | length) == 2" "$TMP/a.json"
    jq -e ".beats | has(\"bpm\") and has(\"confidence\") and has(\"times\")" "$TMP/a.json"
    jq -e ".shots | length == 1" "$TMP/a.json"
    jq -e ".shots[0] | has(\"start\") and has(\"end\") and has(\"score\") and has(\"keyframe_t\") and (.avg_color | length) == 3 and (.histogram | length) == 64" "$TMP/a.json"
    jq -e ".motion | length == 2" "$TMP/a.json"
'

test_expect_success "thumbnails and the contact sheet land under the data dir by hash" '
    sha=$(sha256sum "$TMP/clip.mp4" | cut -d" " -f1)
    jq -e --arg sha "$sha" ".sha256 == \$sha" "$TMP/a.json"
    sheet=$(jq -r .contact_sheet "$TMP/a.json")
    test "$sheet" = "$REEL_DATA_DIR/thumbs/$sha/contact.png"
    file "$sheet" | grep -q "PNG image"
    thumb=$(jq -r ".shots[0].thumbnail" "$TMP/a.json")
    file "$thumb" | grep -q "JPEG image"
    test -f "$REEL_DATA_DIR/cache/analysis/$sha-v$(jq .version "$TMP/a.json").json"
'

test_expect_success "a second run on the same bytes comes from the cache" '
    cp "$TMP/clip.mp4" "$TMP/copy.mp4"
    $REEL analyze --json "$TMP/copy.mp4" >"$TMP/b.json"
    jq -e ".cached == true" "$TMP/b.json"
    test "$(jq -S "del(.cached, .file)" "$TMP/a.json")" = "$(jq -S "del(.cached, .file)" "$TMP/b.json")"
    $REEL analyze --json --no-cache "$TMP/copy.mp4" | jq -e ".cached == false"
'

test_expect_success "--thumbs DIR and --only" '
    $REEL analyze --json --thumbs "$TMP/th" --only shots,thumbnails "$TMP/clip.mp4" >"$TMP/c.json"
    test -f "$TMP/th/contact.png"
    test -f "$TMP/th/shot-000.jpg"
    jq -e ".loudness == null and (.speech | length) == 0 and (.shots | length) == 1" "$TMP/c.json"
    $REEL analyze --json --no-thumbs --no-cache "$TMP/clip.mp4" | jq -e ".contact_sheet == null and .shots[0].thumbnail == null"
'

test_expect_success "several files give an array; a bad one does not stop the rest" '
    set +e; $REEL analyze --json "$TMP/clip.mp4" "$TMP/junk.mp4" >"$TMP/d.json" 2>/dev/null; rc=$?; set -e
    test $rc -eq 1
    jq -e "length == 2 and (.[0].shots | length) == 1 and .[1].code == \"invalid\"" "$TMP/d.json"
'

test_expect_success "the human summary names shots and loudness" '
    $REEL analyze "$TMP/clip.mp4" >"$TMP/h.txt"
    grep -q "shots: 1" "$TMP/h.txt"
    grep -q "LUFS" "$TMP/h.txt"
'

test_done
