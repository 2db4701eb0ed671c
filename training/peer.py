"""The NHS peer's published recipe, trained on the same training data as our heads.

pxtextmining's TF-IDF + SVC (C=15, class_weight balanced, one-vs-rest, labels
predicted where the probability is >= 0.3). Deviation, for time on 2 cores: a
linear SVM (LinearSVC, same C and class weights) with Platt-scaled probabilities
from 3-fold CalibratedClassifierCV, instead of a kernel SVC with
probability=True (which Platt-scales with an internal 5-fold CV); everything
else as published.
"""
from __future__ import annotations

import numpy as np

PEER_THRESHOLD = 0.3


class PeerRecipe:
    def __init__(self, labels: list[str], C: float = 15.0, threshold: float = PEER_THRESHOLD) -> None:
        self.labels = list(labels)
        self.C = C
        self.threshold = threshold

    def fit(self, texts: list[str], Y: np.ndarray, sample_weight: np.ndarray | None = None) -> "PeerRecipe":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vec_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = self.vec_.fit_transform(texts)
        self.models_: list = []
        for j in range(len(self.labels)):
            y = Y[:, j]
            if y.sum() < 3:
                self.models_.append(None)
                continue
            m = CalibratedClassifierCV(LinearSVC(C=self.C, class_weight="balanced", max_iter=5000), cv=3)
            m.fit(X, y, sample_weight=sample_weight)
            self.models_.append(m)
        return self

    def predict_sets(self, texts: list[str]) -> list[set[str]]:
        X = self.vec_.transform(texts)
        P = np.zeros((len(texts), len(self.labels)))
        for j, m in enumerate(self.models_):
            if m is not None:
                P[:, j] = m.predict_proba(X)[:, 1]
        return [{self.labels[j] for j in np.where(row >= self.threshold)[0]} for row in P]
