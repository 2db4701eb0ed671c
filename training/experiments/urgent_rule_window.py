"""Experiment: should the rule layer's "ongoing" check look past the cue's own sentence?

    python -m training.experiments.urgent_rule_window [--out benchmarks/results/urgent_rule_window.json]

The rule layer calls a safeguarding cue urgent when its sentence also holds an ongoing/imminent
marker ("still", "tonight", "is being"...). Many urgent speak-up texts put the harm in one sentence
and the continuing risk in the next ("...slapped a resident. He is rota'd on again tonight.").
Variant k also accepts a marker in the k sentences after the cue's (risk-to-life cues keep their
own rule). Measured on gold `dev` only (rule layer alone, no model), per source: urgent hits,
false urgents and misses.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def urgent(cues, sents, hits, k: int) -> bool:
    if any(h.urgency == "urgent" for h in hits):
        return True
    return k > 0 and any(h.label != "sg.risk_to_life"
                         and any(cues.ongoing.search(s.text) for s in sents[h.sentence:h.sentence + 1 + k])
                         for h in hits)


def main(out: str = "benchmarks/results/urgent_rule_window.json") -> dict:
    from training.gold_data import load_gold
    from triage.pipeline.cues import load_cues
    from triage.pipeline.preprocess import split_sentences

    dev = [g for g in load_gold() if g["split"] == "dev"]
    cues = load_cues()
    sents = split_sentences([g["text"] for g in dev])
    hits = [cues.safeguarding(s) for s in sents]
    res = {}
    for k in (0, 1, 2, 99):
        c: Counter = Counter()
        for g, s, h in zip(dev, sents, hits):
            src = "synthetic_speak_up" if g.get("synthetic") else g["source"]
            pred, gold = urgent(cues, s, h, k), g["final"]["safeguarding"]["urgency"] == "urgent"
            c[f"{src}|{'hit' if pred and gold else 'false_urgent' if pred else 'missed' if gold else 'tn'}"] += 1
        res[f"next_{k}_sentences"] = {key: n for key, n in sorted(c.items()) if not key.endswith("|tn")}
    result = {"data": "gold dev (annotation_guidelines/gold/gold.jsonl, split dev)", "items": len(dev),
              "rules": f"cues.v{cues.version}", "rule_layer_alone": res}
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/urgent_rule_window.json")
    main(ap.parse_args().out)
