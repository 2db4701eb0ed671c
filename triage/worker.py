"""Classification worker: every stored item gets classified exactly once, or parked for a person.

Items are committed before classification. The request path classifies at
once; this worker picks up whatever is left (a crash between the commit and the
prediction, a failure to retry with backoff) and runs in the service's
background thread and after every restart.
"""
from __future__ import annotations

import logging
import threading

from triage.store import service
from triage.store.db import session

log = logging.getLogger("triage.worker")


def classify_item(db, pipeline, item) -> bool:
    """Claim, classify and store one item; False if another worker holds it or it failed."""
    token = service.claim(db, item_id=item.id)
    if token is None:
        return False
    db.refresh(item)
    try:
        pred = pipeline.predict([item.text])[0]
        contract = pred.to_contract(str(item.id))
    except Exception as exc:  # keep the item; record only the error type (never the text)
        log.warning("classification of feedback %s failed: %s", item.id, type(exc).__name__)
        service.mark_failed(db, item=item, error=f"{type(exc).__name__}: {exc}"[:200])
        return False
    vec = pred.vector_bytes() if hasattr(pred, "vector_bytes") else None
    return service.save_prediction(db, item=item, contract=contract, token=token, embedding=vec) is not None


def process_pending(engine, pipeline, *, limit: int = 64) -> int:
    """Classify up to ``limit`` pending items; returns how many were classified."""
    done = 0
    with session(engine) as db:
        for item in service.pending(db, limit=limit):
            done += classify_item(db, pipeline, item)
    return done


class BackgroundWorker:
    """A daemon thread that drains pending items every ``interval`` seconds."""

    def __init__(self, engine, pipeline, interval: float = 2.0) -> None:
        self.engine, self.pipeline, self.interval = engine, pipeline, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triage-worker", daemon=True)

    def start(self) -> "BackgroundWorker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while process_pending(self.engine, self.pipeline) and not self._stop.is_set():
                    pass
            except Exception:  # a database hiccup must not kill the worker
                log.exception("worker pass failed")
            self._stop.wait(self.interval)
