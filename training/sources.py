"""Readers for the real data sets in ../shared/data, with fixed splits.

Every record is a dict: id, source, source_row_id, group (organisation or
facility or respondent used for splitting), split, text, and raw fields.

Splits are by organisation or facility, never by row:
- phase1 (three NHS trusts): Trust C is ``test``; Trusts A and B are ``train``.
- phase2 (one NHS ambulance trust, NEAS): one organisation only, so it is split
  by respondent (a respondent's answers stay together), 30% ``test``.
- Oregon investigations: by facility_id, 30% of facilities ``test``.
``train`` rows that are also in the gold set are used as ``dev``.
"""
from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path
from typing import Iterator

SHARED = Path(os.environ.get("TRIAGE_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
DATA = SHARED / "data"
P1 = "pxtextmining/phase1_text_data.csv"
P2 = "pxtextmining/phase2_v6_neas.csv"
OR = "oregon_ltc/complaints_train.csv"

TEST_FRACTION = 0.3


def bucket(key: str) -> float:
    """Stable number in [0, 1) for a grouping key."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 16**8


def split_for(source: str, group: str) -> str:
    """The fixed split of a group (organisation, facility or respondent)."""
    if source == P1:
        return "test" if group == "Trust C" else "train"
    return "test" if bucket(f"{source}|{group}") < TEST_FRACTION else "train"


def _read(rel: str) -> list[dict]:
    with open(DATA / rel, encoding="utf-8", errors="replace", newline="") as fh:
        return list(csv.DictReader(fh))


def phase1() -> Iterator[dict]:
    for row in _read(P1):
        text = (row["feedback"] or "").strip()
        if not text:
            continue
        org = row["organization"]
        yield {"id": f"p1-{row['row_index']}", "source": P1, "source_row_id": row["row_index"],
               "group": org, "split": split_for(P1, org), "text": text, "raw": row}


def phase2() -> Iterator[dict]:
    for row in _read(P2):
        text = (row["FFT answer"] or "").strip()
        if not text or text == "Did not answer":
            continue
        grp = row["Respondent ID"]
        yield {"id": f"p2-{row['Comment ID']}", "source": P2, "source_row_id": row["Comment ID"],
               "group": grp, "split": split_for(P2, grp), "text": text, "raw": row}


def oregon_text(row: dict) -> str:
    parts = [(row.get("action_notes") or "").strip(), (row.get("outcome_notes") or "").strip()]
    return "\n".join(p for p in parts if p)


def oregon() -> Iterator[dict]:
    for row in _read(OR):
        text = oregon_text(row)
        if not text:
            continue
        fac = row["facility_id"]
        yield {"id": f"or-{row['abuse_number']}", "source": OR, "source_row_id": row["abuse_number"],
               "group": fac, "split": split_for(OR, fac), "text": text, "raw": row}


def all_records() -> Iterator[dict]:
    yield from phase1()
    yield from phase2()
    yield from oregon()
