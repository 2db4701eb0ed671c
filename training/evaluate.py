"""Evaluate the trained pipeline on held-out splits; writes <out>.json and <out>.md.

    triage evaluate [--model DIR] [--out reports/evaluation] [--limit N]

Splits (never used in training): NHS phase1 Trust C (held out by organisation),
NHS phase2 test respondents, Oregon test facilities (held out by facility), and
the adjudicated gold `test` split. NHS and Oregon labels are mapped through
crosswalks.yaml, which is partial: a quality statement the crosswalk cannot
confirm counts as a false positive there, so these figures are lower bounds.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from training import sources
from training.gold_data import load_gold
from training.weak import crosswalk_ids, safeguarding_weak, sentiment_label
from triage.pipeline.pipeline import load_pipeline
from triage.taxonomy import load_taxonomy


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": tp + fn, "predicted": tp + fp}


def _r(x):
    return None if x is None else round(float(x), 4)


def multilabel(gold: list[set], pred: list[set], labels: list[str]) -> dict:
    per = {}
    T = F = N = 0
    for lab in labels:
        tp = sum(lab in g and lab in p for g, p in zip(gold, pred))
        fp = sum(lab not in g and lab in p for g, p in zip(gold, pred))
        fn = sum(lab in g and lab not in p for g, p in zip(gold, pred))
        per[lab] = prf(tp, fp, fn)
        T, F, N = T + tp, F + fp, N + fn
    with_support = [v["f1"] or 0.0 for v in per.values() if v["support"]]
    return {"micro": prf(T, F, N), "macro_f1": _r(np.mean(with_support)) if with_support else None,
            "labels_with_support": len(with_support), "per_label": per}


def macro_delta_ci(gold: list[set], ours: list[set], peer: list[set], labels: list[str],
                   n_resamples: int = 2000, seed: int = 0) -> dict:
    """Our macro-F1 minus the peer's on the same items, with a 95% paired bootstrap interval.

    Items are resampled with replacement (scipy.stats.bootstrap, percentile method); both systems
    are scored on each resample, so the interval is of the difference, as the target is stated."""
    from scipy.stats import bootstrap

    col = {lab: j for j, lab in enumerate(labels)}

    def counts(pred):  # per item: true positives, false positives, false negatives per label
        c = np.zeros((len(gold), 3, len(labels)), dtype=np.float32)
        for i, (g, p) in enumerate(zip(gold, pred)):
            for k, part in enumerate((p & g, p - g, g - p)):
                for lab in part:
                    if lab in col:
                        c[i, k, col[lab]] += 1
        return c

    A, B = counts(ours), counts(peer)

    def macro(c) -> float:
        support = (c[0] + c[2]) > 0
        return float((2 * c[0] / np.maximum(2 * c[0] + c[1] + c[2], 1))[support].mean())

    def delta(idx) -> float:
        idx = np.asarray(idx, dtype=int)
        return macro(A[idx].sum(axis=0)) - macro(B[idx].sum(axis=0))

    res = bootstrap((np.arange(len(gold)),), delta, n_resamples=n_resamples, method="percentile",
                    vectorized=False, random_state=seed)
    ci = res.confidence_interval
    return {"delta": _r(delta(np.arange(len(gold)))), "ci95": [_r(ci.low), _r(ci.high)], "items": len(gold),
            "resamples": n_resamples, "method": "paired bootstrap over items, percentile (scipy.stats.bootstrap)"}


def recall_ci(tp: int, support: int) -> list | None:
    """Exact (Clopper-Pearson) 95% interval of a recall of tp out of support (scipy.stats.binomtest)."""
    from scipy.stats import binomtest

    if not support:
        return None
    ci = binomtest(tp, support).proportion_ci(confidence_level=0.95, method="exact")
    return [_r(ci.low), _r(ci.high)]


def ece(scores: list[float], truth: list[int], bins: int = 10) -> float | None:
    if not scores:
        return None
    s, t = np.asarray(scores), np.asarray(truth)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (s >= lo) & (s < hi) if hi < 1 else (s >= lo) & (s <= hi)
        if m.any():
            total += m.mean() * abs(s[m].mean() - t[m].mean())
    return _r(total)


def gold_vs_nhs_sentiment(records: dict) -> dict:
    """How often our adjudicated gold sentiment (any gold split) matches the NHS staff's 3-class label.

    Not a model figure: the agreement of two labelling schemes on the same comments, i.e. the ceiling
    a model that reproduced our annotators exactly would reach on the NHS labels."""
    pairs = [(sentiment_label(records[g["id"]]), g["final"]["sentiment"]) for g in load_gold() if g["id"] in records]
    pairs = [(n, o) for n, o in pairs if n in ("positive", "neutral", "negative")]
    if not pairs:
        return {"items": 0}
    return {"items": len(pairs), "accuracy": _r(np.mean([n == o for n, o in pairs])),
            "accuracy_mixed_as_neutral": _r(np.mean([n == ("neutral" if o == "mixed" else o) for n, o in pairs])),
            "confusion": {n: dict(Counter(o for n2, o in pairs if n2 == n)) for n in ("positive", "neutral", "negative")}}


def _ids(pred: dict, key: str) -> set:
    return {x["id"] for x in pred[key]}


def main(model_dir=None, out: str = "reports/evaluation", limit: int | None = None, seed: int = 5,
         write_model_card: bool = True, peer: bool = True) -> dict:
    tax = load_taxonomy()
    pipe = load_pipeline(model_dir)
    rng = random.Random(seed)
    report: dict = {"model_version": pipe.model_version, "splits": {}}
    peer_model = None
    if peer:
        from training.peer import PeerRecipe
        from training.train import build_training_set, contrast_rows

        t0 = time.perf_counter()
        ts = build_training_set()
        keep = ~contrast_rows(ts.rows)  # as our quality-statement head: not the written urgency contrast pairs
        peer_model = PeerRecipe(list(tax.quality_statements)).fit(
            [t for t, k in zip(ts.texts, keep) if k], ts.Y["quality_statements"][keep], ts.W[keep])
        report["peer"] = {"recipe": "TF-IDF (1-2 grams) + one-vs-rest linear SVM, C=15, class_weight balanced, "
                                    "Platt-scaled, threshold 0.3 (training/peer.py)",
                          "trained_on": "the same rows, labels and weights as our quality-statement head",
                          "fit_seconds": round(time.perf_counter() - t0, 1)}

    def run(texts):
        t0 = time.perf_counter()
        preds = []
        for i in range(0, len(texts), 256):
            preds += [p.to_contract(None) for p in pipe.predict(texts[i:i + 256])]
        return preds, time.perf_counter() - t0

    # -- NHS and Oregon held out by organisation / facility -----------------------------------
    held = defaultdict(list)
    phase2_by_id: dict = {}  # every phase2 record, for the gold annotators' agreement with NHS sentiment
    for r in sources.all_records():
        if r["source"] == sources.P2:
            phase2_by_id[r["id"]] = r
        if r["split"] == "test" and len(r["text"]) <= 20000:
            held[r["source"]].append(r)
    for src, recs in held.items():
        if limit and len(recs) > limit:
            recs = rng.sample(recs, limit)
        preds, secs = run([r["text"] for r in recs])
        entry = {"items": len(recs), "seconds": round(secs, 1), "texts_per_second": round(len(recs) / secs, 1)}
        # reviewer workload: how many held-out items a person would be asked to read
        entry["safeguarding_flag_rate"] = {u: _r(np.mean([p["safeguarding"]["urgency"] in want for p in preds]))
                                           for u, want in (("concern_or_urgent", ("concern", "urgent")),
                                                           ("urgent", ("urgent",)))}
        qs = [({i for i in crosswalk_ids(r) if i in tax.quality_statements}, _ids(p, "quality_statements"))
              for r, p in zip(recs, preds)]
        mapped = [(g, p) for g, p in qs if g]  # items whose own label maps to a statement
        entry["quality_statements_crosswalk"] = multilabel([g for g, _ in mapped], [p for _, p in mapped],
                                                           list(tax.quality_statements))
        entry["quality_statements_crosswalk"]["items"] = len(mapped)
        if peer_model is not None:
            peer_sets = peer_model.predict_sets([r["text"] for r in recs])
            pm = [(g, p) for (g, _), p in zip(qs, peer_sets) if g]
            entry["quality_statements_crosswalk_peer"] = multilabel([g for g, _ in pm], [p for _, p in pm],
                                                                    list(tax.quality_statements))
            entry["quality_statements_crosswalk_macro_f1_ours_minus_peer"] = macro_delta_ci(
                [g for g, _ in mapped], [p for _, p in mapped], [p for _, p in pm], list(tax.quality_statements))
        sent = [(sentiment_label(r), p["sentiment"]) for r, p in zip(recs, preds)]
        sent = [(g, p) for g, p in sent if g in ("positive", "negative", "neutral")]
        if sent:
            entry["sentiment_3class_accuracy"] = _r(np.mean([g == p for g, p in sent]))
            entry["sentiment_items"] = len(sent)
            # the data's scales have no "mixed": our 4th class counts as wrong above; the confusion
            # shows where it went, and the second figure reads it as the scale's midpoint (neutral)
            entry["sentiment_confusion"] = {g: dict(Counter(p for g2, p in sent if g2 == g))
                                            for g in ("positive", "neutral", "negative")}
            entry["sentiment_3class_accuracy_mixed_as_neutral"] = _r(np.mean(
                [g == ("neutral" if p == "mixed" else p) for g, p in sent]))
        if src == sources.P2:
            entry["sentiment_gold_annotators_vs_nhs"] = gold_vs_nhs_sentiment(phase2_by_id)
        if src == sources.OR:
            from triage.pipeline.preprocess import split_sentences

            sents = split_sentences([r["text"] for r in recs])
            weak = [safeguarding_weak(r, s)[0] for r, s in zip(recs, sents)]
            flag = [p["safeguarding"]["urgency"] != "none" for p in preds]
            tp = sum(w and f for w, f in zip(weak, flag))
            entry["safeguarding_concern_or_urgent_vs_findings"] = prf(
                tp, sum((not w) and f for w, f in zip(weak, flag)), sum(w and not f for w, f in zip(weak, flag)))
        report["splits"][src + " (test)"] = entry

    # -- gold test ---------------------------------------------------------------------------------
    gold = [g for g in load_gold() if g["split"] == "test"]
    if gold:
        preds, secs = run([g["text"] for g in gold])
        G = [g["final"] for g in gold]
        entry = {"items": len(gold)}
        for key in ("quality_statements", "freda", "rights", "seldom_heard"):
            entry[key] = multilabel([set(a[key]) for a in G], [_ids(p, key) for p in preds],
                                    list(getattr(tax, key)))
        if peer_model is not None:
            peer_sets = peer_model.predict_sets([g["text"] for g in gold])
            entry["quality_statements_peer"] = multilabel([set(a["quality_statements"]) for a in G], peer_sets,
                                                          list(tax.quality_statements))
            entry["quality_statements_macro_f1_ours_minus_peer"] = macro_delta_ci(
                [set(a["quality_statements"]) for a in G], [_ids(p, "quality_statements") for p in preds],
                peer_sets, list(tax.quality_statements))
        entry["ei_kinds"] = multilabel([set(a["epistemic_injustice"]["kinds"]) for a in G],
                                       [set(p["epistemic_injustice"]["kinds"]) for p in preds], list(tax.ei_kinds))
        entry["sg_types"] = multilabel([set(a["safeguarding"]["types"]) for a in G],
                                       [set(p["safeguarding"]["types"]) for p in preds], list(tax.sg_types))
        for name, fn in (("concern_or_urgent", lambda u: u != "none"), ("urgent", lambda u: u == "urgent")):
            g_ = [fn(a["safeguarding"]["urgency"]) for a in G]
            p_ = [fn(p["safeguarding"]["urgency"]) for p in preds]
            tp = sum(a and b for a, b in zip(g_, p_))
            entry[f"safeguarding_{name}"] = prf(tp, sum((not a) and b for a, b in zip(g_, p_)),
                                                sum(a and not b for a, b in zip(g_, p_)))
            entry[f"safeguarding_{name}"]["recall_ci95"] = recall_ci(tp, sum(g_))
        entry["missed_urgent"] = [{"id": g["id"], "predicted": p["safeguarding"]["urgency"],
                                   "urgent_score": p["safeguarding"]["urgent_score"]}
                                  for g, p in zip(gold, preds)
                                  if g["final"]["safeguarding"]["urgency"] == "urgent"
                                  and p["safeguarding"]["urgency"] != "urgent"]
        entry["missed_concern_or_urgent"] = [
            {"id": g["id"], "source": g["source"], "gold": g["final"]["safeguarding"]["urgency"],
             "score": round(p["safeguarding"]["score"], 4)}
            for g, p in zip(gold, preds)
            if g["final"]["safeguarding"]["urgency"] != "none" and p["safeguarding"]["urgency"] == "none"]
        for key in ("speaker", "sentiment"):
            entry[f"{key}_accuracy"] = _r(np.mean([a[key] == p[key] for a, p in zip(G, preds)]))
        entry["ei_level_accuracy"] = _r(np.mean([a["epistemic_injustice"]["level"] == p["epistemic_injustice"]["level"]
                                                 for a, p in zip(G, preds)]))
        entry["ece_safeguarding_score"] = ece([p["safeguarding"]["score"] for p in preds],
                                              [int(a["safeguarding"]["urgency"] != "none") for a in G])

        def breakdown(idx: list[int]) -> dict:
            """The headline figures on a subset of gold test (a seldom-heard group, a source)."""
            def recall(fn):
                pos = [i for i in idx if fn(G[i]["safeguarding"]["urgency"])]
                return _r(np.mean([fn(preds[i]["safeguarding"]["urgency"]) for i in pos])) if pos else None

            def precision(fn):
                flagged = [i for i in idx if fn(preds[i]["safeguarding"]["urgency"])]
                return _r(np.mean([fn(G[i]["safeguarding"]["urgency"]) for i in flagged])) if flagged else None

            return {"items": len(idx),
                    "quality_statements": multilabel([set(G[i]["quality_statements"]) for i in idx],
                                                     [_ids(preds[i], "quality_statements") for i in idx],
                                                     list(tax.quality_statements))["micro"],
                    "safeguarding_concern_or_urgent_recall": recall(lambda u: u != "none"),
                    "safeguarding_concern_or_urgent_precision": precision(lambda u: u != "none"),
                    "safeguarding_urgent_recall": recall(lambda u: u == "urgent"),
                    "safeguarding_urgent_precision": precision(lambda u: u == "urgent"),
                    "sentiment_accuracy": _r(np.mean([G[i]["sentiment"] == preds[i]["sentiment"] for i in idx]))}

        entry["by_seldom_heard_group"] = {
            grp: breakdown(idx) for grp in tax.seldom_heard
            if len(idx := [i for i, a in enumerate(G) if grp in a["seldom_heard"]]) >= 3}
        by_src = {src: breakdown([i for i, g in enumerate(gold) if g["source"] == src])
                  for src in sorted({g["source"] for g in gold})}
        entry["by_source"] = by_src
        report["splits"]["gold (test)"] = entry

    out_p = Path(out)
    out_p.parent.mkdir(parents=True, exist_ok=True)
    out_p.with_suffix(".json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    out_p.with_suffix(".md").write_text(summary(report), encoding="utf-8")
    print(summary(report))
    if write_model_card:
        from training.model_card import write_card

        write_card(Path(pipe.meta_dir), report, "triage evaluate" + (f" --limit {limit}" if limit else ""))
    return report


def summary(rep: dict) -> str:
    L = [f"# Evaluation of {rep['model_version']}", "",
         "Produced by `triage evaluate`; figures on held-out splits only.", ""]
    for split, e in rep["splits"].items():
        L += [f"## {split}: {e['items']} items", ""]
        for k, v in e.items():
            if isinstance(v, dict) and "micro" in v:
                m = v["micro"]
                L.append(f"- {k}: micro P {m['precision']} R {m['recall']} F1 {m['f1']}; macro-F1 {v['macro_f1']} "
                         f"over {v['labels_with_support']} labels with support")
            elif isinstance(v, dict) and "accuracy" in v:
                L.append(f"- {k}: accuracy {v['accuracy']} (mixed read as neutral {v['accuracy_mixed_as_neutral']}) "
                         f"over {v['items']} gold items")
            elif isinstance(v, dict) and "recall" in v:
                ci = f", recall 95% CI {v['recall_ci95']}" if v.get("recall_ci95") else ""
                L.append(f"- {k}: P {v['precision']} R {v['recall']} F1 {v['f1']} (support {v['support']}{ci})")
            elif isinstance(v, dict) and "ci95" in v:
                L.append(f"- {k}: {v['delta']} (95% CI {v['ci95']}, {v['items']} items, {v['method']})")
            elif k == "safeguarding_flag_rate":
                L.append(f"- safeguarding flag rate (share of items a person is asked to read): concern-or-urgent "
                         f"{v['concern_or_urgent']}, urgent {v['urgent']}")
            elif not isinstance(v, (dict, list)):
                L.append(f"- {k}: {v}")
        if e.get("missed_urgent") is not None:
            L.append(f"- missed urgent items: {e['missed_urgent']}")
        if e.get("missed_concern_or_urgent") is not None:
            L.append(f"- missed concern-or-urgent items: {e['missed_concern_or_urgent']}")
        L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    main()
