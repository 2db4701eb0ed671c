"""Settings from the environment (pydantic-settings); secrets never hard-coded."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'triage.db'}"
    model_dir: Path = ROOT / "models" / "triage" / "v1"
    taxonomy_version: int = 1
    max_text_chars: int = 20_000     # longer text is rejected (API) or reported (batch)
    max_sentences: int = 200         # sentences scored per item (the rest still count in the text)
    batch_size: int = 64
    embed_cache_sentences: int = 50_000  # distinct sentences whose vectors are kept (0: off); ~80 MB at 50k
    prediction_cache_items: int = 20_000  # predictions kept by content hash of the text (0: off); ~4 KB each
    response_target_urgent_hours: float = 4.0    # the review queue shows age against these targets
    response_target_concern_hours: float = 72.0
    rate_limit_per_minute: int = 600      # requests per token per minute (429 beyond)
    classify_lease_seconds: float = 60.0  # a claim older than this is taken to be a dead worker's


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings; DATABASE_URL (no prefix) also selects the database, as is usual."""
    import os

    s = Settings()
    if os.environ.get("DATABASE_URL"):
        s.database_url = os.environ["DATABASE_URL"]
    return s
