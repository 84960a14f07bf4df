"""Run-over-run deltas: what is new, resolved and persisting since the previous run.

Each run keeps a compact snapshot under ``reports/runs/<run_id>/`` (counts, not ledgers):
``findings.csv`` (gate findings per table, check and field), ``rejects.csv`` (distinct rejected
source rows per table, reason code and field) and ``reconciliation.csv`` (tables with a
difference or not migrated). ``reports/runs/index.csv`` orders the runs; only the newest
``keep`` snapshots are kept. ``reports/deltas.csv`` compares this run with the one before it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.artifacts import atomic_directory, write_csv
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.reports import files as report_files
from qvh_migration.reports.reconciliation.reconciliation import BALANCED, RECONCILIATION_FILE

DELTAS_FILE = "deltas.csv"
RUNS_DIR, INDEX_FILE = "runs", "index.csv"
SCOPES = ("finding", "reject", "reconciliation")
SNAPSHOT_COLUMNS = ("scope", "target_table", "check", "key", "count")
DELTA_COLUMNS = ("scope", "target_table", "check", "key", "status", "previous_count", "current_count")
# Per run: its total findings, rejected rows (per reason) and reconciliation gaps.
INDEX_COLUMNS = ("run_id", "finished_at", "findings", "rejects", "reconciliation_gaps")
NEW, RESOLVED, PERSISTING = "new", "resolved", "persisting"
DEFAULT_KEEP = 30


@dataclass
class DeltaResult:
    deltas: pd.DataFrame
    previous_run: str | None  # None on the first run
    pruned: list[str]


def _counts(
    scope: str, frame: pd.DataFrame, table: str, check: str, key: str, count: str | None = None
) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in SNAPSHOT_COLUMNS}).astype({"count": "int64"})
    keyed = (
        frame.assign(**{key: frame[key].astype("string").fillna("")})
        if key in frame.columns
        else frame.assign(**{key: ""})
    )
    grouped = (
        keyed.groupby([table, check, key], dropna=False)[count].sum()
        if count
        else keyed.groupby([table, check, key], dropna=False).size()
    )
    out = grouped.rename("count").reset_index()
    out.columns = ["target_table", "check", "key", "count"]
    return out.assign(scope=scope)[list(SNAPSHOT_COLUMNS)]


def snapshot(findings: pd.DataFrame, rejects: pd.DataFrame, reconciliation: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The compact counts of one run, per scope: (target_table, check, key) -> count."""
    reject_rows = (
        rejects[["target_table", "source_key", "reason_code", "field"]].drop_duplicates()
        if not rejects.empty and "source_key" in rejects.columns
        else pd.DataFrame()
    )
    gaps = reconciliation.loc[reconciliation["status"] != BALANCED] if not reconciliation.empty else reconciliation
    gaps = gaps.assign(size=gaps["difference"].abs().where(gaps["difference"] != 0, 1)) if not gaps.empty else gaps
    return {
        "finding": _counts("finding", findings, "target_table", "check", "field"),
        "reject": _counts("reject", reject_rows, "target_table", "reason_code", "field"),
        "reconciliation": _counts("reconciliation", gaps, "target_table", "status", "source_table", "size")
        if not gaps.empty
        else _counts("reconciliation", pd.DataFrame(), "", "", ""),
    }


def compare(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """New (only now), resolved (only before) and persisting (both) entries, with both counts."""
    keys = ["scope", "target_table", "check", "key"]
    before = previous if previous is not None else current.iloc[0:0]
    joined = before.merge(current, on=keys, how="outer", suffixes=("_previous", "_current"), indicator=True)
    status = joined["_merge"].map({"left_only": RESOLVED, "right_only": NEW, "both": PERSISTING}).astype("string")
    out = joined.assign(
        status=status,
        previous_count=joined["count_previous"].fillna(0).astype("int64"),
        current_count=joined["count_current"].fillna(0).astype("int64"),
    )[list(DELTA_COLUMNS)]
    order = {s: i for i, s in enumerate(SCOPES)}
    out = out.assign(_scope=out["scope"].map(order), _status=out["status"].map({NEW: 0, RESOLVED: 1, PERSISTING: 2}))
    return (
        out.sort_values(["_scope", "_status", "target_table", "check", "key"], kind="stable")
        .drop(columns=["_scope", "_status"])
        .reset_index(drop=True)
    )


def read_index(runs: Path) -> pd.DataFrame:
    path = runs / INDEX_FILE
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in INDEX_COLUMNS})
    try:
        return pd.read_csv(path, dtype={"run_id": str, "finished_at": str}, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise MigrationInputError(path, f"run index cannot be read ({exc})") from None


def read_snapshot(runs: Path, run_id: str) -> pd.DataFrame | None:
    folder = runs / run_id
    if not folder.is_dir():
        return None
    frames = [
        pd.read_csv(
            folder / f"{scope}.csv", dtype={"target_table": str, "check": str, "key": str}, keep_default_na=False
        )
        for scope in SCOPES
        if (folder / f"{scope}.csv").exists()
    ]
    return pd.concat(frames, ignore_index=True) if frames else None


def record_run(
    reports: Path, run_id: str, finished_at: str, parts: dict[str, pd.DataFrame], keep: int = DEFAULT_KEEP
) -> DeltaResult:
    """Snapshot this run, compare it with the previous one, write the deltas and prune old runs."""
    if keep < 1:
        raise MigrationInputError("run_deltas config", f"keep_runs must be at least 1, not {keep}")
    runs = reports / RUNS_DIR
    index = read_index(runs)
    earlier = index.loc[index["run_id"] != run_id]
    previous_id = str(earlier["run_id"].iloc[-1]) if not earlier.empty else None
    previous = read_snapshot(runs, previous_id) if previous_id else None
    current = pd.concat(parts.values(), ignore_index=True)
    deltas = compare(previous, current)
    with atomic_directory(runs / run_id) as folder:
        for scope, frame in parts.items():
            write_csv(frame, folder / f"{scope}.csv")
    totals = [int(parts[scope]["count"].sum()) for scope in SCOPES]
    row = dict(zip(INDEX_COLUMNS, [run_id, finished_at, *totals], strict=True))
    index = pd.concat([earlier, pd.DataFrame([row])], ignore_index=True)
    pruned = [str(r) for r in index["run_id"].iloc[:-keep]] if len(index) > keep else []
    index = index.iloc[-keep:]
    write_csv(index[list(INDEX_COLUMNS)], runs / INDEX_FILE)
    for old in pruned:
        shutil.rmtree(runs / old, ignore_errors=True)
    write_csv(deltas, reports / DELTAS_FILE)
    return DeltaResult(deltas, previous_id if previous is not None else None, pruned)


def deltas_run(folders: RunFolders, run_id: str, finished_at: str, keep: int = DEFAULT_KEEP) -> DeltaResult:
    """Snapshot the run's findings, rejects and reconciliation (``reports/reconciliation.csv``)."""
    if not run_id or Path(run_id).name != run_id or run_id.startswith("."):
        raise MigrationInputError("run_deltas", f"run id {run_id!r} cannot name a snapshot folder")
    path = folders.reports / RECONCILIATION_FILE
    if not path.exists():
        raise MigrationInputError(path, "no reconciliation yet: materialise reconciliation first")
    reconciliation = pd.read_csv(path, dtype={"source_table": str, "status": str}, keep_default_na=False)
    parts = snapshot(
        report_files.read_findings(folders.gates),
        report_files.read_table_files(folders.target, "rejects"),
        reconciliation,
    )
    return record_run(folders.reports, run_id, finished_at, parts, keep)
