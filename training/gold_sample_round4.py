"""Fourth draw for the gold set: safeguarding candidates from the TRAINING partitions (gold `dev`).

After round 3, the safeguarding head still misses NHS comments: out of fold on gold dev it finds
26 of 36 NHS concern-or-urgent items and 6 of 8 urgent ones, and gold dev holds no Oregon urgent
item at all. Round 4 adds training examples of exactly those kinds. It draws only from training
partitions (NHS Trusts A and B, phase2 training respondents, Oregon training facilities), so it
never touches a held-out organisation, respondent or facility and no test figure can be flattered
by it. Frames (items already in the gold set excluded):
  - NHS phase1 Trust A/B comments the NHS staff rated most critical (criticality -4): 30 at random;
  - NHS phase2 training comments the NHS coders tagged "Feeling safe": all;
  - NHS comments the shipped model scores just below its concern threshold (0.15 <= score <
    threshold): 30 at random. This frame uses the model (active learning), which is fine for
    training data; it is why this draw must never be used to measure recall;
  - NHS comments where the rule layer fires an urgent cue: 15 at random;
  - Oregon training-facility investigations whose notes say the risk continues ("still",
    "continues", "ongoing", "again") about abuse of a kind other than neglect or a substantiated
    finding: 15 at random.
Writes annotation_guidelines/gold/items_round4.jsonl and batches 10 and 11 (each annotated twice,
independently, then adjudicated, as before). The draw used model triage-v1.202611221822.
"""
from __future__ import annotations

import random
import re

from training import sources
from training.gold_data import drawn_ids, write_draw

CONTINUING = re.compile(r"\b(still|continues?|continuing|ongoing|again)\b", re.I)


def main(seed: int = 20261123) -> None:
    from triage.pipeline.cues import load_cues
    from triage.pipeline.pipeline import load_pipeline
    from triage.pipeline.preprocess import split_sentences

    rng = random.Random(seed)
    taken = drawn_ids("items.jsonl", "items_round2.jsonl", "items_round3.jsonl")
    recs = [r for r in sources.all_records() if r["split"] != "test" and r["id"] not in taken
            and 8 <= len(r["text"]) <= 3000]
    p1 = [r for r in recs if r["source"].endswith("phase1_text_data.csv")]
    p2 = [r for r in recs if r["source"].endswith("phase2_v6_neas.csv")]
    ore = [r for r in recs if r["source"] == sources.OR]
    ids: set[str] = set()

    def pick(pool, n, tag):
        pool = sorted((r for r in pool if r["id"] not in ids), key=lambda r: r["id"])
        rng.shuffle(pool)
        out = [{**r, "drawn_by": f"round4:{tag}"} for r in (pool if n is None else pool[:n])]
        ids.update(r["id"] for r in out)
        return out

    chosen = pick([r for r in p1 if r["raw"]["criticality"] == "-4"], 30, "nhs_criticality_-4")
    chosen += pick([r for r in p2 if r["raw"].get("Feeling safe") == "1"], None, "nhs_feeling_safe")

    nhs = sorted(p1 + p2, key=lambda r: r["id"])
    sents = split_sentences([r["text"] for r in nhs])
    pipe = load_pipeline()
    preds = pipe.predict([r["text"] for r in nhs], sents)
    thr = pipe.meta["thresholds"]["concern"]
    chosen += pick([r for r, p in zip(nhs, preds) if 0.15 <= p.safeguarding["score"] < thr], 30, "nhs_near_miss")
    cues = load_cues()
    chosen += pick([r for r, s in zip(nhs, sents) if any(h.urgency == "urgent" for h in cues.safeguarding(s))],
                   15, "nhs_urgent_cue")
    chosen += pick([r for r in ore if CONTINUING.search(r["text"])
                    and (r["raw"]["result_abuse"] == "Substantiated"
                         or r["raw"]["type_of_abuse"] not in ("", "Neglect"))], 15, "oregon_continuing")
    rng.shuffle(chosen)
    write_draw(chosen, "items_round4.jsonl", (10, 11))
    print(f"round 4: {len(chosen)} items in batches 10 and 11")


if __name__ == "__main__":
    main()
