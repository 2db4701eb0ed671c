"""Prepare adjudication, build gold.jsonl, and measure inter-annotator agreement.

    python -m training.adjudication prepare N     # items of batch N where A and B differ
    python -m training.adjudication build         # gold.jsonl from items, A, B and adjudicated finals
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from triage.gold import validate_annotation, validate_item

GOLD_DIR = Path(__file__).resolve().parents[1] / "annotation_guidelines" / "gold"
# written items (dev only): staff speak-up texts, and urgency contrast pairs (training/urgency_synthetic.py)
SYNTHETIC_ITEMS = ("speakup_synthetic_items.jsonl", "urgency_synthetic_items.jsonl")
FIELDS = ("quality_statements", "freda", "freda_polarity", "rights", "epistemic_injustice", "safeguarding",
          "seldom_heard", "speaker", "sentiment")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.open(encoding="utf-8") if l.strip()] if path.is_file() else []


def _core(a: dict) -> dict:
    a = validate_annotation(a)
    return {k: a[k] for k in FIELDS}


def differing(a: dict, b: dict) -> list[str]:
    ca, cb = _core(a), _core(b)
    return [k for k in FIELDS if ca[k] != cb[k]]


def prepare(batch: str) -> Path:
    items = {r["id"]: r for r in _jsonl(GOLD_DIR / "batches" / f"batch_{batch}.jsonl")}
    A = {r["id"]: r for r in _jsonl(GOLD_DIR / "ann" / f"A_batch_{batch}.jsonl")}
    B = {r["id"]: r for r in _jsonl(GOLD_DIR / "ann" / f"B_batch_{batch}.jsonl")}
    out = GOLD_DIR / "adjudication" / f"to_adjudicate_{batch}.jsonl"
    out.parent.mkdir(exist_ok=True)
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for i, it in items.items():
            diff = differing(A[i], B[i])
            if diff:
                n += 1
                fh.write(json.dumps({"id": i, "source": it["source"], "text": it["text"], "differ_on": diff,
                                     "annotation_a": _core(A[i]), "annotation_b": _core(B[i])},
                                    ensure_ascii=False) + "\n")
    print(f"{n} of {len(items)} items differ -> {out}")
    return out


def build() -> Path:
    draws = [GOLD_DIR / "items.jsonl", *sorted(GOLD_DIR.glob("items_round*.jsonl"))]
    meta = {r["id"]: r for f in draws for r in _jsonl(f)}
    for f in SYNTHETIC_ITEMS:
        for r in _jsonl(GOLD_DIR / f):
            meta[r["id"]] = {**r, "split": "dev", "group": "synthetic"}
    out = GOLD_DIR / "gold.jsonl"
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for bfile in sorted((GOLD_DIR / "batches").glob("batch_*.jsonl")):
            b = bfile.stem.removeprefix("batch_")
            A = {r["id"]: r for r in _jsonl(GOLD_DIR / "ann" / f"A_batch_{b}.jsonl")}
            B = {r["id"]: r for r in _jsonl(GOLD_DIR / "ann" / f"B_batch_{b}.jsonl")}
            F = {r["id"]: r for r in _jsonl(GOLD_DIR / "adjudication" / f"final_{b}.jsonl")}
            for it in _jsonl(bfile):
                i = it["id"]
                if i not in A or i not in B:
                    continue
                if differing(A[i], B[i]):
                    if i not in F:
                        continue
                    final, note = _core(F[i]["final"]), F[i].get("adjudication_note", "")
                else:
                    final, note = _core(A[i]), "A and B agreed"
                m = meta[i]
                rec = {"id": i, "source": m["source"], "source_row_id": m.get("source_row_id", ""),
                       "group": m.get("group", ""), "split": m["split"],
                       "synthetic": bool(m.get("synthetic", False)), "drawn_by": m.get("drawn_by", "synthetic"),
                       "text": m["text"], "annotation_a": _core(A[i]), "annotation_b": _core(B[i]),
                       "final": final, "notes": {"a": A[i].get("note", ""), "b": B[i].get("note", ""),
                                                 "adjudication": note}}
                validate_item(rec)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
    print(f"wrote {n} gold items -> {out}")
    return out


if __name__ == "__main__":
    cmd = sys.argv[1]
    prepare(sys.argv[2]) if cmd == "prepare" else build()
