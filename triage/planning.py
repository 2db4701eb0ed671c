"""Inspection planning: the themes of a provider over a period, the change against the previous
period, seldom-heard voices, emerging themes, and the inspection pack (always redacted)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from triage.aggregation import compare_counts, emerging_themes, label_counts, monthly, seldom_heard


def period_report(db, *, provider_id: str, start: dt.datetime, end: dt.datetime) -> dict:
    """The period's items are loaded (emerging themes need their vectors and texts, the pack their
    redacted texts), so its trend and seldom-heard view are counted from them; the previous period
    is only counted, in SQL."""
    from triage.store import service

    rows = service.effective_rows(db, provider_id=provider_id, start=start, end=end, with_vectors=True)
    prev_n, prev_counts = service.period_counts(db, provider_id=provider_id, start=start - (end - start), end=start)
    return {
        "provider_id": provider_id, "from": start.date().isoformat(), "to": (end - dt.timedelta(days=1)).date().isoformat(),
        "items": len(rows), "previous_items": prev_n,
        "change": compare_counts(label_counts(rows), len(rows), prev_counts, prev_n),
        "trend": monthly(rows),
        "seldom_heard": seldom_heard(rows),
        "emerging_themes": emerging_themes(rows, [r["vector"] for r in rows], [r["text"] for r in rows]),
        "_rows": rows,
    }


def inspection_pack(db, *, provider_id: str, start: dt.datetime, end: dt.datetime, redactor) -> dict:
    """The period report plus the items a person should read, with personal data redacted."""
    from triage.store.tables import Provider

    rep = period_report(db, provider_id=provider_id, start=start, end=end)
    rows = rep.pop("_rows")
    p = db.get(Provider, provider_id)
    by_id = {r["id"]: r for r in rows}
    read = [r for r in rows if r["urgency"] != "none" or r["ei_level"] != "none"]
    rep["provider"] = {"id": provider_id, "name": p.name if p else None, "type": p.type if p else None,
                       "region": p.region if p else None}
    rep["items_to_read"] = [{"id": r["id"], "received_at": r["received_at"].isoformat(), "urgency": r["urgency"],
                             "epistemic_injustice": r["ei_level"], "quality_statements": r["quality_statements"],
                             "rights": r["rights"], "seldom_heard": r["seldom_heard"],
                             "text": redactor.redact(r["text"])} for r in read]
    for c in rep["emerging_themes"]:
        c["examples"] = [redactor.redact(by_id[i]["text"])[:300] for i in c["item_ids"][:3]]
    rep["redacted"] = True
    return rep


def pack_csv(pack: dict) -> str:
    """The pack as one CSV: section, key, and values (theme changes, groups, clusters, items)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "key", "current", "previous", "current_rate", "previous_rate", "p_value", "q_value",
                "change", "detail"])
    for c in pack["change"]:
        w.writerow(["theme", c["label"], c["current"], c["previous"], c["current_rate"], c["previous_rate"],
                    c["p_value"], c.get("q_value"), c.get("change"), ""])
    for g in pack["seldom_heard"]["groups"]:
        w.writerow(["seldom_heard", g["group"], g["items"], "", g["share"], "", "", "", "",
                    "; ".join(f"{t['id']} {t['group_rate']} vs {t['everyone_rate']}" for t in g["top_themes"])])
    for i, c in enumerate(pack["emerging_themes"]):
        w.writerow(["emerging_theme", i + 1, c["size"], "", c["share_with_a_quality_statement"], "", "", "",
                    "not named by taxonomy" if c["not_named_by_taxonomy"] else "", " ".join(c["words"])])
    for it in pack["items_to_read"]:
        w.writerow(["item_to_read", it["id"], it["urgency"], "", "", "", "", "", it["epistemic_injustice"], it["text"]])
    return buf.getvalue()
