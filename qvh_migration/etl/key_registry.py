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


def read_registry(path: Path) -> pd.DataFrame:
    if not path.exists():
        return empty_registry()
    try:
        registry = pd.read_parquet(path)
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
    fresh = fresh[~fresh.isin(set(known["grain_key"]))]
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
