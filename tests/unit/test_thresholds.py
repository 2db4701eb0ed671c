"""Safeguarding operating thresholds are recall-first for every kind of source, not only on average."""
import numpy as np

from training.train import _recall_threshold, _source_kind, recall_threshold_by_kind


def test_a_kind_of_text_the_model_scores_lower_still_gets_its_recall():
    # Oregon: 95 positives scored 0.9; NHS: 5 positives scored 0.3. On average 0.95 recall is reached at
    # 0.9, which finds none of the NHS positives; per kind, the threshold comes down to 0.3
    y = np.array([1] * 95 + [0] * 5 + [1] * 5 + [0] * 5)
    p = np.array([0.9] * 95 + [0.1] * 5 + [0.3] * 5 + [0.05] * 5)
    kind = np.array(["oregon_ltc"] * 100 + ["nhs"] * 10)
    assert _recall_threshold(y, p, 0.95) > 0.3  # the average alone would miss every NHS positive
    t, found = recall_threshold_by_kind(y, p, kind, 0.95)
    assert t <= 0.3
    assert found == {"nhs": "5/5", "oregon_ltc": "95/95"}


def test_kinds_with_too_few_positives_do_not_set_the_threshold():
    y = np.array([1] * 20 + [0] * 20 + [1, 1])
    p = np.array([0.8] * 20 + [0.1] * 20 + [0.2, 0.2])
    kind = np.array(["oregon_ltc"] * 40 + ["nhs"] * 2)
    t, found = recall_threshold_by_kind(y, p, kind, 0.95)
    assert t == _recall_threshold(y, p, 0.95)
    assert found["nhs"] in ("0/2", "2/2")


def test_source_kinds():
    assert _source_kind("pxtextmining/phase1_text_data.csv") == "nhs"
    assert _source_kind("pxtextmining/phase2_v6_neas.csv") == "nhs"
    assert _source_kind("oregon_ltc/complaints_train.csv") == "oregon_ltc"
    assert _source_kind("synthetic:staff_speak_up") == "staff_speak_up"
