"""API fuzzing with Schemathesis against the service's own OpenAPI schema (bounded; fake embedder),
on SQLite and, when DATABASE_URL_PG is set, on PostgreSQL.

No 5xx, every status code documented, responses conform to the schema, invalid data rejected,
and requests without the bearer token refused.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from tests.conftest import MODEL_DIR, FakeEmbedder, auth, empty_postgres, make_providers, make_tokens
from triage.pipeline.pipeline import Pipeline


def _schema(url: str):
    if not url.startswith("sqlite"):
        empty_postgres(url)
    app = create_app(pipeline=Pipeline(MODEL_DIR, embedder=FakeEmbedder()), database_url=url, worker_interval=None)
    with TestClient(app):  # run start-up (migrations), then an admin token and a provider for the fuzzer
        token = make_tokens(app.state.engine)["admin"]
        make_providers(app.state.engine, ["0", "p"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    @schema.auth()
    class AdminToken:
        """Schemathesis knows the bearer token, so its own checks also try requests without it."""

        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), **auth(data)}

    return schema


def _check(case):
    # Rules the schema cannot state (a received_at in the future, 'from' after 'to', an unknown provider)
    # answer a documented 422, so the "schema-valid data must be accepted" check is left out.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


sqlite_schema = _schema(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.db'}")


@sqlite_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_on_sqlite_conforms_to_its_schema_and_never_5xx(case):
    _check(case)


def _own_pg_database(url: str) -> str:
    """A database of the fuzzer's own on the same server, so other tests resetting theirs do not touch it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with create_engine(u, isolation_level="AUTOCOMMIT").connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = 'triage_fuzz'")).scalar():
            c.execute(text("CREATE DATABASE triage_fuzz"))
    return u.set(database="triage_fuzz").render_as_string(hide_password=False)


if os.environ.get("DATABASE_URL_PG"):
    pg_schema = _schema(_own_pg_database(os.environ["DATABASE_URL_PG"]))

    @pg_schema.parametrize()
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    def test_api_on_postgresql_conforms_to_its_schema_and_never_5xx(case):
        _check(case)
