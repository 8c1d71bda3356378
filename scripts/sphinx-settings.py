#!/usr/bin/env python3
"""Which pocketsphinx settings recognise the real speech best (issue #17)?

Runs `reel transcribe --all-words --json --threads 1` on each real speech
file (MEDIA/speech/*.wav, a reference .txt beside each) and on six espeak-ng
sentences (en-us, 0.8 s of quiet before and after), once per setting of a grid (REEL_POCKETSPHINX_ARGS: the language
weight -lw, the beams, the second and third passes). Prints a table: the
word error rate of each file under each setting, the mean over the real
files and over the espeak ones, and the CPU seconds (user + system of the
reel processes) the setting took over all ten files.

Then the 8 kHz telephony case: each real file band-passed to 300-3400 Hz,
resampled to 8 kHz and stored as mu-law (pcm_mulaw) in a .wav, transcribed
through the normal pipeline (which resamples to 16 kHz) under every setting,
against the same references, beside the 16 kHz original's WER.

The last line: the best setting (lowest mean WER on the real speech, then
least CPU) and its mean against the default's, and whether it meets the
bar for a new default: mean lower by >= 0.03, no real file worse by more
than 0.05, CPU at most 1.5 times the default's.

WER: word-level Levenshtein distance over the reference's word count, after
lowercasing and keeping only [a-z'] runs (as bench/transcribe does).

usage: sphinx-settings.py [--reel PATH] [--media DIR] [--out DIR] [--json FILE]
"""
import argparse
import glob
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

# name, REEL_POCKETSPHINX_ARGS (pocketsphinx 5prealpha's defaults: -lw 6.5
# -fwdflatlw 8.5 -bestpathlw 9.5, -beam 1e-48 -wbeam 7e-29 -pbeam 1e-48,
# -fwdflat yes -bestpath yes)
GRID = [
    ("default", ""),
    ("lw8", "-lw 8"),
    ("lw10", "-lw 10"),
    ("lw12", "-lw 12"),
    ("lw10-all", "-lw 10 -fwdflatlw 10 -bestpathlw 10"),
    ("beam60", "-beam 1e-60 -wbeam 1e-50"),
    ("beam80", "-beam 1e-80 -wbeam 1e-60"),
    ("beam80-pbeam", "-beam 1e-80 -wbeam 1e-60 -pbeam 1e-80"),
    ("nofwdflat", "-fwdflat no"),
    ("nobestpath", "-bestpath no"),
    ("lw10-beam60", "-lw 10 -beam 1e-60 -wbeam 1e-50"),
    ("noremovenoise", "-remove_noise no"),
    ("nofwdflat-nrn", "-fwdflat no -remove_noise no"),
]

SENTENCES = [
    "the weather today is sunny and warm",
    "please call me when you get home tonight",
    "the children are playing in the garden with their dog",
    "she bought fresh bread and cheese at the market",
    "our team finished the project before the deadline",
    "turn left at the next corner and park near the station",
]


def norm(s):
    return re.findall(r"[a-z']+", s.lower())


def wer(ref, hyp):
    ref, hyp = norm(ref), norm(hyp)
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        p, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            p, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, p + (ref[i - 1] != hyp[j - 1]))
    return d[-1] / max(1, len(ref))


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def transcribe(reel, path, args):
    """(words as one string, CPU seconds) of one run under the settings."""
    env = dict(os.environ, REEL_POCKETSPHINX_ARGS=args)
    t0 = cpu()
    r = subprocess.run([reel, "transcribe", "--all-words", "--json", "--threads", "1", path],
                       env=env, capture_output=True, text=True)
    t = cpu() - t0
    if r.returncode:
        sys.exit("reel transcribe %s (REEL_POCKETSPHINX_ARGS='%s') failed: %s"
                 % (path, args, r.stderr.strip()))
    return " ".join(w["word"] for w in json.loads(r.stdout)["words"]), t


def run(reel, files, args):
    """{name: wer}, CPU seconds for the files [(name, path, ref)]."""
    out, total = {}, 0.0
    for name, path, ref in files:
        hyp, t = transcribe(reel, path, args)
        out[name] = wer(ref, hyp)
        total += t
    return out, total


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--reel", default=os.path.join(root, "build", "reel"))
    ap.add_argument("--media", default=os.environ.get("SHARED_MEDIA",
                                                      os.path.join(root, "..", "shared", "media")))
    ap.add_argument("--out", help="folder for the made sounds (default: a temporary one)")
    ap.add_argument("--json", help="also write every figure here")
    a = ap.parse_args()

    wavs = sorted(glob.glob(os.path.join(a.media, "speech", "*.wav")))
    real = []
    for w in wavs:
        txt = w[:-4] + ".txt"
        if os.path.exists(txt):
            name = os.path.basename(w)[:-4]
            name = "lv" + name[-4:] if name.startswith("librivox") else name[:8]
            real.append((name, w, open(txt).read()))
    if not real:
        sys.exit("no speech with references in %s/speech" % a.media)

    out = a.out or tempfile.mkdtemp(prefix="reel-sphinx-settings-")
    os.makedirs(out, exist_ok=True)
    synth = []
    if shutil.which("espeak-ng"):
        for i, s in enumerate(SENTENCES):
            # 0.8 s of quiet before and after, as speech in a recording
            # has: without it the live cepstral mean has no time to settle
            # and nearly every word of a 2 s sentence is wrong
            raw, p = os.path.join(out, "raw%d.wav" % i), os.path.join(out, "espeak%d.wav" % i)
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", raw, s], check=True)
            ff("-i", raw, "-af", "adelay=800,apad=pad_dur=0.8", p)
            synth.append(("es%d" % i, p, s))
    else:
        print("# espeak-ng is not installed: real speech only")
    tel = []
    for name, w, ref in real:
        p = os.path.join(out, "tel-" + os.path.basename(w))
        ff("-i", w, "-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-ac", "1",
           "-c:a", "pcm_mulaw", p)
        tel.append(("tel-" + name, p, ref))

    files = real + synth
    names = [f[0] for f in files]
    rows = {}
    for label, args in GRID:
        w, t = run(a.reel, files, args)
        rows[label] = {"args": args, "wer": w, "cpu": t,
                       "real": mean(w[f[0]] for f in real),
                       "espeak": mean(w[f[0]] for f in synth)}

    def fmt_row(label, r, cols):
        cells = " ".join("%7.3f" % r["wer"][c] for c in cols)
        return "%-13s %s %7.3f %7.3f %6.1f  %s" % (label, cells, r["real"], r["espeak"], r["cpu"],
                                                  r["args"] or "(reel's defaults)")

    print("WER per file under each REEL_POCKETSPHINX_ARGS; real = mean over %d real files, "
          "espeak = mean over %d espeak-ng sentences; cpu = CPU seconds over all %d files"
          % (len(real), len(synth), len(files)))
    print("%-13s %s %7s %7s %6s  %s" % ("setting", " ".join("%7s" % n for n in names), "real",
                                         "espeak", "cpu", "args"))
    for label, _ in GRID:
        print(fmt_row(label, rows[label], names))

    base = rows["default"]
    best = min(GRID, key=lambda g: (round(rows[g[0]]["real"], 6), rows[g[0]]["cpu"]))[0]
    b = rows[best]

    # telephony: every setting (the default and the best are the ones asked)
    print("\n8 kHz telephony (300-3400 Hz, mu-law), upsampled to 16 kHz by reel; "
          "WER against the same references")
    tel_rows = {}
    for label, args in GRID:
        w, t = run(a.reel, tel, args)
        tel_rows[label] = {"wer": w, "cpu": t, "mean": mean(w.values())}
    print("%-13s %s %7s %7s %6s" % ("setting", " ".join("%12s" % n for n, _, _ in real),
                                     "mean", "16kHz", "cpu"))
    for label, r in tel_rows.items():
        cells = " ".join("%5.3f(%5.3f)" % (r["wer"]["tel-" + n], rows[label]["wer"][n])
                         for n, _, _ in real)
        print("%-13s %s %7.3f %7.3f %6.1f" % (label, cells, r["mean"], rows[label]["real"],
                                              r["cpu"]))
    print("(each cell: telephony WER (16 kHz WER); 16kHz: the mean of the originals)")

    tb = min(GRID, key=lambda g: (round(tel_rows[g[0]]["mean"], 6), tel_rows[g[0]]["cpu"]))[0]
    print("telephony: default %.3f, best setting for 16 kHz (%s) %.3f, best for telephony "
          "%s (%s) %.3f"
          % (tel_rows["default"]["mean"], best, tel_rows[best]["mean"], tb, rows[tb]["args"],
             tel_rows[tb]["mean"]))

    worse = max(b["wer"][n] - base["wer"][n] for n, _, _ in real)
    ratio = b["cpu"] / base["cpu"] if base["cpu"] else float("inf")
    meets = best != "default" and base["real"] - b["real"] >= 0.03 and worse <= 0.05 \
        and ratio <= 1.5
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"grid": rows, "telephony": tel_rows, "best": best, "meets_bar": meets},
                      f, indent=1)
    if not a.out:
        shutil.rmtree(out)
    print("best: %s (%s): mean WER %.3f on the real speech against the default's %.3f; "
          "worst file change %+.3f, CPU x%.2f; espeak %.3f against %.3f; %s"
          % (best, b["args"] or "reel's defaults", b["real"], base["real"], worse, ratio,
             b["espeak"], base["espeak"],
             "meets the bar for a new default" if meets else "does not meet the bar for a new default"))


if __name__ == "__main__":
    main()
