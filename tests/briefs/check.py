#!/usr/bin/env python3
"""Check a plan and its brief explanation against a brief file's "expect".

usage: check.py BRIEF.json REPORT.json MEDIA_DIR
REPORT.json is `reel plan --explain --json` (keys "plan" and "explain").
Prints one line per failed expectation and exits 1 if any failed.
Labels: an expected asset name matches the label reel derives from the file
name when equal, or when the label starts with it and a '_'.
"""
import json
import subprocess
import sys


def label_of(path):
    base = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    out = []
    for ch in base:
        c = ch.lower() if ch.isalnum() and ord(ch) < 128 else ("-" if ch == "-" else "_")
        if c == "_" and (not out or out[-1] == "_"):
            continue
        out.append(c)
    return "".join(out).strip("_-")[:40] or "asset"


def same(label, want):
    return label == want or label.startswith(want + "_")


def probe_duration(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                        "-of", "csv=p=0", path], capture_output=True, text=True)
    try:
        return float(r.stdout.strip())
    except ValueError:
        return 0.0


def main():
    brief = json.load(open(sys.argv[1]))
    rep = json.load(open(sys.argv[2]))
    media = sys.argv[3]
    plan, ex = rep["plan"], rep["explain"]
    exp = brief["expect"]
    args = [a.replace("$MEDIA", media) for a in brief["args"]]
    broll, videos = set(), {}
    for i, a in enumerate(args):
        if a.startswith("--"):
            continue
        prev = args[i - 1] if i else ""
        if prev in ("--music", "--logo"):
            continue
        lab = label_of(a)
        videos[lab] = probe_duration(a)
        if prev == "--broll":
            broll.add(lab)
    ops = plan["operations"]
    cuts = [o for o in ops if o["op"] == "cut"]
    fps = float(plan["output"]["fps"])
    total = sum((o["out"] - o["in"]) if "out" in o else o.get("duration", 0) for o in cuts)
    cons = {}
    for c in ex["constraints"]:
        cons.setdefault(c["key"], c["value"])
    fails = []

    def fail(msg):
        fails.append(msg)

    def want(key, value):
        if key not in cons:
            fail("%s: the explanation has no %s constraint" % (key, key))
        elif cons[key] != value and not (isinstance(value, str) and isinstance(cons[key], str)
                                          and same(cons[key], value)):
            fail("%s: the explanation says %r, expected %r" % (key, cons[key], value))

    if "duration" in exp:
        want("duration", float(exp["duration"]))
        allowed = [l for l in videos if not any(same(l, x) for x in exp.get("exclude", []))]
        if exp.get("only"):
            allowed = [l for l in allowed if any(same(l, x) for x in exp["only"])]
        footage = sum(videos[l] for l in allowed)
        target = min(float(exp["duration"]), footage)
        if abs(total - target) > 1.0 / fps + 1e-6:
            fail("duration: the plan is %.3f s, expected %.3f s (within a frame)" % (total, target))
    if "aspect" in exp:
        want("aspect", exp["aspect"])
        a, b = (int(x) for x in exp["aspect"].split(":"))
        w, h = plan["output"]["width"], plan["output"]["height"]
        if abs(w / h - a / b) > 0.02:
            fail("aspect: the plan is %dx%d, expected %s" % (w, h, exp["aspect"]))
    for key in ("pace", "on_beat"):
        if key in exp:
            want(key, exp[key])
    if "captions" in exp:
        want("captions", exp["captions"])
        has = any(o["op"] == "captions" for o in ops)
        if has != exp["captions"]:
            fail("captions: the plan %s captions" % ("has" if has else "has no"))
    logo = [o for o in ops if o["op"] == "overlay" and o.get("id") == "logo"]
    if "logo_position" in exp:
        want("logo_position", exp["logo_position"])
        if not logo or logo[0].get("position") != exp["logo_position"]:
            fail("logo_position: the logo is %s" % (logo[0].get("position") if logo else "missing"))
    if exp.get("logo") is False and logo:
        fail("logo: the plan shows a logo")
    music = [o for o in ops if o["op"] == "audio"]
    if exp.get("music") is False and music:
        fail("music: the plan plays music")
    for key, idx in (("first_asset", 0), ("last_asset", -1)):
        if key in exp:
            want(key, exp[key])
            if not cuts or not same(cuts[idx]["asset"], exp[key]):
                fail("%s: the %s cut is %s" % (key, "first" if idx == 0 else "last",
                                               cuts[idx]["asset"] if cuts else "none"))
    if "title" in exp:
        texts = [o.get("text", "").replace("\n", " ") for o in ops if o["op"] == "text"]
        if exp["title"] not in texts:
            fail("title: no text op says %r (texts: %r)" % (exp["title"], texts))
    if "only" in exp:
        keep = exp["only"] + [exp[k] for k in ("first_asset", "last_asset") if k in exp]
        bad = [c["asset"] for c in cuts if not any(same(c["asset"], x) for x in keep)]
        if bad:
            fail("only: the plan cuts to %s" % sorted(set(bad)))
    if "exclude" in exp:
        bad = [o["asset"] for o in ops if o.get("asset") and any(same(o["asset"], x) for x in exp["exclude"])]
        if bad:
            fail("exclude: the plan uses %s" % sorted(set(bad)))
    if "mute_broll" in exp:
        want("mute_broll", exp["mute_broll"])
        for c in cuts:
            if c["asset"] in broll and bool(c.get("mute", False)) != exp["mute_broll"]:
                fail("mute_broll: cut %s of %s has mute=%s" % (c.get("id"), c["asset"], c.get("mute", False)))
                break
    if "duck" in exp:
        want("duck", exp["duck"])
        if not music or bool(music[0].get("duck")) != exp["duck"]:
            fail("duck: the music's duck is %r" % (music[0].get("duck") if music else "no music"))
    if "look" in exp:
        want("look", exp["look"])
        grade = [o for o in ops if o["op"] == "color"]
        sat = grade[0].get("saturation", 1) if grade else None
        ok = {"bw": sat == 0, "vivid": sat is not None and sat > 1,
              "muted": sat is not None and sat < 1, "lut": bool(grade and grade[0].get("lut"))}
        if not ok.get(exp["look"], False):
            fail("look: the plan's colour op is %r" % (grade[0] if grade else None))
    for key in exp.get("flag_wins", []):
        if not any(o["key"] == key and o.get("by") == "flag" for o in ex["overridden"]):
            fail("flag_wins: the explanation does not say the --%s flag won" % key)
        if not any(c["key"] == key and c.get("source") == "flag" for c in ex["constraints"]):
            fail("flag_wins: no %s constraint from the flag" % key)
    unused = [u.lower() for u in ex["unused"]]
    for w in exp.get("unused", []):
        if w not in unused:
            fail("unused: %r is not listed as unused (%r)" % (w, unused))
    unres = [u["word"] for u in ex.get("unresolved", [])]
    for w in exp.get("unresolved", []):
        if w not in unres:
            fail("unresolved: %r is not listed as unresolved (%r)" % (w, unres))
    for f in fails:
        print("%s: %s" % (sys.argv[1].rsplit("/", 1)[-1], f))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
