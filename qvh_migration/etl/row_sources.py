"""Row sources: which legacy rows become the rows of each target table (``row_sources.yaml``).

The mapping contract says how each *field* is filled; this reviewed file says which *rows* a
table holds: its source table, its grain (one target row per distinct grain value) and the row
filters that send other rows elsewhere (archive cut-off, activity types), each with its reason.

A table that loads no rows is watched (``watch_tables``): the legacy tables of the source
dictionary that *would* hold its rows, so a delivery that does hold some is noticed instead of
silently left behind (mental health detentions at a hospital with no mental health service).

A table whose rows come from several legacy tables is a *union* (``sources:``, a list): each part
is a row source of its own (source table, grain, filters) plus the contract fields it fills
differently (``fields:``, e.g. DIAGNOSIS from ``CONSEPISPROC.OPCS`` as an OPCS-4 code where the
contract reads ``CONSEPISDIAG.SecondaryDiagnosis`` as ICD-10). A union part's grain keys carry its
source table (``CONSEPISPROC:InternalPatientNumber=...``), so two parts never share a record number.
``RowSources.parts`` gives every table's parts, one for a single-source table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.etl.row_folds import RowFold, parse_row_fold
from qvh_migration.etl.source_keys import TABLE_KEYS
from qvh_migration.mapping.transforms import TRANSFORMS

ROW_SOURCES_FILE = Path(__file__).with_name("row_sources.yaml")
FILTER_TESTS = ("in", "not_blank", "before", "on_or_after")
# What a union part may say about a contract field (the contract row's other columns are kept).
OVERRIDE_KEYS = frozenset({"class", "source", "transform", "crosswalk", "default", "rationale"})
# GENERATED keeps the contract rule's generator (e.g. source_key) over the part's own key columns.
OVERRIDE_CLASSES = ("DIRECT", "TRANSFORM", "DERIVED", "DEFAULT", "NOT_MIGRATED", "GENERATED")


@dataclass(frozen=True)
class RowFilter:
    """Keep rows whose ``column`` passes the test; the others are filtered with ``reason``."""

    column: str
    test: str
    value: Any
    reason: str

    def keeps(self, frame: pd.DataFrame) -> pd.Series:
        values = frame[self.column].fillna("").astype(str).str.strip()
        if self.test == "in":
            return values.isin([str(v) for v in self.value])
        if self.test == "not_blank":
            return values != ""
        # Legacy internal dates are CCYYMMDD[HHMM] text, so a prefix comparison orders them.
        day = values.str.slice(0, 8)
        if self.test == "before":
            return (day != "") & (day < str(self.value))
        return (day == "") | (day >= str(self.value))


@dataclass(frozen=True)
class FieldOverride:
    """How a union part fills one contract field instead of the contract row's own rule."""

    target_field: str
    mapping_class: str
    sources: tuple[str, ...] = ()  # bare columns are the part's source table's
    transform: str = ""
    default: str = ""
    rationale: str = ""
    crosswalk: str = ""  # the crosswalk (crosswalks/<name>.csv) the value goes through, as in a contract rule


@dataclass(frozen=True)
class RowSource:
    target_table: str
    source_table: str | None
    grain: tuple[str, ...] = ()
    filters: tuple[RowFilter, ...] = field(default_factory=tuple)
    rationale: str = ""
    # Set on the parts of a union only: their grain keys carry the source table, and their fields.
    in_union: bool = False
    fields: tuple[FieldOverride, ...] = ()
    folds: tuple[RowFold, ...] = ()  # legacy rows that are one target record (``row_folds.py``)

    @property
    def loads_rows(self) -> bool:
        return self.source_table is not None

    @property
    def key_prefix(self) -> str:
        """What a grain key starts with: the source table in a union (``CONSEPISPROC:``), else nothing."""
        return f"{self.source_table}:" if self.in_union else ""


@dataclass(frozen=True)
class RowSourceUnion:
    """A target table whose rows are the union of several source tables' rows (``sources:``).

    It has no single ``source_table`` or ``grain`` on purpose: code written for one source table
    must ask for ``parts`` instead of reading only the first.
    """

    target_table: str
    parts: tuple[RowSource, ...]
    rationale: str = ""

    @property
    def loads_rows(self) -> bool:
        return True

    @property
    def source_tables(self) -> tuple[str, ...]:
        return tuple(str(p.source_table) for p in self.parts)


@dataclass(frozen=True)
class WatchedTable:
    """The legacy tables that would hold the rows of a target table that loads none."""

    target_table: str
    source_tables: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class RowSources:
    system_code: str
    tables: dict[str, RowSource | RowSourceUnion]
    watch_tables: dict[str, WatchedTable] = field(default_factory=dict)
    path: str = ROW_SOURCES_FILE.name  # named in errors found when the file meets the contract

    def __getitem__(self, table: str) -> RowSource | RowSourceUnion:
        return self.tables[table]

    def parts(self, table: str) -> tuple[RowSource, ...]:
        """The row sources a table loads from: one, the parts of a union, or none."""
        spec = self.tables[table]
        if isinstance(spec, RowSourceUnion):
            return spec.parts
        return (spec,) if spec.loads_rows else ()

    def is_union(self, table: str) -> bool:
        return isinstance(self.tables.get(table), RowSourceUnion)


def load_row_sources(
    path: Path = ROW_SOURCES_FILE, target_tables: set[str] | None = None, source_tables: set[str] | None = None
) -> RowSources:
    """Read and validate the row-source file; every problem names the file and the table.

    With ``target_tables`` the file must decide every staging table and watch every table with no
    source; with ``source_tables`` (the dictionary's tables) every watched table must be one of them.
    """
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read row sources ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise CurationError(path, "top level must have 'system_code' and a 'tables' mapping")
    system_code = str(document.get("system_code") or "").strip()
    if not system_code:
        raise CurationError(path, "system_code is empty", where="system_code")
    tables = {str(name): _row_source(path, str(name), entry) for name, entry in document["tables"].items()}
    if target_tables is not None:
        missing = sorted(set(target_tables) - set(tables))
        unknown = sorted(set(tables) - set(target_tables))
        if unknown:
            raise CurationError(path, f"{', '.join(unknown)} is not a staging table of the guide", where="tables")
        if missing:
            raise CurationError(path, f"no row source decided for {', '.join(missing)}", where="tables")
    watched = _watch_tables(path, document.get("watch_tables"), tables, target_tables is not None, source_tables)
    return RowSources(system_code, tables, watched, str(path))


def _watch_tables(
    path: Path, section: object, tables: dict[str, RowSource], complete: bool, source_tables: set[str] | None
) -> dict[str, WatchedTable]:
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise CurationError(path, "watch_tables must map each table with no source to its tables", where="watch_tables")
    watched = {
        str(name): _watched_table(path, str(name), entry, tables, source_tables) for name, entry in section.items()
    }
    unwatched = sorted(name for name, spec in tables.items() if not spec.loads_rows and name not in watched)
    if complete and unwatched:
        raise CurationError(
            path,
            f"{', '.join(unwatched)} loads no rows but has no watch_tables entry "
            "(the legacy tables that would hold its rows, or [] with a note)",
            where="watch_tables",
        )
    return watched


def _watched_table(
    path: Path, table: str, entry: object, tables: dict[str, RowSource], source_tables: set[str] | None
) -> WatchedTable:
    where = f"watch_tables {table}"
    if table not in tables:
        raise CurationError(path, f"{table} has no entry under 'tables'", where=where)
    if tables[table].loads_rows:
        loaded_from = ", ".join(str(p.source_table) for p in RowSources("", tables).parts(table))
        raise CurationError(path, f"{table} loads rows from {loaded_from}: remove its watch entry", where=where)
    if not isinstance(entry, dict) or not isinstance(entry.get("tables"), list):
        raise CurationError(
            path, "needs 'tables': a list of legacy tables ([] when the dictionary has none)", where=where
        )
    names = tuple(str(name).strip() for name in entry["tables"])
    note = str(entry.get("note") or "").strip()
    if not note:
        raise CurationError(
            path, "needs a 'note' saying what the legacy tables hold (or why there are none)", where=where
        )
    if any(not name for name in names):
        raise CurationError(path, "a watched legacy table name is empty", where=where)
    unknown = sorted(set(names) - source_tables) if source_tables is not None else []
    if unknown:
        raise CurationError(path, f"{', '.join(unknown)} is not a table of the source dictionary", where=where)
    return WatchedTable(table, names, note)


def _row_source(path: Path, table: str, entry: object) -> RowSource | RowSourceUnion:
    where = f"table {table}"
    if isinstance(entry, dict) and "sources" in entry:
        return _union(path, table, entry)
    if not isinstance(entry, dict) or "source" not in entry:
        raise CurationError(
            path, "each table needs 'source' (a source table, or null with a reason) or 'sources'", where=where
        )
    source = entry["source"]
    if source is None:
        if not str(entry.get("reason") or "").strip():
            raise CurationError(path, "a table with no source needs a reason", where=where)
        return RowSource(table, None, rationale=str(entry["reason"]))
    source = str(source)
    grain = tuple(str(c) for c in entry.get("grain") or TABLE_KEYS.get(source, ()))
    if not grain:
        raise CurationError(path, f"{source} has no known key columns; give a grain", where=where)
    filters = tuple(_row_filter(path, where, item) for item in entry.get("filters") or ())
    folds = tuple(parse_row_fold(path, where, item) for item in entry.get("folds") or ())
    return RowSource(table, source, grain, filters, str(entry.get("rationale") or ""), folds=folds)


def _row_filter(path: Path, where: str, item: object) -> RowFilter:
    if not isinstance(item, dict) or "column" not in item or not str(item.get("reason") or "").strip():
        raise CurationError(path, "a filter needs 'column', one test and a 'reason'", where=where)
    tests = [t for t in FILTER_TESTS if t in item]
    if len(tests) != 1:
        raise CurationError(path, f"a filter needs exactly one of {', '.join(FILTER_TESTS)}", where=where)
    return RowFilter(str(item["column"]), tests[0], item[tests[0]], str(item["reason"]))


def _union(path: Path, table: str, entry: dict) -> RowSourceUnion:
    where = f"table {table}"
    if "source" in entry:
        raise CurationError(path, "give either 'source' or 'sources', not both", where=where)
    items = entry["sources"]
    if not isinstance(items, list) or len(items) < 2:
        raise CurationError(path, "'sources' must list two or more source tables (use 'source' for one)", where=where)
    if not str(entry.get("rationale") or "").strip():
        raise CurationError(path, "a union of source tables needs a rationale", where=where)
    parts = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("source") or "").strip():
            raise CurationError(path, "each of 'sources' needs 'source' (a source table)", where=where)
        part = _row_source(path, table, {k: v for k, v in item.items() if k != "fields"})
        fields = _field_overrides(path, f"{where} source {part.source_table}", item.get("fields"))
        parts.append(RowSource(table, part.source_table, part.grain, part.filters, part.rationale, True, fields))
    names = [p.source_table for p in parts]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if repeated:
        raise CurationError(path, f"{', '.join(repeated)} is listed twice in 'sources'", where=where)
    return RowSourceUnion(table, tuple(parts), str(entry["rationale"]))


def _field_overrides(path: Path, where: str, section: object) -> tuple[FieldOverride, ...]:
    if section is None:
        return ()
    if not isinstance(section, dict):
        raise CurationError(path, "'fields' must map target fields to how this source fills them", where=where)
    overrides = []
    for name, rule in section.items():
        at = f"{where} field {name}"
        if not isinstance(rule, dict) or not set(rule) <= OVERRIDE_KEYS:
            raise CurationError(path, f"a field rule takes only {', '.join(sorted(OVERRIDE_KEYS))}", where=at)
        mapping_class = str(rule.get("class") or "")
        if mapping_class not in OVERRIDE_CLASSES:
            raise CurationError(path, f"class must be one of {', '.join(OVERRIDE_CLASSES)}", where=at)
        if not str(rule.get("rationale") or "").strip():
            raise CurationError(path, "a field rule needs a rationale", where=at)
        transform = str(rule.get("transform") or "")
        if transform and transform not in TRANSFORMS:
            raise CurationError(path, f"transform {transform!r} is not registered", where=at)
        value = rule.get("source")
        sources = tuple(str(s) for s in (value if isinstance(value, list) else [value] if value else []))
        if mapping_class == "DEFAULT" and "default" not in rule:
            raise CurationError(path, "a DEFAULT field rule needs 'default'", where=at)
        if mapping_class in ("DIRECT", "TRANSFORM", "DERIVED", "GENERATED") and not sources:
            raise CurationError(path, f"a {mapping_class} field rule needs 'source'", where=at)
        default = str(rule.get("default") or "")
        crosswalk = str(rule.get("crosswalk") or "")
        overrides.append(
            FieldOverride(str(name), mapping_class, sources, transform, default, str(rule["rationale"]), crosswalk)
        )
    return tuple(overrides)
