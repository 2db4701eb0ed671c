"""Lexical features beside the sentence embeddings: TF-IDF of word 1-2 grams (scikit-learn).

Frozen sentence embeddings blur the exact words that NHS staff label by
("parking", "discharge letter", "waiting"); TF-IDF keeps them. Heads that are
better with both (measured on dev, see training/train.py) are fitted on
[embedding features, TF-IDF] and score ``emb @ w_e + tfidf @ w_l + b``.

Stored as arrays (no pickle): the vocabulary in column order and its idf.
"""
from __future__ import annotations

import numpy as np

NGRAMS = (1, 2)


def _vectorizer(**kw):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=NGRAMS, sublinear_tf=True, dtype=np.float32, **kw)


class Lexical:
    def __init__(self, vectorizer) -> None:
        self.vec = vectorizer

    @classmethod
    def fit(cls, texts: list[str], max_features: int = 30_000, min_df: int = 2) -> "Lexical":
        return cls(_vectorizer(min_df=min_df, max_features=max_features).fit(texts))

    @property
    def dim(self) -> int:
        return len(self.vec.vocabulary_)

    def transform(self, texts: list[str]):
        """Sparse (CSR) TF-IDF rows, L2-normalised."""
        return self.vec.transform(texts)

    def to_arrays(self, prefix: str = "lexical") -> dict:
        return {f"{prefix}.vocabulary": self.vec.get_feature_names_out().astype(str),
                f"{prefix}.idf": self.vec.idf_.astype(np.float32)}

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "lexical") -> "Lexical | None":
        if f"{prefix}.vocabulary" not in arrays:
            return None
        vec = _vectorizer(vocabulary=arrays[f"{prefix}.vocabulary"].tolist())
        vec.idf_ = arrays[f"{prefix}.idf"]
        return cls(vec)


def combine(dense: np.ndarray, lexical):
    """[dense | lexical] as one CSR matrix, the input of a head fitted on both."""
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(dense), lexical], format="csr")
