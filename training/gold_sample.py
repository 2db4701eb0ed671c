"""Draw the items of the gold set from ../shared/data (run once; the draw is fixed).

Stratified by keyword pools so that rare labels (restraint, seclusion, racism,
interpreters, self-harm, disbelief, ...) have positives, plus a random slice so
that base rates stay honest. Writes annotation_guidelines/gold/items.jsonl.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from training import sources

POOLS = {
    "restraint": r"restrain|held (him|her|them|me) down|pinned",
    "seclusion": r"seclu|locked (in|him|her|them)|isolat",
    "racism": r"racis|racial|ethnic|colour|black|asian|foreign",
    "interpreter": r"interpret|translat|language barrier|speak english|english (is|was) not",
    "self_harm": r"self.?harm|suicid|kill (my|him|her)self|overdose|cut(ting)? (my|him|her)self|end (my life|it all|things)",
    "disbelief": r"believ|not listen|didn.?t listen|dismiss|made it up|attention seek|lying|liar",
    "ld_autism": r"autis|learning disab|asperger|\badhd\b|special needs",
    "dementia": r"dementia|alzheim|elderly|memory",
    "sensory": r"\bdeaf|hearing aid|\bblind|sight|visually",
    "physical_dis": r"wheelchair|disab|mobility",
    "detained": r"sectioned|mental health act|detain|secure unit|\bdols\b|\bsection \d",
    "child": r"\bchild|\bmy son\b|daughter|\bkids?\b|teenage|camhs|\bbaby",
    "lgbtq": r"\bgay\b|lesbian|transgender|\btrans\b|bisexual|lgbt|sexuality",
    "homeless_substance": r"homeless|alcohol|drunk|\bdrugs?\b|addict|substance",
    "religion": r"relig|faith|\bpray|church|mosque|muslim|christian|halal",
    "dignity": r"dignit|privacy|naked|undress|exposed|humiliat|degrad",
    "physical_abuse": r"abus|assault|\bhit\b|slap|punch|rough|bruis|shout|threat",
    "sexual": r"sexual|grop|inappropriately touch|rape|fondl",
    "financial": r"money|stole|theft|financ|bank|cash",
    "consent_choice": r"consent|choice|choose|forced|against (my|his|her) will",
    "neglect": r"neglect|left (in|alone|for hours)|soiled|hungry|thirst|dehydrat|pressure (sore|ulcer)",
    "staff_culture": r"bully|short.?staffed|whistle|speak up|management",
    "unpaid_carer": r"\bcarer\b|caring for my|as a carer",
    "death": r"\bdied\b|death|passed away|hospice|end of life",
}
PER_POOL = {"nhs": 12, "oregon": 7}
RANDOM = {sources.P1: 100, sources.P2: 80, sources.OR: 70}
OUT = Path(__file__).resolve().parents[1] / "annotation_guidelines" / "gold" / "items.jsonl"


def main(seed: int = 20261122) -> None:
    rng = random.Random(seed)
    recs = [r for r in sources.all_records() if 8 <= len(r["text"]) <= 3000]
    chosen: dict[str, dict] = {}
    for name, pat in POOLS.items():
        rx = re.compile(pat, re.I)
        for kind in ("nhs", "oregon"):
            pool = [r for r in recs if rx.search(r["text"]) and (r["source"] == sources.OR) == (kind == "oregon")]
            rng.shuffle(pool)
            for r in pool[: PER_POOL[kind]]:
                chosen.setdefault(r["id"], {**r, "drawn_by": f"pool:{name}"})
    for src, n in RANDOM.items():
        pool = [r for r in recs if r["source"] == src and r["id"] not in chosen]
        for r in rng.sample(pool, n):
            chosen[r["id"]] = {**r, "drawn_by": "random"}
    items = list(chosen.values())
    rng.shuffle(items)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in items:
            split = "test" if r["split"] == "test" else "dev"
            fh.write(json.dumps({"id": r["id"], "source": r["source"], "source_row_id": r["source_row_id"],
                                 "group": r["group"], "split": split, "drawn_by": r["drawn_by"],
                                 "text": r["text"]}, ensure_ascii=False) + "\n")
    print(f"wrote {len(items)} items to {OUT}")


if __name__ == "__main__":
    main()
