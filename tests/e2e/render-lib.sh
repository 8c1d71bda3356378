# Helpers for the renderer's end-to-end tests (tests/e2e/t02*.sh); source
# after lib.sh. Media are small (320x180 at 30 fps) and short. Facts are
# read back with as few ffmpeg runs as possible (each costs ~0.3 s of CPU):
# one run decodes every frame of a file at 32x18 (10x10 pixel blocks) for
# all colour checks, one run per frequency band gives levels per 0.1 s.

# clip FILE COLOR SECONDS [FREQ]: a solid colour with a tone
clip() {
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$2:s=320x180:r=30:d=$3" \
        -f lavfi -i "sine=f=${4:-440}:r=48000:d=$3" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -c:a aac -b:a 128k -shortest "$1"
}
# render PLAN OUT [args]: reel render with the test preset
render() {
    local plan=$1 out=$2; shift 2
    "$REEL" render "$plan" -o "$out" --preset ultrafast --threads 2 "$@"
}
vdump() {
    [ -s "$1.rgb" ] || ffmpeg -nostdin -v error -i "$1" -fps_mode passthrough -vf "scale=32:18:flags=area,format=rgb24" \
        -f rawvideo - | od -An -v -tu1 -w1728 >"$1.rgb"
}
# frames FILE: number of video frames
frames() { vdump "$1"; wc -l <"$1.rgb" | tr -d " "; }
# rgb FILE T [W:H:X:Y]: mean "R G B" of a region (pixels of 320x180,
# multiples of 10) of the frame shown at time T (30 fps)
rgb() {
    vdump "$1"
    awk -v n="$(awk -v t="$2" 'BEGIN { printf "%d", t * 30 + 0.5 }')" -v crop="${3:-320:180:0:0}" '
        NR == n + 1 { split(crop, c, ":"); w = c[1] / 10; h = c[2] / 10; x = c[3] / 10; y = c[4] / 10
            for (j = y; j < y + h; j++) for (i = x; i < x + w; i++) {
                k = (j * 32 + i) * 3; r += $(k + 1); g += $(k + 2); b += $(k + 3); m++ }
            printf "%d %d %d\n", r / m + 0.5, g / m + 0.5, b / m + 0.5 }' "$1.rgb"
}
# rgb_is "R G B" R G B [TOL]: each channel within TOL (default 40)
rgb_is() {
    local got=$1 r=$2 g=$3 b=$4 tol=${5:-40}
    set -- $got
    [ $# -eq 3 ] || { echo "no colour read: '$got'"; return 1; }
    if [ $(( ($1-r)*($1-r) <= tol*tol && ($2-g)*($2-g) <= tol*tol && ($3-b)*($3-b) <= tol*tol )) != 1 ]; then
        echo "colour $got is not $r $g $b (+-$tol)"; return 1
    fi
}
# levels FILE [FREQ]: RMS level (dB) per 0.1 s, of a narrow band around FREQ or of everything
levels() {
    local hz=${2:-all}
    local out="$1.lv$hz" af="aresample=48000,asetnsamples=n=4800:p=0"
    [ -s "$out" ] && return
    [ "$hz" != all ] && af="bandpass=f=$hz:width_type=h:w=30,bandpass=f=$hz:width_type=h:w=30,$af"
    ffmpeg -nostdin -v error -i "$1" -map 0:a:0 \
        -af "$af,astats=metadata=1:reset=1,ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=$out.raw" \
        -f null - &&
    awk '/pts_time:/ { sub(/.*pts_time:/, ""); t = $1 } /RMS_level=/ { sub(/.*=/, ""); v = $0;
        if (v ~ /inf/) v = -150; print t, v }' "$out.raw" >"$out"
}
# db FILE START DUR [FREQ]: mean level over [START, START+DUR) (power mean of 0.1 s windows)
db() {
    levels "$1" "${4:-all}"
    awk -v s="$2" -v d="$3" '$1 >= s - 1e-6 && $1 + 0.1 <= s + d + 1e-6 { p += 10 ^ ($2 / 10); n++ }
        END { if (!n) { print "nan"; exit 1 } printf "%.2f\n", 10 * log(p / n) / log(10) }' "$1.lv${4:-all}"
}
# audio_seconds FILE: decoded length of the sound
audio_seconds() {
    ffmpeg -nostdin -v error -i "$1" -map 0:a:0 -f s16le -ac 1 -ar 48000 - | wc -c |
        awk '{printf "%.3f\n", $1 / 2 / 48000}'
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
