"""Batch throughput of the whole pipeline against the raw encoder forward pass on the same texts,
and against the NHS peer's recipe (TF-IDF + SVC).

    .venv/bin/python benchmarks/batch_throughput.py [--n 10000] [--repeats 3] [--chunk 1024]
                                                    [--out benchmarks/results/batch_throughput.json]

Texts: the first N non-empty comments of NHS phase1 (`../shared/data/pxtextmining/phase1_text_data.csv`),
in file order, duplicates kept as they come (real feedback repeats itself: "Nothing.", "Thank you.").
- raw encoder: SentenceTransformer.encode on the whole texts (it sorts by length itself), batch 64,
  normalised: the physical floor of this design;
- pipeline: what `triage classify` runs per chunk (sentence splitting, one encoder pass over the
  distinct sentences, every head, the rule layer, evidence, the output contract), with the
  prediction cache (by content hash) and sentence-vector cache emptied before each repeat, so only
  repeats *within* the N texts hit them; and again with both caches off;
- peer: pxtextmining's recipe (training/peer.py) for quality statements only, fitted once on our
  training rows (fit time reported apart), prediction timed on the same texts.
The three runs alternate within each repeat (raw, pipeline, pipeline without caches), so that a
machine slowing down or speeding up between them moves all three; medians over the repeats, and
each repeat's own ratio. Timings belong here, never in tests.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRIAGE_SHARED_DIR", ROOT.parent / "shared"))


def load_texts(n: int, organisation: str | None = None) -> list[str]:
    src = SHARED / "data/pxtextmining/phase1_text_data.csv"
    out = []
    with src.open(encoding="utf-8", errors="replace", newline="") as fh:
        for r in csv.DictReader(fh):
            if (organisation is None or r["organization"] == organisation) and r["feedback"].strip():
                out.append(r["feedback"])
            if len(out) == n:
                break
    return out


def machine() -> dict:
    import torch

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "processor": platform.processor() or platform.machine()}


def timed(fn, before=None) -> float:
    if before:
        before()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=None, help="texts per pipeline call (default: the CLI's)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "batch_throughput.json"))
    a = ap.parse_args()
    from triage.batch import DEFAULT_CHUNK
    from triage.pipeline.pipeline import load_pipeline

    chunk = a.chunk or DEFAULT_CHUNK
    texts = load_texts(a.n)
    pipe = load_pipeline()
    pipe.predict(texts[:64])  # warm up (loads the encoder and spaCy)
    enc = pipe.embedder.inner

    def pipeline_run():
        for i in range(0, len(texts), chunk):
            [p.to_contract(None) for p in pipe.predict(texts[i:i + chunk])]

    def raw_run():
        enc.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    items, sents = pipe._items, pipe.embedder._cache
    capacities = items.capacity, sents.capacity
    runs: dict[str, list[float]] = {"raw": [], "pipeline": [], "no_cache": []}
    for _ in range(a.repeats):
        runs["raw"].append(timed(raw_run))
        items.capacity, sents.capacity = capacities
        runs["pipeline"].append(timed(pipeline_run, before=pipe.clear_cache))
        cache = {"texts_not_classified_again": items.hits, "sentences_encoded": sents.misses,
                 "sentences_not_encoded_again": sents.hits}
        items.capacity = sents.capacity = 0  # off (a repeated sentence within one call is still encoded once)
        runs["no_cache"].append(timed(pipeline_run, before=pipe.clear_cache))
    raw, full, nocache = (statistics.median(runs[k]) for k in ("raw", "pipeline", "no_cache"))
    res = {"texts": len(texts), "distinct_texts": len(set(texts)), "chunk": chunk,
           "data": "NHS phase1 (../shared/data/pxtextmining/phase1_text_data.csv), first N non-empty comments, file order",
           "repeats": a.repeats, "model_version": pipe.model_version,
           "raw_encoder_texts_per_s": round(len(texts) / raw, 1),
           "pipeline_texts_per_s": round(len(texts) / full, 1),
           "ratio_pipeline_to_raw": round(raw / full, 3),
           "cache_last_repeat": cache,
           "pipeline_no_cache_texts_per_s": round(len(texts) / nocache, 1),
           "ratio_pipeline_no_cache_to_raw": round(raw / nocache, 3),
           "ratio_pipeline_to_raw_each_repeat": [round(r / f, 3) for r, f in zip(runs["raw"], runs["pipeline"])],
           "seconds_each_repeat": {k: [round(x, 2) for x in v] for k, v in runs.items()},
           "machine": machine()}
    if not a.no_peer:
        from training.peer import PeerRecipe
        from training.train import build_training_set
        from triage.taxonomy import load_taxonomy

        t0 = time.perf_counter()
        ts = build_training_set()
        peer = PeerRecipe(list(load_taxonomy().quality_statements)).fit(ts.texts, ts.Y["quality_statements"], ts.W)
        fit = time.perf_counter() - t0
        p = statistics.median(timed(lambda: peer.predict_sets(texts)) for _ in range(a.repeats))
        res["peer_recipe"] = {"what": "TF-IDF + one-vs-rest SVM (training/peer.py), quality statements only",
                              "texts_per_s": round(len(texts) / p, 1), "fit_seconds": round(fit, 1),
                              "ratio_pipeline_to_peer": round(p / full, 3)}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
