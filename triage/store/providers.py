"""Providers and their locations, loaded from a CSV (id, name, type, region[, provider_id])."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session

from triage.store.tables import Provider

REQUIRED = ("id", "name", "type", "region")


class ProviderFileError(ValueError):
    pass


def load_providers(db: Session, path: Path) -> int:
    """Insert or update providers and locations; a location names its provider in `provider_id`.

    The whole file is checked first (columns, empty or duplicate ids, locations of unknown
    providers, each problem with its line number) and nothing is written if any line is wrong.
    """
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = [c.strip().lower() for c in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise ProviderFileError(f"{path}: missing columns {missing} (need id,name,type,region[,provider_id])")
        rows = [(n, {k.strip().lower(): (v or "").strip() for k, v in r.items() if k}) for n, r in enumerate(reader, 2)]
    problems, seen = [], {}
    for n, r in rows:
        if not r["id"] or not r["name"]:
            problems.append(f"line {n}: id and name are required")
        elif len(r["id"]) > 64:
            problems.append(f"line {n}: id longer than 64 characters")
        elif r["id"] in seen:
            problems.append(f"line {n}: duplicate id {r['id']!r} (first on line {seen[r['id']]})")
        else:
            seen[r["id"]] = n
    for n, r in rows:
        parent = r.get("provider_id") or None
        if parent and (parent not in seen or (dict(rows).get(seen[parent], {}).get("provider_id"))):
            if db.get(Provider, parent) is None:
                problems.append(f"line {n}: location {r['id']!r} names unknown provider {parent!r}")
    if problems:
        raise ProviderFileError(f"{path}: " + "; ".join(problems))
    for _, r in rows:
        p = db.get(Provider, r["id"]) or Provider(id=r["id"], name=r["name"])
        p.name, p.type, p.region = r["name"], r["type"], r["region"]
        p.provider_id = r.get("provider_id") or None
        db.add(p)
    db.commit()
    return len(rows)
