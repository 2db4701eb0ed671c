"""Request and response schemas of the HTTP API."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.config import get_settings

SourceType = Literal["complaint", "speak_up", "experience_feedback"]
Urgency = Literal["none", "concern", "urgent"]
MAX_CHARS = get_settings().max_text_chars


def _check_text(v: str) -> str:
    if not v.strip():
        raise ValueError("text is empty")
    if "\x00" in v:
        raise ValueError("text contains NUL bytes")
    return v


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_CHARS, description=f"1..{MAX_CHARS} characters")
    id: Optional[str] = Field(default=None, max_length=128)
    _v = field_validator("text")(_check_text)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_CHARS, description=f"1..{MAX_CHARS} characters; longer text is rejected")
    source_type: SourceType
    provider_id: str = Field(min_length=1, max_length=64)
    location_id: Optional[str] = Field(default=None, max_length=64)
    received_at: Optional[dt.datetime] = None
    external_id: Optional[str] = Field(default=None, min_length=1, max_length=128)
    _v = field_validator("text")(_check_text)


class LabelScoreOut(BaseModel):
    id: str
    score: float


class EvidenceOut(BaseModel):
    label: str
    text: str
    start: int
    end: int


class EIOut(BaseModel):
    level: str
    kinds: list[str]
    score: float


class SafeguardingOut(BaseModel):
    urgency: str
    types: list[str]
    score: float
    urgent_score: float


class PredictionOut(BaseModel):
    id: Optional[str] = None
    quality_statements: list[LabelScoreOut]
    freda: list[LabelScoreOut]
    rights: list[LabelScoreOut]
    epistemic_injustice: EIOut
    safeguarding: SafeguardingOut
    seldom_heard: list[LabelScoreOut]
    speaker: str
    sentiment: str
    evidence: list[EvidenceOut]
    model_version: str


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer: str = Field(min_length=1, max_length=128)
    urgency: Urgency
    quality_statements: Optional[list[str]] = None
    freda: Optional[list[str]] = None
    rights: Optional[list[str]] = None
    seldom_heard: Optional[list[str]] = None
    safeguarding_types: Optional[list[str]] = None
    sentiment: Optional[Literal["positive", "negative", "mixed", "neutral"]] = None
    referral_made: bool = False
    referral_to: Optional[str] = Field(default=None, max_length=200)
    referral_reference: Optional[str] = Field(default=None, max_length=200)
    note: Optional[str] = Field(default=None, max_length=5000)
    close: bool = False


class DecisionOut(BaseModel):
    id: int
    feedback_id: int
    reviewer: str
    urgency: str
    labels: dict
    referral_made: bool
    referral_to: Optional[str]
    referral_reference: Optional[str]
    note: Optional[str]
    close: bool
    created_at: dt.datetime


class FeedbackOut(BaseModel):
    id: int
    external_id: Optional[str]
    text: str
    source_type: str
    provider_id: str
    location_id: Optional[str]
    received_at: dt.datetime
    status: str
    review_status: str
    urgency: Optional[str]
    created: bool = False
    prediction: Optional[PredictionOut] = None
    decisions: list[DecisionOut] = []


class QueueItem(BaseModel):
    id: int
    provider_id: str
    urgency: Optional[str]
    received_at: dt.datetime
    review_status: str
    age_hours: float


class ThemesOut(BaseModel):
    provider_id: str
    items: int
    quality_statements: dict[str, int]
    key_questions: dict[str, int]
    freda: dict[str, int]
    rights: dict[str, int]
    seldom_heard: dict[str, int]
    safeguarding: dict[str, int]
    sentiment: dict[str, int]
