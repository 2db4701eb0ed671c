"""The rule layer's one-scan prefilter finds exactly the hits of trying every cue on every sentence."""
import json
import re
from pathlib import Path

from triage.pipeline.cues import load_cues
from triage.pipeline.preprocess import split_sentences

GOLD = Path(__file__).resolve().parents[2] / "annotation_guidelines" / "gold" / "gold.jsonl"


def test_prefilter_changes_no_hit():
    cues = load_cues()
    texts = [json.loads(l)["text"] for l in GOLD.open(encoding="utf-8")][:300]
    sents = split_sentences(texts)
    saved = dict(cues._any)
    try:
        with_prefilter = [(cues.safeguarding(s), {g: cues.labels(g, s) for g in cues.groups}) for s in sents]
        everything = re.compile("")  # matches every sentence: every cue is tried
        cues._any = {k: everything for k in saved}
        without = [(cues.safeguarding(s), {g: cues.labels(g, s) for g in cues.groups}) for s in sents]
    finally:
        cues._any = saved
    assert with_prefilter == without
    assert sum(len(a) for a, _ in with_prefilter) > 50  # the texts do hold safeguarding cues


def test_prefilter_keeps_unicode_text_python_matches():
    """Curly apostrophes, non-breaking spaces and accented letters: where Python's patterns find a
    cue, the (RE2) prefilter must let the sentence through."""
    from triage.domain import Sentence

    cues = load_cues()
    texts = ["The carer hit\xa0him twice and he’s scared.", "Café staff slapped her.",
             "She was left in soiled sheets — nobody came.", "Ο νοσηλευτής hit him", "He said: I want to die."]
    for t in texts:
        s = [Sentence(t, 0, len(t))]
        assert cues.safeguarding(s), t
        for g, entries in cues.groups.items():
            python_any = any(rx.search(t) for _, rx in entries)
            assert not python_any or cues._any[g].search(t), (g, t)
