"""The written urgency contrast pairs train the urgent label only and never choose a threshold."""
import numpy as np

from training.train import CONTRAST_LABELS, contrast_rows, fit_head
from triage.pipeline.heads import MultiLabelHead


def _rows():
    rng = np.random.default_rng(0)
    n_real, n_contrast = 120, 40
    X = rng.normal(size=(n_real + n_contrast, 6)).astype(np.float32)
    Y = np.zeros((len(X), 2), dtype=np.int8)
    Y[:n_real, 0] = X[:n_real, 0] > 0           # concern follows feature 0 in the real rows
    Y[:n_real, 1] = X[:n_real, 1] > 1           # urgent follows feature 1
    Y[n_real:, 0] = 1                           # the contrast rows: all concern ...
    Y[n_real:, 1] = X[n_real:, 2] > 0           # ... urgent by another feature
    rows = [("weak", {"id": f"r{i}"}) for i in range(n_real - 20)] + \
           [("gold", {"id": f"p1-{i}"}) for i in range(20)] + \
           [("gold", {"id": f"synth-uc-{i:03d}"}) for i in range(n_contrast)]
    return X, Y, np.ones(len(X), dtype=np.float32), rows


def test_contrast_rows_are_the_synth_uc_gold_items():
    _, _, _, rows = _rows()
    c = contrast_rows(rows)
    assert c.sum() == 40 and c[-40:].all() and not c[:-40].any()


def test_only_the_urgent_label_learns_from_the_contrast_rows():
    X, Y, W, rows = _rows()
    assert CONTRAST_LABELS == ("sg.urgent",)
    labels = ["sg.concern_or_urgent", "sg.urgent"]
    c = contrast_rows(rows)
    everything = np.ones(len(rows), dtype=bool)
    head = fit_head(labels, X, Y, W, everything, c)
    real = MultiLabelHead(labels).fit(X[~c], Y[~c], sample_weight=W[~c])
    full = MultiLabelHead(labels).fit(X, Y, sample_weight=W)
    np.testing.assert_allclose(head.coef_[0], real.coef_[0], rtol=1e-5, atol=1e-6)  # concern: real rows only
    np.testing.assert_allclose(head.coef_[1], full.coef_[1], rtol=1e-5, atol=1e-6)  # urgent: with the pairs
    assert not np.allclose(real.coef_[1], full.coef_[1])  # the pairs do change the urgent label
    # a fold that holds no contrast row is a plain fit on the real rows
    no_pairs = fit_head(labels, X, Y, W, ~c, c)
    np.testing.assert_allclose(no_pairs.coef_, real.coef_, rtol=1e-5, atol=1e-6)
