from triage.pipeline.language import detect_language


def test_confident_other_languages_are_detected():
    assert detect_language("Personel był bardzo miły, ale czekałem cztery godziny na lekarza.") == "pl"
    assert detect_language("Ni wnaeth neb wrando arna i yn yr ysbyty o gwbl.") == "cy"
    assert detect_language("مرحبا الموظفين كانوا لطفاء جدا معي") is not None


def test_english_and_short_ambiguous_text_stay_english():
    for t in ("Nothing.", "Good", "N/A", "A&E ok", "Fab service 10/10", "Excellent care, nurses brill",
              "RV was found on the floor by W2 and staff failed to assess RV."):
        assert detect_language(t) is None, t
