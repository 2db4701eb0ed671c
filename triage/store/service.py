"""Use cases over the database: intake, classification, review queue, decisions, themes."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.routing import needs_review
from triage.aggregation import (NEGATIVE, counted_labels, effective_row, label_counts_from_counted,
                                label_group, month_key, monthly_from_counts, seldom_heard_from_counts)
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


def _in_scope(t, *, provider_id: str | None, start: dt.datetime | None, end: dt.datetime | None) -> list:
    """Conditions on table ``t``: a provider (None: all) and a period [start, end) (None: open)."""
    return ([t.provider_id == provider_id] if provider_id is not None else []) + \
        ([t.received_at >= start] if start else []) + ([t.received_at < end] if end else [])


def _scoped(q, t, *, provider_id: str | None, start: dt.datetime | None, end: dt.datetime | None):
    """Restrict a query over table ``t`` to a provider and a period (see _in_scope)."""
    return q.where(*_in_scope(t, provider_id=provider_id, start=start, end=end))


def _label_totals(db: Session, *, provider_id: str | None, start: dt.datetime | None,
                  end: dt.datetime | None) -> dict[str, int]:
    """Items per counted-label key for a provider and period."""
    q = _scoped(select(FeedbackLabel.label, func.count()), FeedbackLabel, provider_id=provider_id,
                start=start, end=end)
    return dict(db.exec(q.group_by(FeedbackLabel.label)).all())


def themes(db: Session, *, provider_id: str, start: dt.datetime | None, end: dt.datetime | None) -> dict:
    """Counts by quality statement, key question and human-rights theme; a decision overrides the model.

    Counted in SQL over feedback_label (kept in step with predictions and decisions)."""
    n = _scoped(select(func.count()).select_from(Feedback).where(Feedback.status == "classified"), Feedback,
                provider_id=provider_id, start=start, end=end)
    counts: dict[str, dict] = {k: {} for k in ("quality_statements", "key_questions", "freda", "rights",
                                               "seldom_heard", "safeguarding", "sentiment")}
    totals = _label_totals(db, provider_id=provider_id, start=start, end=end)
    for label, c in sorted(totals.items(), key=lambda lc: (-lc[1], lc[0])):
        group = label_group(label)
        if group in counts:  # `ei:` keys are for the seldom-heard view, not a theme
            counts[group][label.split(":", 1)[1] if ":" in label else label] = c
    return {"provider_id": provider_id, "items": db.exec(n).one(), **counts}


def monthly(db: Session, *, provider_id: str | None, start: dt.datetime | None = None,
            end: dt.datetime | None = None) -> list[dict]:
    """aggregation.monthly() counted in SQL over feedback_label: per month, items, negative,
    concern-or-urgent and key questions (a decision overrides the model)."""
    from sqlalchemy import or_

    L = FeedbackLabel
    q = select(L.month, L.label, func.count()).where(or_(
        L.label.like("urgency:%"), L.label.in_([f"sentiment:{s}" for s in NEGATIVE]), L.label.like("kq:%")))
    q = _scoped(q, L, provider_id=provider_id, start=start, end=end).group_by(L.label, L.month)
    return monthly_from_counts(db.exec(q).all())


def seldom_heard(db: Session, *, provider_id: str | None, start: dt.datetime | None = None,
                 end: dt.datetime | None = None, top: int = 5) -> dict:
    """aggregation.seldom_heard() counted in SQL over feedback_label: each group's share of items,
    its top themes beside everyone's, and the items with an epistemic-injustice risk."""
    from sqlalchemy.orm import aliased

    scope = dict(provider_id=provider_id, start=start, end=end)
    G, X = aliased(FeedbackLabel), aliased(FeedbackLabel)
    everyone = _label_totals(db, **scope)
    # every counted label of the items in each group (the item's other keys via the primary key)
    q = (select(G.label, X.label, func.count()).join(X, X.feedback_id == G.feedback_id)
         .where(G.label.like("grp.%")))
    by_group: dict[str, dict[str, int]] = {}
    for g, label, c in db.exec(_scoped(q, G, **scope).group_by(G.label, X.label)).all():
        by_group.setdefault(g, {})[label] = c
    L = FeedbackLabel
    ei = _scoped(select(L.feedback_id).where(L.label.like("ei:%"), L.label != "ei:none"), L, **scope)
    return seldom_heard_from_counts(everyone, by_group, db.exec(ei).all(), top=top)


def period_counts(db: Session, *, provider_id: str, start: dt.datetime | None,
                  end: dt.datetime | None) -> tuple[int, Counter]:
    """(items, theme counts) of a provider and period, as aggregation.compare_counts takes them."""
    return label_counts_from_counted(_label_totals(db, provider_id=provider_id, start=start, end=end))


def latest_received(db: Session, *, provider_id: str) -> dt.datetime | None:
    """When the provider's latest counted (classified) item was received; None if it has none."""
    return db.exec(select(func.max(FeedbackLabel.received_at)).where(FeedbackLabel.provider_id == provider_id)).one()


def _label_rows(row: dict, provider_id: str, received_at: dt.datetime) -> list[dict]:
    month = month_key(received_at)
    return [{"feedback_id": row["id"], "label": lab, "provider_id": provider_id, "received_at": received_at,
             "month": month} for lab in counted_labels(row)]


def refresh_labels(db: Session, *, item_id: int) -> None:
    """Rewrite an item's counted labels from its latest prediction and latest decision."""
    from sqlalchemy import delete

    item = db.get(Feedback, item_id)
    pred = db.exec(select(Prediction).where(Prediction.feedback_id == item_id).order_by(Prediction.id.desc())).first()
    d = db.exec(select(Decision).where(Decision.feedback_id == item_id).order_by(Decision.id.desc())).first()
    db.exec(delete(FeedbackLabel).where(FeedbackLabel.feedback_id == item_id))
    if item is not None and pred is not None and item.status == "classified":
        row = effective_row(pred.payload, d.labels if d else None, d.urgency if d else None)
        row["id"] = item_id
        for r in _label_rows(row, item.provider_id, item.received_at):
            db.add(FeedbackLabel(**r))
    db.commit()


def rebuild_labels(db: Session, *, chunk: int = 20_000) -> int:
    """Recompute every item's counted labels (after a bulk load that bypassed the service), a chunk
    of items at a time so that memory stays flat."""
    from sqlalchemy import delete

    db.exec(delete(FeedbackLabel))
    lo, hi = db.exec(select(func.min(Feedback.id), func.max(Feedback.id)).where(Feedback.status == "classified")).one()
    n = 0
    for first in range(lo or 0, (hi or -1) + 1, chunk):
        rows = _effective_rows(db, [Feedback.status == "classified", Feedback.id >= first, Feedback.id < first + chunk])
        batch = [r for row in rows for r in _label_rows(row, row["provider_id"], row["received_at"])]
        _insert_labels(db, batch)
        n += len(batch)
    db.commit()
    return n


def _insert_labels(db: Session, batch: list[dict]) -> None:
    """Bulk insert of feedback_label rows in the session's transaction: COPY on PostgreSQL (psycopg's
    executemany sends one statement per row), one executemany on SQLite."""
    from sqlalchemy import insert

    if not batch:
        return
    conn = db.connection()
    cols = ("feedback_id", "label", "provider_id", "received_at", "month")
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY feedback_label ({', '.join(cols)}) FROM STDIN") as cp:
                for r in batch:
                    cp.write_row(tuple(r[c] for c in cols))
    else:
        conn.execute(insert(FeedbackLabel.__table__), batch)


def effective_rows(db: Session, *, provider_id: str | None = None, start: dt.datetime | None = None,
                   end: dt.datetime | None = None, with_vectors: bool = False) -> list[dict]:
    """Classified items as a person would count them: model labels, overridden by the latest decision.

    Loads every payload: for counts, use themes / monthly / seldom_heard / period_counts (SQL)."""
    where = [Feedback.status == "classified",
             *_in_scope(Feedback, provider_id=provider_id or None, start=start, end=end)]
    return _effective_rows(db, where, with_vectors=with_vectors)


def _effective_rows(db: Session, where: list, *, with_vectors: bool = False) -> list[dict]:
    """effective_rows for the Feedback rows matching ``where`` (plain columns, not ORM objects: fast)."""
    cols = [Feedback.id, Feedback.provider_id, Feedback.received_at] + ([Feedback.text] if with_vectors else [])
    items = db.exec(select(*cols).where(*where).order_by(Feedback.id)).all()
    if not items:
        return []
    # filter by subquery, never by a literal id list (SQLite caps bound parameters at 32,766)
    ids = select(Feedback.id).where(*where).scalar_subquery()
    latest = select(func.max(Prediction.id)).where(Prediction.feedback_id.in_(ids)).group_by(Prediction.feedback_id)
    preds = {r[0]: r for r in db.exec(select(Prediction.feedback_id, Prediction.payload,
                                             *([Prediction.embedding] if with_vectors else []))
                                      .where(Prediction.id.in_(latest.scalar_subquery())))}
    decisions = {fid: (labels, urgency) for fid, labels, urgency in db.exec(
        select(Decision.feedback_id, Decision.labels, Decision.urgency)
        .where(Decision.feedback_id.in_(ids)).order_by(Decision.id))}
    rows = []
    for f in items:
        p = preds.get(f.id)
        if p is None:
            continue
        d = decisions.get(f.id)
        row = effective_row(p[1], d[0] if d else None, d[1] if d else None)
        row.update(id=f.id, provider_id=f.provider_id, received_at=f.received_at)
        if with_vectors:
            import numpy as np

            raw = p[2]
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
           "pending", "claim", "NotAllowed", "claim_for_review", "refresh_labels", "rebuild_labels", "check_provider", "UnknownProvider", "route_non_english", "effective_rows", "monthly", "seldom_heard",
           "period_counts", "latest_received", "providers", "NotFound", "Conflict", "utcnow"]
