"""Inspection-planning queries at scale: themes per provider and period, monthly trend, seldom-heard shares.

    .venv/bin/python benchmarks/planning_queries.py [--sizes 10000 100000] [--database-url URL] [--repeats 3]

Fills a fresh database with N classified items (real prediction payloads of the demo set, cycled,
spread over 20 providers and 24 months), then times each query for one provider over 6 months
(about N/40 items) and over all months, median of the repeats. Writes benchmarks/results/planning_<db>.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def payloads(n: int = 200) -> list[dict]:
    import csv

    from triage.pipeline.pipeline import load_pipeline

    texts = [r["text"] for r in csv.DictReader((ROOT / "demo" / "demo_feedback.csv").open(encoding="utf-8"))][:n]
    return [p.to_contract(None) for p in load_pipeline().predict(texts)]


def fill(url: str, n: int, pays: list[dict]) -> None:
    from triage.store.db import make_engine
    from triage.store.tables import Feedback, Prediction, Provider

    if not url.startswith("sqlite"):
        with create_engine(url).begin() as c:
            c.execute(text('DROP TABLE IF EXISTS decision, prediction, feedback, audit_log, "user", provider, '
                           'feedback_label, alembic_version CASCADE'))
    engine = make_engine(url)
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    with engine.begin() as c:
        c.execute(insert(Provider), [dict(id=f"prov-{k}", name=f"Provider {k}", type="t", region="r") for k in range(20)])
        for s in range(0, n, 20_000):
            ids = range(s + 1, min(n, s + 20_000) + 1)
            c.execute(insert(Feedback), [dict(id=i, text="benchmark item", source_type="complaint",
                                              provider_id=f"prov-{i % 20}", received_at=t0 + dt.timedelta(minutes=(i * 7919) % (730 * 1440)),
                                              text_hash="h", status="classified", attempts=0, created_at=t0,
                                              review_status="none", urgency=pays[i % len(pays)]["safeguarding"]["urgency"])
                                         for i in ids])
            c.execute(insert(Prediction), [dict(feedback_id=i, model_version="bench", payload=pays[i % len(pays)],
                                                urgency=pays[i % len(pays)]["safeguarding"]["urgency"], created_at=t0)
                                           for i in ids])
    from triage.store import service
    from triage.store.db import session

    with session(engine) as db:
        service.rebuild_labels(db)
    return engine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    from triage.aggregation import monthly, seldom_heard
    from triage.store import service
    from triage.store.db import session

    pays = payloads()
    results = []
    for n in a.sizes:
        url = a.database_url or f"sqlite:///{tempfile.mkdtemp()}/plan.db"
        t = time.perf_counter()
        engine = fill(url, n, pays)
        fill_s = time.perf_counter() - t
        start, end = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
        timings = {}
        for name, fn in {
            "themes_provider_6_months": lambda db: service.themes(db, provider_id="prov-3", start=start, end=end),
            "themes_provider_all_time": lambda db: service.themes(db, provider_id="prov-3", start=None, end=None),
            "monthly_trend_provider": lambda db: monthly(service.effective_rows(db, provider_id="prov-3")),
            "seldom_heard_provider": lambda db: seldom_heard(service.effective_rows(db, provider_id="prov-3")),
        }.items():
            ts = []
            for _ in range(a.repeats):
                with session(engine) as db:
                    t = time.perf_counter()
                    fn(db)
                    ts.append(time.perf_counter() - t)
            timings[name] = round(statistics.median(ts), 3)
        results.append({"items": n, "fill_seconds": round(fill_s, 1), "median_seconds": timings})
        print(json.dumps(results[-1]), flush=True)
    kind = (a.database_url or "sqlite").split(":")[0].split("+")[0]
    out = ROOT / "benchmarks" / "results" / f"planning_{kind}.json"
    out.write_text(json.dumps({"database": kind, "repeats": a.repeats, "results": results}, indent=1))


if __name__ == "__main__":
    main()
