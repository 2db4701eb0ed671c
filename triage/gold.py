"""The gold annotation format: one annotation record, and one gold item.

An annotation (A, B, adjudicated, or a reviewer's correction) is a dict:
quality_statements, freda, freda_polarity, rights, epistemic_injustice
{level, kinds}, safeguarding {urgency, types}, seldom_heard, speaker,
sentiment, and an optional note.
"""
from __future__ import annotations

from typing import Any

from triage.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

MULTI = {"quality_statements": "quality_statements", "freda": "freda", "rights": "rights",
         "seldom_heard": "seldom_heard"}
ITEM_KEYS = ("id", "source", "source_row_id", "text", "split", "annotation_a", "annotation_b", "final")
SPLITS = ("dev", "test")


def validate_annotation(ann: Any, tax: Taxonomy | None = None) -> dict:
    """Check one annotation against the taxonomy; return it normalised (sorted lists)."""
    tax = tax or load_taxonomy()
    if not isinstance(ann, dict):
        raise TaxonomyError("annotation must be an object")
    out: dict = {}
    for key, group in MULTI.items():
        ids = ann.get(key, [])
        if not isinstance(ids, list) or len(set(ids)) != len(ids):
            raise TaxonomyError(f"{key}: expected a list of distinct IDs")
        tax.check_ids(ids, group)
        out[key] = sorted(ids)
    pol = ann.get("freda_polarity") or {}
    if not isinstance(pol, dict) or set(pol) - set(out["freda"]) or set(pol.values()) - {"breached", "upheld"}:
        raise TaxonomyError("freda_polarity: map each marked FREDA ID to 'breached' or 'upheld'")
    out["freda_polarity"] = dict(sorted(pol.items()))
    ei = ann.get("epistemic_injustice") or {}
    tax.check_choice(ei.get("level"), "ei_levels")
    kinds = ei.get("kinds") or []
    tax.check_ids(kinds, "ei_kinds")
    if ei["level"] == "none" and kinds:
        raise TaxonomyError("epistemic_injustice: kinds must be empty when level is none")
    out["epistemic_injustice"] = {"level": ei["level"], "kinds": sorted(kinds)}
    sg = ann.get("safeguarding") or {}
    tax.check_choice(sg.get("urgency"), "sg_urgency")
    types = sg.get("types") or []
    tax.check_ids(types, "sg_types")
    if sg["urgency"] == "none" and types:
        raise TaxonomyError("safeguarding: types must be empty when urgency is none")
    out["safeguarding"] = {"urgency": sg["urgency"], "types": sorted(types)}
    tax.check_choice(ann.get("speaker"), "speaker")
    tax.check_choice(ann.get("sentiment"), "sentiment")
    out["speaker"], out["sentiment"] = ann["speaker"], ann["sentiment"]
    if ann.get("note"):
        out["note"] = str(ann["note"])
    return out


def validate_item(item: Any, tax: Taxonomy | None = None) -> dict:
    """Check one gold item (text, split, two annotations and the adjudicated labels)."""
    if not isinstance(item, dict):
        raise TaxonomyError("gold item must be an object")
    missing = [k for k in ITEM_KEYS if k not in item]
    if missing:
        raise TaxonomyError(f"gold item {item.get('id')!r} lacks {missing}")
    if item["split"] not in SPLITS:
        raise TaxonomyError(f"gold item {item['id']!r}: split must be one of {SPLITS}")
    if not isinstance(item["text"], str) or not item["text"].strip():
        raise TaxonomyError(f"gold item {item['id']!r}: empty text")
    for k in ("annotation_a", "annotation_b", "final"):
        try:
            validate_annotation(item[k], tax)
        except TaxonomyError as exc:
            raise TaxonomyError(f"gold item {item['id']!r} {k}: {exc}") from exc
    return item
