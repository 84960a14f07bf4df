"""Run the scenario book through the real ETL and compare what loaded with what the guide says.

All scenarios run together: one extract set (``extract_set``), then the pipeline's own table loads
(``etl.pipeline``: key registry, then every target table in the guide's load order) with the run's
contract, crosswalks and row sources, into a throwaway data folder. Each expectation then finds its
row among the scenario's rows of the target table (the key registry ties each loaded record to the
patient numbers of its source row) and compares field by field, citing the guide page.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.etl.duckdb_engine import DEFAULT_ENGINE
from qvh_migration.etl.key_registry import REGISTRY_FILE
from qvh_migration.etl.load_order import ordered_tables
from qvh_migration.io.artifacts import write_csv
from qvh_migration.io.masking import is_identifier_column, mask_values
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.files import CONTRACT_CSV
from qvh_migration.scenarios.book import Expectation, Scenario
from qvh_migration.scenarios.extract_set import ExtractSet, build_extract_set

RESULT_COLUMNS = ("scenario", "title", "target_table", "where", "field", "expected", "loaded", "page", "passed")
SUMMARY_COLUMNS = ("scenario", "title", "expectations", "failed", "passed")
CATALOG_FILES = ("source_catalog.parquet", "target_catalog.parquet", "target_tables.parquet")
ROW_FIELD, EXTRACT_FIELD = "(row)", "(extract)"
FILLED = "(filled)"  # an expected value: any non-blank value (a mandatory link whose number the loader picks)
NOT = "(not "  # "(not X)": any non-blank value but X, where the guide rules a value out but names no code
# A row names its patient by patient number; a MERGEDID row (LOAD_PMIIDS) by the retired record's number.
_PATIENT = re.compile(r"(?:^|[|:])(?:InternalPatientNumber|OldID)=([^|]+)")


@dataclass(frozen=True)
class RunInputs:
    """What the scenarios borrow from the run they belong to."""

    catalogs: Path
    extracts: Path
    mapping: Path
    crosswalks: Path
    row_sources: Path


@dataclass(frozen=True)
class BookRun:
    data: Path
    extract_set: ExtractSet


def run_book(
    scenarios: list[Scenario],
    inputs: RunInputs,
    work: Path,
    contract: pd.DataFrame | None = None,
    engine: str = DEFAULT_ENGINE,
) -> BookRun:
    """Load every scenario with the run's rules into ``work`` (a data folder); ``contract`` replaces
    the run's contract (a test plants a wrong rule that way); ``engine`` is the table loads' engine."""
    if work.exists():
        shutil.rmtree(work)
    folders = RunFolders.under(work)
    folders.catalogs.mkdir(parents=True)
    for name in CATALOG_FILES:
        shutil.copy2(inputs.catalogs / name, folders.catalogs / name)
    folders.mapping.mkdir()
    if contract is None:
        shutil.copy2(inputs.mapping / CONTRACT_CSV, folders.mapping / CONTRACT_CSV)
    else:  # as read_contract gives it: every column text
        write_csv(contract, folders.mapping / CONTRACT_CSV)
    extract_set = build_extract_set(
        scenarios, inputs.extracts, pipeline.catalog_columns(folders.catalogs), folders.extracts
    )
    pipeline.build_key_registry(folders, "scenario-book", inputs.row_sources)
    _, tables = pipeline.read_target_catalog(folders.catalogs)
    for table in ordered_tables(tables):
        pipeline.run_partition(
            folders,
            inputs.crosswalks,
            str(table),
            run_id="scenario-book",
            row_sources_file=inputs.row_sources,
            engine=engine,
        )
    return BookRun(work, extract_set)


def target_fields(catalogs: Path) -> dict[str, set[str]]:
    """Staging table -> its field names, from the run's target catalog."""
    fields, _ = pipeline.read_target_catalog(catalogs)
    return {str(t): set(part["field_name"].astype(str)) for t, part in fields.groupby("table_name")}


def text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Target:
    """The loaded tables, outcomes and key registry of a book run, read once."""

    def __init__(self, target: Path) -> None:
        self.target = target
        registry = pd.read_parquet(target / REGISTRY_FILE, columns=["target_table", "grain_key", "record_number"])
        registry["patient"] = registry["grain_key"].astype(str).str.extract(_PATIENT, expand=False)
        self.registry = registry
        self._tables: dict[str, pd.DataFrame | None] = {}

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables:
            path = etl_files.table_path(self.target, etl_files.TABLES, name)
            self._tables[name] = pd.read_parquet(path) if path.exists() else None
        return self._tables[name]

    def records(self, table: str, patients: set[str]) -> set[int]:
        part = self.registry.loc[(self.registry["target_table"] == table) & self.registry["patient"].isin(patients)]
        return set(part["record_number"].astype(int))

    def scenario_rows(self, table: str, scenario: Scenario) -> pd.DataFrame | None:
        frame = self.table(table)
        if frame is None:
            return None
        if "RECORD_NUMBER" in frame.columns:
            wanted = self.records(table, scenario.patient_numbers)
            return frame.loc[frame["RECORD_NUMBER"].astype("Int64").isin(wanted)]
        if "CRN" in frame.columns:  # the archives carry the hospital number, not a record number
            return frame.loc[frame["CRN"].map(text).isin(scenario.hospital_numbers)]
        return frame.iloc[0:0]

    def why_absent(self, table: str, scenario: Scenario) -> str:
        path = etl_files.table_path(self.target, etl_files.OUTCOMES, table)
        if not path.exists():
            return "table not loaded"
        outcomes = pd.read_parquet(path)
        mine = outcomes.loc[outcomes["record_number"].astype(int).isin(self.records(table, scenario.patient_numbers))]
        if mine.empty:
            return "no source row of the scenario reached this table"
        counts = (mine["outcome"].astype(str) + ": " + mine["reason"].fillna("").astype(str)).value_counts()
        return "; ".join(f"{n} {what.rstrip(': ')}" for what, n in counts.items())


def compare(scenarios: list[Scenario], run: BookRun) -> pd.DataFrame:
    """One line per expectation: expected and loaded value, the guide page, passed or not."""
    target = _Target(run.data / "target")
    lines: list[dict[str, object]] = []
    for scenario in scenarios:
        for scenario_id, table in run.extract_set.missing:
            if scenario_id == scenario.id:
                lines.append(_line(scenario, table, "", EXTRACT_FIELD, f"{table} rows loaded",
                                   f"{table} is not in this run's extract set", "", False))  # fmt: skip
        for expectation in scenario.expected:
            lines.append(_judge(scenario, expectation, target))
    return pd.DataFrame(lines, columns=list(RESULT_COLUMNS))


def _judge(scenario: Scenario, e: Expectation, target: _Target) -> dict[str, object]:
    where = ", ".join(f"{k}={v}" for k, v in e.where)
    rows = target.scenario_rows(e.table, scenario)
    if rows is None:
        return _line(scenario, e.table, where, e.field, e.value, "(table not loaded)", e.page, False)
    missing = [k for k, _ in e.where if k not in rows.columns]
    if missing or (e.field != ROW_FIELD and e.field not in rows.columns):
        named = ", ".join(missing or [e.field])
        return _line(scenario, e.table, where, e.field, e.value, f"(no field {named} in {e.table})", e.page, False)
    for field, value in e.where:
        rows = rows.loc[rows[field].map(text) == value]
    if e.field == ROW_FIELD:
        return _line(scenario, e.table, where, e.field, e.value, str(len(rows)), e.page, str(len(rows)) == e.value)
    if len(rows) != 1:
        loaded = f"({len(rows)} rows match)" if len(rows) else f"(no row: {target.why_absent(e.table, scenario)})"
        return _line(scenario, e.table, where, e.field, e.value, loaded, e.page, False)
    loaded = text(rows.iloc[0][e.field])
    return _line(scenario, e.table, where, e.field, e.value, loaded, e.page, matches(e.value, loaded))


def matches(expected: str, loaded: str) -> bool:
    """Equal; or, for ``(filled)``, any value; for ``(not X)``, any value but X."""
    if expected == FILLED:
        return loaded != ""
    if expected.startswith(NOT) and expected.endswith(")"):
        return loaded not in ("", expected[len(NOT) : -1])
    return loaded == expected


def _line(scenario: Scenario, table: str, where: str, field: str, expected: str, loaded: str, page, ok: bool):
    values = (scenario.id, scenario.title, table, where, field, expected, loaded, page, bool(ok))
    return dict(zip(RESULT_COLUMNS, values, strict=True))


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """One line per scenario: expectations, failed, passed (every expectation met)."""
    grouped = results.groupby("scenario", sort=False)
    frame = pd.DataFrame(
        {
            "title": grouped["title"].first(),
            "expectations": grouped.size(),
            "failed": grouped["passed"].apply(lambda s: int((~s.astype(bool)).sum())),
        }
    ).reset_index()
    frame["passed"] = frame["failed"].eq(0)
    return frame[list(SUMMARY_COLUMNS)]


def masked(results: pd.DataFrame, also: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """Identifying fields' values masked (synthetic or not), for files and the evidence pack: fields
    named as identifiers, and ``also`` (fields loaded from one, ``io.masking.identifier_fields``)."""

    def identifying(name: str) -> bool:
        code = name.endswith(("_STATUS", "_TYPE"))  # a code about an identifier, not the identifier
        return not code and (name in also or is_identifier_column(name))

    out = results.copy()
    fields = out["field"].astype(str).map(identifying).astype(bool)  # bool when no row fails, too
    for column in ("expected", "loaded"):
        values = out[column].fillna("").astype(str)
        kept = values.str.startswith("(").astype(bool)
        out[column] = values.where(~fields | kept, mask_values(values))
    out["where"] = out["where"].astype(str).map(lambda where: _mask_where(where, identifying))
    return out


def _mask_where(where: str, identifying) -> str:
    parts = []
    for part in filter(None, where.split(", ")):
        name, _, value = part.partition("=")
        parts.append(f"{name}={mask_values(pd.Series([value])).iloc[0]}" if identifying(name) else part)
    return ", ".join(parts)


RESULTS_FILE = "scenario_acceptance.csv"
SUMMARY_FILE = "scenario_summary.csv"


def write_results(
    results: pd.DataFrame, reports: Path, also: set[str] | frozenset[str] = frozenset()
) -> tuple[Path, Path]:
    """``reports/scenario_acceptance.csv`` (every expectation, identifiers masked; ``also`` as in
    ``masked``) and ``reports/scenario_summary.csv`` (one line per scenario)."""
    return (
        write_csv(masked(results, also), reports / RESULTS_FILE),
        write_csv(summarise(results), reports / SUMMARY_FILE),
    )
