"""Request and response schemas of the HTTP API."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.config import get_settings
from triage.taxonomy import load_taxonomy

_TAX = load_taxonomy()
# label IDs as enums, so the OpenAPI schema lists the valid IDs and unknown ones get a 422
QSId = Literal[_TAX.quality_statements]  # type: ignore[valid-type]
FredaId = Literal[_TAX.freda]  # type: ignore[valid-type]
RightId = Literal[_TAX.rights]  # type: ignore[valid-type]
GroupId = Literal[_TAX.seldom_heard]  # type: ignore[valid-type]
SgTypeId = Literal[_TAX.sg_types]  # type: ignore[valid-type]

SourceType = Literal["complaint", "speak_up", "experience_feedback"]
Urgency = Literal["none", "concern", "urgent"]
MAX_CHARS = get_settings().max_text_chars
# at least one non-space character, no NUL bytes (stated in the schema so clients can see it)
TEXT_PATTERN = r"^[^\x00]*\S[^\x00]*$"


def _check_text(v: str) -> str:
    if not v.strip():
        raise ValueError("text is empty")
    if "\x00" in v:
        raise ValueError("text contains NUL bytes")
    return v


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: str = Field(min_length=1, max_length=MAX_CHARS, pattern=TEXT_PATTERN,
                      description=f"1..{MAX_CHARS} characters, not only whitespace")
    id: Optional[str] = Field(default=None, max_length=128)
    _v = field_validator("text")(_check_text)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_CHARS, pattern=TEXT_PATTERN,
                      description=f"1..{MAX_CHARS} characters, not only whitespace; longer text is rejected")
    source_type: SourceType
    provider_id: str = Field(min_length=1, max_length=64)
    location_id: Optional[str] = Field(default=None, max_length=64)
    received_at: Optional[dt.datetime] = Field(default=None, description="ISO 8601; no zone means UTC")
    external_id: Optional[str] = Field(default=None, min_length=1, max_length=128)
    _v = field_validator("text")(_check_text)

    @field_validator("received_at", mode="before")
    @classmethod
    def _iso_only(cls, v):
        """Only ISO 8601 strings (numbers are not silently read as Unix times)."""
        if v is not None and not isinstance(v, (str, dt.datetime)):
            raise ValueError("received_at must be an ISO 8601 date-time string")
        return v


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
    model_config = ConfigDict(extra="forbid", strict=True)  # no 0/1 for booleans, no coercion
    urgency: Urgency
    quality_statements: Optional[list[QSId]] = None
    freda: Optional[list[FredaId]] = None
    rights: Optional[list[RightId]] = None
    seldom_heard: Optional[list[GroupId]] = None
    safeguarding_types: Optional[list[SgTypeId]] = None
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
    language: Optional[str] = Field(None, description="set when the text is not English: read by a person, "
                                                      "not classified by the model")
    created: bool = False
    redacted: bool = Field(False, description="true when personal data in text, evidence and notes was replaced")
    prediction: Optional[PredictionOut] = None
    decisions: list[DecisionOut] = []


class QueueItem(BaseModel):
    id: int
    provider_id: str
    urgency: Optional[str]
    received_at: dt.datetime
    review_status: str
    language: Optional[str] = None
    claimed_by: Optional[str] = None
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


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    user_id: Optional[int]
    user_name: str
    role: str
    action: str
    object_type: Optional[str]
    object_id: Optional[str]
    detail: dict
