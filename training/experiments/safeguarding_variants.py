"""Experiment: how the safeguarding detector could find more of the NHS concerns it misses.

    python -m training.experiments.safeguarding_variants [--out benchmarks/results/safeguarding_variants.json]

Out of fold on gold `dev`, the detector finds nearly every Oregon and speak-up concern but only
about three in four NHS ones. Three changes, measured together:
  - sentence max: score = max(item score, w x the best single sentence's score), since one sentence
    about neglect can be diluted in a long comment (the pipeline scores sentences already);
  - NHS weak weight: the NHS training rows carry safeguarding labels from the rule layer alone, so
    a comment with no cue word teaches "no concern"; their weight in the head is scaled down;
  - kind precision floor: the operating threshold is the lowest of the per-kind recall-first
    thresholds (`recall_threshold_by_kind`); each kind must keep this precision within itself.
Heads are refitted without each of the 3 folds `triage train` uses; the rule layer is combined as
`triage train` does. Reported per kind of source: recall found/positives and precision, for
concern-or-urgent and urgent, and a concern-or-urgent curve over thresholds.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

CURVE = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def by_kind(flag: np.ndarray, y: np.ndarray, kind: np.ndarray) -> dict:
    out = {}
    for k in sorted(set(kind)):
        m = kind == k
        tp = int((flag & y & m).sum())
        out[str(k)] = {"recall": f"{tp}/{int((y & m).sum())}",
                       "precision": round(tp / max(int((flag & m).sum()), 1), 3)}
    out["all"] = {"recall": f"{int((flag & y).sum())}/{int(y.sum())}",
                  "precision": round(int((flag & y).sum()) / max(int(flag.sum()), 1), 3)}
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/safeguarding_variants.json")
    ap.add_argument("--sentence-weights", type=float, nargs="+", default=[0.0, 1.0])
    ap.add_argument("--nhs-weak-weights", type=float, nargs="+", default=[1.0, 0.3, 0.1, 0.0])
    ap.add_argument("--kind-min-precision", type=float, nargs="+", default=[0.5, 0.4, 1 / 3, 0.25])
    a = ap.parse_args(argv)

    from training import sources
    from training.train import (_source_kind, build_training_set, contrast_rows, embed_items, fit_head, fit_lexical,
                                gold_fold, recall_threshold_by_kind, with_safeguarding_cues)
    from triage.pipeline.embed import default_embedder
    from triage.pipeline.heads import sentence_features
    from triage.pipeline.lexical import combine

    ts = build_training_set()
    X, _ = embed_items(ts.texts, sents=ts.sents, progress=False)
    contrast = contrast_rows(ts.rows)  # as triage train: they train the urgent label and are never scored
    lex = fit_lexical(ts.texts, contrast)
    XL = combine(X, lex.transform(ts.texts))
    kinds = np.array([k for k, _ in ts.rows])
    gold = np.where((kinds == "gold") & ~contrast)[0]
    folds = np.array([gold_fold(ts.rows[i][1]["id"]) for i in gold])
    Y, W, labels = ts.Y["sg"], ts.W, ts.heads_labels["sg"]
    nhs_weak = np.array([k == "weak" and r["source"] in (sources.P1, sources.P2) for k, r in ts.rows])

    # each gold item's sentences, seen as items (as the pipeline scores them for evidence)
    sents = [ts.sents[i] or [] for i in gold]
    flat = [s.text for ss in sents for s in ss]
    bounds = np.cumsum([0] + [len(ss) for ss in sents])
    SXL = combine(sentence_features(default_embedder().encode(flat)), lex.transform(flat))

    gold_sents = [ts.sents[i] for i in gold]
    kind = np.array([_source_kind(ts.rows[i][1].get("source", "")) for i in gold])
    yg = Y[gold].astype(bool)

    res = {}
    for nw in a.nhs_weak_weights:
        Wv = np.where(nhs_weak, W * nw, W)
        P = np.zeros((len(gold), 2), dtype=np.float32)
        S = np.zeros((len(gold), 2), dtype=np.float32)
        for k in range(3):
            mask = np.ones(len(ts.rows), dtype=bool)
            mask[gold[folds == k]] = False
            head = fit_head(labels, XL, Y, Wv, mask, contrast)
            P[folds == k] = head.predict_proba(XL[gold[folds == k]])
            sp = head.predict_proba(SXL)
            for row in np.where(folds == k)[0]:
                if bounds[row + 1] > bounds[row]:
                    S[row] = sp[bounds[row]:bounds[row + 1]].max(axis=0)
        for w in a.sentence_weights:
            Q = with_safeguarding_cues(np.maximum(P, w * S), gold_sents)
            for kp in a.kind_min_precision:
                out = {}
                for j, key, target in ((0, "concern_or_urgent", 0.95), (1, "urgent", 0.98)):
                    t, _ = recall_threshold_by_kind(yg[:, j], Q[:, j], kind, target, kind_min_precision=kp)
                    out[key] = {"threshold": round(t, 4), **by_kind(Q[:, j] >= t, yg[:, j], kind)}
                name = f"nhs_weak_{nw}|sentence_weight_{w}|kind_min_precision_{kp:.2f}"
                res[name] = out
                print(name, json.dumps(out))
            res[f"nhs_weak_{nw}|sentence_weight_{w}|concern_or_urgent_curve"] = {
                f"{t:.2f}": by_kind(Q[:, 0] >= t, yg[:, 0], kind) for t in CURVE}
    result = {"data": "gold dev, out of fold (the 3 folds of triage train)", "items": int(len(gold)),
              "variants": res}
    Path(a.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
