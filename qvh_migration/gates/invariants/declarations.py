"""The business invariants as reviewed data: one YAML file per family beside this module.

Each invariant has an id, a description, a severity, a family (identity, rtt, episode_integrity,
waiting_list, completeness) and the guide page or rule it was written from, and one SQL check per
target table it judges. A fault in a file names the file and the invariant, so a reviewer finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from qvh_migration.errors import CurationError

FAMILIES: tuple[str, ...] = ("identity", "rtt", "episode_integrity", "waiting_list", "completeness")
SEVERITIES: tuple[str, ...] = ("ERROR", "WARN")
KINDS: tuple[str, ...] = ("sql", "mandatory")
SCOPES: tuple[str, ...] = ("table", "run")
DECLARATIONS_DIR = Path(__file__).resolve().parent
_INVARIANT_KEYS = {"id", "description", "citation", "severity", "field", "tables", "sql", "kind", "scope"}


@dataclass(frozen=True)
class TableCheck:
    """One invariant's SQL on one target table (``*`` for a check over the whole run)."""

    table: str
    sql: str
    field: str


@dataclass(frozen=True)
class Invariant:
    id: str
    family: str
    description: str
    citation: str
    severity: str = "ERROR"
    kind: str = "sql"
    scope: str = "table"
    checks: tuple[TableCheck, ...] = ()

    @property
    def check(self) -> str:
        """The name in findings and the gate summary; the profile's policy is looked up by family."""
        return f"{self.family}:{self.id}"


def load_invariants(folder: Path = DECLARATIONS_DIR) -> list[Invariant]:
    """Every invariant of every family file in ``folder``, in family order."""
    invariants: list[Invariant] = []
    for family in FAMILIES:
        path = folder / f"{family}.yaml"
        if path.exists():
            invariants += load_family(path)
    ids = [i.id for i in invariants]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CurationError(folder, f"invariant id(s) declared twice: {', '.join(duplicated)}")
    return invariants


def load_family(path: Path) -> list[Invariant]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CurationError(path, f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict) or raw.get("family") not in FAMILIES:
        raise CurationError(path, f"a family file is a mapping with 'family' (one of {', '.join(FAMILIES)})")
    entries = raw.get("invariants")
    if not isinstance(entries, list) or not entries:
        raise CurationError(path, "'invariants' must be a non-empty list", where="invariants")
    return [_invariant(path, raw["family"], entry, n) for n, entry in enumerate(entries, start=1)]


def _invariant(path: Path, family: str, entry: object, number: int) -> Invariant:
    where = f"invariant {number}"
    if not isinstance(entry, dict):
        raise CurationError(path, "an invariant is a mapping", where=where)
    where = f"invariant {entry.get('id') or number}"
    unknown = sorted(set(entry) - _INVARIANT_KEYS)
    if unknown:
        raise CurationError(path, f"unknown key(s) {', '.join(unknown)}", where=where)
    for key in ("id", "description", "citation"):
        if not str(entry.get(key) or "").strip():
            raise CurationError(path, f"'{key}' is required", where=where)
    severity = str(entry.get("severity", "ERROR")).upper()
    kind, scope = str(entry.get("kind", "sql")), str(entry.get("scope", "table"))
    if severity not in SEVERITIES or kind not in KINDS or scope not in SCOPES:
        raise CurationError(
            path,
            f"severity in {SEVERITIES}, kind in {KINDS}, scope in {SCOPES} (got {severity}, {kind}, {scope})",
            where=where,
        )
    checks = () if kind == "mandatory" else _checks(path, where, entry, scope)
    return Invariant(
        str(entry["id"]), family, str(entry["description"]).strip(), str(entry["citation"]).strip(),
        severity, kind, scope, checks,
    )  # fmt: skip


def _checks(path: Path, where: str, entry: dict, scope: str) -> tuple[TableCheck, ...]:
    field, sql = str(entry.get("field") or ""), str(entry.get("sql") or "")
    if scope == "run":
        if not sql:
            raise CurationError(path, "a run-wide invariant needs 'sql'", where=where)
        return (TableCheck("*", sql, field),)
    tables = entry.get("tables")
    if isinstance(tables, list):
        tables = {table: {} for table in tables}
    if not isinstance(tables, dict) or not tables:
        raise CurationError(path, "'tables' must list the target tables it checks", where=where)
    checks = []
    for table, params in tables.items():
        params = dict(params or {})
        if not isinstance(params, dict):
            raise CurationError(path, "a table's settings are a mapping", where=f"{where}, {table}")
        template = str(params.pop("sql", "") or sql)
        label = str(params.pop("field", "") or field)
        if not template:
            raise CurationError(path, "no 'sql' for this table", where=f"{where}, {table}")
        try:
            checks.append(TableCheck(str(table), template.format(table=table, **params), label.format(**params)))
        except (KeyError, IndexError) as exc:
            raise CurationError(path, f"placeholder {exc} has no value", where=f"{where}, {table}") from None
    return tuple(checks)
