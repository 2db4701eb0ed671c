"""Experiment: do lexical (TF-IDF) features beside the frozen sentence embeddings help?

    python -m training.experiments.lexical_heads [--out benchmarks/results/lexical_heads.json]

Measured on an *internal* dev split carved from the training rows by group (NHS
phase1 Trust B; 30% of phase2 and Oregon training respondents/facilities), so
the held-out test splits of `triage evaluate` are not used to choose a method.
Variants, each trained on the remaining rows with the same labels and weights:
- emb: our head (logistic regression on [mean, max] sentence embeddings);
- lex: logistic regression on TF-IDF 1-2 grams;
- late: mean of the two probabilities;
- early: one logistic regression on [embeddings, TF-IDF] (scaled by `--lex-scale`);
- peer: the NHS peer recipe (training/peer.py).
Reported: quality-statement macro/micro-F1 through the crosswalk (threshold 0.5
and per-label thresholds tuned on the internal dev itself, the optimistic
bound), and sentiment 3-class accuracy on NHS respondents' own ratings.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def internal_dev(row) -> bool:
    from training import sources

    kind, r = row
    if kind != "weak":
        return False
    if r["source"] == sources.P1:
        return r["group"] == "Trust B"
    return sources.bucket("dev|" + r["source"] + "|" + r["group"]) < 0.3


def macro_micro(Y: np.ndarray, P: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    sup = Y.sum(axis=0) > 0
    macro = f1_score(Y[:, sup], P[:, sup], average="macro", zero_division=0)
    micro = f1_score(Y, P, average="micro", zero_division=0)
    return round(float(macro), 4), round(float(micro), 4)


@dataclass
class InternalSplit:
    """Training rows and their embedding features, split into internal train and dev by group."""

    ts: object          # training.train.TrainingSet
    X: np.ndarray       # embedding features of every row (float32, cached)
    dev: np.ndarray     # bool: the row is in the internal dev split
    truth: np.ndarray   # quality statements of dev rows through the crosswalk of their own label
    by_src: dict        # source -> dev rows with a mapped label
    sentiment: list     # sentiment labels (taxonomy order)
    sy: np.ndarray      # each row's sentiment label index, -1 where it has none


def setup() -> InternalSplit:
    """Training rows, their embedding features, the internal dev mask and its crosswalk truth."""
    from training import sources
    from training.train import build_training_set, embed_items
    from training.weak import crosswalk_ids
    from triage.taxonomy import load_taxonomy

    ts = build_training_set()
    X, _ = embed_items(ts.texts, sents=ts.sents, progress=False)
    dev = np.array([internal_dev(r) for r in ts.rows])
    labels = ts.heads_labels["quality_statements"]
    # dev truth: the crosswalk of the row's own label (only rows whose label maps to a statement)
    truth = np.zeros((len(ts.rows), len(labels)), dtype=np.int8)
    for i, (kind, r) in enumerate(ts.rows):
        if dev[i]:
            for x in crosswalk_ids(r):
                if x in labels:
                    truth[i, labels.index(x)] = 1
    by_src = {}
    for src in (sources.P1, sources.P2, sources.OR):
        by_src[src] = np.array([i for i, (k, r) in enumerate(ts.rows)
                                if dev[i] and r["source"] == src and truth[i].any()])
    print({s: len(v) for s, v in by_src.items()}, "internal dev items with a mapped label; train rows",
          int((~dev).sum()))
    sl = list(load_taxonomy().sentiment)
    sy = np.array([sl.index(y) if y is not None else -1 for y in ts.sent_y])
    return InternalSplit(ts, X, dev, truth, by_src, sl, sy)


def fit_multi(F, Fd, Y, W, C=1.0):
    """Per-label balanced logistic regressions on F (rows with weights W), probabilities for Fd."""
    from sklearn.linear_model import LogisticRegression

    P = np.zeros((Fd.shape[0], Y.shape[1]), dtype=np.float32)
    for j in range(Y.shape[1]):
        if Y[:, j].sum() < 3:
            continue
        clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        clf.fit(F, Y[:, j], sample_weight=W)
        P[:, j] = clf.predict_proba(Fd)[:, 1]
    return P


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/lexical_heads.json")
    ap.add_argument("--lex-scale", type=float, nargs="+", default=[1.0, 2.0])
    ap.add_argument("--C", type=float, nargs="+", default=[0.5, 1.0, 2.0], help="regularisation of the early-fusion heads")
    ap.add_argument("--sentiment-C", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0])
    ap.add_argument("--max-features", type=int, default=30000)
    a = ap.parse_args(argv)

    from training import sources
    from training.peer import PeerRecipe
    from triage.pipeline.heads import MultiLabelHead, SingleLabelHead
    from triage.pipeline.lexical import Lexical, combine

    split = setup()
    ts, X, dev, truth, by_src = split.ts, split.X, split.dev, split.truth, split.by_src
    tr = ~dev
    labels = ts.heads_labels["quality_statements"]
    Y = ts.Y["quality_statements"]
    W = ts.W

    t0 = time.perf_counter()
    lex = Lexical.fit([ts.texts[i] for i in np.where(tr)[0]], max_features=a.max_features)
    T_all = lex.transform(ts.texts)
    T = T_all[tr]
    print(f"tfidf {T.shape} in {time.perf_counter() - t0:.1f}s")

    dev_idx = np.where(dev)[0]
    probs = {}
    t0 = time.perf_counter()
    probs["emb"] = MultiLabelHead(labels).fit(X[tr], Y[tr], sample_weight=W[tr]).predict_proba(X[dev_idx])
    print(f"emb {time.perf_counter() - t0:.0f}s")
    t0 = time.perf_counter()
    probs["lex"] = fit_multi(T, T_all[dev_idx], Y[tr], W[tr])
    print(f"lex {time.perf_counter() - t0:.0f}s")
    probs["late"] = (probs["emb"] + probs["lex"]) / 2
    for s in a.lex_scale:
        for C in a.C:
            t0 = time.perf_counter()
            F, Fd = combine(X[tr], T * s), combine(X[dev_idx], T_all[dev_idx] * s)
            name = f"early_x{s}" + (f"_C{C}" if len(a.C) > 1 else "")
            probs[name] = fit_multi(F, Fd, Y[tr], W[tr], C)
            print(f"{name} {time.perf_counter() - t0:.0f}s")
    peer = PeerRecipe(labels).fit([ts.texts[i] for i in np.where(tr)[0]], Y[tr], W[tr])
    peer_sets = peer.predict_sets([ts.texts[i] for i in dev_idx])
    pos = {i: k for k, i in enumerate(dev_idx)}

    res: dict = {"internal_dev_items": {s: int(len(v)) for s, v in by_src.items()}, "train_rows": int(tr.sum()),
                 "quality_statements": {}}
    for src, idx in by_src.items():
        if not len(idx):
            continue
        rows_ = [pos[i] for i in idx]
        Yt = truth[idx]
        out = {}
        for name, P in probs.items():
            Pk = P[rows_]
            out[name] = {"t0.5": macro_micro(Yt, (Pk >= 0.5).astype(int))}
            # best single global threshold (optimistic: tuned on the same rows)
            best = max((macro_micro(Yt, (Pk >= t).astype(int))[0], t) for t in np.arange(0.3, 0.95, 0.05))
            out[name]["best_global_t"] = [best[0], round(float(best[1]), 2)]
        Pp = np.array([[int(l in s) for l in labels] for s in (peer_sets[r] for r in rows_)])
        out["peer"] = {"t0.3": macro_micro(Yt, Pp)}
        res["quality_statements"][src] = out
        print(src, json.dumps(out))

    # sentiment: NHS respondents' own ratings (phase2) and criticality ends (phase1)
    sl, sy = split.sentiment, split.sy
    m = tr & (sy >= 0)
    sres = {}
    Fa = combine(X, T_all)
    variants = {"emb": (X, 1.0, False)}
    for C in a.sentiment_C:
        variants[f"early_x1.0_C{C}"] = (Fa, C, False)
    variants["early_x1.0_C1.0_balanced"] = (Fa, 1.0, True)
    for name, (F, C, bal) in variants.items():
        clf = SingleLabelHead(sl, C=C, balanced=bal).fit(F[m], sy[m], sample_weight=W[m])
        Pd = clf.predict_proba(F[dev_idx])
        for src in (sources.P1, sources.P2):
            idx = [k for k, i in enumerate(dev_idx) if ts.rows[i][1]["source"] == src and sy[i] >= 0]
            pred = Pd[idx].argmax(axis=1)
            acc = float((pred == sy[dev_idx][idx]).mean())
            sres.setdefault(src, {})[name] = round(acc, 4)
    res["sentiment_3class_accuracy"] = sres
    print(json.dumps(sres))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
