"""Inspection-planning queries at scale: themes, monthly trend and seldom-heard shares per provider.

    .venv/bin/python benchmarks/planning_queries.py [--sizes 10000 100000] [--database-url URL] [--repeats 3]

Fills a fresh database with N classified items (real prediction payloads of the demo set, cycled,
spread over 20 providers and 24 months; 1 item in 50 carries a reviewer's decision), rebuilds the
counted labels with the service, then times each query for one provider over 6 months (about N/80
items) and over all months (N/20 items), median of the repeats. All four views are counted in SQL
over feedback_label (service.themes / monthly / seldom_heard). Once per size the SQL views are checked
against the Python versions over effective rows, whose time is recorded as `python_reference_seconds`.
Writes benchmarks/results/planning_<db>.json. With --database-url, the database's tables are dropped.

PostgreSQL is filled with COPY and then VACUUM ANALYZEd (the steady state autovacuum reaches: the
planner has statistics and the visibility map allows index-only scans); SQLite is used as the
service leaves it (no ANALYZE).
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
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
CHUNK = 50_000
PROVIDER = "prov-3"
SIX_MONTHS = (dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))


def payloads(n: int = 200) -> list[dict]:
    import csv

    from triage.pipeline.pipeline import load_pipeline

    texts = [r["text"] for r in csv.DictReader((ROOT / "demo" / "demo_feedback.csv").open(encoding="utf-8"))][:n]
    return [p.to_contract(None) for p in load_pipeline().predict(texts)]


def _items(lo: int, hi: int, pays: list[dict]):
    """(id, provider, received_at, payload) for ids lo..hi-1, spread over 20 providers and 730 days;
    each provider cycles through all the payloads."""
    for i in range(lo, hi):
        yield i, f"prov-{i % 20}", T0 + dt.timedelta(minutes=(i * 7919) % (730 * 1440)), pays[(i // 20) % len(pays)]


def _decision(i: int, p: dict) -> dict | None:
    """Every 50th item of each provider: a reviewer raises the urgency to concern and adds a
    statement and a group (so that the views must prefer the decision)."""
    if (i // 20) % 50:
        return None
    qs = sorted({x["id"] for x in p["quality_statements"]} | {"safe.safeguarding"})
    return dict(feedback_id=i, reviewer="bench", urgency="concern", referral_made=False, close=False, created_at=T0,
                labels={"quality_statements": qs, "seldom_heard": ["grp.older_dementia"], "sentiment": "negative"})


def _fill_sqlite(engine, n: int, pays: list[dict]) -> None:
    from triage.store.tables import Decision, Feedback, Prediction

    with engine.begin() as c:
        for s in range(1, n + 1, CHUNK):
            rows = list(_items(s, min(n + 1, s + CHUNK), pays))
            c.execute(insert(Feedback), [dict(id=i, text="benchmark item", source_type="complaint", provider_id=prov,
                                              received_at=at, text_hash="h", status="classified", attempts=0,
                                              created_at=T0, review_status="none", urgency=p["safeguarding"]["urgency"])
                                         for i, prov, at, p in rows])
            c.execute(insert(Prediction), [dict(feedback_id=i, model_version="bench", payload=p,
                                                urgency=p["safeguarding"]["urgency"], created_at=T0)
                                           for i, _, _, p in rows])
            ds = [d for i, _, _, p in rows if (d := _decision(i, p))]
            if ds:
                c.execute(insert(Decision), ds)


def _fill_postgres(engine, n: int, pays: list[dict]) -> None:
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        jp = [json.dumps(p) for p in pays]
        with conn.cursor() as cur:
            with cur.copy("COPY feedback (id, text, source_type, provider_id, received_at, text_hash, status, "
                          "attempts, created_at, review_status, urgency) FROM STDIN") as cp:
                for i, prov, at, p in _items(1, n + 1, pays):
                    cp.write_row((i, "benchmark item", "complaint", prov, at, "h", "classified", 0, T0, "none",
                                  p["safeguarding"]["urgency"]))
            with cur.copy("COPY prediction (feedback_id, model_version, urgency, payload, created_at) FROM STDIN") as cp:
                for i, _, _, p in _items(1, n + 1, pays):
                    cp.write_row((i, "bench", p["safeguarding"]["urgency"], jp[(i // 20) % len(pays)], T0))
            with cur.copy("COPY decision (feedback_id, reviewer, urgency, labels, referral_made, close, created_at) "
                          "FROM STDIN") as cp:
                for i, _, _, p in _items(1, n + 1, pays):
                    if d := _decision(i, p):
                        cp.write_row((i, d["reviewer"], d["urgency"], json.dumps(d["labels"]), False, False, T0))
            for t in ("feedback", "prediction", "decision"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        conn.commit()
    finally:
        raw.close()


def fill(url: str, n: int, pays: list[dict]):
    from triage.store import service
    from triage.store.db import make_engine, session
    from triage.store.tables import Provider

    pg = not url.startswith("sqlite")
    if pg:
        with create_engine(url).begin() as c:
            c.execute(text('DROP TABLE IF EXISTS decision, prediction, feedback, audit_log, "user", provider, '
                           'feedback_label, alembic_version CASCADE'))
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(insert(Provider), [dict(id=f"prov-{k}", name=f"Provider {k}", type="t", region="r") for k in range(20)])
    (_fill_postgres if pg else _fill_sqlite)(engine, n, pays)
    with session(engine) as db:
        service.rebuild_labels(db)
    if pg:
        with engine.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return engine


def queries():
    from triage.store import service

    start, end = SIX_MONTHS
    return {
        "themes_provider_6_months": lambda db: service.themes(db, provider_id=PROVIDER, start=start, end=end),
        "themes_provider_all_time": lambda db: service.themes(db, provider_id=PROVIDER, start=None, end=None),
        "monthly_trend_provider": lambda db: service.monthly(db, provider_id=PROVIDER),
        "monthly_trend_provider_6_months": lambda db: service.monthly(db, provider_id=PROVIDER, start=start, end=end),
        "seldom_heard_provider": lambda db: service.seldom_heard(db, provider_id=PROVIDER),
        "seldom_heard_provider_6_months": lambda db: service.seldom_heard(db, provider_id=PROVIDER, start=start, end=end),
    }


def check_against_python(engine) -> dict:
    """The SQL views equal the Python versions over effective rows; returns the Python versions' times."""
    from triage.aggregation import monthly, seldom_heard
    from triage.store import service
    from triage.store.db import session

    with session(engine) as db:
        t = time.perf_counter()
        rows = service.effective_rows(db, provider_id=PROVIDER)
        m = monthly(rows)
        t_monthly = time.perf_counter() - t
        t = time.perf_counter()
        s = seldom_heard(service.effective_rows(db, provider_id=PROVIDER))
        t_seldom = time.perf_counter() - t
        assert service.monthly(db, provider_id=PROVIDER) == m, "SQL monthly trend differs from the Python version"
        assert service.seldom_heard(db, provider_id=PROVIDER) == s, "SQL seldom-heard differs from the Python version"
        assert s["epistemic_injustice_items"] and s["groups"], "the benchmark data should exercise every part"
    return {"monthly_trend_provider": round(t_monthly, 3), "seldom_heard_provider": round(t_seldom, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    from triage.store.db import session

    pays = payloads()
    kind = (a.database_url or "sqlite").split(":")[0].split("+")[0]
    results = []
    for n in a.sizes:
        tmp = tempfile.TemporaryDirectory()
        url = a.database_url or f"sqlite:///{tmp.name}/plan.db"
        t = time.perf_counter()
        engine = fill(url, n, pays)
        fill_s = time.perf_counter() - t
        timings = {}
        for name, fn in queries().items():
            fn_result, ts = None, []
            for _ in range(a.repeats):
                with session(engine) as db:
                    t = time.perf_counter()
                    fn_result = fn(db)
                    ts.append(time.perf_counter() - t)
            assert fn_result, name
            timings[name] = round(statistics.median(ts), 3)
        results.append({"items": n, "fill_seconds": round(fill_s, 1), "median_seconds": timings,
                        "python_reference_seconds": check_against_python(engine)})
        print(json.dumps(results[-1]), flush=True)
        engine.dispose()
        tmp.cleanup()
    out = ROOT / "benchmarks" / "results" / f"planning_{kind}.json"
    out.write_text(json.dumps({"database": kind, "repeats": a.repeats, "provider_share": "1 of 20",
                               "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
