"""Lexical (TF-IDF) features: stored without pickle, and wired into the heads that use them."""
import numpy as np

from triage.pipeline.heads import MultiLabelHead, item_features
from triage.pipeline.lexical import Lexical, combine
from triage.pipeline.preprocess import split_sentences

TEXTS = ["The car park was full and parking cost too much.", "Waiting times in A&E were far too long.",
         "Staff were kind and caring.", "Parking was impossible, waiting was long.", "Kind staff, long wait."]


def test_lexical_round_trips_through_a_plain_npz(tmp_path):
    lex = Lexical.fit(TEXTS, min_df=1)
    np.savez(tmp_path / "a.npz", **lex.to_arrays())
    back = Lexical.from_arrays(np.load(tmp_path / "a.npz", allow_pickle=False))
    new = ["Parking and waiting, but kind staff.", "zzz qqq"]
    assert back.dim == lex.dim
    assert np.array_equal(back.transform(new).toarray(), lex.transform(new).toarray())
    assert back.transform(new)[1].nnz == 0  # unseen words add nothing
    assert Lexical.from_arrays({}) is None  # a model without lexical features


def test_head_on_dense_and_lexical_features_round_trips_in_half_precision():
    rng = np.random.default_rng(0)
    lex = Lexical.fit(TEXTS * 4, min_df=1)
    X = combine(rng.normal(size=(20, 8)).astype(np.float32), lex.transform(TEXTS * 4))
    Y = np.array([[("arking" in t) * 1, ("ait" in t) * 1] for t in TEXTS * 4])
    head = MultiLabelHead(["a", "b"], min_positives=1).fit(X, Y)
    back = MultiLabelHead.from_arrays("h", ["a", "b"], head.to_arrays("h"))
    assert back.coef_.dtype == np.float32
    assert np.abs(back.predict_proba(X) - head.predict_proba(X)).max() < 1e-2
    assert (head.predict_proba(X)[:, 0] >= 0.5).tolist() == Y[:, 0].astype(bool).tolist()


def test_pipeline_scores_items_on_embeddings_and_tfidf(fake_embedder):
    """The committed model's heads see [item features | TF-IDF of the whole text], as in training."""
    from tests.conftest import MODEL_DIR
    from triage.pipeline.pipeline import Pipeline

    p = Pipeline(MODEL_DIR, embedder=fake_embedder, cache_items=0)
    p.heads["quality_statements"].threshold_ = np.zeros_like(p.heads["quality_statements"].threshold_)
    assert p.lexical is not None and "quality_statements" in p.lexical_heads
    text = "The car park was full. Parking cost a fortune and the wait was long."
    sents = [s.text for s in split_sentences([text])[0]]
    x = item_features(fake_embedder.encode(sents))[None, :]
    want = p.heads["quality_statements"].predict_proba(combine(x, p.lexical.transform([text])))[0]
    without = p.heads["quality_statements"].predict_proba(combine(x, p.lexical.transform([""])))[0]
    got = {ls.id: ls.score for ls in p.predict([text])[0].quality_statements}
    labels = p.heads["quality_statements"].labels
    assert set(got) == set(labels)  # threshold 0: every statement comes back with its score
    assert np.abs(np.array([got[lab] for lab in labels]) - want).max() < 1e-5
    logit = np.log(want / (1 - want)) - np.log(without / (1 - without))
    # the words move the scores (so the check above would catch a pipeline that dropped them)
    assert np.abs(logit[p.heads["quality_statements"].trained_]).max() > 0.1


def test_a_model_missing_its_vocabulary_is_refused(tmp_path):
    import shutil

    import pytest

    from tests.conftest import MODEL_DIR
    from triage.pipeline.pipeline import ModelNotFound, Pipeline

    shutil.copy(MODEL_DIR / "model.json", tmp_path / "model.json")
    arrays = dict(np.load(MODEL_DIR / "heads.npz"))
    np.savez(tmp_path / "heads.npz", **{k: v for k, v in arrays.items() if not k.startswith("lexical.")})
    with pytest.raises(ModelNotFound, match="vocabulary"):
        Pipeline(tmp_path)
