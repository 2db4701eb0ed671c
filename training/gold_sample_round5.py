"""Fifth draw for the gold set: more training examples for every head, from the TRAINING
partitions (gold `dev`) only.

Keyword pools for the rare rights, group and epistemic-injustice labels are used up in the training
partitions (a pool draw found 9 unlabelled matches), so round 5 takes:
  - items where the shipped model is least sure of a human-rights, FREDA, group or
    epistemic-injustice label (some label's score within 0.15 of its threshold): 50 at random
    (active learning; this frame uses the model, which is fine for training data, and is why these
    items must never be used to measure the model);
  - a random slice of the training partitions: 25 NHS phase1 (Trusts A and B), 15 NHS phase2
    training respondents, 15 Oregon training facilities.
Items already in the gold set (rounds 1-4) are excluded; no held-out organisation, respondent or
facility is touched. Writes annotation_guidelines/gold/items_round5.jsonl and batches 12 and 13
(each annotated twice, independently, then adjudicated). The draw used model
triage-v1.202611221822.
"""
from __future__ import annotations

import random

import numpy as np

from training import sources
from training.gold_data import drawn_ids, write_draw

HEADS = ("rights", "freda", "seldom_heard", "ei")


def main(seed: int = 20261124) -> None:
    from triage.pipeline.lexical import combine
    from triage.pipeline.pipeline import load_pipeline
    from training.train import embed_items

    rng = random.Random(seed)
    taken = drawn_ids("items.jsonl", "items_round2.jsonl", "items_round3.jsonl", "items_round4.jsonl")
    recs = sorted((r for r in sources.all_records() if r["split"] != "test" and r["id"] not in taken
                   and 8 <= len(r["text"]) <= 3000), key=lambda r: r["id"])
    ids: set[str] = set()

    def pick(pool, n, tag):
        pool = [r for r in pool if r["id"] not in ids]
        rng.shuffle(pool)
        out = [{**r, "drawn_by": f"round5:{tag}"} for r in pool[:n]]
        ids.update(r["id"] for r in out)
        return out

    pipe = load_pipeline()
    X, _ = embed_items([r["text"] for r in recs], progress=False)
    XL = combine(X, pipe.lexical.transform([r["text"] for r in recs]))
    unsure = np.zeros(len(recs), dtype=bool)
    for h in HEADS:
        head = pipe.heads[h]
        P = head.predict_proba(XL if h in pipe.lexical_heads else X)
        near = (np.abs(P - head.threshold_[None, :]) < 0.15) & head.trained_[None, :]
        unsure |= near.any(axis=1)
    chosen = pick([r for r, u in zip(recs, unsure) if u], 50, "model_unsure_rights_freda_groups_ei")
    chosen += pick([r for r in recs if r["source"] == sources.P1], 25, "random_nhs_phase1")
    chosen += pick([r for r in recs if r["source"] == sources.P2], 15, "random_nhs_phase2")
    chosen += pick([r for r in recs if r["source"] == sources.OR], 15, "random_oregon")
    rng.shuffle(chosen)
    write_draw(chosen, "items_round5.jsonl", (12, 13))
    print(f"round 5: {len(chosen)} items in batches 12 and 13 ({int(unsure.sum())} unsure candidates)")


if __name__ == "__main__":
    main()
