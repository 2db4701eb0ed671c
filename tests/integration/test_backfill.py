"""Back-fill on Dask in local mode (2 worker processes), with the fake embedder: every good line is
classified exactly once, bad lines carry the original file's line numbers, and the part files hold
exactly what `triage classify` writes for the same input."""
from __future__ import annotations

import collections
import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import MODEL_DIR, ROOT
from triage.backfill import MANIFEST, BackfillError, backfill
from triage.batch import classify_file
from triage.cli import main as cli

SPANISH = "El personal fue muy amable pero esperé mucho tiempo en la sala de urgencias."


def fake_pipeline_factory():
    """Picklable (a module function): each Dask worker process builds the fake-embedder pipeline."""
    from tests.conftest import FakeEmbedder
    from triage.pipeline.pipeline import Pipeline

    return Pipeline(MODEL_DIR, embedder=FakeEmbedder())


def demo_texts(n: int) -> list[str]:
    with (ROOT / "demo" / "demo_feedback.csv").open(encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    multi = [t for t in texts if "\n" in t][:10]  # quoted newlines: a row spans lines
    return (multi + [t for t in texts if "\n" not in t])[:n]


BAD_ROWS = {4: (b"x-empty,\n", "empty text"), 13: (b"x-fields,a,b\n", "expected 2 fields"),
            22: (b"x-utf8,bad \xff byte\n", "not valid UTF-8")}


def write_csv(path: Path) -> tuple[list[str], dict[int, str]]:
    """About 50 lines: 36 good rows (10 of them over several lines), a Spanish one and 3 bad ones.
    Returns the good ids and {line number: reason} of the bad rows, counted as the file is written."""
    out, good, bad, line = [b"id,text\n"], [], {}, 2
    for i, text in enumerate(demo_texts(36) + [SPANISH]):
        if i in BAD_ROWS:
            out.append(BAD_ROWS[i][0])
            bad[line] = BAD_ROWS[i][1]
            line += 1
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([f"c{i}", text])
        out.append(buf.getvalue().encode())
        good.append(f"c{i}")
        line += buf.getvalue().count("\n")
    path.write_bytes(b"".join(out))
    assert line - 1 == path.read_bytes().count(b"\n") and 45 <= line <= 80
    return good, bad


def read_parts(out: Path) -> list[dict]:
    return [json.loads(l) for p in sorted(out.glob("part-*.jsonl")) for l in p.read_text(encoding="utf-8").splitlines()]


def classify_reference(src: Path, tmp: Path) -> tuple[list[dict], str]:
    err = io.StringIO()
    classify_file(fake_pipeline_factory(), src, tmp / "reference.jsonl", max_chars=20_000, progress=False, err=err)
    return [json.loads(l) for l in (tmp / "reference.jsonl").read_text(encoding="utf-8").splitlines()], err.getvalue()


def test_local_cluster_backfill_equals_triage_classify(tmp_path):
    src = tmp_path / "in.csv"
    good, bad = write_csv(src)
    err = io.StringIO()
    m = backfill(src, tmp_path / "out", partition_lines=7, workers=2, pipeline_factory=fake_pipeline_factory,
                 progress=False, err=err)
    out = read_parts(tmp_path / "out")
    counts = collections.Counter(o["id"] for o in out)
    assert sorted(counts) == sorted(good) and set(counts.values()) == {1}  # each good line exactly once
    assert [b["line"] for b in m["bad"]] == list(bad)  # the original file's line numbers
    assert all(want in b["reason"] for b, want in zip(m["bad"], bad.values()))
    reference, reference_err = classify_reference(src, tmp_path)
    assert out == reference  # same records, same order, same JSON as `triage classify`
    assert err.getvalue() == reference_err  # same skipped / non-English messages, same line numbers
    assert m["non_english"] == [line_of(src, good[-1])]
    assert m == json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert m["written"] == len(good) and m["records"] == len(good) + len(bad)
    assert m["model_version"] == reference[0]["model_version"] and m["workers"] == 2
    parts = m["partitions"]
    assert len(parts) >= 5 and [p["index"] for p in parts] == list(range(len(parts)))
    assert all(p["pipeline_loads"] == 1 for p in parts)  # one pipeline per worker process, kept
    assert 1 <= len({p["worker"] for p in parts}) <= 2
    assert not list((tmp_path / "out").glob("*.tmp"))


def line_of(src: Path, item_id: str) -> int:
    """The line on which a row starts, found by reading the file with the csv module directly."""
    with src.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        last = 0
        for row in reader:
            if row and row[0] == item_id:
                return last + 1
            last = reader.line_num
    raise AssertionError(item_id)


def test_existing_cluster_by_address_with_jsonl(tmp_path):
    from distributed import LocalCluster

    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(demo_texts(20))]
    lines[3:3] = ['{"id": "broken"', ""]
    lines[12:12] = ['{"id": "no-text"}']
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        m = backfill(src, tmp_path / "out", partition_lines=6, scheduler_address=cluster.scheduler_address,
                     pipeline_factory=fake_pipeline_factory, progress=False, err=io.StringIO())
    assert [(b["line"], b["reason"][:12]) for b in m["bad"]] == [(4, "invalid JSON"), (13, 'expected an ')]
    assert read_parts(tmp_path / "out") == classify_reference(src, tmp_path)[0]
    assert m["written"] == 20 and m["scheduler"] == cluster.scheduler_address and m["lines"] == 23


def test_cli_errors_are_clear_and_nothing_starts(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,The staff were kind.\n")
    assert cli(["backfill", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o1")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert cli(["backfill", str(src), "--out", str(tmp_path / "file" / "sub")]) == 2
    assert "cannot create the output directory" in capsys.readouterr().err
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "part-00000.jsonl").write_text("")
    assert cli(["backfill", str(src), "--out", str(tmp_path / "done")]) == 2
    assert "already holds a back-fill" in capsys.readouterr().err
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,comment\na,b\n")
    assert cli(["backfill", str(wrong), "--out", str(tmp_path / "o2")]) == 2
    assert "id,text" in capsys.readouterr().err and not (tmp_path / "o2").exists()
    assert cli(["backfill", str(src), "--out", str(tmp_path / "o3"), "--workers", "0"]) == 2
    with pytest.raises(BackfillError, match="cannot reach the Dask scheduler") as exc:
        backfill(src, tmp_path / "o4", scheduler_address="tcp://127.0.0.1:9", connect_timeout=1,
                 pipeline_factory=fake_pipeline_factory, progress=False)
    assert exc.value.code == 2
