"""The written urgency contrast items: merge the writers' files into the gold item file and batches.

    python -m training.urgency_synthetic

Gold `dev` held 33 urgent items out of fold, and the urgency head found 20 of them: most misses
state the harm in one sentence and that it continues ("He is rota'd on again tonight", "It could
happen again tonight", "that was two weeks ago") in another. Real text with that pattern is used up
in the training partitions, so helper writers wrote contrast pairs: one situation told twice, once
with the risk continuing or imminent and once past, resolved or hypothetical, matched in length and
tone so that only the time information tells them apart (the brief: gold/written/README.md; two voices, patients and
families; staff, relatives and advocates). The writers' intended version is kept as ``intended``;
annotators never see it, and the pairs are shuffled across two batches so that the two halves of a
pair are annotated apart, then labelled like every gold item (two annotators, an adjudicator).
Synthetic items are `dev` only.
"""
from __future__ import annotations

import json
import random

from training.adjudication import GOLD_DIR, _jsonl

WRITERS = ("written/urgency_writer1.jsonl", "written/urgency_writer2.jsonl")
ITEMS = GOLD_DIR / "urgency_synthetic_items.jsonl"
SOURCE = "synthetic:urgency_contrast"
BATCHES = ("14", "15")


def main(seed: int = 14) -> None:
    rows = [r for f in WRITERS for r in _jsonl(GOLD_DIR / f)]
    rng = random.Random(seed)
    rng.shuffle(rows)
    items = [{"id": f"synth-uc-{n:03d}", "source": SOURCE, "source_row_id": r["pair"] + ":" + r["version"],
              "synthetic": True, "pair": r["pair"], "intended": r["version"], "voice": r["voice"],
              "setting": r["setting"], "theme": r["theme"], "text": r["text"].strip()}
             for n, r in enumerate(rows, 1)]
    # the two halves of a pair go to different batches where possible
    first: dict[str, str] = {}
    batches: dict[str, list] = {b: [] for b in BATCHES}
    for it in items:
        b = BATCHES[1] if first.get(it["pair"]) == BATCHES[0] else BATCHES[0]
        if len(batches[b]) >= len(items) // 2 + 1 and it["pair"] not in first:
            b = BATCHES[1]
        first.setdefault(it["pair"], b)
        batches[b].append(it)
    with ITEMS.open("w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    for b, its in batches.items():
        with (GOLD_DIR / "batches" / f"batch_{b}.jsonl").open("w", encoding="utf-8") as fh:
            for it in its:
                fh.write(json.dumps({"id": it["id"], "source": it["source"], "text": it["text"]},
                                    ensure_ascii=False) + "\n")
        print(f"batch {b}: {len(its)} items")
    print(f"{len(items)} items -> {ITEMS}")


if __name__ == "__main__":
    main()
