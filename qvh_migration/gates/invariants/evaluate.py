"""Run the business invariants on a DuckDB connection holding the staged tables.

``connect`` opens the staging database read-only (or takes frames, for tests) and adds the helper
macros, the load summary and the source facts; ``evaluate`` runs every check whose tables are there
and returns the failing rows and the rows checked per check and table. Scoring under a release
profile and the files are ``score.py``'s business.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from qvh_migration.gates.invariants.declarations import Invariant, TableCheck
from qvh_migration.gates.invariants.sql_support import install_macros

FOUND_COLUMNS = ("check", "target_table", "record_number", "field", "value")
CHECKED_COLUMNS = ("check", "target_table", "rows_checked", "failures")
LOAD_SUMMARY = "load_summary"
READS = re.compile(r"\b(LOAD_[A-Z0-9_]+|inv_source_[a-z_]+|load_summary)\b")


class Staged:
    """A connection and the names of the tables it holds (staged tables, facts, the load summary)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, names: set[str]) -> None:
        self.con, self.names = con, names

    def add(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)
        self.names.add(name)


def connect(staging: Path | None = None, frames: dict[str, pd.DataFrame] | None = None) -> Staged:
    """An in-memory connection with the staging database's tables as views, and/or the given frames."""
    con = duckdb.connect()
    install_macros(con)
    staged = Staged(con, set())
    if staging is not None:
        quoted = staging.as_posix().replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS stg (READ_ONLY)")
        tables = con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'stg'").fetchall()
        for (name,) in tables:
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM stg.main."{name}"')
            staged.names.add(name)
    for name, frame in (frames or {}).items():
        staged.add(name, frame)
    return staged


def mandatory_checks(staged: Staged, catalog: pd.DataFrame) -> tuple[TableCheck, ...]:
    """One check per staged table: every field the guide's catalog marks mandatory, filled in every row."""
    mandatory = catalog.loc[catalog["mandatory_class"].astype(str).eq("mandatory"), ["table_name", "field_name"]]
    checks = []
    for table, fields in mandatory.groupby("table_name", sort=False)["field_name"]:
        if table not in staged.names:
            continue
        columns = {c.upper(): c for c in _columns(staged, table)}
        key = columns.get("RECORD_NUMBER")
        record = f'"{key}"' if key else "NULL"
        parts = [
            f"SELECT {record} AS record_number, '{columns[f.upper()]}' AS field, NULL AS value "
            f'FROM "{table}" WHERE inv_blank("{columns[f.upper()]}")'
            for f in dict.fromkeys(fields)
            if f.upper() in columns
        ]
        if parts:
            checks.append(TableCheck(str(table), "\nUNION ALL\n".join(parts), ""))
    return tuple(checks)


def _columns(staged: Staged, table: str) -> list[str]:
    return [row[0] for row in staged.con.execute(f'DESCRIBE "{table}"').fetchall()]


def _rows(staged: Staged, table: str) -> int:
    return int(staged.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


def evaluate(
    staged: Staged, invariants: list[Invariant], catalog: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(failing rows, rows checked) of every invariant check whose tables are all present."""
    found, checked = [], []
    counts: dict[str, int] = {}
    for invariant in invariants:
        checks = invariant.checks
        if invariant.kind == "mandatory":
            checks = mandatory_checks(staged, catalog) if catalog is not None else ()
        for check in checks:
            if not set(READS.findall(check.sql)) <= staged.names:
                continue  # a table or a fact this check reads is not in the run: not applicable
            rows = staged.con.execute(check.sql).df()
            if check.table == "*":
                rows["target_table"] = rows["target_table"].astype(str)
            else:
                rows["target_table"] = check.table
            if "field" not in rows.columns:
                rows["field"] = check.field
            rows["check"] = invariant.check
            found.append(rows.reindex(columns=list(FOUND_COLUMNS)))
            if check.table != "*" and check.table not in counts:
                counts[check.table] = _rows(staged, check.table)
            checked += _checked(staged, invariant, check, rows, counts.get(check.table, 0))
    failing = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(FOUND_COLUMNS))
    failing["record_number"] = pd.to_numeric(failing["record_number"], errors="coerce").astype("Int64")
    failing["value"] = failing["value"].astype("string")
    return failing, pd.DataFrame(checked, columns=list(CHECKED_COLUMNS))


def _checked(staged: Staged, invariant: Invariant, check: TableCheck, rows: pd.DataFrame, size: int) -> list[dict]:
    if check.table == "*":  # a run-wide check judges each target table once
        tables = staged.con.execute(f"SELECT DISTINCT target_table FROM {LOAD_SUMMARY}").df()["target_table"]
        failing = set(rows["target_table"])
        return [
            {"check": invariant.check, "target_table": t, "rows_checked": 1, "failures": int(t in failing)}
            for t in tables
        ]
    numbers = rows["record_number"]
    failures = int(numbers.nunique()) + int(numbers.isna().sum()) if len(rows) else 0
    return [
        {"check": invariant.check, "target_table": check.table, "rows_checked": size, "failures": failures}
    ]  # fmt: skip
