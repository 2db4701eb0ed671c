"""Build demo/demo_feedback.csv: real text from ../shared/data over three demo providers and six months."""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from training import sources

OUT = Path(__file__).resolve().parents[1] / "demo" / "demo_feedback.csv"
PROVIDERS = {sources.P1: ("demo-mh-trust", "complaint"), sources.P2: ("demo-ambulance", "experience_feedback"),
             sources.OR: ("demo-care-home", "complaint")}


def main(per_source: int = 120, seed: int = 7) -> None:
    rng = random.Random(seed)
    by_src: dict[str, list[dict]] = {}
    for r in sources.all_records():
        if 20 <= len(r["text"]) <= 1500:
            by_src.setdefault(r["source"], []).append(r)
    start = dt.datetime(2026, 6, 1)
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "provider_id", "source_type", "received_at", "source", "source_row_id", "text"])
        for src, rows in by_src.items():
            pick = rng.sample(rows, per_source)
            must = [r for r in rows if r["id"] == "p1-888"]
            for r in must + pick:
                when = start + dt.timedelta(minutes=rng.randrange(0, 175 * 24 * 60))
                prov, stype = PROVIDERS[src]
                w.writerow([r["id"], prov, stype, when.isoformat(timespec="minutes"), src, r["source_row_id"],
                            r["text"]])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
