# Shell test library in git's test_expect_success style. Source it from a
# tests/e2e/tNNNN-name.sh script, then call test_expect_success and test_done.
#   $REEL     the reel binary under test (absolute path)
#   $TMP      a scratch directory for this script, removed at the end
#   $REEL_DATA_DIR  a fresh data directory (SQLite database, media store)
set -u
: "${BUILD:=build}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REEL="$ROOT/$BUILD/reel"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/reel-e2e-XXXXXX")
export REEL_DATA_DIR="$TMP/data"
export LC_ALL=C
trap 'rm -rf "$TMP"' EXIT
SHARED_MEDIA="$ROOT/../shared/media"
_passed=0; _failed=0; _skipped=0; _n=0

test_expect_success() {
    local desc=$1 body=$2 out
    _n=$((_n + 1))
    out=$( (set -e; eval "$body") 2>&1 )
    if [ $? -eq 0 ]; then
        _passed=$((_passed + 1)); echo "ok $_n - $desc"
    else
        _failed=$((_failed + 1)); echo "not ok $_n - $desc"
        printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
    fi
}

# test_expect_code CODE "desc" 'commands': the last command exits with CODE.
test_expect_code() {
    local code=$1; shift
    test_expect_success "$1" "set +e
$2
test \$? -eq $code"
}

test_skip() {
    _n=$((_n + 1)); _skipped=$((_skipped + 1)); echo "ok $_n - $1 # skip: $2"
}

test_done() {
    echo "# $(basename "$0"): $_passed passed, $_failed failed, $_skipped skipped"
    [ $_failed -eq 0 ]
}

# Helpers for media made by the tests (small: 320x180).
make_testsrc() { # FILE SECONDS [extra ffmpeg output args]
    local f=$1 d=$2; shift 2
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=320x180:r=30:d=$d" \
        -f lavfi -i "sine=f=440:r=48000:d=$d" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -c:a aac -shortest "$@" "$f"
}
make_color() { # FILE COLOR SECONDS
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$2:s=320x180:r=30:d=$3" \
        -f lavfi -i "sine=f=440:r=48000:d=$3" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -c:a aac -shortest "$1"
}
# mean colour of a frame at time T as "R G B" (0..255) of region WxH+X+Y (default whole).
frame_rgb() { # FILE T [crop=w:h:x:y]
    local crop=${3:-}
    local vf="scale=iw:ih"
    [ -n "$crop" ] && vf="crop=$crop"
    ffmpeg -nostdin -v error -ss "$2" -i "$1" -frames:v 1 -vf "$vf,scale=1:1:flags=area,format=rgb24" \
        -f rawvideo - | od -An -tu1 | awk '{print $1, $2, $3}'
}
