#!/usr/bin/env bash
# reel analyze on real footage, music and speech from ../shared/media
# (robustness, and the facts its README states). Skips when it is absent.
. "$(dirname "$0")/lib.sh"

if [ ! -d "$SHARED_MEDIA/video" ]; then
    test_skip "real media" "$SHARED_MEDIA is absent"
    test_done; exit $?
fi

# each file is analysed once (with thumbnails); the tests below read the results
test_expect_success "every shared file analyses without error" '
    for f in "$SHARED_MEDIA"/video/* "$SHARED_MEDIA"/music/* "$SHARED_MEDIA"/speech/*.wav; do
        b=$(basename "$f")
        $REEL analyze --json --no-cache --thumbs "$TMP/th-$b" "$f" >"$TMP/$b.json" || { echo "failed: $f"; exit 1; }
        jq -e ".version >= 1" "$TMP/$b.json" >/dev/null
    done
'

test_expect_success "Big Buck Bunny: the three hard cuts of its first 30 s, 5.1 loudness" '
    cp "$TMP/bbb_480p_30s_h264_aac51.mp4.json" "$TMP/bbb.json"
    for t in 11.8 15.7 23.0; do
        jq -e --argjson t $t "[.cuts[] | select(.kind == \"cut\" and ((.t - \$t) | fabs) < 0.2)] | length == 1" "$TMP/bbb.json"
    done
    jq -e "[.cuts[] | select(.kind == \"cut\")] | length == 3" "$TMP/bbb.json"
    jq -e ".loudness.integrated_lufs < -10 and .loudness.integrated_lufs > -40" "$TMP/bbb.json"
    jq -e ".black[0].start == 0" "$TMP/bbb.json"
    test -f "$TMP/th-bbb_480p_30s_h264_aac51.mp4/contact.png"
'

test_expect_success "a silent audio track is all silence, the picture still analysed" '
    cp "$TMP/flower_540p_silent_audio_track.mp4.json" "$TMP/fl.json"
    jq -e ".loudness.integrated_lufs == null and (.speech | length) == 0 and (.silence | length) == 1" "$TMP/fl.json"
    jq -e "(.shots | length) >= 1 and (.motion | length) == 6" "$TMP/fl.json"
'

test_expect_success "the 160 BPM track: tempo within 3 BPM, mostly not speech" '
    cp "$TMP/kevin_macleod_outfoxing_the_fox_160bpm.mp3.json" "$TMP/m.json"
    jq -e ".beats.bpm > 157 and .beats.bpm < 163" "$TMP/m.json"
    jq -e "([.speech[] | .end - .start] | add // 0) < 0.15 * .duration" "$TMP/m.json"
'

test_expect_success "read speech is found as speech" '
    for f in "$SHARED_MEDIA"/speech/*.wav; do
        jq -e "([.speech[] | .end - .start] | add // 0) >= 0.8 * .duration" "$TMP/$(basename "$f").json" >/dev/null || { echo "not speech: $f"; exit 1; }
    done
'

test_done
