"""The sentence-vector cache: same vectors as without it, each distinct sentence encoded once, bounded."""
import numpy as np

from triage.pipeline.embed import CachedEmbedder


class Counting:
    name, dim = "counting", 8

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim) for t in texts]
        return np.array(rng, dtype=np.float32).reshape(len(texts), self.dim)


def test_same_vectors_and_each_sentence_encoded_once():
    inner = Counting()
    plain = Counting()
    cached = CachedEmbedder(inner, capacity=100)
    batch = ["Nothing.", "The nurse shouted at him.", "Nothing.", "Thank you."]
    np.testing.assert_array_equal(cached.encode(batch), plain.encode(batch))
    assert inner.seen == ["Nothing.", "The nurse shouted at him.", "Thank you."]
    np.testing.assert_array_equal(cached.encode(["Thank you.", "New one."]), plain.encode(["Thank you.", "New one."]))
    assert inner.seen[-1:] == ["New one."]
    assert (cached._cache.hits, cached._cache.misses) == (2, 4)


def test_bounded_least_recently_used():
    inner = Counting()
    cached = CachedEmbedder(inner, capacity=2)
    cached.encode(["a", "b"])
    cached.encode(["a"])          # a is now the most recent
    cached.encode(["c"])          # evicts b
    inner.seen.clear()
    cached.encode(["a", "b", "c"])
    assert inner.seen == ["b"]
    assert len(cached._cache) == 2


def test_capacity_zero_keeps_nothing():
    inner = Counting()
    cached = CachedEmbedder(inner, capacity=0)
    cached.encode(["a", "a"])
    cached.encode(["a"])
    assert inner.seen == ["a", "a"] and len(cached._cache) == 0


def test_pipeline_predictions_unchanged_by_cache(fake_embedder):
    from tests.conftest import MODEL_DIR
    from triage.pipeline.pipeline import Pipeline

    texts = ["Staff were kind. Nothing.", "He was left in soiled sheets all night. Nothing.", "Staff were kind. Nothing."]
    a = Pipeline(MODEL_DIR, embedder=fake_embedder, cache_sentences=0).predict(texts)
    b = Pipeline(MODEL_DIR, embedder=fake_embedder, cache_sentences=1000).predict(texts)
    assert [p.to_contract(None) for p in a] == [p.to_contract(None) for p in b]


def test_item_cache_returns_independent_copies_and_skips_repeats(fake_embedder):
    from tests.conftest import MODEL_DIR
    from triage.pipeline.pipeline import Pipeline

    calls = []
    pipe = Pipeline(MODEL_DIR, embedder=fake_embedder, cache_items=10)
    real = pipe._predict
    pipe._predict = lambda texts, sentences=None: calls.append(list(texts)) or real(texts, sentences)
    texts = ["He was left in soiled sheets all night.", "Thank you.", "He was left in soiled sheets all night."]
    first = pipe.predict(texts)
    assert calls == [texts[:2]]
    first[0].flags.append("changed by a caller")
    again = pipe.predict(texts[:1])
    assert calls == [texts[:2]] and again[0].flags == [] and first[2].flags == []
    assert again[0].to_contract(1) == first[2].to_contract(1)
    pipe.clear_cache()
    pipe.predict(texts[:1])
    assert calls[-1] == texts[:1]


def test_prediction_copy_is_equal_and_independent(fake_pipeline):
    import copy

    p = fake_pipeline.predict(["He was hit by a carer and left in soiled sheets. Staff were kind."])[0]
    c = p.copy()
    assert c.to_contract(7) == copy.deepcopy(p).to_contract(7)
    c.flags.append("x")
    c.safeguarding["types"].append("sg.other")
    c.quality_statements.append(c.quality_statements[0] if c.quality_statements else None)
    c.evidence[0].score = -1
    assert p.to_contract(7) == copy.deepcopy(p).to_contract(7) and "x" not in p.flags
    assert "sg.other" not in p.safeguarding["types"] and p.evidence[0].score != -1

