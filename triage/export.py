"""Reviewers' decisions -> the gold annotation format (so their work becomes training data).

annotation_a is the model's suggestion, annotation_b the reviewer's decision,
and final the reviewer's decision (a person decides). Items go to `dev`.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from triage.gold import validate_item
from triage.store.tables import Decision, Feedback, Prediction


def prediction_to_annotation(p: dict) -> dict:
    return {"quality_statements": [x["id"] for x in p["quality_statements"]],
            "freda": [x["id"] for x in p["freda"]], "freda_polarity": {},
            "rights": [x["id"] for x in p["rights"]],
            "epistemic_injustice": {"level": p["epistemic_injustice"]["level"],
                                    "kinds": list(p["epistemic_injustice"]["kinds"])},
            "safeguarding": {"urgency": p["safeguarding"]["urgency"], "types": list(p["safeguarding"]["types"])},
            "seldom_heard": [x["id"] for x in p["seldom_heard"]], "speaker": p["speaker"],
            "sentiment": p["sentiment"]}


def decision_to_annotation(model: dict, d: Decision) -> dict:
    ann = json.loads(json.dumps(model))
    for k in ("quality_statements", "freda", "rights", "seldom_heard"):
        if k in d.labels:
            ann[k] = sorted(d.labels[k])
    ann["freda_polarity"] = {}
    ann["safeguarding"]["urgency"] = d.urgency
    if d.urgency == "none":
        ann["safeguarding"]["types"] = []
    if "safeguarding_types" in d.labels:
        ann["safeguarding"]["types"] = sorted(d.labels["safeguarding_types"])
    if "sentiment" in d.labels:
        ann["sentiment"] = d.labels["sentiment"]
    return ann


def export_annotations(db: Session, out: Path, redact: bool = True) -> int:
    """Write reviewers' decisions in the gold format; personal data redacted unless ``redact`` is False."""
    redactor = None
    if redact:
        from triage.pii import default_redactor

        redactor = default_redactor()
    latest: dict[int, Decision] = {}
    for d in db.exec(select(Decision).order_by(Decision.id)):
        latest[d.feedback_id] = d
    n = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for fid, d in sorted(latest.items()):
            item = db.get(Feedback, fid)
            pred = db.exec(select(Prediction).where(Prediction.feedback_id == fid)
                           .order_by(Prediction.id.desc())).first()
            if item is None or pred is None:
                continue
            model = prediction_to_annotation(pred.payload)
            human = decision_to_annotation(model, d)
            rec = {"id": f"review-{fid}", "source": "review", "source_row_id": str(fid),
                   "group": item.provider_id, "split": "dev",
                   "text": redactor.redact(item.text) if redactor else item.text, "redacted": bool(redactor),
                   "annotation_a": model, "annotation_b": human, "final": human,
                   "notes": {"a": f"model {pred.model_version}", "b": f"reviewer {d.reviewer}",
                             "adjudication": d.note or ""}}
            validate_item(rec)
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n
