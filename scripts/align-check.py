#!/usr/bin/env python3
"""How well a script was aligned: each script word's start against the truth.

  align-check.py ALIGNED.json --truth TRUTH.json [--max-ms 150]
      TRUTH from scripts/speech-truth.py: the known start of every word;
  align-check.py ALIGNED.json --heard [--max-ms 150]
      no truth: against the recogniser's own times for the words it heard
      right (the same word within 1 s), as the issue's measure allows.
Prints one line per word, then a summary line "words N placed N within N
max_ms X"; exit 1 when a word is missing or off by more than --max-ms.
"""
import argparse, json, re, sys

p = argparse.ArgumentParser()
p.add_argument('aligned')
p.add_argument('--truth')
p.add_argument('--heard', action='store_true')
p.add_argument('--max-ms', type=float, default=150)
p.add_argument('--quiet', action='store_true')
a = p.parse_args()
j = json.load(open(a.aligned))
words = j['words']
norm = lambda s: re.sub(r"[^a-z0-9']", '', s.lower())
offs = []
if a.truth:
    truth = json.load(open(a.truth))
    if [norm(w['word']) for w in words] != [norm(t['word']) for t in truth]:
        print('the aligned words are not the script words', file=sys.stderr)
        print(' '.join(w['word'] for w in words), file=sys.stderr)
        sys.exit(1)
    for w, t in zip(words, truth):
        offs.append((w['word'], t['start'], w['start'], w.get('aligned', '')))
else:
    for w in words:
        c = [h for h in j.get('heard', []) if norm(h['word']) == norm(w['word'])
             and abs(h['start'] - w['start']) < 1.0]
        if c:
            h = min(c, key=lambda h: abs(h['start'] - w['start']))
            offs.append((w['word'], h['start'], w['start'], w.get('aligned', '')))
bad = 0
worst = 0.0
for word, ref, got, how in offs:
    d = (got - ref) * 1000
    worst = max(worst, abs(d))
    bad += abs(d) > a.max_ms
    if not a.quiet:
        print(f'{word:16s} {ref:8.3f} {got:8.3f} {d:+7.0f} ms {how}')
al = j.get('alignment', {})
print(f"words {len(words)} compared {len(offs)} within {len(offs) - bad} max_ms {worst:.0f} "
      f"forced {al.get('forced', 0)} matched {al.get('matched', 0)} "
      f"interpolated {al.get('interpolated', 0)} heard_wer {al.get('heard_wer', 0):.2f}")
sys.exit(1 if bad or not offs else 0)
