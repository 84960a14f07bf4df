"""The key registry: every source entity's ``record_number``, assigned once and never moved.

Record numbers are the staging primary keys, and other tables point at them. They are assigned
here, before any table loads, so a rerun of one table cannot change a key another table points
at. The registry is append-only: known entities keep their number, a new entity gets the next
number of its table (in extract order), and nothing is ever renumbered or removed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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
        # The registry holds every table's keys (millions of rows at scale): DuckDB reads only the wanted
        # tables' rows, in the file's order, where pandas' filters read the whole file first.
        schema = pq.read_schema(path)
        missing = [c for c in REGISTRY_COLUMNS if c not in schema.names]
        if missing:
            raise MigrationInputError(path, f"key registry lacks column(s) {', '.join(missing)}")
        registry = pd.read_parquet(path) if tables is None else _read_tables(path, schema, tables)
    except MigrationInputError:
        raise
    except Exception as exc:  # a damaged registry must stop the run, never be silently rebuilt
        raise MigrationInputError(path, f"key registry cannot be read ({exc})") from None
    return registry


def _read_tables(path: Path, schema: pa.Schema, tables: list[str]) -> pd.DataFrame:
    """The rows of ``tables``, typed as ``pd.read_parquet`` types them (the file's own pandas metadata)."""
    with duckdb.connect() as con:
        rows = con.sql(
            "SELECT * FROM read_parquet($path) WHERE list_contains($tables, target_table)",
            params={"path": str(path), "tables": [str(t) for t in tables]},
        ).to_arrow_table()
    return rows.cast(schema).to_pandas()


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
        # Arrow columns, filtered per table in Arrow: a pandas groupby and take cost seconds at scale.
        self._columns = pa.table(
            {
                "target_table": pa.array(registry["target_table"].astype("string").array, type=pa.large_string()),
                "grain_key": pa.array(registry["grain_key"].astype("string").array, type=pa.large_string()),
                "record_number": pa.array(registry["record_number"].to_numpy()),
            }
        )

    def __missing__(self, table: str) -> pd.Series:
        part = self._columns.filter(pc.equal(self._columns["target_table"], table))
        if part.num_rows == 0:
            numbers = pd.Series(dtype="int64")
        else:
            # The keys stay Arrow text: a Python object per key costs more than every lookup made by them.
            keys = pd.Index(pd.arrays.ArrowStringArray(part["grain_key"].combine_chunks()), dtype="string")
            numbers = pd.Series(part["record_number"].to_numpy(), index=keys)
        self[table] = numbers
        return numbers

    def get(self, table: str, default: object = None) -> pd.Series:  # type: ignore[override]
        return self[table]


def numbers_of(keys: pd.Series, numbers: pd.Series) -> pd.Series:
    """``keys.astype(str).map(numbers)`` (grain key -> record number; NaN, as float, where unknown), looked
    up in Arrow: pandas' map hashes a Python object per key of the table's registry."""
    text = pa.array(keys.astype("string").array, type=pa.large_string())
    pool = pa.array(pd.Series(numbers.index, dtype="string").array, type=pa.large_string())
    where = pc.index_in(text, value_set=pool)
    found = pc.take(pa.array(numbers.to_numpy()), where).to_numpy(zero_copy_only=False)
    return pd.Series(found, index=keys.index, name=keys.name)


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
