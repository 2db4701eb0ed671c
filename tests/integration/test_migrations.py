"""Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from tests.conftest import DATABASES, fresh_database_url
from triage.store.db import make_engine



@pytest.fixture(params=DATABASES)
def url(request, tmp_path):
    return fresh_database_url(request.param, tmp_path, "m.db")


def test_upgrade_from_empty_matches_the_models_and_is_idempotent(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
        assert diffs == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
    make_engine(url)  # a second start migrates nothing and breaks nothing
    assert {"feedback", "prediction", "decision", "user", "audit_log"} <= set(inspect(engine).get_table_names())


def test_0005_backfills_counted_labels_for_items_classified_before_it(url, fake_pipeline):
    from sqlmodel import select

    from tests.conftest import make_providers
    from triage.store import service
    from triage.store.db import session
    from triage.store.migrate import downgrade, upgrade
    from triage.store.tables import FeedbackLabel

    engine = make_engine(url)
    make_providers(engine, ["p"])
    with session(engine) as db:
        for t in ("Staff were rude and I waited hours.", "Kind nurses, thank you."):
            item, _ = service.add_feedback(db, text=t, source_type="complaint", provider_id="p",
                                           received_at=service.utcnow())
            pred = fake_pipeline.predict([t])[0]
            service.save_prediction(db, item=item, contract=pred.to_contract(str(item.id)))
        service.decide(db, item_id=item.id, reviewer="r", urgency="concern",
                       labels={"quality_statements": ["safe.medicines"]}, note=None)
        before = sorted((r.feedback_id, r.label) for r in db.exec(select(FeedbackLabel)))
        themes_before = service.themes(db, provider_id="p", start=None, end=None)
    assert ("safe.medicines" in themes_before["quality_statements"]) and before
    downgrade(engine, "0004")
    upgrade(engine)
    with session(engine) as db:
        after = sorted((r.feedback_id, r.label) for r in db.exec(select(FeedbackLabel)))
        assert after == before
        assert service.themes(db, provider_id="p", start=None, end=None) == themes_before


def test_0007_backfills_months_and_ei_levels_and_downgrades(url):
    from sqlmodel import select

    from tests.integration.test_planning_sql import ITEMS, decide_overrides
    from tests.conftest import make_providers
    from triage.store import service
    from triage.store.db import session
    from triage.store.migrate import downgrade, upgrade
    from triage.store.tables import FeedbackLabel

    engine = make_engine(url)
    make_providers(engine, ["prov-a", "prov-b"])
    engine.ids = []
    with session(engine) as db:
        for i, (prov, at, p) in enumerate(ITEMS):
            item, _ = service.add_feedback(db, text=f"item {i}", source_type="complaint", provider_id=prov, received_at=at)
            service.save_prediction(db, item=item, contract={**p, "id": str(item.id)})
            engine.ids.append(item.id)
    decide_overrides(engine)

    def state():
        with session(engine) as db:
            rows = sorted((r.feedback_id, r.label, r.provider_id, r.received_at, r.month)
                          for r in db.exec(select(FeedbackLabel)))
            return rows, service.monthly(db, provider_id="prov-a"), service.seldom_heard(db, provider_id="prov-a")

    before = state()
    assert {lab for _, lab, *_ in before[0] if lab.startswith("ei:")} == {"ei:none", "ei:possible", "ei:likely"}
    assert ("2026-06" in {m for *_, m in before[0]}) and before[2]["epistemic_injustice_items"]
    downgrade(engine, "0006")
    cols = {c["name"] for c in inspect(engine).get_columns("feedback_label")}
    assert "month" not in cols and "ix_feedback_label_provider_label" not in \
        {i["name"] for i in inspect(engine).get_indexes("feedback_label")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback_label WHERE label LIKE 'ei:%'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM feedback_label")).scalar() > 0
    if url.startswith("sqlite"):
        upgrade(engine)
    else:  # the backfill gives UTC months whatever the session's time zone (here UTC-3)
        tz_engine = create_engine(url, connect_args={"options": "-c timezone=America/Sao_Paulo"})
        upgrade(tz_engine)
        tz_engine.dispose()
    assert state() == before
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
        assert diffs == []
