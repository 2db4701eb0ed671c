"""Third draw for the gold set: more safeguarding-urgent candidates for the held-out TEST split.

The gold test split held only 3 urgent items after rounds 1-2, too few to measure urgent recall.
Round 3 draws only from held-out test partitions (Trust C, phase2 test respondents, Oregon test
facilities), by frames that do not depend on our model or rule layer, so that recall measured on
these items is not flattered by how they were found:
  - NHS phase1 Trust C comments the NHS staff rated most critical (criticality -4: all; -3: 25 at random);
  - NHS phase2 test comments the NHS coders tagged "Feeling safe" (all), and 10 at random of those
    whose respondents gave the worst FFT answers (4-5);
  - Oregon test-facility investigations substantiated for abuse of a kind other than neglect (25 at random).
Items already in the gold set are excluded. Writes annotation_guidelines/gold/items_round3.jsonl and
batches 8 and 9 (each annotated twice, independently, then adjudicated, as before).
"""
from __future__ import annotations

import random

from training import sources
from training.gold_data import drawn_ids, write_draw


def main(seed: int = 20261122) -> None:
    rng = random.Random(seed)
    taken = drawn_ids("items.jsonl", "items_round2.jsonl")
    recs = [r for r in sources.all_records() if r["split"] == "test" and r["id"] not in taken
            and 8 <= len(r["text"]) <= 3000]
    p1 = [r for r in recs if r["source"].endswith("phase1_text_data.csv")]
    p2 = [r for r in recs if r["source"].endswith("phase2_v6_neas.csv")]
    ore = [r for r in recs if r["source"] == sources.OR]

    def pick(pool, n, tag):
        pool = sorted(pool, key=lambda r: r["id"])
        rng.shuffle(pool)
        return [{**r, "drawn_by": f"round3:{tag}"} for r in (pool if n is None else pool[:n])]

    chosen = (pick([r for r in p1 if r["raw"]["criticality"] == "-4"], None, "nhs_criticality_-4")
              + pick([r for r in p1 if r["raw"]["criticality"] == "-3"], 25, "nhs_criticality_-3")
              + pick([r for r in p2 if r["raw"].get("Feeling safe") == "1"], None, "nhs_feeling_safe"))
    ids = {r["id"] for r in chosen}
    chosen += pick([r for r in p2 if r["raw"].get("FFT categorical answer") in ("4", "5") and r["id"] not in ids],
                   10, "nhs_fft_4_5")
    chosen += pick([r for r in ore if r["raw"]["result_abuse"] == "Substantiated"
                    and r["raw"]["type_of_abuse"] not in ("", "Neglect")], 25, "oregon_substantiated_abuse")
    rng.shuffle(chosen)
    write_draw(chosen, "items_round3.jsonl", (8, 9))
    print(f"round 3: {len(chosen)} items in batches 8 and 9")


if __name__ == "__main__":
    main()
