"""The reviewed worklist areas (``worklist_areas.yaml``): which team owns each target table's records,
and for each reject reason, gate check and PTL validation check the problem in words and the change
to make in the legacy PAS.

Every problem in the file names the file and the entry at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from qvh_migration.errors import CurationError

AREAS_FILE = Path(__file__).with_name("worklist_areas.yaml")
SECTIONS = ("areas", "lists", "reasons", "checks", "validation")
ENTRY_KEYS = ("problem", "instruction", "guide", "area")
DEFAULT = "default"


@dataclass(frozen=True)
class Entry:
    """What a reason or check means and what to change in the legacy PAS."""

    problem: str
    instruction: str
    guide: str = ""
    area: str = ""  # empty: the area of the record's target table


@dataclass(frozen=True)
class Areas:
    titles: dict[str, str]  # area -> title
    table_area: dict[str, str]  # target table -> area
    list_area: dict[str, str]  # waiting list -> area
    reasons: dict[str, Entry]
    checks: dict[str, Entry]
    validation: dict[str, Entry]

    def reason(self, code: str) -> Entry:
        return self.reasons.get(code) or self.reasons[DEFAULT]

    def check(self, check: str) -> Entry | None:
        """The check's own entry, else its family's; None when only the default would do."""
        return self.checks.get(check) or self.checks.get(check.split(":", 1)[0])

    def validation_check(self, check: str) -> Entry:
        return self.validation.get(check) or self.validation[DEFAULT]


def load_areas(path: Path | None = None, tables: tuple[str, ...] | list[str] | None = None) -> Areas:
    """Read and check the areas file; with ``tables``, every target table must have exactly one area."""
    path = Path(path) if path is not None else AREAS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read the worklist areas ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise CurationError(path, f"top level must be a mapping with {', '.join(SECTIONS)}")
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise CurationError(path, f"unknown section(s) {', '.join(unknown)}", where=unknown[0])
    titles, table_area = _areas(path, _mapping(path, raw, "areas"))
    list_area = {str(k): str(v) for k, v in _mapping(path, raw, "lists").items()}
    for name, area in list_area.items():
        _known_area(path, area, titles, f"lists.{name}")
    entries = {s: _entries(path, s, _mapping(path, raw, s), titles) for s in ("reasons", "checks", "validation")}
    if tables is not None:
        missing = [t for t in tables if t not in table_area]
        if missing:
            raise CurationError(path, f"no area for target table(s) {', '.join(missing)}", where="areas")
        extra = sorted(set(table_area) - set(tables))
        if extra:
            raise CurationError(path, f"not a target table: {', '.join(extra)}", where=f"areas ({extra[0]})")
    return Areas(titles, table_area, list_area, entries["reasons"], entries["checks"], entries["validation"])


def _mapping(path: Path, raw: dict, key: str) -> dict:
    value = raw.get(key)
    if not isinstance(value, dict) or not value:
        raise CurationError(path, "must be a non-empty mapping", where=key)
    return value


def _areas(path: Path, raw: dict) -> tuple[dict[str, str], dict[str, str]]:
    titles: dict[str, str] = {}
    table_area: dict[str, str] = {}
    for name, value in raw.items():
        where = f"areas.{name}"
        if not isinstance(value, dict) or not str(value.get("title") or "").strip():
            raise CurationError(path, "an area has a title and a list of tables", where=where)
        tables = value.get("tables")
        if not isinstance(tables, list) or not tables:
            raise CurationError(path, "tables must be a non-empty list", where=where)
        titles[str(name)] = str(value["title"]).strip()
        for table in map(str, tables):
            if table in table_area:
                raise CurationError(path, f"{table} is already in area {table_area[table]}", where=where)
            table_area[table] = str(name)
    return titles, table_area


def _known_area(path: Path, area: str, titles: dict[str, str], where: str) -> None:
    if area not in titles:
        raise CurationError(path, f"unknown area {area!r} (known: {', '.join(titles)})", where=where)


def _entries(path: Path, section: str, raw: dict, titles: dict[str, str]) -> dict[str, Entry]:
    entries = {}
    for key, value in raw.items():
        where = f"{section}.{key}"
        if not isinstance(value, dict):
            raise CurationError(path, "an entry is a mapping with problem and instruction", where=where)
        unknown = sorted(set(value) - set(ENTRY_KEYS))
        if unknown:
            raise CurationError(path, f"unknown field(s) {', '.join(unknown)}", where=where)
        missing = [k for k in ("problem", "instruction") if not str(value.get(k) or "").strip()]
        if missing:
            raise CurationError(path, f"missing {', '.join(missing)}", where=where)
        area = str(value.get("area") or "")
        if area:
            _known_area(path, area, titles, where)
        entries[str(key)] = Entry(
            str(value["problem"]).strip(), str(value["instruction"]).strip(), str(value.get("guide") or ""), area
        )
    if DEFAULT not in entries:
        raise CurationError(path, f"needs a '{DEFAULT}' entry for codes not listed", where=section)
    return entries
