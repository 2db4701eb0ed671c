"""Bulk back-fill: classify a large CSV/JSONL file on a Dask cluster with the code of `triage classify`.

The driver reads the file once, streaming, to cut it into partitions of about ``partition_lines``
lines that start and end on record boundaries (a quoted CSV field may hold newlines), and sends each
partition's byte range (not its text) to the workers. A worker reads its range with the reader of
``triage classify`` (``triage.batch.read_items``: same validation, same line numbers as in the whole
file), classifies it with ``triage.batch.classify_records`` and writes ``part-NNNNN.jsonl`` (written
to a temporary name, then renamed, so a part file that exists is complete). Each worker process loads
the pipeline once and keeps it. The concatenated part files are, line for line, what
``triage classify`` writes for the same input. ``manifest.json`` records the input, the counts, the
bad lines (line numbers of the original file), the model version, the partitions and the time.

Without a scheduler address a local Dask cluster of ``workers`` processes is started; with one, the
back-fill runs on that existing cluster, whose workers must have triage and the model installed and
see the input file and output directory at the same paths (a shared file system).
"""
from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from triage.batch import Span, classify_records, data_span, read_items, record_ends

PART = "part-{:05d}.jsonl"
MANIFEST = "manifest.json"


class BackfillError(Exception):
    """A back-fill that cannot start (``code`` 2) or did not finish (``code`` 1)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Partition:
    index: int
    span: Span
    last_line: int

    @property
    def part(self) -> str:
        return PART.format(self.index)


def plan_partitions(src: Path, partition_lines: int) -> tuple[list[Partition], int]:
    """Cut ``src`` into partitions of at least ``partition_lines`` lines (fewer for the last), ending
    on record boundaries, in one streaming pass (memory flat); also returns the file's line count."""
    start = data_span(src)
    parts: list[Partition] = []
    first_line, first_byte = start.first_line, start.start
    last_line, end = first_line - 1, first_byte
    for last_line, end in record_ends(src):
        if last_line - first_line + 1 >= partition_lines:
            parts.append(Partition(len(parts), Span(first_byte, end, first_line), last_line))
            first_line, first_byte = last_line + 1, end
    if last_line >= first_line:
        parts.append(Partition(len(parts), Span(first_byte, end, first_line), last_line))
    return parts, last_line


# -- worker side ----------------------------------------------------------------------------------
_LOCK = threading.Lock()
_CACHED: tuple[str, object] | None = None  # (factory token, pipeline): one pipeline per worker process
_LOADS = 0


def load_default_pipeline(model_dir: str | None = None):
    """The pipeline factory of `triage backfill`: the trained model (``model_dir`` or the worker's
    TRIAGE_MODEL_DIR) with the real encoder."""
    from triage.pipeline.pipeline import load_pipeline

    return load_pipeline(model_dir)


def worker_pipeline(factory, token: str):
    """The pipeline of this worker process, made by ``factory`` on first use and kept."""
    global _CACHED, _LOADS
    with _LOCK:
        if _CACHED is None or _CACHED[0] != token:
            _CACHED = (token, factory())
            _LOADS += 1
        return _CACHED[1]


def classify_partition(p: Partition, *, src: str, name: str, out_dir: str, max_chars: int, factory,
                       token: str) -> dict:
    """Classify one partition into its part file; returns its report (no text, only line numbers)."""
    t0, c0 = time.perf_counter(), time.process_time()
    pipeline = worker_pipeline(factory, token)
    dst = Path(out_dir) / p.part
    tmp = dst.with_name(dst.name + ".tmp")
    messages = io.StringIO()
    with tmp.open("w", encoding="utf-8") as out:
        rep = classify_records(pipeline, read_items(Path(src), max_chars, p.span), out, name=name, err=messages)
    tmp.replace(dst)
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = f"pid {os.getpid()}"
    return {"index": p.index, "part": p.part, "first_line": p.span.first_line, "last_line": p.last_line,
            "records": rep.read, "written": rep.written, "bad": [asdict(b) for b in rep.bad],
            "non_english": rep.non_english, "messages": messages.getvalue(),
            "model_version": getattr(pipeline, "model_version", None), "worker": worker,
            "pipeline_loads": _LOADS, "seconds": round(time.perf_counter() - t0, 3),
            "cpu_seconds": round(time.process_time() - c0, 3)}


# -- driver side ----------------------------------------------------------------------------------
def _prepare_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackfillError(f"cannot create the output directory {out_dir}: {exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise BackfillError(f"{out_dir} is not a directory")
    if (out_dir / MANIFEST).exists() or any(out_dir.glob("part-*.jsonl")):
        raise BackfillError(f"{out_dir} already holds a back-fill; choose a new or empty directory")
    probe = out_dir / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BackfillError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None


def _client(scheduler_address: str | None, workers: int, connect_timeout: float):
    """(client, cluster or None): a connection to an existing cluster, or a local cluster of processes."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler_address:
        try:
            return Client(scheduler_address, timeout=connect_timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise BackfillError(f"cannot reach the Dask scheduler at {scheduler_address}: {exc}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _close_quietly(cluster) -> None:
    """Close a local cluster. A worker holding torch and spaCy can take longer to exit than the
    nanny's 4 s wait on a busy machine; the nanny then kills it and says so. That is harmless here
    (every part file is written and every result returned before the close), so it is not shown."""
    import logging

    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    nanny.setLevel(logging.ERROR)
    try:
        cluster.close()
    finally:
        nanny.setLevel(level)


def backfill(src: str | Path, out_dir: str | Path, *, partition_lines: int = 5000, workers: int = 2,
             scheduler_address: str | None = None, model_dir: str | Path | None = None, pipeline_factory=None,
             max_chars: int | None = None, connect_timeout: float = 30.0, progress: bool = True,
             err=sys.stderr) -> dict:
    """Back-fill ``src`` into part files under ``out_dir``; returns the manifest (also written there).

    ``pipeline_factory`` (picklable, no arguments) makes each worker's pipeline; by default the
    trained model at ``model_dir`` (or the workers' configured one). Raises BackfillError.
    """
    from tqdm import tqdm

    from triage.batch import InputError
    from triage.config import get_settings

    t0 = time.perf_counter()
    name, src, out_dir = str(src), Path(src).resolve(), Path(out_dir).resolve()
    if partition_lines < 1 or workers < 1:
        raise BackfillError("--partition-lines and --workers must be at least 1")
    if not src.is_file():
        raise BackfillError(f"{name} does not exist")
    try:
        data_span(src)  # the format and a CSV's header are checked before anything is written
        _prepare_out_dir(out_dir)
        parts, n_lines = plan_partitions(src, partition_lines)
    except InputError as exc:
        raise BackfillError(str(exc)) from None
    if max_chars is None:
        max_chars = get_settings().max_text_chars
    if pipeline_factory is None:
        pipeline_factory = partial(load_default_pipeline, str(Path(model_dir).resolve()) if model_dir else None)
    from dask.base import tokenize

    token = tokenize(pipeline_factory)
    results: list[dict] = []
    if parts:
        total_lines = parts[-1].last_line - parts[0].span.first_line + 1
        client, cluster = _client(scheduler_address, workers, connect_timeout)
        try:
            from distributed import as_completed

            n_workers = len(client.nthreads())
            futures = client.map(classify_partition, parts, src=str(src), name=name, out_dir=str(out_dir),
                                 max_chars=max_chars, factory=pipeline_factory, token=token, pure=False)
            with tqdm(total=total_lines, unit="line", file=err, disable=not progress,
                      desc=f"back-fill ({len(parts)} partitions)") as bar:
                for fut in as_completed(futures):
                    try:
                        res = fut.result()
                    except Exception as exc:
                        client.cancel(futures)
                        raise BackfillError(f"a partition failed: {type(exc).__name__}: {exc}; the part files "
                                            f"written so far are in {out_dir}", code=1) from None
                    results.append(res)
                    bar.update(res["last_line"] - res["first_line"] + 1)
        finally:
            client.close()
            if cluster is not None:
                _close_quietly(cluster)
    else:
        n_workers = 0
    results.sort(key=lambda r: r["index"])
    bad, non_english = [], []
    for r in results:  # the lists go to the top of the manifest, their counts stay with each partition
        err.write(r.pop("messages"))
        bad += r["bad"]
        non_english += r["non_english"]
        r["bad"], r["non_english"] = len(r["bad"]), len(r["non_english"])
    versions = sorted({r["model_version"] for r in results if r["model_version"]})
    manifest = {
        "input": str(src), "output": str(out_dir),
        "lines": n_lines, "records": sum(r["records"] for r in results),
        "written": sum(r["written"] for r in results), "bad": bad, "non_english": non_english,
        "model_version": versions[0] if len(versions) == 1 else versions or None,
        "partition_lines": partition_lines, "workers": n_workers,
        "scheduler": scheduler_address or "local", "partitions": results,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out_dir / MANIFEST)
    if len(versions) > 1:
        raise BackfillError(f"the workers ran different models ({', '.join(versions)}); see {out_dir / MANIFEST}",
                            code=1)
    return manifest
