"""Concurrent workers and writers neither duplicate nor lose items (SQLite, and PostgreSQL when set)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import DATABASES, fresh_database_url, make_providers
from triage.store import service
from triage.store.db import make_engine, session
from triage.store.tables import Feedback, Prediction
from triage.worker import process_pending



@pytest.fixture(params=DATABASES)
def engine(request, tmp_path):
    return make_engine(fresh_database_url(request.param, tmp_path, "c.db"))


def test_concurrent_intake_with_the_same_external_ids_stores_each_once(engine):
    make_providers(engine, ["p"])
    errors = []

    def writer(k):
        for i in range(30):
            try:
                with session(engine) as db:
                    service.add_feedback(db, text=f"text {i}", source_type="complaint", provider_id="p",
                                         received_at=service.utcnow(), external_id=f"e{i}")
            except Exception as exc:
                errors.append(type(exc).__name__)

    ts = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    with session(engine) as db:
        ext = [f.external_id for f in db.exec(select(Feedback))]
    assert sorted(ext) == sorted(f"e{i}" for i in range(30))  # none lost, none duplicated
    assert errors == []  # a lost race on the unique key is an idempotent repeat, not an error


def test_concurrent_workers_classify_each_item_exactly_once(engine, fake_pipeline):
    make_providers(engine, ["p"])
    with session(engine) as db:
        for i in range(60):
            service.add_feedback(db, text=f"Item {i}: staff were rude and slow", source_type="complaint",
                                 provider_id="p", received_at=service.utcnow())

    def worker():
        while process_pending(engine, fake_pipeline, limit=7):
            pass

    ts = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    with session(engine) as db:
        assert db.exec(select(func.count()).select_from(Feedback).where(Feedback.status != "classified")).one() == 0
        counts = db.exec(select(Prediction.feedback_id, func.count()).group_by(Prediction.feedback_id)).all()
    assert len(counts) == 60 and all(n == 1 for _, n in counts)
