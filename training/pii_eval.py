"""Redaction recall on the hand-marked set annotation_guidelines/pii/pii_eval.jsonl.

    .venv/bin/python -m training.pii_eval      # writes reports/pii_redaction.json and .md

A marked span counts as redacted when every one of its characters is covered by a redaction
(partial cover leaks part of a name, so it counts as missed). Precision is reported as the
share of redacted characters that fall inside a marked span.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from triage.pii import default_redactor

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotation_guidelines" / "pii" / "pii_eval.jsonl"


def main(out: str = "reports/pii_redaction") -> dict:
    r = default_redactor()
    items = [json.loads(l) for l in GOLD.open(encoding="utf-8") if l.strip()]
    per = defaultdict(lambda: [0, 0])
    missed = []
    red_chars = inside = 0
    for it in items:
        found = r.find(it["text"])
        covered = set()
        for s in found:
            covered.update(range(s.start, s.end))
        gold_chars = set()
        for sp in it["spans"]:
            chars = set(range(sp["start"], sp["end"]))
            gold_chars |= chars
            ok = chars <= covered
            per[sp["label"]][0] += ok
            per[sp["label"]][1] += 1
            if not ok:
                missed.append({"id": it["id"], "label": sp["label"], "length": sp["end"] - sp["start"]})
        red_chars += len(covered)
        inside += len(covered & gold_chars)
    total_ok = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    rep = {"items": len(items), "spans": total, "recall": round(total_ok / total, 3) if total else None,
           "per_label": {k: {"recall": round(v[0] / v[1], 3), "spans": v[1]} for k, v in sorted(per.items())},
           "char_precision": round(inside / red_chars, 3) if red_chars else None,
           "missed": missed, "data": str(GOLD.relative_to(ROOT)), "command": "python -m training.pii_eval"}
    p = ROOT / out
    p.parent.mkdir(parents=True, exist_ok=True)
    p.with_suffix(".json").write_text(json.dumps(rep, indent=1), encoding="utf-8")
    lines = [f"# PII redaction on {len(items)} hand-marked real items ({total} spans)", "",
             f"Recall (span fully redacted): **{rep['recall']}**; character precision {rep['char_precision']}.", "",
             "| label | spans | recall |", "|---|---|---|"]
    lines += [f"| {k} | {v['spans']} | {v['recall']} |" for k, v in rep["per_label"].items()]
    lines += ["", f"Missed spans (ids only, never the text): {len(missed)}", ""]
    lines += [f"- {m['id']}: {m['label']} ({m['length']} chars)" for m in missed]
    p.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:12]))
    return rep


if __name__ == "__main__":
    main()
