"""Batch throughput of the whole pipeline against the raw encoder forward pass on the same texts.

    .venv/bin/python benchmarks/batch_throughput.py [--n 2000] [--repeats 3] [--out benchmarks/results/batch_throughput.json]

Texts: the first N non-empty NHS phase1 comments of Trust C (held-out organisation),
in file order. Reports medians over the repeats. Timings belong here, never in tests.
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


def load_texts(n: int) -> list[str]:
    src = Path(os.environ.get("TRIAGE_SHARED_DIR", ROOT.parent / "shared")) / "data/pxtextmining/phase1_text_data.csv"
    out = []
    with src.open(encoding="utf-8", errors="replace", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["organization"] == "Trust C" and r["feedback"].strip():
                out.append(r["feedback"])
            if len(out) == n:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "batch_throughput.json"))
    a = ap.parse_args()
    import torch

    from triage.pipeline.embed import default_embedder
    from triage.pipeline.pipeline import load_pipeline

    texts = load_texts(a.n)
    pipe = load_pipeline()
    emb = default_embedder()
    pipe.predict(texts[:64])  # warm up
    raw, full = [], []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        emb.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for i in range(0, len(texts), 256):
            pipe.predict(texts[i:i + 256])
        full.append(time.perf_counter() - t0)
    res = {"texts": len(texts), "data": "NHS phase1 Trust C, first N non-empty comments", "repeats": a.repeats,
           "raw_encoder_texts_per_s": round(len(texts) / statistics.median(raw), 1),
           "pipeline_texts_per_s": round(len(texts) / statistics.median(full), 1),
           "ratio_pipeline_to_raw": round(statistics.median(raw) / statistics.median(full), 3),
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch_threads": torch.get_num_threads(),
                       "processor": platform.processor() or platform.machine()}}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
