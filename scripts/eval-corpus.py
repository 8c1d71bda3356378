#!/usr/bin/env python3
"""A labelled corpus of renders for calibrating `reel eval` (issue #16).

usage: eval-corpus.py --out DIR --set real|generated [--media DIR] [--reel PATH]
                      [--clips a,b] [--jobs N]

For each clip: clean renders (its own size, a downscale, a vertical crop;
loudness at -14 LUFS, made by `reel render` from a plan) and one render per
defect, each labelled with the gates it must fail. Writes DIR/NAME.mp4,
DIR/NAME.plan.json and DIR/corpus.json:
  [{"name", "clip", "group", "defect", "plan", "render", "pace",
    "fail": [metric...], "ignore": [metric...]}]
"fail" lists the gates that must fail; every gate not in "fail" or
"ignore" must pass. Defects are made from the clean render with the ffmpeg
CLI (the plan stays the clean one: the render is not what it asked for) or
by a plan that itself asks for the defect (too many cuts, low-contrast
captions), evaluated against that plan.

--set real takes the clips of ../shared/media (--media); --set generated
makes its own footage with FFmpeg's lavfi sources (for `make check`).
"""
import argparse
import concurrent.futures as cf
import copy
import json
import os
import shutil
import subprocess
import sys

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
GATES = ["clarity", "punchiness", "retention", "captions", "brand", "watchability"]


def run(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write("failed: %s\n%s\n" % (" ".join(argv), r.stderr[-2000:]))
        raise SystemExit(3)
    return r.stdout


def ff(*args):
    run(["ffmpeg", "-nostdin", "-v", "error", "-y"] + list(args))


def probe(path):
    out = run(["ffprobe", "-v", "error", "-show_entries",
               "stream=codec_type,width,height,r_frame_rate:format=duration", "-of", "json", path])
    j = json.loads(out)
    v = next((s for s in j["streams"] if s["codec_type"] == "video"), None)
    num, den = (int(x) for x in v["r_frame_rate"].split("/"))
    return {"w": v["width"], "h": v["height"], "fps": num / den,
            "dur": float(j["format"].get("duration", 0))}


def even(x):
    return max(16, int(round(x / 2.0)) * 2)


def nice_fps(f):
    for c in (23.976, 24, 25, 29.97, 30, 50, 59.94, 60):
        if abs(f - c) < 0.01:
            return c
    return 30


class Corpus:
    def __init__(self, out, reel, media, kind):
        self.out, self.reel, self.media, self.kind = out, reel, media, kind
        self.items = []
        self.tasks = []  # (name, fn) run in parallel

    def path(self, name, ext):
        return os.path.join(self.out, "%s.%s" % (name, ext))

    def write_plan(self, name, plan):
        p = self.path(name, "plan.json")
        with open(p + ".tmp", "w") as f:
            json.dump(plan, f, indent=1)
        os.rename(p + ".tmp", p)
        return p

    def add(self, name, clip, group, defect, plan_name, fail=(), ignore=(), pace="slow",
            extra=None):
        it = {"name": name, "clip": clip, "group": group, "defect": defect,
              "plan": self.path(plan_name, "plan.json"), "render": self.path(name, "mp4"),
              "pace": pace, "fail": list(fail), "ignore": list(ignore)}
        if extra:
            it.update(extra)
        self.items.append(it)

    def render_plan(self, name):
        """reel render NAME.plan.json -o NAME.mp4"""
        run([self.reel, "render", self.path(name, "plan.json"), "-o", self.path(name, "mp4")])

    def post(self, src, name, vf=None, af=None, extra_in=(), fc=None, vopts=(), aopts=None):
        """A defect made from a render with the ffmpeg CLI."""
        argv = ["-i", self.path(src, "mp4")] + list(extra_in)
        if fc:
            argv += ["-filter_complex", fc, "-map", "[v]", "-map", "[a]"]
        else:
            if vf:
                argv += ["-vf", vf]
            if af:
                argv += ["-af", af]
        if vopts:
            argv += list(vopts)
        elif af and not vf and not fc:
            argv += ["-c:v", "copy"]  # a sound defect: the picture stays as it was
        else:
            # near-lossless: a defect render differs from the clean one by its
            # defect, not by a second generation of compression (at crf 14 a
            # busy picture lost a quarter of its fine detail to it)
            argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "6", "-pix_fmt",
                     "yuv420p"]
        argv += aopts or ["-c:a", "aac", "-b:a", "160k", "-ar", "48000"]
        ff(*(argv + [self.path(name, "mp4")]))


def base_plan(title, assets, cuts, w, h, fps, extra_ops=(), music=None):
    ops = []
    for label, a, b in cuts:
        ops.append({"op": "cut", "asset": label, "in": round(a, 3), "out": round(b, 3)})
    ops += list(extra_ops)
    if music:
        ops.append(music)
    return {"schema": "reel.editplan/1", "title": title,
            "output": {"width": w, "height": h, "fps": fps,
                       "audio": {"loudness_lufs": -14}},
            "assets": dict(assets), "operations": ops}


def make_logos(out):
    """Logos of the kinds users bring: an app icon (given), a thin outline
    emblem in red on transparency, a white wordmark, a dark wordmark."""
    logos = {}
    em = os.path.join(out, "logo_emblem.png")
    ff("-f", "lavfi", "-i", "color=c=black@0:s=400x400,format=rgba", "-vf",
       "geq=r='200':g='20':b='30':a='255*min(1,lt(abs(hypot(X-200,Y-200)-170),9)"
       "+lt(abs(hypot(X-200,Y-200)-110),7)+lt(abs(X-200),8)*lt(abs(Y-200),110))'",
       "-frames:v", "1", em)
    logos["emblem"] = em
    for name, col in (("wordmark", "white"), ("darkmark", "0x1A1A40")):
        p = os.path.join(out, "logo_%s.png" % name)
        ff("-f", "lavfi", "-i", "color=c=black@0:s=720x160,format=rgba", "-vf",
           "drawtext=fontfile=%s:text=NORTHWIND:fontcolor=%s:fontsize=100:x=(w-text_w)/2:"
           "y=(h-text_h)/2" % (FONT, col), "-frames:v", "1", p)
        logos[name] = p
    return logos


def generated_clips(out, seed=1):
    """Footage made here: busy synthetic pictures with sound events. The noise
    in their sound is seeded: the same corpus every run (--seed for another)."""
    clips = {}
    v = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "160k"]
    specs = {
        "gen_testsrc": ("testsrc2=s=640x360:r=30:d=8,scroll=horizontal=0.004",
                        "anoisesrc=d=8:c=pink:a=0.08:seed=%d,volume=1[n];sine=f=330:d=8[s];[n][s]amix=2" % seed),
        "gen_mandel": ("mandelbrot=s=640x360:r=30:end_scale=0.2,trim=0:8,scroll=horizontal=0.01",
                       "sine=f=220:d=8,volume=0.3[s];anoisesrc=d=8:c=brown:a=0.1:seed=%d[n];[s][n]amix=2" % (seed + 1)),
    }
    for name, (vsrc, asrc) in specs.items():
        p = os.path.join(out, "src_%s.mp4" % name)
        ff("-f", "lavfi", "-i", vsrc, "-filter_complex", asrc + "[a]", "-map", "0:v",
           "-map", "[a]", "-t", "8", *v, p)
        clips[name] = {"path": p, "seg": (0, 8), "silent": False}
    m = os.path.join(out, "music.wav")
    ff("-f", "lavfi", "-i",
       "aevalsrc=exprs='0.25*sin(2*PI*110*t)+0.7*sin(2*PI*1500*t)*exp(-60*mod(t\\,0.5))':s=48000:d=20",
       "-c:a", "pcm_s16le", m)
    return clips, m


def real_clips(media):
    v = os.path.join(media, "video")
    clips = {
        "crystal": {"path": os.path.join(v, "crystal_480p_h264_aac.mp4"), "seg": (1, 9)},
        "elf": {"path": os.path.join(v, "elf_480p_h264_aac.mp4"), "seg": (0, 7.9)},
        "flower": {"path": os.path.join(v, "flower_540p_silent_audio_track.mp4"),
                   "seg": (0, 5), "silent": True},
        "bbb480": {"path": os.path.join(v, "bbb_480p_30s_h264_aac51.mp4"), "seg": (1, 9)},
        "bbb720": {"path": os.path.join(v, "bbb_720p_30s_vp8_vorbis.webm"), "seg": (12, 20)},
    }
    for c in clips.values():
        if not os.path.exists(c["path"]):
            raise SystemExit("missing %s" % c["path"])
    music = os.path.join(media, "music", "kevin_macleod_outfoxing_the_fox_160bpm.mp3")
    return clips, music


def beats_of(reel, music):
    j = json.loads(run([reel, "analyze", music, "--json"]))
    if isinstance(j, list):
        j = j[0]
    return j["beats"]["times"], j.get("beats", {}).get("bpm", 0)


def build(cor, clips, music, logos, only):
    beats, _ = beats_of(cor.reel, music)
    names = [n for n in clips if not only or n in only]
    order = list(clips)
    for ci, name in enumerate(names):
        c = clips[name]
        info = probe(c["path"])
        fps = nice_fps(info["fps"])
        a, b = c["seg"]
        dur = b - a
        partner = order[(order.index(name) + 1) % len(order)]
        assets = {"clip": c["path"], "other": clips[partner]["path"], "music": music}
        for k, p in logos.items():
            assets["logo_" + k] = p
        # sizes: own, a downscale (16:9 at about 0.55-0.9 of the width), vertical
        sw, sh = info["w"], info["h"]
        dw = even(min(704, sw * 0.9)) if cor.kind == "real" else 480
        dh = even(dw * 9 / 16)
        vh = even(min(sh, 640)) if cor.kind == "real" else 320
        vw = even(vh * 9 / 16)
        if cor.kind == "generated":
            sizes = {"down": (dw, dh), "vertical": (vw, vh)}
        else:
            sizes = {"own": (even(sw), even(sh)), "down": (dw, dh), "vertical": (vw, vh)}
        bed = None
        if c.get("silent"):
            bed = {"op": "audio", "asset": "music", "loop": True}
        cut = [("clip", a, b)]

        def P(tag, plan):
            pn = "%s__%s" % (name, tag)
            cor.write_plan(pn, plan)
            return pn

        # --- clean renders
        for sz, (w, h) in sizes.items():
            pn = P("clean_" + sz, base_plan(name, assets, cut, w, h, fps, music=bed))
            cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
            cor.add(pn, name, "clean", "clean_" + sz, pn)
        D = "%s__clean_down" % name  # the render defects are made from
        W, H = sizes["down"]

        def defect(tag, fail, ignore=(), **kw):
            nm = "%s__%s" % (name, tag)
            cor.tasks.append((nm, lambda d=D: cor.post(d, nm, **kw), D))
            cor.add(nm, name, fail[0] if fail else "clean", tag, D, fail, ignore)

        # --- clarity
        for k in (1.5, 2, 3, 4):
            defect("upscaled_%gx" % k, ["clarity"],
                   vf="scale=%d:%d:flags=area,scale=%d:%d:flags=bicubic" % (
                       even(W / k), even(H / k), W, H))
        for s in (1.5, 3):
            defect("blur_%g" % s, ["clarity"], vf="gblur=sigma=%g" % s)
        kbps = max(8, int(W * H * fps * 0.006 / 1000))
        defect("lowbits", ["clarity"], vopts=["-c:v", "libx264", "-preset", "veryfast", "-b:v",
                                              "%dk" % kbps, "-maxrate", "%dk" % kbps, "-bufsize",
                                              "%dk" % kbps, "-pix_fmt", "yuv420p"])
        defect("letterbox", ["clarity"],
               vf="scale=%d:%d,pad=%d:%d:0:(oh-ih)/2:black,setsar=1" % (W, even(H * 0.76), W, H))
        defect("pillarbox", ["clarity"],
               vf="scale=%d:%d,pad=%d:%d:(ow-iw)/2:0:black,setsar=1" % (even(W * 0.75), H, W, H))
        # --- frame timing (clarity's gate)
        defect("dropped_every10", ["clarity"], vf="select='not(eq(mod(n\\,10)\\,9))'",
               vopts=["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt",
                      "yuv420p", "-fps_mode", "passthrough"])
        f0 = int(round(dur * 0.35 * fps))
        # (the freeze ends in a jump to the live picture: a cut the plan did not
        # place, which punchiness may count)
        defect("frozen_2s", ["clarity"], ["punchiness"],
               fc="[0:v]split[x][y];[x][y]freezeframes=first=%d:last=%d:replace=%d[v];[0:a]anull[a]"
               % (f0 + 1, f0 + int(2 * fps), f0))
        defect("duplicated", ["clarity"], vf="fps=%g,fps=%g" % (fps * 0.75, fps))
        # --- watchability
        defect("too_loud", ["watchability"], af="volume=14dB,alimiter=limit=0.9:level=false")
        defect("too_quiet", ["watchability"], af="loudnorm=I=-30:TP=-2")
        defect("clipped", ["watchability"], af="volume=20dB,asoftclip=type=hard")
        s0 = max(0.5, dur / 2 - 1.5)
        defect("silence_3s", ["watchability"],
               af="volume=enable='between(t,%g,%g)':volume=0" % (s0, s0 + 3.05))
        fl = "between(t,%g,%g)*lt(mod(t,0.2),0.1)" % (s0, s0 + 2)
        defect("flash_full", ["watchability"], ["punchiness"],
               vf="drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='%s'" % fl)
        defect("flash_quarter", ["watchability"], ["punchiness"],
               vf="drawbox=x=0:y=0:w=iw/2:h=ih/2:color=white:t=fill:enable='%s'" % fl)
        defect("flash_red", ["watchability"], ["punchiness"],
               vf="drawbox=x=0:y=0:w=iw:h=ih:color=0xFF0000:t=fill:enable='%s'" % fl)
        # --- retention (a still, silent stretch is also a silence gap and a
        # frozen picture: those gates may say so too)
        n3 = int(round(3 * fps))
        defect("still_start", ["retention"], ["watchability", "clarity", "punchiness"],
               fc="[0:v]split[x][y];[x][y]freezeframes=first=1:last=%d:replace=0[v];"
               "[0:a]volume=enable='lt(t,3.05)':volume=0[a]" % n3)
        defect("dead_air", ["retention"], ["watchability", "clarity", "punchiness"],
               fc="[0:v]split[x][y];[x][y]freezeframes=first=%d:last=%d:replace=%d[v];"
               "[0:a]volume=enable='between(t,%g,%g)':volume=0[a]"
               % (int(s0 * fps) + 1, int(s0 * fps) + n3, int(s0 * fps), s0, s0 + 3.05))
        # --- sync: flash-and-beep events on the clean render; then shifted
        # events from 0.5 s on: a flash on the first frame has no picture before it
        e0 = max(0.5, s0 - 1)
        times = [round(round((e0 + i * 1.5) * fps) / fps, 4) for i in range(5)
                 if e0 + i * 1.5 < dur - 0.5]
        en = "+".join("between(t,%.4f,%.4f)" % (t - 0.001, t + 1.5 / fps) for t in times)
        beeps = ";".join("sine=f=1000:d=0.06:r=48000,volume=4,aformat=channel_layouts=stereo,adelay=%d:all=1[b%d]"
                         % (int(t * 1000), i) for i, t in enumerate(times))
        mix = "".join("[b%d]" % i for i in range(len(times)))
        for tag, sh in (("sync_clean", 0), ("sync_late_80ms", 80), ("sync_late_200ms", 200),
                        ("sync_early_120ms", -120)):
            shift = ("adelay=%d:all=1," % sh) if sh > 0 else (
                "atrim=start=%g,asetpts=PTS-STARTPTS," % (-sh / 1000) if sh < 0 else "")
            fc = ("[0:v]drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='%s'[v];%s;"
                  "[0:a]aformat=channel_layouts=stereo,volume=-10dB[m];[m]%samix=inputs=%d:normalize=0:duration=first,%s"
                  "atrim=0:%g,loudnorm=I=-14:TP=-1.5,aresample=48000,aformat=channel_layouts=stereo[a]"
                  % (en, beeps, mix, len(times) + 1, shift, dur))
            nm = "%s__%s" % (name, tag)
            cor.tasks.append((nm, lambda nm=nm, fc=fc, d=D: cor.post(d, nm, fc=fc), D))
            cor.add(nm, name, "watchability" if sh else "clean", tag, D,
                    ["watchability"] if sh else [], extra={"sync_ms": sh, "events": times})
        # --- punchiness: alternating with another clip, cut every 8 beats
        bt = [t for t in beats if t > 0.05]
        seg_b = [bt[i] for i in range(0, len(bt), 8)][:5]
        pb = clips[partner]

        def beat_cuts(bounds):
            cuts, t0, k = [], 0.0, 0
            for t1 in bounds:
                lab, src = (("clip", c), ("other", pb))[k % 2]
                sa = src["seg"][0] + (k // 2) * 0.3
                cuts.append((lab, sa, sa + t1 - t0))
                t0, k = t1, k + 1
            return cuts

        bounds = [t for t in seg_b[1:] if t < min(dur, clips[partner]["seg"][1] -
                                                   clips[partner]["seg"][0]) + 0.01]
        if len(bounds) >= 2:
            mus = {"op": "audio", "asset": "music"}
            for tag, bd, pace, fail in (
                    ("punch_clean", bounds, "medium", []),
                    ("punch_half_beat_off",
                     [t + (bt[1] - bt[0]) / 2 for t in bounds], "medium", ["punchiness"])):
                pl = base_plan(name, assets, beat_cuts(bd), W, H, fps, music=mus)
                for o in pl["operations"]:
                    if o["op"] == "cut" and o["asset"] == "clip":
                        o["mute"] = True
                    if o["op"] == "cut" and o["asset"] == "other":
                        o["mute"] = True
                pn = P(tag, pl)
                cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
                cor.add(pn, name, "punchiness" if fail else "clean", tag, pn, fail, pace=pace)
        many = []
        t = 0.0
        while t + 0.3 <= dur - 0.01:
            many.append(round(t + 0.3, 3))
            t += 0.3
        pl = base_plan(name, assets, beat_cuts(many), W, H, fps, music=bed)
        pn = P("punch_too_many", pl)
        cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
        cor.add(pn, name, "punchiness", "punch_too_many", pn, ["punchiness"], pace="medium")
        # too few for the pace: one shot, a fast pace asked
        cor.add("%s__punch_too_few" % name, name, "punchiness", "punch_too_few",
                "%s__clean_down" % name, ["punchiness"], pace="fast",
                extra={"render": cor.path("%s__clean_down" % name, "mp4")})
        # --- captions
        words = ["Light moves across the glass", "Every detail holds still",
                 "Then the colour comes back"]
        other = ["Nothing here reads the same", "A different line entirely",
                 "Wrong words on the screen"]
        # three cues, two on a short clip (a clean caption reads at <= 20 chars/s)
        ncue = 3 if dur >= 6 else 2
        step = dur / ncue

        def cues(texts, speed=False):
            out = []
            for i, tx in enumerate(texts[:ncue]):
                s = round(i * step + 0.2, 2)
                e = round(s + (min(2.0, step - 0.3) if speed else step - 0.4), 2)
                out.append({"start": s, "end": e, "text": tx})
            return out

        def cap_plan(tag, cs, style=None):
            op = {"op": "captions", "source": "cues", "cues": cs}
            if cor.kind == "generated":
                # at 270 lines the default size (0.06) is under the height OCR reads back
                style = dict({"size": 0.09}, **(style or {}))
            if style:
                op["style"] = style
            return P(tag, base_plan(name, assets, cut, W, H, fps, [op], music=bed))

        for tag, cs, style, fail in (
                ("captions_clean", cues(words), None, []),
                ("captions_low_contrast", cues(words), {"color": "#A0A0A0", "outline": "#8C8C8C"},
                 ["captions"]),
                ("captions_outside_safe", cues(["The whole width of the frame is taken up"] * 3),
                 {"size": 0.13, "max_chars_per_line": 42}, ["captions"]),
                ("captions_too_fast",
                 cues(["Sixty characters of caption text shown for two seconds only"] * 3,
                      speed=True), None, ["captions"])):
            pn = cap_plan(tag, cs, style)
            cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
            cor.add(pn, name, "captions" if fail else "clean", tag, pn, fail)
        pn = cap_plan("captions_wrong_text_burned", cues(other))
        cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
        cor.add("%s__captions_wrong_text" % name, name, "captions", "captions_wrong_text",
                "%s__captions_clean" % name, ["captions"],
                extra={"render": cor.path(pn, "mp4")})
        # --- brand: logos of each kind over this clip (clean), then defects
        def logo_plan(tag, logo, pos, width, extra_ops=()):
            ops = list(extra_ops)
            if logo:
                ops.append({"op": "overlay", "asset": "logo_" + logo, "position": pos,
                            "width": width})
            return P(tag, base_plan(name, assets, cut, W, H, fps, ops, music=bed))

        lk = list(logos)
        mine = [lk[(ci + j) % len(lk)] for j in range(2)]
        corners = ["top-right", "top-left", "bottom-right", "bottom-left"]
        for j, lg in enumerate(mine):
            pos = corners[(ci + j) % 4]
            pn = logo_plan("brand_clean_%s" % lg, lg, pos, 0.14)
            cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
            cor.add(pn, name, "clean", "brand_clean_" + lg, pn)
        # black-and-white footage with a thin red emblem, top-left
        pn = logo_plan("brand_clean_bw_emblem", "emblem", "top-left", 0.14,
                       [{"op": "color", "saturation": 0}])
        cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
        cor.add(pn, name, "clean", "brand_clean_bw_emblem", pn)
        lg = mine[0]
        ref = "%s__brand_clean_%s" % (name, lg)
        pos = corners[ci % 4]
        wrong = {"top-right": "bottom-left", "top-left": "bottom-right",
                 "bottom-right": "top-left", "bottom-left": "top-right"}[pos]
        for tag, logo, p2, wd in (("brand_missing", None, pos, 0.14),
                                  ("brand_wrong_corner", lg, wrong, 0.14),
                                  ("brand_half_size", lg, pos, 0.07)):
            pn = logo_plan(tag + "_burned", logo, p2, wd)
            cor.tasks.append((pn, lambda pn=pn: cor.render_plan(pn)))
            cor.add("%s__%s" % (name, tag), name, "brand", tag, ref, ["brand"],
                    extra={"render": cor.path(pn, "mp4")})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", choices=["real", "generated"], default="real")
    ap.add_argument("--media", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                    "shared", "media"))
    ap.add_argument("--reel", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                   "reel"))
    ap.add_argument("--clips", default="")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--seed", type=int, default=1, help="of the generated clips' noise")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cor = Corpus(os.path.abspath(a.out), os.path.abspath(a.reel), a.media, a.set)
    if a.set == "real":
        clips, music = real_clips(a.media)
    else:
        clips, music = generated_clips(cor.out, a.seed)
    logos = make_logos(cor.out)
    build(cor, clips, music, logos, [x for x in a.clips.split(",") if x])
    # clean renders first (the defects are made from them), then the rest
    first = [t for t in cor.tasks if len(t) == 2]
    second = [t for t in cor.tasks if len(t) == 3]
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        list(ex.map(lambda t: t[1](), first))
        list(ex.map(lambda t: t[1](), second))
    p = os.path.join(cor.out, "corpus.json")
    with open(p + ".tmp", "w") as f:
        json.dump(cor.items, f, indent=1)
    os.rename(p + ".tmp", p)
    print("%d renders in %s" % (len(cor.items), p))


if __name__ == "__main__":
    main()
