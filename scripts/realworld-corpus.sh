#!/usr/bin/env bash
# scripts/realworld-corpus.sh OUTDIR [NAME...]
#
# Small media files (about 320x180, 2-4 s) with the properties of what
# phones, browsers, screen recorders and editors write, made with ffmpeg's
# lavfi sources so that nothing is downloaded. Each file is checked with
# ffprobe for the property it stands for; a file whose encoder this ffmpeg
# lacks is skipped with a line "skip NAME: why" on stderr. With NAMEs, only
# those files are made. One line per file made: "NAME FILE".
# docs/media.md lists what reel does with each property.
set -u
out=${1:?usage: realworld-corpus.sh OUTDIR [NAME...]}
shift
mkdir -p "$out"
want=" $* "

FF=(ffmpeg -nostdin -v error -y)
SRC=(-f lavfi -i "testsrc2=s=320x180:r=30:d=3" -f lavfi -i "sine=f=440:r=48000:d=3")
X264=(-c:v libx264 -preset ultrafast -pix_fmt yuv420p)

have_encoder() { ffmpeg -hide_banner -encoders 2>/dev/null | grep -q " $1 "; }
skip() { echo "skip $1: $2" >&2; }
made() { echo "$1 $2"; }
# probe_is FILE ENTRY VALUE: ffprobe's -show_entries ENTRY prints VALUE
probe_is() {
    local got
    got=$(ffprobe -v error -show_entries "$2" -of default=nw=1:nk=1 "$1" | head -n 1)
    [ "$got" = "$3" ] || { echo "realworld-corpus: $1: $2 is '$got', not '$3'" >&2; return 1; }
}
wanted() { [ "$want" = "  " ] || [[ $want == *" $1 "* ]]; }

# gen NAME FILE CHECK... -- FFMPEG ARGS: make FILE (temp name, then
# rename) unless NAME is not wanted; CHECK is a shell command run on "$f".
gen() {
    local name=$1 file=$2
    shift 2
    wanted "$name" || return 0
    local check=() ext=${file##*.}
    while [ "$1" != -- ]; do check+=("$1"); shift; done
    shift
    local tmp="$out/.tmp-$name.$ext"
    if "$@" "$tmp" && f=$tmp eval "${check[*]:-true}"; then
        mv "$tmp" "$out/$file" && made "$name" "$out/$file"
    else
        rm -f "$tmp"
        echo "realworld-corpus: could not make $name" >&2
        return 1
    fi
}

rc=0
# A browser's MediaRecorder: VP9 + Opus written as a stream, no duration
# and no cues in the header (the output is a pipe).
if wanted live_webm; then
    if have_encoder libvpx-vp9 && have_encoder libopus; then
        "${FF[@]}" "${SRC[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k \
            -c:a libopus -f webm -live 1 - >"$out/.tmp-live.webm" &&
            probe_is "$out/.tmp-live.webm" format=duration N/A &&
            mv "$out/.tmp-live.webm" "$out/live.webm" && made live_webm "$out/live.webm" || rc=1
    else
        skip live_webm "no libvpx-vp9/libopus encoder"
    fi
fi
gen frag_mp4 frag.mp4 -- "${FF[@]}" "${SRC[@]}" "${X264[@]}" -c:a aac \
    -movflags frag_keyframe+empty_moov -frag_duration 500000 || rc=1
# Variable frame rate: frame durations of 20, 33 and 50 ms in turn.
gen vfr vfr.mp4 -- "${FF[@]}" -f lavfi -i "testsrc2=s=320x180:r=30:d=3" -f lavfi \
    -i "sine=f=440:r=48000:d=3" -vf "setpts='(floor(N/3)*103+eq(mod(N,3),1)*20+eq(mod(N,3),2)*53)/1000/TB'" \
    -fps_mode vfr -video_track_timescale 1000 "${X264[@]}" -c:a aac || rc=1
# A phone held upright: landscape pictures with a display matrix.
if wanted rot90 || wanted rot270; then
    "${FF[@]}" -f lavfi -i "testsrc2=s=320x180:r=30:d=3" -f lavfi -i "sine=f=440:r=48000:d=3" \
        "${X264[@]}" -c:a aac -shortest "$out/.tmp-land.mp4" || rc=1
    for deg in 90 270; do
        gen rot$deg rot$deg.mp4 'ffprobe -v error -show_streams "$f" | grep -q "rotation="' \
            -- "${FF[@]}" -i "$out/.tmp-land.mp4" -map 0 -c copy -metadata:s:v:0 rotate=$deg || rc=1
    done
    rm -f "$out/.tmp-land.mp4"
fi
gen audio_first audio-first.mp4 'probe_is "$f" stream=codec_type audio' -- \
    "${FF[@]}" "${SRC[@]}" -map 1:a -map 0:v "${X264[@]}" -c:a aac -shortest || rc=1
if wanted cover_mp3; then
    if have_encoder libmp3lame; then
        "${FF[@]}" -f lavfi -i "color=c=orange:s=300x300" -frames:v 1 "$out/.tmp-cover.png" &&
            gen cover_mp3 cover.mp3 -- "${FF[@]}" -f lavfi -i "sine=f=330:r=44100:d=4" \
                -i "$out/.tmp-cover.png" -map 0:a -map 1:v -c:a libmp3lame -b:a 96k -c:v mjpeg \
                -disposition:v attached_pic -id3v2_version 3 -metadata title="Song" || rc=1
        rm -f "$out/.tmp-cover.png"
    else
        skip cover_mp3 "no libmp3lame encoder"
    fi
fi
gen surround51 surround51.mp4 'probe_is "$f" stream=channels 6' -- "${FF[@]}" \
    -f lavfi -i "testsrc2=s=320x180:r=30:d=3" -f lavfi -i "sine=f=440:r=48000:d=3" \
    -map 0:v -map 1:a "${X264[@]}" -af "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0" -c:a aac || rc=1
gen mono mono.mp4 'probe_is "$f" stream=channels 1' -- "${FF[@]}" "${SRC[@]}" "${X264[@]}" -ac 1 \
    -c:a aac || rc=1
gen rate8k phone-8k.wav 'probe_is "$f" stream=sample_rate 8000' -- "${FF[@]}" \
    -f lavfi -i "sine=f=300:r=8000:d=3" -c:a pcm_s16le || rc=1
# HDR10: 10-bit HEVC, BT.2020 primaries, PQ transfer.
if have_encoder libx265; then
    gen hdr10 hdr10.mp4 'probe_is "$f" stream=color_transfer smpte2084' -- "${FF[@]}" \
        -f lavfi -i "testsrc2=s=320x180:r=30:d=3" -f lavfi -i "sine=f=440:r=48000:d=3" \
        -c:v libx265 -preset ultrafast -x265-params log-level=error:hdr10=1 -pix_fmt yuv420p10le \
        -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -tag:v hvc1 -c:a aac \
        -shortest || rc=1
    gen hevc hevc.mp4 -- "${FF[@]}" "${SRC[@]}" -c:v libx265 -preset ultrafast \
        -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1 -c:a aac -shortest || rc=1
elif wanted hdr10 || wanted hevc; then
    skip hdr10 "no libx265 encoder"
    skip hevc "no libx265 encoder"
fi
if have_encoder libvpx-vp9; then
    gen vp9 vp9.webm -- "${FF[@]}" "${SRC[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 \
        -b:v 300k -c:a libopus -shortest || rc=1
elif wanted vp9; then
    skip vp9 "no libvpx-vp9 encoder"
fi
av1=
for e in libsvtav1 librav1e libaom-av1; do have_encoder $e && { av1=$e; break; }; done
case $av1 in
libsvtav1) av1opt=(-preset 12) ;;
librav1e) av1opt=(-speed 10) ;;
libaom-av1) av1opt=(-cpu-used 8 -usage realtime) ;;
esac
if [ -n "$av1" ]; then
    SVT_LOG=1 gen av1 av1.mp4 'probe_is "$f" stream=codec_name av1' -- "${FF[@]}" "${SRC[@]}" -c:v $av1 \
        "${av1opt[@]}" -pix_fmt yuv420p -c:a aac -shortest || rc=1
elif wanted av1; then
    skip av1 "no AV1 encoder (libsvtav1, librav1e, libaom-av1)"
fi
gen prores prores.mov -- "${FF[@]}" "${SRC[@]}" -c:v prores_ks -profile:v 0 -pix_fmt yuv422p10le \
    -c:a pcm_s16le -shortest || rc=1
gen dnxhr dnxhr.mov -- "${FF[@]}" "${SRC[@]}" -c:v dnxhd -profile:v dnxhr_lb -pix_fmt yuv422p \
    -c:a pcm_s16le -shortest || rc=1
# Sizes a 4:2:0 encoder cannot halve: an odd width (4:4:4) and 1082 lines.
# (testsrc2 rounds its size to even numbers; testsrc does not.)
gen odd853 odd-853x480.mp4 'probe_is "$f" stream=width 853' -- "${FF[@]}" \
    -f lavfi -i "testsrc=s=853x480:r=30:d=2" -f lavfi -i "sine=f=440:r=48000:d=2" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac -shortest || rc=1
gen lines1082 lines-1082.mp4 'probe_is "$f" stream=height 1082' -- "${FF[@]}" \
    -f lavfi -i "testsrc2=s=1920x1082:r=30:d=2" -f lavfi -i "sine=f=440:r=48000:d=2" \
    "${X264[@]}" -c:a aac -shortest || rc=1
# DVD-style anamorphic: 720x480 pixels shown 16:9 (SAR 32:27).
gen anamorphic anamorphic.mp4 'probe_is "$f" stream=sample_aspect_ratio 32:27' -- "${FF[@]}" \
    -f lavfi -i "testsrc2=s=720x480:r=30:d=2" -f lavfi -i "sine=f=440:r=48000:d=2" \
    -vf setsar=32/27 "${X264[@]}" -c:a aac -shortest || rc=1
gen offset offset.mp4 'probe_is "$f" stream=start_time 10.000000' -- "${FF[@]}" "${SRC[@]}" \
    "${X264[@]}" -c:a aac -shortest -output_ts_offset 10 || rc=1
# A recording paused for a second: the pictures jump from 1.5 s to 2.5 s.
gen gap gap.mkv -- "${FF[@]}" -f lavfi -i "testsrc2=s=320x180:r=30:d=3" \
    -vf "setpts='PTS+gte(N,45)/TB'" -fps_mode passthrough "${X264[@]}" || rc=1
gen silent silent.mp4 -- "${FF[@]}" -f lavfi -i "testsrc2=s=320x180:r=30:d=3" "${X264[@]}" || rc=1
# A phone photo: pixels stored landscape, EXIF orientation 6 (turn 90
# clockwise to display). The APP1 segment is written by hand (no exiftool
# needed): TIFF header, one IFD entry, tag 0x0112 SHORT = 6.
if wanted exif_jpg; then
    "${FF[@]}" -f lavfi -i "testsrc2=s=320x180" -frames:v 1 "$out/.tmp-photo.jpg" &&
        { head -c 2 "$out/.tmp-photo.jpg"
          printf '\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01'
          printf '\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00'
          tail -c +3 "$out/.tmp-photo.jpg"; } >"$out/.tmp-exif.jpg" &&
        mv "$out/.tmp-exif.jpg" "$out/photo-exif6.jpg" && made exif_jpg "$out/photo-exif6.jpg" || rc=1
    rm -f "$out/.tmp-photo.jpg"
fi
gen gif anim.gif -- "${FF[@]}" -f lavfi -i "testsrc2=s=160x90:r=10:d=2" \
    -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" || rc=1
if wanted svg; then
    cat >"$out/.tmp-logo.svg" <<'EOF'
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">
  <rect x="5" y="5" width="190" height="90" rx="20" fill="#1e6fd9"/>
  <circle cx="50" cy="50" r="30" fill="#ffffff"/>
</svg>
EOF
    mv "$out/.tmp-logo.svg" "$out/logo.svg" && made svg "$out/logo.svg"
fi
# Broken and mislabelled files.
if wanted truncated; then
    "${FF[@]}" -f lavfi -i "testsrc2=s=320x180:r=30:d=4" -f lavfi -i "sine=f=440:r=48000:d=4" \
        "${X264[@]}" -c:a aac -shortest -movflags +faststart "$out/.tmp-full.mp4" &&
        head -c $(($(stat -c %s "$out/.tmp-full.mp4") / 2)) "$out/.tmp-full.mp4" >"$out/.tmp-trunc.mp4" &&
        mv "$out/.tmp-trunc.mp4" "$out/truncated.mp4" && made truncated "$out/truncated.mp4" || rc=1
    rm -f "$out/.tmp-full.mp4"
fi
# A camera that lost power: the index (moov) comes last and was never written.
if wanted unfinished; then
    "${FF[@]}" "${SRC[@]}" "${X264[@]}" -c:a aac -shortest "$out/.tmp-full.mp4" &&
        head -c $(($(stat -c %s "$out/.tmp-full.mp4") * 3 / 4)) "$out/.tmp-full.mp4" >"$out/.tmp-unf.mp4" &&
        mv "$out/.tmp-unf.mp4" "$out/unfinished.mp4" && made unfinished "$out/unfinished.mp4" || rc=1
    rm -f "$out/.tmp-full.mp4"
fi
gen lying_webm really-mp4.webm -- "${FF[@]}" "${SRC[@]}" "${X264[@]}" -c:a aac -shortest -f mp4 || rc=1
gen lying_jpg really-png.jpg -- "${FF[@]}" -f lavfi -i "testsrc2=s=320x180" -frames:v 1 -c:v png \
    -f image2 || rc=1
exit $rc
