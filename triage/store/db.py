"""Engine and session factory; DATABASE_URL selects SQLite (default) or PostgreSQL."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, create_engine


def make_engine(url: str):
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _):  # durable and concurrent enough for one machine
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    from triage.store.migrate import upgrade

    upgrade(engine)  # Alembic migrations, never create_all: the same schema on SQLite and PostgreSQL
    return engine


def session(engine) -> Session:
    return Session(engine, expire_on_commit=False)
