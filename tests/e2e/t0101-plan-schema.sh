#!/usr/bin/env bash
# The JSON Schema and the validator agree, checked with a real JSON Schema
# validator (ajv, draft 2020-12, installed from the npm registry with npm ci).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/data/plan-media.sh"

test_expect_success 'reel plan schema prints the schema file byte for byte' '
    "$REEL" plan schema >"$TMP/schema.json"
    cmp "$TMP/schema.json" "$ROOT/schema/editplan-v1.schema.json"
    jq -e ".\"\$schema\" == \"https://json-schema.org/draft/2020-12/schema\"" "$TMP/schema.json"
'
test_expect_success 'reel plan schema --strict prints the strict variant' '
    "$REEL" plan schema --strict >"$TMP/strict.json"
    jq -e "(.properties | has(\"assets\") | not) and (.required | length) == (.properties | length)" "$TMP/strict.json"
'
test_expect_code 2 'schema takes no plan' '"$REEL" plan schema x.json'

if [ "$BUILD" != build ]; then
    # what ajv checks does not depend on how reel was built; the C side of it
    # (decode, encode, the strict schema) runs under the sanitizers in the unit tests
    test_skip 'ajv agrees with the validator' "checked once, in the normal build"
    test_done
    exit
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    test_skip 'ajv agrees with the validator' 'node/npm missing (scripts/deps.d/plan.txt lists them)'
    test_done
    exit
fi

test_expect_success 'install ajv with npm ci' '
    cp -r "$ROOT/tests/npm-plan" "$TMP/npm"
    rm -rf "$TMP/npm/node_modules"
    npm ci --prefix "$TMP/npm" --no-audit --no-fund >"$TMP/npm.log" 2>&1 || { cat "$TMP/npm.log"; exit 1; }
    test -f "$TMP/npm/node_modules/ajv/dist/2020.js"
'

test_expect_success 'schema: valid plans pass, structural defects fail, semantic ones pass; strict schema holds' '
    plan_media "$TMP/m"
    mkdir -p "$TMP/norm"
    for f in "$ROOT"/tests/plans/valid/*.json; do
        "$REEL" plan validate "$f" "${PLAN_ASSETS[@]}" --normalize >"$TMP/norm/$(basename "$f")"
    done
    node "$TMP/npm/check.js" "$ROOT/schema/editplan-v1.schema.json" "$TMP/strict.json" \
        "$ROOT/tests/plans/valid" "$ROOT/tests/plans/invalid" "$ROOT/tests/data/plan-invalid.tsv" \
        "$TMP/norm" >"$TMP/ajv.out" 2>&1
    rc=$?
    cat "$TMP/ajv.out"
    test $rc -eq 0
    grep -q "; 0 failures" "$TMP/ajv.out"
'

test_expect_success 'the schema checker itself fails on a disagreement' '
    mkdir -p "$TMP/bad"
    cp "$ROOT/tests/plans/valid/minimal.json" "$TMP/bad/x.json"
    printf "x.json\tbad_value\t\$.x\tschema\n" >"$TMP/bad.tsv"
    ! node "$TMP/npm/check.js" "$ROOT/schema/editplan-v1.schema.json" "$TMP/strict.json" \
        "$ROOT/tests/plans/valid" "$TMP/bad" "$TMP/bad.tsv" "$TMP/norm" >"$TMP/o" 2>&1
    grep -q "not ok - invalid plan x.json is rejected by the schema" "$TMP/o"
'
test_done
