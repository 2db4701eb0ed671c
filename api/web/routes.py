"""Server-rendered pages for people: sign-in, review queue, item and decision, provider dashboard,
seldom-heard voices, audit log. Same roles as the API; the token travels in an HttpOnly,
SameSite=Strict cookie; every text is escaped by Jinja2's autoescaping.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from triage.config import get_settings
from triage.store import service
from triage.store.tables import User
from triage.store.users import audit, audit_log, user_for_token
from triage.taxonomy import load_taxonomy

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = "triage_token"


class LoginRequired(Exception):
    pass


def page_user(request: Request, db: SessionDep) -> User:
    token = request.cookies.get(COOKIE)
    user = user_for_token(db, token=token) if token else None
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[User, Depends(page_user)]


def allow(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(403, f"role {user.role!r} may not see this page")


def same_origin(request: Request) -> None:
    """Forms post with a cookie: refuse cross-site posts (SameSite=Strict is the first line)."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise HTTPException(403, "cross-site form post refused")


def render(request: Request, name: str, user: User | None, **ctx) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, "tax": load_taxonomy(), **ctx})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: Optional[str] = None):
    return render(request, "login.html", None, error=error)


@router.post("/login")
def login(request: Request, db: SessionDep, token: Annotated[str, Form(max_length=200)]):
    same_origin(request)
    user = user_for_token(db, token=token.strip())
    if user is None:
        return RedirectResponse("/ui/login?error=1", status_code=303)
    audit(db, user=user, action="sign_in")
    home = "/ui/providers" if user.role == "inspector" else "/ui/queue"
    resp = RedirectResponse(home, status_code=303)
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


@router.post("/logout")
def logout(request: Request):
    same_origin(request)
    resp = RedirectResponse("/ui/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, db: SessionDep, user: PageUser):
    allow(user, "reviewer", "safeguarding_lead", "admin")
    s = get_settings()
    now = service.utcnow()
    targets = {"urgent": s.response_target_urgent_hours, "concern": s.response_target_concern_hours}
    rows = []
    for i in service.review_queue(db, limit=500):
        age = (now - i.received_at).total_seconds() / 3600
        target = targets.get(i.urgency or "", None)
        rows.append({"item": i, "age_hours": age, "target": target, "overdue": target is not None and age > target})
    audit(db, user=user, action="view_queue")
    return render(request, "queue.html", user, rows=rows, targets=targets)


def _segments(text: str, evidence: list[dict]) -> list[tuple[str, list[str]]]:
    """Split the text at evidence boundaries: [(piece, labels covering it)]."""
    cuts = {0, len(text)}
    for e in evidence:
        if 0 <= e["start"] < e["end"] <= len(text):
            cuts |= {e["start"], e["end"]}
    pts = sorted(cuts)
    out = []
    for a, b in zip(pts, pts[1:]):
        labels = sorted({e["label"] for e in evidence if e["start"] <= a and b <= e["end"]})
        out.append((text[a:b], labels))
    return out


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: int, db: SessionDep, user: PageUser):
    allow(user, "reviewer", "safeguarding_lead", "admin")
    try:
        item, pred, decisions = service.get_feedback(db, item_id=item_id)
    except service.NotFound:
        raise HTTPException(404, "no such item") from None
    audit(db, user=user, action="view_feedback", object_type="feedback", object_id=item_id, detail={"ui": True})
    p = pred.payload if pred else None
    return render(request, "item.html", user, item=item, pred=p, decisions=decisions,
                  segments=_segments(item.text, p["evidence"] if p else []),
                  can_close=user.role in ("safeguarding_lead", "admin"))


@router.post("/items/{item_id}/claim")
def claim(request: Request, item_id: int, db: SessionDep, user: PageUser):
    allow(user, "reviewer", "safeguarding_lead", "admin")
    same_origin(request)
    try:
        service.claim_for_review(db, item_id=item_id, reviewer=user.name)
    except service.NotFound:
        raise HTTPException(404, "no such item") from None
    except service.Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    audit(db, user=user, action="claim", object_type="feedback", object_id=item_id, detail={"ui": True})
    return RedirectResponse(f"/ui/items/{item_id}", status_code=303)


@router.post("/items/{item_id}/decision")
def decide(request: Request, item_id: int, db: SessionDep, user: PageUser,
           urgency: Annotated[str, Form(pattern="^(none|concern|urgent)$")],
           quality_statements: Annotated[list[str], Form()] = [],  # noqa: B006
           rights: Annotated[list[str], Form()] = [],  # noqa: B006
           freda: Annotated[list[str], Form()] = [],  # noqa: B006
           seldom_heard_ids: Annotated[list[str], Form()] = [],  # noqa: B006
           referral_to: Annotated[str, Form(max_length=200)] = "",
           referral_reference: Annotated[str, Form(max_length=200)] = "",
           note: Annotated[str, Form(max_length=5000)] = "",
           close: Annotated[bool, Form()] = False):
    allow(user, "reviewer", "safeguarding_lead", "admin")
    same_origin(request)
    tax = load_taxonomy()
    try:
        tax.check_ids(quality_statements, "quality_statements")
        tax.check_ids(rights, "rights")
        tax.check_ids(freda, "freda")
        tax.check_ids(seldom_heard_ids, "seldom_heard")
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    try:
        service.decide(db, item_id=item_id, reviewer=user.name, urgency=urgency,
                       labels={"quality_statements": sorted(set(quality_statements)), "rights": sorted(set(rights)),
                               "freda": sorted(set(freda)), "seldom_heard": sorted(set(seldom_heard_ids))},
                       note=note or None, referral_made=bool(referral_to.strip()), referral_to=referral_to or None,
                       referral_reference=referral_reference or None, close=close, role=user.role)
    except service.NotFound:
        raise HTTPException(404, "no such item") from None
    except service.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from None
    audit(db, user=user, action="decide", object_type="feedback", object_id=item_id,
          detail={"urgency": urgency, "close": close, "ui": True})
    return RedirectResponse(f"/ui/items/{item_id}?saved=1", status_code=303)


def _period(months: int) -> tuple[dt.datetime, dt.datetime]:
    end = service.utcnow() + dt.timedelta(days=1)
    return end - dt.timedelta(days=31 * months), end


@router.get("/providers", response_class=HTMLResponse)
def providers(request: Request, db: SessionDep, user: PageUser):
    allow(user, "inspector", "reviewer", "safeguarding_lead", "admin")
    return render(request, "providers.html", user, providers=service.providers(db))


@router.get("/providers/{provider_id}", response_class=HTMLResponse)
def dashboard(request: Request, provider_id: str, db: SessionDep, user: PageUser, days: int = 90):
    allow(user, "inspector", "reviewer", "safeguarding_lead", "admin")
    latest = service.latest_received(db, provider_id=provider_id)
    if latest is None:
        raise HTTPException(404, "no classified items for this provider")
    themes = service.themes(db, provider_id=provider_id, start=None, end=None)
    end = dt.datetime.combine(latest.date(), dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
    start = end - dt.timedelta(days=days)
    from triage.planning import period_report

    report = period_report(db, provider_id=provider_id, start=start, end=end)
    report.pop("_rows")
    audit(db, user=user, action="view_themes", object_type="provider", object_id=provider_id, detail={"ui": True})
    return render(request, "dashboard.html", user, provider_id=provider_id, themes=themes,
                  trend=service.monthly(db, provider_id=provider_id),
                  report=report, days=days)


@router.get("/seldom-heard", response_class=HTMLResponse)
def seldom(request: Request, db: SessionDep, user: PageUser, provider_id: Optional[str] = None):
    allow(user, "inspector", "reviewer", "safeguarding_lead", "admin")
    data = service.seldom_heard(db, provider_id=provider_id or None)
    audit(db, user=user, action="view_seldom_heard", object_type="provider", object_id=provider_id)
    return render(request, "seldom.html", user, data=data, provider_id=provider_id,
                  providers=service.providers(db), can_read_items=user.role != "inspector")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: SessionDep, user: PageUser):
    allow(user, "admin")
    return render(request, "audit.html", user, entries=audit_log(db, limit=500))
