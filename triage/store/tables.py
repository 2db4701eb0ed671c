"""Database tables. A model suggestion (Prediction) and a human Decision are separate rows."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class FeedbackBase(SQLModel):
    text: str = Field(sa_column=Column(Text, nullable=False))
    source_type: str = Field(index=True)
    provider_id: str = Field(index=True, max_length=64)
    location_id: Optional[str] = Field(default=None, max_length=64)
    received_at: dt.datetime = Field(index=True)
    external_id: Optional[str] = Field(default=None, max_length=128)


class Feedback(FeedbackBase, table=True):
    __table_args__ = (UniqueConstraint("provider_id", "external_id", name="uq_feedback_external"),
                      Index("ix_feedback_provider_received", "provider_id", "received_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    text_hash: str = Field(index=True, max_length=64)
    # pending | classifying | classified | failed | parked | needs_language
    status: str = Field(default="pending", index=True)
    attempts: int = 0
    error: Optional[str] = None
    claimed_at: Optional[dt.datetime] = None             # lease of the worker classifying it
    claim_token: Optional[str] = Field(default=None, max_length=36)
    next_attempt_at: Optional[dt.datetime] = None        # backoff after a failure
    created_at: dt.datetime = Field(default_factory=utcnow)
    # routing fields copied from the latest prediction (for the queue and aggregation)
    urgency: Optional[str] = Field(default=None, index=True)
    review_status: str = Field(default="none", index=True)  # none | open | decided | closed
    reviewer_claim: Optional[str] = Field(default=None, max_length=128)  # the reviewer working on it
    reviewer_claimed_at: Optional[dt.datetime] = None
    language: Optional[str] = Field(default=None, max_length=8)  # set when not English: a person reads it
    submitted_by: Optional[int] = Field(default=None, foreign_key="user.id", index=True)  # fk_feedback_submitted_by_user


class Prediction(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    model_version: str
    embedding: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # float16 item vector
    urgency: str
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    reviewer: str = Field(max_length=128)
    urgency: str
    labels: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    referral_made: bool = False
    referral_to: Optional[str] = None
    referral_reference: Optional[str] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    close: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person or system using the API; only a hash of the token is kept."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    role: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Append-only: who viewed, decided or exported what, and when. Never holds feedback text."""

    __tablename__ = "audit_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    user_name: str = Field(max_length=128)
    role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    object_type: Optional[str] = Field(default=None, max_length=32)
    object_id: Optional[str] = Field(default=None, max_length=64)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Provider(SQLModel, table=True):
    """A registered provider, or a location of one (provider_id set)."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    type: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    provider_id: Optional[str] = Field(default=None, max_length=64, index=True)  # set for a location


class FeedbackLabel(SQLModel, table=True):
    """The labels a person would count for an item (the model's, overridden by the latest decision),
    kept in step with predictions and decisions so that planning views count in SQL."""

    __tablename__ = "feedback_label"
    __table_args__ = (Index("ix_feedback_label_provider_received", "provider_id", "received_at", "label"),
                      # the monthly trend and seldom-heard views (migration 0007): covering, so that both
                      # databases answer from the index alone
                      Index("ix_feedback_label_provider_label", "provider_id", "label", "received_at", "month",
                            "feedback_id"))
    feedback_id: int = Field(foreign_key="feedback.id", primary_key=True)
    label: str = Field(primary_key=True, max_length=64)
    provider_id: str = Field(max_length=64)
    received_at: dt.datetime
    # 'YYYY-MM' of received_at in UTC, written with the row: one portable GROUP BY for monthly views
    # (no strftime on SQLite vs to_char on PostgreSQL, no dependence on the session's time zone)
    month: str = Field(max_length=7)
