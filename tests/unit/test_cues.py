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
    labels = {h.label for h in load_cues().labels("seldom_heard", sents("My 12 year old son is autistic and needed an interpreter"))}
    assert {"grp.autism", "grp.child_young_person", "grp.language_interpreter"} <= labels


def test_typographic_apostrophes_read_as_ascii_ones():
    # v1 matched "didn't" but not "didn’t": the negation check let the curly form through
    assert sg("They didn’t hit him") == set() == sg("They didn't hit him")
    assert sg("He’s still hitting her") == sg("He's still hitting her") == {("sg.physical", "urgent")}
    text = "Lovely staff. He didn’t believe me"
    hits = load_cues().labels("epistemic_injustice", [Sentence("Lovely staff.", 0, 13),
                                                       Sentence("He didn’t believe me", 14, 34)], negate=False)
    assert [h.label for h in hits] == ["ei.testimonial"]
    assert text[hits[0].start:hits[0].end] == "didn’t believe me"  # offsets into the original text


def ei(text):
    return {h.label for h in load_cues().labels("epistemic_injustice", sents(text), negate=False)}


def test_not_being_believed_in_its_forms_and_not_the_idiom():
    for t in ("The nurse appeared to not believe everything I said", "He didn’t believe the pain she was in",
              "They didn't believe what I told them", "My therapist brushed this off",
              "The crisis team was invalidating"):
        assert ei(t) == {"ei.testimonial"}, t
    for t in ("I can't believe how rude they were", "I could not believe what I was hearing",
              "I believe them"):
        assert ei(t) == set(), t


def groups(text):
    return {h.label for h in load_cues().labels("seldom_heard", sents(text))}


def test_detention_as_the_manual_defines_it():
    for t in ("Awful service, just told me my section had expired", "She was kept in seclusion for three days",
              "Good getting off the wing, the prison staff were kind", "He was finally granted section 17 leave"):
        assert "grp.detained" in groups(t), t
    assert "grp.detained" not in groups("The other girls get leave early")


def test_a_son_or_daughter_is_not_a_child_unless_the_text_says_so():
    assert "grp.child_young_person" not in groups("The crew helped my daughter and stayed with her")
    for t in ("My 17 year old son was told to wait", "They were brilliant with my little boy",
              "Our baby was seen quickly", "My son's school called"):
        assert "grp.child_young_person" in groups(t), t


def rights(text):
    return {h.label for h in load_cues().labels("rights", sents(text))}


def test_article_8_is_interference_not_any_visit_or_phone_call():
    for t in ("Visiting was banned for weeks", "The curtains were left open while I was washed",
              "They broke open my front door", "My letter was a breach of confidentiality",
              "Staff keep misgendering me", "I couldn't see my children for a month"):
        assert "right.art8_private_family_life" in rights(t), t
    for t in ("The nurse's home visit was helpful", "I had a phone call from the team",
              "I was given a private room"):
        assert "right.art8_private_family_life" not in rights(t), t


def freda(text):
    return {h.label for h in load_cues().labels("freda", sents(text))}


def test_freda_cues_leave_out_what_the_manual_excludes():
    assert freda("The crew arrived fairly quickly") == set()            # the adverb "fairly"
    assert freda("Polite and helpful drivers") == set()                 # plain praise
    assert freda("Food was good with lots of choice") == set()          # choice of food
    assert "freda.fairness" in freda("It's not fair that the other girls get leave early")
    assert "freda.equality" in freda("They refused reasonable adjustments for my deafness")
    assert "freda.respect" in freda("The receptionist was rude and dismissive")
    assert "freda.autonomy" in freda("I was given no choice about the injection")
