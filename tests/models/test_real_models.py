"""The real trained model on real text (marked `models`; the README's test command runs them)."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODEL_DIR, SHARED
from tests.contract import check_contract

pytestmark = pytest.mark.models


def test_current_self_harm_is_urgent_with_risk_to_life(real_pipeline):
    text = "I still cut myself and want to end things, nobody on the ward listens"
    p = real_pipeline.predict([text])[0].to_contract("1")
    check_contract(p, text)
    assert p["safeguarding"]["urgency"] == "urgent"
    assert "sg.risk_to_life" in p["safeguarding"]["types"]
    assert p["safeguarding"]["urgent_score"] >= 0.5


def test_warm_thank_you_has_no_safeguarding_signal(real_pipeline):
    text = ("Thank you so much to everyone on the ward for the care you gave my dad. "
            "You were kind, patient and always had time for us.")
    p = real_pipeline.predict([text])[0].to_contract("2")
    assert p["safeguarding"]["urgency"] == "none" and p["safeguarding"]["types"] == []
    assert p["sentiment"] == "positive"
    assert "caring.kindness_dignity" in {x["id"] for x in p["quality_statements"]}


def test_negated_and_real_abuse_are_told_apart(real_pipeline):
    ok, bad = real_pipeline.predict([
        "I never felt unsafe and nobody was ever rough with me; the staff were lovely.",
        "A carer slapped my mum across the face and left her lying in urine all night.",
    ])
    assert ok.safeguarding["urgency"] == "none"
    assert bad.safeguarding["urgency"] in ("concern", "urgent")
    assert {"sg.physical", "sg.neglect"} & set(bad.safeguarding["types"])
    assert "right.art3_degrading_treatment" in {x.id for x in bad.rights}


def test_group_and_speaker_from_what_the_text_says(real_pipeline):
    p = real_pipeline.predict(["My son is autistic and the doctor would not believe anything he told her. "
                               "We needed an interpreter and none was booked."])[0]
    groups = {x.id for x in p.seldom_heard}
    assert {"grp.autism", "grp.language_interpreter"} <= groups
    assert p.speaker == "family_or_carer"
    assert p.epistemic_injustice["level"] in ("possible", "likely")


def test_cli_classifies_1000_real_lines_to_the_contract(tmp_path):
    src = SHARED / "data" / "pxtextmining" / "phase1_text_data.csv"
    if not src.is_file():
        pytest.skip("shared data not beside the checkout")
    rows = []
    with src.open(encoding="utf-8", errors="replace", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["organization"] == "Trust C" and r["feedback"].strip():
                rows.append({"id": f"p1-{r['row_index']}", "text": r["feedback"]})
            if len(rows) == 1000:
                break
    inp = tmp_path / "in.csv"
    with inp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "text"])
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out.jsonl"
    triage = Path(sys.executable).parent / "triage"
    res = subprocess.run([str(triage), "classify", str(inp), "--out", str(out), "--model", str(MODEL_DIR)],
                         capture_output=True, text=True, timeout=900, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    got = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == [r["id"] for r in rows]
    for g, r in zip(got, rows):
        check_contract(g, r["text"])
    # the data's own words: no raw text in what the command printed
    assert rows[0]["text"][:40] not in res.stderr


def test_train_writes_a_model_that_loads_and_uses_tfidf(tmp_path, fake_embedder, monkeypatch):
    """`triage train` on a small sample: every head on embeddings + TF-IDF, arrays only, loadable."""
    import numpy as np

    import training.train
    from training.train import ALL_HEADS, main as train
    from triage.pipeline.pipeline import Pipeline

    # its own feature cache: vectors encoded in this sample's batches must not seed a real training run
    # (the encoder's output moves by ~1e-7 with batch composition, so a shared cache makes retrains differ)
    monkeypatch.setattr(training.train, "CACHE", tmp_path / "cache")
    out = train(out=str(tmp_path / "m"), limit=300)
    meta = json.loads((out / "model.json").read_text())
    assert meta["lexical_heads"] == list(ALL_HEADS) and meta["lexical"]["terms"] > 500
    arrays = np.load(out / "heads.npz", allow_pickle=False)  # no pickled objects in a model
    assert arrays["quality_statements.coef"].shape[1] == 2 * 384 + meta["lexical"]["terms"]
    p = Pipeline(out, embedder=fake_embedder)
    pred = p.predict(["I was left in my own urine for hours and nobody came."])[0].to_contract("t")
    assert pred["safeguarding"]["urgency"] in ("concern", "urgent") and pred["model_version"] == meta["model_version"]


def test_evaluate_breaks_safeguarding_down_by_source_consistently(tmp_path):
    """`triage evaluate` (small sample, no peer): the by-source safeguarding figures agree with the
    overall ones and with the list of missed items."""
    from training.evaluate import main as evaluate

    rep = evaluate(out=str(tmp_path / "evaluation"), limit=30, write_model_card=False, peer=False)
    g = rep["splits"]["gold (test)"]
    missed = {m["source"] for m in g["missed_concern_or_urgent"]}
    precisions = []
    for src, v in g["by_source"].items():
        if v["safeguarding_concern_or_urgent_recall"] is not None:
            assert (v["safeguarding_concern_or_urgent_recall"] < 1.0) == (src in missed)
        if v["safeguarding_concern_or_urgent_precision"] is not None:
            precisions.append(v["safeguarding_concern_or_urgent_precision"])
    overall = g["safeguarding_concern_or_urgent"]["precision"]
    assert min(precisions) - 1e-3 <= overall <= max(precisions) + 1e-3  # a weighted mean of the sources'
    for split, e in rep["splits"].items():  # reviewer workload on the held-out NHS and Oregon splits
        if split != "gold (test)":
            rate = e["safeguarding_flag_rate"]
            assert 0 <= rate["urgent"] <= rate["concern_or_urgent"] <= 1
    assert "safeguarding flag rate" in (tmp_path / "evaluation.md").read_text()
