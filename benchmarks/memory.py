"""Peak memory of the batch CLI while it streams a 1,000,000-line input.

    .venv/bin/python benchmarks/memory.py [--lines 1000000] [--interval 0.5]

Input: N JSONL lines {"id","text"}, texts drawn with replacement (seed 7) from every real text in
../shared/data (NHS phase1, NHS phase2, Oregon investigations; 18,336 texts, 16,292 distinct), so
the file repeats texts the way a year of feedback does. Runs `triage classify IN --out OUT --quiet`
with the real model and samples the resident memory (RSS) of the process and its children every
`interval` seconds. Reports the peak, the RSS at each tenth of the run (flat means it streams),
the seconds, lines out, and how many texts the caches kept from being classified again.
Writes benchmarks/results/memory_cli_<N>.json. The service's memory is sampled by benchmarks/load.py.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_input(path: Path, n: int, seed: int = 7) -> dict:
    from training import sources

    texts = [r["text"] for r in sources.all_records() if r["text"].strip() and len(r["text"]) <= 20_000]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"m{i}", "text": rng.choice(texts)}) + "\n")
    return {"pool_texts": len(texts), "pool_distinct": len(set(texts)), "bytes": path.stat().st_size}


def rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--interval", type=float, default=0.5)
    a = ap.parse_args()
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / f"lines_{a.lines}.jsonl", work / f"lines_{a.lines}.out.jsonl"
    info = build_input(src, a.lines)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "triage"), "classify", str(src), "--out", str(dst),
                             "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int, int]] = []
    while proc.poll() is None:
        try:
            samples.append((time.perf_counter() - t0, rss(ps), dst.stat().st_size if dst.exists() else 0))
        except psutil.Error:
            break
        time.sleep(a.interval)
    out, err = proc.communicate()
    secs = time.perf_counter() - t0
    with dst.open(encoding="utf-8") as fh:
        lines_out = sum(1 for _ in fh)
    peak = max(s[1] for s in samples)
    tenths = [round(samples[min(len(samples) - 1, int(k / 10 * len(samples)))][1] / 2**20) for k in range(1, 11)]
    res = {"lines": a.lines, "input": info, "exit_code": proc.returncode, "seconds": round(secs, 1),
           "lines_per_s": round(a.lines / secs, 1), "lines_out": lines_out,
           "peak_rss_mb": round(peak / 2**20), "rss_mb_at_each_tenth_of_the_run": tenths,
           "rss_mb_at_first_sample_after_10s": next((round(s[1] / 2**20) for s in samples if s[0] >= 10), None),
           "cli_summary": err.strip().splitlines()[-3:], "samples": len(samples),
           "command": f"triage classify {src.name} --out {dst.name} --quiet", "machine": {"cpus": os.cpu_count()}}
    path = ROOT / "benchmarks" / "results" / f"memory_cli_{a.lines}.json"
    path.write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    src.unlink()
    dst.unlink()


if __name__ == "__main__":
    main()
