#!/usr/bin/env python3
"""Writes tests/plans/invalid/*.json and tests/data/plan-invalid.tsv.

Each invalid plan is the same small valid plan with exactly one defect, named
after the defect. The table says which error the validator must report
(code and JSON path) and whether the JSON Schema can see the defect
("schema" = the schema rejects it too; "semantic" = only the validator can:
asset facts, references, cross-field rules). The generated files are
committed; run this again after changing it.
Assets (made by the tests): clip 4 s video+sound 320x180 30 fps, clip2 3 s,
still (png), music (wav), look (.cube).
"""
import copy, json, os

here = os.path.dirname(os.path.abspath(__file__))
BASE = {
    "schema": "reel.editplan/1",
    "title": "base",
    "operations": [
        {"op": "cut", "id": "a", "asset": "clip", "in": 0, "out": 2},
        {"op": "transition", "after": "a", "duration": 0.5},
        {"op": "cut", "id": "b", "asset": "clip", "in": 2, "out": 4},
    ],
}  # D = 3.5 s
OPS = "$.operations"
cases = []


def case(name, code, path, kind, fn=None, raw=None):
    cases.append((name, code, path, kind, fn, raw))


def op0(**kw):
    def f(p):
        p["operations"][0].update(kw)
    return f


def add(op):
    def f(p):
        p["operations"].append(op)
    return f


def out(**kw):
    def f(p):
        p.setdefault("output", {}).update(kw)
    return f


def outsub(sub, **kw):
    def f(p):
        p.setdefault("output", {}).setdefault(sub, {}).update(kw)
    return f


def setk(k, v):
    def f(p):
        p[k] = v
    return f


S, M = "schema", "semantic"
A3 = OPS + "[3]"
# document
case("not-an-object", "wrong_type", "$", S, raw="[1, 2, 3]\n")
case("operations-missing", "required", OPS, S, lambda p: p.pop("operations"))
case("operations-not-array", "wrong_type", OPS, S, setk("operations", {"op": "cut"}))
case("unknown-top-key", "unknown_key", "$.outptu", S, setk("outptu", {}))
case("schema-version-2", "unsupported", "$.schema", S, setk("schema", "reel.editplan/2"))
case("title-not-string", "wrong_type", "$.title", S, setk("title", 5))
case("assets-path-number", "wrong_type", "$.assets.clip", S, setk("assets", {"clip": 5}))
case("op-missing", "required", A3 + ".op", S, add({"asset": "clip", "in": 0, "out": 1}))
case("op-unknown", "bad_value", A3 + ".op", S, add({"op": "zoom"}))
case("operation-not-object", "wrong_type", A3, S, add("cut"))
case("id-bad-chars", "bad_value", OPS + "[0].id", S, op0(id="a b"))
# cut
case("cut-unknown-key", "unknown_key", OPS + "[0].volume", S, op0(volume=-3))
case("cut-asset-missing", "required", A3 + ".asset", S, add({"op": "cut", "in": 0, "out": 1}))
case("cut-asset-bad-label", "bad_value", OPS + "[0].asset", S, op0(asset="My Clip"))
case("cut-in-wrong-type", "wrong_type", OPS + "[0].in", S, op0(**{"in": "0"}))
case("cut-in-negative", "out_of_range", OPS + "[0].in", S, op0(**{"in": -1}))
case("cut-in-huge", "out_of_range", OPS + "[0].in", S, op0(**{"in": 1e300}))
case("cut-speed-too-fast", "out_of_range", OPS + "[0].speed", S, op0(speed=5))
case("cut-volume-too-loud", "out_of_range", OPS + "[0].volume_db", S, op0(volume_db=20))
case("cut-mute-not-bool", "wrong_type", OPS + "[0].mute", S, op0(mute="yes"))
case("cut-fit-unknown", "bad_value", OPS + "[0].fit", S, op0(fit="zoom"))
case("cut-focus-out-of-range", "out_of_range", OPS + "[0].focus.x", S, op0(focus={"x": 1.5, "y": 0.5}))
case("cut-focus-missing-y", "required", OPS + "[0].focus.y", S, op0(focus={"x": 0.5}))
case("cut-duration-negative", "out_of_range", A3 + ".duration", S, add({"op": "cut", "asset": "still", "duration": -1}))
# transition
case("transition-kind-unknown", "bad_value", OPS + "[1].kind", S, lambda p: p["operations"][1].update(kind="spin"))
case("transition-duration-zero", "out_of_range", OPS + "[1].duration", S, lambda p: p["operations"][1].update(duration=0))
case("transition-after-missing", "required", OPS + "[1].after", S, lambda p: p["operations"][1].pop("after"))
# overlay
case("overlay-width-zero", "out_of_range", A3 + ".width", S, add({"op": "overlay", "asset": "still", "width": 0}))
case("overlay-position-unknown", "bad_value", A3 + ".position", S, add({"op": "overlay", "asset": "still", "position": "middle"}))
case("overlay-position-wrong-type", "wrong_type", A3 + ".position", S, add({"op": "overlay", "asset": "still", "position": 5}))
case("overlay-opacity-too-high", "out_of_range", A3 + ".opacity", S, add({"op": "overlay", "asset": "still", "opacity": 1.5}))
case("overlay-margin-too-big", "out_of_range", A3 + ".margin", S, add({"op": "overlay", "asset": "still", "margin": 0.6}))
# text
case("text-empty", "bad_value", A3 + ".text", S, add({"op": "text", "text": ""}))
case("text-too-long", "too_long", A3 + ".text", S, add({"op": "text", "text": "x" * 501}))
case("text-missing", "required", A3 + ".text", S, add({"op": "text", "start": 0}))
case("text-color-name", "bad_value", A3 + ".style.color", S, add({"op": "text", "text": "hi", "style": {"color": "red"}}))
case("text-style-unknown-key", "unknown_key", A3 + ".style.weight", S, add({"op": "text", "text": "hi", "style": {"weight": "bold"}}))
case("text-style-highlight", "unknown_key", A3 + ".style.highlight", S, add({"op": "text", "text": "hi", "style": {"highlight": "#FF0000"}}))
case("text-size-too-big", "out_of_range", A3 + ".style.size", S, add({"op": "text", "text": "hi", "style": {"size": 2}}))
# captions
case("captions-position-left", "bad_value", A3 + ".position", S, add({"op": "captions", "position": "left"}))
case("captions-max-lines-zero", "out_of_range", A3 + ".style.max_lines", S, add({"op": "captions", "style": {"max_lines": 0}}))
case("captions-cue-missing-text", "required", A3 + ".cues[0].text", S, add({"op": "captions", "source": "cues", "cues": [{"start": 0, "end": 1}]}))
# audio, color, fade
case("audio-duck-under-music", "bad_value", A3 + ".duck.under", S, add({"op": "audio", "asset": "music", "duck": {"under": "music"}}))
case("audio-loop-not-bool", "wrong_type", A3 + ".loop", S, add({"op": "audio", "asset": "music", "loop": 1}))
case("color-contrast-too-high", "out_of_range", A3 + ".contrast", S, add({"op": "color", "contrast": 4}))
case("color-gamma-zero", "out_of_range", A3 + ".gamma", S, add({"op": "color", "gamma": 0}))
case("fade-kind-missing", "required", A3 + ".kind", S, add({"op": "fade", "duration": 1}))
case("fade-kind-sideways", "bad_value", A3 + ".kind", S, add({"op": "fade", "kind": "sideways"}))
# output
case("output-width-odd", "bad_value", "$.output.width", S, out(width=321, height=180))
case("output-width-too-small", "out_of_range", "$.output.width", S, out(width=8))
case("output-height-float", "wrong_type", "$.output.height", S, out(height=180.5))
case("output-fps-31", "bad_value", "$.output.fps", S, out(fps=31))
case("output-aspect-21-9", "bad_value", "$.output.aspect", S, out(aspect="21:9"))
case("output-codec-prores", "bad_value", "$.output.video.codec", S, outsub("video", codec="prores"))
case("output-crf-fractional", "wrong_type", "$.output.video.crf", S, outsub("video", crf=20.5))
case("output-crf-too-high", "out_of_range", "$.output.video.crf", S, outsub("video", crf=60))
case("output-preset-unknown", "bad_value", "$.output.video.preset", S, outsub("video", preset="insane"))
case("output-sample-rate-22050", "bad_value", "$.output.audio.sample_rate", S, outsub("audio", sample_rate=22050))
case("output-bitrate-too-low", "out_of_range", "$.output.audio.bitrate_kbps", S, outsub("audio", bitrate_kbps=16))
case("output-loudness-too-loud", "out_of_range", "$.output.audio.loudness_lufs", S, outsub("audio", loudness_lufs=0))
case("output-container-avi", "bad_value", "$.output.container", S, out(container="avi"))
case("output-background-alpha", "bad_value", "$.output.background", S, out(background="#00000080"))
# semantic: the schema cannot know asset facts, references or cross-field rules
case("cut-out-past-end", "out_of_range", OPS + "[2].out", M, lambda p: p["operations"][2].update(out=15.5))
case("cut-out-before-in", "out_of_range", OPS + "[0].out", M, op0(**{"in": 1.5, "out": 1}))
case("cut-in-past-end", "out_of_range", A3 + ".in", M, add({"op": "cut", "asset": "clip", "in": 5, "out": 6}))
case("cut-unknown-asset", "unknown_asset", OPS + "[0].asset", M, op0(asset="nosuch"))
case("cut-audio-asset", "wrong_asset_kind", A3 + ".asset", M, add({"op": "cut", "asset": "music", "in": 0, "out": 1}))
case("cut-lut-asset", "wrong_asset_kind", A3 + ".asset", M, add({"op": "cut", "asset": "look", "duration": 1}))
case("cut-image-with-in-out", "bad_value", A3 + ".in", M, add({"op": "cut", "asset": "still", "in": 0, "out": 2}))
case("cut-image-without-duration", "required", A3 + ".duration", M, add({"op": "cut", "asset": "still"}))
case("cut-image-with-speed", "bad_value", A3 + ".speed", M, add({"op": "cut", "asset": "still", "duration": 1, "speed": 2}))
case("cut-video-without-out", "required", A3 + ".out", M, add({"op": "cut", "asset": "clip", "in": 0}))
case("cut-video-with-duration", "bad_value", A3 + ".duration", M, add({"op": "cut", "asset": "clip", "duration": 2}))
case("cut-duration-and-in-out", "bad_value", A3 + ".duration", M, add({"op": "cut", "asset": "still", "in": 0, "out": 1, "duration": 1}))
case("cut-shorter-than-a-frame", "out_of_range", A3 + ".out", M, add({"op": "cut", "asset": "clip", "in": 0, "out": 0.01}))
case("asset-file-missing", "asset_unreadable", A3 + ".asset", M,
     lambda p: (p.__setitem__("assets", {"ghost": "does-not-exist.mp4"}), add({"op": "cut", "asset": "ghost", "in": 0, "out": 1})(p)))
case("overlay-audio-asset", "wrong_asset_kind", A3 + ".asset", M, add({"op": "overlay", "asset": "music"}))
case("overlay-image-with-sound", "wrong_asset_kind", A3 + ".audio", M, add({"op": "overlay", "asset": "still", "audio": True}))
case("overlay-in-past-end", "out_of_range", A3 + ".in", M, add({"op": "overlay", "asset": "clip2", "in": 3.5}))
case("audio-image-asset", "wrong_asset_kind", A3 + ".asset", M, add({"op": "audio", "asset": "still"}))
case("color-lut-not-cube", "wrong_asset_kind", A3 + ".lut", M, add({"op": "color", "lut": "still"}))
case("transition-after-unknown", "bad_reference", OPS + "[1].after", M, lambda p: p["operations"][1].update(after="zz"))
case("transition-after-last-cut", "bad_reference", OPS + "[1].after", M, lambda p: p["operations"][1].update(after="b"))
case("transition-after-text", "bad_reference", OPS + "[1].after", M,
     lambda p: (p["operations"][1].update(after="t"), add({"op": "text", "id": "t", "text": "hi"})(p)))
case("transition-twice", "overlap", A3 + ".after", M, add({"op": "transition", "after": "a", "kind": "dissolve"}))
case("transition-too-long", "too_long", OPS + "[1].duration", M, lambda p: p["operations"][1].update(duration=1.5))
case("duplicate-id", "duplicate_id", A3 + ".id", M, add({"op": "text", "id": "a", "text": "hi"}))
case("text-starts-past-end", "past_end", A3 + ".start", M, add({"op": "text", "text": "hi", "start": 3.5}))
case("overlay-starts-past-end", "past_end", A3 + ".start", M, add({"op": "overlay", "asset": "still", "start": 10}))
case("text-end-before-start", "out_of_range", A3 + ".end", M, add({"op": "text", "text": "hi", "start": 1, "end": 0.5}))
case("cue-starts-past-end", "past_end", A3 + ".cues[1].start", M,
     add({"op": "captions", "source": "cues", "cues": [{"start": 0, "end": 1, "text": "a"}, {"start": 4, "end": 5, "text": "b"}]}))
case("cues-overlap", "overlap", A3 + ".cues[1].start", M,
     add({"op": "captions", "source": "cues", "cues": [{"start": 0, "end": 1.5, "text": "a"}, {"start": 1, "end": 2, "text": "b"}]}))
case("captions-cues-missing", "required", A3 + ".cues", M, add({"op": "captions", "source": "cues"}))
case("captions-transcript-with-cues", "bad_value", A3 + ".cues", M,
     add({"op": "captions", "source": "transcript", "cues": [{"start": 0, "end": 1, "text": "a"}]}))
case("aspect-mismatch", "aspect_mismatch", "$.output.aspect", M, out(width=320, height=180, aspect="9:16"))
case("webm-with-aac", "unsupported", "$.output.audio.codec", M, lambda p: p.update(output={"container": "webm", "video": {"codec": "vp9"}}))
case("mov-with-vp9", "unsupported", "$.output.video.codec", M, lambda p: p.update(output={"container": "mov", "video": {"codec": "vp9"}}))
case("no-cuts", "empty_timeline", OPS, M, setk("operations", [{"op": "text", "text": "nothing to see"}]))
case("fade-longer-than-timeline", "too_long", A3 + ".duration", M, add({"op": "fade", "kind": "out", "duration": 5}))
case("two-fades-in", "overlap", OPS + "[4].kind", M,
     lambda p: (add({"op": "fade", "kind": "in"})(p), add({"op": "fade", "kind": "in", "duration": 1})(p)))

d = os.path.join(here, "invalid")
os.makedirs(d, exist_ok=True)
for f in os.listdir(d):
    if f.endswith(".json"):
        os.remove(os.path.join(d, f))
rows = ["# file\tcode\tpath\tkind (schema: the JSON Schema rejects it too; semantic: only the validator can)"]
for name, code, path, kind, fn, raw in cases:
    with open(os.path.join(d, name + ".json"), "w") as f:
        if raw is not None:
            f.write(raw)
        else:
            p = copy.deepcopy(BASE)
            fn(p)
            json.dump(p, f, indent=1)
            f.write("\n")
    rows.append("\t".join([name + ".json", code, path, kind]))
with open(os.path.join(here, "..", "data", "plan-invalid.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")
print(len(cases), "invalid plans")
