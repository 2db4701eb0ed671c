"""Load and validate the taxonomy; a broken label set fails loudly."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

DEFAULT_VERSION = 1
_GROUPS = ("freda", "rights", "seldom_heard")
_PREFIX = {"freda": "freda.", "rights": "right.", "seldom_heard": "grp.", "sg": "sg.", "ei": "ei."}


class TaxonomyError(ValueError):
    """The taxonomy (or a label that should be in it) is invalid."""


@dataclass(frozen=True)
class Taxonomy:
    version: int
    quality_statements: tuple[str, ...]
    key_question: dict[str, str]
    names: dict[str, str]
    hr_linked: frozenset[str]
    freda: tuple[str, ...]
    rights: tuple[str, ...]
    ei_levels: tuple[str, ...]
    ei_kinds: tuple[str, ...]
    sg_urgency: tuple[str, ...]
    sg_types: tuple[str, ...]
    seldom_heard: tuple[str, ...]
    speaker: tuple[str, ...]
    source_type: tuple[str, ...]
    sentiment: tuple[str, ...]
    all_ids: frozenset[str] = field(default=frozenset())

    def check_ids(self, ids, group: str | None = None) -> None:
        """Raise TaxonomyError if any ID is unknown (optionally: not in ``group``)."""
        allowed = set(getattr(self, group)) if group else self.all_ids
        bad = [i for i in ids if i not in allowed]
        if bad:
            raise TaxonomyError(f"unknown label IDs{' in ' + group if group else ''}: {bad}")

    def check_choice(self, value: str, group: str) -> None:
        if value not in getattr(self, group):
            raise TaxonomyError(f"{value!r} is not one of {group}: {list(getattr(self, group))}")


def _ids(entries, where: str, prefix: str | None, seen: set[str], names: dict[str, str]) -> tuple[str, ...]:
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{where}: expected a non-empty list")
    out = []
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not e.get("name"):
            raise TaxonomyError(f"{where}: each entry needs an id and a name, got {e!r}")
        i = e["id"]
        if prefix and not i.startswith(prefix):
            raise TaxonomyError(f"{where}: {i!r} should start with {prefix!r}")
        if i in seen:
            raise TaxonomyError(f"duplicate label ID {i!r} ({where})")
        seen.add(i)
        names[i] = e["name"]
        out.append(i)
    return tuple(out)


def _enum(raw, key: str) -> tuple[str, ...]:
    v = raw.get(key)
    if not isinstance(v, list) or not v or len(set(v)) != len(v) or not all(isinstance(x, str) for x in v):
        raise TaxonomyError(f"{key}: expected a non-empty list of distinct strings")
    return tuple(v)


def parse_taxonomy(raw: dict) -> Taxonomy:
    """Validate a parsed taxonomy document and build the Taxonomy."""
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise TaxonomyError("taxonomy needs an integer 'version'")
    seen: set[str] = set()
    names: dict[str, str] = {}
    qs_raw = raw.get("quality_statements")
    if not isinstance(qs_raw, dict) or not qs_raw:
        raise TaxonomyError("quality_statements: expected a mapping of key question -> statements")
    qs: list[str] = []
    kq: dict[str, str] = {}
    hr: set[str] = set()
    for question, entries in qs_raw.items():
        for i in _ids(entries, f"quality_statements.{question}", f"{question}.", seen, names):
            qs.append(i)
            kq[i] = question
        hr |= {e["id"] for e in entries if e.get("hr")}
    groups = {g: _ids(raw.get(g), g, _PREFIX[g], seen, names) for g in _GROUPS}
    ei = raw.get("epistemic_injustice") or {}
    sg = raw.get("safeguarding") or {}
    tax = Taxonomy(
        version=raw["version"], quality_statements=tuple(qs), key_question=kq, names=names,
        hr_linked=frozenset(hr), freda=groups["freda"], rights=groups["rights"],
        ei_levels=_enum(ei, "levels"), ei_kinds=_ids(ei.get("kinds"), "epistemic_injustice.kinds", "ei.", seen, names),
        sg_urgency=_enum(sg, "urgency"), sg_types=_ids(sg.get("types"), "safeguarding.types", "sg.", seen, names),
        seldom_heard=groups["seldom_heard"], speaker=_enum(raw, "speaker"),
        source_type=_enum(raw, "source_type"), sentiment=_enum(raw, "sentiment"),
        all_ids=frozenset(seen),
    )
    if tax.ei_levels != ("none", "possible", "likely") or tax.sg_urgency != ("none", "concern", "urgent"):
        raise TaxonomyError("epistemic_injustice.levels and safeguarding.urgency must be ordered none..highest")
    return tax


def _read_yaml(version: int | None, path: str | Path | None, stem: str) -> dict:
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        res = resources.files("triage.taxonomy") / "data" / f"{stem}_v{version or DEFAULT_VERSION}.yaml"
        if not res.is_file():
            raise TaxonomyError(f"no packaged {stem} version {version}")
        text = res.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{stem}: not valid YAML: {exc}") from exc


@lru_cache(maxsize=8)
def load_taxonomy(version: int | None = None, path: str | None = None) -> Taxonomy:
    """Load the packaged taxonomy (or one at ``path``) and validate it."""
    return parse_taxonomy(_read_yaml(version, path, "taxonomy"))


@lru_cache(maxsize=8)
def load_crosswalks(version: int | None = None) -> dict:
    """Crosswalks from the real data sets' labels to taxonomy IDs, checked against the taxonomy."""
    raw = _read_yaml(version, None, "crosswalks")
    tax = load_taxonomy(version)
    for table in ("phase2_v6", "phase1_codes", "oregon_type_of_abuse"):
        for key, ids in (raw.get(table) or {}).items():
            tax.check_ids([i for i in ids if i != "sg.any"])
    return raw
