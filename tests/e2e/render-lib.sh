# Helpers for the renderer's end-to-end tests (tests/e2e/t02*.sh); source
# after lib.sh. Media are small (320x180) and short; facts are read back
# with ffmpeg (colour of a region, level of a frequency band, loudness).

# clip FILE COLOR SECONDS [FREQ] [extra output args]: a solid colour with a tone
clip() {
    local f=$1 c=$2 d=$3 hz=${4:-440}; shift 3; [ $# -gt 0 ] && shift
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$c:s=320x180:r=30:d=$d" \
        -f lavfi -i "sine=f=$hz:r=48000:d=$d" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -c:a aac -b:a 128k -shortest "$@" "$f"
}
# render PLAN OUT [args]: reel render with the test preset
render() {
    local plan=$1 out=$2; shift 2
    "$REEL" render "$plan" -o "$out" --preset ultrafast --threads 2 "$@"
}
# frames FILE: number of decoded video frames
frames() {
    ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
        -of csv=p=0 "$1"
}
# audio_samples FILE: duration of the audio stream in seconds (decoded)
audio_seconds() {
    ffmpeg -nostdin -v error -i "$1" -map 0:a:0 -f s16le -ac 1 -ar 48000 - | wc -c |
        awk '{printf "%.3f\n", $1 / 2 / 48000}'
}
# rgb_is "R G B" R G B TOL: each channel within TOL
rgb_is() {
    local got=$1 r=$2 g=$3 b=$4 tol=${5:-40}
    set -- $got
    [ $# -eq 3 ] || { echo "no colour read: '$got'"; return 1; }
    local ok=1
    [ $(( ($1 - r) * ($1 - r) <= tol * tol )) = 1 ] || ok=0
    [ $(( ($2 - g) * ($2 - g) <= tol * tol )) = 1 ] || ok=0
    [ $(( ($3 - b) * ($3 - b) <= tol * tol )) = 1 ] || ok=0
    [ $ok = 1 ] || { echo "colour $got is not $r $g $b (+-$tol)"; return 1; }
}
# band_db FILE START DUR FREQ: mean level (dB) of a narrow band around FREQ
band_db() {
    ffmpeg -nostdin -hide_banner -ss "$2" -t "$3" -i "$1" -af "bandpass=f=$4:width_type=h:w=30,bandpass=f=$4:width_type=h:w=30,volumedetect" -f null - 2>&1 |
        sed -n 's/.*mean_volume: \([-0-9.inf]*\) dB.*/\1/p' | tail -n 1
}
# level_db FILE START DUR: mean level (dB) of everything
level_db() {
    ffmpeg -nostdin -hide_banner -ss "$2" -t "$3" -i "$1" -af volumedetect -f null - 2>&1 |
        sed -n 's/.*mean_volume: \([-0-9.inf]*\) dB.*/\1/p' | tail -n 1
}
# near A B TOL: |A - B| <= TOL (floats)
near() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' ||
        { echo "$1 is not $2 +- $3"; return 1; }
}
# less A B: A < B (floats)
less() {
    awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' || { echo "$1 is not < $2"; return 1; }
}
