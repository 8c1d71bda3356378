#!/usr/bin/env bash
# reel eval on real footage (../shared/media; skipped when absent): 5.1 AAC,
# VP8/Vorbis, real music (160 bpm) and an RGBA logo. Checks that every
# metric runs and reports sane numbers, beats are found in the music and a
# logo with transparency is found over changing footage.
. "$(dirname "$0")/lib.sh"
export OMP_THREAD_LIMIT=1
[ -n "${EVAL_KEEP:-}" ] && trap "cp -r \"$TMP\"/. \"$EVAL_KEEP\"/; rm -rf \"$TMP\"" EXIT
V="$SHARED_MEDIA/video"; MU="$SHARED_MEDIA/music"; LG="$SHARED_MEDIA/logos"
if [ ! -f "$V/bbb_480p_30s_h264_aac51.mp4" ] || [ ! -f "$MU/kevin_macleod_outfoxing_the_fox_160bpm.mp3" ]; then
    test_skip 'eval on real footage' "../shared/media is absent"
    test_done
    exit 0
fi
ff() { ffmpeg -nostdin -v error -y "$@"; }

test_expect_success 'a render of real footage with music, logo and captions is evaluated' '
    ff -i "$V/bbb_480p_30s_h264_aac51.mp4" -i "$V/crystal_480p_h264_aac.mp4" -i "$MU/kevin_macleod_outfoxing_the_fox_160bpm.mp3" \
       -i "$LG/lmms_icon_512_rgba.png" -filter_complex \
       "[0:v]trim=2:6,setpts=PTS-STARTPTS,scale=854:480,setsar=1,fps=30[a];[1:v]trim=1:5,setpts=PTS-STARTPTS,scale=854:480,setsar=1,fps=30[b];[a][b]concat=n=2:v=1:a=0[v];[3:v]scale=102:-1[l];[v][l]overlay=x=W-w-26:y=26[o];[2:a]atrim=0:8,loudnorm=I=-14:TP=-1.5,aresample=48000[m]" \
       -map "[o]" -map "[m]" -c:v libx264 -preset ultrafast -crf 22 -pix_fmt yuv420p -c:a aac -ac 2 -t 8 "$TMP/r.mp4"
    jq -n --arg v "$V" --arg mu "$MU" --arg lg "$LG" "{schema: \"reel.editplan/1\", title: \"real\",
      output: {width: 854, height: 480, fps: 30},
      assets: {bbb: \"\(\$v)/bbb_480p_30s_h264_aac51.mp4\", crystal: \"\(\$v)/crystal_480p_h264_aac.mp4\",
               music: \"\(\$mu)/kevin_macleod_outfoxing_the_fox_160bpm.mp3\", logo: \"\(\$lg)/lmms_icon_512_rgba.png\"},
      operations: [{op: \"cut\", asset: \"bbb\", in: 2, out: 6}, {op: \"cut\", asset: \"crystal\", in: 1, out: 5},
        {op: \"overlay\", asset: \"logo\", position: \"top-right\", width: 0.12}, {op: \"audio\", asset: \"music\"}]}" >"$TMP/r.json"
    "$REEL" eval "$TMP/r.mp4" --plan "$TMP/r.json" --json >"$TMP/r.eval.json"
    jq -r "[.metrics[] | \"\(.metric)=\(.score)\"] | join(\" \")" "$TMP/r.eval.json" | sed "s/^/# real: /" >&2
    jq -e "[.metrics[] | select(.applicable) | .score | select(. >= 0 and . <= 1)] | length == 5" "$TMP/r.eval.json" >/dev/null
    jq -e ".metrics[1].evidence | .bpm > 60 and .beat_count >= 8" "$TMP/r.eval.json" >/dev/null
    # the RGBA logo is matched on its opaque pixels only, over changing footage
    jq -e "[.metrics[4].evidence.logos[0].checks[] | select(.found)] | length == 3" "$TMP/r.eval.json" >/dev/null
    jq -e ".metrics[1].evidence.cuts | map(select(. > 3.9 and . < 4.1)) | length == 1" "$TMP/r.eval.json" >/dev/null
    jq -e ".metrics[5].evidence.integrated_lufs | . > -16 and . < -12" "$TMP/r.eval.json" >/dev/null
'
test_expect_success 'a VP8/Vorbis file and 5.1 AAC are evaluated as renders' '
    jq -n --arg v "$V" "{schema: \"reel.editplan/1\", output: {width: 1280, height: 720, fps: 30, video: {codec: \"vp9\"}, container: \"webm\", audio: {codec: \"opus\"}},
      assets: {w: \"\(\$v)/bbb_720p_30s_vp8_vorbis.webm\"}, operations: [{op: \"cut\", asset: \"w\", in: 0, out: 10}]}" >"$TMP/w.json"
    "$REEL" eval "$V/bbb_720p_30s_vp8_vorbis.webm" --plan "$TMP/w.json" --json >"$TMP/w.eval.json"
    jq -e ".metrics[0].evidence.render.video_codec == \"vp8\" and .metrics[0].gate == false" "$TMP/w.eval.json" >/dev/null
    jq -n --arg v "$V" "{schema: \"reel.editplan/1\", assets: {b: \"\(\$v)/bbb_480p_30s_h264_aac51.mp4\"}, operations: [{op: \"cut\", asset: \"b\", in: 0, out: 30}]}" >"$TMP/b.json"
    "$REEL" eval "$V/bbb_480p_30s_h264_aac51.mp4" --plan "$TMP/b.json" >"$TMP/b.txt"
    cat "$TMP/b.txt" >&2
    grep -q "^watchability .* LUFS" "$TMP/b.txt"
'
test_done
