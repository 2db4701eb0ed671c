"""Train every head from the real data (+ gold dev) and write models/triage/<version>/.

    triage train [--out models/triage/v1] [--limit N]

Data: train splits of ../shared/data (see training/sources.py) with weak labels
(training/weak.py), the framework descriptors of seed 003, and the adjudicated
gold `dev` items (weight 3). Thresholds are chosen on gold `dev` with 3-fold
out-of-fold predictions; gold `test` is never seen here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
import hashlib
import os
import json
import random
from pathlib import Path

import numpy as np

from training import sources
from training.gold_data import load_gold
from training.weak import crosswalk_ids, safeguarding_weak, seed_examples, sentiment_label
from triage.config import ROOT
from triage.pipeline.cues import load_cues
from triage.pipeline.heads import MultiLabelHead, SingleLabelHead, item_features
from triage.pipeline.lexical import Lexical, combine
from triage.pipeline.embed import ENCODER_NAME
from triage.pipeline.preprocess import SPLITTER
from triage.taxonomy import load_taxonomy

# chosen on gold dev out-of-fold micro-F1: 10 beat 3 on quality statements (+0.026), FREDA (+0.021),
# rights (+0.027) and sg types (+0.008), lost on groups (-0.016) and EI kinds (-0.024). Checked again with
# the TF-IDF features: mean dev out-of-fold micro-F1 over the six heads 0.553 (weight 5), 0.553 (10),
# 0.551 (20), within noise of each other, so 10 stays
GOLD_WEIGHT = float(os.environ.get("TRIAGE_GOLD_WEIGHT", "10.0"))
SEED_WEIGHT = 0.5
ALL_HEADS = ("quality_statements", "freda", "rights", "seldom_heard", "ei", "sg_types", "sg", "sentiment", "speaker")
# heads fitted on [embedding features, TF-IDF 1-2 grams] rather than embeddings alone: "all", "none" or a
# comma-separated list. All, chosen on dev: gold dev out-of-fold micro-F1 rose on every head (QS 0.518 ->
# 0.556, FREDA 0.556 -> 0.598, rights 0.452 -> 0.460, groups 0.575 -> 0.596, EI 0.400 -> 0.423, sg types
# 0.666 -> 0.684), and on internal NHS/Oregon dev splits quality-statement macro-F1 by 0.04-0.12 and
# phase2 sentiment accuracy 0.783 -> 0.811 (training/experiments/lexical_heads.py)
LEXICAL_HEADS_DEFAULT = "all"
# inverse regularisation of every head. C=2 was slightly better on the internal dev (QS macro-F1 +0.007 on
# average) and worse on gold dev out-of-fold (QS -0.010, FREDA -0.009, rights +0.016): 1.0 stays
HEAD_C = float(os.environ.get("TRIAGE_HEAD_C", "1.0"))
# Safeguarding thresholds: within each kind of source, at most two false flags per true one (precision
# 1/3); over all sources at least 0.5. A floor of 0.5 within NHS comments could not be met at any
# threshold, so it left NHS recall to the other kinds' thresholds (training/experiments/safeguarding_variants.py).
KIND_MIN_PRECISION = float(os.environ.get("TRIAGE_KIND_MIN_PRECISION", str(1 / 3)))
# Written urgency contrast pairs (training/urgency_synthetic.py) teach the urgent label only, and never
# choose a threshold: half of them are urgent by design, unlike any real stream of text. They lifted gold
# dev out-of-fold urgent recall 20/33 -> 26/33 (training/experiments/urgency_contrast.py). In every head
# they lowered quality-statement macro-F1 on held-out Trust C by 0.03; in the concern-or-urgent label
# they moved its threshold so that NHS dev recall fell 47/52 -> 45/52. So no other label sees them.
CONTRAST_PREFIX = "synth-uc-"
CONTRAST_LABELS = ("sg.urgent",)


def contrast_rows(rows: list) -> np.ndarray:
    """Which training rows are written urgency contrast pairs."""
    return np.array([k == "gold" and r["id"].startswith(CONTRAST_PREFIX) for k, r in rows], dtype=bool)


def fit_lexical(texts: list[str], contrast: np.ndarray) -> Lexical:
    """TF-IDF vocabulary from the real and framework text, not the written contrast pairs, so that every
    head but the urgent label is fitted exactly as without them."""
    return Lexical.fit([t for t, c in zip(texts, contrast) if not c])


def fit_head(labels: list[str], F, Y: np.ndarray, W: np.ndarray, rows: np.ndarray, contrast: np.ndarray) -> MultiLabelHead:
    """A head fitted on ``rows`` (a mask), where the contrast pairs train only ``CONTRAST_LABELS``."""
    real = MultiLabelHead(labels, C=HEAD_C).fit(F[rows & ~contrast], Y[rows & ~contrast],
                                               sample_weight=W[rows & ~contrast])
    which = [j for j, l in enumerate(labels) if l in CONTRAST_LABELS]
    if which and (rows & contrast).any():
        full = MultiLabelHead([labels[j] for j in which], C=HEAD_C).fit(F[rows], Y[rows][:, which],
                                                                       sample_weight=W[rows])
        for n, j in enumerate(which):
            real.coef_[j], real.intercept_[j] = full.coef_[n], full.intercept_[n]
            real.trained_[j], real.n_positive_[j] = full.trained_[n], full.n_positive_[n]
    return real


def lexical_heads() -> tuple[str, ...]:
    v = os.environ.get("TRIAGE_LEXICAL_HEADS", LEXICAL_HEADS_DEFAULT).strip()
    if v == "all":
        return ALL_HEADS
    if v in ("", "none"):
        return ()
    heads = tuple(x.strip() for x in v.split(","))
    unknown = set(heads) - set(ALL_HEADS)
    if unknown:
        raise SystemExit(f"TRIAGE_LEXICAL_HEADS: unknown heads {sorted(unknown)}; known: {', '.join(ALL_HEADS)}")
    return heads


CACHE = ROOT / "var" / "cache"


def embed_items(texts: list[str], progress: bool = True, sents: list | None = None) -> tuple[np.ndarray, list]:
    """Item features for texts; vectors are cached on disk by text hash, so only new texts are encoded."""
    from triage.pipeline.embed import default_embedder
    from triage.pipeline.preprocess import split_sentences
    from tqdm import tqdm

    sents = sents if sents is not None else split_sentences(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    f = CACHE / f"item_features.{SPLITTER}.npz"  # features depend on how texts are split
    known: dict[str, np.ndarray] = {}
    if f.is_file():
        z = np.load(f)
        known = dict(zip(z["keys"].tolist(), z["X"]))
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in known]
    if todo:
        emb = default_embedder()
        step = 512
        for c in tqdm(range(0, len(todo), step), disable=not progress, desc="embedding", unit="chunk"):
            idx = todo[c:c + step]
            chunk = [sents[i][:200] or None for i in idx]
            flat = [s.text for ss in chunk if ss for s in ss]
            vecs = emb.encode(flat) if flat else np.zeros((0, emb.dim), dtype=np.float32)
            pos = 0
            for i, ss in zip(idx, chunk):
                if ss:
                    known[keys[i]] = item_features(vecs[pos:pos + len(ss)])
                    pos += len(ss)
                else:
                    known[keys[i]] = item_features(emb.encode([texts[i]]))
        np.savez(f, keys=np.array(list(known)), X=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys]).astype(np.float32), sents


def _best_threshold(y: np.ndarray, p: np.ndarray, grid=np.arange(0.2, 0.91, 0.05)) -> float:
    from sklearn.metrics import f1_score

    if y.sum() < 3:
        return 0.5
    scores = [(f1_score(y, p >= t, zero_division=0), -abs(t - 0.5), t) for t in grid]
    return float(max(scores)[2])


def _recall_threshold(y: np.ndarray, p: np.ndarray, recall: float, min_precision: float = 0.5) -> float:
    """Operating threshold for a recall-first detector, chosen on dev.

    The highest threshold that reaches the recall target while precision stays at or above
    ``min_precision``; if none does, the threshold with the best recall at that precision; if
    precision never reaches it, 0.5. Never above 0.5 (recall comes first).
    """
    if y.sum() == 0:
        return 0.5
    best = None
    for t in np.unique(np.concatenate([p, [0.5]])):
        if t > 0.5:
            continue
        flag = p >= t
        rec = (flag & (y == 1)).sum() / y.sum()
        if _precision(y, flag) < min_precision:
            continue
        key = (min(rec, recall), t)  # reach the target, then prefer the highest threshold
        if best is None or key > best[0]:
            best = (key, float(t))
    return best[1] - 1e-6 if best else 0.5


def recall_threshold_by_kind(y: np.ndarray, p: np.ndarray, kind: np.ndarray, recall: float,
                             min_positives: int = 5, kind_min_precision: float = 0.5) -> tuple[float, dict]:
    """A recall-first threshold that holds for every kind of text, not only on average.

    Oregon investigations name the abuse outright and are most of dev's positives, so each kind of
    source (NHS comments, Oregon, synthetic staff speak-up) with at least ``min_positives`` positives
    gets its own threshold (``_recall_threshold`` at precision ``kind_min_precision`` within that
    kind) and the lowest is used; over all kinds precision stays at least 0.5. Returns it and the
    recall reached per kind ("found/positives")."""
    per = [_recall_threshold(y[kind == k], p[kind == k], recall, kind_min_precision) for k in sorted(set(kind))
           if y[kind == k].sum() >= min_positives]
    t = min([_recall_threshold(y, p, recall), *per])
    while t < 0.5 and _precision(y, p >= t) < 0.5:  # never below the overall precision floor
        t = float(np.min(p[p > t], initial=0.5))
    flag = p >= t
    return t, {str(k): f"{int((flag & (y == 1) & (kind == k)).sum())}/{int(y[kind == k].sum())}"
               for k in sorted(set(kind))}


def _precision(y: np.ndarray, flag: np.ndarray) -> float:
    return float((flag & (y == 1)).sum() / max(flag.sum(), 1))


def gold_fold(item_id: str) -> int:
    """Which of the 3 gold `dev` folds an item belongs to (out-of-fold thresholds and experiments)."""
    return int(sources.bucket(item_id) * 3)


def with_safeguarding_cues(P: np.ndarray, sents: list) -> np.ndarray:
    """Model scores (concern-or-urgent, urgent) per item merged with the rule layer, as the pipeline
    merges them: a cue lifts concern to 0.8 or, if urgent, both to 0.95; urgent implies concern."""
    from triage.pipeline.pipeline import CONCERN_CUE_SCORE, URGENT_CUE_SCORE

    cues = load_cues()
    P = P.copy()
    for row, ss in enumerate(sents):
        for hit in cues.safeguarding(ss):
            P[row, 0] = max(P[row, 0], URGENT_CUE_SCORE if hit.urgency == "urgent" else CONCERN_CUE_SCORE)
            if hit.urgency == "urgent":
                P[row, 1] = max(P[row, 1], URGENT_CUE_SCORE)
    P[:, 0] = np.maximum(P[:, 0], P[:, 1])
    return P


def with_label_cues(P: np.ndarray, head: str, labels: list[str], sents: list) -> np.ndarray:
    """Scores of a FREDA, rights, groups or EI head merged with the rule layer, as the pipeline merges
    them: a cue lifts its label to that head's cue score (negation checked except for EI)."""
    from triage.pipeline.pipeline import CUE_SCORE

    if head not in CUE_GROUP:
        return P
    cues = load_cues()
    P = P.copy()
    for row, ss in enumerate(sents):
        for hit in cues.labels(CUE_GROUP[head], ss, negate=(head != "ei")):
            j = labels.index(hit.label)
            P[row, j] = max(P[row, j], CUE_SCORE[head])
    return P


def _source_kind(source: str) -> str:
    return "nhs" if source.startswith("pxtextmining/") else source.split("/")[0].split(":")[-1] or "other"


@dataclass
class TrainingSet:
    """Rows (weak, seed, gold dev), their texts, sentences, label matrices and weights."""

    rows: list
    texts: list[str]
    sents: list
    heads_labels: dict[str, list[str]]
    Y: dict[str, np.ndarray]
    W: np.ndarray
    sent_y: list
    spk_y: list
    n: dict


CUE_GROUP = {"freda": "freda", "rights": "rights", "seldom_heard": "seldom_heard", "ei": "epistemic_injustice"}


def build_training_set(limit: int | None = None, seed: int = 13) -> TrainingSet:
    """Assemble every training row and its labels (no embeddings)."""
    from triage.pipeline.preprocess import split_sentences

    tax = load_taxonomy()
    cues = load_cues()
    rng = random.Random(seed)
    gold = load_gold()
    gold_ids = {g["id"] for g in gold}
    recs = [r for r in sources.all_records() if r["split"] == "train" and r["id"] not in gold_ids
            and len(r["text"]) <= 20000]
    if limit:
        rng.shuffle(recs)
        recs = recs[:limit]
    seeds = seed_examples()
    dev = [g for g in gold if g["split"] == "dev"]
    rows = ([("weak", r) for r in recs] + [("seed", s) for s in seeds] + [("gold", g) for g in dev])
    texts = [r["text"] for _, r in rows]
    sents = split_sentences(texts)
    heads_labels = {
        "quality_statements": list(tax.quality_statements), "freda": list(tax.freda),
        "rights": list(tax.rights), "seldom_heard": list(tax.seldom_heard), "ei": list(tax.ei_kinds),
        "sg_types": list(tax.sg_types), "sg": ["sg.concern_or_urgent", "sg.urgent"],
    }
    Y = {h: np.zeros((len(rows), len(l)), dtype=np.int8) for h, l in heads_labels.items()}
    W = np.ones(len(rows), dtype=np.float32)
    sent_y: list[str | None] = []
    spk_y: list[str | None] = []
    cue_group = CUE_GROUP

    def put(head, ids, i):
        for x in ids:
            if x in heads_labels[head]:
                Y[head][i, heads_labels[head].index(x)] = 1

    for i, (kind, r) in enumerate(rows):
        if kind == "gold":
            f = r["final"]
            W[i] = GOLD_WEIGHT
            put("quality_statements", f["quality_statements"], i)
            for h in ("freda", "rights", "seldom_heard"):
                put(h, f[h], i)
            put("ei", f["epistemic_injustice"]["kinds"], i)
            put("sg_types", f["safeguarding"]["types"], i)
            Y["sg"][i, 0] = f["safeguarding"]["urgency"] != "none"
            Y["sg"][i, 1] = f["safeguarding"]["urgency"] == "urgent"
            sent_y.append(f["sentiment"])
            spk_y.append(f["speaker"])
            continue
        if kind == "seed":
            W[i] = SEED_WEIGHT
            put("quality_statements", r["ids"], i)
            sent_y.append(None)
            spk_y.append(None)
            continue
        ids = crosswalk_ids(r)
        for h in ("quality_statements", "freda", "rights", "seldom_heard"):
            put(h, ids, i)
        for h, g in cue_group.items():
            put(h, {hit.label for hit in cues.labels(g, sents[i], negate=(g != "epistemic_injustice"))}, i)
        any_, urgent, types = safeguarding_weak(r, sents[i])
        Y["sg"][i] = (any_, urgent)
        put("sg_types", types, i)
        sent_y.append(sentiment_label(r))
        if r["source"] == sources.OR:
            spk_y.append("unknown")
        else:
            hits = {h.label for h in cues.labels("speaker", sents[i], negate=False)}
            spk = next((s for s in ("staff_member", "advocate", "family_or_carer", "person_using_service")
                        if s in hits), "unknown")
            spk_y.append(spk)

    return TrainingSet(rows, texts, sents, heads_labels, Y, W, sent_y, spk_y,
                       {"weak": recs, "seeds": len(seeds), "gold_dev": len(dev)})


def main(out: str | None = None, limit: int | None = None, seed: int = 13) -> Path:
    tax = load_taxonomy()
    cues = load_cues()
    ts = build_training_set(limit, seed)
    rows, texts, sents, heads_labels, Y, W = ts.rows, ts.texts, ts.sents, ts.heads_labels, ts.Y, ts.W
    sent_y, spk_y = ts.sent_y, ts.spk_y
    recs, seeds, dev = ts.n["weak"], [None] * ts.n["seeds"], [None] * ts.n["gold_dev"]
    print(f"training rows: {len(recs)} weak, {len(seeds)} seed, {len(dev)} gold dev")
    X, _ = embed_items(texts, sents=sents)
    contrast = contrast_rows(rows)
    lex_heads = lexical_heads()
    lexical = fit_lexical(texts, contrast) if lex_heads else None
    XL = combine(X, lexical.transform(texts)) if lexical else None
    feats = {h: (XL if h in lex_heads else X) for h in ALL_HEADS}
    print(f"heads on embeddings + TF-IDF ({lexical.dim if lexical else 0} terms): {', '.join(lex_heads) or 'none'}")

    kinds = np.array([k for k, _ in rows])
    gold_idx = np.where(kinds == "gold")[0]
    heads: dict[str, MultiLabelHead] = {}
    oof: dict[str, np.ndarray] = {}
    folds = np.array([gold_fold(rows[i][1]["id"]) for i in gold_idx], dtype=int)
    for h, labels in heads_labels.items():
        print(f"fitting {h} ({len(labels)} labels)")
        F = feats[h]
        heads[h] = fit_head(labels, F, Y[h], W, np.ones(len(rows), dtype=bool), contrast)
        if len(gold_idx) >= 30:
            P = np.zeros((len(gold_idx), len(labels)), dtype=np.float32)
            for k in range(3):
                test_g = gold_idx[folds == k]
                train_mask = np.ones(len(rows), dtype=bool)
                train_mask[test_g] = False
                m = fit_head(labels, F, Y[h], W, train_mask, contrast)
                P[folds == k] = m.predict_proba(F[test_g])
            oof[h] = P

    # thresholds on gold dev (out-of-fold), combined with the rule layer as the pipeline does
    thresholds = {"concern": 0.5, "urgent": 0.5}
    dev_oof: dict = {}
    sg_dev_recall: dict = {}
    if oof:
        tune = ~contrast[gold_idx]
        tune_idx = gold_idx[tune]
        for h in ("quality_statements", "freda", "rights", "seldom_heard", "ei", "sg_types"):
            P = with_label_cues(oof[h], h, heads_labels[h], [sents[gi] for gi in gold_idx])
            for j in range(len(heads_labels[h])):
                if heads[h].trained_[j]:
                    heads[h].threshold_[j] = _best_threshold(Y[h][tune_idx, j], P[tune, j])
        P = with_safeguarding_cues(oof["sg"][tune], [sents[gi] for gi in tune_idx])
        dev_oof = {}
        for h in ("quality_statements", "freda", "rights", "seldom_heard", "ei", "sg_types"):
            P_ = oof[h][tune] >= heads[h].threshold_[None, :]
            Yg = Y[h][tune_idx].astype(bool)
            tp, fp, fn = int((P_ & Yg).sum()), int((P_ & ~Yg).sum()), int((~P_ & Yg).sum())
            dev_oof[h] = round(2 * tp / max(2 * tp + fp + fn, 1), 4)
        print("gold dev out-of-fold micro-F1 (model heads alone, tuned thresholds):", dev_oof)
        kind = np.array([_source_kind(rows[i][1].get("source", "")) for i in tune_idx])
        for j, key, target in ((0, "concern", 0.95), (1, "urgent", 0.98)):
            thresholds[key], sg_dev_recall[key] = recall_threshold_by_kind(
                Y["sg"][tune_idx, j], P[:, j], kind, target, kind_min_precision=KIND_MIN_PRECISION)
            print(f"{key} threshold {thresholds[key]:.4f}; gold dev out-of-fold recall by source: {sg_dev_recall[key]}")

    single = {}
    for h, ys in (("sentiment", sent_y), ("speaker", spk_y)):
        labels = list(tax.sentiment if h == "sentiment" else tax.speaker)
        idx = np.array([i for i, y in enumerate(ys) if y is not None and not contrast[i]])
        yv = np.array([labels.index(ys[i]) for i in idx])
        print(f"fitting {h} on {len(idx)} rows")
        # sentiment: no class re-weighting (measured: 0.81 vs 0.77 3-class accuracy on NHS phase2 test
        # respondents); speaker: balanced, as most weak rows are `unknown`
        single[h] = SingleLabelHead(labels, C=HEAD_C, balanced=(h == "speaker")).fit(feats[h][idx], yv,
                                                                                  sample_weight=W[idx])

    version = "triage-v1." + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M")
    out_dir = Path(out) if out else ROOT / "models" / "triage" / "v1"
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for h, m in heads.items():
        arrays.update(m.to_arrays(h))
    for h, m in single.items():
        arrays.update(m.to_arrays(h))
    if lexical:
        arrays.update(lexical.to_arrays())
    np.savez_compressed(out_dir / "heads.npz", **arrays)
    counts = {h: dict(zip(heads_labels[h], map(int, heads[h].n_positive_))) for h in heads}
    meta = {
        "model_version": version,
        "taxonomy_version": tax.version,
        "encoder": ENCODER_NAME,
        "sentence_splitter": SPLITTER,
        "rules": f"cues.v{cues.version}",
        "labels": {**heads_labels, "sentiment": list(tax.sentiment), "speaker": list(tax.speaker)},
        "thresholds": thresholds,
        "lexical_heads": list(lex_heads),
        "lexical": ({"features": "TF-IDF of word 1-2 grams (scikit-learn), min_df 2, sublinear tf",
                     "terms": lexical.dim} if lexical else None),
        "ei_likely": 0.7,
        "gold_weight": GOLD_WEIGHT,
        "head_C": HEAD_C,
        "safeguarding_kind_min_precision": round(KIND_MIN_PRECISION, 4),
        "dev_oof_micro_f1": dev_oof if oof else None,
        "safeguarding_dev_oof_recall_by_source": sg_dev_recall or None,
        "training_data": {
            "weak": {src: sum(1 for r in recs if r["source"] == src) for src in (sources.P1, sources.P2, sources.OR)},
            "seed_sentences": len(seeds), "gold_dev": len(dev),
            "gold_dev_written": {k: sum(1 for _, r in rows if r.get("source") == f"synthetic:{k}")
                                 for k in ("staff_speak_up", "urgency_contrast")},
            "splits": "train splits of training/sources.py (phase1 Trusts A+B; phase2 and Oregon 70% by respondent/facility)",
            "positives_per_label": counts,
        },
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    (out_dir / "model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"wrote {out_dir} ({version}); thresholds {thresholds}")
    return out_dir


if __name__ == "__main__":
    main()
