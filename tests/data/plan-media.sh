# Sourced by the plan e2e tests (after lib.sh): make the small assets the
# plans in tests/plans/ name, in directory $1, and set PLAN_ASSETS to the
# matching --asset flags.
#   clip  4 s video with sound, 320x180, 30 fps   clip2  3 s, same
#   still 64x32 png with alpha                    music  6 s wav
#   look  a 2x2x2 .cube LUT
plan_media() {
    local d=$1
    mkdir -p "$d"
    make_testsrc "$d/clip.mp4" 4
    make_testsrc "$d/clip2.mp4" 3
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=red@0.5:s=64x32,format=rgba" -frames:v 1 "$d/still.png"
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=220:r=48000:d=6" "$d/music.wav"
    { echo "LUT_3D_SIZE 2"; for i in 1 2 3 4 5 6 7 8; do echo "0.1 0.2 0.3"; done; } >"$d/look.cube"
    PLAN_ASSETS=(--asset "clip=$d/clip.mp4" --asset "clip2=$d/clip2.mp4" --asset "still=$d/still.png"
                 --asset "music=$d/music.wav" --asset "look=$d/look.cube")
}
