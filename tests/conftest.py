"""Shared fixtures: a deterministic fake embedder (fast tests) and the real model (marked)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRIAGE_SHARED_DIR", ROOT.parent / "shared"))
MODEL_DIR = ROOT / "models" / "triage" / "v1"


class FakeEmbedder:
    """Bag-of-words hashing into 384 dims: same text -> same vector, similar words -> similar vectors."""

    name = "fake"
    dim = 384

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out


@pytest.fixture(scope="session")
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture(scope="session")
def fake_pipeline(fake_embedder):
    """The trained heads and rules, over the fake embedder (no transformer load)."""
    from triage.pipeline.pipeline import Pipeline

    return Pipeline(MODEL_DIR, embedder=fake_embedder)


@pytest.fixture(scope="session")
def real_pipeline():
    from triage.pipeline.pipeline import Pipeline

    return Pipeline(MODEL_DIR)


# databases the integration tests run on: SQLite always, PostgreSQL when DATABASE_URL_PG is set
DATABASES = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL_PG") else [])
TABLES = 'decision, prediction, feedback, audit_log, "user", provider, feedback_label, alembic_version'


def empty_postgres(url: str) -> str:
    """Drop the service's tables from the PostgreSQL test database, so a test starts from nothing."""
    from sqlalchemy import create_engine, text

    with create_engine(url).begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLES} CASCADE"))
    return url


def fresh_database_url(kind: str, tmp_path: Path, name: str = "test.db") -> str:
    """An empty database of that kind: a new SQLite file, or the emptied PostgreSQL test database."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name}"
    return empty_postgres(os.environ["DATABASE_URL_PG"])


ROLES = ("intake", "reviewer", "safeguarding_lead", "inspector", "admin")


def make_tokens(engine) -> dict[str, str]:
    """One user per role in the app's database; returns role -> API token."""
    from triage.store.db import session
    from triage.store.users import create_user

    out = {}
    with session(engine) as db:
        for role in ROLES:
            out[role] = create_user(db, name=f"test-{role}", role=role)[1]
    return out


def make_providers(engine, ids) -> None:
    """Register providers (the service rejects feedback for unknown ones)."""
    from triage.store.db import session
    from triage.store.tables import Provider

    with session(engine) as db:
        for i in ids:
            if db.get(Provider, i) is None:
                db.add(Provider(id=i, name=f"Provider {i}", type="test", region="test"))
        db.commit()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
