"""The whole pipeline: sentences -> one embedding pass -> heads + detectors -> Prediction."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.domain import Evidence, LabelScore, Prediction, Sentence
from triage.pipeline.cues import CueSet, load_cues
from triage.pipeline.embed import LRU, CachedEmbedder
from triage.pipeline.heads import MultiLabelHead, SingleLabelHead, item_features, sentence_features
from triage.pipeline.lexical import Lexical, combine
from triage.taxonomy import TaxonomyError, load_taxonomy

MULTI_HEADS = ("quality_statements", "freda", "rights", "seldom_heard", "ei", "sg_types", "sg")
SINGLE_HEADS = ("sentiment", "speaker")
# score given to a label when a cue of the rule layer fires (the result is max(model, cue))
CUE_SCORE = {"seldom_heard": 0.9, "rights": 0.7, "freda": 0.6, "ei": 0.6, "sg_types": 0.8}
URGENT_CUE_SCORE, CONCERN_CUE_SCORE = 0.95, 0.8
EVIDENCE_PER_LABEL = 2


class ModelNotFound(FileNotFoundError):
    """No trained model at the configured path (run `triage train`)."""


@dataclass
class ItemInput:
    text: str
    sentences: list[Sentence]


class Pipeline:
    """Loads a trained model directory; ``predict`` classifies a batch of texts."""

    def __init__(self, model_dir: str | Path, embedder=None, cues: CueSet | None = None,
                 max_sentences: int = 200, cache_sentences: int = 50_000, cache_items: int = 20_000) -> None:
        model_dir = Path(model_dir)
        meta_path = model_dir / "model.json"
        if not meta_path.is_file():
            raise ModelNotFound(f"no trained model in {model_dir} (run `triage train`)")
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        self.meta_dir = model_dir
        self.tax = load_taxonomy(self.meta["taxonomy_version"])
        for head, labels in self.meta["labels"].items():  # a model must speak the taxonomy it claims
            if head in SINGLE_HEADS:
                for x in labels:
                    self.tax.check_choice(x, head)
            elif head != "sg":
                self.tax.check_ids(labels)
        arrays = np.load(model_dir / "heads.npz")
        self.heads = {h: MultiLabelHead.from_arrays(h, self.meta["labels"][h], arrays) for h in MULTI_HEADS}
        self.single = {h: SingleLabelHead.from_arrays(h, self.meta["labels"][h], arrays) for h in SINGLE_HEADS}
        # heads fitted on [embedding features, TF-IDF] (older models: none)
        self.lexical = Lexical.from_arrays(arrays)
        self.lexical_heads = frozenset(self.meta.get("lexical_heads") or [])
        if self.lexical_heads and self.lexical is None:
            raise ModelNotFound(f"{model_dir}: model.json lists heads on TF-IDF features but heads.npz has no "
                                "vocabulary (an incomplete model: run `triage train`)")
        self.model_version = self.meta["model_version"]
        self.cues = cues or load_cues()
        self.max_sentences = max_sentences
        self.cache_sentences = cache_sentences
        self._items = LRU(cache_items)  # content hash of a text -> its prediction
        self._embedder = None if embedder is None else CachedEmbedder(embedder, cache_sentences)
        self.components = {"encoder": self.meta["encoder"], "heads": self.model_version,
                           "rules": f"cues.v{self.cues.version}", "taxonomy": f"v{self.tax.version}"}

    @property
    def embedder(self):
        if self._embedder is None:
            from triage.pipeline.embed import default_embedder

            self._embedder = CachedEmbedder(default_embedder(), self.cache_sentences)
        return self._embedder

    # -- public -------------------------------------------------------------------------------
    def predict(self, texts: list[str], sentences: list[list[Sentence]] | None = None) -> list[Prediction]:
        """Classify texts (already validated: non-empty, within the size limit).

        A text seen recently (same content hash) is not classified again: its prediction comes
        from a bounded cache, as a copy the caller may change."""
        if sentences is not None or not self._items.capacity:
            return self._predict(texts, sentences)
        keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
        found, todo = self._items.lookup(keys)
        out: list[Prediction | None] = [p.copy() if (p := found.get(i)) is not None else None
                                        for i in range(len(texts))]
        if todo:
            new = self._predict([texts[ix[0]] for ix in todo.values()])
            for ix, p in zip(todo.values(), new):
                out[ix[0]] = p
                for i in ix[1:]:
                    out[i] = p.copy()
            self._items.store((k, p.copy()) for k, p in zip(todo, new))
        return out

    def clear_cache(self) -> None:
        """Forget cached predictions and sentence vectors (e.g. between benchmark repeats)."""
        self._items.clear()
        if self._embedder is not None:
            self._embedder.clear()

    def _predict(self, texts: list[str], sentences: list[list[Sentence]] | None = None) -> list[Prediction]:
        if sentences is None:
            from triage.pipeline.preprocess import split_sentences

            sentences = split_sentences(texts)
        sentences = [s[: self.max_sentences] or [Sentence(t.strip(), 0, len(t.strip()))]
                     for s, t in zip(sentences, texts)]
        flat = [s.text for ss in sentences for s in ss]
        vecs = self.embedder.encode(flat)
        bounds = np.cumsum([0] + [len(ss) for ss in sentences])
        # every head scores the whole batch at once: items, and each sentence seen as an item (evidence)
        X = np.stack([item_features(vecs[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])
        SX = sentence_features(vecs)
        XL = SXL = None
        if self.lexical_heads:
            XL, SXL = combine(X, self.lexical.transform(texts)), combine(SX, self.lexical.transform(flat))
        probs, sprobs = {}, {}
        for h, head in {**self.heads, **self.single}.items():
            both = h in self.lexical_heads
            probs[h] = head.predict_proba(XL if both else X)
            if h in self.heads:
                sprobs[h] = head.predict_proba(SXL if both else SX)
        out = []
        for i, (text, sents) in enumerate(zip(texts, sentences)):
            a, b = bounds[i], bounds[i + 1]
            out.append(self._predict_one(text, sents, X[i, : vecs.shape[1]], {h: P[i] for h, P in probs.items()},
                                         {h: P[a:b] for h, P in sprobs.items()}))
        return out

    # -- internals ----------------------------------------------------------------------------
    def _predict_one(self, text: str, sents: list[Sentence], vector: np.ndarray, probs: dict,
                     sprobs: dict) -> Prediction:
        evidence: list[Evidence] = []
        cue_hits = {g: self.cues.labels(g, sents) for g in ("seldom_heard", "rights", "freda")}
        cue_hits["ei"] = self.cues.labels("epistemic_injustice", sents, negate=False)
        sg_hits = self.cues.safeguarding(sents)
        cue_hits["sg_types"] = sg_hits

        def multi(head: str) -> list[LabelScore]:
            h = self.heads[head]
            scores = probs[head].copy()
            hit_sents: dict[str, list[int]] = {}
            for hit in cue_hits.get(head, []):
                j = h.labels.index(hit.label)
                scores[j] = max(scores[j], CUE_SCORE[head])
                hit_sents.setdefault(hit.label, []).append(hit.sentence)
            chosen = []
            for j, lab in enumerate(h.labels):
                if scores[j] >= h.threshold_[j]:
                    chosen.append(LabelScore(lab, float(scores[j])))
                    self._add_evidence(evidence, lab, sents, sprobs[head][:, j], hit_sents.get(lab, []))
            return sorted(chosen, key=lambda ls: -ls.score)

        pred = Prediction(model_version=self.model_version, components=dict(self.components),
                          vector=vector.copy())
        pred.quality_statements = multi("quality_statements")
        pred.freda = multi("freda")
        pred.rights = multi("rights")
        pred.seldom_heard = multi("seldom_heard")
        ei = multi("ei")
        ei_score = max([e.score for e in ei], default=float(probs["ei"].max()))
        level = "none"
        if ei:
            level = "likely" if (ei_score >= self.meta["ei_likely"] and pred.seldom_heard) else "possible"
        pred.epistemic_injustice = {"level": level, "kinds": [e.id for e in ei], "score": ei_score}
        pred.safeguarding = self._safeguarding(probs, sprobs, sg_hits, sents, multi, evidence)
        pred.sentiment = self._single("sentiment", probs)
        pred.speaker = self._speaker(probs, sents)
        pred.evidence = evidence
        return pred

    def _single(self, head: str, probs: dict) -> str:
        return self.single[head].labels[int(np.argmax(probs[head]))]

    def _speaker(self, probs: dict, sents: list[Sentence]) -> str:
        """The model's speaker, unless an explicit self-description says otherwise."""
        hits = {h.label for h in self.cues.labels("speaker", sents, negate=False)}
        for strong in ("staff_member", "advocate", "family_or_carer"):
            if strong in hits:
                return strong
        return self._single("speaker", probs)

    def _safeguarding(self, probs, sprobs, sg_hits, sents, multi, evidence) -> dict:
        t = self.meta["thresholds"]
        p_any, p_urgent = probs["sg"]
        any_score = float(p_any)
        urgent_score = float(p_urgent)
        for hit in sg_hits:
            any_score = max(any_score, URGENT_CUE_SCORE if hit.urgency == "urgent" else CONCERN_CUE_SCORE)
            if hit.urgency == "urgent":
                urgent_score = max(urgent_score, URGENT_CUE_SCORE)
        any_score = max(any_score, urgent_score)  # urgent implies concern-or-urgent
        if urgent_score >= t["urgent"]:
            urgency = "urgent"
        elif any_score >= t["concern"]:
            urgency = "concern"
        else:
            urgency = "none"
        types: list[str] = []
        if urgency != "none":
            types = [ls.id for ls in multi("sg_types")]
            if not types:  # the detector fired but no type passed its threshold: give the likeliest
                h = self.heads["sg_types"]
                j = int(np.argmax(probs["sg_types"]))
                types = [h.labels[j]]
                self._add_evidence(evidence, h.labels[j], sents, sprobs["sg_types"][:, j], [])
            label = "sg.urgent" if urgency == "urgent" else "sg.concern"
            hit_sents = [h.sentence for h in sg_hits if urgency == "concern" or h.urgency == "urgent"]
            self._add_evidence(evidence, label, sents, sprobs["sg"][:, 1 if urgency == "urgent" else 0], hit_sents)
        return {"urgency": urgency, "types": types, "score": any_score, "urgent_score": urgent_score}

    @staticmethod
    def _add_evidence(evidence, label, sents, sent_scores, hit_sents) -> None:
        order = list(dict.fromkeys(hit_sents + [int(i) for i in np.argsort(-sent_scores)]))
        for i in order[:EVIDENCE_PER_LABEL]:
            if i not in hit_sents and sent_scores[i] < 0.5 and i != order[0]:
                continue
            s = sents[i]
            evidence.append(Evidence(label, s.text, s.start, s.end, float(sent_scores[i])))


def load_pipeline(model_dir: str | Path | None = None, **kw) -> Pipeline:
    from triage.config import get_settings

    s = get_settings()
    kw.setdefault("cache_sentences", s.embed_cache_sentences)
    kw.setdefault("cache_items", s.prediction_cache_items)
    return Pipeline(model_dir or s.model_dir, max_sentences=s.max_sentences, **kw)


__all__ = ["Pipeline", "ModelNotFound", "load_pipeline", "TaxonomyError", "ItemInput"]
