"""Streaming batch classification: CSV (id,text) or JSONL ({"id","text"}) in, JSONL out.

Reads, classifies and writes in chunks, so memory stays flat on any input
length. Malformed lines are reported with their line numbers on stderr (and
counted) while the rest is processed; a line's output keeps its input order.
"""
from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from triage.pipeline.language import detect_language

# texts per pipeline call: large enough that length-sorted encoder batches pad little and repeated
# sentences are encoded once, small enough that memory stays flat (see benchmarks/batch_throughput.py)
DEFAULT_CHUNK = 1024

csv.field_size_limit(10_000_000)


class Span(NamedTuple):
    """A byte range of an input file that starts and ends on record boundaries; ``first_line`` is
    the line number (in the whole file) of its first byte. ``end`` may be ``math.inf``."""

    start: int
    end: float
    first_line: int


class InputError(ValueError):
    """The input file as a whole cannot be read (wrong format, missing columns)."""


@dataclass
class BadLine:
    line: int
    reason: str


@dataclass
class BatchReport:
    read: int = 0
    written: int = 0
    bad: list[BadLine] = field(default_factory=list)
    non_english: list[int] = field(default_factory=list)


def check_text(text, max_chars: int) -> str | None:
    """Why a text cannot be classified, or None if it can."""
    if not isinstance(text, str):
        return "text must be a string"
    if not text.strip():
        return "empty text"
    if len(text) > max_chars:
        return f"text longer than {max_chars} characters"
    if "\x00" in text:
        return "text contains NUL bytes (binary?)"
    return None


def _decode(raw: bytes, lineno: int) -> tuple[str | None, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})"


def detect_format(path: Path) -> str:
    """``"jsonl"`` or ``"csv"``, from the name and the first bytes; InputError for anything else."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path} looks like a binary file, not CSV or JSONL")
    if suffix in (".jsonl", ".ndjson", ".json") or head.lstrip().startswith(b"{"):
        return "jsonl"
    if suffix in (".csv", ".txt", "") or b"," in head:
        return "csv"
    raise InputError(f"{path}: expected a .csv (id,text) or .jsonl file")


def read_items(path: Path, max_chars: int,
               span: Span | None = None) -> Iterator[tuple[int, str | None, str | None, str | None]]:
    """Yield (line number, id, text, error) for each record of a CSV or JSONL file.

    With ``span`` only the records of that byte range are read (a CSV's header is still taken from
    the top of the file); line numbers are always those of the whole file.
    """
    if detect_format(path) == "jsonl":
        yield from _read_jsonl(path, max_chars, span)
    else:
        yield from _read_csv(path, max_chars, span)


def _raw_lines(path: Path, span: Span | None) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of the whole file or of a span."""
    with path.open("rb") as fh:
        if span is None:
            yield from enumerate(fh, 1)
            return
        fh.seek(span.start)
        pos, lineno = span.start, span.first_line
        while pos < span.end:
            raw = fh.readline()
            if not raw:
                return
            yield lineno, raw
            pos, lineno = pos + len(raw), lineno + 1


def _read_jsonl(path: Path, max_chars: int, span: Span | None = None):
    for lineno, raw in _raw_lines(path, span):
        if not raw.strip():
            continue
        line, err = _decode(raw, lineno)
        if err:
            yield lineno, None, None, err
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, None, f"invalid JSON ({exc.msg})"
            continue
        if not isinstance(obj, dict) or "id" not in obj or "text" not in obj:
            yield lineno, None, None, 'expected an object with "id" and "text"'
            continue
        item_id = obj["id"]
        if not isinstance(item_id, (str, int)) or isinstance(item_id, bool):
            yield lineno, None, None, "id must be a string or an integer"
            continue
        yield lineno, str(item_id), obj["text"], check_text(obj["text"], max_chars)


class _CsvLines:
    """Decoded lines of a file or span for ``csv.reader``: notes the lines that are not valid UTF-8
    (decoded with replacement so the reader keeps its place) and the byte offset reached."""

    def __init__(self, path: Path, span: Span | None) -> None:
        self.path, self.span = path, span
        self.bad: dict[int, str] = {}
        self.pos = span.start if span else 0

    def __iter__(self):
        for n, raw in _raw_lines(self.path, self.span):
            text, err = _decode(raw, n)
            if err:
                self.bad[n] = err
                text = raw.decode("utf-8", errors="replace")
            self.pos += len(raw)
            yield text


def _csv_header(path: Path) -> tuple[list[str], Span]:
    """The lower-cased column names, and the span of the data after the header (to the end of the file)."""
    lines = _CsvLines(path, None)
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path} is empty")
    cols = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "id" not in cols or "text" not in cols:
        raise InputError(f"{path}: CSV needs the columns id,text (found {header})")
    return cols, Span(lines.pos, math.inf, reader.line_num + 1)


def _read_csv(path: Path, max_chars: int, span: Span | None = None):
    cols, data = _csv_header(path)
    i_id, i_text = cols.index("id"), cols.index("text")
    lines = _CsvLines(path, span or data)
    reader = csv.reader(lines)
    base = lines.span.first_line - 1  # reader.line_num counts from the start of the span
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield base + reader.line_num, None, None, f"malformed CSV ({exc})"
            last = reader.line_num
            lines.bad.clear()  # the lines read so far belong to the malformed row
            continue
        first, last = base + last + 1, reader.line_num
        problems = [lines.bad.pop(n) for n in range(first, base + last + 1) if n in lines.bad]
        if problems:
            yield first, None, None, problems[0]
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(cols):
            yield first, None, None, f"expected {len(cols)} fields, found {len(row)}"
            continue
        yield first, row[i_id], row[i_text], check_text(row[i_text], max_chars)


def data_span(path: Path) -> Span:
    """The span of a file's records: the whole of a JSONL file, a CSV after its header (checked)."""
    if detect_format(path) == "jsonl":
        return Span(0, math.inf, 1)
    return _csv_header(path)[1]


def record_ends(path: Path) -> Iterator[tuple[int, int]]:
    """(last line, byte offset just after it) of each record, in file order: the places where a
    partition may end. A JSONL record is a line; a CSV row may span lines (quoted newlines), so the
    CSV reader itself finds the ends, exactly as ``read_items`` will read the rows back."""
    if detect_format(path) == "jsonl":
        pos = 0
        for lineno, raw in _raw_lines(path, None):
            pos += len(raw)
            yield lineno, pos
        return
    span = _csv_header(path)[1]
    lines = _CsvLines(path, span)
    reader = csv.reader(lines)
    base = span.first_line - 1
    while True:
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error:
            pass
        lines.bad.clear()
        yield base + reader.line_num, lines.pos


def classify_records(pipeline, records: Iterable[tuple[int, str | None, str | None, str | None]], out, *,
                     name, chunk: int = DEFAULT_CHUNK, err=sys.stderr, progress=None) -> BatchReport:
    """Classify the good records (as ``read_items`` yields them) and write one contract JSON line
    each to ``out``, in input order; bad and non-English lines are reported on ``err`` as
    ``name:line: ...`` (never their text). ``progress(n)`` is called as lines are done."""
    report = BatchReport()
    buf: list[tuple[str, str]] = []

    def flush():
        if not buf:
            return
        preds = pipeline.predict([t for _, t in buf])
        for (item_id, _), pred in zip(buf, preds):
            out.write(json.dumps(pred.to_contract(item_id), ensure_ascii=False) + "\n")
        report.written += len(buf)
        if progress:
            progress(len(buf))
        buf.clear()

    for lineno, item_id, text, problem in records:
        report.read += 1
        if problem:
            report.bad.append(BadLine(lineno, problem))
            print(f"{name}:{lineno}: skipped: {problem}", file=err)
            if progress:
                progress(1)
            continue
        lang = detect_language(text)
        if lang:
            report.non_english.append(lineno)
            print(f"{name}:{lineno}: warning: text looks {lang}, not English; classified anyway, "
                  "the labels are unreliable: have a person read it", file=err)
        buf.append((item_id, text))
        if len(buf) >= chunk:
            flush()
    flush()
    return report


def classify_file(pipeline, src: Path, dst: Path, *, max_chars: int, chunk: int = DEFAULT_CHUNK,
                  progress: bool = True, err=sys.stderr) -> BatchReport:
    """Classify every good record of ``src`` into ``dst`` (JSONL, input order)."""
    from tqdm import tqdm

    total = None
    if progress:
        with src.open("rb") as fh:
            total = sum(1 for _ in fh)
    bar = tqdm(total=total, unit="line", file=err, disable=not progress or (total or 0) < 200,
               desc="classifying")
    tmp = dst.with_name(dst.name + ".part")
    with tmp.open("w", encoding="utf-8") as out:
        report = classify_records(pipeline, read_items(src, max_chars), out, name=src, chunk=chunk, err=err,
                                  progress=bar.update)
    bar.close()
    tmp.replace(dst)
    return report
