import threading

import pytest

from triage.pipeline.batcher import MicroBatcher


class Recording:
    model_version = "x"

    def __init__(self):
        self.calls = []

    def predict(self, texts):
        self.calls.append(list(texts))
        if "boom" in texts:
            raise RuntimeError("boom")
        return [t.upper() for t in texts]


def test_concurrent_callers_get_their_own_results_from_shared_batches():
    rec = Recording()
    b = MicroBatcher(rec, max_batch=8, max_wait_ms=20)
    out = {}

    def call(i):
        out[i] = b.predict([f"t{i}"])[0]

    ts = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert out == {i: f"T{i}" for i in range(16)}
    assert len(rec.calls) < 16 and max(len(c) for c in rec.calls) <= 8
    assert b.model_version == "x"


def test_an_error_reaches_the_caller_and_the_batcher_keeps_working():
    b = MicroBatcher(Recording(), max_wait_ms=1)
    with pytest.raises(RuntimeError):
        b.predict(["boom"])
    assert b.predict(["ok"]) == ["OK"]
