import copy

import pytest
import yaml

from triage.taxonomy import TaxonomyError, load_crosswalks, load_taxonomy
from triage.taxonomy.loader import parse_taxonomy
from tests.conftest import SHARED


def raw():
    from importlib import resources

    return yaml.safe_load((resources.files("triage.taxonomy") / "data" / "taxonomy_v1.yaml").read_text())


def test_packaged_taxonomy_has_every_label_set():
    t = load_taxonomy()
    assert len(t.quality_statements) == 34
    assert set(t.key_question.values()) == {"safe", "effective", "caring", "responsive", "well_led"}
    assert len(t.freda) == 5 and "right.art3_degrading_treatment" in t.rights
    assert t.sg_urgency == ("none", "concern", "urgent") and "sg.risk_to_life" in t.sg_types
    assert "grp.autism" in t.seldom_heard and "staff_member" in t.speaker


def test_packaged_taxonomy_equals_the_shared_spec():
    spec = SHARED / "spec" / "taxonomy.yaml"
    if not spec.is_file():
        pytest.skip("shared spec not beside the checkout")
    assert yaml.safe_load(spec.read_text()) == raw()


def test_duplicate_id_fails_loudly():
    r = raw()
    r["freda"].append(copy.deepcopy(r["freda"][0]))
    with pytest.raises(TaxonomyError, match="duplicate"):
        parse_taxonomy(r)


def test_wrong_prefix_and_missing_version_fail():
    r = raw()
    r["rights"][0]["id"] = "art2"
    with pytest.raises(TaxonomyError, match="start with"):
        parse_taxonomy(r)
    r = raw()
    del r["version"]
    with pytest.raises(TaxonomyError, match="version"):
        parse_taxonomy(r)


def test_unknown_ids_are_rejected():
    t = load_taxonomy()
    with pytest.raises(TaxonomyError):
        t.check_ids(["safe.not_a_statement"])
    with pytest.raises(TaxonomyError):
        t.check_ids(["freda.dignity"], "rights")


def test_crosswalks_only_name_taxonomy_ids():
    cw = load_crosswalks()
    assert cw["phase1_codes"]["cm"] == ["safe.medicines"]
