"""A first-name recogniser for Presidio: capitalised tokens that are known first names.

The small spaCy model misses many bare first names in feedback ("Sophie and Bryony were
lovely"). The name list comes from the gender-guesser package (about 40,000 first names from
many countries); English stop words and common words that double as names ("Ward", "May",
"Will", "Hope") are excluded, listed in recognizers.yaml.
"""
from __future__ import annotations

import re
from functools import lru_cache

from presidio_analyzer import EntityRecognizer, RecognizerResult

_TOKEN = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b|\b[A-Z]{2,}\b")


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    import gender_guesser.detector as gd

    return frozenset(n.lower() for n in gd.Detector(case_sensitive=False).names)


class FirstNameRecognizer(EntityRecognizer):
    def __init__(self, exclude: list[str], score: float = 0.6) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        self.exclude = {w.lower() for w in exclude} | set(STOP_WORDS)
        self.score = score
        super().__init__(supported_entities=["PERSON"], name="first_name", supported_language="en")

    def load(self) -> None:
        _first_names()

    def analyze(self, text, entities, nlp_artifacts=None):
        if "PERSON" not in entities:
            return []
        names = _first_names()
        out = []
        for m in _TOKEN.finditer(text):
            w = m.group(0)
            if w.isupper() and len(w) > 3 and w.lower() not in names:
                continue
            if w.lower() in names and w.lower() not in self.exclude:
                out.append(RecognizerResult("PERSON", m.start(), m.end(), self.score))
        return out
