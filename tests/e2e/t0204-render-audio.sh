#!/usr/bin/env bash
# Sound: beds (volume, loop, start, fades), ducking under the storyline's
# speech, a video overlay's own sound, and loudness normalisation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

plan() { # FILE OPERATIONS [AUDIO OUTPUT SETTINGS]
    echo "{\"schema\":\"reel.editplan/1\",\"assets\":{\"story\":\"story.mp4\",\"music\":\"music.wav\",\"pip\":\"pip.mp4\",\"loud\":\"loud.mp4\"},
 \"output\":{\"width\":320,\"height\":180,\"fps\":30,\"audio\":{${3:-\"loudness_lufs\":null}}},\"operations\":[$2]}" >"$1"
}
# ebur FILE -> "I TP" (integrated LUFS, true peak dBTP)
ebur() {
    ffmpeg -nostdin -hide_banner -i "$1" -map 0:a:0 -af ebur128=peak=true -f null - 2>&1 |
        awk '/Integrated loudness/ { s = 1 } s && /I:/ { i = $2 } s && /Peak:/ { p = $2 } END { print i, p }'
}
test_expect_success 'make sources' '
    ffmpeg -nostdin -v error -y -f lavfi -i "color=black:s=320x180:r=30:d=3" \
        -f lavfi -i "aevalsrc=0.5*sin(2*PI*440*t)*lt(t\,1.5):s=48000:d=3" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$TMP/story.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=1000:r=44100:d=1" -af volume=-6dB "$TMP/music.wav" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=blue:s=160x90:r=30:d=2" -f lavfi -i "sine=f=1500:r=48000:d=2" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$TMP/pip.mp4" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=black:s=320x180:r=30:d=3" \
        -f lavfi -i "aevalsrc=0.9*sin(2*PI*300*t)*(0.3+0.7*lt(mod(t\,1)\,0.5)):s=48000:d=3" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -b:a 192k -shortest "$TMP/loud.mp4"
'
test_expect_success 'a looping bed at -6 dB, ducked by 10 dB under speech' '
    plan "$TMP/a.json" "{\"op\":\"cut\",\"asset\":\"story\",\"in\":0,\"out\":3},
        {\"op\":\"audio\",\"asset\":\"music\",\"loop\":true,\"volume_db\":-6,\"duck\":{\"under\":\"speech\",\"amount_db\":-10}}"
    render "$TMP/a.json" "$TMP/a.mp4"
    src=$(db "$TMP/music.wav" 0.1 0.8 1000)
    speech=$(db "$TMP/a.mp4" 0.4 0.9 1000); free=$(db "$TMP/a.mp4" 2.0 0.8 1000)
    echo "music $src, under speech $speech, free $free"
    # looped past its 1 s length, at its volume
    near "$free" "$(awk "BEGIN{print $src - 6}")" 1.5
    # ducking depth
    near "$(awk "BEGIN{print $free - $speech}")" 10 2
    # the storyline itself is untouched
    near "$(db "$TMP/a.mp4" 0.4 0.9 440)" "$(db "$TMP/story.mp4" 0.4 0.9 440)" 1
'
test_expect_success 'a bed that starts later, fades, and stops without loop; overlay sound' '
    plan "$TMP/b.json" "{\"op\":\"cut\",\"asset\":\"story\",\"in\":0,\"out\":3},
        {\"op\":\"audio\",\"asset\":\"music\",\"start\":0.5,\"fade_in\":0.5,\"fade_out\":0.3},
        {\"op\":\"overlay\",\"asset\":\"pip\",\"audio\":true,\"width\":0.3,\"start\":2}"
    render "$TMP/b.json" "$TMP/b.mp4"
    less "$(db "$TMP/b.mp4" 0 0.4 1000)" -55
    less "$(db "$TMP/b.mp4" 0.5 0.1 1000)" "$(awk "BEGIN{print $(db "$TMP/b.mp4" 1.0 0.2 1000) - 6}")"
    less "$(db "$TMP/b.mp4" 1.6 0.3 1000)" -60
    less "$(db "$TMP/b.mp4" 0.2 1.5 1500)" -60
    less -30 "$(db "$TMP/b.mp4" 2.1 0.8 1500)"
'
test_expect_success 'loudness lands within 1 LU of the target, true peak under the ceiling' '
    plan "$TMP/l.json" "{\"op\":\"cut\",\"asset\":\"loud\",\"in\":0,\"out\":3}" "\"loudness_lufs\":-16,\"true_peak_dbtp\":-1.5"
    render "$TMP/l.json" "$TMP/l.mp4"
    set -- $(ebur "$TMP/l.mp4"); echo "loud source: I $1 TP $2"
    near "$1" -16 1 && less "$2" -1.45
    plan "$TMP/q.json" "{\"op\":\"cut\",\"asset\":\"story\",\"in\":0,\"out\":3,\"volume_db\":-20}" "\"loudness_lufs\":-23,\"true_peak_dbtp\":-1"
    render "$TMP/q.json" "$TMP/q.mp4"
    set -- $(ebur "$TMP/q.mp4"); echo "quiet source: I $1 TP $2"
    near "$1" -23 1 && less "$2" -0.95
'
test_done
