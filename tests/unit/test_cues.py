from triage.domain import Sentence
from triage.pipeline.cues import load_cues


def sents(text):
    return [Sentence(text, 0, len(text))]


def sg(text):
    return {(h.label, h.urgency) for h in load_cues().safeguarding(sents(text))}


def test_current_self_harm_is_urgent():
    assert ("sg.risk_to_life", "urgent") in sg("I still cut myself and want to end things")


def test_past_self_harm_is_concern_and_unresolved_suicidality_is_urgent():
    assert sg("Two years ago I self-harmed and the team helped me") == {("sg.risk_to_life", "concern")}
    assert sg("I came in suicidal and went home hopeful") == {("sg.risk_to_life", "concern")}
    assert ("sg.risk_to_life", "urgent") in sg("The call left me feeling suicidal")


def test_negation_and_hypotheticals_are_not_signals():
    assert sg("I did not feel unsafe and nobody hit me") == set()
    assert sg("If anyone hit him I would complain") == set()


def test_hits_carry_offsets_into_the_text():
    text = "Lovely staff. She was slapped by a carer"
    hits = load_cues().safeguarding([Sentence("Lovely staff.", 0, 13), Sentence("She was slapped by a carer", 14, 40)])
    h = next(h for h in hits if h.label == "sg.physical")
    assert text[h.start:h.end] == "slapped" and h.sentence == 1


def test_group_cues():
    labels = {h.label for h in load_cues().labels("seldom_heard", sents("My son is autistic and needed an interpreter"))}
    assert {"grp.autism", "grp.child_young_person", "grp.language_interpreter"} <= labels
