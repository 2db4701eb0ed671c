"""Experiment: which lexical features, and which sentiment training rows, on the internal dev split?

    python -m training.experiments.lexical_variants [--out benchmarks/results/lexical_variants.json]

Same internal dev split and early fusion ([embeddings | TF-IDF], C=1) as
training/experiments/lexical_heads.py; only the TF-IDF varies:
word 1-2 grams with 30k (the shipped setting) or 60k terms, word 1-3 grams,
and word 1-2 grams plus character 2-5 grams within words (misspellings are
common in NHS comments). Reported: quality-statement macro/micro-F1 through the
crosswalk at threshold 0.5 per source, and sentiment 3-class accuracy on NHS
ratings, also with the sentiment head trained without Oregon rows (whose
"neutral" means an investigation without harm, not a neutral comment).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def vectorizer(name: str):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    word = dict(min_df=2, sublinear_tf=True, dtype=np.float32)
    if name == "word12_30k":
        return TfidfVectorizer(ngram_range=(1, 2), max_features=30000, **word)
    if name == "word12_60k":
        return TfidfVectorizer(ngram_range=(1, 2), max_features=60000, **word)
    if name == "word13_60k":
        return TfidfVectorizer(ngram_range=(1, 3), max_features=60000, **word)
    if name == "word12_30k+char25_30k":
        return FeatureUnion([("w", TfidfVectorizer(ngram_range=(1, 2), max_features=30000, **word)),
                             ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=30000,
                                                   **word))])
    raise ValueError(name)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results/lexical_variants.json")
    ap.add_argument("--variants", nargs="+",
                    default=["word12_30k", "word12_60k", "word13_60k", "word12_30k+char25_30k"])
    a = ap.parse_args(argv)

    from training import sources
    from training.experiments.lexical_heads import fit_multi, macro_micro, setup
    from triage.pipeline.heads import SingleLabelHead
    from triage.pipeline.lexical import combine

    split = setup()
    ts, X, dev, truth, by_src = split.ts, split.X, split.dev, split.truth, split.by_src
    tr = ~dev
    dev_idx = np.where(dev)[0]
    pos = {i: k for k, i in enumerate(dev_idx)}
    Y, W = ts.Y["quality_statements"], ts.W
    sl, sy = split.sentiment, split.sy
    src = np.array([r.get("source", k) for k, r in ts.rows])
    res: dict = {"quality_statements_macro_micro_t0.5": {}, "sentiment_3class_accuracy": {}}
    for name in a.variants:
        t0 = time.perf_counter()
        vec = vectorizer(name).fit([ts.texts[i] for i in np.where(tr)[0]])
        F = combine(X, vec.transform(ts.texts))
        P = fit_multi(F[tr], F[dev_idx], Y[tr], W[tr])
        q = {s: macro_micro(truth[idx], (P[[pos[i] for i in idx]] >= 0.5).astype(int))
             for s, idx in by_src.items() if len(idx)}
        q["mean_macro"] = round(float(np.mean([v[0] for v in q.values()])), 4)
        res["quality_statements_macro_micro_t0.5"][name] = q
        sres = {}
        for rows_name, m in (("all rows", tr & (sy >= 0)), ("without Oregon", tr & (sy >= 0) & (src != sources.OR))):
            head = SingleLabelHead(sl, balanced=False).fit(F[m], sy[m], sample_weight=W[m])
            Pd = head.predict_proba(F[dev_idx])
            for s in (sources.P1, sources.P2):
                idx = [k for k, i in enumerate(dev_idx) if src[i] == s and sy[i] >= 0]
                sres[f"{rows_name}: {s}"] = round(float((Pd[idx].argmax(axis=1) == sy[dev_idx][idx]).mean()), 4)
        res["sentiment_3class_accuracy"][name] = sres
        print(name, f"{time.perf_counter() - t0:.0f}s", json.dumps(q), json.dumps(sres), flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
