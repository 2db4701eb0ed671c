"""Is a text English? Items that are not are routed to a person, not guessed at by the model.

py3langid (a packaged naive-Bayes model, no download) names the language; a text is called
non-English only when it is confident (p >= 0.9 on at least 4 words), or when most of its
letters are outside the Latin script. Short or ambiguous texts ("Good", "N/A", "A&E ok") are
treated as English, since the models handle them and a miss costs little.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MIN_WORDS = 4
MIN_PROB = 0.9
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("LATIN" not in unicodedata.name(c, "") for c in letters) / len(letters)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of a text that is confidently not English, else None (English or unsure)."""
    if _non_latin_share(text) > 0.5:
        lang, _ = _identifier().classify(text)
        return lang if lang != "en" else "und"
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    lang, prob = _identifier().classify(text)
    return lang if lang != "en" and prob >= MIN_PROB else None
