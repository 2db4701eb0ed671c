"""Alembic environment: migrates the database named by the engine passed in (or DATABASE_URL)."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from triage.store import tables  # noqa: F401  (register the tables)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        from sqlalchemy import create_engine

        from triage.config import get_settings

        connectable = create_engine(context.config.get_main_option("sqlalchemy.url") or get_settings().database_url)
        with connectable.connect() as conn:
            _run(conn)
    else:
        _run(connectable)


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
