#!/usr/bin/env bash
# Every sample plan under examples/ renders (with small versions of its
# assets and a small frame, to keep the suite fast) to the length
# `reel render --dry-run` announces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

test_expect_success 'make small example assets' '
    "$ROOT/examples/make-assets.sh" --small "$TMP/assets" >/dev/null
'
for plan in "$ROOT"/examples/*.json; do
    name=$(basename "$plan" .json)
    case $name in *.transcripts) continue ;; esac
    test_expect_success "examples/$name.json renders" '
        # same plan, a quarter of the frame size
        sed -E -e "s/\"width\": ([0-9]+), \"height\": ([0-9]+)/\"width\": \1\/4, \"height\": \2\/4/" "$plan" |
            awk "{ while (match(\$0, /[0-9]+\/4/)) { n = substr(\$0, RSTART, RLENGTH - 2); \$0 = substr(\$0, 1, RSTART - 1) int(n / 8) * 2 substr(\$0, RSTART + RLENGTH) } print }" >"$TMP/$name.json"
        extra=
        [ -f "$ROOT/examples/$name.transcripts.json" ] && extra="--transcripts $ROOT/examples/$name.transcripts.json"
        want=$("$REEL" render "$TMP/$name.json" -o "$TMP/$name.out" --dry-run $extra | sed -n "s/^# expected: \([0-9]*\) frames.*/\1/p")
        render "$TMP/$name.json" "$TMP/$name.out" $extra 2>/dev/null
        test "$(frames "$TMP/$name.out")" = "$want"
    '
done
test_done
