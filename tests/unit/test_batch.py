import json

import pytest

from triage.batch import InputError, classify_file, read_items
from triage.domain import Prediction


class EchoPipeline:
    """Counts calls; returns empty predictions (the batch layer is under test, not the model)."""

    def __init__(self):
        self.seen = []

    def predict(self, texts):
        self.seen.extend(texts)
        return [Prediction(model_version="test") for _ in texts]


def test_csv_reports_bad_lines_with_numbers_and_keeps_the_rest(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes(b'id,text\n1,Good care\n2,\n3,"multi\nline text"\n4,bad \xff byte\n5,a,b\n6,Last one\n')
    rows = list(read_items(p, max_chars=100))
    good = [(n, i, t) for n, i, t, e in rows if e is None]
    bad = {n: e for n, i, t, e in rows if e}
    assert [i for _, i, _ in good] == ["1", "3", "6"]
    assert good[1][2] == "multi\nline text"
    assert set(bad) == {3, 6, 7} and "empty" in bad[3] and "UTF-8" in bad[6] and "fields" in bad[7]


def test_jsonl_reports_malformed_lines(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "ok"}\n{"id": 2\n[1,2]\n{"id": "x", "text": "   "}\n'
                 '{"id": "y", "text": "' + "a" * 50 + '"}\n{"id": "z", "text": "fine"}\n')
    rows = list(read_items(p, max_chars=20))
    assert [(n, e is None) for n, _, _, e in rows] == [(1, True), (2, False), (3, False), (4, False), (5, False),
                                                        (6, True)]
    assert "longer than 20" in rows[4][3]


def test_binary_and_headerless_files_are_rejected(tmp_path):
    b = tmp_path / "x.csv"
    b.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(InputError, match="binary"):
        list(read_items(b, 100))
    h = tmp_path / "y.csv"
    h.write_text("name,comment\na,b\n")
    with pytest.raises(InputError, match="id,text"):
        list(read_items(h, 100))


def test_classify_file_keeps_input_order_and_streams_in_chunks(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"r{i}", "text": f"text {i}"}) + "\n" for i in range(25)))
    pipe = EchoPipeline()
    rep = classify_file(pipe, src, tmp_path / "out.jsonl", max_chars=100, chunk=4, progress=False)
    out = [json.loads(l) for l in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["id"] for o in out] == [f"r{i}" for i in range(25)]
    assert rep.written == 25 and not rep.bad and len(pipe.seen) == 25


def test_non_english_lines_are_flagged_with_their_line_numbers(tmp_path, capsys):
    import io

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "The nurse was kind and explained everything."}) + "\n"
                   + json.dumps({"id": "b", "text": "El personal fue muy amable pero esperé mucho tiempo."}) + "\n")
    err = io.StringIO()
    rep = classify_file(EchoPipeline(), src, tmp_path / "o.jsonl", max_chars=500, progress=False, err=err)
    assert rep.non_english == [2] and rep.written == 2
    assert "in.jsonl:2: warning: text looks es" in err.getvalue()
    assert "amable" not in err.getvalue()  # never the text itself


@pytest.mark.parametrize("per_part", [1, 2, 3, 5, 100])
def test_partitions_read_back_exactly_the_records_of_the_whole_file(tmp_path, per_part):
    """The back-fill's partitions end on record boundaries: read part by part, a file gives the same
    records with the same line numbers as read whole (quoted newlines, bad bytes, malformed rows)."""
    from triage.backfill import plan_partitions

    c = tmp_path / "in.csv"
    c.write_bytes(b'id,text\n1,Good care\n2,\n3,"multi\nline\n""quoted"" text"\n4,bad \xff byte\n5,a,b\n'
                  b'6,"two\nlines"\n\n7,x"y\n8,"open\nquote never closed\n9,last')
    j = tmp_path / "in.jsonl"
    j.write_bytes(b'{"id": 1, "text": "ok"}\n\n{"id": 2\n{"id": 3, "text": "\xff"}\n{"id": 4, "text": "end"}')
    for p in (c, j):
        whole = list(read_items(p, 100))
        parts, lines = plan_partitions(p, per_part)
        assert lines == p.read_bytes().count(b"\n") + 1
        assert [r for part in parts for r in read_items(p, 100, part.span)] == whole
        assert all(len(range(q.span.first_line, q.last_line + 1)) >= per_part for q in parts[:-1])
        assert parts[0].span.first_line == (2 if p is c else 1) and parts[-1].last_line == lines
