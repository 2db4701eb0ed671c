"""Use cases over the database: intake, classification, review queue, decisions, themes."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.routing import needs_review
from triage.aggregation import counted_labels, effective_row
from triage.store.tables import Decision, Feedback, FeedbackLabel, Prediction, utcnow

URGENCY_RANK = {"urgent": 0, "concern": 1}


class NotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    """The caller's role may not do this to this item."""


CLOSE_URGENT_ROLES = ("safeguarding_lead", "admin")


class UnknownProvider(ValueError):
    """A provider or location id that is not registered (load them with `triage providers load`)."""


def check_provider(db: Session, *, provider_id: str, location_id: str | None) -> None:
    from triage.store.tables import Provider

    p = db.get(Provider, provider_id)
    if p is None or p.provider_id is not None:
        raise UnknownProvider(f"unknown provider_id {provider_id!r}")
    if location_id is not None:
        loc = db.get(Provider, location_id)
        if loc is None or loc.provider_id != provider_id:
            raise UnknownProvider(f"unknown location_id {location_id!r} for provider {provider_id!r}")


class Conflict(ValueError):
    pass


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_feedback(db: Session, *, text: str, source_type: str, provider_id: str, received_at: dt.datetime,
                 location_id: str | None = None, external_id: str | None = None,
                 submitted_by: int | None = None) -> tuple[Feedback, bool]:
    """Store an item first (committed), before any classification. Returns (item, created)."""
    check_provider(db, provider_id=provider_id, location_id=location_id)
    if external_id:
        found = db.exec(select(Feedback).where(Feedback.provider_id == provider_id,
                                               Feedback.external_id == external_id)).first()
        if found:
            if found.text_hash != text_hash(text):
                raise Conflict(f"external_id {external_id!r} already used for a different text")
            return found, False
    item = Feedback(text=text, source_type=source_type, provider_id=provider_id, location_id=location_id,
                    received_at=received_at, external_id=external_id, text_hash=text_hash(text),
                    submitted_by=submitted_by)
    db.add(item)
    try:
        db.commit()
    except IntegrityError:
        # another writer stored the same (provider, external_id) first: the repeat is idempotent
        db.rollback()
        if not external_id:
            raise
        return add_feedback(db, text=text, source_type=source_type, provider_id=provider_id,
                            received_at=received_at, location_id=location_id, external_id=external_id,
                            submitted_by=submitted_by)
    db.refresh(item)
    return item, True


def save_prediction(db: Session, *, item: Feedback, contract: dict, token: str | None = None,
                    embedding: bytes | None = None) -> Prediction | None:
    """Record the model's suggestion and route the item, in one transaction.

    With a claim ``token``, nothing is stored unless that claim is still the item's (another
    worker that took over a stale claim wins), so each item gets exactly one prediction.
    """
    from sqlalchemy import update

    urgency = contract["safeguarding"]["urgency"]
    review = "open" if needs_review(urgency) and item.review_status == "none" else item.review_status
    cond = [Feedback.id == item.id]
    if token is not None:
        cond += [Feedback.claim_token == token, Feedback.status == "classifying"]
    else:
        cond += [Feedback.status != "classified"]
    res = db.exec(update(Feedback).where(*cond).values(
        status="classified", error=None, urgency=urgency, claimed_at=None, claim_token=None,
        review_status=review))
    if res.rowcount != 1:
        db.rollback()
        return None
    pred = Prediction(feedback_id=item.id, model_version=contract["model_version"], urgency=urgency,
                      payload=contract, embedding=embedding)
    db.add(pred)
    db.commit()
    db.refresh(pred)
    db.refresh(item)
    refresh_labels(db, item_id=item.id)
    return pred


MAX_ATTEMPTS = 5


def _lease() -> dt.timedelta:
    from triage.config import get_settings

    return dt.timedelta(seconds=get_settings().classify_lease_seconds)


def claim(db: Session, *, item_id: int) -> str | None:
    """Atomically take an item for classification; returns the claim token, or None if not free.

    A claim older than the lease is taken to be a dead worker's and can be taken over; the token
    makes sure only the latest claimant's prediction is stored (exactly once).
    """
    import uuid

    from sqlalchemy import or_, update

    now, token = utcnow(), str(uuid.uuid4())
    res = db.exec(update(Feedback).where(
        Feedback.id == item_id,
        or_(Feedback.status.in_(["pending", "failed"]),
            (Feedback.status == "classifying") & (Feedback.claimed_at < now - _lease())))
        .values(status="classifying", claimed_at=now, claim_token=token))
    db.commit()
    return token if res.rowcount == 1 else None


def route_non_english(db: Session, *, item: Feedback, language: str) -> None:
    """Not English: no model guess; the item goes to the review queue for a person who can read it."""
    item.status, item.language = "needs_language", language
    item.urgency = "concern"  # unknown risk until read
    item.review_status = "open"
    db.add(item)
    db.commit()
    db.refresh(item)


def mark_failed(db: Session, *, item: Feedback, error: str) -> None:
    """Record a failed attempt; back off exponentially; park the item for a person after MAX_ATTEMPTS."""
    db.refresh(item)
    item.attempts += 1
    item.error = error[:500]
    if item.attempts >= MAX_ATTEMPTS:
        item.status = "parked"
    else:
        item.status = "failed"
        item.next_attempt_at = utcnow() + dt.timedelta(seconds=2 ** item.attempts)
    item.claimed_at, item.claim_token = None, None
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


CLAIM_HOLD = dt.timedelta(hours=2)


def claim_for_review(db: Session, *, item_id: int, reviewer: str) -> Feedback:
    """A reviewer takes an item so that two people do not work on it at once (a claim lapses after 2 hours)."""
    item = db.get(Feedback, item_id)
    if item is None:
        raise NotFound(f"no feedback {item_id}")
    now = utcnow()
    if (item.reviewer_claim and item.reviewer_claim != reviewer and item.reviewer_claimed_at
            and now - item.reviewer_claimed_at < CLAIM_HOLD):
        raise Conflict(f"item {item_id} is claimed by {item.reviewer_claim}")
    item.reviewer_claim, item.reviewer_claimed_at = reviewer, now
    db.add(item)
    db.commit()
    db.refresh(item)
    return item


def decide(db: Session, *, item_id: int, reviewer: str, urgency: str, labels: dict, note: str | None,
           referral_made: bool = False, referral_to: str | None = None, referral_reference: str | None = None,
           close: bool = False, role: str | None = None) -> Decision:
    """Store a human decision apart from the model's suggestion; urgent items stay open until a
    safeguarding lead (or admin) closes them (``role`` is the decider's; None for trusted callers)."""
    item = db.get(Feedback, item_id)
    if item is None:
        raise NotFound(f"no feedback {item_id}")
    if close and role is not None and role not in CLOSE_URGENT_ROLES and "urgent" in (urgency, item.urgency):
        raise NotAllowed("only a safeguarding lead may close an urgent item")
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
    refresh_labels(db, item_id=item_id)
    return d


def themes(db: Session, *, provider_id: str, start: dt.datetime | None, end: dt.datetime | None) -> dict:
    """Counts by quality statement, key question and human-rights theme; a decision overrides the model.

    Counted in SQL over feedback_label (kept in step with predictions and decisions)."""
    q = select(FeedbackLabel.label, func.count()).where(FeedbackLabel.provider_id == provider_id)
    n = select(func.count()).select_from(Feedback).where(Feedback.provider_id == provider_id,
                                                          Feedback.status == "classified")
    if start:
        q, n = q.where(FeedbackLabel.received_at >= start), n.where(Feedback.received_at >= start)
    if end:
        q, n = q.where(FeedbackLabel.received_at < end), n.where(Feedback.received_at < end)
    counts: dict[str, dict] = {k: {} for k in ("quality_statements", "key_questions", "freda", "rights",
                                               "seldom_heard", "safeguarding", "sentiment")}
    prefix = {"freda.": "freda", "right.": "rights", "grp.": "seldom_heard", "kq:": "key_questions",
              "urgency:": "safeguarding", "sentiment:": "sentiment"}
    for label, c in sorted(db.exec(q.group_by(FeedbackLabel.label)).all(), key=lambda lc: (-lc[1], lc[0])):
        group = next((g for p, g in prefix.items() if label.startswith(p)), "quality_statements")
        counts[group][label.split(":", 1)[1] if ":" in label else label] = c
    return {"provider_id": provider_id, "items": db.exec(n).one(), **counts}


def refresh_labels(db: Session, *, item_id: int) -> None:
    """Rewrite an item's counted labels from its latest prediction and latest decision."""
    from sqlalchemy import delete

    item = db.get(Feedback, item_id)
    pred = db.exec(select(Prediction).where(Prediction.feedback_id == item_id).order_by(Prediction.id.desc())).first()
    d = db.exec(select(Decision).where(Decision.feedback_id == item_id).order_by(Decision.id.desc())).first()
    db.exec(delete(FeedbackLabel).where(FeedbackLabel.feedback_id == item_id))
    if item is not None and pred is not None and item.status == "classified":
        row = effective_row(pred.payload, d.labels if d else None, d.urgency if d else None)
        for lab in counted_labels(row):
            db.add(FeedbackLabel(feedback_id=item_id, label=lab, provider_id=item.provider_id,
                                 received_at=item.received_at))
    db.commit()


def rebuild_labels(db: Session) -> int:
    """Recompute every item's counted labels (after a bulk load that bypassed the service)."""
    from sqlalchemy import delete

    from sqlalchemy import insert

    db.exec(delete(FeedbackLabel))
    batch: list[dict] = []
    n = 0
    for row in effective_rows(db):
        batch += [{"feedback_id": row["id"], "label": lab, "provider_id": row["provider_id"],
                   "received_at": row["received_at"]} for lab in counted_labels(row)]
        if len(batch) >= 50_000:
            db.exec(insert(FeedbackLabel), params=batch)
            n, batch = n + len(batch), []
    if batch:
        db.exec(insert(FeedbackLabel), params=batch)
        n += len(batch)
    db.commit()
    return n


def effective_rows(db: Session, *, provider_id: str | None = None, start: dt.datetime | None = None,
                   end: dt.datetime | None = None, with_vectors: bool = False) -> list[dict]:
    """Classified items as a person would count them: model labels, overridden by the latest decision."""
    q = select(Feedback).where(Feedback.status == "classified")
    if provider_id:
        q = q.where(Feedback.provider_id == provider_id)
    if start:
        q = q.where(Feedback.received_at >= start)
    if end:
        q = q.where(Feedback.received_at < end)
    items = {f.id: f for f in db.exec(q)}
    if not items:
        return []
    # filter by subquery, never by a literal id list (SQLite caps bound parameters at 32,766)
    ids = q.with_only_columns(Feedback.id).scalar_subquery()
    latest = (select(Prediction.feedback_id, func.max(Prediction.id).label("pid"))
              .where(Prediction.feedback_id.in_(ids)).group_by(Prediction.feedback_id).subquery())
    preds, vecs = {}, {}
    for p in db.exec(select(Prediction).join(latest, Prediction.id == latest.c.pid)):
        preds[p.feedback_id] = p.payload
        if with_vectors:
            vecs[p.feedback_id] = p.embedding
    decisions: dict[int, Decision] = {}
    for d in db.exec(select(Decision).where(Decision.feedback_id.in_(ids)).order_by(Decision.id)):
        decisions[d.feedback_id] = d
    rows = []
    for fid, f in items.items():
        p = preds.get(fid)
        if p is None:
            continue
        d = decisions.get(fid)
        row = effective_row(p, d.labels if d else None, d.urgency if d else None)
        row.update(id=fid, provider_id=f.provider_id, received_at=f.received_at)
        if with_vectors:
            import numpy as np

            raw = vecs.get(fid)
            row["vector"] = None if raw is None else np.frombuffer(raw, dtype=np.float16).astype(np.float32)
            row["text"] = f.text
        rows.append(row)
    return rows


def providers(db: Session) -> list[tuple[str, int]]:
    """Provider ids with their item counts."""
    return list(db.exec(select(Feedback.provider_id, func.count()).group_by(Feedback.provider_id)
                        .order_by(Feedback.provider_id)).all())


def pending(db: Session, *, limit: int = 100) -> list[Feedback]:
    """Items stored but not classified yet: new, failed and due for a retry, or claimed by a worker that died."""
    from sqlalchemy import or_

    now = utcnow()
    q = (select(Feedback).where(or_(
        Feedback.status == "pending",
        (Feedback.status == "failed") & or_(Feedback.next_attempt_at.is_(None), Feedback.next_attempt_at <= now),
        (Feedback.status == "classifying") & (Feedback.claimed_at < now - _lease())))
        .order_by(Feedback.id).limit(limit))
    return list(db.exec(q))


__all__ = ["add_feedback", "save_prediction", "mark_failed", "get_feedback", "review_queue", "decide", "themes",
           "pending", "claim", "NotAllowed", "claim_for_review", "refresh_labels", "rebuild_labels", "check_provider", "UnknownProvider", "route_non_english", "effective_rows", "providers", "NotFound", "Conflict", "utcnow"]
