"""Checks that one output object follows the batch CLI contract exactly."""
from __future__ import annotations

from triage.taxonomy import load_taxonomy

KEYS = {"id", "quality_statements", "freda", "rights", "epistemic_injustice", "safeguarding", "seldom_heard",
        "speaker", "sentiment", "evidence", "model_version"}


def check_contract(obj: dict, text: str | None = None) -> None:
    tax = load_taxonomy()
    assert set(obj) == KEYS, set(obj) ^ KEYS
    for key, group in (("quality_statements", "quality_statements"), ("freda", "freda"), ("rights", "rights"),
                       ("seldom_heard", "seldom_heard")):
        assert isinstance(obj[key], list)
        for x in obj[key]:
            assert set(x) == {"id", "score"}
            assert x["id"] in getattr(tax, group), x
            assert 0.0 <= x["score"] <= 1.0
        assert len({x["id"] for x in obj[key]}) == len(obj[key])
    ei = obj["epistemic_injustice"]
    assert set(ei) == {"level", "kinds", "score"} and ei["level"] in tax.ei_levels
    assert all(k in tax.ei_kinds for k in ei["kinds"]) and 0 <= ei["score"] <= 1
    assert (ei["level"] == "none") == (not ei["kinds"])
    sg = obj["safeguarding"]
    assert set(sg) == {"urgency", "types", "score", "urgent_score"} and sg["urgency"] in tax.sg_urgency
    assert all(t in tax.sg_types for t in sg["types"])
    assert 0 <= sg["score"] <= 1 and 0 <= sg["urgent_score"] <= 1
    assert (sg["urgency"] == "none") == (not sg["types"])
    assert obj["speaker"] in tax.speaker and obj["sentiment"] in tax.sentiment
    for e in obj["evidence"]:
        assert set(e) == {"label", "text", "start", "end"}
        assert 0 <= e["start"] < e["end"]
        if text is not None:
            assert text[e["start"]:e["end"]] == e["text"]
    assert isinstance(obj["model_version"], str) and obj["model_version"]
