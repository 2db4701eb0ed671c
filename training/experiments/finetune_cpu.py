"""Experiment: does contrastive (SetFit-style) fine-tuning of the packaged encoder help the gold-only
labels (safeguarding, rights, FREDA, epistemic injustice, groups, quality statements)? On CPU.

    python -m training.experiments.finetune_cpu [--epochs 2] [--out benchmarks/results/finetune_cpu.json]

No GPU was lent to this task, so this is the CPU-sized version of `setfit_gpu.py`, on the gold set
only. For each of the 3 gold `dev` folds that `triage train` uses:
  - a copy of all-MiniLM-L6-v2 is fine-tuned on the gold dev items outside the fold: in-batch
    negatives (multiple-negatives ranking), each anchor paired with another item that shares one of
    its labels, the label drawn with weight 1/frequency so rare labels (urgent, Article 3,
    hermeneutical injustice) are not drowned by common ones;
  - every gold dev item is embedded the way the pipeline does it (per sentence, then [mean, max]);
  - per-label balanced logistic regressions are fitted on the items outside the fold, for the
    fine-tuned and for the frozen encoder alike, and score the fold.
Reported out of fold, per head: micro and macro average precision (threshold-free) and, for
safeguarding concern-or-urgent, recall by kind of source at precision >= 1/3 within each kind.
Only the encoder differs between the two columns; TF-IDF and the weak rows are left out of both, so
the figures isolate what fine-tuning changes in the sentence vectors.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

HEADS = ("sg", "rights", "freda", "ei", "seldom_heard", "quality_statements", "sg_types")


def tags(g: dict) -> list[str]:
    f = g["final"]
    out = list(f["quality_statements"]) + list(f["freda"]) + list(f["rights"]) + list(f["seldom_heard"])
    out += list(f["epistemic_injustice"]["kinds"]) + list(f["safeguarding"]["types"])
    if f["safeguarding"]["urgency"] != "none":
        out.append("urgency:" + f["safeguarding"]["urgency"])
    out.append("sentiment:" + f["sentiment"])
    return out


def finetune(model, texts: list[str], item_tags: list[list[str]], epochs: int, batch: int, lr: float, seed: int):
    import torch
    import torch.nn.functional as F

    rng = random.Random(seed)
    freq = Counter(t for ts in item_tags for t in ts)
    by: dict[str, list[int]] = {}
    for i, ts in enumerate(item_tags):
        for t in ts:
            by.setdefault(t, []).append(i)
    anchors = [i for i, ts in enumerate(item_tags) if any(len(by[t]) > 1 for t in ts)]
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        rng.shuffle(anchors)
        for s in range(0, len(anchors) - batch + 1, batch):
            a = anchors[s:s + batch]
            pos = []
            for i in a:
                cand = [t for t in item_tags[i] if len(by[t]) > 1]
                t = rng.choices(cand, weights=[1 / freq[c] for c in cand])[0]
                j = i
                while j == i:
                    j = rng.choice(by[t])
                pos.append(j)
            feats = model.tokenize([texts[i] for i in a] + [texts[j] for j in pos])
            emb = F.normalize(model(feats)["sentence_embedding"], dim=-1)
            ea, ep = emb[:len(a)], emb[len(a):]
            loss = F.cross_entropy(20.0 * ea @ ep.T, torch.arange(len(a)))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model


def features(model, sents: list[list]) -> np.ndarray:
    from triage.pipeline.heads import item_features

    flat = [s.text for ss in sents for s in ss]
    vecs = model.encode(flat, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False).astype(np.float32)
    bounds = np.cumsum([0] + [len(ss) for ss in sents])
    return np.stack([item_features(vecs[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/finetune_cpu.json")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2])
    a = ap.parse_args(argv)

    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score

    from training.gold_data import load_gold
    from training.train import _recall_threshold, _source_kind, gold_fold
    from triage.pipeline.embed import MiniLMEmbedder
    from triage.pipeline.preprocess import split_sentences
    from triage.taxonomy import load_taxonomy

    torch.manual_seed(0)
    tax = load_taxonomy()
    gold = [g for g in load_gold() if g["split"] == "dev"]
    texts = [g["text"] for g in gold]
    sents = [s or [] for s in split_sentences(texts)]
    item_tags = [tags(g) for g in gold]
    fold = np.array([gold_fold(g["id"]) for g in gold])
    kind = np.array([_source_kind(g["source"]) for g in gold])
    labels = {"quality_statements": list(tax.quality_statements), "freda": list(tax.freda),
              "rights": list(tax.rights), "seldom_heard": list(tax.seldom_heard), "ei": list(tax.ei_kinds),
              "sg_types": list(tax.sg_types), "sg": ["concern_or_urgent", "urgent"]}
    Y = {h: np.zeros((len(gold), len(l)), dtype=bool) for h, l in labels.items()}
    for i, g in enumerate(gold):
        f = g["final"]
        for h, ids in (("quality_statements", f["quality_statements"]), ("freda", f["freda"]),
                       ("rights", f["rights"]), ("seldom_heard", f["seldom_heard"]),
                       ("ei", f["epistemic_injustice"]["kinds"]), ("sg_types", f["safeguarding"]["types"])):
            for x in ids:
                Y[h][i, labels[h].index(x)] = True
        Y["sg"][i] = (f["safeguarding"]["urgency"] != "none", f["safeguarding"]["urgency"] == "urgent")

    base = MiniLMEmbedder().model
    frozen = features(base, sents)
    P = {v: {h: np.zeros(Y[h].shape, dtype=np.float32) for h in HEADS} for v in ("frozen", "finetuned")}
    seconds = []
    for k in a.folds:
        out_k = fold == k
        t0 = time.perf_counter()
        tuned = finetune(copy.deepcopy(base), [texts[i] for i in np.where(~out_k)[0]],
                         [item_tags[i] for i in np.where(~out_k)[0]], a.epochs, a.batch, a.lr, seed=k)
        seconds.append(round(time.perf_counter() - t0, 1))
        X = {"frozen": frozen, "finetuned": features(tuned, sents)}
        for v, F_ in X.items():
            for h in HEADS:
                for j in range(Y[h].shape[1]):
                    y = Y[h][~out_k, j]
                    if y.sum() >= 3:
                        m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(F_[~out_k], y)
                        P[v][h][out_k, j] = m.predict_proba(F_[out_k])[:, 1]
        print(f"fold {k}: fine-tuned in {seconds[-1]} s", flush=True)

    rows = np.isin(fold, a.folds)
    res: dict = {}
    for v in P:
        res[v] = {}
        for h in HEADS:
            y, p = Y[h][rows], P[v][h][rows]
            keep = y.sum(axis=0) > 0
            res[v][h] = {"ap_micro": round(float(average_precision_score(y[:, keep], p[:, keep], average="micro")), 4),
                         "ap_macro": round(float(average_precision_score(y[:, keep], p[:, keep], average="macro")), 4)}
        y, p, kd = Y["sg"][rows, 0], P[v]["sg"][rows, 0], kind[rows]
        res[v]["sg_concern_recall_by_kind_at_precision_1_3"] = {}
        for kk in sorted(set(kd)):
            m = kd == kk
            if y[m].sum() >= 5:
                t = _recall_threshold(y[m].astype(int), p[m], 0.95, 1 / 3)
                res[v]["sg_concern_recall_by_kind_at_precision_1_3"][kk] = \
                    f"{int(((p[m] >= t) & y[m]).sum())}/{int(y[m].sum())}"
    result = {"data": "gold dev, out of fold (the 3 folds of triage train), gold-only heads",
              "items": int(rows.sum()), "epochs": a.epochs, "batch": a.batch, "lr": a.lr,
              "finetune_seconds_per_fold": seconds, "torch_threads": torch.get_num_threads(), "results": res}
    Path(a.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
