"""The planning views counted in SQL over feedback_label equal the Python versions over effective rows,
on SQLite and PostgreSQL: with decisions overriding the model, other providers and periods left out."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DATABASES, fresh_database_url, make_providers
from triage.aggregation import label_counts, monthly, seldom_heard
from triage.store import service
from triage.store.db import make_engine, session
from triage.taxonomy import load_taxonomy

UTC = dt.timezone.utc


def payload(qs=(), groups=(), urgency="none", sentiment="positive", ei="none", freda=(), rights=()):
    ls = lambda ids: [{"id": i, "score": 0.9} for i in ids]  # noqa: E731
    return {"id": None, "quality_statements": ls(qs), "freda": ls(freda), "rights": ls(rights),
            "seldom_heard": ls(groups), "epistemic_injustice": {"level": ei, "kinds": [], "score": 0.5},
            "safeguarding": {"urgency": urgency, "types": [], "score": 0.5, "urgent_score": 0.1},
            "speaker": "unknown", "sentiment": sentiment, "evidence": [], "model_version": "test"}


# (provider, received_at, payload) — prov-a over three months, one item at a month boundary given in
# another time zone (its UTC month is June), and prov-b that must never be counted for prov-a
ITEMS = [
    ("prov-a", dt.datetime(2026, 4, 3, 10, tzinfo=UTC), payload(["caring.kindness_dignity"], ["grp.autism"], ei="likely")),
    ("prov-a", dt.datetime(2026, 4, 9, 10, tzinfo=UTC), payload(["safe.staffing", "safe.medicines"], ["grp.autism", "grp.child_young_person"],
                                                              "concern", "negative", freda=["freda.dignity"])),
    ("prov-a", dt.datetime(2026, 5, 2, 10, tzinfo=UTC), payload(["safe.staffing"], ["grp.child_young_person"], "urgent", "mixed",
                                                              "possible", rights=["right.art3_degrading_treatment"])),
    ("prov-a", dt.datetime(2026, 5, 20, 10, tzinfo=UTC), payload(["responsive.person_centred"], sentiment="neutral")),
    ("prov-a", dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
     payload(["safe.staffing"], ["grp.language_interpreter"], sentiment="negative")),
    ("prov-a", dt.datetime(2026, 6, 15, 10, tzinfo=UTC), payload([], ["grp.language_interpreter"], "concern", "negative", "possible")),
    ("prov-b", dt.datetime(2026, 5, 5, 10, tzinfo=UTC), payload(["safe.staffing"], ["grp.autism"], "urgent", "negative", "likely")),
    ("prov-b", dt.datetime(2026, 6, 5, 10, tzinfo=UTC), payload(["well_led.governance"], ["grp.child_young_person"], ei="possible")),
]


@pytest.fixture(params=DATABASES)
def engine(request, tmp_path):
    url = fresh_database_url(request.param, tmp_path, "plan.db")
    engine = make_engine(url)
    make_providers(engine, ["prov-a", "prov-b"])
    ids = []
    with session(engine) as db:
        for i, (prov, at, p) in enumerate(ITEMS):
            item, _ = service.add_feedback(db, text=f"item {i}", source_type="complaint", provider_id=prov, received_at=at)
            service.save_prediction(db, item=item, contract={**p, "id": str(item.id)})
            ids.append(item.id)
        # a pending item (never classified) is not counted anywhere
        service.add_feedback(db, text="not classified yet", source_type="complaint", provider_id="prov-a",
                             received_at=dt.datetime(2026, 5, 3, tzinfo=UTC))
    engine.ids = ids
    return engine


def decide_overrides(engine):
    """People override the model: other statements, groups, sentiment and urgency; the latest decision counts."""
    ids = engine.ids
    with session(engine) as db:
        service.decide(db, item_id=ids[0], reviewer="r", urgency="urgent", note=None,
                       labels={"quality_statements": ["safe.safeguarding"], "seldom_heard": [], "sentiment": "negative"})
        service.decide(db, item_id=ids[3], reviewer="r", urgency="concern", note=None,
                       labels={"quality_statements": ["safe.staffing"], "seldom_heard": ["grp.autism"]})
        service.decide(db, item_id=ids[3], reviewer="r2", urgency="concern", note=None,  # the latest one counts
                       labels={"quality_statements": ["safe.staffing", "caring.kindness_dignity"],
                               "seldom_heard": ["grp.child_young_person"], "sentiment": "mixed"})
        service.decide(db, item_id=ids[1], reviewer="r", urgency="none", note=None, labels={})


PERIODS = [(None, None), (dt.datetime(2026, 5, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC)),
           (dt.datetime(2026, 4, 5, tzinfo=UTC), None), (None, dt.datetime(2026, 5, 21, tzinfo=UTC))]


def check_equal(engine):
    with session(engine) as db:
        for provider in ("prov-a", "prov-b", "nobody"):
            for start, end in PERIODS:
                rows = service.effective_rows(db, provider_id=provider, start=start, end=end)
                assert service.monthly(db, provider_id=provider, start=start, end=end) == monthly(rows)
                for top in (1, 5):
                    assert service.seldom_heard(db, provider_id=provider, start=start, end=end, top=top) == \
                        seldom_heard(rows, top=top)
                assert service.period_counts(db, provider_id=provider, start=start, end=end) == \
                    (len(rows), label_counts(rows))
        all_rows = service.effective_rows(db)
        assert service.seldom_heard(db, provider_id=None) == seldom_heard(all_rows)
        assert service.monthly(db, provider_id=None) == monthly(all_rows)


def test_sql_views_equal_the_python_views(engine):
    check_equal(engine)
    with session(engine) as db:
        m = service.monthly(db, provider_id="prov-a")
        assert [x["month"] for x in m] == ["2026-04", "2026-05", "2026-06"]  # the 23:30 at UTC-2 item is June's
        assert [x["items"] for x in m] == [2, 2, 2]
        s = service.seldom_heard(db, provider_id="prov-a")
        assert s["items"] == 6 and s["epistemic_injustice_items"] == [engine.ids[0], engine.ids[2], engine.ids[5]]
        assert "grp.autism" in [g["group"] for g in s["groups"]]
        assert service.latest_received(db, provider_id="prov-a") == dt.datetime(2026, 6, 15, 10, tzinfo=UTC)
        assert service.latest_received(db, provider_id="nobody") is None


def test_sql_views_follow_decisions_and_rebuilds(engine):
    with session(engine) as db:
        before = service.seldom_heard(db, provider_id="prov-a")
    decide_overrides(engine)
    check_equal(engine)
    with session(engine) as db:
        s = service.seldom_heard(db, provider_id="prov-a")
        autism = next(g for g in s["groups"] if g["group"] == "grp.autism")
        assert autism["items"] == 1 and s != before  # item 0 left the group, item 3 joined grp.child_young_person instead
        may = next(x for x in service.monthly(db, provider_id="prov-a") if x["month"] == "2026-05")
        assert may["flagged"] == 2 and may["negative"] == 2 and may["key_questions"] == {"caring": 1, "safe": 2}
        views = (service.monthly(db, provider_id="prov-a"), s, service.themes(db, provider_id="prov-a", start=None, end=None))
        assert service.rebuild_labels(db) > 0  # a rebuild from predictions and decisions gives the same counts
        assert (service.monthly(db, provider_id="prov-a"), service.seldom_heard(db, provider_id="prov-a"),
                service.themes(db, provider_id="prov-a", start=None, end=None)) == views
    check_equal(engine)


def test_themes_do_not_file_ei_keys_as_quality_statements(engine):
    with session(engine) as db:
        t = service.themes(db, provider_id="prov-a", start=None, end=None)
    assert not [k for group in t.values() if isinstance(group, dict) for k in group if "possible" in k or "likely" in k]
    assert set(t["quality_statements"]) == {"caring.kindness_dignity", "safe.staffing", "safe.medicines",
                                            "responsive.person_centred"}


def test_pages_use_the_sql_views(engine, fake_pipeline):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import make_tokens

    decide_overrides(engine)
    with TestClient(create_app(pipeline=fake_pipeline, database_url=engine.url.render_as_string(hide_password=False))) as c:
        tokens = make_tokens(c.app.state.engine)
        c.cookies.set("triage_token", tokens["inspector"])
        page = c.get("/ui/providers/prov-a")
        assert page.status_code == 200 and '"month": "2026-06"' in page.text
        assert c.get("/ui/providers/nobody").status_code == 404
        seldom_page = c.get("/ui/seldom-heard", params={"provider_id": "prov-a"})
        names = load_taxonomy().names
        assert seldom_page.status_code == 200 and names["grp.language_interpreter"] in seldom_page.text
        assert f"Item {engine.ids[5]}" in seldom_page.text and f"Item {engine.ids[6]}" not in seldom_page.text
