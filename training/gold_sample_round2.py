"""Second draw for the gold set: rare labels that round 1 left with fewer than 15 positives.

Same rules as round 1 (training/gold_sample.py): keyword pools over all of
../shared/data, items already in the gold set excluded; the split of each item
follows its organisation / facility. Writes annotation_guidelines/gold/items_round2.jsonl
and batches 6 and 7.
"""
from __future__ import annotations

import random
import re

from training import sources
from training.gold_data import drawn_ids, write_draw

POOLS = {
    "interpreter": r"interpret|translat|language barrier|speak english|english (is|was) not|first language",
    "racism": r"racis|racial|ethnic|\bblack\b|\basian\b|colour of|discriminat",
    "learning_disability": r"learning disab|learning difficult|down'?s syndrome|special needs|\bLD\b",
    "autism": r"autis|asperger",
    "lgbtq": r"\bgay\b|lesbian|transgender|\btrans\b|bisexual|lgbt|sexuality|homophob",
    "religion": r"relig|faith|\bpray|church|mosque|muslim|christian|halal|chaplain|spiritual",
    "homeless_migrant": r"homeless|rough sleep|hostel|asylum|refugee|migrant|immigra",
    "substance": r"alcohol|drunk|\bdrugs?\b|addict|substance|heroin|methadone",
    "carer": r"\bcarer\b|caring for (my|him|her)|as a carer|respite",
    "sensory": r"\bdeaf|hearing aid|\bblind\b|sign language|\bBSL\b|visually",
    "child_risk": r"child protection|social services|\bchild\b.*(hurt|abuse|risk)|camhs",
    "sexual": r"sexual|grop|inappropriately touch|fondl|rape",
    "infection": r"infection|hygien|dirty|\bclean\b|hand ?wash|covid|mask",
    "speak_up_culture": r"whistle|speak up|raise (a )?concern|complain(ed|t) (to|about) (the )?manag|culture",
    "partnership_learning": r"lessons? (were )?learn|improv(e|ed|ement) (the|their) service|community|charity|voluntary|partnership",
    "healthier_lives": r"exercise|diet|smok|weight|healthy|lifestyle|physical health",
    "planning_future": r"end of life|advance (care )?plan|palliative|future plan|dnr|resuscitat",
    "working_together": r"\bgp\b.*(hospital|team)|between (the )?(teams|services|departments)|handover|referr",
    "fairness_equality": r"unfair|not fair|equal|treated differently|favouritism|prejudic|ageis",
    "expression": r"complain|not allowed to (say|speak)|silenc|gagg|victimi",
    "self_neglect_domestic": r"self.?neglect|hoard|domestic (abuse|violence)|partner (hit|beat)|not looking after (him|her)self",
    "workforce": r"staff (are|were) (stressed|exhausted|overworked|burnt)|overworked|under pressure|morale",
}
PER_POOL = {"nhs": 7, "oregon": 3}


def main(seed: int = 20261123) -> None:
    rng = random.Random(seed)
    taken = drawn_ids("items.jsonl")
    recs = [r for r in sources.all_records() if 8 <= len(r["text"]) <= 3000 and r["id"] not in taken]
    chosen: dict[str, dict] = {}
    for name, pat in POOLS.items():
        rx = re.compile(pat, re.I)
        for kind in ("nhs", "oregon"):
            pool = [r for r in recs if rx.search(r["text"]) and (r["source"] == sources.OR) == (kind == "oregon")
                    and r["id"] not in chosen]
            rng.shuffle(pool)
            for r in pool[: PER_POOL[kind]]:
                chosen[r["id"]] = {**r, "drawn_by": f"round2:{name}"}
    items = list(chosen.values())
    rng.shuffle(items)
    write_draw(items, "items_round2.jsonl", (6, 7))
    print(f"round 2: {len(items)} items in batches 6 and 7")


if __name__ == "__main__":
    main()
