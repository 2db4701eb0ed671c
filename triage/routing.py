"""Routing policy (pure): which items a person must read."""
from __future__ import annotations

REVIEW_URGENCIES = ("urgent", "concern")


def needs_review(urgency: str) -> bool:
    """Urgent and concern items go to the human review queue; the model only suggests."""
    return urgency in REVIEW_URGENCIES
