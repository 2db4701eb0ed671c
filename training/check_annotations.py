"""Validate an annotator's JSONL file: python -m training.check_annotations FILE [ITEMS_FILE]."""
from __future__ import annotations

import json
import sys

from triage.gold import validate_annotation
from triage.taxonomy import TaxonomyError


def main(path: str, items_path: str | None = None) -> int:
    errors, ids = 0, []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                validate_annotation(rec)
                ids.append(rec["id"])
            except (json.JSONDecodeError, TaxonomyError, KeyError, TypeError) as exc:
                errors += 1
                print(f"{path}:{n}: {exc}")
    if len(set(ids)) != len(ids):
        errors += 1
        print("duplicate ids:", sorted({i for i in ids if ids.count(i) > 1}))
    if items_path:
        want = [json.loads(l)["id"] for l in open(items_path, encoding="utf-8") if l.strip()]
        miss = sorted(set(want) - set(ids))
        if miss:
            errors += 1
            print(f"{len(miss)} items not annotated, e.g. {miss[:5]}")
    print(f"{len(ids)} annotations, {errors} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
