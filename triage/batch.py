"""Streaming batch classification: CSV (id,text) or JSONL ({"id","text"}) in, JSONL out.

Reads, classifies and writes in chunks, so memory stays flat on any input
length. Malformed lines are reported with their line numbers on stderr (and
counted) while the rest is processed; a line's output keeps its input order.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from triage.pipeline.language import detect_language

csv.field_size_limit(10_000_000)


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


def read_items(path: Path, max_chars: int) -> Iterator[tuple[int, str | None, str | None, str | None]]:
    """Yield (line number, id, text, error) for each record of a CSV or JSONL file."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path} looks like a binary file, not CSV or JSONL")
    if suffix in (".jsonl", ".ndjson", ".json") or head.lstrip().startswith(b"{"):
        yield from _read_jsonl(path, max_chars)
    elif suffix in (".csv", ".txt", "") or b"," in head:
        yield from _read_csv(path, max_chars)
    else:
        raise InputError(f"{path}: expected a .csv (id,text) or .jsonl file")


def _read_jsonl(path: Path, max_chars: int):
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
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


def _read_csv(path: Path, max_chars: int):
    bad_lines: dict[int, str] = {}

    def lines():
        with path.open("rb") as fb:
            for n, raw in enumerate(fb, 1):
                text, err = _decode(raw, n)
                if err:
                    bad_lines[n] = err
                    text = raw.decode("utf-8", errors="replace")
                yield text

    reader = csv.reader(lines())
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path} is empty")
    cols = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "id" not in cols or "text" not in cols:
        raise InputError(f"{path}: CSV needs the columns id,text (found {header})")
    i_id, i_text = cols.index("id"), cols.index("text")
    last = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, None, f"malformed CSV ({exc})"
            last = reader.line_num
            continue
        first, last = last + 1, reader.line_num
        problem = next((bad_lines[n] for n in range(first, last + 1) if n in bad_lines), None)
        if problem:
            yield first, None, None, problem
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(cols):
            yield first, None, None, f"expected {len(cols)} fields, found {len(row)}"
            continue
        yield first, row[i_id], row[i_text], check_text(row[i_text], max_chars)


def classify_file(pipeline, src: Path, dst: Path, *, max_chars: int, chunk: int = 256,
                  progress: bool = True, err=sys.stderr) -> BatchReport:
    """Classify every good record of ``src`` into ``dst`` (JSONL, input order)."""
    from tqdm import tqdm

    report = BatchReport()
    total = None
    if progress:
        with src.open("rb") as fh:
            total = sum(1 for _ in fh)
    bar = tqdm(total=total, unit="line", file=err, disable=not progress or (total or 0) < 200,
               desc="classifying")
    tmp = dst.with_name(dst.name + ".part")
    with tmp.open("w", encoding="utf-8") as out:
        buf: list[tuple[str, str]] = []

        def flush():
            if not buf:
                return
            preds = pipeline.predict([t for _, t in buf])
            for (item_id, _), pred in zip(buf, preds):
                out.write(json.dumps(pred.to_contract(item_id), ensure_ascii=False) + "\n")
            report.written += len(buf)
            bar.update(len(buf))
            buf.clear()

        for lineno, item_id, text, problem in read_items(src, max_chars):
            report.read += 1
            if problem:
                report.bad.append(BadLine(lineno, problem))
                print(f"{src}:{lineno}: skipped: {problem}", file=err)
                bar.update(1)
                continue
            lang = detect_language(text)
            if lang:
                report.non_english.append(lineno)
                print(f"{src}:{lineno}: warning: text looks {lang}, not English; classified anyway, "
                      "the labels are unreliable: have a person read it", file=err)
            buf.append((item_id, text))
            if len(buf) >= chunk:
                flush()
        flush()
    bar.close()
    tmp.replace(dst)
    return report
