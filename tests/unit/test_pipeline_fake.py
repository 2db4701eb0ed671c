"""The pipeline's assembly (heads + rules + evidence) on the trained heads with a fake embedder."""
from tests.contract import check_contract


def test_output_follows_the_contract(fake_pipeline):
    texts = ["Staff were kind. I was left in my own urine for hours and nobody came.",
             "Thank you all so much.", "x" * 3000]
    for t, p in zip(texts, fake_pipeline.predict(texts)):
        check_contract(p.to_contract("a"), t)


def test_rule_layer_alone_makes_current_suicidal_intent_urgent(fake_pipeline):
    text = "The food is fine. I still cut myself and want to end things, nobody on the ward listens."
    p = fake_pipeline.predict([text])[0].to_contract("u")
    assert p["safeguarding"]["urgency"] == "urgent"
    assert "sg.risk_to_life" in p["safeguarding"]["types"]
    ev = [e for e in p["evidence"] if e["label"] == "sg.urgent"]
    assert ev and "cut myself" in ev[0]["text"] and text[ev[0]["start"]:ev[0]["end"]] == ev[0]["text"]


def test_explicit_staff_self_description_sets_speaker(fake_pipeline):
    p = fake_pipeline.predict(["I work as a nurse on the ward and my manager ignores our concerns."])[0]
    assert p.speaker == "staff_member"
