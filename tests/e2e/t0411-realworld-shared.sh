#!/usr/bin/env bash
# Real footage (issue #18): reel edit with a short brief on every video of
# ../shared/media/video. Each job must end completed or review_required,
# never failed; either way the render is written to -o and is a video of
# about the asked length; review_required says which gate failed. Skips
# when the folder is absent. One plan version per file, to keep it short.
. "$(dirname "$0")/lib.sh"

if [ ! -d "$SHARED_MEDIA/video" ]; then
    test_skip "reel edit on ../shared/media/video" "no folder $SHARED_MEDIA/video"
    test_done
    exit
fi

for f in "$SHARED_MEDIA"/video/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    test_expect_success "edit: $b gives a 4 s render at -o, completed or for review" '
        set +e
        "$REEL" edit --brief "a short highlight" --duration 4 --max-revisions 0 "'"$f"'" \
            -o "$TMP/'"$b"'.mp4" --json >"$TMP/'"$b"'.jsonl" 2>"$TMP/'"$b"'.err"
        rc=$?
        set -e
        r=$(tail -n 1 "$TMP/'"$b"'.jsonl")
        echo "$r" | jq -c "{status, score, reason}"
        status=$(echo "$r" | jq -r .status)
        case $status in
        completed) test $rc -eq 0 ;;
        review_required) test $rc -ne 0; echo "$r" | jq -e ".reason | test(\"gate failed|brief asks\")" ;;
        *) cat "$TMP/'"$b"'.err"; false ;;
        esac
        test -s "$TMP/'"$b"'.mp4"
        "$REEL" probe --json "$TMP/'"$b"'.mp4" >"$TMP/'"$b"'.probe"
        jq -e ".[0] | .kind == \"video\" and .has_audio and .duration > 2.5 and .duration < 4.5" "$TMP/'"$b"'.probe"
    '
done
test_done
