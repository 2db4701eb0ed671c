"""Every route checks the caller: no token 401, a wrong role 403, the right role through; the audit log."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import ROLES, auth, make_providers, make_tokens


@pytest.fixture(scope="module")
def env(tmp_path_factory, fake_pipeline):
    url = f"sqlite:///{tmp_path_factory.mktemp('roles') / 'r.db'}"
    with TestClient(create_app(pipeline=fake_pipeline, database_url=url, worker_interval=None)) as c:
        tokens = make_tokens(c.app.state.engine)
        make_providers(c.app.state.engine, ["p1", "p"])
        item = c.post("/v1/feedback", headers=auth(tokens["reviewer"]), json={
            "text": "Sarah Jones (NHS number 943 476 5919) is still being hit by staff every day.",
            "source_type": "complaint",
            "provider_id": "p1"}).json()
        yield c, tokens, item["id"]


def routes(item_id):
    fb = {"text": "Kind staff.", "source_type": "complaint", "provider_id": "p1"}
    return {
        "submit": ("post", "/v1/feedback", {"json": fb}, {"intake", "reviewer", "safeguarding_lead", "admin"}),
        "classify": ("post", "/v1/classify", {"json": {"text": "Kind staff."}},
                     {"intake", "reviewer", "safeguarding_lead", "admin"}),
        "read": ("get", f"/v1/feedback/{item_id}", {}, {"reviewer", "safeguarding_lead", "inspector", "admin"}),
        "queue": ("get", "/v1/review-queue", {}, {"reviewer", "safeguarding_lead", "admin"}),
        "decide": ("post", f"/v1/feedback/{item_id}/decision", {"json": {"urgency": "urgent"}},
                   {"reviewer", "safeguarding_lead", "admin"}),
        "claim": ("post", f"/v1/feedback/{item_id}/claim", {}, {"reviewer", "safeguarding_lead", "admin"}),
        "themes": ("get", "/v1/themes", {"params": {"provider_id": "p1"}},
                   {"inspector", "reviewer", "safeguarding_lead", "admin"}),
        "audit": ("get", "/v1/audit", {}, {"admin"}),
    }


ROUTES = ["submit", "classify", "read", "queue", "decide", "claim", "themes", "audit"]


@pytest.mark.parametrize("name", ROUTES)
def test_no_token_is_401_and_a_bad_token_is_401(env, name):
    c, tokens, item_id = env
    method, path, kw, _ = routes(item_id)[name]
    assert getattr(c, method)(path, **kw).status_code == 401
    assert getattr(c, method)(path, headers=auth("not-a-token"), **kw).status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ROUTES)
def test_each_role_gets_exactly_its_routes(env, name, role):
    c, tokens, item_id = env
    method, path, kw, allowed = routes(item_id)[name]
    r = getattr(c, method)(path, headers=auth(tokens[role]), **kw)
    if role in allowed:  # (another role's live claim on the item answers 409: the role check passed)
        assert r.status_code in ((200, 201, 409) if name == "claim" else (200, 201)), (role, name, r.status_code)
    else:
        assert r.status_code == 403, (role, name, r.status_code)


def test_healthz_needs_no_token(env):
    c, _, _ = env
    assert c.get("/healthz").status_code == 200


def test_intake_reads_only_its_own_items(env):
    c, tokens, other_id = env
    mine = c.post("/v1/feedback", headers=auth(tokens["intake"]), json={
        "text": "Mine", "source_type": "complaint", "provider_id": "p1"}).json()
    assert c.get(f"/v1/feedback/{mine['id']}", headers=auth(tokens["intake"])).status_code == 200
    assert c.get(f"/v1/feedback/{other_id}", headers=auth(tokens["intake"])).status_code == 403


def test_only_a_safeguarding_lead_closes_an_urgent_item(env):
    c, tokens, item_id = env
    body = {"urgency": "urgent", "close": True}
    assert c.post(f"/v1/feedback/{item_id}/decision", headers=auth(tokens["reviewer"]), json=body).status_code == 403
    assert c.post(f"/v1/feedback/{item_id}/decision", headers=auth(tokens["safeguarding_lead"]),
                  json=body).status_code == 201


def test_audit_log_records_who_viewed_and_decided_without_text(env):
    c, tokens, item_id = env
    c.get(f"/v1/feedback/{item_id}", headers=auth(tokens["reviewer"]))
    log = c.get("/v1/audit", headers=auth(tokens["admin"])).json()
    actions = {(e["user_name"], e["action"], e["object_id"]) for e in log}
    assert ("test-reviewer", "view_feedback", str(item_id)) in actions
    assert any(a == "decide" for _, a, _ in actions)
    assert "hit by staff" not in str(log) and "Sarah" not in str(log)


def test_rate_limit_per_token_answers_429_and_spares_other_tokens(tmp_path, fake_pipeline):
    url = f"sqlite:///{tmp_path / 'rl.db'}"
    with TestClient(create_app(pipeline=fake_pipeline, database_url=url, worker_interval=None,
                               rate_limit_per_minute=5)) as c:
        t = make_tokens(c.app.state.engine)
        codes = [c.get("/v1/themes", params={"provider_id": "p"}, headers=auth(t["inspector"])).status_code
                 for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        assert c.get("/v1/themes", params={"provider_id": "p"}, headers=auth(t["reviewer"])).status_code == 200


def test_inspectors_see_redacted_text_only(env):
    c, tokens, item_id = env
    raw = c.get(f"/v1/feedback/{item_id}", headers=auth(tokens["reviewer"])).json()
    red = c.get(f"/v1/feedback/{item_id}", headers=auth(tokens["inspector"])).json()
    assert "Sarah Jones" in raw["text"] and raw["redacted"] is False
    assert red["redacted"] is True
    assert "Sarah" not in red["text"] and "943 476 5919" not in red["text"]
    assert "<PERSON>" in red["text"] and "<UK_NHS>" in red["text"]
    assert all("Sarah" not in e["text"] for e in red["prediction"]["evidence"])


def test_a_live_claim_by_another_reviewer_is_409(env):
    c, tokens, item_id = env
    other = c.post("/v1/feedback", headers=auth(tokens["reviewer"]), json={
        "text": "Claim me", "source_type": "complaint", "provider_id": "p1"}).json()["id"]
    assert c.post(f"/v1/feedback/{other}/claim", headers=auth(tokens["reviewer"])).json()["claimed_by"] == "test-reviewer"
    assert c.post(f"/v1/feedback/{other}/claim", headers=auth(tokens["safeguarding_lead"])).status_code == 409


UI_PAGES = {"/ui/queue": {"reviewer", "safeguarding_lead", "admin"},
            "/ui/providers": {"inspector", "reviewer", "safeguarding_lead", "admin"},
            "/ui/seldom-heard": {"inspector", "reviewer", "safeguarding_lead", "admin"},
            "/ui/audit": {"admin"}}


@pytest.mark.parametrize("path", sorted(UI_PAGES))
def test_ui_pages_need_sign_in_and_the_right_role(env, path):
    c, tokens, item_id = env
    r = c.get(path, follow_redirects=False, headers={"Authorization": ""})
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    for role in ROLES:
        c.cookies.set("triage_token", tokens[role])
        r = c.get(path, follow_redirects=False)
        assert r.status_code == (200 if role in UI_PAGES[path] else 403), (path, role, r.status_code)
    c.cookies.clear()
    for role in ROLES:  # the item page: reviewers and leads only (inspectors get redacted items via the API)
        c.cookies.set("triage_token", tokens[role])
        r = c.get(f"/ui/items/{item_id}", follow_redirects=False)
        assert r.status_code == (200 if role in ("reviewer", "safeguarding_lead", "admin") else 403)
    c.cookies.clear()
