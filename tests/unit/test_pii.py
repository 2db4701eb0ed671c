"""Redaction with Presidio and the packaged spaCy model (no download)."""
import pytest

from triage.pii import default_redactor


@pytest.fixture(scope="module")
def r():
    return default_redactor()


def test_uk_identifiers_and_names_are_redacted(r):
    text = ("My name is Sarah Jones, NHS number 943 476 5919, I live at SW1A 1AA, call 07700 900123 "
            "or email sarah.j@example.com. DOB: 12/03/1950")
    out = r.redact(text)
    for leaked in ("Sarah", "Jones", "943 476 5919", "SW1A 1AA", "07700 900123", "sarah.j@example.com", "1950"):
        assert leaked not in out, leaked
    for tag in ("<PERSON>", "<UK_NHS>", "<UK_POSTCODE>", "<PHONE_NUMBER>", "<EMAIL_ADDRESS>", "<DATE_OF_BIRTH>"):
        assert tag in out, tag


def test_ordinary_care_words_and_numbers_stay(r):
    text = "I waited 2 hours on ward 12 and the nurse gave me 500mg paracetamol."
    assert r.redact(text) == text


def test_a_broken_recogniser_list_fails_loudly():
    from triage.pii import Redactor
    from triage.taxonomy import TaxonomyError

    with pytest.raises(TaxonomyError, match="unknown Presidio recogniser"):
        Redactor({"language": "en", "entities": ["PERSON"], "builtin": ["NoSuchRecognizer"], "patterns": []})
