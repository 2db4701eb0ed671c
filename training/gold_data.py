"""The adjudicated gold set (annotation_guidelines/gold/gold.jsonl)."""
from __future__ import annotations

import json
from pathlib import Path

from triage.gold import validate_item

GOLD = Path(__file__).resolve().parents[1] / "annotation_guidelines" / "gold" / "gold.jsonl"


def load_gold(path: Path = GOLD) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(validate_item(json.loads(line)))
    return out
