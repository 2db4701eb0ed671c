"""Plain types of the core: no web or database code here."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


@dataclass
class LabelScore:
    id: str
    score: float


@dataclass
class Evidence:
    label: str
    text: str
    start: int
    end: int
    score: float = 0.0


@dataclass
class Prediction:
    """The model's suggestion for one item (never a human decision)."""

    quality_statements: list[LabelScore] = field(default_factory=list)
    freda: list[LabelScore] = field(default_factory=list)
    rights: list[LabelScore] = field(default_factory=list)
    epistemic_injustice: dict = field(default_factory=lambda: {"level": "none", "kinds": [], "score": 0.0})
    safeguarding: dict = field(default_factory=lambda: {"urgency": "none", "types": [], "score": 0.0,
                                                        "urgent_score": 0.0})
    seldom_heard: list[LabelScore] = field(default_factory=list)
    speaker: str = "unknown"
    sentiment: str = "neutral"
    evidence: list[Evidence] = field(default_factory=list)
    model_version: str = ""
    components: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    vector: object = None  # the item's sentence-mean embedding (numpy, float32), stored for clustering

    def copy(self) -> "Prediction":
        """An independent copy (what a cache hands out), much cheaper than copy.deepcopy."""
        ls = lambda xs: [LabelScore(x.id, x.score) for x in xs]  # noqa: E731
        ei, sg = self.epistemic_injustice, self.safeguarding
        return Prediction(quality_statements=ls(self.quality_statements), freda=ls(self.freda), rights=ls(self.rights),
                          epistemic_injustice={**ei, "kinds": list(ei.get("kinds", []))},
                          safeguarding={**sg, "types": list(sg.get("types", []))},
                          seldom_heard=ls(self.seldom_heard), speaker=self.speaker, sentiment=self.sentiment,
                          evidence=[Evidence(e.label, e.text, e.start, e.end, e.score) for e in self.evidence],
                          model_version=self.model_version, components=dict(self.components),
                          flags=list(self.flags), vector=None if self.vector is None else self.vector.copy())

    def to_contract(self, item_id) -> dict:
        """The JSON object of the batch CLI contract (and of /v1/classify)."""
        r4 = lambda x: round(float(x), 4)  # noqa: E731
        ls = lambda xs: [{"id": x.id, "score": r4(x.score)} for x in xs]  # noqa: E731
        ei, sg = self.epistemic_injustice, self.safeguarding
        return {
            "id": item_id,
            "quality_statements": ls(self.quality_statements),
            "freda": ls(self.freda),
            "rights": ls(self.rights),
            "epistemic_injustice": {"level": ei["level"], "kinds": list(ei["kinds"]), "score": r4(ei["score"])},
            "safeguarding": {"urgency": sg["urgency"], "types": list(sg["types"]), "score": r4(sg["score"]),
                             "urgent_score": r4(sg["urgent_score"])},
            "seldom_heard": ls(self.seldom_heard),
            "speaker": self.speaker,
            "sentiment": self.sentiment,
            "evidence": [{"label": e.label, "text": e.text, "start": e.start, "end": e.end} for e in self.evidence],
            "model_version": self.model_version,
        }

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("vector", None)
        return d

    def vector_bytes(self) -> bytes | None:
        """The item vector as float16 bytes (768 bytes for MiniLM), or None."""
        import numpy as np

        return None if self.vector is None else np.asarray(self.vector, dtype=np.float16).tobytes()
