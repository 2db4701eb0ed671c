"""Classifier heads over shared item embeddings (scikit-learn estimator contract).

Heads are fitted with scikit-learn's LogisticRegression and saved as plain
arrays (no pickle): weights, bias, label IDs and per-label thresholds, so a
model directory is small, inspectable and safe to load. Weights are stored as
float16 (half the size; a head's logit moves by well under 0.01) and computed
in float32. A head's input is dense item features or, for heads fitted with
lexical features, a sparse [features | TF-IDF] matrix (triage/pipeline/lexical.py).
"""
from __future__ import annotations

import numpy as np


def item_features(sent_vecs: np.ndarray) -> np.ndarray:
    """Item vector from its sentence vectors: [normalised mean, max] (2 x dim)."""
    if len(sent_vecs) == 0:
        return np.zeros(2 * sent_vecs.shape[1], dtype=np.float32)
    mean = sent_vecs.mean(axis=0)
    mean = mean / (np.linalg.norm(mean) or 1.0)
    return np.concatenate([mean, sent_vecs.max(axis=0)]).astype(np.float32)


def sentence_features(sent_vecs: np.ndarray) -> np.ndarray:
    """A sentence seen as a one-sentence item (same feature space as items)."""
    return np.concatenate([sent_vecs, sent_vecs], axis=1)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class _Linear:
    """Logits ``X @ coef.T + intercept`` for dense or sparse X."""

    coef_: np.ndarray
    intercept_: np.ndarray

    def _logits(self, X) -> np.ndarray:
        # sparse @ dense needs a C-ordered right operand; coef.T is a view in Fortran order, which
        # scipy would copy (megabytes with TF-IDF columns) on every call: keep one C-ordered copy
        if getattr(self, "_wt_of", None) is not self.coef_:
            self._wt, self._wt_of = np.ascontiguousarray(self.coef_.T), self.coef_
        return np.asarray(X @ self._wt) + self.intercept_


class MultiLabelHead(_Linear):
    """One logistic regression per label; labels without positives are never predicted."""

    def __init__(self, labels: list[str], C: float = 1.0, min_positives: int = 3) -> None:
        self.labels = list(labels)
        self.C = C
        self.min_positives = min_positives

    def fit(self, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> "MultiLabelHead":
        from sklearn.linear_model import LogisticRegression

        d = X.shape[1]
        self.coef_ = np.zeros((len(self.labels), d), dtype=np.float32)
        self.intercept_ = np.full(len(self.labels), -30.0, dtype=np.float32)
        self.trained_ = np.zeros(len(self.labels), dtype=bool)
        self.n_positive_ = Y.sum(axis=0).astype(int)
        for j in range(len(self.labels)):
            y = Y[:, j]
            if y.sum() < self.min_positives or y.sum() == len(y):
                continue
            clf = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
            clf.fit(X, y, sample_weight=sample_weight)
            self.coef_[j] = clf.coef_[0]
            self.intercept_[j] = clf.intercept_[0]
            self.trained_[j] = True
        self.threshold_ = np.full(len(self.labels), 0.5, dtype=np.float32)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return _sigmoid(self._logits(X))

    def to_arrays(self, prefix: str) -> dict:
        return {f"{prefix}.coef": self.coef_.astype(np.float16), f"{prefix}.intercept": self.intercept_,
                f"{prefix}.threshold": self.threshold_, f"{prefix}.trained": self.trained_}

    @classmethod
    def from_arrays(cls, prefix: str, labels: list[str], arrays) -> "MultiLabelHead":
        h = cls(labels)
        h.coef_, h.intercept_ = arrays[f"{prefix}.coef"].astype(np.float32), arrays[f"{prefix}.intercept"]
        h.threshold_, h.trained_ = arrays[f"{prefix}.threshold"], arrays[f"{prefix}.trained"]
        return h


class SingleLabelHead(_Linear):
    """Multinomial logistic regression for one-of-n fields (sentiment, speaker)."""

    def __init__(self, labels: list[str], C: float = 1.0, balanced: bool = True) -> None:
        self.labels = list(labels)
        self.C = C
        self.balanced = balanced

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "SingleLabelHead":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced" if self.balanced else None)
        clf.fit(X, y, sample_weight=sample_weight)
        self.coef_ = np.zeros((len(self.labels), X.shape[1]), dtype=np.float32)
        self.intercept_ = np.full(len(self.labels), -30.0, dtype=np.float32)
        for k, cls_index in enumerate(clf.classes_):
            self.coef_[cls_index] = clf.coef_[k] if len(clf.classes_) > 2 else (clf.coef_[0] if k else -clf.coef_[0])
            self.intercept_[cls_index] = (clf.intercept_[k] if len(clf.classes_) > 2
                                          else (clf.intercept_[0] if k else -clf.intercept_[0]))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = self._logits(X)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self, prefix: str) -> dict:
        return {f"{prefix}.coef": self.coef_.astype(np.float16), f"{prefix}.intercept": self.intercept_}

    @classmethod
    def from_arrays(cls, prefix: str, labels: list[str], arrays) -> "SingleLabelHead":
        h = cls(labels)
        h.coef_, h.intercept_ = arrays[f"{prefix}.coef"].astype(np.float32), arrays[f"{prefix}.intercept"]
        return h
