"""Load the demo data set (real public text over three demo providers) into an empty database."""
from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

from sqlmodel import select

from triage.config import ROOT, get_settings
from triage.store import service
from triage.store.db import make_engine, session
from triage.store.tables import Feedback

DEMO_CSV = ROOT / "demo" / "demo_feedback.csv"
DEMO_PROVIDERS = ROOT / "demo" / "providers.csv"
log = logging.getLogger("triage.demo")


def load_demo(force: bool = False, database_url: str | None = None, pipeline=None, path: Path = DEMO_CSV) -> int:
    """Store and classify the demo items; does nothing if the database already holds items (unless force)."""
    engine = make_engine(database_url or get_settings().database_url)
    with session(engine) as db:
        if db.exec(select(Feedback.id).limit(1)).first() is not None and not force:
            log.info("demo: database not empty, nothing loaded")
            return 0
        from triage.store.providers import load_providers

        load_providers(db, DEMO_PROVIDERS)
        if pipeline is None:
            from triage.pipeline.pipeline import load_pipeline

            pipeline = load_pipeline()
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        items = []
        for r in rows:
            item, created = service.add_feedback(db, text=r["text"], source_type=r["source_type"],
                                                 provider_id=r["provider_id"], external_id=r["external_id"],
                                                 received_at=dt.datetime.fromisoformat(r["received_at"]).replace(tzinfo=dt.timezone.utc))
            if created or item.status != "classified":
                items.append(item)
        for i in range(0, len(items), 64):
            chunk = items[i:i + 64]
            for item, pred in zip(chunk, pipeline.predict([it.text for it in chunk])):
                service.save_prediction(db, item=item, contract=pred.to_contract(str(item.id)),
                                        embedding=pred.vector_bytes())
        log.info("demo: %d items stored and classified", len(items))
        return len(items)
