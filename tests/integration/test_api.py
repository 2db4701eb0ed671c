"""API tests against SQLite (and PostgreSQL when DATABASE_URL_PG is set), with the fake embedder."""
from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import DATABASES, auth, fresh_database_url, make_providers, make_tokens
from tests.contract import check_contract



@pytest.fixture(params=DATABASES)
def client(request, tmp_path, fake_pipeline):
    url = fresh_database_url(request.param, tmp_path, "api.db")
    with TestClient(create_app(pipeline=fake_pipeline, database_url=url)) as c:
        c.tokens = make_tokens(c.app.state.engine)
        make_providers(c.app.state.engine, ["prov-1", "p"])
        c.headers.update(auth(c.tokens["admin"]))
        yield c


def post(client, text, **kw):
    body = {"text": text, "source_type": "complaint", "provider_id": "prov-1", **kw}
    return client.post("/v1/feedback", json=body)


def test_healthz_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert "/v1/feedback" in client.get("/openapi.json").json()["paths"]


def test_classify_returns_the_cli_contract(client):
    text = "The nurse shouted at my mum and left her in soiled sheets."
    r = client.post("/v1/classify", json={"text": text, "id": "c1"})
    assert r.status_code == 200
    check_contract(r.json(), text)


def test_feedback_is_stored_then_classified_and_readable(client):
    r = post(client, "I still cut myself and want to end things, nobody on the ward listens",
             received_at="2026-10-01T10:00:00Z")
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "classified" and body["prediction"]["safeguarding"]["urgency"] == "urgent"
    got = client.get(f"/v1/feedback/{body['id']}").json()
    assert got["text"].startswith("I still cut myself") and got["review_status"] == "open"


def test_external_id_repeat_is_idempotent_and_conflicting_reuse_is_409(client):
    a = post(client, "Lovely staff", external_id="ext-1")
    b = post(client, "Lovely staff", external_id="ext-1")
    assert a.status_code == 201 and b.status_code == 200 and a.json()["id"] == b.json()["id"]
    assert post(client, "Different text", external_id="ext-1").status_code == 409


@pytest.mark.parametrize("body,why", [
    ({"text": "", "source_type": "complaint", "provider_id": "p"}, "empty"),
    ({"text": "   \n ", "source_type": "complaint", "provider_id": "p"}, "whitespace"),
    ({"text": "x" * 20001, "source_type": "complaint", "provider_id": "p"}, "too long"),
    ({"text": "ok", "source_type": "tweet", "provider_id": "p"}, "bad enum"),
    ({"text": 5, "source_type": "complaint", "provider_id": "p"}, "wrong type"),
    ({"text": "ok", "source_type": "complaint"}, "missing provider"),
    ({"text": "ok", "source_type": "complaint", "provider_id": "p", "received_at": "2999-01-01T00:00:00"}, "future"),
])
def test_bad_input_is_a_4xx_and_nothing_is_stored(client, body, why):
    r = client.post("/v1/feedback", json=body)
    assert r.status_code == 422, why
    assert "x" * 50 not in r.text  # the text is not echoed back
    assert client.get("/v1/review-queue").json() == []
    assert client.get("/v1/themes", params={"provider_id": "p"}).json()["items"] == 0


def test_queue_orders_urgent_first_then_concern_oldest_first_and_decisions_are_separate(client):
    concern_old = post(client, "Last year a carer slapped my dad.", received_at="2026-01-01T09:00:00").json()
    urgent_new = post(client, "I want to kill myself tonight and the ward ignores me.",
                      received_at="2026-03-01T09:00:00").json()
    urgent_old = post(client, "He is still being hit by staff every day, please help.",
                      received_at="2026-02-01T09:00:00").json()
    post(client, "Great food and friendly staff.", received_at="2026-02-01T09:00:00")
    q = client.get("/v1/review-queue").json()
    assert [i["id"] for i in q] == [urgent_old["id"], urgent_new["id"], concern_old["id"]]
    assert q[0]["urgency"] == "urgent" and q[0]["age_hours"] > 0

    d = client.post(f"/v1/feedback/{urgent_old['id']}/decision", json={
        "urgency": "urgent", "referral_made": True, "referral_to": "local authority",
        "referral_reference": "LA-1", "rights": ["right.art3_degrading_treatment"], "note": "referred"})
    assert d.status_code == 201
    item = client.get(f"/v1/feedback/{urgent_old['id']}").json()
    assert item["prediction"]["model_version"] and item["decisions"][0]["reviewer"] == "test-admin"
    assert item["review_status"] == "open"  # urgent stays open until closed
    client.post(f"/v1/feedback/{urgent_old['id']}/decision", json={"urgency": "urgent",
                                                                     "close": True})
    assert urgent_old["id"] not in [i["id"] for i in client.get("/v1/review-queue").json()]
    bad = client.post(f"/v1/feedback/{concern_old['id']}/decision",
                      json={"urgency": "none", "rights": ["right.nope"]})
    assert bad.status_code == 422
    assert client.post("/v1/feedback/99999/decision", json={"urgency": "none"}).status_code == 404


def test_themes_count_by_period_and_prefer_the_human_decision(client):
    a = post(client, "The nurse was rude and I waited hours for pain relief.", received_at="2026-05-03T10:00:00").json()
    post(client, "Outside the period.", received_at="2026-07-03T10:00:00")
    t = client.get("/v1/themes", params={"provider_id": "prov-1", "from": "2026-05-01", "to": "2026-05-31"}).json()
    assert t["items"] == 1
    client.post(f"/v1/feedback/{a['id']}/decision", json={
        "urgency": "concern", "quality_statements": ["safe.medicines"], "freda": ["freda.dignity"]})
    t2 = client.get("/v1/themes", params={"provider_id": "prov-1", "from": "2026-05-01", "to": "2026-05-31"}).json()
    assert t2["quality_statements"] == {"safe.medicines": 1} and t2["key_questions"] == {"safe": 1}
    assert t2["freda"] == {"freda.dignity": 1} and t2["safeguarding"] == {"concern": 1}
    assert client.get("/v1/themes", params={"provider_id": "prov-1", "from": "2026-06-01",
                                            "to": "2026-05-01"}).status_code == 422


def test_unknown_feedback_is_404(client):
    assert client.get("/v1/feedback/424242").status_code == 404


def test_reviewer_decisions_export_to_the_gold_format(client, tmp_path):
    import json

    from triage.export import export_annotations
    from triage.gold import validate_item
    from triage.store.db import session

    a = post(client, "A carer called Sarah Jones slapped my dad and he is frightened.").json()
    post(client, "All fine, thank you.")
    client.post(f"/v1/feedback/{a['id']}/decision", json={
        "urgency": "urgent", "safeguarding_types": ["sg.physical"],
        "rights": ["right.art3_degrading_treatment"], "sentiment": "negative", "note": "police informed"})
    out = tmp_path / "reviewed.jsonl"
    with session(client.app.state.engine) as db:
        n = export_annotations(db, out)
    recs = [json.loads(l) for l in out.read_text().splitlines()]
    assert n == 1 and len(recs) == 1
    r = validate_item(recs[0])
    assert r["final"]["safeguarding"] == {"urgency": "urgent", "types": ["sg.physical"]}
    assert r["final"]["rights"] == ["right.art3_degrading_treatment"] and r["split"] == "dev"
    assert r["annotation_a"]["safeguarding"]["urgency"] == a["prediction"]["safeguarding"]["urgency"]
    assert "Sarah" not in r["text"] and "<PERSON>" in r["text"] and r["redacted"] is True


def test_demo_loader_stores_and_classifies_real_items_once(tmp_path, fake_pipeline):
    from triage.demo import load_demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    n = load_demo(database_url=url, pipeline=fake_pipeline)
    assert n > 300
    assert load_demo(database_url=url, pipeline=fake_pipeline) == 0  # not twice
    with TestClient(create_app(pipeline=fake_pipeline, database_url=url)) as c:
        c.headers.update(auth(make_tokens(c.app.state.engine)["reviewer"]))
        q = c.get("/v1/review-queue").json()
        assert q and q[0]["urgency"] == "urgent"
        t = c.get("/v1/themes", params={"provider_id": "demo-care-home"}).json()
        assert t["items"] > 100 and t["quality_statements"]


def test_oversized_bodies_get_413_and_store_nothing(client):
    big = {"text": "x" * 300_000, "source_type": "complaint", "provider_id": "prov-1"}
    r = client.post("/v1/feedback", json=big)
    assert r.status_code == 413
    assert client.get("/v1/themes", params={"provider_id": "prov-1"}).json()["items"] == 0


def test_binary_and_non_utf8_bodies_are_rejected_cleanly(client):
    r = client.post("/v1/feedback", content=b"\xff\xfe\x00binary\x00", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)
    r = client.post("/v1/classify", content=b'{"text": "caf\xe9"}', headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)


def test_html_and_script_are_stored_as_text(client):
    text = '<script>alert("x")</script> The nurse was <b>rude</b>.'
    body = post(client, text).json()
    assert client.get(f"/v1/feedback/{body['id']}").json()["text"] == text
    assert client.get(f"/v1/feedback/{body['id']}").headers["content-type"].startswith("application/json")


def test_non_english_text_is_routed_to_a_person_not_guessed_at(client):
    body = post(client, "Personel był bardzo niemiły i czekałem cztery godziny na lekarza.").json()
    assert body["status"] == "needs_language" and body["language"] == "pl"
    assert body["prediction"] is None and body["review_status"] == "open"
    q = client.get("/v1/review-queue").json()
    assert [i["language"] for i in q if i["id"] == body["id"]] == ["pl"]
    english = post(client, "The staff were very unkind and I waited four hours for a doctor.").json()
    assert english["status"] == "classified" and english["language"] is None


def test_unknown_provider_or_location_is_rejected_clearly(client):
    r = post(client, "Kind staff", provider_id="no-such-provider")
    assert r.status_code == 422 and "unknown provider_id" in r.text
    r = post(client, "Kind staff", location_id="no-such-location")
    assert r.status_code == 422 and "unknown location_id" in r.text


def test_provider_csv_loads_locations_and_reports_bad_lines(tmp_path):
    import pytest

    from triage.store.db import make_engine, session
    from triage.store.providers import ProviderFileError, load_providers
    from triage.store.tables import Provider

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    good = tmp_path / "good.csv"
    good.write_text("id,name,type,region,provider_id\nP1,Trust One,NHS trust,London,\nL1,Ward 1,location,London,P1\n")
    with session(engine) as db:
        assert load_providers(db, good) == 2
        assert db.get(Provider, "L1").provider_id == "P1"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,type,region,provider_id\nP2,Two,t,r,\nP2,Dup,t,r,\nL9,Ward,location,r,NOPE\n")
    with session(engine) as db, pytest.raises(ProviderFileError) as e:
        load_providers(db, bad)
    assert "line 3: duplicate id 'P2'" in str(e.value) and "line 4: location 'L9' names unknown provider" in str(e.value)
    with session(engine) as db:
        assert db.get(Provider, "P2") is None  # nothing written
    nocols = tmp_path / "nocols.csv"
    nocols.write_text("code,title\nx,y\n")
    with session(engine) as db, pytest.raises(ProviderFileError, match="missing columns"):
        load_providers(db, nocols)


def test_inspection_pack_compares_periods_and_is_redacted(client):
    for i in range(6):
        post(client, f"Sarah Jones was rude and left my mum in soiled sheets, visit {i}.",
             received_at=f"2026-05-0{i + 1}T10:00:00")
    post(client, "Lovely staff, thank you.", received_at="2026-04-10T10:00:00")
    r = client.get("/v1/providers/prov-1/inspection-pack", params={"from": "2026-05-01", "to": "2026-05-31"})
    assert r.status_code == 200
    pack = r.json()
    assert pack["items"] == 6 and pack["previous_items"] == 1 and pack["redacted"] is True
    assert {"label", "current", "previous", "p_value", "q_value", "significant"} <= set(pack["change"][0])
    assert pack["items_to_read"] and all("Sarah" not in it["text"] for it in pack["items_to_read"])
    assert "Sarah" not in r.text
    csv_r = client.get("/v1/providers/prov-1/inspection-pack",
                       params={"from": "2026-05-01", "to": "2026-05-31", "format": "csv"})
    assert csv_r.headers["content-type"].startswith("text/csv") and csv_r.text.startswith("section,key")
    assert "Sarah" not in csv_r.text
    assert client.get("/v1/providers/nope/inspection-pack",
                      params={"from": "2026-05-01", "to": "2026-05-31"}).status_code == 404
