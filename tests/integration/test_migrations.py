"""Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from triage.store.db import make_engine

URLS = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL_PG") else [])


@pytest.fixture(params=URLS)
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    u = os.environ["DATABASE_URL_PG"]
    with create_engine(u).begin() as c:
        c.execute(text('DROP TABLE IF EXISTS decision, prediction, feedback, audit_log, "user", provider, alembic_version CASCADE'))
    return u


def test_upgrade_from_empty_matches_the_models_and_is_idempotent(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
        assert diffs == []
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    make_engine(url)  # a second start migrates nothing and breaks nothing
    assert {"feedback", "prediction", "decision", "user", "audit_log"} <= set(inspect(engine).get_table_names())
