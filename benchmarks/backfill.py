"""Back-fill throughput: `triage backfill` (Dask, local cluster) with the real model on N lines.

    .venv/bin/python benchmarks/backfill.py [--n 100000] [--workers 2] [--partition-lines P]
                                            [--out benchmarks/results/backfill.json] [--keep DIR]

Input: a JSONL file of N lines ({"id", "text"}) made from every real text of ../shared/data, read by
training/sources.py: NHS phase1 `feedback` (10,334), NHS phase2 `FFT answer` (3,898 answered)
and the Oregon investigations (`action_notes` + `outcome_notes`, 4,104). The pool (18,336 texts,
16,292 distinct) is shuffled with a fixed seed and cycled, a fresh shuffle each round, until N lines; so at
100k each text comes about 5 times (ids say which round). Repeats are cheaper where the pipeline
keeps predictions and sentence vectors by content (TRIAGE_PREDICTION_CACHE_ITEMS,
TRIAGE_EMBED_CACHE_SENTENCES, per worker; 0 turns them off): the result records the settings and the
number of distinct texts.

The timing is the wall clock of the whole back-fill as a user runs it: planning the partitions,
starting the cluster, each worker loading the model, classifying and writing the part files.
``worker_cpu_ms_per_item`` (the workers' CPU time, model loads included) shows whether a slow run was
starved by other processes on the machine (wall clock far above CPU time / workers): run it on a
quiet machine. Timings belong here, never in tests.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 7


def build_input(path: Path, n: int) -> dict:
    """Write N JSONL lines cycled from the real texts; returns what the input is made of."""
    from training.sources import all_records

    pool = [(r["id"], r["text"]) for r in all_records()]
    rng = random.Random(SEED)
    by_source: dict[str, int] = {}
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        rnd = 0
        while written < n:
            order = list(range(len(pool)))
            rng.shuffle(order)
            for i in order[: n - written]:
                item_id, text = pool[i]
                fh.write(json.dumps({"id": f"{item_id}#{rnd}", "text": text}, ensure_ascii=False) + "\n")
                src = item_id.split("-", 1)[0]
                by_source[src] = by_source.get(src, 0) + 1
            written += min(len(order), n - written)
            rnd += 1
    return {"lines": n, "distinct_texts": len({t for _, t in pool}), "pool": len(pool), "rounds": rnd,
            "lines_by_source": by_source, "bytes": path.stat().st_size, "seed": SEED,
            "sources": "training/sources.py: NHS phase1 feedback, NHS phase2 FFT answer, Oregon action+outcome notes"}


def machine() -> dict:
    import dask
    import distributed
    import psutil
    import torch

    env = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "processor": platform.processor() or platform.machine(),
            "torch": torch.__version__, "dask": dask.__version__, "distributed": distributed.__version__,
            "worker_OMP_NUM_THREADS": env.get("OMP_NUM_THREADS")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-lines", type=int, default=None,
                    help="default: N / (4 x workers), at most 5000 (so every worker has work to the end)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "backfill.json"))
    ap.add_argument("--keep", default=None, help="keep the input and part files in this directory")
    a = ap.parse_args()
    from triage.backfill import backfill
    from triage.config import get_settings

    per_part = a.partition_lines or max(1, min(5000, a.n // (4 * a.workers)))
    with tempfile.TemporaryDirectory(prefix="triage-backfill-") as tmp:
        work = Path(a.keep) if a.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / "input.jsonl"
        data = build_input(src, a.n)
        print(f"input: {a.n} lines, {data['distinct_texts']} distinct texts -> {src}", file=sys.stderr)
        m = backfill(src, work / "parts", partition_lines=per_part, workers=a.workers)
    busy: dict[str, float] = {}
    for p in m["partitions"]:
        busy[p["worker"]] = busy.get(p["worker"], 0.0) + p["seconds"]
    cpu = sum(p["cpu_seconds"] for p in m["partitions"])
    res = {"items": m["written"], "lines": m["lines"], "bad": len(m["bad"]), "seconds": m["seconds"],
           "items_per_s": round(m["written"] / m["seconds"], 1), "workers": m["workers"],
           "partitions": len(m["partitions"]), "partition_lines": per_part,
           "worker_busy_seconds": sorted(round(s, 1) for s in busy.values()),
           "worker_cpu_seconds": round(cpu, 1), "worker_cpu_ms_per_item": round(1000 * cpu / max(1, m["written"]), 1),
           "model_version": m["model_version"], "embed_cache_sentences": get_settings().embed_cache_sentences,
           "prediction_cache_items": get_settings().prediction_cache_items,
           "scheduler": "dask.distributed LocalCluster, processes, 1 thread each",
           "timing": "wall clock of the whole back-fill: plan, cluster start, model load per worker, classify, write",
           "data": data, "machine": machine()}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
