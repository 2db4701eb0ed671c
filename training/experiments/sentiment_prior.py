"""Experiment: does a per-class offset on the sentiment head's scores help the NHS 3-class labels?

    python -m training.experiments.sentiment_prior [--out benchmarks/results/sentiment_prior.json]

The NHS phase2 midpoint ("3", read as neutral) is a minority class that the
head rarely predicts. The sentiment head (embeddings + TF-IDF, as trained) is
fitted on the training rows outside an internal dev split (the same split as
training/experiments/lexical_heads.py); an offset added to the neutral
log-score is chosen on one half of the internal dev's phase2
respondents and reported on the other half, with phase1 criticality ends and
gold dev as guards (more neutral can only cost there).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/sentiment_prior.json")
    a = ap.parse_args(argv)

    from training import sources
    from training.experiments.lexical_heads import setup
    from triage.pipeline.heads import SingleLabelHead
    from triage.pipeline.lexical import Lexical, combine

    split = setup()
    ts, dev, sl, sy = split.ts, split.dev, split.sentiment, split.sy
    F = combine(split.X, Lexical.fit([t for t, d in zip(ts.texts, dev) if not d]).transform(ts.texts))
    m = ~dev & (sy >= 0)
    head = SingleLabelHead(sl, balanced=False).fit(F[m], sy[m], sample_weight=ts.W[m])
    logp = np.log(head.predict_proba(F) + 1e-12)
    src = np.array([r.get("source", "gold" if k == "gold" else k) for k, r in ts.rows])
    grp = np.array([r.get("group", "") for _, r in ts.rows])
    p2 = np.where(dev & (src == sources.P2) & (sy >= 0))[0]
    half = np.array([sources.bucket("half|" + g) < 0.5 for g in grp[p2]])
    tune, report = p2[half], p2[~half]
    p1 = np.where(dev & (src == sources.P1) & (sy >= 0))[0]
    gold = np.where(np.array([k == "gold" for k, _ in ts.rows]) & (sy >= 0))[0]  # in training: a guard only
    neutral = sl.index("neutral")

    def acc(idx, off):
        z = logp[idx].copy()
        z[:, neutral] += off
        pred = z.argmax(axis=1)  # "mixed" counts as wrong on the NHS scales, as in `triage evaluate`
        return round(float((pred == sy[idx]).mean()), 4)

    grid = [round(x, 2) for x in np.arange(0.0, 2.01, 0.25)]
    rows = {str(o): {"phase2_tune": acc(tune, o), "phase2_report": acc(report, o), "phase1_ends": acc(p1, o),
                     "gold_dev_in_training": acc(gold, o)} for o in grid}
    best = max(grid, key=lambda o: (rows[str(o)]["phase2_tune"], -o))
    res = {"items": {"phase2_tune": int(len(tune)), "phase2_report": int(len(report)), "phase1_ends": int(len(p1))},
           "offsets": rows, "chosen_on_tune_half": best, "at_chosen": rows[str(best)]}
    print(json.dumps(res, indent=1))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
