"""Micro-batching: concurrent single-item requests share one encoder pass.

Requests from many threads are queued; one inference thread takes what has arrived (up to
``max_batch`` texts, waiting at most ``max_wait_ms`` for more) and runs one ``predict`` over
them. This keeps the 2 cores busy with one efficient batch instead of many competing small
ones (measured: see benchmarks/results/load_sqlite_16c.json before and after).
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future


class MicroBatcher:
    def __init__(self, pipeline, max_batch: int = 32, max_wait_ms: float = 5.0) -> None:
        self.pipeline = pipeline
        self.max_batch, self.max_wait = max_batch, max_wait_ms / 1000
        self._q: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="triage-batcher", daemon=True)
        self._thread.start()

    def __getattr__(self, name):  # model_version, meta, ... of the wrapped pipeline
        return getattr(self.pipeline, name)

    def predict(self, texts: list[str]):
        futs = []
        for t in texts:
            f: Future = Future()
            self._q.put((t, f))
            futs.append(f)
        return [f.result() for f in futs]

    def _run(self) -> None:
        while True:
            batch = [self._q.get()]
            try:
                while len(batch) < self.max_batch:
                    batch.append(self._q.get(timeout=self.max_wait))
            except queue.Empty:
                pass
            try:
                preds = self.pipeline.predict([t for t, _ in batch])
                for (_, f), p in zip(batch, preds):
                    f.set_result(p)
            except Exception as exc:  # every waiting caller gets the error; the thread lives on
                for _, f in batch:
                    if not f.done():
                        f.set_exception(exc)
