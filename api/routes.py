"""Routes: each parses input, calls one core function, maps errors to status codes."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from typing import Any

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from api.deps import PipelineDep, SessionDep, require
from triage.store.tables import User
from triage.store.users import audit, audit_log
from api.schemas import (AuditOut, ClassifyIn, DecisionIn, DecisionOut, FeedbackCreate, FeedbackOut, PredictionOut,
                         QueueItem, ThemesOut)
from triage.store import service
from triage.pipeline.language import detect_language
from triage.worker import classify_item

class ErrorOut(BaseModel):
    detail: Any


SUBMIT = ("intake", "reviewer", "safeguarding_lead", "admin")
READ = ("intake", "reviewer", "safeguarding_lead", "inspector", "admin")  # intake: own items; inspector: redacted
REVIEW = ("reviewer", "safeguarding_lead", "admin")
PLAN = ("inspector", "reviewer", "safeguarding_lead", "admin")

ItemId = Annotated[int, Path(ge=1, le=2_147_483_647, description="feedback id")]  # an int4 on PostgreSQL

router = APIRouter(responses={400: {"model": ErrorOut, "description": "Malformed request body (not JSON, not UTF-8)"},
                              401: {"model": ErrorOut, "description": "Missing or invalid API token"},
                              403: {"model": ErrorOut, "description": "The caller's role may not do this"},
                              413: {"model": ErrorOut, "description": "Request body too large"},
                              429: {"model": ErrorOut, "description": "Rate limit for this token exceeded"}})
log = logging.getLogger("triage.api")


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _day(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.timezone.utc)
    except ValueError:
        raise unprocessable(("query", name), f"{name} is not a valid date") from None


def unprocessable(loc: tuple, msg: str) -> RequestValidationError:
    """A 422 in the same shape as FastAPI's own validation errors."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": "value_error"}])


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """Aware UTC; a time without a zone is taken as UTC."""
    if t is None:
        return None
    return t.astimezone(dt.timezone.utc) if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _out(item, pred, decisions, created=False) -> FeedbackOut:
    return FeedbackOut(id=item.id, external_id=item.external_id, text=item.text, source_type=item.source_type,
                       provider_id=item.provider_id, location_id=item.location_id, received_at=item.received_at,
                       status=item.status, review_status=item.review_status, urgency=item.urgency, created=created,
                       language=item.language,
                       prediction=PredictionOut(**pred.payload) if pred else None,
                       decisions=[DecisionOut(**d.model_dump()) for d in decisions])


@router.get("/healthz")
def healthz(pipeline: PipelineDep) -> dict:
    return {"status": "ok", "model_version": getattr(pipeline, "model_version", None)}


@router.post("/v1/classify", response_model=PredictionOut)
def classify(body: ClassifyIn, pipeline: PipelineDep, user: User = require(*SUBMIT)) -> dict:
    """Classify without storing."""
    return pipeline.predict([body.text])[0].to_contract(body.id)


@router.post("/v1/feedback", response_model=FeedbackOut, status_code=201,
             responses={200: {"model": FeedbackOut, "description": "A repeated external_id: the stored item"},
                        409: {"model": ErrorOut, "description": "external_id already used for another text"}})
def create_feedback(body: FeedbackCreate, db: SessionDep, pipeline: PipelineDep, response: Response,
                    user: User = require(*SUBMIT)) -> FeedbackOut:
    """Store the item first, then classify it; a repeated external_id returns the stored item (200)."""
    received = _utc(body.received_at) or service.utcnow()
    if received > service.utcnow() + dt.timedelta(minutes=5):
        raise unprocessable(("body", "received_at"), "received_at is in the future")
    try:
        item, created = service.add_feedback(db, text=body.text, source_type=body.source_type,
                                             provider_id=body.provider_id, location_id=body.location_id,
                                             received_at=received, external_id=body.external_id,
                                             submitted_by=user.id)
    except service.Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except service.UnknownProvider as exc:
        raise unprocessable(("body", "provider_id"), str(exc)) from None
    if not created:
        response.status_code = 200
    if created and (lang := detect_language(item.text)):
        service.route_non_english(db, item=item, language=lang)
    elif item.status in ("pending", "failed"):
        # the item is already committed; if this fails or the process dies, the worker retries it
        classify_item(db, pipeline, item)
    item, pred, decisions = service.get_feedback(db, item_id=item.id)
    return _out(item, pred, decisions, created)


@router.get("/v1/feedback/{item_id}", response_model=FeedbackOut, responses={404: {"model": ErrorOut}})
def read_feedback(item_id: ItemId, db: SessionDep, user: User = require(*READ)) -> FeedbackOut:
    """The item with its latest prediction and decisions (intake: only items it submitted)."""
    try:
        item, pred, decisions = service.get_feedback(db, item_id=item_id)
    except service.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    if user.role == "intake" and item.submitted_by != user.id:
        raise HTTPException(403, "intake users may read only the items they submitted")
    redact = user.role == "inspector"
    audit(db, user=user, action="view_feedback", object_type="feedback", object_id=item_id,
          detail={"redacted": redact})
    out = _out(item, pred, decisions)
    return redacted(out) if redact else out


def redacted(out: FeedbackOut) -> FeedbackOut:
    """The same item with personal data replaced by its type (<PERSON>, <UK_NHS>, ...)."""
    from triage.pii import default_redactor

    r = default_redactor()
    out.text, out.redacted = r.redact(out.text), True
    if out.prediction:
        for e in out.prediction.evidence:
            e.text = r.redact(e.text)
    for d in out.decisions:
        d.note = r.redact(d.note) if d.note else d.note
    return out


@router.get("/v1/review-queue", response_model=list[QueueItem])
def review_queue(db: SessionDep, limit: int = Query(100, ge=1, le=1000),
                 user: User = require(*REVIEW)) -> list[QueueItem]:
    """Items needing a person: urgent first, then concern, oldest first."""
    now = service.utcnow()
    audit(db, user=user, action="view_queue")
    return [_queue_item(i, now) for i in service.review_queue(db, limit=limit)]


def _queue_item(i, now) -> QueueItem:
    return QueueItem(id=i.id, provider_id=i.provider_id, urgency=i.urgency, received_at=i.received_at,
                     language=i.language, review_status=i.review_status, claimed_by=i.reviewer_claim,
                     age_hours=round((now - i.received_at).total_seconds() / 3600, 2))


@router.post("/v1/feedback/{item_id}/decision", response_model=DecisionOut, status_code=201,
             responses={404: {"model": ErrorOut}})
def record_decision(item_id: ItemId, body: DecisionIn, db: SessionDep, user: User = require(*REVIEW)) -> DecisionOut:
    """A reviewer's decision, stored apart from the model's suggestion."""
    labels = {key: sorted(set(getattr(body, key))) for key in
              ("quality_statements", "freda", "rights", "seldom_heard", "safeguarding_types")
              if getattr(body, key) is not None}  # IDs already checked against the taxonomy by the schema
    if body.sentiment:
        labels["sentiment"] = body.sentiment
    try:
        d = service.decide(db, item_id=item_id, reviewer=user.name, urgency=body.urgency, labels=labels,
                           note=body.note, referral_made=body.referral_made, referral_to=body.referral_to,
                           referral_reference=body.referral_reference, close=body.close, role=user.role)
    except service.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except service.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from exc
    audit(db, user=user, action="decide", object_type="feedback", object_id=item_id,
          detail={"urgency": body.urgency, "close": body.close, "referral_made": body.referral_made})
    return DecisionOut(**d.model_dump())


@router.post("/v1/feedback/{item_id}/claim", response_model=QueueItem,
             responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut, "description": "claimed by another reviewer"}})
def claim_item(item_id: ItemId, db: SessionDep, user: User = require(*REVIEW)) -> QueueItem:
    """Claim an item for review (another reviewer's live claim is a 409; claims lapse after 2 hours)."""
    try:
        i = service.claim_for_review(db, item_id=item_id, reviewer=user.name)
    except service.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except service.Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    audit(db, user=user, action="claim", object_type="feedback", object_id=item_id)
    return _queue_item(i, service.utcnow())


@router.get("/v1/themes", response_model=ThemesOut)
def themes(db: SessionDep, provider_id: str = Query(..., min_length=1, max_length=64),
           from_: Optional[str] = Query(None, alias="from", pattern=ISO_DATE, description="YYYY-MM-DD, inclusive"),
           to: Optional[str] = Query(None, pattern=ISO_DATE, description="YYYY-MM-DD, inclusive"),
           user: User = require(*PLAN)) -> dict:
    """Counts by quality statement, key question and human-rights theme for a provider and period."""
    start, end = _day(from_, "from"), _day(to, "to")
    end = end + dt.timedelta(days=1) if end else None
    if start and end and start >= end:
        raise unprocessable(("query", "from"), "'from' must be before 'to'")
    audit(db, user=user, action="view_themes", object_type="provider", object_id=provider_id,
          detail={"from": from_, "to": to})
    return service.themes(db, provider_id=provider_id, start=start, end=end)


@router.get("/v1/audit", response_model=list[AuditOut])
def read_audit(db: SessionDep, limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
               user: User = require("admin")) -> list[AuditOut]:
    """The audit log, newest first (admins only)."""
    return [AuditOut(**e.model_dump()) for e in audit_log(db, limit=limit, offset=offset)]


@router.get("/v1/providers/{provider_id}/inspection-pack",
            responses={200: {"content": {"text/csv": {}}, "description": "JSON (default) or CSV"},
                       404: {"model": ErrorOut}})
def inspection_pack(db: SessionDep, provider_id: str = Path(min_length=1, max_length=64),
                    from_: str = Query(..., alias="from", pattern=ISO_DATE), to: str = Query(..., pattern=ISO_DATE),
                    format: str = Query("json", pattern="^(json|csv)$"), user: User = require(*PLAN)):
    """Themes, change against the previous period (Fisher's exact test, BH-corrected), trend, seldom-heard
    voices, emerging themes and the items to read, for one provider and period; always redacted."""
    from fastapi.responses import JSONResponse
    from fastapi.responses import Response as RawResponse

    from triage.pii import default_redactor
    from triage.planning import inspection_pack as build, pack_csv
    from triage.store.tables import Provider

    start, end = _day(from_, "from"), _day(to, "to") + dt.timedelta(days=1)
    if start >= end:
        raise unprocessable(("query", "from"), "'from' must be before 'to'")
    if db.get(Provider, provider_id) is None:
        raise HTTPException(404, f"unknown provider {provider_id!r}")
    pack = build(db, provider_id=provider_id, start=start, end=end, redactor=default_redactor())
    audit(db, user=user, action="export_inspection_pack", object_type="provider", object_id=provider_id,
          detail={"from": from_, "to": to, "format": format})
    if format == "csv":
        return RawResponse(pack_csv(pack), media_type="text/csv",
                           headers={"Content-Disposition": f'attachment; filename="pack-{provider_id}.csv"'})
    return JSONResponse(pack)
