"""Experiment: how much weak labels and gold weight help the human-rights heads.

    python -m training.experiments.rights_heads [--out benchmarks/results/rights_heads.json]

The FREDA, rights, seldom-heard group and epistemic-injustice heads learn from three kinds of rows:
weak rows (NHS and Oregon training text labelled through the crosswalks and the rule layer), the
framework's seed sentences, and the adjudicated gold `dev` items (weight ``GOLD_WEIGHT``). The
crosswalks name these labels only loosely (an NHS "Dignity" tag is not the manual's dignity), so
weak rows may teach the heads a different label than the annotators apply. Varied here:
  - weak weight: the weak rows' weight in these heads, scaled (1 = as trained now, 0 = gold and
    seeds only);
  - gold weight: the gold `dev` rows' weight;
  - stacking (``--stack``): a second logistic regression per label, fitted on gold `dev` alone, whose
    inputs are every head's out-of-fold scores (quality statements, FREDA, rights, groups, EI,
    safeguarding types and urgency) with the rule layer's lift, so that related labels inform each other
    (sexual abuse and Article 3, restraint and Article 5); scored alone and averaged with the head.
Measured out of fold on gold `dev` (the 3 folds of `triage train`), with the rule layer lifting
scores as the pipeline does, and with **nested** thresholds: each fold's per-label thresholds are
chosen on the other two folds' out-of-fold scores, so the figure is not tuned on the items it scores.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HEADS = ("freda", "rights", "seldom_heard", "ei")


def micro_f1(P: np.ndarray, Y: np.ndarray) -> dict:
    tp, fp, fn = int((P & Y).sum()), int((P & ~Y).sum()), int((~P & Y).sum())
    return {"f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4), "tp": tp, "fp": fp, "fn": fn}


def nested_predictions(S: np.ndarray, Y: np.ndarray, folds: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """Binary predictions where each fold's per-label thresholds come from the other folds."""
    from training.train import _best_threshold

    out = np.zeros_like(Y, dtype=bool)
    for k in range(3):
        m = folds == k
        for j in range(Y.shape[1]):
            if not trained[j]:
                continue
            t = _best_threshold(Y[~m, j], S[~m, j])
            out[m, j] = S[m, j] >= t
    return out


def _lift(ts, h: str, gold: np.ndarray) -> np.ndarray:
    """The rule layer's score per gold item and label of head h (0 where no cue fires)."""
    from training.train import with_label_cues

    zeros = np.zeros((len(gold), len(ts.heads_labels[h])), dtype=np.float32)
    return with_label_cues(zeros, h, ts.heads_labels[h], [ts.sents[gi] for gi in gold])


def stacking(ts, XL, gold: np.ndarray, folds: np.ndarray, heads, real: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression
    from triage.pipeline.heads import MultiLabelHead

    oof, trained = {}, {}
    for h in ("quality_statements", "freda", "rights", "seldom_heard", "ei", "sg_types", "sg"):
        labels, Y = ts.heads_labels[h], ts.Y[h]
        S = np.zeros((len(gold), len(labels)), dtype=np.float32)
        tr = np.zeros(len(labels), dtype=bool)
        for k in range(3):
            mask = real.copy()
            mask[gold[folds == k]] = False
            m = MultiLabelHead(labels).fit(XL[mask], Y[mask], sample_weight=ts.W[mask])
            S[folds == k] = m.predict_proba(XL[gold[folds == k]])
            tr |= m.trained_
        oof[h], trained[h] = np.maximum(S, _lift(ts, h, gold)), tr
        print(f"first stage {h} done", flush=True)
    Z = np.hstack([oof[h] for h in oof])
    res = {}
    for h in heads:
        Yg = ts.Y[h][gold].astype(bool)
        S2 = np.zeros_like(oof[h])
        for k in range(3):
            m = folds == k
            for j in range(Yg.shape[1]):
                if Yg[~m, j].sum() < 3:
                    S2[m, j] = oof[h][m, j]
                    continue
                clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(Z[~m], Yg[~m, j])
                S2[m, j] = clf.predict_proba(Z[m])[:, 1]
        for name, S in (("head", oof[h]), ("stack", S2), ("average", (oof[h] + S2) / 2)):
            P = nested_predictions(S, Yg, folds, trained[h])
            res[f"{h}|{name}"] = {"micro": micro_f1(P, Yg), "per_label": {
                l: micro_f1(P[:, j], Yg[:, j]) for j, l in enumerate(ts.heads_labels[h]) if Yg[:, j].any()}}
            print(f"{h}|{name}", json.dumps(res[f"{h}|{name}"]["micro"]), flush=True)
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/rights_heads.json")
    ap.add_argument("--weak-weights", type=float, nargs="+", default=[1.0, 0.3, 0.1])
    ap.add_argument("--gold-weights", type=float, nargs="+", default=[10.0, 30.0])
    ap.add_argument("--heads", nargs="+", default=list(HEADS))
    ap.add_argument("--stack", action="store_true", help="only the stacking comparison (weights as trained)")
    a = ap.parse_args(argv)

    from training.train import build_training_set, contrast_rows, embed_items, fit_lexical, gold_fold
    from triage.pipeline.heads import MultiLabelHead
    from triage.pipeline.lexical import combine

    ts = build_training_set()
    X, _ = embed_items(ts.texts, sents=ts.sents, progress=False)
    XL = combine(X, fit_lexical(ts.texts, contrast_rows(ts.rows)).transform(ts.texts))
    kinds = np.array([k for k, _ in ts.rows])
    real = ~contrast_rows(ts.rows)  # these heads never see the written urgency contrast pairs
    gold = np.where((kinds == "gold") & real)[0]
    folds = np.array([gold_fold(ts.rows[i][1]["id"]) for i in gold])

    res: dict = {}
    if a.stack:
        res = stacking(ts, XL, gold, folds, a.heads, real)
        a.weak_weights, a.gold_weights = [], []
    for h in a.heads if not a.stack else ():
        labels = ts.heads_labels[h]
        Y = ts.Y[h]
        Yg = Y[gold].astype(bool)
        lift = _lift(ts, h, gold)
        for ww in a.weak_weights:
            for gw in a.gold_weights:
                W = np.where(kinds == "weak", ts.W * ww, np.where(kinds == "gold", gw, ts.W))
                t0 = time.perf_counter()
                S = np.zeros((len(gold), len(labels)), dtype=np.float32)
                trained = np.zeros(len(labels), dtype=bool)
                for k in range(3):
                    mask = (W > 0) & real
                    mask[gold[folds == k]] = False
                    m = MultiLabelHead(labels).fit(XL[mask], Y[mask], sample_weight=W[mask])
                    S[folds == k] = m.predict_proba(XL[gold[folds == k]])
                    trained |= m.trained_
                S = np.maximum(S, lift)
                P = nested_predictions(S, Yg, folds, trained)
                per_label = {l: micro_f1(P[:, j], Yg[:, j]) for j, l in enumerate(labels) if Yg[:, j].any()}
                name = f"{h}|weak_weight_{ww}|gold_weight_{gw}"
                res[name] = {"micro": micro_f1(P, Yg), "per_label": per_label,
                             "seconds": round(time.perf_counter() - t0, 1)}
                print(name, json.dumps(res[name]["micro"]), flush=True)
    result = {"data": "gold dev, out of fold (the 3 folds of triage train), nested per-label thresholds, "
                      "rule layer applied", "items": int(len(gold)), "variants": res}
    Path(a.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
