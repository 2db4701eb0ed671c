"""Schema migrations (Alembic): `upgrade(engine)` brings any database to the current schema."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _run(engine, fn, revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # SQLite rebuilds tables to alter them: foreign keys are checked again afterwards
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        with conn.begin():
            cfg.attributes["connection"] = conn
            fn(cfg, revision)
        if sqlite:
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
            if bad:
                raise RuntimeError(f"migration left {len(bad)} rows breaking foreign keys")


def upgrade(engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` on the engine's database."""
    _run(engine, command.upgrade, revision)


def downgrade(engine, revision: str) -> None:
    """Undo migrations down to ``revision``."""
    _run(engine, command.downgrade, revision)
