"""Aggregation works past SQLite's bound-parameter cap (32,766): no literal id lists in queries."""
import datetime as dt

from sqlalchemy import insert

from tests.conftest import make_providers
from triage.aggregation import monthly, seldom_heard
from triage.store import service
from triage.store.db import make_engine, session
from triage.store.tables import Feedback, Prediction

N = 33_000


def test_themes_and_rows_for_a_provider_with_more_items_than_sqlite_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    make_providers(engine, ["big"])
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    payload = {"quality_statements": [{"id": "safe.staffing", "score": 0.9}], "freda": [], "rights": [],
               "seldom_heard": [], "safeguarding": {"urgency": "none", "types": [], "score": 0.1, "urgent_score": 0.0},
               "sentiment": "negative", "epistemic_injustice": {"level": "none", "kinds": [], "score": 0.0},
               "speaker": "unknown", "evidence": [], "model_version": "t", "id": None}
    with engine.begin() as c:
        c.execute(insert(Feedback), [dict(id=i, text="t", source_type="complaint", provider_id="big",
                                          received_at=t0 + dt.timedelta(minutes=i), text_hash="h", status="classified",
                                          attempts=0, created_at=t0, review_status="none", urgency="none")
                                     for i in range(1, N + 1)])
        c.execute(insert(Prediction), [dict(feedback_id=i, model_version="t", urgency="none", payload=payload,
                                            created_at=t0) for i in range(1, N + 1)])
    with session(engine) as db:
        assert service.rebuild_labels(db) == 5 * N  # statement, key question, urgency, sentiment, EI level; bulk loads bypass the service: rebuild the counted labels
        t = service.themes(db, provider_id="big", start=None, end=None)
        assert t["items"] == N and t["quality_statements"] == {"safe.staffing": N}
        rows = service.effective_rows(db, provider_id="big")
        assert len(rows) == N
        assert service.monthly(db, provider_id="big") == monthly(rows)
        assert service.seldom_heard(db, provider_id="big") == seldom_heard(rows)
