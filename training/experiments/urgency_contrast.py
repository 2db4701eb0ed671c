"""Experiment: do the written urgency contrast pairs teach the detector what makes an item urgent?

    python -m training.experiments.urgency_contrast [--out benchmarks/results/urgency_contrast.json]

The safeguarding head (concern-or-urgent, urgent) is fitted three ways, out of fold on gold `dev`
(the 3 folds of `triage train`): without the contrast items (`synth-uc-*`, see
training/urgency_synthetic.py), with them in the urgent label only (as `triage train` fits it), and
with them in both labels. All are scored on the same gold `dev` items, all but the contrast items, with the rule layer merged as the pipeline merges it, at the threshold
`triage train` would choose on those items and at 0.5. The contrast items themselves are scored only
in the fits that see them (out of fold), with the share of pairs whose "continuing" half gets the higher
urgent score.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from training.experiments.safeguarding_variants import by_kind

def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/urgency_contrast.json")
    a = ap.parse_args(argv)

    from training.adjudication import GOLD_DIR, _jsonl
    from training.train import (KIND_MIN_PRECISION, _source_kind, build_training_set, contrast_rows, embed_items,
                                fit_head, fit_lexical, gold_fold, recall_threshold_by_kind, with_safeguarding_cues)
    from triage.pipeline.heads import MultiLabelHead
    from triage.pipeline.lexical import combine

    ts = build_training_set()
    X, _ = embed_items(ts.texts, sents=ts.sents, progress=False)
    kinds = np.array([k for k, _ in ts.rows])
    ids = np.array([r.get("id", "") for _, r in ts.rows])
    contrast = contrast_rows(ts.rows)
    gold = np.where(kinds == "gold")[0]
    folds = np.array([gold_fold(i) for i in ids[gold]])
    kind = np.array([_source_kind(ts.rows[i][1].get("source", "")) for i in gold])
    yg = ts.Y["sg"][gold].astype(bool)
    sents = [ts.sents[i] for i in gold]
    scored = ~contrast[gold]  # the items both fits are scored on

    res: dict = {"data": "gold dev out of fold (3 folds of triage train), rule layer merged",
                 "scored_items": int(scored.sum()), "contrast_items": int(contrast.sum())}
    # TF-IDF vocabulary from the real and framework text, as triage train fits it
    XL = combine(X, fit_lexical(ts.texts, contrast).transform(ts.texts))
    labels, Y, W = ts.heads_labels["sg"], ts.Y["sg"], ts.W
    none = np.zeros(len(ts.rows), dtype=bool)
    fits = {  # name: fit(train mask) -> head
        "without_contrast": lambda m: fit_head(labels, XL, Y, W, m & ~contrast, none),
        "contrast_in_urgent_only": lambda m: fit_head(labels, XL, Y, W, m, contrast),  # as triage train fits
        "contrast_in_both_labels": lambda m: MultiLabelHead(labels).fit(XL[m], Y[m], sample_weight=W[m]),
    }
    for name, fit in fits.items():
        P = np.zeros((len(gold), 2), dtype=np.float32)
        for k in range(3):
            mask = np.ones(len(ts.rows), dtype=bool)
            mask[gold[folds == k]] = False
            P[folds == k] = fit(mask).predict_proba(XL[gold[folds == k]])
        Q = with_safeguarding_cues(P, sents)
        out: dict = {}
        for j, key, target in ((0, "concern_or_urgent", 0.95), (1, "urgent", 0.98)):
            s, y, kd = Q[scored, j], yg[scored, j], kind[scored]
            t, _ = recall_threshold_by_kind(y, s, kd, target, kind_min_precision=KIND_MIN_PRECISION)
            out[key] = {"threshold": round(t, 4), "at_threshold": by_kind(s >= t, y, kd),
                        "at_0.5": by_kind(s >= 0.5, y, kd)}
        if name != "without_contrast":
            c = contrast[gold]
            meta = {r["id"]: r for r in _jsonl(GOLD_DIR / "urgency_synthetic_items.jsonl")}
            pairs: dict = {}
            for row in np.where(c)[0]:
                m = meta[ids[gold][row]]
                pairs.setdefault(m["pair"], {})[m["intended"]] = float(Q[row, 1])
            full = [p for p in pairs.values() if len(p) == 2]
            out["contrast_items"] = {
                "urgent_recall_at_0.5": by_kind(Q[c, 1] >= 0.5, yg[c, 1], kind[c]),
                "pairs_continuing_scored_higher": f"{sum(p['continuing'] > p['past'] for p in full)}/{len(full)}"}
        res[name] = out
        print(name, json.dumps(out), flush=True)
    Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
