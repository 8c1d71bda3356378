#!/usr/bin/env bash
# reel export: every format is written from the same snapped timeline that
# `reel plan timeline` prints; hostile text and paths are escaped per format.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http-lib.sh"
. "$(dirname "$0")/agent-media.sh"
cd "$TMP"
D="$TMP/we'ird <&> dir ü"
mkdir -p "$D"
make_color "$D/red.mp4" red 3
make_color "$D/green.mp4" green 3
make_color "$D/blue.mp4" blue 3
ASSETS=(--asset "red=$D/red.mp4" --asset "green_clip_one=$D/green.mp4"
        --asset "green_clip_two=$D/blue.mp4")
cat >plan.json <<'JSON'
{"title": "A \"quoted\" <&> title\nline two", "output": {"fps": 30, "width": 320, "height": 180},
 "operations": [
  {"op": "cut", "id": "a", "asset": "red", "in": 0, "out": 2},
  {"op": "transition", "after": "a", "kind": "crossfade", "duration": 0.5},
  {"op": "cut", "id": "b", "asset": "green_clip_one", "in": 0.5, "out": 2.5},
  {"op": "cut", "id": "c", "asset": "green_clip_two", "in": 1, "out": 2, "speed": 2},
  {"op": "text", "text": "Héllo <b> & \"q\"\n\nsecond -->", "start": 0.2, "end": 1.5}
 ]}
JSON

test_expect_success 'the plan has a timeline of 120 frames' '
    "$REEL" plan timeline plan.json "${ASSETS[@]}" --json >tl.json
    test "$(jq .total_frames tl.json)" = 120
'
test_expect_success 'otio: track lengths equal the timeline, clips in the asset rate' '
    "$REEL" export plan.json --format otio "${ASSETS[@]}" -o out.otio
    test "$(ls | grep -c "out.otio")" = 1
    jq -e ".OTIO_SCHEMA == \"Timeline.1\" and .tracks.OTIO_SCHEMA == \"Stack.1\"" out.otio
    total=$(jq .total_frames tl.json)
    for t in 0 1; do
        got=$(jq "[.tracks.children[$t].children[] | select(.OTIO_SCHEMA != \"Transition.1\") |
                   .source_range.duration.value / (.source_range.duration.rate / 30) /
                   ((.effects[0].time_scalar) // 1)] | add | round" out.otio)
        test "$got" = "$total"
    done
    jq -e "[.tracks.children[0].children[] | .OTIO_SCHEMA] ==
           [\"Clip.2\", \"Transition.1\", \"Clip.2\", \"Clip.2\"]" out.otio
    jq -e ".tracks.children[0].children[1] | .transition_type == \"SMPTE_Dissolve\" and
           .in_offset.value + .out_offset.value == 15" out.otio
    jq -e ".tracks.children[0].children[3].effects[0] | .OTIO_SCHEMA == \"LinearTimeWarp.1\" and .time_scalar == 2" out.otio
    url=$(jq -r ".tracks.children[0].children[0].media_references.DEFAULT_MEDIA.target_url" out.otio)
    case $url in file:///*we%27ird%20%3C%26%3E%20dir%20%C3%BC/red.mp4) ;; *) echo "url $url"; false;; esac
    jq -e ".name == \"A \\\"quoted\\\" <&> title\\nline two\"" out.otio
'
test_expect_success 'edl: record times are the timeline frames, reel names unique' '
    "$REEL" export plan.json --format edl "${ASSETS[@]}" >out.edl
    head -n 2 out.edl | grep -Fx "TITLE: A \"quoted\" <&> title line two"
    grep -Fx "FCM: NON-DROP FRAME" out.edl
    grep -E "^001  RED +V +C +00:00:00:00 00:00:01:15 00:00:00:00 00:00:01:15$" out.edl
    grep -E "^002  GREENCLI V +D +015 00:00:00:15 00:00:02:15 00:00:01:15 00:00:03:15$" out.edl
    grep -E "^003  GREENCL2 V +C +00:00:01:00 00:00:02:00 00:00:03:15 00:00:04:00$" out.edl
    grep -Fx "* FROM CLIP NAME: green_clip_two" out.edl
    test -z "$(grep -E "^[0-9]{3}  " out.edl | awk "{print \$2}" | awk "length > 8")"
'
test_expect_success 'edl at 29.97: drop-frame timecode past the first minute; 25 fps is non-drop' '
    make_color long.mp4 blue 62
    cat >df.json <<-\JSON
	{"output": {"fps": 29.97, "width": 320, "height": 180},
	 "operations": [
	  {"op": "cut", "id": "a", "asset": "long", "in": 0, "out": 61},
	  {"op": "cut", "id": "b", "asset": "red", "in": 0.5, "out": 1.5}]}
	JSON
    "$REEL" plan timeline df.json --asset long=long.mp4 --asset "red=$D/red.mp4" --json >dftl.json
    test "$(jq ".spans[1].start_frame" dftl.json)" = 1828
    "$REEL" export df.json --asset long=long.mp4 --asset "red=$D/red.mp4" --format edl >df.edl
    cat df.edl
    grep -Fx "FCM: DROP FRAME" df.edl
    # frame 1828 is 00:01:01;00 (;00 and ;01 of minute 1 are skipped); 15 source frames = ;15
    grep -E "^001  LONG +V +C +00:00:00;00 00:01:01;00 00:00:00;00 00:01:01;00$" df.edl
    grep -E "^002  RED +V +C +00:00:00;15 00:00:01;15 00:01:01;00 00:01:02;00$" df.edl
    sed "s/29.97/25/" df.json >ndf.json
    "$REEL" export ndf.json --asset long=long.mp4 --asset "red=$D/red.mp4" --format edl >ndf.edl
    grep -Fx "FCM: NON-DROP FRAME" ndf.edl
    grep -E "^002  RED +V +C +00:00:00:13 00:00:01:13 00:01:01:00 00:01:02:00$" ndf.edl
'
test_expect_success 'srt and vtt: text at the snapped times, escaped for each format' '
    "$REEL" export plan.json --format srt "${ASSETS[@]}" >out.srt
    "$REEL" export plan.json --format vtt "${ASSETS[@]}" >out.vtt
    printf "1\n00:00:00,200 --> 00:00:01,500\nHéllo <b> & \"q\"\nsecond -->\n\n" | cmp - out.srt
    printf "WEBVTT\n\n00:00:00.200 --> 00:00:01.500\nHéllo &lt;b&gt; &amp; \"q\"\nsecond --&gt;\n\n" | cmp - out.vtt
'
test_expect_success 'srt/vtt with --transcripts: the cues the render burns, through the cuts' '
    make_testsrc talk.mp4 6
    cat >tplan.json <<-\JSON
	{"output": {"fps": 30, "width": 320, "height": 180},
	 "operations": [
	  {"op": "cut", "id": "a", "asset": "talk", "in": 2, "out": 4},
	  {"op": "cut", "id": "b", "asset": "talk", "in": 0.5, "out": 1.5, "speed": 0.5},
	  {"op": "text", "text": "Title", "start": 0, "end": 1},
	  {"op": "captions", "source": "transcript", "style": {"max_chars_per_line": 20, "max_lines": 1}}
	 ]}
	JSON
	cat >tr.json <<-\JSON
	{"talk": {"words": [
	  {"start": 0.6, "end": 0.9, "word": "Before"}, {"start": 1.0, "end": 1.2, "word": "slow"},
	  {"start": 2.1, "end": 2.4, "word": "Hello"}, {"start": 2.4, "end": 2.8, "word": "<world>"},
	  {"start": 2.9, "end": 3.3, "word": "&"}, {"start": 3.3, "end": 3.9, "word": "everyone."}]}}
	JSON
    "$REEL" export tplan.json --asset talk=talk.mp4 --format srt --transcripts tr.json >t.srt 2>terr.txt
    test ! -s terr.txt
    "$REEL" export tplan.json --asset talk=talk.mp4 --format vtt --transcripts=tr.json >t.vtt
    # the word at 2.1 s of a cut from 2 s starts the first caption at 0.1 s
    grep -Fx "00:00:00,100 --> 00:00:01,300" t.srt
    grep -Fx "Hello <world> &" t.srt
    grep -Fx "Hello &lt;world&gt; &amp;" t.vtt
    # the render dry run leaves the ASS file it burns: the same cues, times and text
    mkdir dry && (cd dry && "$REEL" render ../tplan.json --asset talk=../talk.mp4 \
        --transcripts ../tr.json --dry-run -o x.mp4 >/dev/null 2>&1)
    grep -h "^Dialogue:" dry/.reel-dry-run-*/captions-*.ass |
        awk -F, "{ t = \$0; sub(/^([^,]*,){9}/, \"\", t); print \$2 \" \" \$3 \" \" t }" >ass.txt
    python3 - t.srt <<-\PY >srt.txt
	import re, sys
	blocks = open(sys.argv[1]).read().strip().split("\n\n")
	cs = lambda t: "%d:%02d:%02d.%02d" % (int(t[:2]), int(t[3:5]), int(t[6:8]), round(int(t[9:12]) / 10))
	for b in blocks:
	    n, times, *text = b.split("\n")
	    a, z = times.split(" --> ")
	    if text != ["Title"]:  # the text op is drawn by drawtext, not in the ASS file
	        print(cs(a), cs(z), "\\N".join(text))
	PY
    cat ass.txt srt.txt
    test "$(wc -l <ass.txt)" = 3
    cmp ass.txt srt.txt
'
test_expect_success 'without --transcripts the transcript captions are reported as left out' '
    "$REEL" export tplan.json --asset talk=talk.mp4 --format srt >t2.srt 2>terr.txt
    grep -F "warning: 1 captions op with source \"transcript\" left out" terr.txt
    test "$(grep -c -- "-->" t2.srt)" = 1
    ! "$REEL" export tplan.json --asset talk=talk.mp4 --format srt --transcripts nope.json 2>/dev/null
'
test_expect_success 'fcpxml: well-formed, spine offsets are the timeline frames' '
    "$REEL" export plan.json --format fcpxml "${ASSETS[@]}" -o out.fcpxml
    xmllint --noout out.fcpxml
    python3 - out.fcpxml tl.json <<-\PY
	import json, sys, xml.etree.ElementTree as ET
	from fractions import Fraction as F
	t = lambda s: F(s[:-1]) * 30
	root = ET.parse(sys.argv[1]).getroot()
	tl = json.load(open(sys.argv[2]))
	assert root.get("version") == "1.9"
	seq = root.find("library/event/project/sequence")
	assert t(seq.get("duration")) == tl["total_frames"]
	assert root.find("library/event/project").get("name") == json.load(open("plan.json"))["title"]
	spine = list(seq.find("spine"))
	assert [e.tag for e in spine] == ["asset-clip", "transition", "asset-clip", "asset-clip"]
	cuts = [s for s in tl["spans"] if s["op"] == "cut"]
	tr = [s for s in tl["spans"] if s["op"] == "transition"][0]
	assert t(spine[1].get("offset")) == tr["start_frame"]
	assert t(spine[1].get("duration")) == tr["end_frame"] - tr["start_frame"]
	clips = [e for e in spine if e.tag == "asset-clip"]
	end = 0
	for c in clips:  # abutting, the last ends where the timeline ends
	    assert t(c.get("offset")) == end, (c.attrib, end)
	    end = t(c.get("offset")) + t(c.get("duration"))
	assert end == tl["total_frames"]
	assert t(clips[2].get("offset")) == cuts[2]["start_frame"]
	assert t(clips[0].get("start")) == cuts[0]["in_frame"]
	assert "we%27ird%20%3C%26%3E%20dir%20%C3%BC" in root.find("resources/asset/media-rep").get("src")
	PY
'
test_expect_success 'mlt: melt renders it with the frame count and shot colours of reel render' '
    "$REEL" export plan.json --format mlt "${ASSETS[@]}" -o out.mlt
    xmllint --noout out.mlt
    melt -quiet out.mlt -consumer avformat:mlt.mp4 vcodec=libx264 an=1 >melt.log 2>&1
    "$REEL" render plan.json "${ASSETS[@]}" -o reel.mp4 >/dev/null
    count() { ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
    test "$(count mlt.mp4)" = "$(count reel.mp4)"
    # shot middles: red 0..45, green 60..105, blue 105..120 (30 fps); tolerance 32 per channel (melt and reel scale colour ranges slightly differently: green 150 vs 128 seen)
    for t in 0.75 2.75 3.75; do
        a=$(frame_rgb mlt.mp4 $t) b=$(frame_rgb reel.mp4 $t)
        echo "t=$t melt $a reel $b"
        set -- $a $b
        awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v e="$5" -v f="$6" \
            "BEGIN { x = a - d; y = b - e; z = c - f; exit !(x*x < 1024 && y*y < 1024 && z*z < 1024) }"
    done
'
test_expect_success 'mlt: music mixed in at its volume, text drawn where the op puts it' '
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=f=1000:r=48000:d=10" -ac 2 music.wav
    cat >am.json <<-\JSON
	{"output": {"fps": 30, "width": 320, "height": 180},
	 "operations": [
	  {"op": "cut", "id": "a", "asset": "red", "in": 0, "out": 2},
	  {"op": "cut", "id": "b", "asset": "red", "in": 0.5, "out": 2.5},
	  {"op": "cut", "id": "c", "asset": "red", "in": 1, "out": 3},
	  {"op": "audio", "asset": "music", "start": 1, "end": 5, "volume_db": 0},
	  {"op": "text", "text": "Hi <&> #timecode#", "start": 2.5, "end": 3.5, "position": "bottom",
	   "style": {"size": 0.2, "color": "#FFFF00"}}
	 ]}
	JSON
    A=(--asset "red=$D/red.mp4" --asset music=music.wav)
    "$REEL" export am.json "${A[@]}" --format mlt -o am.mlt
    xmllint --noout am.mlt
    sed "s/\"volume_db\": 0/\"volume_db\": -12/" am.json >am12.json
    "$REEL" export am12.json "${A[@]}" --format mlt -o am12.mlt
    jq "del(.operations[4])" am.json >notext.json
    "$REEL" export notext.json "${A[@]}" --format mlt -o notext.mlt
    for f in am am12 notext; do melt -quiet $f.mlt -consumer avformat:$f.mp4 vcodec=libx264 acodec=aac >melt.log 2>&1; done
    lvl() { # FILE FREQ T: RMS dB of a band around FREQ over 0.4 s from T
        ffmpeg -nostdin -v error -ss "$3" -t 0.4 -i "$1" -vn -af "bandpass=f=$2:width_type=q:w=8,astats=metadata=1:reset=0,ametadata=print:key=lavfi.astats.Overall.RMS_level:file=-" -f null - | tail -n 1 | sed "s/.*=//"
    }
    # the clip tone (440 Hz) in every cut, also cut b on the B track; music only over 1..5 s
    for t in 0.3 2.5 5.5; do l=$(lvl am.mp4 440 $t); echo "440 at $t: $l"; awk -v l="$l" "BEGIN { exit !(l > -35) }"; done
    m0=$(lvl am.mp4 1000 0.3) m1=$(lvl am.mp4 1000 2.5) m12=$(lvl am12.mp4 1000 2.5) m2=$(lvl am.mp4 1000 5.5)
    echo "1000 Hz: before $m0, in $m1, at -12 dB $m12, after $m2"
    awk -v a="$m0" -v b="$m1" -v c="$m2" "BEGIN { exit !(b > a + 12 && b > c + 12) }"
    awk -v b="$m1" -v c="$m12" "BEGIN { d = b - c; exit !(d > 10 && d < 14) }"
    # yellow text at the bottom: the bottom band is brighter (more green) with it than without
    with=$(frame_rgb am.mp4 3.0 320:40:0:135) without=$(frame_rgb notext.mp4 3.0 320:40:0:135)
    top=$(frame_rgb am.mp4 3.0 320:40:0:0)
    echo "bottom with text $with, without $without, top $top"
    set -- $with $without $top
    test "$2" -gt $(( $5 + 20 ))
    test "$8" -lt $(( $5 + 8 ))
    grep -F "<property name=\"argument\">Hi &lt;&amp;&gt; #timecode#</property>" am.mlt
'
test_expect_success 'a stored job: its plan version with the stored assets' '
    make_testsrc src.mp4 3
    "$REEL" edit --brief "a short video" --max-revisions 1 src.mp4 -o edit.mp4 >/dev/null 2>&1
    job=$("$REEL" jobs --json | jq -r ".[0].id // .jobs[0].id")
    "$REEL" export "$job" --format edl >job.edl
    grep -F "* SOURCE FILE: $REEL_DATA_DIR/media/$job/src.mp4" job.edl
    "$REEL" export "${job%%-*}" --version 1 --format otio | jq -e ".OTIO_SCHEMA == \"Timeline.1\""
    ! "$REEL" export "$job" --version 9 --format edl 2>err.txt
    grep -F "no plan version 9" err.txt
'
test_expect_success 'a stored job with transcript captions: the script aligned for it captions the export' '
    agent_media
    "$REEL" edit --brief "a short teaser of the talk with captions" "$M/talk.mp4" \
        --script "$M/talk.txt" --max-revisions 1 -o talk-edit.mp4 --json >talk.jsonl 2>/dev/null || true
    jget talk.jsonl .job >talk.job
    tjob=$(cat talk.job)
    "$REEL" export "$tjob" --version 1 --format srt >job.srt 2>job.err
    cat job.srt
    test ! -s job.err
    grep -q -- "-->" job.srt
    grep -q "Welcome to reel" job.srt
    ! "$REEL" export "$tjob" --format srt --transcripts tr.json 2>err.txt
    grep -F "a stored job has its own" err.txt
'
test_expect_success 'GET /api/jobs/{id}/plans/{v}/export: a download, 400 naming an unknown format' '
    key=$("$REEL" keys create --user 00000000-0000-4000-8000-000000000001 --admin 2>/dev/null | tail -n 1)
    serve_start
    job=$("$REEL" jobs --json | jq -r ".[0].id // .jobs[0].id")
    H="Authorization: Bearer $key"
    curl -s -D hdr.txt -H "$H" "$BASE/api/jobs/$job/plans/1/export?format=vtt" -o http.vtt
    grep -i "^content-type: text/vtt" hdr.txt
    grep -i "^content-disposition: attachment; filename=\"$job-v1.vtt\"" hdr.txt
    head -n 1 http.vtt | grep -Fx WEBVTT
    test "$(curl -s -o bad.json -w "%{http_code}" -H "$H" "$BASE/api/jobs/$job/plans/1/export?format=bogus")" = 400
    grep -F "unknown export format '"'"'bogus'"'"'" bad.json
    test "$(curl -s -o /dev/null -w "%{http_code}" -H "$H" "$BASE/api/jobs/$job/plans/7/export?format=srt")" = 404
    # the API captions a job from its transcripts as the CLI does
    tjob=$(cat talk.job)
    curl -s -H "$H" "$BASE/api/jobs/$tjob/plans/1/export?format=srt" -o http.srt
    cmp job.srt http.srt
    serve_stop
'
test_expect_code 2 'an unknown format is a usage error naming it' '
    "$REEL" export plan.json --format bogus 2>err.txt; st=$?
    grep -F "unknown format '"'"'bogus'"'"'" err.txt; (exit $st)
'
test_expect_code 1 'an invalid plan is not exported' '
    echo "{\"operations\": [{\"op\": \"cut\", \"asset\": \"nope\", \"in\": 0, \"out\": 1}]}" >bad.json
    "$REEL" export bad.json --format edl
'
test_done
