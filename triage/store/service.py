"""Use cases over the database: intake, classification, review queue, decisions, themes."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from sqlalchemy import case, func
from sqlmodel import Session, select

from triage.routing import needs_review
from triage.store.tables import Decision, Feedback, Prediction, utcnow

URGENCY_RANK = {"urgent": 0, "concern": 1}


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_feedback(db: Session, *, text: str, source_type: str, provider_id: str, received_at: dt.datetime,
                 location_id: str | None = None, external_id: str | None = None) -> tuple[Feedback, bool]:
    """Store an item first (committed), before any classification. Returns (item, created)."""
    if external_id:
        found = db.exec(select(Feedback).where(Feedback.provider_id == provider_id,
                                               Feedback.external_id == external_id)).first()
        if found:
            if found.text_hash != text_hash(text):
                raise Conflict(f"external_id {external_id!r} already used for a different text")
            return found, False
    item = Feedback(text=text, source_type=source_type, provider_id=provider_id, location_id=location_id,
                    received_at=received_at, external_id=external_id, text_hash=text_hash(text))
    db.add(item)
    db.commit()
    db.refresh(item)
    return item, True


def save_prediction(db: Session, *, item: Feedback, contract: dict) -> Prediction:
    """Record the model's suggestion and route the item."""
    urgency = contract["safeguarding"]["urgency"]
    pred = Prediction(feedback_id=item.id, model_version=contract["model_version"], urgency=urgency,
                      payload=contract)
    item.status, item.error, item.urgency = "classified", None, urgency
    if needs_review(urgency) and item.review_status == "none":
        item.review_status = "open"
    db.add(pred)
    db.add(item)
    db.commit()
    db.refresh(pred)
    return pred


def mark_failed(db: Session, *, item: Feedback, error: str) -> None:
    item.attempts += 1
    item.status, item.error = "failed", error[:500]
    db.add(item)
    db.commit()


def get_feedback(db: Session, *, item_id: int) -> tuple[Feedback, Prediction | None, list[Decision]]:
    item = db.get(Feedback, item_id)
    if item is None:
        raise NotFound(f"no feedback {item_id}")
    pred = db.exec(select(Prediction).where(Prediction.feedback_id == item_id)
                   .order_by(Prediction.id.desc())).first()
    decisions = list(db.exec(select(Decision).where(Decision.feedback_id == item_id).order_by(Decision.id)))
    return item, pred, decisions


def review_queue(db: Session, *, limit: int = 100) -> list[Feedback]:
    """Open items: urgent first, then concern, oldest first."""
    rank = case((Feedback.urgency == "urgent", 0), (Feedback.urgency == "concern", 1), else_=2)
    q = (select(Feedback).where(Feedback.review_status == "open")
         .order_by(rank, Feedback.received_at, Feedback.id).limit(limit))
    return list(db.exec(q))


def decide(db: Session, *, item_id: int, reviewer: str, urgency: str, labels: dict, note: str | None,
           referral_made: bool = False, referral_to: str | None = None, referral_reference: str | None = None,
           close: bool = False) -> Decision:
    """Store a human decision apart from the model's suggestion; urgent items stay open unless closed."""
    item = db.get(Feedback, item_id)
    if item is None:
        raise NotFound(f"no feedback {item_id}")
    d = Decision(feedback_id=item_id, reviewer=reviewer, urgency=urgency, labels=labels, note=note,
                 referral_made=referral_made, referral_to=referral_to, referral_reference=referral_reference,
                 close=close)
    if close or urgency == "none" or (urgency == "concern" and item.urgency != "urgent"):
        item.review_status = "closed" if close else "decided"
    if urgency == "urgent" and not close:
        item.review_status = "open"
    item.urgency = urgency
    db.add(d)
    db.add(item)
    db.commit()
    db.refresh(d)
    return d


def themes(db: Session, *, provider_id: str, start: dt.datetime | None, end: dt.datetime | None) -> dict:
    """Counts by quality statement, key question and human-rights theme; a decision overrides the model."""
    q = select(Feedback.id).where(Feedback.provider_id == provider_id, Feedback.status == "classified")
    if start:
        q = q.where(Feedback.received_at >= start)
    if end:
        q = q.where(Feedback.received_at < end)
    ids = list(db.exec(q))
    counts: dict[str, Counter] = {k: Counter() for k in
                                  ("quality_statements", "key_questions", "freda", "rights", "seldom_heard",
                                   "safeguarding", "sentiment")}
    if not ids:
        return {"provider_id": provider_id, "items": 0, **{k: {} for k in counts}}
    latest = (select(Prediction.feedback_id, func.max(Prediction.id).label("pid"))
              .where(Prediction.feedback_id.in_(ids)).group_by(Prediction.feedback_id).subquery())
    preds = {p.feedback_id: p.payload for p in db.exec(select(Prediction).join(latest, Prediction.id == latest.c.pid))}
    decisions: dict[int, Decision] = {}
    for d in db.exec(select(Decision).where(Decision.feedback_id.in_(ids)).order_by(Decision.id)):
        decisions[d.feedback_id] = d
    for fid in ids:
        p = preds.get(fid)
        if p is None:
            continue
        labels = {k: [x["id"] for x in p[k]] for k in ("quality_statements", "freda", "rights", "seldom_heard")}
        urgency, sentiment = p["safeguarding"]["urgency"], p["sentiment"]
        d = decisions.get(fid)
        if d is not None:
            urgency = d.urgency
            for k in labels:
                if k in d.labels:
                    labels[k] = list(d.labels[k])
            sentiment = d.labels.get("sentiment", sentiment)
        for k, v in labels.items():
            counts[k].update(v)
        counts["key_questions"].update({q.split(".")[0] for q in labels["quality_statements"]})
        counts["safeguarding"][urgency] += 1
        counts["sentiment"][sentiment] += 1
    return {"provider_id": provider_id, "items": len(ids), **{k: dict(v.most_common()) for k, v in counts.items()}}


def pending(db: Session, *, limit: int = 100, max_attempts: int = 5) -> list[Feedback]:
    """Items stored but not yet classified (after a crash or a failed attempt)."""
    q = (select(Feedback).where(Feedback.status.in_(["pending", "failed"]), Feedback.attempts < max_attempts)
         .order_by(Feedback.id).limit(limit))
    return list(db.exec(q))


__all__ = ["add_feedback", "save_prediction", "mark_failed", "get_feedback", "review_queue", "decide", "themes",
           "pending", "NotFound", "Conflict", "utcnow"]
