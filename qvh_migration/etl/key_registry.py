"""The key registry: every source entity's ``record_number``, assigned once and never moved.

Record numbers are the staging primary keys, and other tables point at them. They are assigned
here, before any table loads, so a rerun of one table cannot change a key another table points
at. The registry is append-only: known entities keep their number, a new entity gets the next
number of its table (in extract order), and nothing is ever renumbered or removed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.arrow_text import is_in

REGISTRY_COLUMNS = ("target_table", "grain_key", "record_number", "registered_in_run")
REGISTRY_FILE = "key_registry.parquet"


def empty_registry() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "target_table": pd.Series(dtype="string"),
            "grain_key": pd.Series(dtype="string"),
            "record_number": pd.Series(dtype="int64"),
            "registered_in_run": pd.Series(dtype="string"),
        }
    )


def read_registry(path: Path, tables: list[str] | None = None) -> pd.DataFrame:
    """The registry, or only the given tables' part of it (a partition needs its own and its parents')."""
    if not path.exists():
        return empty_registry()
    try:
        wanted = [("target_table", "in", tables)] if tables is not None else None
        registry = pd.read_parquet(path, filters=wanted)
    except Exception as exc:  # a damaged registry must stop the run, never be silently rebuilt
        raise MigrationInputError(path, f"key registry cannot be read ({exc})") from None
    missing = [c for c in REGISTRY_COLUMNS if c not in registry.columns]
    if missing:
        raise MigrationInputError(path, f"key registry lacks column(s) {', '.join(missing)}")
    return registry


def register(registry: pd.DataFrame, table: str, grain_keys: pd.Series, run_id: str) -> pd.DataFrame:
    """The registry with any new grain keys of ``table`` appended under the next numbers."""
    known = registry.loc[registry["target_table"] == table]
    fresh = pd.Series(grain_keys.drop_duplicates().to_numpy(), dtype="string")
    fresh = fresh[~is_in(fresh, known["grain_key"]).to_numpy()]
    if fresh.empty:
        return registry
    start = int(known["record_number"].max()) + 1 if not known.empty else 1
    added = pd.DataFrame(
        {
            "target_table": pd.Series([table] * len(fresh), dtype="string"),
            "grain_key": fresh.reset_index(drop=True),
            "record_number": pd.Series(range(start, start + len(fresh)), dtype="int64"),
            "registered_in_run": pd.Series([run_id] * len(fresh), dtype="string"),
        }
    )
    return pd.concat([registry, added], ignore_index=True) if not registry.empty else added


def record_numbers(registry: pd.DataFrame, table: str) -> pd.Series:
    """grain key -> record number for one table."""
    rows = registry.loc[registry["target_table"] == table]
    return pd.Series(rows["record_number"].to_numpy(), index=rows["grain_key"].astype(str).to_numpy())


class RecordNumbers(dict):
    """Table -> (grain key -> record number), built on first use: a load needs its own table and
    its parents', not all 38."""

    def __init__(self, registry: pd.DataFrame) -> None:
        super().__init__()
        self._by_table = registry.groupby("target_table", sort=False).indices
        self._registry = registry

    def __missing__(self, table: str) -> pd.Series:
        rows = self._by_table.get(table)
        if rows is None:
            numbers = pd.Series(dtype="int64")
        else:
            part = self._registry.iloc[rows]
            numbers = pd.Series(part["record_number"].to_numpy(), index=part["grain_key"].astype(str).to_numpy())
        self[table] = numbers
        return numbers

    def get(self, table: str, default: object = None) -> pd.Series:  # type: ignore[override]
        return self[table]


def check_append_only(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """Problems if ``after`` moved or lost a key that ``before`` had (empty when append-only)."""
    key = ["target_table", "grain_key"]
    joined = before.merge(after, on=key, how="left", suffixes=("_before", "_after"))
    lost = joined["record_number_after"].isna()
    moved = ~lost & (joined["record_number_after"] != joined["record_number_before"])
    problems = []
    if lost.any():
        problems.append(f"{int(lost.sum())} key(s) disappeared")
    if moved.any():
        problems.append(f"{int(moved.sum())} key(s) renumbered")
    return problems
