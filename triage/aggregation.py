"""Aggregation for inspection planning (pure: works on rows, no database code).

A row is one classified item as a person would count it: the model's labels, overridden by
the latest human decision where there is one (see store.service.effective_rows).
"""
from __future__ import annotations

from collections import Counter, defaultdict


def monthly(rows: list[dict]) -> list[dict]:
    """Per month: items, negative, concern-or-urgent, and counts per key question."""
    by: dict[str, dict] = defaultdict(lambda: {"items": 0, "negative": 0, "flagged": 0, "key_questions": Counter()})
    for r in rows:
        m = by[r["received_at"].strftime("%Y-%m")]
        m["items"] += 1
        m["negative"] += r["sentiment"] in ("negative", "mixed")
        m["flagged"] += r["urgency"] in ("concern", "urgent")
        m["key_questions"].update({q.split(".")[0] for q in r["quality_statements"]})
    return [{"month": k, "items": v["items"], "negative": v["negative"], "flagged": v["flagged"],
             "key_questions": dict(v["key_questions"])} for k, v in sorted(by.items())]


def seldom_heard(rows: list[dict], top: int = 5) -> dict:
    """Share of items from each seldom-heard group, and their top themes beside everyone else's."""
    n = len(rows) or 1
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for g in r["seldom_heard"]:
            groups[g].append(r)
    everyone = Counter(q for r in rows for q in r["quality_statements"])
    out = []
    for g, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        theirs = Counter(q for r in rs for q in r["quality_statements"])
        out.append({"group": g, "items": len(rs), "share": round(len(rs) / n, 4),
                    "negative_share": round(sum(r["sentiment"] in ("negative", "mixed") for r in rs) / len(rs), 3),
                    "flagged_share": round(sum(r["urgency"] != "none" for r in rs) / len(rs), 3),
                    "top_themes": [{"id": q, "group_rate": round(c / len(rs), 3),
                                    "everyone_rate": round(everyone[q] / n, 3)} for q, c in theirs.most_common(top)]})
    return {"items": len(rows), "groups": out,
            "everyone_negative_share": round(sum(r["sentiment"] in ("negative", "mixed") for r in rows) / n, 3),
            "epistemic_injustice_items": [r["id"] for r in rows if r["ei_level"] != "none"]}
