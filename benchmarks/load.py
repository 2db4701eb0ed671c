"""Load benchmark: N concurrent clients on loopback post feedback for a fixed time to the real server
with the real model, then check that every accepted item is stored and classified (nothing lost).

    .venv/bin/python benchmarks/load.py [--clients 4] [--seconds 30] [--database-url URL]
                                       [--endpoint feedback|classify] [--cache] [--out FILE]

Starts `triage serve` on a free loopback port with a fresh database (SQLite by default, or the
PostgreSQL URL given), and writes JSON: throughput, p50/p95/p99 latency, errors, stored, classified,
lost, and the server's peak resident memory (sampled every 0.5 s). Request loops are bounded in time
and stop by themselves. Texts are the 361 real demo items, cycled; the server's prediction and
sentence caches are off unless --cache, so every request is classified from scratch.
`--endpoint classify` times POST /v1/classify (classify without storing) instead of POST /v1/feedback.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def texts() -> list[str]:
    with (ROOT / "demo" / "demo_feedback.csv").open(encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1000, 1) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--endpoint", choices=("feedback", "classify"), default="feedback")
    ap.add_argument("--cache", action="store_true", help="leave the server's caches on (repeated texts)")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    import psutil
    url = a.database_url or f"sqlite:///{tempfile.mkdtemp()}/load.db"
    port = free_port()
    # capacity, not the limiter, is measured: the per-token rate limit is lifted for this server
    env = {**os.environ, "DATABASE_URL": url, "HF_HUB_OFFLINE": "1", "TRIAGE_RATE_LIMIT_PER_MINUTE": "1000000"}
    if not a.cache:
        env.update(TRIAGE_PREDICTION_CACHE_ITEMS="0", TRIAGE_EMBED_CACHE_SENTENCES="0")
    log = open(tempfile.mktemp(suffix=".log"), "wb")
    triage = str(Path(sys.executable).parent / "triage")
    token = subprocess.run([triage, "users", "create", f"load-{int(time.time())}", "--role", "intake",
                            "--database-url", url], env=env, capture_output=True, text=True, check=True).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    subprocess.run([triage, "providers", "load", str(ROOT / "demo" / "providers.csv"), "--database-url", url],
                   env=env, capture_output=True, check=True)
    provider_ids = ["demo-mh-trust", "demo-ambulance", "demo-care-home"]
    srv = subprocess.Popen([str(Path(sys.executable).parent / "triage"), "serve", "--port", str(port)], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        corpus = texts()
        lat: list[float] = []
        accepted: list[int] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + a.seconds
        peak = [0]

        def sample_memory() -> None:
            proc = psutil.Process(srv.pid)
            while time.monotonic() < stop + 5:
                peak[0] = max(peak[0], proc.memory_info().rss)
                time.sleep(0.5)

        threading.Thread(target=sample_memory, daemon=True).start()

        def client(k: int) -> None:
            n = 0
            with httpx.Client(base_url=base, timeout=30, headers=headers) as c:
                while time.monotonic() < stop:
                    body = {"text": corpus[(k * 7919 + n) % len(corpus)], "source_type": "complaint",
                            "provider_id": provider_ids[k % 3], "external_id": f"c{k}-{n}-{int(stop)}"}
                    t0 = time.perf_counter()
                    try:
                        if a.endpoint == "classify":
                            r = c.post("/v1/classify", json={"text": body["text"]})
                        else:
                            r = c.post("/v1/feedback", json=body)
                        dt_ = time.perf_counter() - t0
                        with lock:
                            if r.status_code in (200, 201):
                                lat.append(dt_)
                                if a.endpoint == "feedback":
                                    accepted.append(r.json()["id"])
                            else:
                                errors.append(str(r.status_code))
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(type(exc).__name__)
                    n += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        # every accepted item must be stored and classified (the worker finishes any left pending)
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=base, timeout=30, headers=headers) as c:
            missing = list(accepted)
            while missing and time.monotonic() < deadline:
                missing = [i for i in missing if c.get(f"/v1/feedback/{i}").json().get("status") != "classified"]
                if missing:
                    time.sleep(1)
        res = {"database": url.split(":")[0], "endpoint": f"POST /v1/{a.endpoint}", "clients": a.clients,
               "seconds": round(wall, 1), "caches": "on" if a.cache else "off",
               "texts": "the 361 real demo items (demo/demo_feedback.csv), cycled",
               "requests_ok": len(lat), "accepted": len(accepted), "errors": len(errors),
               "error_kinds": sorted(set(errors)), "throughput_per_s": round(len(lat) / wall, 1),
               "server_peak_rss_mb": round(peak[0] / 2**20),
               "latency_ms": {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "p99": pct(lat, 0.99),
                              "mean": round(statistics.mean(lat) * 1000, 1) if lat else None},
               "stored_and_classified": len(accepted) - len(missing), "lost": len(missing),
               "machine": {"cpus": os.cpu_count()}}
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    out = a.out or str(ROOT / "benchmarks" / "results" /
                       f"load_{a.endpoint}_{res['database'].split('+')[0]}_{a.clients}c_{int(a.seconds)}s.json")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
