#!/usr/bin/env python3
"""Run `reel eval` on a labelled corpus (scripts/eval-corpus.py) and print,
per gate, the confusion table (a positive is a render the gate must fail),
precision and recall, every clean render's score, and each wrong verdict
with the gate's advice.

usage: eval-calibrate.py CORPUS_DIR [--reel PATH] [--jobs N]
                         [--min-precision P] [--min-recall R] [--min-clean-score S]
                         [--report FILE.json]

The last line gives the worst gate's precision and recall. With the --min
options the exit status is 1 when a target is missed (the targets of issue
#16: 0.95, 0.95 and 0.9).
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys

GATES = ["clarity", "punchiness", "retention", "captions", "brand", "watchability"]


def evaluate(reel, it):
    out = it["render"] + ".eval.json"
    argv = [reel, "eval", it["render"], "--plan", it["plan"], "--json", "--pace", it["pace"]]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        return it, None, r.stderr.strip()[-500:]
    with open(out, "w") as f:
        f.write(r.stdout)
    return it, json.loads(r.stdout), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--reel", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                   "reel"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--min-precision", type=float, default=None)
    ap.add_argument("--min-recall", type=float, default=None)
    ap.add_argument("--min-clean-score", type=float, default=None)
    ap.add_argument("--report", default=None)
    a = ap.parse_args()
    items = json.load(open(os.path.join(a.corpus, "corpus.json")))
    reel = os.path.abspath(a.reel)
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results = list(ex.map(lambda it: evaluate(reel, it), items))
    conf = {g: {"tp": 0, "fp": 0, "tn": 0, "fn": 0} for g in GATES}
    wrong, clean, failed, rows = [], [], [], []
    for it, rep, err in results:
        if rep is None:
            failed.append((it["name"], err))
            continue
        ms = {m["metric"]: m for m in rep["metrics"]}
        row = {"name": it["name"], "defect": it["defect"], "overall": rep["overall"],
               "golden": rep["golden"], "gates": {}}
        for g in GATES:
            m = ms.get(g)
            if g in it["ignore"] or m is None:
                continue
            failed_gate = bool(m["applicable"]) and not m["gate"]
            row["gates"][g] = not failed_gate
            want_fail = g in it["fail"]
            if want_fail and failed_gate:
                conf[g]["tp"] += 1
            elif want_fail:
                conf[g]["fn"] += 1
                wrong.append((it["name"], g, "passed a render it must fail",
                              m.get("advice", []), m.get("evidence")))
            elif failed_gate:
                conf[g]["fp"] += 1
                wrong.append((it["name"], g, "failed a good render", m.get("advice", []), None))
            else:
                conf[g]["tn"] += 1
        if not it["fail"]:
            clean.append((it["name"], rep["overall"], rep["golden"]))
        rows.append(row)
    print("%-13s %4s %4s %4s %4s  %9s %6s" % ("gate", "TP", "FP", "FN", "TN", "precision",
                                             "recall"))
    worst_p, worst_r = 1.0, 1.0
    summary = {}
    for g in GATES:
        c = conf[g]
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        worst_p, worst_r = min(worst_p, p), min(worst_r, r)
        summary[g] = dict(c, precision=p, recall=r)
        print("%-13s %4d %4d %4d %4d  %9.3f %6.3f" % (g, c["tp"], c["fp"], c["fn"], c["tn"], p, r))
    print()
    print("clean renders (overall score, golden):")
    for n, s, gd in clean:
        print("  %-44s %.3f %s" % (n, s, "golden" if gd else "NOT golden"))
    lo = min((s for _, s, _ in clean), default=1.0)
    golden = sum(1 for _, _, gd in clean if gd)
    print("clean: %d of %d golden, lowest score %.3f" % (golden, len(clean), lo))
    if wrong:
        print()
        print("wrong verdicts:")
        for n, g, what, adv, _ in wrong:
            print("  %s: %s %s%s" % (n, g, what, (": " + " | ".join(adv)) if adv else ""))
    for n, e in failed:
        print("  %s: reel eval failed: %s" % (n, e))
    if a.report:
        with open(a.report, "w") as f:
            json.dump({"gates": summary, "renders": rows}, f, indent=1)
    print("worst gate: precision %.3f recall %.3f; clean renders %d/%d golden, lowest %.3f; "
          "%d renders" % (worst_p, worst_r, golden, len(clean), lo, len(items)))
    bad = bool(failed)
    if a.min_precision is not None and worst_p < a.min_precision:
        bad = True
    if a.min_recall is not None and worst_r < a.min_recall:
        bad = True
    if a.min_clean_score is not None and (lo < a.min_clean_score or golden < len(clean)):
        bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
