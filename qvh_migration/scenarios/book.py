"""Read the scenario book: one YAML file per scenario under ``scenarios/book/``.

A scenario names its id, title and what it tests, a small legacy data set (rows of the legacy extract
tables, INQuire column names, all values text) and the Altera rows the vendor guide says it must
produce: target table, a ``where`` that picks the row among the scenario's rows of that table, and
expected field values, each citing its guide page (``(filled)``: any value, for a mandatory link;
``(not X)``: any value but X). ``rows: N`` expects N such rows. ``{ns}`` in any
value is replaced by the scenario's three-digit namespace, so the keys of every scenario stay apart
in the one extract set all scenarios run in. Dates "to come" or "in force" are relative to the book's
as-of day, 30/10/2026 (``extract_set.AS_OF``). A bad file stops with one line naming file and scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qvh_migration.errors import MigrationInputError

BOOK_DIR = Path(__file__).resolve().parent / "book"
PATIENT_KEY = "InternalPatientNumber"
HOSPITAL_NUMBER = "DistrictNumber"
_SCENARIO_KEYS = {"id", "namespace", "title", "tests", "legacy", "expected"}
_EXPECT_KEYS = {"table", "where", "fields", "rows", "page", "note"}
_ID = re.compile(r"^S\d{2}-[a-z0-9-]+$")


@dataclass(frozen=True)
class Expectation:
    """One expected field of one target row (``field`` is ``(row)`` for a row count)."""

    table: str
    where: tuple[tuple[str, str], ...]
    field: str
    value: str
    page: int
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    id: str
    namespace: int
    title: str
    tests: str
    legacy: dict[str, list[dict[str, str]]]
    expected: tuple[Expectation, ...]
    file: Path

    @property
    def patient_numbers(self) -> set[str]:
        """Internal patient numbers of the scenario (merge records included)."""
        numbers = {row[PATIENT_KEY] for rows in self.legacy.values() for row in rows if row.get(PATIENT_KEY)}
        for row in self.legacy.get("MERGEDID", []):
            numbers |= {row[c] for c in ("OldID", "NewestID", "NextID") if row.get(c)}
        return numbers

    @property
    def hospital_numbers(self) -> set[str]:
        return {row[HOSPITAL_NUMBER] for rows in self.legacy.values() for row in rows if row.get(HOSPITAL_NUMBER)}


def load_book(
    folder: Path = BOOK_DIR,
    catalog: dict[str, set[str]] | None = None,
    target: dict[str, set[str]] | None = None,
) -> list[Scenario]:
    """Every scenario of the folder, in file order; ids and namespaces unique; with a source catalog
    (legacy table -> columns) every legacy table and column is checked against it, with the target
    catalog (staging table -> fields) every expected table and field."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise MigrationInputError(folder, "the scenario book holds no scenario (*.yaml)")
    scenarios = [read_scenario(path, catalog) for path in files]
    if target is not None:
        for scenario in scenarios:
            check_targets(scenario, target)
    seen: dict[object, Path] = {}
    for scenario in scenarios:
        for key in (scenario.id, ("ns", scenario.namespace)):
            if key in seen:
                what = "id" if isinstance(key, str) else "namespace"
                raise MigrationInputError(
                    scenario.file, f"{what} {scenario.namespace if what == 'namespace' else key} also used in "
                    f"{seen[key].name}", where=scenario.id
                )  # fmt: skip
            seen[key] = scenario.file
    return scenarios


def check_targets(scenario: Scenario, target: dict[str, set[str]]) -> None:
    """Every expected table and field (and every field a ``where`` selects on) is in the target catalog."""
    for number, e in enumerate(scenario.expected, start=1):
        fields = {f.upper() for f in target.get(e.table, set())}
        named = [k for k, _ in e.where] + ([] if e.field == "(row)" else [e.field])
        unknown = sorted({n for n in named if n.upper() not in fields})
        if e.table not in target or unknown:
            problem = (
                f"{e.table} is not a staging table"
                if e.table not in target
                else _names(f"fields not in the target catalog's {e.table}:", set(unknown))
            )
            raise MigrationInputError(scenario.file, problem, where=f"{scenario.id}, expectation {number}")


def read_scenario(path: Path, catalog: dict[str, set[str]] | None = None) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise MigrationInputError(path, f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where) from None
    if not isinstance(raw, dict):
        raise MigrationInputError(path, "a scenario is a mapping with id, namespace, title, tests, legacy, expected")
    where = str(raw.get("id", "scenario without id"))

    def fail(problem: str, at: str = "") -> MigrationInputError:
        return MigrationInputError(path, problem, where=f"{where}{', ' + at if at else ''}")

    unknown = set(raw) - _SCENARIO_KEYS
    missing = _SCENARIO_KEYS - set(raw)
    if unknown or missing:
        raise fail("; ".join(filter(None, [_names("unknown keys", unknown), _names("missing keys", missing)])))
    if not _ID.match(str(raw["id"])):
        raise fail("id must look like S07-short-name")
    namespace = raw["namespace"]
    if not isinstance(namespace, int) or not 1 <= namespace <= 999:
        raise fail("namespace must be a whole number 1-999")
    ns = f"{namespace:03d}"
    legacy = _legacy(raw["legacy"], ns, catalog, fail)
    expected = _expected(raw["expected"], ns, fail)
    for key in ("title", "tests"):
        if not str(raw[key] or "").strip():
            raise fail(f"{key} is empty")
    return Scenario(str(raw["id"]), namespace, str(raw["title"]).strip(), str(raw["tests"]).strip(), legacy,
                    expected, path)  # fmt: skip


def _names(label: str, names: set[str]) -> str:
    return f"{label} {', '.join(sorted(map(str, names)))}" if names else ""


def _text(value: Any, ns: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(type(value).__name__)
    return str(value).replace("{ns}", ns)


def _legacy(block: Any, ns: str, catalog: dict[str, set[str]] | None, fail) -> dict[str, list[dict[str, str]]]:
    if not isinstance(block, dict) or not block:
        raise fail("legacy must map legacy tables to lists of rows")
    tables: dict[str, list[dict[str, str]]] = {}
    for table, rows in block.items():
        if catalog is not None and table not in catalog:
            raise fail(f"legacy table {table} is not in the source catalog")
        if not isinstance(rows, list) or not rows:
            raise fail(f"legacy.{table} must be a list of rows")
        parsed = []
        for number, row in enumerate(rows, start=1):
            at = f"legacy.{table} row {number}"
            if not isinstance(row, dict) or not row:
                raise fail("a row maps column names to values", at)
            if catalog is not None and (unknown := set(row) - catalog[table]):
                raise fail(_names(f"columns not in the source catalog's {table}:", unknown), at)
            try:
                parsed.append({str(c): _text(v, ns) for c, v in row.items()})
            except TypeError as exc:
                raise fail(f"values are text, numbers or empty, not {exc}", at) from None
        tables[str(table)] = parsed
    return tables


def _expected(block: Any, ns: str, fail) -> tuple[Expectation, ...]:
    if not isinstance(block, list) or not block:
        raise fail("expected must list the target rows the guide says the scenario produces")
    out: list[Expectation] = []
    for number, item in enumerate(block, start=1):
        at = f"expected row {number}"
        if not isinstance(item, dict) or (unknown := set(item) - _EXPECT_KEYS):
            raise fail(_names("unknown keys", unknown) if isinstance(item, dict) else "not a mapping", at)
        table = str(item.get("table", ""))
        if not table.startswith("LOAD_"):
            raise fail("table must be a LOAD_ staging table", at)
        try:
            where = tuple(sorted((str(k), _text(v, ns)) for k, v in (item.get("where") or {}).items()))
        except (TypeError, AttributeError):
            raise fail("where maps target fields to values", at) from None
        note = str(item.get("note") or "")
        if "rows" in item:
            if not isinstance(item["rows"], int) or "page" not in item or "fields" in item:
                raise fail("rows: N needs page: and no fields:", at)
            out.append(Expectation(table, where, "(row)", str(item["rows"]), _page(item["page"], fail, at), note))
            continue
        fields = item.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise fail("fields must map target fields to {value, page}", at)
        for field, spec in fields.items():
            if not isinstance(spec, dict) or set(spec) - {"value", "page", "note"} or "value" not in spec:
                raise fail(f"{field} must be {{value: ..., page: N}}", at)
            try:
                value = _text(spec["value"], ns)
            except TypeError:
                raise fail(f"{field}: value must be text or empty", at) from None
            page = _page(spec.get("page"), fail, f"{at}, {field}")
            out.append(Expectation(table, where, str(field), value, page, str(spec.get("note") or note)))
    return tuple(out)


def _page(value: Any, fail, at: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= 200:
        raise fail("every expectation cites its guide page (page: N)", at)
    return value
