"""Encoder backends: speed and accuracy of a faster encoder before we would adopt it.

    .venv/bin/python benchmarks/encoder_backends.py [--n 2000] [--repeats 3]

Backends: the packaged all-MiniLM-L6-v2 in PyTorch float32 (what ships), and the same model with
PyTorch's dynamic int8 quantisation of its Linear layers (torch.ao.quantization.quantize_dynamic),
all of them or only the feed-forward ones. ONNX Runtime through sentence-transformers'
backend="onnx" needs optimum-onnx, which pins transformers<4.58 (we run 5.x), so it is not measured.
Reports, per backend: raw encoder texts/s on the first N NHS phase1 comments (median of repeats),
cosine of its vectors to float32's, and micro-F1 of every head on the gold `dev` split with the
trained heads unchanged. Gold `dev` is in the heads' training data, and since the heads also read
TF-IDF they recognise those items by their words whatever the encoder does, so that check alone no
longer tells. The held-out check: quality-statement and sentiment heads fitted on float32 features
of the training rows outside the internal dev split (training/experiments/lexical_heads.py), then
scored on that split's items encoded by each backend (quality statements: macro-F1 through the
crosswalk per source; sentiment: 3-class accuracy on NHS ratings). Rule: adopt only if every
figure of both checks holds within 0.01 of float32. Writes benchmarks/results/encoder_backends.json.
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import os
import sys
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
HEADS = ("quality_statements", "freda", "rights", "seldom_heard")


def dev_f1(pipe, gold) -> dict:
    from training.evaluate import _ids, multilabel, prf

    preds = [p.to_contract(None) for p in pipe.predict([g["text"] for g in gold])]
    out = {k: multilabel([set(g["final"][k]) for g in gold], [_ids(p, k) for p in preds], [])["micro"]["f1"]
           for k in HEADS}
    for k in HEADS:  # micro over every label seen in gold or predictions
        labs = sorted({x for g in gold for x in g["final"][k]} | {x for p in preds for x in _ids(p, k)})
        out[k] = multilabel([set(g["final"][k]) for g in gold], [_ids(p, k) for p in preds], labs)["micro"]["f1"]
    flag = [g["final"]["safeguarding"]["urgency"] != "none" for g in gold]
    said = [p["safeguarding"]["urgency"] != "none" for p in preds]
    sg = prf(sum(f and s for f, s in zip(flag, said)), sum(s and not f for f, s in zip(flag, said)),
             sum(f and not s for f, s in zip(flag, said)))
    out["safeguarding_concern_or_urgent"] = sg["f1"]
    out["safeguarding_concern_or_urgent_recall"] = sg["recall"]  # a faster encoder must not cost recall
    out["sentiment_accuracy"] = round(sum(g["final"]["sentiment"] == p["sentiment"] for g, p in zip(gold, preds)) / len(gold), 4)
    return out


def held_out_context():
    """Heads fitted on float32 features of the internal training rows; the internal dev rows to score."""
    from training.experiments.lexical_heads import setup
    from triage.pipeline.heads import MultiLabelHead, SingleLabelHead
    from triage.pipeline.lexical import Lexical, combine

    split = setup()
    ts, tr = split.ts, ~split.dev
    L = Lexical.fit([t for t, d in zip(ts.texts, split.dev) if not d]).transform(ts.texts)
    F = combine(split.X, L)
    qs = MultiLabelHead(ts.heads_labels["quality_statements"]).fit(F[tr], ts.Y["quality_statements"][tr],
                                                                   sample_weight=ts.W[tr])
    m = tr & (split.sy >= 0)
    sent = SingleLabelHead(split.sentiment, balanced=False).fit(F[m], split.sy[m], sample_weight=ts.W[m])
    return {"ts": ts, "dev": np.where(split.dev)[0], "truth": split.truth, "by_src": split.by_src, "L": L,
            "qs": qs, "sent": sent, "sy": split.sy}


def held_out_check(embedder, ctx) -> dict:
    from training import sources
    from training.experiments.lexical_heads import macro_micro
    from triage.pipeline.heads import item_features
    from triage.pipeline.lexical import combine

    ts, dev = ctx["ts"], ctx["dev"]
    sents = [[x.text for x in ts.sents[i][:200]] or [ts.texts[i]] for i in dev]
    vecs = embedder.encode([x for ss in sents for x in ss])
    bounds = np.cumsum([0] + [len(ss) for ss in sents])
    Xd = np.stack([item_features(vecs[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])
    Fd = combine(Xd, ctx["L"][dev])
    pos = {i: k for k, i in enumerate(dev)}
    P = ctx["qs"].predict_proba(Fd) >= 0.5
    out = {}
    for src, idx in ctx["by_src"].items():
        if len(idx):
            out[f"quality_statements_macro_f1: {src}"] = macro_micro(ctx["truth"][idx], P[[pos[i] for i in idx]])[0]
    S = ctx["sent"].predict_proba(Fd).argmax(axis=1)
    for src in (sources.P1, sources.P2):
        k = [pos[i] for i in dev if ts.rows[i][1].get("source") == src and ctx["sy"][i] >= 0]
        out[f"sentiment_accuracy: {src}"] = round(float((S[k] == ctx["sy"][dev][k]).mean()), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    import numpy as np
    import torch

    from batch_throughput import load_texts, machine, timed
    from training.gold_data import load_gold
    from triage.pipeline.embed import MiniLMEmbedder
    from triage.pipeline.pipeline import load_pipeline

    texts = load_texts(a.n)
    ctx = held_out_context()
    gold = [g for g in load_gold() if g["split"] == "dev"]
    base = MiniLMEmbedder()
    ref = base.encode(texts)
    fp32 = base.model
    linear = [n for n, m in fp32.named_modules() if isinstance(m, torch.nn.Linear)]
    ffn = [n for n in linear if "intermediate.dense" in n or (n.endswith("output.dense") and "attention" not in n)]
    results = {}
    for name, layers in {"torch_float32": None, "torch_int8_dynamic_all_linear": linear,
                         "torch_int8_dynamic_feed_forward": ffn}.items():
        if layers is None:
            base.model = fp32
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32), set(layers), dtype=torch.qint8)
        base.encode(texts[:64])
        secs = statistics.median(timed(lambda: base.encode(texts)) for _ in range(a.repeats))
        cos = np.sum(ref * base.encode(texts), axis=1)
        pipe = load_pipeline(embedder=base, cache_sentences=0)
        results[name] = {"raw_texts_per_s": round(len(texts) / secs, 1), "cosine_to_float32_mean": round(float(cos.mean()), 4),
                         "cosine_to_float32_p01": round(float(np.percentile(cos, 1)), 4), "gold_dev": dev_f1(pipe, gold),
                         "held_out_internal_dev": held_out_check(base, ctx)}
        print(name, json.dumps(results[name]), flush=True)
    ref = results["torch_float32"]
    for name, r in results.items():
        r["max_dev_f1_drop"] = round(max(ref["gold_dev"][k] - r["gold_dev"][k] for k in ref["gold_dev"]), 4)
        r["max_held_out_drop"] = round(max(ref["held_out_internal_dev"][k] - r["held_out_internal_dev"][k]
                                           for k in ref["held_out_internal_dev"]), 4)
        r["adopt"] = r["max_dev_f1_drop"] <= 0.01 and r["max_held_out_drop"] <= 0.01
    out = {"texts": len(texts), "gold_dev_items": len(gold), "repeats": a.repeats, "backends": results, "machine": machine()}
    path = ROOT / "benchmarks" / "results" / "encoder_backends.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
