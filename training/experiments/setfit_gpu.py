"""Experiment: does SetFit-style contrastive fine-tuning of all-MiniLM-L6-v2 on our quality-statement
labels beat frozen embeddings with the same logistic-regression heads?

Runs where a GPU is (the device tool), on a folder prepared here (see the session note):
  DATA/model       the packaged encoder (fp16 weights), DATA/data.jsonl rows {text, labels, role, w},
  DATA/labels.json the quality-statement IDs.
Roles: train (weak labels + seed descriptors), devgold (gold dev; thresholds are chosen here),
testgold (gold test), trustc (NHS Trust C with crosswalk labels). Both variants use whole-text
embeddings and identical heads, so only the encoder differs.

    python3 training/experiments/setfit_gpu.py DATA OUT.json [--epochs 1]
"""
from __future__ import annotations

import json
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from sklearn.linear_model import LogisticRegression


def f1s(Y, P):
    tp = (Y & P).sum(0); fp = (~Y & P).sum(0); fn = (Y & ~P).sum(0)
    sup = Y.sum(0) > 0
    f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    return round(float(micro), 4), round(float(f1[sup].mean()), 4) if sup.any() else None


def heads_eval(E, rows, L):
    Y = np.array([[l in r["labels"] for l in L] for r in rows])
    role = np.array([r["role"] for r in rows])
    W = np.array([r["w"] for r in rows], dtype=np.float32)
    tr, dev = role == "train", role == "devgold"
    fit = tr | dev
    out = {}
    probs = {k: np.zeros((int((role == k).sum()), len(L))) for k in ("devgold", "testgold", "trustc")}
    # thresholds chosen on dev predictions of heads fitted without dev (train only)
    th = np.full(len(L), 0.5)
    for j in range(len(L)):
        if Y[tr, j].sum() >= 3:
            m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(E[tr], Y[tr, j], sample_weight=W[tr])
            p = m.predict_proba(E[dev])[:, 1]
            best = max((f1s(Y[dev, j:j + 1], (p >= t)[:, None])[0], t) for t in np.arange(0.2, 0.91, 0.05))
            th[j] = best[1] if Y[dev, j].sum() >= 3 else 0.5
        if Y[fit, j].sum() >= 3:
            m = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(E[fit], Y[fit, j], sample_weight=W[fit])
            for k in ("testgold", "trustc"):
                probs[k][:, j] = m.predict_proba(E[role == k])[:, 1]
    for k in ("testgold", "trustc"):
        micro, macro = f1s(Y[role == k], probs[k] >= th)
        out[k] = {"micro_f1": micro, "macro_f1": macro, "items": int((role == k).sum())}
    return out


def finetune(model, rows, L, epochs=1, batch=64, lr=2e-5, seed=0):
    rng = random.Random(seed)
    by = {}
    for i, r in enumerate(rows):
        if r["role"] in ("train", "devgold"):
            for l in r["labels"]:
                by.setdefault(l, []).append(i)
    anchors = [i for i, r in enumerate(rows) if r["role"] in ("train", "devgold") and r["labels"]]
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    steps = 0
    for _ in range(epochs):
        rng.shuffle(anchors)
        for s in range(0, len(anchors) - batch, batch):
            a = anchors[s:s + batch]
            pos = [rng.choice(by[rng.choice(rows[i]["labels"])]) for i in a]
            texts = [rows[i]["text"] for i in a] + [rows[i]["text"] for i in pos]
            feats = model.tokenize(texts)
            feats = {k: (v.to(model.device) if hasattr(v, "to") else v) for k, v in feats.items()}
            emb = F.normalize(model(feats)["sentence_embedding"], dim=-1)
            ea, ep = emb[:len(a)], emb[len(a):]
            # in-batch negatives (MultipleNegativesRankingLoss); positives share a label
            same = torch.tensor([[bool(set(rows[i]["labels"]) & set(rows[j]["labels"])) for j in pos] for i in a],
                                device=model.device)
            logits = ea @ ep.T * 20.0
            logits = logits.masked_fill(same & ~torch.eye(len(a), dtype=torch.bool, device=model.device), -1e4)
            loss = F.cross_entropy(logits, torch.arange(len(a), device=model.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
    model.eval()
    return steps


def main(data, out, epochs=1):
    rows = [json.loads(l) for l in open(f"{data}/data.jsonl")]
    L = json.load(open(f"{data}/labels.json"))
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(f"{data}/model", device=dev)
    model.float()
    texts = [r["text"] for r in rows]
    res = {"device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu", "rows": len(rows)}
    t = time.time()
    E0 = model.encode(texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
    res["frozen"] = heads_eval(E0, rows, L)
    res["frozen"]["encode_s"] = round(time.time() - t, 1)
    for ep in range(1, epochs + 1):
        t = time.time()
        steps = finetune(model, rows, L, epochs=1, seed=ep)
        E1 = model.encode(texts, batch_size=256, normalize_embeddings=True, convert_to_numpy=True)
        res[f"finetuned_epoch{ep}"] = heads_eval(E1, rows, L)
        res[f"finetuned_epoch{ep}"].update(train_steps=steps, seconds=round(time.time() - t, 1))
        print(json.dumps(res), flush=True)
    json.dump(res, open(out, "w"), indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    ep = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 1
    main(sys.argv[1], sys.argv[2], ep)
