#!/usr/bin/env bash
# reel render: usage, validation first, --dry-run, --json events, FFmpeg
# failures and cancellation, atomic output, byte-identical renders.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/render-lib.sh"

test_expect_success 'make sources and a plan' '
    clip "$TMP/red.mp4" red 2 440 &&
    clip "$TMP/blue.mp4" blue 2 880 &&
    ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white:s=64x32" -frames:v 1 "$TMP/logo.png" &&
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=300:d=1" "$TMP/music.wav" &&
    cat >"$TMP/p.json" <<EOT
{"schema":"reel.editplan/1","assets":{"red":"red.mp4","blue":"blue.mp4","logo":"logo.png","music":"music.wav"},
 "output":{"width":320,"height":180,"fps":30},
 "operations":[{"op":"cut","id":"a","asset":"red","in":0,"out":1.5},
  {"op":"transition","after":"a","kind":"dissolve","duration":0.5},
  {"op":"cut","asset":"blue","in":0.5,"out":2},
  {"op":"overlay","asset":"logo","position":"top-right","width":0.15,"opacity":0.8},
  {"op":"text","text":"Title","start":0.2,"end":1.5},
  {"op":"audio","asset":"music","loop":true,"volume_db":-12,"fade_out":0.5}]}
EOT
'
test_expect_code 2 'no arguments is a usage error' '"$REEL" render'
test_expect_code 2 'no output is a usage error' '"$REEL" render "$TMP/p.json"'
test_expect_code 2 'an unknown option is a usage error' '"$REEL" render "$TMP/p.json" -o "$TMP/x.mp4" --frobnicate'
test_expect_code 2 'a bad --asset is a usage error' '"$REEL" render "$TMP/p.json" -o "$TMP/x.mp4" --asset nolabel'
test_expect_code 1 'a missing plan file exits 1' '"$REEL" render "$TMP/nope.json" -o "$TMP/x.mp4"'
test_expect_success 'an invalid plan is reported in full, nothing rendered' '
    sed -e "s/\"kind\":\"dissolve\"/\"kind\":\"spin\"/" -e "s/\"asset\":\"blue\"/\"asset\":\"green\"/" "$TMP/p.json" >"$TMP/bad.json"
    set +e; "$REEL" render "$TMP/bad.json" -o "$TMP/bad.mp4" 2>"$TMP/err"; rc=$?; set -e
    cat "$TMP/err"; test $rc = 1
    grep -q "green" "$TMP/err" && grep -q "spin" "$TMP/err"
    test ! -e "$TMP/bad.mp4"
    set +e; "$REEL" render "$TMP/bad.json" -o "$TMP/bad.mp4" --json >"$TMP/out" 2>/dev/null; set -e
    grep -q "\"event\":\"invalid\"" "$TMP/out"
    test $(grep -o "\"code\":" "$TMP/out" | wc -l) -ge 2
'
test_expect_success '--dry-run prints pasteable commands and the filter scripts' '
    (cd "$TMP" && "$REEL" render p.json -o dry.mp4 --dry-run --preset ultrafast --threads 2) >"$TMP/dry"
    grep -q "^# loudness analysis" "$TMP/dry"
    grep -q "xfade=transition=dissolve" "$TMP/dry"
    grep -q -- "-filter_complex_script" "$TMP/dry"
    test ! -e "$TMP/dry.mp4"
    # paste both commands into a shell: the analysis runs, the render writes the file
    grep "^ffmpeg " "$TMP/dry" >"$TMP/cmds"
    test $(wc -l <"$TMP/cmds") = 2
    (cd "$TMP" && bash -e cmds >/dev/null 2>&1)
    test "$(frames "$TMP/dry.mp4")" = 75
'
test_expect_success '--dry-run --json gives argv arrays' '
    (cd "$TMP" && "$REEL" render p.json -o dry.mp4 --dry-run --json) >"$TMP/dry.json"
    grep -q "\"argv\":\[\"ffmpeg\"" "$TMP/dry.json"
    grep -q "\"frames\":75" "$TMP/dry.json"
'
test_expect_success '--json streams progress events and a final record for traces' '
    render "$TMP/p.json" "$TMP/j.mp4" --json >"$TMP/events"
    grep -q "\"event\":\"progress\".*\"phase\":\"loudness\"" "$TMP/events"
    grep -q "\"event\":\"progress\".*\"phase\":\"render\"" "$TMP/events"
    tail -n 1 "$TMP/events" | grep -q "\"event\":\"done\""
    tail -n 1 "$TMP/events" | grep -q "\"render_time_ms\":[0-9]"
    tail -n 1 "$TMP/events" | grep -q "\"cpu_user_ms\":[0-9]"
    tail -n 1 "$TMP/events" | grep -q "\"ffmpeg_args\":\"ffmpeg "
    test "$(frames "$TMP/j.mp4")" = 75
    ls -a "$TMP" | grep -v -q "reel-render" || true
    test -z "$(ls -a "$TMP" | grep -e "\.part$" -e "^\.reel-render")"
'
test_expect_success 'the same plan renders to identical bytes, with no creation time' '
    render "$TMP/p.json" "$TMP/d1.mp4" 2>/dev/null
    render "$TMP/p.json" "$TMP/d2.mp4" 2>/dev/null
    test "$(sha256sum <"$TMP/d1.mp4")" = "$(sha256sum <"$TMP/d2.mp4")"
    ! ffprobe -v error -show_entries format_tags:stream_tags "$TMP/d1.mp4" | grep -qi creation_time
'
test_expect_success 'ffmpeg missing: exit 3 with a clear message' '
    set +e; REEL_FFMPEG=/nonexistent/ffmpeg "$REEL" render "$TMP/p.json" -o "$TMP/m.mp4" 2>"$TMP/err"; rc=$?; set -e
    cat "$TMP/err"; test $rc = 3
    grep -q "ffmpeg" "$TMP/err"
'
test_expect_success 'an ffmpeg failure: exit 3, its status and error lines, no output left' '
    cat >"$TMP/fake-ffmpeg" <<\EOT
#!/bin/sh
for a; do out=$a; done
echo "ffmpeg version N-fake banner line" >&2
echo "[info] Input #0, lavfi" >&2
echo "[error] Error while filtering: something broke" >&2
echo partial >"$out"
exit 187
EOT
    chmod +x "$TMP/fake-ffmpeg"
    sed "s/\"fps\":30/\"fps\":30,\"audio\":{\"loudness_lufs\":null}/" "$TMP/p.json" >"$TMP/nl.json"
    set +e; REEL_FFMPEG="$TMP/fake-ffmpeg" "$REEL" render "$TMP/nl.json" -o "$TMP/f.mp4" 2>"$TMP/err"; rc=$?; set -e
    cat "$TMP/err"; test $rc = 3
    grep -q "status 187" "$TMP/err" && grep -q "something broke" "$TMP/err"
    ! grep -q "banner" "$TMP/err"
    test ! -e "$TMP/f.mp4" && test -z "$(ls -a "$TMP" | grep "\.part$")"
'
test_expect_success 'SIGTERM cancels: the child is killed, the partial output removed' '
    cat >"$TMP/slow-ffmpeg" <<\EOT
#!/bin/sh
for a; do out=$a; done
echo partial >"$out"
echo "progress=continue"
sleep 60
EOT
    chmod +x "$TMP/slow-ffmpeg"
    REEL_FFMPEG="$TMP/slow-ffmpeg" "$REEL" render "$TMP/nl.json" -o "$TMP/c.mp4" 2>"$TMP/err" &
    pid=$!
    for i in $(seq 50); do ls -a "$TMP" | grep -q "\.part$" && break; sleep 0.1; done
    t0=$(date +%s); kill -TERM $pid
    set +e; wait $pid; rc=$?; set -e
    cat "$TMP/err"; test $rc = 130
    test $(($(date +%s) - t0)) -lt 10
    test ! -e "$TMP/c.mp4" && test -z "$(ls -a "$TMP" | grep "\.part$")"
    ! pgrep -f "$TMP/slow-ffmpeg" >/dev/null
'
test_expect_success 'kill -9 of reel: its ffmpeg dies with it (no orphan renders)' '
    cat >"$TMP/slow2-ffmpeg" <<\EOT
#!/bin/sh
echo "progress=continue"
exec sleep 60
EOT
    chmod +x "$TMP/slow2-ffmpeg"
    REEL_FFMPEG="$TMP/slow2-ffmpeg" "$REEL" render "$TMP/nl.json" -o "$TMP/k.mp4" 2>/dev/null &
    pid=$!
    child=
    for i in $(seq 100); do child=$(pgrep -P $pid | head -n 1); [ -n "$child" ] && break; sleep 0.05; done
    test -n "$child"
    # the child is the program itself (the trampoline exec-ed it), in place
    for i in $(seq 50); do grep -q slow2-ffmpeg /proc/$child/cmdline 2>/dev/null && break; sleep 0.05; done
    kill -KILL $pid
    gone=no
    for i in $(seq 50); do kill -0 $child 2>/dev/null || { gone=yes; break; }; sleep 0.1; done
    test $gone = yes
'
test_expect_success 'a missing ffmpeg is still exit 3 with the name (through the trampoline)' '
    set +e; REEL_FFMPEG="$TMP/no-such-ffmpeg" "$REEL" render "$TMP/nl.json" -o "$TMP/m.mp4" 2>"$TMP/err"; rc=$?; set -e
    cat "$TMP/err"; test $rc = 3
    grep -q "no-such-ffmpeg" "$TMP/err"
'
test_done
