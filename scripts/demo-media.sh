#!/usr/bin/env bash
# Make the sample footage of `make demo` (also used by the agent tests and bench/edit):
#   talk.mp4    a talking clip: espeak-ng speech over testsrc2
#   talk.txt    what it says (its script)
#   broll1.mp4  b-roll: moving gradients
#   broll2.mp4  b-roll: a Mandelbrot zoom
#   music.wav   a music bed with a clear beat (120 BPM kick over a soft chord)
#   logo.png    a logo with an alpha channel (a badge with transparent rounded corners)
# usage: scripts/demo-media.sh DIR [WIDTHxHEIGHT] [TALK_REPEAT]
#   TALK_REPEAT: how many times the sentences are spoken (longer talk clip)
#   DEMO_TALK_TEXT: what the talking clip says (default: three sentences, about 16 s)
set -euo pipefail
dir=${1:?usage: demo-media.sh DIR [WxH] [REPEAT]}
size=${2:-640x360}
repeat=${3:-1}
w=${size%x*}
h=${size#*x}
mkdir -p "$dir"
ff() { ffmpeg -nostdin -v error -y "$@"; }

text=${DEMO_TALK_TEXT:-"Welcome to reel, the editing agent. It reads your footage and writes a plan.
Then it renders the plan with one FFmpeg run. Every render is scored, and a weak one is revised.
The best render is kept as the golden copy."}
all=$text
for ((i = 1; i < repeat; i++)); do all="$all
$text"; done
# espeak-ng: a fixed voice and speed, so the same bytes every time
espeak-ng -v en-us -s 150 -w "$dir/speech.wav" "$all"
# what the clip says: the script `reel edit --script` aligns to the speech
printf '%s\n' "$all" >"$dir/talk.txt"
ff -i "$dir/speech.wav" -af "apad=pad_dur=0.6,aresample=48000" -ac 1 "$dir/speech48.wav"
d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/speech48.wav")
ff -f lavfi -i "testsrc2=s=${size}:r=30:d=$d" -i "$dir/speech48.wav" \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 -shortest \
    "$dir/talk.mp4"
rm -f "$dir/speech.wav" "$dir/speech48.wav"

ff -f lavfi -i "gradients=s=${size}:r=30:d=5:speed=0.05:seed=7" \
    -f lavfi -i "anoisesrc=c=pink:a=0.02:r=48000:d=5:seed=3" \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -c:a aac -ac 2 -shortest "$dir/broll1.mp4"
ff -f lavfi -i "mandelbrot=s=${size}:r=30:end_scale=0.3,format=yuv420p" \
    -f lavfi -i "anoisesrc=c=brown:a=0.02:r=48000:d=5:seed=5" -t 5 \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -c:a aac -ac 2 -shortest "$dir/broll2.mp4"

# 120 BPM: a kick (a fast-decaying 55 Hz sine) every 0.5 s over a quiet A minor chord
ff -f lavfi -i "aevalsrc='0.7*sin(2*PI*55*t)*exp(-18*mod(t,0.5))+0.04*sin(2*PI*220*t)+0.03*sin(2*PI*261.63*t)+0.03*sin(2*PI*329.63*t)':s=48000:d=30" \
    -ac 2 "$dir/music.wav"

# a logo: a navy badge with rounded (transparent) corners, a white ring and a red dot
lw=$((w / 5))
ring="between(hypot(X-W/2,Y-H/2),W/5,W/3)"
dot="lt(hypot(X-W/2,Y-H/2),W/9)"
corner="gt(hypot(max(abs(X-W/2)-W*0.32,0),max(abs(Y-H/2)-H*0.32,0)),W*0.18)"
ff -f lavfi -i "color=c=black@0:s=${lw}x${lw},format=rgba" -frames:v 1 \
    -vf "geq=r='if($dot,230,if($ring,255,20))':g='if($dot,30,if($ring,255,40))':b='if($dot,40,if($ring,255,110))':a='if($corner,0,255)'" \
    "$dir/logo.png"
echo "$dir: talk.mp4 broll1.mp4 broll2.mp4 music.wav logo.png (${w}x${h})"
