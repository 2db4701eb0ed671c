"""The gold set files are valid: taxonomy IDs, enums, splits by organisation, counts."""
import json
from collections import Counter
from pathlib import Path

from training import sources
from triage.gold import validate_item

GOLD = Path(__file__).resolve().parents[2] / "annotation_guidelines" / "gold" / "gold.jsonl"


def load():
    return [json.loads(l) for l in GOLD.open(encoding="utf-8") if l.strip()]


def test_every_gold_item_is_valid_against_the_taxonomy():
    for item in load():
        validate_item(item)


def test_counts_and_sources():
    items = load()
    real = [i for i in items if not i.get("synthetic")]
    synth = [i for i in items if i.get("synthetic")]
    assert len(real) >= 600
    assert {i["source"] for i in real} == {sources.P1, sources.P2, sources.OR}
    assert {i["source"] for i in synth} <= {"synthetic:staff_speak_up", "synthetic:urgency_contrast"}
    assert all(i["split"] == "dev" for i in synth)
    assert len({i["id"] for i in items}) == len(items)  # no item twice, so never in two splits


def test_splits_follow_the_organisation_or_facility_never_the_row():
    by_group = {}
    for i in load():
        if i.get("synthetic"):
            continue
        want = "test" if sources.split_for(i["source"], i["group"]) == "test" else "dev"
        assert i["split"] == want, i["id"]
        by_group.setdefault((i["source"], i["group"]), set()).add(i["split"])
    assert all(len(s) == 1 for s in by_group.values())
    assert Counter(i["split"] for i in load())["test"] >= 150


def test_each_item_keeps_both_annotations_and_the_adjudicated_one():
    for i in load():
        assert i["annotation_a"] and i["annotation_b"] and i["final"]
        assert "adjudication" in i["notes"]
