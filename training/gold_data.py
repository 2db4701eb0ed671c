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


def drawn_ids(*names: str) -> set[str]:
    """The ids already drawn by the named draw files (e.g. "items.jsonl", "items_round2.jsonl"): a new
    draw excludes exactly the earlier draws it names, so re-running it gives the same items."""
    return {json.loads(line)["id"] for name in names
            for line in (GOLD.parent / name).open(encoding="utf-8") if line.strip()}


def write_draw(items: list[dict], items_name: str, batches: tuple[int, int]) -> None:
    """Write a gold draw: the items file (with split and how each was drawn) and two halves as the
    annotation batches annotators see (id, source, text only)."""
    root = GOLD.parent
    with (root / items_name).open("w", encoding="utf-8") as fh:
        for r in items:
            fh.write(json.dumps({"id": r["id"], "source": r["source"], "source_row_id": r["source_row_id"],
                                 "group": r["group"], "split": "test" if r["split"] == "test" else "dev",
                                 "drawn_by": r["drawn_by"], "text": r["text"]}, ensure_ascii=False) + "\n")
    half = (len(items) + 1) // 2
    for b, part in zip(batches, (items[:half], items[half:])):
        with (root / "batches" / f"batch_{b}.jsonl").open("w", encoding="utf-8") as fh:
            for r in part:
                fh.write(json.dumps({"id": r["id"], "source": r["source"], "text": r["text"]},
                                    ensure_ascii=False) + "\n")
