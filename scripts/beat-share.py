#!/usr/bin/env python3
"""The share of a plan's cuts that fall within one output frame of a beat.

usage: beat-share.py PLAN.json ANALYSIS.json
ANALYSIS.json is `reel analyze MUSIC --json` of the plan's music (its
beats.times, in the music's time; the music op's start shifts them).
Prints "cuts N on_beat K share S".
"""
import json
import sys


def main():
    plan = json.load(open(sys.argv[1]))
    an = json.load(open(sys.argv[2]))
    if isinstance(an, list):
        an = an[0]
    beats = an.get("beats", {}).get("times", [])
    dur = an.get("duration") or 0
    fps = float(plan["output"]["fps"])
    music = next((o for o in plan["operations"] if o.get("op") == "audio"), None)
    start = float(music.get("start", 0)) if music else 0.0
    looped = [b + start for b in beats]
    if music and music.get("loop") and dur > 1:
        looped += [b + start + r * dur for r in range(1, 20) for b in beats]
    t = 0.0
    bounds = []
    cuts = [o for o in plan["operations"] if o.get("op") == "cut"]
    # (a cut's end is a boundary; the last one's is the end of the edit)
    for c in cuts[:-1]:
        if "out" in c:
            t += (float(c["out"]) - float(c.get("in", 0))) / float(c.get("speed", 1))
        else:
            t += float(c.get("duration", 0))
        bounds.append(t)
    # full-frame cutaways (overlays as wide as the frame) are cuts too, both ends
    for o in plan["operations"]:
        if o.get("op") == "overlay" and float(o.get("width", 0)) >= 0.999 and "end" in o:
            bounds += [float(o["start"]), float(o["end"])]
    on = sum(1 for b in bounds if any(abs(b - x) <= 1.0 / fps + 1e-6 for x in looped))
    share = on / len(bounds) if bounds else 1.0
    print("cuts %d on_beat %d share %.3f" % (len(bounds), on, share))


if __name__ == "__main__":
    main()
