#!/usr/bin/env python3
"""Speech with known word times, for the alignment tests and bench.

Each word is spoken alone by espeak-ng, its silence trimmed, and the words
are joined with short gaps (longer after a sentence), so the start of every
word in the result is known to the sample:

  speech-truth.py OUT.wav "Sentence one. Sentence two." [--rate 160] [--seed N]

writes OUT.wav (16 kHz mono), OUT.txt (the script) and OUT.truth.json
([{"word", "start", "end"}] in seconds).
"""
import argparse, array, json, os, random, subprocess, tempfile, wave

p = argparse.ArgumentParser()
p.add_argument('out')
p.add_argument('text')
p.add_argument('--rate', type=int, default=160)
p.add_argument('--voice', default='en-us')
p.add_argument('--seed', type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)
RATE = 16000


def speak(word, tmp):
    raw = os.path.join(tmp, 'w.wav')
    subprocess.run(['espeak-ng', '-v', a.voice, '-s', str(a.rate), '-w', raw, word], check=True)
    # espeak-ng writes 22050 Hz; resample with ffmpeg to 16 kHz mono s16
    res = os.path.join(tmp, 'r.wav')
    subprocess.run(['ffmpeg', '-v', 'error', '-y', '-i', raw, '-ar', str(RATE), '-ac', '1',
                    '-c:a', 'pcm_s16le', res], check=True)
    with wave.open(res) as w:
        s = array.array('h', w.readframes(w.getnframes()))
    thr = max(300, max(abs(x) for x in s) // 20)
    i = next(k for k, x in enumerate(s) if abs(x) > thr)
    j = len(s) - next(k for k, x in enumerate(reversed(s)) if abs(x) > thr)
    return s[max(0, i - 16):j + 16]


out = array.array('h', [0] * int(0.4 * RATE))
truth = []
with tempfile.TemporaryDirectory() as tmp:
    for tok in a.text.split():
        s = speak(tok, tmp)
        start = len(out) + 16
        out.extend(s)
        truth.append({'word': tok, 'start': round(start / RATE, 3),
                      'end': round((len(out) - 16) / RATE, 3)})
        gap = rng.uniform(0.35, 0.6) if tok[-1] in '.?!' else rng.uniform(0.04, 0.12)
        out.extend([0] * int(gap * RATE))
out.extend([0] * int(0.4 * RATE))
with wave.open(a.out, 'wb') as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(out.tobytes())
base = os.path.splitext(a.out)[0]
with open(base + '.txt', 'w') as f:
    f.write(a.text + '\n')
with open(base + '.truth.json', 'w') as f:
    json.dump(truth, f, indent=1)
