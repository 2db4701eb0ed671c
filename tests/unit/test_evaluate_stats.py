"""The evaluation's uncertainty figures agree with its point figures."""
import random

from training.evaluate import macro_delta_ci, multilabel, recall_ci


def test_macro_delta_matches_the_report_and_its_interval_contains_it():
    rng = random.Random(3)
    labels = ["a", "b", "c", "d"]
    gold = [set(rng.sample(labels, rng.randint(1, 2))) for _ in range(300)]
    ours = [g if rng.random() < 0.7 else {rng.choice(labels)} for g in gold]
    peer = [g if rng.random() < 0.4 else set() for g in gold]
    res = macro_delta_ci(gold, ours, peer, labels, n_resamples=300)
    want = multilabel(gold, ours, labels)["macro_f1"] - multilabel(gold, peer, labels)["macro_f1"]
    assert abs(res["delta"] - want) < 1e-3
    assert res["ci95"][0] < res["delta"] < res["ci95"][1] and res["ci95"][0] > 0


def test_recall_interval_is_exact_and_wide_on_three_items():
    lo, hi = recall_ci(2, 3)
    assert abs(lo - 0.0943) < 1e-3 and abs(hi - 0.9916) < 1e-3
    assert recall_ci(0, 0) is None
