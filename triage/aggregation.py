"""Aggregation for inspection planning (pure: works on rows, no database code).

A row is one classified item as a person would count it: the model's labels, overridden by
the latest human decision where there is one (see store.service.effective_rows).

The same views are also computed in SQL over the counted labels stored per item
(store.service.monthly / seldom_heard / period_counts): those fetch counts and hand them to the
``*_from_counts`` functions here, so that both paths shape their output in one place.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

NEGATIVE = ("negative", "mixed")
FLAGGED = ("concern", "urgent")

# counted-label key -> the group it is reported under; a key with none of these prefixes is a
# quality statement ID. `ei:` keys serve the seldom-heard view only (themes() leaves them out).
LABEL_PREFIXES = {"freda.": "freda", "right.": "rights", "grp.": "seldom_heard", "kq:": "key_questions",
                  "urgency:": "safeguarding", "sentiment:": "sentiment", "ei:": "epistemic_injustice"}


def label_group(label: str) -> str:
    """The group a counted-label key belongs to (see LABEL_PREFIXES)."""
    return next((g for p, g in LABEL_PREFIXES.items() if label.startswith(p)), "quality_statements")


def month_key(at: dt.datetime) -> str:
    """'YYYY-MM' of a time, in UTC (what is stored in feedback_label.month)."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc)
    return at.strftime("%Y-%m")


def monthly(rows: list[dict]) -> list[dict]:
    """Per month: items, negative, concern-or-urgent, and counts per key question."""
    by: dict[str, dict] = defaultdict(lambda: {"items": 0, "negative": 0, "flagged": 0, "key_questions": Counter()})
    for r in rows:
        m = by[month_key(r["received_at"])]
        m["items"] += 1
        m["negative"] += r["sentiment"] in NEGATIVE
        m["flagged"] += r["urgency"] in FLAGGED
        m["key_questions"].update({q.split(".")[0] for q in r["quality_statements"]})
    return [{"month": k, "items": v["items"], "negative": v["negative"], "flagged": v["flagged"],
             "key_questions": dict(sorted(v["key_questions"].items()))} for k, v in sorted(by.items())]


def monthly_from_counts(counts: Iterable[tuple[str, str, int]]) -> list[dict]:
    """monthly() from (month, counted-label key, items) triples: `urgency:` keys count the items
    (each item has exactly one), `sentiment:` the negative ones, `kq:` the key questions."""
    by: dict[str, dict] = defaultdict(lambda: {"items": 0, "negative": 0, "flagged": 0, "key_questions": {}})
    for month, label, c in counts:
        m = by[month]
        group, value = label_group(label), label.split(":", 1)[-1]
        if group == "safeguarding":
            m["items"] += c
            m["flagged"] += c if value in FLAGGED else 0
        elif group == "sentiment" and value in NEGATIVE:
            m["negative"] += c
        elif group == "key_questions":
            m["key_questions"][value] = m["key_questions"].get(value, 0) + c
    return [{"month": k, "items": v["items"], "negative": v["negative"], "flagged": v["flagged"],
             "key_questions": dict(sorted(v["key_questions"].items()))} for k, v in sorted(by.items())]


def seldom_heard(rows: list[dict], top: int = 5) -> dict:
    """Share of items from each seldom-heard group, and their top themes beside everyone else's."""
    n = len(rows) or 1
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for g in r["seldom_heard"]:
            groups[g].append(r)
    everyone = Counter(q for r in rows for q in r["quality_statements"])
    out = []
    # ties broken by ID (groups by name, themes by ID), so that the SQL version gives the same order
    for g, rs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        theirs = Counter(q for r in rs for q in r["quality_statements"])
        out.append({"group": g, "items": len(rs), "share": round(len(rs) / n, 4),
                    "negative_share": round(sum(r["sentiment"] in NEGATIVE for r in rs) / len(rs), 3),
                    "flagged_share": round(sum(r["urgency"] != "none" for r in rs) / len(rs), 3),
                    "top_themes": [{"id": q, "group_rate": round(c / len(rs), 3),
                                    "everyone_rate": round(everyone[q] / n, 3)}
                                   for q, c in sorted(theirs.items(), key=lambda qc: (-qc[1], qc[0]))[:top]]})
    return {"items": len(rows), "groups": out,
            "everyone_negative_share": round(sum(r["sentiment"] in NEGATIVE for r in rows) / n, 3),
            "epistemic_injustice_items": sorted(r["id"] for r in rows if r["ei_level"] != "none")}


def seldom_heard_from_counts(everyone: Mapping[str, int], by_group: Mapping[str, Mapping[str, int]],
                             ei_items: Iterable[int], top: int = 5) -> dict:
    """seldom_heard() from counts of counted-label keys: ``everyone`` over all items, ``by_group[g]``
    over the items of group g, and the ids of the items with an epistemic-injustice risk."""
    def parts(c: Mapping[str, int]) -> tuple[int, int, int]:  # items, negative, flagged (urgency not none)
        items = sum(v for k, v in c.items() if k.startswith("urgency:"))
        return (items, sum(c.get("sentiment:" + s, 0) for s in NEGATIVE), items - c.get("urgency:none", 0))

    items, negative, _ = parts(everyone)
    n = items or 1
    out = []
    sized = [(g, parts(c)) for g, c in by_group.items()]
    for g, (k, neg, flagged) in sorted(((g, p) for g, p in sized if p[0]), key=lambda gp: (-gp[1][0], gp[0])):
        theirs = [(q, c) for q, c in by_group[g].items() if label_group(q) == "quality_statements"]
        out.append({"group": g, "items": k, "share": round(k / n, 4),
                    "negative_share": round(neg / k, 3), "flagged_share": round(flagged / k, 3),
                    "top_themes": [{"id": q, "group_rate": round(c / k, 3),
                                    "everyone_rate": round(everyone.get(q, 0) / n, 3)}
                                   for q, c in sorted(theirs, key=lambda qc: (-qc[1], qc[0]))[:top]]})
    return {"items": items, "groups": out, "everyone_negative_share": round(negative / n, 3),
            "epistemic_injustice_items": sorted(ei_items)}


LABEL_FIELDS = ("quality_statements", "freda", "rights", "seldom_heard")


def label_counts(rows: list[dict]) -> Counter:
    """Per theme, how many rows carry it (the counts compare_periods compares)."""
    c: Counter = Counter()
    for r in rows:
        for f in LABEL_FIELDS:
            c.update(r[f])
        c.update({q.split(".")[0] for q in r["quality_statements"]})
        if r["urgency"] != "none":
            c["safeguarding:concern_or_urgent"] += 1
        if r["sentiment"] in NEGATIVE:
            c["sentiment:negative_or_mixed"] += 1
    return c


def label_counts_from_counted(counts: Mapping[str, int]) -> tuple[int, Counter]:
    """(items, the counts compare_periods uses) from counts of counted-label keys (SQL side)."""
    c: Counter = Counter()
    n = 0
    for label, k in counts.items():
        group, value = label_group(label), label.split(":", 1)[-1]
        if group == "safeguarding":
            n += k
            if value != "none":
                c["safeguarding:concern_or_urgent"] += k
        elif group == "sentiment":
            if value in NEGATIVE:
                c["sentiment:negative_or_mixed"] += k
        elif group == "key_questions":
            c[value] += k
        elif group != "epistemic_injustice":
            c[label] += k
    return n, +c


def compare_periods(current: list[dict], previous: list[dict], alpha: float = 0.05) -> list[dict]:
    """Rate of each theme now vs the previous period, with Fisher's exact test and
    Benjamini-Hochberg control of the false discovery rate over all themes compared,
    so that a real rise is told from noise."""
    return compare_counts(label_counts(current), len(current), label_counts(previous), len(previous), alpha)


def compare_counts(a: Mapping[str, int], n1: int, b: Mapping[str, int], n0: int, alpha: float = 0.05) -> list[dict]:
    """compare_periods() from theme counts and item counts of the two periods (see label_counts)."""
    from scipy.stats import false_discovery_control, fisher_exact

    a, b = Counter(a), Counter(b)
    labels = sorted(set(a) | set(b))
    out, pvals = [], []
    for lab in labels:
        x1, x0 = a[lab], b[lab]
        p = fisher_exact([[x1, n1 - x1], [x0, n0 - x0]])[1] if n1 and n0 else 1.0
        pvals.append(p)
        out.append({"label": lab, "current": x1, "previous": x0,
                    "current_rate": round(x1 / n1, 4) if n1 else None,
                    "previous_rate": round(x0 / n0, 4) if n0 else None, "p_value": round(float(p), 5)})
    if out:
        q = false_discovery_control(pvals, method="bh")
        for o, qv in zip(out, q):
            o["q_value"] = round(float(qv), 5)
            o["significant"] = bool(qv < alpha)
            cr, pr = o["current_rate"] or 0, o["previous_rate"] or 0
            o["change"] = "rise" if o["significant"] and cr > pr else "fall" if o["significant"] and cr < pr else "no clear change"
    return sorted(out, key=lambda o: (not o["significant"], o["p_value"]))


def emerging_themes(rows: list[dict], vectors, texts: list[str], *, max_clusters: int = 8,
                    min_size: int = 3, seed: int = 0) -> list[dict]:
    """Clusters of negative items (stored embeddings, scikit-learn k-means), each described by its
    distinctive words (class-based TF-IDF, as BERTopic does) and how much of it the taxonomy names.
    A cluster where few items carry any quality statement is marked `not_named_by_taxonomy`."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    idx = [i for i, r in enumerate(rows) if r["sentiment"] in ("negative", "mixed") and vectors[i] is not None]
    if len(idx) < 2 * min_size:
        return []
    X = np.stack([np.asarray(vectors[i], dtype=np.float32) for i in idx])
    X /= np.linalg.norm(X, axis=1, keepdims=True) + 1e-9
    k = max(2, min(max_clusters, len(idx) // min_size))
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(X)
    docs = [" ".join(texts[idx[j]] for j in np.where(labels == c)[0]) for c in range(k)]
    vec = TfidfVectorizer(stop_words="english", max_features=5000, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    T = vec.fit_transform(docs)
    vocab = np.array(vec.get_feature_names_out())
    out = []
    for c in range(k):
        members = [idx[j] for j in np.where(labels == c)[0]]
        if len(members) < min_size:
            continue
        named = sum(bool(rows[i]["quality_statements"]) for i in members) / len(members)
        top = Counter(q for i in members for q in rows[i]["quality_statements"]).most_common(3)
        words = vocab[np.argsort(-T[c].toarray()[0])[:8]].tolist()
        out.append({"size": len(members), "words": words, "item_ids": [rows[i]["id"] for i in members],
                    "share_with_a_quality_statement": round(named, 3), "top_labels": [q for q, _ in top],
                    "not_named_by_taxonomy": named < 0.5})
    return sorted(out, key=lambda c: (-c["not_named_by_taxonomy"], -c["size"]))


def effective_row(payload: dict, decision_labels: dict | None = None, decision_urgency: str | None = None) -> dict:
    """An item's labels as a person would count them: the model's suggestion, overridden by a decision."""
    row = {k: [x["id"] for x in payload[k]] for k in LABEL_FIELDS}
    row.update(urgency=payload["safeguarding"]["urgency"], sentiment=payload["sentiment"],
               ei_level=payload["epistemic_injustice"]["level"])
    if decision_urgency is not None:
        row["urgency"] = decision_urgency
        for k in LABEL_FIELDS:
            if k in (decision_labels or {}):
                row[k] = list(decision_labels[k])
        row["sentiment"] = (decision_labels or {}).get("sentiment", row["sentiment"])
    return row


def counted_labels(row: dict) -> set[str]:
    """The label keys stored per item for counting in SQL: taxonomy IDs, key questions, urgency,
    sentiment and epistemic-injustice level (one `urgency:`, `sentiment:` and `ei:` key per item)."""
    out = {lab for f in LABEL_FIELDS for lab in row[f]}
    out |= {"kq:" + q.split(".")[0] for q in row["quality_statements"]}
    out |= {"urgency:" + row["urgency"], "sentiment:" + row["sentiment"], "ei:" + row["ei_level"]}
    return out
