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
