import datetime as dt

import numpy as np

from triage.aggregation import compare_periods, emerging_themes, monthly, seldom_heard


def row(i, qs=(), urgency="none", sentiment="positive", groups=(), ei="none", month=5):
    return {"id": i, "quality_statements": list(qs), "freda": [], "rights": [], "seldom_heard": list(groups),
            "urgency": urgency, "sentiment": sentiment, "ei_level": ei,
            "received_at": dt.datetime(2026, month, 1, tzinfo=dt.timezone.utc)}


def test_a_real_rise_is_significant_and_noise_is_not():
    now = [row(i, ["safe.staffing"]) for i in range(40)] + [row(100 + i) for i in range(60)]
    before = [row(i, ["safe.staffing"]) for i in range(5)] + [row(100 + i) for i in range(95)]
    ch = {c["label"]: c for c in compare_periods(now, before)}
    assert ch["safe.staffing"]["significant"] and ch["safe.staffing"]["change"] == "rise"
    small_now = [row(i, ["safe.medicines"]) for i in range(3)] + [row(100 + i) for i in range(97)]
    small_before = [row(i, ["safe.medicines"]) for i in range(2)] + [row(100 + i) for i in range(98)]
    ch2 = {c["label"]: c for c in compare_periods(small_now, small_before)}
    assert not ch2["safe.medicines"]["significant"] and ch2["safe.medicines"]["change"] == "no clear change"


def test_monthly_and_seldom_heard_shares():
    rows = [row(1, ["caring.kindness_dignity"], month=4), row(2, ["safe.staffing"], "concern", "negative", ["grp.autism"]),
            row(3, ["safe.staffing"], sentiment="negative", groups=["grp.autism"], ei="possible")]
    m = monthly(rows)
    assert [x["month"] for x in m] == ["2026-04", "2026-05"] and m[1]["flagged"] == 1
    s = seldom_heard(rows)
    assert s["groups"][0]["group"] == "grp.autism" and s["groups"][0]["share"] == round(2 / 3, 4)
    assert s["epistemic_injustice_items"] == [3]


def test_emerging_themes_find_a_cluster_the_taxonomy_does_not_name():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=384), rng.normal(size=384)
    rows = [row(i, [], sentiment="negative") for i in range(8)] + \
           [row(10 + i, ["safe.staffing"], sentiment="negative") for i in range(8)]
    vecs = [a + 0.01 * rng.normal(size=384) for _ in range(8)] + [b + 0.01 * rng.normal(size=384) for _ in range(8)]
    texts = ["parking fines at the car park machine"] * 8 + ["not enough nurses on the night shift"] * 8
    out = emerging_themes(rows, vecs, texts, max_clusters=2)
    unnamed = [c for c in out if c["not_named_by_taxonomy"]]
    assert len(unnamed) == 1 and "parking" in unnamed[0]["words"] and unnamed[0]["size"] == 8


def _sql_like_counts(rows):
    """What the SQL side fetches from feedback_label: counts of counted-label keys."""
    from collections import Counter

    from triage.aggregation import counted_labels, month_key

    everyone, per_month, by_group = Counter(), Counter(), {}
    for r in rows:
        keys = counted_labels(r)
        everyone.update(keys)
        per_month.update((month_key(r["received_at"]), k) for k in keys)
        for g in r["seldom_heard"]:
            by_group.setdefault(g, Counter()).update(keys)
    return everyone, per_month, by_group


def test_the_views_built_from_counted_label_counts_equal_the_row_versions():
    from triage.aggregation import (label_counts, label_counts_from_counted, monthly_from_counts,
                                    seldom_heard_from_counts)

    rows = [row(1, ["caring.kindness_dignity", "safe.staffing"], month=4, ei="likely", groups=["grp.children"]),
            row(2, ["safe.staffing"], "concern", "negative", ["grp.autism"]),
            row(3, ["safe.staffing", "safe.medicines"], sentiment="mixed", groups=["grp.autism", "grp.children"],
                ei="possible"),
            row(4, ["responsive.timely_care"], "urgent", "negative", month=6),
            row(5, [], sentiment="neutral", groups=["grp.interpreter"], month=6)]
    rows[0]["freda"], rows[3]["rights"] = ["freda.dignity"], ["right.art3_degrading_treatment"]
    everyone, per_month, by_group = _sql_like_counts(rows)
    assert monthly_from_counts((m, k, c) for (m, k), c in per_month.items()) == monthly(rows)
    ei = [r["id"] for r in rows if r["ei_level"] != "none"]
    for top in (1, 5):  # ties: grp.autism and grp.children both have 2 items; themes tie within a group
        assert seldom_heard_from_counts(everyone, by_group, ei, top=top) == seldom_heard(rows, top=top)
    assert label_counts_from_counted(everyone) == (len(rows), label_counts(rows))
    assert seldom_heard_from_counts({}, {}, []) == seldom_heard([])
    assert monthly_from_counts([]) == monthly([]) == []


def test_seldom_heard_breaks_ties_by_id():
    rows = [row(1, ["safe.staffing"], groups=["grp.children"]), row(2, ["caring.kindness_dignity"], groups=["grp.autism"])]
    s = seldom_heard(rows)
    assert [g["group"] for g in s["groups"]] == ["grp.autism", "grp.children"]
    both = seldom_heard([row(1, ["safe.staffing", "caring.kindness_dignity"], groups=["grp.autism"])], top=1)
    assert [t["id"] for t in both["groups"][0]["top_themes"]] == ["caring.kindness_dignity"]


def test_label_group_files_every_counted_key():
    from triage.aggregation import label_group, month_key

    assert [label_group(k) for k in ("safe.staffing", "kq:safe", "freda.dignity", "right.art3_degrading_treatment",
                                     "grp.autism", "urgency:none", "sentiment:mixed", "ei:possible")] == [
        "quality_statements", "key_questions", "freda", "rights", "seldom_heard", "safeguarding", "sentiment",
        "epistemic_injustice"]
    late = dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    assert month_key(late) == "2026-06"  # months are UTC months
