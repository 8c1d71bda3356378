#!/usr/bin/env bash
# Generate the media the sample plans in examples/ use, with FFmpeg's
# synthetic sources (no downloads). Usage: examples/make-assets.sh [DIR]
# (default: examples/assets, which the plans name as "assets/...").
# --small makes the same files at a quarter of the size, for tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
small=0
[ "${1:-}" = --small ] && { small=1; shift; }
out=${1:-$here/assets}
mkdir -p "$out"
ff() { ffmpeg -nostdin -v error -y "$@"; }
# S WxH: a size, divided by 4 with --small
S() { if [ $small = 1 ]; then echo "$1" | awk -Fx '{ printf "%dx%d", int($1 / 8) * 2, int($2 / 8) * 2 }'; else echo "$1"; fi; }
preset=veryfast
[ $small = 1 ] && preset=ultrafast
enc=(-c:v libx264 -preset $preset -crf 23 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest)

# four landscape clips with different sizes, rates and sounds (a "voice"
# that talks in bursts on the first, so ducking has something to duck under)
ff -f lavfi -i "testsrc2=s=$(S 1280x720):r=30:d=6" \
   -f lavfi -i "aevalsrc=0.4*sin(2*PI*180*t)*sin(2*PI*3*t)*lt(mod(t\,2)\,1.4):s=48000:d=6" \
   "${enc[@]}" "$out/interview.mp4"
ff -f lavfi -i "mandelbrot=s=$(S 960x540):r=25,trim=duration=6" \
   -f lavfi -i "sine=f=660:r=44100:d=6" -ac 1 "${enc[@]}" "$out/flythrough.mp4"
ff -f lavfi -i "smptehdbars=s=$(S 1920x1080):r=30:d=6" \
   -f lavfi -i "anoisesrc=c=pink:a=0.05:r=48000:d=6" "${enc[@]}" "$out/bars.mp4"
ff -f lavfi -i "life=s=$(S 640x480):r=30:mold=10:ratio=0.1:death_color=#203040:life_color=#e0c060,trim=duration=6" \
   -c:v libx264 -preset $preset -crf 23 -pix_fmt yuv420p "$out/life.mp4"
# stills, a logo with transparency, a music bed and a warm .cube look
ff -f lavfi -i "gradients=s=$(S 1600x900):c0=0x203060:c1=0xe07040:x0=0:y0=0:x1=$(S 1600x900 | cut -dx -f1):y1=$(S 1600x900 | cut -dx -f2):d=1" -frames:v 1 "$out/sunset.jpg"
ff -f lavfi -i "testsrc2=s=$(S 900x1200)" -frames:v 1 "$out/portrait.png"
ff -f lavfi -i "color=c=black@0.0:s=240x96,format=rgba,drawbox=x=4:y=4:w=232:h=88:c=white@0.85:t=fill,drawtext=text=reel:fontsize=64:fontcolor=0x203060:x=(w-text_w)/2:y=(h-text_h)/2" \
   -frames:v 1 "$out/logo.png"
ff -f lavfi -i "aevalsrc=(0.18*sin(2*PI*220*t)+0.12*sin(2*PI*277.2*t)+0.1*sin(2*PI*329.6*t))*(0.6+0.4*exp(-8*mod(t\,0.5))):s=48000:d=12" \
   -ac 2 "$out/music.wav"
{
    echo "TITLE \"warm\""
    echo "LUT_3D_SIZE 2"
    for b in 0 1; do for g in 0 1; do for r in 0 1; do
        awk -v r=$r -v g=$g -v b=$b 'BEGIN { printf "%.3f %.3f %.3f\n", 0.06 + r * 0.94, 0.03 + g * 0.9, b * 0.8 }'
    done; done; done
} >"$out/warm.cube"
echo "assets in $out"
