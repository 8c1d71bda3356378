#!/usr/bin/env python3
"""Speech or not: does `reel transcribe` keep the words of speech and leave
out what the recogniser makes of music and noise (issue #17)?

Builds a labelled set of sounds, runs `reel transcribe --json` on each (the
transcript's "words" are what captions use, "not_speech" what was left
out), and prints per file the words heard, kept and left out, then:

  speech kept: the share of the words heard in the speech files that are
               kept (target 1.0: no word of speech is lost);
  noise kept:  the words kept in the files with no speech (target 0).

usage: speech-gate.py OUTDIR [--reel PATH] [--set generated|real|all]
                      [--min-speech-kept X] [--max-noise-words N]

generated: espeak-ng speech (alone, under pink noise at -20 dB), pink
noise, "water" (high-passed brown noise swelling), "traffic" (low-passed
brown noise), splashes (bursts of band-passed noise), a synthetic music
loop. real (../shared/media): the four speech files and the same under
music at -20 dB, the two music tracks, the films' and camera clips' sound.
Exit 1 when a target given is missed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def generated(out):
    items = []
    if shutil.which("espeak-ng"):
        lines = ["the weather today is sunny and warm, we will go to the park after lunch.",
                 "my brother likes to read books about history and she bought fresh bread."]
        for i, l in enumerate(lines):
            p = os.path.join(out, "espeak%d.wav" % i)
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", p, l], check=True)
            items.append(("speech", p))
        n = os.path.join(out, "espeak0_pink.wav")
        ff("-i", os.path.join(out, "espeak0.wav"), "-f", "lavfi", "-i",
           "anoisesrc=d=10:c=pink:a=0.05:seed=11", "-filter_complex",
           "[1]volume=-20dB[n];[0][n]amix=2:duration=first:normalize=0", n)
        items.append(("speech", n))
    noises = {
        "pink": "anoisesrc=d=8:c=pink:a=0.3:seed=4",
        "water": "anoisesrc=d=8:c=brown:a=0.5:seed=3,highpass=f=200,"
                 "volume='0.6+0.4*sin(2*PI*0.7*t)':eval=frame",
        "traffic": "anoisesrc=d=10:c=brown:a=0.8:seed=5,lowpass=f=800,"
                   "volume='0.3+0.7*pow(sin(PI*t/6),2)':eval=frame",
        "splash": "anoisesrc=d=8:c=white:a=0.2:seed=6,bandpass=f=2500:width_type=o:w=2,"
                  "volume='if(lt(mod(t,0.9),0.25),1,0.15)':eval=frame",
        "music": "aevalsrc=exprs='0.25*sin(2*PI*110*t)+0.3*sin(2*PI*(220+110*mod(floor(t*2),3))*t)"
                 "+0.7*sin(2*PI*1500*t)*exp(-60*mod(t,0.5))':s=16000:d=10",
    }
    for name, src in noises.items():
        p = os.path.join(out, name + ".wav")
        ff("-f", "lavfi", "-i", src, "-ar", "16000", "-ac", "1", p)
        items.append(("noise", p))
    return items


def real(out, media):
    items = []
    sp = os.path.join(media, "speech")
    if not os.path.isdir(sp):
        return items
    fox = os.path.join(media, "music", "kevin_macleod_outfoxing_the_fox_160bpm.mp3")
    for f in sorted(os.listdir(sp)):
        if f.endswith(".wav"):
            p = os.path.join(sp, f)
            items.append(("speech", p))
            if f.startswith("librivox") and os.path.exists(fox):
                m = os.path.join(out, f[:-4] + "_music.wav")
                ff("-i", p, "-i", fox, "-filter_complex",
                   "[1]volume=-20dB[m];[0][m]amix=2:duration=first:normalize=0",
                   "-ar", "16000", "-ac", "1", m)
                items.append(("speech_under_music", m))
    for sub in ("music", "video"):
        d = os.path.join(media, sub)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if f.endswith((".mp3", ".flac", ".mp4", ".webm")):
                p = os.path.join(d, f)
                if f.endswith(".mp3"):  # the first 30 s are enough
                    q = os.path.join(out, f[:-4] + "_30s.wav")
                    ff("-i", p, "-t", "30", "-ar", "16000", "-ac", "1", q)
                    p = q
                items.append(("noise", p))
    return items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reel", default=os.path.join(HERE, "..", "build", "reel"))
    ap.add_argument("--set", choices=["generated", "real", "all"], default="generated")
    ap.add_argument("--media", default=os.path.join(HERE, "..", "..", "shared", "media"))
    ap.add_argument("--min-speech-kept", type=float, default=None)
    ap.add_argument("--max-noise-words", type=int, default=None)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    items = []
    if a.set in ("generated", "all"):
        items += generated(a.out)
    if a.set in ("real", "all"):
        items += real(a.out, a.media)
    heard_sp = kept_sp = kept_noise = 0
    rows = []
    for label, p in items:
        r = subprocess.run([a.reel, "transcribe", p, "--json"], capture_output=True, text=True)
        if r.returncode:
            print("%s: reel transcribe failed: %s" % (p, r.stderr.strip()), file=sys.stderr)
            return 1
        t = json.loads(r.stdout)
        kept, out = len(t["words"]), len(t.get("not_speech", []))
        if label == "noise":
            kept_noise += kept
        elif label == "speech":
            heard_sp += kept + out
            kept_sp += kept
        rows.append((label, os.path.basename(p), kept + out, kept, out,
                     " ".join(w["word"] for w in t["words"])[:60]))
    print("%-19s %-58s %5s %5s %5s  %s" % ("label", "file", "heard", "kept", "out", "kept words"))
    for r in rows:
        print("%-19s %-58s %5d %5d %5d  %s" % r)
    share = kept_sp / heard_sp if heard_sp else 1.0
    print("speech kept: %.3f (%d of %d words heard in speech); noise kept: %d words "
          "(of %d files with no speech)" % (share, kept_sp, heard_sp, kept_noise,
                                            sum(1 for r in rows if r[0] == "noise")))
    bad = (a.min_speech_kept is not None and share < a.min_speech_kept) or (
        a.max_noise_words is not None and kept_noise > a.max_noise_words)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
