"""End to end in headless Chromium (Debian's package, driven by Playwright): sign in, the queue,
a decision on an urgent item, the provider dashboard changing, the seldom-heard view, the audit log.
Screenshots go to var/screenshots/ (or $TRIAGE_SCREENSHOTS)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, auth, make_tokens

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
SHOTS = Path(os.environ.get("TRIAGE_SCREENSHOTS", ROOT / "var" / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_pipeline):
    import uvicorn

    from api.app import create_app
    from triage.demo import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    load_demo(database_url=url, pipeline=fake_pipeline)
    app = create_app(pipeline=fake_pipeline, database_url=url, worker_interval=None)
    tokens = make_tokens(app.state.engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", tokens
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(browser, base, token):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "/ui/login")
    page.fill("#token", token)
    page.click("#sign-in")
    return page


def test_wrong_token_is_refused(server, browser):
    base, _ = server
    page = sign_in(browser, base, "not-a-token")
    assert page.locator("#login-error").is_visible()
    shot(page, "01_login_refused")


def test_reviewer_decides_an_urgent_item_and_the_dashboard_changes(server, browser):
    base, tokens = server
    page = sign_in(browser, base, tokens["reviewer"])
    assert page.url.endswith("/ui/queue")
    first = page.locator("#queue tbody tr").first
    assert "urgent" in first.inner_text()
    shot(page, "02_queue")
    first.locator("a").click()
    assert page.locator("#text mark").count() >= 1  # evidence highlighted
    page.click("#claim")
    assert page.locator("#claimed").inner_text() == "claimed by test-reviewer"
    provider = page.locator("main p.muted").first.inner_text().split("provider ")[1].split(" ")[0]

    selected = page.eval_on_selector("#qs", "s => [...s.selectedOptions].map(o => o.value)")
    new_label = next(o for o in page.eval_on_selector("#qs", "s => [...s.options].map(o => o.value)")
                     if o not in selected)

    def label_count():
        page2 = page.context.new_page()
        page2.goto(f"{base}/ui/providers/{provider}")
        page2.wait_for_function("window.chartsReady === true")
        data = json.loads(page2.locator("#dashboard-data").text_content())
        page2.close()
        return data["qs"].get(new_label, 0)

    before = label_count()
    item_url = page.url
    shot(page, "03_item")
    page.select_option("#urgency-select", "urgent")
    page.select_option("#qs", selected + [new_label])
    page.fill("#referral_to", "Local authority safeguarding team")
    page.fill("#referral_reference", "LA-2026-001")
    page.fill("#note", "Referred the same day.")
    page.click("#save-decision")
    assert page.locator("#saved").is_visible()
    assert "Local authority safeguarding team" in page.locator("#decisions").inner_text()
    assert page.locator("#close").count() == 0  # a reviewer cannot close an urgent item
    shot(page, "04_decided")
    assert label_count() == before + 1  # the person's decision overrides the model on the dashboard

    lead = sign_in(browser, base, tokens["safeguarding_lead"])
    lead.goto(item_url)
    lead.check("#close")
    lead.click("#save-decision")
    assert "(closed)" in lead.locator("#decisions").inner_text()
    lead.goto(base + "/ui/queue")
    assert item_url.rsplit("/", 1)[1] not in [a.inner_text() for a in lead.locator("#queue tbody a").all()]


def test_dashboard_draws_charts(server, browser):
    base, tokens = server
    page = sign_in(browser, base, tokens["inspector"])
    assert page.url.endswith("/ui/providers")
    page.click("#providers a >> nth=0")
    page.wait_for_function("window.chartsReady === true")
    for cid in ("qs-chart", "trend-chart", "rights-chart"):
        w = page.evaluate(f"document.getElementById('{cid}').width")
        assert w > 100
        assert page.evaluate(f"Chart.getChart('{cid}') !== undefined")
    shot(page, "05_dashboard")


def test_seldom_heard_view_and_audit_log(server, browser):
    base, tokens = server
    page = sign_in(browser, base, tokens["reviewer"])
    page.goto(base + "/ui/seldom-heard")
    assert page.locator("#groups tr").count() >= 2
    shot(page, "06_seldom_heard")
    admin = sign_in(browser, base, tokens["admin"])
    admin.goto(base + "/ui/audit")
    text = admin.locator("#audit").inner_text()
    assert "decide" in text and "test-reviewer" in text
    shot(admin, "07_audit")
    page.goto(base + "/ui/audit")
    assert "403" in page.content() or "may not" in page.content()
